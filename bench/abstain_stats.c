/* abstain_stats.c - how the language check (src/abstain.c) sees a corpus:
 * per document, the share of Latin letters, of English function words and
 * the word count; then how many documents abstain at the given thresholds,
 * and why. Arguments: JSONL files (the "text" field of each line) or plain
 * text files (one document each), and optionally
 *     --words N --latin X --stopwords X
 * Built by 'make bench-abstain'; the figures are in bench/README.md. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstain.h"
#include "core.h"
#include "io.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct tally {
    double *stop, *latin;
    size_t n, cap, abstained, short_, foreign;
} tally;

static void count(tally *t, const char *name, const char *text, size_t len,
                  const slantp_abstain_options *o, int verbose)
{
    slantp_lang_stats st;
    slantp_lang_measure(text, len, &st);
    char why[128];
    const char *r = slantp_abstain_reason(&st, o, why, sizeof why);
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->stop = realloc(t->stop, t->cap * sizeof *t->stop);
        t->latin = realloc(t->latin, t->cap * sizeof *t->latin);
    }
    t->stop[t->n] = st.words ? (double)st.stopwords / (double)st.words : 0;
    t->latin[t->n] = st.letters ? (double)st.script[SLANTP_SCRIPT_LATIN] / (double)st.letters : 0;
    t->n++;
    if (r) {
        t->abstained++;
        t->short_ += strncmp(r, "too short", 9) == 0;
        t->foreign += strncmp(r, "not english", 11) == 0;
    }
    if (verbose || (r && t->abstained <= 20))
        printf("  %s: %zu words, %.1f%% stopwords, %.1f%% Latin: %s\n", name, st.words,
               100 * t->stop[t->n - 1], 100 * t->latin[t->n - 1], r ? r : "classified");
}

static void read_jsonl(tally *t, const char *path, const slantp_abstain_options *o)
{
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    if (slantp_lines_open(&lr, path, SLANTP_MAX_LINE, &err) != SLANT_OK) {
        fprintf(stderr, "%s\n", err.text);
        exit(1);
    }
    const char *line;
    size_t len;
    while (slantp_lines_next(&lr, &line, &len, &err) == 1) {
        json_t *j = json_loadb(line, len, 0, NULL);
        const char *text = json_string_value(json_object_get(j, "text"));
        const char *id = json_string_value(json_object_get(j, "id"));
        if (text)
            count(t, id ? id : path, text, strlen(text), o, 0);
        json_decref(j);
    }
    slantp_lines_close(&lr);
}

int main(int argc, char **argv)
{
    slantp_abstain_options o;
    slantp_abstain_options_init(&o);
    tally t = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--words") == 0 && i + 1 < argc)
            o.min_words = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--latin") == 0 && i + 1 < argc)
            o.min_latin = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--stopwords") == 0 && i + 1 < argc)
            o.min_stopwords = strtod(argv[++i], NULL);
        else if (strstr(argv[i], ".jsonl"))
            read_jsonl(&t, argv[i], &o);
        else {
            slantp_buf b = {0};
            slant_error err;
            slantp_error_clear(&err);
            if (slantp_read_file(argv[i], SLANTP_MAX_DOC, &b, &err) == SLANT_OK)
                count(&t, argv[i], b.data, b.len, &o, 1);
            slantp_buf_release(&b);
        }
    }
    if (t.n == 0)
        return 0;
    qsort(t.stop, t.n, sizeof *t.stop, cmp_double);
    qsort(t.latin, t.n, sizeof *t.latin, cmp_double);
    printf("%zu documents; thresholds: %zu words, %.2f Latin, %.2f stopwords\n", t.n,
           o.min_words, o.min_latin, o.min_stopwords);
    printf("stopword share: min %.3f  p0.1 %.3f  p1 %.3f  p5 %.3f  median %.3f\n", t.stop[0],
           t.stop[t.n / 1000], t.stop[t.n / 100], t.stop[t.n / 20], t.stop[t.n / 2]);
    printf("Latin share:    min %.3f  p0.1 %.3f  p1 %.3f  median %.3f\n", t.latin[0],
           t.latin[t.n / 1000], t.latin[t.n / 100], t.latin[t.n / 2]);
    printf("abstained: %zu (%.2f%%): %zu too short, %zu not english\n", t.abstained,
           100.0 * (double)t.abstained / (double)t.n, t.short_, t.foreign);
    free(t.stop);
    free(t.latin);
    return 0;
}
