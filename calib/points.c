/* Control-point calibration: known 3D points seen by each camera. Per camera: the direct
 * linear transform (Abdel-Aziz & Karara 1971; normalised as in Hartley & Zisserman, "Multiple
 * View Geometry", 2nd ed., algorithm 7.1) gives P = K[R|t]; P's left 3x3 block is split into
 * K (zero skew) and R by the classic row decomposition (fx = |m1 x m3|, cx = m1.m3, ...) and
 * R projected onto SO(3); then fx, fy, cx, cy, k1, k2 and the pose are refined on the pixel
 * residuals with GSL's nonlinear least squares (k1, k2 only with 8 points or more; p1, p2, k3
 * stay 0: a handful of control points cannot determine them). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "board.h"
#include "points.h"
#include "kinechain/log.h"

typedef struct pfit {
    const kc_camera *cam0;
    const double *X, *uv;   /* [n][3], [n][2] */
    size_t n;
    int with_dist;
} pfit;

static void camera_of(const pfit *p, const double *x, kc_camera *c)
{
    *c = *p->cam0;
    c->fx = x[0], c->fy = x[1], c->cx = x[2], c->cy = x[3];
    c->R = kc_m3_from_rodrigues(kc_v3(x[4], x[5], x[6]));
    c->t = kc_v3(x[7], x[8], x[9]);
    c->k1 = p->with_dist ? x[10] : 0;
    c->k2 = p->with_dist ? x[11] : 0;
    c->p1 = c->p2 = c->k3 = 0;
}

static int pfit_resid(const gsl_vector *xv, void *data, gsl_vector *f)
{
    const pfit *p = data;
    kc_camera c;
    camera_of(p, xv->data, &c);
    for (size_t i = 0; i < p->n; i++) {
        double uv[2];
        if (!kc_camera_project(&c, kc_v3(p->X[3 * i], p->X[3 * i + 1], p->X[3 * i + 2]), uv))
            uv[0] = uv[1] = 1e6;
        gsl_vector_set(f, 2 * i, uv[0] - p->uv[2 * i]);
        gsl_vector_set(f, 2 * i + 1, uv[1] - p->uv[2 * i + 1]);
    }
    return GSL_SUCCESS;
}

int kc_points_calibrate_camera(kc_camera *cam, const double *X, const double *uv, size_t n,
                               double *rms_px)
{
    if (n < 6)
        return KC_EINVAL;
    /* normalisation: 2-D to mean distance sqrt 2, 3-D to sqrt 3 */
    double m2[2] = {0, 0}, m3[3] = {0, 0, 0}, s2 = 0, s3 = 0;
    for (size_t i = 0; i < n; i++) {
        m2[0] += uv[2 * i], m2[1] += uv[2 * i + 1];
        for (int k = 0; k < 3; k++)
            m3[k] += X[3 * i + k];
    }
    for (int k = 0; k < 2; k++)
        m2[k] /= (double)n;
    for (int k = 0; k < 3; k++)
        m3[k] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        s2 += hypot(uv[2 * i] - m2[0], uv[2 * i + 1] - m2[1]);
        s3 += sqrt((X[3 * i] - m3[0]) * (X[3 * i] - m3[0]) +
                   (X[3 * i + 1] - m3[1]) * (X[3 * i + 1] - m3[1]) +
                   (X[3 * i + 2] - m3[2]) * (X[3 * i + 2] - m3[2]));
    }
    s2 = s2 > 0 ? sqrt(2.0) * (double)n / s2 : 1;
    s3 = s3 > 0 ? sqrt(3.0) * (double)n / s3 : 1;
    size_t rows = 2 * n < 12 ? 12 : 2 * n;
    gsl_matrix *A = gsl_matrix_calloc(rows, 12), *V = gsl_matrix_alloc(12, 12);
    gsl_vector *sv = gsl_vector_alloc(12), *w = gsl_vector_alloc(12);
    int st = KC_ENOMEM;
    if (!A || !V || !sv || !w)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double x[4] = {s3 * (X[3 * i] - m3[0]), s3 * (X[3 * i + 1] - m3[1]),
                       s3 * (X[3 * i + 2] - m3[2]), 1};
        double u = s2 * (uv[2 * i] - m2[0]), v = s2 * (uv[2 * i + 1] - m2[1]);
        for (int k = 0; k < 4; k++) {
            gsl_matrix_set(A, 2 * i, (size_t)k, x[k]);
            gsl_matrix_set(A, 2 * i, (size_t)(8 + k), -u * x[k]);
            gsl_matrix_set(A, 2 * i + 1, (size_t)(4 + k), x[k]);
            gsl_matrix_set(A, 2 * i + 1, (size_t)(8 + k), -v * x[k]);
        }
    }
    st = KC_ENUMERIC;
    if (gsl_linalg_SV_decomp(A, V, sv, w))
        goto done;
    /* coplanar points leave a second null vector: the DLT needs a 3-D spread */
    if (!(gsl_vector_get(sv, 10) > 1e-6 * gsl_vector_get(sv, 0))) {
        st = KC_EINVAL;
        goto done;
    }
    double Pn[12], P[12];
    for (int k = 0; k < 12; k++)
        Pn[k] = gsl_matrix_get(V, (size_t)k, 11);
    /* undo the normalisation: P = T2⁻¹ Pn T3 */
    double T3[16] = {s3, 0, 0, -s3 * m3[0], 0, s3, 0, -s3 * m3[1], 0, 0, s3, -s3 * m3[2],
                     0, 0, 0, 1};
    double T2i[9] = {1 / s2, 0, m2[0], 0, 1 / s2, m2[1], 0, 0, 1};
    double PT[12];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) {
            double a = 0;
            for (int k = 0; k < 4; k++)
                a += Pn[4 * r + k] * T3[4 * k + c];
            PT[4 * r + c] = a;
        }
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) {
            double a = 0;
            for (int k = 0; k < 3; k++)
                a += T2i[3 * r + k] * PT[4 * k + c];
            P[4 * r + c] = a;
        }
    /* scale so that |m3| = 1 and the points lie in front (positive depth) */
    kc_vec3 r1 = kc_v3(P[0], P[1], P[2]), r2 = kc_v3(P[4], P[5], P[6]),
            r3 = kc_v3(P[8], P[9], P[10]);
    double sc = 1.0 / kc_v3_norm(r3);
    double depth = kc_v3_dot(r3, kc_v3(m3[0], m3[1], m3[2])) + P[11];
    if (depth < 0)
        sc = -sc;
    r1 = kc_v3_scale(r1, sc), r2 = kc_v3_scale(r2, sc), r3 = kc_v3_scale(r3, sc);
    double p4[3] = {P[3] * sc, P[7] * sc, P[11] * sc};
    double cx = kc_v3_dot(r1, r3), cy = kc_v3_dot(r2, r3);
    double fx = kc_v3_norm(kc_v3_cross(r1, r3)), fy = kc_v3_norm(kc_v3_cross(r2, r3));
    if (!(fx > 0 && fy > 0))
        goto done;
    kc_vec3 a1 = kc_v3_scale(kc_v3_axpy(r1, -cx, r3), 1 / fx);
    kc_vec3 a2 = kc_v3_scale(kc_v3_axpy(r2, -cy, r3), 1 / fy);
    double M[9] = {a1.x, a1.y, a1.z, a2.x, a2.y, a2.z, r3.x, r3.y, r3.z};
    kc_mat3 R;
    if (kc_calib_nearest_rotation(M, &R))
        goto done;
    kc_vec3 t = kc_v3((p4[0] - cx * p4[2]) / fx, (p4[1] - cy * p4[2]) / fy, p4[2]);
    /* refinement */
    pfit pf = {cam, X, uv, n, n >= 8};
    kc_vec3 rv = kc_m3_to_rodrigues(R);
    double x[12] = {fx, fy, cx, cy, rv.x, rv.y, rv.z, t.x, t.y, t.z, 0, 0};
    size_t np = pf.with_dist ? 12 : 10;
    if ((st = kc_calib_lm_solve(2 * n, np, pfit_resid, &pf, x, NULL, 200, NULL)))
        goto done;
    kc_camera out;
    camera_of(&pf, x, &out);
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double p[2];
        if (!kc_camera_project(&out, kc_v3(X[3 * i], X[3 * i + 1], X[3 * i + 2]), p)) {
            st = KC_ENUMERIC;
            goto done;
        }
        ss += (p[0] - uv[2 * i]) * (p[0] - uv[2 * i]) + (p[1] - uv[2 * i + 1]) * (p[1] - uv[2 * i + 1]);
    }
    *rms_px = sqrt(ss / (2.0 * (double)n));
    if (kc_camera_check(&out) || !isfinite(*rms_px)) {
        st = KC_ENUMERIC;
        goto done;
    }
    *cam = out;
    st = KC_OK;
done:
    gsl_matrix_free(A);
    gsl_matrix_free(V);
    gsl_vector_free(sv);
    gsl_vector_free(w);
    return st;
}
