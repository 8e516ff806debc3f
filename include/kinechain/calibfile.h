/* kinechain — calibration files (*.calib.h5, kind "calibration").
 * /camera_names str[C]; /cameras/<name>/K [3,3] px, dist [5] (k1,k2,p1,p2,k3), R [3,3],
 * t [3] mm, image_size int32[2] (width, height); attributes rms_px, n_obs, status ("ok" or
 * "excluded"); optional covariance [15,15] (camera parameter order of camera.h).
 * Root attributes: method, rms_px, wand_length_rms_mm (NaN when not a wand calibration).
 */
#ifndef KINECHAIN_CALIBFILE_H
#define KINECHAIN_CALIBFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "kinechain/camera.h"
#include "kinechain/h5io.h"

typedef struct kc_calib_camera {
    kc_camera cam;
    double rms_px;          /* reprojection RMS, px (NaN if unknown) */
    long n_obs;             /* observations used (0 if unknown) */
    bool excluded;          /* status "excluded" */
    double *covariance;     /* [15,15] or NULL */
} kc_calib_camera;

typedef struct kc_calib {
    size_t n_cameras;
    kc_calib_camera *cameras;
    char method[64];             /* "synthetic-truth", "wand", "dlt", "import:toml", ... */
    double rms_px;               /* overall RMS, px (NaN if unknown) */
    double wand_length_rms_mm;   /* NaN if not applicable */
} kc_calib;

/* A calibration with n cameras, all fields zero/NaN. NULL on ENOMEM. */
kc_calib *kc_calib_alloc(size_t n_cameras);
void kc_calib_free(kc_calib *c);   /* NULL ok */

/* Write atomically to path. */
int kc_calib_write(const char *path, const kc_calib *c, const kc_provenance *prov) KC_RESULT_USED;
/* Read and check: every camera passes kc_camera_check (else KC_EINVAL, logged naming the
 * camera and the file), names unique and non-empty. */
int kc_calib_read(const char *path, kc_calib **out) KC_RESULT_USED;

/* Index of the camera named name, or -1. */
int kc_calib_find(const kc_calib *c, const char *name);

#endif
