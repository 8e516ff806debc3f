/* Tests of include/kinechain/linalg.h: vector and matrix helpers against hand values,
 * elementary rotations against hand-computed matrices, YXZ Cardan round trips on many
 * deterministic angle triples and at gimbal lock, Rodrigues round trips from tiny angles to
 * exactly pi, and angle wrapping. */
#include "kinechain/linalg.h"

#include <math.h>
#include <stdio.h>

#include "testutil.h"

/* max |A - B| over the entries */
static double mat_diff(kc_mat3 A, kc_mat3 B)
{
    double d = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            d = fmax(d, fabs(A.m[i][j] - B.m[i][j]));
    return d;
}

/* max |R^T R - I| */
static double ortho_error(kc_mat3 R)
{
    return mat_diff(kc_m3_mul(kc_m3_transpose(R), R), kc_m3_identity());
}

static void check_mat(const char *what, kc_mat3 got, kc_mat3 want, double tol)
{
    char name[160];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            snprintf(name, sizeof name, "%s [%d][%d]", what, i, j);
            CHECK_NEAR(name, got.m[i][j], want.m[i][j], tol);
        }
}

/* A deterministic, well spread sequence in [0, 1): the additive recurrence with the golden
 * ratio (and a second one with sqrt(2)) — no random generator, the same numbers everywhere. */
static double seq(int i, double alpha, double phase)
{
    double v = phase + i * alpha;
    return v - floor(v);
}

static void test_vectors(void)
{
    kc_vec3 a = kc_v3(1.5, -2.25, 3.125), b = kc_v3(-0.75, 4.5, 2.0);
    /* |a| = sqrt(2.25 + 5.0625 + 9.765625) = sqrt(17.078125) */
    CHECK_NEAR("norm", kc_v3_norm(a), sqrt(17.078125), 1e-15);
    kc_vec3 u = kc_v3_unit(a);
    CHECK_NEAR("unit norm", kc_v3_norm(u), 1.0, 1e-15);
    CHECK_NEAR("unit x", u.x, 1.5 / sqrt(17.078125), 1e-15);
    kc_vec3 z = kc_v3_unit(kc_v3(0.0, 0.0, 0.0));
    CHECK("unit of zero is zero", z.x == 0.0 && z.y == 0.0 && z.z == 0.0);
    /* a·b = -1.125 - 10.125 + 6.25 = -5 */
    CHECK_NEAR("dot", kc_v3_dot(a, b), -5.0, 1e-15);
    /* a×b = (-2.25*2 - 3.125*4.5, 3.125*-0.75 - 1.5*2, 1.5*4.5 - (-2.25)(-0.75))
     *     = (-4.5 - 14.0625, -2.34375 - 3, 6.75 - 1.6875) = (-18.5625, -5.34375, 5.0625) */
    kc_vec3 c = kc_v3_cross(a, b);
    CHECK_NEAR("cross x", c.x, -18.5625, 1e-14);
    CHECK_NEAR("cross y", c.y, -5.34375, 1e-14);
    CHECK_NEAR("cross z", c.z, 5.0625, 1e-14);
    kc_vec3 s = kc_v3_axpy(a, -2.0, b); /* (3, -11.25, -0.875) */
    CHECK_NEAR("axpy x", s.x, 3.0, 1e-15);
    CHECK_NEAR("axpy y", s.y, -11.25, 1e-15);
    CHECK_NEAR("axpy z", s.z, -0.875, 1e-15);

    kc_mat3 M = kc_m3_from_cols(a, b, kc_v3(0.5, 0.25, -1.75));
    CHECK_NEAR("from_cols m[1][0]", M.m[1][0], -2.25, 0.0);
    CHECK_NEAR("from_cols m[0][1]", M.m[0][1], -0.75, 0.0);
    CHECK_NEAR("from_cols m[2][2]", M.m[2][2], -1.75, 0.0);
    kc_vec3 col = kc_m3_col(M, 1);
    CHECK("col 1", col.x == b.x && col.y == b.y && col.z == b.z);
    CHECK("col out of range is NaN", isnan(kc_m3_col(M, 3).x) && isnan(kc_m3_col(M, -1).z));
    /* M·(2, -1, 4) = 2a - b + 4(0.5, 0.25, -1.75) = (3+0.75+2, -4.5-4.5+1, 6.25-2-7) */
    kc_vec3 Mv = kc_m3_apply(M, kc_v3(2.0, -1.0, 4.0));
    CHECK_NEAR("apply x", Mv.x, 5.75, 1e-14);
    CHECK_NEAR("apply y", Mv.y, -8.0, 1e-14);
    CHECK_NEAR("apply z", Mv.z, -2.75, 1e-14);
    kc_mat3 Mt = kc_m3_transpose(M);
    CHECK("transpose", Mt.m[0][1] == M.m[1][0] && Mt.m[2][0] == M.m[0][2]);
    /* (M Mt)[0][0] = |row 0|² = 1.5² + 0.75² + 0.5² = 3.0625 ; (M Mt)[0][1] = row0·row1 =
     * 1.5(-2.25) + (-0.75)(4.5) + 0.5(0.25) = -3.375 - 3.375 + 0.125 = -6.625 */
    kc_mat3 MM = kc_m3_mul(M, Mt);
    CHECK_NEAR("mul [0][0]", MM.m[0][0], 3.0625, 1e-14);
    CHECK_NEAR("mul [0][1]", MM.m[0][1], -6.625, 1e-14);
    CHECK_NEAR("mul symmetric", MM.m[1][0], MM.m[0][1], 1e-14);
    check_mat("identity * M", kc_m3_mul(kc_m3_identity(), M), M, 0.0);
}

static void test_elementary(void)
{
    double h = sqrt(3.0) / 2.0;
    /* rotx(30°) = [1 0 0; 0 cos -sin; 0 sin cos] with cos 30° = sqrt(3)/2, sin 30° = 1/2 */
    kc_mat3 rx = {{{1, 0, 0}, {0, h, -0.5}, {0, 0.5, h}}};
    check_mat("rotx(30)", kc_m3_rotx(30 * KC_DEG), rx, 1e-15);
    /* roty(-60°): cos = 1/2, sin = -sqrt(3)/2 ; [c 0 s; 0 1 0; -s 0 c] */
    kc_mat3 ry = {{{0.5, 0, -h}, {0, 1, 0}, {h, 0, 0.5}}};
    check_mat("roty(-60)", kc_m3_roty(-60 * KC_DEG), ry, 1e-15);
    /* rotz(135°): cos = -1/sqrt2, sin = 1/sqrt2 ; [c -s 0; s c 0; 0 0 1] */
    double q = sqrt(0.5);
    kc_mat3 rz = {{{-q, -q, 0}, {q, -q, 0}, {0, 0, 1}}};
    check_mat("rotz(135)", kc_m3_rotz(135 * KC_DEG), rz, 1e-15);
    /* right-hand rule: rotz(90) takes X to Y, rotx(90) takes Y to Z, roty(90) takes Z to X */
    kc_vec3 v = kc_m3_apply(kc_m3_rotz(90 * KC_DEG), kc_v3(2.5, 0, 0));
    CHECK_NEAR("rotz(90) X->Y", v.y, 2.5, 1e-15);
    v = kc_m3_apply(kc_m3_rotx(90 * KC_DEG), kc_v3(0, 2.5, 0));
    CHECK_NEAR("rotx(90) Y->Z", v.z, 2.5, 1e-15);
    v = kc_m3_apply(kc_m3_roty(90 * KC_DEG), kc_v3(0, 0, 2.5));
    CHECK_NEAR("roty(90) Z->X", v.x, 2.5, 1e-15);
}

static void test_cardan(void)
{
    /* the closed form of kc_cardan_yxz_matrix against the product of elementary rotations */
    double a0 = 37.5 * KC_DEG, b0 = -21.25 * KC_DEG, c0 = 112.0 * KC_DEG;
    kc_mat3 P = kc_m3_mul(kc_m3_mul(kc_m3_roty(a0), kc_m3_rotx(b0)), kc_m3_rotz(c0));
    check_mat("cardan matrix = Ry Rx Rz", kc_cardan_yxz_matrix(a0, b0, c0), P, 1e-15);

    /* round trips over 2000 deterministic triples: a, c in (-180°, 180°), b in (-89.99°,
     * 89.99°) (the last 0.01° is the ill-conditioned approach to gimbal lock, tested below) */
    double max_ang = 0.0, max_mat = 0.0;
    int n = 2000;
    for (int i = 0; i < n; i++) {
        double a = (seq(i, 0.6180339887498949, 0.13) * 2.0 - 1.0) * 179.99 * KC_DEG;
        double b = (seq(i, 0.4142135623730951, 0.71) * 2.0 - 1.0) * 89.99 * KC_DEG;
        double c = (seq(i, 0.7320508075688772, 0.37) * 2.0 - 1.0) * 179.99 * KC_DEG;
        kc_mat3 R = kc_cardan_yxz_matrix(a, b, c);
        double ga, gb, gc;
        kc_cardan_yxz(R, &ga, &gb, &gc);
        double e = fmax(fabs(ga - a), fmax(fabs(gb - b), fabs(gc - c)));
        max_ang = fmax(max_ang, e);
        max_mat = fmax(max_mat, mat_diff(kc_cardan_yxz_matrix(ga, gb, gc), R));
        if (e > 1e-13) {
            char name[128];
            snprintf(name, sizeof name, "cardan round trip #%d (%.6f, %.6f, %.6f deg)", i,
                     a / KC_DEG, b / KC_DEG, c / KC_DEG);
            CHECK_NEAR(name, e, 0.0, 1e-13);
        }
    }
    /* 1e-13 rad: b comes from atan2(-R12, hypot(R10, R11)), accurate to rounding even at
     * 89.99°, where asin(-R12) would lose a factor 1/cos b = 5730 (~1e-12 rad) */
    CHECK_NEAR("cardan round trip, max angle error (rad)", max_ang, 0.0, 1e-13);
    CHECK_NEAR("cardan round trip, max matrix error", max_mat, 0.0, 1e-14);
    printf("cardan: %d triples, max angle error %.3g rad, max matrix error %.3g\n", n, max_ang,
           max_mat);

    /* from a rotation not built by kc_cardan_yxz_matrix: a Rodrigues rotation */
    kc_mat3 Rg = kc_m3_from_rodrigues(kc_v3(0.31, -1.17, 0.52));
    double ga, gb, gc;
    kc_cardan_yxz(Rg, &ga, &gb, &gc);
    check_mat("cardan of a Rodrigues rotation", kc_cardan_yxz_matrix(ga, gb, gc), Rg, 1e-14);
    CHECK("b in [-pi/2, pi/2]", gb >= -KC_PI / 2 && gb <= KC_PI / 2);

    /* Gimbal lock, b = +90°: R depends on a - c only. a = 35°, c = 20°: reported c = 0,
     * a = 15°. b = -90°: R depends on a + c: a = 35°, c = 20° -> a = 55°, c = 0. */
    kc_mat3 G = kc_cardan_yxz_matrix(35 * KC_DEG, 90 * KC_DEG, 20 * KC_DEG);
    kc_cardan_yxz(G, &ga, &gb, &gc);
    CHECK_NEAR("gimbal +90: a (deg)", ga / KC_DEG, 15.0, 1e-12);
    CHECK_NEAR("gimbal +90: b (deg)", gb / KC_DEG, 90.0, 1e-12);
    CHECK_NEAR("gimbal +90: c = 0", gc, 0.0, 0.0);
    check_mat("gimbal +90: matrix", kc_cardan_yxz_matrix(ga, gb, gc), G, 1e-15);
    G = kc_cardan_yxz_matrix(35 * KC_DEG, -90 * KC_DEG, 20 * KC_DEG);
    kc_cardan_yxz(G, &ga, &gb, &gc);
    CHECK_NEAR("gimbal -90: a (deg)", ga / KC_DEG, 55.0, 1e-12);
    CHECK_NEAR("gimbal -90: b (deg)", gb / KC_DEG, -90.0, 1e-12);
    CHECK_NEAR("gimbal -90: c = 0", gc, 0.0, 0.0);
    check_mat("gimbal -90: matrix", kc_cardan_yxz_matrix(ga, gb, gc), G, 1e-15);
    /* the same lock built from elementary rotations, with angles summing past 180° */
    G = kc_m3_mul(kc_m3_mul(kc_m3_roty(-150 * KC_DEG), kc_m3_rotx(-KC_PI / 2)),
                  kc_m3_rotz(-70 * KC_DEG));
    kc_cardan_yxz(G, &ga, &gb, &gc);
    CHECK_NEAR("gimbal -90 wrapped: a (deg)", kc_wrap_deg(ga / KC_DEG), 140.0, 1e-12);
    check_mat("gimbal -90 wrapped: matrix", kc_cardan_yxz_matrix(ga, gb, gc), G, 1e-15);
    /* deterministic: the same matrix always gives the same triple; NULL outputs allowed */
    double ha, hb, hc;
    kc_cardan_yxz(G, &ha, &hb, &hc);
    CHECK("gimbal deterministic", ha == ga && hb == gb && hc == gc);
    kc_cardan_yxz(G, NULL, &hb, NULL);
    CHECK("NULL outputs", hb == gb);
    /* just off the lock (cos b = 1e-7): the matrix still round-trips */
    G = kc_cardan_yxz_matrix(-62 * KC_DEG, KC_PI / 2 - 1e-7, 141 * KC_DEG);
    kc_cardan_yxz(G, &ga, &gb, &gc);
    CHECK_NEAR("near gimbal: matrix", mat_diff(kc_cardan_yxz_matrix(ga, gb, gc), G), 0.0,
               1e-14);
    CHECK_NEAR("near gimbal: b", gb, KC_PI / 2 - 1e-7, 1e-14);
}

static void test_rodrigues(void)
{
    /* hand values: (0, 0, pi/2) is rotz(90°). A rotation by 2pi/3 about (1,1,1)/sqrt3
     * permutes the axes X -> Y -> Z -> X, i.e. R = [0 0 1; 1 0 0; 0 1 0] (columns are the
     * images of X, Y, Z), and its vector is (2pi/3)/sqrt3 · (1, 1, 1). */
    check_mat("rodrigues (0,0,pi/2)", kc_m3_from_rodrigues(kc_v3(0, 0, KC_PI / 2)),
              kc_m3_rotz(KC_PI / 2), 1e-15);
    double k = 2.0 * KC_PI / 3.0 / sqrt(3.0);
    kc_mat3 perm = {{{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}};
    check_mat("rodrigues 120 deg about diagonal", kc_m3_from_rodrigues(kc_v3(k, k, k)), perm,
              1e-15);
    kc_vec3 r = kc_m3_to_rodrigues(perm);
    CHECK_NEAR("to_rodrigues perm x", r.x, k, 1e-15);
    CHECK_NEAR("to_rodrigues perm z", r.z, k, 1e-15);
    /* pi about X: diag(1, -1, -1) */
    kc_mat3 fx = {{{1, 0, 0}, {0, -1, 0}, {0, 0, -1}}};
    r = kc_m3_to_rodrigues(fx);
    CHECK_NEAR("to_rodrigues pi about X, |x|", fabs(r.x), KC_PI, 1e-15);
    CHECK_NEAR("to_rodrigues pi about X, y", r.y, 0.0, 1e-15);
    r = kc_m3_to_rodrigues(kc_m3_identity());
    CHECK("to_rodrigues identity is exactly zero", r.x == 0.0 && r.y == 0.0 && r.z == 0.0);
    check_mat("from_rodrigues zero", kc_m3_from_rodrigues(kc_v3(0, 0, 0)), kc_m3_identity(), 0.0);
    /* tiny angle: R = I + [r]x + [r]x²/2 to the third order (A = 1, B = 1/2 up to ~1e-17
     * relative), so e.g. R[0][1] = B rx ry - A rz = 0.5·3e-9·(-7e-9) - 2e-9 */
    kc_vec3 rs = kc_v3(3e-9, -7e-9, 2e-9);
    kc_mat3 Rs = kc_m3_from_rodrigues(rs);
    CHECK_NEAR("tiny: R[0][1] = B rx ry - rz", Rs.m[0][1], -2e-9 - 1.05e-17, 2e-24);
    CHECK_NEAR("tiny: R[0][2] = B rx rz + ry", Rs.m[0][2], -7e-9 + 3e-18, 2e-24);
    CHECK_NEAR("tiny: R[2][1] = B ry rz + rx", Rs.m[2][1], 3e-9 - 7e-18, 2e-24);
    CHECK_NEAR("tiny: R[1][1] = 1 - B (rx² + rz²)", Rs.m[1][1], 1.0 - 0.5 * 13e-18, 2e-16);

    /* round trips: axes from the deterministic sequence, angles from tiny to pi */
    const double angles[] = {1e-14, 3e-10, 2e-7, 9e-5, 1.1e-4, 1e-3, 0.37, 1.2, 2.2, 3.0,
                             KC_PI - 1e-3, KC_PI - 1e-6, KC_PI - 1e-9, KC_PI - 1e-12};
    int na = (int)(sizeof angles / sizeof angles[0]);
    double max_rel = 0.0, max_mat = 0.0, max_ortho = 0.0;
    for (int ia = 0; ia < na; ia++)
        for (int i = 0; i < 40; i++) {
            double th = acos(1.0 - 2.0 * seq(i, 0.6180339887498949, 0.29));
            double ph = 2.0 * KC_PI * seq(i, 0.4142135623730951, 0.53);
            kc_vec3 axis = kc_v3(sin(th) * cos(ph), sin(th) * sin(ph), cos(th));
            kc_vec3 rv = kc_v3_scale(axis, angles[ia]);
            kc_mat3 R = kc_m3_from_rodrigues(rv);
            kc_vec3 back = kc_m3_to_rodrigues(R);
            /* relative to the angle: at 1e-14 rad the vector itself must be accurate */
            double rel = kc_v3_norm(kc_v3_sub(back, rv)) / angles[ia];
            max_rel = fmax(max_rel, rel);
            max_mat = fmax(max_mat, mat_diff(kc_m3_from_rodrigues(back), R));
            max_ortho = fmax(max_ortho, ortho_error(R));
            if (rel > 1e-12) {
                char name[128];
                snprintf(name, sizeof name, "rodrigues round trip angle %.3g axis #%d",
                         angles[ia], i);
                CHECK_NEAR(name, rel, 0.0, 1e-12);
            }
        }
    CHECK_NEAR("rodrigues round trip, max relative error", max_rel, 0.0, 1e-12);
    CHECK_NEAR("rodrigues round trip, max matrix error", max_mat, 0.0, 1e-15);
    CHECK_NEAR("rodrigues matrices orthonormal", max_ortho, 0.0, 2e-15);
    printf("rodrigues: max relative vector error %.3g, matrix error %.3g, |RtR-I| %.3g\n",
           max_rel, max_mat, max_ortho);

    /* exactly pi: r and -r are the same rotation, so compare matrices; and |r| = pi */
    for (int i = 0; i < 40; i++) {
        double th = acos(1.0 - 2.0 * seq(i, 0.7320508075688772, 0.11));
        double ph = 2.0 * KC_PI * seq(i, 0.6180339887498949, 0.77);
        kc_vec3 rv = kc_v3_scale(kc_v3(sin(th) * cos(ph), sin(th) * sin(ph), cos(th)), KC_PI);
        kc_mat3 R = kc_m3_from_rodrigues(rv);
        kc_vec3 back = kc_m3_to_rodrigues(R);
        char name[96];
        snprintf(name, sizeof name, "rodrigues at pi #%d: |r|", i);
        CHECK_NEAR(name, kc_v3_norm(back), KC_PI, 1e-14);
        snprintf(name, sizeof name, "rodrigues at pi #%d: matrix", i);
        CHECK_NEAR(name, mat_diff(kc_m3_from_rodrigues(back), R), 0.0, 1e-15);
        snprintf(name, sizeof name, "rodrigues at pi #%d: r = ±input", i);
        CHECK_NEAR(name, fmin(kc_v3_norm(kc_v3_sub(back, rv)), kc_v3_norm(kc_v3_add(back, rv))),
                   0.0, 1e-14);
    }

    /* a Cardan-built rotation through Rodrigues and back */
    kc_mat3 C = kc_cardan_yxz_matrix(-41 * KC_DEG, 63 * KC_DEG, 157 * KC_DEG);
    CHECK_NEAR("cardan -> rodrigues -> matrix",
               mat_diff(kc_m3_from_rodrigues(kc_m3_to_rodrigues(C)), C), 0.0, 1e-15);
    /* a slightly non-orthonormal matrix (1e-9 noise) still gives a nearby vector */
    kc_mat3 N = kc_m3_from_rodrigues(kc_v3(0.4, -0.9, 1.3));
    N.m[0][1] += 1e-9;
    N.m[2][0] -= 2e-9;
    kc_vec3 rn = kc_m3_to_rodrigues(N);
    CHECK_NEAR("noisy matrix: vector close", kc_v3_norm(kc_v3_sub(rn, kc_v3(0.4, -0.9, 1.3))),
               0.0, 5e-9);
    /* NaN in, NaN out (no crash, no abort) */
    kc_mat3 bad = kc_m3_identity();
    bad.m[1][2] = NAN;
    CHECK("NaN matrix -> NaN vector", isnan(kc_m3_to_rodrigues(bad).x) ||
                                          isnan(kc_m3_to_rodrigues(bad).y));
}

static void test_wrap(void)
{
    CHECK_NEAR("wrap 190", kc_wrap_deg(190.0), -170.0, 1e-12);
    CHECK_NEAR("wrap -190", kc_wrap_deg(-190.0), 170.0, 1e-12);
    CHECK_NEAR("wrap 180", kc_wrap_deg(180.0), 180.0, 0.0);
    CHECK_NEAR("wrap -180", kc_wrap_deg(-180.0), 180.0, 0.0);
    CHECK_NEAR("wrap 540", kc_wrap_deg(540.0), 180.0, 0.0);
    CHECK_NEAR("wrap -540", kc_wrap_deg(-540.0), 180.0, 0.0);
    CHECK_NEAR("wrap 359.5", kc_wrap_deg(359.5), -0.5, 1e-12);
    CHECK_NEAR("wrap -725.25", kc_wrap_deg(-725.25), -5.25, 1e-12);
    CHECK_NEAR("wrap 47.5", kc_wrap_deg(47.5), 47.5, 0.0);
    CHECK("wrap NaN", isnan(kc_wrap_deg(NAN)));
}

int main(int argc, char **argv)
{
    (void)argc;
    test_vectors();
    test_elementary();
    test_cardan();
    test_rodrigues();
    test_wrap();
    return kc_test_summary(argv[0]);
}
