/* The drop vertical jump: stand on a 30 cm box, countermovement and hop off, flight, first
 * landing (feet planted), take-off, 0.6 s flight, second landing, standing. Timing and
 * amplitudes follow the real captures in shared/data/real/opencap_dropjump (contact
 * 0.50-0.55 s, flight ~0.6 s, peak knee flexion 92-98°, hip flexion ~100°, peak ankle
 * dorsiflexion 20-25° in the first landing, braking force per foot 230-450 N and medial
 * force 80-125 N after the impact; see tests/test_synth_truth.c).
 *
 * The flight pelvis is ballistic, built backwards from the landing configuration so that the
 * lower toe touches the floor exactly at initial contact; the box is put where the toes are
 * at box-off. The feet land ahead of the body and stop smoothly within 2·tau. In the first
 * landing a scaffold (pelvis height force-shaped, pelvis x, y on key tracks) fixes the states
 * at the end of the impact and at take-off; between them the whole-body centre of mass follows
 * force-shaped designs in all three axes (sy_comseg: braking shaped on the real
 * anterior-posterior force, the vertical on the real vertical force), so that the ground
 * reaction is the designs' non-negative templates and the pelvis follows. The second landing
 * keeps the pelvis-height design. The legs are solved; at every release the free tracks
 * continue the solved legs with equal value, slope and curvature. */
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

/* mid-HJC relative to the pelvis origin, and the mid-AJC of the planted feet, of a drive */
static kc_vec3 mid_hjc_offset(const sy_subject *s, const sy_drive *d)
{
    return kc_v3_scale(kc_v3_add(kc_m3_apply(d->pelvis_R, s->hjc_local[0]),
                                 kc_m3_apply(d->pelvis_R, s->hjc_local[1])), 0.5);
}

static kc_vec3 mid_ajc(const sy_subject *s, const sy_drive *d)
{
    kc_vec3 a = kc_v3(0, 0, 0);
    for (int k = 0; k < 2; k++)
        a = kc_v3_add(a, kc_v3_scale(kc_v3_axpy(d->toe[k], s->foot_lu[k], d->foot_dir[k]), 0.5));
    return a;
}

/* A force-shaped pelvis-height segment from t0 for T s, from height z0 and vertical velocity
 * v0; base 0 (in flight) unless the caller sets it, no tiles: ballistic as it stands. */
static sy_design *add_zseg(sy_motion *m, double t0, double T, double z0, double v0)
{
    sy_zseg *z = &m->zseg[m->n_zseg++];
    z->t_start = t0;
    z->is_design = true;
    sy_design *dz = &z->design;
    memset(dz, 0, sizeof *dz);
    dz->t0 = t0;
    dz->T = T;
    dz->z0 = z0;
    dz->v0 = v0;
    return dz;
}

/* a landing at t0 to t1 (base ending at b1 body weights, onset bump of half-width onset_w),
 * from the pelvis height and velocity just before t0; the caller sets template and
 * constraints */
static sy_design *add_landing(sy_motion *m, double t0, double t1, double b1, double onset_w)
{
    double v0, z0 = sy_motion_pelvis_z(m, t0 - 1e-12, &v0, NULL);
    sy_design *dz = add_zseg(m, t0, t1 - t0, z0, v0);
    dz->b1 = b1;
    dz->onset_w = onset_w;
    return dz;
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

/* Whole-body centre of mass at t, its velocity and (central only) acceleration by
 * differences of step 1e-4 s: central (side 0) or backward (side -1, for the end of a
 * contact). */
static int com_state(const sy_subject *s, sy_motion *m, double t, int side, kc_vec3 *x,
                     kc_vec3 *v, kc_vec3 *a)
{
    const double h = 1e-4;
    sy_pose p[3];
    for (int i = 0; i < 3; i++) {
        double ti = side == 0 ? t + (i - 1) * h : t - (2 - i) * h;
        int st = sy_motion_pose(s, m, ti, &p[i]);
        if (st)
            return st;
    }
    if (side == 0) {
        *x = p[1].com;
        *v = kc_v3_scale(kc_v3_sub(p[2].com, p[0].com), 0.5 / h);
        if (a)
            *a = kc_v3_scale(kc_v3_add(kc_v3_sub(p[2].com, kc_v3_scale(p[1].com, 2)), p[0].com),
                             1 / (h * h));
    } else {
        *x = p[2].com;
        *v = kc_v3_scale(kc_v3_add(kc_v3_sub(kc_v3_scale(p[2].com, 3), kc_v3_scale(p[1].com, 4)),
                                   p[0].com), 0.5 / h);
    }
    return KC_OK;
}

/* the HAT centre of mass at t (pelvis origin plus HAT offset) and its first two derivatives
 * (central differences) */
static void hat_path(const sy_motion *m, double t, kc_vec3 out[3])
{
    const double h = 1e-4;
    kc_vec3 q[3];
    for (int i = 0; i < 3; i++) {
        sy_drive d;
        sy_motion_drive(m, t + (i - 1) * h, &d, -1, -1);
        q[i] = kc_v3_add(d.pelvis_o, sy_motion_hat_offset(m, t + (i - 1) * h, NULL));
    }
    out[0] = q[1];
    out[1] = kc_v3_scale(kc_v3_sub(q[2], q[0]), 0.5 / h);
    out[2] = kc_v3_scale(kc_v3_add(kc_v3_sub(q[2], kc_v3_scale(q[1], 2)), q[0]), 1 / (h * h));
}

/* Template knots (normalised time of a contact of length Tc) re-normalised to a design over
 * [lead, lead + T] of the contact: its values at both ends and the knots in between. Returns
 * the knot count (at most nk + 2). */
static double knot_value(int nk, const double (*k)[2], double s)
{
    for (int i = 0; i + 1 < nk; i++)
        if (s >= k[i][0] && s <= k[i + 1][0])
            return k[i][1] + (s - k[i][0]) / (k[i + 1][0] - k[i][0]) * (k[i + 1][1] - k[i][1]);
    return s < k[0][0] ? k[0][1] : k[nk - 1][1];
}

static int knots_from(int nk, const double (*k)[2], double Tc, double lead, double T,
                      double (*out)[2])
{
    double s0 = lead / Tc, s1 = (lead + T) / Tc;
    int n = 0;
    out[n][0] = 0;
    out[n++][1] = knot_value(nk, k, s0);
    for (int i = 0; i < nk; i++)
        if (k[i][0] > s0 && k[i][0] < s1) {
            out[n][0] = (k[i][0] * Tc - lead) / T;
            out[n++][1] = k[i][1];
        }
    out[n][0] = 1;
    out[n++][1] = knot_value(nk, k, s1);
    return n;
}

/* Fill the correction tracks of a centre-of-mass segment so that the whole-body centre of
 * mass meets its designs at keys every ~10 ms to its end: the legs move with the pelvis by
 * about 0.15 of its shift, so a few fixed-point sweeps converge. Key slopes and curvatures
 * from the sampled corrections; the first key (value, slope, curvature at the start: the
 * pelvis continues smoothly) is kept. */
#define COM_KEYS 56
static int com_follow(const sy_subject *s, sy_motion *m, sy_comseg *cs)
{
    int n = COM_KEYS;
    double dt = (cs->t1 - cs->t0) / (n - 1), c[3][COM_KEYS];
    sy_key first[3];
    for (int j = 0; j < 3; j++) {
        first[j] = cs->corr[j].k[0];
        for (int i = 0; i < n; i++)    /* a lone first key: start from its value */
            c[j][i] = cs->corr[j].n == 1 ? first[j].x
                                         : sy_track_eval(&cs->corr[j], cs->t0 + i * dt, NULL, NULL);
    }
    for (int sweep = 0; sweep < 6; sweep++) {
        for (int j = 0; j < 3 && sweep == 0 && cs->corr[j].n == 1; j++)
            if (sy_track_still(&cs->corr[j], cs->t1, first[j].x))
                return KC_EINVAL;
        for (int i = 1; i < n; i++) {
            double t = cs->t0 + i * dt;
            sy_pose p;
            int st = sy_motion_pose(s, m, t, &p);
            if (st)
                return st;
            double com[3] = {p.com.x, p.com.y, p.com.z};
            for (int j = 0; j < 3; j++)
                c[j][i] += (sy_design_eval(&cs->d[j], t, NULL, NULL) - com[j]) / 0.85;
        }
        for (int j = 0; j < 3; j++) {
            sy_track_clear(&cs->corr[j]);
            if (sy_track_key(&cs->corr[j], first[j].t, first[j].x, first[j].v, first[j].a))
                return KC_EINVAL;
            for (int i = 1; i < n; i++) {
                int a = i == n - 1 ? n - 3 : i - 1;
                double v, acc = (c[j][a] - 2 * c[j][a + 1] + c[j][a + 2]) / (dt * dt);
                if (i == n - 1)
                    v = (3 * c[j][n - 1] - 4 * c[j][n - 2] + c[j][n - 3]) / (2 * dt);
                else
                    v = (c[j][i + 1] - c[j][i - 1]) / (2 * dt);
                if (sy_track_key(&cs->corr[j], cs->t0 + i * dt, c[j][i], v, acc))
                    return KC_EINVAL;
            }
        }
    }
    return KC_OK;
}

/* First-landing force template (body weights vs normalised contact time), shaped on the
 * vertical ground reaction of shared/data/real/opencap_dropjump DJ1 (impact peak at ~13% of
 * contact, a plateau of ~2 BW, a propulsive hump at ~80%, zero at take-off). The impact peak
 * is the subject's own. */
/* Braking of the upper body during the first landing (fraction of g vs normalised contact
 * time), shaped on the summed anterior-posterior ground reaction of
 * shared/data/real/opencap_dropjump DJ1, DJ4, DJ5 (in body weights: about -0.45 at 10-15 % of
 * contact, -0.1 at mid-contact, -0.25 at 90 %, zero at take-off); scaled by c (the cosine or
 * sine of the heading for the lab x or y axis). The design scales it to the velocity change. */
#define AP_KNOTS 11
static void ap_template(double c, double k[AP_KNOTS][2])
{
    const double s[AP_KNOTS] = {0, 0.04, 0.12, 0.2, 0.3, 0.45, 0.6, 0.75, 0.88, 0.96, 1};
    const double f[AP_KNOTS] = {0, -0.25, -0.45, -0.3, -0.17, -0.1, -0.08, -0.15, -0.26, -0.2, 0};
    for (int i = 0; i < AP_KNOTS; i++) {
        k[i][0] = s[i];
        k[i][1] = c * f[i];
    }
}

/* the hip behind the mid-ankle at the bottom of the first landing, fraction of height */
/* the centre of mass follows its designs from IMPACT_S after contact (the feet stop within
 * 2·tau < IMPACT_S) to take-off */
#define IMPACT_S 0.03

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
    sy_body_hat_local(s, &m->hat_pelvis, &m->hat_thorax);

    /* ---- parameters of this trial ---- */
    double box_h = 300.0;
    double vz_off = sy_uniform(r, 250, 450);             /* mm/s, the hop off the box */
    double vx = sy_uniform(r, 650, 850);      /* mm/s, forward in flight (real: pelvis 0.7-0.9 m/s) */
    double T_c = sy_uniform(r, 0.505, 0.545);           /* contact time */
    double T_f = sy_uniform(r, 0.58, 0.62);             /* flight time */
    /* the feet stop within 2·tau of contact: the first landing softly (the impact transient
     * stays below the later peak, as in the real captures), the second as before */
    double tau = sy_uniform(r, 10e-3, 11e-3), tau2 = 0.55 * tau;
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
    double k_ic = sy_uniform(r, 20, 26), h_ic = sy_uniform(r, 42, 48), pf_ic = sy_uniform(r, 18, 26);
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
        double tilt_b = 14 + 0.3 * tfwd;
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
        kc_vec3 aj = mid_ajc(s, &d), mo = mid_hjc_offset(s, &d);
        x_stand = aj.x + 0.01 * H * ch - mo.x;
        y_stand = aj.y + 0.01 * H * sh - mo.y;
    }
    sy_track_still(&m->px, 0, x_stand);
    sy_track_still(&m->px, t_cm, x_stand);
    sy_track_key(&m->px, t_off, P_off.x, V_ic.x, 0);
    /* from contact the upper body is force-shaped (comseg) */
    sy_track_key(&m->px, t_ic, P_ic.x, V_ic.x, 0);
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
        sy_design *dz = add_zseg(m, t_cm, t_off - t_cm, z_stand, 0);
        dz->b0 = 1;
        dz->b1 = 0;
        const double kn[6][2] = {{0, 1}, {0.2, 0.55}, {0.42, 0.9}, {0.62, 1.8}, {0.85, 1.7}, {1, 0}};
        sy_constraint con[4] = {{1, t_off, vz_off}, {0, t_off, z_off}, {1, t_dip, 0},
                                {0, t_dip, z_dip}};
        if ((st = sy_design_solve(dz, 16, 6, kn, 4, con)))
            return st;
    }
    add_zseg(m, t_off, T_fall, z_off, vz_off);     /* flight 1 */
    m->ev_box_off = t_off;
    for (int k = 0; k < 2; k++)
        if ((st = sy_motion_release(s, m, k, 0)))
            return st;

    /* ---- first landing ---- */
    double t_ic_side[2];
    for (int k = 0; k < 2; k++)
        t_ic_side[k] = find_contact(s, m, k, t_ic, tau);
    for (int k = 0; k < 2; k++) {
        if ((st = start_contact(s, m, k, t_ic_side[k], t_to, tau, sy_uniform(r, 0.08, 0.095))))
            return st;
        double p0 = s->foot_pitch0[k] / KC_DEG;
        /* heel rise: the foot rotates about the toe and still turns fast at take-off; over
         * T = 2·rise/rate the quintic from rest rises monotonically (no heel dip first) */
        double rise = sy_uniform(r, 30, 38), rate = sy_uniform(r, 900, 1100);
        sy_track_still(&m->foot_pitch[k], t_to - 2 * rise / rate, p0);
        sy_track_key(&m->foot_pitch[k], t_to, p0 + rise, rate, 0);
        m->ev_ic[k] = t_ic_side[k];
        m->ev_to[k] = t_to;
    }
    double t0c = fmin(t_ic_side[0], t_ic_side[1]);
    KC_DEBUG("%s: DVJ contacts L %.4f R %.4f (planned %.4f); toe heights rel. pelvis %.1f %.1f",
             s->id, t_ic_side[0], t_ic_side[1], t_ic, relC[0].z, relC[1].z);
    /* pelvis x, y at take-off: hip just behind the ankles */
    double vx_to = sy_uniform(r, 0, 60);     /* real: ~0 horizontal velocity after take-off */
    {
        sy_drive d;
        sy_motion_drive(m, t_to, &d, -1, -1);
        kc_vec3 mo = mid_hjc_offset(s, &d), a = mid_ajc(s, &d);
        double dx = -0.16 * H;
        sy_track_key(&m->px, t_to, a.x + dx * ch - mo.x, vx_to * ch, 0);
        sy_track_key(&m->py, t_to, P_ic.y + 0.3 * (a.y - mo.y - P_ic.y), vx_to * sh, 0);
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
        z_ic2 = s->toe_height + fabs(v_ic2) * tau2 - minD;
        v_to = (z_ic2 - z_to + 0.5 * SY_G * T_f * T_f) / T_f;
    }
    v_ic2 = v_to - SY_G * T_f;
    {
        /* a scaffold: the pelvis height force-shaped from contact to take-off (its bottom and
         * the take-off state); the whole body's centre of mass then follows designs */
        /* (the body's force builds up while the feet stop) */
        sy_design *dz = add_landing(m, t0c, t_to, 0, 0.02);
        double kn[13][2];
        landing_template(P, kn);
        sy_constraint con[4] = {{1, t_to, v_to}, {0, t_to, z_to}, {1, 0, 0}, {0, 0, 0}};
        if ((st = sy_design_solve(dz, 40, 13, (const double (*)[2])kn, 2, con)))
            return st;
        /* from the end of the impact (the feet have stopped) to take-off the centre of mass
         * follows designs: braking and landing force-shaped, from its state on the scaffold
         * to its state at take-off (the pelvis follows) */
        double t_s = t0c + IMPACT_S;
        kc_vec3 c0, cv0, ca0, c1, cv1, pl[3];
        if ((st = com_state(s, m, t_s, 0, &c0, &cv0, &ca0)) ||
            (st = com_state(s, m, t_to, -1, &c1, &cv1, NULL)))
            return st;
        hat_path(m, t_s, pl);
        sy_comseg *cs = &m->comseg[0];
        memset(cs, 0, sizeof *cs);
        cs->t0 = t_s;
        cs->t1 = t_to;
        double c0a[3] = {c0.x, c0.y, c0.z}, cv0a[3] = {cv0.x, cv0.y, cv0.z};
        double ca0a[3] = {ca0.x, ca0.y, ca0.z};
        double c1a[3] = {c1.x, c1.y, c1.z}, cv1a[3] = {cv1.x, cv1.y, cv1.z};
        double dir[2] = {cos(m->heading), sin(m->heading)};
        double kz[15][2], kxy[AP_KNOTS + 2][2];
        int nz = knots_from(13, (const double (*)[2])kn, t_to - t0c, IMPACT_S, t_to - t_s, kz);
        for (int i = 0; i < 3; i++) {
            sy_design *dd = &cs->d[i];
            dd->t0 = t_s;
            dd->T = t_to - t_s;
            dd->z0 = c0a[i];
            dd->v0 = cv0a[i];
            /* the base continues the acceleration on the scaffold; it ends in flight */
            dd->b0 = 1 + ca0a[i] / SY_G;
            dd->b1 = i < 2 ? 1 : 0;
            sy_constraint c2[2] = {{1, t_to, cv1a[i]}, {0, t_to, c1a[i]}};
            if (i == 2) {
                st = sy_design_solve(dd, 40, nz, (const double (*)[2])kz, 2, c2);
            } else {
                double ap[AP_KNOTS][2];
                ap_template(dir[i], ap);
                int nxy = knots_from(AP_KNOTS, (const double (*)[2])ap, t_to - t0c, IMPACT_S,
                                     t_to - t_s, kxy);
                st = sy_design_solve(dd, 24, nxy, (const double (*)[2])kxy, 2, c2);
            }
            if (st)
                return st;
        }
        double tb = sy_design_bottom(&cs->d[2]);
        if (!isfinite(tb))
            tb = t_b_est;
        /* the correction starts where the pelvis is, as fast and as accelerated: the HAT
         * less the whole body */
        {
            kc_vec3 c = kc_v3_sub(pl[0], c0), cv = kc_v3_sub(pl[1], cv0), ca = kc_v3_sub(pl[2], ca0);
            sy_track_key(&cs->corr[0], t_s, c.x, cv.x, ca.x);
            sy_track_key(&cs->corr[1], t_s, c.y, cv.y, ca.y);
            sy_track_key(&cs->corr[2], t_s, c.z, cv.z, ca.z);
        }
        m->n_comseg = 1;
        double z_b = 0;
        sy_constraint cz[4] = {{1, t_to, cv1.z}, {0, t_to, c1.z}, {1, tb, 0}, {0, tb, 0}};
        for (int round = 0; round < 3; round++) {
            if ((st = com_follow(s, m, cs)) || (st = sy_motion_solve_height(s, m, tb, k_peak, &z_b)))
                return st;
            /* the centre of mass at the bottom: where it is now, moved with the pelvis */
            sy_drive d;
            sy_pose p;
            sy_motion_drive(m, tb, &d, -1, -1);
            if ((st = sy_motion_pose(s, m, tb, &p)))
                return st;
            cz[3].value = p.com.z + 0.9 * (z_b - d.pelvis_o.z);
            if ((st = sy_design_solve(&cs->d[2], 40, nz, (const double (*)[2])kz, 4, cz)))
                return st;
        }
        if ((st = com_follow(s, m, cs)))
            return st;
        KC_DEBUG("%s: DVJ landing centre of mass z0 %.1f v0 %.0f bottom %.3f s (%.3f after "
                 "contact) pelvis z_b %.1f v_to %.0f", s->id, c0.z, cv0.z, tb, tb - t0c, z_b, v_to);
        dz = &cs->d[2];
        m->t_bottom = tb;
        double fmin = sy_design_min_force(dz);
        if (fmin < -0.05)
            KC_WARN("%s: DVJ landing design needs a pull on the floor (%.2f BW)", s->id, fmin);
    }
    for (int k = 0; k < 2; k++)
        if ((st = sy_motion_release(s, m, k, 1)))
            return st;

    /* ---- flight 2 ---- */
    add_zseg(m, t_to, T_f, z_to, v_to);            /* flight 2 */
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
        t_ic2_side[k] = find_contact(s, m, k, t_ic2, tau2);
    for (int k = 0; k < 2; k++) {
        if ((st = start_contact(s, m, k, t_ic2_side[k], INFINITY, tau2, sy_uniform(r, 0.035, 0.05))))
            return st;
        m->ev_ic2[k] = t_ic2_side[k];
    }
    double t0d = fmin(t_ic2_side[0], t_ic2_side[1]);
    {
        sy_drive d;
        sy_motion_drive(m, t_b2_est, &d, -1, -1);
        kc_vec3 a = mid_ajc(s, &d), mo = mid_hjc_offset(s, &d);
        double y2 = sy_track_eval(&m->py, t_ic2, NULL, NULL);
        sy_track_still(&m->px, t_b2_est, a.x - 0.07 * H * ch - mo.x);
        sy_track_still(&m->py, t_b2_est, y2 + 0.3 * (a.y - mo.y - y2));
        sy_motion_drive(m, t_e, &d, -1, -1);
        mo = mid_hjc_offset(s, &d);
        /* the hip is over the feet well before the legs straighten */
        sy_track_still(&m->px, t_e - 0.35, a.x + 0.01 * H * ch - mo.x);
        sy_track_still(&m->py, t_e - 0.35, a.y - mo.y);
    }
    /* Standing up: the target of 12° knee flexion at t_e is only ~5 mm below the straight
     * leg, and the force-shaped rise to it can overshoot it by more (seen: 8 mm at t_e - 0.3 s),
     * beyond what the legs reach. Such a plan is caught here and the stand planned deeper
     * (16, 20, 25, 30°); every trial that reaches at 12° is planned exactly as before, and no
     * random draw depends on it. */
    static const double stand_knee[] = {12, 16, 20, 25, 30};
    const int n_stand = (int)(sizeof stand_knee / sizeof stand_knee[0]);
    const int n_zseg0 = m->n_zseg;
    double t_fail = NAN;
    for (int attempt = 0; attempt < n_stand; attempt++) {
        m->n_zseg = n_zseg0;
        double z_stand2;
        if ((st = sy_motion_solve_height(s, m, t_e, stand_knee[attempt], &z_stand2)))
            return st;
        {
            sy_design *dz = add_landing(m, t0d, t_e, 1, 0.012);
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
            KC_DEBUG("%s: DVJ landing 2 z0 %.1f v0 %.0f bottom %.3f s z_b %.1f natural %.1f",
                     s->id, dz->z0, dz->v0, tb, z_b, sy_design_eval(dz, tb, NULL, NULL));
            if ((st = sy_design_solve(dz, 24, 10, (const double (*)[2])kn, 4, con)))
                return st;
        }
        /* on a 1 ms grid to the end of the trial (an overshoot lasts tens of ms) */
        st = sy_motion_reachable(s, m, t0d, m->duration, 1e-3, &t_fail);
        if (!st)
            break;
        KC_DEBUG("%s: DVJ standing with %.0f deg of knee flexion is out of reach at t = %.4f s",
                 s->id, stand_knee[attempt], t_fail);
    }
    if (st) {
        KC_ERROR("%s (dvj): the body model cannot reach the planted feet at t = %.4f s, even "
                 "standing up to %.0f deg of knee flexion", s->id, t_fail,
                 stand_knee[n_stand - 1]);
        return st;
    }
    KC_DEBUG("%s: DVJ second contact velocity %.0f mm/s", s->id, v_ic2);
    return KC_OK;
}
