/* kinechain — statistical parametric mapping of 1-D curves (SPM1D; Pataky 2012, Comput
 * Methods Biomech Biomed Engin 15(3):295), t statistics with random-field-theory inference
 * as in spm1d / rft1d (Pataky 2016, J Stat Softw 71(7)).
 *
 * Curves are Q-node fields (Q = 101 for a normalised phase), stored row-major [N,Q].
 *   two-sample:  t(q) = (ȳA − ȳB) / (s_p·√(1/nA + 1/nB)), pooled variance, df = nA + nB − 2;
 *                residuals y − own group mean.
 *   paired:      one-sample t on d = yA − yB, df = n − 1; residuals d − mean d.
 *   smoothness:  rft1d.geom.estimate_fwhm: per node v(q) = Σ_i (∂r_i/∂q)² / Σ_i r_i(q)²
 *                (∂/∂q by numpy.gradient: central differences, one-sided at the ends),
 *                FWHM = 1 / mean_q √(v(q) / (4 ln 2)).
 *   field maximum (rft1d.prob.rft with c = 1, k = 0): resels R = (1, (Q−1)/FWHM);
 *                EC0 = P(T_ν > u), EC1 = √(4 ln 2)/(2π)·(1 + u²/ν)^(−(ν−1)/2), each at least
 *                DBL_EPSILON (spm12); p = 1 − exp(−(EC0 + R1·EC1)); replaced by the Bonferroni
 *                value Q·P(T_ν > u) when that is smaller (spm1d's withBonf for rough fields).
 *   threshold:   u* solves p(u*) = α/2 (two-tailed) by Brent's method (gsl_root_fsolver_brent).
 *   clusters:    runs of nodes with t > u* (and, separately, t < −u*); extent in nodes between
 *                the threshold crossings, linearly interpolated between nodes (ends at the
 *                domain boundary are not interpolated); extent k in resels = extent / FWHM.
 *   cluster p:   rft1d.prob.rft with c = 1 (1-D case of SPM's spm_P_RF): Ec = EC0 + R1·EC1,
 *                Ek = EC0/EC1 (resels per cluster), β = (Γ(3/2)/Ek)², P(extent ≥ k) = exp(−βk²),
 *                p = 1 − exp(−Ec·exp(−βk²)); doubled (capped at 1) for two-tailed inference,
 *                as spm1d does.
 */
#ifndef KINECHAIN_SPM_H
#define KINECHAIN_SPM_H
#include <stddef.h>
#include "kinechain/status.h"

typedef struct kc_spm_cluster {
    int sign;           /* +1: t above u*, −1: t below −u* */
    size_t i0, i1;      /* first and last suprathreshold node */
    double x0, x1;      /* interpolated crossings (node units) */
    double extent;      /* x1 − x0, nodes */
    double resels;      /* extent / FWHM */
    double peak;        /* largest |t| in the cluster */
    double p;           /* cluster p-value (two-tailed when the inference was) */
} kc_spm_cluster;

typedef struct kc_spm {
    size_t q;            /* nodes */
    double *t;           /* [q] */
    double df;
    double fwhm;         /* nodes */
    double alpha;        /* 0.05 */
    int two_tailed;      /* 1 */
    double zstar;        /* critical threshold u* */
    double t_max;        /* max |t| */
    size_t n_clusters;
    kc_spm_cluster *clusters;
} kc_spm;

void kc_spm_free(kc_spm *s);   /* NULL ok */

/* FWHM (nodes) of residual fields res[n,q]; NaN when it cannot be estimated (q < 3, or every
 * node has zero residual variance). */
double kc_spm_fwhm(const double *res, size_t n, size_t q);
/* The same from per-node sums over the residual fields: ssq[j] = sum of r_j^2, dsq[j] = sum of
 * the squared numpy.gradient of r at node j (one-sided at the ends), for callers that stream
 * the curves instead of holding them (kc-stats at scale). Same arithmetic, same result. */
double kc_spm_fwhm_sums(const double *ssq, const double *dsq, size_t q);
/* Inference on s with t[q], df and fwhm filled: two-tailed RFT threshold at alpha, t_max and the
 * suprathreshold clusters with their p-values (what kc_spm_ttest2/_paired do after the t
 * field). KC_ENUMERIC when the threshold cannot be found, KC_ENOMEM. */
int kc_spm_infer(kc_spm *s, double alpha) KC_RESULT_USED;

/* RFT survival function of the maximum of a q-node t field (see above). */
double kc_spm_rft_t_sf(double u, double df, size_t q, double fwhm);
/* Threshold u with kc_spm_rft_t_sf(u) = a, a in (0,1). KC_ENUMERIC if the root finder fails. */
int kc_spm_rft_t_isf(double a, double df, size_t q, double fwhm, double *u) KC_RESULT_USED;
/* One-tailed cluster p-value of a cluster of k resels at threshold u. */
double kc_spm_rft_t_cluster_p(double k_resels, double u, double df, size_t q, double fwhm);

/* Two-sample and paired t SPMs, two-tailed at alpha (0 < alpha < 1). ya[na,q], yb[nb,q].
 * na, nb >= 2 (paired: n >= 2), q >= 3, values finite. *out is freed by kc_spm_free.
 * KC_EINVAL (logged) for bad sizes or values; KC_ENUMERIC for a zero-variance field. */
int kc_spm_ttest2(const double *ya, size_t na, const double *yb, size_t nb, size_t q,
                  double alpha, kc_spm **out) KC_RESULT_USED;
int kc_spm_ttest_paired(const double *ya, const double *yb, size_t n, size_t q, double alpha,
                        kc_spm **out) KC_RESULT_USED;

#endif
