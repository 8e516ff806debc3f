/* Unit tests of triangulate.h on cameras built here (rings of 2 to 32 distorted cameras):
 * exact recovery without noise, ML accuracy with noise, outlier exclusion at every ring
 * size, two disagreeing cameras -> NaN, weights (and the majority of weights that decides a
 * point two of four cameras see), parameter checks, and identical results
 * of kc_tri_all at 1 and 2 threads. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "kinechain/log.h"
#include "kinechain/triangulate.h"
#include "testutil.h"
#include "tri_testlib.h"

#define MAXC 32

static kc_vec3 random_point(tt_rng *r)
{
    return kc_v3(-600 + 1200 * tt_uniform(r), -600 + 1200 * tt_uniform(r),
                 100 + 1600 * tt_uniform(r));
}

/* Project X into every camera; noise sd px; returns cameras that see it in the image. */
static int observe(const kc_camera *cams, int n, kc_vec3 X, double sd, tt_rng *r,
                   double *uv)
{
    int seen = 0;
    for (int c = 0; c < n; c++) {
        double p[2];
        if (kc_camera_project(&cams[c], X, p) && kc_camera_in_image(&cams[c], p, 0)) {
            uv[2 * c] = p[0] + sd * tt_gauss(r);
            uv[2 * c + 1] = p[1] + sd * tt_gauss(r);
            seen++;
        } else {
            uv[2 * c] = uv[2 * c + 1] = NAN;
        }
    }
    return seen;
}

static double dist(const double a[3], kc_vec3 b)
{
    return sqrt((a[0] - b.x) * (a[0] - b.x) + (a[1] - b.y) * (a[1] - b.y) +
                (a[2] - b.z) * (a[2] - b.z));
}

static void test_exact_and_outliers(void)
{
    static const int sizes[] = {2, 3, 4, 8, 16, 32};
    kc_tri_params p = kc_tri_default_params();
    kc_tri_ws *ws = kc_tri_ws_alloc(MAXC);
    CHECK("workspace", ws != NULL);
    if (!ws)
        return;
    kc_camera cams[MAXC];
    double uv[2 * MAXC];
    uint8_t used[MAXC];
    tt_rng r = {0x9e3779b97f4a7c15ULL};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        for (int c = 0; c < n; c++)
            cams[c] = tt_ring_camera(c, n);
        double emax = 0;
        int bad_used = 0, nan_pts = 0, missed = 0, kept_outlier = 0;
        double emax_out = 0;
        for (int k = 0; k < 200; k++) {
            kc_vec3 X = random_point(&r);
            int seen = observe(cams, n, X, 0.0, &r, uv);
            kc_tri_result res;
            if (kc_tri_point(&p, ws, cams, (size_t)n, uv, 2, NULL, 0, used, &res)) {
                CHECK("kc_tri_point returns KC_OK", false);
                continue;
            }
            if (seen >= 2) {
                if (!isfinite(res.X[0])) {
                    nan_pts++;
                    continue;
                }
                emax = fmax(emax, dist(res.X, X));
                bad_used += res.n_used != seen;
            }
            /* one gross error (20–200 px) in one camera of those that see it */
            if (seen >= 3) {
                int victim = -1;
                for (int c = (int)(tt_uniform(&r) * n), q = 0; q < n; q++, c = (c + 1) % n)
                    if (isfinite(uv[2 * c])) {
                        victim = c;
                        break;
                    }
                double mag = 20 + 180 * tt_uniform(&r), ang = 6.283185307 * tt_uniform(&r);
                uv[2 * victim] += mag * cos(ang);
                uv[2 * victim + 1] += mag * sin(ang);
                if (kc_tri_point(&p, ws, cams, (size_t)n, uv, 2, NULL, 0, used, &res))
                    continue;
                if (!isfinite(res.X[0])) {
                    missed++;
                    continue;
                }
                kept_outlier += used[victim];
                emax_out = fmax(emax_out, dist(res.X, X));
            }
        }
        char what[160];
        snprintf(what, sizeof what, "%d cameras, no noise: max error (mm)", n);
        CHECK_NEAR(what, emax, 0.0, 1e-6);
        snprintf(what, sizeof what, "%d cameras, no noise: every seeing camera used", n);
        CHECK(what, bad_used == 0 && nan_pts == 0);
        if (n >= 3) {
            snprintf(what, sizeof what, "%d cameras, one gross error: excluded every time (%d kept, %d NaN)",
                     n, kept_outlier, missed);
            /* with three cameras a gross error along the epipolar line of one good camera
             * makes two pairs agree: ambiguous, NaN (never the wrong point) */
            CHECK(what, kept_outlier == 0 && (n == 3 ? missed < 60 : missed == 0));
            snprintf(what, sizeof what, "%d cameras, one gross error: max error (mm)", n);
            CHECK_NEAR(what, emax_out, 0.0, 1e-6);
        }
    }
    kc_tri_ws_free(ws);
}

/* Two cameras: agreeing rays give the point, disagreeing rays NaN. */
static void test_two_cameras(void)
{
    kc_tri_params p = kc_tri_default_params();
    kc_tri_ws *ws = kc_tri_ws_alloc(2);
    kc_camera cams[2] = {tt_ring_camera(0, 4), tt_ring_camera(1, 4)};
    double uv[4];
    uint8_t used[2];
    kc_vec3 X = kc_v3(120.5, -80.25, 910.0);
    tt_rng r = {12345};
    observe(cams, 2, X, 0.0, &r, uv);
    kc_tri_result res;
    CHECK("two cameras: ok", kc_tri_point(&p, ws, cams, 2, uv, 2, NULL, 0, used, &res) == KC_OK);
    CHECK_NEAR("two agreeing cameras: error (mm)", dist(res.X, X), 0.0, 1e-6);
    CHECK("two agreeing cameras: both used", used[0] == 1 && used[1] == 1 && res.n_used == 2);
    /* move camera 2's observation off the epipolar line by 30 px */
    uv[1] += 30.0;
    CHECK("two cameras (disagreeing): ok",
          kc_tri_point(&p, ws, cams, 2, uv, 2, NULL, 0, used, &res) == KC_OK);
    CHECK("two disagreeing cameras: NaN", isnan(res.X[0]) && res.n_used == 0 &&
                                              used[0] == 0 && used[1] == 0 && res.n_seen == 2);
    /* one camera only: NaN */
    uv[2] = NAN;
    CHECK("one camera: ok", kc_tri_point(&p, ws, cams, 2, uv, 2, NULL, 0, used, &res) == KC_OK);
    CHECK("one camera: NaN", isnan(res.X[0]) && res.n_seen == 1);
    /* errors */
    CHECK("n > workspace: EINVAL",
          kc_tri_point(&p, ws, cams, 3, uv, 2, NULL, 0, used, &res) == KC_EINVAL);
    CHECK("ws for 1 camera: NULL", kc_tri_ws_alloc(1) == NULL);
    kc_tri_params q = p;
    q.min_cameras = 1;
    CHECK("min_cameras 1: EINVAL", kc_tri_check_params(&q) == KC_EINVAL);
    q = p;
    q.outlier_px = NAN;
    CHECK("outlier_px NaN: EINVAL", kc_tri_check_params(&q) == KC_EINVAL);
    q = p;
    q.max_iter = 0;
    CHECK("max_iter 0: EINVAL", kc_tri_check_params(&q) == KC_EINVAL);
    q = p;
    q.tol_mm = -1;
    CHECK("tol_mm < 0: EINVAL", kc_tri_check_params(&q) == KC_EINVAL);
    CHECK("defaults valid", kc_tri_check_params(&p) == KC_OK);
    kc_tri_ws_free(ws);
}

/* Noise: the ML estimate's error is of the size of the Cramér–Rao bound; weights: a camera
 * with a much noisier observation and a small weight barely moves the point, and w = 0
 * removes it. */
static void test_noise_and_weights(void)
{
    enum { N = 8, K = 4000 };
    kc_tri_params p = kc_tri_default_params();
    kc_tri_ws *ws = kc_tri_ws_alloc(N);
    kc_camera cams[N];
    for (int c = 0; c < N; c++)
        cams[c] = tt_ring_camera(c, N);
    double uv[2 * N], w[N];
    tt_rng r = {777};
    double se = 0, crb = 0;
    int n = 0;
    for (int k = 0; k < K; k++) {
        kc_vec3 X = random_point(&r);
        if (observe(cams, N, X, 0.5, &r, uv) < 2)
            continue;
        kc_tri_result res;
        if (kc_tri_point(&p, ws, cams, N, uv, 2, NULL, 0, NULL, &res) || !isfinite(res.X[0]))
            continue;
        double d = dist(res.X, X);
        se += d * d;
        /* bound: trace((sum J^T J)^-1) σ² at the true point */
        double H[9] = {0};
        for (int c = 0; c < N; c++) {
            double J[6];
            if (!isfinite(uv[2 * c]) || !kc_camera_project_jac(&cams[c], X, NULL, J, NULL))
                continue;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    H[3 * a + b] += J[a] * J[b] + J[3 + a] * J[3 + b];
        }
        double det = H[0] * (H[4] * H[8] - H[5] * H[7]) - H[1] * (H[3] * H[8] - H[5] * H[6]) +
                     H[2] * (H[3] * H[7] - H[4] * H[6]);
        double tr = ((H[4] * H[8] - H[5] * H[7]) + (H[0] * H[8] - H[2] * H[6]) +
                     (H[0] * H[4] - H[1] * H[3])) / det;
        crb += 0.25 * tr;
        n++;
    }
    double ratio = sqrt(se / n) / sqrt(crb / n);
    printf("noise 0.5 px, 8 cameras, %d points: RMSE / CRB = %.4f\n", n, ratio);
    CHECK_NEAR("RMSE / Cramér–Rao bound (8 cameras, 0.5 px)", ratio, 1.0, 0.05);

    /* weights */
    kc_vec3 X = kc_v3(33.3, 44.4, 1111.1);
    observe(cams, N, X, 0.0, &r, uv);
    for (int c = 0; c < N; c++)
        w[c] = 0.9;
    uv[0] += 3.0;   /* within outlier_px: kept, but down-weighted */
    w[0] = 1e-3;
    kc_tri_result a, b;
    uint8_t used[N];
    CHECK("weighted ok", kc_tri_point(&p, ws, cams, N, uv, 2, w, 1, used, &a) == KC_OK);
    CHECK("unweighted ok", kc_tri_point(&p, ws, cams, N, uv, 2, NULL, 0, NULL, &b) == KC_OK);
    CHECK("down-weighted camera still used", used[0] == 1);
    CHECK("a small weight shrinks the pull of a biased camera",
          dist(a.X, X) < 0.05 * dist(b.X, X) && dist(b.X, X) > 0.01);
    w[0] = 0.0;
    CHECK("w = 0 ok", kc_tri_point(&p, ws, cams, N, uv, 2, w, 1, used, &a) == KC_OK);
    CHECK("w = 0: camera not seen, not used", used[0] == 0 && a.n_seen == N - 1);
    CHECK_NEAR("w = 0: exact without it (mm)", dist(a.X, X), 0.0, 1e-6);
    kc_tri_ws_free(ws);
}

/* The majority that decides a point is of the views' weights (keypoint confidences): four
 * cameras, two seeing the point and two a gross error each (60-100 px, in directions that
 * agree with nothing). Unweighted, or with equal weights, half the views disagree: NaN. With
 * the agreeing pair more confident than the other two together: the point, exact, from that
 * pair only (unless a gross error happens to fit a good camera's epipolar line: a tie, NaN). With the doubtful pair heavier: NaN. Two pairs that each agree on a different
 * point stay ambiguous (NaN) whatever the weights. */
static void test_weighted_majority(void)
{
    enum { N = 4 };
    kc_tri_params p = kc_tri_default_params();
    kc_tri_ws *ws = kc_tri_ws_alloc(N);
    kc_camera cams[N];
    for (int c = 0; c < N; c++)
        cams[c] = tt_ring_camera(c, N);
    tt_rng r = {4242};
    int n_cases = 0, n_nan_unw = 0, n_found = 0, n_exact = 0, n_nan_equal = 0, n_nan_heavy = 0;
    int n_nan_two_points = 0, n_two = 0;
    for (int k = 0; k < 200 && ws; k++) {
        double uv[2 * N], uv2[2 * N];
        kc_vec3 X = random_point(&r), Y = random_point(&r);
        if (observe(cams, N, X, 0.0, &r, uv) < N || observe(cams, N, Y, 0.0, &r, uv2) < N)
            continue;
        double clean[2 * N];
        memcpy(clean, uv, sizeof uv);
        for (int c = 2; c < N; c++) {
            double mag = 60 + 40 * tt_uniform(&r), ang = 6.283185307 * tt_uniform(&r);
            uv[2 * c] += mag * cos(ang);
            uv[2 * c + 1] += mag * sin(ang);
        }
        n_cases++;
        kc_tri_result res;
        uint8_t used[N];
        double w_conf[N] = {0.9, 0.85, 0.4, 0.35}, w_eq[N] = {0.6, 0.6, 0.6, 0.6};
        double w_heavy[N] = {0.5, 0.5, 0.6, 0.5};
        if (kc_tri_point(&p, ws, cams, N, uv, 2, NULL, 0, used, &res) == KC_OK &&
            !isfinite(res.X[0]))
            n_nan_unw++;
        if (kc_tri_point(&p, ws, cams, N, uv, 2, w_conf, 1, used, &res) == KC_OK &&
            isfinite(res.X[0])) {
            n_found++;
            n_exact += dist(res.X, X) < 1e-6 && used[0] && used[1] && !used[2] && !used[3];
        }
        if (kc_tri_point(&p, ws, cams, N, uv, 2, w_eq, 1, used, &res) == KC_OK &&
            !isfinite(res.X[0]))
            n_nan_equal++;
        if (kc_tri_point(&p, ws, cams, N, uv, 2, w_heavy, 1, used, &res) == KC_OK &&
            !isfinite(res.X[0]))
            n_nan_heavy++;
        /* cameras 2 and 3 see another point Y, consistently: two agreeing pairs */
        memcpy(uv, clean, sizeof uv);
        for (int c = 2; c < N; c++) {
            uv[2 * c] = uv2[2 * c];
            uv[2 * c + 1] = uv2[2 * c + 1];
        }
        if (dist((double[3]){X.x, X.y, X.z}, Y) > 200) {
            n_two++;
            if (kc_tri_point(&p, ws, cams, N, uv, 2, w_conf, 1, used, &res) == KC_OK &&
                !isfinite(res.X[0]))
                n_nan_two_points++;
        }
    }
    printf("weighted majority, 4 cameras, %d points with 2 gross errors: unweighted NaN %d, "
           "confident pair found %d (exact, from the pair: %d), equal weights NaN %d, doubtful "
           "pair heavier NaN %d; two agreeing pairs on different points NaN %d of %d\n",
           n_cases, n_nan_unw, n_found, n_exact, n_nan_equal, n_nan_heavy, n_nan_two_points,
           n_two);
    CHECK("weighted majority: enough cases", n_cases >= 50 && n_two >= 30);
    CHECK("unweighted, two of four agree: NaN every time", n_nan_unw == n_cases);
    /* not every time: a gross error that lies near an epipolar line of a good camera makes
     * that pair agree too, a tie of two pairs sharing one camera: ambiguous, NaN (never the
     * wrong point); measured 116 of 200 found */
    CHECK("confident pair outweighs the doubtful two: the point, exact, from the pair, in half "
          "the cases or more, never another point",
          n_exact == n_found && 2 * n_found >= n_cases);
    CHECK("equal weights, two of four agree: NaN every time", n_nan_equal == n_cases);
    CHECK("doubtful pair heavier than the agreeing one: NaN every time", n_nan_heavy == n_cases);
    CHECK("two pairs agreeing on different points: ambiguous, NaN, whatever the weights",
          n_nan_two_points == n_two);
    kc_tri_ws_free(ws);
}

/* kc_tri_all: same bytes at 1 and 2 threads; layout [C,F,M,2] honoured. */
static void test_all_threads(void)
{
    enum { C = 6, F = 97, M = 5 };
    kc_camera cams[C];
    for (int c = 0; c < C; c++)
        cams[c] = tt_ring_camera(c, C);
    double *pts = malloc(sizeof(double) * C * F * M * 2);
    double truth[F][M][3];
    tt_rng r = {4242};
    for (int f = 0; f < F; f++)
        for (int m = 0; m < M; m++) {
            kc_vec3 X = random_point(&r);
            truth[f][m][0] = X.x;
            truth[f][m][1] = X.y;
            truth[f][m][2] = X.z;
            double uv[2 * C];
            observe(cams, C, X, 0.3, &r, uv);
            if ((f + m) % 11 == 0)
                uv[2 * (f % C)] += 57.0;   /* an outlier now and then */
            for (int c = 0; c < C; c++) {
                pts[(((size_t)c * F + f) * M + m) * 2] = uv[2 * c];
                pts[(((size_t)c * F + f) * M + m) * 2 + 1] = uv[2 * c + 1];
            }
        }
    double pos[2][F * M * 3], res[2][F * M];
    uint8_t ns[2][F * M], cu[2][F * M * C];
    kc_tri_params p = kc_tri_default_params();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        CHECK("kc_tri_all ok", kc_tri_all(&p, cams, C, F, M, pts, NULL, pos[t], res[t], ns[t],
                                          cu[t]) == KC_OK);
    }
    CHECK("1 and 2 threads: same positions", memcmp(pos[0], pos[1], sizeof pos[0]) == 0);
    CHECK("1 and 2 threads: same residuals", memcmp(res[0], res[1], sizeof res[0]) == 0);
    CHECK("1 and 2 threads: same camera use", memcmp(cu[0], cu[1], sizeof cu[0]) == 0 &&
                                                  memcmp(ns[0], ns[1], sizeof ns[0]) == 0);
    double emax = 0;
    for (int f = 0; f < F; f++)
        for (int m = 0; m < M; m++)
            if (isfinite(pos[0][(f * M + m) * 3]))
                emax = fmax(emax, dist(&pos[0][(f * M + m) * 3],
                                       kc_v3(truth[f][m][0], truth[f][m][1], truth[f][m][2])));
    CHECK_NEAR("kc_tri_all: max error at 0.3 px with outliers (mm)", emax, 0.0, 2.0);
    CHECK("kc_tri_all with one camera: EINVAL",
          kc_tri_all(&p, cams, 1, F, M, pts, NULL, pos[0], res[0], ns[0], cu[0]) == KC_EINVAL);
    free(pts);
}

static void quiet_sink(enum kc_log_level l, const char *f, const char *m, void *d)
{
    (void)l, (void)f, (void)m, (void)d;
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(quiet_sink, NULL);
    test_exact_and_outliers();
    test_two_cameras();
    test_noise_and_weights();
    test_weighted_majority();
    test_all_threads();
    return kc_test_summary("test_triangulate");
}
