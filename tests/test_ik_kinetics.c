/* test_ik_kinetics — kc-ik's kinetics (issue 11, docs/kinetics.md "Wiring into kc-ik"):
 *  synth (default): a kc-synth session (anatomical, seed 3, as tests/test_kinetics.c), the
 *     true markers of the static and the two drop jumps as traj files (force plates kept),
 *     kc-ik --force-threshold 5 (5 SD of kc-synth's 1 N plate noise):
 *     - /moments, /joint_forces, /powers equal (bit for bit, NaN where NaN) what
 *       kc_kin_inverse_dynamics gives for the same parameters, static calibration and plates;
 *     - the landing force metrics against kc-synth's /truth with test_kinetics.c's
 *       tolerances: peak vertical force within 1 %, contact and flight time within 2 frames
 *       (the truth's take-off is kinematic, docs/kinetics.md), L-R peak force asymmetry
 *       within 2 percentage points, jump height = g t^2/8 of the flight time (1e-12), the
 *       force IC frame within 1.5 frames of the truth's IC (1 frame + rounding to a frame);
 *     - peak_knee_abduction_moment = the max of -Y of /moments/<s>Knee over the file's own
 *       initial_contact .. peak_knee_flexion (1e-12, recomputed from the file);
 *     - both feet on one plate (the two plates merged into one, the wrench moved to one
 *       origin; the library flags it, here KC_CONTACT_NO_FOOT as the CoP lies between the
 *       feet): every landing force metric and the knee abduction moment NaN with the
 *       reason in the window text;
 *     - --no-kinetics: no /moments.
 *  real: ../shared/data/real/pycgm_nexus_pig Movement_trial and Static_trial via kc-convert,
 *     kc-ik with the PROCESSING parameters (as a subjects CSV) and the static: /moments equal
 *     to kc_kin_inverse_dynamics on the same inputs (exact). Exit 77 when the data are absent.
 *  bad-plates TRIAL OUT_NOCAL OUT_RATE: writes TRIAL with plate 1's corners zeroed, and
 *     with every plate's rate 2.5 x the marker rate (inputs of tests/tools/ik_cli.sh).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kinechain/kinetics.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/pigmodel.h"
#include "kinechain/table.h"
#include "kinechain/trajfile.h"
#include "testkin.h"
#include "testutil.h"

#ifndef KC_SYNTH_EXE
#define KC_SYNTH_EXE "kc-synth"
#endif
#ifndef KC_IK_EXE
#define KC_IK_EXE "kc-ik"
#endif
#ifndef KC_CONVERT_EXE
#define KC_CONVERT_EXE "kc-convert"
#endif
#ifndef KC_REAL_DATA
#define KC_REAL_DATA "../shared/data/real"
#endif

static char cmd[8192];
static const char *const jn[3] = {"Ankle", "Knee", "Hip"};

/* obs /truth/markers -> traj with the plates */
static int truth_traj(const char *obs_path, const char *traj_path)
{
    return kc_test_truth_traj(obs_path, traj_path, 1, 0, "test_ik_kinetics");
}

/* the parameters of a subjects CSV row, as kc-ik reads them (DESIGN.md columns) */
static int csv_params(const char *path, const char *subject, kc_pig_params *p, double *mass)
{
    kc_table *t = NULL;
    if (kc_table_read_csv(path, &t))
        return 1;
    int cs = kc_table_find(t, "subject");
    long row = -1;
    for (size_t i = 0; cs >= 0 && i < kc_table_nrows(t); i++)
        if (!strcmp(kc_table_get_str(t, i, cs), subject))
            row = (long)i;
    if (row < 0) {
        kc_table_free(t);
        return 1;
    }
    struct {
        const char *col;
        double *v;
    } m[] = {{"leg_length_L_mm", &p->leg_length_mm[0]}, {"leg_length_R_mm", &p->leg_length_mm[1]},
             {"knee_width_L_mm", &p->knee_width_mm[0]}, {"knee_width_R_mm", &p->knee_width_mm[1]},
             {"ankle_width_L_mm", &p->ankle_width_mm[0]},
             {"ankle_width_R_mm", &p->ankle_width_mm[1]},
             {"asis_troc_L_mm", &p->asis_troc_mm[0]}, {"asis_troc_R_mm", &p->asis_troc_mm[1]},
             {"tibial_torsion_L_deg", &p->tibial_torsion_deg[0]},
             {"tibial_torsion_R_deg", &p->tibial_torsion_deg[1]},
             {"sole_delta_L_mm", &p->sole_delta_mm[0]}, {"sole_delta_R_mm", &p->sole_delta_mm[1]},
             {"inter_asis_mm", &p->inter_asis_mm}, {"marker_diameter_mm", &p->marker_diameter_mm},
             {"mass_kg", mass}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        int c = kc_table_find(t, m[i].col);
        const char *s = c >= 0 ? kc_table_get_str(t, (size_t)row, c) : NULL;
        if (s && *s)
            *m[i].v = strtod(s, NULL);
    }
    kc_table_free(t);
    return 0;
}

/* the library's inverse dynamics for a trial, with the parameters of csv and the static */
static int expected(const char *csv, const char *subject, const char *static_path,
                    const char *trial_path, double threshold_n, kc_kin_result *r)
{
    kc_traj *t = NULL, *s = NULL;
    int rc = 1;
    kc_pig_params p = kc_pig_default_params();
    double mass = NAN;
    int it[KC_PIG_N_MARKERS], is[KC_PIG_N_MARKERS];
    char miss[512];
    if (!CHECK("subjects row", csv_params(csv, subject, &p, &mass) == 0) ||
        !CHECK("read trial and static", kc_traj_read(trial_path, &t) == 0 &&
                                            kc_traj_read(static_path, &s) == 0))
        goto done;
    kc_pig_map_markers(t->labels, t->n_markers, it, NULL, 0);
    kc_pig_map_markers(s->labels, s->n_markers, is, NULL, 0);
    if (!CHECK("parameters valid", kc_pig_check_params(&p, miss, sizeof miss) == 0) ||
        !CHECK("inter-ASIS given (no fallback to reproduce)", p.inter_asis_mm > 0) ||
        !CHECK("static calibration",
               kc_pig_calibrate(&p, s->position, s->n_frames, s->n_markers, is) == 0))
        goto done;
    kc_kin_options o = kc_kin_default_options();
    o.body_mass_kg = mass;
    o.cutoff_hz = 0;
    o.threshold_n = threshold_n;
    if (CHECK("kc_kin_inverse_dynamics",
              kc_kin_inverse_dynamics(&p, t->position, t->n_frames, t->n_markers, it, t->rate_hz,
                                      t->forceplates, t->n_forceplates, &o, trial_path, r, NULL,
                                      NULL) == 0))
        rc = 0;
done:
    kc_traj_free(t);
    kc_traj_free(s);
    return rc;
}

/* bit-equality of a written group with the library's arrays (NaN = NaN); 1 if all equal */
static int same_group(const kc_kin *k, const kc_kin_group *g, double *const lib[2][3],
                      const char *what)
{
    size_t F = k->n_frames, diff = 0, nan = 0, n = 0;
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < 3; j++) {
            char name[32];
            snprintf(name, sizeof name, "%c%s", s ? 'R' : 'L', jn[j]);
            const kc_series3 *x = kc_kin_group_find(g, name);
            if (!x) {
                printf("%s: %s missing\n", what, name);
                return 0;
            }
            for (size_t i = 0; i < 3 * F; i++) {
                double a = x->data[i], b = lib[s][j][i];
                n++;
                if (isnan(a) && isnan(b))
                    nan++;
                else if (!(a == b))
                    diff++;
            }
        }
    printf("%s: %zu values, %zu NaN in both, %zu differ\n", what, n, nan, diff);
    return diff == 0 && nan < n;
}

static int compare_with_library(const char *kin, const char *csv, const char *subject,
                                const char *static_path, const char *trial_path, double thr)
{
    kc_kin *k = NULL;
    kc_kin_result r;
    int ok = 0;
    if (!CHECK("read the kinematics", kc_kin_read(kin, &k) == 0))
        return 0;
    if (expected(csv, subject, static_path, trial_path, thr, &r) == 0) {
        CHECK("frames", r.n_frames == k->n_frames);
        ok = CHECK("/moments == kc_kin_inverse_dynamics (exact)",
                   same_group(k, &k->moments, r.moment, "/moments"));
        ok &= CHECK("/joint_forces == library (exact)",
                    same_group(k, &k->joint_forces, r.force, "/joint_forces"));
        ok &= CHECK("/powers == library (exact)", same_group(k, &k->powers, r.power, "/powers"));
        CHECK("/moments units", k->moments.units && !strcmp(k->moments.units, "N.mm/kg"));
        CHECK("/moments convention", k->moments.convention &&
                                         strstr(k->moments.convention, "internal") != NULL);
        kc_kin_result_free(&r);
    }
    kc_kin_free(k);
    return ok;
}

/* value, frame and window of a metric row */
static double metric(const kc_table *m, const char *name, const char *side, long *frame,
                     const char **window)
{
    int cn = kc_table_find(m, "name"), cs = kc_table_find(m, "side"),
        cv = kc_table_find(m, "value"), cf = kc_table_find(m, "frame"),
        cw = kc_table_find(m, "window");
    for (size_t i = 0; m && i < kc_table_nrows(m); i++)
        if (!strcmp(kc_table_get_str(m, i, cn), name) && !strcmp(kc_table_get_str(m, i, cs), side)) {
            if (frame) {
                int64_t f = kc_table_get_i64(m, i, cf);
                *frame = f == INT64_MIN ? -1 : (long)f;
            }
            if (window)
                *window = kc_table_get_str(m, i, cw);
            return kc_table_get_f64(m, i, cv);
        }
    if (window)
        *window = NULL;
    return NAN;
}

static double event_time(const kc_table *e, const char *name, const char *side)
{
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side"), ct = kc_table_find(e, "time_s");
    for (size_t i = 0; e && i < kc_table_nrows(e); i++)
        if (!strcmp(kc_table_get_str(e, i, cn), name) && !strcmp(kc_table_get_str(e, i, cs), side))
            return kc_table_get_f64(e, i, ct);
    return NAN;
}

/* the force metrics of a kc-ik output against the obs truth */
static void check_force_metrics(const char *kin, const char *obs, double mass, int trial)
{
    kc_kin *k = NULL;
    kc_obs *o = NULL;
    if (!CHECK("read kin and obs", kc_kin_read(kin, &k) == 0 && kc_obs_read(obs, &o) == 0 &&
                                       k->metrics && o->truth && o->truth->metrics)) {
        kc_kin_free(k);
        kc_obs_free(o);
        return;
    }
    double frame = 1.0 / k->rate_hz;
    const kc_table *T = o->truth->metrics;
    char w[200];
    for (int s = 0; s < 2; s++) {
        const char *sd = s ? "R" : "L";
        long fic = -1;
        double pk = metric(k->metrics, "fp_peak_vgrf_bw", sd, NULL, NULL);
        double ct = metric(k->metrics, "fp_contact_time_s", sd, &fic, NULL);
        double ft = metric(k->metrics, "fp_flight_time_s", sd, NULL, NULL);
        double jh = metric(k->metrics, "fp_jump_height_m", sd, NULL, NULL);
        double lr = metric(k->metrics, "fp_loading_rate_bw_s", sd, NULL, NULL);
        double tp = metric(T, "peak_vgrf_n", sd, NULL, NULL);
        double tc = metric(T, "contact_time_s", sd, NULL, NULL);
        double tf = metric(T, "flight_time_s", "", NULL, NULL);
        double tic = event_time(o->truth->events, "initial_contact", sd);
        printf("dvj_%d %s: peak %.4f BW = %.1f N (truth %.1f N), contact %.4f s (truth %.4f), "
               "flight %.4f s (truth %.4f), jump %.4f m, loading rate %.1f BW/s, IC frame %ld "
               "(truth %.4f s)\n", trial, sd, pk, pk * mass * KC_KIN_G, tp, ct, tc, ft, tf, jh,
               lr, fic, tic);
        snprintf(w, sizeof w, "dvj_%d %s peak vertical force (N; 1 %%)", trial, sd);
        CHECK_NEAR(w, pk * mass * KC_KIN_G, tp, 0.01 * tp);
        snprintf(w, sizeof w, "dvj_%d %s contact time (s; 2 frames)", trial, sd);
        CHECK_NEAR(w, ct, tc, 2 * frame);
        snprintf(w, sizeof w, "dvj_%d %s flight time (s; 2 frames)", trial, sd);
        CHECK_NEAR(w, ft, tf, 2 * frame);
        CHECK_NEAR("jump height g t^2/8 (m)", jh, KC_KIN_G * ft * ft / 8, 1e-12);
        CHECK("loading rate finite and > 0", isfinite(lr) && lr > 0);
        snprintf(w, sizeof w, "dvj_%d %s force IC frame (s; 1 frame + rounding)", trial, sd);
        CHECK_NEAR(w, fic >= 0 ? (double)fic * frame : NAN, tic, 1.5 * frame);

        /* knee abduction moment: recomputed from the file's own moments and events */
        long fk = -1;
        double kam = metric(k->metrics, "peak_knee_abduction_moment", sd, &fk, NULL);
        double ic = event_time(k->events, "initial_contact", sd);
        double pkf = event_time(k->events, "peak_knee_flexion", sd);
        char kn[16];
        snprintf(kn, sizeof kn, "%sKnee", sd);
        const kc_series3 *km = kc_kin_group_find(&k->moments, kn);
        double best = NAN;
        long bf = -1;
        if (km && isfinite(ic) && isfinite(pkf)) {
            size_t a = (size_t)llround(ic * k->rate_hz), b = (size_t)llround(pkf * k->rate_hz);
            for (size_t f = a; f <= b && f < k->n_frames; f++) {
                double v = -km->data[f * 3 + 1];
                if (isnan(v)) {
                    best = NAN;
                    bf = -1;
                    break;
                }
                if (bf < 0 || v > best) {
                    best = v;
                    bf = (long)f;
                }
            }
        }
        printf("dvj_%d %s: peak external knee abduction moment %.1f N.mm/kg at frame %ld "
               "(recomputed %.1f at %ld)\n", trial, sd, kam, fk, best, bf);
        CHECK("knee abduction moment finite", isfinite(kam));
        CHECK_NEAR("knee abduction moment = max -Y over IC..PKF (N.mm/kg)", kam, best, 1e-12);
        CHECK("knee abduction moment frame", fk == bf);
    }
    double a = metric(k->metrics, "fp_peak_vgrf_asymmetry_pct", "", NULL, NULL);
    double at = kc_kin_asymmetry(metric(T, "peak_vgrf_n", "L", NULL, NULL),
                                 metric(T, "peak_vgrf_n", "R", NULL, NULL));
    printf("dvj_%d: peak force asymmetry %.2f %% (truth %.2f %%)\n", trial, a, at);
    CHECK_NEAR("L-R peak force asymmetry (percentage points)", a, at, 2.0);
    kc_kin_free(k);
    kc_obs_free(o);
}

/* trial with both plates merged into one (the wrench of plate 1 moved to plate 0's origin,
 * M_o0 = M_o1 + (o1 - o0) x F1; corners the bounding rectangle): both feet on one plate */
static int merge_plates(const char *in, const char *out)
{
    kc_traj *t = NULL;
    int st = kc_traj_read(in, &t);
    if (st)
        return st;
    st = KC_EINVAL;
    if (t->n_forceplates == 2 && t->forceplates[0].n == t->forceplates[1].n &&
        t->forceplates[0].rate_hz == t->forceplates[1].rate_hz) {
        kc_forceplate *a = &t->forceplates[0], *b = &t->forceplates[1];
        double d[3];
        for (int x = 0; x < 3; x++)
            d[x] = b->origin[x] - a->origin[x];
        for (size_t j = 0; j < a->n; j++) {
            double *Fa = a->force + 3 * j, *Ma = a->moment + 3 * j;
            const double *Fb = b->force + 3 * j, *Mb = b->moment + 3 * j;
            double c[3] = {d[1] * Fb[2] - d[2] * Fb[1], d[2] * Fb[0] - d[0] * Fb[2],
                           d[0] * Fb[1] - d[1] * Fb[0]};
            for (int x = 0; x < 3; x++) {
                Fa[x] += Fb[x];
                Ma[x] += Mb[x] + c[x];
            }
            double fz = Fa[2];
            a->cop[3 * j] = fabs(fz) > 1e-9 ? a->origin[0] - Ma[1] / fz : NAN;
            a->cop[3 * j + 1] = fabs(fz) > 1e-9 ? a->origin[1] + Ma[0] / fz : NAN;
            a->cop[3 * j + 2] = a->origin[2];
        }
        double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
        for (int p = 0; p < 2; p++)
            for (int c = 0; c < 4; c++)
                for (int x = 0; x < 2; x++) {
                    lo[x] = fmin(lo[x], t->forceplates[p].corners[c][x]);
                    hi[x] = fmax(hi[x], t->forceplates[p].corners[c][x]);
                }
        double z = a->corners[0][2];
        double cn[4][2] = {{hi[0], hi[1]}, {lo[0], hi[1]}, {lo[0], lo[1]}, {hi[0], lo[1]}};
        for (int c = 0; c < 4; c++) {
            a->corners[c][0] = cn[c][0];
            a->corners[c][1] = cn[c][1];
            a->corners[c][2] = z;
        }
        kc_forceplate_free_arrays(b);
        t->n_forceplates = 1;
        kc_provenance prov = {"test_ik_kinetics", 0, NULL, 0, NULL, false};
        st = kc_traj_write(out, t, &prov);
    }
    kc_traj_free(t);
    return st;
}

static int run_synth(void)
{
    const char *tmp = kc_test_tmpdir("test_ik_kinetics");
    char dir[900], csv[1024], st[1024], tr[1024], ob[1024], kin[1024], mg[1024];
    snprintf(dir, sizeof dir, "%s/session", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' session '%s' --subjects 1 --trials 2 --sls 0 "
             "--cameras 4 --wand-s 1 --seed 3 --quiet --threads 1", dir, KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth session", system(cmd) == 0))
        return kc_test_summary("test_ik_kinetics");
    snprintf(csv, sizeof csv, "%s/subjects.csv", dir);
    snprintf(ob, sizeof ob, "%s/s01/static.obs.h5", dir);
    snprintf(st, sizeof st, "%s/static.traj.h5", tmp);
    CHECK("static truth -> traj", truth_traj(ob, st) == 0);
    kc_pig_params p0 = kc_pig_default_params();
    double mass = NAN;
    CHECK("subject mass", csv_params(csv, "s01", &p0, &mass) == 0 && mass > 0);
    for (int trial = 1; trial <= 2; trial++) {
        snprintf(ob, sizeof ob, "%s/s01/dvj_%d.obs.h5", dir, trial);
        snprintf(tr, sizeof tr, "%s/dvj_%d.traj.h5", tmp, trial);
        snprintf(kin, sizeof kin, "%s/dvj_%d.kin.h5", tmp, trial);
        if (!CHECK("trial truth -> traj", truth_traj(ob, tr) == 0))
            continue;
        snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s' --subject s01 "
                 "--force-threshold 5 --quiet '%s'", KC_IK_EXE, kin, st, csv, tr);
        if (!CHECK("kc-ik", system(cmd) == 0))
            continue;
        compare_with_library(kin, csv, "s01", st, tr, 5);
        check_force_metrics(kin, ob, mass, trial);
        if (trial == 1) {
            /* both feet on one plate: NaN force metrics with the reason */
            snprintf(mg, sizeof mg, "%s/dvj_merged.traj.h5", tmp);
            snprintf(kin, sizeof kin, "%s/dvj_merged.kin.h5", tmp);
            snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s' --subject s01 "
                     "--force-threshold 5 --quiet '%s' 2>/dev/null", KC_IK_EXE, kin, st, csv, mg);
            kc_kin *k = NULL;
            if (CHECK("merge the plates", merge_plates(tr, mg) == 0) &&
                CHECK("kc-ik on one plate for both feet", system(cmd) == 0) &&
                CHECK("read", kc_kin_read(kin, &k) == 0 && k->metrics)) {
                static const char *const names[5] = {"fp_peak_vgrf_bw", "fp_loading_rate_bw_s",
                                                     "fp_contact_time_s", "fp_flight_time_s",
                                                     "fp_jump_height_m"};
                for (int s = 0; s < 2; s++)
                    for (int i = 0; i < 5; i++) {
                        const char *w = NULL;
                        double v = metric(k->metrics, names[i], s ? "R" : "L", NULL, &w);
                        char what[160];
                        snprintf(what, sizeof what, "both feet on one plate: %s %c NaN, reason "
                                 "in the window", names[i], "LR"[s]);
                        CHECK(what, isnan(v) && w && strstr(w, "flagged"));
                    }
                for (int s = 0; s < 2; s++) {
                    const char *w = NULL;
                    double v = metric(k->metrics, "peak_knee_abduction_moment", s ? "R" : "L",
                                      NULL, &w);
                    CHECK("both feet on one plate: knee abduction moment NaN, reason in the "
                          "window", isnan(v) && w && strstr(w, "flagged"));
                }
                CHECK("asymmetry NaN", isnan(metric(k->metrics, "fp_peak_vgrf_asymmetry_pct", "",
                                                    NULL, NULL)));
                const char *w = NULL;
                metric(k->metrics, "fp_peak_vgrf_bw", "L", NULL, &w);
                printf("merged plates, L fp_peak_vgrf_bw window: \"%s\"\n", w ? w : "");
            }
            kc_kin_free(k);
            /* --no-kinetics */
            snprintf(kin, sizeof kin, "%s/dvj_nokin.kin.h5", tmp);
            snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s' --subject s01 "
                     "--no-kinetics --quiet '%s'", KC_IK_EXE, kin, st, csv, tr);
            k = NULL;
            if (CHECK("kc-ik --no-kinetics", system(cmd) == 0) &&
                CHECK("read", kc_kin_read(kin, &k) == 0)) {
                CHECK("--no-kinetics: no /moments", k->moments.n == 0 && k->powers.n == 0);
                CHECK("--no-kinetics: no force metrics",
                      !k->metrics || isnan(metric(k->metrics, "fp_peak_vgrf_bw", "L", NULL,
                                                  NULL)));
            }
            kc_kin_free(k);
        }
    }
    return kc_test_summary("test_ik_kinetics");
}

static double subj(const kc_traj *t, const char *name)
{
    const kc_attr *a = kc_attrs_find(&t->subject_params, name);
    return a && a->n >= 1 ? a->v[0] : NAN;
}

static int run_real(void)
{
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/pycgm_nexus_pig/Movement_trial.c3d", KC_REAL_DATA);
    struct stat sb;
    if (stat(probe, &sb) != 0) {
        printf("test_ik_kinetics real: %s absent: SKIPPED\n", probe);
        return 77;
    }
    const char *tmp = kc_test_tmpdir("test_ik_kinetics_real");
    char ts[1024], tm[1024], csv[1024], kin[1024];
    snprintf(ts, sizeof ts, "%s/Static_trial.traj.h5", tmp);
    snprintf(tm, sizeof tm, "%s/Movement_trial.traj.h5", tmp);
    snprintf(csv, sizeof csv, "%s/subjects.csv", tmp);
    snprintf(kin, sizeof kin, "%s/Movement_trial.kin.h5", tmp);
    snprintf(cmd, sizeof cmd,
             "'%s' --strip-prefix --quiet '%s/pycgm_nexus_pig/Static_trial.c3d' '%s' && "
             "'%s' --strip-prefix --quiet '%s/pycgm_nexus_pig/Movement_trial.c3d' '%s'",
             KC_CONVERT_EXE, KC_REAL_DATA, ts, KC_CONVERT_EXE, KC_REAL_DATA, tm);
    if (!CHECK("kc-convert", system(cmd) == 0))
        return kc_test_summary("test_ik_kinetics");
    /* the parameters Nexus wrote in PROCESSING, as a subjects CSV (%.17g: exact) */
    kc_traj *t = NULL;
    if (!CHECK("read", kc_traj_read(tm, &t) == 0))
        return kc_test_summary("test_ik_kinetics");
    FILE *fp = fopen(csv, "w");
    if (!CHECK("write the subjects CSV", fp != NULL)) {
        kc_traj_free(t);
        return kc_test_summary("test_ik_kinetics");
    }
    fprintf(fp, "subject,mass_kg,leg_length_L_mm,leg_length_R_mm,knee_width_L_mm,"
                "knee_width_R_mm,ankle_width_L_mm,ankle_width_R_mm,asis_troc_L_mm,"
                "asis_troc_R_mm,tibial_torsion_L_deg,tibial_torsion_R_deg,inter_asis_mm,"
                "marker_diameter_mm\n");
    double v[13] = {subj(t, "Bodymass"), subj(t, "LLegLength"), subj(t, "RLegLength"),
                    subj(t, "LKneeWidth"), subj(t, "RKneeWidth"), subj(t, "LAnkleWidth"),
                    subj(t, "RAnkleWidth"), subj(t, "LAsisTrocanterDistance"),
                    subj(t, "RAsisTrocanterDistance"), subj(t, "LTibialTorsion"),
                    subj(t, "RTibialTorsion"), subj(t, "InterAsisDistance"), 14};
    fprintf(fp, "m1");
    for (int i = 0; i < 13; i++)
        if (isfinite(v[i]))
            fprintf(fp, ",%.17g", v[i]);
        else
            fprintf(fp, ",");
    fprintf(fp, "\n");
    fclose(fp);
    printf("Movement_trial: %zu frames at %.0f Hz, %zu plates, mass %.2f kg\n", t->n_frames,
           t->rate_hz, t->n_forceplates, v[0]);
    kc_traj_free(t);
    /* threshold 20 N: the stair plates read 10-17 N unloaded (docs/kinetics.md) */
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s' --subject m1 "
             "--force-threshold 20 --quiet '%s'", KC_IK_EXE, kin, ts, csv, tm);
    if (CHECK("kc-ik on Movement_trial", system(cmd) == 0))
        compare_with_library(kin, csv, "m1", ts, tm, 20);
    return kc_test_summary("test_ik_kinetics");
}

/* bad plates for ik_cli.sh */
static int bad_plates(const char *in, const char *nocal, const char *rate)
{
    kc_traj *t = NULL;
    if (kc_traj_read(in, &t) || t->n_forceplates == 0) {
        fprintf(stderr, "bad-plates: cannot read plates of %s\n", in);
        kc_traj_free(t);
        return 1;
    }
    kc_provenance prov = {"test_ik_kinetics", 0, NULL, 0, NULL, false};
    double c0[4][3];
    memcpy(c0, t->forceplates[0].corners, sizeof c0);
    memset(t->forceplates[0].corners, 0, sizeof c0);
    int st = kc_traj_write(nocal, t, &prov);
    memcpy(t->forceplates[0].corners, c0, sizeof c0);
    for (size_t p = 0; p < t->n_forceplates && !st; p++)
        t->forceplates[p].rate_hz = 2.5 * t->rate_hz;
    if (!st)
        st = kc_traj_write(rate, t, &prov);
    kc_traj_free(t);
    return st != 0;
}

int main(int argc, char **argv)
{
    kc_log_init("test_ik_kinetics", KC_LOG_ERROR);
    if (argc == 5 && !strcmp(argv[1], "bad-plates"))
        return bad_plates(argv[2], argv[3], argv[4]);
    if (argc == 2 && !strcmp(argv[1], "real"))
        return run_real();
    return run_synth();
}
