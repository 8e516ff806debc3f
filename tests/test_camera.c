/* Tests of include/kinechain/camera.h: projections against values derived by hand, both
 * analytic Jacobians against central differences, undistortion round trips over every 8th
 * pixel of whole images with strong barrel and pincushion distortion, the fold of a
 * non-invertible distortion (KC_ENUMERIC, never a wrong point), rays, kc_camera_check's
 * rejections, parameter-vector and projection-matrix conversions. */
#include "kinechain/camera.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* A camera from the parameter vector [fx, fy, cx, cy, k1, k2, p1, p2, k3, rx, ry, rz, tx,
 * ty, tz]. */
static kc_camera make_camera(const char *name, const double p[KC_CAM_NPARAM], int w, int h)
{
    kc_camera cam;
    memset(&cam, 0, sizeof cam);
    snprintf(cam.name, sizeof cam.name, "%s", name);
    kc_camera_from_params(&cam, p);
    cam.width = w;
    cam.height = h;
    return cam;
}

/* ---- the cameras ---------------------------------------------------------------------- */

/* Strong barrel: 1600x1200, f = 0.8·width, k = (-0.3, 0.08, -0.01), p = (8e-4, -6e-4); a
 * pose turned by ~2.2 rad. At the image corners the normalised distorted radius is ~0.78
 * and the undistorted one ~1.02; the radial profile folds only at ~1.7. */
static const double P_BARREL[KC_CAM_NPARAM] = {1280.0, 1281.5, 803.7, 596.2, -0.3, 0.08, 8e-4,
                                               -6e-4, -0.01, 0.35, -2.1, 0.6, -150.0, 420.0,
                                               3600.0};
/* Pincushion: k = (0.1, 0.02, 0.005), p = (-5e-4, 3e-4); rotation angle 3.1120 = pi - 0.0296
 * (near the end of the Rodrigues parameterisation). */
static const double P_PINCUSHION[KC_CAM_NPARAM] = {1290.0, 1287.0, 791.3, 604.9, 0.1, 0.02,
                                                   -5e-4, 3e-4, 0.005, 2.6391, -1.4071,
                                                   0.8602, 230.0, -85.0, 2900.0};
/* Fish-eye-like, strong tangential terms, and a rotation of 5.4e-3 rad (inside the Taylor
 * branch of the Rodrigues derivative). The radial profile folds at r = 1.57, distorted
 * radius 0.934; the image corners are at distorted radius ~0.88, close to it. */
static const double P_WIDE[KC_CAM_NPARAM] = {1150.0, 1153.0, 812.4, 588.8, -0.42, 0.19, 2e-3,
                                             -1.5e-3, -0.035, 3e-3, -4e-3, 2e-3, 40.0, -60.0,
                                             2100.0};
/* Barrel with a rotation of 3.7e-7 rad (deep in the small-angle case). */
static const double P_TINYROT[KC_CAM_NPARAM] = {1500.0, 1498.0, 955.0, 545.0, -0.21, 0.05,
                                                -3e-4, 9e-4, -0.004, 2e-7, -3e-7, 1e-7, -25.0,
                                                14.0, 4200.0};

/* Identity rotation (r = 0 exactly: the limit case of the Rodrigues derivative). */
static const double P_IDENTROT[KC_CAM_NPARAM] = {1210.0, 1214.0, 808.1, 590.6, -0.27, 0.07,
                                                 6e-4, 4e-4, -0.008, 0, 0, 0, 35.0, -45.0,
                                                 2600.0};
/* Rotation of 0.01026 rad, just above the switch to the Taylor branch at 0.01 (the finite
 * differences straddle it). */
static const double P_SWITCHROT[KC_CAM_NPARAM] = {1260.0, 1263.0, 797.2, 603.3, 0.06, -0.01,
                                                  -7e-4, 2e-4, 0.002, 6e-3, -7e-3, 4.5e-3,
                                                  -65.0, 30.0, 3100.0};

/* ---- projection against hand values --------------------------------------------------- */

static void test_project_hand(void)
{
    /* R = I, t = (10, -20, 2000), fx = 1000, fy = 1010, cx = 640.5, cy = 480.25.
     * X = (390, 220, 500) -> x_c = (400, 200, 2500) -> (x, y) = (0.16, 0.08),
     * r² = 0.0256 + 0.0064 = 0.032. */
    double p[KC_CAM_NPARAM] = {1000.0, 1010.0, 640.5, 480.25, 0, 0, 0, 0, 0, 0, 0, 0,
                               10.0, -20.0, 2000.0};
    kc_vec3 X = kc_v3(390.0, 220.0, 500.0);
    double uv[2];

    /* no distortion: u = 1000·0.16 + 640.5 = 800.5, v = 1010·0.08 + 480.25 = 561.05 */
    kc_camera cam = make_camera("hand", p, 1280, 960);
    CHECK("hand: in front", kc_camera_project(&cam, X, uv));
    CHECK_NEAR("hand pinhole u", uv[0], 800.5, 1e-12);
    CHECK_NEAR("hand pinhole v", uv[1], 561.05, 1e-12);

    /* k1 = -0.25: factor 1 - 0.25·0.032 = 0.992, (x', y') = (0.15872, 0.07936),
     * u = 158.72 + 640.5 = 799.22, v = 80.1536 + 480.25 = 560.4036 */
    cam.k1 = -0.25;
    CHECK("hand k1: in front", kc_camera_project(&cam, X, uv));
    CHECK_NEAR("hand k1 u", uv[0], 799.22, 1e-12);
    CHECK_NEAR("hand k1 v", uv[1], 560.4036, 1e-12);

    /* k2 = 0.5, k3 = -2 only: r⁴ = 0.001024, r⁶ = 3.2768e-5, factor = 1 + 0.000512 -
     * 0.000065536 = 1.000446464; u = 1000·0.16·1.000446464 + 640.5 = 800.57143424,
     * v = 1010·0.08·1.000446464 + 480.25 = 80.8·1.000446464 + 480.25 = 561.0860742912 */
    cam.k1 = 0.0;
    cam.k2 = 0.5;
    cam.k3 = -2.0;
    CHECK("hand k2 k3: in front", kc_camera_project(&cam, X, uv));
    CHECK_NEAR("hand k2 k3 u", uv[0], 800.57143424, 1e-9);
    CHECK_NEAR("hand k2 k3 v", uv[1], 561.0860742912, 1e-9);

    /* p1 = 0.01, p2 = -0.02 only: 2xy = 0.0256,
     * x' = 0.16 + 0.01·0.0256 - 0.02·(0.032 + 2·0.0256) = 0.16 + 0.000256 - 0.001664
     *    = 0.158592 -> u = 158.592 + 640.5 = 799.092
     * y' = 0.08 + 0.01·(0.032 + 2·0.0064) - 0.02·0.0256 = 0.08 + 0.000448 - 0.000512
     *    = 0.079936 -> v = 1010·0.079936 + 480.25 = 80.73536 + 480.25 = 560.98536 */
    cam.k2 = 0.0;
    cam.k3 = 0.0;
    cam.p1 = 0.01;
    cam.p2 = -0.02;
    CHECK("hand p: in front", kc_camera_project(&cam, X, uv));
    CHECK_NEAR("hand p1 p2 u", uv[0], 799.092, 1e-9);
    CHECK_NEAR("hand p1 p2 v", uv[1], 560.98536, 1e-9);
    double xn[2] = {0.16, 0.08}, xd[2];
    kc_camera_distort(&cam, xn, xd);
    CHECK_NEAR("distort x'", xd[0], 0.158592, 1e-15);
    CHECK_NEAR("distort y'", xd[1], 0.079936, 1e-15);

    /* A rotated camera: R = rotx(90°) = [1 0 0; 0 0 -1; 0 1 0] (it looks along world +Y),
     * t = 0, k1 = -0.25. X = (400, 2500, 200) -> x_c = (400, -200, 2500) -> (0.16, -0.08),
     * the same r² so the same factor 0.992: u = 799.22, v = 480.25 - 80.1536 = 400.0964 */
    double q[KC_CAM_NPARAM] = {1000.0, 1010.0, 640.5, 480.25, -0.25, 0, 0, 0, 0, KC_PI / 2,
                               0, 0, 0, 0, 0};
    cam = make_camera("hand-rot", q, 1280, 960);
    CHECK("hand rot: in front", kc_camera_project(&cam, kc_v3(400.0, 2500.0, 200.0), uv));
    CHECK_NEAR("hand rot u", uv[0], 799.22, 1e-9);
    CHECK_NEAR("hand rot v", uv[1], 400.0964, 1e-9);

    /* Points on the optical axis, C + s·(third row of R), map to (cx, cy) whatever the
     * distortion and pose. */
    const double *cams[] = {P_BARREL, P_PINCUSHION, P_WIDE, P_TINYROT};
    for (int k = 0; k < 4; k++) {
        kc_camera c = make_camera("axis", cams[k], 1600, 1200);
        kc_vec3 C = kc_camera_centre(&c);
        kc_vec3 axis = kc_v3(c.R.m[2][0], c.R.m[2][1], c.R.m[2][2]);
        for (double s = 350.0; s < 9000.0; s *= 2.7) {
            CHECK("axis point in front", kc_camera_project(&c, kc_v3_axpy(C, s, axis), uv));
            CHECK_NEAR("optical axis -> cx", uv[0], c.cx, 1e-9);
            CHECK_NEAR("optical axis -> cy", uv[1], c.cy, 1e-9);
        }
        /* the centre: R C + t = 0 */
        kc_vec3 z = kc_v3_add(kc_m3_apply(c.R, C), c.t);
        CHECK_NEAR("R C + t = 0", kc_v3_norm(z), 0.0, 1e-9);
        /* behind the camera (z_c < 0) and at its centre (z_c = 0): false, uv untouched */
        uv[0] = 123.25;
        uv[1] = -7.5;
        double J[6] = {0}, Jc[2 * KC_CAM_NPARAM] = {0};
        CHECK("behind: project false", !kc_camera_project(&c, kc_v3_axpy(C, -800.0, axis), uv));
        CHECK("behind: project_jac false",
              !kc_camera_project_jac(&c, kc_v3_axpy(C, -800.0, axis), uv, J, Jc));
        CHECK("behind: uv untouched", uv[0] == 123.25 && uv[1] == -7.5);
    }
    /* centre by hand: R = I, t = (10, -20, 2000) -> C = (-10, 20, -2000) */
    cam = make_camera("hand", p, 1280, 960);
    kc_vec3 C = kc_camera_centre(&cam);
    CHECK_NEAR("centre x", C.x, -10.0, 1e-12);
    CHECK_NEAR("centre y", C.y, 20.0, 1e-12);
    CHECK_NEAR("centre z", C.z, -2000.0, 1e-12);
    uv[0] = 123.25;
    CHECK("at the centre (z_c = 0): project false", !kc_camera_project(&cam, C, uv));
    CHECK("at the centre: uv untouched", uv[0] == 123.25);
}

/* ---- Jacobians against central differences -------------------------------------------- */

/* World points that project into the calibrated region: normalised (x, y) on a 5x4 grid
 * spanning +-0.55·(1, 0.75)·scale and depths from 700 to 6000 mm, mapped back to the world. */
static kc_vec3 test_point(const kc_camera *cam, int i, double scale)
{
    double x = (-0.55 + 1.1 * (i % 5) / 4.0 + 0.013 * i) * scale;
    double y = (-0.41 + 0.82 * ((i / 5) % 4) / 3.0 - 0.007 * i) * scale;
    double z = 700.0 + 5300.0 * fmod(i * 0.6180339887498949, 1.0);
    kc_vec3 xc = kc_v3(x * z, y * z, z);
    return kc_m3_apply(kc_m3_transpose(cam->R), kc_v3_sub(xc, cam->t));
}

/* Relative error of an analytic column (du/dq, dv/dq) against the central difference,
 * relative to the larger analytic entry of the column (entries of one column share a
 * scale; a per-entry ratio would be meaningless for entries that are zero). */
static double col_error(double au, double av, double fu, double fv)
{
    double scale = fmax(fabs(au), fabs(av));
    double e = fmax(fabs(au - fu), fabs(av - fv));
    return scale > 0.0 ? e / scale : e;
}

/* relative, see col_error; the measured errors are ~1e-10 (printed), the rest is margin for
 * other compilers and flags */
#define JAC_TOL 1e-6

/* Numerical derivative of (u, v) along column j: j < 3 the world point's coordinate j, else
 * camera parameter j - 3 (the camera rebuilt from the perturbed vector, as the bundle
 * adjuster does). Fourth-order central difference
 *   f'(0) ~ [8 (f(h) - f(-h)) - (f(2h) - f(-2h))] / (12 h)   (truncation h⁴ f⁽⁵⁾ / 30),
 * which allows steps large enough that rounding (~1e-13 px / h) stays far below the
 * derivatives. Steps: 0.05 mm for the point and t (depths are >= 700 mm); 1e-4 rad for the
 * rotation; for the 9 intrinsics, on which the pixel depends linearly (no truncation error
 * at any step), 0.1 of the value (at least 0.1), so that even d(u)/d(k3) = fx x r⁶ near the
 * image centre is resolved far above rounding. */
static void fd_column(const kc_camera *cam, const double p[KC_CAM_NPARAM], kc_vec3 X, int j,
                      double d[2])
{
    double h = j < 3 ? 0.05 : j < 3 + 9 ? 0.1 * fmax(fabs(p[j - 3]), 1.0) : j < 3 + 12 ? 1e-4
                                                                                       : 0.05;
    static const double off[4] = {-2.0, -1.0, 1.0, 2.0}, wt[4] = {1.0, -8.0, 8.0, -1.0};
    d[0] = d[1] = 0.0;
    for (int k = 0; k < 4; k++) {
        double uv[2];
        if (j < 3) {
            double Xa[3] = {X.x, X.y, X.z};
            Xa[j] += off[k] * h;
            kc_camera_project(cam, kc_v3(Xa[0], Xa[1], Xa[2]), uv);
        } else {
            double q[KC_CAM_NPARAM];
            memcpy(q, p, sizeof q);
            q[j - 3] += off[k] * h;
            kc_camera c = *cam;
            kc_camera_from_params(&c, q);
            kc_camera_project(&c, X, uv);
        }
        d[0] += wt[k] * uv[0];
        d[1] += wt[k] * uv[1];
    }
    d[0] /= 12.0 * h;
    d[1] /= 12.0 * h;
}

static void test_jacobians(void)
{
    const double *cams[] = {P_BARREL, P_PINCUSHION, P_WIDE, P_TINYROT, P_IDENTROT,
                            P_SWITCHROT};
    const char *names[] = {"barrel", "pincushion", "wide", "tinyrot", "identrot", "switchrot"};
    const double scales[] = {1.0, 0.9, 0.85, 1.0, 1.0, 0.9};
    double max_point = 0.0, max_cam = 0.0, max_cam_col[KC_CAM_NPARAM] = {0};
    int nchk = 0;
    for (int k = 0; k < 6; k++) {
        kc_camera cam = make_camera(names[k], cams[k], 1600, 1200);
        double p[KC_CAM_NPARAM];
        kc_camera_to_params(&cam, p);
        for (int i = 0; i < 20; i++) {
            kc_vec3 X = test_point(&cam, i, scales[k]);
            double uv[2], uv0[2], Jp[6], Jc[2 * KC_CAM_NPARAM];
            if (!CHECK("jac: in front", kc_camera_project_jac(&cam, X, uv, Jp, Jc)))
                continue;
            CHECK("project_jac uv == project uv",
                  kc_camera_project(&cam, X, uv0) && uv0[0] == uv[0] && uv0[1] == uv[1]);
            /* NULL Jacobians are allowed */
            double uv1[2];
            CHECK("project_jac with NULL Jacobians",
                  kc_camera_project_jac(&cam, X, uv1, NULL, NULL) && uv1[0] == uv[0]);
            for (int j = 0; j < 3 + KC_CAM_NPARAM; j++) {
                double d[2];
                fd_column(&cam, p, X, j, d);
                bool pt = j < 3;
                double au = pt ? Jp[j] : Jc[j - 3], av = pt ? Jp[3 + j] : Jc[KC_CAM_NPARAM + j - 3];
                double e = col_error(au, av, d[0], d[1]);
                if (pt) {
                    max_point = fmax(max_point, e);
                } else {
                    max_cam = fmax(max_cam, e);
                    max_cam_col[j - 3] = fmax(max_cam_col[j - 3], e);
                }
                nchk++;
                if (e > JAC_TOL) {
                    char name[96];
                    snprintf(name, sizeof name, "%s %s point %d column %d",
                             pt ? "J_point" : "J_cam", names[k], i, pt ? j : j - 3);
                    CHECK_NEAR(name, e, 0.0, JAC_TOL);
                }
            }
            /* structural zeros are exact */
            CHECK("dv/dfx = du/dfy = dv/dcx = du/dcy = 0",
                  Jc[KC_CAM_NPARAM + 0] == 0.0 && Jc[1] == 0.0 && Jc[KC_CAM_NPARAM + 2] == 0.0
                      && Jc[3] == 0.0);
            /* the translation block equals J_point R^T (x_c = R X + t) */
            double e = 0.0;
            for (int r = 0; r < 2; r++)
                for (int j = 0; j < 3; j++) {
                    double s = 0.0;
                    for (int m = 0; m < 3; m++)
                        s += Jp[3 * r + m] * cam.R.m[j][m];
                    e = fmax(e, fabs(s - Jc[KC_CAM_NPARAM * r + 12 + j]));
                }
            CHECK_NEAR("d/dt = J_point R^T", e, 0.0, 1e-12);
        }
    }
    CHECK_NEAR("max J_point relative error", max_point, 0.0, JAC_TOL);
    CHECK_NEAR("max J_cam relative error", max_cam, 0.0, JAC_TOL);
    printf("jacobians: %d columns checked, max relative error J_point %.3g, J_cam %.3g\n", nchk,
           max_point, max_cam);
    printf("  per parameter:");
    for (int j = 0; j < KC_CAM_NPARAM; j++)
        printf(" %.1e", max_cam_col[j]);
    printf("\n");
}

/* ---- undistortion --------------------------------------------------------------------- */

/* |distort(xn) - uv| in px, computed with the public API the way kc_camera_project does. */
static double redistort_error(const kc_camera *cam, const double uv[2], const double xn[2])
{
    double xd[2];
    kc_camera_distort(cam, xn, xd);
    return hypot(cam->fx * xd[0] + cam->cx - uv[0], cam->fy * xd[1] + cam->cy - uv[1]);
}

/* Jacobian determinant of the distortion at xn, by central differences (independent of
 * the library's analytic one). */
static double fd_det(const kc_camera *cam, const double xn[2])
{
    double h = 1e-6, a[2], b[2], c[2], d[2];
    double xp[2] = {xn[0] + h, xn[1]}, xm[2] = {xn[0] - h, xn[1]};
    double yp[2] = {xn[0], xn[1] + h}, ym[2] = {xn[0], xn[1] - h};
    kc_camera_distort(cam, xp, a);
    kc_camera_distort(cam, xm, b);
    kc_camera_distort(cam, yp, c);
    kc_camera_distort(cam, ym, d);
    double J00 = (a[0] - b[0]) / (2 * h), J10 = (a[1] - b[1]) / (2 * h);
    double J01 = (c[0] - d[0]) / (2 * h), J11 = (c[1] - d[1]) / (2 * h);
    return J00 * J11 - J01 * J10;
}

/* Every 8th pixel of the whole image plus its last row/column and the outer edges of the
 * border pixels (-0.5 and size - 0.5). */
static int grid_coord(int i, int size, double *c)
{
    int n8 = (size - 1) / 8 + 1; /* 0, 8, ..., <= size-1 */
    if (i == 0) {
        *c = -0.5;
        return 1;
    }
    if (i <= n8) {
        *c = 8.0 * (i - 1);
        return 1;
    }
    if (i == n8 + 1) {
        *c = size - 1.0;
        return 1;
    }
    if (i == n8 + 2) {
        *c = size - 0.5;
        return 1;
    }
    return 0;
}

static double undistort_grid(const char *what, const kc_camera *cam)
{
    double maxerr = 0.0, c[2];
    int n = 0, fails = 0;
    for (int i = 0; grid_coord(i, cam->width, &c[0]); i++)
        for (int j = 0; grid_coord(j, cam->height, &c[1]); j++) {
            double xn[2];
            int rc = kc_camera_undistort(cam, c, xn);
            n++;
            if (rc != KC_OK) {
                if (fails++ < 5) {
                    char name[128];
                    snprintf(name, sizeof name, "%s: undistort (%.1f, %.1f) returns KC_OK", what,
                             c[0], c[1]);
                    CHECK(name, false);
                }
                continue;
            }
            double e = redistort_error(cam, c, xn);
            maxerr = fmax(maxerr, e);
            if (e > 1e-6 || !(fd_det(cam, xn) > 0.0)) {
                char name[128];
                snprintf(name, sizeof name, "%s: (%.1f, %.1f) round trip <= 1e-6 px, det > 0",
                         what, c[0], c[1]);
                CHECK(name, false);
            }
        }
    char name[128];
    snprintf(name, sizeof name, "%s: all %d grid pixels undistort", what, n);
    CHECK(name, fails == 0);
    snprintf(name, sizeof name, "%s: max |distort(undistort(uv)) - uv| (px)", what);
    CHECK_NEAR(name, maxerr, 0.0, 1e-6);
    printf("undistort %s: %d pixels, max round-trip error %.3g px\n", what, n, maxerr);
    return maxerr;
}

/* The other direction: for normalised points in the calibrated region, undistorting their
 * pixel must give back the same point (the preimage there is unique). */
static void undistort_inverse(const char *what, const kc_camera *cam, double rmax)
{
    double maxerr = 0.0;
    for (int i = -12; i <= 12; i++)
        for (int j = -12; j <= 12; j++) {
            double xn[2] = {rmax * i / 12.0 * 0.8, rmax * j / 12.0 * 0.6}, xd[2], back[2];
            kc_camera_distort(cam, xn, xd);
            double uv[2] = {cam->fx * xd[0] + cam->cx, cam->fy * xd[1] + cam->cy};
            if (!CHECK("inverse: undistort OK", kc_camera_undistort(cam, uv, back) == KC_OK))
                continue;
            maxerr = fmax(maxerr, hypot(back[0] - xn[0], back[1] - xn[1]));
        }
    char name[128];
    snprintf(name, sizeof name, "%s: max |undistort(distort(x)) - x| (normalised)", what);
    CHECK_NEAR(name, maxerr, 0.0, 1e-10);
    printf("undistort %s: max |undistort(distort(x)) - x| = %.3g (normalised)\n", what, maxerr);
}

static void test_undistort(void)
{
    kc_camera barrel = make_camera("barrel", P_BARREL, 1600, 1200);
    kc_camera pin = make_camera("pincushion", P_PINCUSHION, 1600, 1200);
    kc_camera wide = make_camera("wide", P_WIDE, 1600, 1200);
    undistort_grid("barrel", &barrel);
    undistort_grid("pincushion", &pin);
    undistort_grid("wide", &wide);
    undistort_inverse("barrel", &barrel, 1.25);
    undistort_inverse("pincushion", &pin, 0.75);

    /* the centre pixel undistorts to (0, 0) exactly */
    double c[2] = {barrel.cx, barrel.cy}, xn[2];
    CHECK("principal point", kc_camera_undistort(&barrel, c, xn) == KC_OK && xn[0] == 0.0
                                 && xn[1] == 0.0);
    /* bad arguments */
    CHECK("undistort NULL camera", kc_camera_undistort(NULL, c, xn) == KC_EINVAL);
    CHECK("undistort NULL uv", kc_camera_undistort(&barrel, NULL, xn) == KC_EINVAL);
    CHECK("undistort NULL xn", kc_camera_undistort(&barrel, c, NULL) == KC_EINVAL);
    double nan_uv[2] = {NAN, 300.0};
    CHECK("undistort NaN pixel", kc_camera_undistort(&barrel, nan_uv, xn) == KC_ENUMERIC);
    CHECK("undistort NaN pixel -> NaN xn", isnan(xn[0]) && isnan(xn[1]));
}

/* k1 = -0.6 alone at f = 0.5·width (a wide field). Radial profile g(r) = r - 0.6 r³:
 * g'(r) = 1 - 1.8 r² = 0 at r_f = 1/sqrt(1.8) = 0.745356, g(r_f) = r_f·(1 - 0.6/1.8)
 * = (2/3) r_f = 0.496904. Distorted radii below 0.496904 have exactly one preimage inside
 * the fold (plus one past it, with det < 0); those above have none inside it (only a
 * "mirror" preimage at r > 1.29, where g < 0 sends the point through the centre, and where
 * det > 0 again). The image corner is at distorted radius 1000/800 = 1.25. */
static void test_fold(void)
{
    const double rf = 1.0 / sqrt(1.8), gmax = 2.0 / 3.0 * rf;
    double p[KC_CAM_NPARAM] = {800.0, 800.0, 799.5, 599.5, -0.6, 0, 0, 0, 0, 0.2, -0.3, 0.1,
                               10.0, 20.0, 3000.0};
    kc_camera cam = make_camera("fold", p, 1600, 1200);
    int n_ok = 0, n_fail = 0, bad = 0;
    double maxerr = 0.0, c[2];
    for (int i = 0; grid_coord(i, cam.width, &c[0]); i++)
        for (int j = 0; grid_coord(j, cam.height, &c[1]); j++) {
            double xn[2];
            double rd = hypot((c[0] - cam.cx) / cam.fx, (c[1] - cam.cy) / cam.fy);
            int rc = kc_camera_undistort(&cam, c, xn);
            if (rc == KC_OK) {
                n_ok++;
                double e = redistort_error(&cam, c, xn);
                maxerr = fmax(maxerr, e);
                /* a returned point must be the inner preimage and reproduce the pixel */
                if (e > 1e-6 || !(hypot(xn[0], xn[1]) < rf) || rd > gmax + 1e-9)
                    bad++;
            } else {
                n_fail++;
                if (rc != KC_ENUMERIC || !isnan(xn[0]))
                    bad++;
                /* failing is only allowed where there is no inner preimage, or so close to
                 * the fold that Newton cannot settle (0.5% of g_max) */
                if (rd < 0.995 * gmax)
                    bad++;
            }
        }
    CHECK("fold: every pixel OK+valid or KC_ENUMERIC where no valid preimage", bad == 0);
    /* the circle of distorted radius g_max is 398 px: a quarter of the image */
    CHECK("fold: the outer pixels fail", n_fail > 15000);
    CHECK("fold: the inner pixels succeed", n_ok > 5000);
    CHECK_NEAR("fold: max round-trip error of the pixels that succeed", maxerr, 0.0, 1e-6);
    printf("undistort fold: %d pixels OK (max round-trip error %.3g px), %d KC_ENUMERIC\n", n_ok,
           maxerr, n_fail);

    /* a corner pixel: KC_ENUMERIC, NaN out; and the ray too */
    double corner[2] = {-0.5, -0.5}, xn[2];
    CHECK("fold: corner KC_ENUMERIC", kc_camera_undistort(&cam, corner, xn) == KC_ENUMERIC);
    kc_vec3 o, d;
    CHECK("fold: corner ray KC_ENUMERIC", kc_camera_ray(&cam, corner, &o, &d) == KC_ENUMERIC);
    CHECK("fold: failed ray is NaN", isnan(d.x) && isnan(o.x));

    /* a point past the fold, r = 0.9 (g' = 1 - 1.8·0.81 < 0): its pixel has an inner
     * preimage, which is what must come back (not the point itself, and not a failure) */
    double xo[2] = {0.9 * 0.8, 0.9 * -0.6}, xd[2];
    kc_camera_distort(&cam, xo, xd);
    double uv[2] = {cam.fx * xd[0] + cam.cx, cam.fy * xd[1] + cam.cy};
    int rc = kc_camera_undistort(&cam, uv, xn);
    CHECK("fold: pixel of a point past the fold -> OK", rc == KC_OK);
    CHECK("fold: ... the inner preimage", hypot(xn[0], xn[1]) < rf);
    CHECK_NEAR("fold: ... which reproduces the pixel", redistort_error(&cam, uv, xn), 0.0, 1e-6);

    /* the mirror preimage: x at r = 1.6 has g = 1.6·(1 - 0.6·2.56) = -0.8576, so its pixel
     * is at distorted radius 0.8576 > g_max on the opposite side; det D > 0 there
     * (g' = 1 - 1.8·2.56 < 0 and g/r < 0). No valid preimage: KC_ENUMERIC. */
    double xm[2] = {1.6 * 0.6, 1.6 * 0.8};
    kc_camera_distort(&cam, xm, xd);
    CHECK_NEAR("fold: mirror point maps through the centre", xd[0], -0.8576 * 0.6, 1e-12);
    double uvm[2] = {cam.fx * xd[0] + cam.cx, cam.fy * xd[1] + cam.cy};
    CHECK("fold: mirror pixel KC_ENUMERIC", kc_camera_undistort(&cam, uvm, xn) == KC_ENUMERIC);
    CHECK("fold: det > 0 at the mirror point (so det alone would not catch it)",
          fd_det(&cam, xm) > 0.0);

    /* A pincushion lens that folds far out: k = (0.29, 0.137, -0.0437). Here the distorted
     * point lies outside its preimage, so for distorted radii past the fold radius r_f the
     * natural Newton start (the distorted point) is already past the fold; the answer must
     * still be the inner preimage. r_f and g(r_f) by bisection on g'(r) = 1 + 3 k1 r² +
     * 5 k2 r⁴ + 7 k3 r⁶ here (r_f ~ 1.84, g(r_f) ~ 3.4). */
    kc_camera pin = cam;
    pin.k1 = 0.29;
    pin.k2 = 0.137;
    pin.k3 = -0.0437;
    pin.p1 = pin.p2 = 0.0;
    double lo = 0.0, hi = 3.0;
    for (int i = 0; i < 100; i++) {
        double m = 0.5 * (lo + hi), q = m * m;
        if (1.0 + q * (3 * pin.k1 + q * (5 * pin.k2 + q * 7 * pin.k3)) > 0.0)
            lo = m;
        else
            hi = m;
    }
    double prf = lo, pq = prf * prf;
    double pgmax = prf * (1.0 + pq * (pin.k1 + pq * (pin.k2 + pq * pin.k3)));
    printf("pincushion fold: r_f = %.6f, g(r_f) = %.6f\n", prf, pgmax);
    CHECK("pincushion fold: r_f ~ 1.84", fabs(prf - 1.84) < 0.01);
    const double rds[] = {0.5, 1.9, 2.5, 3.3, 0.999 * pgmax};
    for (int i = 0; i < 5; i++) {
        double px[2] = {pin.cx + pin.fx * rds[i] * 0.28, pin.cy + pin.fy * rds[i] * -0.96};
        char name[96];
        snprintf(name, sizeof name, "pincushion fold: distorted radius %.3f -> OK", rds[i]);
        if (!CHECK(name, kc_camera_undistort(&pin, px, xn) == KC_OK))
            continue;
        CHECK("pincushion fold: inner preimage", hypot(xn[0], xn[1]) < prf);
        CHECK_NEAR("pincushion fold: round trip (px)", redistort_error(&pin, px, xn), 0.0, 1e-6);
    }
    double pxo[2] = {pin.cx + pin.fx * 1.01 * pgmax * 0.28, pin.cy + pin.fy * 1.01 * pgmax * -0.96};
    CHECK("pincushion fold: beyond g(r_f) -> KC_ENUMERIC",
          kc_camera_undistort(&pin, pxo, xn) == KC_ENUMERIC);

    /* the same fold with tangential terms: whatever succeeds is right, corners fail */
    cam.p1 = 1.5e-3;
    cam.p2 = -2e-3;
    cam.k2 = 0.02;
    n_ok = n_fail = bad = 0;
    for (int i = 0; grid_coord(i, cam.width, &c[0]); i++)
        for (int j = 0; grid_coord(j, cam.height, &c[1]); j++) {
            if (kc_camera_undistort(&cam, c, xn) == KC_OK) {
                n_ok++;
                if (redistort_error(&cam, c, xn) > 1e-6 || !(fd_det(&cam, xn) > 0.0))
                    bad++;
            } else {
                n_fail++;
            }
        }
    CHECK("fold+tangential: results valid", bad == 0);
    CHECK("fold+tangential: outer pixels fail", n_fail > 15000 && n_ok > 5000);
    printf("undistort fold+tangential: %d pixels OK, %d KC_ENUMERIC\n", n_ok, n_fail);
}

/* ---- rays ----------------------------------------------------------------------------- */

static void test_ray(void)
{
    const double *cams[] = {P_BARREL, P_PINCUSHION, P_WIDE};
    double maxerr = 0.0;
    for (int k = 0; k < 3; k++) {
        kc_camera cam = make_camera("ray", cams[k], 1600, 1200);
        kc_vec3 C = kc_camera_centre(&cam);
        for (double u = -0.5; u <= 1599.5; u += 133.25)
            for (double v = -0.5; v <= 1199.5; v += 99.75) {
                double uv[2] = {u, v}, back[2];
                kc_vec3 o, d;
                if (!CHECK("ray OK", kc_camera_ray(&cam, uv, &o, &d) == KC_OK))
                    continue;
                CHECK_NEAR("ray origin = centre", kc_v3_norm(kc_v3_sub(o, C)), 0.0, 1e-9);
                CHECK_NEAR("ray direction unit", kc_v3_norm(d), 1.0, 1e-15);
                for (double s = 300.0; s < 20000.0; s *= 3.1) {
                    if (!CHECK("ray point in front",
                               kc_camera_project(&cam, kc_v3_axpy(o, s, d), back)))
                        continue;
                    maxerr = fmax(maxerr, hypot(back[0] - u, back[1] - v));
                }
            }
    }
    CHECK_NEAR("ray points project back to the pixel (px)", maxerr, 0.0, 1e-6);
    printf("ray: max reprojection error %.3g px\n", maxerr);
    kc_camera cam = make_camera("ray", P_BARREL, 1600, 1200);
    double uv[2] = {10.0, 20.0};
    kc_vec3 o, d;
    CHECK("ray NULL dir", kc_camera_ray(&cam, uv, &o, NULL) == KC_EINVAL);
    CHECK("ray NULL origin", kc_camera_ray(&cam, uv, NULL, &d) == KC_EINVAL);
}

/* ---- check, conversions, image bounds ------------------------------------------------- */

static void test_check(void)
{
    kc_camera good = make_camera("good", P_BARREL, 1600, 1200);
    CHECK("check: good camera", kc_camera_check(&good) == KC_OK);
    CHECK("check: NULL", kc_camera_check(NULL) == KC_EINVAL);
    kc_camera c = good;
    c.fx = NAN;
    CHECK("check: NaN fx", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.k2 = NAN;
    CHECK("check: NaN k2", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.t.y = INFINITY;
    CHECK("check: infinite t", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.R.m[2][1] = NAN;
    CHECK("check: NaN in R", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.fx = 0.0;
    CHECK("check: zero fx", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.fy = -1281.5;
    CHECK("check: negative fy", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.width = 0;
    CHECK("check: zero width", kc_camera_check(&c) == KC_EINVAL);
    c = good;
    c.height = -1200;
    CHECK("check: negative height", kc_camera_check(&c) == KC_EINVAL);
    /* a column scaled by 1 + 3e-6: |R^T R - I| = 6e-6 > 1e-6 */
    c = good;
    for (int i = 0; i < 3; i++)
        c.R.m[i][1] *= 1.0 + 3e-6;
    CHECK("check: non-orthonormal R", kc_camera_check(&c) == KC_EINVAL);
    /* 2e-8 noise on one entry: within 1e-6, accepted */
    c = good;
    c.R.m[0][2] += 2e-8;
    CHECK("check: R within tolerance", kc_camera_check(&c) == KC_OK);
    /* a reflection: orthonormal, det -1 */
    c = good;
    for (int i = 0; i < 3; i++)
        c.R.m[i][0] = -c.R.m[i][0];
    CHECK("check: det R = -1", kc_camera_check(&c) == KC_EINVAL);
}

static void test_conversions(void)
{
    kc_camera cam = make_camera("conv", P_PINCUSHION, 1600, 1200);
    double p[KC_CAM_NPARAM];
    kc_camera_to_params(&cam, p);
    double maxd = 0.0;
    for (int j = 0; j < KC_CAM_NPARAM; j++)
        maxd = fmax(maxd, fabs(p[j] - P_PINCUSHION[j]));
    CHECK_NEAR("params round trip (max abs difference)", maxd, 0.0, 1e-12);
    kc_camera other;
    memset(&other, 0, sizeof other);
    snprintf(other.name, sizeof other.name, "keep");
    other.width = 640;
    other.height = 480;
    kc_camera_from_params(&other, p);
    CHECK("from_params leaves name and size", strcmp(other.name, "keep") == 0
                                                  && other.width == 640 && other.height == 480);
    CHECK("from_params intrinsics", other.fx == cam.fx && other.k3 == cam.k3
                                        && other.p2 == cam.p2 && other.t.z == cam.t.z);
    double dR = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            dR = fmax(dR, fabs(other.R.m[i][j] - cam.R.m[i][j]));
    CHECK_NEAR("from_params R", dR, 0.0, 1e-15);

    /* projection matrix by hand: R = I, t = (10, -20, 2000), fx = 1000, fy = 1010,
     * cx = 640.5, cy = 480.25: P = [1000 0 640.5 1000·10 + 640.5·2000;
     *                               0 1010 480.25 1010·(-20) + 480.25·2000; 0 0 1 2000]
     *   = [1000 0 640.5 1291000; 0 1010 480.25 940300; 0 0 1 2000] */
    double q[KC_CAM_NPARAM] = {1000.0, 1010.0, 640.5, 480.25, -0.25, 0, 0, 0, 0, 0, 0, 0,
                               10.0, -20.0, 2000.0};
    kc_camera h = make_camera("hand", q, 1280, 960);
    double P[12];
    kc_camera_projection_matrix(&h, P);
    const double want[12] = {1000, 0, 640.5, 1291000, 0, 1010, 480.25, 940300, 0, 0, 1, 2000};
    double e = 0.0;
    for (int i = 0; i < 12; i++)
        e = fmax(e, fabs(P[i] - want[i]));
    CHECK_NEAR("projection matrix by hand", e, 0.0, 1e-9);
    /* against kc_camera_project for a posed camera without distortion */
    kc_camera nd = make_camera("nodist", P_BARREL, 1600, 1200);
    nd.k1 = nd.k2 = nd.k3 = nd.p1 = nd.p2 = 0.0;
    kc_camera_projection_matrix(&nd, P);
    double maxe = 0.0;
    for (int i = 0; i < 20; i++) {
        kc_vec3 X = test_point(&nd, i, 1.0);
        double uv[2], w[3];
        kc_camera_project(&nd, X, uv);
        for (int r = 0; r < 3; r++)
            w[r] = P[4 * r] * X.x + P[4 * r + 1] * X.y + P[4 * r + 2] * X.z + P[4 * r + 3];
        maxe = fmax(maxe, hypot(w[0] / w[2] - uv[0], w[1] / w[2] - uv[1]));
    }
    CHECK_NEAR("P [X;1] = project (no distortion), px", maxe, 0.0, 1e-9);

    /* in_image: u in [-0.5 + m, width - 0.5 - m] */
    double a[2] = {-0.5, -0.5}, b[2] = {1599.5, 1199.5}, o1[2] = {-0.51, 600.0},
           o2[2] = {800.0, 1199.6}, m1[2] = {1.25, 600.0}, m2[2] = {1.75, 600.0};
    CHECK("in_image: top-left edge", kc_camera_in_image(&nd, a, 0.0));
    CHECK("in_image: bottom-right edge", kc_camera_in_image(&nd, b, 0.0));
    CHECK("in_image: left of the image", !kc_camera_in_image(&nd, o1, 0.0));
    CHECK("in_image: below the image", !kc_camera_in_image(&nd, o2, 0.0));
    CHECK("in_image: inside the 2 px margin", !kc_camera_in_image(&nd, m1, 2.0));
    CHECK("in_image: past the 2 px margin", kc_camera_in_image(&nd, m2, 2.0));
}

int main(int argc, char **argv)
{
    (void)argc;
    test_project_hand();
    test_jacobians();
    test_undistort();
    test_fold();
    test_ray();
    test_check();
    test_conversions();
    return kc_test_summary(argv[0]);
}
