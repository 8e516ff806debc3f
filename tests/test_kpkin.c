/* kc-ik --markerset (kinematics from markerless keypoints, include/kinechain/kpkin.h).
 *
 *   test_kpkin            synthetic: a kc-synth identity session; keypoint trajectories are
 *                         built from its truth (hip, knee, ankle keypoints = the true joint
 *                         centres /truth/joint_centres, heel and big toe = the true HEE and TOE
 *                         markers, the shoulders = C7 and CLAV so that the BODY_25B trunk top,
 *                         their midpoint, is a point of the upper trunk), then kc-ik
 *                         --markerset. Every per-frame series and every metric is recomputed
 *                         here from the same truth with code of its own (projections onto the
 *                         facing plane instead of atan2 of components, acos instead of atan2)
 *                         and must agree within 1e-6 deg / 1e-6 (the same quantities, two
 *                         implementations); events against /truth/events (IC within 1 frame,
 *                         take-off within 2, as for markers: the heel/toe keypoints are the
 *                         markers); the output is a valid kinematics file with no /angles, the
 *                         reason as a root attribute, every metric and curve flagged
 *                         source = "keypoints:body25b"; the layout read from the file equals
 *                         --markerset (same bytes); COCO (no feet: events from the ankles,
 *                         said on stderr; IC within the measured bound below); a single-leg
 *                         squat (stance side, contralateral pelvic drop); library error paths;
 *                         kc-ik's command line (exit 2 with one line for missing keypoints or
 *                         a bad marker-set file, exit 1 with --static); kc-validate and
 *                         kc-stats on the outputs; and the whole chain: the keypoints
 *                         projected into the session's true cameras with 2 px Gaussian noise,
 *                         kc-triangulate, kc-ik against the noise-free keypoints (bounds
 *                         KP_CHAIN_* from measurement).
 *   test_kpkin real       the Pose2Sim demo (KC_REAL_DATA/pose2sim_demo, exit 77 without it):
 *                         kc-calib import, kc-convert (association), kc-triangulate as
 *                         tests/tools/keypoints_cli.sh, then kc-ik --markerset body25b: runs,
 *                         valid output, no /angles and the reason, the knee flexion of
 *                         kinechain's keypoints against the same definition on Pose2Sim's own
 *                         triangulation (pose-3d/..._0-100.trc; median and 90th percentile of the
 *                         frame-wise difference, bounds below), series within physiological
 *                         ranges, every finite metric within its plausible range.
 * Every measured number is printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinechain/calibfile.h"
#include "kinechain/h5io.h"
#include "kinechain/keypoints.h"
#include "kinechain/kinfile.h"
#include "kinechain/kpkin.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"
#include "kinechain/trc.h"
#include "testkin.h"
#include "testutil.h"

#ifndef KC_SYNTH_EXE
#define KC_SYNTH_EXE "kc-synth"
#endif
#ifndef KC_IK_EXE
#define KC_IK_EXE "kc-ik"
#endif
#ifndef KC_CALIB_EXE
#define KC_CALIB_EXE "kc-calib"
#endif
#ifndef KC_CONVERT_EXE
#define KC_CONVERT_EXE "kc-convert"
#endif
#ifndef KC_VALIDATE_EXE
#define KC_VALIDATE_EXE "kc-validate"
#endif
#ifndef KC_STATS_EXE
#define KC_STATS_EXE "kc-stats"
#endif
#ifndef KC_TRIANGULATE_EXE
#define KC_TRIANGULATE_EXE "kc-triangulate"
#endif

#define PI 3.14159265358979323846
/* Bounds set from measurements (seed 7 and the Pose2Sim demo; every number is printed):
 * COCO events from the ankle keypoints at 200 Hz: IC +2.16 / +3.65 frames late, take-off
 * -7.48 / -9.10 frames early (L / R; -4.0 / -4.6 with the events.c of commit d07bf5a: the
 * take-off detection is being changed by issue 5 as this is written); the keypoint knee flexion against the bone truth's
 * (identity mode): RMS 0.16 / 0.02 deg; real: knee flexion vs Pose2Sim's triangulation
 * median 2.47 / 1.14 deg, 90th percentile 8.37 / 5.75 deg, |pelvic obliquity| vs the hip
 * tilt of Pose2Sim's triangulation median 0.57 deg. */
#define KP_COCO_IC_FRAMES 6.0    /* 30 ms at 200 Hz */
#define KP_COCO_TO_FRAMES 15.0   /* 75 ms: the ankle rises with the heel, before the toes leave */
#define KP_TRUTH_FLEX_RMS_DEG 0.5
#define KP_REAL_MEDIAN_DEG 4.0
#define KP_REAL_P90_DEG 12.0
#define KP_NOISE_PX 2.0
/* the chain with 2 px noise (check_chain), measured: knee flexion RMS 0.61 / 0.59 deg, IC
 * +0.30 / +0.26 frames, take-off -2.26 / -2.03 frames (the 12 Hz low-pass), peak flexion,
 * obliquity, lean within 0.36 deg, FPPA within 5.7 deg, separation ratios within 0.073
 * (the frame of largest mean flexion moves on a flat peak) */
#define KP_CHAIN_FLEX_RMS_DEG 1.5
#define KP_CHAIN_EVENT_FRAMES 3.0
#define KP_CHAIN_ANGLE_DEG 1.5
#define KP_CHAIN_FPPA_DEG 10.0
#define KP_CHAIN_RATIO 0.12
static char cmd[8192];

typedef struct { double x, y, z; } v3;
static v3 mk(double x, double y, double z) { v3 r = {x, y, z}; return r; }
static v3 sub(v3 a, v3 b) { return mk(a.x - b.x, a.y - b.y, a.z - b.z); }
static v3 add(v3 a, v3 b) { return mk(a.x + b.x, a.y + b.y, a.z + b.z); }
static v3 scl(v3 a, double s) { return mk(a.x * s, a.y * s, a.z * s); }
static double dot(v3 a, v3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static double len(v3 a) { return sqrt(dot(a, a)); }
static v3 at3(const double *p, size_t f) { return mk(p[3 * f], p[3 * f + 1], p[3 * f + 2]); }

/* ---- independent definitions (kpkin.h, metrics.h) ---------------------------------------- */

typedef struct {
    size_t F;
    double rate;
    const double *H[2], *K[2], *A[2];   /* [F,3] each */
    double *top;                         /* [F,3] trunk top */
    v3 X, Y, Z;                          /* facing frame */
} kp_truth;

/* knee flexion: 180 - the angle at the knee (acos of the normalised dot product) */
static double flex(const kp_truth *k, int s, size_t f)
{
    v3 u = sub(at3(k->H[s], f), at3(k->K[s], f)), v = sub(at3(k->A[s], f), at3(k->K[s], f));
    double c = dot(u, v) / (len(u) * len(v));
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    return 180.0 - acos(c) * 180.0 / PI;
}

/* v without its component along X (the frontal plane) */
static v3 frontal(const kp_truth *k, v3 v) { return sub(v, scl(k->X, dot(v, k->X))); }

/* obliquity of side s: asin of the frontal hip line's vertical part */
static double obliquity(const kp_truth *k, int s, size_t f)
{
    v3 d = frontal(k, sub(at3(k->H[0], f), at3(k->H[1], f)));
    double o = asin(dot(d, k->Z) / len(d)) * 180.0 / PI;
    return s ? -o : o;
}

/* lean toward side s: asin of the frontal trunk line's lateral part */
static double lean(const kp_truth *k, int s, size_t f)
{
    v3 mid = scl(add(at3(k->H[0], f), at3(k->H[1], f)), 0.5);
    v3 t = frontal(k, sub(at3(k->top, f), mid));
    double l = asin(dot(t, k->Y) / len(t)) * 180.0 / PI;
    return s ? -l : l;
}

/* FPPA (valgus +) from hip, knee, ankle as (lateral, up) 2D points */
static double fppa2(const double y[3], const double z[3])
{
    double ux = y[0] - y[1], uz = z[0] - z[1], vx = y[2] - y[1], vz = z[2] - z[1];
    double c = (ux * vx + uz * vz) / (hypot(ux, uz) * hypot(vx, vz));
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    double inner = acos(c) * 180.0 / PI;
    /* the hip-ankle line at the knee's height: knee medial (smaller lateral) = valgus */
    double yl = y[0] + (y[2] - y[0]) * (z[1] - z[0]) / (z[2] - z[0]);
    return (y[1] < yl ? 1.0 : -1.0) * (180.0 - inner);
}

static double fppa3d(const kp_truth *k, int s, size_t f)
{
    double lat = s ? -1 : 1, y[3], z[3];
    const double *P[3] = {k->H[s], k->K[s], k->A[s]};
    for (int j = 0; j < 3; j++) {
        y[j] = lat * dot(at3(P[j], f), k->Y);
        z[j] = dot(at3(P[j], f), k->Z);
    }
    return fppa2(y, z);
}

/* perspective image of P by a camera at C looking along -X */
static void image(const kp_truth *k, v3 C, v3 P, double *y, double *z)
{
    v3 d = sub(P, C);
    double depth = -dot(d, k->X);
    *y = dot(d, k->Y) / depth;
    *z = dot(d, k->Z) / depth;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static long frame_of(double t, double rate, size_t F)
{
    if (!isfinite(t))
        return -1;
    long f = lround(t * rate);
    return f < 0 ? 0 : f >= (long)F ? (long)F - 1 : f;
}

static double ev_time(const kc_table *e, const char *name, const char *side)
{
    return kc_test_row_f64(e, name, side, "time_s");
}

static long ev_frame(const kc_table *e, const char *name, const char *side)
{
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side"), cf = kc_table_find(e, "frame");
    for (size_t i = 0; e && i < kc_table_nrows(e); i++)
        if (!strcmp(kc_table_get_str(e, i, cn), name) && !strcmp(kc_table_get_str(e, i, cs), side))
            return (long)kc_table_get_i64(e, i, cf);
    return -1;
}

/* a metric's value (NAN absent) and frame */
static double met(const kc_table *m, const char *name, const char *side, long *frame)
{
    int cn = kc_table_find(m, "name"), cs = kc_table_find(m, "side");
    int cv = kc_table_find(m, "value"), cf = kc_table_find(m, "frame");
    if (frame)
        *frame = -1;
    for (size_t i = 0; m && i < kc_table_nrows(m); i++)
        if (!strcmp(kc_table_get_str(m, i, cn), name) && !strcmp(kc_table_get_str(m, i, cs), side)) {
            int64_t fr = kc_table_get_i64(m, i, cf);
            if (frame)
                *frame = fr == INT64_MIN ? -1 : (long)fr;
            return kc_table_get_f64(m, i, cv);
        }
    return NAN;
}

static const kc_kin_series *series(const kc_kin *k, const char *name)
{
    for (size_t i = 0; i < k->n_series; i++)
        if (!strcmp(k->series[i].name, name))
            return &k->series[i];
    return NULL;
}

/* a string attribute of an object of a file ("" when absent) */
static void str_attr(const char *path, const char *obj, const char *name, char *buf, size_t n)
{
    kc_h5 *h = NULL;
    char *v = NULL;
    buf[0] = '\0';
    if (kc_h5_open(&h, path, NULL))
        return;
    if (kc_h5_attr_exists(h, obj, name) && kc_h5_attr_get_str(h, obj, name, &v) == 0) {
        snprintf(buf, n, "%s", v);
        free(v);
    }
    kc_h5_close(h);
}

/* /chain of a keypoint landing or squat (metrics.h kc_chain_summarize with a keypoints model),
 * re-evaluated here from the file's own metrics: knee by the video-comparable FPPA alone
 * (> 13 deg), pelvis/trunk by trunk lean (> 5 deg) on a landing and contralateral pelvic drop
 * (> 5 deg) on a squat's stance side, hip and foot/ankle never assessed (-1); each summary names
 * the keypoint source. Other trial types have no /chain. */
static void check_kp_chain(const char *path, const kc_kin *k, const char *source)
{
    kc_h5 *h = NULL;
    if (!CHECK("open keypoint kinematics for /chain", kc_h5_open(&h, path, "kinematics") == 0))
        return;
    const char *type = k->trial_type ? k->trial_type : "";
    int dvj = !strcmp(type, "dvj"), sls = !strcmp(type, "sls");
    char o[512];
    snprintf(o, sizeof o, "%s (%s): /chain exactly for a landing or squat", source, type);
    CHECK(o, kc_h5_exists(h, "/chain") == (dvj || sls));
    for (int side = 0; (dvj || sls) && side < 2; side++) {
        const char *sd = side ? "R" : "L";
        static const char *const fn[4] = {"knee", "hip", "pelvis_trunk", "foot_ankle"};
        int64_t fl[4];
        char name[64];
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof name, "%s_%s", fn[i], sd);
            fl[i] = -9;
            if (kc_h5_attr_get_i64(h, "/chain", name, &fl[i]))
                fl[i] = -9;
        }
        int want[4] = {-1, -1, -1, -1};
        if (sls) {
            if (isfinite(met(k->metrics, "peak_knee_flexion_deg", sd, NULL))) {
                double d = met(k->metrics, "peak_contralateral_pelvic_drop_deg", sd, NULL);
                want[2] = isfinite(d) ? d > 5.0 : -1;
            }
        } else {
            double fp = met(k->metrics, "fppa_video_at_pkf_deg", sd, NULL);
            double lean = met(k->metrics, "trunk_lateral_lean_at_pkf_deg", sd, NULL);
            want[0] = isfinite(fp) ? fp > 13.0 : -1;
            want[2] = isfinite(lean) ? lean > 5.0 : -1;
        }
        snprintf(o, sizeof o,
                 "%s %s %s /chain flags knee/hip/pelvis_trunk/foot_ankle %d/%d/%d/%d (want "
                 "%d/%d/%d/%d)", source, type, sd, (int)fl[0], (int)fl[1], (int)fl[2],
                 (int)fl[3], want[0], want[1], want[2], want[3]);
        CHECK(o, fl[0] == want[0] && fl[1] == want[1] && fl[2] == want[2] && fl[3] == want[3]);
        char *sum = NULL;
        snprintf(name, sizeof name, "summary_%s", sd);
        if (kc_h5_attr_get_str(h, "/chain", name, &sum) == 0) {
            printf("  %s %s /chain %s: %s\n", source, type, name, sum);
            const char *layout = strchr(source, ':') ? strchr(source, ':') + 1 : source;
            snprintf(o, sizeof o, "%s summary names the keypoints (%s) and no Plug-in Gait",
                     name, layout);
            int not_assessed = want[0] == -1 && sls && want[2] == -1;   /* the free leg */
            CHECK(o, (not_assessed || (strstr(sum, "keypoints") && strstr(sum, layout))) &&
                         !strstr(sum, "Plug-in Gait") &&
                         (!dvj || !strstr(sum, "Bates")));   /* no valgus angle assessed */
            double sens = met(k->metrics, "fppa_video_sensitivity_deg_per_cm", sd, NULL);
            int ill = dvj && isfinite(met(k->metrics, "fppa_video_at_pkf_deg", sd, NULL)) &&
                      isfinite(sens) && sens > 5.0;
            snprintf(o, sizeof o, "%s %s: says the FPPA is ill-conditioned exactly when its "
                     "sensitivity %.2f deg/cm > 5", name, type, sens);
            CHECK(o, ill == (strstr(sum, "ill-conditioned") != NULL));
        } else {
            CHECK("summary attribute", 0);
        }
        free(sum);
    }
    kc_h5_close(h);
}

/* the "flags" every keypoint kinematics file must carry (kpkin.h) */
static void check_flags(const char *path, const kc_kin *k, const char *source)
{
    check_kp_chain(path, k, source);
    char b[2048], o[512];
    snprintf(cmd, sizeof cmd, "'%s' --quiet '%s' > /dev/null", KC_VALIDATE_EXE, path);
    snprintf(o, sizeof o, "kc-validate %s", path);
    CHECK(o, system(cmd) == 0);
    CHECK("no /angles (no Plug-in Gait from keypoints)", k->n_angles == 0);
    str_attr(path, "/", "angles_absent_reason", b, sizeof b);
    CHECK("root angles_absent_reason names the missing segment markers",
          strstr(b, "no pelvis, thigh or shank markers") && strstr(b, "ab/adduction"));
    str_attr(path, "/", "kinematics_source", b, sizeof b);
    CHECK("root kinematics_source", !strcmp(b, source));
    int cs = k->metrics ? kc_table_find(k->metrics, "source") : -1;
    CHECK("metrics have a source column", cs >= 0);
    for (size_t i = 0; cs >= 0 && i < kc_table_nrows(k->metrics); i++) {
        const char *nm = kc_table_get_str(k->metrics, i, kc_table_find(k->metrics, "name"));
        int known = 0;
        for (int j = 0; kc_kpkin_metrics[j]; j++)
            known |= !strcmp(nm, kc_kpkin_metrics[j]);
        snprintf(o, sizeof o, "metric %s flagged %s and one keypoints support", nm, source);
        CHECK(o, known && !strcmp(kc_table_get_str(k->metrics, i, cs), source));
    }
    for (size_t i = 0; i < k->n_series; i++) {
        snprintf(o, sizeof o, "/series/%s", k->series[i].name);
        str_attr(path, o, "source", b, sizeof b);
        CHECK(o, !strcmp(b, source));
    }
    for (size_t i = 0; i < k->n_centres; i++) {
        snprintf(o, sizeof o, "/joint_centres/%s", k->centres[i].name);
        str_attr(path, o, "source", b, sizeof b);
        CHECK(o, !strcmp(b, source));
    }
    for (size_t i = 0; i < k->n_phases; i++)
        for (size_t c = 0; c < k->phases[i].n_channels; c++) {
            snprintf(o, sizeof o, "/normalized/%s/%s", k->phases[i].name,
                     k->phases[i].channels[c].name);
            str_attr(path, o, "source", b, sizeof b);
            CHECK(o, !strcmp(b, source));
        }
}

/* ---- synthetic ---------------------------------------------------------------------------- */

static const double *truth_centre(const kc_truth *tr, const char *name)
{
    for (size_t i = 0; i < tr->n_centres; i++)
        if (!strcmp(tr->centres[i].name, name))
            return tr->centres[i].data;
    return NULL;
}

static int obs_marker(const kc_obs *o, const char *name)
{
    for (size_t m = 0; m < o->n_markers; m++)
        if (!strcmp(o->labels[m], name))
            return (int)m;
    return -1;
}

/* A keypoint trajectory of layout l from an observation's truth (see the header); the trunk
 * top (C7 + CLAV) / 2 into top[F,3]. */
static int make_kp_traj(const kc_obs *o, kc_kp_layout l, const char *out, double *top)
{
    const kc_truth *tr = o->truth;
    size_t F = tr->n_frames, K;
    const char *const *names = kc_kp_layout_names(l, &K);
    kc_traj *t = kc_traj_alloc();
    if (!t || kc_traj_alloc_arrays(t, F, K, (char *const *)names, KC_RESIDUAL_NONE, false, false))
        return 1;
    t->rate_hz = o->rate_hz;
    t->task = o->task ? strdup(o->task) : NULL;
    t->subject = o->subject ? strdup(o->subject) : NULL;
    int c7 = obs_marker(o, "C7"), clav = obs_marker(o, "CLAV");
    for (size_t f = 0; f < F; f++) {
        const double *a = tr->markers + (f * tr->n_markers + (size_t)c7) * 3;
        const double *b = tr->markers + (f * tr->n_markers + (size_t)clav) * 3;
        for (int x = 0; x < 3; x++)
            top[3 * f + x] = 0.5 * (a[x] + b[x]);
    }
    for (size_t m = 0; m < K; m++) {
        const char *n = names[m];
        const double *src = NULL;
        int marker = -1, is_top = 0;
        char side = n[0];
        if (!strcmp(n + 1, "Hip") && (side == 'L' || side == 'R'))
            src = truth_centre(tr, side == 'L' ? "LHJC" : "RHJC");
        else if (!strcmp(n + 1, "Knee"))
            src = truth_centre(tr, side == 'L' ? "LKJC" : "RKJC");
        else if (!strcmp(n + 1, "Ankle"))
            src = truth_centre(tr, side == 'L' ? "LAJC" : "RAJC");
        else if (!strcmp(n + 1, "Heel"))
            marker = obs_marker(o, side == 'L' ? "LHEE" : "RHEE");
        else if (!strcmp(n + 1, "BigToe") || !strcmp(n + 1, "SmallToe"))
            marker = obs_marker(o, side == 'L' ? "LTOE" : "RTOE");
        else if (!strcmp(n, "LShoulder"))
            marker = c7;
        else if (!strcmp(n, "RShoulder"))
            marker = clav;
        else if (!strcmp(n, "Neck"))
            is_top = 1;
        for (size_t f = 0; f < F; f++)
            for (int x = 0; x < 3; x++) {
                double v = NAN;
                if (src)
                    v = src[3 * f + x];
                else if (marker >= 0)
                    v = tr->markers[(f * tr->n_markers + (size_t)marker) * 3 + x];
                else if (is_top)
                    v = top[3 * f + x];
                t->position[(f * K + m) * 3 + x] = v;
            }
    }
    kc_provenance prov = {"test_kpkin", 0, NULL, 0, NULL, false};
    int st = kc_kpkin_traj_write(out, t, &prov);   /* as kc-triangulate writes them */
    kc_traj_free(t);
    return st != 0;
}

static void facing(kp_truth *k)
{
    double sx = 0, sy = 0;
    for (size_t f = 0; f < k->F; f++) {
        v3 d = sub(at3(k->H[0], f), at3(k->H[1], f));
        if (isfinite(d.x) && isfinite(d.y)) {
            sx += d.x;
            sy += d.y;
        }
    }
    double n = hypot(sx, sy);
    k->Y = mk(sx / n, sy / n, 0);
    k->Z = mk(0, 0, 1);
    k->X = mk(k->Y.y, -k->Y.x, 0);   /* Y x Z */
}

static int run(const char *args, const char *err)
{
    snprintf(cmd, sizeof cmd, "'%s' %s 2> '%s'", KC_IK_EXE, args, err);
    return system(cmd);
}

static int file_has(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "r");
    char line[4096];
    int found = 0;
    while (fp && fgets(line, sizeof line, fp))
        found |= strstr(line, needle) != NULL;
    if (fp)
        fclose(fp);
    return found;
}

static void check_dvj(const char *dir, const kc_obs *o)
{
    const kc_truth *tr = o->truth;
    size_t F = tr->n_frames;
    char traj[1024], kin[1024], kin2[1024], err[1024], args[4096];
    double *top = malloc(F * 3 * sizeof *top);
    snprintf(traj, sizeof traj, "%s/dvj.kp.traj.h5", dir);
    snprintf(kin, sizeof kin, "%s/dvj.kp.kin.h5", dir);
    snprintf(kin2, sizeof kin2, "%s/dvj.kp2.kin.h5", dir);
    snprintf(err, sizeof err, "%s/dvj.err", dir);
    if (!CHECK("keypoint trajectory from the truth", make_kp_traj(o, KC_KP_BODY25B, traj, top) == 0))
        return;
    {
        char lay[64];
        str_attr(traj, "/", "keypoint_layout", lay, sizeof lay);
        CHECK("trajectories record keypoint_layout body25b", !strcmp(lay, "body25b"));
    }
    snprintf(args, sizeof args, "--no-provenance -o '%s' --markerset body25b '%s'", kin, traj);
    CHECK("kc-ik --markerset body25b", run(args, err) == 0);
    CHECK("stderr says why there are no Plug-in Gait angles",
          file_has(err, "no Plug-in Gait angles") && file_has(err, "ab/adduction"));
    snprintf(args, sizeof args, "--no-provenance -o '%s' '%s'", kin2, traj);
    CHECK("kc-ik without --markerset (layout from the file)", run(args, err) == 0);
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", kin, kin2);
    CHECK("layout from the file = --markerset body25b (same bytes)", system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "'%s' --no-provenance --threads 1 -o '%s' --markerset body25b '%s' "
             "2>/dev/null && cmp -s '%s' '%s'", KC_IK_EXE, kin2, traj, kin, kin2);
    CHECK("same bytes with --threads 1", system(cmd) == 0);

    kc_kin *k = NULL;
    if (!CHECK("read the kinematics", kc_kin_read(kin, &k) == 0)) {
        free(top);
        return;
    }
    check_flags(kin, k, "keypoints:body25b");

    kp_truth kt = {F, o->rate_hz, {truth_centre(tr, "LHJC"), truth_centre(tr, "RHJC")},
                   {truth_centre(tr, "LKJC"), truth_centre(tr, "RKJC")},
                   {truth_centre(tr, "LAJC"), truth_centre(tr, "RAJC")}, top, {0, 0, 0},
                   {0, 0, 0}, {0, 0, 0}};
    facing(&kt);
    static const char *const sn[2] = {"L", "R"};
    char name[128];
    /* per-frame series */
    for (int s = 0; s < 2; s++) {
        const char *nm[3] = {"KneeFlexion", "PelvicObliquity", "TrunkLateralLean"};
        for (int q = 0; q < 3; q++) {
            snprintf(name, sizeof name, "%s%s", sn[s], nm[q]);
            const kc_kin_series *x = series(k, name);
            double worst = 0;
            size_t nf = 0;
            for (size_t f = 0; x && f < F; f++) {
                double want = q == 0 ? flex(&kt, s, f) : q == 1 ? obliquity(&kt, s, f)
                                                                : lean(&kt, s, f);
                double e = fabs(x->data[f] - want);
                if (!(e <= worst))
                    worst = e;
                nf += isfinite(x->data[f]);
            }
            printf("  series %-18s %zu finite frames, worst |kc-ik - independent| %.2e deg\n",
                   name, nf, worst);
            CHECK(name, x && nf == F);
            CHECK_NEAR(name, worst, 0, 1e-6);
        }
    }
    /* the keypoint knee flexion against the bone truth's knee flexion (Grood-Suntay flexion
     * of the true bones; identity mode: the knee keypoint is the true KJC) */
    for (int s = 0; s < 2; s++) {
        const double *tk = NULL;
        for (size_t i = 0; i < tr->n_angles; i++)
            if (!strcmp(tr->angles[i].name, s ? "RKnee" : "LKnee"))
                tk = tr->angles[i].data;
        double ss = 0, pk = 0, tpk = 0;
        for (size_t f = 0; tk && f < F; f++) {
            double d = flex(&kt, s, f) - tk[3 * f];
            ss += d * d;
            pk = fmax(pk, flex(&kt, s, f));
            tpk = fmax(tpk, tk[3 * f]);
        }
        printf("  %s knee flexion from the keypoints vs the bone truth's: RMS %.2f deg, peaks "
               "%.1f vs %.1f deg\n", sn[s], sqrt(ss / (double)F), pk, tpk);
        snprintf(name, sizeof name, "%s keypoint knee flexion vs the bone truth (RMS deg)", sn[s]);
        CHECK(name, tk != NULL);
        CHECK_NEAR(name, sqrt(ss / (double)F), 0, KP_TRUTH_FLEX_RMS_DEG);
    }
    /* events against the truth (as markers: IC 1 frame, take-off 2) */
    for (int s = 0; s < 2; s++) {
        double e1 = (ev_time(k->events, "initial_contact", sn[s]) -
                     ev_time(tr->events, "initial_contact", sn[s])) * o->rate_hz;
        double e2 = (ev_time(k->events, "take_off", sn[s]) -
                     ev_time(tr->events, "take_off", sn[s])) * o->rate_hz;
        printf("  %s events from heel/toe keypoints: IC %+.2f frames, take-off %+.2f frames\n",
               sn[s], e1, e2);
        snprintf(name, sizeof name, "%s initial contact (frames)", sn[s]);
        CHECK_NEAR(name, e1, 0, 1.0);
        snprintf(name, sizeof name, "%s take-off (frames)", sn[s]);
        CHECK_NEAR(name, e2, 0, 2.0);
    }
    /* metrics, recomputed */
    long fic[2], fto[2], pk[2];
    for (int s = 0; s < 2; s++) {
        fic[s] = frame_of(ev_time(k->events, "initial_contact", sn[s]), o->rate_hz, F);
        fto[s] = frame_of(ev_time(k->events, "take_off", sn[s]), o->rate_hz, F);
        pk[s] = ev_frame(k->events, "peak_knee_flexion", sn[s]);
        long best = -1;
        for (long f = fic[s]; f >= 0 && f <= fto[s]; f++)
            if (best < 0 || flex(&kt, s, (size_t)f) > flex(&kt, s, (size_t)best))
                best = f;
        snprintf(name, sizeof name, "%s peak knee flexion frame = argmax over IC..TO", sn[s]);
        CHECK(name, pk[s] >= 0 && pk[s] == best);
        if (pk[s] < 0)
            continue;
        size_t p = (size_t)pk[s];
        struct { const char *m; double want; } rows[] = {
            {"knee_flexion_at_ic_deg", flex(&kt, s, (size_t)fic[s])},
            {"peak_knee_flexion_deg", flex(&kt, s, p)},
            {"knee_flexion_range_deg", flex(&kt, s, p) - flex(&kt, s, (size_t)fic[s])},
            {"fppa_3d_at_pkf_deg", fppa3d(&kt, s, p)},
            {"pelvic_obliquity_at_pkf_deg", obliquity(&kt, s, p)},
            {"trunk_lateral_lean_at_pkf_deg", lean(&kt, s, p)},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            double got = met(k->metrics, rows[i].m, sn[s], NULL);
            printf("  %s %-32s %9.4f (independent %9.4f)\n", sn[s], rows[i].m, got, rows[i].want);
            snprintf(name, sizeof name, "%s %s", sn[s], rows[i].m);
            CHECK_NEAR(name, got, rows[i].want, 1e-6);
        }
        /* medial knee displacement from the IC position, medial = -Y left, +Y right */
        double best_d = 0, y0 = dot(at3(kt.K[s], (size_t)fic[s]), kt.Y);
        for (size_t f = (size_t)fic[s]; f <= p; f++)
            best_d = fmax(best_d, (s ? 1 : -1) * (dot(at3(kt.K[s], f), kt.Y) - y0));
        snprintf(name, sizeof name, "%s medial_knee_displacement_mm", sn[s]);
        CHECK_NEAR(name, met(k->metrics, "medial_knee_displacement_mm", sn[s], NULL), best_d, 1e-6);
        printf("  %s medial_knee_displacement_mm      %9.4f (independent %9.4f)\n", sn[s],
               met(k->metrics, "medial_knee_displacement_mm", sn[s], NULL), best_d);
    }
    /* separations at the frame of largest mean flexion between the later IC and earlier TO */
    long a = fic[0] > fic[1] ? fic[0] : fic[1], b = fto[0] < fto[1] ? fto[0] : fto[1], sf = -1;
    for (long f = a; a >= 0 && f <= b; f++)
        if (sf < 0 || flex(&kt, 0, (size_t)f) + flex(&kt, 1, (size_t)f) >
                          flex(&kt, 0, (size_t)sf) + flex(&kt, 1, (size_t)sf))
            sf = f;
    if (CHECK("separation frame found", sf >= 0)) {
        size_t f = (size_t)sf;
        double hy = fabs(dot(sub(at3(kt.H[0], f), at3(kt.H[1], f)), kt.Y));
        double ky = fabs(dot(sub(at3(kt.K[0], f), at3(kt.K[1], f)), kt.Y));
        double ay = fabs(dot(sub(at3(kt.A[0], f), at3(kt.A[1], f)), kt.Y));
        long mf;
        double kr = met(k->metrics, "knee_separation_ratio_at_peak_flexion", "", &mf);
        printf("  knee separation ratio %.6f (independent %.6f), ankle %.6f (%.6f), frame %ld\n",
               kr, ky / hy, met(k->metrics, "ankle_separation_ratio_at_peak_flexion", "", NULL),
               ay / hy, sf);
        CHECK("knee separation frame", mf == sf);
        CHECK_NEAR("knee_separation_ratio_at_peak_flexion", kr, ky / hy, 1e-9);
        CHECK_NEAR("ankle_separation_ratio_at_peak_flexion",
                   met(k->metrics, "ankle_separation_ratio_at_peak_flexion", "", NULL), ay / hy,
                   1e-9);
        /* the video-comparable ones: a camera 3 m in front of the knees' midpoint at the
         * later IC */
        v3 C = add(scl(add(at3(kt.K[0], (size_t)a), at3(kt.K[1], (size_t)a)), 0.5),
                   scl(kt.X, 3000.0));
        double yl[3], yr[3], z;
        const double *const *P[3] = {kt.H, kt.K, kt.A};
        for (int j = 0; j < 3; j++) {
            image(&kt, C, at3(P[j][0], f), &yl[j], &z);
            image(&kt, C, at3(P[j][1], f), &yr[j], &z);
        }
        double ks = fabs(yl[1] - yr[1]) / fabs(yl[0] - yr[0]);
        double as = fabs(yl[2] - yr[2]) / fabs(yl[0] - yr[0]);
        printf("  video: knee separation %.6f (independent %.6f), ankle %.6f (%.6f)\n",
               met(k->metrics, "knee_separation_ratio_video", "", NULL), ks,
               met(k->metrics, "ankle_separation_ratio_video", "", NULL), as);
        CHECK_NEAR("knee_separation_ratio_video",
                   met(k->metrics, "knee_separation_ratio_video", "", NULL), ks, 1e-9);
        CHECK_NEAR("ankle_separation_ratio_video",
                   met(k->metrics, "ankle_separation_ratio_video", "", NULL), as, 1e-9);
        CHECK_NEAR("knee_to_ankle_separation_ratio_video",
                   met(k->metrics, "knee_to_ankle_separation_ratio_video", "", NULL), ks / as,
                   1e-9);
        for (int s = 0; s < 2 && pk[s] >= 0; s++) {
            double y[3], zz[3], lat = s ? -1 : 1;
            for (int j = 0; j < 3; j++) {
                image(&kt, C, at3(P[j][s], (size_t)pk[s]), &y[j], &zz[j]);
                y[j] *= lat;
            }
            double want = fppa2(y, zz), got = met(k->metrics, "fppa_video_at_pkf_deg", sn[s], NULL);
            printf("  %s fppa_video_at_pkf_deg           %9.4f (independent %9.4f; 3D %.4f)\n",
                   sn[s], got, want, fppa3d(&kt, s, (size_t)pk[s]));
            snprintf(name, sizeof name, "%s fppa_video_at_pkf_deg (hip keypoint as the thigh)",
                     sn[s]);
            CHECK_NEAR(name, got, want, 1e-6);
            /* its conditioning: the knee 5 mm toward either side (the facing frame's Y) */
            double fq[2];
            for (int q = 0; q < 2; q++) {
                double yq[3] = {y[0], 0, y[2]}, zq[3] = {zz[0], 0, zz[2]};
                v3 Kq = add(at3(P[1][s], (size_t)pk[s]), scl(kt.Y, q ? 5.0 : -5.0));
                image(&kt, C, Kq, &yq[1], &zq[1]);
                yq[1] *= lat;
                fq[q] = fppa2(yq, zq);
            }
            double sw = fabs(fq[1] - fq[0]);
            double sg = met(k->metrics, "fppa_video_sensitivity_deg_per_cm", sn[s], NULL);
            printf("  %s fppa_video_sensitivity_deg_per_cm %9.4f (independent %9.4f)\n", sn[s],
                   sg, sw);
            snprintf(name, sizeof name, "%s fppa_video_sensitivity_deg_per_cm", sn[s]);
            CHECK_NEAR(name, sg, sw, 1e-6);
        }
    }
    /* kc-synth's own video metrics (Plug-in Gait's PKF, the ASIS-knee midpoint as the thigh
     * and its progression frame snapped to the lab's +X, while this subject's hip line faces
     * about 5 deg off it): printed beside ours, not compared (the frontal-plane angles at
     * ~95 deg of knee flexion swing by tens of degrees with a few degrees of viewing
     * direction: the thigh then points at the camera) */
    for (int s = 0; s < 3; s++) {
        static const char *const tm[3] = {"fppa_video_at_pkf_deg", "fppa_video_at_pkf_deg",
                                          "knee_separation_ratio_video"};
        static const char *const ts[3] = {"L", "R", ""};
        double tv = NAN;
        int cn = kc_table_find(tr->metrics, "name"), cs = kc_table_find(tr->metrics, "side");
        int cv = kc_table_find(tr->metrics, "value");
        for (size_t i = 0; tr->metrics && i < kc_table_nrows(tr->metrics); i++)
            if (!strcmp(kc_table_get_str(tr->metrics, i, cn), tm[s]) &&
                !strcmp(kc_table_get_str(tr->metrics, i, cs), ts[s]))
                tv = kc_table_get_f64(tr->metrics, i, cv);
        printf("  %s %s: keypoints %.3f, kc-synth truth %.3f (printed)\n", ts[s], tm[s],
               met(k->metrics, tm[s], ts[s], NULL), tv);
    }
    kc_kin_free(k);

    /* COCO: no feet, events from the ankles */
    snprintf(traj, sizeof traj, "%s/dvj.coco.traj.h5", dir);
    snprintf(kin, sizeof kin, "%s/dvj.coco.kin.h5", dir);
    if (CHECK("COCO trajectory", make_kp_traj(o, KC_KP_COCO, traj, top) == 0)) {
        snprintf(args, sizeof args, "-o '%s' --markerset coco '%s'", kin, traj);
        CHECK("kc-ik --markerset coco", run(args, err) == 0);
        CHECK("COCO: stderr says the events come from the ankles",
              file_has(err, "no heel or toe keypoints: events from the ankle"));
        if (CHECK("read COCO kinematics", kc_kin_read(kin, &k) == 0)) {
            check_flags(kin, k, "keypoints:coco");
            for (int s = 0; s < 2; s++) {
                double e1 = (ev_time(k->events, "initial_contact", sn[s]) -
                             ev_time(tr->events, "initial_contact", sn[s])) * o->rate_hz;
                double e2 = (ev_time(k->events, "take_off", sn[s]) -
                             ev_time(tr->events, "take_off", sn[s])) * o->rate_hz;
                printf("  COCO %s events from the ankle keypoints: IC %+.2f frames, take-off "
                       "%+.2f frames\n", sn[s], e1, e2);
                snprintf(name, sizeof name, "COCO %s IC from the ankle (frames, measured bound)",
                         sn[s]);
                CHECK_NEAR(name, e1, 0, KP_COCO_IC_FRAMES);
                snprintf(name, sizeof name, "COCO %s take-off from the ankle (frames, measured "
                         "bound)", sn[s]);
                CHECK_NEAR(name, e2, 0, KP_COCO_TO_FRAMES);
                snprintf(name, sizeof name, "COCO %s FPPA finite", sn[s]);
                CHECK(name, isfinite(met(k->metrics, "fppa_3d_at_pkf_deg", sn[s], NULL)));
            }
            kc_kin_free(k);
        }
    }
    free(top);
}

static int lines_of(const char *path)
{
    FILE *fp = fopen(path, "r");
    int n = 0, ch;
    while (fp && (ch = fgetc(fp)) != EOF)
        n += ch == '\n';
    if (fp)
        fclose(fp);
    return n;
}

/* exit code, stderr line count and no output of a failing kc-ik */
static void expect(int code, const char *what, const char *args, const char *dir,
                   const char *needle)
{
    char err[1024], out[1024], full[4096], name[512];
    snprintf(err, sizeof err, "%s/cli.err", dir);
    snprintf(out, sizeof out, "%s/cli.kin.h5", dir);
    remove(out);
    snprintf(full, sizeof full, "-o '%s' %s", out, args);
    int r = run(full, err);
    int rc = WIFEXITED(r) ? WEXITSTATUS(r) : -1;
    snprintf(name, sizeof name, "%s: exit %d (got %d)", what, code, rc);
    CHECK(name, rc == code);
    snprintf(name, sizeof name, "%s: one line on stderr (got %d)", what, lines_of(err));
    CHECK(name, lines_of(err) == 1);
    snprintf(name, sizeof name, "%s: the message says \"%s\"", what, needle);
    CHECK(name, file_has(err, needle));
    snprintf(name, sizeof name, "%s: no output", what);
    CHECK(name, access(out, F_OK) != 0);
}

static void check_cli(const char *dir)
{
    char err[1024], a[4096], b25[1024], coco[1024], set[1024];
    snprintf(err, sizeof err, "%s/help.out", dir);
    snprintf(a, sizeof a, "'%s' --help > '%s'", KC_IK_EXE, err);
    CHECK("kc-ik --help", system(a) == 0 && file_has(err, "--markerset body25|body25b|coco|FILE") &&
          file_has(err, "kc-ik -o trial.kin.h5 --markerset body25b trial.traj.h5"));
    snprintf(b25, sizeof b25, "%s/dvj.kp.traj.h5", dir);
    snprintf(coco, sizeof coco, "%s/dvj.coco.traj.h5", dir);
    snprintf(a, sizeof a, "--markerset coco '%s'", b25);
    expect(2, "coco keypoints missing from a BODY_25B file", a, dir, "lacks keypoint Neck");
    snprintf(a, sizeof a, "--markerset body25b '%s'", coco);
    expect(2, "BODY_25B keypoints missing from a COCO file", a, dir,
           "lacks keypoints LHeel, RHeel, LBigToe, RBigToe of marker set body25b");
    snprintf(a, sizeof a, "--markerset '%s/nothere.set' '%s'", dir, b25);
    expect(2, "a marker-set file that does not exist", a, dir, "readable marker-set file");
    snprintf(set, sizeof set, "%s/bad.set", dir);
    FILE *fp = fopen(set, "w");
    fprintf(fp, "LHip = LHip\nKnee = LKnee\n");
    fclose(fp);
    snprintf(a, sizeof a, "--markerset '%s' '%s'", set, b25);
    expect(2, "a bad marker-set file", a, dir, "line 2");
    snprintf(a, sizeof a, "--markerset body25b --static x.traj.h5 '%s'", b25);
    expect(1, "--markerset with --static", a, dir, "takes none of");
    /* --type static: the per-frame series and joint centres, no events or metrics */
    snprintf(a, sizeof a, "--quiet -o '%s/static.kin.h5' --markerset body25b --type static '%s'",
             dir, b25);
    CHECK("--type static", run(a, err) == 0);
    kc_kin *ks = NULL;
    snprintf(a, sizeof a, "%s/static.kin.h5", dir);
    if (CHECK("read --type static", kc_kin_read(a, &ks) == 0)) {
        CHECK("static: no events, no metrics", !ks->events && !ks->metrics);
        CHECK("static: series and centres", series(ks, "RKneeFlexion") && ks->n_centres == 6);
        CHECK("static: trial_type", !strcmp(ks->trial_type, "static"));
        kc_kin_free(ks);
    }
    snprintf(set, sizeof set, "%s/mine.set", dir);
    fp = fopen(set, "w");
    fprintf(fp, "LHip = LHip\nRHip = RHip\nLKnee = LKnee\nRKnee = RKnee\nLAnkle = LAnkle\n"
                "RAnkle = RAnkle   # no feet, no trunk\n");
    fclose(fp);
    snprintf(a, sizeof a, "--quiet -o '%s/mine.kin.h5' --markerset '%s' '%s'", dir, set, b25);
    CHECK("a marker-set file", run(a, err) == 0);
    kc_kin *k = NULL;
    snprintf(a, sizeof a, "%s/mine.kin.h5", dir);
    if (CHECK("read it", kc_kin_read(a, &k) == 0)) {
        check_flags(a, k, "keypoints:file:mine.set");
        CHECK("no trunk lean without TrunkTop", !series(k, "LTrunkLateralLean"));
        kc_kin_free(k);
    }
}

/* --events in keypoint mode, as with markers: the left initial contact moved 4 frames later
 * and the right peak knee flexion 3 frames later than detected; the events say "manual", the
 * metrics follow them, and --events on a squat is refused. */
static void check_overrides(const char *dir)
{
    char kin[1024], out[1024], csv[1024], err[1024], a[4096], b25[1024];
    snprintf(b25, sizeof b25, "%s/dvj.kp.traj.h5", dir);
    snprintf(kin, sizeof kin, "%s/dvj.kp.kin.h5", dir);
    snprintf(out, sizeof out, "%s/dvj.kp.ovr.kin.h5", dir);
    snprintf(csv, sizeof csv, "%s/overrides.csv", dir);
    snprintf(err, sizeof err, "%s/ovr.err", dir);
    kc_kin *k0 = NULL, *k = NULL;
    if (!CHECK("read the detected events", kc_kin_read(kin, &k0) == 0))
        return;
    double rate = k0->rate_hz;
    double ic = ev_time(k0->events, "initial_contact", "L") + 4.0 / rate;
    long pk = ev_frame(k0->events, "peak_knee_flexion", "R") + 3;
    FILE *fp = fopen(csv, "w");
    fprintf(fp, "subject,trial,name,side,time_s\n,,initial_contact,L,%.17g\n"
                ",,peak_knee_flexion,R,%.17g\nsomeone_else,,take_off,L,0.5\n",
            ic, (double)pk / rate);
    fclose(fp);
    snprintf(a, sizeof a, "--no-provenance -o '%s' --markerset body25b --events '%s' '%s'", out,
             csv, b25);
    CHECK("kc-ik --markerset --events", run(a, err) == 0);
    if (CHECK("read the overridden file", kc_kin_read(out, &k) == 0)) {
        const kc_kin_series *x = series(k, "LKneeFlexion");
        long f_ic = ev_frame(k->events, "initial_contact", "L");
        CHECK_NEAR("left initial contact = the override (s)",
                   ev_time(k->events, "initial_contact", "L"), ic, 1e-12);
        CHECK("right peak knee flexion = the override (frame)",
              ev_frame(k->events, "peak_knee_flexion", "R") == pk);
        CHECK("another subject's row is not used",
              ev_time(k->events, "take_off", "L") == ev_time(k0->events, "take_off", "L"));
        int cn = kc_table_find(k->events, "name"), cs = kc_table_find(k->events, "side"),
            cm = kc_table_find(k->events, "method"), cr = kc_table_find(k->events, "source");
        int manual = 0, detected = 0;
        for (size_t i = 0; i < kc_table_nrows(k->events); i++) {
            int over = (!strcmp(kc_table_get_str(k->events, i, cn), "initial_contact") &&
                        !strcmp(kc_table_get_str(k->events, i, cs), "L")) ||
                       (!strcmp(kc_table_get_str(k->events, i, cn), "peak_knee_flexion") &&
                        !strcmp(kc_table_get_str(k->events, i, cs), "R"));
            int m = !strcmp(kc_table_get_str(k->events, i, cm), "manual") &&
                    !strcmp(kc_table_get_str(k->events, i, cr), "manual");
            manual += over && m;
            detected += !over && !m;
        }
        CHECK("the two overridden events, and only they, say manual",
              manual == 2 && detected == (int)kc_table_nrows(k->events) - 2);
        CHECK_NEAR("left knee flexion at IC is taken at the override's frame",
                   met(k->metrics, "knee_flexion_at_ic_deg", "L", NULL),
                   x && f_ic >= 0 ? x->data[f_ic] : NAN, 1e-9);
        CHECK_NEAR("right peak knee flexion is the value at the override's frame",
                   met(k->metrics, "peak_knee_flexion_deg", "R", NULL),
                   series(k, "RKneeFlexion") ? series(k, "RKneeFlexion")->data[pk] : NAN, 1e-9);
        char v[1024];
        str_attr(out, "/model", "event_overrides", v, sizeof v);
        CHECK("/model event_overrides names the file", !strcmp(v, csv));
        kc_kin_free(k);
    }
    kc_kin_free(k0);
    snprintf(a, sizeof a, "--markerset body25b --type sls --events '%s' '%s'", csv, b25);
    expect(2, "--events on a single-leg squat", a, dir, "only drop-jump events");
    fp = fopen(csv, "w");
    fprintf(fp, "subject,trial,name,side,time_s\n,,initial_kontact,L,1.0\n");
    fclose(fp);
    snprintf(a, sizeof a, "--markerset body25b --events '%s' '%s'", csv, b25);
    expect(2, "--events with an unknown event name", a, dir, "row 2: name \"initial_kontact\"");
}

/* kc-stats reads keypoint kinematics (the /metrics rows with their extra source column) */
static void check_stats(const char *dir)
{
    char m[1024], out[900], csv[1024];
    snprintf(m, sizeof m, "%s/kp_manifest.csv", dir);
    snprintf(out, sizeof out, "%s/kp_stats", dir);
    snprintf(csv, sizeof csv, "%s/trials.csv", out);
    FILE *fp = fopen(m, "w");
    fprintf(fp, "subject,session,trial,task,group,condition,site,side_of_interest,input,static,"
                "calibration,exclude,notes,kinematics\n"
                "s01,1,dvj_1,dvj,A,,,,x,,,,,dvj.kp.kin.h5\n"
                "s02,1,dvj_1,dvj,A,,,,x,,,,,dvj.coco.kin.h5\n");
    fclose(fp);
    snprintf(cmd, sizeof cmd, "'%s' --quiet -o '%s' '%s'", KC_STATS_EXE, out, m);
    CHECK("kc-stats on keypoint kinematics", system(cmd) == 0);
    CHECK("kc-stats trials.csv has the keypoint metrics",
          file_has(csv, "fppa_3d_at_pkf_deg") && file_has(csv, "knee_separation_ratio_video"));
    CHECK("kc-stats trials.csv says the rows are keypoint-based (model column)",
          file_has(csv, ",side,model,") && file_has(csv, ",L,keypoints,") &&
              file_has(csv, ",R,keypoints,"));
}

/* deterministic standard normal deviates (splitmix64 + Box-Muller) */
static double gauss(uint64_t *state)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        u[i] = ((double)(z >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * PI * u[1]);
}

/* The whole chain on synthetic keypoints: the BODY_25B keypoints of the truth projected into
 * the session's true cameras with Gaussian pixel noise (KP_NOISE_PX, weight 0.9), then
 * kc-triangulate (default 12 Hz low-pass) and kc-ik --markerset body25b; against the
 * noise-free keypoints (check_dvj's file). Bounds from measurement (KP_CHAIN_*). */
static void check_chain(const char *dir, const kc_obs *o)
{
    char traj[1024], obs[1024], tri[1024], kin[1024], ref[1024], cal[1024], err[1024], a[4096];
    snprintf(ref, sizeof ref, "%s/dvj.kp.kin.h5", dir);
    snprintf(traj, sizeof traj, "%s/dvj.kp.traj.h5", dir);
    snprintf(obs, sizeof obs, "%s/dvj.kp.obs.h5", dir);
    snprintf(tri, sizeof tri, "%s/dvj.kp.tri.traj.h5", dir);
    snprintf(kin, sizeof kin, "%s/dvj.kp.tri.kin.h5", dir);
    snprintf(cal, sizeof cal, "%s/S/calib/truth.calib.h5", dir);
    snprintf(err, sizeof err, "%s/chain.err", dir);
    kc_traj *t = NULL;
    kc_calib *c = NULL;
    kc_obs *ko = kc_obs_alloc();
    if (!CHECK("chain: read the keypoint truth and the cameras",
               ko && kc_traj_read(traj, &t) == 0 && kc_calib_read(cal, &c) == 0))
        goto done;
    size_t C = c->n_cameras, F = t->n_frames, M = t->n_markers;
    ko->rate_hz = o->rate_hz;
    snprintf(ko->capture, sizeof ko->capture, "trial");
    ko->task = strdup("dvj");
    ko->n_cameras = C;
    ko->n_frames = F;
    ko->n_markers = M;
    ko->camera_names = calloc(C, sizeof *ko->camera_names);
    ko->labels = calloc(M, sizeof *ko->labels);
    ko->points = malloc(C * F * M * 2 * sizeof *ko->points);
    ko->weights = malloc(C * F * M * sizeof *ko->weights);
    if (!ko->camera_names || !ko->labels || !ko->points || !ko->weights)
        goto done;
    for (size_t i = 0; i < C; i++)
        ko->camera_names[i] = strdup(c->cameras[i].cam.name);
    for (size_t m = 0; m < M; m++)
        ko->labels[m] = strdup(t->labels[m]);
    uint64_t rng = 20261122;
    size_t seen = 0, defined = 0;
    for (size_t i = 0; i < C; i++)
        for (size_t f = 0; f < F; f++)
            for (size_t m = 0; m < M; m++) {
                size_t j = (i * F + f) * M + m;
                const double *X = t->position + (f * M + m) * 3;
                double uv[2] = {NAN, NAN}, n0 = gauss(&rng), n1 = gauss(&rng);
                int ok = isfinite(X[0]) &&
                         kc_camera_project(&c->cameras[i].cam, kc_v3(X[0], X[1], X[2]), uv) &&
                         uv[0] >= 0 && uv[1] >= 0 && uv[0] < c->cameras[i].cam.width &&
                         uv[1] < c->cameras[i].cam.height;
                ko->points[2 * j] = ok ? uv[0] + KP_NOISE_PX * n0 : NAN;
                ko->points[2 * j + 1] = ok ? uv[1] + KP_NOISE_PX * n1 : NAN;
                ko->weights[j] = ok ? 0.9 : 0.0;
                seen += ok;
                defined += isfinite(X[0]) != 0;
            }
    kc_provenance prov = {"test_kpkin", 0, NULL, 0, NULL, false};
    if (!CHECK("chain: keypoint observations", kc_kpkin_obs_write(obs, ko, &prov) == 0))
        goto done;
    snprintf(cmd, sizeof cmd, "'%s' --quiet -o '%s' '%s' '%s'", KC_TRIANGULATE_EXE, tri, cal, obs);
    if (!CHECK("chain: kc-triangulate", system(cmd) == 0))
        goto done;
    snprintf(a, sizeof a, "--quiet -o '%s' '%s'", kin, tri);
    if (!CHECK("chain: kc-ik (layout from kc-triangulate's keypoint_layout)", run(a, err) == 0))
        goto done;
    kc_kin *k = NULL, *r = NULL;
    if (CHECK("chain: read", kc_kin_read(kin, &k) == 0 && kc_kin_read(ref, &r) == 0)) {
        static const char *const sn[2] = {"L", "R"};
        char name[160];
        printf("  chain (%.1f px noise, %zu of %zu keypoint-views in the images, kc-triangulate "
               "12 Hz):\n", KP_NOISE_PX, seen, defined);
        for (int s = 0; s < 2; s++) {
            snprintf(name, sizeof name, "%sKneeFlexion", sn[s]);
            const kc_kin_series *x = series(k, name), *y = series(r, name);
            double ss = 0;
            size_t n = 0;
            for (size_t f = 0; x && y && f < F; f++)
                if (isfinite(x->data[f]) && isfinite(y->data[f])) {
                    ss += (x->data[f] - y->data[f]) * (x->data[f] - y->data[f]);
                    n++;
                }
            double rms = n ? sqrt(ss / (double)n) : NAN;
            printf("    %s knee flexion RMS %.2f deg over %zu frames\n", sn[s], rms, n);
            snprintf(name, sizeof name, "chain %s knee flexion RMS (deg)", sn[s]);
            CHECK_NEAR(name, rms, 0, KP_CHAIN_FLEX_RMS_DEG);
            snprintf(name, sizeof name, "chain %s knee flexion in 99%% of the frames", sn[s]);
            CHECK(name, 100 * n >= 99 * F);
            double e1 = (ev_time(k->events, "initial_contact", sn[s]) -
                         ev_time(r->events, "initial_contact", sn[s])) * o->rate_hz;
            double e2 = (ev_time(k->events, "take_off", sn[s]) -
                         ev_time(r->events, "take_off", sn[s])) * o->rate_hz;
            printf("    %s IC %+.2f frames, take-off %+.2f frames (vs the noise-free keypoints)\n",
                   sn[s], e1, e2);
            snprintf(name, sizeof name, "chain %s IC (frames)", sn[s]);
            CHECK_NEAR(name, e1, 0, KP_CHAIN_EVENT_FRAMES);
            snprintf(name, sizeof name, "chain %s take-off (frames)", sn[s]);
            CHECK_NEAR(name, e2, 0, KP_CHAIN_EVENT_FRAMES);
        }
        static const char *const mm[] = {"peak_knee_flexion_deg", "fppa_3d_at_pkf_deg",
                                          "fppa_video_at_pkf_deg", "pelvic_obliquity_at_pkf_deg",
                                          "trunk_lateral_lean_at_pkf_deg"};
        for (size_t i = 0; i < sizeof mm / sizeof mm[0]; i++)
            for (int s = 0; s < 2; s++) {
                double got = met(k->metrics, mm[i], sn[s], NULL), want = met(r->metrics, mm[i], sn[s], NULL);
                printf("    %s %-31s %9.3f (noise-free %9.3f)\n", sn[s], mm[i], got, want);
                snprintf(name, sizeof name, "chain %s %s (deg)", sn[s], mm[i]);
                CHECK_NEAR(name, got, want, strstr(mm[i], "fppa") ? KP_CHAIN_FPPA_DEG
                                                                  : KP_CHAIN_ANGLE_DEG);
            }
        static const char *const rr[] = {"knee_separation_ratio_at_peak_flexion",
                                          "ankle_separation_ratio_at_peak_flexion",
                                          "knee_separation_ratio_video"};
        for (size_t i = 0; i < sizeof rr / sizeof rr[0]; i++) {
            double got = met(k->metrics, rr[i], "", NULL), want = met(r->metrics, rr[i], "", NULL);
            printf("    %-40s %7.4f (noise-free %7.4f)\n", rr[i], got, want);
            snprintf(name, sizeof name, "chain %s", rr[i]);
            CHECK_NEAR(name, got, want, KP_CHAIN_RATIO);
        }
    }
    kc_kin_free(k);
    kc_kin_free(r);
done:
    kc_obs_free(ko);
    kc_traj_free(t);
    kc_calib_free(c);
}

static void check_sls(const char *dir, const kc_obs *o)
{
    const kc_truth *tr = o->truth;
    size_t F = tr->n_frames;
    char traj[1024], kin[1024], err[1024], args[4096];
    double *top = malloc(F * 3 * sizeof *top);
    snprintf(traj, sizeof traj, "%s/sls.kp.traj.h5", dir);
    snprintf(kin, sizeof kin, "%s/sls.kp.kin.h5", dir);
    snprintf(err, sizeof err, "%s/sls.err", dir);
    if (!CHECK("sls keypoint trajectory", make_kp_traj(o, KC_KP_BODY25, traj, top) == 0))
        return;
    snprintf(args, sizeof args, "-o '%s' --markerset body25 --type sls '%s'", kin, traj);
    CHECK("kc-ik --markerset body25 --type sls", run(args, err) == 0);
    kc_kin *k = NULL;
    if (CHECK("read sls kinematics", kc_kin_read(kin, &k) == 0)) {
        check_flags(kin, k, "keypoints:body25");
        const kc_attr *a = kc_attrs_find(&k->model, "sls_stance_side");
        CHECK("stance side L", a && a->str && !strcmp(a->str, "L"));
        kp_truth kt = {F, o->rate_hz, {truth_centre(tr, "LHJC"), truth_centre(tr, "RHJC")},
                       {truth_centre(tr, "LKJC"), truth_centre(tr, "RKJC")},
                       {truth_centre(tr, "LAJC"), truth_centre(tr, "RAJC")}, top, {0, 0, 0},
                       {0, 0, 0}, {0, 0, 0}};
        facing(&kt);
        long fs = frame_of(ev_time(k->events, "start", "L"), o->rate_hz, F);
        long fd = ev_frame(k->events, "peak_knee_flexion", "L");
        double drop = -INFINITY;
        for (long f = fs; fs >= 0 && f <= fd; f++)
            drop = fmax(drop, -obliquity(&kt, 1, (size_t)f));   /* the free (right) side down */
        double got = met(k->metrics, "peak_contralateral_pelvic_drop_deg", "L", NULL);
        printf("  sls: stance L, start frame %ld, deepest %ld, contralateral pelvic drop %.4f "
               "(independent %.4f) deg, peak knee flexion %.2f deg\n", fs, fd, got, drop,
               met(k->metrics, "peak_knee_flexion_deg", "L", NULL));
        CHECK_NEAR("sls peak_contralateral_pelvic_drop_deg", got, drop, 1e-6);
        CHECK_NEAR("sls peak_knee_flexion_deg",
                   met(k->metrics, "peak_knee_flexion_deg", "L", NULL),
                   fd >= 0 ? flex(&kt, 0, (size_t)fd) : NAN, 1e-6);
        kc_kin_free(k);
    }
    free(top);
}

static void check_library(const char *dir)
{
    kc_kpkin_set s;
    char path[1024], buf[32];
    CHECK("body25b set", kc_kpkin_set_get("BODY_25B", &s) == 0 && !strcmp(s.source, "keypoints:body25b") &&
          !strcmp(s.kp[KC_KPK_TOP][1], "RShoulder"));
    int r = kc_kpkin_set_get("coco", &s);
    CHECK("coco set has no feet", r == 0 && !s.kp[KC_KPK_HEEL][0][0] && !s.kp[KC_KPK_TOE + 1][0][0]);
    CHECK("no such set or file", kc_kpkin_set_get("body99", &s) == KC_EIO);
    snprintf(path, sizeof path, "%s/custom.set", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "# DeepLabCut body parts\nLHip = hipL\nRHip=hipR\nLKnee = kneeL\nRKnee = kneeR\n"
                "LAnkle = ankleL\nRAnkle = ankleR\nTrunkTop = shL + shR\n");
    fclose(fp);
    CHECK("custom set", kc_kpkin_set_get(path, &s) == 0 && !strcmp(s.kp[KC_KPK_KNEE + 1][0], "kneeR") &&
          !strcmp(s.kp[KC_KPK_TOP][1], "shR") && !strcmp(s.source, "keypoints:file:custom.set"));
    char *const labels[] = {"hipL", "hipR", "kneeL", "kneeR", "ankleL", "shL", "shR"};
    CHECK("custom set: ankleR missing", kc_kpkin_resolve(&s, labels, 7, "x.traj.h5") == KC_EMISSING);
    fp = fopen(path, "w");
    fprintf(fp, "LHip = a\nLHip = b\n");
    fclose(fp);
    CHECK("a repeated role", kc_kpkin_set_get(path, &s) == KC_EFORMAT);
    fp = fopen(path, "w");
    fprintf(fp, "LHip = a\nRHip = b\nLKnee = c + d\n");
    fclose(fp);
    CHECK("a midpoint outside TrunkTop", kc_kpkin_set_get(path, &s) == KC_EFORMAT);
    fp = fopen(path, "w");
    fprintf(fp, "LHip = a\nRHip = b\n");
    fclose(fp);
    CHECK("required roles missing", kc_kpkin_set_get(path, &s) == KC_EFORMAT);
    size_t K;
    const char *const *n = kc_kp_layout_names(KC_KP_COCO, &K);
    /* observations of a layout record it (kc_kpkin_obs_write) */
    kc_obs *o = kc_obs_alloc();
    if (o) {
        o->rate_hz = 30;
        snprintf(o->capture, sizeof o->capture, "trial");
        o->n_cameras = 1;
        o->n_frames = 2;
        o->n_markers = K;
        o->camera_names = calloc(1, sizeof *o->camera_names);
        o->labels = calloc(K, sizeof *o->labels);
        o->points = malloc(2 * K * 2 * sizeof *o->points);
        if (o->camera_names && o->labels && o->points) {
            o->camera_names[0] = strdup("cam1");
            for (size_t m = 0; m < K; m++)
                o->labels[m] = strdup(n[m]);
            for (size_t i = 0; i < 2 * K * 2; i++)
                o->points[i] = 100.0 + 7.5 * (double)i;
            kc_provenance prov = {"test_kpkin", 0, NULL, 0, NULL, false};
            snprintf(path, sizeof path, "%s/coco.obs.h5", dir);
            char lay[64];
            CHECK("kc_kpkin_obs_write", kc_kpkin_obs_write(path, o, &prov) == 0);
            str_attr(path, "/", "keypoint_layout", lay, sizeof lay);
            CHECK("observations record keypoint_layout coco", !strcmp(lay, "coco"));
        }
        kc_obs_free(o);
    }
    CHECK("labels -> coco", kc_kpkin_layout_from_labels((char *const *)n, K, buf, sizeof buf) == 0 &&
          !strcmp(buf, "coco"));
    CHECK("a subset is no layout", kc_kpkin_layout_from_labels((char *const *)n, K - 1, buf, sizeof buf) ==
          KC_EMISSING);
}

/* ---- real --------------------------------------------------------------------------------- */

static int run_real(const char *dir)
{
    const char *root = getenv("KC_REAL_DATA");
    char demo[1024], tr[1200], p[4096];
    snprintf(demo, sizeof demo, "%s/pose2sim_demo", root ? root : "");
    snprintf(tr, sizeof tr, "%s/S00_P00_T01_BalancingTrial", demo);
    snprintf(p, sizeof p, "%s/pose", tr);
    FILE *probe = root ? fopen(p, "r") : NULL;
    if (!probe) {
        printf("SKIPPED: real data %s absent\n", p);
        return 77;
    }
    fclose(probe);
    snprintf(cmd, sizeof cmd,
             "'%s' import -o '%s/rig.calib.h5' '%s/calibration/Calib_qualisys.toml' --quiet && "
             "'%s' --quiet --layout body25b --rate 60 --calib '%s/rig.calib.h5' '%s/pose' "
             "'%s/bal.obs.h5' && "
             "'%s' --quiet --cutoff none --outlier-px 20 --max-gap 10 -o '%s/bal.traj.h5' "
             "'%s/rig.calib.h5' '%s/bal.obs.h5'",
             KC_CALIB_EXE, dir, demo, KC_CONVERT_EXE, dir, tr, dir, KC_TRIANGULATE_EXE, dir, dir,
             dir);
    if (!CHECK("kc-calib import, kc-convert, kc-triangulate of the balancing trial",
               system(cmd) == 0))
        return kc_test_summary("test_kpkin real");
    char traj[1024], kin[1024], err[1024];
    snprintf(traj, sizeof traj, "%s/bal.traj.h5", dir);
    snprintf(kin, sizeof kin, "%s/bal.kin.h5", dir);
    snprintf(err, sizeof err, "%s/bal.err", dir);
    str_attr(traj, "/", "keypoint_layout", p, sizeof p);
    CHECK("kc-triangulate recorded keypoint_layout body25b", !strcmp(p, "body25b"));
    snprintf(p, sizeof p, "-o '%s' --markerset body25b '%s'", kin, traj);
    CHECK("kc-ik --markerset body25b on the Pose2Sim demo", run(p, err) == 0);
    CHECK("stderr says why there are no Plug-in Gait angles", file_has(err, "no Plug-in Gait angles"));
    snprintf(p, sizeof p, "--quiet -o '%s/bal2.kin.h5' '%s'", dir, traj);
    snprintf(err, sizeof err, "%s/bal2.err", dir);
    CHECK("kc-ik on the demo without --markerset (the layout from the file)", run(p, err) == 0);
    kc_kin *k = NULL;
    if (!CHECK("valid kinematics (kc_kin_read, what kc-validate checks)", kc_kin_read(kin, &k) == 0))
        return kc_test_summary("test_kpkin real");
    check_flags(kin, k, "keypoints:body25b");

    /* the same knee flexion on Pose2Sim's own triangulation of the same detections */
    kc_axes ax;
    kc_traj *ps = NULL;
    snprintf(p, sizeof p, "%s/pose-3d/S00_P00_T01_BalancingTrial_0-100.trc", tr);
    if (CHECK("Pose2Sim TRC", kc_axes_parse("opensim", &ax) == 0 && kc_trc_read(p, &ax, &ps) == 0)) {
        for (int s = 0; s < 2; s++) {
            const char *sd = s ? "R" : "L";
            char nm[128];
            int c[3];
            static const char *const j[3] = {"Hip", "Knee", "Ankle"};
            for (int q = 0; q < 3; q++) {
                snprintf(nm, sizeof nm, "%s%s", sd, j[q]);
                c[q] = kc_traj_find(ps, nm);
            }
            snprintf(nm, sizeof nm, "%sKneeFlexion", sd);
            const kc_kin_series *x = series(k, nm);
            double d[200];
            size_t n = 0, nfin = 0;
            for (size_t f = 0; x && f < k->n_frames && f < ps->n_frames && n < 200; f++) {
                const double *P[3];
                for (int q = 0; q < 3; q++)
                    P[q] = ps->position + (f * ps->n_markers + (size_t)c[q]) * 3;
                v3 u = sub(mk(P[0][0], P[0][1], P[0][2]), mk(P[1][0], P[1][1], P[1][2]));
                v3 v = sub(mk(P[2][0], P[2][1], P[2][2]), mk(P[1][0], P[1][1], P[1][2]));
                double want = 180.0 - acos(dot(u, v) / (len(u) * len(v))) * 180.0 / PI;
                nfin += isfinite(x->data[f]);
                if (isfinite(want) && isfinite(x->data[f])) {
                    /* sanity of the range: a knee bends 0..~160 deg */
                    d[n++] = fabs(x->data[f] - want);
                }
                snprintf(nm, sizeof nm, "%s knee flexion of frame %zu within [-10, 160] deg", sd, f);
                if (isfinite(x->data[f]))
                    CHECK(nm, x->data[f] > -10 && x->data[f] < 160);
            }
            /* sort for the median and the 90th percentile */
            for (size_t a = 1; a < n; a++)
                for (size_t b = a; b > 0 && d[b - 1] > d[b]; b--) {
                    double t = d[b];
                    d[b] = d[b - 1];
                    d[b - 1] = t;
                }
            double med = n ? d[n / 2] : NAN, p90 = n ? d[(size_t)(0.9 * (double)(n - 1))] : NAN;
            printf("  %s knee flexion: %zu finite frames of %zu; vs Pose2Sim's triangulation "
                   "(%zu frames both): median |diff| %.2f deg, 90th percentile %.2f deg\n", sd,
                   nfin, k->n_frames, n, med, p90);
            snprintf(nm, sizeof nm, "%s knee flexion vs Pose2Sim: median (deg)", sd);
            CHECK_NEAR(nm, med, 0, KP_REAL_MEDIAN_DEG);
            snprintf(nm, sizeof nm, "%s knee flexion vs Pose2Sim: 90th percentile (deg)", sd);
            CHECK_NEAR(nm, p90, 0, KP_REAL_P90_DEG);
            /* measured 84 / 78 of 100 frames (47 / 58 while two of four cameras agreeing
             * were never enough: triangulate.h's majority of confidences) */
            snprintf(nm, sizeof nm, "%s knee flexion finite in 70%% of the frames or more", sd);
            CHECK(nm, 10 * nfin >= 7 * k->n_frames);
        }
        /* the hip line's tilt from the horizontal (|pelvic obliquity| without the facing
         * frame's projection: needs only the vertical) on both reconstructions */
        {
            int cl = kc_traj_find(ps, "LHip"), cr = kc_traj_find(ps, "RHip");
            const kc_kin_series *x = series(k, "LPelvicObliquity");
            double d[200];
            size_t n = 0;
            for (size_t f = 0; x && cl >= 0 && cr >= 0 && f < k->n_frames && f < ps->n_frames; f++) {
                const double *a = ps->position + (f * ps->n_markers + (size_t)cl) * 3;
                const double *b = ps->position + (f * ps->n_markers + (size_t)cr) * 3;
                v3 h = sub(mk(a[0], a[1], a[2]), mk(b[0], b[1], b[2]));
                double tilt = asin(fabs(h.z) / len(h)) * 180.0 / PI;
                if (isfinite(tilt) && isfinite(x->data[f]))
                    d[n++] = fabs(fabs(x->data[f]) - tilt);
            }
            for (size_t a = 1; a < n; a++)
                for (size_t b = a; b > 0 && d[b - 1] > d[b]; b--) {
                    double t = d[b];
                    d[b] = d[b - 1];
                    d[b - 1] = t;
                }
            double med = n ? d[n / 2] : NAN;
            printf("  |pelvic obliquity| vs the hip line's tilt on Pose2Sim's triangulation (%zu "
                   "frames): median |diff| %.2f deg\n", n, med);
            CHECK_NEAR("|pelvic obliquity| vs Pose2Sim: median (deg)", med, 0, KP_REAL_MEDIAN_DEG);
        }
        kc_traj_free(ps);
    }
    /* series ranges: pelvic obliquity and trunk lean within +-60 deg (a person upright on
     * a beam), every finite metric within its plausible range */
    for (size_t i = 0; i < k->n_series; i++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t f = 0; f < k->n_frames; f++)
            if (isfinite(k->series[i].data[f])) {
                lo = fmin(lo, k->series[i].data[f]);
                hi = fmax(hi, k->series[i].data[f]);
            }
        printf("  series %-18s range %.1f .. %.1f %s\n", k->series[i].name, lo, hi,
               k->series[i].units);
        if (strstr(k->series[i].name, "Obliquity") || strstr(k->series[i].name, "Lean"))
            CHECK(k->series[i].name, lo > -60 && hi < 60);
    }
    struct { const char *m; double lo, hi; } range[] = {
        {"knee_flexion_at_ic_deg", -10, 160}, {"peak_knee_flexion_deg", -10, 160},
        {"knee_flexion_range_deg", -170, 170}, {"contact_time_s", 0, 2},
        {"fppa_3d_at_pkf_deg", -60, 60}, {"fppa_video_at_pkf_deg", -60, 60},
        {"fppa_video_sensitivity_deg_per_cm", 0, 1000},
        {"medial_knee_displacement_mm", 0, 500}, {"pelvic_obliquity_at_pkf_deg", -60, 60},
        {"trunk_lateral_lean_at_pkf_deg", -60, 60},
        {"knee_separation_ratio_at_peak_flexion", 0.1, 5}, {"ankle_separation_ratio_at_peak_flexion", 0.1, 5},
        {"knee_separation_ratio_video", 0.1, 5}, {"ankle_separation_ratio_video", 0.1, 5},
        {"knee_to_ankle_separation_ratio_video", 0.1, 5}, {"flight_time_s", 0, 2},
    };
    int cn = kc_table_find(k->metrics, "name"), cs = kc_table_find(k->metrics, "side");
    int cv = kc_table_find(k->metrics, "value");
    size_t nfinite = 0;
    for (size_t i = 0; i < kc_table_nrows(k->metrics); i++) {
        const char *nm = kc_table_get_str(k->metrics, i, cn);
        double v = kc_table_get_f64(k->metrics, i, cv);
        printf("  metric %-40s %-1s %10.4f\n", nm, kc_table_get_str(k->metrics, i, cs), v);
        if (!isfinite(v))
            continue;
        nfinite++;
        int found = 0;
        for (size_t r = 0; r < sizeof range / sizeof range[0]; r++)
            if (!strcmp(nm, range[r].m)) {
                found = 1;
                char w[160];
                snprintf(w, sizeof w, "%s %s within [%g, %g]", nm,
                         kc_table_get_str(k->metrics, i, cs), range[r].lo, range[r].hi);
                CHECK(w, v >= range[r].lo && v <= range[r].hi);
            }
        CHECK(nm, found);
    }
    printf("  %zu of %zu metrics finite (a balancing trial, not a drop jump: the landing "
           "windows are mostly empty)\n", nfinite, kc_table_nrows(k->metrics));
    CHECK("some metrics finite", nfinite >= 4);
    kc_kin_free(k);
    return kc_test_summary("test_kpkin real");
}

int main(int argc, char **argv)
{
    kc_log_init("test_kpkin", KC_LOG_WARNING);
    const char *dir = kc_test_tmpdir(argc > 1 && !strcmp(argv[1], "real") ? "test_kpkin_real"
                                                                           : "test_kpkin");
    if (!dir)
        return 1;
    if (argc > 1 && !strcmp(argv[1], "real"))
        return run_real(dir);
    check_library(dir);
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/S' --mode identity --subjects 1 --trials 1 --sls 1 --cameras 4 "
             "--seed 7 --quiet", KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth identity session", system(cmd) == 0))
        return kc_test_summary("test_kpkin");
    char p[1024];
    kc_obs *o = NULL;
    snprintf(p, sizeof p, "%s/S/s01/dvj_1.obs.h5", dir);
    if (CHECK("read dvj", kc_obs_read(p, &o) == 0 && o->truth)) {
        printf("drop jump (%zu frames, %.0f Hz):\n", o->truth->n_frames, o->rate_hz);
        check_dvj(dir, o);
        check_cli(dir);
        check_overrides(dir);
        check_stats(dir);
        check_chain(dir, o);
    }
    kc_obs_free(o);
    o = NULL;
    snprintf(p, sizeof p, "%s/S/s01/sls_L_1.obs.h5", dir);
    if (CHECK("read sls", kc_obs_read(p, &o) == 0 && o->truth)) {
        printf("single-leg squat, left:\n");
        check_sls(dir, o);
    }
    kc_obs_free(o);
    return kc_test_summary("test_kpkin");
}
