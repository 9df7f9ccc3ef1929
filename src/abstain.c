/* abstain.c - a cheap check that a text is in the model's language before
 * it is classified, so that a Russian article or a list of numbers gets
 * "not english" instead of a confident label made of digits.
 *
 * Two signals, both robust on short texts: the share of letters in Latin
 * script, and the share of words that are English function words (a
 * short list, without the words French, German and Spanish share with
 * English: "a", "on", "in", "an", "so", "was", "will", "die", "me"...). Plus a
 * word count below which no model should be trusted. The shipped model is
 * English; the list is the only English-specific part.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "abstain.h"

void slantp_abstain_options_init(slantp_abstain_options *o)
{
    o->min_words = 20;
    o->min_latin = 0.4;
    o->min_stopwords = 0.08;
}

/* Lower case ASCII. */
static const char *const stopwords[] = {
    "about", "after", "against", "all", "also", "and", "are", "as", "at", "be", "because",
    "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "during", "each", "for", "from", "had", "has", "have", "he", "her", "him", "his",
    "how", "i", "if", "into", "is", "it", "it's", "its", "more", "most", "my", "no", "not",
    "of", "one", "only", "or", "other", "our", "out", "over", "said", "says", "she", "should",
    "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "under", "up", "very", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "why", "with", "would", "you", "your",
};

/* The stopwords in an open-addressed table of their FNV-1a hashes, built
 * once: a lookup per word of every document must cost next to nothing. */
enum { STOP_SLOTS = 512 };
static uint32_t stop_hash[STOP_SLOTS];
static const char *stop_word[STOP_SLOTS];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static uint32_t fnv1a(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h | 1;
}

static void build_stop_table(void)
{
    for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
        uint32_t h = fnv1a(stopwords[i], strlen(stopwords[i]));
        size_t at = h & (STOP_SLOTS - 1);
        while (stop_hash[at])
            at = (at + 1) & (STOP_SLOTS - 1);
        stop_hash[at] = h;
        stop_word[at] = stopwords[i];
    }
}

static int is_stopword(const char *w, size_t n)
{
    char low[16];
    if (n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 0x80)
            return 0;
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    pthread_once(&stop_once, build_stop_table);
    uint32_t h = fnv1a(low, n);
    for (size_t at = h & (STOP_SLOTS - 1); stop_hash[at]; at = (at + 1) & (STOP_SLOTS - 1))
        if (stop_hash[at] == h && strlen(stop_word[at]) == n && memcmp(stop_word[at], low, n) == 0)
            return 1;
    return 0;
}

static enum slantp_script script_of(utf8proc_int32_t c)
{
    static const struct { utf8proc_int32_t lo, hi; enum slantp_script s; } ranges[] = {
        {0x0000, 0x024f, SLANTP_SCRIPT_LATIN},      {0x0370, 0x03ff, SLANTP_SCRIPT_GREEK},
        {0x0400, 0x052f, SLANTP_SCRIPT_CYRILLIC},   {0x0590, 0x05ff, SLANTP_SCRIPT_HEBREW},
        {0x0600, 0x06ff, SLANTP_SCRIPT_ARABIC},     {0x0750, 0x077f, SLANTP_SCRIPT_ARABIC},
        {0x0900, 0x097f, SLANTP_SCRIPT_DEVANAGARI}, {0x0e00, 0x0e7f, SLANTP_SCRIPT_THAI},
        {0x1100, 0x11ff, SLANTP_SCRIPT_HANGUL},     {0x1e00, 0x1eff, SLANTP_SCRIPT_LATIN},
        {0x3040, 0x30ff, SLANTP_SCRIPT_CJK},        {0x3400, 0x9fff, SLANTP_SCRIPT_CJK},
        {0xac00, 0xd7af, SLANTP_SCRIPT_HANGUL},     {0xf900, 0xfaff, SLANTP_SCRIPT_CJK},
        {0xff21, 0xff5a, SLANTP_SCRIPT_LATIN},      {0x20000, 0x3ffff, SLANTP_SCRIPT_CJK},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (c >= ranges[i].lo && c <= ranges[i].hi)
            return ranges[i].s;
    return SLANTP_SCRIPT_OTHER;
}

static const char *script_name(enum slantp_script s)
{
    static const char *const names[SLANTP_NSCRIPTS] = {
        "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "CJK", "Hangul", "Thai",
        "other"};
    return names[s];
}

static int is_letter(utf8proc_int32_t c)
{
    utf8proc_category_t cat = utf8proc_category(c);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

static int is_word_char(utf8proc_int32_t c)
{
    utf8proc_category_t cat = utf8proc_category(c);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_NO) || c == '\'' ||
           c == 0x2019;
}

/* Close the word [start, end) that has 'letters' letters. */
static void end_word(slantp_lang_stats *st, const char *start, const char *end, size_t letters)
{
    if (letters == 0)
        return;
    st->words++;
    st->stopwords += (size_t)is_stopword(start, (size_t)(end - start));
}

void slantp_lang_measure(const char *text, size_t len, slantp_lang_stats *st)
{
    memset(st, 0, sizeof *st);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text, *end = p + len;
    const char *word = NULL;
    size_t word_letters = 0;
    while (p < end) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = 1;
        int word_char, letter;
        if (*p < 0x80) {
            /* most of a news text: no need to ask utf8proc */
            c = *p;
            letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            word_char = letter || (c >= '0' && c <= '9') || c == '\'';
        } else {
            k = utf8proc_iterate(p, end - p > 4 ? 4 : end - p, &c);
            if (k < 1) {
                k = 1;
                c = -1;
            }
            word_char = c >= 0 && is_word_char(c);
            letter = word_char && is_letter(c);
        }
        if (word_char) {
            if (!word) {
                word = (const char *)p;
                word_letters = 0;
            }
            if (letter) {
                word_letters++;
                st->letters++;
                st->script[script_of(c)]++;
            }
        } else if (word) {
            end_word(st, word, (const char *)p, word_letters);
            word = NULL;
        }
        p += k;
    }
    if (word)
        end_word(st, word, (const char *)end, word_letters);
}

static int percent(size_t part, size_t whole)
{
    return whole ? (int)((100.0 * (double)part) / (double)whole + 0.5) : 0;
}

const char *slantp_abstain_reason(const slantp_lang_stats *st, const slantp_abstain_options *o,
                                  char *why, size_t size)
{
    slantp_abstain_options dflt;
    if (!o) {
        slantp_abstain_options_init(&dflt);
        o = &dflt;
    }
    int stop = percent(st->stopwords, st->words);
    if (st->letters > 0 &&
        (double)st->script[SLANTP_SCRIPT_LATIN] < o->min_latin * (double)st->letters) {
        enum slantp_script top = SLANTP_SCRIPT_CYRILLIC;
        for (int s = SLANTP_SCRIPT_CYRILLIC; s < SLANTP_NSCRIPTS; s++)
            if (st->script[s] > st->script[top])
                top = (enum slantp_script)s;
        snprintf(why, size, "not english: %d%% stopwords, %d%% %s letters", stop,
                 percent(st->script[top], st->letters), script_name(top));
        return why;
    }
    if (st->words < o->min_words) {
        snprintf(why, size, "too short: %zu word%s", st->words, st->words == 1 ? "" : "s");
        return why;
    }
    if ((double)st->stopwords < o->min_stopwords * (double)st->words) {
        snprintf(why, size, "not english: %d%% stopwords, %d%% Latin letters", stop,
                 percent(st->script[SLANTP_SCRIPT_LATIN], st->letters));
        return why;
    }
    return NULL;
}

const char *slantp_abstain_check(const char *text, size_t len, const slantp_abstain_options *o,
                                 char *why, size_t size)
{
    slantp_lang_stats st;
    slantp_lang_measure(text, len, &st);
    return slantp_abstain_reason(&st, o, why, size);
}
