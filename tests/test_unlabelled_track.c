/* Tracking of anonymous 3D points (track3d.h) against ground truth.
 *
 * (a) A built case: a heel-like marker falling at 3 m/s that stops in 5 ms at landing
 *     (600 m/s², 60 g: a 15 mm/frame velocity change within one frame at 200 Hz), a second
 *     marker 40 mm beside it on the same path, 200 Hz, 1 mm noise; the first is unseen for
 *     5 frames while falling. Both must keep one track each from start to end, never
 *     exchanging points. (An occlusion across the impact itself is not bridged: the
 *     coasting prediction is then ~75 mm off; the track breaks, and labelling joins the
 *     pieces by rigidity — test_unlabelled_label.)
 * (b) kc-synth drop jump (anatomical, default rig and noise, occlusions, 5% spurious):
 *     correspondence (correspond.h) then tracking. Each point's true marker is the nearest
 *     within 10 mm (else: ghost); a track's marker is the most frequent among its points.
 *     Checked: points in a track that are another marker's (a swap inside a track) or
 *     ghosts: < 0.1% of tracked points; marker-frames seen by >= 3 cameras covered by a
 *     track of that marker >= 99.5%. Tracks per marker (fragmentation) reported.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "kinechain/calibfile.h"
#include "kinechain/correspond.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/track3d.h"
#include "testutil.h"
#include "tri_testlib.h"

#define MATCH_MM 10.0

static void quiet_sink(enum kc_log_level lvl, const char *func, const char *msg, void *ud)
{
    (void)ud;
    if (lvl <= KC_LOG_WARNING)
        fprintf(stderr, "[%s] %s\n", func, msg);
}

static void test_impact(void)
{
    enum { F = 80 };
    const double rate = 200, dt = 1.0 / rate;
    kc_corr_point pts[2 * F];
    int64_t off[F + 1];
    int who[2 * F];
    tt_rng rng = {12345};
    double z = 300, v = -3000;   /* mm, mm/s */
    size_t k = 0;
    for (int f = 0; f < F; f++) {
        off[f] = (int64_t)k;
        /* impact at frame 40: at rest within the frame */
        if (f >= 40)
            v = 0;
        z += v * dt;
        for (int m = 0; m < 2; m++) {
            if (m == 0 && f >= 20 && f < 25)
                continue;   /* occluded for 5 frames while falling */
            pts[k].X[0] = 100 + 40 * m + tt_gauss(&rng);
            pts[k].X[1] = 20 + tt_gauss(&rng);
            pts[k].X[2] = z + tt_gauss(&rng);
            pts[k].residual_px = 0.3;
            pts[k].n_cameras = 4;
            who[k] = m;
            k++;
        }
    }
    off[F] = (int64_t)k;
    int32_t tr[2 * F];
    size_t nt = 0;
    kc_track_params p = kc_track_default_params(rate);
    if (!CHECK("kc_track_all", kc_track_all(&p, F, off, pts, tr, &nt) == KC_OK))
        return;
    int ok = 1;
    for (size_t i = 0; i < k; i++)
        ok &= tr[i] == who[i];
    printf("impact: %zu tracks\n", nt);
    CHECK("impact, 5-frame occlusion: two tracks, each marker's points all in its own", ok && nt == 2);
    /* a bad parameter */
    p.gate_mm = 0;
    CHECK("gate_mm 0 rejected", kc_track_all(&p, F, off, pts, tr, &nt) == KC_EINVAL);
}

static void test_synth(const kc_calib *cal, const kc_obs *o)
{
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    kc_camera *cams = malloc(C * sizeof *cams);
    kc_corr_point *pts = NULL;
    int32_t *blob = NULL, *tr = NULL, *truem = NULL;
    int64_t *off = NULL;
    long *count = NULL;
    int *major = NULL;
    uint8_t *covered = calloc(F * M, 1);
    if (!CHECK("allocations", cams && covered))
        goto done;
    for (size_t i = 0; i < C; i++) {
        int k = kc_calib_find(cal, o->camera_names[i]);
        if (!CHECK("camera in calibration", k >= 0))
            goto done;
        cams[i] = cal->cameras[k].cam;
    }
    kc_corr_params cp = kc_corr_default_params();
    if (!CHECK("kc_corr_all", kc_corr_all(&cp, cams, C, F, o->centroids, &pts, &blob, &off) == KC_OK))
        goto done;
    size_t N = (size_t)off[F], nt = 0;
    tr = malloc((N ? N : 1) * sizeof *tr);
    truem = malloc((N ? N : 1) * sizeof *truem);
    kc_track_params tp = kc_track_default_params(o->rate_hz);
    if (!CHECK("allocations", tr && truem) ||
        !CHECK("kc_track_all", kc_track_all(&tp, F, off, pts, tr, &nt) == KC_OK))
        goto done;
    for (size_t f = 0; f < F; f++)
        for (int64_t k = off[f]; k < off[f + 1]; k++) {
            truem[k] = -1;
            double bd = MATCH_MM * MATCH_MM;
            for (size_t m = 0; m < M; m++) {
                const double *T = o->truth->markers + 3 * (f * M + m);
                double d = 0;
                for (int q = 0; q < 3; q++)
                    d += (pts[k].X[q] - T[q]) * (pts[k].X[q] - T[q]);
                if (d < bd) {
                    bd = d;
                    truem[k] = (int32_t)m;
                }
            }
        }
    count = calloc((nt ? nt : 1) * (M + 1), sizeof *count);
    major = malloc((nt ? nt : 1) * sizeof *major);
    if (!CHECK("allocations", count && major))
        goto done;
    for (size_t k = 0; k < N; k++)
        if (tr[k] >= 0)
            count[(size_t)tr[k] * (M + 1) + (size_t)(truem[k] + 1)]++;
    long tracked = 0, wrong = 0, ghosts_in = 0, short_tracks = 0;
    long *frag = calloc(M, sizeof *frag);
    for (size_t t = 0; t < nt; t++) {
        long best = -1, tot = 0;
        major[t] = -1;
        for (size_t m = 0; m <= M; m++) {
            tot += count[t * (M + 1) + m];
            if (m > 0 && count[t * (M + 1) + m] > best) {
                best = count[t * (M + 1) + m];
                major[t] = (int)m - 1;
            }
        }
        if (best <= 0)
            major[t] = -1;
        tracked += tot;
        ghosts_in += count[t * (M + 1)];
        wrong += tot - count[t * (M + 1)] - (best > 0 ? best : 0);
        short_tracks += tot < 5;
        if (major[t] >= 0 && frag)
            frag[major[t]]++;
    }
    for (size_t k = 0; k < N; k++) {
        size_t f = 0;
        while ((int64_t)k >= off[f + 1])
            f++;
        if (tr[k] >= 0 && truem[k] >= 0 && major[tr[k]] == truem[k])
            covered[f * M + (size_t)truem[k]] = 1;
    }
    long seen3 = 0, cov3 = 0;
    for (size_t f = 0; f < F; f++)
        for (size_t m = 0; m < M; m++) {
            int s = 0;
            for (size_t c = 0; c < C; c++)
                s += isfinite(o->points[((c * F + f) * M + m) * 2]);
            if (s >= 3) {
                seen3++;
                cov3 += covered[f * M + m];
            }
        }
    long maxfrag = 0;
    for (size_t m = 0; m < M && frag; m++)
        maxfrag = frag[m] > maxfrag ? frag[m] : maxfrag;
    printf("synth dvj: %zu points, %zu tracks (%ld with < 5 points), most tracks for one marker "
           "%ld\n", N, nt, short_tracks, maxfrag);
    printf("  tracked points %ld: another marker's %ld, ghosts %ld; marker-frames seen by >= 3 "
           "cameras %ld, covered by their marker's track %ld (%.3f%%)\n", tracked, wrong,
           ghosts_in, seen3, cov3, 100.0 * cov3 / (double)(seen3 ? seen3 : 1));
    CHECK("swapped points inside tracks < 0.1%", wrong * 1000 < tracked);
    CHECK("ghost points in tracks < 0.1%", ghosts_in * 1000 < tracked);
    CHECK("marker-frames covered by their track >= 99.5%", cov3 * 1000 >= seen3 * 995);
    free(frag);
done:
    free(cams);
    free(pts);
    free(blob);
    free(off);
    free(tr);
    free(truem);
    free(count);
    free(major);
    free(covered);
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(quiet_sink, NULL);
    test_impact();
    const char *tmp = kc_test_tmpdir("test_unlabelled_track");
    char cmd[1200], calib_path[600], obs_path[600];
    const char *synth = getenv("KC_SYNTH") ? getenv("KC_SYNTH") : KC_SYNTH_EXE;
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/s' --subjects 1 --trials 1 --sls 0 --seed 6 --spurious 0.05 "
             "--mode anatomical --quiet --no-provenance", synth, tmp);
    if (!CHECK("kc-synth session", system(cmd) == 0))
        return kc_test_summary("test_unlabelled_track");
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
    return kc_test_summary("test_unlabelled_track");
}
