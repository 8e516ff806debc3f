/* World frame from the L-frame: its markers are found in the unlabelled centroids by
 * triangulating every pair of blobs of every pair of cameras, keeping the points that other
 * cameras confirm, clustering them over the (static) capture, and matching the clusters to
 * the L-frame's geometry by their pairwise distances (every ordered choice of clusters is
 * tried); each matched marker is then averaged over every frame of the capture. The rigid
 * transform is the least-squares fit of the matched markers to the geometry (Kabsch 1976,
 * via GSL's SVD). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "calib.h"
#include "kinechain/log.h"
#include "kinechain/triangulate.h"

#define CONFIRM_PX 3.0
#define MERGE_MM 10.0
#define MAX_CLUSTERS 64

void kc_calib_transform_camera(kc_camera *cam, kc_mat3 A, kc_vec3 b)
{
    /* X_old = Aᵀ(X - b): x_c = R Aᵀ X + (t − R Aᵀ b) */
    kc_mat3 RAt = kc_m3_mul(cam->R, kc_m3_transpose(A));
    cam->t = kc_v3_sub(cam->t, kc_m3_apply(RAt, b));
    cam->R = RAt;
}

typedef struct cluster {
    kc_vec3 sum;
    long n;
} cluster;

/* Points of one frame confirmed by at least three cameras. */
static size_t frame_points(const kc_obs *obs, size_t f, const kc_camera *cams,
                           const uint8_t *usable, kc_tri_ws *ws, kc_vec3 *pts, size_t max)
{
    size_t C = obs->n_cameras, np = 0;
    const kc_tri_params tp = kc_tri_default_params();
    double *uv = malloc(C * 2 * sizeof *uv);
    if (!uv)
        return 0;
    for (size_t a = 0; a < C; a++) {
        if (!usable[a])
            continue;
        const kc_centroids *ca = &obs->centroids[a];
        for (int64_t i = ca->offsets[f]; i < ca->offsets[f + 1]; i++)
            for (size_t b2 = a + 1; b2 < C; b2++) {
                if (!usable[b2])
                    continue;
                const kc_centroids *cb = &obs->centroids[b2];
                for (int64_t j = cb->offsets[f]; j < cb->offsets[f + 1]; j++) {
                    kc_camera pair[2] = {cams[a], cams[b2]};
                    double u2[4] = {ca->xy[2 * i], ca->xy[2 * i + 1], cb->xy[2 * j],
                                    cb->xy[2 * j + 1]};
                    kc_tri_result r;
                    if (kc_tri_point(&tp, ws, pair, 2, u2, 2, NULL, 0, NULL, &r) ||
                        !isfinite(r.X[0]) || r.residual_px > CONFIRM_PX)
                        continue;
                    /* gather the nearest blob of every camera */
                    int seen = 0;
                    for (size_t c = 0; c < C; c++) {
                        uv[2 * c] = uv[2 * c + 1] = NAN;
                        double p[2];
                        if (!usable[c] ||
                            !kc_camera_project(&cams[c], kc_v3(r.X[0], r.X[1], r.X[2]), p))
                            continue;
                        double best = CONFIRM_PX;
                        const kc_centroids *cc = &obs->centroids[c];
                        for (int64_t k = cc->offsets[f]; k < cc->offsets[f + 1]; k++) {
                            double d = hypot(cc->xy[2 * k] - p[0], cc->xy[2 * k + 1] - p[1]);
                            if (d < best) {
                                best = d;
                                uv[2 * c] = cc->xy[2 * k];
                                uv[2 * c + 1] = cc->xy[2 * k + 1];
                            }
                        }
                        seen += isfinite(uv[2 * c]);
                    }
                    if (seen < 3)
                        continue;
                    if (kc_tri_point(&tp, ws, cams, C, uv, 2, NULL, 0, NULL, &r) ||
                        !isfinite(r.X[0]))
                        continue;
                    kc_vec3 X = kc_v3(r.X[0], r.X[1], r.X[2]);
                    int dup = 0;
                    for (size_t q = 0; q < np && !dup; q++)
                        dup = kc_v3_norm(kc_v3_sub(pts[q], X)) < MERGE_MM;
                    if (!dup && np < max)
                        pts[np++] = X;
                }
            }
    }
    free(uv);
    return np;
}

/* A static marker found at X refined over every frame of the capture (the clustering looks
 * at about 40 frames only, whose noise would stay in the world frame: ~0.1 mm and ~0.01 deg
 * with a perfect rig): in each frame the blob nearest to X's projection in every camera
 * (within CONFIRM_PX), triangulated when three cameras or more have one and the fit is
 * within CONFIRM_PX; X becomes the mean over those frames. X is left as it was when no frame
 * qualifies. */
static int refine_static(const kc_obs *obs, const kc_camera *cams, const uint8_t *usable,
                         kc_vec3 *X)
{
    size_t F = obs->n_frames, C = obs->n_cameras;
    const kc_tri_params tp = kc_tri_default_params();
    kc_tri_ws *ws = kc_tri_ws_alloc(C < 2 ? 2 : C);
    double *proj = malloc(C * 2 * sizeof *proj), *uv = malloc(C * 2 * sizeof *uv);
    int st = KC_ENOMEM;
    if (!ws || !proj || !uv)
        goto out;
    for (size_t c = 0; c < C; c++)
        if (!usable[c] || !kc_camera_project(&cams[c], *X, proj + 2 * c))
            proj[2 * c] = proj[2 * c + 1] = NAN;
    kc_vec3 sum = kc_v3(0, 0, 0);
    long n = 0;
    for (size_t f = 0; f < F; f++) {
        int seen = 0;
        for (size_t c = 0; c < C; c++) {
            uv[2 * c] = uv[2 * c + 1] = NAN;
            if (!isfinite(proj[2 * c]))
                continue;
            double best = CONFIRM_PX;
            const kc_centroids *cc = &obs->centroids[c];
            for (int64_t k = cc->offsets[f]; k < cc->offsets[f + 1]; k++) {
                double d = hypot(cc->xy[2 * k] - proj[2 * c], cc->xy[2 * k + 1] - proj[2 * c + 1]);
                if (d < best) {
                    best = d;
                    uv[2 * c] = cc->xy[2 * k];
                    uv[2 * c + 1] = cc->xy[2 * k + 1];
                }
            }
            seen += isfinite(uv[2 * c]);
        }
        kc_tri_result r;
        if (seen < 3 || kc_tri_point(&tp, ws, cams, C, uv, 2, NULL, 0, NULL, &r) ||
            !isfinite(r.X[0]) || r.residual_px > CONFIRM_PX)
            continue;
        sum = kc_v3_add(sum, kc_v3(r.X[0], r.X[1], r.X[2]));
        n++;
    }
    if (n > 0)
        *X = kc_v3_scale(sum, 1.0 / (double)n);
    st = KC_OK;
out:
    kc_tri_ws_free(ws);
    free(proj);
    free(uv);
    return st;
}

int kc_calib_rigid_fit(const kc_vec3 *P, const kc_vec3 *Q, size_t n, kc_mat3 *A, kc_vec3 *b,
                       double *rms)
{
    /* find A, b minimising Σ|A P_i + b − Q_i|² */
    kc_vec3 mp = kc_v3(0, 0, 0), mq = kc_v3(0, 0, 0);
    for (size_t i = 0; i < n; i++)
        mp = kc_v3_add(mp, P[i]), mq = kc_v3_add(mq, Q[i]);
    mp = kc_v3_scale(mp, 1.0 / (double)n);
    mq = kc_v3_scale(mq, 1.0 / (double)n);
    double H[9] = {0};
    for (size_t i = 0; i < n; i++) {
        kc_vec3 p = kc_v3_sub(P[i], mp), q = kc_v3_sub(Q[i], mq);
        double pv[3] = {p.x, p.y, p.z}, qv[3] = {q.x, q.y, q.z};
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                H[3 * r + c] += pv[r] * qv[c];
    }
    gsl_matrix_view u = gsl_matrix_view_array(H, 3, 3);
    double Vd[9], sd[3], wd[3];
    gsl_matrix_view v = gsl_matrix_view_array(Vd, 3, 3);
    gsl_vector_view s = gsl_vector_view_array(sd, 3), w = gsl_vector_view_array(wd, 3);
    if (gsl_linalg_SV_decomp(&u.matrix, &v.matrix, &s.vector, &w.vector))
        return KC_ENUMERIC;
    /* R = V diag(1,1,d) Uᵀ */
    kc_mat3 Um, Vm;
    for (int i = 0; i < 9; i++) {
        Um.m[i / 3][i % 3] = H[i];
        Vm.m[i / 3][i % 3] = Vd[i];
    }
    kc_mat3 R0 = kc_m3_mul(Vm, kc_m3_transpose(Um));
    double d = R0.m[0][0] * (R0.m[1][1] * R0.m[2][2] - R0.m[1][2] * R0.m[2][1]) -
               R0.m[0][1] * (R0.m[1][0] * R0.m[2][2] - R0.m[1][2] * R0.m[2][0]) +
               R0.m[0][2] * (R0.m[1][0] * R0.m[2][1] - R0.m[1][1] * R0.m[2][0]);
    if (d < 0) {
        for (int i = 0; i < 3; i++)
            Vm.m[i][2] = -Vm.m[i][2];
        R0 = kc_m3_mul(Vm, kc_m3_transpose(Um));
    }
    *A = R0;
    *b = kc_v3_sub(mq, kc_m3_apply(R0, mp));
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        kc_vec3 e = kc_v3_sub(kc_v3_add(kc_m3_apply(R0, P[i]), *b), Q[i]);
        ss += kc_v3_dot(e, e);
    }
    *rms = sqrt(ss / (double)n);
    return KC_OK;
}

int kc_lframe_locate(const kc_obs *obs, const char *path, const kc_camera *cams,
                     const uint8_t *usable, const double *lf_mm, size_t n_lf, kc_mat3 *A,
                     kc_vec3 *b, double *fit_rms_mm)
{
    size_t F = obs->n_frames, C = obs->n_cameras;
    size_t step = F > 40 ? F / 40 : 1, n_used = 0;
    cluster cl[MAX_CLUSTERS];
    size_t ncl = 0;
    kc_vec3 pts[MAX_CLUSTERS];
    kc_tri_ws *ws = kc_tri_ws_alloc(C < 2 ? 2 : C);
    if (!ws)
        return KC_ENOMEM;
    if (!obs->centroids || n_lf < 3 || n_lf > 6) {
        kc_tri_ws_free(ws);
        KC_ERROR("\"%s\" has no unlabelled centroids or the L-frame has %zu markers (3 to 6 "
                 "needed)", path, n_lf);
        return KC_EINVAL;
    }
    for (size_t f = 0; f < F; f += step) {
        size_t n = frame_points(obs, f, cams, usable, ws, pts, MAX_CLUSTERS);
        n_used++;
        for (size_t i = 0; i < n; i++) {
            size_t k;
            for (k = 0; k < ncl; k++) {
                kc_vec3 m = kc_v3_scale(cl[k].sum, 1.0 / (double)cl[k].n);
                if (kc_v3_norm(kc_v3_sub(m, pts[i])) < MERGE_MM)
                    break;
            }
            if (k == ncl) {
                if (ncl == MAX_CLUSTERS)
                    continue;
                cl[ncl].sum = kc_v3(0, 0, 0);
                cl[ncl].n = 0;
                ncl++;
            }
            cl[k].sum = kc_v3_add(cl[k].sum, pts[i]);
            cl[k].n++;
        }
    }
    kc_tri_ws_free(ws);
    /* clusters seen in at least half of the frames looked at */
    kc_vec3 cand[MAX_CLUSTERS];
    size_t nc = 0;
    for (size_t k = 0; k < ncl; k++)
        if (2 * cl[k].n >= (long)n_used)
            cand[nc++] = kc_v3_scale(cl[k].sum, 1.0 / (double)cl[k].n);
    if (nc < n_lf || nc > 12) {
        KC_ERROR("\"%s\": found %zu static points seen by three cameras or more, the L-frame "
                 "has %zu markers", path, nc, n_lf);
        return KC_EINVAL;
    }
    kc_vec3 geo[8];
    for (size_t m = 0; m < n_lf; m++)
        geo[m] = kc_v3(lf_mm[3 * m], lf_mm[3 * m + 1], lf_mm[3 * m + 2]);
    /* every ordered choice of n_lf candidates (nc <= 12, n_lf <= 8 but in practice 4) */
    size_t idx[8] = {0}, best_idx[8];
    double best = INFINITY;
    for (;;) {
        int distinct = 1;
        for (size_t i = 0; i < n_lf && distinct; i++)
            for (size_t j = 0; j < i; j++)
                distinct &= idx[i] != idx[j];
        if (distinct) {
            double ss = 0;
            for (size_t i = 0; i < n_lf; i++)
                for (size_t j = 0; j < i; j++) {
                    double e = kc_v3_norm(kc_v3_sub(cand[idx[i]], cand[idx[j]])) -
                               kc_v3_norm(kc_v3_sub(geo[i], geo[j]));
                    ss += e * e;
                }
            if (ss < best) {
                best = ss;
                memcpy(best_idx, idx, sizeof idx);
            }
        }
        size_t i = 0;
        while (i < n_lf && ++idx[i] == nc)
            idx[i++] = 0;
        if (i == n_lf)
            break;
    }
    kc_vec3 P[8];
    for (size_t i = 0; i < n_lf; i++) {
        P[i] = cand[best_idx[i]];
        int st = refine_static(obs, cams, usable, &P[i]);
        if (st)
            return st;
    }
    double rms;
    if (kc_calib_rigid_fit(P, geo, n_lf, A, b, &rms))
        return KC_ENUMERIC;
    if (rms > 10.0) {
        KC_ERROR("\"%s\": no %zu of the %zu static points match the L-frame's geometry "
                 "(best fit %.1f mm RMS)", path, n_lf, nc, rms);
        return KC_EINVAL;
    }
    *fit_rms_mm = rms;
    return KC_OK;
}

int kc_wand_length_stats(const double *det, size_t C, size_t F, const double wand_mm[3],
                         const kc_camera *cams, const uint8_t *usable, double *rms_mm,
                         double *bias_mm, long *n)
{
    kc_tri_params tp = kc_tri_default_params();
    kc_tri_ws *ws = kc_tri_ws_alloc(C < 2 ? 2 : C);
    double *uv = malloc(C * 2 * sizeof *uv);
    if (!ws || !uv) {
        kc_tri_ws_free(ws);
        free(uv);
        return KC_ENOMEM;
    }
    double L = wand_mm[2] - wand_mm[0], ss = 0, s = 0;
    long cnt = 0;
    for (size_t f = 0; f < F; f++) {
        kc_vec3 X[3];
        int ok = 1;
        for (int m = 0; m < 3 && ok; m++) {
            for (size_t c = 0; c < C; c++) {
                const double *o = det + (c * F + f) * 6 + 2 * m;
                uv[2 * c] = usable[c] ? o[0] : NAN;
                uv[2 * c + 1] = usable[c] ? o[1] : NAN;
            }
            kc_tri_result r;
            if (kc_tri_point(&tp, ws, cams, C, uv, 2, NULL, 0, NULL, &r) || !isfinite(r.X[0]))
                ok = 0;
            else
                X[m] = kc_v3(r.X[0], r.X[1], r.X[2]);
        }
        if (!ok)
            continue;
        double e = kc_v3_norm(kc_v3_sub(X[2], X[0])) - L;
        ss += e * e;
        s += e;
        cnt++;
    }
    kc_tri_ws_free(ws);
    free(uv);
    *n = cnt;
    *rms_mm = cnt ? sqrt(ss / (double)cnt) : NAN;
    *bias_mm = cnt ? s / (double)cnt : NAN;
    return KC_OK;
}
