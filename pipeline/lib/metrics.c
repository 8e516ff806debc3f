/* Drop-jump landing metrics (see metrics.h for every definition). */
#include "kinechain/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <hdf5.h>

#include "kinechain/log.h"
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

/* FPPA (deg, valgus positive, SCIENCE.md A.2) from hip/thigh, knee and ankle points given
 * as (y, z) in a frontal plane whose y is the LATERAL direction of this limb: 180 deg minus
 * the interior angle at the knee, positive when the knee lies medial of the line hip-ankle. */
static double fppa_yz(const double y[3], const double z[3])
{
    double ux = y[0] - y[1], uz = z[0] - z[1], vx = y[2] - y[1], vz = z[2] - z[1];
    double ang = atan2(fabs(ux * vz - uz * vx), ux * vx + uz * vz) / KC_DEG;
    double yl = y[0] + (y[2] - y[0]) * (z[1] - z[0]) / (z[2] - z[0]);
    double d = y[1] - yl;
    return (d < 0 ? 1.0 : -1.0) * (180.0 - ang);
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
    return fppa_yz(y, z);
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

/* ---- video-comparable frontal-plane metrics (metrics.h kc_metrics_dvj_video) ------------- */

static kc_vec3 pt(const double *a, size_t f)
{
    return kc_v3(a[f * 3], a[f * 3 + 1], a[f * 3 + 2]);
}

/* Pinhole image of P seen by the virtual frontal camera at C looking along -X of the
 * progression frame: (y, z) = (Y·(P - C), Z·(P - C)) / (X·(C - P)), i.e. image coordinates
 * in units of the focal length with y along the progression frame's Y (the subject's left). */
static void image_yz(kc_mat3 prog, kc_vec3 C, kc_vec3 P, double *y, double *z)
{
    kc_vec3 d = kc_v3_sub(P, C);
    double depth = -kc_v3_dot(d, kc_m3_col(prog, 0));
    *y = kc_v3_dot(d, kc_m3_col(prog, 1)) / depth;
    *z = kc_v3_dot(d, kc_m3_col(prog, 2)) / depth;
}

int kc_metrics_dvj_video(const double *angles, const double *centres, const double *const asis[2],
                         size_t F, double rate_hz, kc_mat3 prog, const kc_dvj_events ev[2],
                         kc_table *t)
{
    static const char *const sn[2] = {"L", "R"};
    if (F == 0)
        return KC_OK;
#define CEN(j, s, f) pt(centres + (size_t)(2 * (j) + (s)) * F * 3, (f))
    /* the camera: fixed for the trial, KC_VIDEO_DISTANCE_MM in front of the midpoint of the
     * two knee centres at the later initial contact, at that height */
    double ic = fmax(ev[0].ic_s, ev[1].ic_s), to = fmin(ev[0].to_s, ev[1].to_s);
    kc_vec3 C = kc_v3(NAN, NAN, NAN);
    if (isfinite(ic)) {
        size_t f = kc_events_frame(ic, rate_hz, F);
        C = kc_v3_scale(kc_v3_add(CEN(1, 0, f), CEN(1, 1, f)), 0.5);
        C = kc_v3_axpy(C, KC_VIDEO_DISTANCE_MM, kc_m3_col(prog, 0));
    }
    int st = KC_OK;
    for (int s = 0; s < 2 && !st; s++) {
        const kc_dvj_events *e = &ev[s];
        double v = NAN, sens = NAN;
        long fr = -1;
        if (isfinite(e->ic_s) && isfinite(e->to_s) && e->pkf_ok && isfinite(C.x)) {
            size_t f = e->pkf_frame;
            kc_vec3 K = CEN(1, s, f), A = CEN(2, s, f);
            /* proximal thigh: halfway between the ASIS marker and the knee centre */
            kc_vec3 H = kc_v3_scale(kc_v3_add(pt(asis[s], f), K), 0.5);
            double y[3], z[3], lat = s ? -1.0 : 1.0;
            image_yz(prog, C, H, &y[0], &z[0]);
            image_yz(prog, C, K, &y[1], &z[1]);
            image_yz(prog, C, A, &y[2], &z[2]);
            for (int j = 0; j < 3; j++)
                y[j] *= lat;
            v = fppa_yz(y, z);
            fr = isfinite(v) ? (long)f : -1;
            /* conditioning: the knee moved 5 mm toward either side (progression frame's Y),
             * the same image; what 1 cm of mediolateral knee motion does to the angle */
            double fp[2];
            for (int q = 0; q < 2; q++) {
                double yq[3] = {y[0], 0, y[2]}, zq[3] = {z[0], 0, z[2]};
                kc_vec3 Kq = kc_v3_axpy(K, q ? 5.0 : -5.0, kc_m3_col(prog, 1));
                image_yz(prog, C, Kq, &yq[1], &zq[1]);
                yq[1] *= lat;
                fp[q] = fppa_yz(yq, zq);
            }
            sens = isfinite(v) ? fabs(fp[1] - fp[0]) : NAN;
        }
        st = add(t, "fppa_video_at_pkf_deg", sn[s], v, "deg", fr, rate_hz,
                 "peak_knee_flexion; 2D image of a frontal camera 3 m in front at knee height: "
                 "proximal thigh (ASIS-knee midpoint), knee centre, ankle centre");
        if (!st)
            st = add(t, "fppa_video_sensitivity_deg_per_cm", sn[s], sens, "deg/cm", fr, rate_hz,
                     "peak_knee_flexion; change of fppa_video_at_pkf_deg when the knee centre "
                     "moves 1 cm mediolaterally (central difference, +-5 mm), same image: large "
                     "when the thigh is seen end-on (deep flexion), the angle then ill-conditioned");
    }
    /* separations at the frame of largest mean knee flexion between the later IC and the
     * earlier TO (as the 3D ratios), in the same image */
    long best = -1;
    if (isfinite(ic) && isfinite(to) && isfinite(C.x)) {
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
    double sep[3] = {NAN, NAN, NAN};   /* hip, knee, ankle image separations */
    if (best >= 0)
        for (int j = 0; j < 3; j++) {
            double yl, yr, z;
            image_yz(prog, C, CEN(j, 0, (size_t)best), &yl, &z);
            image_yz(prog, C, CEN(j, 1, (size_t)best), &yr, &z);
            sep[j] = fabs(yl - yr);
        }
#undef CEN
    const char *w = "peak_knee_flexion (mean of sides); 2D image of the frontal camera";
    if (!st)
        st = add(t, "knee_separation_ratio_video", "", sep[1] / sep[0], "1", best, rate_hz, w);
    if (!st)
        st = add(t, "ankle_separation_ratio_video", "", sep[2] / sep[0], "1", best, rate_hz, w);
    if (!st)
        st = add(t, "knee_to_ankle_separation_ratio_video", "", sep[1] / sep[2], "1", best,
                 rate_hz, w);
    return st;
}

/* ---- the plain-language chain summary (metrics.h kc_chain_summarize) --------------------- */

static double find_metric(const kc_table *t, const char *name, const char *side)
{
    if (!t)
        return NAN;
    int cn = kc_table_find(t, "name"), cs = kc_table_find(t, "side"), cv = kc_table_find(t, "value");
    for (size_t i = 0; i < kc_table_nrows(t); i++)
        if (strcmp(kc_table_get_str(t, i, cn), name) == 0 &&
            strcmp(kc_table_get_str(t, i, cs), side) == 0)
            return kc_table_get_f64(t, i, cv);
    return NAN;
}

static void append(char *buf, size_t n, const char *fmt, ...)
{
    size_t l = strlen(buf);
    if (l + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + l, n - l, fmt, ap);
    va_end(ap);
}

/* One test of a link: value against threshold (above when above != 0, else below). Appends
 * "what value (> threshold, source)" to the findings when it fires; returns 1 fired, 0 not,
 * -1 value missing. */
static int test(char *found, size_t n, int *count, const char *what, double v, int above,
                double thr, const char *source)
{
    if (!isfinite(v))
        return -1;
    int hit = above ? v > thr : v < thr;
    if (hit) {
        append(found, n, "%s%s %.1f deg %s %.1f deg [%s]", *count ? "; " : "", what, v,
               above ? ">" : "<", thr, source);
        (*count)++;
    }
    return hit;
}

/* combine the tests of one link: 1 if any fired, 0 if none fired and at least one was
 * assessed, -1 if none could be assessed */
static int combine(const int *r, int n)
{
    int any = 0, assessed = 0;
    for (int i = 0; i < n; i++) {
        any |= r[i] == 1;
        assessed |= r[i] >= 0;
    }
    return any ? 1 : assessed ? 0 : -1;
}

int kc_chain_summarize(const kc_table *metrics, const char *trial_type, const char *model,
                       int side, kc_chain *out)
{
    static const char *const sn[2] = {"L", "R"};
    static const char *const word[2] = {"Left", "Right"};
    memset(out, 0, sizeof *out);
    for (int i = 0; i < KC_CHAIN_N; i++)
        out->flag[i] = -1;
    if (side < 0 || side > 1 || !trial_type || !model)
        return KC_EINVAL;
    const char *sd = sn[side];
    int sls = strcmp(trial_type, "sls") == 0;
    if (sls && !isfinite(find_metric(metrics, "peak_knee_flexion_deg", sd))) {
        snprintf(out->summary, sizeof out->summary,
                 "%s side: not assessed (single-leg squat on the other leg).", word[side]);
        return KC_OK;
    }
    char knee[512] = "", hip[512] = "", pel[512] = "", foot[512] = "";
    int nk = 0, nh = 0, np = 0, nf = 0;
    int r[4];
    /* knee */
    if (sls) {
        r[0] = -1;
        r[1] = -1;
    } else {
        r[0] = test(knee, sizeof knee, &nk, "valgus at initial contact",
                    find_metric(metrics, "knee_valgus_at_ic_deg", sd), 1, KC_CHAIN_KNEE_IC_DEG,
                    "Bates et al. 2020, 3D marker model");
        r[1] = test(knee, sizeof knee, &nk, "video-comparable FPPA at peak flexion",
                    find_metric(metrics, "fppa_video_at_pkf_deg", sd), 1, KC_CHAIN_FPPA_DEG,
                    "top of the female DVJ normal range, Herrington & Munro 2010, 2D video");
    }
    out->flag[KC_CHAIN_KNEE] = combine(r, 2);
    /* hip */
    r[0] = test(hip, sizeof hip, &nh, "peak adduction",
                find_metric(metrics, "peak_hip_adduction_deg", sd), 1, KC_CHAIN_HIP_ADD_DEG,
                "kinechain convention, no validated cut-off");
    r[1] = test(hip, sizeof hip, &nh, "peak internal rotation",
                find_metric(metrics, "peak_hip_internal_rotation_deg", sd), 1,
                KC_CHAIN_HIP_IR_DEG, "kinechain convention, no validated cut-off");
    out->flag[KC_CHAIN_HIP] = combine(r, 2);
    /* pelvis and trunk */
    if (sls) {
        r[0] = test(pel, sizeof pel, &np, "contralateral pelvic drop",
                    find_metric(metrics, "peak_contralateral_pelvic_drop_deg", sd), 1,
                    KC_CHAIN_PELVIC_DROP_DEG, "the > ~5 deg labs flag, SCIENCE.md A.4");
        r[1] = -1;
    } else {
        /* the drop toward the side with more valgus is reported for that side only */
        double drop = NAN;
        for (size_t i = 0; metrics && i < kc_table_nrows(metrics); i++)
            if (strcmp(kc_table_get_str(metrics, i, kc_table_find(metrics, "name")),
                       "pelvic_drop_toward_valgus_side_at_pkf_deg") == 0 &&
                strcmp(kc_table_get_str(metrics, i, kc_table_find(metrics, "side")), sd) == 0)
                drop = kc_table_get_f64(metrics, i, kc_table_find(metrics, "value"));
        r[0] = test(pel, sizeof pel, &np, "pelvis lower on this side at peak flexion", drop, 1,
                    KC_CHAIN_PELVIC_DROP_DEG, "the > ~5 deg labs flag, SCIENCE.md A.4");
        r[1] = test(pel, sizeof pel, &np, "trunk lean toward this side at peak flexion",
                    find_metric(metrics, "trunk_lateral_lean_at_pkf_deg", sd), 1,
                    KC_CHAIN_TRUNK_LEAN_DEG, "kinechain convention, no validated cut-off");
    }
    out->flag[KC_CHAIN_PELVIS_TRUNK] = combine(r, 2);
    /* foot and ankle */
    if (sls) {
        r[0] = r[1] = -1;
    } else {
        r[0] = test(foot, sizeof foot, &nf, "peak dorsiflexion",
                    find_metric(metrics, "peak_ankle_dorsiflexion_deg", sd), 0,
                    KC_CHAIN_DORSIFLEXION_DEG, "mean of Malloy et al. 2015, 3D, less went with "
                    "more valgus");
        r[1] = test(foot, sizeof foot, &nf, "foot turned out at contact (toe-in positive)",
                    find_metric(metrics, "foot_progression_rel_pelvis_at_ic_deg", sd), 0,
                    KC_CHAIN_TOE_OUT_DEG, "kinechain convention, no validated cut-off");
    }
    out->flag[KC_CHAIN_FOOT_ANKLE] = combine(r, 2);

    /* sentence 1: the knee; sentence 2: the links */
    char *o = out->summary;
    size_t n = sizeof out->summary;
    o[0] = 0;
    /* the model that made the numbers: Plug-in Gait, kinechain's, or keypoint joint centres
     * ("keypoints:<layout>", which have no valgus angle, hip or foot angles) */
    char mname[96];
    if (strcmp(model, "kinechain") == 0)
        snprintf(mname, sizeof mname, "model kinechain");
    else if (strncmp(model, "keypoints", 9) == 0)
        snprintf(mname, sizeof mname, "keypoints %s, joint centres only",
                 model[9] == ':' ? model + 10 : "");
    else
        snprintf(mname, sizeof mname, "model pig, Plug-in Gait");
    if (out->flag[KC_CHAIN_KNEE] == 1) {
        append(o, n, "%s knee (%s): %s.", word[side], mname, knee);   /* findings */
    } else if (out->flag[KC_CHAIN_KNEE] == 0) {
        /* name only the thresholds that were assessed (r[] of the knee is gone: recompute) */
        int ic = isfinite(find_metric(metrics, "knee_valgus_at_ic_deg", sd));
        int video = isfinite(find_metric(metrics, "fppa_video_at_pkf_deg", sd));
        append(o, n, "%s knee (%s): no valgus flag (", word[side], mname);
        if (ic)
            append(o, n, "valgus at contact <= %.1f deg, Bates et al. 2020, 3D%s",
                   KC_CHAIN_KNEE_IC_DEG, video ? "; " : "");
        if (video)
            append(o, n, "video-comparable FPPA <= %.1f deg, Herrington & Munro 2010, 2D video",
                   KC_CHAIN_FPPA_DEG);
        append(o, n, ").");
    } else
        append(o, n, "%s knee (%s): valgus not assessed%s.", word[side], mname,
               sls ? " against a landing threshold (single-leg squat)" : " (missing data)");
    double sens = sls ? NAN : find_metric(metrics, "fppa_video_sensitivity_deg_per_cm", sd);
    if (isfinite(find_metric(metrics, "fppa_video_at_pkf_deg", sd)) && isfinite(sens) &&
        sens > KC_CHAIN_FPPA_SENS_DEG_PER_CM)
        append(o, n, " The video-comparable FPPA is ill-conditioned in this trial: it moves %.1f "
               "deg per cm of knee position (> %.0f; the thigh seen nearly end-on), so read it "
               "with care.", sens, KC_CHAIN_FPPA_SENS_DEG_PER_CM);
    const char *lname[3] = {"hip", "pelvis/trunk", "foot/ankle"};
    const char *lfind[3] = {hip, pel, foot};
    int lidx[3] = {KC_CHAIN_HIP, KC_CHAIN_PELVIS_TRUNK, KC_CHAIN_FOOT_ANKLE};
    int nflag = 0;
    for (int i = 0; i < 3; i++)
        nflag += out->flag[lidx[i]] == 1;
    if (nflag == 0) {
        append(o, n, " No link of the chain is flagged");
    } else {
        append(o, n, " Links that look involved: ");
        int c = 0;
        for (int i = 0; i < 3; i++)
            if (out->flag[lidx[i]] == 1)
                append(o, n, "%s%s (%s)", c++ ? "; " : "", lname[i], lfind[i]);
    }
    int c = 0;
    for (int i = 0; i < 3; i++)
        if (out->flag[lidx[i]] == -1)
            append(o, n, "%s%s", c++ ? ", " : "; not assessed: ", lname[i]);
    append(o, n, ".");
    return KC_OK;
}

/* metrics.h kc_chain_write: the same file-format settings as the library's HDF5 writer
 * (object times off, library version bounds, file locking ignored where unsupported). */
int kc_chain_write(const char *path, const kc_chain ch[2])
{
    static const char *const fname[KC_CHAIN_N] = {"knee", "hip", "pelvis_trunk", "foot_ankle"};
    int st = KC_EIO;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t f = -1, g = -1, sp = H5Screate(H5S_SCALAR), ts = H5Tcopy(H5T_C_S1);
    if (fapl < 0 || gcpl < 0 || sp < 0 || ts < 0)
        goto done;
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
#if H5_VERSION_GE(1, 10, 7)
    H5Pset_file_locking(fapl, 1, 1);
#endif
    H5Pset_obj_track_times(gcpl, 0);
    H5Tset_size(ts, H5T_VARIABLE);
    H5Tset_cset(ts, H5T_CSET_UTF8);
    if ((f = H5Fopen(path, H5F_ACC_RDWR, fapl)) < 0 ||
        (g = H5Gcreate2(f, "/chain", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0)
        goto done;
    for (int s = 0; s < 2; s++) {
        char name[32];
        snprintf(name, sizeof name, "summary_%s", s ? "R" : "L");
        const char *v = ch[s].summary;
        hid_t a = H5Acreate2(g, name, ts, sp, H5P_DEFAULT, H5P_DEFAULT);
        herr_t e = a < 0 ? -1 : H5Awrite(a, ts, &v);
        if (a >= 0)
            H5Aclose(a);
        if (e < 0)
            goto done;
        for (int i = 0; i < KC_CHAIN_N; i++) {
            snprintf(name, sizeof name, "%s_%s", fname[i], s ? "R" : "L");
            int64_t x = ch[s].flag[i];
            a = H5Acreate2(g, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
            e = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, &x);
            if (a >= 0)
                H5Aclose(a);
            if (e < 0)
                goto done;
        }
    }
    st = KC_OK;
done:
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0)
        st = KC_EIO;
    if (ts >= 0)
        H5Tclose(ts);
    if (sp >= 0)
        H5Sclose(sp);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (st)
        KC_ERROR("cannot write /chain into \"%s\"", path);
    return st;
}
