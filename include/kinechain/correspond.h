/* kinechain — multi-view correspondence of unlabelled blobs (centroids) in one frame.
 *
 * Anonymous 2D blobs of C calibrated cameras become 3D points, each blob used at most once:
 *   1. every blob is undistorted (kc_camera_undistort) to normalised coordinates;
 *   2. seeds: for each camera pair (a, b), every blob j of b within epipolar_px of the
 *      epipolar line of a blob i of a (distance measured in b, in pixels through b's focal
 *      length) — in front of both cameras — is a seed. Bucketing keeps this from being
 *      n_a·n_b: b's blobs are binned by the angle of the line joining them to the epipole
 *      (every epipolar line passes through it), so a query reads the few bins within
 *      asin(epipolar_px / epipole_radius_px) of the line's angle plus the blobs nearer than
 *      epipole_radius_px to the epipole; a pair whose epipole is at infinity is checked in
 *      full. A seed whose two blobs already belong together to a candidate is skipped;
 *   3. growth: the seed's two-view point is projected into every other camera and the
 *      nearest blob within reproj_px joins (pixel grid of cells, one per camera); the point
 *      is refined with kc_tri_point (robust, maximum likelihood) and grown once more;
 *   4. greedy selection by support (cameras) then residual: a candidate whose blobs are all
 *      free is taken; one that lost blobs to a better candidate is re-triangulated from the
 *      free ones and taken if it still has min_cameras and residual <= max_residual_px;
 *   5. ghost rejection: a point must be supported by min_cameras cameras (default 3) and
 *      agree with all of them within max_residual_px: a false match (ghost) of two blobs
 *      along an epipolar line is rarely confirmed by a third camera. With two_view set,
 *      a second pass then pairs the blobs still free into two-camera points (n_cameras ==
 *      2): these cannot be checked by geometry, only by continuity in time, and are
 *      returned for a tracker to confirm (track3d.h) or drop.
 * Workspaces: kc_corr_ws_alloc once per thread; no other state, so results do not depend
 * on how work is split among threads.
 */
#ifndef KINECHAIN_CORRESPOND_H
#define KINECHAIN_CORRESPOND_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/camera.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"

typedef struct kc_corr_params {
    double epipolar_px;       /* seed: distance of a blob from the epipolar line, px, > 0
                                 (default 2: > 4σ of the distance at 0.3 px noise) */
    double reproj_px;         /* growth: a blob joins when this close to the projection,
                                 and the robust triangulation excludes a camera farther
                                 than this, px, > 0 (default 1.5: 5σ at 0.3 px noise; at
                                 3 px, blobs of a neighbouring marker joined points) */
    double max_residual_px;   /* RMS reprojection error of an accepted point, px, > 0
                                 (default 1.0) */
    int min_cameras;          /* support of an accepted point, >= 2 (default 3) */
    int two_view;             /* 1: also return two-camera points (n_cameras == 2) found
                                 after all better ones (default 1) */
    double epipole_radius_px; /* blobs nearer the epipole are always checked, px, > 0
                                 (default 40) */
    int angle_bins;           /* bins over [0, pi) of the epipolar-line angle, >= 1
                                 (default 64) */
    double cell_px;           /* pixel grid cell for growth look-ups, px, >= reproj_px
                                 (default 32) */
} kc_corr_params;

kc_corr_params kc_corr_default_params(void);
/* KC_OK, or KC_EINVAL (logged, naming the field). */
int kc_corr_check_params(const kc_corr_params *p) KC_RESULT_USED;

typedef struct kc_corr_ws kc_corr_ws;
/* Workspace for C cameras (>= 2); grows with the blobs it meets. NULL on ENOMEM/EINVAL. */
kc_corr_ws *kc_corr_ws_alloc(size_t C);
void kc_corr_ws_free(kc_corr_ws *ws);   /* NULL ok */

/* One 3D point of a frame. */
typedef struct kc_corr_point {
    double X[3];          /* mm, world */
    double residual_px;   /* RMS reprojection error over its cameras, px */
    int n_cameras;        /* cameras supporting it (>= 2) */
} kc_corr_point;

/* Points of one frame.
 *   xy[c]    [n[c]][2] px, camera c's blobs in this frame
 *   out      [max_out] points out; blob [max_out][C] out: the blob index (into xy[c]) of
 *            camera c used by each point, -1 for none
 *   n_out    points found (at most max_out; more are dropped with KC_OK and a warning
 *            count in *n_dropped, which may be NULL)
 * Returns KC_OK, KC_EINVAL, KC_ENOMEM. */
int kc_corr_frame(const kc_corr_params *p, kc_corr_ws *ws, const kc_camera *cams, size_t C,
                  const double *const *xy, const size_t *n, kc_corr_point *out,
                  int32_t *blob, size_t max_out, size_t *n_out, size_t *n_dropped)
    KC_RESULT_USED;

/* Points of every frame of an observation's centroids (cen[C], CSR by frame, F frames),
 * CSR by frame: frame f's points are (*pts)[off[f] .. off[f+1]-1], blob indices in
 * (*blob)[k·C + c] are global row indices of cen[c].xy (-1 none). Parallel over frames
 * (OpenMP, one workspace per thread); identical results at any thread count. The caller
 * frees *pts, *blob, *off. Returns KC_OK, KC_EINVAL, KC_ENOMEM. */
int kc_corr_all(const kc_corr_params *p, const kc_camera *cams, size_t C, size_t F,
                const kc_centroids *cen, kc_corr_point **pts, int32_t **blob,
                int64_t **off) KC_RESULT_USED;

#endif
