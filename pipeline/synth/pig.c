/* Plug-in Gait segment frames and joint angles, formula by formula as docs/pig-model.md
 * defines them. kc-synth builds its truth with these (from true landmarks) and places the
 * identity-mode markers so that the same formulas applied to the markers give back the
 * true frames. */
#include "synth.h"

#include <math.h>

sy_frame sy_pig_pelvis(kc_vec3 lasi, kc_vec3 rasi, kc_vec3 lpsi, kc_vec3 rpsi)
{
    sy_frame f;
    f.o = kc_v3_scale(kc_v3_add(lasi, rasi), 0.5);
    kc_vec3 sacr = kc_v3_scale(kc_v3_add(lpsi, rpsi), 0.5);
    kc_vec3 y = kc_v3_unit(kc_v3_sub(lasi, rasi));
    kc_vec3 w = kc_v3_sub(f.o, sacr);
    kc_vec3 x = kc_v3_unit(kc_v3_axpy(w, -kc_v3_dot(w, y), y));
    kc_vec3 z = kc_v3_cross(x, y);
    f.R = kc_m3_from_cols(x, y, z);
    return f;
}

kc_vec3 sy_pig_davis_local(const double ll[2], const double at_in[2], double ia, double md,
                           int side)
{
    /* Davis et al. 1991 as Plug-in Gait implements it (float32 constants; SCIENCE.md B.3b P6) */
    const double theta = 0.500000178813934, beta = 0.314000427722931;
    double mr = md / 2;
    double C = 0.115 * (ll[0] + ll[1]) / 2 - 15.3;
    double at = at_in[side] != 0 ? at_in[side] : 0.1288 * ll[side] - 48.56;
    double aa = ia / 2;
    double x = C * cos(theta) * sin(beta) - (at + mr) * cos(beta);
    double y = (side == SY_L ? 1.0 : -1.0) * (aa - C * sin(theta));
    double z = -C * cos(theta) * cos(beta) - (at + mr) * sin(beta);
    return kc_v3(x, y, z);
}

kc_vec3 sy_pig_chord(kc_vec3 I, kc_vec3 P, kc_vec3 J, double d)
{
    kc_vec3 IJ = kc_v3_sub(J, I);
    double L = kc_v3_norm(IJ);
    kc_vec3 u = kc_v3_scale(IJ, 1 / L);
    kc_vec3 IP = kc_v3_sub(P, I);
    kc_vec3 q = kc_v3_axpy(IP, -kc_v3_dot(IP, u), u);
    kc_vec3 w = kc_v3_scale(kc_v3_unit(q), -1);
    double a = (L * L - d * d) / L, b = d * sqrt(L * L - d * d) / L;
    return kc_v3_add(I, kc_v3_add(kc_v3_scale(u, a), kc_v3_scale(w, b)));
}

/* A long-bone frame at the distal joint centre: Z towards the proximal centre, X forwards
 * (normal to Z and the lateral-plane vector v, signed by side), Y = Z × X. */
static sy_frame long_bone(kc_vec3 prox, kc_vec3 dist, kc_vec3 v, int side)
{
    sy_frame f;
    f.o = dist;
    kc_vec3 z = kc_v3_unit(kc_v3_sub(prox, dist));
    kc_vec3 x = side == SY_R ? kc_v3_unit(kc_v3_cross(z, v)) : kc_v3_unit(kc_v3_cross(v, z));
    kc_vec3 y = kc_v3_cross(z, x);
    f.R = kc_m3_from_cols(x, y, z);
    return f;
}

sy_frame sy_pig_femur(kc_vec3 hjc, kc_vec3 kjc, kc_vec3 kne, int side)
{
    return long_bone(hjc, kjc, kc_v3_sub(kne, hjc), side);
}

sy_frame sy_pig_tibia(kc_vec3 kjc, kc_vec3 ajc, kc_vec3 tib, kc_vec3 ank, int side)
{
    return long_bone(kjc, ajc, kc_v3_sub(tib, ank), side);
}

kc_mat3 sy_pig_torsion(kc_mat3 T, double tau)
{
    kc_vec3 x = kc_m3_col(T, 0), y = kc_m3_col(T, 1), z = kc_m3_col(T, 2);
    kc_vec3 x2 = kc_v3_sub(kc_v3_scale(x, cos(tau)), kc_v3_scale(y, sin(tau)));
    kc_vec3 y2 = kc_v3_add(kc_v3_scale(x, sin(tau)), kc_v3_scale(y, cos(tau)));
    return kc_m3_from_cols(x2, y2, z);
}

kc_mat3 sy_pig_foot_u(kc_vec3 toe, kc_vec3 ajc, kc_vec3 yt)
{
    kc_vec3 z = kc_v3_unit(kc_v3_sub(ajc, toe));
    kc_vec3 x = kc_v3_unit(kc_v3_cross(yt, z));
    kc_vec3 y = kc_v3_cross(z, x);
    return kc_m3_from_cols(x, y, z);
}

void sy_pig_static_offsets(kc_mat3 U, kc_vec3 toe, kc_vec3 hee, double *alpha, double *beta)
{
    kc_vec3 za = kc_m3_apply(kc_m3_transpose(U), kc_v3_unit(kc_v3_sub(hee, toe)));
    *alpha = asin(za.y);
    *beta = atan2(-za.x, za.z);
}

kc_mat3 sy_pig_foot_f(kc_mat3 U, double alpha, double beta)
{
    return kc_m3_mul(kc_m3_mul(U, kc_m3_roty(-beta)), kc_m3_rotx(-alpha));
}

sy_frame sy_pig_thorax(kc_vec3 c7, kc_vec3 t10, kc_vec3 clav, kc_vec3 strn)
{
    kc_vec3 upper = kc_v3_scale(kc_v3_add(c7, clav), 0.5);
    kc_vec3 lower = kc_v3_scale(kc_v3_add(t10, strn), 0.5);
    kc_vec3 front = kc_v3_scale(kc_v3_add(clav, strn), 0.5);
    kc_vec3 back = kc_v3_scale(kc_v3_add(c7, t10), 0.5);
    kc_vec3 z = kc_v3_unit(kc_v3_sub(upper, lower));
    kc_vec3 v = kc_v3_sub(front, back);
    kc_vec3 x = kc_v3_unit(kc_v3_axpy(v, -kc_v3_dot(v, z), z));
    kc_vec3 y = kc_v3_cross(z, x);
    sy_frame f = {kc_m3_from_cols(x, y, z), clav};
    return f;
}

/* R = Ry(a)·Rx(b)·Rz(c): b = asin(-R[1][2]), a = atan2(R[0][2], R[2][2]),
 * c = atan2(R[1][0], R[1][1]) (docs/pig-model.md "Joint angles"). */
static void yxz(kc_mat3 R, double *a, double *b, double *c)
{
    double s = -R.m[1][2];
    s = s > 1 ? 1 : s < -1 ? -1 : s;
    *b = asin(s);
    *a = atan2(R.m[0][2], R.m[2][2]);
    *c = atan2(R.m[1][0], R.m[1][1]);
}

void sy_pig_angles(enum sy_channel ch, int side, kc_mat3 P, kc_mat3 D, double out[3])
{
    double a, b, c;
    yxz(kc_m3_mul(kc_m3_transpose(P), D), &a, &b, &c);
    a /= KC_DEG;
    b /= KC_DEG;
    c /= KC_DEG;
    bool L = side == SY_L;
    switch (ch) {
    case SY_CH_PELVIS:
    case SY_CH_THORAX:
        out[0] = a; out[1] = L ? b : -b; out[2] = L ? -c : c;
        break;
    case SY_CH_HIP:
        out[0] = -a; out[1] = L ? -b : b; out[2] = L ? -c : c;
        break;
    case SY_CH_KNEE:
        out[0] = a; out[1] = L ? -b : b; out[2] = L ? -c : c;
        break;
    case SY_CH_ANKLE:
        out[0] = -(a + 90); out[1] = L ? -c : c; out[2] = L ? -b : b;
        break;
    case SY_CH_FOOTPROG:
        out[0] = a; out[1] = L ? c : -c; out[2] = L ? -b : b;
        break;
    }
    for (int i = 0; i < 3; i++)
        out[i] = kc_wrap_deg(out[i]);
}

kc_mat3 sy_pig_joint_matrix(enum sy_channel ch, int side, const double q[3])
{
    bool L = side == SY_L;
    double a, b, c;
    if (ch == SY_CH_HIP) {
        a = -q[0]; b = L ? -q[1] : q[1]; c = L ? -q[2] : q[2];
    } else {   /* knee */
        a = q[0]; b = L ? -q[1] : q[1]; c = L ? -q[2] : q[2];
    }
    return kc_m3_mul(kc_m3_mul(kc_m3_roty(a * KC_DEG), kc_m3_rotx(b * KC_DEG)),
                     kc_m3_rotz(c * KC_DEG));
}
