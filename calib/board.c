/* Board calibration (see board.h for the method and its references).
 *
 * Homographies by the normalised DLT (Hartley & Zisserman, "Multiple View Geometry", 2nd
 * ed., algorithm 4.2); a board pose from a homography of normalised image coordinates
 * H ∝ [r1 r2 t] (Zhang 2000, §3.1), the rotation projected onto SO(3) by SVD; relative camera
 * poses averaged over shared frames (chordal mean of rotations, median of centres) along a
 * maximum spanning tree of the shared-view graph; then one joint adjustment with GSL's
 * trust-region Levenberg–Marquardt (finite-difference Jacobian) — the problems are small: a
 * few cameras and at most a few hundred board poses.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multilarge_nlinear.h>
#include <gsl/gsl_vector.h>

#include "board.h"
#include "kinechain/log.h"

kc_board_params kc_board_default_params(void)
{
    kc_board_params p = {0, 6, 3.0, 100};
    return p;
}

/* ---- small linear algebra ----------------------------------------------------------- */

/* Null vector of A (m x 9, m >= 9) by SVD: the right singular vector of the smallest value. */
static int null9(gsl_matrix *A, double h[9])
{
    gsl_matrix *V = gsl_matrix_alloc(9, 9);
    gsl_vector *s = gsl_vector_alloc(9), *w = gsl_vector_alloc(9);
    int st = KC_ENOMEM;
    if (V && s && w) {
        st = gsl_linalg_SV_decomp(A, V, s, w) ? KC_ENUMERIC : KC_OK;
        for (int i = 0; i < 9; i++)
            h[i] = gsl_matrix_get(V, (size_t)i, 8);
    }
    gsl_matrix_free(V);
    gsl_vector_free(s);
    gsl_vector_free(w);
    return st;
}

/* Normalising similarity of n points (centroid to 0, mean distance sqrt 2): T [9]. */
static void normaliser(const double *x, size_t stride, size_t n, double T[9])
{
    double mx = 0, my = 0, d = 0;
    for (size_t i = 0; i < n; i++)
        mx += x[i * stride], my += x[i * stride + 1];
    mx /= (double)n, my /= (double)n;
    for (size_t i = 0; i < n; i++)
        d += hypot(x[i * stride] - mx, x[i * stride + 1] - my);
    d /= (double)n;
    double s = d > 0 ? sqrt(2.0) / d : 1;
    double M[9] = {s, 0, -s * mx, 0, s, -s * my, 0, 0, 1};
    memcpy(T, M, sizeof M);
}

static void mat3_mul(const double A[9], const double B[9], double C[9])
{
    double R[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            R[3 * i + j] = A[3 * i] * B[j] + A[3 * i + 1] * B[3 + j] + A[3 * i + 2] * B[6 + j];
    memcpy(C, R, sizeof R);
}

static int mat3_inv(const double A[9], double I[9])
{
    double det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) +
                 A[2] * (A[3] * A[7] - A[4] * A[6]);
    if (!(fabs(det) > 1e-300))
        return -1;
    I[0] = (A[4] * A[8] - A[5] * A[7]) / det;
    I[1] = (A[2] * A[7] - A[1] * A[8]) / det;
    I[2] = (A[1] * A[5] - A[2] * A[4]) / det;
    I[3] = (A[5] * A[6] - A[3] * A[8]) / det;
    I[4] = (A[0] * A[8] - A[2] * A[6]) / det;
    I[5] = (A[2] * A[3] - A[0] * A[5]) / det;
    I[6] = (A[3] * A[7] - A[4] * A[6]) / det;
    I[7] = (A[1] * A[6] - A[0] * A[7]) / det;
    I[8] = (A[0] * A[4] - A[1] * A[3]) / det;
    return 0;
}

/* Homography dst ~ H·src of n >= 5 point pairs ([n][2] each, strides in doubles). */
static int homography(const double *src, size_t ss, const double *dst, size_t ds, size_t n,
                      double H[9])
{
    /* corners on (nearly) one line fix no homography: the spread of the board points must
     * be two-dimensional (smaller/larger eigenvalue of their scatter >= 1e-3) */
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++)
        mx += src[i * ss], my += src[i * ss + 1];
    mx /= (double)n, my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double dx = src[i * ss] - mx, dy = src[i * ss + 1] - my;
        sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
    double tr = sxx + syy, disc = sqrt(fmax(0, 0.25 * (sxx - syy) * (sxx - syy) + sxy * sxy));
    if (!(0.5 * tr - disc >= 1e-3 * (0.5 * tr + disc)) || !(tr > 0))
        return KC_ENUMERIC;
    double Ts[9], Td[9], Tdi[9];
    normaliser(src, ss, n, Ts);
    normaliser(dst, ds, n, Td);
    if (mat3_inv(Td, Tdi))
        return KC_ENUMERIC;
    size_t m = 2 * n < 9 ? 9 : 2 * n;
    gsl_matrix *A = gsl_matrix_calloc(m, 9);
    if (!A)
        return KC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        double x = Ts[0] * src[i * ss] + Ts[2], y = Ts[4] * src[i * ss + 1] + Ts[5];
        double u = Td[0] * dst[i * ds] + Td[2], v = Td[4] * dst[i * ds + 1] + Td[5];
        double r1[9] = {-x, -y, -1, 0, 0, 0, u * x, u * y, u};
        double r2[9] = {0, 0, 0, -x, -y, -1, v * x, v * y, v};
        for (int j = 0; j < 9; j++) {
            gsl_matrix_set(A, 2 * i, (size_t)j, r1[j]);
            gsl_matrix_set(A, 2 * i + 1, (size_t)j, r2[j]);
        }
    }
    double h[9];
    int st = null9(A, h);
    gsl_matrix_free(A);
    if (st)
        return st;
    mat3_mul(Tdi, h, H);
    mat3_mul(H, Ts, H);
    for (int i = 0; i < 9; i++)
        if (!isfinite(H[i]))
            return KC_ENUMERIC;
    return KC_OK;
}

int kc_calib_nearest_rotation(const double M[9], kc_mat3 *R)
{
    gsl_matrix *U = gsl_matrix_alloc(3, 3), *V = gsl_matrix_alloc(3, 3);
    gsl_vector *s = gsl_vector_alloc(3), *w = gsl_vector_alloc(3);
    int st = KC_ENOMEM;
    if (U && V && s && w) {
        for (int i = 0; i < 9; i++)
            gsl_matrix_set(U, (size_t)(i / 3), (size_t)(i % 3), M[i]);
        st = gsl_linalg_SV_decomp(U, V, s, w) ? KC_ENUMERIC : KC_OK;
        double D[3] = {1, 1, 1}, det = 0;
        for (int pass = 0; pass < 2 && !st; pass++) {
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    double a = 0;
                    for (int k = 0; k < 3; k++)
                        a += gsl_matrix_get(U, (size_t)i, (size_t)k) * D[k] *
                             gsl_matrix_get(V, (size_t)j, (size_t)k);
                    R->m[i][j] = a;
                }
            det = R->m[0][0] * (R->m[1][1] * R->m[2][2] - R->m[1][2] * R->m[2][1]) -
                  R->m[0][1] * (R->m[1][0] * R->m[2][2] - R->m[1][2] * R->m[2][0]) +
                  R->m[0][2] * (R->m[1][0] * R->m[2][1] - R->m[1][1] * R->m[2][0]);
            if (det > 0)
                break;
            D[2] = -1;
        }
    }
    gsl_matrix_free(U);
    gsl_matrix_free(V);
    gsl_vector_free(s);
    gsl_vector_free(w);
    return st;
}

/* Board pose (board -> camera) from a homography of board (X, Y) to normalised coordinates. */
static int pose_from_h(const double H[9], kc_mat3 *R, kc_vec3 *t)
{
    kc_vec3 h1 = kc_v3(H[0], H[3], H[6]), h2 = kc_v3(H[1], H[4], H[7]),
            h3 = kc_v3(H[2], H[5], H[8]);
    double l = 2.0 / (kc_v3_norm(h1) + kc_v3_norm(h2));
    if (h3.z < 0)   /* the board in front of the camera */
        l = -l;
    kc_vec3 r1 = kc_v3_scale(h1, l), r2 = kc_v3_scale(h2, l), r3 = kc_v3_cross(r1, r2);
    double M[9] = {r1.x, r2.x, r3.x, r1.y, r2.y, r3.y, r1.z, r2.z, r3.z};
    *t = kc_v3_scale(h3, l);
    return kc_calib_nearest_rotation(M, R);
}

/* ---- GSL nonlinear least squares -------------------------------------------------------- */

int kc_calib_lm_solve(size_t n, size_t p, kc_resid_fn f, void *data, double *x,
                      const double *wts, int max_iter, int *iters)
{
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    fp.trs = gsl_multifit_nlinear_trs_lm;
    fp.solver = gsl_multifit_nlinear_solver_cholesky;
    fp.scale = gsl_multifit_nlinear_scale_more;
    fp.fdtype = GSL_MULTIFIT_NLINEAR_CTRDIFF;
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, p);
    if (!w)
        return KC_ENOMEM;
    gsl_multifit_nlinear_fdf fdf = {0};
    fdf.f = f;
    fdf.df = NULL;   /* finite differences */
    fdf.n = n;
    fdf.p = p;
    fdf.params = data;
    gsl_vector_view xv = gsl_vector_view_array(x, p);
    gsl_vector_const_view wv = gsl_vector_const_view_array(wts ? wts : x, n);
    int st = wts ? gsl_multifit_nlinear_winit(&xv.vector, &wv.vector, &fdf, w)
                 : gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
    int info = 0;
    if (!st)
        st = gsl_multifit_nlinear_driver((size_t)max_iter, 1e-12, 1e-12, 1e-12, NULL, NULL,
                                         &info, w);
    if (iters)
        *iters = (int)gsl_multifit_nlinear_niter(w);
    if (st == GSL_EMAXITER || st == GSL_ENOPROG)
        st = 0;   /* the best point found is kept */
    if (!st)
        memcpy(x, gsl_multifit_nlinear_position(w)->data, p * sizeof *x);
    gsl_multifit_nlinear_free(w);
    return st ? KC_ENUMERIC : KC_OK;
}

/* ---- one view: a board pose seen by one camera -------------------------------------------- */

typedef struct view_fit {
    const kc_camera *cam;
    const double *uv, *P;   /* strided by 2 and 3 through idx */
    const size_t *idx;
    size_t n;
} view_fit;

static int view_resid(const gsl_vector *x, void *data, gsl_vector *f)
{
    const view_fit *v = data;
    kc_mat3 R = kc_m3_from_rodrigues(kc_v3(x->data[0], x->data[1], x->data[2]));
    kc_vec3 t = kc_v3(x->data[3], x->data[4], x->data[5]);
    for (size_t k = 0; k < v->n; k++) {
        size_t i = v->idx[k];
        kc_vec3 P = kc_v3(v->P[3 * i], v->P[3 * i + 1], v->P[3 * i + 2]);
        kc_vec3 Xc = kc_v3_add(kc_m3_apply(R, P), t);
        /* the camera's own pose is identity here: board -> camera directly */
        kc_camera c = *v->cam;
        c.R = kc_m3_identity();
        c.t = kc_v3(0, 0, 0);
        double uv[2];
        if (!kc_camera_project(&c, Xc, uv))
            uv[0] = uv[1] = 1e6;
        gsl_vector_set(f, 2 * k, uv[0] - v->uv[2 * i]);
        gsl_vector_set(f, 2 * k + 1, uv[1] - v->uv[2 * i + 1]);
    }
    return GSL_SUCCESS;
}

/* Board -> camera pose of one view: homography of undistorted normalised points, then refined
 * on the pixel residuals. Returns KC_OK or KC_ENUMERIC. */
static int view_pose(const kc_camera *cam, const double *uv, const double *P, const size_t *idx,
                     size_t n, kc_mat3 *R, kc_vec3 *t, double *rms)
{
    double *src = malloc(2 * n * sizeof *src), *dst = malloc(2 * n * sizeof *dst);
    int st = KC_ENOMEM;
    if (!src || !dst)
        goto done;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        double xn[2];
        if (kc_camera_undistort(cam, uv + 2 * i, xn))
            continue;
        src[2 * m] = P[3 * i], src[2 * m + 1] = P[3 * i + 1];
        dst[2 * m] = xn[0], dst[2 * m + 1] = xn[1];
        m++;
    }
    st = KC_ENUMERIC;
    double H[9];
    if (m < 5 || homography(src, 2, dst, 2, m, H) || pose_from_h(H, R, t))
        goto done;
    kc_vec3 r = kc_m3_to_rodrigues(*R);
    double x[6] = {r.x, r.y, r.z, t->x, t->y, t->z};
    view_fit v = {cam, uv, P, idx, n};
    if ((st = kc_calib_lm_solve(2 * n, 6, view_resid, &v, x, NULL, 50, NULL)))
        goto done;
    *R = kc_m3_from_rodrigues(kc_v3(x[0], x[1], x[2]));
    *t = kc_v3(x[3], x[4], x[5]);
    gsl_vector *f = gsl_vector_alloc(2 * n);
    st = KC_ENOMEM;
    if (!f)
        goto done;
    gsl_vector_view xv = gsl_vector_view_array(x, 6);
    view_resid(&xv.vector, &v, f);
    *rms = gsl_blas_dnrm2(f) / sqrt(2.0 * (double)n);
    gsl_vector_free(f);
    st = t->z > 0 && isfinite(*rms) ? KC_OK : KC_ENUMERIC;
done:
    free(src);
    free(dst);
    return st;
}

/* ---- Zhang's closed-form intrinsics --------------------------------------------------------- */

/* Focal lengths from m >= 2 homographies (board -> centred pixels, [m][9]) by Zhang's two
 * constraints per view (2000, eq. (3)-(4): h1ᵀ B h2 = 0, h1ᵀ B h1 = h2ᵀ B h2, B = K⁻ᵀK⁻¹)
 * with the principal point held at the image centre and zero skew, so that
 * B ∝ diag(1/fx², 1/fy², 1) and the system is 2m x 3 — the initialisation OpenCV uses too.
 * Zhang's full closed form (principal point free) is unstable under lens distortion; the
 * joint adjustment estimates the principal point and the distortion afterwards. */
static int zhang_K(const double *Hs, size_t m, double *fx, double *fy, double *cx, double *cy)
{
    size_t rows = 2 * m < 3 ? 3 : 2 * m;
    gsl_matrix *A = gsl_matrix_calloc(rows, 3), *V = gsl_matrix_alloc(3, 3);
    gsl_vector *s = gsl_vector_alloc(3), *w = gsl_vector_alloc(3);
    int st = KC_ENOMEM;
    if (!A || !V || !s || !w)
        goto done;
    for (size_t k = 0; k < m; k++) {
        const double *H = Hs + 9 * k;
        double h1[3] = {H[0], H[3], H[6]}, h2[3] = {H[1], H[4], H[7]}, n1 = 0, n2 = 0;
        for (int j = 0; j < 3; j++)
            n1 += h1[j] * h1[j], n2 += h2[j] * h2[j];
        double sc = 1.0 / sqrt(n1 * n2);   /* each view weighs alike */
        for (int j = 0; j < 3; j++) {
            gsl_matrix_set(A, 2 * k, (size_t)j, sc * h1[j] * h2[j]);
            gsl_matrix_set(A, 2 * k + 1, (size_t)j, sc * (h1[j] * h1[j] - h2[j] * h2[j]));
        }
    }
    st = KC_ENUMERIC;
    if (gsl_linalg_SV_decomp(A, V, s, w))
        goto done;
    double a = gsl_matrix_get(V, 0, 2), b = gsl_matrix_get(V, 1, 2), c = gsl_matrix_get(V, 2, 2);
    if (!(a / c > 0 && b / c > 0))
        goto done;
    *fx = sqrt(c / a);
    *fy = sqrt(c / b);
    *cx = *cy = 0;
    st = isfinite(*fx + *fy) ? KC_OK : KC_ENUMERIC;
done:
    gsl_matrix_free(A);
    gsl_matrix_free(V);
    gsl_vector_free(s);
    gsl_vector_free(w);
    return st;
}

/* ---- the joint adjustment ----------------------------------------------------------------- */

typedef struct joint {
    const kc_board_data *d;
    const kc_camera *cams0;   /* names, sizes, and fixed intrinsics */
    size_t C, F;
    int root;
    int free_intr;
    const int *cam_off;       /* [C] offset of the camera's block in x, -1 none */
    const int *frame_off;     /* [F] offset of the frame's block, -1 not adjusted */
    const int *cam_len;       /* [C] length of the camera's block */
    const size_t *obs;        /* observations used */
    size_t n_obs;
    kc_camera *work;          /* [C] scratch */
    const double *sqrt_w;     /* [n_obs] square roots of the IRLS weights, or NULL */
} joint;

#define NINTR 9   /* fx fy cx cy k1 k2 p1 p2 k3 */

/* camera c from its block q (NULL: no parameters; the root's pose is fixed) */
static void camera_of(const joint *J, size_t c, const double *q, kc_camera *cam)
{
    *cam = J->cams0[c];
    if (!q)
        return;
    if (J->free_intr) {
        cam->fx = q[0], cam->fy = q[1], cam->cx = q[2], cam->cy = q[3];
        cam->k1 = q[4], cam->k2 = q[5], cam->p1 = q[6], cam->p2 = q[7], cam->k3 = q[8];
        q += NINTR;
    }
    if ((int)c != J->root) {
        cam->R = kc_m3_from_rodrigues(kc_v3(q[0], q[1], q[2]));
        cam->t = kc_v3(q[3], q[4], q[5]);
    }
}

static void joint_cameras(const joint *J, const double *x, kc_camera *cams)
{
    for (size_t c = 0; c < J->C; c++)
        camera_of(J, c, J->cam_off[c] >= 0 ? x + J->cam_off[c] : NULL, &cams[c]);
}

/* the model of observation i: board pose q (rodrigues, t) seen by cam */
static void model_uv(const joint *J, size_t i, const kc_camera *cam, const double *q,
                     double uv[2])
{
    kc_mat3 R = kc_m3_from_rodrigues(kc_v3(q[0], q[1], q[2]));
    const double *P = J->d->P + 3 * i;
    kc_vec3 X = kc_v3_add(kc_m3_apply(R, kc_v3(P[0], P[1], P[2])), kc_v3(q[3], q[4], q[5]));
    if (!kc_camera_project(cam, X, uv))
        uv[0] = uv[1] = 1e6;
}

static int joint_resid(const gsl_vector *xv, void *data, gsl_vector *f)
{
    const joint *J = data;
    const double *x = xv->data;
    joint_cameras(J, x, J->work);
    for (size_t k = 0; k < J->n_obs; k++) {
        size_t i = J->obs[k];
        double uv[2], sw = J->sqrt_w ? J->sqrt_w[k] : 1.0;
        model_uv(J, i, &J->work[J->d->cam[i]], x + J->frame_off[J->d->frame[i]], uv);
        gsl_vector_set(f, 2 * k, sw * (uv[0] - J->d->uv[2 * i]));
        gsl_vector_set(f, 2 * k + 1, sw * (uv[1] - J->d->uv[2 * i + 1]));
    }
    return GSL_SUCCESS;
}

/* Jacobian for GSL's large-scale solver: each observation depends on at most 15 camera and
 * 6 board parameters, so J is built block by block (central differences on those only) and
 * JᵀJ assembled from the blocks: the cost is linear in the observations. */
#define NLOC (NINTR + 12)
static int joint_df(CBLAS_TRANSPOSE_t TransJ, const gsl_vector *xv, const gsl_vector *u,
                    void *data, gsl_vector *v, gsl_matrix *JTJ)
{
    const joint *J = data;
    const double *x = xv->data;
    if (v)
        gsl_vector_set_zero(v);
    if (JTJ)
        gsl_matrix_set_zero(JTJ);
    for (size_t k = 0; k < J->n_obs; k++) {
        size_t i = J->obs[k];
        size_t c = (size_t)J->d->cam[i];
        int co = J->cam_off[c], fo = J->frame_off[J->d->frame[i]];
        size_t nc = co < 0 ? 0 : (size_t)J->cam_len[c], nl = nc + 6;
        double loc[NLOC], jac[2][NLOC];
        size_t idx[NLOC];
        for (size_t a = 0; a < nc; a++)
            loc[a] = x[co + (int)a], idx[a] = (size_t)co + a;
        for (size_t a = 0; a < 6; a++)
            loc[nc + a] = x[fo + (int)a], idx[nc + a] = (size_t)fo + a;
        double sw = J->sqrt_w ? J->sqrt_w[k] : 1.0;
        for (size_t a = 0; a < nl; a++) {
            double h = 1e-6 * fmax(1.0, fabs(loc[a])), keep = loc[a], up[2], dn[2];
            kc_camera cam;
            loc[a] = keep + h;
            camera_of(J, c, nc ? loc : NULL, &cam);
            model_uv(J, i, &cam, loc + nc, up);
            loc[a] = keep - h;
            camera_of(J, c, nc ? loc : NULL, &cam);
            model_uv(J, i, &cam, loc + nc, dn);
            loc[a] = keep;
            jac[0][a] = sw * (up[0] - dn[0]) / (2 * h);
            jac[1][a] = sw * (up[1] - dn[1]) / (2 * h);
        }
        for (int r = 0; r < 2; r++) {
            if (v && u) {
                if (TransJ == CblasTrans) {   /* v = Jᵀ u */
                    double ur = u->data[2 * k + (size_t)r];
                    for (size_t a = 0; a < nl; a++)
                        v->data[idx[a]] += jac[r][a] * ur;
                } else {                      /* v = J u */
                    double s = 0;
                    for (size_t a = 0; a < nl; a++)
                        s += jac[r][a] * u->data[idx[a]];
                    v->data[2 * k + (size_t)r] = s;
                }
            }
            if (JTJ)
                for (size_t a = 0; a < nl; a++)
                    for (size_t b2 = 0; b2 < nl; b2++)
                        JTJ->data[idx[a] * JTJ->tda + idx[b2]] += jac[r][a] * jac[r][b2];
        }
    }
    return GSL_SUCCESS;
}

static int joint_solve(joint *J, size_t np, double *x, int max_iter, int *iters)
{
    gsl_multilarge_nlinear_parameters fp = gsl_multilarge_nlinear_default_parameters();
    fp.trs = gsl_multilarge_nlinear_trs_lm;
    fp.scale = gsl_multilarge_nlinear_scale_more;
    fp.solver = gsl_multilarge_nlinear_solver_cholesky;
    size_t n = 2 * J->n_obs;
    gsl_multilarge_nlinear_workspace *w =
        gsl_multilarge_nlinear_alloc(gsl_multilarge_nlinear_trust, &fp, n, np);
    if (!w)
        return KC_ENOMEM;
    gsl_multilarge_nlinear_fdf fdf = {0};
    fdf.f = joint_resid;
    fdf.df = joint_df;
    fdf.n = n;
    fdf.p = np;
    fdf.params = J;
    gsl_vector_view xv = gsl_vector_view_array(x, np);
    int info = 0;
    int st = gsl_multilarge_nlinear_init(&xv.vector, &fdf, w);
    if (!st)
        st = gsl_multilarge_nlinear_driver((size_t)max_iter, 1e-12, 1e-12, 1e-12, NULL, NULL,
                                           &info, w);
    *iters = (int)gsl_multilarge_nlinear_niter(w);
    if (st == GSL_EMAXITER || st == GSL_ENOPROG)
        st = 0;
    if (!st)
        memcpy(x, gsl_multilarge_nlinear_position(w)->data, np * sizeof *x);
    gsl_multilarge_nlinear_free(w);
    return st ? KC_ENUMERIC : KC_OK;
}

/* ---- the whole calibration ------------------------------------------------------------------ */

typedef struct viewpose {
    int ok;
    kc_mat3 R;   /* board -> camera */
    kc_vec3 t;
    size_t n;    /* corners */
} viewpose;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int kc_board_calibrate(const kc_board_params *p, const kc_board_data *d, kc_camera *cams,
                       uint8_t *usable, kc_board_report *rep)
{
    size_t C = d->C, F = d->F, n = d->n;
    int st = KC_ENOMEM;
    size_t *order = NULL, *start = NULL, *obs = NULL;
    viewpose *vp = NULL;
    int *cam_off = NULL, *frame_off = NULL, *parent = NULL, *cam_len = NULL;
    double *x = NULL, *wts = NULL, *Hs = NULL, *tmp = NULL, *shared = NULL;
    kc_camera *work = NULL;
    gsl_vector *fres = NULL;
    if (p->min_corners < 5 || p->max_iter < 1 || !(p->huber_px > 0)) {
        KC_ERROR("board parameters out of range");
        return KC_EINVAL;
    }
    memset(usable, 0, C);
    /* views: observations grouped by (camera, frame) */
    order = malloc(n * sizeof *order);
    start = calloc(C * F + 1, sizeof *start);
    vp = calloc(C * F, sizeof *vp);
    if (!order || !start || !vp)
        goto out;
    for (size_t i = 0; i < n; i++)
        start[(size_t)d->cam[i] * F + (size_t)d->frame[i] + 1]++;
    for (size_t v = 0; v < C * F; v++)
        start[v + 1] += start[v];
    {
        size_t *fill = malloc(C * F * sizeof *fill);
        if (!fill)
            goto out;
        memcpy(fill, start, C * F * sizeof *fill);
        for (size_t i = 0; i < n; i++)
            order[fill[(size_t)d->cam[i] * F + (size_t)d->frame[i]]++] = i;
        free(fill);
    }
    /* (1) intrinsics by Zhang's method, when not given */
    if (!p->fix_intrinsics) {
        Hs = malloc(F * 9 * sizeof *Hs);
        tmp = malloc(4 * n * sizeof *tmp);
        if (!Hs || !tmp)
            goto out;
        for (size_t c = 0; c < C; c++) {
            size_t m = 0;
            double sc = cams[c].width > 0 ? cams[c].width : 1;
            for (size_t f = 0; f < F; f++) {
                size_t a = start[c * F + f], b = start[c * F + f + 1];
                if (b - a < (size_t)p->min_corners)
                    continue;
                /* pixels centred and scaled by the image width: B of Zhang's eq. (4) then
                 * has entries of one magnitude, and K is mapped back below */
                for (size_t k = a; k < b; k++) {
                    size_t i = order[k];
                    tmp[4 * (k - a)] = d->P[3 * i], tmp[4 * (k - a) + 1] = d->P[3 * i + 1];
                    tmp[4 * (k - a) + 2] = (d->uv[2 * i] - 0.5 * cams[c].width) / sc;
                    tmp[4 * (k - a) + 3] = (d->uv[2 * i + 1] - 0.5 * cams[c].height) / sc;
                }
                if (homography(tmp, 4, tmp + 2, 4, b - a, Hs + 9 * m) == KC_OK)
                    m++;
            }
            cams[c].k1 = cams[c].k2 = cams[c].p1 = cams[c].p2 = cams[c].k3 = 0;
            if (m < 2 || zhang_K(Hs, m, &cams[c].fx, &cams[c].fy, &cams[c].cx, &cams[c].cy) ||
                !(cams[c].fx > 0 && cams[c].fy > 0)) {
                KC_WARN("camera \"%s\": its intrinsics cannot be estimated from %zu board views "
                        "(Zhang's method needs 2 or more, not all parallel): excluded",
                        cams[c].name, m);
                cams[c].fx = cams[c].fy = 0;
                continue;
            }
            cams[c].fx *= sc, cams[c].fy *= sc;
            cams[c].cx = cams[c].cx * sc + 0.5 * cams[c].width;
            cams[c].cy = cams[c].cy * sc + 0.5 * cams[c].height;
            KC_INFO("camera \"%s\": Zhang's method on %zu views: fx %.1f, fy %.1f, cx %.1f, "
                    "cy %.1f px", cams[c].name, m, cams[c].fx, cams[c].fy, cams[c].cx,
                    cams[c].cy);
        }
    }
    /* (2) every view's board pose */
    for (size_t c = 0; c < C; c++) {
        if (!(cams[c].fx > 0))
            continue;
        for (size_t f = 0; f < F; f++) {
            size_t a = start[c * F + f], b = start[c * F + f + 1];
            viewpose *v = &vp[c * F + f];
            double rms;
            if (b - a < (size_t)p->min_corners)
                continue;
            kc_camera c0 = cams[c];
            c0.R = kc_m3_identity();
            c0.t = kc_v3(0, 0, 0);
            if (view_pose(&c0, d->uv, d->P, order + a, b - a, &v->R, &v->t, &rms) == KC_OK &&
                rms < 20 * p->huber_px) {
                v->ok = 1;
                v->n = b - a;
            }
        }
    }
    /* (3) the camera graph: edge weight = frames seen by both; maximum spanning tree (Prim)
     * from the camera with the most views */
    shared = calloc(C * C, sizeof *shared);
    parent = malloc(C * sizeof *parent);
    if (!shared || !parent)
        goto out;
    int root = -1;
    long best = 0;
    for (size_t c = 0; c < C; c++) {
        long nv = 0;
        for (size_t f = 0; f < F; f++)
            nv += vp[c * F + f].ok;
        if (nv > best)
            best = nv, root = (int)c;
        for (size_t e = 0; e < C; e++)
            for (size_t f = 0; f < F && e != c; f++)
                shared[c * C + e] += vp[c * F + f].ok && vp[e * F + f].ok;
    }
    st = KC_EINVAL;
    if (root < 0) {
        KC_ERROR("no camera has a usable board view (%d corners or more)", p->min_corners);
        goto out;
    }
    for (size_t c = 0; c < C; c++)
        parent[c] = -2;   /* not in the tree */
    parent[root] = -1;
    usable[root] = 1;
    cams[root].R = kc_m3_identity();
    cams[root].t = kc_v3(0, 0, 0);
    tmp = realloc(tmp, 4 * F * sizeof *tmp + 9 * sizeof *tmp);
    if (!tmp) {
        st = KC_ENOMEM;
        goto out;
    }
    for (;;) {
        int bc = -1, bp = -1;
        double bw = 1.5;   /* at least 2 shared frames */
        for (size_t c = 0; c < C; c++)
            for (size_t e = 0; e < C && !usable[c]; e++)
                if (usable[e] && shared[c * C + e] > bw)
                    bw = shared[c * C + e], bc = (int)c, bp = (int)e;
        if (bc < 0)
            break;
        /* camera bc from camera bp: R_c = R_cb R_eb^T R_e, averaged over shared frames */
        double M[9] = {0};
        size_t m = 0;
        double *cx = tmp, *cy = tmp + F, *cz = tmp + 2 * F;
        for (size_t f = 0; f < F; f++) {
            const viewpose *a = &vp[(size_t)bc * F + f], *b = &vp[(size_t)bp * F + f];
            if (!a->ok || !b->ok)
                continue;
            /* board -> world via camera bp: X_w = R_e^T (R_eb P + t_eb - t_e) */
            kc_mat3 Rwb = kc_m3_mul(kc_m3_transpose(cams[bp].R), b->R);
            kc_vec3 twb = kc_m3_apply(kc_m3_transpose(cams[bp].R), kc_v3_sub(b->t, cams[bp].t));
            /* camera bc: R_c = R_cb Rwb^T, t_c = t_cb - R_c twb */
            kc_mat3 Rc = kc_m3_mul(a->R, kc_m3_transpose(Rwb));
            kc_vec3 tc = kc_v3_sub(a->t, kc_m3_apply(Rc, twb));
            for (int i = 0; i < 9; i++)
                M[i] += Rc.m[i / 3][i % 3];
            kc_vec3 cc = kc_v3_scale(kc_m3_apply(kc_m3_transpose(Rc), tc), -1);
            cx[m] = cc.x, cy[m] = cc.y, cz[m] = cc.z;
            m++;
        }
        kc_mat3 Rc;
        if (kc_calib_nearest_rotation(M, &Rc)) {
            st = KC_ENUMERIC;
            goto out;
        }
        kc_vec3 centre = kc_v3(median(cx, m), median(cy, m), median(cz, m));
        cams[bc].R = Rc;
        cams[bc].t = kc_v3_scale(kc_m3_apply(Rc, centre), -1);
        usable[bc] = 1;
        parent[bc] = bp;
    }
    size_t n_cal = 0;
    for (size_t c = 0; c < C; c++) {
        n_cal += usable[c];
        if (!usable[c])
            KC_WARN("camera \"%s\" excluded: it shares fewer than 2 board views with the rig",
                    cams[c].name);
    }
    if (n_cal < 2) {
        KC_ERROR("fewer than two cameras see the board together in 2 frames or more");
        goto out;
    }
    /* (4) board poses: from the camera with the most corners in each frame; the frames seen
     * by two or more calibrated cameras (and, when intrinsics are free, by one) */
    st = KC_ENOMEM;
    frame_off = malloc(F * sizeof *frame_off);
    cam_off = malloc(C * sizeof *cam_off);
    cam_len = calloc(C, sizeof *cam_len);
    if (!frame_off || !cam_off || !cam_len)
        goto out;
    size_t np = 0;
    for (size_t c = 0; c < C; c++) {
        cam_off[c] = -1;
        if (!usable[c])
            continue;
        size_t sz = (p->fix_intrinsics ? 0 : NINTR) + ((int)c != root ? 6 : 0);
        if (sz) {
            cam_off[c] = (int)np;
            cam_len[c] = (int)sz;
            np += sz;
        }
    }
    size_t nfr = 0, ref_f = 0, ref_views = 0;
    kc_mat3 *fR = malloc(F * sizeof *fR);
    kc_vec3 *ft = malloc(F * sizeof *ft);
    if (!fR || !ft) {
        free(fR);
        free(ft);
        goto out;
    }
    for (size_t f = 0; f < F; f++) {
        frame_off[f] = -1;
        size_t nv = 0, bestn = 0;
        int bc = -1;
        for (size_t c = 0; c < C; c++)
            if (usable[c] && vp[c * F + f].ok) {
                nv++;
                if (vp[c * F + f].n > bestn)
                    bestn = vp[c * F + f].n, bc = (int)c;
            }
        if (nv < (p->fix_intrinsics ? 2u : 1u))
            continue;
        if (nv > ref_views)
            ref_views = nv, ref_f = f;
        const viewpose *v = &vp[(size_t)bc * F + f];
        fR[f] = kc_m3_mul(kc_m3_transpose(cams[bc].R), v->R);
        ft[f] = kc_m3_apply(kc_m3_transpose(cams[bc].R), kc_v3_sub(v->t, cams[bc].t));
        frame_off[f] = (int)np;
        np += 6;
        nfr++;
    }
    /* observations used: usable camera, adjusted frame, a good view */
    obs = malloc(n * sizeof *obs);
    x = malloc(np * sizeof *x);
    work = malloc(C * sizeof *work);
    if (!obs || !x || !work) {
        free(fR);
        free(ft);
        goto out;
    }
    size_t n_obs = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)d->cam[i], f = (size_t)d->frame[i];
        /* a view too small for a pose of its own still measures a board posed by others */
        if (usable[c] && frame_off[f] >= 0)
            obs[n_obs++] = i;
    }
    for (size_t c = 0; c < C; c++) {
        if (cam_off[c] < 0)
            continue;
        double *q = x + cam_off[c];
        if (!p->fix_intrinsics) {
            q[0] = cams[c].fx, q[1] = cams[c].fy, q[2] = cams[c].cx, q[3] = cams[c].cy;
            for (int k = 4; k < NINTR; k++)
                q[k] = 0;
            q += NINTR;
        }
        if ((int)c != root) {
            kc_vec3 r = kc_m3_to_rodrigues(cams[c].R);
            q[0] = r.x, q[1] = r.y, q[2] = r.z;
            q[3] = cams[c].t.x, q[4] = cams[c].t.y, q[5] = cams[c].t.z;
        }
    }
    for (size_t f = 0; f < F; f++) {
        if (frame_off[f] < 0)
            continue;
        double *q = x + frame_off[f];
        kc_vec3 r = kc_m3_to_rodrigues(fR[f]);
        q[0] = r.x, q[1] = r.y, q[2] = r.z;
        q[3] = ft[f].x, q[4] = ft[f].y, q[5] = ft[f].z;
    }
    free(fR);
    free(ft);
    st = KC_EINVAL;
    if (2 * n_obs <= np) {
        KC_ERROR("too few board observations (%zu) for %zu unknowns", n_obs, np);
        goto out;
    }
    KC_INFO("board adjustment: %zu cameras, %zu board poses, %zu corners, %zu unknowns", n_cal,
            nfr, n_obs, np);
    joint J = {d, cams, C, F, root, !p->fix_intrinsics, cam_off, frame_off, cam_len, obs,
               n_obs, work, NULL};
    /* (5) adjust; then Huber weights from the residuals, and again (IRLS) */
    st = KC_ENOMEM;
    wts = malloc(2 * n_obs * sizeof *wts);
    fres = gsl_vector_alloc(2 * n_obs);
    if (!wts || !fres)
        goto out;
    for (size_t k = 0; k < n_obs; k++)
        wts[k] = 1;
    J.sqrt_w = wts;
    int iters = 0, total_iters = 0;
    for (int round = 0; round < 3; round++) {
        if ((st = joint_solve(&J, np, x, p->max_iter, &iters)))
            goto out;
        total_iters += iters;
        J.sqrt_w = NULL;   /* plain residuals */
        gsl_vector_view xv = gsl_vector_view_array(x, np);
        joint_resid(&xv.vector, &J, fres);
        J.sqrt_w = wts;
        for (size_t k = 0; k < n_obs; k++) {
            double r = hypot(fres->data[2 * k], fres->data[2 * k + 1]);
            /* Huber: weight psi(r)/r on r^2, i.e. sqrt of it on the residual */
            wts[k] = r <= p->huber_px ? 1.0 : sqrt(p->huber_px / r);
        }
    }
    joint_cameras(&J, x, cams);
    /* (6) world frame: the board of the reference frame */
    {
        const double *q = x + frame_off[ref_f];
        kc_mat3 Rb = kc_m3_from_rodrigues(kc_v3(q[0], q[1], q[2]));
        kc_vec3 tb = kc_v3(q[3], q[4], q[5]);
        /* X_rig = Rb P + tb  =>  P = Rbᵀ (X_rig - tb) */
        kc_mat3 A = kc_m3_transpose(Rb);
        kc_vec3 b = kc_v3_scale(kc_m3_apply(A, tb), -1);
        for (size_t c = 0; c < C; c++) {
            if (!usable[c])
                continue;
            /* x_c = R X_rig + t = R (Aᵀ (X_w - b)) + t */
            kc_mat3 At = kc_m3_transpose(A);
            kc_vec3 t2 = kc_v3_sub(cams[c].t, kc_m3_apply(kc_m3_mul(cams[c].R, At), b));
            cams[c].R = kc_m3_mul(cams[c].R, At);
            cams[c].t = t2;
        }
    }
    /* (7) report */
    double tot = 0;
    long ntot = 0;
    for (size_t c = 0; c < C; c++) {
        rep->cam_rms_px[c] = NAN;
        rep->cam_n_obs[c] = 0;
    }
    for (size_t i = 0; i < 2 * n; i++)
        rep->resid[i] = NAN;
    double *ss = calloc(C, sizeof *ss);
    if (!ss) {
        st = KC_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < n_obs; k++) {
        size_t i = obs[k];
        int c = d->cam[i];
        double du = -fres->data[2 * k], dv = -fres->data[2 * k + 1];   /* observed - model */
        rep->resid[2 * i] = du, rep->resid[2 * i + 1] = dv;
        ss[c] += du * du + dv * dv;
        rep->cam_n_obs[c]++;
        tot += du * du + dv * dv;
        ntot++;
    }
    for (size_t c = 0; c < C; c++)
        if (rep->cam_n_obs[c])
            rep->cam_rms_px[c] = sqrt(ss[c] / (2.0 * (double)rep->cam_n_obs[c]));
    free(ss);
    rep->rms_px = sqrt(tot / (2.0 * (double)ntot));
    rep->n_frames = nfr;
    rep->ref_frame = d->frame_value[ref_f];
    rep->iterations = total_iters;
    rep->n_views = 0;
    for (size_t v = 0; v < C * F; v++)
        rep->n_views += start[v + 1] > start[v] && usable[v / F] && frame_off[v % F] >= 0;
    st = KC_OK;
out:
    free(order);
    free(start);
    free(vp);
    free(cam_off);
    free(cam_len);
    free(frame_off);
    free(parent);
    free(x);
    free(wts);
    free(Hs);
    free(tmp);
    free(shared);
    free(obs);
    free(work);
    if (fres)
        gsl_vector_free(fres);
    return st;
}
