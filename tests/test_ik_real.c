/* test_ik_real — kc-ik against Vicon Nexus Plug-in Gait on real captures (ISSUE 5, real part):
 * ../shared/data/real/btk_plugingait (KC_REAL_DATA), each motion trial converted by
 * kc-convert, then kc-ik --params-from-trial (Vicon's own parameters and static offsets) and,
 * separately, with the offsets recomputed from the static calibration trial (--static, with
 * the pair's own foot-flat option). Compares every angle channel, side and plane against the
 * Nexus outputs (<channel>Angles or <channel>AnglesV; wrapped differences) and the knee and
 * ankle joint centres against the femur and tibia origins LFEO/RFEO and LTIO/RTIO. Prints
 * every number. Exits 77 (skipped) when the data are absent.
 *
 * Findings: PiG_Motion3_noFF's PROCESSING offsets are not the ones its ankle angles were
 * computed with (recomputing them from PiG_Calibration3_noFF reproduces Nexus); BELT_C
 * (FlatFoot-Full) was processed with 16 mm markers (not recorded in the C3D).
 * The bounds (angles RMS <= 0.05 deg and max <= 0.2 deg, joint centres <= 0.1 mm RMS)
 * are asserted on the runs with the offsets recomputed from the pair's own static and
 * foot-flat option (and BELT_C's 16 mm markers); the runs with PROCESSING's offsets, and
 * BELT_C with the default 14 mm, are reported only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/pigmodel.h"
#include "kinechain/trajfile.h"
#include "testutil.h"

#ifndef KC_REAL_DATA
#define KC_REAL_DATA "../shared/data/real"
#endif
#ifndef KC_CONVERT_EXE
#define KC_CONVERT_EXE "kc-convert"
#endif
#ifndef KC_IK_EXE
#define KC_IK_EXE "kc-ik"
#endif

static char cmd[8192];

static const kc_model_output *vicon(const kc_traj *t, const char *name)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "%sAngles", name);
    snprintf(b, sizeof b, "%sAnglesV", name);
    for (size_t i = 0; i < t->n_model_outputs; i++)
        if (!strcmp(t->model_outputs[i].name, a) || !strcmp(t->model_outputs[i].name, b) ||
            !strcmp(t->model_outputs[i].name, name))
            return &t->model_outputs[i];
    return NULL;
}

static double wrapd(double d)
{
    d = fmod(d, 360.0);
    return d > 180 ? d - 360 : d <= -180 ? d + 360 : d;
}

/* compare one kin file with the Vicon outputs of its trial */
static void compare(const char *label, const kc_kin *k, const kc_traj *t, int assert_bounds)
{
    printf("%s:\n", label);
    for (int ch = 0; ch < KC_PIG_N_ANGLES; ch++) {
        const kc_series3 *a = kc_kin_angle(k, kc_pig_angle_names[ch]);
        const kc_model_output *v = vicon(t, kc_pig_angle_names[ch]);
        if (!a || !v)
            continue;
        double s2[3] = {0, 0, 0}, mx[3] = {0, 0, 0};
        size_t n = 0, nan_ours = 0;
        for (size_t f = 0; f < k->n_frames; f++) {
            const double *x = a->data + f * 3, *y = v->data + f * 3;
            if (!isfinite(y[0]) || !isfinite(y[1]) || !isfinite(y[2]) ||
                (y[0] == 0 && y[1] == 0 && y[2] == 0))
                continue;
            if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) {
                nan_ours++;
                continue;
            }
            n++;
            for (int p = 0; p < 3; p++) {
                double d = fabs(wrapd(x[p] - y[p]));
                s2[p] += d * d;
                if (d > mx[p])
                    mx[p] = d;
            }
        }
        if (n == 0)
            continue;
        printf("  %-14s RMS %.4f %.4f %.4f  max %.4f %.4f %.4f deg  (%zu frames, %zu NaN here "
               "only)\n", kc_pig_angle_names[ch], sqrt(s2[0] / (double)n), sqrt(s2[1] / (double)n),
               sqrt(s2[2] / (double)n), mx[0], mx[1], mx[2], n, nan_ours);
        if (assert_bounds)
            for (int p = 0; p < 3; p++) {
                char w[128];
                snprintf(w, sizeof w, "%s %s %c RMS (ISSUE 5: 0.05 deg)", label,
                         kc_pig_angle_names[ch], 'X' + p);
                CHECK_NEAR(w, sqrt(s2[p] / (double)n), 0, 0.05);
                snprintf(w, sizeof w, "%s %s %c max (ISSUE 5: 0.2 deg)", label,
                         kc_pig_angle_names[ch], 'X' + p);
                CHECK_NEAR(w, mx[p], 0, 0.2);
            }
    }
    static const char *const ours[] = {"LKJC", "RKJC", "LAJC", "RAJC"};
    static const char *const theirs[] = {"LFEO", "RFEO", "LTIO", "RTIO"};
    for (int j = 0; j < 4; j++) {
        const kc_series3 *a = kc_kin_centre(k, ours[j]);
        const kc_model_output *v = vicon(t, theirs[j]);
        if (!a || !v)
            continue;
        double s2 = 0, mx = 0;
        size_t n = 0;
        for (size_t f = 0; f < k->n_frames; f++) {
            const double *x = a->data + f * 3, *y = v->data + f * 3;
            if (!isfinite(x[0]) || !isfinite(y[0]) || (y[0] == 0 && y[1] == 0 && y[2] == 0))
                continue;
            double d = sqrt((x[0] - y[0]) * (x[0] - y[0]) + (x[1] - y[1]) * (x[1] - y[1]) +
                            (x[2] - y[2]) * (x[2] - y[2]));
            s2 += d * d;
            mx = fmax(mx, d);
            n++;
        }
        if (!n)
            continue;
        printf("  %s vs %s   RMS %.4f mm, max %.4f mm (%zu frames)\n", ours[j], theirs[j],
               sqrt(s2 / (double)n), mx, n);
        if (assert_bounds) {
            char w[128];
            snprintf(w, sizeof w, "%s %s RMS (ISSUE 5: 0.1 mm)", label, ours[j]);
            CHECK_NEAR(w, sqrt(s2 / (double)n), 0, 0.1);
        }
    }
}

/* subject, md: when subject is not NULL, a subjects CSV giving only the marker diameter
 * (Nexus keeps it in the session, not in the C3D's PROCESSING group) */
static int run_pair(const char *dir, const char *stat, const char *motion, int foot_flat,
                    const char *subject, double md, int assert_bounds)
{
    char csv[1024], subj_opt[1200] = "";
    if (subject) {
        snprintf(csv, sizeof csv, "%s/%s.subjects.csv", dir, motion);
        FILE *fp = fopen(csv, "w");
        if (!CHECK("write the subjects CSV", fp != NULL))
            return 1;
        fprintf(fp, "subject,marker_diameter_mm\n%s,%g\n", subject, md);
        fclose(fp);
        snprintf(subj_opt, sizeof subj_opt, "--subjects '%s'", csv);
    }
    char c3s[1024], c3m[1024], ts[1024], tm[1024], k1[1024], k2[1024];
    snprintf(c3s, sizeof c3s, "%s/btk_plugingait/%s.c3d", KC_REAL_DATA, stat);
    snprintf(c3m, sizeof c3m, "%s/btk_plugingait/%s.c3d", KC_REAL_DATA, motion);
    snprintf(ts, sizeof ts, "%s/%s.traj.h5", dir, stat);
    snprintf(tm, sizeof tm, "%s/%s.traj.h5", dir, motion);
    snprintf(k1, sizeof k1, "%s/%s.trialparams.kin.h5", dir, motion);
    snprintf(k2, sizeof k2, "%s/%s.static.kin.h5", dir, motion);
    snprintf(cmd, sizeof cmd, "'%s' --strip-prefix --quiet '%s' '%s' && '%s' --strip-prefix --quiet '%s' '%s'",
             KC_CONVERT_EXE, c3s, ts, KC_CONVERT_EXE, c3m, tm);
    if (!CHECK("kc-convert", system(cmd) == 0))
        return 1;
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' %s --params-from-trial --type static --quiet '%s'",
             KC_IK_EXE, k1, subj_opt, tm);
    if (!CHECK("kc-ik --params-from-trial", system(cmd) == 0))
        return 1;
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' %s --params-from-trial --static '%s' %s --type static "
             "--quiet '%s'", KC_IK_EXE, k2, subj_opt, ts, foot_flat ? "--foot-flat" : "", tm);
    if (!CHECK("kc-ik --static", system(cmd) == 0))
        return 1;
    kc_traj *t = NULL;
    kc_kin *a = NULL, *b = NULL;
    if (CHECK("read", kc_traj_read(tm, &t) == 0 && kc_kin_read(k1, &a) == 0 &&
                          kc_kin_read(k2, &b) == 0)) {
        char l[256];
        snprintf(l, sizeof l, "%s, Vicon's parameters and offsets (PROCESSING), MD %g mm",
                 motion, subject ? md : 14.0);
        compare(l, a, t, 0);
        snprintf(l, sizeof l, "%s, offsets recomputed from %s%s, MD %g mm", motion, stat,
                 foot_flat ? " (foot flat)" : "", subject ? md : 14.0);
        compare(l, b, t, assert_bounds);
        static const char *const names[] = {"static_beta_L_rad", "static_alpha_L_rad",
                                            "static_beta_R_rad", "static_alpha_R_rad"};
        for (int i = 0; i < 4; i++) {
            const kc_attr *x = kc_attrs_find(&a->model, names[i]), *y = kc_attrs_find(&b->model, names[i]);
            if (x && y && x->n && y->n)
                printf("  %s: Vicon %.5f, recomputed %.5f rad\n", names[i], x->v[0], y->v[0]);
        }
    }
    kc_traj_free(t);
    kc_kin_free(a);
    kc_kin_free(b);
    return 0;
}

int main(void)
{
    kc_log_init("test_ik_real", KC_LOG_ERROR);
    char probe[1024];
    struct stat sb;
    snprintf(probe, sizeof probe, "%s/btk_plugingait/PiG_Motion3_noFF.c3d", KC_REAL_DATA);
    if (stat(probe, &sb) != 0) {
        printf("test_ik_real: %s absent: SKIPPED\n", probe);
        return 77;
    }
    const char *dir = kc_test_tmpdir("test_ik_real");
    run_pair(dir, "PiG_Calibration3_noFF", "PiG_Motion3_noFF", 0, NULL, 0, 1);
    run_pair(dir, "PiG_Calibration3_FF_N18", "PiG_Motion3_FF_N18", 1, NULL, 0, 1);
    /* BELT_C: Nexus's LFEO/LTIO are reproduced with 16 mm markers; the default 14 mm leaves
     * 1.0 mm and 0.1-0.24 deg (reported, not asserted) */
    run_pair(dir, "PiG_Calibration-FlatFoot-Full", "PiG_Motion-FlatFoot-Full", 1, "BELT_C", 16, 1);
    run_pair(dir, "PiG_Calibration-FlatFoot-Full", "PiG_Motion-FlatFoot-Full", 1, NULL, 0, 0);
    return kc_test_summary("test_ik_real");
}
