/* kc-synth internals: the types shared by the synthetic-session generator's files.
 *
 *   track.c    smooth 1-D functions of time (quintic Hermite keys, bumps, force-shaped designs)
 *   pig.c      Plug-in Gait frames and angles exactly as docs/pig-model.md defines them
 *   subject.c  a subject: anthropometrics, true geometry, marker placement, motion profile
 *   body.c     the body model: forward kinematics, planted-leg solver, markers, centre of mass
 *   plan.c     motions of the static, functional and single-leg-squat trials
 *   dvj.c      the drop vertical jump
 *   rig.c      the camera ring
 *   capture.c  what the cameras see (projection, occlusion, noise, dropouts, spurious blobs)
 *   wand.c     calibration captures (wand, L-frame)
 *   forceplate.c  ground reaction forces from the whole-body centre of mass (and a medial
 *                 squeeze between two planted feet)
 *   truthcalc.c   truth angles, events and metrics of a trial
 *   session.c  the whole session: trials in parallel, files written in order
 *   kc_synth.c the command line
 *
 * Units inside: mm, s, radians unless a name says _deg; lab frame Z up, subjects face +X.
 * Side index 0 = left, 1 = right.
 */
#ifndef KC_SYNTH_H
#define KC_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "kinechain/camera.h"
#include "kinechain/cli.h"
#include "kinechain/forceplate.h"
#include "kinechain/linalg.h"
#include "kinechain/obsfile.h"

#define SY_G 9810.0           /* gravity, mm/s² */
#define SY_L 0
#define SY_R 1
/* lateral sign of a side in segment Y (Y points to the subject's left on both sides) */
#define SY_LAT(s) ((s) == SY_L ? 1.0 : -1.0)

/* ---- options --------------------------------------------------------------------------- */

enum sy_mode { SY_IDENTITY = 0, SY_ANATOMICAL = 1 };

typedef struct sy_options {
    int n_subjects;        /* default 8 */
    int n_dvj;             /* DVJ trials per subject, default 3 */
    int n_sls;             /* single-leg squats per side, default 1 */
    int n_cameras;         /* default 8 */
    double rate_hz;        /* default 200 */
    double noise_px;       /* centroid noise SD, px, default 0.3 */
    double dropout;        /* fraction of detections lost, default 0.005 */
    double spurious;       /* spurious blobs per frame per camera, as a fraction of markers */
    double fp_noise_n;     /* force-plate noise SD, N, default 1 */
    bool occlusion;        /* default true */
    enum sy_mode mode;     /* default anatomical */
    unsigned long seed;    /* default 1 */
    double wand_s;         /* wand capture length, s (default 20) */
    double knee_marker_rot_deg; /* anatomical mode: KNE and THI rotated by this about the
                                 * femur's long axis on both sides of every subject, instead
                                 * of the random 2-6 deg (NaN = random, the default) */
    double sta_scale;      /* anatomical mode: soft-tissue artefact amplitudes times this
                            * (default 1; 0 = none) */
    bool independent_subjects; /* each subject's valgus level drawn independently from its
                                * group's distribution (default false: stratified within the
                                * group, see subject.c) */
} sy_options;

sy_options sy_default_options(void);

/* ---- random streams ---------------------------------------------------------------------- */

/* Stream ids: what a stream is for. Every stream is seeded from (seed, purpose, a, b, c) so
 * that nothing depends on the order of generation or on the thread count. */
enum sy_stream {
    SY_RNG_RIG = 1, SY_RNG_SUBJECT, SY_RNG_TRIAL, SY_RNG_CAMERA, SY_RNG_WAND, SY_RNG_FP,
    SY_RNG_STA,
};
gsl_rng *sy_rng(unsigned long seed, int purpose, int a, int b, int c);
double sy_uniform(gsl_rng *r, double lo, double hi);
double sy_gauss(gsl_rng *r, double sd);
/* Gaussian truncated to mean ± 2.5 sd, then clipped to [lo, hi]. */
double sy_tnorm(gsl_rng *r, double mean, double sd, double lo, double hi);

/* ---- tracks (track.c) ------------------------------------------------------------------- */

#define SY_TRACK_MAX 64

/* A key: time (s), value, first and second derivative. Between keys the track is the quintic
 * Hermite curve matching value, slope and curvature at both ends (C2). Before the first and
 * after the last key the track continues with the end key's slope (curvature dropped). */
typedef struct sy_key {
    double t, x, v, a;
} sy_key;

typedef struct sy_track {
    int n;
    sy_key k[SY_TRACK_MAX];
} sy_track;

void sy_track_clear(sy_track *tr);
/* Insert a key (kept sorted; a key at the same time is replaced). Returns -1 when full. */
int sy_track_key(sy_track *tr, double t, double x, double v, double a);
/* A still key (v = a = 0). */
int sy_track_still(sy_track *tr, double t, double x);
double sy_track_eval(const sy_track *tr, double t, double *v, double *a);
/* Remove keys at or after t. */
void sy_track_cut(sy_track *tr, double t);

/* The septic smoothstep on [0,1] (C3), clipped outside. */
double sy_smoothstep(double u);
/* Distance covered by a body stopping smoothly (velocity 1 - S(u)) over u in [0,1],
 * normalised to 1 at the stop: 2(u - ∫S); 0 before, 1 after. */
double sy_smooth_stop(double u);

/* A 1-D trajectory whose acceleration is force-shaped (for the pelvis height):
 *   a(t) = -g + g·(b0 + (b1 - b0)·S(u)) + Σ A_k φ((t - c_k)/w_k),   u = (t - t0)/T
 * S the septic smoothstep, φ(u) = ((1 + cos πu)/2)² on |u| < 1 (C3 bumps that vanish at t0 and
 * t0 + T), so that (a + g)/g is the vertical ground reaction in body weights when the pelvis
 * carries the centre of mass. b0 = 0: starts in flight; b0 = 1: starts standing. Position and
 * velocity are exact closed-form integrals. */
#define SY_DESIGN_MAX 40
typedef struct sy_design {
    double t0, T, z0, v0, b0, b1;
    double onset_w;      /* > 0: an extra narrow bump of this half-width right after t0 (s) */
    int n;
    double c[SY_DESIGN_MAX], w[SY_DESIGN_MAX], A[SY_DESIGN_MAX];
} sy_design;

/* A design constraint: value of position (what = 0) or velocity (what = 1) at time t. */
typedef struct sy_constraint {
    int what;
    double t, value;
} sy_constraint;

/* Lay n tiles over [t0, t0+T], set their amplitudes to the force template fdes (body weights
 * at normalised time s, piecewise linear through nk knots {s, f}), scale the tiles so that the
 * first constraint holds, then add the smallest change of amplitudes that meets every
 * constraint exactly (minimum-norm correction, GSL LU). Returns 0 or KC_ENUMERIC. */
int sy_design_solve(sy_design *d, int n_tiles, int nk, const double (*knots)[2], int nc,
                    const sy_constraint *con);
double sy_design_eval(const sy_design *d, double t, double *v, double *a);
/* The first time after t0 + 0.02 s where the velocity turns from negative to >= 0
 * (scanning at 0.5 ms, refined by bisection); NaN if none within T. */
double sy_design_bottom(const sy_design *d);
/* Smallest (a + g)/g over [t0, t0+T] sampled at 1 ms: a positivity check. */
double sy_design_min_force(const sy_design *d);

/* ---- Plug-in Gait (pig.c) --------------------------------------------------------------- */

typedef struct sy_frame {
    kc_mat3 R;     /* columns X, Y, Z in lab coordinates */
    kc_vec3 o;
} sy_frame;

sy_frame sy_pig_pelvis(kc_vec3 lasi, kc_vec3 rasi, kc_vec3 lpsi, kc_vec3 rpsi);
/* Davis HJC in pelvis coordinates (docs/pig-model.md): ll[2] leg lengths, at[2] ASIS-troc
 * (0 = regression), ia inter-ASIS (> 0), md marker diameter; side 0 left, 1 right. */
kc_vec3 sy_pig_davis_local(const double ll[2], const double at[2], double ia, double md,
                           int side);
kc_vec3 sy_pig_chord(kc_vec3 I, kc_vec3 P, kc_vec3 J, double d);
sy_frame sy_pig_femur(kc_vec3 hjc, kc_vec3 kjc, kc_vec3 kne, int side);
sy_frame sy_pig_tibia(kc_vec3 kjc, kc_vec3 ajc, kc_vec3 tib, kc_vec3 ank, int side);
kc_mat3 sy_pig_torsion(kc_mat3 tibia, double tau_rad);
kc_mat3 sy_pig_foot_u(kc_vec3 toe, kc_vec3 ajc, kc_vec3 tibia_y_torsioned);
/* Static offsets from the heel direction: alpha, beta (radians). */
void sy_pig_static_offsets(kc_mat3 U, kc_vec3 toe, kc_vec3 hee, double *alpha, double *beta);
kc_mat3 sy_pig_foot_f(kc_mat3 U, double alpha, double beta);
sy_frame sy_pig_thorax(kc_vec3 c7, kc_vec3 t10, kc_vec3 clav, kc_vec3 strn);

enum sy_channel { SY_CH_PELVIS = 0, SY_CH_HIP, SY_CH_KNEE, SY_CH_ANKLE, SY_CH_FOOTPROG,
                  SY_CH_THORAX };
/* Output angles (deg) of a channel for side s from proximal P and distal D frames. */
void sy_pig_angles(enum sy_channel ch, int side, kc_mat3 P, kc_mat3 D, double out[3]);
/* Inverse for the joints the body model drives: R = Ry(a)Rx(b)Rz(c) from clinical angles
 * (deg) of the hip or knee channel. */
kc_mat3 sy_pig_joint_matrix(enum sy_channel ch, int side, const double clinical_deg[3]);

/* ---- subjects (subject.c) ----------------------------------------------------------------- */

enum sy_marker {
    SY_LASI = 0, SY_RASI, SY_LPSI, SY_RPSI,
    SY_LTHI, SY_LKNE, SY_LTIB, SY_LANK, SY_LHEE, SY_LTOE,
    SY_RTHI, SY_RKNE, SY_RTIB, SY_RANK, SY_RHEE, SY_RTOE,
    SY_C7, SY_T10, SY_CLAV, SY_STRN,
    SY_N_MARKERS
};
/* per-side marker index: SY_SIDE_MK(s, k) with k = 0 THI, 1 KNE, 2 TIB, 3 ANK, 4 HEE, 5 TOE */
#define SY_SIDE_MK(s, k) ((s) == SY_L ? SY_LTHI + (k) : SY_RTHI + (k))
extern const char *const sy_marker_names[SY_N_MARKERS];

/* Segments (for soft tissue, occlusion and centre of mass). */
enum sy_segment { SY_SEG_TORSO = 0, SY_SEG_THIGH_L, SY_SEG_THIGH_R, SY_SEG_SHANK_L,
                  SY_SEG_SHANK_R, SY_SEG_FOOT_L, SY_SEG_FOOT_R, SY_N_SEGMENTS };

/* Soft-tissue artefact of one marker (segment coordinates, mm). */
typedef struct sy_sta {
    kc_vec3 flex;         /* displacement at 90° knee flexion (scaled linearly) */
    kc_vec3 wobble[2];    /* slow wobble amplitudes */
    double wobble_f[2], wobble_ph[2];
    kc_vec3 osc;          /* impact oscillation amplitude */
    double osc_f, osc_tau;
} sy_sta;

typedef struct sy_subject {
    char id[16];
    int index;
    bool identity;                   /* identity mode: no artefacts, rigid static */
    char sex[2];
    char group[16];
    char side_of_interest[2];
    double mass, height;             /* kg, mm */
    /* what a lab measured (subjects.csv) */
    double leg_length[2], knee_width[2], ankle_width[2];
    double inter_asis, asis_troc[2], marker_diameter, tibial_torsion_deg[2], sole_delta[2];
    /* true geometry */
    double asis_half, sacr_depth, psis_half;
    kc_vec3 hjc_local[2];            /* true HJC in pelvis coordinates */
    double thigh_len[2], shank_len[2];
    double knee_r[2], ankle_r[2];    /* (KW + MD)/2, (AW + MD)/2, true */
    double torsion[2];               /* rad */
    double foot_lu[2];               /* |AJC - TOE| */
    double foot_pitch0[2];           /* rad, pitch of TOE->AJC above horizontal standing flat */
    double heel_len[2];              /* |HEE - TOE| */
    double foot_alpha[2], foot_beta[2];   /* true static offsets (rad) */
    /* static offsets of the Plug-in Gait foot built from the placed markers (anatomical mode:
     * misplacement included) that turn it onto the true heel direction standing (rad) */
    double placed_alpha[2], placed_beta[2];
    bool foot_offsets_set;
    double toe_height;               /* TOE marker centre above the floor, foot flat */
    double thi_height, thi_r, tib_height, tib_r;   /* fractions of segment length, mm */
    kc_vec3 lumbar_local;            /* in pelvis coordinates */
    kc_vec3 clav_from_lumbar;        /* in thorax coordinates */
    kc_vec3 trunk_local[4];          /* C7, T10, CLAV, STRN in thorax coordinates */
    double upper_com_z;              /* trunk+head+arms COM above lumbar along thorax Z */
    double capsule_r[SY_N_SEGMENTS];
    /* anatomical mode */
    kc_vec3 misplace[SY_N_MARKERS];  /* segment coordinates */
    double knee_marker_rot[2];       /* rad, KNE and THI about the femur's Z */
    sy_sta sta[SY_N_MARKERS];
    bool has_sta[SY_N_MARKERS];
    /* movement profile (degrees unless said) */
    double valgus_peak[2], valgus_ic[2], valgus_static[2];
    double hip_introt_peak[2], hip_rot_static[2], knee_rot_peak[2];
    double toe_out[2];
    double stance_extra;             /* mm added to the landing half-width */
    double hip_abd_ic;               /* hip abduction at landing, deg */
    double pelvic_drop_sls;          /* contralateral drop in SLS, deg */
    double obliquity;                /* DVJ pelvic obliquity (+ left up), deg */
    double trunk_lat, trunk_fwd;     /* lateral (+ left) and forward lean at the bottom */
    double knee_peak;                /* DVJ peak knee flexion target */
    double share_l;                  /* left foot's share of the landing force */
    double impact_bw;                /* template impact peak, body weights */
    double heading;                  /* deg, the subject's facing bias */
} sy_subject;

void sy_subject_make(sy_subject *s, int index, int n_subjects, const sy_options *opt);
/* mass fraction of one leg (thigh + shank + foot) */
#define SY_LEG_MASS_FRACTION (0.100 + 0.0465 + 0.0145)
/* mass fraction of HAT: pelvis + trunk, head and arms (everything but the legs) */
#define SY_HAT_MASS_FRACTION (1.0 - 2 * SY_LEG_MASS_FRACTION)

/* ---- body (body.c) ------------------------------------------------------------------------ */

/* What the motion prescribes at one instant. */
typedef struct sy_drive {
    kc_vec3 pelvis_o;                /* mid-ASIS */
    kc_mat3 pelvis_R;
    kc_mat3 thorax_R;
    double hip[2][3], knee[2][3];    /* clinical deg: flexion, adduction, internal rotation */
    double ankle_pf[2], ankle_rot[2];     /* free foot vs torsioned tibia, deg */
    bool planted[2];
    kc_vec3 toe[2];                  /* planted: TOE position */
    kc_vec3 foot_dir[2];             /* planted: unit TOE->AJC in the lab */
} sy_drive;

typedef struct sy_pose {
    sy_frame pelvis, femur[2], tibia[2], thorax;
    kc_mat3 tibia_t[2], U[2], F[2];
    kc_vec3 hjc[2], kjc[2], ajc[2], toe[2], hee[2], lumbar;
    double q[2][3];                  /* knee flexion, hip flexion, hip adduction (deg) used */
    double foot_pf[2], foot_rot[2];  /* the foot vs torsioned tibia (deg), as in sy_drive */
    kc_vec3 com;                     /* whole body */
    kc_vec3 leg_com[2];              /* thigh + shank + foot of each side */
    kc_vec3 mk[SY_N_MARKERS];        /* landmark positions (no artefact) */
} sy_pose;

/* Forward kinematics of everything from a drive; planted legs are solved (Newton on knee
 * flexion, hip flexion, hip adduction so that AJC = TOE + |AJC-TOE|·foot_dir), starting from
 * the drive's values. Returns 0, or KC_ENUMERIC when a planted leg cannot reach. */
int sy_body_pose(const sy_subject *s, const sy_drive *d, sy_pose *p);
/* foot direction in the lab from pitch above horizontal and heading of the toe (rad) */
kc_vec3 sy_foot_dir(double pitch, double heading);
/* Marker positions with anatomical-mode misplacement and soft-tissue artefact; also outward
 * normals (unit, lab) for the facing test. t_impacts[side][k] (NaN-padded, 4 each). */
void sy_body_markers(const sy_subject *s, const sy_pose *p, enum sy_mode mode, double t,
                     const double impacts[2][4], kc_vec3 mk[SY_N_MARKERS],
                     kc_vec3 normal[SY_N_MARKERS]);
extern const int sy_marker_segment[SY_N_MARKERS];
/* Markers where the lab placed them on the bones (landmarks plus the subject's misplacement),
 * rigid with their segments: no soft-tissue artefact, no knee-marker rotation. */
void sy_body_placed_markers(const sy_subject *s, const sy_pose *p, kc_vec3 mk[SY_N_MARKERS]);
/* The anatomical truth of anatomical mode: the Plug-in Gait frames (docs/pig-model.md) that the
 * placed markers define with the subject's TRUE hip joint centre, knee and ankle widths,
 * tibial torsion and foot offsets (placed_alpha/beta). Segment frames as rotation matrices. */
typedef struct sy_pig_truth {
    kc_mat3 pelvis, femur[2], tibia[2], tibia_t[2], foot[2];
    kc_vec3 hjc[2], kjc[2], ajc[2];
} sy_pig_truth;
void sy_pig_truth_frames(const sy_subject *s, const sy_pose *p, sy_pig_truth *o);
/* The HAT centre of mass (pelvis + trunk, head and arms) is pelvis_o + pelvis_R·in_pelvis +
 * thorax_R·in_thorax: it depends on the pelvis origin and the two orientations only. */
void sy_body_hat_local(const sy_subject *s, kc_vec3 *in_pelvis, kc_vec3 *in_thorax);
/* Capsules (a, b, radius) of the segments for occlusion. */
void sy_body_capsules(const sy_subject *s, const sy_pose *p, kc_vec3 a[SY_N_SEGMENTS],
                      kc_vec3 b[SY_N_SEGMENTS], double r[SY_N_SEGMENTS]);

/* ---- motions (plan.c, dvj.c) ------------------------------------------------------------- */

enum sy_task { SY_TASK_STATIC = 0, SY_TASK_FUNCTIONAL, SY_TASK_DVJ, SY_TASK_SLS };

#define SY_MAX_SEG 8
#define SY_MAX_CONTACT 4

/* A planted interval of one foot: TOE decelerates smoothly from toe0 with velocity vel0
 * (mm/s) within 2·tau and comes to rest vel0·tau further (sy_smooth_stop), foot direction
 * from the pitch/heading tracks. */
typedef struct sy_contact {
    double t_on, t_off;      /* t_off = INFINITY when it lasts to the end */
    kc_vec3 toe0, vel0;
    double tau;
} sy_contact;

typedef struct sy_zseg {
    double t_start;
    bool is_design;
    sy_design design;
    sy_track track;
} sy_zseg;

/* Over [t0, t1] the whole-body centre of mass follows force-shaped designs (d[0] lab x, d[1]
 * lab y with b0 = b1 = 1, d[2] height), so that the ground reaction is the designs' templates
 * by construction: the pelvis origin is the design minus the HAT offset (sy_body_hat_local:
 * exact for pelvis and trunk) plus corr, a correction sampled densely at planning time that
 * compensates the legs' share of the centre of mass (dvj.c). */
typedef struct sy_comseg {
    double t0, t1;
    sy_design d[3];
    sy_track corr[3];
} sy_comseg;

#define SY_MAX_COMSEG 2

typedef struct sy_motion {
    enum sy_task task;
    int side;                        /* SLS stance side */
    double duration;                 /* s */
    double heading;                  /* rad, facing direction of the trial */
    sy_track px, py;                 /* pelvis origin x, y (mm) */
    int n_zseg;
    sy_zseg zseg[SY_MAX_SEG];
    int n_comseg;
    sy_comseg comseg[SY_MAX_COMSEG];
    kc_vec3 hat_pelvis, hat_thorax;  /* sy_body_hat_local of the subject (for comseg) */
    sy_track tilt, obliq, prot;      /* pelvis orientation (deg) */
    sy_track tfwd, tlat, trot;       /* thorax orientation vs lab (deg) */
    sy_track hip_rot[2], knee_add[2], knee_rot[2];
    sy_track hip_flex[2], hip_add[2], knee_flex[2], ank_pf[2], ank_rot[2];   /* free phases */
    sy_track foot_pitch[2], foot_head[2];   /* planted phases (deg, lab) */
    int n_contact[2];
    sy_contact contact[2][SY_MAX_CONTACT];
    /* events (s; NaN when not applicable) */
    double ev_box_off, ev_ic[2], ev_to[2], ev_ic2[2], ev_start, ev_end, ev_peak;
    double box_height;               /* mm (DVJ) */
    double t_bottom;                 /* design time of the first landing's lowest point */
    /* force-plate contact of the first landing (DVJ; set by sy_forceplates): times of the
     * first and last analog sample with a noise-free vertical force > 0 on the foot's plate
     * (s; NaN when none), and the analog rate (Hz). The kinematic ev_ic/ev_to stay the
     * events; the force reaches zero a few ms before ev_to (docs/kinetics.md). */
    double fc_on[2], fc_off[2], fc_rate;
    /* solver warm start (mutable while evaluating one motion in time order) */
    double guess[2][3];
} sy_motion;

/* The drive at time t (forced: -1 normal, else the contact index to treat as active for
 * side force_side even after it ended). */
void sy_motion_drive(const sy_motion *m, double t, sy_drive *d, int force_side, int force_k);
/* Pose at t using and updating the warm start. */
int sy_motion_pose(const sy_subject *s, sy_motion *m, double t, sy_pose *p);
/* KC_OK when the body model reaches the planted feet at every t0, t0 + dt, ... and t1 (the
 * warm-started solve of sy_motion_pose, without logging; the warm start is left unchanged),
 * else the solver's status and the first time that failed in *t_fail (may be NULL). */
int sy_motion_reachable(const sy_subject *s, sy_motion *m, double t0, double t1, double dt,
                        double *t_fail);
/* Contact index active at t for a side, or -1. */
int sy_motion_contact_at(const sy_motion *m, int side, double t);
/* Release: at the end of contact k of side, add keys to the free tracks so that they
 * continue the planted solution with equal value and slope. */
int sy_motion_release(const sy_subject *s, sy_motion *m, int side, int k);
/* Pelvis height such that the mean knee flexion of the planted legs equals knee_deg at time t
 * (with everything else of the drive at t). */
int sy_motion_solve_height(const sy_subject *s, const sy_motion *m, double t, double knee_deg,
                           double *z);
double sy_motion_pelvis_z(const sy_motion *m, double t, double *v, double *a);
/* HAT centre of mass minus pelvis origin at t (orientation tracks only), and its velocity. */
kc_vec3 sy_motion_hat_offset(const sy_motion *m, double t, kc_vec3 *v);

/* plan a trial (plan.c / dvj.c); rng: the trial's stream */
int sy_plan_static(const sy_subject *s, sy_motion *m, gsl_rng *r);
int sy_plan_functional(const sy_subject *s, sy_motion *m, gsl_rng *r);
int sy_plan_sls(const sy_subject *s, sy_motion *m, int side, gsl_rng *r);
int sy_plan_dvj(const sy_subject *s, sy_motion *m, gsl_rng *r);
/* Reference standing pose (feet flat) used to fix the foot's static offsets. */
int sy_subject_foot_offsets(sy_subject *s);
/* Shared helpers of the planners */
void sy_plan_common_init(sy_motion *m, enum sy_task task, double heading);
/* Floor TOE positions of a standing subject centred on the plates. */
void sy_plan_stance(const sy_subject *s, double heading, double cx, double cy, double half_w,
                    kc_vec3 toe[2], double head[2]);

/* ---- lab ---------------------------------------------------------------------------------- */

/* Two force plates, one per foot (0 = left, y > 0; 1 = right), centred on x = 0. */
#define SY_PLATE_LX 500.0
#define SY_PLATE_LY 400.0
#define SY_PLATE_GAP 10.0
void sy_plate_geometry(int i, double corners[4][3], double origin[3]);

/* ---- camera rig (rig.c) ------------------------------------------------------------------ */

typedef struct sy_rig {
    int n;
    kc_camera *cams;
    double *r_max;          /* largest undistorted normalised radius that lands in the image */
} sy_rig;

int sy_rig_make(sy_rig *rig, const sy_options *opt);
void sy_rig_free(sy_rig *rig);

/* ---- capture (capture.c) -------------------------------------------------------------------- */

/* Why a marker was not seen by a camera (the synthetic ground truth of visibility). */
enum sy_vis { SY_VIS_SEEN = 0, SY_VIS_BEHIND = 1, SY_VIS_OUTSIDE = 2, SY_VIS_FACING = 3,
              SY_VIS_OCCLUDED = 4, SY_VIS_DROPOUT = 5 };

typedef struct sy_scene {
    size_t n_frames, n_markers;
    const kc_vec3 *mk;           /* [F][M] */
    const kc_vec3 *normal;       /* [F][M] or NULL (no facing test) */
    const int *mk_segment;       /* [M] or NULL */
    const kc_vec3 *cap_a, *cap_b;   /* [F][SY_N_SEGMENTS] or NULL (no occlusion) */
    const double *cap_r;         /* [SY_N_SEGMENTS] */
} sy_scene;

/* Fill obs->points (if labelled) and obs->centroids for every camera of the rig.
 * stream ids (a, b) select the random streams (camera index is the third). */
int sy_capture(const sy_rig *rig, const sy_options *opt, const sy_scene *sc, bool labelled,
               int stream_a, int stream_b, kc_obs *obs, uint8_t *vis_out);

/* ---- force plates (forceplate.c) ----------------------------------------------------------- */

/* Plates of a trial: fp[2] allocated and filled (force on the body, N; moments N·mm about the
 * plate origin; COP NaN when unloaded), noise from stream r. peak_n[2], peak_t[2]: noise-free
 * peak vertical force per foot (N) and its time, within [ev_ic, ev_to] for a DVJ (the first
 * landing) and over the whole trial otherwise (NaN when the foot never loads a plate).
 * Also sets m->fc_on, fc_off, fc_rate (the force-plate contact of a DVJ's first landing). */
int sy_forceplates(const sy_subject *s, sy_motion *m, const sy_options *opt, size_t n_frames,
                   gsl_rng *r, kc_forceplate fp[2], double peak_n[2], double peak_t[2]);

/* ---- truth (truthcalc.c) ------------------------------------------------------------------ */

typedef struct sy_trialdata {
    size_t n_frames;
    double rate_hz;
    kc_vec3 *mk;        /* [F][M] markers as captured */
    kc_vec3 *normal;    /* [F][M] */
    kc_vec3 *cap_a, *cap_b;
    double cap_r[SY_N_SEGMENTS];
    double *angles;     /* [12][F][3] deg, order of sy_angle_names */
    double *centres;    /* [6][F][3] */
    double knee_flex_max[2];
} sy_trialdata;

#define SY_N_ANGLES 12
#define SY_N_CENTRES 6
extern const char *const sy_angle_names[SY_N_ANGLES];
extern const char *const sy_centre_names[SY_N_CENTRES];

/* Evaluate the motion at every frame: markers, normals, capsules, truth angles, centres. */
int sy_trial_sample(const sy_subject *s, sy_motion *m, const sy_options *opt,
                    sy_trialdata *td);
void sy_trialdata_free(sy_trialdata *td);
/* Events and metrics tables of a trial (/truth/events, /truth/metrics). */
int sy_truth_tables(const sy_subject *s, const sy_motion *m, const sy_trialdata *td,
                    const double peak_n[2], const double peak_t[2], kc_table **events,
                    kc_table **metrics);

/* Plug-in Gait applied to the markers as captured (truthcalc.c): the "pig truth" of
 * /truth/pig_angles and /truth/pig_joint_centres. kc-synth's own implementation of
 * docs/pig-model.md (pig.c), independent of kc-ik's: the subject's MEASURED parameters
 * (subjects.csv), Davis's hip joint centre, and the static the lab would record. */
typedef struct sy_pig_static {
    double inter_asis;              /* IA used (subjects.csv, or from the static when 0) */
    double alpha[2], beta[2];       /* foot static offsets (rad), docs/pig-model.md */
} sy_pig_static;
/* The static calibration from a static trial's markers mk [F][M][3] (order of
 * sy_marker_names, noise-free): marker positions averaged over the frames, inter-ASIS
 * distance when subjects.csv has 0, foot offsets (no foot flat). KC_ENUMERIC when the
 * markers define no frame. */
int sy_pig_static_calib(const sy_subject *s, const double *mk, size_t F, sy_pig_static *out);
/* Plug-in Gait angles [SY_N_ANGLES][F][3] (order of sy_angle_names, deg) and joint centres
 * [SY_N_CENTRES][F][3] (mm) of a trial's markers mk [F][M][3]; progression frame by the
 * docs/pig-model.md rule on these markers. NaN where the markers define no frame. */
void sy_pig_marker_truth(const sy_subject *s, const sy_pig_static *ps, const double *mk,
                         size_t F, double *angles, double *centres);

/* ---- calibration captures (wand.c) -------------------------------------------------------- */

int sy_wand_capture(const sy_rig *rig, const sy_options *opt, kc_obs **out);
int sy_lframe_capture(const sy_rig *rig, const sy_options *opt, kc_obs **out);

/* ---- session (session.c) ---------------------------------------------------------------------- */

/* Write the whole session under dir. Returns 0 or a kc_status (logged). */
int sy_session_write(const char *dir, const sy_options *opt, const kc_provenance *prov,
                     const kc_cli *cli);

#endif
