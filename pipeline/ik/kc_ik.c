/* kc-ik — labelled marker trajectories -> Plug-in Gait joint angles and joint centres
 * (pigmodel.h, docs/pig-model.md), drop-jump events (events.h) and landing metrics
 * (metrics.h), written atomically as a *.kin.h5. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kinechain/atomic.h"
#include "kinechain/cli.h"
#include "kinechain/events.h"
#include "kinechain/kinetics.h"
#include "kinechain/kinfile.h"
#include "kinechain/kpkin.h"
#include "kinechain/log.h"
#include "kinechain/metrics.h"
#include "kinechain/normalize.h"
#include "kinechain/pigmodel.h"
#include "kinechain/status.h"
#include "kinechain/table.h"
#include "kinechain/trajfile.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-ik -o OUT.kin.h5 [options] TRIAL.traj.h5\n"
            "       kc-ik events -o OUT.kin.h5 --foot-markers MAP TRIAL.traj.h5 (see\n"
            "       kc-ik events --help)\n"
            "\n"
            "Compute the Plug-in Gait model of docs/pig-model.md on the labelled markers of\n"
            "TRIAL: hip (Davis), knee and ankle (chord function) joint centres, segment\n"
            "frames, and the angle channels {L,R}{Pelvis,Hip,Knee,Ankle,FootProgress,Thorax}\n"
            "(YXZ Cardan with Plug-in Gait's signs; knee Y < 0 is valgus). The static trial\n"
            "calibrates the inter-ASIS distance (when given as 0) and the static foot\n"
            "offsets from its mean marker positions. A frame whose markers are missing\n"
            "gives NaN for what depends on them. For drop jumps (--type dvj), the landing\n"
            "events come from the force plates when present (vertical force > 20 N), else\n"
            "from the heel/toe marker height (contact below 30 mm above the floor of the\n"
            "static, or of the trial itself; take-off above 5 mm), and the landing\n"
            "metrics of metrics.h are computed. For single-leg squats (--type sls): the\n"
            "stance side (the foot that stays down), start, deepest point and end from the\n"
            "stance knee's flexion (events.h), the squat metrics and /normalized/squat and\n"
            "/normalized/descent.\n"
            "Writes /angles, /joint_centres, /events, /metrics, /normalized/landing\n"
            "(initial contact -> take-off) and /normalized/absorption (initial contact ->\n"
            "peak knee flexion), 101 points per channel, each side by its own events,\n"
            "/model (every parameter used) and, for dvj and sls trials, /chain: a\n"
            "plain-language summary per side of which links of the chain look involved\n"
            "(hip, pelvis/trunk, foot/ankle), every threshold named with its source, and the\n"
            "flags used (docs/file-contract.md).\n"
            "Kinetics (docs/kinetics.md): when the trial has force plates and the body mass\n"
            "is known (subjects CSV mass_kg, or /subject Bodymass with --params-from-trial),\n"
            "Plug-in Gait-compatible inverse dynamics (markers and forces unfiltered, as\n"
            "Nexus) writes /moments/{L,R}{Hip,Knee,Ankle} (internal, N.mm/kg),\n"
            "/joint_forces (N/kg) and /powers (W/kg); for dvj trials the metrics add, per\n"
            "side, the peak external knee abduction moment over initial contact -> peak knee\n"
            "flexion (Hewett et al. 2005) and the landing force metrics of the foot's plate\n"
            "(peak vertical force x BW, loading rate, contact time, flight time, jump height\n"
            "g t^2/8) and the L-R peak force asymmetry. A foot whose contact is flagged\n"
            "(both feet on one plate, a foot across two plates) gets NaN, the reason in the\n"
            "metric's window. A plate without calibration, or a force rate that is not a\n"
            "multiple of the marker rate, is bad input (exit 2).\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE    the kinematics to write (required; written atomically)\n"
            "  --static FILE        the subject's static trial (*.traj.h5)\n"
            "  --subjects FILE      subjects CSV (DESIGN.md columns: leg_length_{L,R}_mm,\n"
            "                       knee_width_{L,R}_mm, ankle_width_{L,R}_mm, inter_asis_mm,\n"
            "                       asis_troc_{L,R}_mm, marker_diameter_mm,\n"
            "                       tibial_torsion_{L,R}_deg, sole_delta_{L,R}_mm)\n"
            "  --subject ID         the row of --subjects (default: the trial's subject)\n"
            "  --params-from-trial  parameters from the trial's /subject attributes (C3D\n"
            "                       PROCESSING: LLegLength or LeftLegLength, InterAsisDistance,\n"
            "                       ...;\n"
            "                       StaticPlantFlex/StaticRotOff in radians are the offsets\n"
            "                       when there is no --static); applied after --subjects\n"
            "  --type dvj|sls|static  the trial type (default: the trial's task, else dvj)\n"
            "  --foot-flat          Plug-in Gait's foot-flat option in the static\n"
            "  --events FILE.csv    event overrides: columns subject, trial, name, side,\n"
            "                       time_s (s from frame 0); rows of this subject and trial\n"
            "                       (empty cells match any) replace the detected\n"
            "                       initial_contact, take_off, second_contact or\n"
            "                       peak_knee_flexion of that side (method and source\n"
            "                       \"manual\"), before the metrics and the normalisation\n"
            "  --model pig|kinechain  pig (default): Plug-in Gait; kinechain: the hip joint\n"
            "                       centre of Harrington et al. 2007 (pelvis width and depth)\n"
            "                       and the --functional crosstalk correction\n"
            "  --functional FILE    a functional knee trial of the subject (*.traj.h5: a\n"
            "                       seated or standing knee flexion-extension without\n"
            "                       ab/adduction, same marker set): the thigh-rotation offset\n"
            "                       of each side (the rotation of the femur frame about its\n"
            "                       long axis that minimises the variance of knee abduction\n"
            "                       over 10-100 deg of flexion, with a nuisance tilt; knee-axis\n"
            "                       crosstalk, docs/pig-model.md) is estimated there and applied\n"
            "                       to the femur frames of TRIAL (hip and knee angles); written\n"
            "                       to /model as thigh_rotation_offset_{L,R}_deg\n"
            "  --functional-method variance|axis\n"
            "                       the offset's criterion: minimum variance of knee\n"
            "                       abduction (default) or the mean finite helical axis of\n"
            "                       the knee (both are always written to /model)\n"
            "  --no-kinetics        skip the kinetics even when the trial has force plates\n"
            "  --kinetics-cutoff auto|none|HZ\n"
            "                       low-pass of the forces for the inverse dynamics, matched\n"
            "                       to the markers' (Kristianslund et al. 2012: mismatched\n"
            "                       cutoffs distort the impact's knee abduction moment).\n"
            "                       auto (default): the trajectories' filter_cutoff_hz when\n"
            "                       kc-triangulate filtered them (forces only, to that\n"
            "                       cutoff), else none (C3D from Nexus: its processed markers\n"
            "                       and unfiltered plates, as Plug-in Gait); HZ: markers and\n"
            "                       forces at HZ (4th-order zero-lag Butterworth). Landing\n"
            "                       force metrics always use the raw plates\n"
            "  --force-threshold N  vertical force (N) below which a plate is unloaded, for\n"
            "                       the contacts and the landing metrics (default 20; about\n"
            "                       5 SD of the unloaded plates' noise)\n"
            "  --markerset body25|body25b|coco|FILE\n"
            "                       markerless keypoints (kc-triangulate of kc-convert's\n"
            "                       OpenPose/DeepLabCut observations; include/kinechain/kpkin.h):\n"
            "                       the keypoints are the joint centres, no Plug-in Gait\n"
            "                       angles (no pelvis/thigh/shank markers: no knee\n"
            "                       ab/adduction or rotation; the reason is written to the\n"
            "                       root attribute angles_absent_reason and said on stderr).\n"
            "                       Writes /joint_centres, /series {L,R}KneeFlexion\n"
            "                       (180 - hip-knee-ankle angle), {L,R}PelvicObliquity,\n"
            "                       {L,R}TrunkLateralLean, events from the heel and big-toe\n"
            "                       keypoints (COCO: the ankles, said on stderr), the metrics\n"
            "                       keypoints support (FPPA 3D and video, knee and ankle\n"
            "                       separation ratios, knee flexion, pelvic obliquity, trunk\n"
            "                       lean), each flagged source = \"keypoints:<set>\". FILE:\n"
            "                       lines ROLE = KEYPOINT (LHip RHip LKnee RKnee LAnkle RAnkle\n"
            "                       LHeel RHeel LToe RToe TrunkTop; TrunkTop = A + B for a\n"
            "                       midpoint). Without --markerset, --subjects and\n"
            "                       --params-from-trial, a trajectory of a known keypoint\n"
            "                       layout is taken as keypoints (the layout from the file).\n"
            "                       The frontal plane is the subject's (mean hip line),\n"
            "                       not snapped to a lab axis. --type dvj (events, metrics),\n"
            "                       sls (stance side, squat events, knee flexion and\n"
            "                       contralateral pelvic drop) or static (no events);\n"
            "                       --events as with markers (drop jumps); none of\n"
            "                       --static, --subjects, --params-from-trial, --functional,\n"
            "                       --model (exit 1). A keypoint of the set missing from\n"
            "                       TRIAL: exit 2\n"
            "%s\n"
            "Example:\n"
            "  kc-ik -o s01/dvj_1.kin.h5 --static s01/static.traj.h5 \\\n"
            "        --subjects subjects.csv --subject s01 s01/dvj_1.traj.h5\n"
            "  kc-ik -o trial.kin.h5 --markerset body25b trial.traj.h5\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_STATIC = 2000, OPT_SUBJECTS, OPT_SUBJECT, OPT_FROM_TRIAL, OPT_TYPE, OPT_FOOT_FLAT,
       OPT_FUNCTIONAL, OPT_FUNCTIONAL_METHOD, OPT_MODEL, OPT_FOOT_MARKERS, OPT_EV_METHOD,
       OPT_EVENTS, OPT_NO_KINETICS, OPT_FORCE_THRESHOLD, OPT_MARKERSET, OPT_KIN_CUTOFF };

/* one value of a subjects CSV row: KC_OK, or KC_EINVAL (logged) when not a number; an empty
 * cell or absent column leaves *v */
static int csv_num(const kc_table *t, size_t row, const char *col, const char *path, double *v)
{
    int c = kc_table_find(t, col);
    if (c < 0)
        return KC_OK;
    const char *s = kc_table_get_str(t, row, c);
    if (!s || !*s)
        return KC_OK;
    char *end;
    double x = strtod(s, &end);
    if (*end || !isfinite(x)) {
        KC_ERROR("\"%s\": %s of row %zu is \"%s\", not a number", path, col, row + 2, s);
        return KC_EINVAL;
    }
    *v = x;
    return KC_OK;
}

static int params_from_csv(const char *path, const char *id, kc_pig_params *p, double *mass)
{
    kc_table *t = NULL;
    int st = kc_table_read_csv(path, &t);
    if (st)
        return st;
    int ci = kc_table_find(t, "subject");
    long row = -1;
    for (size_t i = 0; ci >= 0 && i < kc_table_nrows(t); i++)
        if (strcmp(kc_table_get_str(t, i, ci), id) == 0)
            row = (long)i;
    if (ci < 0 || row < 0) {
        KC_ERROR("subject \"%s\" is not in \"%s\"%s", id, path, ci < 0 ? " (no subject column)" : "");
        kc_table_free(t);
        return KC_EINVAL;
    }
    size_t r = (size_t)row;
    static const char *const sc[2] = {"L", "R"};
    char n[64];
    for (int s = 0; s < 2 && !st; s++) {
#define COL(fmt, field)                           \
    if (!st) {                                    \
        snprintf(n, sizeof n, fmt, sc[s]);        \
        st = csv_num(t, r, n, path, &(field));    \
    }
        COL("leg_length_%s_mm", p->leg_length_mm[s]);
        COL("knee_width_%s_mm", p->knee_width_mm[s]);
        COL("ankle_width_%s_mm", p->ankle_width_mm[s]);
        COL("asis_troc_%s_mm", p->asis_troc_mm[s]);
        COL("tibial_torsion_%s_deg", p->tibial_torsion_deg[s]);
        COL("sole_delta_%s_mm", p->sole_delta_mm[s]);
#undef COL
    }
    if (!st)
        st = csv_num(t, r, "inter_asis_mm", path, &p->inter_asis_mm);
    if (!st)
        st = csv_num(t, r, "marker_diameter_mm", path, &p->marker_diameter_mm);
    if (!st)
        st = csv_num(t, r, "mass_kg", path, mass);
    kc_table_free(t);
    return st;
}

/* a numeric /subject attribute, case-insensitive; 1 if found */
static int subj_num(const kc_attrs *a, const char *name, double *v)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcasecmp(a->items[i].name, name) == 0 && !a->items[i].str && a->items[i].n >= 1 &&
            isfinite(a->items[i].v[0])) {
            *v = a->items[i].v[0];
            return 1;
        }
    return 0;
}

/* Vicon PROCESSING names. Returns how many were found; offsets_found set when both sides'
 * StaticPlantFlex and StaticRotOff are there. */
static int params_from_trial(const kc_traj *t, kc_pig_params *p, int *offsets_found)
{
    /* Vicon writes "LeftLegLength" (vsk) or "LLegLength" (Nexus PROCESSING): accept both */
    static const char *const side[2][2] = {{"Left", "L"}, {"Right", "R"}};
    char n[64];
    int found = 0, noff = 0;
    for (int s = 0; s < 2; s++) {
#define GET(suffix, field)                                      \
    for (int v = 0; v < 2; v++) {                               \
        snprintf(n, sizeof n, "%s%s", side[s][v], suffix);      \
        if (subj_num(&t->subject_params, n, &(field))) {        \
            found++;                                            \
            break;                                              \
        }                                                       \
    }
        GET("LegLength", p->leg_length_mm[s]);
        GET("KneeWidth", p->knee_width_mm[s]);
        GET("AnkleWidth", p->ankle_width_mm[s]);
        GET("AsisTrocanterDistance", p->asis_troc_mm[s]);
        GET("TibialTorsion", p->tibial_torsion_deg[s]);
        GET("SoleDelta", p->sole_delta_mm[s]);
        double pf = NAN, ro = NAN;
        GET("StaticPlantFlex", pf);
        GET("StaticRotOff", ro);
#undef GET
        int a = isfinite(pf), b = isfinite(ro);
        if (a && b) {
            /* Vicon: StaticPlantFlex = beta, StaticRotOff = -alpha (right), +alpha (left) */
            p->static_beta_rad[s] = pf;
            p->static_alpha_rad[s] = s ? -ro : ro;
            noff++;
        }
    }
    found += subj_num(&t->subject_params, "InterAsisDistance", &p->inter_asis_mm);
    found += subj_num(&t->subject_params, "MarkerDiameter", &p->marker_diameter_mm);
    *offsets_found = noff == 2;
    return found;
}

/* The model markers present in the static and absent from the trial, or the other way:
 * KC_EINVAL (logged). */
/* The required Plug-in Gait markers (all but the trunk's) that the index map idx lacks, as a
 * comma-separated list in buf; returns how many. */
static int missing_required(const int *idx, char *buf, size_t n)
{
    int bad = 0;
    buf[0] = '\0';
    for (int m = 0; m < KC_PIG_N_MARKERS; m++)
        if (idx[m] < 0 && (m < KC_PIG_C7 || m >= KC_PIG_SIDE0)) {
            size_t l = strlen(buf);
            snprintf(buf + l, n - l, "%s%s", l ? ", " : "", kc_pig_marker_names[m]);
            bad++;
        }
    return bad;
}

static int compare_marker_sets(const int *it, const int *is, const char *trial, const char *stat)
{
    char a[512] = "", b[512] = "";
    for (int k = 0; k < KC_PIG_N_MARKERS; k++) {
        char *dst = (is[k] >= 0 && it[k] < 0) ? a : (is[k] < 0 && it[k] >= 0) ? b : NULL;
        if (dst) {
            size_t l = strlen(dst);
            snprintf(dst + l, 512 - l, "%s%s", l ? ", " : "", kc_pig_marker_names[k]);
        }
    }
    if (a[0] || b[0]) {
        KC_ERROR("the marker sets of \"%s\" and the static \"%s\" differ:%s%s%s%s", trial, stat,
                 a[0] ? " not in the trial: " : "", a, b[0] ? "; not in the static: " : "", b);
        return KC_EINVAL;
    }
    return KC_OK;
}

/* ---- kinetics (issue 11, docs/kinetics.md) ------------------------------------------------- */

static const char *const kin_joint_name[KC_KIN_N_JOINT] = {"Ankle", "Knee", "Hip"};

/* /moments, /joint_forces, /powers of the inverse dynamics, both sides, every joint */
static int add_kinetics(kc_kin *k, const kc_kin_result *r, double mass_kg, double thr,
                        double cutoff_hz, const char *filtering)
{
    char n[64];
    int st = KC_OK;
    for (int s = 0; s < 2 && !st; s++)
        for (int j = 0; j < KC_KIN_N_JOINT && !st; j++) {
            snprintf(n, sizeof n, "%c%s", s ? 'R' : 'L', kin_joint_name[j]);
            st = kc_kin_add_kinetic(
                k, &k->moments, "N.mm/kg",
                "internal joint moment (proximal on distal segment), in the distal segment's "
                "frame, divided by body mass; Plug-in Gait's <J>Moment components and signs: X "
                "extensor (ankle: plantarflexor) +, Y knee/hip abductor + (external adduction; "
                "external knee abduction = -Y), Z rotation (docs/kinetics.md)",
                n, r->moment[s][j]);
            if (!st)
                st = kc_kin_add_kinetic(
                    k, &k->joint_forces, "N/kg",
                    "joint reaction force, proximal on distal segment, in the distal segment's "
                    "frame, divided by body mass; Plug-in Gait's <J>Force (docs/kinetics.md)",
                    n, r->force[s][j]);
            if (!st)
                st = kc_kin_add_kinetic(
                    k, &k->powers, "W/kg",
                    "power of each moment component M_i * w_rel,i (w_rel = distal minus "
                    "proximal angular velocity, distal frame), divided by body mass; the sum "
                    "of X, Y, Z is Plug-in Gait's <J>Power Z (docs/kinetics.md)",
                    n, r->power[s][j]);
        }
    /* the foot's vertical ground reaction, N/kg, as a series (kc-stats' kinetics figure);
     * NaN where the foot's kinetics are (a flagged contact, the ends) */
    size_t F = r->n_frames;
    double *gz = malloc((F ? F : 1) * sizeof *gz);
    if (!st && !gz)
        st = KC_ENOMEM;
    for (int s = 0; s < 2 && !st; s++) {
        for (size_t f = 0; f < F; f++)
            gz[f] = isfinite(r->moment[s][KC_KIN_ANKLE][f * 3]) ? r->grf[s][f * 3 + 2] / mass_kg
                                                                 : NAN;
        snprintf(n, sizeof n, "%cVerticalGRF", s ? 'R' : 'L');
        /* as the inverse dynamics used it: low-pass filtered when kinetics_cutoff_hz > 0 */
        st = kc_kin_add_series(k, n, "N/kg", "", gz);
    }
    free(gz);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "kinetics_body_mass_kg", mass_kg);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "kinetics_force_threshold_n", thr);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "kinetics_cutoff_hz", cutoff_hz);
    if (!st)
        st = kc_attrs_set_str(&k->model, "kinetics_filtering", filtering);
    if (!st)
        st = kc_attrs_set_str(&k->model, "kinetics_segment_parameters",
                              "Dempster via Winter 2009 Table 4.1, as Plug-in Gait "
                              "(docs/kinetics.md)");
    return st;
}

static int metric_row(kc_table *t, const char *name, const char *side, double value,
                      const char *unit, long frame, double rate_hz, const char *window)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    size_t i = (size_t)r;
    int st = kc_table_set_str(t, i, kc_table_find(t, "name"), name);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "side"), side);
    if (!st) st = kc_table_set_f64(t, i, kc_table_find(t, "value"), value);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "unit"), unit);
    if (!st) st = kc_table_set_i64(t, i, kc_table_find(t, "frame"),
                                   frame >= 0 ? (int64_t)frame : INT64_MIN);
    if (!st) st = kc_table_set_f64(t, i, kc_table_find(t, "time_s"),
                                   frame >= 0 ? (double)frame / rate_hz : NAN);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "window"), window);
    return st;
}

static const char *flag_text(int flag)
{
    return flag == KC_CONTACT_BOTH_FEET    ? "both feet on one plate"
           : flag == KC_CONTACT_TWO_PLATES ? "the foot across two plates"
           : flag == KC_CONTACT_NO_FOOT    ? "the centre of pressure under neither foot "
                                             "(e.g. between the feet: both on the plate)"
                                           : "ok";
}

/* Kinetic metrics of a drop jump, per side: the peak external knee abduction moment over
 * IC -> peak knee flexion (Hewett et al. 2005, Am J Sports Med 33:492; external abduction =
 * -Y of Plug-in Gait's knee moment, docs/kinetics.md), and the landing force metrics of the
 * foot's first contact (kc_kin_landing_metrics on its plate at the analog rate), then the
 * L-R peak force asymmetry. A foot whose first contact is flagged gets NaN, the reason in
 * the window text and a warning; never a guess. */
static int kinetic_metrics(kc_table *mt, const kc_kin_result *r, const kc_kin_contact *ct,
                           size_t nct, const kc_dvj_events ev[2], const kc_traj *t,
                           double mass_kg, double thr, const char *trial_path)
{
    static const char *const sn[2] = {"L", "R"};
    double peak_bw[2] = {NAN, NAN};
    size_t F = t->n_frames;
    double rate = t->rate_hz;
    int st = KC_OK;
    for (int s = 0; s < 2 && !st; s++) {
        /* the foot's landing contact: the first of its own contacts, of the flagged ones
         * that involve it, and of the flagged ones under neither foot that are loaded at its
         * initial contact (+-2 frames; a CoP between the feet is what both feet on one plate
         * look like): the foot's kinetics there have no ground reaction of their own */
        long icf = isfinite(ev[s].ic_s) ? (long)kc_events_frame(ev[s].ic_s, rate, F) : -1;
        const kc_kin_contact *c = NULL;
        for (size_t i = 0; i < nct; i++) {
            const kc_kin_contact *q = &ct[i];
            int mine = q->flag == KC_CONTACT_OK ? q->side == s
                       : q->involved ? (q->involved >> s) & 1
                                     : icf >= 0 && (long)q->first <= icf + 2 &&
                                           (long)q->last + 2 >= icf;
            if (mine && (!c || q->first < c->first))
                c = q;
        }
        char flagged[256] = "";
        if (c && c->flag != KC_CONTACT_OK) {
            snprintf(flagged, sizeof flagged, "contact on plate %d (frames %zu-%zu) flagged: %s",
                     c->plate + 1, c->first, c->last, flag_text(c->flag));
            KC_WARN("\"%s\": %s foot, plate %d, frames %zu-%zu: %s, no landing kinetics metrics",
                    trial_path, s ? "right" : "left", c->plate + 1, c->first, c->last,
                    flag_text(c->flag));
        }

        /* knee abduction moment */
        double best = NAN;
        long fb = -1;
        char why[320] = "";
        if (flagged[0]) {
            snprintf(why, sizeof why, "; NaN: %s", flagged);
        } else if (!c) {
            snprintf(why, sizeof why, "; NaN: the foot has no contact on a force plate");
        } else if (isfinite(ev[s].ic_s) && ev[s].pkf_ok) {
            size_t a = kc_events_frame(ev[s].ic_s, rate, F), b = ev[s].pkf_frame;
            int nan_seen = 0;
            for (size_t f = a; f <= b && f < F; f++) {
                double v = -r->moment[s][KC_KIN_KNEE][f * 3 + 1];
                if (!isfinite(v)) {
                    nan_seen = 1;
                    continue;
                }
                if (fb < 0 || v > best) {
                    best = v;
                    fb = (long)f;
                }
            }
            if (nan_seen) {
                /* part of the window not computable (a flagged contact, missing markers):
                 * no peak claimed over what is left */
                best = NAN;
                fb = -1;
                snprintf(why, sizeof why, "; NaN: the moment is not computable in part of "
                                          "the window (flagged contact or missing markers)");
            }
        } else {
            snprintf(why, sizeof why, "; NaN: no initial contact or peak knee flexion");
        }
        char w[640];
        snprintf(w, sizeof w, "initial_contact..peak_knee_flexion; max of -Y of %sKnee moment "
                              "(external abduction/valgus +; Hewett et al. 2005)%s", sn[s], why);
        if ((st = metric_row(mt, "peak_knee_abduction_moment", sn[s], best, "N.mm/kg", fb, rate,
                             w)))
            break;

        kc_kin_landing L;
        int ok = 0;
        char wn[512];
        if (!c) {
            snprintf(wn, sizeof wn, "NaN: the foot has no contact on a force plate");
        } else if (flagged[0]) {
            snprintf(wn, sizeof wn, "NaN: %s", flagged);
        } else {
            const kc_forceplate *q = &t->forceplates[c->plate];
            size_t ratio = (size_t)llround(q->rate_hz / rate);   /* checked by the library */
            size_t start = c->first >= 2 ? (c->first - 2) * ratio : 0;
            if (kc_kin_landing_metrics(q->force + 2, q->n, 3, q->rate_hz, mass_kg, thr, start,
                                       &L) == KC_OK) {
                ok = 1;
                snprintf(wn, sizeof wn, "plate %d, vertical force > %g N", c->plate + 1, thr);
            } else {
                snprintf(wn, sizeof wn, "NaN: no vertical force above %g N on plate %d", thr,
                         c->plate + 1);
            }
        }
        double pr = ok ? t->forceplates[c->plate].rate_hz : 1;
        long fpk = ok ? (long)kc_events_frame((double)L.peak_index / pr, rate, F) : -1;
        long fic = ok ? (long)kc_events_frame((double)L.first / pr, rate, F) : -1;
        char w1[640], w2[640], w3[640], w4[640];
        snprintf(w1, sizeof w1, "contact (force IC -> force take-off); %s", wn);
        snprintf(w2, sizeof w2, "force IC -> peak vertical force, mean rate; %s", wn);
        snprintf(w3, sizeof w3, "force take-off -> next contact on the plate; %s", wn);
        snprintf(w4, sizeof w4, "flight-time method g t^2/8 (Bosco et al. 1983); %s", wn);
        if (ok)
            peak_bw[s] = L.peak_force_bw;
        st = metric_row(mt, "fp_peak_vgrf_bw", sn[s], ok ? L.peak_force_bw : NAN, "BW", fpk,
                        rate, w1);
        if (!st)
            st = metric_row(mt, "fp_loading_rate_bw_s", sn[s], ok ? L.loading_rate_bw_s : NAN,
                            "BW/s", -1, rate, w2);
        if (!st)
            st = metric_row(mt, "fp_contact_time_s", sn[s], ok ? L.contact_time_s : NAN, "s",
                            fic, rate, w1);
        if (!st)
            st = metric_row(mt, "fp_flight_time_s", sn[s], ok ? L.flight_time_s : NAN, "s", -1,
                            rate, w3);
        if (!st)
            st = metric_row(mt, "fp_jump_height_m", sn[s], ok ? L.jump_height_m : NAN, "m", -1,
                            rate, w4);
    }
    if (!st)
        st = metric_row(mt, "fp_peak_vgrf_asymmetry_pct", "",
                        isfinite(peak_bw[0]) && isfinite(peak_bw[1])
                            ? kc_kin_asymmetry(peak_bw[0], peak_bw[1]) : NAN,
                        "%", -1, rate, "100*(L-R)/max(L,R) of fp_peak_vgrf_bw; NaN when a side's is");
    return st;
}

/* ---- kc-ik events: landing events of any marker set ------------------------------------------ */

static void events_usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-ik events -o OUT.kin.h5 --foot-markers MAP [options] TRIAL.traj.h5\n"
            "\n"
            "Drop-jump landing events of each side (initial contact, take-off, second contact)\n"
            "for any marker set, no model: from the force plates of TRIAL when it has them\n"
            "(vertical force > 20 N on the plate under the foot), else from the foot markers\n"
            "of MAP: foot height = the lowest of the side's markers; the floor is the 2nd\n"
            "percentile of that height over the trial; contact starts when the height falls\n"
            "below floor + 30 mm and ends when it rises above floor + 5 mm (thresholds fixed\n"
            "in code, events.h). Writes /events and /model (method, thresholds, markers).\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE     the kinematics file to write (events only; atomically)\n"
            "  --foot-markers MAP    the markers of each foot, e.g. \"L=LHEE,LTOE;R=RHEE,RTOE\"\n"
            "                        (one or two per side; a side may be left out)\n"
            "  --method auto|force|markers  force plates when present (auto, default), the\n"
            "                        plates only, or the foot markers only\n"
            "%s\n"
            "Example:\n"
            "  kc-ik events -o DJ1.kin.h5 --foot-markers \"L=L_calc,L_toe;R=r_calc,r_toe\" "
            "DJ1.traj.h5\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

/* "L=A,B;R=C,D" -> marker columns (second = first when one marker); KC_EINVAL logged */
static int parse_foot_map(const char *map, const kc_traj *t, int cols[2][2], int have[2])
{
    char buf[512];
    if (strlen(map) >= sizeof buf) {
        KC_ERROR("--foot-markers: \"%s\" is too long", map);
        return KC_EINVAL;
    }
    strcpy(buf, map);
    have[0] = have[1] = 0;
    char *save = NULL;
    for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(part, '=');
        int side = (eq && eq == part + 1 && (part[0] == 'L' || part[0] == 'R')) ? part[0] == 'R' : -1;
        if (side < 0 || have[side]) {
            KC_ERROR("--foot-markers: \"%s\" is not L=MARKER[,MARKER] or R=... (each side once)",
                     part);
            return KC_EINVAL;
        }
        char *save2 = NULL;
        int n = 0;
        for (char *mk = strtok_r(eq + 1, ",", &save2); mk; mk = strtok_r(NULL, ",", &save2)) {
            int c = kc_traj_find(t, mk);
            if (c < 0) {
                KC_ERROR("--foot-markers: the trial has no marker \"%s\"", mk);
                return KC_EINVAL;
            }
            if (n >= 2) {
                KC_ERROR("--foot-markers: at most two markers per side (\"%s\")", part);
                return KC_EINVAL;
            }
            cols[side][n++] = c;
        }
        if (n == 0) {
            KC_ERROR("--foot-markers: no marker for side %c", side ? 'R' : 'L');
            return KC_EINVAL;
        }
        if (n == 1)
            cols[side][1] = cols[side][0];
        have[side] = 1;
    }
    if (!have[0] && !have[1]) {
        KC_ERROR("--foot-markers: no side given");
        return KC_EINVAL;
    }
    return KC_OK;
}

static int events_main(kc_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"foot-markers", required_argument, NULL, OPT_FOOT_MARKERS},
        {"method", required_argument, NULL, OPT_EV_METHOD},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *map = NULL;
    int method = 0; /* 0 auto, 1 force, 2 markers */
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case OPT_FOOT_MARKERS: map = optarg; break;
        case OPT_EV_METHOD:
            if (!strcmp(optarg, "auto"))
                method = 0;
            else if (!strcmp(optarg, "force"))
                method = 1;
            else if (!strcmp(optarg, "markers"))
                method = 2;
            else {
                KC_ERROR("--method: \"%s\" is not auto, force or markers", optarg);
                return KC_EXIT_USAGE;
            }
            break;
        default: {
            int r = kc_cli_fallback_option(cli, c, optarg, argv[optind - 1], events_usage);
            if (r >= 0)
                return r;
        }
        }
    }
    if (!out_path || !map) {
        KC_ERROR("kc-ik events needs -o OUT.kin.h5 and --foot-markers MAP (see kc-ik events "
                 "--help)");
        return KC_EXIT_USAGE;
    }
    if (optind + 1 != argc) {
        KC_ERROR(optind + 1 > argc ? "expected TRIAL.traj.h5 (see kc-ik events --help)"
                                   : "too many arguments (see kc-ik events --help)");
        return KC_EXIT_USAGE;
    }
    const char *trial_path = argv[optind];
    kc_traj *t = NULL;
    kc_kin *k = NULL;
    double *foot = NULL, *h = NULL;
    int st, code, cols[2][2], have[2];
    kc_dvj_events ev[2];
    kc_events_params ep = kc_events_default_params();
    if ((st = kc_traj_read(trial_path, &t)))
        goto fail;
    size_t F = t->n_frames, M = t->n_markers;
    st = KC_EINVAL;
    if (F == 0) {
        KC_ERROR("\"%s\" has no frames", trial_path);
        goto fail;
    }
    if (parse_foot_map(map, t, cols, have))
        goto fail;
    if (method == 1 && t->n_forceplates == 0) {
        KC_ERROR("--method force: \"%s\" has no force plates", trial_path);
        goto fail;
    }
    st = KC_ENOMEM;
    foot = malloc(F * 2 * sizeof *foot);
    h = malloc(F * sizeof *h);
    if (!foot || !h || !(k = kc_kin_alloc()) || !(k->events = kc_kin_events_alloc()))
        goto fail;
    double floor_mm[2] = {NAN, NAN};
    for (int s = 0; s < 2; s++) {
        memset(&ev[s], 0, sizeof ev[s]);
        ev[s].ic_s = ev[s].to_s = ev[s].ic2_s = NAN;
        ev[s].plate = -1;
        ev[s].method = "none";
        if (!have[s])
            continue;
        kc_events_foot_midpoint(t->position, F, M, cols[s][0], cols[s][1], foot);
        int r = (method != 2 && t->n_forceplates)
                    ? kc_events_dvj_force(&ep, t->forceplates, t->n_forceplates, foot, F,
                                          t->rate_hz, &ev[s])
                    : KC_EMISSING;
        if (r == KC_ENOMEM)
            goto fail;
        if (r && method == 1) {
            st = KC_EINVAL;
            KC_ERROR("--method force: no force plate under the %s foot of \"%s\"",
                     s ? "right" : "left", trial_path);
            goto fail;
        }
        if (r) {
            kc_events_foot_height(t->position, F, M, cols[s][0], cols[s][1],
                                  (size_t)floor(ep.max_gap_s * t->rate_hz + 1e-9), h);
            floor_mm[s] = kc_events_floor_estimate(h, F);
            if (kc_events_dvj_kinematic(&ep, h, F, t->rate_hz, floor_mm[s], &ev[s]))
                KC_WARN("\"%s\": no %s initial contact found from the foot markers", trial_path,
                        s ? "right" : "left");
        }
        ev[s].pkf_ok = 0;
    }
    k->rate_hz = t->rate_hz;
    k->n_frames = F;
    st = KC_ENOMEM;
    if (!(k->trial_type = strdup(t->task ? t->task : "dvj")) ||
        !(k->subject = strdup(t->subject ? t->subject : "")) ||
        (t->trial && !(k->trial = strdup(t->trial))))
        goto fail;
    if ((st = kc_events_to_table(ev, t->rate_hz, F, k->events)))
        goto fail;
    st = kc_attrs_set_str(&k->model, "name", "events");
    if (!st)
        st = kc_attrs_set_str(&k->model, "foot_markers", map);
    for (int s = 0; s < 2 && !st; s++) {
        char n[64];
        snprintf(n, sizeof n, "events_method_%c", s ? 'R' : 'L');
        st = kc_attrs_set_str(&k->model, n, ev[s].method);
        snprintf(n, sizeof n, "floor_%c_mm", s ? 'R' : 'L');
        if (!st)
            st = kc_attrs_set_f64(&k->model, n, floor_mm[s]);
    }
    if (!st)
        st = kc_attrs_set_f64(&k->model, "events_force_threshold_n", ep.force_threshold_n);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "events_height_threshold_mm", ep.height_threshold_mm);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "events_takeoff_threshold_mm", ep.takeoff_threshold_mm);
    if (st)
        goto fail;
    {
        const char *inputs[1] = {trial_path};
        kc_provenance prov = {"kc-ik events", argc, argv, 1, inputs, cli->provenance};
        if ((st = kc_kin_write(out_path, k, &prov)))
            goto fail;
    }
    free(foot);
    free(h);
    kc_kin_free(k);
    kc_traj_free(t);
    return kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;
fail:
    code = kc_exit_code(st);
    if (code == KC_EXIT_OK)
        code = KC_EXIT_FAILED;
    if (kc_log_error_count() == 0)
        KC_ERROR("cannot detect the events of \"%s\": %s", trial_path, kc_strerror(st));
    free(foot);
    free(h);
    kc_kin_free(k);
    kc_traj_free(t);
    return code;
}

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "kc-ik", argc, argv);
    if (argc > 1 && strcmp(argv[1], "events") == 0)
        return events_main(&cli, argc - 1, argv + 1);
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"static", required_argument, NULL, OPT_STATIC},
        {"subjects", required_argument, NULL, OPT_SUBJECTS},
        {"subject", required_argument, NULL, OPT_SUBJECT},
        {"params-from-trial", no_argument, NULL, OPT_FROM_TRIAL},
        {"type", required_argument, NULL, OPT_TYPE},
        {"foot-flat", no_argument, NULL, OPT_FOOT_FLAT},
        {"functional", required_argument, NULL, OPT_FUNCTIONAL},
        {"functional-method", required_argument, NULL, OPT_FUNCTIONAL_METHOD},
        {"model", required_argument, NULL, OPT_MODEL},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"no-kinetics", no_argument, NULL, OPT_NO_KINETICS},
        {"force-threshold", required_argument, NULL, OPT_FORCE_THRESHOLD},
        {"kinetics-cutoff", required_argument, NULL, OPT_KIN_CUTOFF},
        {"markerset", required_argument, NULL, OPT_MARKERSET},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *static_path = NULL, *subjects_path = NULL, *subject_id = NULL;
    const char *type = NULL, *functional_path = NULL, *events_path = NULL, *markerset = NULL;
    int from_trial = 0, foot_flat = 0, use_axis = 0, model_kc = 0, no_kinetics = 0, c;
    double force_threshold = 20.0;
    double kin_cutoff = -1;   /* -1 auto, 0 none, > 0 Hz */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case OPT_STATIC: static_path = optarg; break;
        case OPT_SUBJECTS: subjects_path = optarg; break;
        case OPT_SUBJECT: subject_id = optarg; break;
        case OPT_FROM_TRIAL: from_trial = 1; break;
        case OPT_FOOT_FLAT: foot_flat = 1; break;
        case OPT_FUNCTIONAL: functional_path = optarg; break;
        case OPT_EVENTS: events_path = optarg; break;
        case OPT_NO_KINETICS: no_kinetics = 1; break;
        case OPT_MARKERSET: markerset = optarg; break;
        case OPT_KIN_CUTOFF: {
            char *end;
            if (strcmp(optarg, "auto") == 0) {
                kin_cutoff = -1;
            } else if (strcmp(optarg, "none") == 0) {
                kin_cutoff = 0;
            } else {
                kin_cutoff = strtod(optarg, &end);
                if (end == optarg || *end || !isfinite(kin_cutoff) || kin_cutoff <= 0) {
                    KC_ERROR("--kinetics-cutoff: \"%s\" is not auto, none or a frequency > 0 "
                             "(Hz)", optarg);
                    return KC_EXIT_USAGE;
                }
            }
            break;
        }
        case OPT_FORCE_THRESHOLD: {
            char *end;
            force_threshold = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(force_threshold) || force_threshold <= 0) {
                KC_ERROR("--force-threshold: \"%s\" is not a force > 0 (N)", optarg);
                return KC_EXIT_USAGE;
            }
            break;
        }
        case OPT_MODEL:
            if (strcmp(optarg, "pig") && strcmp(optarg, "kinechain")) {
                KC_ERROR("--model: \"%s\" is not pig or kinechain", optarg);
                return KC_EXIT_USAGE;
            }
            model_kc = strcmp(optarg, "kinechain") == 0;
            break;
        case OPT_FUNCTIONAL_METHOD:
            if (strcmp(optarg, "variance") && strcmp(optarg, "axis")) {
                KC_ERROR("--functional-method: \"%s\" is not variance or axis", optarg);
                return KC_EXIT_USAGE;
            }
            use_axis = strcmp(optarg, "axis") == 0;
            break;
        case OPT_TYPE:
            if (strcmp(optarg, "dvj") && strcmp(optarg, "sls") && strcmp(optarg, "static")) {
                KC_ERROR("--type: \"%s\" is not dvj, sls or static", optarg);
                return KC_EXIT_USAGE;
            }
            type = optarg;
            break;
        default: {
            int r = kc_cli_fallback_option(&cli, c, optarg, argv[optind - 1], usage);
            if (r >= 0)
                return r;
        }
        }
    }
    if (!out_path) {
        KC_ERROR("missing -o OUT.kin.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (optind + 1 != argc) {
        KC_ERROR(optind + 1 > argc ? "expected TRIAL.traj.h5 (see --help)"
                                   : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    /* keypoints (kpkin.h): --markerset, or a trajectory of keypoints given without subject
     * parameters (the layout from the file) */
    int keypoints = markerset != NULL;
    if (!keypoints && !subjects_path && !from_trial && access(argv[optind], R_OK) == 0) {
        kc_h5 *h5 = NULL;
        char layout[32];
        int r = kc_h5_open(&h5, argv[optind], "trajectories");
        if (r)
            return kc_exit_code(r);
        keypoints = kc_kpkin_file_layout(h5, layout, sizeof layout) == KC_OK;
        kc_h5_close(h5);
    }
    if (keypoints) {
        if (static_path || subjects_path || subject_id || from_trial || functional_path ||
            model_kc || foot_flat) {
            KC_ERROR("--markerset (keypoints) takes none of --static, --subjects, --subject, "
                     "--params-from-trial, --functional, --model, --foot-flat");
            return KC_EXIT_USAGE;
        }
        const char *in[2] = {argv[optind], events_path};
        kc_provenance kp = {"kc-ik", argc, argv, events_path ? 2 : 1, in, cli.provenance};
        int r = kc_kpkin_run(argv[optind], out_path, markerset, type, events_path, &kp);
        if (r)
            return kc_exit_code(r) == KC_EXIT_OK ? KC_EXIT_FAILED : kc_exit_code(r);
        return kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;
    }
    if (!subjects_path && !from_trial) {
        KC_ERROR("no subject parameters: give --subjects FILE or --params-from-trial");
        return KC_EXIT_USAGE;
    }
    const char *trial_path = argv[optind];

    kc_traj *t = NULL, *stat = NULL, *func = NULL;
    kc_pig_functional fres[2];
    kc_kin *k = NULL;
    double *angles = NULL, *centres = NULL, *foot = NULL, *h = NULL;
    int st, code;
    double t0 = kc_now(), mass_kg = NAN;
    kc_kin_result kr;
    kc_kin_contact *kct = NULL;
    size_t nkct = 0;
    int have_kin = 0;
    double kin_cutoff_used = 0;
    char kin_filtering[200] = "";
    kc_pig_params p = kc_pig_default_params();
    p.foot_flat = foot_flat;
    p.hjc_harrington = model_kc;
    if (model_kc && !functional_path)
        KC_WARN("--model kinechain without --functional: Harrington hip joint centre, no "
                "knee-axis crosstalk correction (written to /model)");
    if ((st = kc_traj_read(trial_path, &t)))
        goto fail;
    if (static_path && (st = kc_traj_read(static_path, &stat)))
        goto fail;
    if (functional_path && (st = kc_traj_read(functional_path, &func)))
        goto fail;
    size_t F = t->n_frames, M = t->n_markers;
    st = KC_EINVAL;
    if (F == 0) {
        KC_ERROR("\"%s\" has no frames", trial_path);
        goto fail;
    }

    /* markers */
    int it[KC_PIG_N_MARKERS], is[KC_PIG_N_MARKERS];
    char missing[512];
    kc_pig_map_markers(t->labels, M, it, missing, sizeof missing);
    if (stat) {
        char smiss[512] = "";
        kc_pig_map_markers(stat->labels, stat->n_markers, is, smiss, sizeof smiss);
        char req[512];
        int bad = missing_required(is, req, sizeof req);
        if (bad) {
            KC_ERROR("the static \"%s\" lacks required marker%s %s", static_path,
                     bad > 1 ? "s" : "", req);
            goto fail;
        }
        if (compare_marker_sets(it, is, trial_path, static_path))
            goto fail;
    }
    {
        char req[512];
        int bad = missing_required(it, req, sizeof req);
        if (bad) {
            KC_ERROR("\"%s\" lacks required marker%s %s", trial_path, bad > 1 ? "s" : "", req);
            goto fail;
        }
        if (missing[0])
            KC_WARN("\"%s\" has no %s: the thorax angles are NaN", trial_path, missing);
    }

    /* parameters */
    const char *subject = subject_id ? subject_id : t->subject;
    if (subjects_path) {
        if (!subject) {
            KC_ERROR("--subjects needs --subject ID: \"%s\" names no subject", trial_path);
            goto fail;
        }
        if ((st = params_from_csv(subjects_path, subject, &p, &mass_kg)))
            goto fail;
    }
    int trial_offsets = 0;
    if (from_trial) {
        int n = params_from_trial(t, &p, &trial_offsets);
        if (subj_num(&t->subject_params, "Bodymass", &mass_kg))   /* Vicon PROCESSING */
            n++;
        KC_INFO("%d parameters from the /subject attributes of \"%s\"", n, trial_path);
    }
    st = KC_EINVAL;
    if (kc_pig_check_params(&p, missing, sizeof missing)) {
        KC_ERROR("missing or invalid subject parameters for \"%s\": %s",
                 subject ? subject : trial_path, missing);
        goto fail;
    }

    /* static calibration */
    const char *offsets_source;
    if (stat) {
        if ((st = kc_pig_calibrate(&p, stat->position, stat->n_frames, stat->n_markers, is)))
            goto fail;
        offsets_source = "static";
    } else if (trial_offsets) {
        offsets_source = "trial /subject (StaticPlantFlex, StaticRotOff)";
    } else {
        KC_ERROR("no static foot offsets: give --static STATIC.traj.h5 (or "
                 "--params-from-trial with Left/RightStaticPlantFlex and StaticRotOff)");
        goto fail;
    }
    if (p.inter_asis_mm == 0.0) {
        /* no static: the trial's own mean |LASI - RASI| */
        double s = 0;
        size_t n = 0;
        for (size_t f = 0; f < F; f++) {
            kc_vec3 mk[KC_PIG_N_MARKERS];
            kc_pig_gather(t->position, M, f, it, mk);
            double d = kc_v3_norm(kc_v3_sub(mk[KC_PIG_LASI], mk[KC_PIG_RASI]));
            if (isfinite(d)) {
                s += d;
                n++;
            }
        }
        if (n == 0) {
            KC_ERROR("\"%s\" has no frame with both LASI and RASI", trial_path);
            goto fail;
        }
        p.inter_asis_mm = s / (double)n;
    }

    /* knee-axis crosstalk: the thigh-rotation offsets from the functional trial */
    if (func) {
        int ifn[KC_PIG_N_MARKERS];
        char fmiss[512] = "";
        kc_pig_map_markers(func->labels, func->n_markers, ifn, fmiss, sizeof fmiss);
        st = KC_EINVAL;
        for (int m = 0; m < KC_PIG_N_MARKERS; m++)
            if (ifn[m] < 0 && (m < KC_PIG_C7 || m >= KC_PIG_SIDE0)) {
                KC_ERROR("the functional trial \"%s\" lacks marker %s", functional_path,
                         kc_pig_marker_names[m]);
                goto fail;
            }
        for (int s = 0; s < 2; s++) {
            if ((st = kc_pig_functional_offset(&p, func->position, func->n_frames,
                                               func->n_markers, ifn, s, 10.0, 100.0, &fres[s])))
                goto fail;
            p.thigh_rot_offset_deg[s] = use_axis ? fres[s].axis_deg : fres[s].offset_deg;
            KC_INFO("%s thigh-rotation offset %+.2f deg applied (%s) from \"%s\" (%zu frames, "
                    "%.0f deg of flexion; knee abduction SD %.2f -> %.2f deg at the "
                    "minimum-variance offset %+.2f deg; helical axis %+.2f deg)",
                    s ? "right" : "left", p.thigh_rot_offset_deg[s],
                    use_axis ? "helical axis" : "minimum abduction variance", functional_path,
                    fres[s].n_frames, fres[s].flex_range_deg, fres[s].sd_before_deg,
                    fres[s].sd_after_deg, fres[s].offset_deg, fres[s].axis_deg);
        }
    }

    /* progression, angles, joint centres */
    kc_mat3 prog;
    int branch;
    if (kc_pig_progression(t->position, F, M, it, &prog, &branch)) {
        st = KC_EINVAL;
        KC_ERROR("\"%s\": the progression frame cannot be formed (no valid pelvis frames)",
                 trial_path);
        goto fail;
    }
    st = KC_ENOMEM;
    angles = malloc(KC_PIG_N_ANGLES * F * 3 * sizeof *angles);
    centres = malloc(KC_PIG_N_CENTRES * F * 3 * sizeof *centres);
    if (!angles || !centres || !(k = kc_kin_alloc()))
        goto fail;
    kc_pig_compute(&p, t->position, F, M, it, prog, angles, centres);
    KC_INFO("%zu frames of \"%s\" in %.3f s", F, trial_path, kc_now() - t0);

    /* kinetics (docs/kinetics.md, "Wiring into kc-ik"): trials with plates, mass known */
    if (t->n_forceplates && !no_kinetics) {
        if (!(isfinite(mass_kg) && mass_kg > 0)) {
            KC_WARN("\"%s\" has force plates but the body mass is unknown (subjects CSV "
                    "mass_kg or /subject Bodymass): no kinetics", trial_path);
        } else {
            kc_kin_options ko = kc_kin_default_options();
            ko.body_mass_kg = mass_kg;
            /* matched cutoffs (docs/kinetics.md): the trajectories' own filter for the forces
             * when kc-triangulate filtered them; none for C3D from Nexus, as Nexus */
            if (kin_cutoff > 0) {
                ko.cutoff_hz = kin_cutoff;
                snprintf(kin_filtering, sizeof kin_filtering,
                         "--kinetics-cutoff: markers and forces at %g Hz", kin_cutoff);
            } else if (kin_cutoff < 0 && isfinite(t->filter_cutoff_hz) &&
                       t->filter_cutoff_hz > 0) {
                ko.cutoff_hz = t->filter_cutoff_hz;
                ko.markers_prefiltered = 1;
                snprintf(kin_filtering, sizeof kin_filtering,
                         "forces at the trajectories' filter_cutoff_hz, %g Hz (the markers "
                         "were filtered there): matched cutoffs, Kristianslund et al. 2012",
                         t->filter_cutoff_hz);
            } else {
                ko.cutoff_hz = 0;
                snprintf(kin_filtering, sizeof kin_filtering, "%s",
                         kin_cutoff == 0 ? "--kinetics-cutoff none: markers and forces "
                                           "unfiltered"
                                         : "none: the trajectories record no filter (as "
                                           "Plug-in Gait on Nexus's processed markers and raw "
                                           "plates)");
            }
            if (ko.cutoff_hz > 0 && ko.cutoff_hz >= t->rate_hz / 2) {
                KC_ERROR("--kinetics-cutoff: %g Hz is not below half the marker rate of \"%s\" "
                         "(%g Hz)", ko.cutoff_hz, trial_path, t->rate_hz);
                st = KC_EINVAL;
                goto fail;
            }
            kin_cutoff_used = ko.cutoff_hz;
            ko.threshold_n = force_threshold;
            if ((st = kc_kin_inverse_dynamics(&p, t->position, F, M, it, t->rate_hz,
                                              t->forceplates, t->n_forceplates, &ko, trial_path,
                                              &kr, &kct, &nkct)))
                goto fail;
            have_kin = 1;
            for (size_t i = 0; i < nkct; i++)
                KC_INFO("\"%s\": plate %d, frames %zu-%zu: %s%s", trial_path, kct[i].plate + 1,
                        kct[i].first, kct[i].last,
                        kct[i].flag == KC_CONTACT_OK ? (kct[i].side ? "right foot" : "left foot")
                                                     : flag_text(kct[i].flag),
                        kct[i].flag == KC_CONTACT_OK ? ""
                        : kct[i].involved == 3       ? " (both feet involved: NaN kinetics)"
                        : kct[i].involved == 1       ? " (left foot involved: NaN kinetics)"
                        : kct[i].involved == 2       ? " (right foot involved: NaN kinetics)"
                                                     : " (no foot involved: ignored)");
        }
    }

    k->rate_hz = t->rate_hz;
    k->n_frames = F;
    if (!type)
        type = (t->task && (!strcmp(t->task, "dvj") || !strcmp(t->task, "sls") ||
                            !strcmp(t->task, "static"))) ? t->task : "dvj";
    if (!(k->trial_type = strdup(type)) || !(k->subject = strdup(subject ? subject : "")))
        goto fail;
    if (t->trial && !(k->trial = strdup(t->trial)))
        goto fail;
    for (int ch = 0; ch < KC_PIG_N_ANGLES; ch++)
        if ((st = kc_kin_add_angle(k, kc_pig_angle_names[ch], angles + (size_t)ch * F * 3)))
            goto fail;
    for (int ch = 0; ch < KC_PIG_N_CENTRES; ch++)
        if ((st = kc_kin_add_centre(k, kc_pig_centre_names[ch], centres + (size_t)ch * F * 3)))
            goto fail;
    if (have_kin && (st = add_kinetics(k, &kr, mass_kg, force_threshold, kin_cutoff_used,
                                       kin_filtering)))
        goto fail;
    if ((st = kc_pig_params_to_attrs(&p, &k->model)))
        goto fail;
    st = kc_attrs_set_str(&k->model, "static_offsets_from", offsets_source);
    if (!st)
        st = kc_attrs_set_str(&k->model, "progression_axis",
                              prog.m[0][0] > 0.5 ? "+X" : prog.m[0][0] < -0.5 ? "-X"
                              : prog.m[1][0] > 0.5 ? "+Y" : "-Y");
    if (!st)
        st = kc_attrs_set_str(&k->model, "progression_rule",
                              branch == 1 ? "LASI displacement" : "pelvis facing");
    if (!st)
        st = kc_attrs_set_str(&k->model, "crosstalk_correction",
                              !func ? "none (Plug-in Gait)"
                              : use_axis ? "functional thigh-rotation offset: mean finite "
                                           "helical axis of the knee over 10-100 deg flexion, "
                                           "docs/pig-model.md"
                                         : "functional thigh-rotation offset: minimum variance "
                                           "of knee abduction over 10-100 deg flexion, "
                                           "docs/pig-model.md");
    for (int s = 0; func && s < 2 && !st; s++) {
        static const char sc[2] = {'L', 'R'};
        char n[96];
        snprintf(n, sizeof n, "functional_abduction_sd_before_%c_deg", sc[s]);
        st = kc_attrs_set_f64(&k->model, n, fres[s].sd_before_deg);
        snprintf(n, sizeof n, "functional_abduction_sd_after_%c_deg", sc[s]);
        if (!st)
            st = kc_attrs_set_f64(&k->model, n, fres[s].sd_after_deg);
        snprintf(n, sizeof n, "functional_min_variance_offset_%c_deg", sc[s]);
        if (!st)
            st = kc_attrs_set_f64(&k->model, n, fres[s].offset_deg);
        snprintf(n, sizeof n, "functional_tilt_%c_deg", sc[s]);
        if (!st)
            st = kc_attrs_set_f64(&k->model, n, fres[s].tilt_deg);
        snprintf(n, sizeof n, "functional_helical_axis_%c_deg", sc[s]);
        if (!st)
            st = kc_attrs_set_f64(&k->model, n, fres[s].axis_deg);
        snprintf(n, sizeof n, "functional_frames_%c", sc[s]);
        if (!st)
            st = kc_attrs_set_f64(&k->model, n, (double)fres[s].n_frames);
    }
    if (!st && func)
        st = kc_attrs_set_str(&k->model, "functional_trial", functional_path);
    if (!st && events_path)
        st = kc_attrs_set_str(&k->model, "event_overrides", events_path);
    if (st)
        goto fail;

    /* events and metrics of a drop jump */
    double ovr[2][4];
    int n_ovr = 0;
    if (events_path) {
        if (strcmp(type, "dvj") != 0) {
            st = KC_EINVAL;
            KC_ERROR("--events: only drop-jump events can be overridden (the trial type is %s)",
                     type);
            goto fail;
        }
        if ((st = kc_events_read_overrides(events_path, subject, t->trial, ovr, &n_ovr)))
            goto fail;
        KC_INFO("%d event override%s from \"%s\"", n_ovr, n_ovr == 1 ? "" : "s", events_path);
    }
    if (strcmp(type, "dvj") == 0) {
        kc_events_params ep = kc_events_default_params();
        kc_dvj_events ev[2];
        st = KC_ENOMEM;
        foot = malloc(F * 2 * sizeof *foot);
        h = malloc(F * sizeof *h);
        if (!foot || !h || !(k->events = kc_kin_events_alloc()) ||
            !(k->metrics = kc_kin_metrics_alloc()))
            goto fail;
        for (int s = 0; s < 2; s++) {
            int hee = it[kc_pig_mk(s, KC_PIG_HEE)], toe = it[kc_pig_mk(s, KC_PIG_TOE)];
            kc_events_foot_midpoint(t->position, F, M, hee, toe, foot);
            int r = t->n_forceplates ? kc_events_dvj_force(&ep, t->forceplates, t->n_forceplates,
                                                           foot, F, t->rate_hz, &ev[s])
                                     : KC_EMISSING;
            if (r == KC_ENOMEM)
                goto fail;
            if (r) {
                double floor_mm;
                if (stat) {
                    double *hs = malloc((stat->n_frames ? stat->n_frames : 1) * sizeof *hs);
                    if (!hs)
                        goto fail;
                    kc_events_foot_height(stat->position, stat->n_frames, stat->n_markers,
                                          is[kc_pig_mk(s, KC_PIG_HEE)], is[kc_pig_mk(s, KC_PIG_TOE)],
                                          (size_t)floor(ep.max_gap_s * stat->rate_hz + 1e-9), hs);
                    double sum = 0;
                    size_t n = 0;
                    for (size_t f = 0; f < stat->n_frames; f++)
                        if (isfinite(hs[f])) {
                            sum += hs[f];
                            n++;
                        }
                    free(hs);
                    floor_mm = n ? sum / (double)n : NAN;
                } else {
                    kc_events_foot_height(t->position, F, M, hee, toe,
                                          (size_t)floor(ep.max_gap_s * t->rate_hz + 1e-9), h);
                    floor_mm = kc_events_floor_estimate(h, F);
                }
                kc_events_foot_height(t->position, F, M, hee, toe,
                                          (size_t)floor(ep.max_gap_s * t->rate_hz + 1e-9), h);
                if (kc_events_dvj_kinematic(&ep, h, F, t->rate_hz, floor_mm, &ev[s]))
                    KC_WARN("\"%s\": no %s initial contact found from the foot markers",
                            trial_path, s ? "right" : "left");
            }
            if (events_path)
                kc_events_override_contacts(ovr[s], &ev[s]);
            kc_events_peak_flexion(angles + (size_t)(2 * KC_PIG_KNEE + s) * F * 3, F, t->rate_hz,
                                   &ev[s]);
            if (events_path)
                kc_events_override_peak(ovr[s], t->rate_hz, F, &ev[s]);
        }
        if ((st = kc_events_to_table(ev, t->rate_hz, F, k->events)) ||
            (events_path && (st = kc_events_mark_manual(k->events, ovr))) ||
            (st = kc_metrics_dvj(angles, centres, F, t->rate_hz, prog, ev, t->forceplates,
                                 t->n_forceplates, k->metrics)))
            goto fail;
        {
            /* the video-comparable frontal-plane metrics need the ASIS markers */
            double *asis = malloc((F ? F : 1) * 6 * sizeof *asis);
            if (!asis) {
                st = KC_ENOMEM;
                goto fail;
            }
            for (int s = 0; s < 2; s++) {
                int m = it[s ? KC_PIG_RASI : KC_PIG_LASI];
                for (size_t f = 0; f < F; f++)
                    for (size_t x = 0; x < 3; x++)
                        asis[((size_t)s * F + f) * 3 + x] =
                            m >= 0 ? t->position[(f * M + (size_t)m) * 3 + x] : NAN;
            }
            const double *const as[2] = {asis, asis + F * 3};
            st = kc_metrics_dvj_video(angles, centres, as, F, t->rate_hz, prog, ev, k->metrics);
            free(asis);
            if (st)
                goto fail;
        }
        if (have_kin && (st = kinetic_metrics(k->metrics, &kr, kct, nkct, ev, t, mass_kg,
                                              force_threshold, trial_path)))
            goto fail;
        /* landing phases, time-normalised, each side by its own events */
        double norm[KC_NORM_POINTS * 3];
        for (int s = 0; s < 2; s++) {
            double t_pk = ev[s].pkf_ok ? (double)ev[s].pkf_frame / t->rate_hz : NAN;
            for (int kind = 0; kind < KC_PIG_N_KIND; kind++) {
                int ch = 2 * kind + s;
                const double *x = angles + (size_t)ch * F * 3;
                for (int ph = 0; ph < 2; ph++) {
                    double t1 = ph ? t_pk : ev[s].to_s;
                    if (kc_normalize_curve(x, F, t->rate_hz, ev[s].ic_s, t1, KC_NORM_POINTS, norm))
                        continue;
                    int any = 0;
                    for (size_t i = 0; i < KC_NORM_POINTS * 3; i++)
                        any |= isfinite(norm[i]);
                    if (!any)
                        continue;
                    if ((st = kc_kin_add_normalized(k, ph ? "absorption" : "landing",
                                                    "initial_contact",
                                                    ph ? "peak_knee_flexion" : "take_off", "deg",
                                                    kc_pig_angle_names[ch], norm)))
                        goto fail;
                }
            }
        }
        st = kc_attrs_set_str(&k->model, "events_method", ev[0].method);
        if (!st)
            st = kc_attrs_set_f64(&k->model, "events_force_threshold_n", ep.force_threshold_n);
        if (!st)
            st = kc_attrs_set_f64(&k->model, "events_height_threshold_mm", ep.height_threshold_mm);
        if (!st)
            st = kc_attrs_set_f64(&k->model, "events_takeoff_threshold_mm", ep.takeoff_threshold_mm);
        if (st)
            goto fail;
    }

    /* events and metrics of a single-leg squat */
    if (strcmp(type, "sls") == 0) {
        int hee[2], toe[2];
        for (int s = 0; s < 2; s++) {
            hee[s] = it[kc_pig_mk(s, KC_PIG_HEE)];
            toe[s] = it[kc_pig_mk(s, KC_PIG_TOE)];
        }
        int side = kc_events_sls_side(t->position, F, M, hee, toe);
        st = KC_ENOMEM;
        if (!(k->events = kc_kin_events_alloc()) || !(k->metrics = kc_kin_metrics_alloc()))
            goto fail;
        double t_start = NAN, t_end = NAN;
        size_t deep = 0;
        if (side < 0) {
            KC_WARN("\"%s\": no stance side found (no finite foot markers)", trial_path);
        } else {
            int r = kc_events_sls(angles + (size_t)(2 * KC_PIG_KNEE + side) * F * 3, F,
                                  t->rate_hz, &t_start, &deep, &t_end);
            if (r == KC_ENOMEM)
                goto fail;
            if (r)
                KC_WARN("\"%s\": the single-leg squat's start or end was not found", trial_path);
            if ((st = kc_events_sls_to_table(side, t_start, deep, t_end, t->rate_hz, F,
                                             k->events)) ||
                (st = kc_metrics_sls(angles, F, t->rate_hz, side, t_start, deep, t_end,
                                     k->metrics)))
                goto fail;
            /* /normalized/squat (start -> end) and /normalized/descent (start -> deepest),
             * the stance side's channels */
            double norm[KC_NORM_POINTS * 3];
            for (int kind = 0; kind < KC_PIG_N_KIND; kind++) {
                int ch = 2 * kind + side;
                const double *x = angles + (size_t)ch * F * 3;
                for (int ph = 0; ph < 2; ph++) {
                    double t1 = ph ? (double)deep / t->rate_hz : t_end;
                    if (kc_normalize_curve(x, F, t->rate_hz, t_start, t1, KC_NORM_POINTS, norm))
                        continue;
                    int any = 0;
                    for (size_t i = 0; i < KC_NORM_POINTS * 3; i++)
                        any |= isfinite(norm[i]);
                    if (any && (st = kc_kin_add_normalized(k, ph ? "descent" : "squat", "start",
                                                           ph ? "peak_knee_flexion" : "end",
                                                           "deg", kc_pig_angle_names[ch], norm)))
                        goto fail;
                }
            }
        }
        st = kc_attrs_set_str(&k->model, "events_method",
                              "single-leg squat: stance = foot with the smaller height range; "
                              "start/end = stance knee flexion crossing baseline + 5 % of its "
                              "excursion (events.h)");
        if (!st)
            st = kc_attrs_set_str(&k->model, "sls_stance_side", side < 0 ? "" : side ? "R" : "L");
        if (st)
            goto fail;
    }

    const char *inputs[4] = {trial_path, NULL, NULL, NULL};
    int n_in = 1;
    if (static_path)
        inputs[n_in++] = static_path;
    if (functional_path)
        inputs[n_in++] = functional_path;
    if (events_path)
        inputs[n_in++] = events_path;
    kc_provenance prov = {"kc-ik", argc, argv, n_in, inputs, cli.provenance};
    if (k->metrics && k->trial_type &&
        (strcmp(k->trial_type, "dvj") == 0 || strcmp(k->trial_type, "sls") == 0)) {
        /* the kinematics file with /chain: written whole to the temporary name, /chain added,
         * then moved into place (atomic like every output) */
        kc_chain ch[2];
        const char *mname = model_kc ? "kinechain" : "pig";
        for (int s = 0; s < 2; s++)
            if ((st = kc_chain_summarize(k->metrics, k->trial_type, mname, s, &ch[s])))
                goto fail;
        kc_atomic_sweep(out_path);   /* temporaries of out_path left by killed runs */
        char *stage = kc_atomic_tmpname(out_path);
        if (!stage) {
            st = KC_ENOMEM;
            goto fail;
        }
        if ((st = kc_kin_write(stage, k, &prov))) {
            free(stage);
            goto fail;
        }
        if ((st = kc_chain_write(stage, ch))) {
            remove(stage);
            free(stage);
            goto fail;
        }
        st = kc_atomic_commit(stage, out_path);
        free(stage);
        if (st)
            goto fail;
    } else if ((st = kc_kin_write(out_path, k, &prov))) {
        goto fail;
    }
    KC_INFO("wrote \"%s\" in %.2f s", out_path, kc_now() - t0);
    code = kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;
    goto done;

fail:
    code = kc_exit_code(st);
    if (code == KC_EXIT_OK)
        code = KC_EXIT_FAILED;
    if (kc_log_error_count() == 0)
        KC_ERROR("cannot compute \"%s\": %s", trial_path, kc_strerror(st));
done:
    if (have_kin)
        kc_kin_result_free(&kr);
    free(kct);
    free(angles);
    free(centres);
    free(foot);
    free(h);
    kc_kin_free(k);
    kc_traj_free(t);
    kc_traj_free(stat);
    kc_traj_free(func);
    return code;
}
