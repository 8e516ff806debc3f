/* Motions as functions of continuous time: evaluating a motion (drive, pose, releases,
 * standing heights) and the plans of the static, functional-knee and single-leg-squat trials.
 * The drop vertical jump is in dvj.c. */
#include "synth.h"

#include <math.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/status.h"

/* ---- evaluation ----------------------------------------------------------------------------- */

double sy_motion_pelvis_z(const sy_motion *m, double t, double *v, double *a)
{
    int k = 0;
    while (k + 1 < m->n_zseg && m->zseg[k + 1].t_start <= t)
        k++;
    const sy_zseg *z = &m->zseg[k];
    return z->is_design ? sy_design_eval(&z->design, t, v, a) : sy_track_eval(&z->track, t, v, a);
}

int sy_motion_contact_at(const sy_motion *m, int side, double t)
{
    for (int k = 0; k < m->n_contact[side]; k++)
        if (t >= m->contact[side][k].t_on && t <= m->contact[side][k].t_off)
            return k;
    return -1;
}

static double ev(const sy_track *tr, double t) { return sy_track_eval(tr, t, NULL, NULL); }

static kc_mat3 pelvis_rot(const sy_motion *m, double t)
{
    return kc_m3_mul(kc_m3_mul(kc_m3_rotz(m->heading + ev(&m->prot, t) * KC_DEG),
                               kc_m3_roty(ev(&m->tilt, t) * KC_DEG)),
                     kc_m3_rotx(ev(&m->obliq, t) * KC_DEG));
}

static kc_mat3 thorax_rot(const sy_motion *m, double t)
{
    return kc_m3_mul(kc_m3_mul(kc_m3_rotz(m->heading + ev(&m->trot, t) * KC_DEG),
                               kc_m3_roty(ev(&m->tfwd, t) * KC_DEG)),
                     kc_m3_rotx(ev(&m->tlat, t) * KC_DEG));
}

static kc_vec3 hat_offset_at(const sy_motion *m, kc_mat3 pR, kc_mat3 tR)
{
    return kc_v3_add(kc_m3_apply(pR, m->hat_pelvis), kc_m3_apply(tR, m->hat_thorax));
}

/* the centre-of-mass segment active at t, or NULL */
static const sy_comseg *comseg_at(const sy_motion *m, double t)
{
    for (int i = 0; i < m->n_comseg; i++)
        if (t >= m->comseg[i].t0 && t <= m->comseg[i].t1)
            return &m->comseg[i];
    return NULL;
}

/* value and central-difference velocity of a vector function of time */
#define SY_DIFF_H 1e-5
kc_vec3 sy_motion_hat_offset(const sy_motion *m, double t, kc_vec3 *v)
{
    if (v) {
        kc_vec3 a = hat_offset_at(m, pelvis_rot(m, t - SY_DIFF_H), thorax_rot(m, t - SY_DIFF_H));
        kc_vec3 b = hat_offset_at(m, pelvis_rot(m, t + SY_DIFF_H), thorax_rot(m, t + SY_DIFF_H));
        *v = kc_v3_scale(kc_v3_sub(b, a), 0.5 / SY_DIFF_H);
    }
    return hat_offset_at(m, pelvis_rot(m, t), thorax_rot(m, t));
}

/* Push-off over the toe tips. A real foot leaves the floor from the tips of its toes, some
 * 40-50 mm ahead of the TOE marker (2nd metatarsal head): while the toes still push, the
 * marker is already rising. In the drop jumps of shared/data/real/opencap_dropjump (one
 * subject, 6 feet, 100 Hz) the toe marker leaves its resting height 25-30 ms before the
 * plate's vertical force falls below 20 N, is ~4 mm up 20 ms and ~15 mm up 10 ms before,
 * and 40-55 mm up, rising at 2.2-2.8 m/s with little acceleration left, when the force ends;
 * a hallux marker's take-off differs from force plates' by 18 ms on average (da Cruz Filho,
 * Moura & Bini 2022, Sports Biomech, foot tracking in vertical jumps). So in a landing
 * contact that ends in a take-off (tau > 0 and a finite t_off: the first DVJ landing) the
 * planted toe rises over the last TOE_LIFT_S before t_off by
 *     z = 2 A (u^3 - u^4 / 2),  u = 1 - (time left) / TOE_LIFT_S,  A = TOE_LIFT_MM:
 * velocity 2A/TOE_LIFT_S (2.2 m/s) and zero acceleration at take-off, ~18 / 5 / 0.2 mm up
 * 10 / 20 / 30 ms before it. The lift is vertical (the marker's small backward swing about
 * the toe tips is left out); the force still ends at t_off, which stays the take-off of
 * /truth/events. A constant-acceleration lift over 30 ms (closer to the real 80-95 m/s^2)
 * made kc-synth's per-foot force split (forceplate.c) end one foot's force up to 2.5 frames
 * (200 Hz) before t_off; this one leaves it as without the lift (worst 1.8 frames, seeds
 * 11-13). No random draw is added (same streams); the take-off height, and with it the
 * landing's pelvis and centre-of-mass designs after the impact, are solved with the lifted
 * toe, so the whole first landing after its impact changes a little. */
#define TOE_LIFT_S 0.035
#define TOE_LIFT_MM 38.0
static double toe_lift(double r)
{
    if (!(r < TOE_LIFT_S))
        return 0;
    double u = 1 - (r > 0 ? r : 0) / TOE_LIFT_S;
    return 2 * TOE_LIFT_MM * u * u * u * (1 - 0.5 * u);
}

void sy_motion_drive(const sy_motion *m, double t, sy_drive *d, int force_side, int force_k)
{
    d->pelvis_R = pelvis_rot(m, t);
    d->thorax_R = thorax_rot(m, t);
    const sy_comseg *cs = comseg_at(m, t);
    if (cs) {
        kc_vec3 off = hat_offset_at(m, d->pelvis_R, d->thorax_R);
        d->pelvis_o = kc_v3(sy_design_eval(&cs->d[0], t, NULL, NULL) - off.x + ev(&cs->corr[0], t),
                            sy_design_eval(&cs->d[1], t, NULL, NULL) - off.y + ev(&cs->corr[1], t),
                            sy_design_eval(&cs->d[2], t, NULL, NULL) - off.z + ev(&cs->corr[2], t));
    } else {
        d->pelvis_o = kc_v3(ev(&m->px, t), ev(&m->py, t), sy_motion_pelvis_z(m, t, NULL, NULL));
    }
    for (int s = 0; s < 2; s++) {
        d->hip[s][0] = ev(&m->hip_flex[s], t);
        d->hip[s][1] = ev(&m->hip_add[s], t);
        d->hip[s][2] = ev(&m->hip_rot[s], t);
        d->knee[s][0] = ev(&m->knee_flex[s], t);
        d->knee[s][1] = ev(&m->knee_add[s], t);
        d->knee[s][2] = ev(&m->knee_rot[s], t);
        d->ankle_pf[s] = ev(&m->ank_pf[s], t);
        d->ankle_rot[s] = ev(&m->ank_rot[s], t);
        int k = s == force_side ? force_k : sy_motion_contact_at(m, s, t);
        d->planted[s] = k >= 0;
        if (k >= 0) {
            const sy_contact *c = &m->contact[s][k];
            double u = t - c->t_on;
            double f = c->tau > 0 ? c->tau * sy_smooth_stop(u / (2 * c->tau)) : 0;
            d->toe[s] = kc_v3_axpy(c->toe0, f, c->vel0);
            if (c->tau > 0 && isfinite(c->t_off))
                d->toe[s].z += toe_lift(c->t_off - t);
            d->foot_dir[s] = sy_foot_dir(ev(&m->foot_pitch[s], t) * KC_DEG,
                                         ev(&m->foot_head[s], t) * KC_DEG);
        } else {
            d->toe[s] = kc_v3(0, 0, 0);
            d->foot_dir[s] = kc_v3(-1, 0, 0);
        }
    }
}

static int pose_with_guess(const sy_subject *s, sy_motion *m, sy_drive *d, sy_pose *p)
{
    sy_drive d2 = *d;
    for (int k = 0; k < 2; k++)
        if (d->planted[k] && isfinite(m->guess[k][0])) {
            d2.knee[k][0] = m->guess[k][0];
            d2.hip[k][0] = m->guess[k][1];
            d2.hip[k][1] = m->guess[k][2];
        }
    int st = sy_body_pose(s, &d2, p);
    if (st) {
        /* cold start from the drive's own values, then from a mid-range posture */
        st = sy_body_pose(s, d, p);
        if (st) {
            for (int k = 0; k < 2; k++)
                if (d->planted[k]) {
                    d2.knee[k][0] = 40;
                    d2.hip[k][0] = 40;
                    d2.hip[k][1] = 0;
                }
            st = sy_body_pose(s, &d2, p);
        }
    }
    if (!st)
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 3; j++)
                m->guess[k][j] = p->q[k][j];
    return st;
}

int sy_motion_pose(const sy_subject *s, sy_motion *m, double t, sy_pose *p)
{
    sy_drive d;
    sy_motion_drive(m, t, &d, -1, -1);
    int st = pose_with_guess(s, m, &d, p);
    if (st) {
        static const char *const task[] = {"static", "functional", "dvj", "sls"};
        KC_ERROR("%s (%s): the body model cannot reach the planted feet at t = %.4f s", s->id,
                 task[m->task], t);
    }
    return st;
}

int sy_motion_reachable(const sy_subject *s, sy_motion *m, double t0, double t1, double dt,
                        double *t_fail)
{
    /* the same warm-started solve as sy_motion_pose, silent; the warm start is restored so
     * that checking changes nothing the motion is later evaluated with */
    double saved[2][3];
    memcpy(saved, m->guess, sizeof saved);
    int st = KC_OK;
    for (int i = 0; !st; i++) {
        double t = t0 + i * dt;
        if (t > t1)
            t = t1;
        sy_drive d;
        sy_motion_drive(m, t, &d, -1, -1);
        sy_pose p;
        st = pose_with_guess(s, m, &d, &p);
        if (st && t_fail)
            *t_fail = t;
        if (t >= t1)
            break;
    }
    memcpy(m->guess, saved, sizeof saved);
    return st;
}

int sy_motion_release(const sy_subject *s, sy_motion *m, int side, int k)
{
    /* one-sided (backward) differences: beyond the release the planted leg may not reach */
    double tr = m->contact[side][k].t_off, h = 1e-3;
    double q[3][5];
    for (int i = 0; i < 3; i++) {
        sy_drive d;
        sy_motion_drive(m, tr - i * h, &d, side, k);
        sy_pose p;
        int st = pose_with_guess(s, m, &d, &p);
        if (st) {
            KC_ERROR("%s: cannot solve the leg at release t = %.4f s", s->id, tr);
            return st;
        }
        q[i][0] = p.q[side][0];
        q[i][1] = p.q[side][1];
        q[i][2] = p.q[side][2];
        q[i][3] = p.foot_pf[side];
        q[i][4] = p.foot_rot[side];
    }
    sy_track *tr5[5] = {&m->knee_flex[side], &m->hip_flex[side], &m->hip_add[side],
                        &m->ank_pf[side], &m->ank_rot[side]};
    /* joint limits the free leg must respect after the release (deg) */
    static const double lo[5] = {2, -15, -30, -30, -40}, hi[5] = {150, 130, 30, 55, 40};
    for (int j = 0; j < 5; j++) {
        double v = (3 * q[0][j] - 4 * q[1][j] + q[2][j]) / (2 * h);
        if (sy_track_key(tr5[j], tr, q[0][j], v, 0))
            return KC_EINVAL;
        /* then a stop: constant deceleration over up to 60 ms, shortened if the joint would
         * pass its limit, so that the quintic segment neither overshoots nor oscillates */
        double dt = 0.06, stop = q[0][j] + 0.5 * v * dt;
        if (stop < lo[j] || stop > hi[j]) {
            stop = stop < lo[j] ? lo[j] : hi[j];
            if (fabs(v) > 1e-9)
                dt = 2 * (stop - q[0][j]) / v;
            if (!(dt > 0.004))
                dt = 0.004;
        }
        if (sy_track_key(tr5[j], tr + dt, stop, 0, 0))
            return KC_EINVAL;
    }
    return KC_OK;
}

int sy_motion_solve_height(const sy_subject *s, const sy_motion *m, double t, double knee_deg,
                           double *z)
{
    sy_drive d;
    sy_motion_drive(m, t, &d, -1, -1);
    double aj = 0, reach = 0;
    int n = 0;
    for (int k = 0; k < 2; k++)
        if (d.planted[k]) {
            aj += d.toe[k].z + s->foot_lu[k] * d.foot_dir[k].z;
            reach += s->thigh_len[k] + s->shank_len[k] - s->hjc_local[k].z;
            n++;
        }
    if (n == 0)
        return KC_EINVAL;
    aj /= n;
    reach /= n;
    double lo = aj + 0.2 * reach, hi = aj + 1.2 * reach;
    double guess[2][3] = {{40, 40, 0}, {40, 40, 0}};
    for (int it = 0; it < 70; it++) {
        double mid = 0.5 * (lo + hi);
        sy_drive d2 = d;
        d2.pelvis_o.z = mid;
        for (int k = 0; k < 2; k++) {
            d2.knee[k][0] = guess[k][0];
            d2.hip[k][0] = guess[k][1];
            d2.hip[k][1] = guess[k][2];
        }
        sy_pose p;
        int st = sy_body_pose(s, &d2, &p);
        /* near-straight targets: the straighter leg (legs differ a little in length); deep
         * targets: the mean of the planted legs */
        double knee = knee_deg < 20 ? INFINITY : 0;
        if (!st) {
            for (int k = 0; k < 2; k++)
                if (d.planted[k]) {
                    if (knee_deg < 20)
                        knee = fmin(knee, p.q[k][0]);
                    else
                        knee += p.q[k][0] / n;
                    for (int j = 0; j < 3; j++)
                        guess[k][j] = p.q[k][j];
                }
        }
        if (st || knee < knee_deg)
            hi = mid;    /* too high (or unreachable): go down */
        else
            lo = mid;
    }
    *z = 0.5 * (lo + hi);
    if (hi - lo > 1e-6 || *z > aj + 1.19 * reach || *z < aj + 0.21 * reach) {
        KC_ERROR("%s: no pelvis height gives %.1f deg of knee flexion at t = %.3f s", s->id,
                 knee_deg, t);
        return KC_ENUMERIC;
    }
    return KC_OK;
}

/* ---- plan helpers --------------------------------------------------------------------------- */

void sy_plan_common_init(sy_motion *m, enum sy_task task, double heading)
{
    memset(m, 0, sizeof *m);
    m->task = task;
    m->heading = heading;
    m->side = -1;
    m->ev_box_off = m->ev_start = m->ev_end = m->ev_peak = NAN;
    m->box_height = NAN;
    m->t_bottom = NAN;
    for (int s = 0; s < 2; s++) {
        m->ev_ic[s] = m->ev_to[s] = m->ev_ic2[s] = NAN;
        m->guess[s][0] = m->guess[s][1] = 20;
        m->guess[s][2] = 0;
    }
}

void sy_plan_stance(const sy_subject *s, double heading, double cx, double cy, double half_w,
                    kc_vec3 toe[2], double head[2])
{
    for (int k = 0; k < 2; k++) {
        double hd = heading + SY_LAT(k) * s->toe_out[k] * KC_DEG;
        head[k] = hd;
        /* foot centre halfway between heel and toe on the stance line */
        double fx = cx - sin(heading) * SY_LAT(k) * half_w;
        double fy = cy + cos(heading) * SY_LAT(k) * half_w;
        double ahead = 0.5 * s->heel_len[k];
        toe[k] = kc_v3(fx + ahead * cos(hd), fy + ahead * sin(hd), s->toe_height);
    }
}

static double hjc_half_width(const sy_subject *s)
{
    return 0.5 * (fabs(s->hjc_local[0].y) + fabs(s->hjc_local[1].y));
}

/* pelvis origin x, y placing mid-HJC at (mid-AJC + dx along the heading, + dy) */
static void pelvis_over_feet(const sy_subject *s, const sy_motion *m, double t,
                             const kc_vec3 ajc[2], int n_feet, const int *feet, double dx,
                             double dy, double *x, double *y)
{
    sy_drive d;
    sy_motion_drive(m, t, &d, -1, -1);
    kc_vec3 mid_off = kc_v3_scale(kc_v3_add(kc_m3_apply(d.pelvis_R, s->hjc_local[0]),
                                            kc_m3_apply(d.pelvis_R, s->hjc_local[1])),
                                  0.5);
    kc_vec3 a = kc_v3(0, 0, 0);
    for (int i = 0; i < n_feet; i++)
        a = kc_v3_add(a, kc_v3_scale(ajc[feet[i]], 1.0 / n_feet));
    *x = a.x + dx * cos(m->heading) - dy * sin(m->heading) - mid_off.x;
    *y = a.y + dx * sin(m->heading) + dy * cos(m->heading) - mid_off.y;
}

static void planted_ajc(const sy_subject *s, const sy_motion *m, double t, kc_vec3 ajc[2])
{
    sy_drive d;
    sy_motion_drive(m, t, &d, -1, -1);
    for (int k = 0; k < 2; k++)
        ajc[k] = kc_v3_axpy(d.toe[k], s->foot_lu[k], d.foot_dir[k]);
}

static void add_contact(sy_motion *m, int side, double t_on, double t_off, kc_vec3 toe)
{
    sy_contact *c = &m->contact[side][m->n_contact[side]++];
    c->t_on = t_on;
    c->t_off = t_off;
    c->toe0 = toe;
    c->vel0 = kc_v3(0, 0, 0);
    c->tau = 0;
}

static void track_zseg(sy_motion *m)
{
    m->n_zseg = 1;
    m->zseg[0].t_start = -INFINITY;
    m->zseg[0].is_design = false;
    sy_track_clear(&m->zseg[0].track);
}

/* ---- static --------------------------------------------------------------------------------- */

static int plan_static_core(const sy_subject *s, sy_motion *m, gsl_rng *r, bool sway)
{
    double heading = (s->heading + (r ? sy_gauss(r, 1.0) : 0)) * KC_DEG;
    sy_plan_common_init(m, SY_TASK_STATIC, heading);
    m->duration = 2.0;
    kc_vec3 toe[2];
    double head[2];
    double hw = hjc_half_width(s) + 10;
    sy_plan_stance(s, heading, 0, 0, hw, toe, head);
    for (int k = 0; k < 2; k++) {
        add_contact(m, k, -INFINITY, INFINITY, toe[k]);
        sy_track_still(&m->foot_pitch[k], 0, s->foot_pitch0[k] / KC_DEG);
        sy_track_still(&m->foot_head[k], 0, head[k] / KC_DEG);
        sy_track_still(&m->hip_rot[k], 0, s->hip_rot_static[k]);
        sy_track_still(&m->knee_add[k], 0, -s->valgus_static[k]);
        sy_track_still(&m->knee_rot[k], 0, 0);
        sy_track_still(&m->knee_flex[k], 0, 5);
        sy_track_still(&m->hip_flex[k], 0, 5);
    }
    sy_track_still(&m->tilt, 0, 12);
    sy_track_still(&m->tfwd, 0, 3);
    sy_track_still(&m->tlat, 0, 0.2 * s->trunk_lat);
    track_zseg(m);
    kc_vec3 ajc[2];
    planted_ajc(s, m, 0, ajc);
    int both[2] = {0, 1};
    double x, y;
    pelvis_over_feet(s, m, 0, ajc, 2, both, 0.01 * s->height, 0, &x, &y);
    /* quiet standing sway: a few mm, keys every 0.5 s */
    for (int i = 0; i <= 4; i++) {
        double t = 0.5 * i;
        sy_track_still(&m->px, t, x + (sway ? sy_tnorm(r, 0, 1.5, -4, 4) : 0));
        sy_track_still(&m->py, t, y + (sway ? sy_tnorm(r, 0, 1.5, -4, 4) : 0));
    }
    double z;
    /* the straighter knee at 7° leaves room for the sway (a few mm, always downwards) */
    int st = sy_motion_solve_height(s, m, 0, 7, &z);
    if (st)
        return st;
    for (int i = 0; i <= 4; i++)
        sy_track_still(&m->zseg[0].track, 0.5 * i,
                       z - (sway && i > 0 && i < 4 ? fabs(sy_gauss(r, 0.8)) : 0));
    return KC_OK;
}

int sy_plan_static(const sy_subject *s, sy_motion *m, gsl_rng *r)
{
    /* identity mode: a perfectly rigid static, so that static offsets from the mean marker
     * positions equal those of any frame (docs/pig-model.md "Static offsets") */
    return plan_static_core(s, m, r, !s->identity);
}

int sy_subject_foot_offsets(sy_subject *s)
{
    sy_motion *m = malloc(sizeof *m);
    if (!m)
        return KC_ENOMEM;
    s->foot_alpha[0] = s->foot_alpha[1] = s->foot_beta[0] = s->foot_beta[1] = 0;
    int st = plan_static_core(s, m, NULL, false);
    sy_pose p;
    if (!st)
        st = sy_motion_pose(s, m, 0, &p);
    if (!st)
        for (int k = 0; k < 2; k++) {
            /* the heel straight behind the toe, level with it: F_z horizontal */
            double hd = ev(&m->foot_head[k], 0) * KC_DEG;
            kc_vec3 back = kc_v3(-cos(hd), -sin(hd), 0);
            kc_vec3 hee = kc_v3_axpy(p.toe[k], s->heel_len[k], back);
            sy_pig_static_offsets(p.U[k], p.toe[k], hee, &s->foot_alpha[k], &s->foot_beta[k]);
        }
    /* the static offsets of the placed markers (TOE, HEE and the leg markers with their
     * misplacement) in this reference standing pose: the foot frame they define (equal to the
     * above in identity mode, where nothing is misplaced) */
    if (!st) {
        s->placed_alpha[0] = s->placed_alpha[1] = s->placed_beta[0] = s->placed_beta[1] = 0;
        st = sy_motion_pose(s, m, 0, &p);   /* with the offsets: the foot markers' frame */
    }
    if (!st) {
        sy_pig_truth tf;
        sy_pig_truth_frames(s, &p, &tf);
        kc_vec3 A[SY_N_MARKERS];
        sy_body_placed_markers(s, &p, A);
        for (int k = 0; k < 2; k++) {
            kc_mat3 U = tf.foot[k];   /* offsets 0 here: U itself */
            sy_pig_static_offsets(U, A[SY_SIDE_MK(k, 5)], A[SY_SIDE_MK(k, 4)],
                                  &s->placed_alpha[k], &s->placed_beta[k]);
        }
    }
    s->foot_offsets_set = st == 0;
    free(m);
    return st;
}

/* ---- functional knee: seated knee flexion-extension ---------------------------------------- */

/* What labs record for a functional knee axis: the subject sits (hips at 90 deg, feet off
 * the floor) and swings both lower legs between about 90 deg and 10 deg of knee flexion, three
 * slow cycles. The knee has NO true ab/adduction change (its static value throughout), so a
 * hinge criterion fitted on this trial finds the marker axis error and not valgus; the tibia
 * keeps the natural coupled internal rotation with flexion (screw-home, Wilson et al. 2000,
 * J Biomech 33:465), which the abduction criterion does not see. The soft-tissue artefact of
 * the thigh and knee markers still moves with flexion (anatomical mode). */
int sy_plan_functional(const sy_subject *s, sy_motion *m, gsl_rng *r)
{
    double heading = (s->heading + sy_gauss(r, 1.0)) * KC_DEG;
    sy_plan_common_init(m, SY_TASK_FUNCTIONAL, heading);
    m->duration = 7.0;
    const double tk[] = {0, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.0};
    const int nk = 9;
    double ext[2], bend[2];
    for (int k = 0; k < 2; k++) {
        ext[k] = 8 + sy_uniform(r, 0, 6);
        bend[k] = 88 + sy_uniform(r, 0, 6);
    }
    for (int k = 0; k < 2; k++) {
        sy_track_still(&m->hip_flex[k], 0, 88 + sy_gauss(r, 1));
        sy_track_still(&m->hip_add[k], 0, -2 + sy_gauss(r, 1));
        sy_track_still(&m->hip_rot[k], 0, s->hip_rot_static[k]);
        sy_track_still(&m->knee_add[k], 0, -s->valgus_static[k]);
        sy_track_still(&m->ank_pf[k], 0, -10 + sy_gauss(r, 2));
        sy_track_still(&m->ank_rot[k], 0, 0);
        for (int i = 0; i < nk; i++) {
            /* flexed at rest, extended at 1.5, 3.5, 5.5 s */
            bool up = i == 2 || i == 4 || i == 6;
            sy_track_still(&m->knee_flex[k], tk[i], up ? ext[k] : bend[k]);
            sy_track_still(&m->knee_rot[k], tk[i], up ? 0 : s->knee_rot_peak[k]);
        }
    }
    sy_track_still(&m->tilt, 0, 4 + sy_gauss(r, 2));
    sy_track_still(&m->tfwd, 0, 5 + sy_gauss(r, 2));
    sy_track_still(&m->tlat, 0, 0.2 * s->trunk_lat);
    sy_track_still(&m->px, 0, 0);
    sy_track_still(&m->py, 0, 0);
    track_zseg(m);
    sy_track_still(&m->zseg[0].track, 0, 0);
    /* seat height: the lowest foot landmark 40 mm above the floor over the whole trial */
    double low = INFINITY;
    for (double t = 0; t <= m->duration + 1e-9; t += 0.05) {
        sy_pose p;
        int st = sy_motion_pose(s, m, t, &p);
        if (st)
            return st;
        for (int k = 0; k < 2; k++)
            low = fmin(low, fmin(fmin(p.toe[k].z, p.hee[k].z), p.ajc[k].z));
    }
    sy_track_clear(&m->zseg[0].track);
    sy_track_still(&m->zseg[0].track, 0, 40 - low);
    return KC_OK;
}

/* ---- single-leg squat on side `side`, the other foot held in the air ----------------------- */

int sy_plan_sls(const sy_subject *s, sy_motion *m, int side, gsl_rng *r)
{
    double heading = (s->heading + sy_gauss(r, 1.5)) * KC_DEG;
    sy_plan_common_init(m, SY_TASK_SLS, heading);
    m->side = side;
    m->duration = 3.6;
    m->ev_start = 0.6;
    m->ev_end = 3.0;
    double tp = 1.8 + sy_gauss(r, 0.05);
    m->ev_peak = tp;
    int other = 1 - side;
    kc_vec3 toe[2];
    double head[2];
    sy_plan_stance(s, heading, 0, 0, hjc_half_width(s) + 10, toe, head);
    add_contact(m, side, -INFINITY, INFINITY, toe[side]);
    sy_track_still(&m->foot_pitch[side], 0, s->foot_pitch0[side] / KC_DEG);
    sy_track_still(&m->foot_head[side], 0, head[side] / KC_DEG);
    const double tk[] = {0, m->ev_start, tp, m->ev_end, m->duration};
    double knee_peak = sy_uniform(r, 60, 75);
    double drop = s->pelvic_drop_sls + sy_gauss(r, 0.8);
    double vpk = 0.9 * s->valgus_peak[side] + sy_gauss(r, 0.8);
    for (int i = 0; i < 5; i++) {
        bool pk = i == 2;
        double f = pk ? 1 : 0;
        for (int k = 0; k < 2; k++) {
            sy_track_still(&m->hip_rot[k], tk[i],
                           s->hip_rot_static[k] + (k == side ? f * s->hip_introt_peak[k] : 0));
            sy_track_still(&m->knee_add[k], tk[i],
                           k == side ? -(s->valgus_static[k] + f * (vpk - s->valgus_static[k]))
                                     : -s->valgus_static[k]);
            sy_track_still(&m->knee_rot[k], tk[i], k == side ? f * s->knee_rot_peak[k] : 0);
        }
        sy_track_still(&m->knee_flex[side], tk[i], pk ? knee_peak : 5);
        sy_track_still(&m->hip_flex[side], tk[i], pk ? 60 : 5);
        sy_track_still(&m->hip_add[side], tk[i], 5);
        /* the free leg: hip flexed, knee bent, foot behind */
        sy_track_still(&m->hip_flex[other], tk[i], 25 + 5 * f);
        sy_track_still(&m->hip_add[other], tk[i], -3);
        sy_track_still(&m->knee_flex[other], tk[i], 75 + 5 * f);
        sy_track_still(&m->ank_pf[other], tk[i], 20);
        sy_track_still(&m->ank_rot[other], tk[i], 0);
        /* contralateral pelvic drop: the free side goes down (LPelvis Y + = left up) */
        double obl = (0.3 + 0.7 * f) * drop;
        sy_track_still(&m->obliq, tk[i], side == SY_L ? obl : -obl);
        sy_track_still(&m->tilt, tk[i], pk ? 25 : 12);
        sy_track_still(&m->tfwd, tk[i], pk ? 25 + sy_gauss(r, 3) : 5);
        double lean = (fabs(s->trunk_lat) + 2) * (side == SY_L ? 1 : -1);
        sy_track_still(&m->tlat, tk[i], (0.3 + 0.7 * f) * lean);
    }
    track_zseg(m);
    kc_vec3 ajc[2];
    planted_ajc(s, m, 0, ajc);
    int st1[1] = {side};
    for (int i = 0; i < 5; i++) {
        bool pk = i == 2;
        double x, y;
        /* mid-HJC over the stance ankle, shifted towards the free side: the stance hip sits
         * lateral of its foot (hip adduction) */
        pelvis_over_feet(s, m, tk[i], ajc, 1, st1, pk ? -0.07 * s->height : 0.01 * s->height,
                         -SY_LAT(side) * (hjc_half_width(s) - 25), &x, &y);
        sy_track_still(&m->px, tk[i], x);
        sy_track_still(&m->py, tk[i], y);
    }
    for (int i = 0; i < 5; i++) {
        double z;
        int st = sy_motion_solve_height(s, m, tk[i], i == 2 ? knee_peak : 4, &z);
        if (st)
            return st;
        sy_track_still(&m->zseg[0].track, tk[i], z);
    }
    return KC_OK;
}
