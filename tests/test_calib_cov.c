/* Are the standard deviations kc-calib wand states honest? For several kc-synth seeds (8
 * cameras, 0.3 px, 2,001 wand frames, 8% spurious blobs) the recovered rig is rigidly aligned
 * to the truth by its camera centres (the gauge in which the covariance is written) and each
 * camera's errors are divided by the standard deviations its /cameras/<name>/covariance gives:
 * fx, fy, cx, cy (signed errors over SD), centre and orientation (error length over the RMS
 * length the covariance predicts). Over all cameras and seeds the RMS of these ratios must be
 * between 0.5 and 2 (1 when the covariance is exact; the bound of the task: a factor 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "kinechain/calibfile.h"
#include "kinechain/log.h"
#include "testutil.h"

enum { Q_FX, Q_FY, Q_CX, Q_CY, Q_CENTRE, Q_ROT, NQ };
static const char *qname[NQ] = {"fx", "fy", "cx", "cy", "centre", "orientation"};

/* add seed's normalised squared errors to ss[NQ], counts to n[NQ]; 0 when read */
static int one_seed(const char *dir, unsigned seed, double *ss, long *n)
{
    char cmd[8192], sess[1100], rec[1200], truth[1200];
    snprintf(sess, sizeof sess, "%s/s%u", dir, seed);
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s' --subjects 1 --trials 1 --sls 0 --cameras 8 --seed %u "
             "--wand-s 10 --spurious 0.08 --quiet && '%s' wand -o '%s/rec.calib.h5' --no-plot "
             "--quiet '%s/calib/wand.obs.h5' '%s/calib/lframe.obs.h5'",
             KC_SYNTH_EXE, sess, seed, KC_CALIB_EXE, sess, sess, sess);
    if (!CHECK("kc-synth session and kc-calib wand", system(cmd) == 0))
        return -1;
    snprintf(rec, sizeof rec, "%s/rec.calib.h5", sess);
    snprintf(truth, sizeof truth, "%s/calib/truth.calib.h5", sess);
    kc_calib *rc = NULL, *tc = NULL;
    int st = -1;
    if (!CHECK("read the calibrations", kc_calib_read(rec, &rc) == 0 && kc_calib_read(truth, &tc) == 0))
        goto out;
    kc_vec3 P[64], Q[64];
    size_t np = 0;
    for (size_t i = 0; i < tc->n_cameras && np < 64; i++) {
        int k = kc_calib_find(rc, tc->cameras[i].cam.name);
        if (k < 0 || rc->cameras[k].excluded)
            continue;
        P[np] = kc_camera_centre(&rc->cameras[k].cam);
        Q[np++] = kc_camera_centre(&tc->cameras[i].cam);
    }
    kc_mat3 A;
    kc_vec3 b;
    double fit;
    if (!CHECK("rigid alignment", np >= 3 && kc_calib_rigid_fit(P, Q, np, &A, &b, &fit) == 0))
        goto out;
    printf("seed %u: camera  err/SD: fx      fy      cx      cy   centre  orient.   (SD fx px, "
           "cx px, centre mm, orient. deg)\n", seed);
    for (size_t i = 0; i < tc->n_cameras; i++) {
        const kc_camera *T = &tc->cameras[i].cam;
        int k = kc_calib_find(rc, T->name);
        if (!CHECK("camera calibrated with a covariance", k >= 0 && !rc->cameras[k].excluded &&
                                                             rc->cameras[k].covariance))
            continue;
        kc_camera ra = rc->cameras[k].cam;
        kc_calib_sd sd;
        kc_calib_camera_sd(&ra, rc->cameras[k].covariance, &sd);
        kc_calib_transform_camera(&ra, A, b);
        double z[NQ];
        z[Q_FX] = (ra.fx - T->fx) / sd.fx;
        z[Q_FY] = (ra.fy - T->fy) / sd.fy;
        z[Q_CX] = (ra.cx - T->cx) / sd.cx;
        z[Q_CY] = (ra.cy - T->cy) / sd.cy;
        z[Q_CENTRE] = kc_v3_norm(kc_v3_sub(kc_camera_centre(&ra), kc_camera_centre(T))) / sd.centre_mm;
        z[Q_ROT] = kc_v3_norm(kc_m3_to_rodrigues(kc_m3_mul(ra.R, kc_m3_transpose(T->R)))) / KC_DEG /
                   sd.rotation_deg;
        printf("        %-6s %+7.2f %+7.2f %+7.2f %+7.2f %7.2f %7.2f    (%.3f, %.3f, %.3f, %.4f)\n",
               T->name, z[0], z[1], z[2], z[3], z[4], z[5], sd.fx, sd.cx, sd.centre_mm,
               sd.rotation_deg);
        for (int q = 0; q < NQ; q++)
            if (CHECK("finite error/SD", isfinite(z[q]))) {
                ss[q] += z[q] * z[q];
                n[q]++;
            }
    }
    st = 0;
out:
    kc_calib_free(rc);
    kc_calib_free(tc);
    return st;
}

int main(void)
{
    kc_log_init("test_calib_cov", KC_LOG_WARNING);
    const char *dir = kc_test_tmpdir("test_calib_cov");
    static const unsigned seeds[] = {11, 12, 13};
    double ss[NQ] = {0};
    long n[NQ] = {0};
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++)
        one_seed(dir, seeds[s], ss, n);
    for (int q = 0; q < NQ; q++) {
        double r = n[q] ? sqrt(ss[q] / (double)n[q]) : NAN;
        printf("%-12s RMS of error/SD over %ld cameras: %.3f\n", qname[q], n[q], r);
        char what[128];
        snprintf(what, sizeof what, "%s: RMS error/SD within a factor 2 of 1", qname[q]);
        CHECK(what, r >= 0.5 && r <= 2.0);
    }
    return kc_test_summary("test_calib_cov");
}
