/* kinechain — zero-lag Butterworth filtering and Winter's residual analysis
 * (include/kinechain/filter.h). Coefficients as Winter (2009, Biomechanics and Motor Control
 * of Human Movement, 4th ed., §3.4.4.3) with the double-pass correction of Robertson &
 * Dowling (2003, J Electromyogr Kinesiol 13:569) applied after pre-warping (SCIENCE.md C.1).
 */
#include "kinechain/filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "kinechain/linalg.h"
#include "kinechain/log.h"

int kc_butter_coeffs(double fc, double fs, double a[3], double b[2])
{
    if (!(fc > 0.0) || !(fs > 0.0) || !(fc < 0.5 * fs) || !isfinite(fs))
        return KC_EINVAL;
    double wc = tan(KC_PI * fc / fs) / KC_BUTTER_C;
    if (!isfinite(wc) || !(wc > 0.0))
        return KC_EINVAL;
    double K1 = sqrt(2.0) * wc, K2 = wc * wc;
    double a0 = K2 / (1.0 + K1 + K2);
    a[0] = a0;
    a[1] = 2.0 * a0;
    a[2] = a0;
    b[0] = 2.0 * a0 * (1.0 / K2 - 1.0);
    b[1] = 1.0 - (a[0] + a[1] + a[2] + b[0]);
    return KC_OK;
}

size_t kc_filter_default_pad(double fs)
{
    return fs > 0 && isfinite(fs) ? (size_t)ceil(0.5 * fs) : 0;
}

/* One pass over y[0..n-1] in the given direction; the filter state starts at the first
 * sample (as if the signal had been constant before it), which with the reflected padding
 * keeps the start-up transient small. */
static void pass(double *y, size_t n, const double a[3], const double b[2], int backward)
{
    size_t i0 = backward ? n - 1 : 0;
    double x1 = y[i0], x2 = y[i0], y1 = y[i0], y2 = y[i0];
    for (size_t k = 0; k < n; k++) {
        size_t i = backward ? n - 1 - k : k;
        double x = y[i];
        double v = a[0] * x + a[1] * x1 + a[2] * x2 + b[0] * y1 + b[1] * y2;
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = v;
        y[i] = v;
    }
}

int kc_filter_run(double *x, size_t n, double fc, double fs, size_t pad, double *work)
{
    double a[3], b[2];
    if (kc_butter_coeffs(fc, fs, a, b))
        return KC_EINVAL;
    if (n < 3)
        return KC_OK;
    if (pad > n - 1)
        pad = n - 1;
    double *y = work;
    /* odd reflection: y[pad - k] = 2 x[0] - x[k], y[pad + n - 1 + k] = 2 x[n-1] - x[n-1-k] */
    for (size_t k = 1; k <= pad; k++) {
        y[pad - k] = 2.0 * x[0] - x[k];
        y[pad + n - 1 + k] = 2.0 * x[n - 1] - x[n - 1 - k];
    }
    memcpy(y + pad, x, n * sizeof *x);
    size_t N = n + 2 * pad;
    pass(y, N, a, b, 0);
    pass(y, N, a, b, 1);
    memcpy(x, y + pad, n * sizeof *x);
    return KC_OK;
}

int kc_filter_signal(double *x, size_t n, size_t stride, double fc, double fs, size_t pad,
                     double *work)
{
    double a[3], b[2];
    if (kc_butter_coeffs(fc, fs, a, b) || stride == 0)
        return KC_EINVAL;
    /* work holds the run (n) then the padded copy (n + 2 pad) would need 2n + 2pad: gather
     * the run into the tail of work and filter through the head. */
    size_t i = 0;
    while (i < n) {
        while (i < n && !isfinite(x[i * stride]))
            i++;
        size_t s = i;
        while (i < n && isfinite(x[i * stride]))
            i++;
        size_t len = i - s;
        if (len < 3)
            continue;
        size_t pd = pad > len - 1 ? len - 1 : pad;
        double *run = work + len + 2 * pd;
        for (size_t k = 0; k < len; k++)
            run[k] = x[(s + k) * stride];
        int st = kc_filter_run(run, len, fc, fs, pd, work);
        if (st)
            return st;
        for (size_t k = 0; k < len; k++)
            x[(s + k) * stride] = run[k];
    }
    return KC_OK;
}

int kc_filter_positions(double *pos, size_t F, size_t M, double fc, double fs)
{
    double a[3], b[2];
    if (kc_butter_coeffs(fc, fs, a, b)) {
        KC_ERROR("cannot filter at %g Hz: the cutoff must lie in (0, %g) Hz at %g Hz", fc,
                 0.5 * fs, fs);
        return KC_EINVAL;
    }
    if (F == 0 || M == 0)
        return KC_OK;
    size_t pad = kc_filter_default_pad(fs);
    int nt = omp_get_max_threads();
    size_t wn = 2 * F + 2 * pad;
    double *work = malloc((size_t)nt * wn * sizeof *work);
    if (!work) {
        KC_ERROR("out of memory filtering %zu frames", F);
        return KC_ENOMEM;
    }
    long n = (long)(M * 3);
    int err = 0;
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : err)
    for (long j = 0; j < n; j++) {
        double *w = work + (size_t)omp_get_thread_num() * wn;
        err |= kc_filter_signal(pos + j, F, M * 3, fc, fs, pad, w) != KC_OK;
    }
    free(work);
    return err ? KC_EINVAL : KC_OK;
}

double kc_filter_residual(const double *pos, size_t F, size_t M, double fs, double fc)
{
    size_t pad = kc_filter_default_pad(fs);
    size_t wn = 2 * F + 2 * pad;
    double *work = malloc(wn * sizeof *work);
    double *sig = malloc(F * sizeof *sig);
    double ss = 0.0;
    size_t cnt = 0;
    int err = !work || !sig;
    /* serial and in a fixed order: the same sum at any thread count */
    for (size_t j = 0; j < M * 3 && !err; j++) {
        for (size_t f = 0; f < F; f++)
            sig[f] = pos[f * M * 3 + j];
        if (kc_filter_signal(sig, F, 1, fc, fs, pad, work)) {
            err = 1;
            break;
        }
        for (size_t f = 0; f < F; f++) {
            double x = pos[f * M * 3 + j];
            if (isfinite(x)) {
                /* runs shorter than 3 samples are not filtered: residual 0, but counted */
                double d = x - sig[f];
                ss += d * d;
                cnt++;
            }
        }
    }
    free(work);
    free(sig);
    if (err || cnt == 0)
        return NAN;
    return sqrt(ss / (double)cnt);
}

int kc_filter_residual_cutoff(const double *pos, size_t F, size_t M, double fs,
                              double *out_fc, double *out_intercept)
{
    if (out_fc)
        *out_fc = NAN;
    if (out_intercept)
        *out_intercept = NAN;
    if (!pos || !out_fc || !(fs >= 20.0) || !isfinite(fs)) {
        KC_ERROR("residual analysis needs a rate of at least 20 Hz (got %g Hz)", fs);
        return KC_EINVAL;
    }
    /* straight line through R over the noise region */
    double lo = KC_RESID_NOISE_LO * fs, hi = KC_RESID_NOISE_HI * fs;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = KC_RESID_NPOINTS;
    for (int i = 0; i < n; i++) {
        double fc = lo + (hi - lo) * i / (n - 1);
        double r = kc_filter_residual(pos, F, M, fs, fc);
        if (!isfinite(r)) {
            KC_ERROR("residual analysis: no finite marker samples to analyse");
            return KC_EINVAL;
        }
        sx += fc;
        sy += r;
        sxx += fc * fc;
        sxy += fc * r;
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    double icpt = (sy - slope * sx) / n;
    if (out_intercept)
        *out_intercept = icpt;
    /* lowest fc with R(fc) <= intercept: 0.1 Hz grid from 1 Hz, then linear interpolation */
    double fprev = 1.0, rprev = kc_filter_residual(pos, F, M, fs, 1.0);
    if (!isfinite(rprev))
        return KC_EINVAL;
    if (rprev <= icpt) {
        *out_fc = 1.0;
        return KC_OK;
    }
    for (double fc = 1.1; fc <= lo + 1e-9; fc += 0.1) {
        double r = kc_filter_residual(pos, F, M, fs, fc);
        if (r <= icpt) {
            *out_fc = fprev + (fc - fprev) * (rprev - icpt) / (rprev - r);
            return KC_OK;
        }
        fprev = fc;
        rprev = r;
    }
    KC_ERROR("residual analysis: R(fc) stays above the noise intercept %.3g mm below %g Hz",
             icpt, lo);
    return KC_ENUMERIC;
}
