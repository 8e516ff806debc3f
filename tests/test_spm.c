/* SPM1D t tests with RFT inference: the formulas against R (uniroot on the same survival
 * function; R calls beside the numbers), the smoothness estimate on fields of known FWHM,
 * the family-wise false-positive rate on null fields (ISSUE 7 acceptance: 2,000 repeats,
 * FWHM 20 % of the domain, n = 8 per group, rate in [3.5 %, 6.5 %]; a rough field at or below
 * 5 %), and a known effect that must give a significant cluster where it is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "kinechain/log.h"
#include "kinechain/spm.h"
#include "testutil.h"

#define Q 101

/* A smooth Gaussian field of unit variance and given FWHM (nodes), as rft1d.randn1d: white
 * noise convolved with a Gaussian kernel, padded, scaled by the kernel's norm. */
static void smooth_field(gsl_rng *r, double fwhm, double *out)
{
    double sigma = fwhm / sqrt(8.0 * log(2.0));
    int half = (int)ceil(4.0 * sigma) + 1;
    int len = Q + 2 * half;
    double *w = malloc((size_t)len * sizeof *w), *k = malloc((size_t)(2 * half + 1) * sizeof *k);
    double norm = 0.0;
    for (int i = -half; i <= half; i++) {
        k[i + half] = exp(-0.5 * (double)(i * i) / (sigma * sigma));
        norm += k[i + half] * k[i + half];
    }
    norm = sqrt(norm);
    for (int i = 0; i < len; i++)
        w[i] = gsl_ran_gaussian(r, 1.0);
    for (int j = 0; j < Q; j++) {
        double s = 0.0;
        for (int i = -half; i <= half; i++)
            s += k[i + half] * w[j + half + i];
        out[j] = s / norm;
    }
    free(w);
    free(k);
}

static void test_formulas(void)
{
    double u;
    /* sf <- function(u, df, Q, W) { ec0 <- pt(u, df, lower.tail = FALSE);
     *   ec1 <- sqrt(4*log(2))/(2*pi)*(1+u^2/df)^(-(df-1)/2);
     *   min(1-exp(-(ec0+(Q-1)/W*ec1)), Q*ec0) }
     * uniroot(function(u) sf(u, df, 101, W) - 0.025, c(0, 50), tol = 1e-14)$root */
    CHECK("isf ok", kc_spm_rft_t_isf(0.025, 14, Q, 20, &u) == KC_OK);
    CHECK_NEAR("u*(df 14, FWHM 20)", u, 3.4703822724551752, 1e-8);
    CHECK("isf ok", kc_spm_rft_t_isf(0.025, 7, Q, 10, &u) == KC_OK);
    CHECK_NEAR("u*(df 7, FWHM 10)", u, 5.1273589216364686, 1e-8);
    CHECK("isf ok", kc_spm_rft_t_isf(0.025, 14, Q, 2, &u) == KC_OK);
    CHECK_NEAR("u*(df 14, FWHM 2, Bonferroni)", u, 4.504354444105382, 1e-8);
    CHECK_NEAR("sf(u*) = alpha/2", kc_spm_rft_t_sf(3.4703822724551752, 14, Q, 20), 0.025, 1e-12);
    /* Ec <- ec0+(Q-1)/W*ec1; Ek <- ec0/ec1; beta <- (gamma(1.5)/Ek)^2;
     * 1-exp(-Ec*exp(-beta*k^2)) */
    CHECK_NEAR("cluster p (k 0.8, u 3.2)", kc_spm_rft_t_cluster_p(0.8, 3.2, 14, Q, 20),
               0.0026553626903738081, 1e-12);
    CHECK_NEAR("cluster p (k 0.2, u 3.0)", kc_spm_rft_t_cluster_p(0.2, 3.0, 7, Q, 10),
               0.18001768398950058, 1e-12);
    CHECK("isf bad alpha", kc_spm_rft_t_isf(1.5, 14, Q, 20, &u) == KC_EINVAL);
    CHECK("isf bad fwhm", kc_spm_rft_t_isf(0.025, 14, Q, 0.0, &u) == KC_EINVAL);
}

static void test_fwhm(gsl_rng *r)
{
    for (int w = 10; w <= 30; w += 10) {
        size_t n = 200;
        double *y = malloc(n * Q * sizeof *y);
        for (size_t i = 0; i < n; i++)
            smooth_field(r, (double)w, y + i * Q);
        double f = kc_spm_fwhm(y, n, Q);
        char what[64];
        snprintf(what, sizeof what, "FWHM estimate of FWHM %d fields", w);
        CHECK_NEAR(what, f, (double)w, 0.1 * w);
        free(y);
    }
    double z[2 * Q] = {0};
    CHECK("FWHM of zero residuals is NaN", isnan(kc_spm_fwhm(z, 2, Q)));
}

/* Family-wise false-positive rate over reps null two-sample tests. */
static double fwer(gsl_rng *r, double fwhm, int reps, size_t n, int paired)
{
    double *ya = malloc(n * Q * sizeof *ya), *yb = malloc(n * Q * sizeof *yb);
    int hits = 0;
    for (int k = 0; k < reps; k++) {
        for (size_t i = 0; i < n; i++) {
            smooth_field(r, fwhm, ya + i * Q);
            smooth_field(r, fwhm, yb + i * Q);
        }
        kc_spm *s = NULL;
        int st = paired ? kc_spm_ttest_paired(ya, yb, n, Q, 0.05, &s)
                        : kc_spm_ttest2(ya, n, yb, n, Q, 0.05, &s);
        if (st == KC_OK && s->t_max > s->zstar)
            hits++;
        kc_spm_free(s);
    }
    free(ya);
    free(yb);
    return (double)hits / reps;
}

static void test_null(gsl_rng *r)
{
    double f20 = fwer(r, 20.0, 2000, 8, 0);
    printf("null two-sample FWHM 20, n 8+8, 2000 repeats: FWER %.4f\n", f20);
    CHECK("FWER (FWHM 20) in [0.035, 0.065]", f20 >= 0.035 && f20 <= 0.065);
    double f10 = fwer(r, 10.0, 2000, 8, 0);
    printf("null two-sample FWHM 10, n 8+8, 2000 repeats: FWER %.4f\n", f10);
    CHECK("FWER (FWHM 10) in [0.035, 0.065]", f10 >= 0.035 && f10 <= 0.065);
    double fp = fwer(r, 25.0, 2000, 10, 1);
    printf("null paired FWHM 25, n 10, 2000 repeats: FWER %.4f\n", fp);
    CHECK("FWER paired (FWHM 25) in [0.035, 0.065]", fp >= 0.035 && fp <= 0.065);
    double rough = fwer(r, 2.0, 2000, 8, 0);
    printf("null two-sample rough FWHM 2, 2000 repeats: FWER %.4f\n", rough);
    CHECK("FWER rough field <= 0.05 (+ MC error)", rough <= 0.06);
}

static void test_effect(gsl_rng *r)
{
    size_t n = 10;
    double *ya = malloc(n * Q * sizeof *ya), *yb = malloc(n * Q * sizeof *yb);
    for (size_t i = 0; i < n; i++) {
        smooth_field(r, 15.0, ya + i * Q);
        smooth_field(r, 15.0, yb + i * Q);
        for (int j = 0; j < Q; j++)   /* a 2.5 SD bump centred at node 60, width ~ 20 nodes */
            ya[i * Q + j] += 2.5 * exp(-0.5 * pow((j - 60) / 8.0, 2.0));
    }
    kc_spm *s = NULL;
    CHECK("ttest2 ok", kc_spm_ttest2(ya, n, yb, n, Q, 0.05, &s) == KC_OK);
    if (s) {
        CHECK("a positive cluster", s->n_clusters >= 1);
        int found = 0;
        for (size_t c = 0; c < s->n_clusters; c++) {
            const kc_spm_cluster *k = &s->clusters[c];
            printf("cluster %zu: sign %+d nodes %zu..%zu extent %.2f p %.3g\n", c, k->sign,
                   k->i0, k->i1, k->extent, k->p);
            if (k->sign > 0 && k->i0 <= 60 && k->i1 >= 60 && k->p < 0.05)
                found = 1;
            CHECK("cluster crossings bracket nodes", k->x0 <= (double)k->i0 &&
                  k->x1 >= (double)k->i1 && k->x0 > (double)k->i0 - 1.0);
        }
        CHECK("significant cluster over node 60", found);
        CHECK_NEAR("df", s->df, 18, 0);
    }
    kc_spm_free(s);
    /* paired: the same bump on paired differences */
    CHECK("paired ok", kc_spm_ttest_paired(ya, yb, n, Q, 0.05, &s) == KC_OK);
    CHECK("paired finds a cluster", s && s->n_clusters >= 1 && s->clusters[0].sign > 0);
    kc_spm_free(s);
    /* errors */
    CHECK("n = 1 rejected", kc_spm_ttest2(ya, 1, yb, n, Q, 0.05, &s) == KC_EINVAL && !s);
    ya[5] = NAN;
    CHECK("NaN rejected", kc_spm_ttest2(ya, n, yb, n, Q, 0.05, &s) == KC_EINVAL);
    CHECK("paired NaN rejected", kc_spm_ttest_paired(ya, yb, n, Q, 0.05, &s) == KC_EINVAL);
    double c[3 * Q];
    for (int j = 0; j < 3 * Q; j++)
        c[j] = 1.5;
    CHECK("constant fields: numeric error", kc_spm_ttest2(c, 3, c, 3, Q, 0.05, &s) == KC_ENUMERIC);
    free(ya);
    free(yb);
}

int main(void)
{
    kc_log_init("test_spm", KC_LOG_QUIET);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20261122);
    test_formulas();
    test_fwhm(r);
    test_effect(r);
    test_null(r);
    gsl_rng_free(r);
    return kc_test_summary("test_spm");
}
