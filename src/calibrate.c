/* calibrate.c - turning decision values into probabilities and decisions.
 *
 * Platt scaling fits P(y=1|f) = 1/(1+exp(A f + B)) to out-of-fold decision
 * values, with the smoothed targets Platt proposed so that a separable
 * training set does not drive A to infinity. The fit is a 2-parameter
 * Newton's method with a backtracking line search on the negative
 * log-likelihood, sum log(1+e^z) - (1-t) z with z = A f + B.
 * Thresholds for multi-label heads are chosen to maximize F1 on the same
 * out-of-fold values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "calibrate.h"

static double log1pexp(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Platt's smoothed targets: the target of a positive and of a negative. */
typedef struct targets {
    double pos, neg;
} targets;

static double nll(const double *f, const signed char *y, targets t, size_t n, double A, double B)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double z = A * f[i] + B;
        s += log1pexp(z) - (1.0 - (y[i] > 0 ? t.pos : t.neg)) * z;
    }
    return s;
}

void slantp_platt_fit(const double *f, const signed char *y, size_t n, double *A, double *B)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] > 0;
    size_t nneg = n - npos;
    targets t = {((double)npos + 1.0) / ((double)npos + 2.0), 1.0 / ((double)nneg + 2.0)};
    double a = 0.0, b = log(((double)nneg + 1.0) / ((double)npos + 1.0));
    if (n == 0) {
        *A = -1.0;
        *B = b;
        return;
    }
    double fval = nll(f, y, t, n, a, b);
    for (int it = 0; it < 100; it++) {
        double g1 = 0, g2 = 0, h11 = 1e-12, h22 = 1e-12, h21 = 0;
        for (size_t i = 0; i < n; i++) {
            double p = slantp_platt(f[i], a, b);   /* = 1 - sigma(z) */
            double d = (y[i] > 0 ? t.pos : t.neg) - p;   /* dNLL/dz */
            double w = p * (1.0 - p);
            g1 += f[i] * d;
            g2 += d;
            h11 += f[i] * f[i] * w;
            h22 += w;
            h21 += f[i] * w;
        }
        if (fabs(g1) < 1e-7 && fabs(g2) < 1e-7)
            break;
        double det = h11 * h22 - h21 * h21;
        if (!(det > 0))
            break;
        double da = -(h22 * g1 - h21 * g2) / det;
        double db = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * da + g2 * db;
        double step = 1.0;
        int moved = 0;
        while (step >= 1e-10) {
            double na = a + step * da, nb = b + step * db;
            double nf = nll(f, y, t, n, na, nb);
            if (nf < fval + 1e-4 * step * gd) {
                a = na;
                b = nb;
                fval = nf;
                moved = 1;
                break;
            }
            step /= 2;
        }
        if (!moved)
            break;
    }
    *A = a;
    *B = b;
}

struct scored {
    double p;
    signed char y;
};

static int by_p_desc(const void *x, const void *y)
{
    const struct scored *a = x, *b = y;
    if (a->p > b->p)
        return -1;
    if (a->p < b->p)
        return 1;
    return (int)b->y - (int)a->y;
}

double slantp_best_threshold(const double *p, const signed char *y, size_t n, double *best_f1)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] > 0;
    *best_f1 = 0;
    if (npos == 0 || n == 0)
        return 0.5;
    struct scored *s = malloc(n * sizeof *s);
    if (!s)
        return 0.5;
    for (size_t i = 0; i < n; i++)
        s[i] = (struct scored){p[i], y[i]};
    qsort(s, n, sizeof *s, by_p_desc);
    size_t tp = 0, fp = 0;
    double best = -1, thr = 0.5;
    for (size_t i = 0; i < n; i++) {
        if (s[i].y > 0)
            tp++;
        else
            fp++;
        /* only cut between distinct values */
        if (i + 1 < n && s[i + 1].p == s[i].p)
            continue;
        double f1 = 2.0 * (double)tp / (2.0 * (double)tp + (double)fp + (double)(npos - tp));
        if (f1 > best) {
            best = f1;
            thr = i + 1 < n ? 0.5 * (s[i].p + s[i + 1].p) : s[i].p * 0.5;
        }
    }
    free(s);
    *best_f1 = best;
    return thr;
}

/* ---------------------------------------------------------------- thresholds of a head */

/* One label's out-of-fold probabilities, highest first, and the counts of
 * each cut: predicting the top c documents (c = 0 .. n) gives tp[c], with
 * fp = c - tp[c] and fn = npos - tp[c]. Cuts fall only between distinct
 * probabilities; cut[c] says whether c is one. */
typedef struct label_cuts {
    struct scored *s;
    size_t *tp;
    char *cut;
    size_t n, npos;
} label_cuts;

static int cuts_init(label_cuts *c, const double *p, const signed char *y, size_t n)
{
    c->n = n;
    c->npos = 0;
    c->s = malloc((n ? n : 1) * sizeof *c->s);
    c->tp = malloc((n + 1) * sizeof *c->tp);
    c->cut = malloc(n + 1);
    if (!c->s || !c->tp || !c->cut)
        return -1;
    for (size_t i = 0; i < n; i++) {
        c->s[i] = (struct scored){p[i], y[i]};
        c->npos += y[i] > 0;
    }
    qsort(c->s, n, sizeof *c->s, by_p_desc);
    c->tp[0] = 0;
    c->cut[0] = 1;
    for (size_t i = 0; i < n; i++) {
        c->tp[i + 1] = c->tp[i] + (c->s[i].y > 0);
        c->cut[i + 1] = i + 1 == n || c->s[i + 1].p != c->s[i].p;
    }
    return 0;
}

static void cuts_release(label_cuts *c)
{
    free(c->s);
    free(c->tp);
    free(c->cut);
}

/* The threshold that predicts exactly the top 'c' documents. */
static double cut_threshold(const label_cuts *lc, size_t c)
{
    if (c == 0)
        return 1.0;
    if (c == lc->n)
        return lc->s[c - 1].p * 0.5;
    return 0.5 * (lc->s[c - 1].p + lc->s[c].p);
}

static double f1_of(size_t tp, size_t fp, size_t fn)
{
    size_t den = 2 * tp + fp + fn;
    return den ? 2.0 * (double)tp / (double)den : 0.0;
}

/* The objective of the head as a whole: weights of micro- and macro-F1. */
typedef struct head_counts {
    size_t tp, fp, fn;      /* over every label */
    double f1_sum;          /* of the labels' F1 */
    size_t nl;
} head_counts;

static double head_objective(const head_counts *h, enum slant_threshold_objective obj)
{
    double micro = f1_of(h->tp, h->fp, h->fn), macro = h->f1_sum / (double)h->nl;
    return obj == SLANT_THRESHOLD_MICRO ? micro
           : obj == SLANT_THRESHOLD_MACRO ? macro
                                          : micro + macro;
}

/* Move label l's cut to the one that maximizes the head's objective with
 * every other label's cut fixed. */
static size_t best_cut(const label_cuts *lc, size_t cur, head_counts *h,
                       enum slant_threshold_objective obj)
{
    size_t tp = lc->tp[cur], fp = cur - tp, fn = lc->npos - tp;
    head_counts rest = *h;
    rest.tp -= tp;
    rest.fp -= fp;
    rest.fn -= fn;
    rest.f1_sum -= f1_of(tp, fp, fn);
    size_t best = cur;
    double best_val = head_objective(h, obj);
    for (size_t c = 0; c <= lc->n; c++) {
        if (!lc->cut[c])
            continue;
        size_t t = lc->tp[c];
        head_counts k = rest;
        k.tp += t;
        k.fp += c - t;
        k.fn += lc->npos - t;
        k.f1_sum += f1_of(t, c - t, lc->npos - t);
        double v = head_objective(&k, obj);
        if (v > best_val + 1e-12) {
            best_val = v;
            best = c;
        }
    }
    tp = lc->tp[best];
    h->tp = rest.tp + tp;
    h->fp = rest.fp + (best - tp);
    h->fn = rest.fn + (lc->npos - tp);
    h->f1_sum = rest.f1_sum + f1_of(tp, best - tp, lc->npos - tp);
    return best;
}

int slantp_head_thresholds(const double *p, const signed char *y, size_t nl, size_t n,
                           enum slant_threshold_objective obj, double *thr)
{
    label_cuts *lc = calloc(nl ? nl : 1, sizeof *lc);
    size_t *cur = malloc((nl ? nl : 1) * sizeof *cur);
    head_counts h = {0, 0, 0, 0, nl};
    int rc = -1;
    if (!lc || !cur)
        goto out;
    /* start from each label's own best F1: the macro optimum */
    for (size_t l = 0; l < nl; l++) {
        if (cuts_init(&lc[l], p + l * n, y + l * n, n) < 0)
            goto out;
        double best = -1;
        cur[l] = 0;
        for (size_t c = 0; c <= n; c++) {
            size_t t = lc[l].tp[c];
            double f = f1_of(t, c - t, lc[l].npos - t);
            if (lc[l].cut[c] && lc[l].npos && f > best + 1e-12) {
                best = f;
                cur[l] = c;
            }
        }
        if (!lc[l].npos)
            cur[l] = 0;     /* a label no document has: never predict it */
        size_t t = lc[l].tp[cur[l]];
        h.tp += t;
        h.fp += cur[l] - t;
        h.fn += lc[l].npos - t;
        h.f1_sum += f1_of(t, cur[l] - t, lc[l].npos - t);
    }
    /* then one label at a time towards the head's objective, until a
     * round changes nothing */
    if (obj != SLANT_THRESHOLD_MACRO)
        for (int round = 0; round < 20; round++) {
            int moved = 0;
            for (size_t l = 0; l < nl; l++) {
                size_t c = best_cut(&lc[l], cur[l], &h, obj);
                moved |= c != cur[l];
                cur[l] = c;
            }
            if (!moved)
                break;
        }
    for (size_t l = 0; l < nl; l++)
        thr[l] = lc[l].npos ? cut_threshold(&lc[l], cur[l]) : 1.0;
    rc = 0;
out:
    for (size_t l = 0; lc && l < nl; l++)
        cuts_release(&lc[l]);
    free(lc);
    free(cur);
    return rc;
}
