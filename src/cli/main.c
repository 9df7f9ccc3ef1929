/* main.c - the slant executable: everything else is in cli.c. */
#include "cli.h"

int main(int argc, char **argv)
{
    return slant_cli_main(argc, argv);
}
