/* kc-ik against kc-synth's ground truth (ISSUE 5).
 *
 *   test_ik_synth identity    noise-free identity-mode truth markers (/truth/markers written
 *                             as a traj file here, no triangulation) -> kc-ik: every channel,
 *                             side and plane within 0.01 deg of /truth/angles, joint centres
 *                             within 1e-6 mm (s01 has non-zero tibial torsion); events from
 *                             force plates and from the markers against /truth/events (IC
 *                             within 1 frame, take-off within 2); metrics against
 *                             /truth/metrics where the definitions are the same.
 *   test_ik_synth anatomical [--acceptance]
 *                             an anatomical-mode session at default noise through
 *                             kc-triangulate (default 12 Hz) -> kc-ik. Reports the RMS error
 *                             per plane against the raw truth, the error at initial contact,
 *                             peak knee valgus and its error, and splits the error into
 *                             Plug-in Gait on the true (misplaced, skin-moving) markers and
 *                             the measurement chain (triangulated vs true markers, both
 *                             through kc-ik). Asserts the measurement chain within the issue's
 *                             whole-pipeline budget (0.5, 0.7, 1.5 deg) and the force-plate
 *                             events (IC 1 frame, take-off 2). With --acceptance it also
 *                             asserts ISSUE 5's whole-pipeline bounds against the raw truth
 *                             (<= 0.5 sagittal, <= 0.7 frontal, <= 1.5 transverse), the sign
 *                             of peak knee valgus and its error within 0.7 deg: plain Plug-in
 *                             Gait does not meet them on kc-synth's anatomical markers (the
 *                             knee-marker rotation needs the functional-trial correction of
 *                             issue 5, not done yet).
 * Every measured number is printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/forceplate.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/pigmodel.h"
#include "kinechain/trajfile.h"
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
    kc_obs *o = NULL;
    kc_traj *t = NULL;
    int st = kc_obs_read(obs_path, &o);
    if (st)
        return st;
    st = KC_EMISSING;
    if (!o->truth || !o->truth->markers || o->truth->n_markers != o->n_markers)
        goto done;
    size_t F = o->truth->n_frames, M = o->n_markers;
    st = KC_ENOMEM;
    if (!(t = kc_traj_alloc()))
        goto done;
    if ((st = kc_traj_alloc_arrays(t, F, M, o->labels, KC_RESIDUAL_NONE, false, false)))
        goto done;
    memcpy(t->position, o->truth->markers, F * M * 3 * sizeof(double));
    t->rate_hz = o->rate_hz;
    t->subject = o->subject;
    t->task = o->task;
    t->trial = o->trial;
    o->subject = o->task = o->trial = NULL;
    if (!no_fp) {
        t->forceplates = o->forceplates;
        t->n_forceplates = o->n_forceplates;
        o->forceplates = NULL;
        o->n_forceplates = 0;
    }
    t->truth = o->truth;
    o->truth = NULL;
    kc_provenance prov = {"test_ik_synth", 0, NULL, 0, NULL, false};
    st = kc_traj_write(traj_path, t, &prov);
done:
    kc_traj_free(t);
    kc_obs_free(o);
    return st;
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
    if (!e)
        return NAN;
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side"), ct = kc_table_find(e, "time_s");
    for (size_t i = 0; i < kc_table_nrows(e); i++)
        if (!strcmp(kc_table_get_str(e, i, cn), name) && !strcmp(kc_table_get_str(e, i, cs), side))
            return kc_table_get_f64(e, i, ct);
    return NAN;
}

static double metric(const kc_table *m, const char *name, const char *side)
{
    if (!m)
        return NAN;
    int cn = kc_table_find(m, "name"), cs = kc_table_find(m, "side"), cv = kc_table_find(m, "value");
    for (size_t i = 0; i < kc_table_nrows(m); i++)
        if (!strcmp(kc_table_get_str(m, i, cn), name) && !strcmp(kc_table_get_str(m, i, cs), side))
            return kc_table_get_f64(m, i, cv);
    return NAN;
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

/* ---- identity ---------------------------------------------------------------------------- */

static void check_events(const kc_kin *k, const kc_truth *tr, double rate, const char *what,
                         double *max_ic, double *max_to)
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
        CHECK_NEAR(buf, e2, 0, 2.0);
        if (fabs(e1) > *max_ic || isnan(e1))
            *max_ic = isnan(e1) ? INFINITY : fabs(e1);
        if (fabs(e2) > *max_to || isnan(e2))
            *max_to = isnan(e2) ? INFINITY : fabs(e2);
    }
}

static int run_identity(const char *dir)
{
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/S' --mode identity --subjects 2 --trials 1 --cameras 4 --seed 7 "
             "--quiet", KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth identity session", system(cmd) == 0))
        return 1;
    double max_ang = 0, max_jc = 0, max_ic = 0, max_to = 0;
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
        check_events(k, tr, k->rate_hz, subj == 1 ? "s01 force" : "s02 force", &max_ic, &max_to);
        check_events(k2, tr, k->rate_hz, subj == 1 ? "s01 kinematic" : "s02 kinematic", &max_ic,
                     &max_to);
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
        kc_kin_free(k);
        kc_kin_free(k2);
        kc_traj_free(t);
    }
    printf("identity: max angle error %.3g deg, max joint-centre error %.3g mm, "
           "max |IC error| %.2f frames, max |take-off error| %.2f frames\n",
           max_ang, max_jc, max_ic, max_to);
    return 0;
}

/* ---- anatomical through kc-triangulate ----------------------------------------------------- */

static int run_anatomical(const char *dir, int acceptance)
{
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/S' --subjects 2 --trials 1 --sls 0 --cameras 8 --seed 11 --quiet",
             KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth anatomical session", system(cmd) == 0))
        return 1;
    double sum2[3] = {0, 0, 0}, ic2[3] = {0, 0, 0}, mod2[3] = {0, 0, 0}, meas2[3] = {0, 0, 0};
    size_t n[3] = {0, 0, 0}, nic[3] = {0, 0, 0};
    double worst_pv = 0;
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
            double mi = 0, mt = 0;
            check_events(kn, T, kn->rate_hz, subj == 1 ? "s01 anatomical kinematic"
                                                       : "s02 anatomical kinematic", &mi, &mt);
        }
        size_t F = k->n_frames;
        static const char *const lower[] = {"LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle"};
        for (int s = 0; s < 2; s++) {
            const char *sd = s ? "R" : "L";
            size_t fic = (size_t)llround(event_time(T->events, "initial_contact", sd) * k->rate_hz);
            for (size_t c = 0; c < 6; c++) {
                if (c % 2 != (size_t)s)
                    continue;
                const kc_series3 *a = kc_kin_angle(k, lower[c]), *b = truth_series(T, lower[c], 0);
                const kc_series3 *am = kc_kin_angle(km, lower[c]);
                if (!CHECK(lower[c], a && b && am))
                    continue;
                double cs2[3] = {0, 0, 0};
                size_t cn = 0;
                for (size_t f = 0; f < F; f++) {
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
                        mod2[p] += dm * dm;
                        meas2[p] += dn * dn;
                        cs2[p] += d * d;
                        sum2[p] += d * d;
                        n[p]++;
                        if (f == fic) {
                            ic2[p] += d * d;
                            nic[p]++;
                        }
                    }
                }
                printf("  s%02d %-6s RMS error X %.3f Y %.3f Z %.3f deg (%zu frames); at IC "
                       "%+.3f %+.3f %+.3f\n", subj, lower[c], sqrt(cs2[0] / (double)cn),
                       sqrt(cs2[1] / (double)cn), sqrt(cs2[2] / (double)cn),
                       cn, wrapd(a->data[fic * 3] - b->data[fic * 3]),
                       wrapd(a->data[fic * 3 + 1] - b->data[fic * 3 + 1]),
                       wrapd(a->data[fic * 3 + 2] - b->data[fic * 3 + 2]));
            }
            double pv = metric(k->metrics, "peak_knee_valgus_deg", sd);
            double pvt = metric(T->metrics, "peak_knee_valgus_deg", sd);
            printf("  s%02d %s peak knee valgus %.3f deg (truth %.3f, error %+.3f)\n", subj, sd, pv,
                   pvt, pv - pvt);
            char w[96];
            snprintf(w, sizeof w, "s%02d %s sign of peak knee valgus", subj, sd);
            if (acceptance) {
                CHECK(w, (pv > 0) == (pvt > 0));
                snprintf(w, sizeof w, "s%02d %s peak knee valgus (ISSUE 5: 0.7 deg)", subj, sd);
                CHECK_NEAR(w, pv, pvt, 0.7);
            }
            if (fabs(pv - pvt) > worst_pv || isnan(pv))
                worst_pv = isnan(pv) ? INFINITY : fabs(pv - pvt);
            double ic = event_time(k->events, "initial_contact", sd);
            double tic = event_time(T->events, "initial_contact", sd);
            double to = event_time(k->events, "take_off", sd), tto = event_time(T->events, "take_off", sd);
            printf("  s%02d %s events (force plates): IC %+.2f frames, take-off %+.2f frames\n",
                   subj, sd, (ic - tic) * k->rate_hz, (to - tto) * k->rate_hz);
            CHECK_NEAR("anatomical IC (frames)", (ic - tic) * k->rate_hz, 0, 1);
            CHECK_NEAR("anatomical take-off (frames)", (to - tto) * k->rate_hz, 0, 2);
        }
        kc_kin_free(k);
        kc_kin_free(km);
        kc_kin_free(kn);
        kc_traj_free(t);
    }
    double rms[3], rms_ic[3], rms_mod[3], rms_meas[3];
    for (int p = 0; p < 3; p++) {
        rms[p] = sqrt(sum2[p] / (double)n[p]);
        rms_ic[p] = sqrt(ic2[p] / (double)nic[p]);
        rms_mod[p] = sqrt(mod2[p] / (double)n[p]);
        rms_meas[p] = sqrt(meas2[p] / (double)n[p]);
    }
    printf("decomposition (hip, knee, ankle; RMS sagittal, frontal, transverse deg):\n"
           "  Plug-in Gait on the true anatomical markers vs truth (marker placement, soft\n"
           "  tissue, knee-marker rotation, Davis HJC): %.3f, %.3f, %.3f\n"
           "  triangulated + 12 Hz filtered vs the true markers, both through kc-ik "
           "(measurement chain): %.3f, %.3f, %.3f\n",
           rms_mod[0], rms_mod[1], rms_mod[2], rms_meas[0], rms_meas[1], rms_meas[2]);
    /* the measurement chain alone must stay within the issue's whole-pipeline budget */
    CHECK_NEAR("measurement chain RMS sagittal (deg)", rms_meas[0], 0, 0.5);
    CHECK_NEAR("measurement chain RMS frontal (deg)", rms_meas[1], 0, 0.7);
    CHECK_NEAR("measurement chain RMS transverse (deg)", rms_meas[2], 0, 1.5);
    printf("anatomical whole pipeline vs raw truth (hip, knee, ankle; both subjects and sides):\n"
           "  RMS sagittal %.3f, frontal %.3f, transverse %.3f deg; at initial contact %.3f, "
           "%.3f, %.3f deg; worst peak-valgus error %.3f deg\n",
           rms[0], rms[1], rms[2], rms_ic[0], rms_ic[1], rms_ic[2], worst_pv);
    if (acceptance) {
        CHECK_NEAR("ISSUE 5: whole-pipeline RMS sagittal (deg)", rms[0], 0, 0.5);
        CHECK_NEAR("ISSUE 5: whole-pipeline RMS frontal (deg)", rms[1], 0, 0.7);
        CHECK_NEAR("ISSUE 5: whole-pipeline RMS transverse (deg)", rms[2], 0, 1.5);
    }
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
             argc > 2 && strcmp(argv[2], "--acceptance") == 0 ? "_acceptance" : "");
    const char *dir = kc_test_tmpdir(prog);
    if (!dir)
        return 1;
    if (strcmp(mode, "identity") == 0)
        run_identity(dir);
    else if (strcmp(mode, "anatomical") == 0)
        run_anatomical(dir, argc > 2 && strcmp(argv[2], "--acceptance") == 0);
    else
        CHECK("mode is identity or anatomical", 0);
    return kc_test_summary(prog);
}
