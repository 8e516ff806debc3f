/* kc-calib wand against kc-synth's truth (issue 6, acceptance): a synthetic session with 8
 * cameras, 0.3 px noise, 2,001 wand frames and 8% spurious blobs is calibrated and the
 * recovered rig compared with calib/truth.calib.h5 after a rigid alignment of the camera
 * centres (the wand fixes the scale; the L-frame's world frame is reported and bounded too):
 * focal length, principal point, camera centres, orientations, a grid over each image
 * projected through the recovered vs the true model, reprojection RMS, wand length error,
 * and held-out markers of a drop jump triangulated with the recovered vs the true
 * calibration (in the L-frame's world, and with the rig aligned to the truth). All at the
 * issue's bounds since kc-synth's wand capture sweeps the volume and the L-frame markers are
 * averaged over the whole L-frame capture. Also: the same bytes with 1 and 2 threads, a
 * focal guess 30% off, and a camera that sees the wand in only 5% of the frames (the others
 * no worse than without that camera, within 1.25x + 0.5 mm). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/trajfile.h"
#include "testutil.h"

static int run(const char *cmd)
{
    int r = system(cmd);
    if (r != 0)
        fprintf(stderr, "command failed (%d): %s\n", r, cmd);
    return r;
}

static double held_out_rmse(const char *traj_path)
{
    kc_traj *t = NULL;
    if (kc_traj_read(traj_path, &t) || !t->truth || !t->truth->markers ||
        t->truth->n_markers != t->n_markers || t->truth->n_frames != t->n_frames) {
        kc_traj_free(t);
        return NAN;
    }
    double ss = 0;
    long n = 0;
    for (size_t i = 0; i < t->n_frames * t->n_markers * 3; i++)
        if (isfinite(t->position[i]) && isfinite(t->truth->markers[i])) {
            double e = t->position[i] - t->truth->markers[i];
            ss += e * e;
            n++;
        }
    kc_traj_free(t);
    return n ? sqrt(ss / (double)n * 3.0) : NAN;   /* 3-D RMSE */
}

/* Wand length with the recovered vs the true calibration on the same detections (issue 6:
 * RMS <= 1.1x the true calibration's, bias <= 0.05 mm). */
static void wand_length_vs_truth(const char *sess, const char *rec_path, const char *truth_path)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/calib/wand.obs.h5", sess);
    kc_obs *wo = NULL;
    kc_calib *rc = NULL, *tc = NULL;
    if (!CHECK("read wand", kc_obs_read(p, &wo) == 0) ||
        !CHECK("read recovered", kc_calib_read(rec_path, &rc) == 0) ||
        !CHECK("read truth", kc_calib_read(truth_path, &tc) == 0))
        goto out;
    size_t C = wo->n_cameras, F = wo->n_frames;
    double *det = malloc(C * F * 6 * sizeof *det);
    kc_wand_stats *ws = calloc(C, sizeof *ws);
    kc_camera *cr = malloc(C * sizeof *cr), *ct = malloc(C * sizeof *ct);
    uint8_t *us = malloc(C);
    kc_wand_params wp = kc_wand_default_params();
    if (det && ws && cr && ct && us && kc_wand_detect(&wp, wo, det, ws) == KC_OK) {
        for (size_t c = 0; c < C; c++) {
            int k = kc_calib_find(rc, wo->camera_names[c]), j = kc_calib_find(tc, wo->camera_names[c]);
            cr[c] = rc->cameras[k].cam;
            ct[c] = tc->cameras[j].cam;
            us[c] = !rc->cameras[k].excluded;
        }
        double rr, br, rt, bt;
        long nr, nt;
        if (CHECK("wand length stats", kc_wand_length_stats(det, C, F, wp.wand_mm, cr, us, &rr, &br, &nr) == KC_OK &&
                                       kc_wand_length_stats(det, C, F, wp.wand_mm, ct, us, &rt, &bt, &nt) == KC_OK)) {
            printf("wand length: RMS %.4f mm (recovered) vs %.4f mm (true), ratio %.3f; bias "
                   "%+.4f mm (recovered) vs %+.4f mm (true)\n", rr, rt, rr / rt, br, bt);
            CHECK_NEAR("wand length RMS ratio (ISSUE 6: <= 1.1)", rr / rt, 1.0, 0.1);
            CHECK_NEAR("wand length bias, mm (ISSUE 6: <= 0.05)", br, 0, 0.05);
        }
    }
    free(det), free(ws), free(cr), free(ct), free(us);
out:
    kc_obs_free(wo);
    kc_calib_free(rc);
    kc_calib_free(tc);
}

/* The recovered calibration rigidly aligned to the truth by its camera centres, written to
 * out: what the rig gives without the L-frame's share of the error. 0 when written. */
static int write_aligned(const char *rec_path, const char *truth_path, const char *out)
{
    kc_calib *rec = NULL, *tru = NULL;
    int st = -1;
    if (kc_calib_read(rec_path, &rec) || kc_calib_read(truth_path, &tru))
        goto done;
    kc_vec3 P[64], Q[64];
    size_t np = 0;
    for (size_t i = 0; i < tru->n_cameras && np < 64; i++) {
        int k = kc_calib_find(rec, tru->cameras[i].cam.name);
        if (k < 0 || rec->cameras[k].excluded)
            continue;
        P[np] = kc_camera_centre(&rec->cameras[k].cam);
        Q[np++] = kc_camera_centre(&tru->cameras[i].cam);
    }
    kc_mat3 A;
    kc_vec3 b;
    double fit;
    if (np < 3 || kc_calib_rigid_fit(P, Q, np, &A, &b, &fit))
        goto done;
    for (size_t i = 0; i < rec->n_cameras; i++)
        kc_calib_transform_camera(&rec->cameras[i].cam, A, b);
    st = kc_calib_write(out, rec, NULL);
done:
    kc_calib_free(rec);
    kc_calib_free(tru);
    return st;
}

static size_t wand_frames(const char *sess)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/calib/wand.obs.h5", sess);
    kc_obs *o = NULL;
    size_t F = 0;
    if (kc_obs_read(p, &o) == KC_OK)
        F = o->n_frames;
    kc_obs_free(o);
    return F;
}

static int files_equal(const char *a, const char *b)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

/* Centre errors (after a rigid alignment of the centres) of every calibrated camera but
 * skip (a name, or NULL); max out. Returns 0 when read. */
static int centre_errors(const char *rec_path, const char *truth_path, const char *skip,
                         double *max_mm, int *n_cal)
{
    kc_calib *rec = NULL, *tru = NULL;
    int st = -1;
    if (kc_calib_read(rec_path, &rec) || kc_calib_read(truth_path, &tru))
        goto out;
    kc_vec3 P[64], Q[64];
    size_t np = 0;
    *n_cal = 0;
    for (size_t i = 0; i < tru->n_cameras && np < 64; i++) {
        int k = kc_calib_find(rec, tru->cameras[i].cam.name);
        if (k < 0 || rec->cameras[k].excluded)
            continue;
        (*n_cal)++;
        if (skip && !strcmp(skip, tru->cameras[i].cam.name))
            continue;
        P[np] = kc_camera_centre(&rec->cameras[k].cam);
        Q[np++] = kc_camera_centre(&tru->cameras[i].cam);
    }
    kc_mat3 A;
    kc_vec3 b;
    double fit;
    if (np < 3 || kc_calib_rigid_fit(P, Q, np, &A, &b, &fit))
        goto out;
    *max_mm = 0;
    for (size_t i = 0; i < np; i++)
        *max_mm = fmax(*max_mm, kc_v3_norm(kc_v3_sub(kc_v3_add(kc_m3_apply(A, P[i]), b), Q[i])));
    st = 0;
out:
    kc_calib_free(rec);
    kc_calib_free(tru);
    return st;
}

/* Compare rec with truth; returns 0 when read. */
static int compare(const char *rec_path, const char *truth_path, const char *tag,
                   size_t n_frames)
{
    kc_calib *rec = NULL, *tru = NULL;
    if (!CHECK("read the recovered calibration", kc_calib_read(rec_path, &rec) == 0) ||
        !CHECK("read the true calibration", kc_calib_read(truth_path, &tru) == 0)) {
        kc_calib_free(rec);
        kc_calib_free(tru);
        return -1;
    }
    double fmax_pct = 0, ppmax = 0, cmax = 0, omax = 0, cmax_l = 0, omax_l = 0;
    double gss = 0, gmax = 0;
    long gn = 0;
    int n_ok = 0;
    /* the comparison: after a rigid alignment of the recovered camera centres to the
     * true ones (the wand fixes the scale); the L-frame's own world frame is reported too */
    kc_vec3 P[64], Q[64];
    size_t np = 0;
    for (size_t i = 0; i < tru->n_cameras && np < 64; i++) {
        int k = kc_calib_find(rec, tru->cameras[i].cam.name);
        if (k < 0 || rec->cameras[k].excluded)
            continue;
        P[np] = kc_camera_centre(&rec->cameras[k].cam);
        Q[np++] = kc_camera_centre(&tru->cameras[i].cam);
    }
    kc_mat3 A = kc_m3_identity();
    kc_vec3 b = kc_v3(0, 0, 0);
    double fit;
    if (np < 3 || kc_calib_rigid_fit(P, Q, np, &A, &b, &fit))
        CHECK("rigid alignment of the camera centres", 0);
    for (size_t i = 0; i < tru->n_cameras; i++) {
        const kc_camera *T = &tru->cameras[i].cam;
        int k = kc_calib_find(rec, T->name);
        if (k < 0 || rec->cameras[k].excluded)
            continue;
        n_ok++;
        kc_camera rl = rec->cameras[k].cam, ra = rl;
        kc_calib_transform_camera(&ra, A, b);
        const kc_camera *Rc = &ra;
        cmax_l = fmax(cmax_l, kc_v3_norm(kc_v3_sub(kc_camera_centre(&rl), kc_camera_centre(T))));
        omax_l = fmax(omax_l, kc_v3_norm(kc_m3_to_rodrigues(kc_m3_mul(rl.R, kc_m3_transpose(T->R)))) / KC_DEG);
        fmax_pct = fmax(fmax_pct, 100 * fabs(Rc->fx - T->fx) / T->fx);
        fmax_pct = fmax(fmax_pct, 100 * fabs(Rc->fy - T->fy) / T->fy);
        ppmax = fmax(ppmax, hypot(Rc->cx - T->cx, Rc->cy - T->cy));
        cmax = fmax(cmax, kc_v3_norm(kc_v3_sub(kc_camera_centre(Rc), kc_camera_centre(T))));
        kc_vec3 r = kc_m3_to_rodrigues(kc_m3_mul(Rc->R, kc_m3_transpose(T->R)));
        omax = fmax(omax, kc_v3_norm(r) / KC_DEG);
        /* a 24 x 18 grid over the whole image, back-projected through the true camera to the
         * depth of the capture volume's centre (the world point 0, 0, 900 mm), projected
         * through the recovered (aligned) one */
        double depth = kc_v3_norm(kc_v3_sub(kc_camera_centre(T), kc_v3(0, 0, 900)));
        for (int gy = 0; gy < 18; gy++)
            for (int gx = 0; gx < 24; gx++) {
                double uv[2] = {(gx + 0.5) * T->width / 24.0 - 0.5,
                                (gy + 0.5) * T->height / 18.0 - 0.5}, p2[2];
                kc_vec3 o, d;
                if (kc_camera_ray(T, uv, &o, &d) ||
                    !kc_camera_project(Rc, kc_v3_axpy(o, depth, d), p2))
                    continue;
                double e2 = (p2[0] - uv[0]) * (p2[0] - uv[0]) + (p2[1] - uv[1]) * (p2[1] - uv[1]);
                gss += e2;
                gn++;
                gmax = fmax(gmax, sqrt(e2));
            }
    }
    printf("%s: %d of %zu cameras; max |focal error| %.4f %%, principal point %.3f px, "
           "centre %.3f mm, orientation %.4f deg; RMS %.4f px; wand length RMS %.3f mm\n",
           tag, n_ok, tru->n_cameras, fmax_pct, ppmax, cmax, omax, rec->rms_px,
           rec->wand_length_rms_mm);
    printf("  in the L-frame's world frame (no alignment): centre %.3f mm, orientation %.4f deg\n",
           cmax_l, omax_l);
    CHECK("all 8 cameras calibrated", n_ok == (int)tru->n_cameras);
    /* reprojection RMS per coordinate: σ = 0.3 px, within ±5% of σ·√(1 − p/n) (ISSUE 6):
     * n = 2 x the observations used, p = 14 per camera less the gauge's 6 pose parameters
     * plus 5 per wand frame (every frame of the capture counted: an upper bound on p) */
    long n_obs = 0;
    for (size_t i = 0; i < rec->n_cameras; i++)
        n_obs += rec->cameras[i].excluded ? 0 : rec->cameras[i].n_obs;
    double pn = (14.0 * n_ok - 6 + 5.0 * (double)n_frames) / (2.0 * (double)n_obs);
    double want = 0.3 * sqrt(1 - pn);
    printf("  reprojection RMS %.4f px per coordinate vs sigma sqrt(1 - p/n) = %.4f px "
           "(p/n %.3f)\n", rec->rms_px, want, pn);
    CHECK_NEAR("reprojection RMS per coordinate vs sigma sqrt(1 - p/n), px (ISSUE 6: 5%)",
               rec->rms_px, want, 0.05 * want);
    double grms = gn ? sqrt(gss / (double)gn) : NAN;
    printf("  grid over each image, recovered vs true projection: RMS %.3f px, max %.3f px\n",
           grms, gmax);
    /* the acceptance numbers (ISSUE 6; seed 11 measured 0.021 %, 1.69 px, 0.51 mm,
     * 0.050 deg, grid 0.072 / 0.30 px) */
    CHECK_NEAR("grid projection RMS, px (ISSUE 6: <= 0.15)", grms, 0, 0.15);
    CHECK_NEAR("grid projection max, px (ISSUE 6: <= 0.6)", gmax, 0, 0.6);
    CHECK_NEAR("principal point error, px (ISSUE 6: <= 2)", ppmax, 0, 2.0);
    CHECK_NEAR("camera centre error after rigid alignment, mm (ISSUE 6: <= 1.5)", cmax, 0, 1.5);
    CHECK_NEAR("orientation error after rigid alignment, deg (ISSUE 6: <= 0.1)", omax, 0, 0.1);
    CHECK_NEAR("focal length error, % (ISSUE 6: <= 0.05)", fmax_pct, 0, 0.05);
    /* the world frame the L-frame set: the rigid motion that aligns the recovered camera
     * centres to the true ones, as a rotation angle and the displacement of the origin
     * (ISSUE 6, the L-frame on its own: origin <= 1 mm, axes <= 0.1 deg; this includes the
     * rig's own error) */
    {
        double ang = kc_v3_norm(kc_m3_to_rodrigues(A)) / KC_DEG, org = kc_v3_norm(b);
        printf("  world frame from the L-frame vs the truth: axes %.4f deg, origin %.3f mm\n",
               ang, org);
        CHECK_NEAR("L-frame world frame: axes, deg (ISSUE 6: <= 0.1)", ang, 0, 0.1);
        CHECK_NEAR("L-frame world frame: origin, mm (ISSUE 6: <= 1)", org, 0, 1.0);
    }
    /* in the L-frame's world without alignment (measured 0.60 mm, 0.051 deg), asserted with
     * some margin so that a regression shows */
    CHECK_NEAR("camera centre error in the L-frame's world, mm (regression)", cmax_l, 0, 1.5);
    CHECK_NEAR("orientation error in the L-frame's world, deg (regression)", omax_l, 0, 0.1);
    kc_calib_free(rec);
    kc_calib_free(tru);
    return 0;
}

int main(void)
{
    kc_log_init("test_calib_synth", KC_LOG_WARNING);
    const char *dir = kc_test_tmpdir("test_calib_synth");
    char cmd[4096], sess[1024], rec[1100], rec2[1100], rec30[1100], tt[1100], tr[1100];
    snprintf(sess, sizeof sess, "%s/s", dir);
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s' --subjects 1 --trials 1 --sls 0 --cameras 8 --seed 11 "
             "--wand-s 10 --spurious 0.08 --quiet",
             KC_SYNTH_EXE, sess);
    if (!CHECK("kc-synth session", run(cmd) == 0))
        return kc_test_summary("test_calib_synth");
    snprintf(rec, sizeof rec, "%s/rec1.calib.h5", dir);
    snprintf(rec2, sizeof rec2, "%s/rec2.calib.h5", dir);
    snprintf(rec30, sizeof rec30, "%s/rec30.calib.h5", dir);
    snprintf(cmd, sizeof cmd,
             "'%s' wand -o '%s' --threads 1 --no-provenance --quiet '%s/calib/wand.obs.h5' "
             "'%s/calib/lframe.obs.h5'",
             KC_CALIB_EXE, rec, sess, sess);
    double t0 = kc_now();
    if (!CHECK("kc-calib wand", run(cmd) == 0))
        return kc_test_summary("test_calib_synth");
    printf("kc-calib wand: %.2f s\n", kc_now() - t0);
    snprintf(cmd, sizeof cmd,
             "'%s' wand -o '%s' --threads 2 --no-provenance --quiet '%s/calib/wand.obs.h5' "
             "'%s/calib/lframe.obs.h5'",
             KC_CALIB_EXE, rec2, sess, sess);
    CHECK("kc-calib wand with 2 threads", run(cmd) == 0);
    CHECK("same bytes with 1 and 2 threads", files_equal(rec, rec2));
    char truth[1100];
    snprintf(truth, sizeof truth, "%s/calib/truth.calib.h5", sess);
    compare(rec, truth, "default focal guess (image width)", wand_frames(sess));

    /* held-out markers: a drop jump triangulated with each calibration */
    snprintf(tt, sizeof tt, "%s/true.traj.h5", dir);
    snprintf(tr, sizeof tr, "%s/rec.traj.h5", dir);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --cutoff none --max-gap 0 --quiet '%s' '%s/s01/dvj_1.obs.h5'",
             KC_TRIANGULATE_EXE, tt, truth, sess);
    CHECK("kc-triangulate with the true calibration", run(cmd) == 0);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --cutoff none --max-gap 0 --quiet '%s' '%s/s01/dvj_1.obs.h5'",
             KC_TRIANGULATE_EXE, tr, rec, sess);
    CHECK("kc-triangulate with the recovered calibration", run(cmd) == 0);
    double e_true = held_out_rmse(tt), e_rec = held_out_rmse(tr);
    printf("held-out markers: 3-D RMSE %.4f mm (recovered) vs %.4f mm (true), ratio %.4f\n",
           e_rec, e_true, e_rec / e_true);
    /* in the world frame the L-frame set, as a lab has it (measured 1.001 at seed 11) */
    CHECK_NEAR("held-out RMSE ratio (ISSUE 6: <= 1.05)", e_rec / e_true, 1.0, 0.05);
    /* the same with the recovered rig aligned to the truth by its camera centres (the rig
     * alone; the centres' alignment fits the whole ring, the L-frame the floor under the
     * drop jump) */
    {
        char al[1100], ta[1100];
        snprintf(al, sizeof al, "%s/aligned.calib.h5", dir);
        snprintf(ta, sizeof ta, "%s/aligned.traj.h5", dir);
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --cutoff none --max-gap 0 --quiet '%s' "
                 "'%s/s01/dvj_1.obs.h5'", KC_TRIANGULATE_EXE, ta, al, sess);
        if (CHECK("write the aligned calibration", write_aligned(rec, truth, al) == 0) &&
            CHECK("kc-triangulate with the aligned calibration", run(cmd) == 0)) {
            double e_al = held_out_rmse(ta);
            printf("held-out markers with the recovered rig aligned to the truth: 3-D RMSE "
                   "%.4f mm, ratio %.4f\n", e_al, e_al / e_true);
            /* the bound applied to the rig alone (measured 1.030 at seed 11) */
            CHECK_NEAR("held-out RMSE ratio, rig aligned to the truth (ISSUE 6 bound 1.05)",
                       e_al / e_true, 1.0, 0.05);
        }
    }
    wand_length_vs_truth(sess, rec, truth);

    /* a camera that sees the wand in only 5% of the frames (cam02 keeps its blobs in every
     * 20th frame): calibrated or excluded with a warning, never spoiling the others. The
     * baseline is the same capture without cam02 at all (fewer views make the others worse by
     * themselves: measured 2.6 -> 4.0 mm): the others' centres (aligned without cam02) within
     * 1.25x + 0.5 mm of that */
    {
        char sparse[1100], recs[1100], drop[1100], recd[1100], big[8192];
        snprintf(sparse, sizeof sparse, "%s/sparse.obs.h5", dir);
        snprintf(recs, sizeof recs, "%s/recsparse.calib.h5", dir);
        snprintf(drop, sizeof drop, "%s/drop2.obs.h5", dir);
        snprintf(recd, sizeof recd, "%s/recdrop2.calib.h5", dir);
        snprintf(big, sizeof big, "'%s' sparse '%s/calib/wand.obs.h5' '%s' && '%s' drop2 "
                 "'%s/calib/wand.obs.h5' '%s'", KC_MAKE_BAD_EXE, sess, sparse, KC_MAKE_BAD_EXE,
                 sess, drop);
        CHECK("make the sparse-camera and no-camera captures", run(big) == 0);
        snprintf(big, sizeof big, "'%s' wand -o '%s' --no-plot --quiet '%s' '%s/calib/lframe.obs.h5'"
                 " && '%s' wand -o '%s' --no-plot --quiet '%s' '%s/calib/lframe.obs.h5'",
                 KC_CALIB_EXE, recs, sparse, sess, KC_CALIB_EXE, recd, drop, sess);
        double full = NAN, part = NAN, none = NAN;
        int nf = 0, ns = 0, nd = 0;
        if (CHECK("kc-calib wand with a 5% camera, and without it", run(big) == 0) &&
            CHECK("centre errors", centre_errors(rec, truth, "cam02", &full, &nf) == 0 &&
                                       centre_errors(recs, truth, "cam02", &part, &ns) == 0 &&
                                       centre_errors(recd, truth, "cam02", &none, &nd) == 0)) {
            printf("5%% camera: %d of 8 calibrated; the other cameras' max centre error %.3f mm "
                   "(without the camera %.3f mm, full capture %.3f mm)\n", ns, part, none, full);
            CHECK_NEAR("others' centres with a 5% camera vs without it, mm", part, 0,
                       1.25 * none + 0.5);
            CHECK("the other 7 calibrated", ns >= 7 && nd == 7);
        }
    }

    /* a focal guess 30% above the truth (~1690 px) */
    snprintf(cmd, sizeof cmd,
             "'%s' wand -o '%s' --focal-px 2200 --quiet '%s/calib/wand.obs.h5' "
             "'%s/calib/lframe.obs.h5'",
             KC_CALIB_EXE, rec30, sess, sess);
    if (CHECK("kc-calib wand --focal-px 2200", run(cmd) == 0))
        compare(rec30, truth, "focal guess 2200 px", wand_frames(sess));
    return kc_test_summary("test_calib_synth");
}
