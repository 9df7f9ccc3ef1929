/* fuzz_train.c - libFuzzer harness: training on tiny datasets generated
 * from the input bytes, then saving, loading and classifying. The bytes
 * choose how many records there are, their words (from a small list, so
 * that phrases repeat), their single-label and multi-label labels, empty
 * texts, empty label lists, missing heads, groups and options. Training
 * either refuses with a reason (too few documents or labels) or writes a
 * model that loads, saves again to the same bytes, and classifies with
 * probabilities whose terms and bias add up to each decision. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "classify.h"
#include "dataset.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const words[] = {
    "the",    "minister", "said",    "tariff", "strike", "regime",  "glorious", "they",
    "lied",   "share",    "port",    "talks",  "people", "reject",  "caf\xc3\xa9", "2024",
    "Reuters", "council", "ceasefire", "we",   "deserve", "budget", "court",    "vote"};
static const char *const types[] = {"wire", "partisan", "state_media", "official"};
static const char *const frames[] = {"Economic", "Political", "Morality"};

/* The input read a byte at a time; zeros once it runs out. */
typedef struct bytes {
    const uint8_t *p;
    size_t n;
} bytes;

static unsigned next(bytes *b)
{
    if (!b->n)
        return 0;
    b->n--;
    return *b->p++;
}

/* Record i: its text, its outlet type (or none, or no head at all) and
 * its frames (a possibly empty list). */
static int add_record(slant_dataset *d, bytes *b, size_t i, unsigned ntypes, slant_error *err)
{
    char id[16], text[512], group[8];
    size_t len = 0;
    unsigned nwords = next(b) % 12;
    for (unsigned w = 0; w < nwords; w++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", w ? " " : "",
                                words[next(b) % (sizeof words / sizeof words[0])]);
    snprintf(id, sizeof id, "d%zu", i);
    snprintf(group, sizeof group, "g%u", next(b) % 5);
    if (slantp_dataset_add(d, id, text, len, group, "fuzz", (long)i + 1) < 0)
        return SLANT_ENOMEM;
    unsigned type = next(b);
    if (type % 8 != 7) {
        int rc = slantp_dataset_add_label(d, "outlet_type", 0, types[type % ntypes], err);
        if (rc != SLANT_OK)
            return rc;
    }
    unsigned fr = next(b);
    if (fr & 0x80)
        return SLANT_OK;    /* no frames head on this record */
    int rc = slantp_dataset_add_label(d, "frames", 1, NULL, err);
    for (unsigned k = 0; rc == SLANT_OK && k < 3; k++)
        if (fr & (1u << k))
            rc = slantp_dataset_add_label(d, "frames", 1, frames[k], err);
    return rc;
}

/* What a trained model must do: load from its bytes, save to the same
 * bytes, and classify with coherent scores and explanations. */
static void check_model(const slant_model *m, const char *probe, size_t probe_len)
{
    slantp_buf saved = {0}, again = {0};
    slant_error err;
    if (slantp_model_serialize(m, &saved, &err) != SLANT_OK)
        abort();
    slant_model *loaded = slantp_model_parse(saved.data, saved.len, "fuzz", 0, &err);
    if (!loaded) {
        fprintf(stderr, "a trained model does not load: %s\n", err.text);
        abort();
    }
    if (slantp_model_serialize(loaded, &again, &err) != SLANT_OK || again.len != saved.len ||
        memcmp(again.data, saved.data, saved.len) != 0)
        abort();
    slant_workspace *ws = slant_workspace_new(loaded, &err);
    const slant_result *r;
    if (!ws || slant_classify(ws, probe, probe_len, &r, &err) != SLANT_OK)
        abort();
    slant_term *terms = malloc(sizeof *terms * (slant_model_nfeatures(loaded) + 1));
    if (!terms)
        abort();
    for (size_t h = 0; h < slant_model_nheads(loaded); h++)
        for (size_t l = 0; l < slant_model_nlabels(loaded, h); l++) {
            double s = slant_result_score(r, h, l), dec = slant_result_decision(r, h, l);
            if (!(s >= 0 && s <= 1) || !isfinite(dec))
                abort();
            size_t n = slant_result_terms(r, h, l, terms, (size_t)-1);
            double total = slant_result_bias(r, h, l);
            for (size_t t = 0; t < n; t++)
                total += terms[t].weight;
            if (fabs(total - dec) > 1e-9 * (1 + fabs(dec)))
                abort();
        }
    free(terms);
    slant_workspace_free(ws);
    slant_model_free(loaded);
    slantp_buf_release(&saved);
    slantp_buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bytes b = {data, size};
    unsigned nrecords = 2 + next(&b) % 23, ntypes = 1 + next(&b) % 4, opts = next(&b);
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    memset(&err, 0, sizeof err);
    if (!d)
        return 0;
    for (size_t i = 0; i < nrecords; i++)
        if (add_record(d, &b, i, ntypes, &err) != SLANT_OK)
            abort();    /* the labels above are all valid */
    slant_train_options o;
    slant_train_options_init(&o);
    o.folds = 2 + (int)(opts & 1);
    o.min_df = 1 + (int)((opts >> 1) & 1);
    o.ngram_max = 1 + (int)((opts >> 2) % 3);
    o.inner_grouped = (opts >> 4) & 1;
    o.threads = 1;
    static const double grid[] = {0.5, 2.0};
    o.c_grid = grid;
    o.c_grid_n = 1 + ((opts >> 5) & 1);
    slant_model *m = NULL;
    int rc = slant_train(d, &o, &m, &err);
    if (rc == SLANT_OK) {
        static const char probe[] = "The minister said the tariff talks glorious regime lied.";
        check_model(m, probe, sizeof probe - 1);
    } else if (rc != SLANT_ETRAIN && rc != SLANT_EINVAL) {
        fprintf(stderr, "training failed with %d: %s\n", rc, err.text);
        abort();
    }
    slant_model_free(m);
    slant_dataset_free(d);
    return 0;
}
