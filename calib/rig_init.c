/* Initial rig from wand detections: relative poses of camera pairs (relpose.c) chained
 * along the maximum spanning tree of the graph whose edge weights are the frames two cameras
 * share (Prim's algorithm from the gauge camera), each edge's translation scaled so that the
 * triangulated wand has its true length (median over the shared frames). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "kinechain/log.h"

#define MIN_SHARED 30

static int both(const double *det, size_t F, size_t a, size_t b, size_t f)
{
    return isfinite(det[(a * F + f) * 6]) && isfinite(det[(b * F + f) * 6]);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Pose of camera b relative to a (x_b = R x_a + t, t in mm). */
static int edge_pose(const double *det, size_t F, size_t a, size_t b, const kc_camera *cams,
                     const double wand_mm[3], double thresh_px, kc_mat3 *R, kc_vec3 *t,
                     double *inlier_frac)
{
    size_t n = 0;
    for (size_t f = 0; f < F; f++)
        n += both(det, F, a, b, f);
    double *x1 = malloc(n * 6 * sizeof *x1), *x2 = malloc(n * 6 * sizeof *x2);
    double *len = malloc(n * sizeof *len);
    int st = KC_ENOMEM;
    if (!x1 || !x2 || !len)
        goto done;
    size_t k = 0;
    for (size_t f = 0; f < F; f++) {
        if (!both(det, F, a, b, f))
            continue;
        for (int m = 0; m < 3; m++) {
            const double *ua = det + (a * F + f) * 6 + 2 * m, *ub = det + (b * F + f) * 6 + 2 * m;
            x1[2 * k] = (ua[0] - cams[a].cx) / cams[a].fx;
            x1[2 * k + 1] = (ua[1] - cams[a].cy) / cams[a].fy;
            x2[2 * k] = (ub[0] - cams[b].cx) / cams[b].fx;
            x2[2 * k + 1] = (ub[1] - cams[b].cy) / cams[b].fy;
            k++;
        }
    }
    size_t ni = 0;
    double thresh = thresh_px / cams[a].fx;
    if ((st = kc_relpose_essential(x1, x2, k, thresh, (unsigned)(1 + a * 131 + b), R, t, &ni)))
        goto done;
    *inlier_frac = (double)ni / (double)k;
    /* fewer than half the wand points agree: not a pose to build on */
    st = KC_ENUMERIC;
    if (2 * ni < k)
        goto done;
    kc_mat3 Rp[2] = {kc_m3_identity(), *R};
    kc_vec3 tp[2] = {kc_v3(0, 0, 0), *t};
    size_t nl = 0;
    for (size_t q = 0; q + 2 < k; q += 3) {
        kc_vec3 X[3];
        for (int m = 0; m < 3; m++) {
            double xn[4] = {x1[2 * (q + (size_t)m)], x1[2 * (q + (size_t)m) + 1],
                            x2[2 * (q + (size_t)m)], x2[2 * (q + (size_t)m) + 1]};
            X[m] = kc_triangulate_linear(Rp, tp, xn, 2);
        }
        double d = kc_v3_norm(kc_v3_sub(X[2], X[0]));
        if (isfinite(d) && d > 0)
            len[nl++] = d;
    }
    st = KC_ENUMERIC;
    if (nl < 10)
        goto done;
    qsort(len, nl, sizeof *len, compare_double);
    double scale = (wand_mm[2] - wand_mm[0]) / len[nl / 2];
    *t = kc_v3_scale(*t, scale);
    KC_DEBUG("edge %s -> %s: %zu of %zu inliers, baseline %.0f mm", cams[a].name,
             cams[b].name, ni, k, kc_v3_norm(*t));
    st = KC_OK;
done:
    free(x1);
    free(x2);
    free(len);
    return st;
}

int kc_rig_init(const double *det, size_t C, size_t F, const double wand_mm[3],
                double focal_px, kc_camera *cams, uint8_t *usable, int *root)
{
    long *shared = calloc(C * C, sizeof *shared);
    long *ndet = calloc(C, sizeof *ndet);
    uint8_t *done = calloc(C, 1);
    int st = KC_ENOMEM;
    if (!shared || !ndet || !done)
        goto out;
    for (size_t c = 0; c < C; c++) {
        cams[c].fx = cams[c].fy = focal_px > 0 ? focal_px : (double)cams[c].width;
        cams[c].cx = 0.5 * (cams[c].width - 1);
        cams[c].cy = 0.5 * (cams[c].height - 1);
        cams[c].k1 = cams[c].k2 = cams[c].p1 = cams[c].p2 = cams[c].k3 = 0;
        cams[c].R = kc_m3_identity();
        cams[c].t = kc_v3(0, 0, 0);
        usable[c] = 0;
        for (size_t f = 0; f < F; f++)
            ndet[c] += isfinite(det[(c * F + f) * 6]);
    }
    for (size_t a = 0; a < C; a++)
        for (size_t b = a + 1; b < C; b++) {
            long n = 0;
            for (size_t f = 0; f < F; f++)
                n += both(det, F, a, b, f);
            shared[a * C + b] = shared[b * C + a] = n;
        }
    *root = -1;
    for (size_t c = 0; c < C && *root < 0; c++)
        if (ndet[c] >= MIN_SHARED)
            *root = (int)c;
    st = KC_ENUMERIC;
    if (*root < 0) {
        KC_DEBUG("no camera sees the wand in %d frames or more", MIN_SHARED);
        goto out;
    }
    done[*root] = 1;
    usable[*root] = 1;
    size_t n_done = 1;
    for (;;) {
        long best = MIN_SHARED - 1;
        size_t bp = 0, bc = 0;
        for (size_t p = 0; p < C; p++)
            if (usable[p])
                for (size_t c = 0; c < C; c++)
                    if (!done[c] && shared[p * C + c] > best) {
                        best = shared[p * C + c];
                        bp = p;
                        bc = c;
                    }
        if (best < MIN_SHARED)
            break;
        kc_mat3 R;
        kc_vec3 t;
        double frac;
        /* 12 px: generous, the distortion is not yet known; the bundle adjustment does the
         * rest */
        int e = edge_pose(det, F, bp, bc, cams, wand_mm, 12.0, &R, &t, &frac);
        if (e == KC_ENOMEM) {
            st = e;
            goto out;
        }
        if (e) {
            KC_DEBUG("camera \"%s\": no relative pose from the %ld frames it shares with "
                     "\"%s\"", cams[bc].name, best, cams[bp].name);
            shared[bp * C + bc] = shared[bc * C + bp] = 0;   /* try another parent */
            continue;
        }
        done[bc] = 1;
        cams[bc].R = kc_m3_mul(R, cams[bp].R);
        cams[bc].t = kc_v3_add(kc_m3_apply(R, cams[bp].t), t);
        usable[bc] = 1;
        n_done++;
    }
    st = KC_OK;
    if (n_done < 2) {
        KC_DEBUG("fewer than two cameras share %d wand frames", MIN_SHARED);
        st = KC_ENUMERIC;
    }
out:
    free(shared);
    free(ndet);
    free(done);
    return st;
}
