/* kc-synth's building blocks: quintic Hermite tracks, the force-shaped height design, and the
 * inversion of the Plug-in Gait sign table used to drive the body (clinical angles -> YXZ
 * matrix -> docs/pig-model.md angles gives the clinical angles back). */
#include <math.h>
#include <stdio.h>

#include "synth.h"
#include "testutil.h"

static void test_track(void)
{
    sy_track tr;
    sy_track_clear(&tr);
    sy_track_key(&tr, 0.2, 3.0, -1.5, 4.0);
    sy_track_key(&tr, 0.9, -2.0, 0.75, -3.0);
    sy_track_still(&tr, 0.5, 1.25);     /* inserted in the middle */
    CHECK("three keys, sorted", tr.n == 3 && tr.k[1].t == 0.5);
    double v, a;
    double x = sy_track_eval(&tr, 0.2, &v, &a);
    CHECK_NEAR("value at a key", x, 3.0, 1e-12);
    CHECK_NEAR("slope at a key", v, -1.5, 1e-9);
    CHECK_NEAR("curvature at a key", a, 4.0, 1e-7);
    x = sy_track_eval(&tr, 0.9, &v, &a);
    CHECK_NEAR("value at the last key", x, -2.0, 1e-12);
    CHECK_NEAR("slope at the last key", v, 0.75, 1e-9);
    /* C2 across the middle key */
    double v1, a1, v2, a2;
    sy_track_eval(&tr, 0.5 - 1e-9, &v1, &a1);
    sy_track_eval(&tr, 0.5 + 1e-9, &v2, &a2);
    CHECK_NEAR("slope continuous", v1, v2, 1e-6);
    CHECK_NEAR("curvature continuous", a1, a2, 1e-4);
    /* derivative consistent with finite differences */
    double h = 1e-6, xp = sy_track_eval(&tr, 0.37 + h, NULL, NULL);
    double xm = sy_track_eval(&tr, 0.37 - h, NULL, NULL);
    sy_track_eval(&tr, 0.37, &v, NULL);
    CHECK_NEAR("slope = finite difference", v, (xp - xm) / (2 * h), 1e-5);
    /* beyond the last key: continues with its slope */
    CHECK_NEAR("linear continuation", sy_track_eval(&tr, 1.9, NULL, NULL), -2.0 + 0.75, 1e-12);
    sy_track_cut(&tr, 0.5);
    CHECK("cut removes keys at or after t", tr.n == 1);
}

static void test_design(void)
{
    /* a landing: 2.6 m/s down at contact, 0.52 s later 2.95 m/s up and 80 mm higher, lowest
     * point 330 mm down at 0.22 s */
    sy_design d = {0};
    d.t0 = 1.2;
    d.T = 0.52;
    d.z0 = 950;
    d.v0 = -2600;
    d.onset_w = 0.012;
    const double kn[5][2] = {{0, 0}, {0.1, 3.5}, {0.3, 2.0}, {0.8, 2.2}, {1, 0}};
    sy_constraint con[4] = {{1, 1.72, 2950}, {0, 1.72, 1030}, {1, 1.42, 0}, {0, 1.42, 620}};
    int st = sy_design_solve(&d, 40, 5, kn, 4, con);
    CHECK("design solves", st == 0);
    double v, a;
    double z = sy_design_eval(&d, 1.72, &v, &a);
    CHECK_NEAR("take-off height (mm)", z, 1030, 1e-6);
    CHECK_NEAR("take-off velocity (mm/s)", v, 2950, 1e-6);
    CHECK_NEAR("flight at take-off: a = -g", a, -SY_G, 1e-6);
    z = sy_design_eval(&d, 1.42, &v, NULL);
    CHECK_NEAR("bottom height", z, 620, 1e-6);
    CHECK_NEAR("bottom velocity", v, 0, 1e-6);
    sy_design_eval(&d, 1.2, &v, &a);
    CHECK_NEAR("contact: velocity continuous", v, -2600, 1e-9);
    CHECK_NEAR("contact: force starts from zero", a, -SY_G, 1e-6);
    /* position, velocity and acceleration are consistent integrals */
    double h = 1e-5, t = 1.333;
    double zp = sy_design_eval(&d, t + h, NULL, NULL), zm = sy_design_eval(&d, t - h, NULL, NULL);
    sy_design_eval(&d, t, &v, &a);
    CHECK_NEAR("v = dz/dt", v, (zp - zm) / (2 * h), 1e-4);
    double vp, vm;
    sy_design_eval(&d, t + h, &vp, NULL);
    sy_design_eval(&d, t - h, &vm, NULL);
    CHECK_NEAR("a = dv/dt", a, (vp - vm) / (2 * h), 1e-2);
    CHECK("no pull on the floor", sy_design_min_force(&d) > -0.05);
}

static void test_pig_signs(void)
{
    const double q[3][3] = {{35.2, -7.5, 12.25}, {-8.0, 4.4, -3.3}, {95.5, 11.0, -6.0}};
    kc_mat3 P = kc_m3_mul(kc_m3_rotz(0.3), kc_m3_roty(-0.2));
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < 3; i++) {
            for (int ch = SY_CH_HIP; ch <= SY_CH_KNEE; ch++) {
                kc_mat3 D = kc_m3_mul(P, sy_pig_joint_matrix((enum sy_channel)ch, side, q[i]));
                double out[3];
                sy_pig_angles((enum sy_channel)ch, side, P, D, out);
                for (int j = 0; j < 3; j++)
                    CHECK_NEAR(ch == SY_CH_HIP ? "hip round trip" : "knee round trip", out[j],
                               q[i][j], 1e-10);
            }
        }
    /* the chord function puts K at distance d from J with a right angle at K */
    kc_vec3 I = kc_v3(10, 20, 900), P2 = kc_v3(80, 110, 600), J = kc_v3(30, 95, 480);
    kc_vec3 K = sy_pig_chord(I, P2, J, 57);
    CHECK_NEAR("chord |K - J|", kc_v3_norm(kc_v3_sub(K, J)), 57, 1e-9);
    CHECK_NEAR("chord right angle", kc_v3_dot(kc_v3_sub(I, K), kc_v3_sub(J, K)), 0, 1e-7);
    /* static offsets: the heel direction built with (alpha, beta) gives them back */
    kc_mat3 U = kc_m3_mul(kc_m3_rotz(0.4), kc_m3_rotx(0.1));
    kc_mat3 F = sy_pig_foot_f(U, 0.05, 0.3);
    kc_vec3 toe = kc_v3(5, 6, 7), hee = kc_v3_axpy(toe, 190, kc_m3_col(F, 2));
    double al, be;
    sy_pig_static_offsets(U, toe, hee, &al, &be);
    CHECK_NEAR("static rotation offset", al, 0.05, 1e-12);
    CHECK_NEAR("static plantarflexion offset", be, 0.3, 1e-12);
}

int main(void)
{
    test_track();
    test_design();
    test_pig_signs();
    return kc_test_summary("test_synth_model");
}
