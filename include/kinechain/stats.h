/* kinechain — statistics of scalar samples: descriptive summaries, two-group and paired
 * tests, effect sizes and reliability. Distributions come from GSL (gsl_cdf_*).
 *
 * Every variant is named after the R call it reproduces (tests/test_stats.c holds the R
 * reference values):
 *   kc_stats_describe     n, mean, SD (n-1), 95 % CI of the mean (t, n-1 df), median,
 *                         quartiles by R's quantile type 7 (linear interpolation between order
 *                         statistics: h = (n-1)p), IQR = Q3 - Q1.
 *   kc_stats_welch        t.test(x, y) — Welch t, Welch–Satterthwaite df, two-sided p,
 *                         95 % CI of mean(x) - mean(y).
 *   kc_stats_paired_t     t.test(x, y, paired = TRUE).
 *   kc_stats_mann_whitney wilcox.test(x, y, exact = FALSE, correct = TRUE): W = rank sum of x
 *                         minus nx(nx+1)/2, normal approximation with tie-corrected variance
 *                         and continuity correction 0.5, two-sided p.
 *   kc_stats_wilcoxon_signed wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = TRUE):
 *                         zero differences are DROPPED (Wilcoxon's method, R's behaviour) before
 *                         ranking; V = sum of ranks of positive differences; tie-corrected
 *                         variance; continuity correction 0.5.
 *   kc_stats_hedges_g     Hedges' g = J·d, d = (mean x - mean y)/pooled SD, J = 1 - 3/(4(nx+ny)-9);
 *                         CI g ± z(0.975)·√V with the Hedges & Olkin (1985) large-sample variance
 *                         V = (nx+ny)/(nx·ny) + g²/(2(nx+ny)).
 *   kc_stats_icc          two-way ANOVA mean squares (Shrout & Fleiss 1979; McGraw & Wong 1996)
 *                         of an n subjects × k trials matrix: ICC(3,1) consistency
 *                         (MSR-MSE)/(MSR+(k-1)MSE), ICC(2,1) absolute agreement
 *                         (MSR-MSE)/(MSR+(k-1)MSE+k(MSC-MSE)/n); SEM = SD·√(1-ICC(2,1)) with SD
 *                         the SD of all n·k values; MDC95 = 1.96·√2·SEM; 95 % CIs of both
 *                         ICCs by McGraw & Wong's F-based formulas (see kc_icc).
 * NaN values are not skipped by these functions: callers pass finite samples (kc-stats drops
 * missing values before calling, and says how many it dropped). Functions return KC_OK, or
 * KC_EINVAL when a sample is too small or not finite (fields then NaN); results whose
 * denominator is zero (constant samples) are NaN, not an error.
 */
#ifndef KINECHAIN_STATS_H
#define KINECHAIN_STATS_H
#include <stddef.h>
#include "kinechain/status.h"

typedef struct kc_describe {
    size_t n;
    double mean, sd;          /* sd with n-1; NaN for n < 2 */
    double ci_lo, ci_hi;      /* 95 % CI of the mean (t with n-1 df); NaN for n < 2 */
    double median, q1, q3, iqr;   /* R quantile type 7 */
    double min, max;
} kc_describe;

/* A two-sided test: statistic, its df (NaN where none), p, the estimate (difference of means,
 * or of location for the rank tests NaN) and its 95 % CI (NaN where none). */
typedef struct kc_test {
    double statistic;   /* t, W or V */
    double z;           /* the normal deviate of the rank tests (NaN for t tests) */
    double df;
    double p;
    double estimate;
    double ci_lo, ci_hi;
    size_t n1, n2;      /* sample sizes used (n2 = number of pairs kept, for signed-rank) */
} kc_test;

typedef struct kc_icc {
    size_t n, k;              /* subjects, trials */
    double msr, msc, mse;     /* mean squares: rows (subjects), columns (trials), error */
    double icc31, icc21;
    double sd;                /* SD of all n·k values */
    double sem;               /* SD·√(1 − ICC(2,1)) */
    double mdc95;             /* 1.96·√2·SEM */
    /* 95 % CIs from the F distribution (McGraw & Wong 1996, Table 7, cases 3A and 2A — the
     * intervals of irr::icc / psych::ICC); NaN when MSE = 0 or ICC(2,1) = 1 */
    double icc31_lo, icc31_hi;
    double icc21_lo, icc21_hi;
    double df_agreement;      /* Satterthwaite df v of the ICC(2,1) interval */
    double f, p_f;            /* F = MSR/MSE on (n-1, (n-1)(k-1)) df and its p (H0: ICC = 0) */
} kc_icc;

/* Quantile of a sorted sample by R type 7; p in [0,1]. */
double kc_stats_quantile_sorted(const double *sorted, size_t n, double p);

/* x[n], n >= 1, finite. */
int kc_stats_describe(const double *x, size_t n, kc_describe *out) KC_RESULT_USED;
/* nx, ny >= 2. */
int kc_stats_welch(const double *x, size_t nx, const double *y, size_t ny, kc_test *out)
    KC_RESULT_USED;
/* x[n], y[n] paired, n >= 2. estimate = mean(x - y). */
int kc_stats_paired_t(const double *x, const double *y, size_t n, kc_test *out) KC_RESULT_USED;
/* nx, ny >= 1. */
int kc_stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, kc_test *out)
    KC_RESULT_USED;
/* x[n], y[n] paired, n >= 1; fewer than 1 non-zero difference gives p NaN. */
int kc_stats_wilcoxon_signed(const double *x, const double *y, size_t n, kc_test *out)
    KC_RESULT_USED;
/* g, CI in out->estimate, ci_lo, ci_hi (statistic = d, uncorrected); nx, ny >= 2. */
int kc_stats_hedges_g(const double *x, size_t nx, const double *y, size_t ny, kc_test *out)
    KC_RESULT_USED;
/* y[n*k] row-major (subject i, trial j at y[i*k+j]); n >= 2, k >= 2. */
int kc_stats_icc(const double *y, size_t n, size_t k, kc_icc *out) KC_RESULT_USED;

#endif
