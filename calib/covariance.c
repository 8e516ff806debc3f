/* What the bundle adjustment's covariance says about each camera: the covariance moved from
 * the adjustment's gauge (one camera's pose held fixed) to the gauge of the rig as a whole
 * (the rigid alignment of all calibrated camera centres: the "inner constraints" of a free
 * network, Pope 1971; Triggs et al. 2000, §9), carried through the world transform the
 * L-frame sets, and summarised as standard deviations of focal length, principal point,
 * camera centre and orientation. Everything is linearised at the solution; the Jacobians of
 * the parameter maps (rigid motions of the world, centre = −Rᵀt, rotation errors) are
 * central differences of camera.h's parameter vector. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "calib.h"

#define NP KC_CAM_NPARAM

/* the camera parameters after the world moves by the rigid motion g (g[0..2] translation,
 * mm; g[3..5] rotation vector, rad) */
static void moved_params(const kc_camera *cam, const double g[6], double p[NP])
{
    kc_camera c = *cam;
    kc_calib_transform_camera(&c, kc_m3_from_rodrigues(kc_v3(g[3], g[4], g[5])),
                              kc_v3(g[0], g[1], g[2]));
    kc_camera_to_params(&c, p);
}

static kc_vec3 centre_of(const kc_camera *cam, const double p[NP])
{
    kc_camera c = *cam;
    kc_camera_from_params(&c, p);
    return kc_camera_centre(&c);
}

/* d(centre)/d(pose params 9..14): J [3][6] */
static void centre_jac(const kc_camera *cam, double J[3][6])
{
    double p[NP];
    kc_camera_to_params(cam, p);
    for (int k = 0; k < 6; k++) {
        double h = k < 3 ? 1e-6 : 1e-3, a[NP], b[NP];
        memcpy(a, p, sizeof a), memcpy(b, p, sizeof b);
        a[9 + k] += h, b[9 + k] -= h;
        kc_vec3 d = kc_v3_scale(kc_v3_sub(centre_of(cam, a), centre_of(cam, b)), 0.5 / h);
        J[0][k] = d.x, J[1][k] = d.y, J[2][k] = d.z;
    }
}

int kc_calib_cov_rig_gauge(const kc_camera *cams, const uint8_t *usable, size_t C, double *cov)
{
    size_t M = C * NP, nu = 0;
    for (size_t c = 0; c < C; c++)
        nu += usable[c] != 0;
    for (size_t i = 0; i < M * M; i++)
        if (!isfinite(cov[i]))
            return KC_ENUMERIC;
    if (nu < 3)
        return KC_ENUMERIC;
    int st = KC_ENOMEM;
    gsl_matrix *H = gsl_matrix_calloc(M, 6), *JC = gsl_matrix_calloc(3 * nu, M);
    gsl_matrix *G = gsl_matrix_alloc(3 * nu, 6), *GtG = gsl_matrix_alloc(6, 6);
    gsl_matrix *X = gsl_matrix_alloc(6, M), *L = gsl_matrix_alloc(M, M);
    gsl_matrix *T = gsl_matrix_alloc(M, M);
    gsl_permutation *perm = gsl_permutation_alloc(6);
    if (!H || !JC || !G || !GtG || !X || !L || !T || !perm)
        goto out;
    /* H: how every camera's parameters change under the six rigid motions of the world */
    for (size_t c = 0; c < C; c++) {
        if (!usable[c])
            continue;
        for (int k = 0; k < 6; k++) {
            double g[6] = {0}, a[NP], b[NP], h = k < 3 ? 1e-3 : 1e-7;
            g[k] = h;
            moved_params(&cams[c], g, a);
            g[k] = -h;
            moved_params(&cams[c], g, b);
            for (int j = 0; j < NP; j++)
                gsl_matrix_set(H, c * NP + (size_t)j, (size_t)k, (a[j] - b[j]) * 0.5 / h);
        }
    }
    /* JC: the calibrated cameras' centres as functions of all parameters */
    for (size_t c = 0, r = 0; c < C; c++) {
        if (!usable[c])
            continue;
        double J[3][6];
        centre_jac(&cams[c], J);
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 6; k++)
                gsl_matrix_set(JC, 3 * r + (size_t)i, c * NP + 9 + (size_t)k, J[i][k]);
        r++;
    }
    /* a parameter error δ moves the centres by JC δ; the rigid motion that best undoes it is
     * x = −(GᵀG)⁻¹ Gᵀ JC δ with G = JC H, so δ maps to L δ = (I − H (GᵀG)⁻¹ Gᵀ JC) δ */
    int sg;
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, JC, H, 0.0, G);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, G, G, 0.0, GtG);
    gsl_matrix *GtJ = gsl_matrix_alloc(6, M);
    if (!GtJ)
        goto out;
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, G, JC, 0.0, GtJ);
    st = KC_ENUMERIC;
    if (gsl_linalg_LU_decomp(GtG, perm, &sg)) {
        gsl_matrix_free(GtJ);
        goto out;
    }
    for (size_t j = 0; j < M; j++) {
        gsl_vector_view col = gsl_matrix_column(GtJ, j);
        gsl_vector_view xo = gsl_matrix_column(X, j);
        if (gsl_linalg_LU_solve(GtG, perm, &col.vector, &xo.vector)) {
            gsl_matrix_free(GtJ);
            goto out;
        }
    }
    gsl_matrix_free(GtJ);
    gsl_matrix_set_identity(L);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, H, X, 1.0, L);
    gsl_matrix_view S = gsl_matrix_view_array(cov, M, M);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, L, &S.matrix, 0.0, T);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, T, L, 0.0, &S.matrix);
    /* unadjusted parameters stay exactly 0; symmetric to the last bit */
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < i; j++) {
            double v = 0.5 * (cov[i * M + j] + cov[j * M + i]);
            cov[i * M + j] = cov[j * M + i] = v;
        }
    st = KC_OK;
out:
    gsl_matrix_free(H), gsl_matrix_free(JC), gsl_matrix_free(G), gsl_matrix_free(GtG);
    gsl_matrix_free(X), gsl_matrix_free(L), gsl_matrix_free(T);
    gsl_permutation_free(perm);
    return st;
}

void kc_calib_cov_transform(const kc_camera *cam, kc_mat3 A, kc_vec3 b, double cov[NP * NP])
{
    double J[NP][NP] = {{0}}, p[NP];
    kc_camera_to_params(cam, p);
    for (int i = 0; i < 9; i++)
        J[i][i] = 1;
    for (int k = 9; k < NP; k++) {
        double h = k < 12 ? 1e-7 : 1e-3, a[NP], m[NP];
        kc_camera ca = *cam, cm = *cam;
        memcpy(a, p, sizeof a), memcpy(m, p, sizeof m);
        a[k] += h, m[k] -= h;
        kc_camera_from_params(&ca, a);
        kc_camera_from_params(&cm, m);
        kc_calib_transform_camera(&ca, A, b);
        kc_calib_transform_camera(&cm, A, b);
        kc_camera_to_params(&ca, a);
        kc_camera_to_params(&cm, m);
        for (int j = 9; j < NP; j++)
            J[j][k] = (a[j] - m[j]) * 0.5 / h;
    }
    double T[NP][NP];
    for (int i = 0; i < NP; i++)
        for (int j = 0; j < NP; j++) {
            double s = 0;
            for (int k = 0; k < NP; k++)
                s += J[i][k] * cov[k * NP + j];
            T[i][j] = s;
        }
    for (int i = 0; i < NP; i++)
        for (int j = 0; j < NP; j++) {
            double s = 0;
            for (int k = 0; k < NP; k++)
                s += T[i][k] * J[j][k];
            cov[i * NP + j] = s;
        }
}

void kc_calib_camera_sd(const kc_camera *cam, const double cov[NP * NP], kc_calib_sd *sd)
{
    sd->fx = sqrt(cov[0 * NP + 0]);
    sd->fy = sqrt(cov[1 * NP + 1]);
    sd->cx = sqrt(cov[2 * NP + 2]);
    sd->cy = sqrt(cov[3 * NP + 3]);
    /* centre: Σ_C = J Σ_pose Jᵀ, J = d(−Rᵀt)/d(r, t) */
    double Jc[3][6];
    centre_jac(cam, Jc);
    double tr = 0;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 6; k++)
            for (int l = 0; l < 6; l++)
                tr += Jc[i][k] * cov[(9 + k) * NP + 9 + l] * Jc[i][l];
    sd->centre_mm = sqrt(fmax(tr, 0));
    /* orientation: the rotation error φ with R' = exp([φ]×) R, φ = Jr δr */
    double p[NP], Jr[3][3];
    kc_camera_to_params(cam, p);
    kc_mat3 R = cam->R;
    for (int k = 0; k < 3; k++) {
        double h = 1e-7, a[NP], m[NP];
        kc_camera ca = *cam, cm = *cam;
        memcpy(a, p, sizeof a), memcpy(m, p, sizeof m);
        a[9 + k] += h, m[9 + k] -= h;
        kc_camera_from_params(&ca, a);
        kc_camera_from_params(&cm, m);
        kc_vec3 va = kc_m3_to_rodrigues(kc_m3_mul(ca.R, kc_m3_transpose(R)));
        kc_vec3 vm = kc_m3_to_rodrigues(kc_m3_mul(cm.R, kc_m3_transpose(R)));
        Jr[0][k] = (va.x - vm.x) * 0.5 / h;
        Jr[1][k] = (va.y - vm.y) * 0.5 / h;
        Jr[2][k] = (va.z - vm.z) * 0.5 / h;
    }
    tr = 0;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            for (int l = 0; l < 3; l++)
                tr += Jr[i][k] * cov[(9 + k) * NP + 9 + l] * Jr[i][l];
    sd->rotation_deg = sqrt(fmax(tr, 0)) / KC_DEG;
}
