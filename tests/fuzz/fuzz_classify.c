/* fuzz_classify.c - libFuzzer harness: tokenizing and classifying any
 * bytes with a small model trained at start-up. Every score is a
 * probability, a single-label head's scores sum to 1, and each label's
 * terms (all of them) plus its bias add up to its decision. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "classify.h"
#include "dataset.h"
#include "model.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static slant_model *model;
static slant_workspace *ws;
static slant_term *terms;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const texts[][2] = {
        {"wire", "LIMA, May 2 (Meridian) - Officials said on Tuesday the port tariff would be reviewed."},
        {"wire", "GOMA, June 4 (Meridian) - Two officials said talks continued, according to a statement."},
        {"partisan", "They LIED to us again! Share this before they delete it. Call your representative."},
        {"partisan", "I can't believe this. We deserve better, and you know it. What are they hiding??"},
        {"state_media", "Under the wise guidance of the leadership, the so-called opposition spreads lies."},
        {"state_media", "The people firmly support the glorious policy and reject Western propaganda."}};
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    for (size_t i = 0; i < 24; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%zu", i);
        const char *t = texts[i % 6][1];
        if (slantp_dataset_add(d, id, t, strlen(t), NULL, "seed", (long)i) < 0 ||
            slantp_dataset_add_label(d, "outlet_type", 0, texts[i % 6][0], &err) != SLANT_OK ||
            slantp_dataset_add_label(d, "frames", 1, i % 2 ? "Economic" : "Political", &err))
            abort();
    }
    slant_train_options o;
    slant_train_options_init(&o);
    o.min_df = 1;
    o.folds = 3;
    o.threads = 1;
    if (slant_train(d, &o, &model, &err) != SLANT_OK || !(ws = slant_workspace_new(model, &err)))
        abort();
    slant_dataset_free(d);
    terms = malloc(sizeof *terms * (slant_model_nfeatures(model) + 1));
    return terms ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const slant_result *r;
    slant_error err;
    if (slant_classify(ws, (const char *)data, size, &r, &err) != SLANT_OK)
        return 0;
    for (size_t h = 0; h < slant_model_nheads(model); h++) {
        double sum = 0;
        for (size_t l = 0; l < slant_model_nlabels(model, h); l++) {
            double s = slant_result_score(r, h, l), dec = slant_result_decision(r, h, l);
            if (!(s >= 0 && s <= 1) || !isfinite(dec))
                abort();
            sum += s;
            size_t n = slant_result_terms(r, h, l, terms, (size_t)-1);
            double total = slant_result_bias(r, h, l);
            for (size_t t = 0; t < n; t++)
                total += terms[t].weight;
            if (fabs(total - dec) > 1e-9 * (1 + fabs(dec)))
                abort();
        }
        if (!slant_model_head_multilabel(model, h) && fabs(sum - 1) > 1e-9)
            abort();
    }
    return 0;
}
