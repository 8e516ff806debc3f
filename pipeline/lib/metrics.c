/* Drop-jump landing metrics (see metrics.h for every definition). */
#include "kinechain/metrics.h"

#include <math.h>
#include <stdint.h>

#include "kinechain/pigmodel.h"

/* angle channel c, frame f, component k */
#define ANG(c, f, k) angles[(((size_t)(c)) * F + (f)) * 3 + (k)]

static int add(kc_table *t, const char *name, const char *side, double value, const char *unit,
               long frame, double rate_hz, const char *window)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    size_t i = (size_t)r;
    int st = kc_table_set_str(t, i, kc_table_find(t, "name"), name);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "side"), side);
    if (!st) st = kc_table_set_f64(t, i, kc_table_find(t, "value"), value);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "unit"), unit);
    if (!st) st = kc_table_set_i64(t, i, kc_table_find(t, "frame"), frame >= 0 ? (int64_t)frame : INT64_MIN);
    if (!st) st = kc_table_set_f64(t, i, kc_table_find(t, "time_s"), frame >= 0 ? (double)frame / rate_hz : NAN);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "window"), window);
    return st;
}

/* frame of the max of sign·angle over [a, b]; -1 if none finite */
static long argmax(const double *angles, size_t F, int c, int k, double sign, size_t a, size_t b)
{
    long best = -1;
    for (size_t f = a; f <= b && f < F; f++) {
        double v = sign * ANG(c, f, k);
        if (isfinite(v) && (best < 0 || v > sign * ANG(c, (size_t)best, k)))
            best = (long)f;
    }
    return best;
}

static double at(const double *angles, size_t F, int c, long f, int k, double sign)
{
    return f < 0 ? NAN : sign * ANG(c, (size_t)f, k);
}

/* frontal plane projection angle (deg) of side s at frame f: valgus positive */
static double fppa(const double *centres, size_t F, size_t f, int s, kc_mat3 prog)
{
    kc_vec3 Y = kc_m3_col(prog, 1), Z = kc_m3_col(prog, 2);
    double lat = s ? -1.0 : 1.0;   /* lateral = +Y on the left, -Y on the right */
    double y[3], z[3];
    for (int j = 0; j < 3; j++) {
        const double *c = centres + ((size_t)(2 * j + s) * F + f) * 3;
        kc_vec3 p = kc_v3(c[0], c[1], c[2]);
        y[j] = lat * kc_v3_dot(p, Y);
        z[j] = kc_v3_dot(p, Z);
    }
    /* thigh u = HJC - KJC, shank v = AJC - KJC, in (lateral, up) */
    double ux = y[0] - y[1], uz = z[0] - z[1], vx = y[2] - y[1], vz = z[2] - z[1];
    double ang = atan2(fabs(ux * vz - uz * vx), ux * vx + uz * vz) / KC_DEG;
    /* KJC medial of the line HJC-AJC = valgus */
    double yl = y[0] + (y[2] - y[0]) * (z[1] - z[0]) / (z[2] - z[0]);
    double d = y[1] - yl;
    return (d < 0 ? 1.0 : -1.0) * (180.0 - ang);
}

int kc_metrics_dvj(const double *angles, const double *centres, size_t F, double rate_hz,
                   kc_mat3 prog, const kc_dvj_events ev[2], const kc_forceplate *fp, size_t n_fp,
                   kc_table *t)
{
    static const char *const sn[2] = {"L", "R"};
    const char *w1 = "initial_contact..peak_knee_flexion", *w2 = "initial_contact..take_off";
    int st = KC_OK;
    if (F == 0)
        return KC_OK;
    for (int s = 0; s < 2 && !st; s++) {
        const kc_dvj_events *e = &ev[s];
        int knee = 2 * KC_PIG_KNEE + s, hip = 2 * KC_PIG_HIP + s, ank = 2 * KC_PIG_ANKLE + s;
        int ok = isfinite(e->ic_s) && isfinite(e->to_s) && e->pkf_ok;
        size_t fic = kc_events_frame(e->ic_s, rate_hz, F), fto = kc_events_frame(e->to_s, rate_hz, F);
        size_t pk = e->pkf_ok ? e->pkf_frame : fic;
        long lic = ok ? (long)fic : -1, lpk = ok ? (long)pk : -1;
        long fv = ok ? argmax(angles, F, knee, 1, -1, fic, pk) : -1;
        long fa = ok ? argmax(angles, F, hip, 1, 1, fic, pk) : -1;
        long fr = ok ? argmax(angles, F, hip, 2, 1, fic, pk) : -1;
        long fh = ok ? argmax(angles, F, hip, 0, 1, fic, fto) : -1;
        long fd = ok ? argmax(angles, F, ank, 0, 1, fic, fto) : -1;
        double v_ic = at(angles, F, knee, lic, 1, -1), v_pk = at(angles, F, knee, fv, 1, -1);
        double k_ic = at(angles, F, knee, lic, 0, 1), k_pk = at(angles, F, knee, lpk, 0, 1);
        st = add(t, "knee_valgus_at_ic_deg", sn[s], v_ic, "deg", lic, rate_hz, "initial_contact");
        if (!st) st = add(t, "peak_knee_valgus_deg", sn[s], v_pk, "deg", fv, rate_hz, w1);
        if (!st) st = add(t, "knee_valgus_excursion_deg", sn[s], v_pk - v_ic, "deg", -1, rate_hz, w1);
        if (!st) st = add(t, "time_to_peak_valgus_s", sn[s],
                          fv >= 0 ? (double)fv / rate_hz - e->ic_s : NAN, "s", -1, rate_hz, w1);
        if (!st) st = add(t, "knee_flexion_at_ic_deg", sn[s], k_ic, "deg", lic, rate_hz, "initial_contact");
        if (!st) st = add(t, "peak_knee_flexion_deg", sn[s], k_pk, "deg", lpk, rate_hz, w2);
        if (!st) st = add(t, "knee_flexion_range_deg", sn[s], k_pk - k_ic, "deg", -1, rate_hz, w2);
        if (!st) st = add(t, "peak_hip_adduction_deg", sn[s], at(angles, F, hip, fa, 1, 1), "deg", fa, rate_hz, w1);
        if (!st) st = add(t, "peak_hip_internal_rotation_deg", sn[s], at(angles, F, hip, fr, 2, 1), "deg", fr, rate_hz, w1);
        if (!st) st = add(t, "peak_hip_flexion_deg", sn[s], at(angles, F, hip, fh, 0, 1), "deg", fh, rate_hz, w2);
        if (!st) st = add(t, "peak_ankle_dorsiflexion_deg", sn[s], at(angles, F, ank, fd, 0, 1), "deg", fd, rate_hz, w2);
        if (!st) st = add(t, "contact_time_s", sn[s], e->to_s - e->ic_s, "s", -1, rate_hz, w2);
        if (!st) st = add(t, "fppa_3d_at_pkf_deg", sn[s], lpk >= 0 ? fppa(centres, F, pk, s, prog) : NAN,
                          "deg", lpk, rate_hz,
                          "peak_knee_flexion; HJC-KJC-AJC projected on the progression frame's "
                          "frontal plane");
        /* medial knee displacement (metrics.h) */
        if (!st) {
            double best = NAN;
            long fb = -1;
            if (ok) {
                kc_vec3 Y = kc_m3_col(prog, 1);
                double med = s ? 1.0 : -1.0;   /* medial = -Y on the left, +Y on the right */
                const double *k0 = centres + ((size_t)(2 + s) * F + fic) * 3;
                double y0 = k0[0] * Y.x + k0[1] * Y.y + k0[2] * Y.z;
                for (size_t f = fic; f <= pk && f < F; f++) {
                    const double *c = centres + ((size_t)(2 + s) * F + f) * 3;
                    double d = med * (c[0] * Y.x + c[1] * Y.y + c[2] * Y.z - y0);
                    if (isfinite(d) && !(d <= best)) {
                        best = d;
                        fb = (long)f;
                    }
                }
            }
            st = add(t, "medial_knee_displacement_mm", sn[s], best, "mm", fb, rate_hz,
                     "initial_contact..peak_knee_flexion; KJC along the progression frame's Y "
                     "from its position at IC");
        }
        /* pelvis, trunk, foot (metrics.h) */
        int pel = 2 * KC_PIG_PELVIS + s, tho = 2 * KC_PIG_THORAX + s, fpg = 2 * KC_PIG_FOOTPROG + s;
        if (!st) st = add(t, "pelvic_obliquity_at_pkf_deg", sn[s], at(angles, F, pel, lpk, 1, 1),
                          "deg", lpk, rate_hz, "peak_knee_flexion");
        if (!st) st = add(t, "trunk_lateral_lean_at_pkf_deg", sn[s], at(angles, F, tho, lpk, 1, -1),
                          "deg", lpk, rate_hz, "peak_knee_flexion");
        if (!st) st = add(t, "foot_progression_rel_pelvis_at_ic_deg", sn[s],
                          at(angles, F, fpg, lic, 2, 1) - at(angles, F, pel, lic, 2, 1), "deg", lic,
                          rate_hz, "initial_contact");
        if (!st && e->plate >= 0 && (size_t)e->plate < n_fp && fp && isfinite(e->ic_s) &&
            isfinite(e->to_s)) {
            const kc_forceplate *p = &fp[e->plate];
            double best = NAN;
            long bj = -1;
            for (size_t j = 0; j < p->n; j++) {
                double tj = (double)j / p->rate_hz;
                double v = fabs(p->force[3 * j + 2]);
                if (tj >= e->ic_s && tj <= e->to_s && isfinite(v) && !(v <= best)) {
                    best = v;
                    bj = (long)j;
                }
            }
            long fb = bj >= 0 ? (long)kc_events_frame((double)bj / p->rate_hz, rate_hz, F) : -1;
            st = add(t, "peak_vgrf_n", sn[s], best, "N", fb, rate_hz, w2);
        }
    }
    if (st)
        return st;
    /* knee separation ratio and flight time */
    double ic = fmax(ev[0].ic_s, ev[1].ic_s), to = fmin(ev[0].to_s, ev[1].to_s);
    long best = -1;
    if (isfinite(ic) && isfinite(to)) {
        size_t a = kc_events_frame(ic, rate_hz, F), b = kc_events_frame(to, rate_hz, F);
        double bv = -INFINITY;
        for (size_t f = a; f <= b; f++) {
            double v = ANG(2 * KC_PIG_KNEE, f, 0) + ANG(2 * KC_PIG_KNEE + 1, f, 0);
            if (isfinite(v) && v > bv) {
                bv = v;
                best = (long)f;
            }
        }
    }
    double ratio = NAN;
    if (best >= 0) {
        kc_vec3 Y = kc_m3_col(prog, 1);
#define CY(j, s) (centres[((size_t)(2 * (j) + (s)) * F + (size_t)best) * 3 + 0] * Y.x + \
                  centres[((size_t)(2 * (j) + (s)) * F + (size_t)best) * 3 + 1] * Y.y + \
                  centres[((size_t)(2 * (j) + (s)) * F + (size_t)best) * 3 + 2] * Y.z)
        ratio = fabs(CY(1, 0) - CY(1, 1)) / fabs(CY(0, 0) - CY(0, 1));
#undef CY
    }
    st = add(t, "knee_separation_ratio_at_peak_flexion", "", ratio, "1", best, rate_hz,
             "peak_knee_flexion (mean of sides); lateral distances");
    double aratio = NAN;
    if (best >= 0) {
        kc_vec3 Y = kc_m3_col(prog, 1);
        double y[2][2];
        for (int j = 0; j < 2; j++)
            for (int s = 0; s < 2; s++) {
                const double *c = centres + ((size_t)(2 * (j ? 2 : 0) + s) * F + (size_t)best) * 3;
                y[j][s] = c[0] * Y.x + c[1] * Y.y + c[2] * Y.z;
            }
        aratio = fabs(y[1][0] - y[1][1]) / fabs(y[0][0] - y[0][1]);
    }
    if (!st)
        st = add(t, "ankle_separation_ratio_at_peak_flexion", "", aratio, "1", best, rate_hz,
                 "peak_knee_flexion (mean of sides); lateral distances");
    /* pelvic drop toward the side with more peak valgus, at that side's PKF */
    {
        double pv[2];
        for (int s = 0; s < 2; s++) {
            const kc_dvj_events *e = &ev[s];
            pv[s] = NAN;
            if (!(isfinite(e->ic_s) && isfinite(e->to_s) && e->pkf_ok))
                continue;
            size_t fic = kc_events_frame(e->ic_s, rate_hz, F);
            long fv = argmax(angles, F, 2 * KC_PIG_KNEE + s, 1, -1, fic, e->pkf_frame);
            pv[s] = at(angles, F, 2 * KC_PIG_KNEE + s, fv, 1, -1);
        }
        int vs = isnan(pv[1]) || pv[0] >= pv[1] ? 0 : 1;
        double drop = NAN;
        long fd = -1;
        if (isfinite(pv[vs])) {
            fd = (long)ev[vs].pkf_frame;
            drop = at(angles, F, 2 * KC_PIG_PELVIS + vs, fd, 1, -1);
        }
        if (!st)
            st = add(t, "pelvic_drop_toward_valgus_side_at_pkf_deg", vs ? "R" : "L", drop, "deg",
                     fd, rate_hz, "peak_knee_flexion of the side with more peak valgus");
    }
    double flight = 0.5 * (ev[0].ic2_s + ev[1].ic2_s) - 0.5 * (ev[0].to_s + ev[1].to_s);
    if (!st)
        st = add(t, "flight_time_s", "", flight, "s", -1, rate_hz, "take_off..second_contact");
    return st;
}

int kc_metrics_sls(const double *angles, size_t F, double rate_hz, int k, double start_s,
                   size_t pk, double end_s, kc_table *t)
{
    static const char *const sn[2] = {"L", "R"};
    const char *w = "start..peak_knee_flexion";
    if (F == 0)
        return KC_OK;
    int ok = isfinite(start_s) && isfinite(end_s) && pk < F;
    size_t fs = ok ? kc_events_frame(start_s, rate_hz, F) : 0;
    int knee = 2 * KC_PIG_KNEE + k, hip = 2 * KC_PIG_HIP + k, opel = 2 * KC_PIG_PELVIS + (1 - k);
    long lpk = pk < F ? (long)pk : -1, ls = ok ? (long)fs : -1;
    long fv = ok ? argmax(angles, F, knee, 1, -1, fs, pk) : -1;
    long fa = ok ? argmax(angles, F, hip, 1, 1, fs, pk) : -1;
    long fr = ok ? argmax(angles, F, hip, 2, 1, fs, pk) : -1;
    long fo = ok ? argmax(angles, F, opel, 1, -1, fs, pk) : -1;
    double vp = at(angles, F, knee, fv, 1, -1), v0 = at(angles, F, knee, ls, 1, -1);
    int st = add(t, "peak_knee_flexion_deg", sn[k], at(angles, F, knee, lpk, 0, 1), "deg", lpk,
                 rate_hz, "start..end");
    if (!st) st = add(t, "peak_knee_valgus_deg", sn[k], vp, "deg", fv, rate_hz, w);
    if (!st) st = add(t, "knee_valgus_excursion_deg", sn[k], vp - v0, "deg", -1, rate_hz, w);
    if (!st) st = add(t, "peak_hip_adduction_deg", sn[k], at(angles, F, hip, fa, 1, 1), "deg", fa, rate_hz, w);
    if (!st) st = add(t, "peak_hip_internal_rotation_deg", sn[k], at(angles, F, hip, fr, 2, 1), "deg", fr, rate_hz, w);
    if (!st) st = add(t, "peak_contralateral_pelvic_drop_deg", sn[k], at(angles, F, opel, fo, 1, -1), "deg", fo, rate_hz, w);
    return st;
}
