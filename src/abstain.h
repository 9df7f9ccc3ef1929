/* abstain.h - is a text in the model's language, and long enough to
 * classify? (abstain.c). Private to the library. */
#ifndef SLANT_ABSTAIN_H
#define SLANT_ABSTAIN_H

#include <stddef.h>

/* The thresholds; slantp_abstain_options_init sets the defaults, chosen on
 * real English articles and on French, German, Spanish, Russian and Chinese
 * samples (bench/README.md). */
typedef struct slantp_abstain_options {
    size_t min_words;        /* fewer words: "too short" */
    double min_latin;        /* smallest share of letters in Latin script */
    double min_stopwords;    /* smallest share of words in the English list */
} slantp_abstain_options;

void slantp_abstain_options_init(slantp_abstain_options *o);

/* What the check counts in a text. */
enum slantp_script { SLANTP_SCRIPT_LATIN, SLANTP_SCRIPT_CYRILLIC, SLANTP_SCRIPT_GREEK,
                     SLANTP_SCRIPT_ARABIC, SLANTP_SCRIPT_HEBREW, SLANTP_SCRIPT_DEVANAGARI,
                     SLANTP_SCRIPT_CJK, SLANTP_SCRIPT_HANGUL, SLANTP_SCRIPT_THAI,
                     SLANTP_SCRIPT_OTHER, SLANTP_NSCRIPTS };

typedef struct slantp_lang_stats {
    size_t letters;                    /* letters of every script */
    size_t script[SLANTP_NSCRIPTS];    /* letters of each script */
    size_t words;                      /* runs of letters, digits and apostrophes with a letter */
    size_t stopwords;                  /* words in the English function-word list */
} slantp_lang_stats;

/* Count letters by script, words and English function words in 'len'
 * bytes of UTF-8 (invalid bytes are skipped). */
void slantp_lang_measure(const char *text, size_t len, slantp_lang_stats *st);

/* NULL when the text may be classified; otherwise the reason, written
 * into 'why' ('size' bytes) and returned: "too short: 12 words",
 * "not english: 4% stopwords, 91% Cyrillic letters". 'o' may be NULL for
 * the defaults. Thread-safe. */
const char *slantp_abstain_check(const char *text, size_t len, const slantp_abstain_options *o,
                                 char *why, size_t size);

/* The same, from counts already made. */
const char *slantp_abstain_reason(const slantp_lang_stats *st, const slantp_abstain_options *o,
                                  char *why, size_t size);

#endif
