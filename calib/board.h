/* kinechain calibration stage — board calibration (private interface of calib/; the command
 * is `kc-calib board`). Units: px and mm.
 *
 * Several cameras film a moving planar board (checkerboard or ChArUco) whose corners'
 * positions on the board are known. Per camera, per frame: a homography from the board plane
 * to the image; intrinsics by Zhang's method when not given (Zhang 2000, "A flexible new
 * technique for camera calibration", IEEE PAMI 22(11), §3.1 and appendix B); board poses
 * from the homographies; cameras chained along the pairs that see the board together; then
 * every camera (pose, and intrinsics with distortion k1, k2, p1, p2, k3 when not given) and
 * every board pose adjusted together by GSL's nonlinear least squares (Levenberg–Marquardt,
 * Huber loss by reweighting).
 */
#ifndef KC_BOARD_H
#define KC_BOARD_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_vector.h>
#include "kinechain/camera.h"
#include "kinechain/status.h"

typedef struct kc_board_data {
    size_t n;               /* observations (rows) */
    size_t F, C;            /* distinct frames and cameras */
    int *frame;             /* [n] 0..F-1, frames in increasing order of the file's value */
    int *cam;               /* [n] 0..C-1, cameras in order of the file's label (numeric
                               labels numerically) */
    long *corner;           /* [n] corner id */
    double *uv;             /* [n][2] px, as detected (distorted) */
    double *P;              /* [n][3] the corner on the board, mm (z = 0: a planar board) */
    long *frame_value;      /* [F] the file's frame numbers */
    char (*cam_label)[64];  /* [C] the file's camera labels */
} kc_board_data;

/* Read a tidy CSV of detections, one row per corner seen: columns (either name)
 * frame|sync_index, camera|cam_id, corner|keypoint_id, x|img_loc_x, y|img_loc_y,
 * board_x|obj_loc_x, board_y|obj_loc_y, and optional board_z|obj_loc_z; other columns are
 * ignored. board_units_mm: mm per unit of the board columns (1000 for metres). Errors (logged
 * naming the file, the line and the column): missing column, non-numeric or non-finite
 * value, a corner listed twice in one frame and camera, a board that is not planar (z != 0),
 * board coordinates that look like metres given as mm (every |x|, |y| < 5 mm). Returns KC_OK,
 * KC_EIO, KC_EFORMAT, KC_EMISSING, KC_EINVAL or KC_ENOMEM. */
int kc_board_read_csv(const char *path, double board_units_mm, kc_board_data **out)
    KC_RESULT_USED;
void kc_board_free(kc_board_data *d);   /* NULL ok */

typedef struct kc_board_params {
    int fix_intrinsics;     /* 1: K and distortion given (cams in), poses only */
    int min_corners;        /* corners a view needs to be used (default 6, >= 5) */
    double huber_px;        /* Huber threshold on a residual's norm, px (default 3) */
    int max_iter;           /* LM iterations per reweighting round (default 100) */
} kc_board_params;

kc_board_params kc_board_default_params(void);

typedef struct kc_board_report {
    double rms_px;          /* per coordinate, over all observations used */
    double *cam_rms_px;     /* [C] per coordinate (caller's array) */
    long *cam_n_obs;        /* [C] (caller's array) */
    double *resid;          /* [n][2] observed - projected, px; NaN when not used (caller's) */
    long n_views;           /* (frame, camera) views used */
    size_t n_frames;        /* frames in the adjustment */
    long ref_frame;         /* the file's frame number whose board defines the world */
    int iterations;
} kc_board_report;

/* Calibrate the cameras cams[C] (in: name, image size, and with fix_intrinsics K and
 * distortion; out: everything) from d. usable[C] out: 1 if the camera was calibrated (it
 * shares board frames with the rig), else 0 (its status "excluded"). World frame: the board
 * of the frame seen by the most cameras (earliest on a tie) — X, Y along the board's axes,
 * Z its normal, origin its corner (0,0). Returns KC_OK, KC_EINVAL (too few views or cameras;
 * logged), KC_ENOMEM or KC_ENUMERIC (no convergence). */
int kc_board_calibrate(const kc_board_params *p, const kc_board_data *d, kc_camera *cams,
                       uint8_t *usable, kc_board_report *rep) KC_RESULT_USED;

/* ---- helpers shared with points.c ------------------------------------------------------- */
typedef int (*kc_resid_fn)(const gsl_vector *x, void *data, gsl_vector *f);
/* Minimise sum w_i f_i(x)^2 over x [p] (in/out) with GSL's trust-region Levenberg–Marquardt
 * (central-difference Jacobian); wts [n] or NULL. Stopping at max_iter keeps the best point.
 * iters out (may be NULL). KC_OK, KC_ENOMEM or KC_ENUMERIC. */
int kc_calib_lm_solve(size_t n, size_t p, kc_resid_fn f, void *data, double *x,
                      const double *wts, int max_iter, int *iters) KC_RESULT_USED;
/* The rotation nearest to M (row-major) in the Frobenius norm (SVD, det +1). */
int kc_calib_nearest_rotation(const double M[9], kc_mat3 *R) KC_RESULT_USED;

#endif
