/* kinechain — time normalisation of a curve between two events (0..100 % in
 * KC_NORM_POINTS = 101 points, kinfile.h).
 */
#ifndef KINECHAIN_NORMALIZE_H
#define KINECHAIN_NORMALIZE_H

#include <stddef.h>
#include "kinechain/status.h"

/* Resample x[F,3] (rate Hz, time of frame f = f / rate) at n equally spaced times from t0 to
 * t1 (s, sub-frame allowed; t1 > t0) by linear interpolation between the bracketing frames,
 * into out[n,3]. A point whose bracketing frames are not finite, or that falls outside
 * [0, F-1], is NaN. KC_EINVAL when t0, t1 are not finite, t1 <= t0 or n < 2. */
int kc_normalize_curve(const double *x, size_t F, double rate_hz, double t0, double t1, size_t n,
                       double *out) KC_RESULT_USED;

#endif
