/* kinechain — the pinhole camera with Brown–Conrady distortion (include/kinechain/camera.h).
 *
 * Equations are OpenCV's (cv::projectPoints, "Camera Calibration and 3D Reconstruction" in
 * the OpenCV documentation), so parameters and pixels compare directly with OpenCV.
 * Pure functions of their arguments: no state, no allocation, no logging.
 */
#include "kinechain/camera.h"

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_poly.h>

/* kc_camera_check: tolerance on R^T R - I (each entry) and on det R - 1. */
#define CAM_ORTHO_TOL 1e-6

/* kc_camera_undistort. The documented contract is a re-distortion error of at most
 * UNDISTORT_TOL_PX; Newton's method keeps going to UNDISTORT_GOAL_PX (quadratic
 * convergence makes that one more step) while it still makes progress, so that results are
 * well inside the contract. Rounding limits the residual to ~1e-12 px for usual images. */
#define UNDISTORT_TOL_PX 1e-6
#define UNDISTORT_GOAL_PX 1e-10
#define UNDISTORT_MAX_ITER 50
#define UNDISTORT_MAX_HALVINGS 40

/* Below this rotation angle the Rodrigues derivative uses Taylor series instead of the
 * closed form, which is 0/0 at 0 (at 1e-2 the first omitted terms are below 1e-23, and the
 * closed form's rounding error, ~DBL_EPSILON/angle, is 2e-14). */
#define JR_SERIES_ANGLE 1e-2

static bool all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

int kc_camera_check(const kc_camera *cam)
{
    if (!cam)
        return KC_EINVAL;
    double p[] = {cam->fx, cam->fy, cam->cx, cam->cy, cam->k1, cam->k2, cam->p1, cam->p2,
                  cam->k3, cam->t.x, cam->t.y, cam->t.z};
    if (!all_finite(p, sizeof p / sizeof p[0]) || !all_finite(&cam->R.m[0][0], 9))
        return KC_EINVAL;
    if (!(cam->fx > 0.0) || !(cam->fy > 0.0) || cam->width <= 0 || cam->height <= 0)
        return KC_EINVAL;
    const double (*R)[3] = cam->R.m;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double d = R[0][i] * R[0][j] + R[1][i] * R[1][j] + R[2][i] * R[2][j];
            if (fabs(d - (i == j ? 1.0 : 0.0)) > CAM_ORTHO_TOL)
                return KC_EINVAL;
        }
    double det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1])
               - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0])
               + R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
    if (fabs(det - 1.0) > CAM_ORTHO_TOL)
        return KC_EINVAL;
    return KC_OK;
}

kc_vec3 kc_camera_centre(const kc_camera *cam)
{
    return kc_v3_scale(kc_m3_apply(kc_m3_transpose(cam->R), cam->t), -1.0);
}

/* The Brown–Conrady map (header equations) and, if D is not NULL, its Jacobian
 * D = d(x', y')/d(x, y), row-major 2x2. With f = 1 + k1 r² + k2 r⁴ + k3 r⁶ and
 * f' = df/d(r²) = k1 + 2 k2 r² + 3 k3 r⁴ (and d(r²)/dx = 2x):
 *   dx'/dx = f + 2x² f' + 2 p1 y + 6 p2 x
 *   dx'/dy = 2xy f' + 2 p1 x + 2 p2 y   (= dy'/dx: the map is the gradient of a potential)
 *   dy'/dy = f + 2y² f' + 6 p1 y + 2 p2 x
 */
static void distort_jac(const kc_camera *cam, double x, double y, double xd[2], double D[4])
{
    double x2 = x * x, y2 = y * y, xy = x * y, r2 = x2 + y2;
    double f = 1.0 + r2 * (cam->k1 + r2 * (cam->k2 + r2 * cam->k3));
    xd[0] = x * f + 2.0 * cam->p1 * xy + cam->p2 * (r2 + 2.0 * x2);
    xd[1] = y * f + cam->p1 * (r2 + 2.0 * y2) + 2.0 * cam->p2 * xy;
    if (D) {
        double fp = cam->k1 + r2 * (2.0 * cam->k2 + 3.0 * cam->k3 * r2);
        double off = 2.0 * xy * fp + 2.0 * cam->p1 * x + 2.0 * cam->p2 * y;
        D[0] = f + 2.0 * x2 * fp + 2.0 * cam->p1 * y + 6.0 * cam->p2 * x;
        D[1] = off;
        D[2] = off;
        D[3] = f + 2.0 * y2 * fp + 6.0 * cam->p1 * y + 2.0 * cam->p2 * x;
    }
}

void kc_camera_distort(const kc_camera *cam, const double xn[2], double xd[2])
{
    distort_jac(cam, xn[0], xn[1], xd, NULL);
}

bool kc_camera_project(const kc_camera *cam, kc_vec3 X, double uv[2])
{
    /* one code path, so that both give bit-identical pixels */
    return kc_camera_project_jac(cam, X, uv, NULL, NULL);
}

/* [v]x, the matrix with [v]x w = v × w. */
static kc_mat3 skew(kc_vec3 v)
{
    kc_mat3 K = {{{0.0, -v.z, v.y}, {v.z, 0.0, -v.x}, {-v.y, v.x, 0.0}}};
    return K;
}

/* Derivative of the rotated point R(r)·X with respect to the Rodrigues vector r.
 *
 * G. Gallego and A. Yezzi, "A compact formula for the derivative of a 3-D rotation in
 * exponential coordinates", J. Math. Imaging Vis. 51(3):378–384, 2015 (arXiv:1312.0788),
 * the formula for a rotated vector:
 *   d(R X)/dr = -R [X]x (r r^T + (R^T - I)[r]x) / |r|²
 * used as it stands for t = |r| >= JR_SERIES_ANGLE, with R rebuilt from r: the bracket must
 * see the R of r exactly (a camera's R may be orthonormal only to 1e-6, which the division
 * by |r|² would amplify), and then its rounding error is ~DBL_EPSILON/t.
 *
 * Small-angle case: the formula is 0/0 at r = 0. Substituting Rodrigues' formula for R^T
 * and [r]x³ = -t² [r]x, the bracket over |r|² (the right Jacobian of SO(3)) is
 *   Jr(r) = I - B [r]x + C [r]x²,  B = (1 - cos t)/t²,  C = (t - sin t)/t³,
 * and below JR_SERIES_ANGLE B and C come from their Taylor series, so d(R X)/dr -> -[X]x
 * as r -> 0. */
static kc_mat3 rot_point_jac(kc_vec3 r, kc_vec3 X)
{
    double t2 = kc_v3_dot(r, r), t = sqrt(t2);
    kc_mat3 R = kc_m3_from_rodrigues(r), K = skew(r), Jr;
    if (t < JR_SERIES_ANGLE) {
        double B = 0.5 - t2 / 24.0 + t2 * t2 / 720.0 - t2 * t2 * t2 / 40320.0;
        double C = 1.0 / 6.0 - t2 / 120.0 + t2 * t2 / 5040.0 - t2 * t2 * t2 / 362880.0;
        kc_mat3 K2 = kc_m3_mul(K, K);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Jr.m[i][j] = (i == j ? 1.0 : 0.0) - B * K.m[i][j] + C * K2.m[i][j];
    } else {
        kc_mat3 RtI = kc_m3_transpose(R);
        for (int i = 0; i < 3; i++)
            RtI.m[i][i] -= 1.0;
        kc_mat3 M = kc_m3_mul(RtI, K);
        double rv[3] = {r.x, r.y, r.z};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Jr.m[i][j] = (rv[i] * rv[j] + M.m[i][j]) / t2;
    }
    kc_mat3 D = kc_m3_mul(kc_m3_mul(R, skew(X)), Jr);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            D.m[i][j] = -D.m[i][j];
    return D;
}

/* Chain rule: (u, v) = S·d(x, y) with S = diag(fx, fy), (x, y) = (xc/zc, yc/zc),
 * xc = R X + t. d(x, y)/d(xc) = [1/z 0 -x/z; 0 1/z -y/z], so with A = S·D·d(x,y)/d(xc)
 * (2x3), d(uv)/dX = A R, d(uv)/dt = A and d(uv)/dr = A · d(R X)/dr. The intrinsic columns
 * are direct: du/dfx = x', dv/dfy = y', du/dcx = dv/dcy = 1, and the distortion
 * coefficients enter x', y' linearly (header equations). */
bool kc_camera_project_jac(const kc_camera *cam, kc_vec3 X, double uv[2], double J_point[6],
                           double J_cam[2 * KC_CAM_NPARAM])
{
    kc_vec3 xc = kc_v3_add(kc_m3_apply(cam->R, X), cam->t);
    if (!(xc.z > 0.0))
        return false;
    double iz = 1.0 / xc.z; /* as OpenCV's projectPoints: multiply by 1/z */
    double x = xc.x * iz, y = xc.y * iz;
    double xd[2], D[4];
    distort_jac(cam, x, y, xd, D);
    if (uv) {
        uv[0] = cam->fx * xd[0] + cam->cx;
        uv[1] = cam->fy * xd[1] + cam->cy;
    }
    if (!J_point && !J_cam)
        return true;

    /* A = S · D · [1/z 0 -x/z; 0 1/z -y/z] */
    double A[2][3];
    double S[2] = {cam->fx, cam->fy};
    for (int i = 0; i < 2; i++) {
        double d0 = S[i] * D[2 * i], d1 = S[i] * D[2 * i + 1];
        A[i][0] = d0 * iz;
        A[i][1] = d1 * iz;
        A[i][2] = -(d0 * x + d1 * y) * iz;
    }
    if (J_point) {
        const double (*R)[3] = cam->R.m;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                J_point[3 * i + j] = A[i][0] * R[0][j] + A[i][1] * R[1][j] + A[i][2] * R[2][j];
    }
    if (J_cam) {
        double *Ju = J_cam, *Jv = J_cam + KC_CAM_NPARAM;
        double x2 = x * x, y2 = y * y, xy = x * y, r2 = x2 + y2;
        Ju[0] = xd[0];  Jv[0] = 0.0;        /* fx */
        Ju[1] = 0.0;    Jv[1] = xd[1];      /* fy */
        Ju[2] = 1.0;    Jv[2] = 0.0;        /* cx */
        Ju[3] = 0.0;    Jv[3] = 1.0;        /* cy */
        Ju[4] = cam->fx * x * r2;           /* k1 */
        Jv[4] = cam->fy * y * r2;
        Ju[5] = cam->fx * x * r2 * r2;      /* k2 */
        Jv[5] = cam->fy * y * r2 * r2;
        Ju[6] = cam->fx * 2.0 * xy;         /* p1 */
        Jv[6] = cam->fy * (r2 + 2.0 * y2);
        Ju[7] = cam->fx * (r2 + 2.0 * x2);  /* p2 */
        Jv[7] = cam->fy * 2.0 * xy;
        Ju[8] = cam->fx * x * r2 * r2 * r2; /* k3 */
        Jv[8] = cam->fy * y * r2 * r2 * r2;
        kc_mat3 dR = rot_point_jac(kc_m3_to_rodrigues(cam->R), X);
        for (int j = 0; j < 3; j++) {
            Ju[9 + j] = A[0][0] * dR.m[0][j] + A[0][1] * dR.m[1][j] + A[0][2] * dR.m[2][j];
            Jv[9 + j] = A[1][0] * dR.m[0][j] + A[1][1] * dR.m[1][j] + A[1][2] * dR.m[2][j];
            Ju[12 + j] = A[0][j];
            Jv[12 + j] = A[1][j];
        }
    }
    return true;
}

/* The radial profile g(rho) = rho·(1 + k1 rho² + k2 rho⁴ + k3 rho⁶): the distorted radius of
 * an undistorted radius rho, without the tangential terms. */
static double radial_profile(const kc_camera *cam, double rho)
{
    double s = rho * rho;
    return rho * (1.0 + s * (cam->k1 + s * (cam->k2 + s * cam->k3)));
}

/* g'(rho) as a cubic in s = rho²: 1 + c1 s + c2 s² + c3 s³, c = (3 k1, 5 k2, 7 k3). */
static double radial_slope(double c1, double c2, double c3, double s)
{
    return 1.0 + s * (c1 + s * (c2 + s * c3));
}

/* Is the radial profile g(rho) = rho·(1 + k1 rho² + k2 rho⁴ + k3 rho⁶) strictly increasing
 * on [0, rho_max]? g'(rho) = c(s) = 1 + 3 k1 s + 5 k2 s² + 7 k3 s³ with s = rho²; c(0) = 1,
 * so c > 0 on [0, S] iff its minimum there is positive, and the minimum of a cubic on an
 * interval is at an end or at a root of c'(s) = 3 k1 + 10 k2 s + 21 k3 s² (GSL solves the
 * quadratic, including its degenerate linear case). A point beyond the first zero of g' is
 * past the fold of the distortion: there the map is not the calibrated one, even where its
 * local Jacobian determinant is positive again (e.g. after g has turned negative, which
 * maps points through the centre to the opposite side). */
static bool radial_monotone(const kc_camera *cam, double rho_max)
{
    double S = rho_max * rho_max;
    double c1 = 3.0 * cam->k1, c2 = 5.0 * cam->k2, c3 = 7.0 * cam->k3;
    if (!(radial_slope(c1, c2, c3, S) > 0.0))
        return false;
    double s0 = NAN, s1 = NAN;
    int n = gsl_poly_solve_quadratic(3.0 * c3, 2.0 * c2, c1, &s0, &s1);
    if (n >= 1 && s0 > 0.0 && s0 < S && !(radial_slope(c1, c2, c3, s0) > 0.0))
        return false;
    if (n >= 2 && s1 > 0.0 && s1 < S && !(radial_slope(c1, c2, c3, s1) > 0.0))
        return false;
    return true;
}

/* Pixel residual of the normalised point (x, y) against uv, and D at (x, y). */
static double undistort_residual(const kc_camera *cam, const double uv[2], double x, double y,
                                 double res[2], double D[4])
{
    double xd[2];
    distort_jac(cam, x, y, xd, D);
    res[0] = cam->fx * xd[0] + cam->cx - uv[0];
    res[1] = cam->fy * xd[1] + cam->cy - uv[1];
    return hypot(res[0], res[1]);
}

/* On the calibrated branch of the distortion: orientation preserved (det D > 0) and the
 * radial profile monotone from the centre out to (x, y). */
static bool on_branch(const kc_camera *cam, double x, double y, const double D[4])
{
    return D[0] * D[3] - D[1] * D[2] > 0.0 && radial_monotone(cam, hypot(x, y));
}

/* A starting radius on the calibrated branch for the distorted radius rd, used when rd
 * itself is off it (past the fold, which happens with pincushion distortion, where
 * |x'| > |x|): bisection for the fold radius rho_f, capped at rd (radial_monotone is true
 * below it, false above), then bisection for g(rho) = rd on [0, rho_f], where g increases;
 * if g(rho_f) <= rd there is no radial solution and rho_f itself is returned (Newton then
 * fails, as it should). 60 halvings reach the resolution of a double. */
static double radial_start(const kc_camera *cam, double rd)
{
    double lo = 0.0, hi = rd;
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (radial_monotone(cam, mid))
            lo = mid;
        else
            hi = mid;
    }
    double rho_f = lo;
    if (radial_profile(cam, rho_f) <= rd)
        return rho_f;
    lo = 0.0;
    hi = rho_f;
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (radial_profile(cam, mid) < rd)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Newton's method on F(x) = distort(x) - xd in pixel units, with the analytic 2x2 Jacobian
 * of distort_jac (scaled by fx, fy) inverted in closed form.
 *
 * Start: the distorted normalised point xd itself (the answer for no distortion). Along a
 * ray the radial profile is concave for barrel distortion, so Newton from xd (inside the
 * solution) approaches the root from inside without overshoot. With pincushion distortion
 * xd lies outside the solution; where it even lies past the fold (off the calibrated
 * branch), the start is moved onto the branch by radial_start.
 *
 * Step control: backtracking, halving the step until the pixel residual decreases; and once
 * the iterate is on the calibrated branch (on_branch), a trial point off it is refused too,
 * so the iteration cannot jump to another preimage (past the fold, or through the centre).
 *
 * The result is accepted when the residual is <= UNDISTORT_TOL_PX and the point is on the
 * calibrated branch; anything else is KC_ENUMERIC: no preimage (pixels beyond the image of
 * the fold), or only preimages past the fold, which are not the calibrated camera's. */
int kc_camera_undistort(const kc_camera *cam, const double uv[2], double xn[2])
{
    if (!cam || !uv || !xn)
        return KC_EINVAL;
    double x = (uv[0] - cam->cx) / cam->fx, y = (uv[1] - cam->cy) / cam->fy;
    double rd = hypot(x, y);
    double res[2], D[4];
    double err = undistort_residual(cam, uv, x, y, res, D);
    bool branch = on_branch(cam, x, y, D);
    if (!branch && rd > 0.0 && isfinite(rd)) {
        /* xd is past the fold: start from the radial preimage instead and, should that
         * still be off the branch (tangential terms near the fold), move towards the
         * centre, where the map is close to the identity (0.75^64 ~ 1e-8). */
        double k = radial_start(cam, rd) / rd;
        x *= k;
        y *= k;
        err = undistort_residual(cam, uv, x, y, res, D);
        branch = on_branch(cam, x, y, D);
        for (int i = 0; i < 64 && !branch; i++) {
            x *= 0.75;
            y *= 0.75;
            err = undistort_residual(cam, uv, x, y, res, D);
            branch = on_branch(cam, x, y, D);
        }
    }
    for (int it = 0; it < UNDISTORT_MAX_ITER && err > UNDISTORT_GOAL_PX; it++) {
        /* J = S D, S = diag(fx, fy); step = -J^{-1} res */
        double J00 = cam->fx * D[0], J01 = cam->fx * D[1];
        double J10 = cam->fy * D[2], J11 = cam->fy * D[3];
        double det = J00 * J11 - J01 * J10;
        if (!(det != 0.0) || !isfinite(det))
            break;
        double dx = -(J11 * res[0] - J01 * res[1]) / det;
        double dy = -(-J10 * res[0] + J00 * res[1]) / det;
        double lambda = 1.0;
        bool accepted = false;
        for (int h = 0; h <= UNDISTORT_MAX_HALVINGS; h++, lambda *= 0.5) {
            double tx = x + lambda * dx, ty = y + lambda * dy, tres[2], tD[4];
            double terr = undistort_residual(cam, uv, tx, ty, tres, tD);
            if (!(terr < err))
                continue;
            bool tbranch = on_branch(cam, tx, ty, tD);
            if (branch && !tbranch)
                continue;
            x = tx;
            y = ty;
            err = terr;
            res[0] = tres[0];
            res[1] = tres[1];
            for (int k = 0; k < 4; k++)
                D[k] = tD[k];
            branch = tbranch;
            accepted = true;
            break;
        }
        if (!accepted)
            break; /* no progress possible: converged to rounding, or stuck */
    }
    if (err <= UNDISTORT_TOL_PX && branch) {
        xn[0] = x;
        xn[1] = y;
        return KC_OK;
    }
    xn[0] = NAN;
    xn[1] = NAN;
    return KC_ENUMERIC;
}

int kc_camera_ray(const kc_camera *cam, const double uv[2], kc_vec3 *origin, kc_vec3 *dir)
{
    if (!cam || !uv || !origin || !dir)
        return KC_EINVAL;
    double xn[2];
    int rc = kc_camera_undistort(cam, uv, xn);
    if (rc != KC_OK) {
        *origin = kc_v3(NAN, NAN, NAN);
        *dir = kc_v3(NAN, NAN, NAN);
        return rc;
    }
    /* camera-frame direction (x, y, 1), to world by R^T */
    *origin = kc_camera_centre(cam);
    *dir = kc_v3_unit(kc_m3_apply(kc_m3_transpose(cam->R), kc_v3(xn[0], xn[1], 1.0)));
    return KC_OK;
}

bool kc_camera_in_image(const kc_camera *cam, const double uv[2], double margin)
{
    return uv[0] >= -0.5 + margin && uv[0] <= cam->width - 0.5 - margin
        && uv[1] >= -0.5 + margin && uv[1] <= cam->height - 0.5 - margin;
}

void kc_camera_to_params(const kc_camera *cam, double p[KC_CAM_NPARAM])
{
    kc_vec3 r = kc_m3_to_rodrigues(cam->R);
    p[0] = cam->fx;
    p[1] = cam->fy;
    p[2] = cam->cx;
    p[3] = cam->cy;
    p[4] = cam->k1;
    p[5] = cam->k2;
    p[6] = cam->p1;
    p[7] = cam->p2;
    p[8] = cam->k3;
    p[9] = r.x;
    p[10] = r.y;
    p[11] = r.z;
    p[12] = cam->t.x;
    p[13] = cam->t.y;
    p[14] = cam->t.z;
}

void kc_camera_from_params(kc_camera *cam, const double p[KC_CAM_NPARAM])
{
    cam->fx = p[0];
    cam->fy = p[1];
    cam->cx = p[2];
    cam->cy = p[3];
    cam->k1 = p[4];
    cam->k2 = p[5];
    cam->p1 = p[6];
    cam->p2 = p[7];
    cam->k3 = p[8];
    cam->R = kc_m3_from_rodrigues(kc_v3(p[9], p[10], p[11]));
    cam->t = kc_v3(p[12], p[13], p[14]);
}

/* P = K [R | t], K = [fx 0 cx; 0 fy cy; 0 0 1]. */
void kc_camera_projection_matrix(const kc_camera *cam, double P[12])
{
    const double (*R)[3] = cam->R.m;
    double T[3] = {cam->t.x, cam->t.y, cam->t.z};
    for (int j = 0; j < 3; j++) {
        P[j] = cam->fx * R[0][j] + cam->cx * R[2][j];
        P[4 + j] = cam->fy * R[1][j] + cam->cy * R[2][j];
        P[8 + j] = R[2][j];
    }
    P[3] = cam->fx * T[0] + cam->cx * T[2];
    P[7] = cam->fy * T[1] + cam->cy * T[2];
    P[11] = T[2];
}
