/* kinechain — multi-view triangulation of labelled 2D observations.
 *
 * One marker in one frame, seen by n calibrated cameras (camera.h), becomes one 3D point:
 *   1. every observation is undistorted (kc_camera_undistort) to normalised coordinates;
 *   2. consensus: hypotheses are two-view solutions from a fixed, deterministic sequence of
 *      camera pairs (at most max_hypotheses of them, so the cost is O(max_hypotheses · n),
 *      not exponential in n); each hypothesis is scored by the cameras whose reprojection
 *      error is within 2·outlier_px; the sequence stops as soon as a hypothesis agrees with
 *      every camera;
 *   3. the linear (DLT, SVD) solution of the best consensus set, then Gauss–Newton
 *      (Levenberg-damped) on the weighted reprojection error — the maximum-likelihood
 *      estimate under independent Gaussian pixel noise of variance σ²/w per camera;
 *   4. final set: cameras whose reprojection error at the refined point is ≤ outlier_px
 *      (re-admitting consensus rejects that now agree), refined again if the set changed.
 * A point with fewer than min_cameras agreeing cameras is NaN; in particular two cameras
 * whose rays disagree (reprojection error > outlier_px) give NaN. So is an ambiguous point:
 * two different camera sets of the largest agreeing size that do not share two cameras
 * (e.g. three views, one of them grossly wrong but along the epipolar line of another:
 * two pairs agree, and geometry alone cannot tell which is right). And with three or more
 * views the agreeing set must be a strict majority of them: when only half agree (two of
 * four), nothing tells which half saw the marker, and the point is NaN. With weights (a pose
 * estimator's confidences) the majority is of the weights: two confident views that agree
 * outweigh two doubtful ones that do not (the estimator's guesses at an occluded joint);
 * with unit weights this is the majority of cameras. Measured on the Pose2Sim demo (4
 * cameras, OpenPose BODY_25B): 96% of the detections Pose2Sim triangulates, was 90%.
 *
 * Workspaces: kc_tri_ws_alloc(max_cameras) once per thread; the functions have no other
 * state, so results do not depend on how work is split among threads.
 */
#ifndef KINECHAIN_TRIANGULATE_H
#define KINECHAIN_TRIANGULATE_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/camera.h"
#include "kinechain/status.h"

typedef struct kc_tri_params {
    int min_cameras;        /* cameras that must agree on a point, >= 2 (default 2) */
    double outlier_px;      /* a camera whose reprojection error exceeds this is excluded,
                               px, > 0 (default 4: > 13σ at 0.3 px noise, far below the
                               smallest gross error worth excluding) */
    int max_hypotheses;     /* two-view hypotheses tried at most, >= 1 (default 24) */
    int max_iter;           /* Gauss–Newton iterations, >= 1 (default 20) */
    double tol_mm;          /* stop when a step is shorter than this, mm, > 0 (1e-9) */
} kc_tri_params;

kc_tri_params kc_tri_default_params(void);
/* KC_OK, or KC_EINVAL (logged, naming the field) if a field is out of range. */
int kc_tri_check_params(const kc_tri_params *p) KC_RESULT_USED;

typedef struct kc_tri_ws kc_tri_ws;
/* Workspace for points seen by up to max_cameras cameras (>= 2). NULL on ENOMEM/EINVAL. */
kc_tri_ws *kc_tri_ws_alloc(size_t max_cameras);
void kc_tri_ws_free(kc_tri_ws *ws);   /* NULL ok */

/* The result for one point. */
typedef struct kc_tri_result {
    double X[3];          /* mm, world; NaN when not triangulated */
    double residual_px;   /* RMS reprojection error over the cameras used, px; NaN if none */
    int n_seen;           /* cameras with a finite observation (and weight > 0) */
    int n_used;           /* cameras used in the final solution (0 when X is NaN) */
} kc_tri_result;

/* Triangulate one point.
 *   cams     [n] cameras (each passing kc_camera_check)
 *   uv       [n][2] px, stride uv_stride doubles between cameras (2 for a packed array);
 *            NaN = not seen
 *   w        [n] weights in [0,1] with stride w_stride, or NULL (all 1); w = 0 = not seen
 *   used     [n] out: 1 if camera i is in the final solution, else 0 (may be NULL)
 * n must be <= the workspace's max_cameras. Returns KC_OK (also when the point is NaN for
 * lack of agreeing cameras: out->X NaN), KC_EINVAL for bad arguments. */
int kc_tri_point(const kc_tri_params *p, kc_tri_ws *ws, const kc_camera *cams, size_t n,
                 const double *uv, size_t uv_stride, const double *w, size_t w_stride,
                 uint8_t *used, kc_tri_result *out) KC_RESULT_USED;

/* Triangulate every marker of every frame of a labelled observation array.
 *   points   [C,F,M,2] px (obsfile.h layout), weights [C,F,M] or NULL
 *   position [F,M,3] mm out; residual [F,M] px out; n_seen [F,M] out (capped at 254);
 *   camera_used [F,M,C] out (1/0)
 * Parallel over frames with OpenMP (one workspace per thread, allocated before the
 * region); results are identical at any thread count. Returns KC_OK, KC_EINVAL (bad
 * params, C < 2), KC_ENOMEM. */
int kc_tri_all(const kc_tri_params *p, const kc_camera *cams, size_t C, size_t F, size_t M,
               const double *points, const double *weights, double *position,
               double *residual, uint8_t *n_seen, uint8_t *camera_used) KC_RESULT_USED;

#endif
