/* test_abstain.c - abstain.c: texts in other languages and scripts, and
 * texts too short to classify, are refused with the reason; English
 * articles are not. The foreign samples are in tests/data/lang. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "abstain.h"
#include "helpers.h"

/* A parameter holds no pointer (each test is a fresh process): it is a
 * row index of a static table, as in test_text.c. */
#define TABLE_PARAMETERS(suite, name, table)                                  \
    ParameterizedTestParameters(suite, name)                                  \
    {                                                                         \
        static size_t idx[sizeof table / sizeof table[0]];                    \
        for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)           \
            idx[k] = k;                                                       \
        return cr_make_param_array(size_t, idx, sizeof table / sizeof table[0]); \
    }

static const char *check_file(const char *path, char *why, size_t size)
{
    size_t len;
    char *text = th_read(path, &len);
    cr_assert_not_null(text, "cannot read %s (run from the top directory)", path);
    const char *r = slantp_abstain_check(text, len, NULL, why, size);
    free(text);
    return r;
}

static const struct {
    const char *path, *why;
} foreign[] = {
    {"tests/data/lang/fr.txt", "not english: 0% stopwords, 100% Latin letters"},
    {"tests/data/lang/de.txt", "not english: 0% stopwords, 100% Latin letters"},
    {"tests/data/lang/es.txt", "not english: 0% stopwords, 100% Latin letters"},
    {"tests/data/lang/ru.txt", "not english: 0% stopwords, 100% Cyrillic letters"},
    {"tests/data/lang/zh.txt", "not english: 0% stopwords, 100% CJK letters"},
};

TABLE_PARAMETERS(abstain, other_languages_are_refused, foreign)

ParameterizedTest(size_t *i, abstain, other_languages_are_refused)
{
    char why[128];
    const char *r = check_file(foreign[*i].path, why, sizeof why);
    cr_assert_not_null(r, "%s was not refused", foreign[*i].path);
    cr_assert_eq(r, why, "the reason is written into the caller's buffer");
    cr_assert_str_eq(r, foreign[*i].why);
}

static const char *const english[] = {
    "tests/data/article.txt",
    "examples/wire-desalination.txt",
    "examples/partisan-chess.txt",
    "examples/official-dam-inspection.txt",
    "examples/state-media-satellite.txt",
    "examples/content-farm-vaccine-cold-chain.txt",
    "examples/mainstream-fishing-quota.txt",
};

TABLE_PARAMETERS(abstain, english_articles_are_classified, english)

ParameterizedTest(size_t *i, abstain, english_articles_are_classified)
{
    char why[128];
    const char *r = check_file(english[*i], why, sizeof why);
    cr_assert_null(r, "%s: %s", english[*i], r);
}

Test(abstain, short_text_is_refused_with_its_word_count)
{
    const char text[] = "The minister said on Tuesday that the bridge would reopen in May.";
    char why[64];
    cr_assert_str_eq(slantp_abstain_check(text, sizeof text - 1, NULL, why, sizeof why),
                     "too short: 12 words");
    cr_assert_str_eq(slantp_abstain_check("Hello", 5, NULL, why, sizeof why), "too short: 1 word");
    cr_assert_str_eq(slantp_abstain_check("150 14 2026", 11, NULL, why, sizeof why),
                     "too short: 0 words");
    cr_assert_str_eq(slantp_abstain_check("", 0, NULL, why, sizeof why), "too short: 0 words");
}

Test(abstain, thresholds_are_parameters)
{
    const char text[] = "The minister said on Tuesday that the bridge would reopen in May.";
    slantp_abstain_options o;
    slantp_abstain_options_init(&o);
    o.min_words = 5;
    char why[64];
    cr_assert_null(slantp_abstain_check(text, sizeof text - 1, &o, why, sizeof why));
    o.min_stopwords = 0.9;
    cr_assert_str_eq(slantp_abstain_check(text, sizeof text - 1, &o, why, sizeof why),
                     "not english: 42% stopwords, 100% Latin letters");
}

Test(abstain, counts_words_scripts_and_stopwords)
{
    /* "THE", "it's", "said" and "from" are function words; "Москва" is six
     * Cyrillic letters; "3" is no word */
    const char text[] = "THE mayor, it's said, met 3 envoys from \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba"
                        "\xd0\xb2\xd0\xb0 (x2) \xff today.";
    slantp_lang_stats st;
    slantp_lang_measure(text, sizeof text - 1, &st);
    cr_assert_eq(st.words, 10, "got %zu", st.words);
    cr_assert_eq(st.stopwords, 4, "got %zu", st.stopwords);
    cr_assert_eq(st.script[SLANTP_SCRIPT_CYRILLIC], 6);
    cr_assert_eq(st.letters, st.script[SLANTP_SCRIPT_LATIN] + 6);
}

Test(abstain, a_long_reason_is_cut_to_the_buffer)
{
    char why[12];
    const char *r = slantp_abstain_check("Hello", 5, NULL, why, sizeof why);
    cr_assert_str_eq(r, "too short: ");
}
