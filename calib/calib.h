/* kinechain calibration stage — private interface of the calib/ modules (wand detection,
 * relative pose, rig initialisation, bundle adjustment, L-frame). Units: px and mm.
 *
 * Detections layout used throughout: det[(c * F + f) * 3 + m][2] px, the three wand markers
 * in the order of the wand specification (marker 0 first); NaN = not detected.
 */
#ifndef KC_CALIB_H
#define KC_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/camera.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"

/* ---- wand detection (wand_detect.c) ------------------------------------------------- */
typedef struct kc_wand_params {
    double wand_mm[3];       /* marker positions along the wand from marker 0, mm, increasing */
    double ratio_tol;        /* tolerance on the projected spacing ratio (absolute, default 0.06) */
    double line_tol_px;      /* max distance of the middle blob from the end-to-end line, px (2) */
    double line_tol_rel;     /* ... or this fraction of the end-to-end length if larger (0.01) */
    double min_len_px;       /* shortest end-to-end image length, px (15) */
    int max_blobs;           /* frames with more blobs than this are skipped (40) */
} kc_wand_params;

kc_wand_params kc_wand_default_params(void);

typedef struct kc_wand_stats {
    long frames_with_blobs;  /* frames with >= 3 blobs */
    long detected;           /* frames with a unique wand */
    long ambiguous;          /* frames with two different candidate wands (rejected) */
} kc_wand_stats;

/* Detect the wand in every frame of every camera. det: [C,F,3,2] out (NaN = none).
 * stats: [C] out. Returns KC_OK, or KC_EINVAL for non-finite centroids (logged, naming the
 * camera). */
int kc_wand_detect(const kc_wand_params *p, const kc_obs *obs, double *det,
                   kc_wand_stats *stats) KC_RESULT_USED;

/* ---- relative pose of two cameras from normalised correspondences (relpose.c) -------- */
/* x1, x2: [n][2] normalised (undistorted, K removed) coordinates of the same points in
 * camera 1 and 2. Estimates the essential matrix by the normalised 8-point algorithm inside
 * a deterministic RANSAC (seeded LCG), refits on the inliers and picks the decomposition
 * with the most points in front of both cameras. Out: x_2 = R·x_1 + t with |t| = 1;
 * inlier count. thresh: Sampson distance threshold in normalised units. Returns KC_OK or
 * KC_ENUMERIC (too few points or inliers). */
int kc_relpose_essential(const double *x1, const double *x2, size_t n, double thresh,
                         unsigned seed, kc_mat3 *R, kc_vec3 *t, size_t *n_inliers)
    KC_RESULT_USED;

/* Linear two-view (or n-view) triangulation by DLT of normalised points with camera poses
 * (x_c = R X + t). Returns X. */
kc_vec3 kc_triangulate_linear(const kc_mat3 *R, const kc_vec3 *t, const double *xn, size_t n);

/* ---- rig initialisation (rig_init.c) ------------------------------------------------- */
/* Initial cameras from the wand detections: intrinsics (fx = fy = focal_px, principal point
 * at the image centre, no distortion), relative poses along a maximum spanning tree of the
 * shared-frame graph rooted at the first camera with detections (the gauge camera), each
 * edge scaled by the wand length. cams[C] in/out (name and image size set by the caller);
 * usable[C] out: 1 if the camera is connected to the tree. *root out. Returns KC_OK or
 * KC_ENUMERIC (fewer than two cameras connected; not logged: the caller names the file). */
int kc_rig_init(const double *det, size_t C, size_t F, const double wand_mm[3],
                double focal_px, kc_camera *cams, uint8_t *usable, int *root) KC_RESULT_USED;

/* ---- bundle adjustment (bundle.c) --------------------------------------------------- */
typedef struct kc_ba_params {
    int max_iter;            /* LM iterations (default 100) */
    double huber_px;         /* Huber threshold on a 2-D residual's norm, px (default 1) */
    double outlier_px;       /* residuals above this get weight 0 in the last phase (8); the
                                gate before it narrows from 1e4 px through 64, 32, 16 px,
                                each phase ending when the relative cost decrease falls
                                below 1e-3 (first) or 1e-5 */
    double tol;              /* stop the last phase when the relative cost decrease is below
                                this (1e-7: a change of the cost far below one unit of χ²) */
    int fix_intrinsics;      /* solve only poses (--intrinsics) */
} kc_ba_params;

kc_ba_params kc_ba_default_params(void);

typedef struct kc_ba_report {
    int iterations;
    double rms_px;           /* over inlier observations (residual < outlier_px) */
    double cam_rms_px[256];  /* per camera (first 256) */
    long cam_n_obs[256];
    long n_obs, n_frames;
    double seconds_per_iter;
    double *wand_xyz;        /* in: NULL, or [F,3,3] the caller owns; out: each frame's fitted
                                wand markers (mm, rig frame), NaN for frames not adjusted */
    double *cov;             /* in: NULL, or [C·15, C·15] the caller owns; out: the covariance
                                of all cameras' parameters (camera.h order per camera; units
                                px, 1, rad, mm) at the solution, in the gauge of the adjustment
                                (root camera's pose fixed: its rows 0), scaled by the residual
                                variance; NaN if the system was singular */
} kc_ba_report;

/* Bundle-adjust cameras cams[C] (those with usable[c]; camera root's pose fixed: the gauge;
 * the scale is fixed by the wand) and per-frame wand poses against the detections det
 * [C,F,3,2]. Levenberg–Marquardt with the per-frame blocks (centre, 2-D direction)
 * eliminated by the Schur complement; reduced camera system by GSL Cholesky; Huber loss by
 * reweighting. Returns KC_OK, KC_ENOMEM, or KC_ENUMERIC (no convergence). */
int kc_ba_wand(const kc_ba_params *p, const double *det, size_t C, size_t F,
               const double wand_mm[3], int root, const uint8_t *usable, kc_camera *cams,
               kc_ba_report *rep) KC_RESULT_USED;

/* ---- L-frame (lframe.c) --------------------------------------------------------------- */
/* Find the L-frame markers (geometry lf_mm [n_lf][3] in the L-frame's coordinates) in the
 * unlabelled centroids of obs with the calibrated cameras cams (usable[c]), and compute the
 * rigid transform X_world = A·X_rig + b that puts the rig in the L-frame's world frame.
 * fit_rms_mm out: RMS distance of the fitted markers. Returns KC_OK, KC_EINVAL (not found;
 * logged naming path) or KC_ENOMEM. */
int kc_lframe_locate(const kc_obs *obs, const char *path, const kc_camera *cams,
                     const uint8_t *usable, const double *lf_mm, size_t n_lf, kc_mat3 *A,
                     kc_vec3 *b, double *fit_rms_mm) KC_RESULT_USED;

/* Least-squares rigid transform Q ≈ A·P + b of n >= 3 point pairs (Kabsch 1976, GSL SVD,
 * reflection excluded); rms out: RMS distance after the fit, mm. KC_OK or KC_ENUMERIC. */
int kc_calib_rigid_fit(const kc_vec3 *P, const kc_vec3 *Q, size_t n, kc_mat3 *A, kc_vec3 *b,
                       double *rms) KC_RESULT_USED;

/* Apply X_world = A·X_old + b to a camera (x_c = R X_old + t). */
void kc_calib_transform_camera(kc_camera *cam, kc_mat3 A, kc_vec3 b);

/* Wand length error statistics: each frame's three markers triangulated freely
 * (kc_tri_point) from the cameras that detected them; distances marker0-marker2 minus the
 * wand length. Out: RMS and mean (bias), mm; n frames used. */
int kc_wand_length_stats(const double *det, size_t C, size_t F, const double wand_mm[3],
                         const kc_camera *cams, const uint8_t *usable, double *rms_mm,
                         double *bias_mm, long *n) KC_RESULT_USED;

/* ---- covariance of a calibration (covariance.c) ---------------------------------------- */
/* Move the covariance cov [C·15, C·15] (camera.h order per camera, e.g. kc_ba_report.cov) of
 * cameras cams[C] into the gauge of the rig as a whole: the world frame in which a rigid
 * alignment of the calibrated (usable[c]) cameras' centres is the identity, so that a
 * camera's pose uncertainty is the one seen after aligning the rig to a reference
 * (linearised). In place. KC_OK, KC_ENOMEM, or KC_ENUMERIC (NaN in cov, fewer than three
 * cameras). */
int kc_calib_cov_rig_gauge(const kc_camera *cams, const uint8_t *usable, size_t C, double *cov)
    KC_RESULT_USED;

/* Carry one camera's covariance cov [15,15] through the world transform X' = A·X + b
 * (cam: the camera before the transform). In place. */
void kc_calib_cov_transform(const kc_camera *cam, kc_mat3 A, kc_vec3 b, double cov[225]);

/* Standard deviations of a camera from its covariance [15,15]: fx, fy, cx, cy (px), centre
 * (mm: the RMS length of the 3-D centre error, √trace Σ_C) and orientation (deg: the RMS
 * angle of the rotation error). */
typedef struct kc_calib_sd {
    double fx, fy, cx, cy;   /* px */
    double centre_mm;
    double rotation_deg;
} kc_calib_sd;
void kc_calib_camera_sd(const kc_camera *cam, const double cov[225], kc_calib_sd *sd);

#endif
