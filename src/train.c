/* train.c - from labelled records to a model.
 *
 * slantp_train_subset runs these stages, each a function below:
 *  1. count_ngrams: stem every document and count the document frequency
 *     of each 1..n gram; choose_features: prune by min_df / max_df /
 *     max_features, IDF = ln((1+N)/(1+df))+1
 *  2. vectorize: sublinear TF-IDF, L2, into one sparse matrix, and its
 *     Gram matrix (svm.c, gram.c), shared by every head, label, fold and C,
 *     or past the memory budget a cache of its rows
 *  3. train_head, per head: head_inner_cv runs inner K-fold cross-validation
 *     over the C grid; its out-of-fold decision values choose C
 *     (head_choose_costs: macro-F1 of the arg-max for single-label heads,
 *     best F1 per label for multi-label ones), fit Platt scaling and pick
 *     each multi-label threshold (head_calibrate)
 *  4. head_final_fits: retrain each label on all documents with its C,
 *     collapse to weights
 * Folds are seeded, libsvm is deterministic, and every table is built in
 * input order, so the same data and options give the same model bytes.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "calibrate.h"
#include "dataset.h"
#include "features.h"
#include "folds.h"
#include "model.h"
#include "stem.h"
#include "svm.h"
#include "text.h"
#include "vocab.h"
#include "threads.h"

static const double default_c_grid[] = {0.1, 0.3, 1.0, 3.0, 10.0};

void slant_train_options_init(slant_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->language = "english";
    o->ngram_max = 3;
    o->min_df = 2;
    o->max_df = 1.0;
    o->max_features = 0;
    o->folds = 5;
    o->c_grid = default_c_grid;
    o->c_grid_n = sizeof default_c_grid / sizeof default_c_grid[0];
    o->gram_mb = 2048;
    o->threads = 2;
    o->seed = 1;
    o->inner_grouped = 0;
    o->threshold_objective = SLANT_THRESHOLD_BOTH;
}

/* ---------------------------------------------------------------- vocabulary */

/* Document frequency of every n-gram met, in one open-addressing table of
 * 16-byte entries (key, df, last document + 1): one cache line touched per
 * n-gram. Keys are never 0 (a key packs stem ids + 1). */
typedef struct df_entry {
    uint64_t key;
    uint32_t df;
    uint32_t last_doc;
} df_entry;

typedef struct df_table {
    df_entry *e;
    size_t n, mask;
} df_table;

static int df_init(df_table *t, size_t expected)
{
    size_t slots = 1 << 16;
    while (slots < expected * 2)
        slots *= 2;
    memset(t, 0, sizeof *t);
    t->e = calloc(slots, sizeof *t->e);
    t->mask = slots - 1;
    return t->e ? 0 : -1;
}

static int df_grow(df_table *t)
{
    size_t slots = (t->mask + 1) * 2;
    df_entry *e = calloc(slots, sizeof *e);
    if (!e)
        return -1;
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->e[i].key)
            continue;
        size_t j = (size_t)slantp_hash_u64(t->e[i].key) & (slots - 1);
        while (e[j].key)
            j = (j + 1) & (slots - 1);
        e[j] = t->e[i];
    }
    free(t->e);
    t->e = e;
    t->mask = slots - 1;
    return 0;
}

/* Collect a document's n-gram keys first (slantp_doc_ngrams' callback), */
struct doc_keys {
    uint64_t *key;
    size_t n, cap;
};

static int collect_key(void *vctx, uint64_t key, uint32_t tok, uint32_t ntok)
{
    struct doc_keys *k = vctx;
    (void)tok;
    (void)ntok;
    if (slantp_grow(&k->key, &k->cap, k->n + 1, sizeof *k->key) < 0)
        return -1;
    k->key[k->n++] = key;
    return 0;
}

/* ... then count them, prefetching each key's home slot a few keys ahead:
 * the table is far larger than the cache, and each probe would otherwise
 * wait for memory. */
static int df_count_doc(df_table *t, struct doc_keys *k, uint32_t doc)
{
    enum { AHEAD = 8 };
    while ((t->n + k->n) * 2 > t->mask + 1)     /* room even if every key is new */
        if (df_grow(t) < 0)
            return -1;
    for (size_t i = 0; i < k->n; i++) {
        if (i + AHEAD < k->n)
            slantp_prefetch(&t->e[slantp_hash_u64(k->key[i + AHEAD]) & t->mask]);
        uint64_t key = k->key[i];
        size_t j = (size_t)slantp_hash_u64(key) & t->mask;
        while (t->e[j].key && t->e[j].key != key)
            j = (j + 1) & t->mask;
        df_entry *e = &t->e[j];
        t->n += !e->key;
        e->key = key;
        e->df += e->last_doc != doc;
        e->last_doc = doc;
    }
    return 0;
}

struct kept {
    uint64_t key;
    uint32_t df;
};

static int kept_by_df(const void *x, const void *y)
{
    const struct kept *a = x, *b = y;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int kept_by_key(const void *x, const void *y)
{
    const struct kept *a = x, *b = y;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* Sort a document's features by id: a stable radix sort, 8 bits a pass,
 * as many passes as the largest id needs. 'tmp' holds n features. */
static void sort_by_id(slantp_feat *v, slantp_feat *tmp, size_t n, uint32_t max_id)
{
    if (n < 2)
        return;     /* nothing to sort, and a document with no feature has no buffers */
    slantp_feat *from = v, *to = tmp;
    for (unsigned shift = 0; shift < 32 && (max_id >> shift); shift += 8) {
        size_t at[256] = {0};
        for (size_t i = 0; i < n; i++)
            at[(from[i].id >> shift) & 255]++;
        for (size_t b = 0, sum = 0; b < 256; b++) {
            size_t c = at[b];
            at[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[at[(from[i].id >> shift) & 255]++] = from[i];
        slantp_feat *t = from;
        from = to;
        to = t;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
}

/* ---------------------------------------------------------------- surface forms */

/* Votes for the written form of each feature, one per document: the form
 * most documents use is what 'inspect' shows ("Press Release", not the
 * first spelling met); of forms with as many votes, the one that got
 * there first.
 *
 * Most documents write a phrase the way the current favourite does, so
 * each feature keeps its favourite and that form's count in one 32-byte
 * record, the form inline when it is short: such a vote costs one cache
 * line and a short compare. Other forms are counted in 'forms', keyed by
 * feature id and form. A favourite's count lives in its record and is
 * written back to 'count' when another form overtakes it. */
#define SURFACE_INLINE 24

typedef struct surface_best {
    uint32_t form;              /* form id + 1, 0 = none yet */
    uint32_t count;             /* its votes */
    char text[SURFACE_INLINE];  /* the form with its NUL, or "" when longer */
} surface_best;

typedef struct surface_votes {
    slantp_strtab forms;        /* key: 4-byte feature id, then the form */
    uint32_t *count;            /* per form (not kept current for favourites) */
    size_t count_cap;
    surface_best *best;         /* per feature */
    slantp_buf key;
} surface_votes;

static int vote_surface(surface_votes *v, uint32_t fid, const char *text, const slantp_tokens *t,
                        uint32_t tok, uint32_t ntok)
{
    v->key.len = 0;
    if (slantp_buf_append(&v->key, &fid, sizeof fid) < 0 ||
        slantp_append_surface(&v->key, text, t, tok, ntok) < 0)
        return -1;
    const char *form = v->key.data + sizeof fid;
    size_t len = v->key.len - sizeof fid;     /* with the NUL */
    surface_best *b = &v->best[fid];
    if (b->form) {
        /* forms hold no NUL (controls fold to spaces), so strcmp is exact */
        int same = len <= SURFACE_INLINE
                       ? memcmp(b->text, form, len) == 0
                       : !b->text[0] && strcmp(slantp_strtab_key(&v->forms, b->form - 1) +
                                                   sizeof fid, form) == 0;
        if (same) {
            b->count++;
            return 0;
        }
    }
    long id = slantp_strtab_intern(&v->forms, v->key.data, v->key.len - 1);  /* without the NUL */
    if (id < 0 || slantp_grow(&v->count, &v->count_cap, (size_t)id + 1, sizeof *v->count) < 0)
        return -1;
    if ((size_t)id + 1 == v->forms.n)
        v->count[id] = 0;
    uint32_t c = ++v->count[id];
    if (!b->form || c > b->count) {
        if (b->form)
            v->count[b->form - 1] = b->count;
        b->form = (uint32_t)id + 1;
        b->count = c;
        if (len <= SURFACE_INLINE)
            memcpy(b->text, form, len);
        else
            b->text[0] = 0;
    }
    return 0;
}

/* Copy the winning forms into the model. */
static int elect_surfaces(surface_votes *v, slant_model *m)
{
    size_t *off = malloc((m->nfeatures ? m->nfeatures : 1) * sizeof *off);
    if (!off)
        return -1;
    for (size_t f = 0; f < m->nfeatures; f++) {
        off[f] = (size_t)-1;
        if (!v->best[f].form)
            continue;
        const char *form = slantp_strtab_key(&v->forms, v->best[f].form - 1) + sizeof(uint32_t);
        off[f] = m->surface_mem.len;
        if (slantp_buf_append(&m->surface_mem, form, strlen(form) + 1) < 0) {
            free(off);
            return -1;
        }
    }
    for (size_t f = 0; f < m->nfeatures; f++)
        m->surface[f] = off[f] == (size_t)-1 ? NULL : m->surface_mem.data + off[f];
    free(off);
    return 0;
}

static void surface_votes_release(surface_votes *v)
{
    slantp_strtab_release(&v->forms);
    free(v->count);
    free(v->best);
    slantp_buf_release(&v->key);
}

/* ---------------------------------------------------------------- binary jobs */

struct fit_job {
    const slantp_trainset *ts;
    const size_t *idx;          /* training rows */
    size_t n;
    const signed char *y;
    double C;
    /* out-of-fold rows to score, written to dec[] */
    const size_t *test;
    size_t ntest;
    double *dec;
    /* final fit: weights out */
    double *w_out, *b_out;
    int rc;
    slant_error err;
};

static void run_fit(struct fit_job *j, double *w)
{
    double b;
    slantp_error_clear(&j->err);
    /* out-of-fold jobs need only decisions: with a kernel matrix they come
     * from the support vectors' kernel rows, with no weight vector */
    double *wv = j->w_out ? j->w_out : j->ts->gram ? NULL : w;
    j->rc = slantp_train_binary(j->ts, j->idx, j->y, j->n, j->C, wv, &b, j->test, j->ntest,
                                j->dec, NULL, &j->err);
    if (j->rc)
        return;
    if (j->b_out)
        *j->b_out = b;
}

struct pool {
    struct fit_job *jobs;
    size_t njobs;
    size_t next;
    pthread_mutex_t mu;
    size_t nfeatures;
    const slant_train_options *o;
    size_t done;
    int failed;
};

static void *pool_worker(void *arg)
{
    struct pool *p = arg;
    double *w = malloc((p->nfeatures ? p->nfeatures : 1) * sizeof *w);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next < p->njobs && !p->failed ? p->next++ : p->njobs;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->njobs)
            break;
        if (!w) {
            p->jobs[i].rc = SLANT_ENOMEM;
            slantp_error_clear(&p->jobs[i].err);
            slantp_error(&p->jobs[i].err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        } else {
            run_fit(&p->jobs[i], w);
        }
        pthread_mutex_lock(&p->mu);
        if (p->jobs[i].rc)
            p->failed = 1;
        p->done++;
        if (p->o->progress)
            p->o->progress(p->o->progress_ctx, "training classifiers", p->done, p->njobs);
        pthread_mutex_unlock(&p->mu);
    }
    free(w);
    return NULL;
}

static int run_jobs(struct fit_job *jobs, size_t njobs, size_t nfeatures,
                    const slant_train_options *o, slant_error *err)
{
    struct pool p = {jobs, njobs, 0, PTHREAD_MUTEX_INITIALIZER, nfeatures, o, 0, 0};
    slantp_threads_run(o->threads, pool_worker, &p);
    for (size_t i = 0; i < njobs; i++)
        if (jobs[i].rc) {
            if (err && err->code == SLANT_OK)
                *err = jobs[i].err;
            return jobs[i].rc;
        }
    if (p.next < njobs)
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "training stopped early");
    return SLANT_OK;
}

/* ---------------------------------------------------------------- metrics for C */

static double macro_f1_argmax(double *const *dec, size_t nl, const signed char *const *y, size_t n)
{
    double sum = 0;
    size_t *tp = calloc(nl, sizeof *tp), *fp = calloc(nl, sizeof *fp), *fn = calloc(nl, sizeof *fn);
    if (!tp || !fp || !fn) {
        free(tp);
        free(fp);
        free(fn);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t l = 1; l < nl; l++)
            if (dec[l][i] > dec[best][i])
                best = l;
        for (size_t l = 0; l < nl; l++) {
            int g = y[l][i] > 0, p = l == best;
            tp[l] += g && p;
            fp[l] += !g && p;
            fn[l] += g && !p;
        }
    }
    for (size_t l = 0; l < nl; l++) {
        size_t den = 2 * tp[l] + fp[l] + fn[l];
        sum += den ? 2.0 * (double)tp[l] / (double)den : 0.0;
    }
    free(tp);
    free(fp);
    free(fn);
    return sum / (double)nl;
}

/* ---------------------------------------------------------------- one head */

/* What every head's training shares. */
typedef struct train_ctx {
    const slantp_trainset *ts;
    const slant_train_options *o;
    slant_model *m;
    slant_error *err;
} train_ctx;

/* One head's scratch, released in one place (head_fit_release). */
typedef struct head_fit {
    size_t h, nl, nh;
    size_t *row;            /* nh trainset rows that carry the head */
    signed char *y;         /* nl x nh: +1 or -1 */
    int *fold;              /* nh: inner fold of each row */
    double *oof;            /* C grid x nl x nh: out-of-fold decision values */
    size_t *cost;           /* nl: chosen index into the C grid */
    char *backwards;        /* nl: out-of-fold calibration ran against the label */
    double *w;              /* nl x nfeatures: final weights */
} head_fit;

static void head_fit_release(head_fit *hf)
{
    free(hf->row);
    free(hf->y);
    free(hf->fold);
    free(hf->oof);
    free(hf->cost);
    free(hf->backwards);
    free(hf->w);
    memset(hf, 0, sizeof *hf);
}

static void warnf(const train_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void warnf(const train_ctx *c, const char *fmt, ...)
{
    if (!c->o->warning)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    c->o->warning(c->o->warning_ctx, text);
}

/* The head's rows and labels; checks that it can be learned. */
static int head_labels(head_fit *hf, const train_ctx *c, const slantp_subset *s)
{
    const slant_dataset *d = s->d;
    slantp_head *mh = &c->m->heads[hf->h];
    size_t N = s->n, K = (size_t)c->o->folds, nl = mh->nlabels;
    hf->nl = nl;
    hf->row = malloc((N ? N : 1) * sizeof *hf->row);
    if (!hf->row)
        return slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < N; i++)
        if (slantp_record_has_head(d, &d->recs[s->idx[i]], hf->h))
            hf->row[hf->nh++] = i;
    size_t nh = hf->nh;
    if (mh->multilabel && nl == 1)
        warnf(c, "multi-label head '%s' has one label: it learns yes or no for '%s'", mh->name,
              mh->labels[0]);
    if (!mh->multilabel && nl < 2)
        return slantp_error(c->err, SLANT_ETRAIN, NULL, -1, -1,
                            "head '%s' needs at least 2 labels to learn from, it has %zu",
                            mh->name, nl);
    if (nh < K)
        return slantp_error(c->err, SLANT_ETRAIN, NULL, -1, -1,
                            "head '%s' has %zu labelled documents, fewer than %zu folds", mh->name,
                            nh, K);
    hf->y = malloc(nl * nh);
    if (!hf->y)
        return slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    for (size_t l = 0; l < nl; l++) {
        size_t pos = 0;
        for (size_t j = 0; j < nh; j++) {
            int g = slantp_record_has_label(d, &d->recs[s->idx[hf->row[j]]], hf->h, l);
            hf->y[l * nh + j] = g ? 1 : -1;
            pos += (size_t)g;
        }
        c->m->label_docs[mh->first + l] = pos;
        if (pos == 1)
            warnf(c, "label '%s' of head '%s' has one document: its classifier learns that "
                     "document, not the label", mh->labels[l], mh->name);
    }
    mh->max_labels = 1;
    mh->may_be_empty = 0;
    for (size_t j = 0; j < nh; j++) {
        size_t k = 0;
        for (size_t l = 0; l < nl; l++)
            k += hf->y[l * nh + j] > 0;
        if (k > mh->max_labels)
            mh->max_labels = k;
        if (k == 0 && mh->multilabel)
            mh->may_be_empty = 1;
    }
    return SLANT_OK;
}

static int head_folds(head_fit *hf, const train_ctx *c, const slantp_subset *s)
{
    const slant_dataset *d = s->d;
    size_t nh = hf->nh;
    size_t *rec = malloc(nh * sizeof *rec);
    hf->fold = malloc(nh * sizeof *hf->fold);
    if (!rec || !hf->fold) {
        free(rec);
        return slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    int grouped = 0;
    for (size_t j = 0; j < nh; j++) {
        rec[j] = s->idx[hf->row[j]];
        grouped |= d->recs[rec[j]].group != NULL;
    }
    slantp_fold_spec spec = {c->o->folds, c->o->seed, grouped && c->o->inner_grouped, 0, hf->h};
    int bad = slantp_assign_folds(d, rec, nh, &spec, hf->fold);
    free(rec);
    return bad ? slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory") : SLANT_OK;
}

/* Every (C, fold, label) problem of the inner cross-validation, run on the
 * pool; their decisions on the held-out rows fill hf->oof. */
static int head_inner_cv(head_fit *hf, const train_ctx *c)
{
    size_t K = (size_t)c->o->folds, NC = c->o->c_grid_n, nl = hf->nl, nh = hf->nh;
    size_t njobs = NC * K * nl;
    struct fit_job *jobs = calloc(njobs, sizeof *jobs);
    size_t *rows = malloc(K * 2 * nh * sizeof *rows);     /* per fold: train, then test rows */
    signed char *ys = malloc(K * nl * nh);                  /* per fold and label: train labels */
    size_t *ntrain = calloc(K, sizeof *ntrain), *ntest = calloc(K, sizeof *ntest);
    size_t *testpos = malloc(nh * sizeof *testpos);        /* test order -> head order */
    double *scratch = malloc(NC * nl * nh * sizeof *scratch);
    int rc = SLANT_OK;
    hf->oof = malloc(NC * nl * nh * sizeof *hf->oof);
    if (!jobs || !rows || !ys || !ntrain || !ntest || !testpos || !scratch || !hf->oof) {
        rc = slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    for (size_t f = 0, off = 0; f < K; f++) {
        size_t *tr = rows + f * 2 * nh, *te = tr + nh;
        for (size_t j = 0; j < nh; j++) {
            if ((size_t)hf->fold[j] == f) {
                testpos[off + ntest[f]] = j;
                te[ntest[f]++] = hf->row[j];
            } else {
                tr[ntrain[f]++] = hf->row[j];
            }
        }
        off += ntest[f];
        for (size_t l = 0; l < nl; l++) {
            signed char *yy = ys + (f * nl + l) * nh;
            size_t t = 0;
            for (size_t j = 0; j < nh; j++)
                if ((size_t)hf->fold[j] != f)
                    yy[t++] = hf->y[l * nh + j];
        }
    }
    /* decisions are written per fold in test order, then put back in the
     * head's order. Jobs are queued fold by fold: a kernel cache (gram.c)
     * that holds one fold's documents then serves all its jobs before the
     * next fold's (the results do not depend on the order). */
    size_t jn = 0;
    for (size_t f = 0, off = 0; f < K; off += ntest[f], f++)
        for (size_t ci = 0; ci < NC; ci++)
            for (size_t l = 0; l < nl; l++) {
                struct fit_job *jb = &jobs[jn++];
                jb->ts = c->ts;
                jb->idx = rows + f * 2 * nh;
                jb->n = ntrain[f];
                jb->y = ys + (f * nl + l) * nh;
                jb->C = c->o->c_grid[ci];
                jb->test = rows + f * 2 * nh + nh;
                jb->ntest = ntest[f];
                jb->dec = scratch + (ci * nl + l) * nh + off;
            }
    rc = run_jobs(jobs, njobs, c->ts->nfeatures, c->o, c->err);
    if (rc == SLANT_OK)
        for (size_t cl = 0; cl < NC * nl; cl++)
            for (size_t q = 0; q < nh; q++)
                hf->oof[cl * nh + testpos[q]] = scratch[cl * nh + q];
out:
    free(jobs);
    free(rows);
    free(ys);
    free(ntrain);
    free(ntest);
    free(testpos);
    free(scratch);
    return rc;
}

/* C per head (single-label: the macro-F1 of the arg-max) or per label
 * (multi-label: each label's best F1). */
static int head_choose_costs(head_fit *hf, const train_ctx *c)
{
    size_t NC = c->o->c_grid_n, nl = hf->nl, nh = hf->nh;
    hf->cost = calloc(nl, sizeof *hf->cost);
    if (!hf->cost)
        return slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    if (!c->m->heads[hf->h].multilabel) {
        double best = -1;
        size_t bc = 0;
        for (size_t ci = 0; ci < NC; ci++) {
            double *decs[SLANTP_MAX_LABELS];
            const signed char *ys[SLANTP_MAX_LABELS];
            for (size_t l = 0; l < nl; l++) {
                decs[l] = hf->oof + (ci * nl + l) * nh;
                ys[l] = hf->y + l * nh;
            }
            double f1 = macro_f1_argmax(decs, nl, ys, nh);
            if (f1 > best + 1e-12) {
                best = f1;
                bc = ci;
            }
        }
        for (size_t l = 0; l < nl; l++)
            hf->cost[l] = bc;
        return SLANT_OK;
    }
    for (size_t l = 0; l < nl; l++) {
        double best = -1;
        for (size_t ci = 0; ci < NC; ci++) {
            double f1;
            slantp_best_threshold(hf->oof + (ci * nl + l) * nh, hf->y + l * nh, nh, &f1);
            if (f1 > best + 1e-12) {
                best = f1;
                hf->cost[l] = ci;
            }
        }
    }
    return SLANT_OK;
}

/* Platt scaling on the chosen C's out-of-fold values, and the thresholds
 * of a multi-label head. A fit whose slope is not negative would score a
 * document lower the more it looks like the label: it is marked, and
 * refitted after the final fit (head_refit_backwards). */
static int head_calibrate(head_fit *hf, const train_ctx *c)
{
    slant_model *m = c->m;
    const slantp_head *mh = &m->heads[hf->h];
    size_t nl = hf->nl, nh = hf->nh;
    double *p = malloc(nl * nh * sizeof *p), *thr = malloc(nl * sizeof *thr);
    int rc = SLANT_OK;
    hf->backwards = calloc(nl, 1);
    if (!p || !thr || !hf->backwards) {
        rc = slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    for (size_t l = 0; l < nl; l++) {
        size_t g = mh->first + l;
        const double *dv = hf->oof + (hf->cost[l] * nl + l) * nh;
        m->cost[g] = c->o->c_grid[hf->cost[l]];
        slantp_platt_fit(dv, hf->y + l * nh, nh, &m->platt_a[g], &m->platt_b[g]);
        hf->backwards[l] = !(m->platt_a[g] < 0);
        for (size_t j = 0; j < nh; j++)
            p[l * nh + j] = slantp_platt(dv[j], m->platt_a[g], m->platt_b[g]);
        m->threshold[g] = 0;
    }
    if (mh->multilabel) {
        if (slantp_head_thresholds(p, hf->y, nl, nh, c->o->threshold_objective, thr) < 0)
            rc = slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        for (size_t l = 0; rc == SLANT_OK && l < nl; l++)
            m->threshold[mh->first + l] = hf->backwards[l] ? 0.5 : thr[l];
    }
out:
    free(p);
    free(thr);
    return rc;
}

/* Each label retrained on all of the head's rows with its C. */
static int head_final_fits(head_fit *hf, const train_ctx *c)
{
    slant_model *m = c->m;
    const slantp_head *mh = &m->heads[hf->h];
    size_t nl = hf->nl, nf = c->ts->nfeatures;
    struct fit_job *jobs = calloc(nl, sizeof *jobs);
    hf->w = malloc(nl * nf * sizeof *hf->w);
    if (!jobs || !hf->w) {
        free(jobs);
        return slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t l = 0; l < nl; l++) {
        jobs[l].ts = c->ts;
        jobs[l].idx = hf->row;
        jobs[l].n = hf->nh;
        jobs[l].y = hf->y + l * hf->nh;
        jobs[l].C = m->cost[mh->first + l];
        jobs[l].w_out = hf->w + l * nf;
        jobs[l].b_out = &m->bias[mh->first + l];
    }
    int rc = run_jobs(jobs, nl, nf, c->o, c->err);
    free(jobs);
    if (rc)
        return rc;
    for (size_t l = 0; l < nl; l++)
        for (size_t f = 0; f < nf; f++)
            m->W[f * m->nlabels + mh->first + l] = hf->w[l * nf + f];
    return SLANT_OK;
}

/* A label whose out-of-fold calibration came out backwards (too few
 * documents, or folds that hid what it looks like) is calibrated on the
 * final classifier's own decisions: overconfident, but increasing in the
 * decision value. Should even that fail, a fixed slope of -1 with the
 * label's prior. */
static int head_refit_backwards(head_fit *hf, const train_ctx *c)
{
    slant_model *m = c->m;
    const slantp_head *mh = &m->heads[hf->h];
    size_t nh = hf->nh, nf = c->ts->nfeatures;
    double *dv = NULL;
    for (size_t l = 0; l < hf->nl; l++) {
        if (!hf->backwards[l])
            continue;
        size_t g = mh->first + l;
        double slope = m->platt_a[g];
        if (!dv && !(dv = malloc(nh * sizeof *dv)))
            return slantp_error(c->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        size_t npos = 0;
        for (size_t j = 0; j < nh; j++) {
            dv[j] = slantp_trainset_decision(c->ts, hf->row[j], hf->w + l * nf, m->bias[g]);
            npos += hf->y[l * nh + j] > 0;
        }
        slantp_platt_fit(dv, hf->y + l * nh, nh, &m->platt_a[g], &m->platt_b[g]);
        if (!(m->platt_a[g] < 0) || !isfinite(m->platt_b[g])) {
            m->platt_a[g] = -1.0;
            m->platt_b[g] = log(((double)(nh - npos) + 1.0) / ((double)npos + 1.0));
        }
        warnf(c, "label '%s' of head '%s': its out-of-fold calibration ran against the label "
                 "(slope %+.3g); calibrated on the training decisions instead",
              mh->labels[l], mh->name, -slope);
    }
    free(dv);
    return SLANT_OK;
}

static int train_head(const train_ctx *c, const slantp_subset *s, size_t h)
{
    head_fit hf = {0};
    hf.h = h;
    int rc = head_labels(&hf, c, s);
    if (!rc)
        rc = head_folds(&hf, c, s);
    if (!rc)
        rc = head_inner_cv(&hf, c);
    if (!rc)
        rc = head_choose_costs(&hf, c);
    if (!rc)
        rc = head_calibrate(&hf, c);
    if (!rc)
        rc = head_final_fits(&hf, c);
    if (!rc)
        rc = head_refit_backwards(&hf, c);
    head_fit_release(&hf);
    return rc;
}

/* ---------------------------------------------------------------- training */

/* Keep only the stems that some kept feature uses, renumbered in their old
 * order, and re-pack the feature keys. The feature order is unchanged. */
static int prune_stems(slant_model *m)
{
    size_t ns = m->stems.n;
    int32_t *map = malloc((ns ? ns : 1) * sizeof *map);
    slantp_strtab keep;
    if (!map || slantp_strtab_init(&keep, 1024) < 0) {
        free(map);
        return -1;
    }
    for (size_t i = 0; i < ns; i++)
        map[i] = -1;
    for (size_t f = 0; f < m->nfeatures; f++)
        for (int k = 0; k < SLANTP_MAX_NGRAM; k++) {
            uint64_t part = (m->feat_keys[f] >> (21 * k)) & 0x1fffff;
            if (part)
                map[part - 1] = 0;
        }
    for (size_t i = 0; i < ns; i++) {
        if (map[i] < 0)
            continue;
        const char *key = slantp_strtab_key(&m->stems, i);
        long id = slantp_strtab_intern(&keep, key, m->stems.lens[i]);
        if (id < 0) {
            free(map);
            slantp_strtab_release(&keep);
            return -1;
        }
        map[i] = (int32_t)id;
    }
    for (size_t f = 0; f < m->nfeatures; f++) {
        int32_t ids[SLANTP_MAX_NGRAM];
        int n = 0;
        for (int k = 0; k < SLANTP_MAX_NGRAM; k++) {
            uint64_t part = (m->feat_keys[f] >> (21 * k)) & 0x1fffff;
            if (part)
                ids[n++] = map[part - 1];
        }
        m->feat_keys[f] = slantp_ngram_key(ids, n);
    }
    free(map);
    slantp_strtab_release(&m->stems);
    m->stems = keep;
    return 0;
}

static void progress(const slant_train_options *o, const char *what, size_t done, size_t total)
{
    if (o->progress)
        o->progress(o->progress_ctx, what, done, total);
}

/* What the stages of one training share, released in one place
 * (trainer_release) whether training succeeds or not. */
typedef struct trainer {
    const slantp_subset *s;
    slant_train_options o;      /* the caller's, with defaults filled in */
    slant_error *err;
    slant_model *m;             /* being built; NULL once handed to the caller */
    slantp_stemmer st;
    int have_stemmer;
    slantp_docfeat doc;         /* the current document's stems and vector */
    size_t ngram_total;         /* n-grams counted in pass 1, repeats included */
    slantp_kernel kern;
    slantp_trainset ts;
    surface_votes votes;
} trainer;

static void trainer_release(trainer *t)
{
    slantp_kernel_abort(&t->kern);      /* before the rows its workers read are freed */
    slant_model_free(t->m);
    if (t->have_stemmer)
        slantp_stemmer_release(&t->st);
    slantp_docfeat_release(&t->doc);
    slantp_trainset_release(&t->ts);
    surface_votes_release(&t->votes);
}

static int nomem(const trainer *t)
{
    return slantp_error(t->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory while training");
}

/* Fill in the defaults of 'o' and reject what cannot be trained. */
static int check_options(slant_train_options *o, const slantp_subset *s, slant_error *err)
{
    if (!o->language)
        o->language = "english";
    if (o->ngram_max < 1 || o->ngram_max > SLANTP_MAX_NGRAM)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "n-gram length must be 1 to %d",
                            SLANTP_MAX_NGRAM);
    if (o->folds < 2)
        o->folds = 2;
    if (!o->c_grid || o->c_grid_n == 0) {
        o->c_grid = default_c_grid;
        o->c_grid_n = sizeof default_c_grid / sizeof default_c_grid[0];
    }
    for (size_t c = 0; c < o->c_grid_n; c++)
        if (!(o->c_grid[c] > 0) || !isfinite(o->c_grid[c]))
            return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "C must be a positive number");
    if (s->n < 2)
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "need at least 2 training documents");
    if (s->d->nheads == 0)
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "the training data has no labels");
    return SLANT_OK;
}

/* An empty model with the settings, and the stemmer that fills its stems. */
static int start_model(trainer *t)
{
    const slant_train_options *o = &t->o;
    slant_model *m = t->m = slantp_model_alloc();
    if (!m)
        return slantp_error(t->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    snprintf(m->language, sizeof m->language, "%s", o->language);
    m->ngram_max = o->ngram_max;
    m->min_df = o->min_df;
    m->max_df = o->max_df;
    m->max_features = o->max_features;
    m->ndocs = t->s->n;
    m->folds = o->folds;
    if (slantp_strtab_init(&m->stems, 1 << 14) < 0)
        return nomem(t);
    int rc = slantp_stemmer_init(&t->st, o->language, &m->stems, &m->stems, t->err);
    if (rc)
        return rc;
    t->have_stemmer = 1;
    if (slantp_stemmer_fingerprint(&t->st, &m->stem_fingerprint) < 0)
        return nomem(t);
    return SLANT_OK;
}

/* Pass 1: the document frequency of every n-gram. The table starts at
 * about one entry per four bytes of text, past what n-grams of real text
 * need. */
static int count_ngrams(trainer *t, df_table *dft)
{
    const slant_dataset *d = t->s->d;
    size_t N = t->s->n;
    struct doc_keys dkeys = {0};
    int rc = SLANT_OK;
    size_t text_bytes = 0;
    for (size_t i = 0; i < N; i++)
        text_bytes += d->recs[t->s->idx[i]].len;
    if (df_init(dft, text_bytes / 4 < (1u << 23) ? text_bytes / 4 : (1u << 23)) < 0)
        return nomem(t);
    for (size_t i = 0; i < N; i++) {
        const slantp_record *r = &d->recs[t->s->idx[i]];
        dkeys.n = 0;
        if (slantp_doc_stem(&t->doc, &t->st, r->text, r->len) < 0 ||
            slantp_doc_ngrams(&t->doc, t->o.ngram_max, collect_key, &dkeys) < 0 ||
            df_count_doc(dft, &dkeys, (uint32_t)i + 1) < 0) {
            rc = nomem(t);
            break;
        }
        t->ngram_total += dkeys.n;
        if ((i & 255) == 0)
            progress(&t->o, "reading documents", i, N);
    }
    free(dkeys.key);
    return rc;
}

/* The n-grams that pass min_df and max_df, the max_features most frequent
 * of them if there are more, in key order: the model's features, with
 * their IDF. Frees the table. */
static int choose_features(trainer *t, df_table *dft)
{
    const slant_train_options *o = &t->o;
    slant_model *m = t->m;
    size_t N = t->s->n, nkept = 0;
    double maxdf = o->max_df * (double)N;
    struct kept *kept = malloc((dft->n ? dft->n : 1) * sizeof *kept);
    if (!kept)
        return nomem(t);
    for (size_t i = 0; i <= dft->mask; i++) {
        const df_entry *e = &dft->e[i];
        if (!e->key || e->df < (uint32_t)(o->min_df > 1 ? o->min_df : 1) || (double)e->df > maxdf)
            continue;
        kept[nkept++] = (struct kept){e->key, e->df};
    }
    free(dft->e);
    dft->e = NULL;
    if (o->max_features && nkept > o->max_features) {
        qsort(kept, nkept, sizeof *kept, kept_by_df);
        nkept = o->max_features;
    }
    qsort(kept, nkept, sizeof *kept, kept_by_key);
    int rc = SLANT_OK;
    if (nkept == 0) {
        rc = slantp_error(t->err, SLANT_ETRAIN, NULL, -1, -1,
                          "no feature occurs in %d or more documents", o->min_df);
        goto out;
    }
    m->nfeatures = nkept;
    m->feat_keys = malloc(nkept * sizeof *m->feat_keys);
    m->idf = malloc(nkept * sizeof *m->idf);
    m->surface = calloc(nkept, sizeof *m->surface);
    t->votes.best = calloc(nkept, sizeof *t->votes.best);
    if (!m->feat_keys || !m->idf || !m->surface || !t->votes.best ||
        slantp_strtab_init(&t->votes.forms, nkept) < 0) {
        rc = nomem(t);
        goto out;
    }
    for (size_t f = 0; f < nkept; f++) {
        m->feat_keys[f] = kept[f].key;
        m->idf[f] = log((1.0 + (double)N) / (1.0 + (double)kept[f].df)) + 1.0;
    }
    /* the lookup tables classification uses serve pass 2 as well */
    rc = slantp_model_index(m, t->err);
out:
    free(kept);
    return rc;
}

/* Pass 2, for document i: its vector appended to the trainset's rows, in
 * feature order, and a vote for the written form of each feature in it.
 * 'sorted' is scratch for the sort. */
static int add_document(trainer *t, size_t i, slantp_feat **sorted, size_t *sorted_cap,
                        size_t *nnz_cap)
{
    const slantp_record *r = &t->s->d->recs[t->s->idx[i]];
    slant_model *m = t->m;
    slantp_docfeat *doc = &t->doc;
    slantp_trainset *ts = &t->ts;
    size_t nnz = ts->row_start[i];
    if (slantp_doc_stem(doc, &t->st, r->text, r->len) < 0 ||
        slantp_doc_vectorize(doc, &m->vocab, m->idf, m->nfeatures, t->o.ngram_max,
                             m->indexed ? &m->index : NULL) < 0)
        return nomem(t);
    if (slantp_grow(sorted, sorted_cap, doc->nvec, sizeof **sorted) < 0)
        return nomem(t);
    sort_by_id(doc->vec, *sorted, doc->nvec, (uint32_t)m->nfeatures - 1);
    if (nnz + doc->nvec > *nnz_cap) {
        if (t->kern.live)
            return slantp_error(t->err, SLANT_ETRAIN, NULL, -1, -1,
                                "internal error: document %zu has more features than n-grams", i);
        if (slantp_grow(&ts->col, nnz_cap, nnz + doc->nvec, sizeof *ts->col) < 0)
            return nomem(t);
        double *nv = realloc(ts->val, *nnz_cap * sizeof *ts->val);
        if (!nv)
            return nomem(t);
        ts->val = nv;
    }
    for (size_t k = 0; k < doc->nvec; k++) {
        ts->col[nnz] = doc->vec[k].id;
        ts->val[nnz++] = doc->vec[k].value;
    }
    ts->row_start[i + 1] = nnz;
    slantp_kernel_rows_ready(&t->kern, i + 1);
    for (size_t k = 0; k < doc->nocc; k++) {
        const slantp_occ *oc = &doc->occ[k];
        if (k + 8 < doc->nocc)
            slantp_prefetch(&t->votes.best[doc->occ[k + 8].fid]);
        if (vote_surface(&t->votes, oc->fid, r->text, &doc->toks, oc->first_tok, oc->ntok) < 0)
            return nomem(t);
    }
    return SLANT_OK;
}

/* Pass 2: the vectors, the surface forms and the kernel. Documents are
 * tokenized again rather than kept from pass 1: the stem cache makes the
 * second pass cheap, and memory stays proportional to the vectors, not the
 * text. When the Gram matrix fits, the row arrays get their final size up
 * front (a document has no more features than n-grams counted in pass 1)
 * and the kernel is computed while the rows are written. */
static int vectorize(trainer *t)
{
    slantp_trainset *ts = &t->ts;
    size_t N = t->s->n, nnz_cap = 0;
    slantp_feat *sorted = NULL;
    size_t sorted_cap = 0;
    int rc = SLANT_OK;
    ts->n = N;
    ts->nfeatures = t->m->nfeatures;
    ts->row_start = malloc((N + 1) * sizeof *ts->row_start);
    if (!ts->row_start)
        return nomem(t);
    ts->row_start[0] = 0;
    int gram = slantp_kernel_start(&t->kern, ts, t->o.gram_mb, t->o.threads);
    if (t->kern.refused && t->o.warning)
        t->o.warning(t->o.warning_ctx, "the kernel matrix did not fit in memory: training "
                                       "on sparse vectors (slower; the weights may differ "
                                       "in their last digits)");
    if (gram) {
        nnz_cap = t->ngram_total ? t->ngram_total : 1;
        ts->col = malloc(nnz_cap * sizeof *ts->col);
        ts->val = malloc(nnz_cap * sizeof *ts->val);
        if (!ts->col || !ts->val)
            return nomem(t);
    }
    for (size_t i = 0; i < N && rc == SLANT_OK; i++) {
        rc = add_document(t, i, &sorted, &sorted_cap, &nnz_cap);
        if (rc == SLANT_OK && (i & 255) == 0)
            progress(&t->o, "vectorizing", i, N);
    }
    free(sorted);
    if (rc)
        return rc;
    if (elect_surfaces(&t->votes, t->m) < 0)
        return nomem(t);
    progress(&t->o, "computing the kernel", 0, 1);
    rc = slantp_kernel_finish(&t->kern, t->err);
    if (rc)
        return rc;
    t->m->used_gram = ts->gram != NULL || ts->cache != NULL;   /* precomputed, whole or cached */
    return SLANT_OK;
}

/* The heads and their labels, copied from the dataset, and the per-label
 * arrays the heads' training fills. */
static int add_heads(trainer *t)
{
    const slant_dataset *d = t->s->d;
    slant_model *m = t->m;
    size_t total_labels = 0;
    m->nheads = d->nheads;
    for (size_t h = 0; h < d->nheads; h++) {
        const slantp_dhead *dh = &d->heads[h];
        slantp_head *mh = &m->heads[h];
        if (dh->labels.n == 0)
            return slantp_error(t->err, SLANT_ETRAIN, NULL, -1, -1,
                                "head '%s' has no labels to learn: every list of it is empty",
                                dh->name);
        mh->name = slantp_strndup(dh->name, strlen(dh->name));
        mh->multilabel = dh->multilabel;
        mh->nlabels = dh->labels.n;
        mh->first = total_labels;
        mh->labels = calloc(dh->labels.n ? dh->labels.n : 1, sizeof *mh->labels);
        if (!mh->name || !mh->labels)
            return nomem(t);
        for (size_t l = 0; l < dh->labels.n; l++) {
            const char *ln = slantp_strtab_key(&dh->labels, l);
            if (!(mh->labels[l] = slantp_strndup(ln, strlen(ln))))
                return nomem(t);
        }
        total_labels += dh->labels.n;
    }
    m->nlabels = total_labels;
    if (total_labels == 0)
        return slantp_error(t->err, SLANT_ETRAIN, NULL, -1, -1, "the training data has no labels");
    m->W = calloc(m->nfeatures * total_labels, sizeof *m->W);
    m->bias = calloc(total_labels, sizeof *m->bias);
    m->platt_a = calloc(total_labels, sizeof *m->platt_a);
    m->platt_b = calloc(total_labels, sizeof *m->platt_b);
    m->threshold = calloc(total_labels, sizeof *m->threshold);
    m->cost = calloc(total_labels, sizeof *m->cost);
    m->label_docs = calloc(total_labels, sizeof *m->label_docs);
    if (!m->W || !m->bias || !m->platt_a || !m->platt_b || !m->threshold || !m->cost ||
        !m->label_docs)
        return nomem(t);
    return SLANT_OK;
}

/* Every head trained in turn, then the stems no feature uses dropped and
 * the lookup tables rebuilt for the final stem ids. */
static int train_heads(trainer *t)
{
    train_ctx ctx = {&t->ts, &t->o, t->m, t->err};
    for (size_t h = 0; h < t->m->nheads; h++) {
        int rc = train_head(&ctx, t->s, h);
        if (rc)
            return rc;
    }
    if (prune_stems(t->m) < 0)
        return nomem(t);
    return slantp_model_index(t->m, t->err);
}

int slantp_train_subset(const slantp_subset *s, const slant_train_options *opt,
                        slant_model **out, slant_error *err)
{
    trainer t = {.s = s, .o = *opt, .err = err};
    df_table dft = {0};
    *out = NULL;
    slantp_svm_quiet();     /* libsvm prints progress on stdout otherwise */
    int rc = check_options(&t.o, s, err);
    if (rc)
        return rc;
    rc = start_model(&t);
    if (!rc)
        rc = count_ngrams(&t, &dft);
    if (!rc)
        rc = choose_features(&t, &dft);
    free(dft.e);
    if (!rc)
        rc = vectorize(&t);
    if (!rc)
        rc = add_heads(&t);
    if (!rc)
        rc = train_heads(&t);
    if (!rc) {
        *out = t.m;
        t.m = NULL;
    }
    trainer_release(&t);
    return rc;
}

int slant_train(const slant_dataset *d, const slant_train_options *o, slant_model **out,
                slant_error *err)
{
    slant_train_options def;
    slantp_error_clear(err);
    if (!o) {
        slant_train_options_init(&def);
        o = &def;
    }
    size_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
    if (!idx)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < d->n; i++)
        idx[i] = i;
    slantp_subset s = {d, idx, d->n};
    int rc = slantp_train_subset(&s, o, out, err);
    free(idx);
    return rc;
}
