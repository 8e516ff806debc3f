/* kinechain — the camera model (the same parameters and equations as OpenCV's pinhole model
 * with Brown–Conrady distortion, so numbers compare directly with OpenCV, anipose, Pose2Sim).
 *
 *   x_c = R·X + t                       (world mm -> camera mm)
 *   (x, y) = (x_c/z_c, y_c/z_c)          normalised coordinates
 *   r² = x² + y²
 *   x' = x·(1 + k1 r² + k2 r⁴ + k3 r⁶) + 2 p1 x y + p2 (r² + 2x²)
 *   y' = y·(1 + k1 r² + k2 r⁴ + k3 r⁶) + p1 (r² + 2y²) + 2 p2 x y
 *   u = fx x' + cx ,  v = fy y' + cy    (pixels; the centre of the top-left pixel is (0,0))
 *
 * Camera parameter vector (KC_CAM_NPARAM = 15), the order used by Jacobians and by the
 * bundle adjuster: [fx, fy, cx, cy, k1, k2, p1, p2, k3, rx, ry, rz, tx, ty, tz] with
 * (rx, ry, rz) the Rodrigues vector of R (radians) and t in mm.
 */
#ifndef KINECHAIN_CAMERA_H
#define KINECHAIN_CAMERA_H

#include <stdbool.h>
#include "kinechain/linalg.h"
#include "kinechain/status.h"

#define KC_CAM_NPARAM 15
#define KC_CAM_NAME_MAX 64

typedef struct kc_camera {
    char name[KC_CAM_NAME_MAX];
    double fx, fy, cx, cy;          /* px */
    double k1, k2, p1, p2, k3;      /* OpenCV order */
    kc_mat3 R;                      /* world -> camera rotation */
    kc_vec3 t;                      /* mm */
    int width, height;              /* image_size = [width, height], px */
} kc_camera;

/* Check a camera for use: finite values, fx, fy > 0, R orthonormal with det +1 (to 1e-6),
 * image size positive. Returns KC_OK or KC_EINVAL (not logged: the caller names the file). */
int kc_camera_check(const kc_camera *cam);

/* The camera centre in world coordinates (mm): -Rᵀt. */
kc_vec3 kc_camera_centre(const kc_camera *cam);

/* Project world point X (mm) to pixels. Returns false (and leaves uv untouched) when the
 * point is not in front of the camera (z_c <= 0). Points outside the image are still
 * projected; test with kc_camera_in_image. */
bool kc_camera_project(const kc_camera *cam, kc_vec3 X, double uv[2]);

/* Projection with Jacobians. J_point (2x3, row-major) = d(u,v)/dX; J_cam (2x15, row-major)
 * = d(u,v)/d(parameter vector above), the rotation columns taken at the Rodrigues vector
 * kc_m3_to_rodrigues(cam->R). uv and either Jacobian may be NULL. Returns false (outputs
 * untouched) behind the camera; uv is bit-identical to kc_camera_project's. */
bool kc_camera_project_jac(const kc_camera *cam, kc_vec3 X, double uv[2], double J_point[6],
                           double J_cam[2 * KC_CAM_NPARAM]);

/* Apply only the distortion to normalised coordinates (x, y) -> (x', y'). */
void kc_camera_distort(const kc_camera *cam, const double xn[2], double xd[2]);

/* Undistort pixel uv to normalised undistorted coordinates xn (the inverse of the model
 * without the extrinsics), by Newton iteration on the distortion function, converged until
 * re-distorting xn reproduces uv within 1e-6 px. The answer is always on the calibrated
 * branch of the distortion: Jacobian determinant > 0 at xn, and the radial profile
 * r·(1 + k1 r² + k2 r⁴ + k3 r⁶) increasing from the centre out to |xn|. Returns KC_OK, or
 * KC_ENUMERIC where the distortion is not invertible there (no convergence in 50 iterations,
 * or only preimages past a fold of the distortion map) with xn set to NaN, or KC_EINVAL
 * for a NULL argument. */
int kc_camera_undistort(const kc_camera *cam, const double uv[2], double xn[2]) KC_RESULT_USED;

/* The ray of pixel uv: origin = camera centre, dir = unit direction in world coordinates.
 * Returns what kc_camera_undistort returns (origin and dir set to NaN on failure). */
int kc_camera_ray(const kc_camera *cam, const double uv[2], kc_vec3 *origin, kc_vec3 *dir)
    KC_RESULT_USED;

/* Is uv inside the image (with a margin in px; u in [-0.5+m, width-0.5-m])? */
bool kc_camera_in_image(const kc_camera *cam, const double uv[2], double margin);

/* Parameter vector <-> camera (name and image size untouched by from_params). */
void kc_camera_to_params(const kc_camera *cam, double p[KC_CAM_NPARAM]);
void kc_camera_from_params(kc_camera *cam, const double p[KC_CAM_NPARAM]);

/* 3x4 projection matrix P = K[R|t] (ignores distortion), row-major. */
void kc_camera_projection_matrix(const kc_camera *cam, double P[12]);

#endif
