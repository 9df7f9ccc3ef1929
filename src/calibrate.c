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

#include "slant_private.h"

static double log1pexp(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static double nll(const double *f, const double *t, size_t n, double A, double B)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double z = A * f[i] + B;
        s += log1pexp(z) - (1.0 - t[i]) * z;
    }
    return s;
}

void slantp_platt_fit(const double *f, const signed char *y, size_t n, double *A, double *B)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] > 0;
    size_t nneg = n - npos;
    double tpos = ((double)npos + 1.0) / ((double)npos + 2.0);
    double tneg = 1.0 / ((double)nneg + 2.0);
    double *t = malloc((n ? n : 1) * sizeof *t);
    double a = 0.0, b = log(((double)nneg + 1.0) / ((double)npos + 1.0));
    if (!t || n == 0) {
        free(t);
        *A = -1.0;
        *B = b;
        return;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = y[i] > 0 ? tpos : tneg;
    double fval = nll(f, t, n, a, b);
    for (int it = 0; it < 100; it++) {
        double g1 = 0, g2 = 0, h11 = 1e-12, h22 = 1e-12, h21 = 0;
        for (size_t i = 0; i < n; i++) {
            double p = slantp_platt(f[i], a, b);   /* = 1 - sigma(z) */
            double d = t[i] - p;                    /* dNLL/dz */
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
            double nf = nll(f, t, n, na, nb);
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
    free(t);
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
