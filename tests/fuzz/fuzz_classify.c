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
#include "model.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static slant_model *model;
static slant_workspace *ws;
static slant_term *terms;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    slant_error err;
    model = fuzz_small_model();
    if (!(ws = slant_workspace_new(model, &err)))
        abort();
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
