/* kinechain — low-pass filtering of marker trajectories (SCIENCE.md C.1).
 *
 * The filter is Winter's 4th-order zero-lag Butterworth: a 2nd-order low-pass run forward
 * then backward, each pass designed with the double-pass correction applied to the
 * pre-warped analog cutoff (C = (√2 − 1)^¼ ≈ 0.802, ωc = tan(π·fc/fs)/C), so that the whole
 * filter is −3 dB at fc. Signals are filtered one contiguous run of finite samples at a
 * time (never across a NaN gap), each run padded at both ends by odd reflection about its
 * end samples (2·x[0] − x[k]), which keeps position and slope continuous at the ends.
 */
#ifndef KINECHAIN_FILTER_H
#define KINECHAIN_FILTER_H

#include <stddef.h>
#include "kinechain/status.h"

/* The double-pass correction factor for two passes of a 2nd-order filter, (√2 − 1)^¼. */
#define KC_BUTTER_C 0.8022432629231502

/* Coefficients of one 2nd-order pass for cutoff fc (Hz) at rate fs (Hz):
 * y[n] = a[0]x[n] + a[1]x[n−1] + a[2]x[n−2] + b[0]y[n−1] + b[1]y[n−2].
 * Returns KC_EINVAL unless 0 < fc and tan(π·fc/fs)/C is finite (fc < fs/2). */
int kc_butter_coeffs(double fc, double fs, double a[3], double b[2]) KC_RESULT_USED;

/* Zero-lag filter x[0..n-1] (all finite) in place, padding pad samples of odd reflection at
 * each end (pad is clipped to n − 1). work: at least n + 2·pad doubles. n < 3 leaves x
 * as is. Returns KC_EINVAL for bad fc/fs. */
int kc_filter_run(double *x, size_t n, double fc, double fs, size_t pad, double *work)
    KC_RESULT_USED;

/* The reflection padding used by the tools: ~0.5 s of samples (SCIENCE.md C.1), clipped
 * by kc_filter_run to the run length. */
size_t kc_filter_default_pad(double fs);

/* Filter a strided signal x[i·stride], i < n, run by run: each maximal stretch of finite
 * samples is filtered separately (kc_filter_run); NaNs stay NaN. work: 2·n + 2·pad doubles. */
int kc_filter_signal(double *x, size_t n, size_t stride, double fc, double fs, size_t pad,
                     double *work) KC_RESULT_USED;

/* Filter marker positions [F,M,3] (every marker and axis, run by run) at cutoff fc.
 * Parallel over markers (OpenMP); identical results at any thread count.
 * Returns KC_EINVAL (bad fc/fs), KC_ENOMEM. */
int kc_filter_positions(double *pos, size_t F, size_t M, double fc, double fs)
    KC_RESULT_USED;

/* Winter's residual analysis, pooled over markers and axes.
 * R(fc) = sqrt(mean over every finite sample of (x − x̂_fc)²), x̂_fc the filtered signal
 * (filtered run by run exactly as kc_filter_positions does).
 * Noise region (documented choice): fc from KC_RESID_NOISE_LO·fs to KC_RESID_NOISE_HI·fs
 * (30–60 Hz at 200 Hz), where a human movement signal has no power left, so R(fc) there
 * is the noise alone, falling linearly as more of the noise band passes; a straight line
 * is fitted by least squares to R at KC_RESID_NPOINTS equally spaced cutoffs of that
 * region, and its intercept at fc = 0 estimates the RMS of the noise. The cutoff is the
 * lowest fc (searched on a 0.1 Hz grid from 1 Hz, refined by linear interpolation) where
 * R(fc) ≤ intercept.
 * out_fc: the cutoff, Hz. out_intercept (may be NULL): the intercept, mm.
 * Returns KC_OK, KC_EINVAL (fs too low for the region, no finite samples), KC_ENUMERIC
 * (R never falls to the intercept below the noise region: out_fc NaN), KC_ENOMEM. */
#define KC_RESID_NOISE_LO 0.15
#define KC_RESID_NOISE_HI 0.30
#define KC_RESID_NPOINTS 16
int kc_filter_residual_cutoff(const double *pos, size_t F, size_t M, double fs,
                              double *out_fc, double *out_intercept) KC_RESULT_USED;

/* R(fc) of kc_filter_residual_cutoff for one cutoff (mm). NaN on error. */
double kc_filter_residual(const double *pos, size_t F, size_t M, double fs, double fc);

#endif
