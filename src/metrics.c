/* metrics.c - how good is a model: evaluation on labelled data and K-fold
 * cross-validation.
 *
 * Per label: true/false positives, false negatives, precision, recall, F1.
 * Per head: micro-F1 (over all label decisions), macro-F1 (mean of label
 * F1s, every label counted even when it never occurs), accuracy (the
 * predicted label set equals the gold set) and, for single-label heads, a
 * confusion matrix. Cross-validation trains a fresh model per fold with the
 * full training procedure, vocabulary included, so nothing of the held-out
 * fold leaks into its model.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "classify.h"
#include "dataset.h"
#include "folds.h"
#include "metrics.h"
#include "model.h"
#include "vocab.h"

/* An empty head: its name and label names are copied. */
static int metrics_set_head(slant_metrics *mt, size_t h, const char *name, int multilabel,
                            const char *const *labels, size_t nl)
{
    slant_head_metrics *hm = &mt->heads[h];
    char **names = calloc(nl + 2, sizeof *names);    /* head, labels, NULL */
    mt->label_names[h] = names;
    if (!names || !(names[0] = slantp_strndup(name, strlen(name))))
        return -1;
    hm->head = names[0];
    hm->multilabel = multilabel;
    hm->nlabels = nl;
    hm->labels = (const char *const *)(names + 1);
    for (size_t l = 0; l < nl; l++)
        if (!(names[l + 1] = slantp_strndup(labels[l], strlen(labels[l]))))
            return -1;
    hm->tp = calloc(nl ? nl : 1, sizeof *hm->tp);
    hm->fp = calloc(nl ? nl : 1, sizeof *hm->fp);
    hm->fn = calloc(nl ? nl : 1, sizeof *hm->fn);
    hm->support = calloc(nl ? nl : 1, sizeof *hm->support);
    hm->precision = calloc(nl ? nl : 1, sizeof *hm->precision);
    hm->recall = calloc(nl ? nl : 1, sizeof *hm->recall);
    hm->f1 = calloc(nl ? nl : 1, sizeof *hm->f1);
    if (!hm->tp || !hm->fp || !hm->fn || !hm->support || !hm->precision || !hm->recall || !hm->f1)
        return -1;
    if (!multilabel && !(hm->confusion = calloc(nl ? nl * nl : 1, sizeof *hm->confusion)))
        return -1;
    return 0;
}

static slant_metrics *metrics_alloc(size_t nheads)
{
    slant_metrics *mt = calloc(1, sizeof *mt);
    if (!mt)
        return NULL;
    mt->nheads = nheads;
    mt->heads = calloc(nheads ? nheads : 1, sizeof *mt->heads);
    mt->label_names = calloc(nheads ? nheads : 1, sizeof *mt->label_names);
    if (!mt->heads || !mt->label_names) {
        slant_metrics_free(mt);
        return NULL;
    }
    return mt;
}

/* The model's heads; with 'd', only those the data has too. */
static slant_metrics *metrics_of_model(const slant_model *m, const slant_dataset *d)
{
    size_t keep[SLANTP_MAX_HEADS], n = 0;
    for (size_t h = 0; h < m->nheads; h++)
        if (!d || slantp_dataset_find_head(d, m->heads[h].name) != (size_t)-1)
            keep[n++] = h;
    slant_metrics *mt = metrics_alloc(n);
    for (size_t i = 0; mt && i < n; i++) {
        const slantp_head *mh = &m->heads[keep[i]];
        if (metrics_set_head(mt, i, mh->name, mh->multilabel, (const char *const *)mh->labels,
                             mh->nlabels) < 0) {
            slant_metrics_free(mt);
            return NULL;
        }
    }
    return mt;
}

slant_metrics *slantp_metrics_new(const slant_model *m)
{
    return metrics_of_model(m, NULL);
}

/* The data's heads and labels (for cross-validation, where a fold's model
 * may lack a label that only the held-out records have). */
static slant_metrics *metrics_of_data(const slant_dataset *d)
{
    slant_metrics *mt = metrics_alloc(d->nheads);
    const char **labels = NULL;
    for (size_t h = 0; mt && h < d->nheads; h++) {
        const slantp_dhead *dh = &d->heads[h];
        free(labels);
        labels = malloc((dh->labels.n ? dh->labels.n : 1) * sizeof *labels);
        for (size_t l = 0; labels && l < dh->labels.n; l++)
            labels[l] = slantp_strtab_key(&dh->labels, l);
        if (!labels || metrics_set_head(mt, h, dh->name, dh->multilabel, labels, dh->labels.n) < 0) {
            slant_metrics_free(mt);
            mt = NULL;
        }
    }
    free(labels);
    return mt;
}

void slant_metrics_free(slant_metrics *mt)
{
    if (!mt)
        return;
    for (size_t h = 0; mt->heads && h < mt->nheads; h++) {
        slant_head_metrics *hm = &mt->heads[h];
        free(hm->tp);
        free(hm->fp);
        free(hm->fn);
        free(hm->support);
        free(hm->precision);
        free(hm->recall);
        free(hm->f1);
        free(hm->confusion);
        if (mt->label_names && mt->label_names[h]) {
            for (size_t i = 0; mt->label_names[h][i]; i++)
                free(mt->label_names[h][i]);
            free(mt->label_names[h]);
        }
    }
    for (size_t f = 0; f < mt->nfolds; f++)
        slant_metrics_free(mt->folds[f]);
    free(mt->folds);
    free(mt->label_names);
    free(mt->heads);
    free(mt);
}

size_t slant_metrics_nfolds(const slant_metrics *mt) { return mt->nfolds; }
const slant_metrics *slant_metrics_fold(const slant_metrics *mt, size_t f)
{
    return f < mt->nfolds ? mt->folds[f] : NULL;
}

size_t slant_metrics_nheads(const slant_metrics *mt) { return mt->nheads; }
const slant_head_metrics *slant_metrics_head(const slant_metrics *mt, size_t i)
{
    return i < mt->nheads ? &mt->heads[i] : NULL;
}

void slantp_metrics_add(slant_metrics *mt, size_t h, const unsigned char *gold,
                        const unsigned char *pred)
{
    slant_head_metrics *hm = &mt->heads[h];
    int exact = 1;
    size_t g1 = (size_t)-1, p1 = (size_t)-1;
    hm->ndocs++;
    for (size_t l = 0; l < hm->nlabels; l++) {
        hm->tp[l] += gold[l] && pred[l];
        hm->fp[l] += !gold[l] && pred[l];
        hm->fn[l] += gold[l] && !pred[l];
        hm->support[l] += gold[l] != 0;
        exact &= (gold[l] != 0) == (pred[l] != 0);
        if (gold[l] && g1 == (size_t)-1)
            g1 = l;
        if (pred[l] && p1 == (size_t)-1)
            p1 = l;
    }
    hm->accuracy += exact;
    if (hm->confusion && g1 != (size_t)-1 && p1 != (size_t)-1)
        hm->confusion[g1 * hm->nlabels + p1]++;
}

void slantp_metrics_finish(slant_metrics *mt)
{
    for (size_t h = 0; h < mt->nheads; h++) {
        slant_head_metrics *hm = &mt->heads[h];
        size_t T = 0, P = 0, N = 0;
        double sum = 0;
        for (size_t l = 0; l < hm->nlabels; l++) {
            size_t tp = hm->tp[l], fp = hm->fp[l], fn = hm->fn[l];
            hm->precision[l] = tp + fp ? (double)tp / (double)(tp + fp) : 0;
            hm->recall[l] = tp + fn ? (double)tp / (double)(tp + fn) : 0;
            hm->f1[l] = 2 * tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0;
            sum += hm->f1[l];
            T += tp;
            P += fp;
            N += fn;
        }
        hm->micro_f1 = 2 * T + P + N ? 2.0 * (double)T / (double)(2 * T + P + N) : 0;
        hm->macro_f1 = hm->nlabels ? sum / (double)hm->nlabels : 0;
        hm->accuracy = hm->ndocs ? hm->accuracy / (double)hm->ndocs : 0;
    }
}

/* How a metrics head maps onto a model and a dataset: the model's head
 * and the data's head of the same name, and per label of the metrics head
 * the model's and the data's label of that name ((size_t)-1: none). */
typedef struct head_map {
    size_t mh, dh;
    size_t *ml, *dl;
} head_map;

static void maps_release(head_map *map, size_t n)
{
    for (size_t h = 0; map && h < n; h++) {
        free(map[h].ml);
        free(map[h].dl);
    }
    free(map);
}

static head_map *maps_new(const slant_model *m, const slant_dataset *d, const slant_metrics *mt)
{
    head_map *map = calloc(mt->nheads ? mt->nheads : 1, sizeof *map);
    for (size_t h = 0; map && h < mt->nheads; h++) {
        const slant_head_metrics *hm = &mt->heads[h];
        head_map *hp = &map[h];
        hp->mh = slant_model_find_head(m, hm->head);
        hp->dh = slantp_dataset_find_head(d, hm->head);
        hp->ml = malloc((hm->nlabels ? hm->nlabels : 1) * sizeof *hp->ml);
        hp->dl = malloc((hm->nlabels ? hm->nlabels : 1) * sizeof *hp->dl);
        if (!hp->ml || !hp->dl) {
            maps_release(map, h + 1);
            return NULL;
        }
        for (size_t l = 0; l < hm->nlabels; l++) {
            const char *name = hm->labels[l];
            long dl = hp->dh == (size_t)-1 ? -1
                      : slantp_strtab_find(&d->heads[hp->dh].labels, name, strlen(name));
            hp->dl[l] = dl < 0 ? (size_t)-1 : (size_t)dl;
            hp->ml[l] = (size_t)-1;
            for (size_t k = 0; hp->mh != (size_t)-1 && k < m->heads[hp->mh].nlabels; k++)
                if (strcmp(m->heads[hp->mh].labels[k], name) == 0)
                    hp->ml[l] = k;
        }
    }
    return map;
}

/* Score records idx[0..n) of d with m into mt; each result also goes to
 * 'heldout' when there is one. */
static int score_records(const slant_model *m, const slant_dataset *d, const size_t *idx, size_t n,
                         slant_metrics *mt, const slant_cv_options *cv, int fold, slant_error *err)
{
    slant_workspace *ws = slant_workspace_new(m, err);
    if (!ws)
        return err ? err->code : SLANT_ENOMEM;
    head_map *map = maps_new(m, d, mt);
    unsigned char *gold = malloc(SLANTP_MAX_LABELS), *pred = malloc(SLANTP_MAX_LABELS);
    int rc = SLANT_OK;
    if (!map || !gold || !pred) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const slantp_record *r = &d->recs[idx[i]];
        const slant_result *res;
        int any = cv && cv->heldout;
        for (size_t h = 0; h < mt->nheads; h++)
            any |= map[h].dh != (size_t)-1 && slantp_record_has_head(d, r, map[h].dh);
        if (!any)
            continue;
        rc = slant_classify(ws, r->text, r->len, &res, err);
        if (rc)
            goto out;
        for (size_t h = 0; h < mt->nheads; h++) {
            const head_map *hp = &map[h];
            if (hp->dh == (size_t)-1 || !slantp_record_has_head(d, r, hp->dh))
                continue;
            for (size_t l = 0; l < mt->heads[h].nlabels; l++) {
                gold[l] = hp->dl[l] != (size_t)-1 && slantp_record_has_label(d, r, hp->dh, hp->dl[l]);
                pred[l] = hp->mh != (size_t)-1 && hp->ml[l] != (size_t)-1 &&
                          slant_result_predicted(res, hp->mh, hp->ml[l]);
            }
            slantp_metrics_add(mt, h, gold, pred);
        }
        if (cv && cv->heldout)
            cv->heldout(cv->ctx, fold, idx[i], m, res);
    }
out:
    free(gold);
    free(pred);
    if (map)
        maps_release(map, mt->nheads);
    slant_workspace_free(ws);
    return rc;
}

/* Labels of the data the model cannot predict make every score of their
 * head wrong: refuse them, and data with none of the model's heads. */
static int check_data_fits_model(const slant_model *m, const slant_dataset *d, slant_error *err)
{
    size_t shared = 0;
    for (size_t q = 0; q < d->nheads; q++) {
        const slantp_dhead *dh = &d->heads[q];
        size_t h = slant_model_find_head(m, dh->name);
        if (h == (size_t)-1)
            continue;
        shared++;
        for (size_t l = 0; l < dh->labels.n; l++) {
            const char *name = slantp_strtab_key(&dh->labels, l);
            size_t k = 0;
            while (k < m->heads[h].nlabels && strcmp(m->heads[h].labels[k], name) != 0)
                k++;
            if (k == m->heads[h].nlabels)
                return slantp_error(err, SLANT_EFORMAT, NULL, -1, -1,
                                    "the data's label '%s' of head '%s' is not one the model "
                                    "knows; evaluate only data labelled as it was trained",
                                    name, dh->name);
        }
    }
    if (shared == 0) {
        char have[256] = "", want[256] = "";
        for (size_t h = 0; h < m->nheads; h++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", h ? ", " : "",
                     m->heads[h].name);
        for (size_t q = 0; q < d->nheads; q++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", q ? ", " : "",
                     d->heads[q].name);
        return slantp_error(err, SLANT_EFORMAT, NULL, -1, -1,
                            "the data has none of the model's heads (%s); its heads: %s", want,
                            *have ? have : "none");
    }
    return SLANT_OK;
}

int slant_evaluate(const slant_model *m, const slant_dataset *d, slant_metrics **out,
                   slant_error *err)
{
    *out = NULL;
    slantp_error_clear(err);
    int rc = check_data_fits_model(m, d, err);
    if (rc)
        return rc;
    slant_metrics *mt = metrics_of_model(m, d);
    size_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
    if (!mt || !idx) {
        slant_metrics_free(mt);
        free(idx);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t i = 0; i < d->n; i++)
        idx[i] = i;
    rc = score_records(m, d, idx, d->n, mt, NULL, 0, err);
    free(idx);
    if (rc) {
        slant_metrics_free(mt);
        return rc;
    }
    slantp_metrics_finish(mt);
    *out = mt;
    return SLANT_OK;
}

/* The metrics of all folds: each fold's counts added up. */
static void metrics_sum(slant_metrics *all, const slant_metrics *f)
{
    for (size_t h = 0; h < all->nheads; h++) {
        slant_head_metrics *a = &all->heads[h];
        const slant_head_metrics *b = &f->heads[h];
        size_t nl = a->nlabels;
        a->ndocs += b->ndocs;
        a->accuracy += b->accuracy;     /* a count until finished */
        for (size_t l = 0; l < nl; l++) {
            a->tp[l] += b->tp[l];
            a->fp[l] += b->fp[l];
            a->fn[l] += b->fn[l];
            a->support[l] += b->support[l];
        }
        for (size_t c = 0; a->confusion && c < nl * nl; c++)
            a->confusion[c] += b->confusion[c];
    }
}

int slant_cross_validate_with(const slant_dataset *d, const slant_train_options *o,
                              const slant_cv_options *cv, slant_metrics **out, slant_error *err)
{
    slant_train_options def;
    *out = NULL;
    slantp_error_clear(err);
    if (!o) {
        slant_train_options_init(&def);
        o = &def;
    }
    int k = cv->k;
    if (k < 2 || (size_t)k > d->n)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1,
                            "cannot make %d folds of %zu documents", k, d->n);
    size_t n = d->n;
    size_t *all = malloc(n * sizeof *all), *tr = malloc(n * sizeof *tr), *te = malloc(n * sizeof *te);
    int *fold = malloc(n * sizeof *fold);
    slant_metrics *mt = metrics_of_data(d);
    int rc = SLANT_OK;
    if (!all || !tr || !te || !fold || !mt ||
        !(mt->folds = calloc((size_t)k, sizeof *mt->folds))) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    slantp_fold_spec spec = {k, o->seed + 7919u, cv->grouped, 1, (size_t)-1};
    if (slantp_assign_folds(d, all, n, &spec, fold) < 0) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    if (cv->fold_of)
        memcpy(cv->fold_of, fold, n * sizeof *fold);
    for (int f = 0; f < k; f++) {
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] == f)
                te[nte++] = i;
            else
                tr[ntr++] = i;
        }
        slantp_subset s = {d, tr, ntr};
        slant_model *m = NULL;
        if (o->progress)
            o->progress(o->progress_ctx, "cross-validation fold", (size_t)f, (size_t)k);
        rc = slantp_train_subset(&s, o, &m, err);
        if (rc == SLANT_OK && !(mt->folds[f] = metrics_of_data(d)))
            rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        mt->nfolds += mt->folds[f] != NULL;
        if (rc == SLANT_OK)
            rc = score_records(m, d, te, nte, mt->folds[f], cv, f, err);
        slant_model_free(m);
        if (rc)
            goto out;
        metrics_sum(mt, mt->folds[f]);
        slantp_metrics_finish(mt->folds[f]);
    }
    slantp_metrics_finish(mt);
    *out = mt;
    mt = NULL;
out:
    slant_metrics_free(mt);
    free(all);
    free(tr);
    free(te);
    free(fold);
    return rc;
}

int slant_cross_validate(const slant_dataset *d, const slant_train_options *o, int k, int grouped,
                         slant_metrics **out, slant_error *err)
{
    slant_cv_options cv = {k, grouped, NULL, NULL, NULL};
    return slant_cross_validate_with(d, o, &cv, out, err);
}
