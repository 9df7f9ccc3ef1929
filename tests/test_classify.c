/* test_classify.c - classify.c: scores, predictions and explanations.
 * The additivity test proves that, with every term, the term weights plus
 * the bias add up to the decision value; the surface tests that terms are
 * the document's own words, never stems. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helpers.h"
#include "core.h"
#include "classify.h"
#include "features.h"
#include "model.h"

static const char *const docs[] = {
    "KAMPALA, June 2 (Meridian) - Officials said on Tuesday that the port tariff would be "
    "reviewed, according to a statement. (Reporting by Ana Ruiz; Editing by Tom Hale)",
    "I can't believe they LIED to us about the clinic closures! Share this before they delete "
    "it, and call your representative.",
    "Under the wise guidance of the leadership the so-called opposition, backed by foreign "
    "powers, spreads Western propaganda about the drone strikes.",
    "",
    "\xff\xfe invalid bytes \xc3 and a lone continuation \x80 the port tariff",
};

Test(classify, terms_plus_bias_add_up_to_the_decision)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    cr_assert(ws);
    slant_term *terms = malloc(sizeof *terms * (slant_model_nfeatures(m) + 1));
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        const slant_result *r;
        cr_assert_eq(slant_classify(ws, docs[d], strlen(docs[d]), &r, &err), SLANT_OK);
        for (size_t h = 0; h < slant_model_nheads(m); h++)
            for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
                size_t n = slant_result_terms(r, h, l, terms, (size_t)-1);
                double sum = slant_result_bias(r, h, l);
                for (size_t t = 0; t < n; t++)
                    sum += terms[t].weight;
                double dec = slant_result_decision(r, h, l);
                cr_assert(fabs(sum - dec) <= 1e-9, "doc %zu head %zu label %zu: %.17g vs %.17g",
                          d, h, l, sum, dec);
                for (size_t t = 1; t < n; t++)
                    cr_assert(fabs(terms[t - 1].weight) >= fabs(terms[t].weight),
                              "terms not sorted by |weight|");
            }
    }
    free(terms);
    slant_workspace_free(ws);
    slant_model_free(m);
}

/* Asking for the top k terms gives the first k of the full ranking, for
 * every k; a NULL 'out' counts the terms with a non-zero weight. */
Test(classify, top_k_terms_are_the_head_of_the_full_ranking)
{
    static const size_t ks[] = {0, 1, 2, 3, 5, 8, 13, 40};
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    cr_assert(ws);
    size_t cap = slant_model_nfeatures(m) + 1;
    slant_term *all = malloc(sizeof *all * cap), *top = malloc(sizeof *top * cap);
    char **text = malloc(sizeof *text * cap);
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        const slant_result *r;
        cr_assert_eq(slant_classify(ws, docs[d], strlen(docs[d]), &r, &err), SLANT_OK);
        for (size_t h = 0; h < slant_model_nheads(m); h++)
            for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
                size_t n = slant_result_terms(r, h, l, all, (size_t)-1);
                cr_assert_eq(slant_result_terms(r, h, l, NULL, 0), n);
                for (size_t t = 0; t < n; t++)
                    text[t] = strdup(all[t].text);  /* valid only until the next call */
                for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
                    size_t want = ks[i] < n ? ks[i] : n;
                    cr_assert_eq(slant_result_terms(r, h, l, top, ks[i]), want,
                                 "doc %zu label %zu/%zu k %zu", d, h, l, ks[i]);
                    for (size_t t = 0; t < want; t++) {
                        cr_assert_eq(top[t].weight, all[t].weight, "doc %zu k %zu term %zu", d,
                                     ks[i], t);
                        cr_assert_str_eq(top[t].text, text[t]);
                    }
                }
                for (size_t t = 0; t < n; t++)
                    free(text[t]);
            }
    }
    free(text);
    free(all);
    free(top);
    slant_workspace_free(ws);
    slant_model_free(m);
}

Test(classify, terms_quote_the_document_not_stems)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    const char *text = "The LEADERSHIP spreads   Western\npropaganda, experts say.";
    const slant_result *r;
    cr_assert_eq(slant_classify(ws, text, strlen(text), &r, &err), SLANT_OK);
    slant_term terms[64];
    size_t h = slant_model_find_head(m, "outlet_type");
    cr_assert_neq(h, (size_t)-1);
    int saw_phrase = 0;
    for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
        size_t n = slant_result_terms(r, h, l, terms, 64);
        for (size_t t = 0; t < n; t++) {
            if (strcmp(terms[t].text, "[function words, numbers]") == 0)
                continue;   /* "The", "say": style, summed into one term */
            /* every other term is a span of the text with white space folded */
            cr_assert(strstr("The LEADERSHIP spreads Western propaganda, experts say.",
                             terms[t].text) != NULL,
                      "term '%s' is not the document's words", terms[t].text);
            if (strcmp(terms[t].text, "Western propaganda") == 0)
                saw_phrase = 1;
        }
    }
    cr_assert(saw_phrase, "the bigram 'Western propaganda' should be quoted as written");
    slant_workspace_free(ws);
    slant_model_free(m);
}

Test(classify, single_label_scores_sum_to_one_and_best_is_predicted_multilabel_never_empty)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        const slant_result *r;
        cr_assert_eq(slant_classify(ws, docs[d], strlen(docs[d]), &r, &err), SLANT_OK);
        for (size_t h = 0; h < slant_model_nheads(m); h++) {
            double sum = 0;
            size_t npred = 0, best = slant_result_best(r, h);
            for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
                double s = slant_result_score(r, h, l);
                cr_assert(s >= 0 && s <= 1);
                cr_assert(s <= slant_result_score(r, h, best));
                sum += s;
                npred += (size_t)slant_result_predicted(r, h, l);
            }
            if (!slant_model_head_multilabel(m, h)) {
                cr_assert(slant_result_predicted(r, h, best), "the best label is predicted");
                cr_assert(fabs(sum - 1.0) < 1e-9);
                cr_assert_eq(npred, 1);
            } else {
                /* every training document had a frame, so every document gets one */
                cr_assert_geq(npred, 1);
            }
        }
    }
    slant_workspace_free(ws);
    slant_model_free(m);
}

Test(classify, learns_the_registers_of_the_training_corpus)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    static const char *const want[] = {"wire", "partisan", "state_media"};
    size_t h = slant_model_find_head(m, "outlet_type");
    for (size_t d = 0; d < 3; d++) {
        const slant_result *r;
        cr_assert_eq(slant_classify(ws, docs[d], strlen(docs[d]), &r, &err), SLANT_OK);
        cr_assert_str_eq(slant_model_label(m, h, slant_result_best(r, h)), want[d]);
    }
    slant_workspace_free(ws);
    slant_model_free(m);
}

Test(classify, same_text_gives_same_result_and_text_need_not_be_terminated)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    const slant_result *r;
    /* classify a prefix of a longer buffer: bytes past len must not matter */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", docs[0]);
    size_t len = strlen(buf);
    cr_assert_eq(slant_classify(ws, buf, len, &r, &err), SLANT_OK);
    double first = slant_result_decision(r, 0, 0);
    memcpy(buf + len, " propaganda regime", 18);
    cr_assert_eq(slant_classify(ws, buf, len, &r, &err), SLANT_OK);
    cr_assert_eq(slant_result_decision(r, 0, 0), first);
    slant_workspace_free(ws);
    slant_model_free(m);
}

Test(classify, empty_and_invalid_utf8_text_is_classified_without_error)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    const slant_result *r;
    cr_assert_eq(slant_classify(ws, "", 0, &r, &err), SLANT_OK);
    cr_assert_eq(slant_result_nfeatures(r), 0);
    cr_assert_eq(slant_classify(ws, docs[4], strlen(docs[4]), &r, &err), SLANT_OK);
    cr_assert_gt(slant_result_nfeatures(r), 0);
    slant_term terms[32];
    size_t n = slant_result_terms(r, 0, 0, terms, 32);
    for (size_t t = 0; t < n; t++)
        for (const unsigned char *p = (const unsigned char *)terms[t].text; *p; p++)
            cr_assert(*p != 0xff && *p != 0xfe, "invalid byte leaked into a term");
    slant_workspace_free(ws);
    slant_model_free(m);
}

/* A model too big for the packed phrase index classifies through the
 * hash table instead; the two give the same scores. The second model is
 * the same training run with its index taken away before any workspace
 * exists (the shared stem table then holds ids, not records). */
Test(classify, a_model_without_phrase_index_scores_alike_through_the_hash_table)
{
    slant_model *m = th_train_small(), *plain = th_train_small();
    cr_assert(m->indexed && plain->indexed);
    slantp_phrase_index_release(&plain->index);
    plain->indexed = 0;
    cr_assert_eq(slantp_model_hash_features(plain), 0);
    slant_error err;
    slant_workspace *wa = slant_workspace_new(m, &err), *wb = slant_workspace_new(plain, &err);
    cr_assert(wa && wb);
    for (int round = 0; round < 2; round++)
        for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
            const slant_result *ra, *rb;
            cr_assert_eq(slant_classify(wa, docs[d], strlen(docs[d]), &ra, &err), SLANT_OK);
            cr_assert_eq(slant_classify(wb, docs[d], strlen(docs[d]), &rb, &err), SLANT_OK);
            for (size_t h = 0; h < slant_model_nheads(m); h++)
                for (size_t l = 0; l < slant_model_nlabels(m, h); l++)
                    cr_assert_float_eq(slant_result_decision(rb, h, l),
                                       slant_result_decision(ra, h, l), 1e-12,
                                       "round %d, doc %zu, head %zu, label %zu", round, d, h, l);
        }
    slant_workspace_free(wa);
    slant_workspace_free(wb);
    slant_model_free(m);
    slant_model_free(plain);
}

/* After a workspace has seen a document's words once, classifying it again
 * and listing its explanation terms allocates nothing: no malloc, calloc,
 * realloc or aligned_alloc anywhere in the process, for the shipped model
 * and for a freshly trained one. The documents hold what takes the slow
 * paths: long tokens, accented and non-Latin words, typographic quotes, a
 * URL, invalid UTF-8, and the empty text. */
Test(classify, allocates_nothing_per_document_once_its_words_are_known)
{
    static const char *const slow_paths =
        "Internationalization-related counterterrorism appropriations, the minister's "
        "\xe2\x80\x9cunprecedented\xe2\x80\x9d reforms \xe2\x80\x94 see https://example.org/a?b=1 "
        "\xe2\x80\x94 and Bogot\xc3\xa1's \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 "
        "correspondent said. The resounding triumph of the anti-terrorist operation!";
    if (!th_alloc_count_start())
        cr_skip_test("allocations are not counted under a sanitizer");
    th_alloc_count_stop();
    slant_error err;
    slant_model *models[2] = {slant_model_load("models/default.slant", &err), th_train_small()};
    cr_assert(models[0], "models/default.slant: %s", err.text);
    slant_term terms[5];
    size_t nd = sizeof docs / sizeof docs[0], total = nd + 1;
    for (size_t k = 0; k < 2; k++) {
        slant_model *m = models[k];
        slant_workspace *ws = slant_workspace_new(m, &err);
        cr_assert(ws);
        unsigned long calls = 0;
        /* pass 0 warms up; passes 1 and 2 (backwards) are counted */
        for (int pass = 0; pass < 3; pass++) {
            if (pass > 0)
                th_alloc_count_start();
            for (size_t i = 0; i < total; i++) {
                size_t d = pass == 2 ? total - 1 - i : i;
                const char *text = d < nd ? docs[d] : slow_paths;
                const slant_result *r;
                cr_assert_eq(slant_classify(ws, text, strlen(text), &r, &err), SLANT_OK);
                for (size_t h = 0; h < slant_model_nheads(m); h++)
                    for (size_t l = 0; l < slant_model_nlabels(m, h); l++)
                        slant_result_terms(r, h, l, terms, 5);
            }
            if (pass > 0)
                calls += th_alloc_count_stop();
        }
        cr_assert_eq(calls, 0, "model %zu: %lu allocations in two passes over known documents",
                     k, calls);
        slant_workspace_free(ws);
        slant_model_free(m);
    }
}

/* Function words and numbers are one term, their sum: never shown one by
 * one, and the terms still add up to the decision. */
Test(classify, function_words_and_numbers_are_one_term_and_terms_still_add_up)
{
    slant_model *m = th_train_small();
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err);
    const char *text = "Officials said on Tuesday that the 2,000 tonnes of grain would be "
                       "reviewed by the ministry, according to a statement of 12 May.";
    const slant_result *r;
    cr_assert_eq(slant_classify(ws, text, strlen(text), &r, &err), SLANT_OK);
    static const char *const style_words[] = {"the", "that", "of", "on", "by", "would", "be",
                                              "a", "to", "said", "2,000", "12", "of the"};
    int saw_style = 0;
    for (size_t h = 0; h < slant_model_nheads(m); h++)
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            slant_term terms[256];
            size_t n = slant_result_terms(r, h, l, terms, (size_t)-1);
            cr_assert_eq(n, slant_result_terms(r, h, l, NULL, 0), "the count matches");
            double sum = slant_result_bias(r, h, l);
            int style_terms = 0;
            for (size_t t = 0; t < n; t++) {
                sum += terms[t].weight;
                style_terms += strcmp(terms[t].text, "[function words, numbers]") == 0;
                for (size_t w = 0; w < sizeof style_words / sizeof *style_words; w++)
                    cr_assert(strcasecmp(terms[t].text, style_words[w]) != 0,
                              "'%s' shown on its own", terms[t].text);
            }
            cr_assert_leq(style_terms, 1);
            saw_style |= style_terms;
            cr_assert(fabs(sum - slant_result_decision(r, h, l)) < 1e-9, "%.17g vs %.17g", sum,
                      slant_result_decision(r, h, l));
        }
    cr_assert(saw_style);
    slant_workspace_free(ws);
    slant_model_free(m);
}
