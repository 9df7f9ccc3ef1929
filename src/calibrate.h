/* calibrate.h - Platt scaling and per-label decision thresholds. */
#ifndef SLANT_CALIBRATE_H
#define SLANT_CALIBRATE_H

#include <math.h>

#include "core.h"

/* Fit P(y=1|f) = 1 / (1 + exp(A f + B)) on decision values f[i] and labels
 * y[i] (+1/-1) by Newton's method with Platt's smoothed targets. */
void slantp_platt_fit(const double *f, const signed char *y, size_t n, double *A, double *B);
/* The probability threshold in (0,1) that maximizes F1 of p[i] >= t. */
double slantp_best_threshold(const double *p, const signed char *y, size_t n, double *best_f1);
/* Thresholds thr[0..nl) for the labels of one multi-label head, from
 * out-of-fold probabilities p and labels y (both nl x n, label-major),
 * chosen to maximize 'obj' over the head. A label no document has gets
 * 1.0 (never predicted). Returns 0, or -1 when out of memory. */
int slantp_head_thresholds(const double *p, const signed char *y, size_t nl, size_t n,
                           enum slant_threshold_objective obj, double *thr);

/* 1 / (1 + exp(A f + B)), computed without overflow for any f. */
static inline double slantp_platt(double f, double A, double B)
{
    double z = A * f + B;
    /* stable either side of zero */
    if (z >= 0)
        return exp(-z) / (1.0 + exp(-z));
    return 1.0 / (1.0 + exp(z));
}

#endif
