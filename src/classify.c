/* classify.c - last stage: a document's vector -> decision values ->
 * calibrated scores -> predictions, and on request the terms behind them.
 *
 * The weights are feature-major (all labels of all heads for one feature
 * side by side), so each feature of the document costs one hash probe and
 * one contiguous row read, whatever the number of heads. Nothing is
 * allocated per document once the workspace buffers have grown.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"
#include "calibrate.h"
#include "classify.h"
#include "features.h"
#include "model.h"
#include "stem.h"

struct slantp_termtmp {
    size_t occ;         /* index in doc.occ; then the offset of its surface in surf */
    double weight;
};

slant_workspace *slant_workspace_new(const slant_model *m, slant_error *err)
{
    slantp_error_clear(err);
    slant_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) {
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        return NULL;
    }
    ws->m = m;
    if (slantp_stemmer_init(&ws->stemmer, m->language, &m->stems, NULL, err)) {
        free(ws);
        return NULL;
    }
    ws->stemmer.share = m->stem_share;     /* each new word is stemmed once for all threads */
    /* the shared table holds records for this index: every workspace of
     * the model must stem with it */
    ws->stemmer.index = m->indexed ? &m->index : NULL;
    ws->result.m = m;
    ws->result.ws = ws;
    size_t L = m->nlabels ? m->nlabels : 1;
    ws->result.decision = calloc(L, sizeof(double));
    ws->result.score = calloc(L, sizeof(double));
    ws->result.predicted = calloc(L, 1);
    ws->result.best = calloc(m->nheads ? m->nheads : 1, sizeof(size_t));
    if (!ws->result.decision || !ws->result.score || !ws->result.predicted || !ws->result.best) {
        slant_workspace_free(ws);
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        return NULL;
    }
    return ws;
}

void slant_workspace_free(slant_workspace *ws)
{
    if (!ws)
        return;
    slantp_stemmer_release(&ws->stemmer);
    slantp_docfeat_release(&ws->doc);
    free(ws->result.decision);
    free(ws->result.score);
    free(ws->result.predicted);
    free(ws->result.best);
    slantp_buf_release(&ws->surf);
    free(ws->tmp);
    slantp_spin_index_free(ws->spin_owned);
    free(ws->spin_hits);
    slantp_buf_release(&ws->spin_norm);
    free(ws->spin_pairs.v);
    free(ws);
}

/* Ask for the whole row of feature v (L doubles) to be fetched. */
static inline void prefetch_row(const double *W, size_t L, const slantp_feat *v)
{
    const char *row = (const char *)(W + (size_t)v->id * L);
    for (size_t b = 0; b < L * sizeof *W; b += 64)
        slantp_prefetch(row + b);
    slantp_prefetch(row + L * sizeof *W - 1);
}

/* dec += W[v.id] * v.value over the document's features. The rows are
 * scattered over megabytes, so each is asked for AHEAD features early
 * (fewer left the loop waiting on memory with a large model); the label
 * loop runs two doubles at a time. */
static void accumulate_rows(double *restrict dec, size_t L, const double *restrict W,
                            const slantp_feat *restrict v, size_t nv)
{
    enum { AHEAD = 32 };
    for (size_t i = 0; i < nv && i < AHEAD; i++)
        prefetch_row(W, L, &v[i]);
    /* four features per step: each sum is still added to in feature order,
     * (((dec + a) + b) + c) + d, but is loaded and stored once for all four,
     * which is the same sum in less time. */
    size_t i = 0;
    for (; i + 4 <= nv; i += 4) {
        for (size_t k = i + AHEAD; k < i + AHEAD + 4 && k < nv; k++)
            prefetch_row(W, L, &v[k]);
        const double *r1 = W + (size_t)v[i].id * L, *r2 = W + (size_t)v[i + 1].id * L;
        const double *r3 = W + (size_t)v[i + 2].id * L, *r4 = W + (size_t)v[i + 3].id * L;
        double x1 = v[i].value, x2 = v[i + 1].value, x3 = v[i + 2].value, x4 = v[i + 3].value;
        size_t g = 0;
#if defined(__SSE2__)
        __m128d xx1 = _mm_set1_pd(x1), xx2 = _mm_set1_pd(x2);
        __m128d xx3 = _mm_set1_pd(x3), xx4 = _mm_set1_pd(x4);
        for (; g + 2 <= L; g += 2) {
            __m128d d = _mm_add_pd(_mm_loadu_pd(dec + g), _mm_mul_pd(_mm_loadu_pd(r1 + g), xx1));
            d = _mm_add_pd(d, _mm_mul_pd(_mm_loadu_pd(r2 + g), xx2));
            d = _mm_add_pd(d, _mm_mul_pd(_mm_loadu_pd(r3 + g), xx3));
            _mm_storeu_pd(dec + g, _mm_add_pd(d, _mm_mul_pd(_mm_loadu_pd(r4 + g), xx4)));
        }
#endif
        for (; g < L; g++)
            dec[g] = (((dec[g] + r1[g] * x1) + r2[g] * x2) + r3[g] * x3) + r4[g] * x4;
    }
    for (; i < nv; i++) {
        const double *row = W + (size_t)v[i].id * L;
        for (size_t g = 0; g < L; g++)
            dec[g] += row[g] * v[i].value;
    }
}

int slant_classify(slant_workspace *ws, const char *text, size_t len, const slant_result **out,
                   slant_error *err)
{
    const slant_model *m = ws->m;
    slant_result *r = &ws->result;
    *out = NULL;
    if (err)
        err->code = SLANT_OK;   /* cheap: the rest is only read after a failure */
    if (!text && len)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "text is NULL");
    if (len > SLANTP_MAX_DOC)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "document longer than %zu bytes",
                            SLANTP_MAX_DOC);
    if (slantp_doc_stem(&ws->doc, &ws->stemmer, text ? text : "", len) < 0 ||
        slantp_doc_vectorize(&ws->doc, &m->vocab, m->idf, m->nfeatures, m->ngram_max,
                             m->indexed ? &m->index : NULL) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    ws->text = text;
    ws->text_len = len;
    ws->nspin = 0;
    if (ws->spin && slantp_spin_find(ws->spin, text ? text : "", &ws->doc, &ws->spin_norm,
                                     &ws->spin_pairs, &ws->spin_hits, &ws->nspin,
                                     &ws->spin_cap) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    size_t L = m->nlabels;
    double *dec = r->decision;
    for (size_t g = 0; g < L; g++)
        dec[g] = 0;
    accumulate_rows(dec, L, m->W, ws->doc.vec, ws->doc.nvec);
    for (size_t g = 0; g < L; g++) {
        dec[g] += m->bias[g];
        r->score[g] = slantp_platt(dec[g], m->platt_a[g], m->platt_b[g]);
    }
    for (size_t h = 0; h < m->nheads; h++) {
        const slantp_head *mh = &m->heads[h];
        double *sc = r->score + mh->first;
        unsigned char *pr = r->predicted + mh->first;
        size_t best = 0;
        for (size_t l = 1; l < mh->nlabels; l++)
            if (sc[l] > sc[best])
                best = l;
        r->best[h] = best;
        if (!mh->multilabel) {
            double sum = 0;
            for (size_t l = 0; l < mh->nlabels; l++)
                sum += sc[l];
            for (size_t l = 0; l < mh->nlabels; l++) {
                sc[l] = sum > 0 ? sc[l] / sum : 1.0 / (double)mh->nlabels;
                pr[l] = l == best;
            }
        } else {
            size_t npred = 0;
            for (size_t l = 0; l < mh->nlabels; l++) {
                pr[l] = sc[l] >= m->threshold[mh->first + l];
                npred += pr[l];
            }
            if (!npred && !mh->may_be_empty)
                pr[best] = 1;   /* the training documents all had a label */
            /* never more labels than any training document had: drop the
             * lowest-scoring ones */
            while (npred > mh->max_labels) {
                size_t worst = (size_t)-1;
                for (size_t l = 0; l < mh->nlabels; l++)
                    if (pr[l] && (worst == (size_t)-1 || sc[l] < sc[worst]))
                        worst = l;
                pr[worst] = 0;
                npred--;
            }
        }
    }
    *out = r;
    return SLANT_OK;
}

int slant_workspace_set_spin(slant_workspace *ws, const slant_spin_table *s, slant_error *err)
{
    slant_error e;
    slantp_error_clear(err);
    slantp_spin_index *x = NULL;
    if (s && !(x = slantp_spin_bind(s, ws->m, &e))) {
        if (err)
            *err = e;
        return e.code;
    }
    slantp_spin_index_free(ws->spin_owned);
    ws->spin_owned = x;
    ws->spin = x;
    ws->nspin = 0;
    return SLANT_OK;
}

void slantp_workspace_use_spin(slant_workspace *ws, const slantp_spin_index *x)
{
    slantp_spin_index_free(ws->spin_owned);
    ws->spin_owned = NULL;
    ws->spin = x;
    ws->nspin = 0;
}

size_t slant_result_nspin(const slant_result *r) { return r->ws->nspin; }

const slant_spin_hit *slant_result_spin(const slant_result *r, size_t i)
{
    return i < r->ws->nspin ? &r->ws->spin_hits[i] : NULL;
}

static size_t gi(const slant_result *r, size_t h, size_t l)
{
    return r->m->heads[h].first + l;
}

double slant_result_score(const slant_result *r, size_t h, size_t l) { return r->score[gi(r, h, l)]; }
double slant_result_decision(const slant_result *r, size_t h, size_t l)
{
    return r->decision[gi(r, h, l)];
}
double slant_result_bias(const slant_result *r, size_t h, size_t l) { return r->m->bias[gi(r, h, l)]; }
size_t slant_result_best(const slant_result *r, size_t h) { return r->best[h]; }
int slant_result_predicted(const slant_result *r, size_t h, size_t l)
{
    return r->predicted[gi(r, h, l)];
}
size_t slant_result_nfeatures(const slant_result *r) { return r->ws->doc.nvec; }

static int by_abs_weight(const void *x, const void *y)
{
    const struct slantp_termtmp *a = x, *b = y;
    double fa = fabs(a->weight), fb = fabs(b->weight);
    if (fa != fb)
        return fa > fb ? -1 : 1;
    return a->occ < b->occ ? -1 : a->occ > b->occ;
}

/* Min-heap on "rank" (the worst-ranked term at the root), by_abs_weight order. */
static void sift_down(struct slantp_termtmp *t, size_t i, size_t n)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && by_abs_weight(&t[l], &t[w]) > 0)
            w = l;
        if (r < n && by_abs_weight(&t[r], &t[w]) > 0)
            w = r;
        if (w == i)
            return;
        struct slantp_termtmp x = t[i];
        t[i] = t[w];
        t[w] = x;
        i = w;
    }
}

/* The top 'max' so far: t[0..*n), 'bar' the |weight| to beat once full.
 * Few terms (the usual 5) are kept in rank order by insertion, which
 * needs no sort at the end; many in a min-heap (the worst-ranked at the
 * root), sorted at the end. A term joins only when it is strictly larger
 * than the worst kept: at a tie the earlier occurrence ranks first, and
 * the kept ones are earlier. Most terms fail that one comparison, so the
 * scan is a row read, a multiply and a compare per feature. */
static void keep_term(struct slantp_termtmp *t, size_t *n, size_t max, double *bar,
                      struct slantp_termtmp term)
{
    double a = fabs(term.weight);
    if (max <= 16) {
        size_t j = *n < max ? (*n)++ : max - 1;
        for (; j > 0 && fabs(t[j - 1].weight) < a; j--)
            t[j] = t[j - 1];
        t[j] = term;
        if (*n == max)
            *bar = fabs(t[max - 1].weight);
    } else if (*n < max) {
        t[(*n)++] = term;
        if (*n == max) {
            for (size_t k = max / 2; k-- > 0;)
                sift_down(t, k, max);
            *bar = fabs(t[0].weight);
        }
    } else {
        t[0] = term;
        sift_down(t, 0, max);
        *bar = fabs(t[0].weight);
    }
}

/* The text of the one term that stands for every function word and
 * number of a document (style.c). */
#define STYLE_TERM "[function words, numbers]"
#define STYLE_OCC ((size_t)-1)

size_t slant_result_terms(const slant_result *r, size_t h, size_t l, slant_term *out, size_t max)
{
    slant_workspace *ws = r->ws;
    const slant_model *m = r->m;
    const slantp_docfeat *d = &ws->doc;
    const size_t L = m->nlabels;
    const double *W = m->W + gi(r, h, l);
    const char *style = m->style;
    size_t n = 0;
    double style_sum = 0;
    if (!out) {
        int any_style = 0;
        for (size_t i = 0; i < d->nvec; i++) {
            int nonzero = W[(size_t)d->vec[i].id * L] != 0;
            if (style && style[d->vec[i].id])
                any_style |= nonzero;
            else
                n += (size_t)nonzero;
        }
        return n + (size_t)any_style;
    }
    if (max > d->nvec)
        max = d->nvec;
    if (max == 0)
        return 0;
    if (slantp_grow(&ws->tmp, &ws->tmp_cap, max + 1, sizeof *ws->tmp) < 0)
        return 0;
    struct slantp_termtmp *t = ws->tmp;
    double bar = 0;     /* |weight| of the worst kept once 'max' are kept; zero terms never count */
    for (size_t i = 0; i < d->nvec; i++) {
        double w = W[(size_t)d->vec[i].id * L] * d->vec[i].value;
        if (style && style[d->vec[i].id]) {
            style_sum += w;
            continue;
        }
        if (fabs(w) > bar)
            keep_term(t, &n, max, &bar, (struct slantp_termtmp){i, w});
    }
    if (fabs(style_sum) > bar)
        keep_term(t, &n, max, &bar, (struct slantp_termtmp){STYLE_OCC, style_sum});
    if (max > 16)
        qsort(ws->tmp, n, sizeof *ws->tmp, by_abs_weight);
    ws->surf.len = 0;
    for (size_t k = 0; k < n; k++) {
        size_t occ = ws->tmp[k].occ;
        ws->tmp[k].occ = ws->surf.len;  /* an offset: surf may move as it grows */
        int bad = occ == STYLE_OCC
                      ? slantp_buf_append(&ws->surf, STYLE_TERM, sizeof STYLE_TERM)
                      : slantp_append_surface(&ws->surf, ws->text, &d->toks,
                                              d->occ[occ].first_tok, d->occ[occ].ntok);
        if (bad < 0)
            return 0;
    }
    for (size_t k = 0; k < n; k++) {
        out[k].text = ws->surf.data + ws->tmp[k].occ;
        out[k].weight = ws->tmp[k].weight;
    }
    return n;
}

size_t slant_result_feature(const slant_result *r, size_t i, size_t *count)
{
    const slantp_docfeat *d = &r->ws->doc;
    assert(i < d->nocc);
    if (count)
        *count = d->occ[i].count;
    return d->occ[i].fid;
}

const char *slant_result_feature_text(const slant_result *r, size_t i)
{
    slant_workspace *ws = r->ws;
    const slantp_docfeat *d = &ws->doc;
    assert(i < d->nocc);
    ws->surf.len = 0;
    if (slantp_append_surface(&ws->surf, ws->text, &d->toks, d->occ[i].first_tok,
                              d->occ[i].ntok) < 0)
        return NULL;
    return ws->surf.data;
}

double slant_model_weight(const slant_model *m, size_t h, size_t l, size_t f)
{
    assert(h < m->nheads && l < m->heads[h].nlabels && f < m->nfeatures);
    return m->W[f * m->nlabels + m->heads[h].first + l];
}

const char *slant_model_feature_text(const slant_model *m, size_t f)
{
    assert(f < m->nfeatures);
    return m->surface ? m->surface[f] : "";
}

int slant_model_feature_style(const slant_model *m, size_t f)
{
    assert(f < m->nfeatures);
    return m->style ? m->style[f] != 0 : 0;
}
