/* The body model: segment frames from a drive by forward kinematics pelvis -> femur ->
 * untorsioned tibia -> torsioned tibia -> foot (the 2-DoF Plug-in Gait foot), planted legs
 * solved by Newton's method, landmarks, markers with artefacts, and the centre of mass. */
#include "synth.h"

#include <math.h>

#include "kinechain/status.h"

/* Segment masses as fractions of body mass, Dempster (1955) via Winter (2009), Biomechanics
 * and Motor Control of Human Movement, 4th ed., Table 4.1: foot 0.0145 (COM 0.50 from the
 * ankle towards the 2nd metatarsal head), leg 0.0465 (COM 0.433 from the knee), thigh 0.100
 * (COM 0.433 from the hip), pelvis 0.142 (COM 0.105 from L4-L5 towards the trochanters), the
 * rest of HAT (thorax, abdomen, head, arms) 0.536. */
#define M_FOOT 0.0145
#define M_LEG 0.0465
#define M_THIGH 0.100
#define M_PELVIS 0.142
#define M_UPPER 0.536

const int sy_marker_segment[SY_N_MARKERS] = {
    SY_SEG_TORSO, SY_SEG_TORSO, SY_SEG_TORSO, SY_SEG_TORSO,
    SY_SEG_THIGH_L, SY_SEG_THIGH_L, SY_SEG_SHANK_L, SY_SEG_SHANK_L, SY_SEG_FOOT_L, SY_SEG_FOOT_L,
    SY_SEG_THIGH_R, SY_SEG_THIGH_R, SY_SEG_SHANK_R, SY_SEG_SHANK_R, SY_SEG_FOOT_R, SY_SEG_FOOT_R,
    SY_SEG_TORSO, SY_SEG_TORSO, SY_SEG_TORSO, SY_SEG_TORSO,
};

void sy_body_hat_local(const sy_subject *s, kc_vec3 *in_pelvis, kc_vec3 *in_thorax)
{
    /* pelvis COM 0.105 of the way from L4-L5 (lumbar) to mid-HJC, the rest of HAT at
     * upper_com_z along the thorax Z above lumbar; weighted by their masses */
    double wp = M_PELVIS / (M_PELVIS + M_UPPER);
    kc_vec3 mid = kc_v3_scale(kc_v3_add(s->hjc_local[0], s->hjc_local[1]), 0.5);
    *in_pelvis = kc_v3_axpy(s->lumbar_local, wp * 0.105, kc_v3_sub(mid, s->lumbar_local));
    *in_thorax = kc_v3(0, 0, (1 - wp) * s->upper_com_z);
}

kc_vec3 sy_foot_dir(double pitch, double heading)
{
    return kc_v3(-cos(pitch) * cos(heading), -cos(pitch) * sin(heading), sin(pitch));
}

typedef struct leg_chain {
    kc_vec3 hjc, kjc, ajc;
    kc_mat3 Rf, Rt;
} leg_chain;

static void leg_fk(const sy_subject *s, int side, kc_vec3 po, kc_mat3 pR, const double hip[3],
                   const double knee[3], leg_chain *c)
{
    c->hjc = kc_v3_add(po, kc_m3_apply(pR, s->hjc_local[side]));
    c->Rf = kc_m3_mul(pR, sy_pig_joint_matrix(SY_CH_HIP, side, hip));
    c->kjc = kc_v3_axpy(c->hjc, -s->thigh_len[side], kc_m3_col(c->Rf, 2));
    c->Rt = kc_m3_mul(c->Rf, sy_pig_joint_matrix(SY_CH_KNEE, side, knee));
    c->ajc = kc_v3_axpy(c->kjc, -s->shank_len[side], kc_m3_col(c->Rt, 2));
}

/* x = (knee flexion, hip flexion, hip adduction) in degrees */
static kc_vec3 leg_ajc(const sy_subject *s, int side, const sy_drive *d, const double x[3])
{
    double hip[3] = {x[1], x[2], d->hip[side][2]};
    double knee[3] = {x[0], d->knee[side][1], d->knee[side][2]};
    leg_chain c;
    leg_fk(s, side, d->pelvis_o, d->pelvis_R, hip, knee, &c);
    return c.ajc;
}

static bool solve3(const double J[3][3], const double r[3], double dx[3])
{
    double det = J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) -
                 J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) +
                 J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
    if (!isfinite(det) || fabs(det) < 1e-12)
        return false;
    for (int c = 0; c < 3; c++) {
        double M[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                M[i][j] = j == c ? r[i] : J[i][j];
        dx[c] = (M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
                 M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
                 M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0])) / det;
    }
    return true;
}

/* Damped Newton: AJC(x) = target. x in/out. */
static int leg_solve(const sy_subject *s, int side, const sy_drive *d, kc_vec3 target, double x[3])
{
    double res;
    kc_vec3 e = kc_v3_sub(leg_ajc(s, side, d, x), target);
    res = kc_v3_norm(e);
    for (int it = 0; it < 60 && res > 1e-10; it++) {
        double J[3][3], h = 1e-5;
        for (int j = 0; j < 3; j++) {
            double xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]};
            xp[j] += h;
            xm[j] -= h;
            kc_vec3 dp = kc_v3_scale(kc_v3_sub(leg_ajc(s, side, d, xp), leg_ajc(s, side, d, xm)),
                                     1 / (2 * h));
            J[0][j] = dp.x;
            J[1][j] = dp.y;
            J[2][j] = dp.z;
        }
        double r[3] = {-e.x, -e.y, -e.z}, dx[3];
        if (!solve3(J, r, dx))
            return KC_ENUMERIC;
        double mx = fmax(fabs(dx[0]), fmax(fabs(dx[1]), fabs(dx[2])));
        double lam = mx > 15 ? 15 / mx : 1;
        bool improved = false;
        for (int ls = 0; ls < 30; ls++) {
            double xn[3] = {x[0] + lam * dx[0], x[1] + lam * dx[1], x[2] + lam * dx[2]};
            /* stay on the flexed branch (the hyperextended mirror has the same leg length) */
            if (xn[0] < 0.02)
                xn[0] = 0.02;
            kc_vec3 en = kc_v3_sub(leg_ajc(s, side, d, xn), target);
            double rn = kc_v3_norm(en);
            if (rn < res || (rn <= res * (1 + 1e-12) && res < 1e-8)) {
                for (int j = 0; j < 3; j++)
                    x[j] = xn[j];
                e = en;
                res = rn;
                improved = true;
                break;
            }
            lam *= 0.5;
        }
        if (!improved)
            break;
    }
    if (res > 1e-7)
        return KC_ENUMERIC;
    return KC_OK;
}

int sy_body_pose(const sy_subject *s, const sy_drive *d, sy_pose *p)
{
    kc_mat3 pR = d->pelvis_R;
    p->pelvis.R = pR;
    p->pelvis.o = d->pelvis_o;
    for (int side = 0; side < 2; side++) {
        double x[3] = {d->planted[side] ? fmax(d->knee[side][0], 1.0) : d->knee[side][0],
                       d->hip[side][0], d->hip[side][1]};
        kc_vec3 dir = d->foot_dir[side];
        if (d->planted[side]) {
            kc_vec3 target = kc_v3_axpy(d->toe[side], s->foot_lu[side], dir);
            int st = leg_solve(s, side, d, target, x);
            if (st)
                return st;
        }
        double hip[3] = {x[1], x[2], d->hip[side][2]};
        double knee[3] = {x[0], d->knee[side][1], d->knee[side][2]};
        leg_chain c;
        leg_fk(s, side, d->pelvis_o, pR, hip, knee, &c);
        p->q[side][0] = x[0];
        p->q[side][1] = x[1];
        p->q[side][2] = x[2];
        p->hjc[side] = c.hjc;
        p->kjc[side] = c.kjc;
        p->ajc[side] = c.ajc;
        p->femur[side].R = c.Rf;
        p->femur[side].o = c.kjc;
        p->tibia[side].R = c.Rt;
        p->tibia[side].o = c.ajc;
        kc_mat3 Rtt = sy_pig_torsion(c.Rt, s->torsion[side]);
        p->tibia_t[side] = Rtt;
        double p0 = s->foot_pitch0[side], sg = side == SY_R ? 1.0 : -1.0;
        if (d->planted[side]) {
            p->toe[side] = d->toe[side];
        } else {
            kc_vec3 d0 = kc_v3(-cos(p0), 0, sin(p0));
            kc_mat3 Rf = kc_m3_mul(kc_m3_rotz(sg * d->ankle_rot[side] * KC_DEG),
                                   kc_m3_roty(d->ankle_pf[side] * KC_DEG));
            dir = kc_m3_apply(Rtt, kc_m3_apply(Rf, d0));
            p->toe[side] = kc_v3_axpy(c.ajc, -s->foot_lu[side], dir);
        }
        kc_vec3 dl = kc_m3_apply(kc_m3_transpose(Rtt), dir);
        double dz = dl.z > 1 ? 1 : dl.z < -1 ? -1 : dl.z;
        p->foot_pf[side] = (asin(dz) - p0) / KC_DEG;
        p->foot_rot[side] = sg * atan2(-dl.y, -dl.x) / KC_DEG;
        p->U[side] = sy_pig_foot_u(p->toe[side], c.ajc, kc_m3_col(Rtt, 1));
        p->F[side] = sy_pig_foot_f(p->U[side], s->foot_alpha[side], s->foot_beta[side]);
        p->hee[side] = kc_v3_axpy(p->toe[side], s->heel_len[side], kc_m3_col(p->F[side], 2));
    }
    /* trunk */
    p->lumbar = kc_v3_add(d->pelvis_o, kc_m3_apply(pR, s->lumbar_local));
    p->thorax.R = d->thorax_R;
    p->thorax.o = kc_v3_add(p->lumbar, kc_m3_apply(d->thorax_R, s->clav_from_lumbar));

    /* landmarks */
    kc_vec3 X = kc_m3_col(pR, 0), Y = kc_m3_col(pR, 1);
    kc_vec3 sacr = kc_v3_axpy(d->pelvis_o, -s->sacr_depth, X);
    p->mk[SY_LASI] = kc_v3_axpy(d->pelvis_o, s->asis_half, Y);
    p->mk[SY_RASI] = kc_v3_axpy(d->pelvis_o, -s->asis_half, Y);
    p->mk[SY_LPSI] = kc_v3_axpy(sacr, s->psis_half, Y);
    p->mk[SY_RPSI] = kc_v3_axpy(sacr, -s->psis_half, Y);
    for (int side = 0; side < 2; side++) {
        double lat = SY_LAT(side);
        kc_mat3 Rf = p->femur[side].R, Rt = p->tibia[side].R;
        p->mk[SY_SIDE_MK(side, 0)] = kc_v3_add(
            p->kjc[side], kc_m3_apply(Rf, kc_v3(0, lat * s->thi_r,
                                                s->thi_height * s->thigh_len[side])));
        p->mk[SY_SIDE_MK(side, 1)] =
            kc_v3_add(p->kjc[side], kc_m3_apply(Rf, kc_v3(0, lat * s->knee_r[side], 0)));
        p->mk[SY_SIDE_MK(side, 2)] = kc_v3_add(
            p->ajc[side], kc_m3_apply(Rt, kc_v3(0, lat * (s->ankle_r[side] + s->tib_r),
                                                s->tib_height * s->shank_len[side])));
        p->mk[SY_SIDE_MK(side, 3)] =
            kc_v3_add(p->ajc[side], kc_m3_apply(Rt, kc_v3(0, lat * s->ankle_r[side], 0)));
        p->mk[SY_SIDE_MK(side, 4)] = p->hee[side];
        p->mk[SY_SIDE_MK(side, 5)] = p->toe[side];
    }
    for (int k = 0; k < 4; k++)
        p->mk[SY_C7 + k] = kc_v3_add(p->thorax.o, kc_m3_apply(d->thorax_R, s->trunk_local[k]));

    /* centre of mass */
    kc_vec3 hat_p, hat_t;
    sy_body_hat_local(s, &hat_p, &hat_t);
    kc_vec3 com = kc_v3_scale(kc_v3_add(kc_v3_add(d->pelvis_o, kc_m3_apply(pR, hat_p)),
                                        kc_m3_apply(d->thorax_R, hat_t)),
                              M_PELVIS + M_UPPER);
    for (int side = 0; side < 2; side++) {
        kc_vec3 h = p->hjc[side], k = p->kjc[side], a = p->ajc[side], t = p->toe[side];
        kc_vec3 leg = kc_v3_scale(kc_v3_axpy(h, 0.433, kc_v3_sub(k, h)), M_THIGH);
        leg = kc_v3_axpy(leg, M_LEG, kc_v3_axpy(k, 0.433, kc_v3_sub(a, k)));
        leg = kc_v3_axpy(leg, M_FOOT, kc_v3_axpy(a, 0.5, kc_v3_sub(t, a)));
        com = kc_v3_add(com, leg);
        p->leg_com[side] = kc_v3_scale(leg, 1.0 / (M_THIGH + M_LEG + M_FOOT));
    }
    p->com = com;
    return KC_OK;
}

/* the rotation of a marker's segment and the landmark's origin for misplacement */
static kc_mat3 marker_frame(const sy_pose *p, int m)
{
    int seg = sy_marker_segment[m];
    switch (seg) {
    case SY_SEG_THIGH_L: return p->femur[0].R;
    case SY_SEG_THIGH_R: return p->femur[1].R;
    case SY_SEG_SHANK_L: return p->tibia[0].R;
    case SY_SEG_SHANK_R: return p->tibia[1].R;
    case SY_SEG_FOOT_L: return p->F[0];
    case SY_SEG_FOOT_R: return p->F[1];
    default: return m >= SY_C7 ? p->thorax.R : p->pelvis.R;
    }
}

void sy_body_placed_markers(const sy_subject *s, const sy_pose *p, kc_vec3 mk[SY_N_MARKERS])
{
    for (int m = 0; m < SY_N_MARKERS; m++)
        mk[m] = kc_v3_add(p->mk[m], kc_m3_apply(marker_frame(p, m), s->misplace[m]));
}

void sy_pig_truth_frames(const sy_subject *s, const sy_pose *p, sy_pig_truth *o)
{
    kc_vec3 A[SY_N_MARKERS];
    sy_body_placed_markers(s, p, A);
    o->pelvis = sy_pig_pelvis(A[SY_LASI], A[SY_RASI], A[SY_LPSI], A[SY_RPSI]).R;
    for (int k = 0; k < 2; k++) {
        kc_vec3 thi = A[SY_SIDE_MK(k, 0)], kne = A[SY_SIDE_MK(k, 1)];
        kc_vec3 tib = A[SY_SIDE_MK(k, 2)], ank = A[SY_SIDE_MK(k, 3)];
        kc_vec3 toe = A[SY_SIDE_MK(k, 5)];
        o->hjc[k] = p->hjc[k];
        o->kjc[k] = sy_pig_chord(o->hjc[k], thi, kne, s->knee_r[k]);
        o->femur[k] = sy_pig_femur(o->hjc[k], o->kjc[k], kne, k).R;
        o->ajc[k] = sy_pig_chord(o->kjc[k], tib, ank, s->ankle_r[k]);
        o->tibia[k] = sy_pig_tibia(o->kjc[k], o->ajc[k], tib, ank, k).R;
        o->tibia_t[k] = sy_pig_torsion(o->tibia[k], s->torsion[k]);
        kc_mat3 U = sy_pig_foot_u(toe, o->ajc[k], kc_m3_col(o->tibia_t[k], 1));
        o->foot[k] = sy_pig_foot_f(U, s->placed_alpha[k], s->placed_beta[k]);
    }
}

void sy_body_markers(const sy_subject *s, const sy_pose *p, enum sy_mode mode, double t,
                     const double impacts[2][4], kc_vec3 mk[SY_N_MARKERS],
                     kc_vec3 normal[SY_N_MARKERS])
{
    for (int m = 0; m < SY_N_MARKERS; m++) {
        mk[m] = p->mk[m];
        kc_mat3 R = marker_frame(p, m);
        kc_vec3 n;
        int side = -1, k = -1;
        if (m >= SY_LTHI && m <= SY_RTOE) {
            side = m <= SY_LTOE ? SY_L : SY_R;
            k = m - SY_SIDE_MK(side, 0);
        }
        if (m == SY_LASI || m == SY_RASI)
            n = kc_m3_apply(R, kc_v3(0.8, m == SY_LASI ? 0.6 : -0.6, 0));
        else if (m == SY_LPSI || m == SY_RPSI)
            n = kc_m3_apply(R, kc_v3(-0.96, 0, 0.28));
        else if (m == SY_C7 || m == SY_T10)
            n = kc_v3_scale(kc_m3_col(R, 0), -1);
        else if (m == SY_CLAV || m == SY_STRN)
            n = kc_m3_col(R, 0);
        else if (k == 4)
            n = kc_m3_col(R, 2);      /* heel: backwards along the corrected foot's Z */
        else if (k == 5)
            n = kc_m3_col(R, 0);      /* toe: up, the foot's X */
        else
            n = kc_v3_scale(kc_m3_col(R, 1), SY_LAT(side));
        normal[m] = kc_v3_unit(n);
        if (mode != SY_ANATOMICAL)
            continue;
        kc_vec3 off = s->misplace[m];
        if (k == 0 || k == 1) {
            /* KNE and THI rotated about the femur's long axis: the marker-defined frontal plane
             * of the thigh turns by knee_marker_rot (knee flexion/abduction cross-talk) */
            kc_vec3 loc = kc_m3_apply(kc_m3_transpose(R), kc_v3_sub(p->mk[m], p->kjc[side]));
            kc_vec3 rot = kc_m3_apply(kc_m3_rotz(s->knee_marker_rot[side]), loc);
            mk[m] = kc_v3_add(p->kjc[side], kc_m3_apply(R, rot));
            normal[m] = kc_m3_apply(R, kc_m3_apply(kc_m3_rotz(s->knee_marker_rot[side]),
                                                   kc_m3_apply(kc_m3_transpose(R), normal[m])));
        }
        kc_vec3 disp = off;
        if (s->has_sta[m] && side >= 0) {
            const sy_sta *a = &s->sta[m];
            double flex = p->q[side][0] / 90.0;
            disp = kc_v3_axpy(disp, flex, a->flex);
            for (int w = 0; w < 2; w++)
                disp = kc_v3_axpy(disp, sin(2 * KC_PI * a->wobble_f[w] * t + a->wobble_ph[w]),
                                  a->wobble[w]);
            for (int i = 0; i < 4; i++) {
                double ti = impacts[side][i];
                if (!isfinite(ti) || t <= ti)
                    continue;
                double u = t - ti;
                disp = kc_v3_axpy(disp, exp(-u / a->osc_tau) * sin(2 * KC_PI * a->osc_f * u),
                                  a->osc);
            }
        }
        mk[m] = kc_v3_add(mk[m], kc_m3_apply(R, disp));
    }
}

void sy_body_capsules(const sy_subject *s, const sy_pose *p, kc_vec3 a[SY_N_SEGMENTS],
                      kc_vec3 b[SY_N_SEGMENTS], double r[SY_N_SEGMENTS])
{
    kc_vec3 mid_hjc = kc_v3_scale(kc_v3_add(p->hjc[0], p->hjc[1]), 0.5);
    a[SY_SEG_TORSO] = mid_hjc;
    b[SY_SEG_TORSO] = kc_v3_add(p->lumbar, kc_m3_apply(p->thorax.R, kc_v3(0, 0, 0.30 * s->height)));
    for (int side = 0; side < 2; side++) {
        a[SY_SEG_THIGH_L + side] = p->hjc[side];
        b[SY_SEG_THIGH_L + side] = p->kjc[side];
        a[SY_SEG_SHANK_L + side] = p->kjc[side];
        b[SY_SEG_SHANK_L + side] = p->ajc[side];
        kc_vec3 ht = kc_v3_sub(p->toe[side], p->hee[side]);
        a[SY_SEG_FOOT_L + side] = kc_v3_axpy(p->hee[side], 0.2, ht);
        b[SY_SEG_FOOT_L + side] = kc_v3_add(kc_v3_axpy(p->toe[side], 0.1, ht), kc_v3(0, 0, -10));
    }
    for (int k = 0; k < SY_N_SEGMENTS; k++)
        r[k] = s->capsule_r[k];
}
