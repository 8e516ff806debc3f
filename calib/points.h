/* kinechain calibration stage — control-point calibration (private interface of calib/; the
 * command is `kc-calib points`). See points.c for the method. */
#ifndef KC_POINTS_H
#define KC_POINTS_H

#include <stddef.h>
#include "kinechain/camera.h"
#include "kinechain/status.h"

/* Calibrate one camera from n >= 6 non-coplanar control points X [n][3] (mm, world) seen at
 * uv [n][2] (px). cam: in name and image size; out every parameter (k1, k2 only when n >= 8;
 * p1 = p2 = k3 = 0). rms_px out: per coordinate. Returns KC_OK, KC_EINVAL (fewer than 6
 * points, or coplanar ones), KC_ENOMEM or KC_ENUMERIC. Not logged: the caller names the
 * camera and the file. */
int kc_points_calibrate_camera(kc_camera *cam, const double *X, const double *uv, size_t n,
                               double *rms_px) KC_RESULT_USED;

#endif
