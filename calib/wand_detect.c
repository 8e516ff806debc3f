/* Wand detection in unlabelled centroids: three collinear blobs whose spacing ratio matches
 * the wand's. Under perspective the ratio of three collinear points is not invariant (the
 * cross-ratio needs four), but for a wand much shorter than its distance to the camera the
 * projected ratio stays within a few hundredths of the metric one (first order:
 * Δr ≈ r(1−r)·Δz/z), so a tolerance on the projected ratio is used. A frame with two
 * different candidate wands is rejected rather than guessed. */
#include <math.h>
#include <string.h>

#include "calib.h"
#include "kinechain/log.h"

kc_wand_params kc_wand_default_params(void)
{
    kc_wand_params p = {{0, 150, 500}, 0.06, 2.0, 0.01, 15.0, 40};
    return p;
}

typedef struct cand {
    int i, j, k;     /* blobs of markers 0, 1, 2 */
    double score;
} cand;

static void detect_frame(const kc_wand_params *p, double r, const double *xy, int n,
                         double *out, kc_wand_stats *st)
{
    cand best = {-1, -1, -1, INFINITY}, second = {-1, -1, -1, INFINITY};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            if (k == i)
                continue;
            double ex = xy[2 * k] - xy[2 * i], ey = xy[2 * k + 1] - xy[2 * i + 1];
            double L2 = ex * ex + ey * ey, L = sqrt(L2);
            if (L < p->min_len_px)
                continue;
            double ltol = fmax(p->line_tol_px, p->line_tol_rel * L);
            for (int j = 0; j < n; j++) {
                if (j == i || j == k)
                    continue;
                double ax = xy[2 * j] - xy[2 * i], ay = xy[2 * j + 1] - xy[2 * i + 1];
                double tt = (ax * ex + ay * ey) / L2;
                double d = fabs(ax * ey - ay * ex) / L;
                if (d > ltol || fabs(tt - r) > p->ratio_tol)
                    continue;
                double s = fabs(tt - r) / p->ratio_tol + d / ltol;
                if (s < best.score) {
                    second = best;
                    best = (cand){i, j, k, s};
                } else if (s < second.score) {
                    second = (cand){i, j, k, s};
                }
            }
        }
    if (best.i < 0)
        return;
    /* a second candidate made of other blobs is a different wand hypothesis: ambiguous */
    if (second.i >= 0 && !(second.j == best.j && ((second.i == best.i && second.k == best.k) ||
                                                (second.i == best.k && second.k == best.i)))) {
        st->ambiguous++;
        return;
    }
    int idx[3] = {best.i, best.j, best.k};
    for (int m = 0; m < 3; m++) {
        out[2 * m] = xy[2 * idx[m]];
        out[2 * m + 1] = xy[2 * idx[m] + 1];
    }
    st->detected++;
}

int kc_wand_detect(const kc_wand_params *p, const kc_obs *obs, double *det,
                   kc_wand_stats *stats)
{
    size_t C = obs->n_cameras, F = obs->n_frames;
    double r = (p->wand_mm[1] - p->wand_mm[0]) / (p->wand_mm[2] - p->wand_mm[0]);
    for (size_t i = 0; i < C * F * 6; i++)
        det[i] = NAN;
    for (size_t c = 0; c < C; c++) {
        const kc_centroids *ce = &obs->centroids[c];
        memset(&stats[c], 0, sizeof stats[c]);
        for (size_t i = 0; i < 2 * ce->n; i++)
            if (!isfinite(ce->xy[i])) {
                KC_ERROR("camera \"%s\": centroid %zu is not finite", obs->camera_names[c],
                         i / 2);
                return KC_EINVAL;
            }
        for (size_t f = 0; f < F; f++) {
            int64_t a = ce->offsets[f], b = ce->offsets[f + 1];
            int n = (int)(b - a);
            if (n < 3)
                continue;
            stats[c].frames_with_blobs++;
            if (n > p->max_blobs)
                continue;
            detect_frame(p, r, ce->xy + 2 * a, n, det + (c * F + f) * 6, &stats[c]);
        }
    }
    return KC_OK;
}
