/* Ground reaction forces of a synthetic trial: F = m·(a_COM + g) from the whole-body centre
 * of mass (Dempster/Winter segments, body.c) while a foot is on a plate, split between the
 * planted feet (each carries its own leg, and a share of the rest with the subject's landing
 * asymmetry), plus an equal and opposite medial push of the two feet in drop-jump landings;
 * centre of pressure from the forefoot to the mid-foot as the heel comes down, moments about
 * each plate's surface centre (include/kinechain/forceplate.h). Two plates at x = 0, one per
 * foot; the box is off them. */
#include "synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/status.h"

#define G_MS2 9.81
#define MEDIAL 0.0725

void sy_plate_geometry(int i, double corners[4][3], double origin[3])
{
    double cy = (i == 0 ? 1 : -1) * (SY_PLATE_LY / 2 + SY_PLATE_GAP / 2);
    double hx = SY_PLATE_LX / 2, hy = SY_PLATE_LY / 2;
    /* C3D FORCE_PLATFORM:CORNERS order: (+x,+y), (-x,+y), (-x,-y), (+x,-y) */
    const double sx[4] = {1, -1, -1, 1}, sy[4] = {1, 1, -1, -1};
    for (int k = 0; k < 4; k++) {
        corners[k][0] = sx[k] * hx;
        corners[k][1] = cy + sy[k] * hy;
        corners[k][2] = 0;
    }
    origin[0] = 0;
    origin[1] = cy;
    origin[2] = 0;
}

static int plate_under(kc_vec3 p)
{
    for (int i = 0; i < 2; i++) {
        double c[4][3], o[3];
        sy_plate_geometry(i, c, o);
        if (fabs(p.x - o[0]) <= SY_PLATE_LX / 2 && fabs(p.y - o[1]) <= SY_PLATE_LY / 2)
            return i;
    }
    return -1;
}

int sy_forceplates(const sy_subject *s, sy_motion *m, const sy_options *opt, size_t n_frames,
                   gsl_rng *r, kc_forceplate fp[2], double peak_n[2], double peak_t[2])
{
    int ratio = (int)ceil(1000.0 / opt->rate_hz - 1e-9);
    if (ratio < 1)
        ratio = 1;
    double arate = opt->rate_hz * ratio;
    size_t n = n_frames * (size_t)ratio;
    for (int i = 0; i < 2; i++) {
        memset(&fp[i], 0, sizeof fp[i]);
        fp[i].rate_hz = arate;
        sy_plate_geometry(i, fp[i].corners, fp[i].origin);
    }
    for (int i = 0; i < 2; i++)
        if (kc_forceplate_alloc(&fp[i], n)) {
            kc_forceplate_free_arrays(&fp[0]);
            kc_forceplate_free_arrays(&fp[1]);
            return KC_ENOMEM;
        }
    for (int k = 0; k < 2; k++) {
        peak_n[k] = NAN;
        peak_t[k] = NAN;
        m->fc_on[k] = m->fc_off[k] = NAN;
    }
    m->fc_rate = arate;
    bool *loaded = calloc(2 * n, sizeof *loaded);
    if (!loaded)
        return KC_ENOMEM;
    double w0[2] = {s->share_l, 1 - s->share_l};
    double h = 2e-4;
    for (size_t j = 0; j < n; j++) {
        double t = (double)j / arate;
        int kc[2], plate[2];
        bool any = false;
        sy_drive d;
        sy_motion_drive(m, t, &d, -1, -1);
        for (int k = 0; k < 2; k++) {
            kc[k] = sy_motion_contact_at(m, k, t);
            plate[k] = kc[k] >= 0 ? plate_under(d.toe[k]) : -1;
            any = any || plate[k] >= 0;
        }
        if (!any)
            continue;
        /* central second differences, one-sided next to the start or end of a contact (the
         * motion is only C0/C1 there: impact, take-off) */
        double off = 0;
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < m->n_contact[k]; i++) {
                const sy_contact *c = &m->contact[k][i];
                double edge[2] = {c->t_on, c->t_off};
                for (int e = 0; e < 2; e++) {
                    if (!isfinite(edge[e]) || fabs(edge[e] - t) >= h)
                        continue;
                    /* stay inside the contact: after its start, before its end */
                    off = e == 0 ? (t >= edge[e] ? h : -h) : (t <= edge[e] ? -h : h);
                }
            }
        sy_pose p[3], pc;
        int st = 0;
        for (int i = 0; i < 3 && !st; i++)
            st = sy_motion_pose(s, m, t + off + (i - 1) * h, &p[i]);
        if (!st && off != 0)
            st = sy_motion_pose(s, m, t, &pc);
        else
            pc = p[1];
        if (st) {
            free(loaded);
            return st;
        }
        /* each planted foot carries its own leg (thigh, shank, foot: its impact transient is
         * its own) plus a share of the rest of the body */
        kc_vec3 acc = kc_v3_scale(kc_v3_add(kc_v3_sub(p[2].com, kc_v3_scale(p[1].com, 2)),
                                            p[0].com),
                                  1e-3 / (h * h));     /* m/s² */
        kc_vec3 Ftot = kc_v3_scale(kc_v3_add(acc, kc_v3(0, 0, G_MS2)), s->mass);
        kc_vec3 Fleg[2], Frest = Ftot;
        double mleg = SY_LEG_MASS_FRACTION * s->mass;
        for (int k = 0; k < 2; k++) {
            kc_vec3 al = kc_v3_scale(kc_v3_add(kc_v3_sub(p[2].leg_com[k],
                                                         kc_v3_scale(p[1].leg_com[k], 2)),
                                               p[0].leg_com[k]),
                                     1e-3 / (h * h));
            Fleg[k] = kc_v3_scale(kc_v3_add(al, kc_v3(0, 0, G_MS2)), mleg);
            if (kc[k] >= 0)
                Frest = kc_v3_sub(Frest, Fleg[k]);
        }
        double w[2] = {0, 0}, wsum = 0;
        for (int k = 0; k < 2; k++)
            if (kc[k] >= 0) {
                double u = (t - m->contact[k][kc[k]].t_on) / 0.015;
                w[k] = w0[k] * (isfinite(u) ? fmax(sy_smoothstep(u), 1e-6) : 1);
                wsum += w[k];
            }
        kc_vec3 Fk[2];
        for (int k = 0; k < 2; k++)
            Fk[k] = kc_v3_add(Fleg[k], kc_v3_scale(Frest, wsum > 0 ? w[k] / wsum : 0));
        if (m->task == SY_TASK_DVJ && kc[0] >= 0 && kc[1] >= 0) {
            /* landing on both feet, they push towards the body's midline as well (equal and opposite, so the
             * total is unchanged): the medial ground reaction of a two-footed landing, about
             * MEDIAL of the smaller vertical force (real: 80-125 N per foot at 1.3-2.0 kN) */
            double sq = MEDIAL * fmax(0, fmin(Fk[0].z, Fk[1].z));
            kc_vec3 left = kc_v3(-sin(m->heading), cos(m->heading), 0);
            Fk[0] = kc_v3_axpy(Fk[0], -sq, left);
            Fk[1] = kc_v3_axpy(Fk[1], sq, left);
        }
        for (int k = 0; k < 2; k++) {
            if (plate[k] < 0 || wsum <= 0)
                continue;
            kc_vec3 F = Fk[k];
            /* The centre-of-mass designs are non-negative by construction and carry the
             * landing from the end of the impact; what the rigid kinematic legs add can still
             * pull in the last few ms before take-off (heel rise, knees extending), and a
             * plate cannot pull: nothing is recorded then. */
            if (F.z <= 0)
                F = kc_v3(0, 0, 0);
            kc_forceplate *f = &fp[plate[k]];
            /* centre of pressure: forefoot (under TOE) to 45 % of the way to the heel when
             * the foot is flat */
            double pitch = asin(d.foot_dir[k].z);
            double lift = (pitch - s->foot_pitch0[k]) / (12 * KC_DEG);
            double frac = 0.45 * (1 - sy_smoothstep(lift));
            kc_vec3 toe = pc.toe[k], hee = pc.hee[k];
            kc_vec3 cop = kc_v3(toe.x + frac * (hee.x - toe.x), toe.y + frac * (hee.y - toe.y), 0);
            kc_vec3 o = kc_v3(f->origin[0], f->origin[1], f->origin[2]);
            kc_vec3 M = kc_v3_cross(kc_v3_sub(cop, o), F);
            f->force[3 * j] = F.x;
            f->force[3 * j + 1] = F.y;
            f->force[3 * j + 2] = F.z;
            f->moment[3 * j] = M.x;
            f->moment[3 * j + 1] = M.y;
            f->moment[3 * j + 2] = M.z;
            if (F.z > 10) {
                f->cop[3 * j] = cop.x;
                f->cop[3 * j + 1] = cop.y;
                f->cop[3 * j + 2] = cop.z;
            }
            loaded[2 * j + (size_t)plate[k]] = true;
            bool in_window = m->task != SY_TASK_DVJ ||
                             (t >= m->ev_ic[k] - 1e-9 && t <= m->ev_to[k] + 1e-9);
            /* the force-plate contact of the first landing: the noise-free vertical force
             * > 0 (ends a few ms before the kinematic take-off ev_to, when the legs would
             * pull); 20 ms either side of the kinematic window */
            if (m->task == SY_TASK_DVJ && F.z > 0 && t >= m->ev_ic[k] - 0.02 &&
                t <= m->ev_to[k] + 0.02) {
                if (!isfinite(m->fc_on[k]))
                    m->fc_on[k] = t;
                m->fc_off[k] = t;
            }
            if (in_window && (!isfinite(peak_n[k]) || F.z > peak_n[k])) {
                peak_n[k] = F.z;
                peak_t[k] = t;
            }
        }
    }
    /* unloaded samples: zero; then analog noise on every sample */
    double sd = opt->fp_noise_n;
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < n; j++) {
            kc_forceplate *f = &fp[i];
            if (!loaded[2 * j + (size_t)i])
                for (int c = 0; c < 3; c++) {
                    f->force[3 * j + c] = 0;
                    f->moment[3 * j + c] = 0;
                }
            if (sd > 0)
                for (int c = 0; c < 3; c++) {
                    f->force[3 * j + c] += sy_gauss(r, sd);
                    f->moment[3 * j + c] += sy_gauss(r, 100 * sd);
                }
        }
    free(loaded);
    return KC_OK;
}
