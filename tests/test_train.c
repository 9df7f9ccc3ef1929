/* test_train.c - train.c: the full training procedure. Same data and
 * options give the same model bytes; bad data and options are refused with
 * a clear error; folds keep groups together. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helpers.h"
#include "core.h"
#include "classify.h"
#include "dataset.h"
#include "model.h"
#include "vocab.h"

static char *serialize(const slant_model *m, size_t *len)
{
    slantp_buf b = {0};
    slant_error err;
    cr_assert_eq(slantp_model_serialize(m, &b, &err), SLANT_OK);
    *len = b.len;
    return b.data;
}

Test(train, same_data_and_options_give_identical_bytes)
{
    slant_model *a = th_train_small(), *b = th_train_small();
    size_t la, lb;
    char *pa = serialize(a, &la), *pb = serialize(b, &lb);
    cr_assert_eq(la, lb);
    cr_assert(memcmp(pa, pb, la) == 0, "two trainings differ");
    free(pa);
    free(pb);
    slant_model_free(a);
    slant_model_free(b);
}

Test(train, heads_labels_and_calibration_are_recorded)
{
    slant_model *m = th_train_small();
    cr_assert_eq(slant_model_nheads(m), 2);
    size_t fr = slant_model_find_head(m, "frames"), ot = slant_model_find_head(m, "outlet_type");
    cr_assert_neq(fr, (size_t)-1);
    cr_assert_neq(ot, (size_t)-1);
    cr_assert(slant_model_head_multilabel(m, fr));
    cr_assert(!slant_model_head_multilabel(m, ot));
    cr_assert_eq(slant_model_nlabels(m, ot), 3);
    cr_assert_eq(slant_model_nlabels(m, fr), 5);
    for (size_t l = 0; l < slant_model_nlabels(m, ot); l++) {
        double c, a, b, thr;
        size_t nd;
        slant_model_label_info(m, ot, l, &c, &a, &b, &thr, &nd);
        cr_assert(c == 0.3 || c == 1.0, "C %g is not from the grid", c);
        cr_assert_lt(a, 0, "Platt A must make higher decisions more likely");
        cr_assert_eq(nd, 20);
    }
    slant_model_info info;
    slant_model_get_info(m, &info);
    cr_assert_eq(info.ndocs, 60);
    cr_assert(info.used_gram);
    slant_model_free(m);
}

static int train_text(const char *jsonl, slant_error *err)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "d.jsonl");
    th_write(p, jsonl, strlen(jsonl));
    slant_dataset *d = slant_dataset_new();
    int rc = slant_dataset_read(d, p, SLANT_FORMAT_AUTO, NULL, NULL, err);
    slant_model *m = NULL;
    if (rc == SLANT_OK)
        rc = slant_train(d, NULL, &m, err);
    slant_model_free(m);
    slant_dataset_free(d);
    th_rmdir(dir);
    free(p);
    free(dir);
    return rc;
}

Test(train, refuses_a_single_label_head_with_one_label)
{
    slant_error err;
    memset(&err, 0, sizeof err);
    const char *data =
        "{\"text\": \"alpha beta gamma\", \"labels\": {\"kind\": \"a\"}}\n"
        "{\"text\": \"alpha beta delta\", \"labels\": {\"kind\": \"a\"}}\n"
        "{\"text\": \"alpha gamma delta\", \"labels\": {\"kind\": \"a\"}}\n"
        "{\"text\": \"beta gamma delta\", \"labels\": {\"kind\": \"a\"}}\n"
        "{\"text\": \"alpha beta\", \"labels\": {\"kind\": \"a\"}}\n";
    cr_assert_eq(train_text(data, &err), SLANT_ETRAIN);
    cr_assert_str_eq(err.text, "head 'kind' needs at least 2 labels to learn from, it has 1");
}

Test(train, refuses_data_without_labels)
{
    slant_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(train_text("{\"text\": \"one two\"}\n{\"text\": \"two three\"}\n", &err),
                 SLANT_ETRAIN);
    cr_assert_str_eq(err.text, "the training data has no labels");
}

Test(train, refuses_too_few_documents_for_the_folds)
{
    slant_error err;
    memset(&err, 0, sizeof err);
    const char *data = "{\"text\": \"alpha beta\", \"labels\": {\"k\": \"a\"}}\n"
                       "{\"text\": \"alpha gamma\", \"labels\": {\"k\": \"b\"}}\n"
                       "{\"text\": \"alpha delta\", \"labels\": {\"k\": \"a\"}}\n";
    cr_assert_eq(train_text(data, &err), SLANT_ETRAIN);
    cr_assert_str_eq(err.text, "head 'k' has 3 labelled documents, fewer than 5 folds");
}

Test(train, rejects_bad_options)
{
    slant_dataset *d = slant_dataset_new();
    slant_train_options o;
    slant_train_options_init(&o);
    o.ngram_max = 4;
    slant_error err;
    memset(&err, 0, sizeof err);
    slant_model *m = NULL;
    cr_assert_eq(slant_train(d, &o, &m, &err), SLANT_EINVAL);
    cr_assert_str_eq(err.text, "n-gram length must be 1 to 3");
    slant_train_options_init(&o);
    o.language = "klingon";
    memset(&err, 0, sizeof err);
    char *dir = th_mkdtemp(), *p = th_path(dir, "c.jsonl");
    th_write_corpus(p);
    cr_assert_eq(slant_dataset_read(d, p, SLANT_FORMAT_AUTO, NULL, NULL, &err), SLANT_OK);
    cr_assert_eq(slant_train(d, &o, &m, &err), SLANT_ESTEMMER);
    cr_assert_str_eq(err.text, "no Snowball stemmer for language 'klingon'");
    cr_assert_null(m);
    slant_dataset_free(d);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* A model trained on one JSONL file with the default options, 2 folds. */
static slant_model *train_two_folds(const char *path)
{
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    cr_assert_eq(slant_dataset_read(d, path, SLANT_FORMAT_AUTO, NULL, NULL, &err), SLANT_OK);
    slant_train_options o;
    slant_train_options_init(&o);
    o.folds = 2;
    slant_model *m = NULL;
    cr_assert_eq(slant_train(d, &o, &m, &err), SLANT_OK, "%s", err.text);
    slant_dataset_free(d);
    return m;
}

Test(train, a_phrase_is_shown_as_most_documents_write_it)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "d.jsonl");
    FILE *f = fopen(p, "w");
    /* "press release" comes first, "Press Release" in more documents */
    fprintf(f, "{\"text\": \"the press release said so\", \"labels\": {\"k\": \"a\"}}\n");
    for (int i = 0; i < 6; i++)
        fprintf(f, "{\"text\": \"a Press Release today %d\", \"labels\": {\"k\": \"%s\"}}\n", i,
                i % 2 ? "a" : "b");
    fprintf(f, "{\"text\": \"nothing here\", \"labels\": {\"k\": \"b\"}}\n");
    fclose(f);
    slant_model *m = train_two_folds(p);
    long a = slantp_strtab_find(&m->stems, "press", 5), b = slantp_strtab_find(&m->stems, "releas", 6);
    cr_assert(a >= 0 && b >= 0);
    int32_t ids[2] = {(int32_t)a, (int32_t)b};
    cr_assert_eq(slantp_model_hash_features(m), 0);
    const uint32_t *fid = slantp_keytab_find(&m->vocab, slantp_ngram_key(ids, 2));
    cr_assert_not_null(fid);
    cr_assert_str_eq(m->surface[*fid], "Press Release");
    slant_model_free(m);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* The favourite form of a phrase changes hands as documents come in; the
 * winner is the form most documents use; of forms with as many, the one
 * that got there first.
 * Forms past the 24 bytes a favourite keeps inline take the other path. */
static const struct {
    const char *forms[8];
    const char *winner;
} surface_cases[] = {
    {{"press release", "press release", "Press Release", "Press Release", "Press Release",
      "press release", "press release"},
     "press release"},
    {{"press release", "Press Release", "Press Release", "press release", "press release"},
     "press release"},
    {{"Press Release", "press release", "press release", "Press Release"}, "press release"},
    {{"press release", "PRESS RELEASE", "Press Release", "Press Release"}, "Press Release"},
    {{"overwhelmingly internationalized announcement",
      "Overwhelmingly Internationalized Announcement",
      "Overwhelmingly Internationalized Announcement",
      "overwhelmingly internationalized announcement",
      "overwhelmingly internationalized announcement"},
     "overwhelmingly internationalized announcement"},
    {{"Overwhelmingly Internationalized Announcement",
      "overwhelmingly internationalized announcement",
      "overwhelmingly internationalized announcement",
      "Overwhelmingly Internationalized Announcement"},
     "overwhelmingly internationalized announcement"},
    {{"overwhelmingly internationalized announcement",
      "OVERWHELMINGLY INTERNATIONALIZED ANNOUNCEMENT",
      "Overwhelmingly Internationalized Announcement",
      "Overwhelmingly Internationalized Announcement"},
     "Overwhelmingly Internationalized Announcement"},
    {{"Overwhelmingly Internationalized Announcement",
      "Overwhelmingly Internationalized Announcement",
      "overwhelmingly internationalized announcement",
      "overwhelmingly internationalized announcement",
      "overwhelmingly internationalized announcement",
      "Overwhelmingly Internationalized Announcement",
      "Overwhelmingly Internationalized Announcement"},
     "Overwhelmingly Internationalized Announcement"},
};

Test(train, the_favourite_form_changes_hands_as_votes_come_in)
{
    for (size_t c = 0; c < sizeof surface_cases / sizeof surface_cases[0]; c++) {
        char *dir = th_mkdtemp(), *p = th_path(dir, "d.jsonl");
        FILE *f = fopen(p, "w");
        size_t nforms = 0;
        for (; nforms < 8 && surface_cases[c].forms[nforms]; nforms++)
            fprintf(f, "{\"text\": \"so %s was out\", \"labels\": {\"k\": \"%s\"}}\n",
                    surface_cases[c].forms[nforms], nforms % 2 ? "a" : "b");
        for (int i = 0; i < 4; i++)
            fprintf(f, "{\"text\": \"nothing here %d\", \"labels\": {\"k\": \"%s\"}}\n", i,
                    i % 2 ? "a" : "b");
        fclose(f);
        slant_model *m = train_two_folds(p);
        /* the phrase's feature: the one shown as some spelling of it */
        const char *got = NULL;
        for (size_t k = 0; k < m->nfeatures; k++)
            if (m->surface[k] && strcasecmp(m->surface[k], surface_cases[c].winner) == 0)
                got = m->surface[k];
        cr_assert_not_null(got, "case %zu: no phrase feature", c);
        cr_assert_str_eq(got, surface_cases[c].winner, "case %zu", c);
        slant_model_free(m);
        th_rmdir(dir);
        free(p);
        free(dir);
    }
}

/* ---------------------------------------------------------------- calibration */

struct warnings {
    int n;
    char last[512];
};

static void count_warning(void *ctx, const char *text)
{
    struct warnings *w = ctx;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", text);
}

/* Labels that nothing in the text predicts: out-of-fold decisions are
 * noise, and an unguarded Platt fit comes out with a positive slope for
 * some of them. Every calibration must still increase with the decision
 * value. */
Test(train, every_calibration_increases_with_the_decision_value)
{
    static const char *const words[] = {"harbour", "ferry", "tariff", "census", "orchard",
                                        "glacier", "ballot", "quarry", "lantern", "mosaic"};
    static const char *const labels[] = {"a", "b", "c"};
    int backwards_fixed = 0;
    for (unsigned seed = 1; seed <= 6; seed++) {
        slant_dataset *d = slant_dataset_new();
        slant_error err;
        uint64_t r = seed * 0x9e3779b97f4a7c15ULL;
        for (size_t i = 0; i < 60; i++) {
            char text[256] = "", id[16];
            for (int w = 0; w < 12; w++) {
                r = r * 6364136223846793005ULL + 1442695040888963407ULL;
                strcat(text, words[(r >> 33) % 10]);
                strcat(text, " ");
            }
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            snprintf(id, sizeof id, "d%zu", i);
            cr_assert_eq(slantp_dataset_add(d, id, text, strlen(text), NULL, "t", (long)i), 0);
            cr_assert_eq(slantp_dataset_add_label(d, "h", 0, labels[(r >> 33) % 3], &err), SLANT_OK);
        }
        slant_train_options o;
        slant_train_options_init(&o);
        o.min_df = 1;
        o.seed = seed;
        struct warnings w = {0};
        o.warning = count_warning;
        o.warning_ctx = &w;
        slant_model *m = NULL;
        cr_assert_eq(slant_train(d, &o, &m, &err), SLANT_OK, "%s", err.text);
        for (size_t l = 0; l < 3; l++) {
            double c, a, b, thr;
            size_t nd;
            slant_model_label_info(m, 0, l, &c, &a, &b, &thr, &nd);
            cr_assert(a < 0, "seed %u label %s: Platt slope %g", seed, labels[l], a);
        }
        if (w.n) {
            backwards_fixed++;
            cr_assert(strstr(w.last, "calibrated on the training decisions"), "%s", w.last);
        }
        slant_model_free(m);
        slant_dataset_free(d);
    }
    cr_assert(backwards_fixed > 0, "no seed gave a backwards calibration: the guard went untested");
}

/* ---------------------------------------------------------------- multi-label heads */

static slant_dataset *frames_data(int with_empty, int all_empty)
{
    static const char *const topics[][2] = {
        {"harbour ferry dock crane cargo", "Economic"},
        {"ballot vote poll candidate campaign", "Political"},
        {"clinic vaccine nurse doctor ward", "Health_and_safety"}};
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    for (size_t i = 0; i < 48; i++) {
        char id[16];
        size_t t = i % 4;
        const char *text = t < 3 ? topics[t][0] : "weather sunny mild breeze afternoon";
        snprintf(id, sizeof id, "d%zu", i);
        cr_assert_eq(slantp_dataset_add(d, id, text, strlen(text), NULL, "t", (long)i), 0);
        cr_assert_eq(slantp_dataset_add_label(d, "frames", 1, NULL, &err), SLANT_OK);
        if (all_empty || (t == 3 && with_empty))
            continue;
        cr_assert_eq(slantp_dataset_add_label(d, "frames", 1, topics[t % 3][1], &err), SLANT_OK);
    }
    return d;
}

Test(train, a_head_whose_lists_are_all_empty_is_refused)
{
    slant_dataset *d = frames_data(0, 1);
    slant_model *m = NULL;
    slant_error err;
    cr_assert_eq(slant_train(d, NULL, &m, &err), SLANT_ETRAIN);
    cr_assert_null(m);
    cr_assert(strstr(err.text, "no labels"), "%s", err.text);
    slant_dataset_free(d);
}

Test(train, a_multilabel_head_predicts_no_label_when_training_documents_had_none)
{
    slant_dataset *d = frames_data(1, 0);
    slant_train_options o;
    slant_train_options_init(&o);
    o.min_df = 1;
    slant_model *m = NULL;
    slant_error err;
    cr_assert_eq(slant_train(d, &o, &m, &err), SLANT_OK, "%s", err.text);
    slant_workspace *ws = slant_workspace_new(m, &err);
    const slant_result *r;
    const char *text = "weather sunny mild breeze afternoon";
    cr_assert_eq(slant_classify(ws, text, strlen(text), &r, &err), SLANT_OK);
    for (size_t l = 0; l < slant_model_nlabels(m, 0); l++)
        cr_assert(!slant_result_predicted(r, 0, l), "'%s' predicted", slant_model_label(m, 0, l));
    /* and the flag survives a save and a load */
    slantp_buf b = {0};
    cr_assert_eq(slantp_model_serialize(m, &b, &err), SLANT_OK);
    char *dir = th_mkdtemp(), *p = th_path(dir, "m.slant");
    th_write(p, b.data, b.len);
    slant_model *back = slant_model_load(p, &err);
    cr_assert_not_null(back, "%s", err.text);
    cr_assert(back->heads[0].may_be_empty);
    slant_model_free(back);
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(p);
    free(dir);
    slant_workspace_free(ws);
    slant_model_free(m);
    slant_dataset_free(d);
}
