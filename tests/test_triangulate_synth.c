/* Acceptance tests of triangulation against kc-synth's /truth (ISSUE 4 (a) and (b)).
 *
 * (a) 8 cameras, 0.3 px noise, no outliers, no dropout, unfiltered: the 3D RMSE over
 *     >= 10,000 marker-frames is within ±3% of the Cramér–Rao bound computed from the true
 *     cameras, sqrt(mean over points of trace(σ² (JᵀJ)⁻¹)) with J the stacked 2x3 projection
 *     Jacobians of the cameras that saw the point; < 0.1% of the (all inlier) observations
 *     are excluded.
 * (b) a copy of the observations with 2% of the 2D observations moved by 20–200 px: run
 *     through kc-triangulate, every gross error among points seen by >= 3 cameras is
 *     excluded and no point is > 5 mm from the truth; detection rate by number of views.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "kinechain/calibfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"
#include "kinechain/triangulate.h"
#include "testutil.h"
#include "tri_testlib.h"

#define NOISE_PX 0.3

static int cameras_of(const kc_calib *cal, const kc_obs *o, kc_camera *cams)
{
    for (size_t i = 0; i < o->n_cameras; i++) {
        int k = kc_calib_find(cal, o->camera_names[i]);
        if (k < 0)
            return -1;
        cams[i] = cal->cameras[k].cam;
    }
    return 0;
}

static void test_accuracy(const kc_calib *cal, const kc_obs *o)
{
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    kc_camera *cams = malloc(C * sizeof *cams);
    double *pos = malloc(F * M * 3 * sizeof *pos), *res = malloc(F * M * sizeof *res);
    uint8_t *ns = malloc(F * M), *cu = malloc(F * M * C);
    if (!cams || !pos || !res || !ns || !cu || cameras_of(cal, o, cams) ||
        !CHECK("truth markers present", o->truth && o->truth->markers))
        goto done;
    kc_tri_params p = kc_tri_default_params();
    if (!CHECK("kc_tri_all", kc_tri_all(&p, cams, C, F, M, o->points, o->weights, pos, res,
                                        ns, cu) == KC_OK))
        goto done;
    double se = 0, crb = 0;
    long npts = 0, nobs = 0, excluded = 0, nan_pts = 0;
    for (size_t f = 0; f < F; f++)
        for (size_t m = 0; m < M; m++) {
            size_t fm = f * M + m;
            const double *T = o->truth->markers + 3 * fm;
            kc_vec3 X = kc_v3(T[0], T[1], T[2]);
            double H[9] = {0};
            int seen = 0;
            for (size_t c = 0; c < C; c++) {
                const double *uv = o->points + ((c * F + f) * M + m) * 2;
                if (!isfinite(uv[0]))
                    continue;
                seen++;
                nobs++;
                excluded += !cu[fm * C + c];
                double J[6];
                if (!kc_camera_project_jac(&cams[c], X, NULL, J, NULL))
                    continue;
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        H[3 * a + b] += J[a] * J[b] + J[3 + a] * J[3 + b];
            }
            if (seen < 2)
                continue;
            if (!isfinite(pos[3 * fm])) {
                nan_pts++;
                continue;
            }
            double det = H[0] * (H[4] * H[8] - H[5] * H[7]) -
                         H[1] * (H[3] * H[8] - H[5] * H[6]) + H[2] * (H[3] * H[7] - H[4] * H[6]);
            double tr = ((H[4] * H[8] - H[5] * H[7]) + (H[0] * H[8] - H[2] * H[6]) +
                         (H[0] * H[4] - H[1] * H[3])) / det;
            crb += NOISE_PX * NOISE_PX * tr;
            for (int k = 0; k < 3; k++)
                se += (pos[3 * fm + k] - T[k]) * (pos[3 * fm + k] - T[k]);
            npts++;
        }
    double rmse = sqrt(se / npts), bound = sqrt(crb / npts);
    printf("(a) %ld marker-frames (%ld NaN): 3D RMSE %.5f mm, Cramér–Rao bound %.5f mm, "
           "ratio %.4f; observations excluded %ld of %ld (%.4f%%)\n",
           npts, nan_pts, rmse, bound, rmse / bound, excluded, nobs, 100.0 * excluded / nobs);
    CHECK("(a) at least 10,000 marker-frames", npts >= 10000);
    CHECK_NEAR("(a) RMSE / Cramér–Rao bound", rmse / bound, 1.0, 0.03);
    CHECK_NEAR("(a) share of inlier observations excluded (%)", 100.0 * excluded / nobs, 0.0,
               0.1);
done:
    free(cams);
    free(pos);
    free(res);
    free(ns);
    free(cu);
}

static void test_outliers(const char *tmp, const char *calib_path, kc_obs *o)
{
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    uint8_t *bad = calloc(C * F * M, 1);
    if (!bad)
        return;
    tt_rng r = {0x1234567887654321ULL};
    long n_bad = 0, n_fin = 0;
    for (size_t i = 0; i < C * F * M; i++) {
        double *uv = o->points + 2 * i;
        if (!isfinite(uv[0]))
            continue;
        n_fin++;
        if (tt_uniform(&r) < 0.02) {
            double mag = 20.0 + 180.0 * tt_uniform(&r), ang = 2 * 3.14159265358979 * tt_uniform(&r);
            uv[0] += mag * cos(ang);
            uv[1] += mag * sin(ang);
            bad[i] = 1;
            n_bad++;
        }
    }
    char obs_path[600], out_path[600], cmd[2400];
    snprintf(obs_path, sizeof obs_path, "%s/corrupt.obs.h5", tmp);
    snprintf(out_path, sizeof out_path, "%s/corrupt.traj.h5", tmp);
    kc_traj *t = NULL;
    if (!CHECK("write the corrupted copy", kc_obs_write(obs_path, o, NULL) == KC_OK))
        goto done;
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --cutoff none --max-gap 0 --quiet '%s' '%s'",
             KC_TRIANGULATE_EXE, out_path, calib_path, obs_path);
    if (!CHECK("kc-triangulate on the corrupted copy", system(cmd) == 0) ||
        !CHECK("read its output", kc_traj_read(out_path, &t) == KC_OK))
        goto done;
    enum { KMAX = 33 };
    long by_views[KMAX] = {0}, det_views[KMAX] = {0}, nan_views[KMAX] = {0};
    long far3 = 0, pts3 = 0, nan3 = 0, kept3 = 0;
    double emax3 = 0;
    for (size_t f = 0; f < F; f++)
        for (size_t m = 0; m < M; m++) {
            size_t fm = f * M + m;
            int seen = 0, nb = 0;
            for (size_t c = 0; c < C; c++)
                if (isfinite(o->points[((c * F + f) * M + m) * 2])) {
                    seen++;
                    nb += bad[(c * F + f) * M + m];
                }
            int k = seen < KMAX ? seen : KMAX - 1;
            const double *X = t->position + 3 * fm, *T = o->truth->markers + 3 * fm;
            for (size_t c = 0; c < C; c++)
                if (bad[(c * F + f) * M + m]) {
                    by_views[k]++;
                    det_views[k] += t->camera_used[fm * C + c] == 0;
                    nan_views[k] += !isfinite(X[0]);
                }
            if (seen >= 3) {
                pts3++;
                if (!isfinite(X[0])) {
                    nan3++;
                    continue;
                }
                for (size_t c = 0; c < C; c++)
                    kept3 += bad[(c * F + f) * M + m] && t->camera_used[fm * C + c];
                double e = sqrt((X[0] - T[0]) * (X[0] - T[0]) + (X[1] - T[1]) * (X[1] - T[1]) +
                                (X[2] - T[2]) * (X[2] - T[2]));
                emax3 = fmax(emax3, e);
                if (e > 5.0) {
                    printf("    frame %zu marker %s: error %.2f mm, %d views, %d gross; cameras"
                           " (seen/gross/used):", f, o->labels[m], e, seen, nb);
                    for (size_t c = 0; c < C; c++)
                        printf(" %d%d%d", isfinite(o->points[((c * F + f) * M + m) * 2]),
                               bad[(c * F + f) * M + m], t->camera_used[fm * C + c]);
                    printf("\n");
                }
                far3 += e > 5.0;
            }
            (void)nb;
        }
    printf("(b) %ld gross errors among %ld observations (%.2f%%); detection by views:\n", n_bad,
           n_fin, 100.0 * n_bad / n_fin);
    for (int k = 2; k < KMAX; k++)
        if (by_views[k])
            printf("    %2d views: %5ld gross errors, %5ld excluded (%.2f%%), point NaN for %ld\n",
                   k, by_views[k], det_views[k], 100.0 * det_views[k] / by_views[k],
                   nan_views[k]);
    printf("(b) points seen by >= 3 cameras: %ld, NaN %ld, max error %.3f mm, > 5 mm: %ld, "
           "gross errors kept: %ld\n", pts3, nan3, emax3, far3, kept3);
    CHECK("(b) every gross error among >= 3-view points excluded", kept3 == 0);
    CHECK("(b) no >= 3-view point farther than 5 mm from the truth", far3 == 0);
    CHECK("(b) some gross errors were made", n_bad > 100);
done:
    kc_traj_free(t);
    free(bad);
}

/* End to end through kc-triangulate (ISSUE 4 (c) in the tool): a copy of the trial with
 * markers hidden from every camera — LASI and LTHI for 10 frames spanning the first
 * initial contact, C7 for 10 frames away from contacts, CLAV for 40 frames — gives LASI
 * rigid-filled (/filled 2), LTHI left NaN (two segment donors only), C7 spline-filled
 * (/filled 1), CLAV left NaN (longer than the default 0.05 s = 10 frames). */
static double gap_rmse(const kc_traj *t, const kc_obs *o, int m, long f0, long f1, int *code)
{
    size_t M = o->n_markers;
    double se = 0;
    *code = t->filled[f0 * M + (size_t)m];
    for (long f = f0; f <= f1; f++) {
        if (t->filled[f * M + (size_t)m] != *code)
            *code = -1;
        for (int k = 0; k < 3; k++) {
            double d = t->position[(f * M + (size_t)m) * 3 + k] -
                       o->truth->markers[(f * M + (size_t)m) * 3 + k];
            se += d * d;
        }
    }
    return sqrt(se / (double)(f1 - f0 + 1));
}

/* tol_rigid, tol_spline: RMSE bounds (mm) for the LASI and C7 fills. */
static void test_fill_end_to_end(const char *tmp, const char *calib_path, const char *obs_in,
                                 const char *cutoff, double tol_rigid, double tol_spline)
{
    kc_obs *o = NULL;
    kc_traj *t = NULL;
    if (!CHECK("re-read observations", kc_obs_read(obs_in, &o) == KC_OK))
        return;
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    const kc_table *ev = o->truth->events;
    long ic = -1;
    int cn = kc_table_find(ev, "name"), cf = kc_table_find(ev, "frame");
    for (size_t i = 0; i < kc_table_nrows(ev); i++)
        if (strcmp(kc_table_get_str(ev, i, cn), "initial_contact") == 0 &&
            (ic < 0 || kc_table_get_i64(ev, i, cf) < ic))
            ic = (long)kc_table_get_i64(ev, i, cf);
    int lasi = -1, lthi = -1, c7 = -1, clav = -1;
    for (size_t m = 0; m < M; m++) {
        if (!strcmp(o->labels[m], "LASI")) lasi = (int)m;
        if (!strcmp(o->labels[m], "LTHI")) lthi = (int)m;
        if (!strcmp(o->labels[m], "C7")) c7 = (int)m;
        if (!strcmp(o->labels[m], "CLAV")) clav = (int)m;
    }
    if (!CHECK("markers and contact found", ic > 150 && lasi >= 0 && lthi >= 0 && c7 >= 0 &&
                                                clav >= 0))
        goto done;
    struct { int m; long f0, f1; } hide[4] = {
        {lasi, ic - 5, ic + 4}, {lthi, ic - 5, ic + 4}, {c7, 60, 69}, {clav, 300, 339}};
    for (int h = 0; h < 4; h++)
        for (size_t c = 0; c < C; c++)
            for (long f = hide[h].f0; f <= hide[h].f1; f++) {
                double *uv = o->points + ((c * F + (size_t)f) * M + (size_t)hide[h].m) * 2;
                uv[0] = uv[1] = NAN;
            }
    char obs_path[600], out_path[600], cmd[2400];
    snprintf(obs_path, sizeof obs_path, "%s/hidden.obs.h5", tmp);
    snprintf(out_path, sizeof out_path, "%s/hidden.traj.h5", tmp);
    if (!CHECK("write the copy with hidden markers", kc_obs_write(obs_path, o, NULL) == KC_OK))
        goto done;
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --cutoff %s --quiet '%s' '%s'",
             KC_TRIANGULATE_EXE, out_path, cutoff, calib_path, obs_path);
    if (!CHECK("kc-triangulate with hidden markers", system(cmd) == 0) ||
        !CHECK("read its output", kc_traj_read(out_path, &t) == KC_OK))
        goto done;
    int code;
    double r = gap_rmse(t, o, lasi, ic - 5, ic + 4, &code);
    printf("(c, tool, --cutoff %s) LASI, 10 frames across initial contact (frame %ld): "
           "/filled %d, RMSE %.3f mm\n", cutoff, ic, code, r);
    CHECK("(c, tool) LASI across contact: rigid-filled", code == KC_FILL_RIGID);
    CHECK_NEAR("(c, tool) LASI rigid fill RMSE (mm)", r, 0.0, tol_rigid);
    r = gap_rmse(t, o, lthi, ic - 5, ic + 4, &code);
    CHECK("(c, tool) LTHI across contact: not spline-filled, left NaN", isnan(r) &&
                                                                            code == KC_FILL_MEASURED);
    r = gap_rmse(t, o, c7, 60, 69, &code);
    printf("(c, tool, --cutoff %s) C7, 10 frames away from contacts: /filled %d, RMSE "
           "%.3f mm\n", cutoff, code, r);
    CHECK("(c, tool) C7 away from contacts: spline-filled", code == KC_FILL_SPLINE);
    CHECK_NEAR("(c, tool) C7 spline fill RMSE (mm)", r, 0.0, tol_spline);
    r = gap_rmse(t, o, clav, 300, 339, &code);
    CHECK("(c, tool) CLAV 40-frame gap: left NaN", isnan(r));
done:
    kc_traj_free(t);
    kc_obs_free(o);
}

/* A camera the calibration marks "excluded" is not used anywhere. */
static void test_excluded_camera(const char *tmp, const char *calib_path, const char *obs_path)
{
    kc_calib *cal = NULL;
    kc_traj *t = NULL;
    char c_path[600], out_path[600], cmd[2400];
    if (!CHECK("read calibration", kc_calib_read(calib_path, &cal) == KC_OK))
        return;
    cal->cameras[2].excluded = true;
    snprintf(c_path, sizeof c_path, "%s/excluded.calib.h5", tmp);
    snprintf(out_path, sizeof out_path, "%s/excluded.traj.h5", tmp);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --quiet '%s' '%s'", KC_TRIANGULATE_EXE, out_path,
             c_path, obs_path);
    if (CHECK("write calibration with an excluded camera",
              kc_calib_write(c_path, cal, NULL) == KC_OK) &&
        CHECK("kc-triangulate with an excluded camera", system(cmd) == 0) &&
        CHECK("read its output", kc_traj_read(out_path, &t) == KC_OK)) {
        int ci = -1;
        for (size_t c = 0; c < t->n_cameras; c++)
            if (strcmp(t->camera_names[c], cal->cameras[2].cam.name) == 0)
                ci = (int)c;
        long used = 0, pts = 0;
        for (size_t i = 0; ci >= 0 && i < t->n_frames * t->n_markers; i++) {
            used += t->camera_used[i * t->n_cameras + (size_t)ci] != 0;
            pts += isfinite(t->position[3 * i]);
        }
        CHECK("excluded camera never used", ci >= 0 && used == 0);
        CHECK("points still triangulated without it", pts > 0);
    }
    kc_traj_free(t);
    kc_calib_free(cal);
}

static bool same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = getc(fa), cb = getc(fb);
        same = ca == cb;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Gaps (spline and rigid fills), outliers and residual analysis: the same bytes at 1 and
 * 2 threads. Runs on the copies written by the tests above. */
static void test_threads(const char *tmp, const char *calib_path)
{
    const char *inputs[2] = {"hidden", "corrupt"};
    for (int i = 0; i < 2; i++) {
        char cmd[2400], a[600], b[600], what[128];
        for (int th = 1; th <= 2; th++) {
            snprintf(a, sizeof a, "%s/%s-t%d.traj.h5", tmp, inputs[i], th);
            snprintf(cmd, sizeof cmd,
                     "'%s' -o '%s' --threads %d --no-provenance --cutoff auto --quiet '%s' "
                     "'%s/%s.obs.h5'", KC_TRIANGULATE_EXE, a, th, calib_path, tmp, inputs[i]);
            snprintf(what, sizeof what, "%s at %d thread(s)", inputs[i], th);
            CHECK(what, system(cmd) == 0);
        }
        snprintf(a, sizeof a, "%s/%s-t1.traj.h5", tmp, inputs[i]);
        snprintf(b, sizeof b, "%s/%s-t2.traj.h5", tmp, inputs[i]);
        snprintf(what, sizeof what, "%s: same bytes at 1 and 2 threads", inputs[i]);
        CHECK(what, same_bytes(a, b));
    }
}

static void quiet_sink(enum kc_log_level l, const char *f, const char *m, void *d)
{
    (void)l, (void)f, (void)m, (void)d;
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(quiet_sink, NULL);
    const char *tmp = kc_test_tmpdir("test_triangulate_synth");
    char cmd[1200], calib_path[600], obs_path[600];
    /* KC_SYNTH in the environment overrides the kc-synth of this build */
    const char *synth = getenv("KC_SYNTH") ? getenv("KC_SYNTH") : KC_SYNTH_EXE;
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/s' --subjects 1 --trials 1 --sls 0 --cameras 8 --seed 11 "
             "--noise-px %g --dropout 0 --spurious 0 --quiet", synth, tmp, NOISE_PX);
    if (!CHECK("kc-synth session", system(cmd) == 0))
        return kc_test_summary("test_triangulate_synth");
    snprintf(calib_path, sizeof calib_path, "%s/s/calib/truth.calib.h5", tmp);
    snprintf(obs_path, sizeof obs_path, "%s/s/s01/dvj_1.obs.h5", tmp);
    kc_calib *cal = NULL;
    kc_obs *o = NULL;
    if (CHECK("read calibration", kc_calib_read(calib_path, &cal) == KC_OK) &&
        CHECK("read observations", kc_obs_read(obs_path, &o) == KC_OK)) {
        test_accuracy(cal, o);
        test_excluded_camera(tmp, calib_path, obs_path);
        /* the default pipeline (12 Hz) is held to the bounds of (c); unfiltered, the
         * triangulation noise of donors and support (0.9 mm RMS here) shows through */
        test_fill_end_to_end(tmp, calib_path, obs_path, "12", 2.0, 1.5);
        test_fill_end_to_end(tmp, calib_path, obs_path, "none", 3.0, 2.0);
        test_outliers(tmp, calib_path, o);
        test_threads(tmp, calib_path);
    }
    kc_obs_free(o);
    kc_calib_free(cal);
    return kc_test_summary("test_triangulate_synth");
}
