/* The ground truth of a trial: the motion sampled at every frame (markers as the cameras see
 * them, capsules for occlusion), the docs/pig-model.md angles of the TRUE bone frames
 * (pelvis from the true ASIS/PSIS, femur from the true HJC, KJC and flexion axis, untorsioned
 * and torsioned tibia, corrected foot from the true toe, ankle centre and heel), the true
 * joint centres, and the events and metrics tables; and the "pig truth" (sy_pig_marker_truth):
 * Plug-in Gait on the markers as captured with the measured parameters and the static's
 * offsets (docs/pig-model.md "kc-synth's two truths"). */
#include "synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/status.h"
#include "kinechain/table.h"

const char *const sy_angle_names[SY_N_ANGLES] = {
    "LPelvis", "RPelvis", "LHip", "RHip", "LKnee", "RKnee",
    "LAnkle", "RAnkle", "LFootProgress", "RFootProgress", "LThorax", "RThorax",
};
const char *const sy_centre_names[SY_N_CENTRES] = {"LHJC", "RHJC", "LKJC", "RKJC", "LAJC", "RAJC"};

void sy_trialdata_free(sy_trialdata *td)
{
    free(td->mk);
    free(td->normal);
    free(td->cap_a);
    free(td->cap_b);
    free(td->angles);
    free(td->centres);
    memset(td, 0, sizeof *td);
}

/* docs/pig-model.md "Progression frame", from the true landmarks */
static kc_mat3 progression(const sy_pose *P, size_t F)
{
    kc_vec3 D = kc_v3_sub(P[F - 1].mk[SY_LASI], P[0].mk[SY_LASI]);
    double hx, hy;
    if (hypot(D.x, D.y) > 800) {
        hx = D.x;
        hy = D.y;
    } else {
        size_t i0 = (size_t)floor(0.45 * (double)F);
        long nw = lround(0.1 * (double)F);
        size_t n = nw < 1 ? 1 : (size_t)nw;
        hx = hy = 0;
        for (size_t i = i0; i < i0 + n && i < F; i++) {
            kc_vec3 o = kc_v3_scale(kc_v3_add(P[i].mk[SY_LASI], P[i].mk[SY_RASI]), 0.5);
            kc_vec3 sacr = kc_v3_scale(kc_v3_add(P[i].mk[SY_LPSI], P[i].mk[SY_RPSI]), 0.5);
            hx += o.x - sacr.x;
            hy += o.y - sacr.y;
        }
    }
    kc_vec3 X = fabs(hx) >= fabs(hy) ? kc_v3(hx >= 0 ? 1 : -1, 0, 0) : kc_v3(0, hy >= 0 ? 1 : -1, 0);
    kc_vec3 Z = kc_v3(0, 0, 1);
    return kc_m3_from_cols(X, kc_v3_cross(Z, X), Z);
}

int sy_trial_sample(const sy_subject *s, sy_motion *m, const sy_options *opt, sy_trialdata *td)
{
    memset(td, 0, sizeof *td);
    size_t F = (size_t)floor(m->duration * opt->rate_hz + 1e-9) + 1, M = SY_N_MARKERS;
    td->n_frames = F;
    td->rate_hz = opt->rate_hz;
    sy_pose *P = malloc(F * sizeof *P);
    td->mk = malloc(F * M * sizeof *td->mk);
    td->normal = malloc(F * M * sizeof *td->normal);
    td->cap_a = malloc(F * SY_N_SEGMENTS * sizeof *td->cap_a);
    td->cap_b = malloc(F * SY_N_SEGMENTS * sizeof *td->cap_b);
    td->angles = malloc(SY_N_ANGLES * F * 3 * sizeof *td->angles);
    td->centres = malloc(SY_N_CENTRES * F * 3 * sizeof *td->centres);
    if (!P || !td->mk || !td->normal || !td->cap_a || !td->cap_b || !td->angles || !td->centres) {
        free(P);
        sy_trialdata_free(td);
        return KC_ENOMEM;
    }
    double impacts[2][4];
    for (int k = 0; k < 2; k++) {
        int n = 0;
        for (int i = 0; i < 4; i++)
            impacts[k][i] = NAN;
        for (int c = 0; c < m->n_contact[k] && n < 4; c++)
            if (isfinite(m->contact[k][c].t_on) && m->contact[k][c].tau > 0)
                impacts[k][n++] = m->contact[k][c].t_on;
    }
    for (size_t f = 0; f < F; f++) {
        double t = (double)f / opt->rate_hz;
        int st = sy_motion_pose(s, m, t, &P[f]);
        if (st) {
            free(P);
            sy_trialdata_free(td);
            return st;
        }
        sy_body_markers(s, &P[f], opt->mode, t, impacts, td->mk + f * M, td->normal + f * M);
        double r[SY_N_SEGMENTS];
        sy_body_capsules(s, &P[f], td->cap_a + f * SY_N_SEGMENTS, td->cap_b + f * SY_N_SEGMENTS, r);
        if (f == 0)
            memcpy(td->cap_r, r, sizeof r);
    }
    kc_mat3 prog = progression(P, F);
    if (prog.m[0][0] != 1)
        KC_WARN("%s: progression frame of a synthetic trial is not +X", s->id);
    for (size_t f = 0; f < F; f++) {
        const sy_pose *p = &P[f];
        /* identity mode: the bones of the body model, which the markers define exactly.
         * Anatomical mode: the frames the placed markers define (sy_pig_truth_frames): the
         * subject's anatomy as Plug-in Gait sees it; what stays an error is the soft-tissue
         * artefact, the knee-marker rotation, the hip joint centre regression and the
         * measured parameters (docs/pig-model.md "kc-synth's anatomical truth"). */
        sy_pig_truth tf;
        if (opt->mode == SY_ANATOMICAL) {
            sy_pig_truth_frames(s, p, &tf);
        } else {
            tf.pelvis = p->pelvis.R;
            for (int k = 0; k < 2; k++) {
                tf.femur[k] = p->femur[k].R;
                tf.tibia[k] = p->tibia[k].R;
                tf.tibia_t[k] = p->tibia_t[k];
                tf.foot[k] = p->F[k];
                tf.hjc[k] = p->hjc[k];
                tf.kjc[k] = p->kjc[k];
                tf.ajc[k] = p->ajc[k];
            }
        }
        for (int k = 0; k < 2; k++) {
            double *a = td->angles;
            sy_pig_angles(SY_CH_PELVIS, k, prog, tf.pelvis, a + ((0 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_HIP, k, tf.pelvis, tf.femur[k], a + ((2 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_KNEE, k, tf.femur[k], tf.tibia[k], a + ((4 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_ANKLE, k, tf.tibia_t[k], tf.foot[k], a + ((6 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_FOOTPROG, k, prog, tf.foot[k], a + ((8 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_THORAX, k, prog, p->thorax.R, a + ((10 + k) * F + f) * 3);
            kc_vec3 c[3] = {tf.hjc[k], tf.kjc[k], tf.ajc[k]};
            for (int j = 0; j < 3; j++) {
                double *o = td->centres + ((2 * j + k) * F + f) * 3;
                o[0] = c[j].x;
                o[1] = c[j].y;
                o[2] = c[j].z;
            }
        }
    }
    free(P);
    return KC_OK;
}

/* ---- events and metrics ----------------------------------------------------------------- */

static const double *angle(const sy_trialdata *td, int idx, size_t f)
{
    return td->angles + ((size_t)idx * td->n_frames + f) * 3;
}

static size_t frame_of(const sy_trialdata *td, double t)
{
    long f = lround(t * td->rate_hz);
    if (f < 0)
        f = 0;
    if ((size_t)f >= td->n_frames)
        f = (long)td->n_frames - 1;
    return (size_t)f;
}

static int add_event(kc_table *t, const char *name, const char *side, const sy_trialdata *td,
                     double time)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    int st = kc_table_set_str(t, (size_t)r, 0, name);
    if (!st)
        st = kc_table_set_str(t, (size_t)r, 1, side);
    if (!st)
        st = kc_table_set_i64(t, (size_t)r, 2, (int64_t)frame_of(td, time));
    if (!st)
        st = kc_table_set_f64(t, (size_t)r, 3, time);
    return st;
}

static int add_metric(kc_table *t, const char *name, const char *side, double value,
                      const char *unit, long frame, double time, const char *window)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    size_t i = (size_t)r;
    int st = kc_table_set_str(t, i, 0, name);
    if (!st) st = kc_table_set_str(t, i, 1, side);
    if (!st) st = kc_table_set_f64(t, i, 2, value);
    if (!st) st = kc_table_set_str(t, i, 3, unit);
    if (!st && frame >= 0) st = kc_table_set_i64(t, i, 4, frame);
    if (!st) st = kc_table_set_f64(t, i, 5, time);
    if (!st) st = kc_table_set_str(t, i, 6, window);
    return st;
}

/* index of the max of sign·angle[idx][comp] over frames [a, b] */
static size_t argmax(const sy_trialdata *td, int idx, int comp, double sign, size_t a, size_t b)
{
    size_t best = a;
    for (size_t f = a; f <= b && f < td->n_frames; f++)
        if (sign * angle(td, idx, f)[comp] > sign * angle(td, idx, best)[comp])
            best = f;
    return best;
}

/* The video-comparable frontal-plane view (kinechain metrics.h kc_metrics_dvj_video, computed
 * here on the true landmarks): a pinhole camera 3000 mm in front (+X, the subjects' facing
 * direction) of the midpoint of the true knee centres at frame fc, looking back along -X. */
static void video_point(kc_vec3 cam, kc_vec3 p, double *y, double *z)
{
    double depth = cam.x - p.x;
    *y = (p.y - cam.y) / depth;
    *z = (p.z - cam.z) / depth;
}

static kc_vec3 centre_at(const sy_trialdata *td, int idx, size_t f)
{
    const double *c = td->centres + ((size_t)idx * td->n_frames + f) * 3;
    return kc_v3(c[0], c[1], c[2]);
}

/* FPPA (deg) of side k at frame f in that view: thigh from the midpoint of the ASIS marker
 * and the knee centre, knee centre, ankle centre; positive when the knee projects medial of
 * the thigh-ankle line (valgus) */
static double video_fppa(const sy_trialdata *td, kc_vec3 cam, int k, size_t f)
{
    kc_vec3 K = centre_at(td, 2 + k, f), A = centre_at(td, 4 + k, f);
    kc_vec3 asis = td->mk[f * SY_N_MARKERS + (k == SY_L ? SY_LASI : SY_RASI)];
    kc_vec3 H = kc_v3_scale(kc_v3_add(asis, K), 0.5);
    double hy, hz, ky, kz, ay, az;
    video_point(cam, H, &hy, &hz);
    video_point(cam, K, &ky, &kz);
    video_point(cam, A, &ay, &az);
    double t1 = hy - ky, t2 = hz - kz, s1 = ay - ky, s2 = az - kz;
    double c = (t1 * s1 + t2 * s2) / (hypot(t1, t2) * hypot(s1, s2));
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    double dev = 180.0 - acos(c) / KC_DEG;
    double u = (kz - hz) / (az - hz), line_y = hy + u * (ay - hy);
    double medial = (line_y - ky) * SY_LAT(k);   /* medial = toward -lateral */
    return medial > 0 ? dev : -dev;
}

int sy_truth_tables(const sy_subject *s, const sy_motion *m, const sy_trialdata *td,
                    const double peak_n[2], const double peak_t[2], kc_table **events,
                    kc_table **metrics)
{
    static const char *const ev_names[] = {"name", "side", "frame", "time_s"};
    static const enum kc_col_type ev_types[] = {KC_COL_STR, KC_COL_STR, KC_COL_I64, KC_COL_F64};
    static const char *const mt_names[] = {"name", "side", "value", "unit", "frame", "time_s",
                                           "window"};
    static const enum kc_col_type mt_types[] = {KC_COL_STR, KC_COL_STR, KC_COL_F64, KC_COL_STR,
                                                KC_COL_I64, KC_COL_F64, KC_COL_STR};
    kc_table *E = kc_table_alloc(4, ev_names, ev_types);
    kc_table *T = kc_table_alloc(7, mt_names, mt_types);
    int st = (!E || !T) ? KC_ENOMEM : KC_OK;
    if (!st)
        st = kc_table_set_units(E, 3, "s");
    if (!st)
        st = kc_table_set_units(T, 5, "s");
    const char *sn[2] = {"L", "R"};
    double rate = td->rate_hz;
#define FT(f) ((double)(f) / rate)
    if (!st && m->task == SY_TASK_DVJ) {
        size_t pk[2];
        st = add_event(E, "box_off", "", td, m->ev_box_off);
        for (int k = 0; k < 2 && !st; k++) {
            size_t fic = frame_of(td, m->ev_ic[k]), fto = frame_of(td, m->ev_to[k]);
            pk[k] = argmax(td, 4 + k, 0, 1, fic, fto);
            st = add_event(E, "initial_contact", sn[k], td, m->ev_ic[k]);
            if (!st) st = add_event(E, "peak_knee_flexion", sn[k], td, FT(pk[k]));
            if (!st) st = add_event(E, "take_off", sn[k], td, m->ev_to[k]);
            if (!st) st = add_event(E, "second_contact", sn[k], td, m->ev_ic2[k]);
        }
        const char *w1 = "initial_contact..peak_knee_flexion", *w2 = "initial_contact..take_off";
        for (int k = 0; k < 2 && !st; k++) {
            size_t fic = frame_of(td, m->ev_ic[k]), fto = frame_of(td, m->ev_to[k]);
            double v_ic = -angle(td, 4 + k, fic)[1];
            size_t fv = argmax(td, 4 + k, 1, -1, fic, pk[k]);
            double v_pk = -angle(td, 4 + k, fv)[1];
            size_t fa = argmax(td, 2 + k, 1, 1, fic, pk[k]);
            size_t fr = argmax(td, 2 + k, 2, 1, fic, pk[k]);
            size_t fh = argmax(td, 2 + k, 0, 1, fic, fto);
            size_t fd = argmax(td, 6 + k, 0, 1, fic, fto);
            st = add_metric(T, "knee_valgus_at_ic_deg", sn[k], v_ic, "deg", (long)fic, FT(fic),
                            "initial_contact");
            if (!st) st = add_metric(T, "peak_knee_valgus_deg", sn[k], v_pk, "deg", (long)fv, FT(fv), w1);
            if (!st) st = add_metric(T, "knee_valgus_excursion_deg", sn[k], v_pk - v_ic, "deg", -1, NAN, w1);
            if (!st) st = add_metric(T, "peak_knee_flexion_deg", sn[k], angle(td, 4 + k, pk[k])[0],
                                     "deg", (long)pk[k], FT(pk[k]), w2);
            if (!st) st = add_metric(T, "peak_hip_adduction_deg", sn[k], angle(td, 2 + k, fa)[1],
                                     "deg", (long)fa, FT(fa), w1);
            if (!st) st = add_metric(T, "peak_hip_internal_rotation_deg", sn[k],
                                     angle(td, 2 + k, fr)[2], "deg", (long)fr, FT(fr), w1);
            if (!st) st = add_metric(T, "peak_hip_flexion_deg", sn[k], angle(td, 2 + k, fh)[0],
                                     "deg", (long)fh, FT(fh), w2);
            if (!st) st = add_metric(T, "peak_ankle_dorsiflexion_deg", sn[k],
                                     angle(td, 6 + k, fd)[0], "deg", (long)fd, FT(fd), w2);
            if (!st) st = add_metric(T, "peak_vgrf_n", sn[k], peak_n[k], "N",
                                     isfinite(peak_t[k]) ? (long)frame_of(td, peak_t[k]) : -1,
                                     peak_t[k], w2);
            if (!st) st = add_metric(T, "contact_time_s", sn[k], m->ev_to[k] - m->ev_ic[k], "s",
                                     -1, NAN, w2);
            /* the force-plate contact (sy_forceplates): first .. last analog sample with a
             * noise-free vertical force > 0, inclusive; what fp_contact_time_s of kc-ik
             * measures from the noisy plate (the kinematic contact_time_s above ends at
             * take-off, ~6 ms later) */
            const char *wf = "force plate: first..last analog sample of the landing with the "
                             "noise-free vertical force > 0 (inclusive)";
            double fon = m->fc_on[k], foff = m->fc_off[k];
            long fr_on = isfinite(fon) ? (long)frame_of(td, fon) : -1;
            long fr_off = isfinite(foff) ? (long)frame_of(td, foff) : -1;
            if (!st) st = add_metric(T, "fp_contact_time_s", sn[k],
                                     foff - fon + 1.0 / m->fc_rate, "s", fr_on, fon, wf);
            if (!st) st = add_metric(T, "fp_contact_start_s", sn[k], fon, "s", fr_on, fon, wf);
            if (!st) st = add_metric(T, "fp_contact_end_s", sn[k], foff, "s", fr_off, foff, wf);
        }
        if (!st) {
            /* knee separation ratio (Noyes et al. 2005): inter-KJC over inter-HJC distance along
             * the progression frame's Y (the frontal plane's horizontal), at the frame of peak
             * mean knee flexion */
            size_t a = frame_of(td, fmax(m->ev_ic[0], m->ev_ic[1]));
            size_t b = frame_of(td, fmin(m->ev_to[0], m->ev_to[1]));
            size_t best = a;
            double bv = -1e9;
            for (size_t f = a; f <= b; f++) {
                double v = angle(td, 4, f)[0] + angle(td, 5, f)[0];
                if (v > bv) {
                    bv = v;
                    best = f;
                }
            }
            const double *c = td->centres;
            size_t F = td->n_frames;
            double kl = c[(2 * F + best) * 3 + 1], kr = c[(3 * F + best) * 3 + 1];
            double hl = c[(0 * F + best) * 3 + 1], hr = c[(1 * F + best) * 3 + 1];
            st = add_metric(T, "knee_separation_ratio_at_peak_flexion", "", fabs(kl - kr) / fabs(hl - hr),
                            "1", (long)best, FT(best), "peak_knee_flexion (mean of sides); lateral distances");
            /* the video-comparable view: camera at the later initial contact */
            size_t fc = frame_of(td, fmax(m->ev_ic[0], m->ev_ic[1]));
            kc_vec3 cam = kc_v3_scale(kc_v3_add(centre_at(td, 2, fc), centre_at(td, 3, fc)), 0.5);
            cam.x += 3000.0;
            const char *wv = "peak_knee_flexion; 2D image of a frontal camera 3 m in front at "
                             "knee height: proximal thigh (ASIS-knee midpoint), knee centre, "
                             "ankle centre";
            for (int k = 0; k < 2 && !st; k++)
                st = add_metric(T, "fppa_video_at_pkf_deg", sn[k], video_fppa(td, cam, k, pk[k]),
                                "deg", (long)pk[k], FT(pk[k]), wv);
            double sep[3];
            for (int j = 0; j < 3; j++) {
                double yl, yr, z;
                video_point(cam, centre_at(td, 2 * j, best), &yl, &z);
                video_point(cam, centre_at(td, 2 * j + 1, best), &yr, &z);
                sep[j] = fabs(yl - yr);
            }
            const char *ws = "peak_knee_flexion (mean of sides); 2D image of the frontal camera";
            if (!st) st = add_metric(T, "knee_separation_ratio_video", "", sep[1] / sep[0], "1",
                                     (long)best, FT(best), ws);
            if (!st) st = add_metric(T, "ankle_separation_ratio_video", "", sep[2] / sep[0], "1",
                                     (long)best, FT(best), ws);
            if (!st) st = add_metric(T, "knee_to_ankle_separation_ratio_video", "", sep[1] / sep[2],
                                     "1", (long)best, FT(best), ws);
            double to = 0.5 * (m->ev_to[0] + m->ev_to[1]);
            double ic2 = 0.5 * (m->ev_ic2[0] + m->ev_ic2[1]);
            if (!st) st = add_metric(T, "flight_time_s", "", ic2 - to, "s", -1, NAN, "take_off..second_contact");
            if (!st) st = add_metric(T, "box_height_mm", "", m->box_height, "mm", -1, NAN, "trial");
        }
    } else if (!st && m->task == SY_TASK_SLS) {
        int k = m->side;
        size_t fs = frame_of(td, m->ev_start), fe = frame_of(td, m->ev_end);
        size_t pk = argmax(td, 4 + k, 0, 1, fs, fe);
        st = add_event(E, "start", sn[k], td, m->ev_start);
        if (!st) st = add_event(E, "peak_knee_flexion", sn[k], td, FT(pk));
        if (!st) st = add_event(E, "end", sn[k], td, m->ev_end);
        const char *w = "start..peak_knee_flexion";
        double v0 = -angle(td, 4 + k, fs)[1];
        size_t fv = argmax(td, 4 + k, 1, -1, fs, pk);
        double vp = -angle(td, 4 + k, fv)[1];
        size_t fa = argmax(td, 2 + k, 1, 1, fs, pk), fr = argmax(td, 2 + k, 2, 1, fs, pk);
        /* contralateral drop: the free side's pelvic obliquity going down */
        int o = 1 - k;
        size_t fo = argmax(td, o, 1, -1, fs, pk);
        if (!st) st = add_metric(T, "peak_knee_flexion_deg", sn[k], angle(td, 4 + k, pk)[0], "deg", (long)pk, FT(pk), "start..end");
        if (!st) st = add_metric(T, "peak_knee_valgus_deg", sn[k], vp, "deg", (long)fv, FT(fv), w);
        if (!st) st = add_metric(T, "knee_valgus_excursion_deg", sn[k], vp - v0, "deg", -1, NAN, w);
        if (!st) st = add_metric(T, "peak_hip_adduction_deg", sn[k], angle(td, 2 + k, fa)[1], "deg", (long)fa, FT(fa), w);
        if (!st) st = add_metric(T, "peak_hip_internal_rotation_deg", sn[k], angle(td, 2 + k, fr)[2], "deg", (long)fr, FT(fr), w);
        if (!st) st = add_metric(T, "peak_contralateral_pelvic_drop_deg", sn[k], -angle(td, o, fo)[1], "deg", (long)fo, FT(fo), w);
        if (!st) st = add_metric(T, "peak_vgrf_n", sn[k], peak_n[k], "N",
                                 isfinite(peak_t[k]) ? (long)frame_of(td, peak_t[k]) : -1, peak_t[k], "start..end");
    }
#undef FT
    (void)s;
    if (st) {
        kc_table_free(E);
        kc_table_free(T);
        return st;
    }
    *events = E;
    *metrics = T;
    return KC_OK;
}

/* ---- Plug-in Gait on the captured markers (the "pig truth") -------------------------------- */

static kc_vec3 mk_at(const double *mk, size_t f, int m)
{
    const double *p = mk + (f * SY_N_MARKERS + (size_t)m) * 3;
    return kc_v3(p[0], p[1], p[2]);
}

static bool finite3(kc_vec3 v)
{
    return isfinite(v.x) && isfinite(v.y) && isfinite(v.z);
}

/* Segment frames of one frame's markers m[] with the measured parameters, docs/pig-model.md.
 * alpha/beta NULL: the uncorrected foot U is returned in o->foot. */
static void pig_from_markers(const sy_subject *s, double ia, const kc_vec3 *m,
                             const double *alpha, const double *beta, sy_pig_truth *o,
                             sy_frame *thorax)
{
    sy_frame pel = sy_pig_pelvis(m[SY_LASI], m[SY_RASI], m[SY_LPSI], m[SY_RPSI]);
    o->pelvis = pel.R;
    double md = s->marker_diameter;
    for (int k = 0; k < 2; k++) {
        kc_vec3 thi = m[SY_SIDE_MK(k, 0)], kne = m[SY_SIDE_MK(k, 1)];
        kc_vec3 tib = m[SY_SIDE_MK(k, 2)], ank = m[SY_SIDE_MK(k, 3)];
        kc_vec3 toe = m[SY_SIDE_MK(k, 5)];
        kc_vec3 hl = sy_pig_davis_local(s->leg_length, s->asis_troc, ia, md, k);
        o->hjc[k] = kc_v3_add(pel.o, kc_m3_apply(pel.R, hl));
        o->kjc[k] = sy_pig_chord(o->hjc[k], thi, kne, (s->knee_width[k] + md) / 2);
        o->ajc[k] = sy_pig_chord(o->kjc[k], tib, ank, (s->ankle_width[k] + md) / 2);
        o->femur[k] = sy_pig_femur(o->hjc[k], o->kjc[k], kne, k).R;
        o->tibia[k] = sy_pig_tibia(o->kjc[k], o->ajc[k], tib, ank, k).R;
        o->tibia_t[k] = sy_pig_torsion(o->tibia[k], s->tibial_torsion_deg[k] * KC_DEG);
        kc_mat3 U = sy_pig_foot_u(toe, o->ajc[k], kc_m3_col(o->tibia_t[k], 1));
        o->foot[k] = alpha ? sy_pig_foot_f(U, alpha[k], beta[k]) : U;
    }
    if (thorax)
        *thorax = sy_pig_thorax(m[SY_C7], m[SY_T10], m[SY_CLAV], m[SY_STRN]);
}

int sy_pig_static_calib(const sy_subject *s, const double *mk, size_t F, sy_pig_static *out)
{
    /* docs/pig-model.md "Static offsets": markers averaged over the static's frames; IA = 0
     * in subjects.csv: the mean of |LASI - RASI| over the frames */
    kc_vec3 mean[SY_N_MARKERS];
    double ia_sum = 0;
    size_t n_ia = 0;
    for (int j = 0; j < SY_N_MARKERS; j++) {
        kc_vec3 acc = kc_v3(0, 0, 0);
        size_t n = 0;
        for (size_t f = 0; f < F; f++) {
            kc_vec3 v = mk_at(mk, f, j);
            if (finite3(v)) {
                acc = kc_v3_add(acc, v);
                n++;
            }
        }
        if (n == 0)
            return KC_ENUMERIC;
        mean[j] = kc_v3_scale(acc, 1.0 / (double)n);
    }
    for (size_t f = 0; f < F; f++) {
        kc_vec3 l = mk_at(mk, f, SY_LASI), r = mk_at(mk, f, SY_RASI);
        if (finite3(l) && finite3(r)) {
            ia_sum += kc_v3_norm(kc_v3_sub(l, r));
            n_ia++;
        }
    }
    out->inter_asis = s->inter_asis != 0 ? s->inter_asis : ia_sum / (double)n_ia;
    sy_pig_truth tf;
    pig_from_markers(s, out->inter_asis, mean, NULL, NULL, &tf, NULL);
    for (int k = 0; k < 2; k++) {
        sy_pig_static_offsets(tf.foot[k], mean[SY_SIDE_MK(k, 5)], mean[SY_SIDE_MK(k, 4)],
                              &out->alpha[k], &out->beta[k]);
        if (!isfinite(out->alpha[k]) || !isfinite(out->beta[k]))
            return KC_ENUMERIC;
    }
    return KC_OK;
}

/* docs/pig-model.md "Progression frame" on the markers */
static kc_mat3 marker_progression(const double *mk, size_t F)
{
    static const int used[4] = {SY_LASI, SY_RASI, SY_LPSI, SY_RPSI};
    long first = -1, last = -1;
    for (size_t f = 0; f < F; f++) {
        kc_vec3 l = mk_at(mk, f, SY_LASI);
        if (finite3(l)) {
            if (first < 0)
                first = (long)f;
            last = (long)f;
        }
    }
    double hx = 0, hy = 0;
    kc_vec3 D = first >= 0 ? kc_v3_sub(mk_at(mk, (size_t)last, SY_LASI),
                                       mk_at(mk, (size_t)first, SY_LASI)) : kc_v3(0, 0, 0);
    if (hypot(D.x, D.y) > 800) {
        hx = D.x;
        hy = D.y;
    } else {
        size_t i0 = (size_t)floor(0.45 * (double)F);
        long nw = (long)floor(0.1 * (double)F + 0.5);
        size_t n = nw < 1 ? 1 : (size_t)nw;
        for (size_t f = i0; f < i0 + n && f < F; f++) {
            bool ok = true;
            for (int j = 0; j < 4; j++)
                ok = ok && finite3(mk_at(mk, f, used[j]));
            if (!ok)
                continue;
            kc_vec3 o = kc_v3_scale(kc_v3_add(mk_at(mk, f, SY_LASI), mk_at(mk, f, SY_RASI)),
                                    0.5);
            kc_vec3 sacr = kc_v3_scale(kc_v3_add(mk_at(mk, f, SY_LPSI),
                                                 mk_at(mk, f, SY_RPSI)), 0.5);
            hx += o.x - sacr.x;
            hy += o.y - sacr.y;
        }
    }
    kc_vec3 X = fabs(hx) >= fabs(hy) ? kc_v3(hx >= 0 ? 1 : -1, 0, 0)
                                     : kc_v3(0, hy >= 0 ? 1 : -1, 0);
    kc_vec3 Z = kc_v3(0, 0, 1);
    return kc_m3_from_cols(X, kc_v3_cross(Z, X), Z);
}

void sy_pig_marker_truth(const sy_subject *s, const sy_pig_static *ps, const double *mk,
                         size_t F, double *angles, double *centres)
{
    kc_mat3 prog = marker_progression(mk, F);
    for (size_t f = 0; f < F; f++) {
        kc_vec3 m[SY_N_MARKERS];
        for (int j = 0; j < SY_N_MARKERS; j++)
            m[j] = mk_at(mk, f, j);
        sy_pig_truth tf;
        sy_frame th;
        pig_from_markers(s, ps->inter_asis, m, ps->alpha, ps->beta, &tf, &th);
        for (int k = 0; k < 2; k++) {
            double *a = angles;
            sy_pig_angles(SY_CH_PELVIS, k, prog, tf.pelvis, a + ((0 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_HIP, k, tf.pelvis, tf.femur[k], a + ((2 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_KNEE, k, tf.femur[k], tf.tibia[k], a + ((4 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_ANKLE, k, tf.tibia_t[k], tf.foot[k], a + ((6 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_FOOTPROG, k, prog, tf.foot[k], a + ((8 + k) * F + f) * 3);
            sy_pig_angles(SY_CH_THORAX, k, prog, th.R, a + ((10 + k) * F + f) * 3);
            kc_vec3 c[3] = {tf.hjc[k], tf.kjc[k], tf.ajc[k]};
            for (int j = 0; j < 3; j++) {
                double *o = centres + ((2 * j + k) * F + f) * 3;
                o[0] = c[j].x;
                o[1] = c[j].y;
                o[2] = c[j].z;
            }
        }
    }
}
