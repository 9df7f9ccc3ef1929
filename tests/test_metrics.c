/* test_metrics.c - metrics.c: per-label counts, precision, recall, F1,
 * micro and macro F1, accuracy and the confusion matrix, checked against
 * numbers worked out by hand; and evaluation of a model on labelled data. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "dataset.h"
#include "metrics.h"
#include "model.h"

#define NEAR(a, b) cr_assert(fabs((a) - (b)) < 1e-12, "%.15g != %.15g", (double)(a), (double)(b))

Test(metrics, single_label_counts_f1_and_confusion)
{
    slant_model *m = th_train_small();
    slant_metrics *mt = slantp_metrics_new(m);
    size_t h = slant_model_find_head(m, "outlet_type");   /* wire, state_media, partisan */
    /* gold -> predicted: w->w, w->w, w->p, s->s, p->s, p->p */
    static const int pairs[][2] = {{0, 0}, {0, 0}, {0, 2}, {1, 1}, {2, 1}, {2, 2}};
    for (size_t i = 0; i < 6; i++) {
        unsigned char g[3] = {0}, p[3] = {0};
        g[pairs[i][0]] = 1;
        p[pairs[i][1]] = 1;
        slantp_metrics_add(mt, h, g, p);
    }
    slantp_metrics_finish(mt);
    const slant_head_metrics *hm = slant_metrics_head(mt, h);
    cr_assert_eq(hm->ndocs, 6);
    cr_assert_eq(hm->tp[0], 2);
    cr_assert_eq(hm->fn[0], 1);
    cr_assert_eq(hm->fp[0], 0);
    NEAR(hm->precision[0], 1.0);
    NEAR(hm->recall[0], 2.0 / 3.0);
    NEAR(hm->f1[0], 0.8);
    NEAR(hm->f1[1], 2.0 / 3.0);   /* state_media: tp 1, fp 1, fn 0 */
    NEAR(hm->f1[2], 0.5);         /* partisan: tp 1, fp 1, fn 1 */
    NEAR(hm->macro_f1, (0.8 + 2.0 / 3.0 + 0.5) / 3.0);
    NEAR(hm->micro_f1, 4.0 / 6.0);
    NEAR(hm->accuracy, 4.0 / 6.0);
    cr_assert_eq(hm->confusion[0 * 3 + 2], 1);
    cr_assert_eq(hm->confusion[2 * 3 + 1], 1);
    cr_assert_eq(hm->confusion[1 * 3 + 1], 1);
    slant_metrics_free(mt);
    slant_model_free(m);
}

Test(metrics, multi_label_micro_macro_and_exact_match)
{
    slant_model *m = th_train_small();
    slant_metrics *mt = slantp_metrics_new(m);
    size_t h = slant_model_find_head(m, "frames");
    size_t nl = slant_model_nlabels(m, h);
    unsigned char g[8] = {0}, p[8] = {0};
    /* doc 1: gold {0,1}, pred {0}; doc 2: gold {2}, pred {2,3} */
    g[0] = g[1] = 1;
    p[0] = 1;
    slantp_metrics_add(mt, h, g, p);
    memset(g, 0, sizeof g);
    memset(p, 0, sizeof p);
    g[2] = 1;
    p[2] = p[3] = 1;
    slantp_metrics_add(mt, h, g, p);
    slantp_metrics_finish(mt);
    const slant_head_metrics *hm = slant_metrics_head(mt, h);
    cr_assert_null(hm->confusion);
    /* micro: tp 2, fp 1, fn 1 -> 4/6 */
    NEAR(hm->micro_f1, 4.0 / 6.0);
    /* label F1s: 1, 0, 1, 0, and 0 for every label never seen */
    NEAR(hm->macro_f1, 2.0 / (double)nl);
    NEAR(hm->accuracy, 0.0);
    cr_assert_eq(hm->support[0], 1);
    cr_assert_eq(hm->support[3], 0);
    slant_metrics_free(mt);
    slant_model_free(m);
}

Test(metrics, evaluate_matches_heads_and_labels_by_name)
{
    slant_model *m = th_train_small();
    char *dir = th_mkdtemp(), *p = th_path(dir, "e.jsonl");
    /* an unknown head is ignored, a record without outlet_type is not counted for it */
    const char *data =
        "{\"text\": \"Officials said, according to a statement.\", \"labels\": {\"outlet_type\": "
        "\"wire\", \"other\": \"x\"}}\n"
        "{\"text\": \"They LIED to us! Share this.\", \"labels\": {\"outlet_type\": \"partisan\"}}\n"
        "{\"text\": \"the port tariff\", \"labels\": {\"frames\": [\"Economic\"]}}\n";
    th_write(p, data, strlen(data));
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    cr_assert_eq(slant_dataset_read(d, p, SLANT_FORMAT_AUTO, NULL, NULL, &err), SLANT_OK);
    slant_metrics *mt;
    cr_assert_eq(slant_evaluate(m, d, &mt, &err), SLANT_OK, "%s", err.text);
    const slant_head_metrics *ot = slant_metrics_head(mt, slant_model_find_head(m, "outlet_type"));
    const slant_head_metrics *fr = slant_metrics_head(mt, slant_model_find_head(m, "frames"));
    cr_assert_eq(ot->ndocs, 2);
    cr_assert_eq(fr->ndocs, 1);
    NEAR(ot->accuracy, 1.0);
    slant_metrics_free(mt);
    slant_dataset_free(d);
    th_rmdir(dir);
    free(p);
    free(dir);
    slant_model_free(m);
}
