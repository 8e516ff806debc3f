/* kinechain — the Plug-in Gait model exactly as docs/pig-model.md defines it: subject
 * parameters, static calibration (inter-ASIS, static foot offsets), the progression frame and,
 * per frame, segment frames, joint centres and the Plug-in Gait angle channels.
 *
 * Side index 0 = left, 1 = right everywhere. Units: mm, degrees in the parameters and the
 * outputs, radians only where a name says so. A marker that is NaN makes NaN exactly what
 * depends on it (never an extrapolated value).
 */
#ifndef KINECHAIN_PIGMODEL_H
#define KINECHAIN_PIGMODEL_H

#include <stddef.h>
#include "kinechain/h5io.h"
#include "kinechain/linalg.h"
#include "kinechain/status.h"

/* Markers of the model: pelvis, trunk, then per side THI KNE TIB ANK HEE TOE (L block, R
 * block). */
enum kc_pig_marker {
    KC_PIG_LASI, KC_PIG_RASI, KC_PIG_LPSI, KC_PIG_RPSI,
    KC_PIG_C7, KC_PIG_T10, KC_PIG_CLAV, KC_PIG_STRN,
    KC_PIG_SIDE0,
};
enum kc_pig_side_marker { KC_PIG_THI, KC_PIG_KNE, KC_PIG_TIB, KC_PIG_ANK, KC_PIG_HEE, KC_PIG_TOE,
                          KC_PIG_SIDE_N };
#define KC_PIG_N_MARKERS (KC_PIG_SIDE0 + 2 * KC_PIG_SIDE_N)
/* Index of a side marker (side 0 = L, 1 = R). */
static inline int kc_pig_mk(int side, int k) { return KC_PIG_SIDE0 + side * KC_PIG_SIDE_N + k; }
/* "LASI", ..., "LTHI", ..., "RTOE". */
extern const char *const kc_pig_marker_names[KC_PIG_N_MARKERS];

/* Angle channels: index 2·kind + side ("LPelvis", "RPelvis", "LHip", ...). Joint centres:
 * 2·j + side ("LHJC", "RHJC", "LKJC", "RKJC", "LAJC", "RAJC"). */
enum kc_pig_kind { KC_PIG_PELVIS, KC_PIG_HIP, KC_PIG_KNEE, KC_PIG_ANKLE, KC_PIG_FOOTPROG,
                   KC_PIG_THORAX, KC_PIG_N_KIND };
#define KC_PIG_N_ANGLES 12
#define KC_PIG_N_CENTRES 6
extern const char *const kc_pig_angle_names[KC_PIG_N_ANGLES];
extern const char *const kc_pig_centre_names[KC_PIG_N_CENTRES];

/* Parameters. NaN = not given (required ones are then reported by kc_pig_check_params). */
typedef struct kc_pig_params {
    double leg_length_mm[2];      /* LL, required */
    double knee_width_mm[2];      /* KW, required */
    double ankle_width_mm[2];     /* AW, required */
    double inter_asis_mm;         /* IA; 0 = mean |LASI - RASI| of the static (default 0) */
    double asis_troc_mm[2];       /* AT; 0 = regression 0.1288·LL - 48.56 (default 0) */
    double marker_diameter_mm;    /* MD (default 14) */
    double tibial_torsion_deg[2]; /* tau (default 0) */
    double sole_delta_mm[2];      /* foot flat: HEE z = TOE z + sole delta (default 0) */
    int foot_flat;                /* 1: the foot-flat option in the static (default 0) */
    /* static offsets of the corrected foot, radians: F = U·Ry(-beta)·Rx(-alpha). NaN until
     * kc_pig_calibrate sets them (or given, e.g. Vicon's StaticPlantFlex = beta and
     * StaticRotOff = -alpha right / +alpha left). */
    double static_alpha_rad[2];
    double static_beta_rad[2];
    /* knee-axis crosstalk correction (docs/pig-model.md "Functional thigh-rotation offset"):
     * the femur frame is turned by this angle about its own Z (HJC - KJC), right-handed,
     * F' = F·Rz(offset), before the hip and knee angles. 0 = Plug-in Gait (default). */
    double thigh_rot_offset_deg[2];
    /* hip joint centre: 0 = Davis as Plug-in Gait (default); 1 = Harrington et al. 2007
     * (J Biomech 40:595) from the pelvis width PW = inter-ASIS and depth PD = |mid-ASIS -
     * mid-PSIS| of the frame (docs/pig-model.md "Model kinechain") */
    int hjc_harrington;
} kc_pig_params;

kc_pig_params kc_pig_default_params(void);
/* KC_OK, or KC_EINVAL with the names of the missing or invalid parameters written to
 * missing (comma-separated, e.g. "leg_length_L_mm, knee_width_R_mm"). Checks that the
 * required ones are finite and > 0, the others finite and in range (MD > 0, IA >= 0, AT >= 0,
 * |tau| <= 90). Offsets are not checked (NaN allowed before calibration). */
int kc_pig_check_params(const kc_pig_params *p, char *missing, size_t n);

/* Column index of each model marker in labels[M] (-1 when absent). Returns the number of
 * model markers missing; their names (comma-separated) go to missing when it is not NULL. */
int kc_pig_map_markers(char *const *labels, size_t M, int idx[KC_PIG_N_MARKERS], char *missing,
                       size_t n);

/* Gather one frame's model markers from pos[F,M,3] (absent markers NaN). */
void kc_pig_gather(const double *pos, size_t M, size_t f, const int idx[KC_PIG_N_MARKERS],
                   kc_vec3 mk[KC_PIG_N_MARKERS]);

/* The static calibration of the document from a static trial pos[F,M,3]: each marker's mean
 * over the frames where it is finite; inter-ASIS (when p->inter_asis_mm == 0) = mean of
 * |LASI - RASI| over the frames where both are finite; then the foot offsets alpha, beta of
 * each side from the mean positions (foot flat as p->foot_flat). Writes the resolved
 * inter_asis_mm and the offsets into p. KC_EINVAL (logged, naming the markers) when a
 * required marker has no finite frame; KC_ENUMERIC when the offsets are not finite. */
int kc_pig_calibrate(kc_pig_params *p, const double *pos, size_t F, size_t M,
                     const int idx[KC_PIG_N_MARKERS]) KC_RESULT_USED;

/* The trial's progression frame (document "Progression frame"). *branch: 1 = LASI
 * displacement, 2 = pelvis facing, 0 = cannot be formed (then NaN axes and KC_ENUMERIC). */
int kc_pig_progression(const double *pos, size_t F, size_t M, const int idx[KC_PIG_N_MARKERS],
                       kc_mat3 *prog, int *branch);

/* Segment frames and joint centres of one frame (lab, mm). */
typedef struct kc_pig_pose {
    kc_vec3 o_pelvis, sacr;
    kc_mat3 pelvis, thorax;
    kc_vec3 hjc[2], kjc[2], ajc[2];
    kc_mat3 femur[2], tibia[2], tibia_t[2], foot_u[2], foot_f[2];
} kc_pig_pose;

/* chord(I, P, J, d) of the document; NaN when d >= |J - I| or P is on the line I-J. */
kc_vec3 kc_pig_chord(kc_vec3 I, kc_vec3 P, kc_vec3 J, double d);
/* All segment frames of one frame (foot_f uses the offsets in p; NaN when they are NaN).
 * inter_asis_mm must be resolved (> 0) by kc_pig_calibrate, or 0 = this frame's |LASI-RASI|. */
void kc_pig_pose_frame(const kc_pig_params *p, const kc_vec3 mk[KC_PIG_N_MARKERS],
                       kc_pig_pose *pose);
/* The document's output table: raw YXZ components (deg) of a channel -> its outputs,
 * wrapped to (-180, 180]. */
void kc_pig_channel_out(int kind, int side, double a, double b, double c, double out[3]);
/* Angles [12][3] (deg) and joint centres [6][3] (mm) of one frame. */
void kc_pig_frame(const kc_pig_params *p, const kc_vec3 mk[KC_PIG_N_MARKERS], kc_mat3 prog,
                  double ang[KC_PIG_N_ANGLES][3], double jc[KC_PIG_N_CENTRES][3]);
/* Every frame of pos[F,M,3]: angles [12][F][3], centres [6][F][3] (channel-major, each
 * channel an [F,3] block). OpenMP over frames when F >= KC_PIG_PARALLEL_MIN_FRAMES (shorter
 * trials run on the calling thread: the fork/join would cost more than the work); results
 * independent of the thread count. */
#define KC_PIG_PARALLEL_MIN_FRAMES 16384
void kc_pig_compute(const kc_pig_params *p, const double *pos, size_t F, size_t M,
                    const int idx[KC_PIG_N_MARKERS], kc_mat3 prog, double *angles,
                    double *centres);

/* The thigh-rotation offset of one side from a functional knee trial pos[F,M,3] (knee
 * flexion-extension): the angle phi of F' = F·Rz(phi)·Rx(eps) that minimises the variance of
 * the knee abduction (Y) channel over the frames with knee flexion in [min_flex, max_flex]
 * deg, jointly with a nuisance tilt eps (|eps| <= 15 deg) about the femur's X axis: a femur
 * long axis tilted in its frontal plane (a hip joint centre off the true one) adds abduction
 * proportional to cos(flexion), which a rotation about Z alone would try to absorb and bias
 * phi; eps is reported (tilt_deg) but only phi is applied (the knee made as close to a hinge
 * as a rotation of the femur frame can make it; the
 * Cardan crosstalk argument of Baudet et al. 2014, PLoS ONE 9:e102098, and the DynaKAD
 * criterion of Baudet 2014 / Schache 2006). phi: grid over +-45 deg in 1 deg steps (eps to
 * 0.01 deg at each), then golden section over +-1 deg around the best to 1e-4 deg (eps to
 * 1e-4 deg); eps itself by golden section at every phi. p must be calibrated; its own
 * thigh_rot_offset_deg is ignored. Outputs: *offset_deg, tilt_deg,
 * the abduction SD before (phi = 0) and after, the frames used, and (diagnostic) the angle of
 * the mean finite-helical flexion axis of the tibia in the PiG femur frame, measured the same
 * way (the phi that would align femur Y with it; SARA/helical-axis estimate, Ehrig et al.
 * 2007, J Biomech 40:2150). KC_EINVAL when fewer than 20 frames qualify or the flexion range
 * of the used frames is under 40 deg. */
typedef struct kc_pig_functional {
    double offset_deg, sd_before_deg, sd_after_deg, axis_deg, flex_range_deg;
    double tilt_deg;    /* the nuisance tilt eps about femur X found with phi (not applied) */
    size_t n_frames;
} kc_pig_functional;
int kc_pig_functional_offset(const kc_pig_params *p, const double *pos, size_t F, size_t M,
                             const int idx[KC_PIG_N_MARKERS], int side, double min_flex_deg,
                             double max_flex_deg, kc_pig_functional *out) KC_RESULT_USED;

/* Every parameter (and the resolved offsets, in radians and in Vicon's convention) as /model
 * attributes, plus name = "pig". */
int kc_pig_params_to_attrs(const kc_pig_params *p, kc_attrs *a) KC_RESULT_USED;

#endif
