/* kinechain — scalar statistics (see stats.h for the variants and their R equivalents). */
#include "kinechain/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "kinechain/log.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static double mean_of(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

/* Sample variance (n-1) by two passes. */
static double var_of(const double *x, size_t n, double m)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / (double)(n - 1);
}

double kc_stats_quantile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0 || !(p >= 0.0 && p <= 1.0))
        return NAN;
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return sorted[n - 1];
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

int kc_stats_describe(const double *x, size_t n, kc_describe *out)
{
    double *s = NULL;
    *out = (kc_describe){.n = n, .mean = NAN, .sd = NAN, .ci_lo = NAN, .ci_hi = NAN,
                         .median = NAN, .q1 = NAN, .q3 = NAN, .iqr = NAN, .min = NAN,
                         .max = NAN};
    if (n < 1 || !all_finite(x, n)) {
        KC_ERROR("describe: need at least one finite value (n = %zu)", n);
        return KC_EINVAL;
    }
    s = malloc(n * sizeof *s);
    if (!s)
        return KC_ENOMEM;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    out->mean = mean_of(x, n);
    if (n >= 2) {
        out->sd = sqrt(var_of(x, n, out->mean));
        double half = gsl_cdf_tdist_Qinv(0.025, (double)(n - 1)) * out->sd / sqrt((double)n);
        out->ci_lo = out->mean - half;
        out->ci_hi = out->mean + half;
    }
    out->median = kc_stats_quantile_sorted(s, n, 0.5);
    out->q1 = kc_stats_quantile_sorted(s, n, 0.25);
    out->q3 = kc_stats_quantile_sorted(s, n, 0.75);
    out->iqr = out->q3 - out->q1;
    out->min = s[0];
    out->max = s[n - 1];
    free(s);
    return KC_OK;
}

static void test_nan(kc_test *out)
{
    *out = (kc_test){.statistic = NAN, .z = NAN, .df = NAN, .p = NAN, .estimate = NAN,
                     .ci_lo = NAN, .ci_hi = NAN};
}

static double two_sided_t(double t, double df)
{
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

int kc_stats_welch(const double *x, size_t nx, const double *y, size_t ny, kc_test *out)
{
    test_nan(out);
    if (nx < 2 || ny < 2 || !all_finite(x, nx) || !all_finite(y, ny)) {
        KC_ERROR("Welch t-test: need two finite samples of at least 2 (have %zu and %zu)", nx,
                 ny);
        return KC_EINVAL;
    }
    double mx = mean_of(x, nx), my = mean_of(y, ny);
    double sx2 = var_of(x, nx, mx) / (double)nx, sy2 = var_of(y, ny, my) / (double)ny;
    double se = sqrt(sx2 + sy2);
    out->n1 = nx;
    out->n2 = ny;
    out->estimate = mx - my;
    /* Welch–Satterthwaite */
    out->df = (sx2 + sy2) * (sx2 + sy2) /
              (sx2 * sx2 / (double)(nx - 1) + sy2 * sy2 / (double)(ny - 1));
    if (se > 0.0) {
        out->statistic = (mx - my) / se;
        out->p = two_sided_t(out->statistic, out->df);
        double q = gsl_cdf_tdist_Qinv(0.025, out->df);
        out->ci_lo = out->estimate - q * se;
        out->ci_hi = out->estimate + q * se;
    }
    return KC_OK;
}

int kc_stats_paired_t(const double *x, const double *y, size_t n, kc_test *out)
{
    test_nan(out);
    if (n < 2 || !all_finite(x, n) || !all_finite(y, n)) {
        KC_ERROR("paired t-test: need at least 2 finite pairs (have %zu)", n);
        return KC_EINVAL;
    }
    double md = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        md += x[i] - y[i];
    md /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double e = x[i] - y[i] - md;
        ss += e * e;
    }
    double se = sqrt(ss / (double)(n - 1) / (double)n);
    out->n1 = out->n2 = n;
    out->estimate = md;
    out->df = (double)(n - 1);
    if (se > 0.0) {
        out->statistic = md / se;
        out->p = two_sided_t(out->statistic, out->df);
        double q = gsl_cdf_tdist_Qinv(0.025, out->df);
        out->ci_lo = md - q * se;
        out->ci_hi = md + q * se;
    }
    return KC_OK;
}

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

/* Average ranks (1-based) of v[n] into rank[n]; returns Σ(t³ − t) over tie groups. */
static double rank_avg(const double *v, size_t n, double *rank, ranked *w)
{
    double ties = 0.0;
    for (size_t i = 0; i < n; i++)
        w[i] = (ranked){v[i], i};
    qsort(w, n, sizeof *w, cmp_ranked);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && w[j].v == w[i].v)
            j++;
        double r = 0.5 * ((double)(i + 1) + (double)j);
        for (size_t m = i; m < j; m++)
            rank[w[m].i] = r;
        double t = (double)(j - i);
        ties += t * t * t - t;
        i = j;
    }
    return ties;
}

/* Two-sided p of a continuity-corrected normal deviate, as R's wilcox.test. */
static double corrected_z(double centred, double sigma)
{
    double corr = centred > 0 ? 0.5 : (centred < 0 ? -0.5 : 0.0);
    return (centred - corr) / sigma;
}

int kc_stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, kc_test *out)
{
    test_nan(out);
    if (nx < 1 || ny < 1 || !all_finite(x, nx) || !all_finite(y, ny)) {
        KC_ERROR("Mann-Whitney: need two non-empty finite samples");
        return KC_EINVAL;
    }
    size_t n = nx + ny;
    double *v = malloc(n * sizeof *v), *r = malloc(n * sizeof *r);
    ranked *w = malloc(n * sizeof *w);
    if (!v || !r || !w) {
        free(v);
        free(r);
        free(w);
        return KC_ENOMEM;
    }
    memcpy(v, x, nx * sizeof *v);
    memcpy(v + nx, y, ny * sizeof *v);
    double ties = rank_avg(v, n, r, w);
    double rs = 0.0;
    for (size_t i = 0; i < nx; i++)
        rs += r[i];
    double dnx = (double)nx, dny = (double)ny, dn = (double)n;
    double W = rs - dnx * (dnx + 1.0) / 2.0;
    double sigma = sqrt(dnx * dny / 12.0 * ((dn + 1.0) - ties / (dn * (dn - 1.0))));
    out->statistic = W;
    out->n1 = nx;
    out->n2 = ny;
    if (sigma > 0.0) {
        out->z = corrected_z(W - dnx * dny / 2.0, sigma);
        out->p = 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z));
        if (out->p > 1.0)
            out->p = 1.0;
    }
    free(v);
    free(r);
    free(w);
    return KC_OK;
}

int kc_stats_wilcoxon_signed(const double *x, const double *y, size_t n, kc_test *out)
{
    test_nan(out);
    if (n < 1 || !all_finite(x, n) || !all_finite(y, n)) {
        KC_ERROR("Wilcoxon signed-rank: need at least one finite pair");
        return KC_EINVAL;
    }
    double *d = malloc(n * sizeof *d), *a = malloc(n * sizeof *a), *r = malloc(n * sizeof *r);
    ranked *w = malloc(n * sizeof *w);
    if (!d || !a || !r || !w) {
        free(d);
        free(a);
        free(r);
        free(w);
        return KC_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double di = x[i] - y[i];
        if (di != 0.0) {   /* zero differences dropped (R, Wilcoxon 1945) */
            d[m] = di;
            a[m] = fabs(di);
            m++;
        }
    }
    out->n1 = n;
    out->n2 = m;
    if (m > 0) {
        double ties = rank_avg(a, m, r, w);
        double V = 0.0, dm = (double)m;
        for (size_t i = 0; i < m; i++)
            if (d[i] > 0)
                V += r[i];
        out->statistic = V;
        double sigma = sqrt(dm * (dm + 1.0) * (2.0 * dm + 1.0) / 24.0 - ties / 48.0);
        if (sigma > 0.0) {
            out->z = corrected_z(V - dm * (dm + 1.0) / 4.0, sigma);
            out->p = 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z));
            if (out->p > 1.0)
                out->p = 1.0;
        }
    }
    free(d);
    free(a);
    free(r);
    free(w);
    return KC_OK;
}

int kc_stats_hedges_g(const double *x, size_t nx, const double *y, size_t ny, kc_test *out)
{
    test_nan(out);
    if (nx < 2 || ny < 2 || !all_finite(x, nx) || !all_finite(y, ny)) {
        KC_ERROR("Hedges' g: need two finite samples of at least 2 (have %zu and %zu)", nx, ny);
        return KC_EINVAL;
    }
    double mx = mean_of(x, nx), my = mean_of(y, ny);
    double dnx = (double)nx, dny = (double)ny;
    double sp2 = ((dnx - 1.0) * var_of(x, nx, mx) + (dny - 1.0) * var_of(y, ny, my)) /
                 (dnx + dny - 2.0);
    out->n1 = nx;
    out->n2 = ny;
    out->df = dnx + dny - 2.0;
    if (sp2 > 0.0) {
        double d = (mx - my) / sqrt(sp2);
        double J = 1.0 - 3.0 / (4.0 * (dnx + dny) - 9.0);
        double g = J * d;
        double v = (dnx + dny) / (dnx * dny) + g * g / (2.0 * (dnx + dny));
        double z = gsl_cdf_ugaussian_Pinv(0.975);
        out->statistic = d;
        out->estimate = g;
        out->ci_lo = g - z * sqrt(v);
        out->ci_hi = g + z * sqrt(v);
    }
    return KC_OK;
}

/* 95 % confidence intervals of ICC(3,1) and ICC(2,1) from the F distribution, McGraw & Wong
 * (1996, Psychol Methods 1(1):30-46, Table 7; correction 1(4):390): cases 3A (consistency,
 * "ICC(C,1)") and 2A (absolute agreement, "ICC(A,1)"), as irr::icc and psych::ICC compute them.
 *   consistency: F0 = MSR/MSE, df (n-1, (n-1)(k-1)); FL = F0 / F(1-a/2; n-1, (n-1)(k-1)),
 *                FU = F0 * F(1-a/2; (n-1)(k-1), n-1); bounds (F-1)/(F+k-1).
 *   agreement:   with r = ICC(2,1), A = k r/(n(1-r)), B = 1 + k r (n-1)/(n(1-r)), Satterthwaite
 *                df v = (A MSC + B MSE)^2 / ((A MSC)^2/(k-1) + (B MSE)^2/((n-1)(k-1)));
 *                F* = F(1-a/2; n-1, v), F** = F(1-a/2; v, n-1);
 *                lower = n (MSR - F* MSE) / (F* (k MSC + (kn-k-n) MSE) + n MSR),
 *                upper = n (F** MSR - MSE) / (k MSC + (kn-k-n) MSE + n F** MSR).
 * Bounds that cannot be formed (MSE = 0, r = 1, v not positive) stay NaN. */
/* Upper-tail quantile of F(d1, d2) through the beta distribution: X = (d2/d1)(1/C - 1) with
 * C = 1 - B ~ Beta(d2/2, d1/2), so the upper tail of X is the lower tail of C (the form R's
 * qf uses). GSL's gsl_cdf_fdist_Qinv gives NaN for degrees of freedom below 1, which the
 * Satterthwaite df of ICC(2,1) can be; and going through B itself (X = d2 B / (d1 (1 - B)))
 * loses everything when B rounds to 1, as it does for a Satterthwaite df of a few hundredths,
 * where C is still a representable small number. NaN when the quantile cannot be computed. */
static double f_qinv(double p, double d1, double d2)
{
    double c = gsl_cdf_beta_Pinv(p, d2 / 2.0, d1 / 2.0);
    if (!isfinite(c) || !(c > 0.0))
        return NAN;
    return d2 / d1 * (1.0 / c - 1.0);
}

static void icc_ci(kc_icc *o)
{
    const double a2 = 0.025, dn = (double)o->n, dk = (double)o->k;
    const double df1 = dn - 1.0, df2 = (dn - 1.0) * (dk - 1.0);
    if (!(o->mse > 0.0) || !isfinite(o->msr))
        return;
    double f0 = o->msr / o->mse;
    o->f = f0;
    o->p_f = gsl_cdf_fdist_Q(f0, df1, df2);
    double fl = f0 / gsl_cdf_fdist_Qinv(a2, df1, df2);
    double fu = f0 * gsl_cdf_fdist_Qinv(a2, df2, df1);
    o->icc31_lo = (fl - 1.0) / (fl + dk - 1.0);
    o->icc31_hi = (fu - 1.0) / (fu + dk - 1.0);
    double r = o->icc21;
    if (!isfinite(r) || r >= 1.0)
        return;
    double A = dk * r / (dn * (1.0 - r)), B = 1.0 + dk * r * (dn - 1.0) / (dn * (1.0 - r));
    double num = A * o->msc + B * o->mse;
    double den = (A * o->msc) * (A * o->msc) / (dk - 1.0) + (B * o->mse) * (B * o->mse) / df2;
    double v = num * num / den;
    if (!(v > 0.0) || !isfinite(v))
        return;
    o->df_agreement = v;
    double fs = f_qinv(a2, df1, v), fss = f_qinv(a2, v, df1);
    double c = dk * o->msc + (dk * dn - dk - dn) * o->mse;
    o->icc21_lo = dn * (o->msr - fs * o->mse) / (fs * c + dn * o->msr);
    o->icc21_hi = dn * (fss * o->msr - o->mse) / (c + dn * fss * o->msr);
}

int kc_stats_icc(const double *y, size_t n, size_t k, kc_icc *out)
{
    *out = (kc_icc){.n = n, .k = k, .msr = NAN, .msc = NAN, .mse = NAN, .icc31 = NAN,
                    .icc21 = NAN, .sd = NAN, .sem = NAN, .mdc95 = NAN, .icc31_lo = NAN,
                    .icc31_hi = NAN, .icc21_lo = NAN, .icc21_hi = NAN, .f = NAN, .p_f = NAN,
                    .df_agreement = NAN};
    if (n < 2 || k < 2 || !all_finite(y, n * k)) {
        KC_ERROR("ICC: need an n >= 2 by k >= 2 finite matrix (have %zu by %zu)", n, k);
        return KC_EINVAL;
    }
    double dn = (double)n, dk = (double)k;
    double gm = mean_of(y, n * k);
    double ssr = 0.0, ssc = 0.0, sst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double rm = mean_of(y + i * k, k);
        ssr += (rm - gm) * (rm - gm);
    }
    ssr *= dk;
    for (size_t j = 0; j < k; j++) {
        double cm = 0.0;
        for (size_t i = 0; i < n; i++)
            cm += y[i * k + j];
        cm /= dn;
        ssc += (cm - gm) * (cm - gm);
    }
    ssc *= dn;
    for (size_t i = 0; i < n * k; i++)
        sst += (y[i] - gm) * (y[i] - gm);
    double sse = sst - ssr - ssc;
    out->msr = ssr / (dn - 1.0);
    out->msc = ssc / (dk - 1.0);
    out->mse = sse / ((dn - 1.0) * (dk - 1.0));
    double den3 = out->msr + (dk - 1.0) * out->mse;
    double den2 = den3 + dk * (out->msc - out->mse) / dn;
    if (den3 != 0.0)
        out->icc31 = (out->msr - out->mse) / den3;
    if (den2 != 0.0)
        out->icc21 = (out->msr - out->mse) / den2;
    out->sd = sqrt(sst / (dn * dk - 1.0));
    icc_ci(out);
    if (isfinite(out->icc21)) {
        double one = 1.0 - out->icc21;
        out->sem = out->sd * sqrt(one > 0.0 ? one : 0.0);
        out->mdc95 = 1.96 * sqrt(2.0) * out->sem;
    }
    return KC_OK;
}
