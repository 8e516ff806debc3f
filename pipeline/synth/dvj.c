/* The drop vertical jump: stand on a 30 cm box, countermovement and hop off, flight, first
 * landing (feet planted, pelvis height force-shaped), take-off, 0.6 s flight, second landing,
 * standing. Timing and amplitudes follow the real captures in
 * shared/data/real/opencap_dropjump (contact 0.50-0.55 s, flight ~0.6 s, peak knee flexion
 * 92-98°, hip flexion ~100°, ankle dorsiflexion ~25°).
 *
 * The flight pelvis is ballistic, built backwards from the landing configuration so that the
 * lower toe touches the floor exactly at initial contact; the box is put where the toes are
 * at box-off. During contact the pelvis height follows a force template (sy_design) and the
 * legs are solved; at every release the free tracks continue the solved legs with equal value,
 * slope and curvature. */
#include "synth.h"

#include <math.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/status.h"

/* a free-body configuration (degrees) */
typedef struct dvj_cfg {
    double tilt, obl, prot, tfwd, tlat;
    double hip[2][3], knee[2][3], pf[2], arot[2];
} dvj_cfg;

static void cfg_drive(const sy_motion *m, const dvj_cfg *c, kc_vec3 po, sy_drive *d)
{
    memset(d, 0, sizeof *d);
    d->pelvis_o = po;
    d->pelvis_R = kc_m3_mul(kc_m3_mul(kc_m3_rotz(m->heading + c->prot * KC_DEG),
                                      kc_m3_roty(c->tilt * KC_DEG)),
                            kc_m3_rotx(c->obl * KC_DEG));
    d->thorax_R = kc_m3_mul(kc_m3_rotz(m->heading), kc_m3_mul(kc_m3_roty(c->tfwd * KC_DEG),
                                                              kc_m3_rotx(c->tlat * KC_DEG)));
    for (int s = 0; s < 2; s++) {
        for (int j = 0; j < 3; j++) {
            d->hip[s][j] = c->hip[s][j];
            d->knee[s][j] = c->knee[s][j];
        }
        d->ankle_pf[s] = c->pf[s];
        d->ankle_rot[s] = c->arot[s];
        d->planted[s] = false;
    }
}

/* toe positions relative to the pelvis origin, and foot pitch/heading (rad) */
static void cfg_toes(const sy_subject *s, const sy_motion *m, const dvj_cfg *c, kc_vec3 rel[2],
                     double pitch[2], double head[2])
{
    sy_drive d;
    cfg_drive(m, c, kc_v3(0, 0, 0), &d);
    sy_pose p;
    sy_body_pose(s, &d, &p);    /* no planted leg: cannot fail */
    for (int k = 0; k < 2; k++) {
        rel[k] = p.toe[k];
        kc_vec3 dir = kc_v3_unit(kc_v3_sub(p.ajc[k], p.toe[k]));
        if (pitch)
            pitch[k] = asin(dir.z);
        if (head)
            head[k] = atan2(-dir.y, -dir.x);
    }
}

/* turn the free feet (ankle rotation) so that they point heading ± toe-out */
static void cfg_toe_out(const sy_subject *s, const sy_motion *m, dvj_cfg *c)
{
    for (int it = 0; it < 3; it++) {
        kc_vec3 rel[2];
        double head[2];
        cfg_toes(s, m, c, rel, NULL, head);
        for (int k = 0; k < 2; k++) {
            double want = m->heading + SY_LAT(k) * s->toe_out[k] * KC_DEG;
            double e = atan2(sin(want - head[k]), cos(want - head[k])) / KC_DEG;
            c->arot[k] += (k == SY_R ? 1 : -1) * e;
        }
    }
}

static int keys(sy_track *tr, int n, const double *t, const double *x)
{
    for (int i = 0; i < n; i++)
        if (sy_track_still(tr, t[i], x[i]))
            return KC_EINVAL;
    return KC_OK;
}

static void set_free_key(sy_motion *m, int side, double t, const dvj_cfg *c)
{
    sy_track_still(&m->knee_flex[side], t, c->knee[side][0]);
    sy_track_still(&m->hip_flex[side], t, c->hip[side][0]);
    sy_track_still(&m->hip_add[side], t, c->hip[side][1]);
    sy_track_still(&m->ank_pf[side], t, c->pf[side]);
    sy_track_still(&m->ank_rot[side], t, c->arot[side]);
}

/* TOE of a free foot (evaluating the motion as it stands) and its velocity */
static void free_toe(const sy_subject *s, sy_motion *m, int side, double t, kc_vec3 *x,
                     kc_vec3 *v)
{
    double h = 1e-4;
    kc_vec3 xs[2];
    for (int i = 0; i < 3; i++) {
        sy_drive d;
        sy_motion_drive(m, t + (i - 1) * h, &d, side, -1);
        d.planted[side] = false;
        sy_pose p;
        sy_body_pose(s, &d, &p);
        if (i == 1)
            *x = p.toe[side];
        else
            xs[i / 2] = p.toe[side];
    }
    *v = kc_v3_scale(kc_v3_sub(xs[1], xs[0]), 1 / (2 * h));
}

/* The contact time of a free foot at or after t0: its toe reaches toe_height + |v_z|·tau
 * (so that after the deceleration it rests at toe_height). */
static double find_contact(const sy_subject *s, sy_motion *m, int side, double t0, double tau)
{
    kc_vec3 x, v;
#define CONTACT_F(t) (free_toe(s, m, side, (t), &x, &v), x.z - (s->toe_height + fabs(v.z) * tau))
    /* scan forward from 60 ms before the planned contact for the first crossing */
    double lo = t0 - 0.06, hi = lo;
    for (hi = lo + 1e-3; hi < t0 + 0.1; hi += 1e-3) {
        if (CONTACT_F(hi) <= 0)
            break;
        lo = hi;
    }
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (CONTACT_F(mid) > 0)
            lo = mid;
        else
            hi = mid;
    }
#undef CONTACT_F
    return 0.5 * (lo + hi);
}

static int start_contact(const sy_subject *s, sy_motion *m, int side, double t_on,
                         double t_off, double tau, double flat_after)
{
    kc_vec3 x, v;
    free_toe(s, m, side, t_on, &x, &v);
    int k = m->n_contact[side];
    if (k >= SY_MAX_CONTACT)
        return KC_EINVAL;
    sy_contact *c = &m->contact[side][k];
    c->t_on = t_on;
    c->t_off = t_off;
    c->toe0 = x;
    c->vel0 = v;
    c->tau = tau;
    m->n_contact[side]++;
    /* foot: toe first, flat within flat_after */
    sy_drive d;
    sy_motion_drive(m, t_on, &d, side, -1);
    d.planted[side] = false;
    sy_pose p;
    sy_body_pose(s, &d, &p);
    kc_vec3 dir = kc_v3_unit(kc_v3_sub(p.ajc[side], p.toe[side]));
    double pitch = asin(dir.z) / KC_DEG, head = atan2(-dir.y, -dir.x) / KC_DEG;
    sy_track_cut(&m->foot_pitch[side], t_on);
    sy_track_cut(&m->foot_head[side], t_on);
    sy_track_still(&m->foot_pitch[side], t_on, pitch);
    sy_track_still(&m->foot_pitch[side], t_on + flat_after, s->foot_pitch0[side] / KC_DEG);
    sy_track_still(&m->foot_head[side], t_on, head);
    return KC_OK;
}

/* First-landing force template (body weights vs normalised contact time), shaped on the
 * vertical ground reaction of shared/data/real/opencap_dropjump DJ1 (impact peak at ~13% of
 * contact, a plateau of ~2 BW, a propulsive hump at ~80%, zero at take-off). The impact peak
 * is the subject's own. */
static void landing_template(double P, double k[13][2])
{
    const double s[13] = {0, 0.025, 0.06, 0.11, 0.19, 0.3, 0.45, 0.57, 0.65, 0.8, 0.9, 0.96, 1};
    const double f[13] = {0, 0.45, 0.8, 1.0, 0.68, 0, 0, 0, 0, 0, 0, 0, 0};
    const double g[13] = {0, 0, 0, 0, 0, 2.0, 1.85, 2.05, 2.0, 2.25, 1.9, 0.9, 0};
    for (int i = 0; i < 13; i++) {
        k[i][0] = s[i];
        k[i][1] = f[i] * P + g[i];
    }
}

int sy_plan_dvj(const sy_subject *s, sy_motion *m, gsl_rng *r)
{
    int st = KC_OK;
    double H = s->height;
    sy_plan_common_init(m, SY_TASK_DVJ, (s->heading + sy_gauss(r, 1.5)) * KC_DEG);

    /* ---- parameters of this trial ---- */
    double box_h = 300.0;
    double vz_off = sy_uniform(r, 250, 450);             /* mm/s, the hop off the box */
    double vx = sy_uniform(r, 600, 850);                 /* mm/s, forward in flight */
    double T_c = sy_uniform(r, 0.505, 0.545);           /* contact time */
    double T_f = sy_uniform(r, 0.58, 0.62);             /* flight time */
    double tau = sy_uniform(r, 5.0e-3, 6.0e-3);               /* foot deceleration at impact */
    double k_peak = s->knee_peak - 0.5 + sy_gauss(r, 0.5);
    double k_to = sy_uniform(r, 15, 19);
    double k_peak2 = sy_uniform(r, 72, 85);
    double k_dip = sy_uniform(r, 30, 40);
    double P = s->impact_bw * (1 + sy_tnorm(r, 0, 0.05, -0.1, 0.1));
    double obl = s->obliquity + sy_gauss(r, 0.5);
    double tfwd = s->trunk_fwd + sy_gauss(r, 3);
    double tlat = s->trunk_lat + sy_gauss(r, 0.8);
    double spot_x = sy_gauss(r, 20), spot_y = sy_gauss(r, 15);
    double vpk[2], vic[2], hrp[2], krp[2];
    for (int k = 0; k < 2; k++) {
        vpk[k] = s->valgus_peak[k] + sy_gauss(r, 0.8);
        vic[k] = s->valgus_ic[k] + sy_gauss(r, 0.4);
        hrp[k] = s->hip_introt_peak[k] + sy_gauss(r, 1.0);
        krp[k] = s->knee_rot_peak[k] + sy_gauss(r, 0.8);
    }

    /* ---- configurations: box-off (B), mid-flight (M1), landing (C), apex (A), landing 2 (D) */
    dvj_cfg B, M1, C, A, D;
    memset(&B, 0, sizeof B);
    B.tilt = 18; B.obl = 0.2 * obl; B.tfwd = 15; B.tlat = 0.3 * tlat;
    for (int k = 0; k < 2; k++) {
        double hr0 = s->hip_rot_static[k];
        B.hip[k][0] = 18; B.hip[k][1] = 0; B.hip[k][2] = hr0;
        B.knee[k][0] = 16; B.knee[k][1] = -0.5 * vic[k]; B.knee[k][2] = 0;
        B.pf[k] = 28;
    }
    M1 = B;
    C = B;
    C.tilt = 16; C.obl = 0.5 * obl; C.tfwd = 12; C.tlat = 0.5 * tlat;
    double knee_rate_ic = sy_uniform(r, 350, 500);    /* deg/s */
    double k_ic = sy_uniform(r, 26, 32), h_ic = sy_uniform(r, 30, 36), pf_ic = sy_uniform(r, 18, 26);
    for (int k = 0; k < 2; k++) {
        M1.hip[k][0] = 24; M1.knee[k][0] = 20; M1.pf[k] = 26;
        M1.hip[k][1] = -0.5 * s->hip_abd_ic;
        C.hip[k][0] = h_ic + sy_gauss(r, 1); C.hip[k][1] = -s->hip_abd_ic + sy_gauss(r, 0.5);
        C.hip[k][2] = s->hip_rot_static[k] + 0.3 * hrp[k];
        C.knee[k][0] = k_ic + sy_gauss(r, 1); C.knee[k][1] = -vic[k]; C.knee[k][2] = 0.3 * krp[k];
        C.pf[k] = pf_ic + sy_gauss(r, 1);
    }
    A = C;
    A.tilt = 10; A.tfwd = 5;
    D = C;
    D.tilt = 15; D.obl = 0.3 * obl; D.tfwd = 10;
    for (int k = 0; k < 2; k++) {
        A.hip[k][0] = 8; A.hip[k][1] = 0; A.knee[k][0] = 4; A.pf[k] = 38;
        A.hip[k][2] = s->hip_rot_static[k] + 0.2 * hrp[k];
        A.knee[k][1] = -0.5 * vic[k]; A.knee[k][2] = 0.2 * krp[k];
        D.hip[k][0] = sy_uniform(r, 22, 28); D.hip[k][1] = -0.8 * s->hip_abd_ic;
        D.knee[k][0] = sy_uniform(r, 16, 20);
        D.pf[k] = sy_uniform(r, 16, 22);
        D.hip[k][2] = s->hip_rot_static[k] + 0.2 * hrp[k];
        D.knee[k][2] = 0.3 * krp[k];
    }
    cfg_toe_out(s, m, &B);
    cfg_toe_out(s, m, &C);
    cfg_toe_out(s, m, &D);
    for (int k = 0; k < 2; k++) {
        M1.arot[k] = 0.5 * (B.arot[k] + C.arot[k]);
        A.arot[k] = C.arot[k];
    }

    /* ---- flight 1, backwards from the landing ---- */
    kc_vec3 relB[2], relC[2], relD[2];
    double pitchB[2], headB[2];
    cfg_toes(s, m, &B, relB, pitchB, headB);
    cfg_toes(s, m, &C, relC, NULL, NULL);
    cfg_toes(s, m, &D, relD, NULL, NULL);
    double minC = fmin(relC[0].z, relC[1].z), meanB = 0.5 * (relB[0].z + relB[1].z);
    double z_off = box_h + s->toe_height - meanB;
    double v_ic = 2500, z_ic = 0;
    for (int it = 0; it < 6; it++) {
        z_ic = s->toe_height + v_ic * tau - minC;
        v_ic = sqrt(vz_off * vz_off + 2 * SY_G * (z_off - z_ic));
    }
    double T_fall = (vz_off + v_ic) / SY_G;
    double t_off = 0.75 + sy_uniform(r, 0, 0.1);
    double t_ic = t_off + T_fall;
    double t_cm = t_off - 0.5, t_dip = t_off - 0.22;
    double t_to = t_ic + T_c;
    double t_b_est = t_ic + 0.44 * T_c;
    double t_ic2 = t_to + T_f;
    double t_b2_est = t_ic2 + 0.17, t_e = t_ic2 + 1.0;
    m->duration = t_e + 0.4;
    double ch = cos(m->heading), sh = sin(m->heading);
    KC_DEBUG("%s: DVJ z_off %.1f z_ic %.1f v_ic %.0f T_fall %.3f t_off %.3f t_ic %.3f", s->id,
             z_off, z_ic, v_ic, T_fall, t_off, t_ic);
    kc_vec3 P_ic = kc_v3(spot_x - 0.5 * (relC[0].x + relC[1].x),
                         spot_y - 0.5 * (relC[0].y + relC[1].y), z_ic);
    kc_vec3 V_ic = kc_v3(vx * ch, vx * sh, -v_ic);
    kc_vec3 P_off = kc_v3(P_ic.x - V_ic.x * T_fall, P_ic.y - V_ic.y * T_fall, z_off);
    kc_vec3 toeB[2];
    for (int k = 0; k < 2; k++)
        toeB[k] = kc_v3_add(P_off, relB[k]);
    m->box_height = 0.5 * (toeB[0].z + toeB[1].z) - s->toe_height;

    /* ---- prescribed-everywhere tracks ---- */
    {
        const double t[] = {0, t_cm, t_dip, t_off, t_ic, t_b_est, t_to, t_to + 0.3, t_ic2,
                            t_b2_est, t_e - 0.3};
        const int n = 11;
        double tilt_b = 22 + 0.3 * tfwd;
        double v1[] = {12, 12, 24, B.tilt, C.tilt, tilt_b, 18, A.tilt, D.tilt, 28, 12};
        double v2[] = {0, 0, 0.2 * obl, B.obl, C.obl, obl, 0.3 * obl, 0.3 * obl, D.obl,
                       0.7 * obl, 0};
        double v3[] = {0, 0, 0, 0, 0, sy_gauss(r, 1.5), 0, 0, 0, sy_gauss(r, 1.0), 0};
        double v4[] = {3, 3, 20, B.tfwd, C.tfwd, tfwd, 14, A.tfwd, D.tfwd, 0.6 * tfwd, 3};
        double v5[] = {0.2 * tlat, 0.2 * tlat, 0.3 * tlat, B.tlat, C.tlat, tlat, 0.4 * tlat,
                       0.3 * tlat, 0.3 * tlat, 0.6 * tlat, 0.2 * tlat};
        double zero[11] = {0};
        if (keys(&m->tilt, n, t, v1) || keys(&m->obliq, n, t, v2) || keys(&m->prot, n, t, v3) ||
            keys(&m->tfwd, n, t, v4) || keys(&m->tlat, n, t, v5) || keys(&m->trot, n, t, zero))
            return KC_EINVAL;
        for (int k = 0; k < 2; k++) {
            double hr0 = s->hip_rot_static[k];
            double h1[] = {hr0, hr0, hr0 + 0.2 * hrp[k], B.hip[k][2], C.hip[k][2], hr0 + hrp[k],
                           hr0 + 0.2 * hrp[k], A.hip[k][2], D.hip[k][2], hr0 + 0.7 * hrp[k], hr0};
            double vs = s->valgus_static[k];
            double k1[] = {-vs, -vs, -0.3 * vic[k], B.knee[k][1], C.knee[k][1], -vpk[k],
                           -0.5 * vic[k], A.knee[k][1], D.knee[k][1], -0.8 * vpk[k], -vs};
            double k2[] = {0, 0, 0.3 * krp[k], B.knee[k][2], C.knee[k][2], krp[k],
                           0.2 * krp[k], A.knee[k][2], D.knee[k][2], 0.8 * krp[k], 0};
            if (keys(&m->hip_rot[k], n, t, h1) || keys(&m->knee_add[k], n, t, k1) ||
                keys(&m->knee_rot[k], n, t, k2))
                return KC_EINVAL;
        }
    }

    /* ---- free tracks of flight 1 (the box-off keys get their slopes at release) ---- */
    for (int k = 0; k < 2; k++) {
        set_free_key(m, k, t_off, &B);
        set_free_key(m, k, t_off + 0.5 * T_fall, &M1);
        set_free_key(m, k, t_ic, &C);
        /* pre-landing: the knee and hip already flex and the ankle dorsiflexes at contact
         * (DJ1: knee 25.5 -> 33.2° in the last 20 ms before contact) */
        sy_track_key(&m->knee_flex[k], t_ic, C.knee[k][0], knee_rate_ic, 0);
        sy_track_key(&m->hip_flex[k], t_ic, C.hip[k][0], 0.5 * knee_rate_ic, 0);

    }

    /* ---- pelvis: standing on the box, countermovement, hop ---- */
    m->n_zseg = 0;
    sy_zseg *zs = &m->zseg[m->n_zseg++];
    zs->t_start = -INFINITY;
    zs->is_design = false;
    sy_track_clear(&zs->track);
    for (int k = 0; k < 2; k++) {
        sy_contact *c = &m->contact[k][m->n_contact[k]++];
        c->t_on = -INFINITY;
        c->t_off = t_off;
        c->toe0 = toeB[k];
        c->vel0 = kc_v3(0, 0, 0);
        c->tau = 0;
        double p0 = s->foot_pitch0[k] / KC_DEG;
        sy_track_still(&m->foot_pitch[k], 0, p0);
        sy_track_still(&m->foot_pitch[k], t_off - 0.25, p0);
        sy_track_key(&m->foot_pitch[k], t_off, pitchB[k] / KC_DEG, sy_uniform(r, 250, 400), 0);
        sy_track_still(&m->foot_head[k], 0, headB[k] / KC_DEG);
    }
    double x_stand, y_stand;
    {
        sy_drive d;
        sy_motion_drive(m, 0, &d, -1, -1);
        kc_vec3 aj = kc_v3(0, 0, 0);
        for (int k = 0; k < 2; k++)
            aj = kc_v3_add(aj, kc_v3_scale(kc_v3_axpy(d.toe[k], s->foot_lu[k], d.foot_dir[k]), 0.5));
        kc_vec3 mo = kc_v3_scale(kc_v3_add(kc_m3_apply(d.pelvis_R, s->hjc_local[0]),
                                           kc_m3_apply(d.pelvis_R, s->hjc_local[1])), 0.5);
        x_stand = aj.x + 0.01 * H * ch - mo.x;
        y_stand = aj.y + 0.01 * H * sh - mo.y;
    }
    sy_track_still(&m->px, 0, x_stand);
    sy_track_still(&m->px, t_cm, x_stand);
    sy_track_key(&m->px, t_off, P_off.x, V_ic.x, 0);
    /* the horizontal braking starts at contact */
    sy_track_key(&m->px, t_ic, P_ic.x, V_ic.x, -V_ic.x / 0.08);
    sy_track_still(&m->py, 0, y_stand);
    sy_track_still(&m->py, t_cm, y_stand);
    sy_track_key(&m->py, t_off, P_off.y, V_ic.y, 0);
    sy_track_key(&m->py, t_ic, P_ic.y, V_ic.y, 0);
    double z_stand, z_dip;
    if ((st = sy_motion_solve_height(s, m, 0, 7, &z_stand)) ||
        (st = sy_motion_solve_height(s, m, t_dip, k_dip, &z_dip)))
        return st;
    sy_track_still(&zs->track, 0, z_stand);
    {
        sy_zseg *z1 = &m->zseg[m->n_zseg++];
        z1->t_start = t_cm;
        z1->is_design = true;
        sy_design *dz = &z1->design;
        memset(dz, 0, sizeof *dz);
        dz->t0 = t_cm;
        dz->T = t_off - t_cm;
        dz->z0 = z_stand;
        dz->v0 = 0;
        dz->b0 = 1;
        dz->b1 = 0;
        const double kn[6][2] = {{0, 1}, {0.2, 0.55}, {0.42, 0.9}, {0.62, 1.8}, {0.85, 1.7}, {1, 0}};
        sy_constraint con[4] = {{1, t_off, vz_off}, {0, t_off, z_off}, {1, t_dip, 0},
                                {0, t_dip, z_dip}};
        if ((st = sy_design_solve(dz, 16, 6, kn, 4, con)))
            return st;
    }
    {
        sy_zseg *z2 = &m->zseg[m->n_zseg++];
        z2->t_start = t_off;
        z2->is_design = true;
        memset(&z2->design, 0, sizeof z2->design);
        z2->design.t0 = t_off;
        z2->design.T = T_fall;
        z2->design.z0 = z_off;
        z2->design.v0 = vz_off;
    }
    m->ev_box_off = t_off;
    for (int k = 0; k < 2; k++)
        if ((st = sy_motion_release(s, m, k, 0)))
            return st;

    /* ---- first landing ---- */
    double t_ic_side[2];
    for (int k = 0; k < 2; k++)
        t_ic_side[k] = find_contact(s, m, k, t_ic, tau);
    for (int k = 0; k < 2; k++) {
        if ((st = start_contact(s, m, k, t_ic_side[k], t_to, tau, sy_uniform(r, 0.035, 0.05))))
            return st;
        double p0 = s->foot_pitch0[k] / KC_DEG;
        sy_track_still(&m->foot_pitch[k], t_to - 0.13, p0);
        /* heel rise: the foot rotates about the toe and still turns fast at take-off */
        sy_track_key(&m->foot_pitch[k], t_to, p0 + sy_uniform(r, 30, 38), sy_uniform(r, 900, 1100), 0);
        m->ev_ic[k] = t_ic_side[k];
        m->ev_to[k] = t_to;
    }
    double t0c = fmin(t_ic_side[0], t_ic_side[1]);
    KC_DEBUG("%s: DVJ contacts L %.4f R %.4f (planned %.4f); toe heights rel. pelvis %.1f %.1f",
             s->id, t_ic_side[0], t_ic_side[1], t_ic, relC[0].z, relC[1].z);
    kc_vec3 ajb[2], ajt[2];
    {
        sy_drive d;
        sy_motion_drive(m, t_b_est, &d, -1, -1);
        for (int k = 0; k < 2; k++)
            ajb[k] = kc_v3_axpy(d.toe[k], s->foot_lu[k], d.foot_dir[k]);
        sy_motion_drive(m, t_to, &d, -1, -1);
        for (int k = 0; k < 2; k++)
            ajt[k] = kc_v3_axpy(d.toe[k], s->foot_lu[k], d.foot_dir[k]);
    }
    /* pelvis x, y at take-off: hip over the ankles */
    double vx_to = sy_uniform(r, 40, 140);
    kc_vec3 mo_b;
    {
        sy_drive d;
        sy_motion_drive(m, t_to, &d, -1, -1);
        kc_vec3 mo = kc_v3_scale(kc_v3_add(kc_m3_apply(d.pelvis_R, s->hjc_local[0]),
                                           kc_m3_apply(d.pelvis_R, s->hjc_local[1])), 0.5);
        kc_vec3 a = kc_v3_scale(kc_v3_add(ajt[0], ajt[1]), 0.5);
        double dx = -0.02 * H;
        sy_track_key(&m->px, t_to, a.x + dx * ch - mo.x, vx_to * ch, 0);
        sy_track_key(&m->py, t_to, P_ic.y + 0.3 * (a.y - mo.y - P_ic.y), vx_to * sh, 0);
        sy_motion_drive(m, t_b_est, &d, -1, -1);
        mo_b = kc_v3_scale(kc_v3_add(kc_m3_apply(d.pelvis_R, s->hjc_local[0]),
                                     kc_m3_apply(d.pelvis_R, s->hjc_local[1])), 0.5);
    }
    double z_to;
    if ((st = sy_motion_solve_height(s, m, t_to, k_to, &z_to)))
        return st;
    KC_DEBUG("%s: DVJ z_to %.1f at t_to %.3f, k_peak %.1f", s->id, z_to, t_to, k_peak);
    /* take-off velocity for the planned flight (landing 2 height from configuration D) */
    double minD = fmin(relD[0].z, relD[1].z);
    double v_to = 2900, z_ic2 = 0, v_ic2 = 0;
    for (int it = 0; it < 6; it++) {
        v_ic2 = v_to - SY_G * T_f;
        z_ic2 = s->toe_height + fabs(v_ic2) * tau - minD;
        v_to = (z_ic2 - z_to + 0.5 * SY_G * T_f * T_f) / T_f;
    }
    v_ic2 = v_to - SY_G * T_f;
    {
        sy_zseg *z3 = &m->zseg[m->n_zseg++];
        z3->t_start = t0c;
        z3->is_design = true;
        sy_design *dz = &z3->design;
        memset(dz, 0, sizeof *dz);
        dz->t0 = t0c;
        dz->T = t_to - t0c;
        dz->z0 = sy_motion_pelvis_z(m, t0c - 1e-12, &dz->v0, NULL);
        dz->onset_w = 0.012;
        double kn[13][2];
        landing_template(P, kn);
        sy_constraint con[4] = {{1, t_to, v_to}, {0, t_to, z_to}, {1, 0, 0}, {0, 0, 0}};
        if ((st = sy_design_solve(dz, 40, 13, (const double (*)[2])kn, 2, con)))
            return st;
        double tb = sy_design_bottom(dz);
        if (!isfinite(tb))
            tb = t_b_est;
        /* hip behind the ankles at the bottom; forward motion starts slowly afterwards */
        {
            kc_vec3 a = kc_v3_scale(kc_v3_add(ajb[0], ajb[1]), 0.5);
            double xb = a.x - 0.13 * H * ch - mo_b.x, yb = P_ic.y + 0.3 * (a.y - mo_b.y - P_ic.y);
            sy_track_still(&m->px, tb, xb);
            sy_track_still(&m->py, tb, yb);
        }
        double z_b;
        if ((st = sy_motion_solve_height(s, m, tb, k_peak, &z_b)))
            return st;
        con[2].t = tb;
        con[3].t = tb;
        con[3].value = z_b;
        KC_DEBUG("%s: DVJ landing z0 %.1f v0 %.0f bottom %.3f s (%.3f after contact) z_b %.1f "
                 "natural %.1f v_to %.0f", s->id, dz->z0, dz->v0, tb, tb - t0c, z_b,
                 sy_design_eval(dz, tb, NULL, NULL), v_to);
        if ((st = sy_design_solve(dz, 40, 13, (const double (*)[2])kn, 4, con)))
            return st;
        m->t_bottom = tb;
        double fmin = sy_design_min_force(dz);
        if (fmin < -0.05)
            KC_WARN("%s: DVJ landing design needs a pull on the floor (%.2f BW)", s->id, fmin);
    }
    for (int k = 0; k < 2; k++)
        if ((st = sy_motion_release(s, m, k, 1)))
            return st;

    /* ---- flight 2 ---- */
    {
        sy_zseg *z4 = &m->zseg[m->n_zseg++];
        z4->t_start = t_to;
        z4->is_design = true;
        memset(&z4->design, 0, sizeof z4->design);
        z4->design.t0 = t_to;
        z4->design.T = T_f;
        z4->design.z0 = z_to;
        z4->design.v0 = v_to;
    }
    {
        double x_to = sy_track_eval(&m->px, t_to, NULL, NULL);
        double y_to = sy_track_eval(&m->py, t_to, NULL, NULL);
        sy_track_key(&m->px, t_ic2, x_to + vx_to * ch * T_f, vx_to * ch, 0);
        sy_track_key(&m->py, t_ic2, y_to + vx_to * sh * T_f, vx_to * sh, 0);
    }
    for (int k = 0; k < 2; k++) {
        set_free_key(m, k, t_to + 0.42 * T_f, &A);
        set_free_key(m, k, t_ic2, &D);
    }

    /* ---- second landing ---- */
    double t_ic2_side[2];
    for (int k = 0; k < 2; k++)
        t_ic2_side[k] = find_contact(s, m, k, t_ic2, tau);
    for (int k = 0; k < 2; k++) {
        if ((st = start_contact(s, m, k, t_ic2_side[k], INFINITY, tau, sy_uniform(r, 0.035, 0.05))))
            return st;
        m->ev_ic2[k] = t_ic2_side[k];
    }
    double t0d = fmin(t_ic2_side[0], t_ic2_side[1]);
    {
        sy_drive d;
        sy_motion_drive(m, t_b2_est, &d, -1, -1);
        kc_vec3 a = kc_v3(0, 0, 0);
        for (int k = 0; k < 2; k++)
            a = kc_v3_add(a, kc_v3_scale(kc_v3_axpy(d.toe[k], s->foot_lu[k], d.foot_dir[k]), 0.5));
        kc_vec3 mo = kc_v3_scale(kc_v3_add(kc_m3_apply(d.pelvis_R, s->hjc_local[0]),
                                           kc_m3_apply(d.pelvis_R, s->hjc_local[1])), 0.5);
        double y2 = sy_track_eval(&m->py, t_ic2, NULL, NULL);
        sy_track_still(&m->px, t_b2_est, a.x - 0.07 * H * ch - mo.x);
        sy_track_still(&m->py, t_b2_est, y2 + 0.3 * (a.y - mo.y - y2));
        sy_motion_drive(m, t_e, &d, -1, -1);
        mo = kc_v3_scale(kc_v3_add(kc_m3_apply(d.pelvis_R, s->hjc_local[0]),
                                   kc_m3_apply(d.pelvis_R, s->hjc_local[1])), 0.5);
        /* the hip is over the feet well before the legs straighten */
        sy_track_still(&m->px, t_e - 0.35, a.x + 0.01 * H * ch - mo.x);
        sy_track_still(&m->py, t_e - 0.35, a.y - mo.y);
    }
    double z_stand2;
    if ((st = sy_motion_solve_height(s, m, t_e, 12, &z_stand2)))
        return st;
    {
        sy_zseg *z5 = &m->zseg[m->n_zseg++];
        z5->t_start = t0d;
        z5->is_design = true;
        sy_design *dz = &z5->design;
        memset(dz, 0, sizeof *dz);
        dz->t0 = t0d;
        dz->T = t_e - t0d;
        dz->z0 = sy_motion_pelvis_z(m, t0d - 1e-12, &dz->v0, NULL);
        dz->b0 = 0;
        dz->b1 = 1;
        dz->onset_w = 0.012;
        double P2 = 0.75 * P;
        double kn[10][2] = {{0, 0}, {0.04, 0.4 * P2}, {0.09, P2}, {0.16, 2.6}, {0.22, 1.9},
                            {0.3, 1.25}, {0.45, 0.75}, {0.6, 0.9}, {0.8, 1.0}, {1, 1.0}};
        sy_constraint con[4] = {{1, t_e, 0}, {0, t_e, z_stand2}, {1, 0, 0}, {0, 0, 0}};
        if ((st = sy_design_solve(dz, 24, 10, (const double (*)[2])kn, 2, con)))
            return st;
        double tb = t0d + 0.17;
        double z_b;
        if ((st = sy_motion_solve_height(s, m, tb, k_peak2, &z_b)))
            return st;
        con[2].t = con[3].t = tb;
        con[3].value = z_b;
        KC_DEBUG("%s: DVJ landing 2 z0 %.1f v0 %.0f bottom %.3f s z_b %.1f natural %.1f", s->id,
                 dz->z0, dz->v0, tb, z_b, sy_design_eval(dz, tb, NULL, NULL));
        if ((st = sy_design_solve(dz, 24, 10, (const double (*)[2])kn, 4, con)))
            return st;
    }
    KC_DEBUG("%s: DVJ second contact velocity %.0f mm/s", s->id, v_ic2);
    return KC_OK;
}
