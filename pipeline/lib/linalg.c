/* kinechain — small fixed-size vectors, rotation matrices, Rodrigues vectors and the YXZ
 * Cardan decomposition (see include/kinechain/linalg.h).
 *
 * Everything here is a pure function of its arguments: no state, no allocation, no errors
 * (non-finite input gives non-finite output).
 */
#include "kinechain/linalg.h"

#include <math.h>

/* Below this rotation angle (radians) the trigonometric coefficients of the Rodrigues
 * formula are evaluated by their Taylor series: sin(t)/t and (1-cos t)/t^2 are 0/0 at t = 0.
 * At 1e-4 the first omitted terms (t^6/5040 and t^6/40320) are below 1e-27. */
#define RODRIGUES_SERIES_ANGLE 1e-4

/* The YXZ decomposition treats R as gimbal-locked (b = ±90°) when cos(b) is below this.
 * Beyond it a and c are still determined to about DBL_EPSILON / cos(b) < 1e-6 rad; below
 * it only a - c (b = +90°) or a + c (b = -90°) is defined, and we set c = 0. */
#define CARDAN_GIMBAL_COS 1e-10

double kc_v3_norm(kc_vec3 a)
{
    return sqrt(a.x * a.x + a.y * a.y + a.z * a.z);
}

kc_vec3 kc_v3_unit(kc_vec3 a)
{
    double n = kc_v3_norm(a);
    if (n > 0.0)
        return kc_v3(a.x / n, a.y / n, a.z / n);
    return a; /* zero stays zero, NaN stays NaN */
}

kc_mat3 kc_m3_identity(void)
{
    kc_mat3 r = {{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}};
    return r;
}

kc_mat3 kc_m3_mul(kc_mat3 a, kc_mat3 b)
{
    kc_mat3 r;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r.m[i][j] = a.m[i][0] * b.m[0][j] + a.m[i][1] * b.m[1][j] + a.m[i][2] * b.m[2][j];
    return r;
}

kc_mat3 kc_m3_transpose(kc_mat3 a)
{
    kc_mat3 r;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r.m[i][j] = a.m[j][i];
    return r;
}

kc_vec3 kc_m3_apply(kc_mat3 a, kc_vec3 v)
{
    return kc_v3(a.m[0][0] * v.x + a.m[0][1] * v.y + a.m[0][2] * v.z,
                 a.m[1][0] * v.x + a.m[1][1] * v.y + a.m[1][2] * v.z,
                 a.m[2][0] * v.x + a.m[2][1] * v.y + a.m[2][2] * v.z);
}

kc_mat3 kc_m3_from_cols(kc_vec3 x, kc_vec3 y, kc_vec3 z)
{
    kc_mat3 r = {{{x.x, y.x, z.x}, {x.y, y.y, z.y}, {x.z, y.z, z.z}}};
    return r;
}

kc_vec3 kc_m3_col(kc_mat3 a, int j)
{
    if (j < 0 || j > 2)
        return kc_v3(NAN, NAN, NAN);
    return kc_v3(a.m[0][j], a.m[1][j], a.m[2][j]);
}

kc_mat3 kc_m3_rotx(double a)
{
    double c = cos(a), s = sin(a);
    kc_mat3 r = {{{1.0, 0.0, 0.0}, {0.0, c, -s}, {0.0, s, c}}};
    return r;
}

kc_mat3 kc_m3_roty(double a)
{
    double c = cos(a), s = sin(a);
    kc_mat3 r = {{{c, 0.0, s}, {0.0, 1.0, 0.0}, {-s, 0.0, c}}};
    return r;
}

kc_mat3 kc_m3_rotz(double a)
{
    double c = cos(a), s = sin(a);
    kc_mat3 r = {{{c, -s, 0.0}, {s, c, 0.0}, {0.0, 0.0, 1.0}}};
    return r;
}

/* Rodrigues' formula, R = cos(t) I + A [r]x + B r r^T with t = |r|, A = sin(t)/t and
 * B = (1 - cos t)/t^2 (equivalent to I + A [r]x + B [r]x^2 since [r]x^2 = r r^T - t^2 I).
 * B is evaluated as 2 sin^2(t/2)/t^2, which has no cancellation for small t; below
 * RODRIGUES_SERIES_ANGLE both coefficients come from their Taylor series. */
kc_mat3 kc_m3_from_rodrigues(kc_vec3 r)
{
    double t2 = kc_v3_dot(r, r);
    double t = sqrt(t2);
    double A, B, c;
    if (t < RODRIGUES_SERIES_ANGLE) {
        A = 1.0 - t2 / 6.0 + t2 * t2 / 120.0;
        B = 0.5 - t2 / 24.0 + t2 * t2 / 720.0;
        c = 1.0 - t2 * B; /* = cos t to the same order */
    } else {
        double sh = sin(0.5 * t);
        A = sin(t) / t;
        B = 2.0 * sh * sh / t2;
        c = cos(t);
    }
    kc_mat3 R;
    R.m[0][0] = c + B * r.x * r.x;
    R.m[1][1] = c + B * r.y * r.y;
    R.m[2][2] = c + B * r.z * r.z;
    R.m[0][1] = B * r.x * r.y - A * r.z;
    R.m[1][0] = B * r.x * r.y + A * r.z;
    R.m[0][2] = B * r.x * r.z + A * r.y;
    R.m[2][0] = B * r.x * r.z - A * r.y;
    R.m[1][2] = B * r.y * r.z - A * r.x;
    R.m[2][1] = B * r.y * r.z + A * r.x;
    return R;
}

/* Matrix -> Rodrigues vector through the unit quaternion (w, v), extracted with Shepperd's
 * method (S. W. Shepperd, "Quaternion from rotation matrix", J. Guidance and Control 1(3),
 * 1978): of 4w^2 = 1 + tr R and 4v_i^2 = 1 + 2 R_ii - tr R the largest is at least 1, so its
 * square root and the divisions by it are well conditioned at every angle. The formulae
 * based on acos((tr R - 1)/2) and the skew part (R - R^T)/2 lose all accuracy near 0 and
 * near pi; this does not.
 *
 * Then t = 2 atan2(|v|, w) with w >= 0, so t is in [0, pi], and r = v t / |v|. atan2 keeps
 * full relative accuracy for small |v|, so r is accurate at tiny angles without a series;
 * near pi, w = cos(t/2) comes from the off-diagonal differences, which stay accurate.
 * At t = pi exactly, r and -r are the same rotation; the sign follows the largest |v_i|
 * being positive. The formula depends only on the direction of (w, v), so an R that is
 * slightly non-orthonormal still gives the nearest sensible vector. */
kc_vec3 kc_m3_to_rodrigues(kc_mat3 R)
{
    double (*m)[3] = R.m;
    double tr = m[0][0] + m[1][1] + m[2][2];
    double w, x, y, z;
    if (tr >= m[0][0] && tr >= m[1][1] && tr >= m[2][2]) {
        double s = 2.0 * sqrt(1.0 + tr); /* 4w */
        w = 0.25 * s;
        x = (m[2][1] - m[1][2]) / s;
        y = (m[0][2] - m[2][0]) / s;
        z = (m[1][0] - m[0][1]) / s;
    } else if (m[0][0] >= m[1][1] && m[0][0] >= m[2][2]) {
        double s = 2.0 * sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]); /* 4x */
        w = (m[2][1] - m[1][2]) / s;
        x = 0.25 * s;
        y = (m[0][1] + m[1][0]) / s;
        z = (m[0][2] + m[2][0]) / s;
    } else if (m[1][1] >= m[2][2]) {
        double s = 2.0 * sqrt(1.0 - m[0][0] + m[1][1] - m[2][2]); /* 4y */
        w = (m[0][2] - m[2][0]) / s;
        x = (m[0][1] + m[1][0]) / s;
        y = 0.25 * s;
        z = (m[1][2] + m[2][1]) / s;
    } else {
        double s = 2.0 * sqrt(1.0 - m[0][0] - m[1][1] + m[2][2]); /* 4z */
        w = (m[1][0] - m[0][1]) / s;
        x = (m[0][2] + m[2][0]) / s;
        y = (m[1][2] + m[2][1]) / s;
        z = 0.25 * s;
    }
    if (w < 0.0) {
        w = -w;
        x = -x;
        y = -y;
        z = -z;
    }
    double vn = sqrt(x * x + y * y + z * z);
    if (!(vn > 0.0))
        return vn == 0.0 ? kc_v3(0.0, 0.0, 0.0) : kc_v3(NAN, NAN, NAN);
    double k = 2.0 * atan2(vn, w) / vn;
    return kc_v3(k * x, k * y, k * z);
}

/* R = Ry(a)·Rx(b)·Rz(c) multiplied out:
 *   [ ca cc + sa sb sc   -ca sc + sa sb cc   sa cb ]
 *   [ cb sc               cb cc              -sb    ]
 *   [ -sa cc + ca sb sc   sa sc + ca sb cc   ca cb ]
 */
kc_mat3 kc_cardan_yxz_matrix(double a, double b, double c)
{
    double ca = cos(a), sa = sin(a), cb = cos(b), sb = sin(b), cc = cos(c), sc = sin(c);
    kc_mat3 R = {{{ca * cc + sa * sb * sc, -ca * sc + sa * sb * cc, sa * cb},
                  {cb * sc, cb * cc, -sb},
                  {-sa * cc + ca * sb * sc, sa * sc + ca * sb * cc, ca * cb}}};
    return R;
}

/* From the matrix above: sin b = -R12, a = atan2(R02, R22), c = atan2(R10, R11).
 * b is taken as atan2(-R12, cos b) with cos b = hypot(R10, R11) >= 0: for a rotation this
 * equals asin(-R12) and lies in [-pi/2, pi/2], but it keeps full accuracy near ±90°, where
 * asin's derivative 1/cos b amplifies rounding in R12 (and it needs no clamping).
 *
 * Gimbal lock (cos b < CARDAN_GIMBAL_COS): with sb = s = ±1 the upper-left and lower-left
 * entries become R00 = cos(a - s c), R01 = s sin(a - s c), R20 = -sin(a - s c),
 * R21 = s cos(a - s c). Only a - s·c is defined; we report c = 0 and
 * a = atan2(s R01 - R20, R00 + s R21), which averages the two copies of sin and cos. */
void kc_cardan_yxz(kc_mat3 R, double *a, double *b, double *c)
{
    double (*m)[3] = R.m;
    double cb = hypot(m[1][0], m[1][1]);
    double bb = atan2(-m[1][2], cb);
    double aa, cc;
    if (cb < CARDAN_GIMBAL_COS) {
        double s = m[1][2] < 0.0 ? 1.0 : -1.0; /* sign of sin b = -R12 */
        aa = atan2(s * m[0][1] - m[2][0], m[0][0] + s * m[2][1]);
        cc = 0.0;
    } else {
        aa = atan2(m[0][2], m[2][2]);
        cc = atan2(m[1][0], m[1][1]);
    }
    if (a)
        *a = aa;
    if (b)
        *b = bb;
    if (c)
        *c = cc;
}

double kc_wrap_deg(double a)
{
    double r = fmod(a, 360.0); /* (-360, 360), sign of a */
    if (r <= -180.0)
        r += 360.0;
    else if (r > 180.0)
        r -= 360.0;
    return r;
}
