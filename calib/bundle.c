/* Bundle adjustment of a wand capture: Levenberg–Marquardt (Marquardt's diagonal scaling)
 * over every camera's fx, fy, cx, cy, k1, k2, p1, p2 and pose (k3 held at 0) and every
 * frame's wand pose — centre (3) and direction (2, a local basis orthogonal to it), the
 * three markers at their known offsets along it, so the wand fixes the scale. The frame
 * blocks are eliminated by the Schur complement (Triggs et al. 2000, "Bundle adjustment — a
 * modern synthesis", §6.1): S = U − Σ_f W_f V_f⁻¹ W_fᵀ, a dense (14·C)² system solved by
 * GSL's Cholesky, then the frame steps by back-substitution; the work per iteration is
 * linear in the number of frames. Huber loss by iteratively reweighted least squares, and
 * residuals far beyond the noise (spurious wands) get weight 0. The gauge: the root
 * camera's pose is held fixed. Serial and in a fixed order: the same bytes at any thread
 * count. */
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

kc_ba_params kc_ba_default_params(void)
{
    kc_ba_params p = {60, 1.0, 8.0, 1e-10, 0};
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

static double total_cost(const ba *b, const kc_camera *cams, const kc_vec3 *cen,
                         const kc_vec3 *dir)
{
    double cost = 0;
    for (size_t q = 0; q < b->nf; q++) {
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

int kc_ba_wand(const kc_ba_params *p, const double *det, size_t C, size_t F,
               const double wand_mm[3], int root, const uint8_t *usable, kc_camera *cams,
               kc_ba_report *rep)
{
    ba b = {0};
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
    if (!V || !gf || !W)
        goto out;
    st = KC_ENUMERIC;
    if (nf < 10) {
        KC_ERROR("only %zu wand frames are seen by two calibrated cameras", nf);
        goto out;
    }
    b.gate = INFINITY;
    double lambda = 1e-3, t0 = kc_now();
    int it;
    for (it = 0; it < p->max_iter; it++) {
        /* the gate follows the fit down to outlier_px: early on the residuals are large */
        memset(rep, 0, sizeof *rep);
        stats(&b, cams, rep);
        b.gate = fmax(p->outlier_px, 5.0 * rep->rms_px);
        memset(U, 0, C * np * np * sizeof *U);
        memset(gc, 0, N * sizeof *gc);
        memset(V, 0, nf * NPF * NPF * sizeof *V);
        memset(gf, 0, nf * NPF * sizeof *gf);
        memset(W, 0, nf * C * np * NPF * sizeof *W);
        double cost0 = 0;
        for (size_t q = 0; q < nf; q++) {
            size_t f = b.fidx[q];
            kc_vec3 e1, e2;
            basis(b.dir[q], &e1, &e2);
            for (size_t c = 0; c < C; c++) {
                const double *o = det + (c * F + f) * 6;
                if (!usable[c] || !isfinite(o[0]))
                    continue;
                for (int m = 0; m < 3; m++) {
                    kc_vec3 X = kc_v3_axpy(b.cen[q], b.off[m], b.dir[q]);
                    double uv[2], Jp[6], Jc[2 * KC_CAM_NPARAM];
                    if (!kc_camera_project_jac(&cams[c], X, uv, Jp, Jc)) {
                        cost0 += rho(&b, INFINITY, NULL);
                        continue;
                    }
                    double r[2] = {o[2 * m] - uv[0], o[2 * m + 1] - uv[1]}, w;
                    cost0 += rho(&b, hypot(r[0], r[1]), &w);
                    if (w == 0)
                        continue;
                    double Jf[2][NPF], Jk[2][14];
                    for (int i = 0; i < 2; i++) {
                        const double *jp = Jp + 3 * i;
                        Jf[i][0] = jp[0], Jf[i][1] = jp[1], Jf[i][2] = jp[2];
                        Jf[i][3] = b.off[m] * (jp[0] * e1.x + jp[1] * e1.y + jp[2] * e1.z);
                        Jf[i][4] = b.off[m] * (jp[0] * e2.x + jp[1] * e2.y + jp[2] * e2.z);
                        for (size_t k = 0; k < np; k++)
                            Jk[i][k] = Jc[KC_CAM_NPARAM * i + b.map[k]];
                    }
                    double *Uc = U + c * np * np, *g = gc + c * np, *Vq = V + q * NPF * NPF;
                    double *gq = gf + q * NPF, *Wq = W + (q * C + c) * np * NPF;
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
        }
        int accepted = 0;
        double cost1 = cost0;
        for (int trial = 0; trial < 12 && !accepted; trial++) {
            memset(Sd, 0, N * N * sizeof *Sd);
            for (size_t c = 0; c < C; c++)
                for (size_t a = 0; a < np; a++) {
                    for (size_t k = 0; k < np; k++)
                        Sd[(c * np + a) * N + c * np + k] = U[c * np * np + a * np + k];
                    double dgl = U[c * np * np + a * np + a];
                    Sd[(c * np + a) * N + c * np + a] = dgl * (1 + lambda) + 1e-12;
                    gsl_vector_set(rhs, c * np + a, gc[c * np + a]);
                }
            int bad = 0;
            for (size_t q = 0; q < nf && !bad; q++) {
                double Vi[NPF * NPF];
                gsl_matrix_view vv = gsl_matrix_view_array(Vi, NPF, NPF);
                memcpy(Vi, V + q * NPF * NPF, sizeof Vi);
                for (int a = 0; a < NPF; a++)
                    Vi[a * NPF + a] = Vi[a * NPF + a] * (1 + lambda) + 1e-9;
                if (gsl_linalg_cholesky_decomp1(&vv.matrix) || gsl_linalg_cholesky_invert(&vv.matrix)) {
                    bad = 1;
                    break;
                }
                const double *gq = gf + q * NPF;
                for (size_t c = 0; c < C; c++) {
                    const double *Wc = W + (q * C + c) * np * NPF;
                    if (!usable[c] || !isfinite(det[(c * F + b.fidx[q]) * 6]))
                        continue;
                    double WV[14 * NPF];   /* W_c V⁻¹ */
                    for (size_t a = 0; a < np; a++)
                        for (int k = 0; k < NPF; k++) {
                            double s = 0;
                            for (int l = 0; l < NPF; l++)
                                s += Wc[a * NPF + (size_t)l] * Vi[l * NPF + k];
                            WV[a * NPF + (size_t)k] = s;
                        }
                    for (size_t a = 0; a < np; a++) {
                        double s = 0;
                        for (int l = 0; l < NPF; l++)
                            s += WV[a * NPF + (size_t)l] * gq[l];
                        *gsl_vector_ptr(rhs, c * np + a) -= s;
                    }
                    for (size_t c2 = 0; c2 < C; c2++) {
                        const double *W2 = W + (q * C + c2) * np * NPF;
                        if (!usable[c2] || !isfinite(det[(c2 * F + b.fidx[q]) * 6]))
                            continue;
                        for (size_t a = 0; a < np; a++) {
                            double *row = Sd + (c * np + a) * N + c2 * np;
                            const double *wv = WV + a * NPF;
                            for (size_t k = 0; k < np; k++) {
                                double s = 0;
                                for (int l = 0; l < NPF; l++)
                                    s += wv[l] * W2[k * NPF + (size_t)l];
                                row[k] -= s;
                            }
                        }
                    }
                }
            }
            {
                gsl_matrix_view sv = gsl_matrix_view_array(Sd, N, N);
                gsl_matrix_memcpy(S, &sv.matrix);
            }
            /* gauge and unused cameras: zero step */
            for (size_t c = 0; c < C; c++)
                for (size_t a = 0; a < np; a++) {
                    int fixed = !usable[c] || ((int)c == root && b.map[a] >= 9);
                    if (!fixed)
                        continue;
                    size_t i = c * np + a;
                    for (size_t k = 0; k < N; k++) {
                        gsl_matrix_set(S, i, k, 0);
                        gsl_matrix_set(S, k, i, 0);
                    }
                    gsl_matrix_set(S, i, i, 1);
                    gsl_vector_set(rhs, i, 0);
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
                for (size_t a = 0; a < np; a++)
                    pv[b.map[a]] += dc[c * np + a];
                kc_camera_from_params(&cams2[c], pv);
            }
            for (size_t q = 0; q < nf; q++) {
                double Vi[NPF * NPF], y[NPF];
                gsl_matrix_view vv = gsl_matrix_view_array(Vi, NPF, NPF);
                memcpy(Vi, V + q * NPF * NPF, sizeof Vi);
                for (int a = 0; a < NPF; a++)
                    Vi[a * NPF + a] = Vi[a * NPF + a] * (1 + lambda) + 1e-9;
                if (gsl_linalg_cholesky_decomp1(&vv.matrix))
                    continue;
                memcpy(y, gf + q * NPF, sizeof y);
                for (size_t c = 0; c < C; c++) {
                    const double *Wc = W + (q * C + c) * np * NPF;
                    for (size_t a = 0; a < np; a++)
                        for (int k = 0; k < NPF; k++)
                            y[k] -= Wc[a * NPF + (size_t)k] * dc[c * np + a];
                }
                gsl_vector_view yv = gsl_vector_view_array(y, NPF);
                gsl_linalg_cholesky_svx(&vv.matrix, &yv.vector);
                kc_vec3 e1, e2;
                basis(b.dir[q], &e1, &e2);
                cen2[q] = kc_v3_add(b.cen[q], kc_v3(y[0], y[1], y[2]));
                dir2[q] = kc_v3_unit(kc_v3_axpy(kc_v3_axpy(b.dir[q], y[3], e1), y[4], e2));
            }
            cost1 = total_cost(&b, cams2, cen2, dir2);
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
        KC_DEBUG("BA iteration %d: cost %.6g -> %.6g, lambda %.3g, gate %.2f px", it, cost0,
                 cost1, lambda, b.gate);
        if (!accepted || (cost0 - cost1) < p->tol * cost0) {
            if (b.gate <= p->outlier_px + 1e-12)
                break;
        }
    }
    b.gate = p->outlier_px;
    memset(rep, 0, sizeof *rep);
    stats(&b, cams, rep);
    rep->iterations = it;
    rep->n_frames = (long)nf;
    rep->seconds_per_iter = (kc_now() - t0) / (it + 1);
    st = KC_OK;
out:
    free(b.fidx), free(b.cen), free(b.dir), free(cen2), free(dir2), free(cams2);
    free(U), free(gc), free(V), free(gf), free(W), free(dc), free(Sd);
    if (S)
        gsl_matrix_free(S);
    if (rhs)
        gsl_vector_free(rhs);
    if (sol)
        gsl_vector_free(sol);
    return st;
}
