/* Acceptance of markerless keypoints on the real Pose2Sim demo (../shared/data/real/
 * pose2sim_demo, see its SOURCE.md): given what kc-calib import, kc-convert and
 * kc-triangulate made of a trial (tests/tools/keypoints_cli.sh runs them),
 *   1. association: the person kc-convert kept in each camera-frame is the one of Pose2Sim's
 *      pose-associated output (same keypoints to 1e-3 px) in >= 99% of camera-frames;
 *   2. reprojection: kinechain's 3D keypoints reproject onto the detections (the associated
 *      person's keypoints with confidence >= 0.3) at least as closely as Pose2Sim's own
 *      triangulation (the unfiltered pose-3d TRC) — medians over the detections where
 *      both reconstructions have the point; both medians and the median 3D distance between
 *      the reconstructions are printed.
 *   3. with RAW_POSE_DIR: the association again (library call) on the raw detections with
 *      every camera-frame's people in reversed order — on this trial OpenPose happens to list
 *      the right person first, so this shows the choice comes from the geometry, not the
 *      order: >= 99% agreement again.
 * Usage: test_keypoints_real CALIB.calib.h5 OBS.obs.h5 TRAJ.traj.h5 ASSOCIATED_DIR TRC
 *        [RAW_POSE_DIR]
 * Exit 77 (SKIPPED) when the real data are absent (KC_REAL_DATA unset or missing).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kinechain/associate.h"
#include "kinechain/calibfile.h"
#include "kinechain/keypoints.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"
#include "kinechain/trc.h"
#include "testutil.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int find_label(char *const *labels, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(labels[i], name) == 0)
            return (int)i;
    return -1;
}

/* Pose2Sim's TRC names for BODY_25B's UpperNeck and HeadTop (SOURCE.md). */
static const char *trc_name(const char *kp)
{
    if (strcmp(kp, "UpperNeck") == 0)
        return "Neck";
    if (strcmp(kp, "HeadTop") == 0)
        return "Head";
    return kp;
}

int main(int argc, char **argv)
{
    kc_log_init("test_keypoints_real", KC_LOG_WARNING);
    const char *real = getenv("KC_REAL_DATA");
    struct stat sb;
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: test_keypoints_real CALIB OBS TRAJ ASSOCIATED_DIR TRC\n");
        return (real && stat(real, &sb) == 0) ? 1 : 77;
    }
    if (stat(argv[4], &sb) != 0) {
        printf("SKIPPED: %s absent\n", argv[4]);
        return 77;
    }
    kc_calib *cal = NULL;
    kc_obs *obs = NULL;
    kc_traj *traj = NULL, *ref = NULL;
    kc_kp_set *as = NULL;
    kc_axes axes;
    /* Pose2Sim writes (X,Y,Z)_trc = (Y,Z,X)_world (SOURCE.md): file x = lab y, ... */
    int st = kc_calib_read(argv[1], &cal);
    CHECK("read calibration", st == KC_OK);
    CHECK("read observations", (st = st ? st : kc_obs_read(argv[2], &obs)) == KC_OK);
    CHECK("read trajectories", (st = st ? st : kc_traj_read(argv[3], &traj)) == KC_OK);
    CHECK("read associated", (st = st ? st : kc_kp_read_openpose(argv[4], KC_KP_BODY25B, &as)) == KC_OK);
    CHECK("axes", (st = st ? st : kc_axes_parse("y,z,x", &axes)) == KC_OK);
    CHECK("read Pose2Sim TRC", (st = st ? st : kc_trc_read(argv[5], &axes, &ref)) == KC_OK);
    if (st)
        return kc_test_summary("test_keypoints_real");
    size_t C = obs->n_cameras, F = obs->n_frames, M = obs->n_markers;
    CHECK("camera count", as->n_cameras == C);
    CHECK("frame count", as->n_frames == F && traj->n_frames == F && ref->n_frames == F);
    CHECK("keypoint count", as->n_keypoints == M);
    if (as->n_cameras != C || as->n_frames != F || traj->n_frames != F ||
        ref->n_frames != F || as->n_keypoints != M)
        return kc_test_summary("test_keypoints_real");
    const double thr = 0.3;   /* the and Pose2Sim's confidence threshold */

    /* 1. association */
    size_t agree = 0, total = 0;
    for (size_t c = 0; c < C; c++)
        for (size_t f = 0; f < F; f++) {
            const kc_kp_frame *fr = &as->cameras[c].frames[f];
            const double *pts = obs->points + (c * F + f) * M * 2;
            bool same = true;
            for (size_t m = 0; m < M && same; m++) {
                bool ours = isfinite(pts[2 * m]);
                if (fr->n_people == 0) {
                    same = !ours;
                    continue;
                }
                const double *kp = fr->kp + 3 * m;   /* first (only) person */
                bool theirs = kp[2] > 0 && kp[2] >= thr;
                same = ours == theirs &&
                       (!ours || (fabs(pts[2 * m] - kp[0]) < 1e-3 &&
                                  fabs(pts[2 * m + 1] - kp[1]) < 1e-3));
            }
            agree += same;
            total++;
        }
    double frac = (double)agree / (double)total;
    printf("association: %zu of %zu camera-frames agree with pose-associated (%.2f%%)\n",
           agree, total, 100 * frac);
    CHECK("association agrees with Pose2Sim in >= 99% of camera-frames", frac >= 0.99);

    /* 2. reprojection */
    kc_camera *cams = malloc(C * sizeof *cams);
    double *e_ours = malloc(C * F * M * sizeof *e_ours);
    double *e_ref = malloc(C * F * M * sizeof *e_ref);
    double *e_ours_all = malloc(C * F * M * sizeof *e_ours_all);
    double *e_ref_all = malloc(C * F * M * sizeof *e_ref_all);
    double *dist = malloc(F * M * sizeof *dist);
    if (!cams || !e_ours || !e_ref || !e_ours_all || !e_ref_all || !dist)
        return 3;
    for (size_t c = 0; c < C; c++) {
        int k = kc_calib_find(cal, obs->camera_names[c]);
        CHECK("camera of the observations in the calibration", k >= 0);
        if (k < 0)
            return kc_test_summary("test_keypoints_real");
        cams[c] = cal->cameras[k].cam;
    }
    size_t n = 0, n_ours = 0, n_ref = 0, n_det = 0, n_dist = 0;
    for (size_t m = 0; m < M; m++) {
        int mo = find_label(traj->labels, traj->n_markers, obs->labels[m]);
        int mr = find_label(ref->labels, ref->n_markers, trc_name(obs->labels[m]));
        if (mo < 0 || mr < 0)
            continue;   /* eyes and ears: Pose2Sim does not triangulate them */
        for (size_t f = 0; f < F; f++) {
            const double *xo = traj->position + (f * traj->n_markers + (size_t)mo) * 3;
            const double *xr = ref->position + (f * ref->n_markers + (size_t)mr) * 3;
            bool fo = isfinite(xo[0]), fr_ = isfinite(xr[0]);
            if (fo && fr_)
                dist[n_dist++] = hypot(hypot(xo[0] - xr[0], xo[1] - xr[1]), xo[2] - xr[2]);
            for (size_t c = 0; c < C; c++) {
                const kc_kp_frame *fr = &as->cameras[c].frames[f];
                if (fr->n_people == 0)
                    continue;
                const double *kp = fr->kp + 3 * m;
                if (!(kp[2] > 0 && kp[2] >= thr))
                    continue;
                n_det++;
                double uo[2], ur[2], eo = NAN, er = NAN;
                if (fo && kc_camera_project(&cams[c], kc_v3(xo[0], xo[1], xo[2]), uo))
                    eo = hypot(uo[0] - kp[0], uo[1] - kp[1]);
                if (fr_ && kc_camera_project(&cams[c], kc_v3(xr[0], xr[1], xr[2]), ur))
                    er = hypot(ur[0] - kp[0], ur[1] - kp[1]);
                if (isfinite(eo))
                    e_ours_all[n_ours++] = eo;
                if (isfinite(er))
                    e_ref_all[n_ref++] = er;
                if (isfinite(eo) && isfinite(er)) {
                    e_ours[n] = eo;
                    e_ref[n] = er;
                    n++;
                }
            }
        }
    }
    double mo = median(e_ours, n), mr = median(e_ref, n);
    printf("reprojection onto %zu detections (confidence >= %.1f) of triangulated keypoints:\n"
           "  both reconstructions present (%zu): kinechain median %.2f px, Pose2Sim %.2f px\n"
           "  each on its own points: kinechain %.2f px (%zu), Pose2Sim %.2f px (%zu)\n",
           n_det, thr, n, mo, mr, median(e_ours_all, n_ours), n_ours,
           median(e_ref_all, n_ref), n_ref);
    printf("  median distance kinechain - Pose2Sim: %.1f mm over %zu keypoint-frames\n",
           median(dist, n_dist), n_dist);
    CHECK("enough detections compared (>= half of those with confidence >= 0.3)",
          n >= n_det / 2 && n > 1000);
    CHECK("kinechain reprojects at least as closely as Pose2Sim (median)", mo <= mr);
    /* kinechain must also cover most of what Pose2Sim covers, not win by dropping points */
    CHECK("kinechain reconstructs >= 90% of the detections Pose2Sim does",
          (double)n_ours >= 0.9 * (double)n_ref);

    if (argc == 7) {
        kc_kp_set *raw = NULL;
        CHECK("read raw pose", kc_kp_read_openpose(argv[6], KC_KP_BODY25B, &raw) == KC_OK);
        int *choice = raw ? malloc(C * F * sizeof *choice) : NULL;
        if (raw && choice && raw->n_cameras == C && raw->n_frames == F) {
            size_t K = raw->n_keypoints, swapped = 0;
            for (size_t c = 0; c < C; c++)
                for (size_t f = 0; f < F; f++) {
                    kc_kp_frame *fr = &raw->cameras[c].frames[f];
                    for (size_t a = 0, b = fr->n_people ? fr->n_people - 1 : 0; a < b; a++, b--) {
                        for (size_t i = 0; i < 3 * K; i++) {
                            double t = fr->kp[a * 3 * K + i];
                            fr->kp[a * 3 * K + i] = fr->kp[b * 3 * K + i];
                            fr->kp[b * 3 * K + i] = t;
                        }
                        swapped++;
                    }
                }
            kc_assoc_params ap = kc_assoc_default_params();
            CHECK("associate reversed", kc_assoc_choose(raw, cams, &ap, choice, NULL) == KC_OK);
            size_t ok = 0;
            for (size_t c = 0; c < C; c++)
                for (size_t f = 0; f < F; f++) {
                    const kc_kp_frame *fa = &as->cameras[c].frames[f];
                    const kc_kp_frame *fr = &raw->cameras[c].frames[f];
                    int p = choice[c * F + f];
                    bool same;
                    if (fa->n_people == 0 || p < 0) {
                        same = (fa->n_people == 0 || fa->kp[2] == 0) == (p < 0);
                        /* {} in pose-associated: an all-zero person */
                        if (fa->n_people && p < 0) {
                            same = true;
                            for (size_t k = 0; k < K; k++)
                                same &= fa->kp[3 * k + 2] == 0;
                        }
                    } else {
                        same = true;
                        for (size_t i = 0; i < 3 * K; i++)
                            same &= fabs(fa->kp[i] - fr->kp[(size_t)p * 3 * K + i]) < 1e-3;
                    }
                    ok += same;
                }
            printf("association with people in reversed order (%zu swaps): %zu of %zu "
                   "camera-frames agree (%.2f%%)\n", swapped, ok, C * F,
                   100.0 * (double)ok / (double)(C * F));
            CHECK("reversed order: association agrees in >= 99% of camera-frames",
                  (double)ok >= 0.99 * (double)(C * F));
        } else {
            CHECK("raw pose matches the observations' cameras and frames", false);
        }
        free(choice);
        kc_kp_set_free(raw);
    }
    free(cams);
    free(e_ours);
    free(e_ref);
    free(e_ours_all);
    free(e_ref_all);
    free(dist);
    kc_kp_set_free(as);
    kc_traj_free(ref);
    kc_traj_free(traj);
    kc_obs_free(obs);
    kc_calib_free(cal);
    return kc_test_summary("test_keypoints_real");
}
