/* Time normalisation between two events (see normalize.h). */
#include "kinechain/normalize.h"

#include <math.h>

int kc_normalize_curve(const double *x, size_t F, double rate_hz, double t0, double t1, size_t n,
                       double *out)
{
    if (!isfinite(t0) || !isfinite(t1) || !(t1 > t0) || n < 2 || !(rate_hz > 0))
        return KC_EINVAL;
    for (size_t i = 0; i < n; i++) {
        double t = t0 + (t1 - t0) * (double)i / (double)(n - 1);
        double u = t * rate_hz;
        double *o = out + i * 3;
        o[0] = o[1] = o[2] = NAN;
        if (F == 0 || u < 0 || u > (double)(F - 1))
            continue;
        size_t f = (size_t)floor(u);
        if (f >= F - 1)
            f = F >= 2 ? F - 2 : 0;
        double w = F >= 2 ? u - (double)f : 0.0;
        for (int k = 0; k < 3; k++) {
            double a = x[f * 3 + k], b = F >= 2 ? x[(f + 1) * 3 + k] : a;
            if (isfinite(a) && isfinite(b))
                o[k] = a + w * (b - a);
        }
    }
    return KC_OK;
}
