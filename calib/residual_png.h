/* kinechain calibration stage — the residual figure written beside every calibration
 * (private interface of calib/; see residual_png.c). */
#ifndef KC_RESIDUAL_PNG_H
#define KC_RESIDUAL_PNG_H

#include <stddef.h>
#include "kinechain/calibfile.h"
#include "kinechain/png.h"
#include "kinechain/status.h"

/* A camera's observations: uvr [n][4] = observed u, v (px) and the residual du, dv =
 * observed - projected (px; NaN when the model gives no prediction, drawn as a grey dot). */
typedef struct kc_calib_resid {
    size_t n;
    double *uvr;
} kc_calib_resid;

/* Draw one panel per camera of cal (name, status, rms_px, n_obs, image size from cal) with
 * res[c] and write it atomically to path as an 8-bit RGB PNG with n_text (<= 16) tEXt
 * chunks. Returns KC_OK, KC_EINVAL, KC_ENOMEM or KC_EIO (logged naming path). */
int kc_calib_residual_png(const char *path, const kc_calib *cal, const kc_calib_resid *res,
                          const char *title, const kc_png_text *text, size_t n_text)
    KC_RESULT_USED;

/* The figure's default name: OUT.calib.h5 -> OUT.residuals.png (else OUT + ".residuals.png").
 * malloc'd; NULL on ENOMEM. */
char *kc_calib_residual_png_name(const char *calib_path);

#endif
