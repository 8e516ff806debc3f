/* kinechain — multi-view triangulation (include/kinechain/triangulate.h).
 *
 * Linear step: the homogeneous DLT of Hartley & Zisserman (Multiple View Geometry, 2nd ed.,
 * §12.2) on undistorted normalised coordinates, each camera's two rows scaled by sqrt(w),
 * solved as the eigenvector of the smallest eigenvalue of the 4x4 normal matrix AᵀA (GSL's
 * symmetric eigensolver): the right singular vector of A's smallest singular value. With the
 * columns scaled to comparable size (DLT_SCALE_MM) squaring the condition number costs
 * nothing that the refinement does not recover, and it took half the time of GSL's SVD of
 * the 2n x 4 A (which was a third of kc-triangulate's run). Nonlinear step: Levenberg-damped Gauss–Newton on the weighted sum of
 * squared pixel reprojection errors with the analytic point Jacobian of camera.h, i.e. the
 * maximum-likelihood point under Gaussian pixel noise (H&Z §12.3 "gold standard").
 * Consensus: an MSAC-scored (Torr & Zisserman 2000) sequence of two-view hypotheses taken in
 * a fixed order (widest index spread first, which on a ring of cameras is the widest
 * baseline), so the work is bounded by max_hypotheses·n projections and the result is
 * deterministic.
 */
#include "kinechain/triangulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <omp.h>

#include "kinechain/log.h"

/* The homogeneous column of the DLT is divided by this (mm) so that the four columns of A
 * have comparable size (camera translations are metres, rotation entries are ~1). */
#define DLT_SCALE_MM 1000.0

struct kc_tri_ws {
    size_t max_cameras;
    int *seen;          /* [max] indices of cameras with an observation */
    double *xn;         /* [max][2] undistorted normalised coordinates (by seen position) */
    double *w;          /* [max] weights */
    double *err;        /* [max] reprojection error, px */
    unsigned char *in;  /* [max] current set */
    unsigned char *best;/* [max] best consensus set */
    int *sub;           /* [max] indices into seen */
    gsl_matrix *N;      /* [4, 4] the DLT's normal matrix AᵀA */
    gsl_matrix *V;      /* [4, 4] its eigenvectors */
    gsl_vector *ev;     /* [4] its eigenvalues */
    gsl_eigen_symmv_workspace *eig;
};

kc_tri_params kc_tri_default_params(void)
{
    kc_tri_params p;
    p.min_cameras = 2;
    p.outlier_px = 4.0;
    p.max_hypotheses = 24;
    p.max_iter = 20;
    p.tol_mm = 1e-9;
    return p;
}

int kc_tri_check_params(const kc_tri_params *p)
{
    if (!p) {
        KC_ERROR("triangulation parameters missing");
        return KC_EINVAL;
    }
    if (p->min_cameras < 2 || p->min_cameras > 254) {
        KC_ERROR("triangulation: min_cameras = %d is not in [2, 254]", p->min_cameras);
        return KC_EINVAL;
    }
    if (!(p->outlier_px > 0.0) || !isfinite(p->outlier_px)) {
        KC_ERROR("triangulation: outlier_px = %g is not a positive number", p->outlier_px);
        return KC_EINVAL;
    }
    if (p->max_hypotheses < 1 || p->max_iter < 1) {
        KC_ERROR("triangulation: max_hypotheses = %d and max_iter = %d must be >= 1",
                 p->max_hypotheses, p->max_iter);
        return KC_EINVAL;
    }
    if (!(p->tol_mm > 0.0) || !isfinite(p->tol_mm)) {
        KC_ERROR("triangulation: tol_mm = %g is not a positive number", p->tol_mm);
        return KC_EINVAL;
    }
    return KC_OK;
}

kc_tri_ws *kc_tri_ws_alloc(size_t max_cameras)
{
    if (max_cameras < 2 || max_cameras > 100000)
        return NULL;
    kc_tri_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    size_t n = max_cameras;
    ws->max_cameras = n;
    ws->seen = malloc(n * sizeof *ws->seen);
    ws->sub = malloc(n * sizeof *ws->sub);
    ws->xn = malloc(2 * n * sizeof *ws->xn);
    ws->w = malloc(n * sizeof *ws->w);
    ws->err = malloc(n * sizeof *ws->err);
    ws->in = malloc(n);
    ws->best = malloc(n);
    ws->N = gsl_matrix_alloc(4, 4);
    ws->V = gsl_matrix_alloc(4, 4);
    ws->ev = gsl_vector_alloc(4);
    ws->eig = gsl_eigen_symmv_alloc(4);
    if (!ws->seen || !ws->sub || !ws->xn || !ws->w || !ws->err || !ws->in || !ws->best ||
        !ws->N || !ws->V || !ws->ev || !ws->eig) {
        kc_tri_ws_free(ws);
        return NULL;
    }
    return ws;
}

void kc_tri_ws_free(kc_tri_ws *ws)
{
    if (!ws)
        return;
    free(ws->seen);
    free(ws->sub);
    free(ws->xn);
    free(ws->w);
    free(ws->err);
    free(ws->in);
    free(ws->best);
    if (ws->N)
        gsl_matrix_free(ws->N);
    if (ws->V)
        gsl_matrix_free(ws->V);
    if (ws->ev)
        gsl_vector_free(ws->ev);
    if (ws->eig)
        gsl_eigen_symmv_free(ws->eig);
    free(ws);
}

/* DLT over the k cameras ws->sub[0..k-1] (positions in ws->seen). Returns false when the
 * solution is at infinity or not finite. */
static bool dlt(kc_tri_ws *ws, const kc_camera *cams, int k, double X[3])
{
    double N[4][4] = {{0}};
    for (int r = 0; r < k; r++) {
        int j = ws->sub[r];
        const kc_camera *c = &cams[ws->seen[j]];
        double s = sqrt(ws->w[j]);
        const double *x = &ws->xn[2 * j];
        for (int q = 0; q < 2; q++) {
            /* the row of A: x_q·(R3·X + t3) − (Rq·X + tq) = 0 */
            double a[4];
            for (int col = 0; col < 3; col++)
                a[col] = s * (x[q] * c->R.m[2][col] - c->R.m[q][col]);
            double tq = q == 0 ? c->t.x : c->t.y;
            a[3] = s * (x[q] * c->t.z - tq) / DLT_SCALE_MM;
            for (int u = 0; u < 4; u++)
                for (int v = 0; v <= u; v++)
                    N[u][v] += a[u] * a[v];
        }
    }
    for (int u = 0; u < 4; u++)
        for (int v = 0; v <= u; v++) {
            gsl_matrix_set(ws->N, (size_t)u, (size_t)v, N[u][v]);
            gsl_matrix_set(ws->N, (size_t)v, (size_t)u, N[u][v]);
        }
    if (gsl_eigen_symmv(ws->N, ws->ev, ws->V, ws->eig))
        return false;
    size_t m = gsl_vector_min_index(ws->ev);
    double h3 = gsl_matrix_get(ws->V, 3, m);
    if (!(fabs(h3) > 1e-300))
        return false;
    for (int i = 0; i < 3; i++)
        X[i] = gsl_matrix_get(ws->V, (size_t)i, m) / h3 * DLT_SCALE_MM;
    return isfinite(X[0]) && isfinite(X[1]) && isfinite(X[2]);
}

/* Reprojection error (px) of X in seen camera j; +inf behind the camera. */
static double reproj_err(const kc_camera *cams, const kc_tri_ws *ws, const double *uv,
                         size_t uv_stride, int j, const double X[3])
{
    int c = ws->seen[j];
    double p[2];
    if (!kc_camera_project(&cams[c], kc_v3(X[0], X[1], X[2]), p))
        return INFINITY;
    const double *o = uv + (size_t)c * uv_stride;
    return hypot(p[0] - o[0], p[1] - o[1]);
}

/* Weighted cost of X over the k cameras in ws->sub: the sum of squared pixel errors (summed as
 * squares: hypot, then squaring, took a tenth of a run). */
static double cost(const kc_camera *cams, const kc_tri_ws *ws, const double *uv,
                   size_t uv_stride, int k, const double X[3])
{
    double s = 0.0;
    for (int r = 0; r < k; r++) {
        int j = ws->sub[r], c = ws->seen[j];
        double p[2];
        if (!kc_camera_project(&cams[c], kc_v3(X[0], X[1], X[2]), p))
            return INFINITY;
        const double *o = uv + (size_t)c * uv_stride;
        double dx = p[0] - o[0], dy = p[1] - o[1], e2 = dx * dx + dy * dy;
        if (!isfinite(e2))
            return INFINITY;
        s += ws->w[j] * e2;
    }
    return s;
}

/* Solve the symmetric 3x3 system H d = g by Cholesky; false if not positive definite. */
static bool solve3(const double H[9], const double g[3], double d[3])
{
    double L00 = H[0];
    if (!(L00 > 0))
        return false;
    L00 = sqrt(L00);
    double L10 = H[3] / L00, L20 = H[6] / L00;
    double L11 = H[4] - L10 * L10;
    if (!(L11 > 0))
        return false;
    L11 = sqrt(L11);
    double L21 = (H[7] - L20 * L10) / L11;
    double L22 = H[8] - L20 * L20 - L21 * L21;
    if (!(L22 > 0))
        return false;
    L22 = sqrt(L22);
    double y0 = g[0] / L00, y1 = (g[1] - L10 * y0) / L11, y2 = (g[2] - L20 * y0 - L21 * y1) / L22;
    d[2] = y2 / L22;
    d[1] = (y1 - L21 * d[2]) / L11;
    d[0] = (y0 - L10 * d[1] - L20 * d[2]) / L00;
    return true;
}

/* Levenberg-damped Gauss–Newton on the k cameras in ws->sub, starting at X. */
static void refine(const kc_tri_params *p, const kc_camera *cams, const kc_tri_ws *ws,
                   const double *uv, size_t uv_stride, int k, double X[3])
{
    double f = cost(cams, ws, uv, uv_stride, k, X);
    if (!isfinite(f))
        return;
    double lambda = 1e-6;
    for (int it = 0; it < p->max_iter; it++) {
        double H[9] = {0}, g[3] = {0};
        for (int r = 0; r < k; r++) {
            int j = ws->sub[r];
            int c = ws->seen[j];
            double pr[2], J[6];
            if (!kc_camera_project_jac(&cams[c], kc_v3(X[0], X[1], X[2]), pr, J, NULL))
                return;
            const double *o = uv + (size_t)c * uv_stride;
            double res[2] = {o[0] - pr[0], o[1] - pr[1]};
            double w = ws->w[j];
            for (int a = 0; a < 3; a++) {
                g[a] += w * (J[a] * res[0] + J[3 + a] * res[1]);
                for (int b = 0; b < 3; b++)
                    H[3 * a + b] += w * (J[a] * J[b] + J[3 + a] * J[3 + b]);
            }
        }
        bool accepted = false;
        double step = 0.0;
        for (int tries = 0; tries < 10 && !accepted; tries++) {
            double Hd[9];
            memcpy(Hd, H, sizeof Hd);
            for (int a = 0; a < 3; a++)
                Hd[4 * a] += lambda * H[4 * a];
            double d[3], Xn[3];
            if (!solve3(Hd, g, d)) {
                lambda *= 10.0;
                continue;
            }
            for (int a = 0; a < 3; a++)
                Xn[a] = X[a] + d[a];
            double fn = cost(cams, ws, uv, uv_stride, k, Xn);
            if (fn <= f) {
                accepted = true;
                memcpy(X, Xn, sizeof Xn);
                f = fn;
                step = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                lambda = fmax(lambda * 0.1, 1e-12);
            } else {
                lambda *= 10.0;
            }
        }
        if (!accepted || step < p->tol_mm)
            return;
    }
}

/* Whether the cameras in set outweigh the others among the k seen: a strict majority of the
 * views' weights (/weights: a keypoint detector's confidences; 1 for markers, where this is a
 * strict majority of the cameras). */
static bool outweighs(const kc_tri_ws *ws, const unsigned char *set, int k)
{
    double in = 0.0, out = 0.0;
    for (int j = 0; j < k; j++) {
        if (set[j])
            in += ws->w[j];
        else
            out += ws->w[j];
    }
    return in > out;
}

/* Set ws->sub to the members of set (over k_seen), return their count. */
static int set_to_sub(kc_tri_ws *ws, const unsigned char *set, int k_seen)
{
    int k = 0;
    for (int j = 0; j < k_seen; j++)
        if (set[j])
            ws->sub[k++] = j;
    return k;
}

int kc_tri_point(const kc_tri_params *p, kc_tri_ws *ws, const kc_camera *cams, size_t n,
                 const double *uv, size_t uv_stride, const double *w, size_t w_stride,
                 uint8_t *used, kc_tri_result *out)
{
    if (!p || !ws || !cams || !uv || !out || n > ws->max_cameras || uv_stride < 2)
        return KC_EINVAL;
    out->X[0] = out->X[1] = out->X[2] = NAN;
    out->residual_px = NAN;
    out->n_seen = 0;
    out->n_used = 0;
    if (used)
        memset(used, 0, n);

    int k = 0;
    for (size_t c = 0; c < n; c++) {
        const double *o = uv + c * uv_stride;
        double wc = w ? w[c * w_stride] : 1.0;
        if (!isfinite(o[0]) || !isfinite(o[1]) || !(wc > 0.0))
            continue;
        if (kc_camera_undistort(&cams[c], o, &ws->xn[2 * k]) != KC_OK)
            continue;   /* outside the invertible part of the distortion: not usable */
        ws->seen[k] = (int)c;
        ws->w[k] = wc;
        k++;
    }
    out->n_seen = k;
    if (k < 2 || k < p->min_cameras)
        return KC_OK;

    /* Consensus over two-view hypotheses: pairs (a, a+d mod k), d from k/2 down to 1. */
    double thr_h = 2.0 * p->outlier_px;
    int best_n = 0;
    double best_score = INFINITY;
    int hyp = 0;
    bool ambiguous = false;
    for (int d = k / 2; d >= 1 && hyp < p->max_hypotheses && best_n < k; d--) {
        for (int a = 0; a < k && hyp < p->max_hypotheses && best_n < k; a++) {
            int b = (a + d) % k;
            if (2 * d == k && a >= d)
                break;   /* (a, a+k/2) and (a+k/2, a) are the same pair */
            hyp++;
            ws->sub[0] = a;
            ws->sub[1] = b;
            double X[3];
            if (!dlt(ws, cams, 2, X))
                continue;
            int cnt = 0;
            double score = 0.0;
            for (int j = 0; j < k; j++) {
                double e = reproj_err(cams, ws, uv, uv_stride, j, X);
                ws->in[j] = e <= thr_h;
                cnt += ws->in[j];
                score += ws->in[j] ? e * e : thr_h * thr_h;
            }
            if (cnt > best_n) {
                ambiguous = false;
            } else if (cnt == best_n && cnt >= 2) {
                /* a tie: ambiguous unless both sets share a pair of cameras (then they
                 * describe the same point and the final test sorts out the rest) */
                int common = 0;
                for (int j = 0; j < k; j++)
                    common += ws->in[j] && ws->best[j];
                ambiguous |= common < 2;
            }
            if (cnt > best_n || (cnt == best_n && score < best_score)) {
                best_n = cnt;
                best_score = score;
                memcpy(ws->best, ws->in, (size_t)k);
            }
        }
    }
    /* Only a strict majority of the views is trusted: when half of them or more disagree
     * (say two of four cameras agree and the other two do not), nothing tells which half
     * saw the marker, so the point is missing rather than possibly wrong. With weights the
     * majority is of the weights: two confident views agreeing outweigh two doubtful ones
     * that do not (a pose estimator's guesses at an occluded joint), as a third camera
     * would. */
    if (best_n < 2 || ambiguous || (k >= 3 && !outweighs(ws, ws->best, k)))
        return KC_OK;

    /* Linear solution of the consensus set, refined; then the final set by outlier_px at
     * the refined point, refined again while it changes (at most 4 rounds). */
    double X[3];
    int m = set_to_sub(ws, ws->best, k);
    if (!dlt(ws, cams, m, X))
        return KC_OK;
    refine(p, cams, ws, uv, uv_stride, m, X);
    for (int round = 0; round < 4; round++) {
        bool changed = false;
        for (int j = 0; j < k; j++) {
            ws->err[j] = reproj_err(cams, ws, uv, uv_stride, j, X);
            unsigned char in = ws->err[j] <= p->outlier_px;
            changed |= in != ws->best[j];
            ws->best[j] = in;
        }
        if (!changed)
            break;
        m = set_to_sub(ws, ws->best, k);
        if (m < 2)
            return KC_OK;
        refine(p, cams, ws, uv, uv_stride, m, X);
        if (round == 3)   /* last round: the set must describe X as returned */
            for (int j = 0; j < k; j++) {
                ws->err[j] = reproj_err(cams, ws, uv, uv_stride, j, X);
                ws->best[j] = ws->err[j] <= p->outlier_px;
            }
    }
    m = set_to_sub(ws, ws->best, k);
    if (m < p->min_cameras || m < 2 || (k >= 3 && !outweighs(ws, ws->best, k)))
        return KC_OK;
    double ss = 0.0;
    for (int r = 0; r < m; r++) {
        int j = ws->sub[r];
        ss += ws->err[j] * ws->err[j];
        if (used)
            used[ws->seen[j]] = 1;
    }
    memcpy(out->X, X, sizeof X);
    out->residual_px = sqrt(ss / m);
    out->n_used = m;
    return KC_OK;
}

int kc_tri_all(const kc_tri_params *p, const kc_camera *cams, size_t C, size_t F, size_t M,
               const double *points, const double *weights, double *position,
               double *residual, uint8_t *n_seen, uint8_t *camera_used)
{
    if (kc_tri_check_params(p))
        return KC_EINVAL;
    if (!cams || C < 2 || !points || !position || !residual || !n_seen || !camera_used) {
        KC_ERROR("triangulation needs at least two cameras and every output array");
        return KC_EINVAL;
    }
    int nt = omp_get_max_threads();
    kc_tri_ws **ws = calloc((size_t)nt, sizeof *ws);
    double *uv = malloc((size_t)nt * C * 2 * sizeof *uv);
    double *wt = malloc((size_t)nt * C * sizeof *wt);
    int st = KC_OK;
    if (!ws || !uv || !wt)
        st = KC_ENOMEM;
    for (int t = 0; t < nt && st == KC_OK; t++)
        if (!(ws[t] = kc_tri_ws_alloc(C)))
            st = KC_ENOMEM;
    if (st == KC_OK) {
        long nF = (long)F;
#pragma omp parallel for schedule(dynamic, 8) num_threads(nt)
        for (long f = 0; f < nF; f++) {
            int t = omp_get_thread_num();
            double *u = uv + (size_t)t * C * 2;
            double *ww = wt + (size_t)t * C;
            for (size_t mk = 0; mk < M; mk++) {
                /* gather this point's observations: points[c][f][mk][:] */
                for (size_t c = 0; c < C; c++) {
                    const double *o = points + ((c * F + (size_t)f) * M + mk) * 2;
                    u[2 * c] = o[0];
                    u[2 * c + 1] = o[1];
                    ww[c] = weights ? weights[(c * F + (size_t)f) * M + mk] : 1.0;
                }
                size_t fm = (size_t)f * M + mk;
                kc_tri_result r = {{NAN, NAN, NAN}, NAN, 0, 0};
                /* arguments were checked above: this cannot fail */
                if (kc_tri_point(p, ws[t], cams, C, u, 2, ww, 1, camera_used + fm * C, &r))
                    r.n_seen = 0;
                memcpy(position + 3 * fm, r.X, sizeof r.X);
                residual[fm] = r.residual_px;
                n_seen[fm] = (uint8_t)(r.n_seen > 254 ? 254 : r.n_seen);
            }
        }
    }
    if (ws)
        for (int t = 0; t < nt; t++)
            kc_tri_ws_free(ws[t]);
    free(ws);
    free(uv);
    free(wt);
    if (st == KC_ENOMEM)
        KC_ERROR("out of memory for triangulation workspaces (%zu cameras, %d threads)", C, nt);
    return st;
}
