/* kinechain — SPM1D t statistics with random-field-theory inference (see spm.h for the
 * formulas and their sources: rft1d.prob.rft, rft1d.geom.estimate_fwhm, spm1d). */
#include "kinechain/spm.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "kinechain/log.h"

static const double PI = 3.14159265358979323846;
static const double LN2 = 0.69314718055994530942;

void kc_spm_free(kc_spm *s)
{
    if (!s)
        return;
    free(s->t);
    free(s->clusters);
    free(s);
}

double kc_spm_fwhm_sums(const double *ssq, const double *dsq, size_t q)
{
    double sum = 0.0;
    size_t used = 0;
    for (size_t j = 0; j < q; j++)
        if (ssq[j] > 0.0) {   /* rft1d adds eps to ssq; nodes of zero variance are skipped here */
            sum += sqrt(dsq[j] / ssq[j] / (4.0 * LN2));
            used++;
        }
    if (used == 0 || sum <= 0.0)
        return NAN;
    return 1.0 / (sum / (double)used);
}

double kc_spm_fwhm(const double *res, size_t n, size_t q)
{
    if (q < 3 || n < 1)
        return NAN;
    double *ssq = calloc(2 * q, sizeof *ssq);
    if (!ssq)
        return NAN;
    double *dsq = ssq + q;
    for (size_t j = 0; j < q; j++)
        for (size_t i = 0; i < n; i++) {
            const double *r = res + i * q;
            double d;
            if (j == 0)
                d = r[1] - r[0];
            else if (j == q - 1)
                d = r[q - 1] - r[q - 2];
            else
                d = 0.5 * (r[j + 1] - r[j - 1]);
            ssq[j] += r[j] * r[j];
            dsq[j] += d * d;
        }
    double fwhm = kc_spm_fwhm_sums(ssq, dsq, q);
    free(ssq);
    return fwhm;
}

/* EC densities of a 1-D t field (rft1d.prob.ec_density_T), floored at eps as spm12. */
static void ec_t(double u, double df, double *ec0, double *ec1)
{
    *ec0 = gsl_cdf_tdist_Q(u, df);
    *ec1 = sqrt(4.0 * LN2) / (2.0 * PI) * pow(1.0 + u * u / df, -0.5 * (df - 1.0));
    if (*ec0 < DBL_EPSILON)
        *ec0 = DBL_EPSILON;
    if (*ec1 < DBL_EPSILON)
        *ec1 = DBL_EPSILON;
}

static double resels1(size_t q, double fwhm)
{
    double r = (double)(q - 1) / fwhm;
    return r > 0.0 ? r : DBL_EPSILON;   /* rft1d: infinitely smooth field */
}

double kc_spm_rft_t_sf(double u, double df, size_t q, double fwhm)
{
    double ec0, ec1;
    ec_t(u, df, &ec0, &ec1);
    double p = -expm1(-(ec0 + resels1(q, fwhm) * ec1));   /* 1 - exp(-E[EC]), accurately */
    double bonf = (double)q * gsl_cdf_tdist_Q(u, df);
    return bonf < p ? bonf : p;
}

double kc_spm_rft_t_cluster_p(double k_resels, double u, double df, size_t q, double fwhm)
{
    double ec0, ec1;
    ec_t(u, df, &ec0, &ec1);
    double r1 = resels1(q, fwhm);
    double ec = ec0 + r1 * ec1;        /* expected number of upcrossings */
    double ek = ec0 / ec1;             /* expected resels per upcrossing: EN / EM[1] */
    double beta = pow(tgamma(1.5) / ek, 2.0);
    double pk = k_resels > 0.0 ? exp(-beta * k_resels * k_resels) : 1.0;
    if (pk == 0.0)
        return 0.0;
    return -expm1(-(ec + DBL_EPSILON) * pk);
}

typedef struct isf_args {
    double a, df, fwhm;
    size_t q;
} isf_args;

static double isf_fn(double u, void *p)
{
    const isf_args *a = p;
    return kc_spm_rft_t_sf(u, a->df, a->q, a->fwhm) - a->a;
}

int kc_spm_rft_t_isf(double a, double df, size_t q, double fwhm, double *u)
{
    *u = NAN;
    if (!(a > 0.0 && a < 1.0) || !(df > 0.0) || q < 2 || !(fwhm > 0.0)) {
        KC_ERROR("RFT threshold: invalid arguments (alpha %g, df %g, Q %zu, FWHM %g)", a, df, q,
                 fwhm);
        return KC_EINVAL;
    }
    isf_args args = {a, df, fwhm, q};
    gsl_function f = {isf_fn, &args};
    double lo = 0.0, hi = 1.0;
    if (isf_fn(lo, &args) <= 0.0) {   /* even u = 0 is exceeded with probability below a */
        *u = 0.0;
        return KC_OK;
    }
    while (isf_fn(hi, &args) > 0.0) {
        hi *= 2.0;
        if (hi > 1e6) {
            KC_ERROR("RFT threshold: cannot bracket alpha %g (df %g, FWHM %g)", a, df, fwhm);
            return KC_ENUMERIC;
        }
    }
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return KC_ENOMEM;
    int st = gsl_root_fsolver_set(s, &f, lo, hi);
    for (int it = 0; st == GSL_SUCCESS && it < 200; it++) {
        st = gsl_root_fsolver_iterate(s);
        if (st != GSL_SUCCESS)
            break;
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 1e-12, 1e-12) == GSL_SUCCESS) {
            *u = gsl_root_fsolver_root(s);
            break;
        }
    }
    gsl_root_fsolver_free(s);
    if (!isfinite(*u)) {
        KC_ERROR("RFT threshold: root finder did not converge (%s)", gsl_strerror(st));
        return KC_ENUMERIC;
    }
    return KC_OK;
}

/* Clusters of sign*t > u. */
static int find_clusters(kc_spm *s, int sign, double u)
{
    const double *t = s->t;
    size_t q = s->q;
    for (size_t j = 0; j < q;) {
        if (!(sign * t[j] > u)) {
            j++;
            continue;
        }
        size_t i0 = j;
        double peak = 0.0;
        while (j < q && sign * t[j] > u) {
            if (fabs(t[j]) > peak)
                peak = fabs(t[j]);
            j++;
        }
        size_t i1 = j - 1;
        double x0 = (double)i0, x1 = (double)i1;
        if (i0 > 0) {
            double a = sign * t[i0 - 1], b = sign * t[i0];
            x0 = (double)(i0 - 1) + (u - a) / (b - a);
        }
        if (i1 < q - 1) {
            double a = sign * t[i1], b = sign * t[i1 + 1];
            x1 = (double)i1 + (a - u) / (a - b);
        }
        kc_spm_cluster *c = realloc(s->clusters, (s->n_clusters + 1) * sizeof *c);
        if (!c)
            return KC_ENOMEM;
        s->clusters = c;
        kc_spm_cluster *k = &c[s->n_clusters++];
        k->sign = sign;
        k->i0 = i0;
        k->i1 = i1;
        k->x0 = x0;
        k->x1 = x1;
        k->extent = x1 - x0;
        k->resels = k->extent / s->fwhm;
        k->peak = peak;
        k->p = kc_spm_rft_t_cluster_p(k->resels, u, s->df, q, s->fwhm);
        if (s->two_tailed)
            k->p = fmin(1.0, 2.0 * k->p);
    }
    return KC_OK;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

int kc_spm_infer(kc_spm *s, double alpha)
{
    s->alpha = alpha;
    s->two_tailed = 1;
    int st = kc_spm_rft_t_isf(0.5 * alpha, s->df, s->q, s->fwhm, &s->zstar);
    if (st)
        return st;
    s->t_max = 0.0;
    for (size_t j = 0; j < s->q; j++)
        if (fabs(s->t[j]) > s->t_max)
            s->t_max = fabs(s->t[j]);
    if ((st = find_clusters(s, 1, s->zstar)) || (st = find_clusters(s, -1, s->zstar)))
        return st;
    return KC_OK;
}

/* Inference shared by both designs: t and residuals are filled; fwhm, threshold, clusters. */
static int infer(kc_spm *s, const double *res, size_t nres, double alpha)
{
    s->fwhm = kc_spm_fwhm(res, nres, s->q);
    if (!isfinite(s->fwhm)) {
        KC_ERROR("SPM: cannot estimate the smoothness (zero residuals)");
        return KC_ENUMERIC;
    }
    return kc_spm_infer(s, alpha);
}

static kc_spm *spm_alloc(size_t q)
{
    kc_spm *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->q = q;
    s->t = malloc(q * sizeof *s->t);
    if (!s->t) {
        free(s);
        return NULL;
    }
    return s;
}

int kc_spm_ttest2(const double *ya, size_t na, const double *yb, size_t nb, size_t q,
                  double alpha, kc_spm **out)
{
    kc_spm *s = NULL;
    double *res = NULL;
    int st = KC_OK;
    *out = NULL;
    if (na < 2 || nb < 2 || q < 3 || !(alpha > 0.0 && alpha < 1.0) ||
        !all_finite(ya, na * q) || !all_finite(yb, nb * q)) {
        KC_ERROR("SPM two-sample t: need >= 2 finite curves per group of >= 3 nodes "
                 "(have %zu and %zu of %zu), 0 < alpha < 1", na, nb, q);
        return KC_EINVAL;
    }
    s = spm_alloc(q);
    res = malloc((na + nb) * q * sizeof *res);
    if (!s || !res) {
        st = KC_ENOMEM;
        goto fail;
    }
    s->df = (double)(na + nb - 2);
    for (size_t j = 0; j < q; j++) {
        double ma = 0.0, mb = 0.0, ss = 0.0;
        for (size_t i = 0; i < na; i++)
            ma += ya[i * q + j];
        for (size_t i = 0; i < nb; i++)
            mb += yb[i * q + j];
        ma /= (double)na;
        mb /= (double)nb;
        for (size_t i = 0; i < na; i++) {
            double r = ya[i * q + j] - ma;
            res[i * q + j] = r;
            ss += r * r;
        }
        for (size_t i = 0; i < nb; i++) {
            double r = yb[i * q + j] - mb;
            res[(na + i) * q + j] = r;
            ss += r * r;
        }
        double sp = sqrt(ss / s->df);
        s->t[j] = (ma - mb) / (sp * sqrt(1.0 / (double)na + 1.0 / (double)nb));
        if (!isfinite(s->t[j])) {
            KC_ERROR("SPM two-sample t: zero variance at node %zu", j);
            st = KC_ENUMERIC;
            goto fail;
        }
    }
    if ((st = infer(s, res, na + nb, alpha)))
        goto fail;
    free(res);
    *out = s;
    return KC_OK;
fail:
    free(res);
    kc_spm_free(s);
    return st;
}

int kc_spm_ttest_paired(const double *ya, const double *yb, size_t n, size_t q, double alpha,
                        kc_spm **out)
{
    kc_spm *s = NULL;
    double *res = NULL;
    int st = KC_OK;
    *out = NULL;
    if (n < 2 || q < 3 || !(alpha > 0.0 && alpha < 1.0) || !all_finite(ya, n * q) ||
        !all_finite(yb, n * q)) {
        KC_ERROR("SPM paired t: need >= 2 finite pairs of curves of >= 3 nodes (have %zu of "
                 "%zu), 0 < alpha < 1", n, q);
        return KC_EINVAL;
    }
    s = spm_alloc(q);
    res = malloc(n * q * sizeof *res);
    if (!s || !res) {
        st = KC_ENOMEM;
        goto fail;
    }
    s->df = (double)(n - 1);
    for (size_t j = 0; j < q; j++) {
        double m = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            m += ya[i * q + j] - yb[i * q + j];
        m /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double r = ya[i * q + j] - yb[i * q + j] - m;
            res[i * q + j] = r;
            ss += r * r;
        }
        s->t[j] = m / (sqrt(ss / s->df) / sqrt((double)n));
        if (!isfinite(s->t[j])) {
            KC_ERROR("SPM paired t: zero variance of the differences at node %zu", j);
            st = KC_ENUMERIC;
            goto fail;
        }
    }
    if ((st = infer(s, res, n, alpha)))
        goto fail;
    free(res);
    *out = s;
    return KC_OK;
fail:
    free(res);
    kc_spm_free(s);
    return st;
}
