/* test_calibrate.c - calibrate.c: Platt scaling (slantp_platt_fit and
 * slantp_platt) on separable, overlapping and sigmoid-generated synthetic
 * decision values, and the F1-maximizing threshold slantp_best_threshold. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "helpers.h"
#include "core.h"
#include "calibrate.h"

/* Deterministic uniform numbers in [0, 1). */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static double gaussian(uint64_t *s)
{
    double u = uniform(s), v = uniform(s);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* Probabilities over a range of decision values are strictly inside
 * (0, 1) and never decrease. */
static void expect_monotone(double A, double B)
{
    double prev = 0;
    for (double f = -5; f <= 5; f += 0.05) {
        double p = slantp_platt(f, A, B);
        cr_assert(p > 0 && p < 1, "P(%g) = %g is not in (0,1)", f, p);
        cr_assert_geq(p, prev, "P(%g) = %g < %g", f, p, prev);
        prev = p;
    }
    cr_assert_gt(slantp_platt(2, A, B), slantp_platt(-2, A, B), "not increasing");
}

Test(calibrate, platt_on_separable_data_has_a_finite_negative_slope)
{
    enum { N = 40 };
    double f[N];
    signed char y[N];
    for (int i = 0; i < N; i++) {
        y[i] = i % 2 ? 1 : -1;
        f[i] = y[i] > 0 ? 0.5 + 0.05 * i : -0.5 - 0.05 * i;
    }
    double A = 0, B = 0;
    slantp_platt_fit(f, y, N, &A, &B);
    cr_assert(isfinite(A) && isfinite(B), "A %g B %g", A, B);
    cr_assert_lt(A, 0, "higher decision values must mean higher probability (A %g)", A);
    cr_assert_gt(A, -100, "the smoothed targets keep A finite (A %g)", A);
    expect_monotone(A, B);
    for (int i = 0; i < N; i++) {
        double p = slantp_platt(f[i], A, B);
        if (y[i] > 0)
            cr_assert_gt(p, 0.5, "positive at f=%g gets %g", f[i], p);
        else
            cr_assert_lt(p, 0.5, "negative at f=%g gets %g", f[i], p);
    }
    /* Platt's targets: the probabilities of a separable set stay short of
     * 0 and 1, at about (n+ + 1)/(n+ + 2) for the positives */
    cr_assert_lt(slantp_platt(f[N - 1], A, B), 0.999);
}

Test(calibrate, platt_on_overlapping_data_is_monotone_and_moderate)
{
    enum { N = 2000 };
    double *f = malloc(N * sizeof *f);
    signed char *y = malloc(N);
    uint64_t s = 7;
    for (int i = 0; i < N; i++) {
        y[i] = i % 3 == 0 ? 1 : -1;
        f[i] = (y[i] > 0 ? 0.5 : -0.5) + gaussian(&s);
    }
    double A, B;
    slantp_platt_fit(f, y, N, &A, &B);
    cr_assert_lt(A, 0, "A %g", A);
    expect_monotone(A, B);
    /* the classes overlap a lot: no value gives near-certainty */
    cr_assert(slantp_platt(0, A, B) > 0.1 && slantp_platt(0, A, B) < 0.6,
              "P(0) = %g", slantp_platt(0, A, B));
    /* calibrated: the mean probability matches the share of positives */
    double mean = 0;
    for (int i = 0; i < N; i++)
        mean += slantp_platt(f[i], A, B);
    mean /= N;
    cr_assert_float_eq(mean, 1.0 / 3.0, 0.01, "mean probability %g", mean);
    free(f);
    free(y);
}

/* Labels drawn from P(y=1|f) = 1/(1+exp(A f + B)) with known A and B: the
 * fit must recover them. */
static void recover(double A0, double B0, uint64_t seed)
{
    enum { N = 40000 };
    double *f = malloc(N * sizeof *f);
    signed char *y = malloc(N);
    for (int i = 0; i < N; i++) {
        f[i] = -3.0 + 6.0 * uniform(&seed);
        y[i] = uniform(&seed) < slantp_platt(f[i], A0, B0) ? 1 : -1;
    }
    double A, B;
    slantp_platt_fit(f, y, N, &A, &B);
    cr_assert_float_eq(A, A0, 0.1, "A %g, generated with %g", A, A0);
    cr_assert_float_eq(B, B0, 0.1, "B %g, generated with %g", B, B0);
    free(f);
    free(y);
}

Test(calibrate, platt_recovers_a_known_sigmoid)
{
    recover(-2.0, 0.5, 1);
    recover(-0.7, -1.0, 2);
    recover(-4.0, 0.0, 3);
}

Test(calibrate, platt_fit_is_deterministic)
{
    double f[] = {-1.2, -0.3, 0.4, 0.9, -0.8, 1.5, 0.1, -0.1};
    signed char y[] = {-1, -1, 1, 1, -1, 1, 1, -1};
    double A1, B1, A2, B2;
    slantp_platt_fit(f, y, 8, &A1, &B1);
    slantp_platt_fit(f, y, 8, &A2, &B2);
    cr_assert(A1 == A2 && B1 == B2);
}

Test(calibrate, platt_without_data_gives_a_usable_default)
{
    double A = 0, B = 1;
    slantp_platt_fit(NULL, NULL, 0, &A, &B);
    cr_assert_lt(A, 0);
    cr_assert(isfinite(B));
    cr_assert_float_eq(slantp_platt(0, A, B), 0.5, 1e-12);
}

Test(calibrate, platt_with_one_class_stays_finite)
{
    double f[] = {-1, -0.5, 0, 0.3};
    signed char y[] = {-1, -1, -1, -1};
    double A, B;
    slantp_platt_fit(f, y, 4, &A, &B);
    cr_assert(isfinite(A) && isfinite(B), "A %g B %g", A, B);
    for (int i = 0; i < 4; i++)
        cr_assert_lt(slantp_platt(f[i], A, B), 0.5, "all negatives: low probabilities");
}

Test(calibrate, platt_is_stable_for_extreme_decisions)
{
    cr_assert_float_eq(slantp_platt(1000, -1, 0), 1.0, 1e-12);
    cr_assert_float_eq(slantp_platt(-1000, -1, 0), 0.0, 1e-12);
    cr_assert(isfinite(slantp_platt(1e308, -10, 0)));
    cr_assert(isfinite(slantp_platt(-1e308, -10, 0)));
    cr_assert_float_eq(slantp_platt(0, -1, 0), 0.5, 1e-15);
    cr_assert_float_eq(slantp_platt(1, -2, 0.5), 1.0 / (1.0 + exp(-1.5)), 1e-15);
}

/* ------------------------------------------------------------ thresholds */

Test(calibrate, threshold_separates_separable_classes)
{
    double p[] = {0.9, 0.1, 0.7, 0.3, 0.8, 0.2};
    signed char y[] = {1, -1, 1, -1, 1, -1};
    double f1 = -1;
    double t = slantp_best_threshold(p, y, 6, &f1);
    cr_assert_float_eq(f1, 1.0, 1e-12);
    cr_assert(t > 0.3 && t <= 0.7, "threshold %g must lie between the classes", t);
    cr_assert_float_eq(t, 0.5, 1e-12, "the midpoint between 0.3 and 0.7");
}

Test(calibrate, threshold_without_positives_is_one_half)
{
    double p[] = {0.9, 0.1, 0.4};
    signed char y[] = {-1, -1, -1};
    double f1 = -1;
    cr_assert_float_eq(slantp_best_threshold(p, y, 3, &f1), 0.5, 1e-12);
    cr_assert_float_eq(f1, 0.0, 1e-12);
    f1 = -1;
    cr_assert_float_eq(slantp_best_threshold(NULL, NULL, 0, &f1), 0.5, 1e-12);
    cr_assert_float_eq(f1, 0.0, 1e-12);
}

Test(calibrate, threshold_with_only_positives_keeps_them_all)
{
    double p[] = {0.9, 0.2, 0.6};
    signed char y[] = {1, 1, 1};
    double f1;
    double t = slantp_best_threshold(p, y, 3, &f1);
    cr_assert_float_eq(f1, 1.0, 1e-12);
    cr_assert(t > 0 && t <= 0.2, "threshold %g must keep 0.2", t);
}

Test(calibrate, threshold_never_splits_tied_probabilities)
{
    double p[] = {0.5, 0.5, 0.5, 0.1};
    signed char y[] = {1, -1, 1, -1};
    double f1;
    double t = slantp_best_threshold(p, y, 4, &f1);
    /* cutting between the 0.5s is impossible: all three are in or out */
    cr_assert(t > 0.1 && t <= 0.5, "threshold %g", t);
    cr_assert_float_eq(f1, 0.8, 1e-12);
}

/* On overlapping data the reported F1 is the F1 of p >= threshold, and
 * no other cut does better. */
Test(calibrate, threshold_achieves_the_best_f1_it_reports)
{
    enum { N = 500 };
    double p[N];
    signed char y[N];
    uint64_t s = 11;
    for (int i = 0; i < N; i++) {
        y[i] = uniform(&s) < 0.3 ? 1 : -1;
        double z = (y[i] > 0 ? 0.8 : -0.8) + gaussian(&s);
        p[i] = 1.0 / (1.0 + exp(-z));
    }
    double best;
    double t = slantp_best_threshold(p, y, N, &best);
    cr_assert(t > 0 && t < 1, "threshold %g", t);
    int tp = 0, fp = 0, fn = 0;
    for (int i = 0; i < N; i++) {
        int pred = p[i] >= t;
        tp += pred && y[i] > 0;
        fp += pred && y[i] < 0;
        fn += !pred && y[i] > 0;
    }
    double f1 = 2.0 * tp / (2.0 * tp + fp + fn);
    cr_assert_float_eq(f1, best, 1e-12, "F1 at %g is %g, reported %g", t, f1, best);
    for (int c = 0; c < N; c++) {
        int tp2 = 0, fp2 = 0, fn2 = 0;
        for (int i = 0; i < N; i++) {
            int pred = p[i] >= p[c];
            tp2 += pred && y[i] > 0;
            fp2 += pred && y[i] < 0;
            fn2 += !pred && y[i] > 0;
        }
        double other = 2.0 * tp2 / (2.0 * tp2 + fp2 + fn2);
        cr_assert_leq(other, best + 1e-12, "cut at %g gives F1 %g > %g", p[c], other, best);
    }
}

/* Micro- and macro-F1 of thresholds thr over p and y (nl x n). */
static void head_f1(const double *p, const signed char *y, size_t nl, size_t n, const double *thr,
                    double *micro, double *macro)
{
    size_t T = 0, F = 0, N = 0;
    double sum = 0;
    for (size_t l = 0; l < nl; l++) {
        size_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            int pred = p[l * n + i] >= thr[l], gold = y[l * n + i] > 0;
            tp += pred && gold;
            fp += pred && !gold;
            fn += !pred && gold;
        }
        sum += tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0;
        T += tp;
        F += fp;
        N += fn;
    }
    *micro = 2.0 * (double)T / (double)(2 * T + F + N);
    *macro = sum / (double)nl;
}

/* A frequent label and a rare, hard one: each label's own best threshold
 * (macro) predicts the rare one generously, which costs micro-F1; the
 * micro objective gives some of that up, 'both' lands between. */
Test(calibrate, head_thresholds_serve_the_objective_asked_for)
{
    enum { NL = 2, N = 40 };
    double p[NL * N];
    signed char y[NL * N];
    for (size_t i = 0; i < N; i++) {
        y[i] = i % 2 ? 1 : -1;                       /* frequent, well separated */
        p[i] = y[i] > 0 ? 0.9 - 0.001 * (double)i : 0.1 + 0.001 * (double)i;
        y[N + i] = i % 10 == 0 ? 1 : -1;             /* rare, buried among negatives */
        p[N + i] = i % 10 == 0 ? 0.5 : (i % 3 == 0 ? 0.6 : 0.2 + 0.001 * (double)i);
    }
    double thr[3][NL], mi[3], ma[3];
    static const enum slant_threshold_objective objs[3] = {
        SLANT_THRESHOLD_MACRO, SLANT_THRESHOLD_MICRO, SLANT_THRESHOLD_BOTH};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(slantp_head_thresholds(p, y, NL, N, objs[k], thr[k]), 0);
        head_f1(p, y, NL, N, thr[k], &mi[k], &ma[k]);
    }
    cr_assert_geq(ma[0], ma[1], "macro objective: macro-F1 %g < %g", ma[0], ma[1]);
    cr_assert_gt(mi[1], mi[0], "micro objective: micro-F1 %g <= %g", mi[1], mi[0]);
    cr_assert_geq(mi[2] + ma[2], mi[0] + ma[0] - 1e-12);
    cr_assert_geq(mi[2] + ma[2], mi[1] + ma[1] - 1e-12);
    /* a label no document has is never predicted */
    signed char none[N];
    memset(none, -1, sizeof none);
    double t1;
    cr_assert_eq(slantp_head_thresholds(p, none, 1, N, SLANT_THRESHOLD_BOTH, &t1), 0);
    cr_assert_eq(t1, 1.0);
}
