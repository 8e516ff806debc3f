/* Bundle adjustment of a wand capture: Levenberg–Marquardt (Marquardt's diagonal scaling)
 * over every camera's fx, fy, cx, cy, k1, k2, p1, p2 and pose (k3 held at 0) and every
 * frame's wand pose — centre (3) and direction (2, a local basis orthogonal to it), the
 * three markers at their known offsets along it, so the wand fixes the scale. The frame
 * blocks are eliminated by the Schur complement (Triggs et al. 2000, "Bundle adjustment — a
 * modern synthesis", §6.1): S = U − Σ_f W_f V_f⁻¹ W_fᵀ, a dense (14·C)² system solved by
 * GSL's Cholesky, then the frame steps by back-substitution; the work per iteration is
 * linear in the number of frames. Huber loss by iteratively reweighted least squares, and
 * residuals far beyond the noise (spurious wands) get weight 0. The gauge: the root
 * camera's pose is held fixed. OpenMP: frames in fixed chunks of CHUNK whose partial sums are
 * added in chunk order, per-frame work (V⁻¹, W V⁻¹, back-substitution) independent, and the
 * reduced system one camera-pair block per task with its frames summed in order — so every
 * sum is formed in the same order at any thread count: the same bytes with 1 or 16 threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "calib.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"

#define NPF 5
#define GATE_WIDE 1e4   /* px: the gate of the first phase (nothing real is beyond it) */
#define N_GATES 5       /* phases of the gate: GATE_WIDE, 64, 32, 16 px, outlier_px */

kc_ba_params kc_ba_default_params(void)
{
    kc_ba_params p = {100, 1.0, 8.0, 1e-7, 0};
    return p;
}

typedef struct ba {
    size_t C, F, nf, np;
    int map[KC_CAM_NPARAM];     /* adjusted parameter k -> index in camera.h's vector */
    const double *det;
    size_t *fidx;
    kc_vec3 *cen, *dir;
    double off[3];
    const uint8_t *usable;
    int root;
    double huber, gate;
} ba;

static void basis(kc_vec3 d, kc_vec3 *e1, kc_vec3 *e2)
{
    kc_vec3 a = fabs(d.x) <= fabs(d.y) && fabs(d.x) <= fabs(d.z) ? kc_v3(1, 0, 0)
                : fabs(d.y) <= fabs(d.z)                        ? kc_v3(0, 1, 0)
                                                                : kc_v3(0, 0, 1);
    *e1 = kc_v3_unit(kc_v3_cross(d, a));
    *e2 = kc_v3_cross(d, *e1);
}

/* Huber cost and weight of a residual norm s, truncated at the gate. */
static double rho(const ba *b, double s, double *w)
{
    double d = b->huber;
    if (s > b->gate) {
        if (w)
            *w = 0;
        return 2 * d * b->gate - d * d;
    }
    if (w)
        *w = s <= d ? 1.0 : d / s;
    return s <= d ? s * s : 2 * d * s - d * d;
}

/* Frames per partial sum. The partial sums of a chunk are added in frame order and the chunks
 * in chunk order, whatever the number of threads: results are identical at any thread count. */
#define CHUNK 32

static double frame_cost(const ba *b, const kc_camera *cams, const kc_vec3 *cen,
                         const kc_vec3 *dir, size_t q)
{
    double cost = 0;
    size_t f = b->fidx[q];
    for (size_t c = 0; c < b->C; c++) {
        const double *o = b->det + (c * b->F + f) * 6;
        if (!b->usable[c] || !isfinite(o[0]))
            continue;
        for (int m = 0; m < 3; m++) {
            double uv[2];
            kc_vec3 X = kc_v3_axpy(cen[q], b->off[m], dir[q]);
            double s = b->gate;
            if (kc_camera_project(&cams[c], X, uv))
                s = hypot(o[2 * m] - uv[0], o[2 * m + 1] - uv[1]);
            cost += rho(b, isfinite(s) ? s : INFINITY, NULL);
        }
    }
    return cost;
}

/* part: [nchunk] scratch */
static double total_cost(const ba *b, const kc_camera *cams, const kc_vec3 *cen,
                         const kc_vec3 *dir, double *part)
{
    long nchunk = (long)((b->nf + CHUNK - 1) / CHUNK);
#pragma omp parallel for schedule(dynamic, 1)
    for (long ch = 0; ch < nchunk; ch++) {
        double s = 0;
        size_t q1 = (size_t)(ch + 1) * CHUNK < b->nf ? (size_t)(ch + 1) * CHUNK : b->nf;
        for (size_t q = (size_t)ch * CHUNK; q < q1; q++)
            s += frame_cost(b, cams, cen, dir, q);
        part[ch] = s;
    }
    double cost = 0;
    for (long ch = 0; ch < nchunk; ch++)
        cost += part[ch];
    return cost;
}

/* Frame q's normal-equation blocks: V_q, g_q, W_qc (frame storage, overwritten) and its
 * camera terms added to Uc [C][np][np], gc [C][np] (a chunk's partial sums). Returns the
 * frame's cost. */
static double frame_normal(const ba *b, const kc_camera *cams, size_t q, double *Uc0,
                           double *gc0, double *V, double *gf, double *W)
{
    size_t f = b->fidx[q], np = b->np, C = b->C;
    double cost = 0;
    double *Vq = V + q * NPF * NPF, *gq = gf + q * NPF;
    memset(Vq, 0, NPF * NPF * sizeof *Vq);
    memset(gq, 0, NPF * sizeof *gq);
    memset(W + q * C * np * NPF, 0, C * np * NPF * sizeof *W);
    kc_vec3 e1, e2;
    basis(b->dir[q], &e1, &e2);
    for (size_t c = 0; c < C; c++) {
        const double *o = b->det + (c * b->F + f) * 6;
        if (!b->usable[c] || !isfinite(o[0]))
            continue;
        for (int m = 0; m < 3; m++) {
            kc_vec3 X = kc_v3_axpy(b->cen[q], b->off[m], b->dir[q]);
            double uv[2], Jp[6], Jc[2 * KC_CAM_NPARAM];
            if (!kc_camera_project_jac(&cams[c], X, uv, Jp, Jc)) {
                cost += rho(b, INFINITY, NULL);
                continue;
            }
            double r[2] = {o[2 * m] - uv[0], o[2 * m + 1] - uv[1]}, w;
            cost += rho(b, hypot(r[0], r[1]), &w);
            if (w == 0)
                continue;
            double Jf[2][NPF], Jk[2][14];
            for (int i = 0; i < 2; i++) {
                const double *jp = Jp + 3 * i;
                Jf[i][0] = jp[0], Jf[i][1] = jp[1], Jf[i][2] = jp[2];
                Jf[i][3] = b->off[m] * (jp[0] * e1.x + jp[1] * e1.y + jp[2] * e1.z);
                Jf[i][4] = b->off[m] * (jp[0] * e2.x + jp[1] * e2.y + jp[2] * e2.z);
                for (size_t k = 0; k < np; k++)
                    Jk[i][k] = Jc[KC_CAM_NPARAM * i + b->map[k]];
            }
            double *Uc = Uc0 + c * np * np, *g = gc0 + c * np;
            double *Wq = W + (q * C + c) * np * NPF;
            for (int i = 0; i < 2; i++) {
                for (size_t a = 0; a < np; a++) {
                    g[a] += w * Jk[i][a] * r[i];
                    for (size_t k = 0; k < np; k++)
                        Uc[a * np + k] += w * Jk[i][a] * Jk[i][k];
                    for (int k = 0; k < NPF; k++)
                        Wq[a * NPF + (size_t)k] += w * Jk[i][a] * Jf[i][k];
                }
                for (int a = 0; a < NPF; a++) {
                    gq[a] += w * Jf[i][a] * r[i];
                    for (int k = 0; k < NPF; k++)
                        Vq[a * NPF + k] += w * Jf[i][a] * Jf[i][k];
                }
            }
        }
    }
    return cost;
}

/* per-camera statistics over residuals below the gate */
static void stats(const ba *b, const kc_camera *cams, kc_ba_report *rep)
{
    double tot = 0;
    long ntot = 0;
    for (size_t c = 0; c < b->C && c < 256; c++) {
        double ss = 0;
        long n = 0;
        for (size_t q = 0; q < b->nf; q++) {
            size_t f = b->fidx[q];
            const double *o = b->det + (c * b->F + f) * 6;
            if (!b->usable[c] || !isfinite(o[0]))
                continue;
            for (int m = 0; m < 3; m++) {
                double uv[2];
                kc_vec3 X = kc_v3_axpy(b->cen[q], b->off[m], b->dir[q]);
                if (!kc_camera_project(&cams[c], X, uv))
                    continue;
                double e2 = (o[2 * m] - uv[0]) * (o[2 * m] - uv[0]) +
                            (o[2 * m + 1] - uv[1]) * (o[2 * m + 1] - uv[1]);
                if (sqrt(e2) <= b->gate) {
                    ss += e2;
                    n++;
                }
            }
        }
        /* RMS per coordinate */
        rep->cam_rms_px[c] = n ? sqrt(ss / (2.0 * (double)n)) : NAN;
        rep->cam_n_obs[c] = n;
        tot += ss;
        ntot += n;
    }
    rep->rms_px = ntot ? sqrt(tot / (2.0 * (double)ntot)) : NAN;
    rep->n_obs = ntot;
}

static int init_frames(ba *b, const kc_camera *cams)
{
    size_t C = b->C;
    kc_mat3 *R = malloc(C * sizeof *R);
    kc_vec3 *t = malloc(C * sizeof *t);
    double *xn = malloc(C * 2 * sizeof *xn);
    if (!R || !t || !xn) {
        free(R), free(t), free(xn);
        return KC_ENOMEM;
    }
    double mean_off = (b->off[0] + b->off[1] + b->off[2]) / 3.0;
    (void)mean_off;
    size_t nf = 0;
    for (size_t f = 0; f < b->F; f++) {
        size_t nc = 0;
        for (size_t c = 0; c < C; c++)
            nc += b->usable[c] && isfinite(b->det[(c * b->F + f) * 6]);
        if (nc < 2)
            continue;
        kc_vec3 X[3];
        int ok = 1;
        for (int m = 0; m < 3; m++) {
            size_t k = 0;
            for (size_t c = 0; c < C; c++) {
                const double *o = b->det + (c * b->F + f) * 6;
                if (!b->usable[c] || !isfinite(o[0]))
                    continue;
                if (kc_camera_undistort(&cams[c], o + 2 * m, xn + 2 * k))
                    continue;
                R[k] = cams[c].R;
                t[k] = cams[c].t;
                k++;
            }
            X[m] = k >= 2 ? kc_triangulate_linear(R, t, xn, k) : kc_v3(NAN, NAN, NAN);
            ok &= isfinite(X[m].x) && isfinite(X[m].y) && isfinite(X[m].z);
        }
        if (!ok)
            continue;
        kc_vec3 c0 = kc_v3_scale(kc_v3_add(kc_v3_add(X[0], X[1]), X[2]), 1.0 / 3.0);
        kc_vec3 d = kc_v3(0, 0, 0);
        for (int m = 0; m < 3; m++)
            d = kc_v3_axpy(d, b->off[m], kc_v3_sub(X[m], c0));
        d = kc_v3_unit(d);
        if (kc_v3_norm(d) == 0)
            continue;
        b->fidx[nf] = f;
        b->cen[nf] = c0;
        b->dir[nf] = d;
        nf++;
    }
    b->nf = nf;
    free(R), free(t), free(xn);
    return KC_OK;
}

/* The unscaled covariance of the camera parameters from the undamped reduced camera system S
 * at the solution (its inverse is the camera block of the inverse of the full JᵀWJ: Triggs
 * et al. 2000, §6.1; Hartley & Zisserman 2004, §A6.4), into cov [C·15]² in camera.h's
 * parameter order; parameters not adjusted (k3; the gauge camera's pose; intrinsics with
 * --intrinsics; unusable cameras) get 0 rows and columns. S is destroyed. NaN everywhere
 * when S is singular (the caller says so). */
static void covariance(const ba *b, gsl_matrix *S, int bad, double *cov)
{
    size_t C = b->C, np = b->np, N = C * np, M = C * KC_CAM_NPARAM;
    if (!cov)
        return;
    memset(cov, 0, M * M * sizeof *cov);
    if (bad || gsl_linalg_cholesky_decomp1(S) || gsl_linalg_cholesky_invert(S)) {
        for (size_t i = 0; i < M * M; i++)
            cov[i] = NAN;
        return;
    }
    for (size_t i = 0; i < N; i++) {
        size_t ci = i / np, ai = i % np;
        if (!b->usable[ci] || ((int)ci == b->root && b->map[ai] >= 9))
            continue;
        for (size_t k = 0; k < N; k++) {
            size_t ck = k / np, ak = k % np;
            if (!b->usable[ck] || ((int)ck == b->root && b->map[ak] >= 9))
                continue;
            cov[(ci * KC_CAM_NPARAM + (size_t)b->map[ai]) * M + ck * KC_CAM_NPARAM +
                (size_t)b->map[ak]] = gsl_matrix_get(S, i, k);
        }
    }
}

int kc_ba_wand(const kc_ba_params *p, const double *det, size_t C, size_t F,
               const double wand_mm[3], int root, const uint8_t *usable, kc_camera *cams,
               kc_ba_report *rep)
{
    ba b = {0};
    double *wxyz = rep->wand_xyz;   /* rep is cleared below */
    double *rep_cov = rep->cov;
    b.C = C, b.F = F, b.det = det, b.usable = usable, b.root = root, b.huber = p->huber_px;
    double mw = (wand_mm[0] + wand_mm[1] + wand_mm[2]) / 3.0;
    for (int m = 0; m < 3; m++)
        b.off[m] = wand_mm[m] - mw;
    if (p->fix_intrinsics) {
        b.np = 6;
        for (int k = 0; k < 6; k++)
            b.map[k] = 9 + k;
    } else {
        b.np = 14;
        for (int k = 0; k < 14; k++)
            b.map[k] = k < 8 ? k : k + 1;
    }
    size_t np = b.np, N = C * np;
    int st = KC_ENOMEM;
    double *U = NULL, *gc = NULL, *V = NULL, *gf = NULL, *W = NULL, *dc = NULL;
    double *Vinv = NULL, *WV = NULL, *Up = NULL, *gp = NULL, *part = NULL;
    kc_vec3 *cen2 = NULL, *dir2 = NULL;
    kc_camera *cams2 = NULL;
    gsl_matrix *S = NULL;
    double *Sd = NULL;   /* the reduced system, accumulated in a plain array */
    gsl_vector *rhs = NULL, *sol = NULL;
    b.fidx = malloc(F * sizeof *b.fidx);
    b.cen = malloc(F * sizeof *b.cen);
    b.dir = malloc(F * sizeof *b.dir);
    cen2 = malloc(F * sizeof *cen2);
    dir2 = malloc(F * sizeof *dir2);
    cams2 = malloc(C * sizeof *cams2);
    U = calloc(C * np * np, sizeof *U);
    gc = calloc(N, sizeof *gc);
    dc = calloc(N, sizeof *dc);
    S = gsl_matrix_alloc(N, N);
    Sd = malloc(N * N * sizeof *Sd);
    rhs = gsl_vector_alloc(N);
    sol = gsl_vector_alloc(N);
    if (!b.fidx || !b.cen || !b.dir || !cen2 || !dir2 || !cams2 || !U || !gc || !dc || !S || !Sd ||
        !rhs || !sol)
        goto out;
    if ((st = init_frames(&b, cams)))
        goto out;
    size_t nf = b.nf;
    st = KC_ENOMEM;
    V = calloc(nf * NPF * NPF, sizeof *V);
    gf = calloc(nf * NPF, sizeof *gf);
    W = calloc(nf * C * np * NPF, sizeof *W);
    size_t nchunk = (nf + CHUNK - 1) / CHUNK;
    Vinv = malloc(nf * NPF * NPF * sizeof *Vinv);
    WV = malloc(nf * C * np * NPF * sizeof *WV);
    Up = malloc(nchunk * C * np * np * sizeof *Up);
    gp = malloc(nchunk * N * sizeof *gp);
    part = malloc(nchunk * sizeof *part);
    if (!V || !gf || !W || !Vinv || !WV || !Up || !gp || !part)
        goto out;
    st = KC_ENUMERIC;
    if (nf < 10) {
        KC_ERROR("only %zu wand frames are seen by two calibrated cameras", nf);
        goto out;
    }
    b.gate = INFINITY;
    double lambda = 1e-3, t0 = kc_now();
    int it, n_iter = 0;
    /* final: 0 while adjusting; 1 for one more pass at the solution that forms the undamped
     * reduced camera system for the covariance; 2 when done */
    int final = 0, phase = 0;
    static const double gates[N_GATES] = {GATE_WIDE, 64, 32, 16, 0};
    for (it = 0; final < 2; it++) {
        /* phases: first the Huber loss alone (a gate far beyond any real residual), then
         * the gate narrowed step by step down to outlier_px, each step once the fit has
         * (coarsely) converged at the previous one. A gate that narrows with the fit alone
         * shuts out the observations the starting model fits worst — those at the image
         * edges, where the distortion is not yet estimated — and leaves the adjustment
         * crawling in a local minimum of the truncated cost without them. */
        b.gate = fmax(gates[phase], p->outlier_px);
        /* normal equations: chunks of frames in parallel, reduced in chunk order */
        memset(Up, 0, nchunk * C * np * np * sizeof *Up);
        memset(gp, 0, nchunk * N * sizeof *gp);
#pragma omp parallel for schedule(dynamic, 1)
        for (long ch = 0; ch < (long)nchunk; ch++) {
            double s = 0;
            size_t q1 = (size_t)(ch + 1) * CHUNK < nf ? (size_t)(ch + 1) * CHUNK : nf;
            for (size_t q = (size_t)ch * CHUNK; q < q1; q++)
                s += frame_normal(&b, cams, q, Up + (size_t)ch * C * np * np,
                                  gp + (size_t)ch * N, V, gf, W);
            part[ch] = s;
        }
        memset(U, 0, C * np * np * sizeof *U);
        memset(gc, 0, N * sizeof *gc);
        double cost0 = 0;
        for (size_t ch = 0; ch < nchunk; ch++) {
            for (size_t i = 0; i < C * np * np; i++)
                U[i] += Up[ch * C * np * np + i];
            for (size_t i = 0; i < N; i++)
                gc[i] += gp[ch * N + i];
            cost0 += part[ch];
        }
        int accepted = 0;
        double cost1 = cost0;
        if (final)
            lambda = 0;
        for (int trial = 0; trial < 12 && !accepted; trial++) {
            /* per frame: the damped V⁻¹ and W_qc V⁻¹ (independent: parallel) */
            int bad = 0;
#pragma omp parallel for schedule(dynamic, 16) reduction(|| : bad)
            for (long ql = 0; ql < (long)nf; ql++) {
                size_t q = (size_t)ql;
                double *Vi = Vinv + q * NPF * NPF;
                gsl_matrix_view vv = gsl_matrix_view_array(Vi, NPF, NPF);
                memcpy(Vi, V + q * NPF * NPF, NPF * NPF * sizeof *Vi);
                for (int a2 = 0; a2 < NPF; a2++)
                    Vi[a2 * NPF + a2] = Vi[a2 * NPF + a2] * (1 + lambda) + 1e-9;
                if (gsl_linalg_cholesky_decomp1(&vv.matrix) ||
                    gsl_linalg_cholesky_invert(&vv.matrix)) {
                    bad = 1;
                    continue;
                }
                for (size_t c = 0; c < C; c++) {
                    const double *Wc = W + (q * C + c) * np * NPF;
                    double *WVc = WV + (q * C + c) * np * NPF;
                    for (size_t a2 = 0; a2 < np; a2++)
                        for (int k = 0; k < NPF; k++) {
                            double s = 0;
                            for (int l = 0; l < NPF; l++)
                                s += Wc[a2 * NPF + (size_t)l] * Vi[l * NPF + k];
                            WVc[a2 * NPF + (size_t)k] = s;
                        }
                }
            }
            /* the reduced camera system, one (c, c2) block per task, frames summed in
             * order: S_cc2 = δ_cc2 U_c(damped) - Σ_q W_qc V_q⁻¹ W_qc2ᵀ, rhs_c = g_c -
             * Σ_q W_qc V_q⁻¹ g_q */
#pragma omp parallel for schedule(dynamic, 1)
            for (long pr = 0; pr < (long)(C * C); pr++) {
                size_t c = (size_t)pr / C, c2 = (size_t)pr % C;
                if (c2 < c)
                    continue;
                double blk[14 * 14], rv[14];
                for (size_t a2 = 0; a2 < np; a2++) {
                    rv[a2] = c == c2 ? gc[c * np + a2] : 0;
                    for (size_t k = 0; k < np; k++)
                        blk[a2 * np + k] = c == c2 ? U[c * np * np + a2 * np + k] : 0;
                    if (c == c2)
                        blk[a2 * np + a2] = U[c * np * np + a2 * np + a2] * (1 + lambda) + 1e-12;
                }
                if (usable[c] && usable[c2]) {
                    for (size_t q = 0; q < nf; q++) {
                        size_t f = b.fidx[q];
                        if (!isfinite(det[(c * F + f) * 6]) || !isfinite(det[(c2 * F + f) * 6]))
                            continue;
                        const double *WVc = WV + (q * C + c) * np * NPF;
                        const double *W2 = W + (q * C + c2) * np * NPF;
                        for (size_t a2 = 0; a2 < np; a2++) {
                            const double *wv = WVc + a2 * NPF;
                            for (size_t k = 0; k < np; k++) {
                                double s = 0;
                                for (int l = 0; l < NPF; l++)
                                    s += wv[l] * W2[k * NPF + (size_t)l];
                                blk[a2 * np + k] -= s;
                            }
                            if (c == c2) {
                                const double *gq = gf + q * NPF;
                                double s = 0;
                                for (int l = 0; l < NPF; l++)
                                    s += wv[l] * gq[l];
                                rv[a2] -= s;
                            }
                        }
                    }
                }
                for (size_t a2 = 0; a2 < np; a2++) {
                    for (size_t k = 0; k < np; k++) {
                        Sd[(c * np + a2) * N + c2 * np + k] = blk[a2 * np + k];
                        Sd[(c2 * np + k) * N + c * np + a2] = blk[a2 * np + k];
                    }
                    if (c == c2)
                        rhs->data[(c * np + a2) * rhs->stride] = rv[a2];
                }
            }
            {
                gsl_matrix_view sv = gsl_matrix_view_array(Sd, N, N);
                gsl_matrix_memcpy(S, &sv.matrix);
            }
            /* gauge and unused cameras: zero step */
            for (size_t c = 0; c < C; c++)
                for (size_t a2 = 0; a2 < np; a2++) {
                    int fixed = !usable[c] || ((int)c == root && b.map[a2] >= 9);
                    if (!fixed)
                        continue;
                    size_t i = c * np + a2;
                    for (size_t k = 0; k < N; k++) {
                        gsl_matrix_set(S, i, k, 0);
                        gsl_matrix_set(S, k, i, 0);
                    }
                    gsl_matrix_set(S, i, i, 1);
                    gsl_vector_set(rhs, i, 0);
                }
            if (final) {
                covariance(&b, S, bad, rep_cov);
                final = 2;
                break;
            }
            if (bad || gsl_linalg_cholesky_decomp1(S) || gsl_linalg_cholesky_solve(S, rhs, sol)) {
                lambda *= 10;
                continue;
            }
            for (size_t i = 0; i < N; i++)
                dc[i] = gsl_vector_get(sol, i);
            for (size_t c = 0; c < C; c++) {
                double pv[KC_CAM_NPARAM];
                cams2[c] = cams[c];
                kc_camera_to_params(&cams[c], pv);
                for (size_t a2 = 0; a2 < np; a2++)
                    pv[b.map[a2]] += dc[c * np + a2];
                kc_camera_from_params(&cams2[c], pv);
            }
            /* frame steps by back-substitution: y_q = V_q⁻¹ (g_q - Σ_c W_qcᵀ δ_c) */
#pragma omp parallel for schedule(dynamic, 16)
            for (long ql = 0; ql < (long)nf; ql++) {
                size_t q = (size_t)ql;
                double y0[NPF], y[NPF];
                memcpy(y0, gf + q * NPF, sizeof y0);
                for (size_t c = 0; c < C; c++) {
                    const double *Wc = W + (q * C + c) * np * NPF;
                    for (size_t a2 = 0; a2 < np; a2++)
                        for (int k = 0; k < NPF; k++)
                            y0[k] -= Wc[a2 * NPF + (size_t)k] * dc[c * np + a2];
                }
                const double *Vi = Vinv + q * NPF * NPF;
                for (int k = 0; k < NPF; k++) {
                    double s = 0;
                    for (int l = 0; l < NPF; l++)
                        s += Vi[k * NPF + l] * y0[l];
                    y[k] = s;
                }
                kc_vec3 e1, e2;
                basis(b.dir[q], &e1, &e2);
                cen2[q] = kc_v3_add(b.cen[q], kc_v3(y[0], y[1], y[2]));
                dir2[q] = kc_v3_unit(kc_v3_axpy(kc_v3_axpy(b.dir[q], y[3], e1), y[4], e2));
            }
            cost1 = total_cost(&b, cams2, cen2, dir2, part);
            if (isfinite(cost1) && cost1 < cost0) {
                accepted = 1;
                memcpy(cams, cams2, C * sizeof *cams);
                memcpy(b.cen, cen2, nf * sizeof *cen2);
                memcpy(b.dir, dir2, nf * sizeof *dir2);
                lambda = fmax(lambda / 5, 1e-9);
            } else {
                lambda *= 10;
            }
        }
        if (final)
            break;
        n_iter++;
        KC_DEBUG("BA iteration %d: cost %.6g -> %.6g, lambda %.3g, gate %.2f px", it, cost0,
                 cost1, lambda, b.gate);
        double tol = phase == 0 ? 1e-3 : phase < N_GATES - 1 ? 1e-5 : p->tol;
        if (!accepted || (cost0 - cost1) < tol * cost0) {
            if (phase < N_GATES - 1)
                phase++;
            else
                final = 1;
        }
        if (it + 1 >= p->max_iter)
            final = 1;
        if (final && !rep_cov)
            break;
    }
    b.gate = p->outlier_px;
    memset(rep, 0, sizeof *rep);
    rep->wand_xyz = wxyz;
    if (wxyz) {
        for (size_t i = 0; i < F * 9; i++)
            wxyz[i] = NAN;
        for (size_t q = 0; q < nf; q++)
            for (int m = 0; m < 3; m++) {
                kc_vec3 X = kc_v3_axpy(b.cen[q], b.off[m], b.dir[q]);
                double *o = wxyz + b.fidx[q] * 9 + 3 * m;
                o[0] = X.x, o[1] = X.y, o[2] = X.z;
            }
    }
    stats(&b, cams, rep);
    rep->cov = rep_cov;
    if (rep_cov && rep->n_obs) {
        /* scaled by the residual variance per coordinate, corrected for the degrees of
         * freedom: n = 2 x observations, p = the cameras' adjusted parameters less the
         * gauge's 6 plus 5 per frame */
        size_t nu = 0;
        for (size_t c = 0; c < C; c++)
            nu += usable[c] != 0;
        double pp = (double)(np * nu) - 6 + NPF * (double)nf, n2 = 2.0 * (double)rep->n_obs;
        double s2 = n2 > pp ? rep->rms_px * rep->rms_px * n2 / (n2 - pp) : NAN;
        for (size_t i = 0; i < C * KC_CAM_NPARAM * C * KC_CAM_NPARAM; i++)
            rep_cov[i] *= s2;
    }
    rep->iterations = n_iter;
    rep->n_frames = (long)nf;
    rep->seconds_per_iter = (kc_now() - t0) / (n_iter + 1);
    st = KC_OK;
out:
    rep->wand_xyz = wxyz;   /* the caller's buffers, whatever happened */
    rep->cov = rep_cov;
    free(b.fidx), free(b.cen), free(b.dir), free(cen2), free(dir2), free(cams2);
    free(U), free(gc), free(V), free(gf), free(W), free(dc), free(Sd);
    free(Vinv), free(WV), free(Up), free(gp), free(part);
    if (S)
        gsl_matrix_free(S);
    if (rhs)
        gsl_vector_free(rhs);
    if (sol)
        gsl_vector_free(sol);
    return st;
}
