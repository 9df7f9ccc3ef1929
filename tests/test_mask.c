/* test_mask.c - mask.c: names blanked at word boundaries, as written or in capitals,
 * longest first, in their short forms, keeping the text's length. */
#include <criterion/criterion.h>
#include <string.h>

#include "core.h"
#include "mask.h"

Test(mask, names_are_blanked_where_they_stand_as_words)
{
    static const struct {
        const char *text, *field;
        const char *names[3];
        const char *want;
        size_t hits;
    } cases[] = {
        {"WASHINGTON (Reuters) - said", "Reuters", {NULL}, "WASHINGTON (       ) - said", 1},
        {"REUTERS and Reuters, not reuters", "Reuters", {NULL}, "        and        , not reuters", 2},
        {"AP said, not APPLE or cap", NULL, {"AP"}, "   said, not APPLE or cap", 1},
        {"CNN reported; CNN (Web News) too", "CNN (Web News)", {NULL},
         "    reported;                too", 2},
        {"Newsmax - Opinion: Newsmax says", "Newsmax - Opinion", {NULL},
         "                 :         says", 2},
        {"The Daily Caller and Daily Caller", "The Daily Caller", {NULL},
         "                 and             ", 2},
        {"Associated Press (AP)", NULL, {"AP", "Associated Press"}, "                 (  )", 2},
        {"no name here", "Breitbart", {"TASS"}, "no name here", 0},
        {"Fox's view", "Fox", {NULL}, "   's view", 1},
        {"The Nation says the nation", "The Nation", {NULL}, "           says the nation", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        size_t len = strlen(cases[i].text), nn = 0;
        memcpy(buf, cases[i].text, len + 1);
        while (nn < 3 && cases[i].names[nn])
            nn++;
        size_t hits = slantp_mask_names(buf, len, cases[i].field, cases[i].names, nn);
        cr_assert_str_eq(buf, cases[i].want, "case %zu", i);
        cr_assert_eq(hits, cases[i].hits, "case %zu: %zu hits", i, hits);
    }
}
