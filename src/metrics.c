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

#include "slant_private.h"

slant_metrics *slantp_metrics_new(const slant_model *m)
{
    slant_metrics *mt = calloc(1, sizeof *mt);
    if (!mt)
        return NULL;
    mt->nheads = m->nheads;
    mt->heads = calloc(m->nheads ? m->nheads : 1, sizeof *mt->heads);
    mt->label_names = calloc(m->nlabels + m->nheads + 1, sizeof *mt->label_names);
    if (!mt->heads || !mt->label_names)
        goto fail;
    size_t k = 0;
    for (size_t h = 0; h < m->nheads; h++) {
        slant_head_metrics *hm = &mt->heads[h];
        size_t nl = m->heads[h].nlabels;
        if (!(mt->label_names[k] = slantp_strndup(m->heads[h].name, strlen(m->heads[h].name))))
            goto fail;
        hm->head = mt->label_names[k++];
        hm->multilabel = m->heads[h].multilabel;
        hm->nlabels = nl;
        hm->labels = (const char *const *)(mt->label_names + k);
        for (size_t l = 0; l < nl; l++, k++)
            if (!(mt->label_names[k] = slantp_strndup(m->heads[h].labels[l],
                                                      strlen(m->heads[h].labels[l]))))
                goto fail;
        hm->tp = calloc(nl, sizeof *hm->tp);
        hm->fp = calloc(nl, sizeof *hm->fp);
        hm->fn = calloc(nl, sizeof *hm->fn);
        hm->support = calloc(nl, sizeof *hm->support);
        hm->precision = calloc(nl, sizeof *hm->precision);
        hm->recall = calloc(nl, sizeof *hm->recall);
        hm->f1 = calloc(nl, sizeof *hm->f1);
        if (!hm->tp || !hm->fp || !hm->fn || !hm->support || !hm->precision || !hm->recall ||
            !hm->f1)
            goto fail;
        if (!hm->multilabel && !(hm->confusion = calloc(nl * nl, sizeof *hm->confusion)))
            goto fail;
    }
    return mt;
fail:
    slant_metrics_free(mt);
    return NULL;
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
    }
    if (mt->label_names)
        for (size_t i = 0; mt->label_names[i]; i++)
            free(mt->label_names[i]);
    free(mt->label_names);
    free(mt->heads);
    free(mt);
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

/* Score records idx[0..n) of d with m into mt (heads matched by name,
 * labels by name; gold labels the model does not know count as misses). */
static int score_records(const slant_model *m, const slant_dataset *d, const size_t *idx, size_t n,
                         slant_metrics *mt, slant_error *err)
{
    slant_workspace *ws = slant_workspace_new(m, err);
    if (!ws)
        return err ? err->code : SLANT_ENOMEM;
    size_t maxl = 1;
    for (size_t h = 0; h < m->nheads; h++)
        if (m->heads[h].nlabels > maxl)
            maxl = m->heads[h].nlabels;
    unsigned char *gold = malloc(maxl), *pred = malloc(maxl);
    size_t dh_of[SLANTP_MAX_HEADS];
    long *labmap = malloc(SLANTP_MAX_HEADS * maxl * sizeof *labmap);
    int rc = SLANT_OK;
    if (!gold || !pred || !labmap) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    for (size_t h = 0; h < m->nheads; h++) {
        dh_of[h] = (size_t)-1;
        for (size_t q = 0; q < d->nheads; q++)
            if (strcmp(d->heads[q].name, m->heads[h].name) == 0)
                dh_of[h] = q;
        for (size_t l = 0; l < m->heads[h].nlabels; l++)
            labmap[h * maxl + l] =
                dh_of[h] == (size_t)-1
                    ? -1
                    : slantp_strtab_find(&d->heads[dh_of[h]].labels, m->heads[h].labels[l],
                                         strlen(m->heads[h].labels[l]));
    }
    for (size_t i = 0; i < n; i++) {
        const slantp_record *r = &d->recs[idx[i]];
        const slant_result *res;
        int any = 0;
        for (size_t h = 0; h < m->nheads; h++)
            any |= dh_of[h] != (size_t)-1 && slantp_record_has_head(d, r, dh_of[h]);
        if (!any)
            continue;
        rc = slant_classify(ws, r->text, r->len, &res, err);
        if (rc)
            goto out;
        for (size_t h = 0; h < m->nheads; h++) {
            if (dh_of[h] == (size_t)-1 || !slantp_record_has_head(d, r, dh_of[h]))
                continue;
            for (size_t l = 0; l < m->heads[h].nlabels; l++) {
                long dl = labmap[h * maxl + l];
                gold[l] = dl >= 0 && slantp_record_has_label(d, r, dh_of[h], (size_t)dl);
                pred[l] = (unsigned char)slant_result_predicted(res, h, l);
            }
            slantp_metrics_add(mt, h, gold, pred);
            /* gold labels unknown to the model are false negatives of no label */
        }
    }
out:
    free(gold);
    free(pred);
    free(labmap);
    slant_workspace_free(ws);
    return rc;
}

int slant_evaluate(const slant_model *m, const slant_dataset *d, slant_metrics **out,
                   slant_error *err)
{
    *out = NULL;
    slantp_error_clear(err);
    slant_metrics *mt = slantp_metrics_new(m);
    if (!mt)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    size_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
    if (!idx) {
        slant_metrics_free(mt);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t i = 0; i < d->n; i++)
        idx[i] = i;
    int rc = score_records(m, d, idx, d->n, mt, err);
    free(idx);
    if (rc) {
        slant_metrics_free(mt);
        return rc;
    }
    slantp_metrics_finish(mt);
    *out = mt;
    return SLANT_OK;
}

int slant_cross_validate(const slant_dataset *d, const slant_train_options *o, int k, int grouped,
                         slant_metrics **out, slant_error *err)
{
    slant_train_options def;
    *out = NULL;
    slantp_error_clear(err);
    if (!o) {
        slant_train_options_init(&def);
        o = &def;
    }
    if (k < 2 || (size_t)k > d->n)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1,
                            "cannot make %d folds of %zu documents", k, d->n);
    size_t n = d->n;
    size_t *all = malloc((n ? n : 1) * sizeof *all), *tr = malloc((n ? n : 1) * sizeof *tr),
           *te = malloc((n ? n : 1) * sizeof *te);
    int *fold = malloc((n ? n : 1) * sizeof *fold);
    slant_metrics *mt = NULL;
    int rc = SLANT_OK;
    if (!all || !tr || !te || !fold) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    slantp_fold_spec spec = {k, o->seed + 7919u, grouped, 1, (size_t)-1};
    if (slantp_assign_folds(d, all, n, &spec, fold) < 0) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
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
        if (rc)
            goto out;
        if (!mt && !(mt = slantp_metrics_new(m))) {
            slant_model_free(m);
            rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
            goto out;
        }
        /* every fold's model has the same heads and labels only if each
         * label occurs in every training split; map by name to be safe */
        if (m->nheads != mt->nheads) {
            slant_model_free(m);
            rc = slantp_error(err, SLANT_ETRAIN, NULL, -1, -1,
                              "fold %d lacks a head; use fewer folds", f + 1);
            goto out;
        }
        for (size_t h = 0; h < m->nheads; h++)
            if (m->heads[h].nlabels != mt->heads[h].nlabels) {
                rc = slantp_error(err, SLANT_ETRAIN, NULL, -1, -1,
                                  "a label of head '%s' is missing from the training part of fold "
                                  "%d; use fewer folds or more data",
                                  m->heads[h].name, f + 1);
                slant_model_free(m);
                goto out;
            }
        rc = score_records(m, d, te, nte, mt, err);
        slant_model_free(m);
        if (rc)
            goto out;
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
