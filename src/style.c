/* style.c - which phrases are style rather than content.
 *
 * A linear model over word n-grams leans on function words ("by", "has",
 * "of the") and bare numbers as much as on loaded phrases: they carry a
 * house style, and they count. Shown one by one they crowd out the phrases
 * a reader came for, so explanations report them as one term, their sum
 * (classify.c), and the terms still add up to the decision exactly.
 *
 * A phrase is style when every word of it is a function word, a number
 * (digits with , . : / - % signs) or a single character. Words are compared
 * as stems: the function words are stemmed with the model's own stemmer and
 * looked up among the model's stems, so "has" matches however Snowball
 * spells its stem. Only English has a list; other models mark nothing.
 */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "model.h"
#include "vocab.h"

static const char *const english_function_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
    "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into",
    "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor",
    "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
    "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up",
    "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
    "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves",
    "said", "says", "say", "also", "one", "two", "new", "like", "get", "got", "may",
    "might", "must", "shall", "upon", "us", "yet", "per", "via", "among", "within",
    "without", "across", "around", "since", "though", "although", "however", "whether",
    "s", "t", "don", "didn", "doesn", "isn", "wasn", "aren", "weren", "won", "wouldn",
    "couldn", "shouldn", "hasn", "haven", "hadn", "ll", "re", "ve", "d", "m"};

/* A number as news writes it: digits with separators and signs. */
static int is_number(const char *s, size_t n)
{
    int digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits = 1;
        else if (!strchr(",.:/-%$+", s[i]))
            return 0;
    }
    return digits;
}

/* One flag per stem: a function word, a number or a single character. */
static char *style_stems(const slant_model *m)
{
    size_t ns = m->stems.n;
    char *style = calloc(ns ? ns : 1, 1);
    struct sb_stemmer *sb = sb_stemmer_new(m->language, NULL);
    if (!style || !sb) {
        free(style);
        if (sb)
            sb_stemmer_delete(sb);
        return NULL;
    }
    size_t nw = sizeof english_function_words / sizeof english_function_words[0];
    for (size_t i = 0; i < nw; i++) {
        const char *w = english_function_words[i];
        const sb_symbol *st = sb_stemmer_stem(sb, (const sb_symbol *)w, (int)strlen(w));
        size_t len = st ? (size_t)sb_stemmer_length(sb) : strlen(w);
        long id = slantp_strtab_find(&m->stems, st ? (const char *)st : w, len);
        if (id >= 0)
            style[id] = 1;
    }
    sb_stemmer_delete(sb);
    for (size_t i = 0; i < ns; i++) {
        size_t len = m->stems.lens[i];
        const char *k = slantp_strtab_key(&m->stems, i);
        if (len <= 1 || is_number(k, len))
            style[i] = 1;
    }
    return style;
}

int slantp_model_mark_style(slant_model *m)
{
    free(m->style);
    m->style = NULL;
    if (strcmp(m->language, "english") != 0 || m->nfeatures == 0)
        return 0;
    char *stem_is_style = style_stems(m);
    if (!stem_is_style)
        return -1;
    m->style = malloc(m->nfeatures);
    for (size_t f = 0; m->style && f < m->nfeatures; f++) {
        int style = 1;
        for (int k = 0; k < SLANTP_MAX_NGRAM && style; k++) {
            uint64_t part = (m->feat_keys[f] >> (21 * k)) & 0x1fffff;
            if (part)
                style = part - 1 < m->stems.n && stem_is_style[part - 1];
        }
        m->style[f] = (char)style;
    }
    free(stem_is_style);
    return m->style ? 0 : -1;
}
