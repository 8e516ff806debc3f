/* Correspondence of unlabelled blobs (correspond.h) against ground truth.
 *
 * (a) kc-synth drop jump, anatomical mode, default rig (8 cameras) and noise, occlusions
 *     and dropouts on, 5% spurious blobs (--spurious 0.05, plus the fixed reflections).
 *     A blob's true identity is known exactly: kc-synth's centroid of marker m in camera c
 *     is bit-identical to /points[c,f,m]; any other blob is spurious. Checked:
 *       - ghosts (a point whose blobs are not all one marker) among points of >= 3
 *         cameras < 0.1% of them;
 *       - marker-frames seen by >= 3 cameras found as a correct point (all their blobs, or
 *         a subset of >= 3 after robust exclusion): >= 99.5%;
 *       - 3D RMSE of the correct points against /truth within 10% of the labelled-mode
 *         RMSE (kc_tri_all on /points) over the same marker-frames;
 *       - two-camera points (returned for the tracker) reported, not asserted;
 *       - the same bytes with 1 and 2 threads.
 * (b) a synthetic ring of 16 distorted cameras (tri_testlib.h), 40 markers spread through
 *     a 2 x 2 x 1.8 m volume, each seen by every camera (no occlusion), 10 spurious
 *     blobs per camera and frame, 0.3 px noise, 50 frames: every marker found correctly
 *     (>= 99.5% of marker-frames) with <= 0.1% ghosts; and the same points, blob for blob,
 *     as the exhaustive search (one angle bin: every blob of the other camera checked).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <omp.h>

#include "kinechain/calibfile.h"
#include "kinechain/correspond.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/triangulate.h"
#include "testutil.h"
#include "tri_testlib.h"

/* a point within this of a true marker is that marker (3D noise here is ~1 mm RMS) */
#define MATCH_MM 10.0

static void quiet_sink(enum kc_log_level lvl, const char *func, const char *msg, void *ud)
{
    (void)ud;
    if (lvl <= KC_LOG_WARNING)
        fprintf(stderr, "[%s] %s\n", func, msg);
}

/* The true marker of each blob (global row of cen[c]): m, or -1 for a spurious blob. */
static int32_t **blob_identity(const kc_obs *o)
{
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    int32_t **id = calloc(C, sizeof *id);
    for (size_t c = 0; c < C && id; c++) {
        const kc_centroids *cn = &o->centroids[c];
        id[c] = malloc((cn->n ? cn->n : 1) * sizeof **id);
        if (!id[c])
            return NULL;
        for (size_t f = 0; f < F; f++)
            for (int64_t r = cn->offsets[f]; r < cn->offsets[f + 1]; r++) {
                id[c][r] = -1;
                for (size_t m = 0; m < M; m++) {
                    const double *uv = o->points + ((c * F + f) * M + m) * 2;
                    if (uv[0] == cn->xy[2 * r] && uv[1] == cn->xy[2 * r + 1]) {
                        id[c][r] = (int32_t)m;
                        break;
                    }
                }
            }
    }
    return id;
}

static void test_synth(const kc_calib *cal, const kc_obs *o)
{
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    kc_camera *cams = malloc(C * sizeof *cams);
    int32_t **id = blob_identity(o);
    double *pos = malloc(F * M * 3 * sizeof *pos), *res = malloc(F * M * sizeof *res);
    uint8_t *ns = malloc(F * M), *cu = malloc(F * M * C);
    int32_t *found = malloc(F * M * sizeof *found);   /* point index of marker-frame */
    kc_corr_point *pts = NULL, *pts2 = NULL;
    int32_t *blob = NULL, *blob2 = NULL;
    int64_t *off = NULL, *off2 = NULL;
    if (!CHECK("allocations", cams && id && pos && res && ns && cu && found))
        goto done;
    for (size_t i = 0; i < C; i++) {
        int k = kc_calib_find(cal, o->camera_names[i]);
        if (!CHECK("camera in calibration", k >= 0))
            goto done;
        cams[i] = cal->cameras[k].cam;
    }
    kc_tri_params tp = kc_tri_default_params();
    kc_corr_params p = kc_corr_default_params();
    if (!CHECK("kc_tri_all", kc_tri_all(&tp, cams, C, F, M, o->points, NULL, pos, res, ns,
                                        cu) == KC_OK))
        goto done;
    omp_set_num_threads(2);
    double t0 = omp_get_wtime();
    if (!CHECK("kc_corr_all", kc_corr_all(&p, cams, C, F, o->centroids, &pts, &blob, &off) ==
                              KC_OK))
        goto done;
    double t2 = omp_get_wtime() - t0;
    omp_set_num_threads(1);
    t0 = omp_get_wtime();
    if (!CHECK("kc_corr_all 1 thread",
               kc_corr_all(&p, cams, C, F, o->centroids, &pts2, &blob2, &off2) == KC_OK))
        goto done;
    double t1 = omp_get_wtime() - t0;
    int same = off[F] == off2[F] && memcmp(off, off2, (F + 1) * sizeof *off) == 0 &&
               memcmp(blob, blob2, (size_t)off[F] * C * sizeof *blob) == 0;
    for (int64_t k = 0; same && k < off[F]; k++)   /* field by field: the struct has padding */
        same = memcmp(pts[k].X, pts2[k].X, sizeof pts[k].X) == 0 &&
               pts[k].residual_px == pts2[k].residual_px && pts[k].n_cameras == pts2[k].n_cameras;
    CHECK("1 and 2 threads: same points", same);
    size_t nblobs = 0;
    for (size_t c = 0; c < C; c++)
        nblobs += o->centroids[c].n;

    /* A point is correct for marker m when it lies within MATCH_MM of m's true position
     * (the nearest marker); else it is a ghost. (Blob identities are also counted: where two
     * markers project within a pixel of each other in one camera, a point may take the
     * other's blob there and still be the right 3D point.) */
    for (size_t i = 0; i < F * M; i++)
        found[i] = -1;
    long n3 = 0, ghost3 = 0, n2 = 0, ghost2 = 0, mixed = 0;
    for (size_t f = 0; f < F; f++)
        for (int64_t k = off[f]; k < off[f + 1]; k++) {
            int m = -2, ok = 1;
            for (size_t c = 0; c < C; c++) {
                int32_t b = blob[k * (int64_t)C + (int64_t)c];
                if (b < 0)
                    continue;
                int mm = id[c][b];
                if (mm < 0 || (m != -2 && mm != m))
                    ok = 0;
                m = mm;
            }
            mixed += !ok;
            int best = -1;
            double bd = MATCH_MM * MATCH_MM;
            for (size_t mm = 0; mm < M; mm++) {
                const double *T = o->truth->markers + 3 * (f * M + mm);
                double d = 0;
                for (int q = 0; q < 3; q++)
                    d += (pts[k].X[q] - T[q]) * (pts[k].X[q] - T[q]);
                if (d < bd) {
                    bd = d;
                    best = (int)mm;
                }
            }
            int good = best >= 0 && found[f * M + (size_t)best] < 0;
            if (pts[k].n_cameras >= 3) {
                n3++;
                ghost3 += !good;
            } else {
                n2++;
                ghost2 += !good;
            }
            if (good)
                found[f * M + (size_t)best] = (int32_t)k;
        }
    /* recall over marker-frames seen by >= 3 cameras; errors against truth */
    long seen3 = 0, got3 = 0, seen2 = 0, got2 = 0, ncmp = 0;
    double se_u = 0, se_l = 0;
    for (size_t f = 0; f < F; f++)
        for (size_t m = 0; m < M; m++) {
            int s = 0;
            for (size_t c = 0; c < C; c++)
                s += isfinite(o->points[((c * F + f) * M + m) * 2]);
            int32_t k = found[f * M + m];
            if (s >= 3) {
                seen3++;
                got3 += k >= 0 && pts[k].n_cameras >= 3;
            } else if (s == 2) {
                seen2++;
                got2 += k >= 0;
            }
            const double *T = o->truth->markers + 3 * (f * M + m);
            const double *L = pos + 3 * (f * M + m);
            if (k >= 0 && pts[k].n_cameras >= 3 && isfinite(L[0])) {
                for (int d = 0; d < 3; d++) {
                    se_u += (pts[k].X[d] - T[d]) * (pts[k].X[d] - T[d]);
                    se_l += (L[d] - T[d]) * (L[d] - T[d]);
                }
                ncmp++;
            }
        }
    double rmse_u = sqrt(se_u / (double)(ncmp ? ncmp : 1));
    double rmse_l = sqrt(se_l / (double)(ncmp ? ncmp : 1));
    printf("synth dvj: %zu frames, %zu markers, %zu cameras, %zu blobs (%.1f per camera-frame)\n",
           F, M, C, nblobs, (double)nblobs / (double)(C * F));
    printf("  points >= 3 cameras: %ld, ghosts %ld (%.4f%%); two-camera points: %ld, of them "
           "ghosts %ld; points with a blob of another marker or a spurious one: %ld\n", n3,
           ghost3, 100.0 * ghost3 / (double)(n3 ? n3 : 1), n2, ghost2, mixed);
    printf("  marker-frames seen by >= 3 cameras: %ld, found correctly %ld (%.3f%%); seen by 2: "
           "%ld, found %ld\n", seen3, got3, 100.0 * got3 / (double)(seen3 ? seen3 : 1), seen2,
           got2);
    printf("  3D RMSE vs truth over %ld marker-frames: unlabelled %.3f mm, labelled %.3f mm\n",
           ncmp, rmse_u, rmse_l);
    printf("  time: %.3f s at 1 thread (%.0f frames/s), %.3f s at 2 threads\n", t1,
           (double)F / t1, t2);
    CHECK("ghosts among >= 3-camera points < 0.1%", ghost3 * 1000 < n3);
    CHECK("marker-frames seen by >= 3 cameras found >= 99.5%", got3 * 1000 >= seen3 * 995);
    CHECK_NEAR("3D RMSE within 10% of labelled mode", rmse_u / rmse_l, 1.0, 0.10);
done:
    if (id)
        for (size_t c = 0; c < C; c++)
            free(id[c]);
    free(id);
    free(cams);
    free(pos);
    free(res);
    free(ns);
    free(cu);
    free(found);
    free(pts);
    free(blob);
    free(off);
    free(pts2);
    free(blob2);
    free(off2);
}

/* (b) 16 cameras, 40 markers, 10 spurious blobs per camera-frame. */
static void test_ring16(void)
{
    enum { C = 16, M = 40, F = 50, SP = 10 };
    kc_camera cams[C];
    for (int c = 0; c < C; c++)
        cams[c] = tt_ring_camera(c, C);
    tt_rng rng = {0x9e3779b97f4a7c15ULL};
    kc_corr_params p = kc_corr_default_params();
    kc_corr_ws *ws = kc_corr_ws_alloc(C);
    double *xy[C];
    int *idv[C];
    size_t n[C];
    for (int c = 0; c < C; c++) {
        xy[c] = malloc((M + SP) * 2 * sizeof(double));
        idv[c] = malloc((M + SP) * sizeof(int));
    }
    kc_corr_point out[2 * (M + SP)], out1[2 * (M + SP)];
    int32_t blob[2 * (M + SP) * C], blob1[2 * (M + SP) * C];
    int same_as_brute = 0, frames = 0;
    long pts = 0, ghosts = 0, found = 0, need = 0, pts2 = 0, ghosts2 = 0;
    double se = 0;
    for (int f = 0; f < F && ws; f++) {
        kc_vec3 X[M];
        for (int m = 0; m < M; m++)
            X[m] = kc_v3(-1000 + 2000 * tt_uniform(&rng), -1000 + 2000 * tt_uniform(&rng),
                         50 + 1750 * tt_uniform(&rng));
        for (int c = 0; c < C; c++) {
            n[c] = 0;
            for (int m = 0; m < M; m++) {
                double uv[2];
                if (!kc_camera_project(&cams[c], X[m], uv))
                    continue;
                uv[0] += 0.3 * tt_gauss(&rng);
                uv[1] += 0.3 * tt_gauss(&rng);
                if (!kc_camera_in_image(&cams[c], uv, 0))
                    continue;
                xy[c][2 * n[c]] = uv[0];
                xy[c][2 * n[c] + 1] = uv[1];
                idv[c][n[c]++] = m;
            }
            for (int s = 0; s < SP; s++) {
                xy[c][2 * n[c]] = tt_uniform(&rng) * (cams[c].width - 1);
                xy[c][2 * n[c] + 1] = tt_uniform(&rng) * (cams[c].height - 1);
                idv[c][n[c]++] = -1;
            }
        }
        size_t no = 0;
        const double *cxy[C];
        for (int c = 0; c < C; c++)
            cxy[c] = xy[c];
        if (!CHECK("kc_corr_frame", kc_corr_frame(&p, ws, cams, C, cxy, n, out, blob,
                                                  2 * (M + SP), &no, NULL) == KC_OK))
            break;
        /* the angle bins only skip work: with one bin (every blob checked) the points
         * must be the same */
        {
            kc_corr_params p1 = p;
            p1.angle_bins = 1;
            size_t n1 = 0;
            if (kc_corr_frame(&p1, ws, cams, C, cxy, n, out1, blob1, 2 * (M + SP), &n1, NULL) ==
                KC_OK) {
                int same = n1 == no && memcmp(blob1, blob, no * C * sizeof *blob) == 0;
                same_as_brute += same;
            }
            frames++;
        }
        int got[M] = {0};
        for (size_t k = 0; k < no; k++) {
            /* correct: within MATCH_MM of a marker not already found (as in (a)) */
            int m = -1;
            double bd = MATCH_MM * MATCH_MM;
            for (int q = 0; q < M; q++) {
                kc_vec3 d = kc_v3_sub(kc_v3(out[k].X[0], out[k].X[1], out[k].X[2]), X[q]);
                if (kc_v3_dot(d, d) < bd) {
                    bd = kc_v3_dot(d, d);
                    m = q;
                }
            }
            int ok = m >= 0 && !got[m];
            if (out[k].n_cameras >= 3) {
                pts++;
                ghosts += !ok;
            } else {
                pts2++;
                ghosts2 += !ok;
            }
            if (ok) {
                got[m] = 1;
                found++;
                se += bd;
            }
        }
        need += M;
    }
    printf("ring16: %ld marker-frames, found %ld; points of >= 3 cameras %ld, ghosts %ld; "
           "two-camera points %ld, ghosts %ld; RMSE %.3f mm\n", need, found, pts, ghosts, pts2,
           ghosts2, sqrt(se / (double)(found ? found : 1)));
    CHECK("ring16: markers found >= 99.5%", found * 1000 >= need * 995);
    printf("ring16: epipolar angle bins vs every blob checked: same points in %d of %d frames\n",
           same_as_brute, frames);
    CHECK("ring16: angle bins give the points of the exhaustive search", same_as_brute == frames);
    CHECK("ring16: ghosts <= 0.1% of points of >= 3 cameras", ghosts * 1000 <= pts);
    CHECK("ring16: RMSE < 0.5 mm (16 views at 0.3 px)", sqrt(se / (double)(found ? found : 1)) < 0.5);
    for (int c = 0; c < C; c++) {
        free(xy[c]);
        free(idv[c]);
    }
    kc_corr_ws_free(ws);
}

static void test_params(void)
{
    kc_corr_params p = kc_corr_default_params();
    CHECK("default params valid", kc_corr_check_params(&p) == KC_OK);
    p.min_cameras = 1;
    CHECK("min_cameras 1 rejected", kc_corr_check_params(&p) == KC_EINVAL);
    p = kc_corr_default_params();
    p.cell_px = p.reproj_px / 2;
    CHECK("cell smaller than reproj_px rejected", kc_corr_check_params(&p) == KC_EINVAL);
    p = kc_corr_default_params();
    p.epipolar_px = NAN;
    CHECK("NaN epipolar_px rejected", kc_corr_check_params(&p) == KC_EINVAL);
    CHECK("one-camera workspace refused", kc_corr_ws_alloc(1) == NULL);
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(quiet_sink, NULL);
    test_params();
    test_ring16();
    const char *tmp = kc_test_tmpdir("test_unlabelled_corr");
    char cmd[1200], calib_path[600], obs_path[600];
    const char *synth = getenv("KC_SYNTH") ? getenv("KC_SYNTH") : KC_SYNTH_EXE;
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/s' --subjects 1 --trials 1 --sls 0 --seed 5 --spurious 0.05 "
             "--mode anatomical --quiet --no-provenance", synth, tmp);
    if (!CHECK("kc-synth session", system(cmd) == 0))
        return kc_test_summary("test_unlabelled_corr");
    snprintf(calib_path, sizeof calib_path, "%s/s/calib/truth.calib.h5", tmp);
    snprintf(obs_path, sizeof obs_path, "%s/s/s01/dvj_1.obs.h5", tmp);
    kc_calib *cal = NULL;
    kc_obs *o = NULL;
    if (CHECK("read calibration", kc_calib_read(calib_path, &cal) == KC_OK) &&
        CHECK("read observations", kc_obs_read(obs_path, &o) == KC_OK) &&
        CHECK("centroids and truth present", o->centroids && o->truth && o->truth->markers))
        test_synth(cal, o);
    kc_obs_free(o);
    kc_calib_free(cal);
    return kc_test_summary("test_unlabelled_corr");
}
