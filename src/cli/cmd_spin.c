/* cmd_spin.c - `slant spin`: spin evidence in single documents (fixed
 * phrases broken by a thesaurus synonym), one line per broken phrase in
 * the compiler-like 'file:line:col:' shape, or one JSON object per file.
 * Also finds the shipped collocation table for `slant trace`.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_cli.h"

#define MAX_HITS 256

static const char usage[] = "slant spin [--spin-table FILE] [--format text|jsonl] FILE ...";

static const char help_text[] =
    "usage: slant spin [options] FILE ...\n"
    "\n"
    "Show where a text breaks a fixed phrase with a synonym, as article spinners\n"
    "do (\"Top Minister\" for \"Prime Minister\"): evidence of a content farm.\n"
    "A phrase counts only when the text never writes the phrase itself.\n"
    "\n"
    "      --spin-table FILE     collocation table (default: the shipped one)\n"
    "  -f, --format FMT          text (default: FILE:LINE:COL: lines) or jsonl\n"
    "  -h, --help                this help\n"
    "\n"
    "Exit status: 0 success, 1 data or I/O failure, 2 usage error.\n";

const char *cli_default_spin_table(const char *given)
{
    static char path[PATH_MAX + 64];
    if (given)
        return given;
    const char *env = getenv("SLANT_SPIN_TABLE");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    static const char *const beside[] = {"models/collocations.tsv",
                                         "../models/collocations.tsv",
                                         "../share/slant/collocations.tsv"};
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        for (size_t i = 0; slash && i < sizeof beside / sizeof beside[0]; i++) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/%s", exe, beside[i]);
            if (access(path, R_OK) == 0)
                return path;
        }
    }
#ifdef SLANT_DATADIR
    snprintf(path, sizeof path, "%s/collocations.tsv", SLANT_DATADIR);
    if (access(path, R_OK) == 0)
        return path;
#endif
    return "models/collocations.tsv";
}

/* 1-based line and column of byte 'at'. */
static void position(const char *text, size_t at, long *line, long *col)
{
    *line = 1;
    size_t start = 0;
    for (size_t i = 0; i < at; i++)
        if (text[i] == '\n')
            (*line)++, start = i + 1;
    *col = (long)(at - start) + 1;
}

static void report_text(cli_out *o, const char *file, const char *text,
                        const slant_spin_hit *h, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        long line, col;
        position(text, h[k].start, &line, &col);
        out_printf(o, "%s:%ld:%ld: '%s' breaks '%s'\n", file, line, col, h[k].found,
                   h[k].collocation);
    }
}

static void report_json(cli_out *o, const char *file, const slant_spin_hit *h, size_t n,
                        size_t found)
{
    out_puts(o, "{\"file\":");
    out_json_string(o, file);
    out_printf(o, ",\"spin_count\":%zu,\"hits\":[", found);
    for (size_t k = 0; k < n; k++) {
        out_puts(o, k ? ",{\"found\":" : "{\"found\":");
        out_json_string(o, h[k].found);
        out_puts(o, ",\"collocation\":");
        out_json_string(o, h[k].collocation);
        out_printf(o, ",\"start\":%zu,\"end\":%zu}", h[k].start, h[k].end);
    }
    out_puts(o, "]}\n");
}

static int scan_file(const slant_spin_table *s, const char *file, int json, cli_out *o)
{
    slant_error err;
    size_t len = 0;
    char *text = NULL;
    slant_spin_hit *hits = malloc(MAX_HITS * sizeof *hits);
    int rc = -1;
    if (!hits)
        cli_errorf("out of memory");
    else if ((text = cli_read_file(file, &len)) != NULL) {
        size_t found = slant_spin_scan(s, text, len, hits, MAX_HITS, &err);
        if (found == (size_t)-1) {
            cli_report(&err);
        } else {
            size_t n = found < MAX_HITS ? found : MAX_HITS;
            if (json)
                report_json(o, file, hits, n, found);
            else
                report_text(o, file, text, hits, n);
            rc = 0;
        }
    }
    free(hits);
    free(text);
    return rc;
}

int cli_cmd_spin(int argc, char **argv)
{
    static const struct option opts[] = {{"spin-table", required_argument, NULL, 'S'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *table = NULL;
    int json = 0, opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(help_text, stdout);
            return cli_close_stdout();
        } else if (opt == 'S') {
            table = optarg;
        } else if (opt == 'f' && (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "text") == 0)) {
            json = strcmp(optarg, "jsonl") == 0;
        } else if (opt == 'f') {
            return cli_usage_error(usage, "unknown format '%s'", optarg);
        } else {
            return cli_option_fallback(opt, usage, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(usage, "no files given");
    slant_error err;
    slant_spin_table *s = slant_spin_load(cli_default_spin_table(table), &err);
    if (!s) {
        cli_report(&err);
        return EXIT_DATA;
    }
    int rc = EXIT_OK;
    cli_out o = {0};
    for (int i = optind; i < argc && rc == EXIT_OK; i++) {
        o.len = 0;
        if (scan_file(s, argv[i], json, &o) < 0)
            rc = EXIT_DATA;
        else if (o.failed)
            cli_errorf("out of memory"), rc = EXIT_DATA;
        else
            fwrite(o.data ? o.data : "", 1, o.len, stdout);
    }
    out_release(&o);
    slant_spin_free(s);
    return rc == EXIT_OK ? cli_close_stdout() : rc;
}
