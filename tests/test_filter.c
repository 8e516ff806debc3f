/* Tests of filter.h: coefficients, the −3 dB point of the corrected double pass at
 * fc/fs = 0.03, 0.1, 0.2 (sinusoids), run-by-run filtering across NaN gaps, reflection
 * padding, Winter's residual analysis against an independent computation written here
 * (own coefficients from the bilinear transform, own filtfilt, same documented noise
 * region), and every error path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "kinechain/filter.h"
#include "kinechain/log.h"
#include "testutil.h"
#include "tri_testlib.h"

#define PI 3.14159265358979323846

/* Amplitude of the component at frequency f in x[i0..i1) (least squares on sin and cos). */
static double amplitude(const double *x, size_t i0, size_t i1, double f, double fs)
{
    double ss = 0, cc = 0, sc = 0, xs = 0, xc = 0;
    for (size_t i = i0; i < i1; i++) {
        double s = sin(2 * PI * f * i / fs), c = cos(2 * PI * f * i / fs);
        ss += s * s;
        cc += c * c;
        sc += s * c;
        xs += x[i] * s;
        xc += x[i] * c;
    }
    double det = ss * cc - sc * sc;
    double a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det;
    return hypot(a, b);
}

static void test_gain(void)
{
    const double fs = 1000.0, ratios[] = {0.03, 0.1, 0.2};
    enum { N = 20000 };
    double *x = malloc(N * sizeof *x), *w = malloc((2 * N + 2000) * sizeof *w);
    for (int k = 0; k < 3; k++) {
        double fc = ratios[k] * fs;
        for (int i = 0; i < N; i++)
            x[i] = 7.5 * sin(2 * PI * fc * i / fs + 0.3);
        CHECK("filter ok", kc_filter_run(x, N, fc, fs, kc_filter_default_pad(fs), w) == KC_OK);
        double g = 20 * log10(amplitude(x, 2000, N - 2000, fc, fs) / 7.5);
        char what[96];
        snprintf(what, sizeof what, "gain at fc (fc/fs = %.2f), dB", ratios[k]);
        printf("gain at the cutoff, fc/fs = %.2f: %.4f dB\n", ratios[k], g);
        CHECK_NEAR(what, g, -3.0103, 0.1);
        /* an octave below passes, an octave above is cut by ~24 dB per octave x 2 passes */
        for (int i = 0; i < N; i++)
            x[i] = sin(2 * PI * 0.5 * fc * i / fs);
        CHECK("filter ok", kc_filter_run(x, N, fc, fs, 500, w) == KC_OK);
        snprintf(what, sizeof what, "gain at fc/2 (fc/fs = %.2f), dB", ratios[k]);
        CHECK_NEAR(what, 20 * log10(amplitude(x, 2000, N - 2000, 0.5 * fc, fs)), 0.0, 0.3);
    }
    free(x);
    free(w);
}

static void test_coeffs_and_runs(void)
{
    double a[3], b[2];
    CHECK("coeffs ok", kc_butter_coeffs(12.0, 200.0, a, b) == KC_OK);
    double wc = tan(PI * 12.0 / 200.0) / pow(sqrt(2.0) - 1.0, 0.25);
    double K1 = sqrt(2.0) * wc, K2 = wc * wc, a0 = K2 / (1 + K1 + K2);
    CHECK_NEAR("a0 (12 Hz at 200 Hz)", a[0], a0, 1e-9);
    CHECK_NEAR("a1", a[1], 2 * a0, 1e-9);
    CHECK_NEAR("b1", b[0], 2 * a0 * (1 / K2 - 1), 1e-9);
    CHECK_NEAR("unit DC gain: sum", a[0] + a[1] + a[2] + b[0] + b[1], 1.0, 1e-12);
    CHECK_NEAR("C = (sqrt 2 - 1)^(1/4)", KC_BUTTER_C, pow(sqrt(2.0) - 1.0, 0.25), 1e-15);
    CHECK("fc = 0: EINVAL", kc_butter_coeffs(0.0, 200.0, a, b) == KC_EINVAL);
    CHECK("fc = fs/2: EINVAL", kc_butter_coeffs(100.0, 200.0, a, b) == KC_EINVAL);
    CHECK("fs NaN: EINVAL", kc_butter_coeffs(10.0, NAN, a, b) == KC_EINVAL);

    /* a ramp passes unchanged (odd reflection keeps it a ramp) */
    enum { N = 300 };
    double x[N], w[2 * N + 400];
    for (int i = 0; i < N; i++)
        x[i] = 3.25 * i - 17.0;
    CHECK("ramp ok", kc_filter_run(x, N, 6.0, 200.0, 100, w) == KC_OK);
    double emax = 0;
    for (int i = 0; i < N; i++)
        emax = fmax(emax, fabs(x[i] - (3.25 * i - 17.0)));
    CHECK_NEAR("ramp through the filter (mm, start-up transient after 100 samples of padding)", emax, 0.0, 1e-5);

    /* runs: NaNs stay, each run is filtered as if alone */
    tt_rng r = {99};
    double y[N], alone[N];
    for (int i = 0; i < N; i++)
        y[i] = 100 * sin(i * 0.05) + tt_gauss(&r);
    for (int i = 140; i < 150; i++)
        y[i] = NAN;
    y[200] = NAN;
    memcpy(alone, y, sizeof y);
    CHECK("signal ok", kc_filter_signal(y, N, 1, 10.0, 200.0, 100, w) == KC_OK);
    bool nan_ok = true;
    for (int i = 0; i < N; i++)
        nan_ok &= isnan(y[i]) == isnan(alone[i]);
    CHECK("NaNs stay NaN, finite stays finite", nan_ok);
    CHECK("run 1 ok", kc_filter_run(alone, 140, 10.0, 200.0, 100, w) == KC_OK);
    CHECK("run 2 ok", kc_filter_run(alone + 150, 50, 10.0, 200.0, 100, w) == KC_OK);
    double d = 0;
    for (int i = 0; i < 140; i++)
        d = fmax(d, fabs(y[i] - alone[i]));
    for (int i = 150; i < 200; i++)
        d = fmax(d, fabs(y[i] - alone[i]));
    CHECK_NEAR("each run filtered separately", d, 0.0, 1e-12);

    /* positions [F,M,3] */
    double pos[N * 2 * 3];
    for (int i = 0; i < N * 6; i++)
        pos[i] = 1.0;
    CHECK("positions: fc above Nyquist EINVAL",
          kc_filter_positions(pos, N, 2, 150.0, 200.0) == KC_EINVAL);
    CHECK("positions ok", kc_filter_positions(pos, N, 2, 12.0, 200.0) == KC_OK);
    CHECK_NEAR("constant stays constant", pos[3 * 77 + 4], 1.0, 1e-12);
    double fc;
    CHECK("residual analysis at 10 Hz rate: EINVAL",
          kc_filter_residual_cutoff(pos, N, 2, 10.0, &fc, NULL) == KC_EINVAL && isnan(fc));
    for (int i = 0; i < N * 6; i++)
        pos[i] = NAN;
    CHECK("residual analysis of all-NaN: EINVAL",
          kc_filter_residual_cutoff(pos, N, 2, 200.0, &fc, NULL) == KC_EINVAL);
}

/* ---- independent residual analysis ----------------------------------------------------- */

/* Bilinear transform of H(s) = W²/(s² + √2 W s + W²), W the corrected pre-warped cutoff
 * (in units where s = (1 − z⁻¹)/(1 + z⁻¹)): numerator W²(1 + 2z⁻¹ + z⁻²), denominator
 * (1 + √2W + W²) + (2W² − 2) z⁻¹ + (1 − √2W + W²) z⁻². */
static void ind_filtfilt(const double *x, int n, double fc, double fs, double *y, double *buf)
{
    double W = tan(PI * fc / fs) / pow(sqrt(2.0) - 1.0, 0.25);
    double d0 = 1 + sqrt(2.0) * W + W * W;
    double n0 = W * W / d0, n1 = 2 * n0, n2 = n0;
    double d1 = (2 * W * W - 2) / d0, d2 = (1 - sqrt(2.0) * W + W * W) / d0;
    int pad = (int)ceil(0.5 * fs);
    if (pad > n - 1)
        pad = n - 1;
    int L = n + 2 * pad;
    for (int i = 0; i < L; i++) {
        int k = i - pad;
        buf[i] = k < 0 ? 2 * x[0] - x[-k] : k >= n ? 2 * x[n - 1] - x[2 * (n - 1) - k] : x[k];
    }
    for (int dir = 0; dir < 2; dir++) {
        double xm1 = buf[dir ? L - 1 : 0], xm2 = xm1, ym1 = xm1, ym2 = xm1;
        for (int j = 0; j < L; j++) {
            int i = dir ? L - 1 - j : j;
            double v = n0 * buf[i] + n1 * xm1 + n2 * xm2 - d1 * ym1 - d2 * ym2;
            xm2 = xm1;
            xm1 = buf[i];
            ym2 = ym1;
            ym1 = v;
            buf[i] = v;
        }
    }
    for (int i = 0; i < n; i++)
        y[i] = buf[pad + i];
}

static double ind_R(double *const *sig, int nsig, int n, double fc, double fs, double *y,
                    double *buf)
{
    double ss = 0;
    for (int s = 0; s < nsig; s++) {
        ind_filtfilt(sig[s], n, fc, fs, y, buf);
        for (int i = 0; i < n; i++)
            ss += (sig[s][i] - y[i]) * (sig[s][i] - y[i]);
    }
    return sqrt(ss / ((double)nsig * n));
}

static void test_residual(void)
{
    enum { F = 600, M = 6 };
    const double fs = 200.0, sigma = 0.8;
    double *pos = malloc(sizeof(double) * F * M * 3);
    double *sig[M * 3];
    tt_rng r = {2024};
    for (int j = 0; j < M * 3; j++) {
        sig[j] = malloc(F * sizeof(double));
        double a1 = 40 + 5 * j, a2 = 8 + j, ph = 0.37 * j;
        for (int f = 0; f < F; f++) {
            double t = f / fs;
            double v = a1 * sin(2 * PI * 1.3 * t + ph) + a2 * sin(2 * PI * 4.1 * t + 2 * ph) +
                       3.0 * sin(2 * PI * 7.7 * t + ph) + sigma * tt_gauss(&r);
            sig[j][f] = v;
            pos[(size_t)f * M * 3 + j] = v;
        }
    }
    double fc, icpt;
    CHECK("residual analysis ok", kc_filter_residual_cutoff(pos, F, M, fs, &fc, &icpt) == KC_OK);

    /* independent: the documented region [0.15, 0.30]·fs, 16 points, straight line, lowest
     * crossing on a 0.01 Hz grid */
    double y[F], *buf = malloc((F + 2 * 100) * sizeof *buf);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < 16; i++) {
        double f = 0.15 * fs + (0.30 - 0.15) * fs * i / 15.0;
        double R = ind_R(sig, M * 3, F, f, fs, y, buf);
        sx += f;
        sy += R;
        sxx += f * f;
        sxy += f * R;
    }
    double slope = (16 * sxy - sx * sy) / (16 * sxx - sx * sx), a = (sy - slope * sx) / 16;
    double fi = NAN;
    for (double f = 1.0; f < 0.15 * fs; f += 0.01)
        if (ind_R(sig, M * 3, F, f, fs, y, buf) <= a) {
            fi = f;
            break;
        }
    printf("residual analysis: library %.3f Hz (noise %.4f mm), independent %.3f Hz "
           "(noise %.4f mm), true noise SD %.3f mm\n", fc, icpt, fi, a, sigma);
    CHECK_NEAR("residual cutoff vs independent computation (Hz)", fc, fi, 0.5);
    CHECK_NEAR("intercept vs independent (mm)", icpt, a, 1e-6);
    CHECK_NEAR("intercept near the noise SD (relative)", icpt / sigma, 1.0, 0.25);
    free(buf);
    for (int j = 0; j < M * 3; j++)
        free(sig[j]);
    free(pos);
}

static void quiet_sink(enum kc_log_level l, const char *f, const char *m, void *d)
{
    (void)l, (void)f, (void)m, (void)d;
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(quiet_sink, NULL);
    test_coeffs_and_runs();
    test_gain();
    test_residual();
    return kc_test_summary("test_filter");
}
