/* kinechain — kinematics from markerless keypoints (issue 10): what a pose estimator's hip,
 * knee, ankle, heel, toe and trunk keypoints support, without Plug-in Gait.
 *
 * A keypoint set has no pelvis, thigh or shank markers, so Plug-in Gait's segment frames
 * (pigmodel.h) cannot be built: no /angles are produced (no knee ab/adduction or rotation,
 * no hip angles), and the output says so (root attribute angles_absent_reason). What is
 * computed, per frame, from the keypoints taken as joint centres (hip keypoint = HJC, knee
 * keypoint = KJC, ankle keypoint = AJC):
 *   knee flexion       180 deg minus the 3D angle hip-knee-ankle at the knee (deg; 0 =
 *                      straight leg). Not Plug-in Gait's knee X (no thigh/shank frames).
 *   pelvic obliquity   of side s: the angle of the line between the hip keypoints above the
 *                      horizontal, in the frontal plane (Y-Z) of the facing frame below;
 *                      positive = side s higher (the sign of Plug-in Gait's pelvis Y).
 *   trunk lean         toward side s: the angle from the vertical of mid-hip -> trunk top
 *                      (neck keypoint, or the midpoint of the shoulders for BODY_25B) in the
 *                      frontal plane of the facing frame; positive = leaning toward side s.
 *                      Mid-hip is the midpoint of the two hip keypoints in every layout
 *                      (BODY_25's MidHip keypoint is not used, so the layouts agree).
 * Facing frame ("progression frame" of metrics.h): Z vertical (lab +Z), Y the mean over the
 * trial of the horizontal part of LHip - RHip (the subject's left), X = Y x Z (forward). It
 * is not snapped to a lab axis as Plug-in Gait's progression frame is: video and markerless
 * setups film the subject in any heading. Caution, measured on a kc-synth drop jump whose
 * pelvis faces 5 deg off the lab's +X: the FPPA at peak knee flexion (~95 deg) was -8 / +49
 * deg (L / R) in the +X frame and +69 / -16 deg in this one (the separation ratios moved by
 * < 0.01): with the thigh pointing at the camera, the frontal-plane angles at deep flexion
 * mostly measure the viewing direction. Compare FPPAs only under the same frame rule.
 * These are fed to the library's metric code (metrics.h kc_metrics_dvj,
 * kc_metrics_dvj_video, kc_metrics_sls) as the joint centres and as the knee X, pelvis Y and
 * thorax Y channels (thorax Y = -lean, as metrics.h negates it), every other channel NaN;
 * only the metrics whose inputs the keypoints give are kept (KC_KPKIN_METRICS below). The
 * video-comparable FPPA uses the hip keypoint as its proximal-thigh landmark (the 2D
 * protocols' ASIS-knee midpoint needs an ASIS; 2 hip - knee is passed as the ASIS so that the
 * library's midpoint is the hip keypoint).
 * Events (dvj): from force plates when the trial has them, else kinematic (events.h) from
 * the heel and big-toe keypoints (BODY_25, BODY_25B); COCO has no foot keypoints: the ankle
 * keypoint stands in for both (said on stderr and in /model events_foot_keypoints; the
 * 30 mm contact threshold then acts on the ankle's height, later at initial contact and
 * earlier at take-off than the heel/toe would be).
 * Every metric row carries source = "keypoints:<markerset>" (an extra /metrics column), and
 * every /series and /joint_centres dataset an attribute source of the same value.
 * Landings and squats get /chain (metrics.h kc_chain_summarize, model "keypoints:<set>"):
 * the knee judged by the video-comparable FPPA only, pelvis/trunk by trunk lean (landing) or
 * contralateral pelvic drop (squat), hip and foot/ankle not assessed.
 */
#ifndef KINECHAIN_KPKIN_H
#define KINECHAIN_KPKIN_H

#include <stddef.h>
#include "kinechain/h5io.h"
#include "kinechain/linalg.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"
#include "kinechain/trajfile.h"

/* Roles of keypoints (L = 0, R = 1 within each pair). */
enum {
    KC_KPK_HIP = 0,    /* LHip, RHip (required) */
    KC_KPK_KNEE = 2,   /* LKnee, RKnee (required) */
    KC_KPK_ANKLE = 4,  /* LAnkle, RAnkle (required) */
    KC_KPK_HEEL = 6,   /* LHeel, RHeel (optional) */
    KC_KPK_TOE = 8,    /* LToe, RToe: the big toe (optional) */
    KC_KPK_TOP = 10,   /* TrunkTop: the top of the trunk line (optional; 1 or 2 keypoints) */
    KC_KPK_N = 11
};

/* A keypoint marker set: the keypoint names of each role ("" = none; the second name only
 * for TrunkTop, whose position is then the midpoint) and their columns in a trajectory. */
typedef struct kc_kpkin_set {
    char name[128];                 /* "body25b", or the file's name */
    char source[160];               /* "keypoints:body25b" */
    char kp[KC_KPK_N][2][64];       /* keypoint names per role */
    int col[KC_KPK_N][2];           /* resolved columns, -1 = none (kc_kpkin_resolve) */
} kc_kpkin_set;

/* The marker set of spec: a layout name (kc_kp_layout_parse: body25, body25b, coco) or the
 * path of a marker-set file of lines "ROLE = NAME" (ROLE one of LHip RHip LKnee RKnee
 * LAnkle RAnkle LHeel RHeel LToe RToe TrunkTop; TrunkTop may be "NAME + NAME", the
 * midpoint), '#' starts a comment; the six hip/knee/ankle roles are required.
 * Errors (logged): KC_EIO (spec is neither a layout nor a readable file), KC_EFORMAT (a bad
 * line, an unknown or repeated role, a required role missing). */
int kc_kpkin_set_get(const char *spec, kc_kpkin_set *out) KC_RESULT_USED;

/* Resolve s's keypoint names against a trajectory's labels. KC_EMISSING (logged once,
 * naming what and every missing keypoint) when a named keypoint is not in labels. */
int kc_kpkin_resolve(kc_kpkin_set *s, char *const *labels, size_t M, const char *what)
    KC_RESULT_USED;

/* The layout a keypoint file records or implies: the root attribute keypoint_layout when
 * present, else the layout whose names /labels are, in order (what kc-convert writes).
 * Writes the layout name to buf (n bytes). KC_OK, KC_EMISSING (not logged: not a keypoint
 * file), or a read error of h (logged). */
int kc_kpkin_file_layout(kc_h5 *h, char *buf, size_t n) KC_RESULT_USED;
/* The same from a label list only (KC_EMISSING when no layout matches). */
int kc_kpkin_layout_from_labels(char *const *labels, size_t M, char *buf, size_t n)
    KC_RESULT_USED;

/* Write trajectories atomically (trajfile.h kc_traj_write); when their labels are exactly a
 * layout's keypoint names (kc-triangulate of kc-convert's OpenPose observations), add the
 * root string attribute keypoint_layout ("body25", "body25b", "coco") from which kc-ik
 * defaults --markerset. Errors as kc_traj_write, KC_EIO (logged). */
int kc_kpkin_traj_write(const char *path, const kc_traj *t, const kc_provenance *prov)
    KC_RESULT_USED;
/* The same for observations (obsfile.h kc_obs_write): kc-convert's keypoint observations
 * record their layout with it (a DeepLabCut project's labels match no layout: no attribute). */
int kc_kpkin_obs_write(const char *path, const kc_obs *o, const kc_provenance *prov)
    KC_RESULT_USED;

/* Per-frame quantities of the header from pos [F,M,3] mm with the resolved set s:
 *   centres [6][F][3] mm, Plug-in Gait centre order (LHJC RHJC LKJC RKJC LAJC RAJC)
 *   angles  [12][F][3] deg, Plug-in Gait channel order (pigmodel.h), NaN except knee X
 *           (flexion), pelvis Y (obliquity) and thorax Y (-trunk lean, NaN without TrunkTop)
 *   prog    the facing frame (columns X forward, Y left, Z up)
 * KC_ENUMERIC (logged, naming what) when no frame has both hip keypoints or the hips are
 * vertical (no facing direction). NaN where a keypoint is missing. */
int kc_kpkin_compute(const kc_kpkin_set *s, const double *pos, size_t F, size_t M,
                     const char *what, double *centres, double *angles, kc_mat3 *prog)
    KC_RESULT_USED;

/* The metrics of kc_metrics_dvj / kc_metrics_dvj_video / kc_metrics_sls that keypoints
 * support (the others need Plug-in Gait angles and are not written). */
extern const char *const kc_kpkin_metrics[];

/* kc-ik --markerset: read the trajectories at trial_path, compute, detect events (type
 * "dvj"; "sls": stance side, start, deepest point, end as events.h; "static": none), write
 * the kinematics atomically to out_path (prov: provenance; NULL none). spec NULL: the
 * layout the file records or implies (kc_kpkin_file_layout). events_path (NULL: none): a
 * drop jump's event overrides, as kc-ik --events in marker mode (kc_events_read_overrides,
 * rows of the trajectories' subject and trial; the overridden events marked "manual" and
 * the metrics computed from them); KC_EINVAL for another trial type. Returns a kc_status;
 * errors logged once (a missing keypoint names the file and the keypoints: KC_EMISSING). */
int kc_kpkin_run(const char *trial_path, const char *out_path, const char *spec,
                 const char *type, const char *events_path, const kc_provenance *prov)
    KC_RESULT_USED;

#endif
