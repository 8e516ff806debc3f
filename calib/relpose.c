/* Relative pose of two calibrated views: the normalised eight-point algorithm (Hartley 1997,
 * "In defense of the eight-point algorithm") inside RANSAC (Fischler & Bolles 1981) with a
 * seeded generator so that the same input gives the same answer, the Sampson distance as the
 * inlier test, and the decomposition of E into four poses (Hartley & Zisserman §9.6.2) of
 * which the one with the most points in front of both cameras is kept. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "calib.h"

/* SVD of a 3x3 matrix: A = U diag(s) Vᵀ, s descending (GSL's one-sided Jacobi). */
static void svd3(const double A[9], double U[9], double s[3], double V[9])
{
    gsl_matrix *u = gsl_matrix_alloc(3, 3), *v = gsl_matrix_alloc(3, 3);
    gsl_vector *sv = gsl_vector_alloc(3), *w = gsl_vector_alloc(3);
    for (int i = 0; i < 9; i++)
        gsl_matrix_set(u, (size_t)(i / 3), (size_t)(i % 3), A[i]);
    gsl_linalg_SV_decomp(u, v, sv, w);
    for (int i = 0; i < 9; i++) {
        U[i] = gsl_matrix_get(u, (size_t)(i / 3), (size_t)(i % 3));
        V[i] = gsl_matrix_get(v, (size_t)(i / 3), (size_t)(i % 3));
    }
    for (int i = 0; i < 3; i++)
        s[i] = gsl_vector_get(sv, (size_t)i);
    gsl_matrix_free(u);
    gsl_matrix_free(v);
    gsl_vector_free(sv);
    gsl_vector_free(w);
}

static void mul3(const double A[9], const double B[9], double C[9])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            C[3 * i + j] = A[3 * i] * B[j] + A[3 * i + 1] * B[3 + j] + A[3 * i + 2] * B[6 + j];
}

static double det3(const double A[9])
{
    return A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) +
           A[2] * (A[3] * A[7] - A[4] * A[6]);
}

/* Essential matrix from the points idx[0..n) (all points when idx is NULL) by the normalised
 * eight-point algorithm, projected onto the essential manifold (two equal singular values).
 * Returns 0 or -1. */
static int eight_point(const double *x1, const double *x2, const size_t *idx, size_t n,
                       double E[9])
{
    double m1[2] = {0, 0}, m2[2] = {0, 0}, d1 = 0, d2 = 0;
    for (size_t q = 0; q < n; q++) {
        size_t i = idx ? idx[q] : q;
        m1[0] += x1[2 * i], m1[1] += x1[2 * i + 1];
        m2[0] += x2[2 * i], m2[1] += x2[2 * i + 1];
    }
    for (int k = 0; k < 2; k++)
        m1[k] /= (double)n, m2[k] /= (double)n;
    for (size_t q = 0; q < n; q++) {
        size_t i = idx ? idx[q] : q;
        d1 += hypot(x1[2 * i] - m1[0], x1[2 * i + 1] - m1[1]);
        d2 += hypot(x2[2 * i] - m2[0], x2[2 * i + 1] - m2[1]);
    }
    if (d1 <= 0 || d2 <= 0)
        return -1;
    double s1 = sqrt(2.0) * (double)n / d1, s2 = sqrt(2.0) * (double)n / d2;
    double AtA[81] = {0};
    for (size_t q = 0; q < n; q++) {
        size_t i = idx ? idx[q] : q;
        double a[3] = {s1 * (x1[2 * i] - m1[0]), s1 * (x1[2 * i + 1] - m1[1]), 1};
        double b[3] = {s2 * (x2[2 * i] - m2[0]), s2 * (x2[2 * i + 1] - m2[1]), 1};
        double row[9];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                row[3 * r + c] = b[r] * a[c];   /* x2ᵀ E x1 = 0 */
        for (int r = 0; r < 9; r++)
            for (int c = 0; c < 9; c++)
                AtA[9 * r + c] += row[r] * row[c];
    }
    gsl_matrix *u = gsl_matrix_alloc(9, 9), *v = gsl_matrix_alloc(9, 9);
    gsl_vector *sv = gsl_vector_alloc(9), *w = gsl_vector_alloc(9);
    for (int i = 0; i < 81; i++)
        gsl_matrix_set(u, (size_t)(i / 9), (size_t)(i % 9), AtA[i]);
    gsl_linalg_SV_decomp(u, v, sv, w);
    double En[9];
    for (int i = 0; i < 9; i++)
        En[i] = gsl_matrix_get(v, (size_t)i, 8);
    gsl_matrix_free(u);
    gsl_matrix_free(v);
    gsl_vector_free(sv);
    gsl_vector_free(w);
    /* denormalise: E = T2ᵀ En T1 */
    double T1[9] = {s1, 0, -s1 * m1[0], 0, s1, -s1 * m1[1], 0, 0, 1};
    double T2t[9] = {s2, 0, 0, 0, s2, 0, -s2 * m2[0], -s2 * m2[1], 1};
    double tmp[9], Ed[9];
    mul3(T2t, En, tmp);
    mul3(tmp, T1, Ed);
    double U[9], s[3], V[9];
    svd3(Ed, U, s, V);
    double sig = 0.5 * (s[0] + s[1]);
    double D[9] = {sig, 0, 0, 0, sig, 0, 0, 0, 0}, Vt[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            Vt[3 * i + j] = V[3 * j + i];
    mul3(U, D, tmp);
    mul3(tmp, Vt, E);
    double nrm = 0;
    for (int i = 0; i < 9; i++)
        nrm += E[i] * E[i];
    if (!(nrm > 0) || !isfinite(nrm))
        return -1;
    for (int i = 0; i < 9; i++)
        E[i] /= sqrt(nrm);
    return 0;
}

/* Sampson distance² of correspondence i under E. */
static double sampson2(const double E[9], const double *a, const double *b)
{
    double Ex1[3], Etx2[3];
    for (int r = 0; r < 3; r++) {
        Ex1[r] = E[3 * r] * a[0] + E[3 * r + 1] * a[1] + E[3 * r + 2];
        Etx2[r] = E[r] * b[0] + E[3 + r] * b[1] + E[6 + r];
    }
    double e = b[0] * Ex1[0] + b[1] * Ex1[1] + Ex1[2];
    double den = Ex1[0] * Ex1[0] + Ex1[1] * Ex1[1] + Etx2[0] * Etx2[0] + Etx2[1] * Etx2[1];
    return den > 0 ? e * e / den : INFINITY;
}

kc_vec3 kc_triangulate_linear(const kc_mat3 *R, const kc_vec3 *t, const double *xn, size_t n)
{
    /* rows: x·P3 − P1, y·P3 − P2 ; solve the 4-vector null space through AᵀA (4x4) */
    double AtA[16] = {0};
    for (size_t k = 0; k < n; k++) {
        double P[3][4];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++)
                P[r][c] = R[k].m[r][c];
        }
        P[0][3] = t[k].x, P[1][3] = t[k].y, P[2][3] = t[k].z;
        for (int q = 0; q < 2; q++) {
            double row[4];
            for (int c = 0; c < 4; c++)
                row[c] = xn[2 * k + (size_t)q] * P[2][c] - P[q][c];
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++)
                    AtA[4 * r + c] += row[r] * row[c];
        }
    }
    gsl_matrix *u = gsl_matrix_alloc(4, 4), *v = gsl_matrix_alloc(4, 4);
    gsl_vector *sv = gsl_vector_alloc(4), *w = gsl_vector_alloc(4);
    for (int i = 0; i < 16; i++)
        gsl_matrix_set(u, (size_t)(i / 4), (size_t)(i % 4), AtA[i]);
    gsl_linalg_SV_decomp(u, v, sv, w);
    double h[4];
    for (int i = 0; i < 4; i++)
        h[i] = gsl_matrix_get(v, (size_t)i, 3);
    gsl_matrix_free(u);
    gsl_matrix_free(v);
    gsl_vector_free(sv);
    gsl_vector_free(w);
    if (h[3] == 0)
        return kc_v3(NAN, NAN, NAN);
    return kc_v3(h[0] / h[3], h[1] / h[3], h[2] / h[3]);
}

/* deterministic generator (Numerical Recipes' LCG, upper bits) */
static unsigned lcg_next(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

int kc_relpose_essential(const double *x1, const double *x2, size_t n, double thresh,
                         unsigned seed, kc_mat3 *R, kc_vec3 *t, size_t *n_inliers)
{
    if (n < 16)
        return KC_ENUMERIC;
    size_t *inl = malloc(n * sizeof *inl);
    if (!inl)
        return KC_ENOMEM;
    double bestE[9], th2 = thresh * thresh;
    size_t best_n = 0;
    unsigned s = seed ? seed : 12345u;
    for (int it = 0; it < 300; it++) {
        size_t sample[8];
        for (int k = 0; k < 8; k++) {
            int again;
            do {
                sample[k] = lcg_next(&s) % n;
                again = 0;
                for (int q = 0; q < k; q++)
                    again |= sample[q] == sample[k];
            } while (again);
        }
        double E[9];
        if (eight_point(x1, x2, sample, 8, E))
            continue;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            cnt += sampson2(E, x1 + 2 * i, x2 + 2 * i) < th2;
        if (cnt > best_n) {
            best_n = cnt;
            memcpy(bestE, E, sizeof bestE);
        }
    }
    if (best_n < 16) {
        free(inl);
        return KC_ENUMERIC;
    }
    /* refit on the inliers while that gains inliers (a refit can lose them when the model
     * is only approximate, e.g. with a focal length guess that is off) */
    double E[9], Et[9];
    memcpy(E, bestE, sizeof E);
    size_t ni = best_n;
    for (int pass = 0; pass < 3; pass++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (sampson2(E, x1 + 2 * i, x2 + 2 * i) < th2)
                inl[k++] = i;
        if (k < 16 || eight_point(x1, x2, inl, k, Et))
            break;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            cnt += sampson2(Et, x1 + 2 * i, x2 + 2 * i) < th2;
        if (cnt < ni)
            break;
        ni = cnt;
        memcpy(E, Et, sizeof E);
    }
    ni = 0;
    for (size_t i = 0; i < n; i++)
        if (sampson2(E, x1 + 2 * i, x2 + 2 * i) < th2)
            inl[ni++] = i;
    /* decompose */
    double U[9], sv[3], V[9];
    svd3(E, U, sv, V);
    if (det3(U) < 0)
        for (int i = 0; i < 3; i++)
            U[3 * i + 2] = -U[3 * i + 2];
    if (det3(V) < 0)
        for (int i = 0; i < 3; i++)
            V[3 * i + 2] = -V[3 * i + 2];
    double W[9] = {0, -1, 0, 1, 0, 0, 0, 0, 1}, Wt[9] = {0, 1, 0, -1, 0, 0, 0, 0, 1};
    double Vt[9], tmp[9], Ra[9], Rb[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            Vt[3 * i + j] = V[3 * j + i];
    mul3(U, W, tmp);
    mul3(tmp, Vt, Ra);
    mul3(U, Wt, tmp);
    mul3(tmp, Vt, Rb);
    kc_vec3 u3 = kc_v3(U[2], U[5], U[8]);
    int best_front = -1;
    for (int h = 0; h < 4; h++) {
        kc_mat3 Rh;
        const double *Rs = h < 2 ? Ra : Rb;
        for (int i = 0; i < 9; i++)
            Rh.m[i / 3][i % 3] = Rs[i];
        kc_vec3 th = (h % 2) ? kc_v3_scale(u3, -1) : u3;
        kc_mat3 Rp[2] = {kc_m3_identity(), Rh};
        kc_vec3 tp[2] = {kc_v3(0, 0, 0), th};
        int front = 0;
        size_t step = ni > 200 ? ni / 200 : 1;
        for (size_t q = 0; q < ni; q += step) {
            size_t i = inl[q];
            double xn[4] = {x1[2 * i], x1[2 * i + 1], x2[2 * i], x2[2 * i + 1]};
            kc_vec3 X = kc_triangulate_linear(Rp, tp, xn, 2);
            kc_vec3 X2 = kc_v3_add(kc_m3_apply(Rh, X), th);
            front += X.z > 0 && X2.z > 0;
        }
        if (front > best_front) {
            best_front = front;
            *R = Rh;
            *t = th;
        }
    }
    free(inl);
    *n_inliers = ni;
    return KC_OK;
}
