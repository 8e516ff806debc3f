/* kc-ik against kc-synth's ground truth (ISSUE 5).
 *
 *   test_ik_synth identity    noise-free identity-mode truth markers (/truth/markers written
 *                             as a traj file here, no triangulation) -> kc-ik: every channel,
 *                             side and plane within 0.01 deg of /truth/angles, joint centres
 *                             within 1e-6 mm (s01 has non-zero tibial torsion); events from
 *                             force plates and from the markers against /truth/events (IC
 *                             within 1 frame, take-off within 2); metrics against
 *                             /truth/metrics where the definitions are the same.
 *   test_ik_synth crosstalk|hjc|overrides|sls [--acceptance]: see run_crosstalk, run_hjc,
 *                             run_overrides and run_sls below.
 *   test_ik_synth anatomical [--acceptance | --acceptance-events]
 *                             an anatomical-mode session at default noise through
 *                             kc-triangulate (default 12 Hz) -> kc-ik, against kc-synth's two
 *                             truths (docs/pig-model.md "kc-synth's two truths"): the pig
 *                             truth /truth/pig_angles (kc-synth's own Plug-in Gait on the
 *                             noise-free captured markers, read from the observation file)
 *                             and the bone truth /truth/angles. Asserts kc-ik on the true
 *                             markers equal to the pig truth within 0.01 deg (two
 *                             implementations), the measurement chain within the issue's
 *                             whole-pipeline budget and the force-plate events (IC 1 frame,
 *                             take-off 2). --acceptance: ISSUE 5's algorithm error (vs the pig
 *                             truth through the same filter: 0.2, 0.3, 0.6 deg RMS), whole
 *                             pipeline (vs the raw pig truth: 0.5, 0.7, 1.5), the sign of peak
 *                             knee valgus and its error within 0.7 deg of the pig truth; the
 *                             bone-truth errors are printed beside them, not asserted.
 *                             --acceptance-events: the kinematic take-off within 2 frames.
 * Every measured number is printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kinechain/filter.h"
#include "kinechain/forceplate.h"
#include "kinechain/h5io.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/pigmodel.h"
#include "kinechain/trajfile.h"
#include "testkin.h"
#include "testutil.h"

#ifndef KC_SYNTH_EXE
#define KC_SYNTH_EXE "kc-synth"
#endif
#ifndef KC_TRIANGULATE_EXE
#define KC_TRIANGULATE_EXE "kc-triangulate"
#endif
#ifndef KC_IK_EXE
#define KC_IK_EXE "kc-ik"
#endif

static char cmd[8192];

/* obs /truth/markers -> traj (positions = truth), carrying rate, subject, task, force plates
 * (unless no_fp) and truth */
static int truth_to_traj(const char *obs_path, const char *traj_path, int no_fp)
{
    return kc_test_truth_traj(obs_path, traj_path, !no_fp, 1, "test_ik_synth");
}

static const kc_series3 *truth_series(const kc_truth *tr, const char *name, int centre)
{
    size_t n = centre ? tr->n_centres : tr->n_angles;
    const kc_series3 *s = centre ? tr->centres : tr->angles;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return &s[i];
    return NULL;
}

/* time of a named event of a table with columns name, side, time_s */
static double event_time(const kc_table *e, const char *name, const char *side)
{
    return kc_test_row_f64(e, name, side, "time_s");
}

static double metric(const kc_table *m, const char *name, const char *side)
{
    return kc_test_row_f64(m, name, side, "value");
}

static double wrapd(double d)
{
    d = fmod(d, 360.0);
    if (d > 180)
        d -= 360;
    else if (d <= -180)
        d += 360;
    return d;
}

/* a copy of a traj file without its force plates */
static int strip_plates(const char *in, const char *out)
{
    kc_traj *t = NULL;
    int st = kc_traj_read(in, &t);
    if (st)
        return st;
    kc_forceplates_free(t->forceplates, t->n_forceplates);
    t->forceplates = NULL;
    t->n_forceplates = 0;
    kc_provenance prov = {"test_ik_synth", 0, NULL, 0, NULL, false};
    st = kc_traj_write(out, t, &prov);
    kc_traj_free(t);
    return st;
}

/* rename marker label `from` to `to` in a traj file (copy) */
static int rename_marker(const char *in, const char *out, const char *from, const char *to)
{
    kc_traj *t = NULL;
    int st = kc_traj_read(in, &t);
    if (st)
        return st;
    int m = kc_traj_find(t, from);
    st = KC_EINVAL;
    if (m >= 0) {
        char *s = strdup(to);
        if (s) {
            free(t->labels[m]);
            t->labels[m] = s;
            kc_provenance prov = {"test_ik_synth", 0, NULL, 0, NULL, false};
            st = kc_traj_write(out, t, &prov);
        }
    }
    kc_traj_free(t);
    return st;
}

/* Inputs of tests/tools/ik_cli.sh in dir: s01 static and dvj from the identity truth
 * markers, a static without LKNE, a trial without CLAV, the subjects CSV. */
static int make_inputs(const char *dir)
{
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/S' --mode identity --subjects 1 --trials 1 --sls 0 --cameras 4 "
             "--seed 7 --quiet", KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth identity session", system(cmd) == 0))
        return 1;
    char a[1024], b[1024], c[1024], d[1024], e[1024];
    snprintf(a, sizeof a, "%s/S/s01/static.obs.h5", dir);
    snprintf(b, sizeof b, "%s/static.traj.h5", dir);
    snprintf(c, sizeof c, "%s/S/s01/dvj_1.obs.h5", dir);
    snprintf(d, sizeof d, "%s/dvj.traj.h5", dir);
    CHECK("static", truth_to_traj(a, b, 0) == 0);
    CHECK("trial", truth_to_traj(c, d, 0) == 0);
    snprintf(e, sizeof e, "%s/static_no_lkne.traj.h5", dir);
    CHECK("static without LKNE", rename_marker(b, e, "LKNE", "LKNE_lost") == 0);
    snprintf(e, sizeof e, "%s/dvj_no_clav.traj.h5", dir);
    CHECK("trial without CLAV", rename_marker(d, e, "CLAV", "CLAV_lost") == 0);
    return 0;
}

/* /truth/<group>/<name> [F,3] of an observation file (kc-synth's pig truth, which the
 * kc_truth reader does not carry); malloc'd, NULL when absent or of another shape */
static double *read_pig_series(const char *obs_path, const char *group, const char *name,
                               size_t F)
{
    kc_h5 *h = NULL;
    if (kc_h5_open(&h, obs_path, NULL))
        return NULL;
    char path[256];
    snprintf(path, sizeof path, "/truth/%s/%s", group, name);
    size_t dims[2] = {F, 3};
    void *data = NULL;
    int st = kc_h5_read(h, path, KC_H5_F64, 2, dims, &data);
    kc_h5_close(h);
    return st ? NULL : data;
}

/* ---- identity ---------------------------------------------------------------------------- */

/* assert_to: take-off asserted within 2 frames (else printed only) */
static void check_events(const kc_kin *k, const kc_truth *tr, double rate, const char *what,
                         double *max_ic, double *max_to, int assert_to)
{
    static const char *const sides[2] = {"L", "R"};
    char buf[256];
    for (int s = 0; s < 2; s++) {
        double ic = event_time(k->events, "initial_contact", sides[s]);
        double tic = event_time(tr->events, "initial_contact", sides[s]);
        double to = event_time(k->events, "take_off", sides[s]);
        double tto = event_time(tr->events, "take_off", sides[s]);
        double ic2 = event_time(k->events, "second_contact", sides[s]);
        double tic2 = event_time(tr->events, "second_contact", sides[s]);
        double e1 = (ic - tic) * rate, e2 = (to - tto) * rate, e3 = (ic2 - tic2) * rate;
        printf("  %s %s: IC %+.2f frames, take-off %+.2f frames, second contact %+.2f frames\n",
               what, sides[s], e1, e2, e3);
        snprintf(buf, sizeof buf, "%s %s initial contact (frames)", what, sides[s]);
        CHECK_NEAR(buf, e1, 0, 1.0);
        snprintf(buf, sizeof buf, "%s %s take-off (frames)", what, sides[s]);
        if (assert_to)
            CHECK_NEAR(buf, e2, 0, 2.0);
        if (fabs(e1) > *max_ic || isnan(e1))
            *max_ic = isnan(e1) ? INFINITY : fabs(e1);
        if (fabs(e2) > *max_to || isnan(e2))
            *max_to = isnan(e2) ? INFINITY : fabs(e2);
    }
}

/* /chain of a kinematics file against the ISSUE 5 contract (docs/file-contract.md) and an
 * independent re-evaluation of the documented thresholds (metrics.h) on the file's own
 * metrics table. */
static void check_chain(const char *path, const kc_kin *k, const char *what)
{
    kc_h5 *h = NULL;
    if (!CHECK("open kin for /chain", kc_h5_open(&h, path, "kinematics") == 0))
        return;
    CHECK("/chain present", kc_h5_exists(h, "/chain"));
    for (int s = 0; s < 2; s++) {
        const char *sd = s ? "R" : "L";
        char name[64], w[160];
        char *sum = NULL;
        snprintf(name, sizeof name, "summary_%s", sd);
        if (!CHECK("summary attribute", kc_h5_attr_get_str(h, "/chain", name, &sum) == 0))
            continue;
        printf("  %s /chain %s: %s\n", what, name, sum);
        int64_t fl[4];
        static const char *const fn[4] = {"knee", "hip", "pelvis_trunk", "foot_ankle"};
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof name, "%s_%s", fn[i], sd);
            fl[i] = -9;
            CHECK(name, kc_h5_attr_get_i64(h, "/chain", name, &fl[i]) == 0 && fl[i] >= -1 &&
                            fl[i] <= 1);
        }
        double vic = metric(k->metrics, "knee_valgus_at_ic_deg", sd);
        double fp = metric(k->metrics, "fppa_video_at_pkf_deg", sd);
        int knee = (vic > 4.6 || fp > 13.0) ? 1 : (isfinite(vic) || isfinite(fp)) ? 0 : -1;
        double ha = metric(k->metrics, "peak_hip_adduction_deg", sd);
        double hr = metric(k->metrics, "peak_hip_internal_rotation_deg", sd);
        int hip = (ha > 10.0 || hr > 10.0) ? 1 : (isfinite(ha) || isfinite(hr)) ? 0 : -1;
        double df = metric(k->metrics, "peak_ankle_dorsiflexion_deg", sd);
        double fo = metric(k->metrics, "foot_progression_rel_pelvis_at_ic_deg", sd);
        int foot = (df < 15.0 || fo < -15.0) ? 1 : (isfinite(df) || isfinite(fo)) ? 0 : -1;
        snprintf(w, sizeof w, "%s %s knee flag = the thresholds on the metrics", what, sd);
        CHECK(w, fl[0] == knee);
        snprintf(w, sizeof w, "%s %s hip flag = the thresholds on the metrics", what, sd);
        CHECK(w, fl[1] == hip);
        snprintf(w, sizeof w, "%s %s foot/ankle flag = the thresholds on the metrics", what, sd);
        CHECK(w, fl[3] == foot);
        /* every fired threshold is named with its source in the text */
        if (vic > 4.6)
            CHECK("Bates 2020 named", strstr(sum, "Bates et al. 2020") != NULL);
        if (fp > 13.0)
            CHECK("Herrington & Munro 2010 named", strstr(sum, "Herrington & Munro 2010") != NULL);
        if (hip == 1)
            CHECK("hip named", strstr(sum, "hip (") != NULL);
        CHECK("model named", strstr(sum, "model pig") != NULL);
        /* the FPPA's conditioning said exactly when fppa_video_sensitivity_deg_per_cm > 5 */
        double sens = metric(k->metrics, "fppa_video_sensitivity_deg_per_cm", sd);
        printf("  %s %s fppa_video %.1f deg, sensitivity %.2f deg/cm\n", what, sd, fp, sens);
        snprintf(w, sizeof w, "%s %s: FPPA called ill-conditioned exactly when > 5 deg/cm", what,
                 sd);
        CHECK(w, (isfinite(fp) && sens > 5.0) == (strstr(sum, "ill-conditioned") != NULL));
        free(sum);
    }
    kc_h5_close(h);
}

static int run_identity(const char *dir)
{
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/S' --mode identity --subjects 2 --trials 1 --cameras 4 --seed 7 "
             "--quiet", KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth identity session", system(cmd) == 0))
        return 1;
    double max_ang = 0, max_jc = 0, max_ic = 0, max_to = 0, max_pig_bone = 0;
    for (int subj = 1; subj <= 2; subj++) {
        char sp[1024], tp[1024], tnofp[1024], ko[1024], ko2[1024], so[1024];
        snprintf(so, sizeof so, "%s/S/s%02d/static.obs.h5", dir, subj);
        snprintf(sp, sizeof sp, "%s/s%02d_static.traj.h5", dir, subj);
        snprintf(ko2, sizeof ko2, "%s/S/s%02d/dvj_1.obs.h5", dir, subj);
        snprintf(tp, sizeof tp, "%s/s%02d_dvj.traj.h5", dir, subj);
        snprintf(tnofp, sizeof tnofp, "%s/s%02d_dvj_nofp.traj.h5", dir, subj);
        if (!CHECK("static truth -> traj", truth_to_traj(so, sp, 0) == 0) ||
            !CHECK("trial truth -> traj", truth_to_traj(ko2, tp, 0) == 0) ||
            !CHECK("trial truth -> traj without plates", truth_to_traj(ko2, tnofp, 1) == 0))
            return 1;
        snprintf(ko, sizeof ko, "%s/s%02d_dvj.kin.h5", dir, subj);
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/S/subjects.csv' "
                 "--subject s%02d --quiet '%s'", KC_IK_EXE, ko, sp, dir, subj, tp);
        if (!CHECK("kc-ik on identity truth markers", system(cmd) == 0))
            return 1;
        snprintf(ko2, sizeof ko2, "%s/s%02d_dvj_nofp.kin.h5", dir, subj);
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/S/subjects.csv' "
                 "--subject s%02d --quiet '%s'", KC_IK_EXE, ko2, sp, dir, subj, tnofp);
        if (!CHECK("kc-ik without force plates", system(cmd) == 0))
            return 1;
        kc_kin *k = NULL, *k2 = NULL;
        kc_traj *t = NULL;
        if (!CHECK("read kin", kc_kin_read(ko, &k) == 0) ||
            !CHECK("read kin (no plates)", kc_kin_read(ko2, &k2) == 0) ||
            !CHECK("read traj", kc_traj_read(tp, &t) == 0) || !CHECK("truth", t->truth != NULL)) {
            kc_kin_free(k);
            kc_kin_free(k2);
            kc_traj_free(t);
            return 1;
        }
        const kc_truth *tr = t->truth;
        size_t F = k->n_frames;
        CHECK("frames", F == tr->n_frames);
        for (int ch = 0; ch < KC_PIG_N_ANGLES; ch++) {
            const kc_series3 *a = kc_kin_angle(k, kc_pig_angle_names[ch]);
            const kc_series3 *b = truth_series(tr, kc_pig_angle_names[ch], 0);
            if (!CHECK(kc_pig_angle_names[ch], a && b))
                continue;
            double mx[3] = {0, 0, 0};
            for (size_t i = 0; i < F * 3; i++) {
                double d = fabs(wrapd(a->data[i] - b->data[i]));
                if (!(d <= mx[i % 3]))
                    mx[i % 3] = isnan(d) ? INFINITY : d;
            }
            for (int p = 0; p < 3; p++) {
                char w[64];
                snprintf(w, sizeof w, "s%02d %s %c max |error| deg", subj, kc_pig_angle_names[ch],
                         'X' + p);
                CHECK_NEAR(w, mx[p], 0, 0.01);
                if (mx[p] > max_ang)
                    max_ang = mx[p];
            }
        }
        /* kc-synth's pig truth (Plug-in Gait on the captured markers, pipeline/synth
         * truthcalc.c): in identity mode the markers sit where the definitions put them and
         * subjects.csv holds the true parameters, so it must equal the bone truth */
        for (int ch = 0; ch < KC_PIG_N_ANGLES; ch++) {
            const kc_series3 *b = truth_series(tr, kc_pig_angle_names[ch], 0);
            char obs[1024];
            snprintf(obs, sizeof obs, "%s/S/s%02d/dvj_1.obs.h5", dir, subj);
            double *pg = read_pig_series(obs, "pig_angles", kc_pig_angle_names[ch], F);
            char w[80];
            snprintf(w, sizeof w, "s%02d /truth/pig_angles/%s", subj, kc_pig_angle_names[ch]);
            if (CHECK(w, pg && b)) {
                double mx = 0;
                for (size_t i = 0; i < F * 3; i++) {
                    double d = fabs(wrapd(pg[i] - b->data[i]));
                    if (!(d <= mx))
                        mx = isnan(d) ? INFINITY : d;
                }
                snprintf(w, sizeof w, "s%02d pig truth = bone truth %s, max deg", subj,
                         kc_pig_angle_names[ch]);
                CHECK_NEAR(w, mx, 0, 0.01);
                if (mx > max_pig_bone)
                    max_pig_bone = mx;
            }
            free(pg);
        }
        for (int ch = 0; ch < KC_PIG_N_CENTRES; ch++) {
            const kc_series3 *a = kc_kin_centre(k, kc_pig_centre_names[ch]);
            const kc_series3 *b = truth_series(tr, kc_pig_centre_names[ch], 1);
            if (!CHECK(kc_pig_centre_names[ch], a && b))
                continue;
            double mx = 0;
            for (size_t i = 0; i < F * 3; i++) {
                double d = fabs(a->data[i] - b->data[i]);
                if (!(d <= mx))
                    mx = isnan(d) ? INFINITY : d;
            }
            char w[64];
            snprintf(w, sizeof w, "s%02d %s max |error| mm", subj, kc_pig_centre_names[ch]);
            CHECK_NEAR(w, mx, 0, 1e-6);
            if (mx > max_jc)
                max_jc = mx;
        }
        check_events(k, tr, k->rate_hz, subj == 1 ? "s01 force" : "s02 force", &max_ic, &max_to,
                     1);
        check_events(k2, tr, k->rate_hz, subj == 1 ? "s01 kinematic" : "s02 kinematic", &max_ic,
                     &max_to, 1);
        /* metrics with the same definition as the truth: identical angles, so the only
         * differences come from the event frames (force-plate events) */
        static const char *const same[] = {
            "knee_valgus_at_ic_deg", "peak_knee_valgus_deg", "knee_valgus_excursion_deg",
            "peak_knee_flexion_deg", "peak_hip_adduction_deg", "peak_hip_internal_rotation_deg",
            "peak_hip_flexion_deg", "peak_ankle_dorsiflexion_deg", "contact_time_s",
        };
        static const double tol[] = {0.5, 0.05, 0.5, 0.05, 0.2, 0.2, 0.05, 0.2, 0.010};
        for (size_t m = 0; m < sizeof same / sizeof *same; m++)
            for (int s = 0; s < 2; s++) {
                const char *sd = s ? "R" : "L";
                double got = metric(k->metrics, same[m], sd), want = metric(tr->metrics, same[m], sd);
                char w[128];
                snprintf(w, sizeof w, "s%02d %s %s", subj, same[m], sd);
                printf("  %s: %.4f (truth %.4f)\n", w, got, want);
                CHECK_NEAR(w, got, want, tol[m]);
            }
        double pv[2];
        for (int s = 0; s < 2; s++) {
            pv[s] = metric(k->metrics, "peak_vgrf_n", s ? "R" : "L");
            double want = metric(tr->metrics, "peak_vgrf_n", s ? "R" : "L");
            printf("  s%02d peak_vgrf_n %s: %.1f N (truth %.1f N)\n", subj, s ? "R" : "L", pv[s], want);
            CHECK_NEAR("peak_vgrf_n (plate noise 1 N SD)", pv[s], want, 0.02 * want + 5);
        }
        double r = metric(k->metrics, "knee_separation_ratio_at_peak_flexion", "");
        double rw = metric(tr->metrics, "knee_separation_ratio_at_peak_flexion", "");
        printf("  s%02d knee separation ratio %.4f (truth %.4f)\n", subj, r, rw);
        CHECK_NEAR("knee separation ratio", r, rw, 0.01);
        /* video-comparable metrics against kc-synth's own computation on the true landmarks
         * (pipeline/synth/truthcalc.c, a separate implementation): the same camera placement
         * from the events, so the force-plate IC frames (within 1 frame of the truth) move the
         * camera by at most a frame's knee travel; 0.05 deg and 0.002 on the ratios */
        for (int s = 0; s < 2; s++) {
            const char *sd = s ? "R" : "L";
            double got = metric(k->metrics, "fppa_video_at_pkf_deg", sd);
            double want = metric(tr->metrics, "fppa_video_at_pkf_deg", sd);
            double g3 = metric(k->metrics, "fppa_3d_at_pkf_deg", sd);
            printf("  s%02d fppa_video_at_pkf_deg %s: %.4f (truth %.4f; 3D FPPA %.4f)\n", subj,
                   sd, got, want, g3);
            CHECK_NEAR("video FPPA at PKF (deg)", got, want, 0.05);
        }
        static const char *const vr[] = {"knee_separation_ratio_video",
                                         "ankle_separation_ratio_video",
                                         "knee_to_ankle_separation_ratio_video"};
        for (int j = 0; j < 3; j++) {
            double got = metric(k->metrics, vr[j], ""), want = metric(tr->metrics, vr[j], "");
            printf("  s%02d %s %.4f (truth %.4f)\n", subj, vr[j], got, want);
            CHECK_NEAR(vr[j], got, want, 0.002);
        }
        check_chain(ko, k, subj == 1 ? "s01" : "s02");
        kc_kin_free(k);
        kc_kin_free(k2);
        kc_traj_free(t);
    }
    printf("identity: max angle error %.3g deg, max joint-centre error %.3g mm, "
           "max |IC error| %.2f frames, max |take-off error| %.2f frames\n",
           max_ang, max_jc, max_ic, max_to);
    printf("identity: kc-synth's pig truth vs its bone truth, max %.3g deg\n", max_pig_bone);
    return 0;
}

/* ---- anatomical through kc-triangulate ----------------------------------------------------- */

static int run_anatomical(const char *dir, int acceptance, int acceptance_events)
{
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/S' --subjects 2 --trials 1 --sls 0 --cameras 8 --seed 11 --quiet",
             KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth anatomical session", system(cmd) == 0))
        return 1;
    /* bone truth (/truth/angles): sum2, ic2, mod2; pig truth (/truth/pig_angles): pw2 (whole
     * pipeline vs raw), al2 (algorithm: vs the pig truth through the same filter), pic2 (at
     * initial contact); meas2: triangulated vs true markers, both through kc-ik */
    double sum2[3] = {0, 0, 0}, ic2[3] = {0, 0, 0}, mod2[3] = {0, 0, 0}, meas2[3] = {0, 0, 0};
    double pw2[3] = {0, 0, 0}, al2[3] = {0, 0, 0}, pic2[3] = {0, 0, 0};
    size_t n[3] = {0, 0, 0}, nic[3] = {0, 0, 0};
    double worst_pv = 0, worst_pv_pig = 0, max_agree = 0;
    for (int subj = 1; subj <= 2; subj++) {
        char in[1024], st[1024], tr[1024], ko[1024];
        snprintf(in, sizeof in, "%s/S/s%02d/static.obs.h5", dir, subj);
        snprintf(st, sizeof st, "%s/s%02d_static.traj.h5", dir, subj);
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --quiet '%s/S/calib/truth.calib.h5' '%s'",
                 KC_TRIANGULATE_EXE, st, dir, in);
        if (!CHECK("kc-triangulate static", system(cmd) == 0))
            return 1;
        snprintf(in, sizeof in, "%s/S/s%02d/dvj_1.obs.h5", dir, subj);
        snprintf(tr, sizeof tr, "%s/s%02d_dvj.traj.h5", dir, subj);
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --quiet '%s/S/calib/truth.calib.h5' '%s'",
                 KC_TRIANGULATE_EXE, tr, dir, in);
        if (!CHECK("kc-triangulate trial", system(cmd) == 0))
            return 1;
        snprintf(ko, sizeof ko, "%s/s%02d_dvj.kin.h5", dir, subj);
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/S/subjects.csv' "
                 "--subject s%02d --quiet '%s'", KC_IK_EXE, ko, st, dir, subj, tr);
        if (!CHECK("kc-ik anatomical", system(cmd) == 0))
            return 1;
        /* the same trial from the true (misplaced, skin-moving) marker positions: what
         * Plug-in Gait gives without any measurement error */
        char tst[1024], ttr[1024], tko[1024];
        snprintf(tst, sizeof tst, "%s/s%02d_static_truthmk.traj.h5", dir, subj);
        snprintf(ttr, sizeof ttr, "%s/s%02d_dvj_truthmk.traj.h5", dir, subj);
        snprintf(tko, sizeof tko, "%s/s%02d_dvj_truthmk.kin.h5", dir, subj);
        snprintf(in, sizeof in, "%s/S/s%02d/static.obs.h5", dir, subj);
        if (!CHECK("static truth markers -> traj", truth_to_traj(in, tst, 0) == 0))
            return 1;
        snprintf(in, sizeof in, "%s/S/s%02d/dvj_1.obs.h5", dir, subj);
        if (!CHECK("trial truth markers -> traj", truth_to_traj(in, ttr, 0) == 0))
            return 1;
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/S/subjects.csv' "
                 "--subject s%02d --quiet '%s'", KC_IK_EXE, tko, tst, dir, subj, ttr);
        if (!CHECK("kc-ik on the anatomical truth markers", system(cmd) == 0))
            return 1;
        /* events from the triangulated markers alone */
        char tnp[1024], knp[1024];
        snprintf(tnp, sizeof tnp, "%s/s%02d_dvj_noplates.traj.h5", dir, subj);
        snprintf(knp, sizeof knp, "%s/s%02d_dvj_noplates.kin.h5", dir, subj);
        if (!CHECK("strip the force plates", strip_plates(tr, tnp) == 0))
            return 1;
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/S/subjects.csv' "
                 "--subject s%02d --quiet '%s'", KC_IK_EXE, knp, st, dir, subj, tnp);
        if (!CHECK("kc-ik without force plates", system(cmd) == 0))
            return 1;
        kc_kin *k = NULL, *km = NULL, *kn = NULL;
        kc_traj *t = NULL;
        if (!CHECK("read kin", kc_kin_read(ko, &k) == 0) ||
            !CHECK("read kin (no plates)", kc_kin_read(knp, &kn) == 0) ||
            !CHECK("read kin (truth markers)", kc_kin_read(tko, &km) == 0) ||
            !CHECK("read traj", kc_traj_read(tr, &t) == 0) || !CHECK("truth", t->truth != NULL)) {
            kc_kin_free(k);
            kc_kin_free(km);
            kc_kin_free(kn);
            kc_traj_free(t);
            return 1;
        }
        const kc_truth *T = t->truth;
        {
            /* the take-off from the filtered toe marker (5 mm threshold, events.h) is late by
             * up to 2.7 frames on this session (s01 R, seed 11): asserted within ISSUE 5's 2
             * frames with --acceptance-events only (the 12 Hz filter rounds the toe's
             * lift-off; ISSUE 5 "Events", tests/ik.cmake) */
            double mi = 0, mt = 0;
            check_events(kn, T, kn->rate_hz, subj == 1 ? "s01 anatomical kinematic"
                                                       : "s02 anatomical kinematic", &mi, &mt,
                         acceptance_events);
        }
        size_t F = k->n_frames;
        static const char *const lower[] = {"LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle"};
        /* kc-synth's own Plug-in Gait on the noise-free captured markers (the pig truth), raw
         * and through the filter kc-triangulate applied to the markers (the same 4th-order
         * zero-lag Butterworth at the trial's cutoff, applied here to the angle series) */
        char obs[1024];
        snprintf(obs, sizeof obs, "%s/S/s%02d/dvj_1.obs.h5", dir, subj);
        double *pig[6] = {NULL}, *pigf[6] = {NULL};
        int pig_ok = 1;
        for (int c = 0; c < 6; c++) {
            pig[c] = read_pig_series(obs, "pig_angles", lower[c], F);
            pigf[c] = pig[c] ? malloc(F * 3 * sizeof(double)) : NULL;
            if (!pig[c] || !pigf[c]) {
                pig_ok = 0;
                continue;
            }
            memcpy(pigf[c], pig[c], F * 3 * sizeof(double));
            if (isfinite(t->filter_cutoff_hz)) {
                size_t pad = kc_filter_default_pad(t->rate_hz);
                double *work = malloc((2 * F + 2 * pad) * sizeof *work);
                for (int p = 0; p < 3 && work; p++)
                    if (kc_filter_signal(pigf[c] + p, F, 3, t->filter_cutoff_hz, t->rate_hz, pad,
                                         work))
                        pig_ok = 0;
                if (!work)
                    pig_ok = 0;
                free(work);
            }
        }
        CHECK("filter cutoff of the trajectories is known", isfinite(t->filter_cutoff_hz));
        if (!CHECK("read /truth/pig_angles and filter it", pig_ok)) {
            for (int c = 0; c < 6; c++) {
                free(pig[c]);
                free(pigf[c]);
            }
            kc_kin_free(k);
            kc_kin_free(km);
            kc_kin_free(kn);
            kc_traj_free(t);
            return 1;
        }
        for (int s = 0; s < 2; s++) {
            const char *sd = s ? "R" : "L";
            size_t fic = (size_t)llround(event_time(T->events, "initial_contact", sd) * k->rate_hz);
            size_t fto = (size_t)llround(event_time(T->events, "take_off", sd) * k->rate_hz);
            for (size_t c = 0; c < 6; c++) {
                if (c % 2 != (size_t)s)
                    continue;
                const kc_series3 *a = kc_kin_angle(k, lower[c]), *b = truth_series(T, lower[c], 0);
                const kc_series3 *am = kc_kin_angle(km, lower[c]);
                if (!CHECK(lower[c], a && b && am))
                    continue;
                const double *pg = pig[c], *pf = pigf[c];
                double cs2[3] = {0, 0, 0}, cp2[3] = {0, 0, 0}, ca2[3] = {0, 0, 0};
                size_t cn = 0;
                for (size_t f = 0; f < F; f++) {
                    /* independent implementations on the same noise-free markers */
                    for (int p = 0; p < 3; p++) {
                        double d = fabs(wrapd(am->data[f * 3 + p] - pg[f * 3 + p]));
                        if (!(d <= max_agree))
                            max_agree = isnan(d) ? INFINITY : d;
                    }
                    int ok = 1;
                    for (int p = 0; p < 3; p++)
                        ok &= isfinite(a->data[f * 3 + p]) && isfinite(am->data[f * 3 + p]);
                    if (!ok)
                        continue;
                    cn++;
                    for (int p = 0; p < 3; p++) {
                        double d = wrapd(a->data[f * 3 + p] - b->data[f * 3 + p]);
                        double dm = wrapd(am->data[f * 3 + p] - b->data[f * 3 + p]);
                        double dn = wrapd(a->data[f * 3 + p] - am->data[f * 3 + p]);
                        double dp = wrapd(a->data[f * 3 + p] - pg[f * 3 + p]);
                        double da = wrapd(a->data[f * 3 + p] - pf[f * 3 + p]);
                        mod2[p] += dm * dm;
                        meas2[p] += dn * dn;
                        cs2[p] += d * d;
                        sum2[p] += d * d;
                        cp2[p] += dp * dp;
                        pw2[p] += dp * dp;
                        ca2[p] += da * da;
                        al2[p] += da * da;
                        n[p]++;
                        if (f == fic) {
                            ic2[p] += d * d;
                            pic2[p] += dp * dp;
                            nic[p]++;
                        }
                    }
                }
                double dn = (double)cn;
                printf("  s%02d %-6s RMS vs pig truth X %.3f Y %.3f Z %.3f, vs filtered pig truth "
                       "%.3f %.3f %.3f, vs bone truth %.3f %.3f %.3f deg (%zu frames)\n"
                       "         at IC vs pig truth %+.3f %+.3f %+.3f, vs bone truth %+.3f %+.3f "
                       "%+.3f deg\n", subj, lower[c],
                       sqrt(cp2[0] / dn), sqrt(cp2[1] / dn), sqrt(cp2[2] / dn),
                       sqrt(ca2[0] / dn), sqrt(ca2[1] / dn), sqrt(ca2[2] / dn),
                       sqrt(cs2[0] / dn), sqrt(cs2[1] / dn), sqrt(cs2[2] / dn), cn,
                       wrapd(a->data[fic * 3] - pg[fic * 3]),
                       wrapd(a->data[fic * 3 + 1] - pg[fic * 3 + 1]),
                       wrapd(a->data[fic * 3 + 2] - pg[fic * 3 + 2]),
                       wrapd(a->data[fic * 3] - b->data[fic * 3]),
                       wrapd(a->data[fic * 3 + 1] - b->data[fic * 3 + 1]),
                       wrapd(a->data[fic * 3 + 2] - b->data[fic * 3 + 2]));
            }
            /* peak valgus of the pig truth with the truth's definition (truthcalc.c): the
             * largest -knee Y from initial contact to the frame of peak knee flexion, that
             * peak taken from initial contact to take-off */
            const double *kn_p = pig[2 + s];
            size_t pk = fic;
            for (size_t f = fic; f <= fto && f < F; f++)
                if (kn_p[f * 3] > kn_p[pk * 3])
                    pk = f;
            double pvp = -INFINITY;
            for (size_t f = fic; f <= pk && f < F; f++)
                if (-kn_p[f * 3 + 1] > pvp)
                    pvp = -kn_p[f * 3 + 1];
            double pv = metric(k->metrics, "peak_knee_valgus_deg", sd);
            double pvt = metric(T->metrics, "peak_knee_valgus_deg", sd);
            printf("  s%02d %s peak knee valgus %.3f deg: pig truth %.3f (error %+.3f), bone truth "
                   "%.3f (error %+.3f)\n", subj, sd, pv, pvp, pv - pvp, pvt, pv - pvt);
            char w[96];
            snprintf(w, sizeof w, "s%02d %s sign of peak knee valgus (pig truth)", subj, sd);
            if (acceptance) {
                CHECK(w, (pv > 0) == (pvp > 0));
                snprintf(w, sizeof w, "s%02d %s peak knee valgus vs pig truth (ISSUE 5: 0.7 deg)",
                         subj, sd);
                CHECK_NEAR(w, pv, pvp, 0.7);
            }
            if (fabs(pv - pvt) > worst_pv || isnan(pv))
                worst_pv = isnan(pv) ? INFINITY : fabs(pv - pvt);
            if (fabs(pv - pvp) > worst_pv_pig || isnan(pv))
                worst_pv_pig = isnan(pv) ? INFINITY : fabs(pv - pvp);
            double ic = event_time(k->events, "initial_contact", sd);
            double tic = event_time(T->events, "initial_contact", sd);
            double to = event_time(k->events, "take_off", sd), tto = event_time(T->events, "take_off", sd);
            printf("  s%02d %s events (force plates): IC %+.2f frames, take-off %+.2f frames\n",
                   subj, sd, (ic - tic) * k->rate_hz, (to - tto) * k->rate_hz);
            CHECK_NEAR("anatomical IC (frames)", (ic - tic) * k->rate_hz, 0, 1);
            CHECK_NEAR("anatomical take-off (frames)", (to - tto) * k->rate_hz, 0, 2);
        }
        for (int c = 0; c < 6; c++) {
            free(pig[c]);
            free(pigf[c]);
        }
        kc_kin_free(k);
        kc_kin_free(km);
        kc_kin_free(kn);
        kc_traj_free(t);
    }
    double rms[3], rms_ic[3], rms_mod[3], rms_meas[3], rms_pig[3], rms_alg[3], rms_pic[3];
    for (int p = 0; p < 3; p++) {
        rms[p] = sqrt(sum2[p] / (double)n[p]);
        rms_ic[p] = sqrt(ic2[p] / (double)nic[p]);
        rms_mod[p] = sqrt(mod2[p] / (double)n[p]);
        rms_meas[p] = sqrt(meas2[p] / (double)n[p]);
        rms_pig[p] = sqrt(pw2[p] / (double)n[p]);
        rms_alg[p] = sqrt(al2[p] / (double)n[p]);
        rms_pic[p] = sqrt(pic2[p] / (double)nic[p]);
    }
    /* kc-ik (pipeline/lib/pigmodel.c) and kc-synth (pipeline/synth/pig.c, truthcalc.c) are
     * separate implementations of docs/pig-model.md: on the same noise-free markers, with the
     * same subjects.csv and static, they agree to rounding (the identity-mode tolerance) */
    printf("kc-ik on the true markers vs kc-synth's pig truth: max |difference| %.2e deg\n",
           max_agree);
    CHECK_NEAR("kc-ik vs kc-synth Plug-in Gait on the true markers, max (deg)", max_agree, 0, 0.01);
    printf("decomposition against the BONE truth (/truth/angles; hip, knee, ankle; RMS sagittal,\n"
           "frontal, transverse deg):\n"
           "  Plug-in Gait on the true anatomical markers vs bone truth (soft tissue, knee-marker\n"
           "  rotation, hip centre, measured parameters): %.3f, %.3f, %.3f\n"
           "  triangulated + filtered vs the true markers, both through kc-ik "
           "(measurement chain): %.3f, %.3f, %.3f\n",
           rms_mod[0], rms_mod[1], rms_mod[2], rms_meas[0], rms_meas[1], rms_meas[2]);
    /* the measurement chain alone must stay within the issue's whole-pipeline budget */
    CHECK_NEAR("measurement chain RMS sagittal (deg)", rms_meas[0], 0, 0.5);
    CHECK_NEAR("measurement chain RMS frontal (deg)", rms_meas[1], 0, 0.7);
    CHECK_NEAR("measurement chain RMS transverse (deg)", rms_meas[2], 0, 1.5);
    printf("anatomical, against the PIG truth (/truth/pig_angles; hip, knee, ankle; both subjects "
           "and sides):\n"
           "  algorithm error (vs the pig truth through the same filter): RMS sagittal %.3f, "
           "frontal %.3f, transverse %.3f deg (ISSUE 5: 0.2, 0.3, 0.6)\n"
           "  whole pipeline (vs the raw pig truth): RMS %.3f, %.3f, %.3f deg (ISSUE 5: 0.5, 0.7, "
           "1.5); at initial contact %.3f, %.3f, %.3f deg; worst peak-valgus error %.3f deg\n",
           rms_alg[0], rms_alg[1], rms_alg[2], rms_pig[0], rms_pig[1], rms_pig[2], rms_pic[0],
           rms_pic[1], rms_pic[2], worst_pv_pig);
    printf("anatomical whole pipeline vs the BONE truth (reported, not asserted: Plug-in Gait's "
           "own model error):\n"
           "  RMS sagittal %.3f, frontal %.3f, transverse %.3f deg; at initial contact %.3f, "
           "%.3f, %.3f deg; worst peak-valgus error %.3f deg\n",
           rms[0], rms[1], rms[2], rms_ic[0], rms_ic[1], rms_ic[2], worst_pv);
    if (acceptance) {
        CHECK_NEAR("ISSUE 5: algorithm error RMS sagittal (deg)", rms_alg[0], 0, 0.2);
        CHECK_NEAR("ISSUE 5: algorithm error RMS frontal (deg)", rms_alg[1], 0, 0.3);
        CHECK_NEAR("ISSUE 5: algorithm error RMS transverse (deg)", rms_alg[2], 0, 0.6);
        CHECK_NEAR("ISSUE 5: whole-pipeline RMS sagittal vs pig truth (deg)", rms_pig[0], 0, 0.5);
        CHECK_NEAR("ISSUE 5: whole-pipeline RMS frontal vs pig truth (deg)", rms_pig[1], 0, 0.7);
        CHECK_NEAR("ISSUE 5: whole-pipeline RMS transverse vs pig truth (deg)", rms_pig[2], 0, 1.5);
    }
    return 0;
}


/* ---- knee-axis crosstalk (--functional) ------------------------------------------------------ */

static double model_attr(const kc_kin *k, const char *name)
{
    for (size_t i = 0; i < k->model.n; i++)
        if (strcmp(k->model.items[i].name, name) == 0 && !k->model.items[i].str &&
            k->model.items[i].n >= 1)
            return k->model.items[i].v[0];
    return NAN;
}

/* kc-ik on the truth markers of subject subj of session dir/name; with_functional: 0 none
 * (Plug-in Gait), 1 --functional (minimum abduction variance), 2 --functional
 * --functional-method axis; with the functional trial the model is kinechain (Harrington hip
 * centre, the model the correction belongs to), except on the identity session "I" whose
 * markers are exactly Plug-in Gait's (Davis hip centre) and where the model stays pig.
 * Writes dir/name_sNN_fW.kin.h5 and reads it into *k (and the trial into *t). */
static int ik_truthmk(const char *dir, const char *name, int subj, int with_functional, kc_kin **k,
                      kc_traj **t)
{
    char in[1024], sp[1024], tp[1024], fp[1024], ko[1024];
    snprintf(in, sizeof in, "%s/%s/s%02d/static.obs.h5", dir, name, subj);
    snprintf(sp, sizeof sp, "%s/%s_s%02d_static.traj.h5", dir, name, subj);
    if (truth_to_traj(in, sp, 0))
        return 1;
    snprintf(in, sizeof in, "%s/%s/s%02d/dvj_1.obs.h5", dir, name, subj);
    snprintf(tp, sizeof tp, "%s/%s_s%02d_dvj.traj.h5", dir, name, subj);
    if (truth_to_traj(in, tp, 0))
        return 1;
    snprintf(in, sizeof in, "%s/%s/s%02d/functional.obs.h5", dir, name, subj);
    snprintf(fp, sizeof fp, "%s/%s_s%02d_functional.traj.h5", dir, name, subj);
    if (truth_to_traj(in, fp, 0))
        return 1;
    snprintf(ko, sizeof ko, "%s/%s_s%02d_f%d.kin.h5", dir, name, subj, with_functional);
    char fopt[1200] = "";
    if (with_functional)
        snprintf(fopt, sizeof fopt, "%s--functional '%s'%s",
                 strcmp(name, "I") ? "--model kinechain " : "", fp,
                 with_functional == 2 ? " --functional-method axis" : "");
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' %s --subjects '%s/%s/subjects.csv' "
             "--subject s%02d --quiet '%s'", KC_IK_EXE, ko, sp, fopt, dir, name, subj, tp);
    if (system(cmd) != 0 || kc_kin_read(ko, k))
        return 1;
    if (t && kc_traj_read(tp, t))
        return 1;
    return 0;
}

/* ISSUE 5 crosstalk acceptance on kc-synth's true anatomical markers (misplaced; hip centre
 * drawn about Harrington's regression; no soft-tissue artefact, --soft-tissue 0, so that
 * the knee-axis error is the one under test): knee and thigh markers rotated 10 deg about
 * the thigh on every subject (kc-synth --knee-marker-rotation 10); for every side with >= 10
 * deg of true peak valgus, peak valgus with the functional offset (--model kinechain
 * --functional, the seated flexion-extension trial) within 1.5 deg of truth (the uncorrected
 * Plug-in Gait error is printed). Identity mode (markers where Plug-in Gait's definitions
 * put them, model pig): the offset found within +-1 deg on every side of every subject. */
static int run_crosstalk(const char *dir, int acceptance)
{
    const int NS = 6;
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/A' --knee-marker-rotation 10 --soft-tissue 0 --subjects %d --trials 1 --sls 0 "
             "--cameras 4 --seed 11 --quiet", KC_SYNTH_EXE, dir, NS);
    if (!CHECK("kc-synth anatomical session, knee markers rotated 10 deg", system(cmd) == 0))
        return 1;
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/I' --mode identity --subjects %d --trials 1 --sls 0 --cameras 4 "
             "--seed 11 --quiet", KC_SYNTH_EXE, dir, NS);
    if (!CHECK("kc-synth identity session", system(cmd) == 0))
        return 1;
    static const char *const mname[3] = {"uncorrected", "variance", "axis"};
    int n_valgus = 0;
    double worst[3] = {0, 0, 0}, sum2[3] = {0, 0, 0}, worst_id[3] = {0, 0, 0};
    double all2[3] = {0, 0, 0};
    int n_all = 0;
    for (int subj = 1; subj <= NS; subj++) {
        kc_kin *ka[3] = {NULL, NULL, NULL}, *ki[3] = {NULL, NULL, NULL};
        kc_traj *t = NULL;
        int ok = 1;
        for (int w = 0; w < 3 && ok; w++) {
            ok &= CHECK("kc-ik on the rotated-marker session",
                        ik_truthmk(dir, "A", subj, w, &ka[w], w ? NULL : &t) == 0);
            if (w && ok)
                ok &= CHECK("kc-ik on the identity session",
                            ik_truthmk(dir, "I", subj, w, &ki[w], NULL) == 0);
        }
        ok = ok && CHECK("truth", t && t->truth);
        for (int s = 0; s < 2 && ok; s++) {
            const char *sd = s ? "R" : "L";
            char n[96], w[160];
            snprintf(n, sizeof n, "thigh_rotation_offset_%s_deg", sd);
            double pvt = metric(t->truth->metrics, "peak_knee_valgus_deg", sd);
            double pv[3], off[3], offi[3];
            for (int m = 0; m < 3; m++) {
                pv[m] = metric(ka[m]->metrics, "peak_knee_valgus_deg", sd);
                off[m] = model_attr(ka[m], n);
                offi[m] = m ? model_attr(ki[m], n) : 0.0;
            }
            printf("  s%02d %s: true peak valgus %6.2f; error uncorrected %+6.2f, variance "
                   "%+6.2f (offset %+6.2f), axis %+6.2f (offset %+6.2f); identity-mode offsets "
                   "variance %+5.2f, axis %+5.2f deg\n", subj, sd, pvt, pv[0] - pvt, pv[1] - pvt,
                   off[1], pv[2] - pvt, off[2], offi[1], offi[2]);
            snprintf(w, sizeof w, "s%02d %s offset without --functional is 0 in /model", subj, sd);
            CHECK(w, off[0] == 0.0);
            for (int m = 1; m < 3; m++) {
                snprintf(w, sizeof w, "s%02d %s %s offset reported and finite", subj, sd, mname[m]);
                CHECK(w, isfinite(off[m]) && isfinite(offi[m]));
                if (!(fabs(offi[m]) <= worst_id[m]))
                    worst_id[m] = isnan(offi[m]) ? INFINITY : fabs(offi[m]);
            }
            if (acceptance) {
                snprintf(w, sizeof w, "s%02d %s identity-mode offset within 1 deg (ISSUE 5)",
                         subj, sd);
                CHECK_NEAR(w, offi[1], 0, 1.0);
            }
            n_all++;
            for (int m = 0; m < 3; m++)
                all2[m] += (pv[m] - pvt) * (pv[m] - pvt);
            if (pvt >= 10.0) {
                n_valgus++;
                for (int m = 0; m < 3; m++) {
                    double e = fabs(pv[m] - pvt);
                    sum2[m] += e * e;
                    if (!(e <= worst[m]))
                        worst[m] = isnan(e) ? INFINITY : e;
                }
                if (acceptance) {
                    snprintf(w, sizeof w, "s%02d %s corrected peak valgus within 1.5 deg (ISSUE 5)",
                             subj, sd);
                    CHECK_NEAR(w, pv[1], pvt, 1.5);
                }
            }
        }
        for (int m = 0; m < 3; m++) {
            kc_kin_free(ka[m]);
            kc_kin_free(ki[m]);
        }
        kc_traj_free(t);
        if (!ok)
            return 1;
    }
    CHECK("at least one side with >= 10 deg of true peak valgus", n_valgus > 0);
    printf("crosstalk (knee markers rotated 10 deg, true anatomical markers, %d sides):\n", n_all);
    for (int m = 0; m < 3; m++)
        printf("  %-11s peak-valgus error RMS %.2f deg over all sides; on the %d sides with "
               ">= 10 deg true valgus RMS %.2f, worst %.2f deg%s\n", mname[m],
               sqrt(all2[m] / n_all), n_valgus, sqrt(sum2[m] / n_valgus), worst[m],
               m ? "" : " (Plug-in Gait)");
    printf("  identity mode, worst |offset|: variance %.2f deg, axis %.2f deg\n", worst_id[1],
           worst_id[2]);
    /* what the default (variance) correction achieves, asserted as a regression: it removes
     * at least 40 % of the RMS peak-valgus error of Plug-in Gait on these rotated markers
     * (measured seed 11, knee markers rotated 10 deg, no soft tissue: 8.27 -> 0.56 deg) */
    CHECK("--functional reduces the RMS peak-valgus error by >= 40 %",
          sqrt(all2[1] / n_all) <= 0.6 * sqrt(all2[0] / n_all));
    return 0;
}

/* ---- model kinechain: Harrington hip joint centre ------------------------------------------- */

/* ISSUE 5: on anatomical kc-synth sessions (true markers: misplaced, skin-moving; 8
 * subjects), the hip joint centres of --model kinechain (Harrington 2007) against
 * /truth/joint_centres are closer on average than Plug-in Gait's Davis centres. */
static int run_hjc(const char *dir, int acceptance)
{
    const int NS = 8;
    snprintf(cmd, sizeof cmd, "'%s' session '%s/H' --subjects %d --trials 1 --sls 0 --cameras 4 "
             "--seed 5 --quiet", KC_SYNTH_EXE, dir, NS);
    if (!CHECK("kc-synth anatomical session", system(cmd) == 0))
        return 1;
    double sum[2] = {0, 0};
    size_t cnt[2] = {0, 0};
    for (int subj = 1; subj <= NS; subj++) {
        char in[1024], sp[1024], tp[1024], ko[2][1024];
        snprintf(in, sizeof in, "%s/H/s%02d/static.obs.h5", dir, subj);
        snprintf(sp, sizeof sp, "%s/H_s%02d_static.traj.h5", dir, subj);
        if (!CHECK("static truth -> traj", truth_to_traj(in, sp, 0) == 0))
            return 1;
        snprintf(in, sizeof in, "%s/H/s%02d/dvj_1.obs.h5", dir, subj);
        snprintf(tp, sizeof tp, "%s/H_s%02d_dvj.traj.h5", dir, subj);
        if (!CHECK("trial truth -> traj", truth_to_traj(in, tp, 0) == 0))
            return 1;
        kc_kin *k[2] = {NULL, NULL};
        kc_traj *t = NULL;
        for (int m = 0; m < 2; m++) {
            snprintf(ko[m], sizeof ko[m], "%s/H_s%02d_%s.kin.h5", dir, subj, m ? "kc" : "pig");
            snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/H/subjects.csv' "
                     "--subject s%02d --model %s --quiet '%s'", KC_IK_EXE, ko[m], sp, dir, subj,
                     m ? "kinechain" : "pig", tp);
            if (!CHECK("kc-ik --model", system(cmd) == 0) || kc_kin_read(ko[m], &k[m]))
                return 1;
        }
        if (!CHECK("read trial", kc_traj_read(tp, &t) == 0) || !CHECK("truth", t->truth != NULL)) {
            kc_kin_free(k[0]);
            kc_kin_free(k[1]);
            kc_traj_free(t);
            return 1;
        }
        double e[2][2];
        for (int s = 0; s < 2; s++) {
            const char *name = s ? "RHJC" : "LHJC";
            const kc_series3 *b = truth_series(t->truth, name, 1);
            for (int m = 0; m < 2; m++) {
                const kc_series3 *a = kc_kin_centre(k[m], name);
                double se = 0;
                size_t n = 0;
                for (size_t f = 0; a && b && f < k[m]->n_frames; f++) {
                    double dx = a->data[f * 3] - b->data[f * 3], dy = a->data[f * 3 + 1] - b->data[f * 3 + 1];
                    double dz = a->data[f * 3 + 2] - b->data[f * 3 + 2];
                    double d = sqrt(dx * dx + dy * dy + dz * dz);
                    if (isfinite(d)) {
                        se += d;
                        n++;
                    }
                }
                e[m][s] = n ? se / (double)n : NAN;
                CHECK(name, n > 0);
                sum[m] += e[m][s];
                cnt[m]++;
            }
        }
        /* the Harrington centre is the document's formula (independent recomputation on the
         * middle frame, PiG pelvis axes: X = -0.24 PD - 9.9, Y = +-(0.33 PW + 7.3),
         * Z = -0.30 PW - 10.9 from mid-ASIS) */
        {
            size_t f = k[1]->n_frames / 2;
            const double *P = t->position;
            size_t M = t->n_markers;
            int ia = kc_traj_find(t, "LASI"), ib = kc_traj_find(t, "RASI");
            int ic = kc_traj_find(t, "LPSI"), id = kc_traj_find(t, "RPSI");
            kc_vec3 la = kc_v3(P[(f * M + (size_t)ia) * 3], P[(f * M + (size_t)ia) * 3 + 1], P[(f * M + (size_t)ia) * 3 + 2]);
            kc_vec3 ra = kc_v3(P[(f * M + (size_t)ib) * 3], P[(f * M + (size_t)ib) * 3 + 1], P[(f * M + (size_t)ib) * 3 + 2]);
            kc_vec3 lp = kc_v3(P[(f * M + (size_t)ic) * 3], P[(f * M + (size_t)ic) * 3 + 1], P[(f * M + (size_t)ic) * 3 + 2]);
            kc_vec3 rp = kc_v3(P[(f * M + (size_t)id) * 3], P[(f * M + (size_t)id) * 3 + 1], P[(f * M + (size_t)id) * 3 + 2]);
            kc_vec3 o = kc_v3_scale(kc_v3_add(la, ra), 0.5), sa = kc_v3_scale(kc_v3_add(lp, rp), 0.5);
            kc_vec3 Y = kc_v3_unit(kc_v3_sub(la, ra)), w = kc_v3_sub(o, sa);
            kc_vec3 X = kc_v3_unit(kc_v3_axpy(w, -kc_v3_dot(w, Y), Y)), Z = kc_v3_cross(X, Y);
            double pw = model_attr(k[1], "inter_asis_mm"), pd = kc_v3_norm(w);
            for (int s = 0; s < 2; s++) {
                kc_vec3 h = kc_v3_axpy(o, -0.24 * pd - 9.9, X);
                h = kc_v3_axpy(h, (s ? -1.0 : 1.0) * (0.33 * pw + 7.3), Y);
                h = kc_v3_axpy(h, -0.30 * pw - 10.9, Z);
                const kc_series3 *a = kc_kin_centre(k[1], s ? "RHJC" : "LHJC");
                CHECK_NEAR("Harrington HJC = the formula (mm)",
                           a ? kc_v3_norm(kc_v3_sub(h, kc_v3(a->data[f * 3], a->data[f * 3 + 1],
                                                             a->data[f * 3 + 2]))) : NAN, 0, 1e-6);
            }
        }
        printf("  s%02d mean 3D HJC error L/R: Davis %.1f / %.1f mm, Harrington %.1f / %.1f mm\n",
               subj, e[0][0], e[0][1], e[1][0], e[1][1]);
        kc_kin_free(k[0]);
        kc_kin_free(k[1]);
        kc_traj_free(t);
    }
    double md = sum[0] / (double)cnt[0], mh = sum[1] / (double)cnt[1];
    printf("hip joint centre, %d anatomical subjects (true markers), mean 3D error: Davis (pig) "
           "%.2f mm, Harrington (kinechain) %.2f mm\n", NS, md, mh);
    if (acceptance)
        CHECK("ISSUE 5: Harrington closer to the true HJC than Davis on average", mh < md);
    return 0;
}

/* ---- --events overrides ------------------------------------------------------------------- */

static const char *event_col(const kc_table *e, const char *name, const char *side, const char *col)
{
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side"), cc = kc_table_find(e, col);
    for (size_t i = 0; i < kc_table_nrows(e); i++)
        if (!strcmp(kc_table_get_str(e, i, cn), name) && !strcmp(kc_table_get_str(e, i, cs), side))
            return kc_table_get_str(e, i, cc);
    return NULL;
}

/* identity s01: the left initial contact moved 50 ms later and the right take-off given by
 * a CSV (plus a row of another subject, ignored): those rows become method/source "manual"
 * with the given times, the others stay "detected", the contact time follows the override;
 * a row with an unknown side is a one-line error, exit 2, no output. */
static int run_overrides(const char *dir)
{
    if (make_inputs(dir))
        return 1;
    char ko[1024], ko2[1024], csv[1024], bad[1024];
    snprintf(ko, sizeof ko, "%s/plain.kin.h5", dir);
    snprintf(ko2, sizeof ko2, "%s/manual.kin.h5", dir);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s/static.traj.h5' --subjects "
             "'%s/S/subjects.csv' --subject s01 --quiet '%s/dvj.traj.h5'", KC_IK_EXE, ko, dir, dir, dir);
    if (!CHECK("kc-ik without overrides", system(cmd) == 0))
        return 1;
    kc_kin *k = NULL, *m = NULL;
    if (!CHECK("read", kc_kin_read(ko, &k) == 0))
        return 1;
    double ic = event_time(k->events, "initial_contact", "L");
    double to = event_time(k->events, "take_off", "R");
    snprintf(csv, sizeof csv, "%s/events.csv", dir);
    FILE *fp = fopen(csv, "w");
    if (!CHECK("write csv", fp != NULL)) {
        kc_kin_free(k);
        return 1;
    }
    fprintf(fp, "subject,trial,name,side,time_s\ns01,,initial_contact,L,%.6f\ns01,,take_off,R,%.6f\n"
            "s02,,initial_contact,L,0.1\n", ic + 0.05, to - 0.02); /* written to 1 us */
    fclose(fp);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s/static.traj.h5' --subjects "
             "'%s/S/subjects.csv' --subject s01 --events '%s' --quiet '%s/dvj.traj.h5'", KC_IK_EXE,
             ko2, dir, dir, csv, dir);
    if (!CHECK("kc-ik --events", system(cmd) == 0) || !CHECK("read", kc_kin_read(ko2, &m) == 0)) {
        kc_kin_free(k);
        return 1;
    }
    CHECK_NEAR("overridden L initial contact (s)", event_time(m->events, "initial_contact", "L"),
               ic + 0.05, 1e-6);
    CHECK_NEAR("overridden R take-off (s)", event_time(m->events, "take_off", "R"), to - 0.02, 1e-6);
    const char *src = event_col(m->events, "initial_contact", "L", "source");
    const char *mth = event_col(m->events, "initial_contact", "L", "method");
    CHECK("L initial contact source manual", src && !strcmp(src, "manual"));
    CHECK("L initial contact method manual", mth && !strcmp(mth, "manual"));
    src = event_col(m->events, "take_off", "R", "source");
    CHECK("R take-off source manual", src && !strcmp(src, "manual"));
    src = event_col(m->events, "initial_contact", "R", "source");
    CHECK("R initial contact still detected", src && !strcmp(src, "detected"));
    CHECK_NEAR("R initial contact unchanged", event_time(m->events, "initial_contact", "R"),
               event_time(k->events, "initial_contact", "R"), 1e-12);
    double ct = metric(m->metrics, "contact_time_s", "L");
    double tl = event_time(m->events, "take_off", "L");
    CHECK_NEAR("L contact time follows the override", ct, tl - (ic + 0.05), 1e-6);
    printf("  overrides: L IC %.4f -> %.4f s, R take-off %.4f -> %.4f s, L contact time %.4f s\n",
           ic, event_time(m->events, "initial_contact", "L"), to,
           event_time(m->events, "take_off", "R"), ct);
    kc_kin_free(k);
    kc_kin_free(m);
    snprintf(bad, sizeof bad, "%s/bad.csv", dir);
    fp = fopen(bad, "w");
    if (!CHECK("write bad csv", fp != NULL))
        return 1;
    fprintf(fp, "subject,trial,name,side,time_s\ns01,,initial_contact,X,1.0\n");
    fclose(fp);
    snprintf(ko2, sizeof ko2, "%s/bad.kin.h5", dir);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s/static.traj.h5' --subjects "
             "'%s/S/subjects.csv' --subject s01 --events '%s' '%s/dvj.traj.h5' 2>/dev/null",
             KC_IK_EXE, ko2, dir, dir, bad, dir);
    int r = system(cmd);
    CHECK("a bad override row: exit 2", WIFEXITED(r) && WEXITSTATUS(r) == 2);
    FILE *o = fopen(ko2, "r");
    CHECK("no output after a bad override", o == NULL);
    if (o)
        fclose(o);
    return 0;
}

/* ---- single-leg squats ----------------------------------------------------------------------- */

/* identity mode, 2 subjects, one single-leg squat per side: the stance side right, the
 * deepest frame within 1 frame of the truth, start and end reported against the truth (the
 * fixed 5 % threshold makes start late and end early: asserted within 0.25 s, every number
 * printed), metrics equal to the truth's within 0.2 deg. */
static int run_sls(const char *dir)
{
    snprintf(cmd, sizeof cmd, "'%s' session '%s/S' --mode identity --subjects 2 --trials 0 --sls 1 "
             "--cameras 4 --seed 7 --quiet", KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth identity session with single-leg squats", system(cmd) == 0))
        return 1;
    static const char *const mets[] = {"peak_knee_flexion_deg", "peak_knee_valgus_deg",
                                       "knee_valgus_excursion_deg", "peak_hip_adduction_deg",
                                       "peak_hip_internal_rotation_deg",
                                       "peak_contralateral_pelvic_drop_deg"};
    double worst_start = 0, worst_end = 0, sum_start = 0, sum_end = 0;
    int n = 0;
    for (int subj = 1; subj <= 2; subj++) {
        char in[1024], sp[1024];
        snprintf(in, sizeof in, "%s/S/s%02d/static.obs.h5", dir, subj);
        snprintf(sp, sizeof sp, "%s/s%02d_static.traj.h5", dir, subj);
        if (!CHECK("static truth -> traj", truth_to_traj(in, sp, 0) == 0))
            return 1;
        for (int side = 0; side < 2; side++) {
            const char *sd = side ? "R" : "L";
            char tp[1024], ko[1024];
            snprintf(in, sizeof in, "%s/S/s%02d/sls_%s_1.obs.h5", dir, subj, sd);
            snprintf(tp, sizeof tp, "%s/s%02d_sls_%s.traj.h5", dir, subj, sd);
            if (!CHECK("sls truth -> traj", truth_to_traj(in, tp, 0) == 0))
                return 1;
            snprintf(ko, sizeof ko, "%s/s%02d_sls_%s.kin.h5", dir, subj, sd);
            snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s/S/subjects.csv' "
                     "--subject s%02d --type sls --quiet '%s'", KC_IK_EXE, ko, sp, dir, subj, tp);
            kc_kin *k = NULL;
            kc_traj *t = NULL;
            if (!CHECK("kc-ik --type sls", system(cmd) == 0) || kc_kin_read(ko, &k) ||
                kc_traj_read(tp, &t) || !CHECK("truth", t->truth != NULL)) {
                kc_kin_free(k);
                kc_traj_free(t);
                return 1;
            }
            double rate = k->rate_hz;
            double es = (event_time(k->events, "start", sd) - event_time(t->truth->events, "start", sd));
            double ee = (event_time(k->events, "end", sd) - event_time(t->truth->events, "end", sd));
            double ep = (event_time(k->events, "peak_knee_flexion", sd) -
                         event_time(t->truth->events, "peak_knee_flexion", sd)) * rate;
            printf("  s%02d SLS %s: start %+.3f s, deepest %+.1f frames, end %+.3f s\n", subj, sd,
                   es, ep, ee);
            char w[128];
            snprintf(w, sizeof w, "s%02d SLS %s stance side found", subj, sd);
            CHECK(w, isfinite(ep));
            CHECK_NEAR("SLS deepest point (frames)", ep, 0, 1.0);
            CHECK_NEAR("SLS start (s)", es, 0, 0.25);
            CHECK_NEAR("SLS end (s)", ee, 0, 0.25);
            if (!(fabs(es) <= worst_start))
                worst_start = isnan(es) ? INFINITY : fabs(es);
            if (!(fabs(ee) <= worst_end))
                worst_end = isnan(ee) ? INFINITY : fabs(ee);
            sum_start += es;
            sum_end += ee;
            n++;
            {
                /* the normalised squat of the stance knee starts and ends near its baseline and
                 * passes through the peak */
                int found = 0;
                char kn[16];
                snprintf(kn, sizeof kn, "%sKnee", sd);
                for (size_t ph = 0; ph < k->n_phases; ph++)
                    if (!strcmp(k->phases[ph].name, "squat"))
                        for (size_t c = 0; c < k->phases[ph].n_channels; c++)
                            if (!strcmp(k->phases[ph].channels[c].name, kn)) {
                                const double *d = k->phases[ph].channels[c].data;
                                double mx = -INFINITY;
                                for (int i = 0; i < KC_NORM_POINTS; i++)
                                    mx = fmax(mx, d[i * 3]);
                                CHECK_NEAR("normalised squat peak = peak knee flexion", mx,
                                           metric(k->metrics, "peak_knee_flexion_deg", sd), 0.5);
                                found = 1;
                            }
                snprintf(w, sizeof w, "s%02d SLS %s /normalized/squat/%s", subj, sd, kn);
                CHECK(w, found);
            }
            for (size_t m = 0; m < sizeof mets / sizeof *mets; m++) {
                double got = metric(k->metrics, mets[m], sd), want = metric(t->truth->metrics, mets[m], sd);
                snprintf(w, sizeof w, "s%02d SLS %s %s", subj, sd, mets[m]);
                printf("    %s: %.3f (truth %.3f)\n", w, got, want);
                CHECK_NEAR(w, got, want, 0.2);
            }
            {
                /* /chain of a squat: stance side assessed for hip and pelvis only (contralateral
                 * drop > 5 deg), the other side not assessed */
                kc_h5 *h = NULL;
                if (CHECK("open sls kin", kc_h5_open(&h, ko, "kinematics") == 0)) {
                    for (int q = 0; q < 2; q++) {
                        const char *qs = q ? "R" : "L";
                        char an[64];
                        int64_t knee = -9, pel = -9, hip = -9;
                        snprintf(an, sizeof an, "knee_%s", qs);
                        CHECK(an, kc_h5_attr_get_i64(h, "/chain", an, &knee) == 0);
                        snprintf(an, sizeof an, "pelvis_trunk_%s", qs);
                        CHECK(an, kc_h5_attr_get_i64(h, "/chain", an, &pel) == 0);
                        snprintf(an, sizeof an, "hip_%s", qs);
                        CHECK(an, kc_h5_attr_get_i64(h, "/chain", an, &hip) == 0);
                        CHECK("SLS knee not assessed against a landing threshold", knee == -1);
                        if (q == side) {
                            double d = metric(k->metrics, "peak_contralateral_pelvic_drop_deg", sd);
                            CHECK("SLS pelvis flag = contralateral drop > 5 deg",
                                  pel == (d > 5.0 ? 1 : 0));
                        } else {
                            CHECK("SLS other side not assessed", pel == -1 && hip == -1);
                        }
                    }
                    kc_h5_close(h);
                }
            }
            kc_kin_free(k);
            kc_traj_free(t);
        }
    }
    printf("single-leg squats (identity, %d): start mean %+.3f s (worst %.3f), end mean %+.3f s "
           "(worst %.3f)\n", n, sum_start / n, worst_start, sum_end / n, worst_end);
    return 0;
}

int main(int argc, char **argv)
{
    kc_log_init("test_ik_synth", KC_LOG_ERROR);
    const char *mode = argc > 1 ? argv[1] : "identity";
    if (strcmp(mode, "make-inputs") == 0 && argc == 3) {
        make_inputs(argv[2]);
        return kc_test_failures ? 1 : 0;
    }
    char prog[64];
    snprintf(prog, sizeof prog, "test_ik_synth_%s%s", mode,
             argc > 2 && strcmp(argv[2], "--acceptance") == 0          ? "_acceptance"
             : argc > 2 && strcmp(argv[2], "--acceptance-events") == 0 ? "_acceptance_events"
                                                                        : "");
    const char *dir = kc_test_tmpdir(prog);
    if (!dir)
        return 1;
    if (strcmp(mode, "identity") == 0)
        run_identity(dir);
    else if (strcmp(mode, "sls") == 0)
        run_sls(dir);
    else if (strcmp(mode, "overrides") == 0)
        run_overrides(dir);
    else if (strcmp(mode, "hjc") == 0)
        run_hjc(dir, argc > 2 && strcmp(argv[2], "--acceptance") == 0);
    else if (strcmp(mode, "crosstalk") == 0)
        run_crosstalk(dir, argc > 2 && strcmp(argv[2], "--acceptance") == 0);
    else if (strcmp(mode, "anatomical") == 0)
        run_anatomical(dir, argc > 2 && strcmp(argv[2], "--acceptance") == 0,
                       argc > 2 && strcmp(argv[2], "--acceptance-events") == 0);
    else
        CHECK("mode is identity, anatomical, crosstalk or hjc", 0);
    return kc_test_summary(prog);
}
