/* The Plug-in Gait model of docs/pig-model.md (see pigmodel.h). Every formula below cites the
 * section of the document it implements. */
#include "kinechain/pigmodel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"

const char *const kc_pig_marker_names[KC_PIG_N_MARKERS] = {
    "LASI", "RASI", "LPSI", "RPSI", "C7",   "T10",  "CLAV", "STRN", "LTHI", "LKNE",
    "LTIB", "LANK", "LHEE", "LTOE", "RTHI", "RKNE", "RTIB", "RANK", "RHEE", "RTOE",
};
const char *const kc_pig_angle_names[KC_PIG_N_ANGLES] = {
    "LPelvis", "RPelvis", "LHip", "RHip", "LKnee", "RKnee",
    "LAnkle", "RAnkle", "LFootProgress", "RFootProgress", "LThorax", "RThorax",
};
const char *const kc_pig_centre_names[KC_PIG_N_CENTRES] = {"LHJC", "RHJC", "LKJC",
                                                           "RKJC", "LAJC", "RAJC"};

/* Davis constants as Plug-in Gait uses them (document "Hip joint centre"). */
#define PIG_THETA 0.500000178813934
#define PIG_BETA 0.314000427722931

kc_pig_params kc_pig_default_params(void)
{
    kc_pig_params p;
    for (int s = 0; s < 2; s++) {
        p.leg_length_mm[s] = NAN;
        p.knee_width_mm[s] = NAN;
        p.ankle_width_mm[s] = NAN;
        p.asis_troc_mm[s] = 0.0;
        p.tibial_torsion_deg[s] = 0.0;
        p.sole_delta_mm[s] = 0.0;
        p.static_alpha_rad[s] = NAN;
        p.static_beta_rad[s] = NAN;
        p.thigh_rot_offset_deg[s] = 0.0;
    }
    p.inter_asis_mm = 0.0;
    p.marker_diameter_mm = 14.0;
    p.foot_flat = 0;
    p.hjc_harrington = 0;
    return p;
}

static void append(char *buf, size_t n, const char *name)
{
    if (!buf || n == 0)
        return;
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", len ? ", " : "", name);
}

int kc_pig_check_params(const kc_pig_params *p, char *missing, size_t n)
{
    static const char sc[2] = {'L', 'R'};
    char name[64];
    int bad = 0;
    if (missing && n)
        missing[0] = '\0';
#define REQ(cond, fmt, side)                        \
    do {                                            \
        if (!(cond)) {                              \
            snprintf(name, sizeof name, fmt, side); \
            append(missing, n, name);               \
            bad++;                                  \
        }                                           \
    } while (0)
    for (int s = 0; s < 2; s++)
        REQ(isfinite(p->leg_length_mm[s]) && p->leg_length_mm[s] > 0, "leg_length_%c_mm", sc[s]);
    for (int s = 0; s < 2; s++)
        REQ(isfinite(p->knee_width_mm[s]) && p->knee_width_mm[s] > 0, "knee_width_%c_mm", sc[s]);
    for (int s = 0; s < 2; s++)
        REQ(isfinite(p->ankle_width_mm[s]) && p->ankle_width_mm[s] > 0, "ankle_width_%c_mm",
            sc[s]);
    REQ(isfinite(p->inter_asis_mm) && p->inter_asis_mm >= 0, "inter_asis_mm%s", "");
    for (int s = 0; s < 2; s++)
        REQ(isfinite(p->asis_troc_mm[s]) && p->asis_troc_mm[s] >= 0, "asis_troc_%c_mm", sc[s]);
    REQ(isfinite(p->marker_diameter_mm) && p->marker_diameter_mm > 0, "marker_diameter_mm%s", "");
    for (int s = 0; s < 2; s++)
        REQ(isfinite(p->tibial_torsion_deg[s]) && fabs(p->tibial_torsion_deg[s]) <= 90,
            "tibial_torsion_%c_deg", sc[s]);
    for (int s = 0; s < 2; s++)
        REQ(isfinite(p->sole_delta_mm[s]), "sole_delta_%c_mm", sc[s]);
#undef REQ
    return bad ? KC_EINVAL : KC_OK;
}

int kc_pig_map_markers(char *const *labels, size_t M, int idx[KC_PIG_N_MARKERS], char *missing,
                       size_t n)
{
    int nmiss = 0;
    if (missing && n)
        missing[0] = '\0';
    for (int k = 0; k < KC_PIG_N_MARKERS; k++) {
        idx[k] = -1;
        for (size_t j = 0; j < M; j++)
            if (labels[j] && strcmp(labels[j], kc_pig_marker_names[k]) == 0) {
                idx[k] = (int)j;
                break;
            }
        if (idx[k] < 0) {
            nmiss++;
            append(missing, n, kc_pig_marker_names[k]);
        }
    }
    return nmiss;
}

void kc_pig_gather(const double *pos, size_t M, size_t f, const int idx[KC_PIG_N_MARKERS],
                   kc_vec3 mk[KC_PIG_N_MARKERS])
{
    for (int k = 0; k < KC_PIG_N_MARKERS; k++) {
        if (idx[k] < 0) {
            mk[k] = kc_v3(NAN, NAN, NAN);
            continue;
        }
        const double *q = pos + (f * M + (size_t)idx[k]) * 3;
        mk[k] = kc_v3(q[0], q[1], q[2]);
    }
}

static int v3_finite(kc_vec3 a) { return isfinite(a.x) && isfinite(a.y) && isfinite(a.z); }
static kc_vec3 mid(kc_vec3 a, kc_vec3 b) { return kc_v3_scale(kc_v3_add(a, b), 0.5); }
/* unit(a), NaN for a zero or non-finite vector (the library's kc_v3_unit keeps zero). */
static kc_vec3 unit(kc_vec3 a)
{
    double n = kc_v3_norm(a);
    if (!(n > 0) || !isfinite(n))
        return kc_v3(NAN, NAN, NAN);
    return kc_v3_scale(a, 1.0 / n);
}

/* document "Chord function" */
kc_vec3 kc_pig_chord(kc_vec3 I, kc_vec3 P, kc_vec3 J, double d)
{
    kc_vec3 ji = kc_v3_sub(J, I);
    double L = kc_v3_norm(ji);
    if (!(L > d) || !isfinite(L) || !isfinite(d))
        return kc_v3(NAN, NAN, NAN);
    kc_vec3 u = kc_v3_scale(ji, 1.0 / L);
    kc_vec3 ip = kc_v3_sub(P, I);
    kc_vec3 q = kc_v3_axpy(ip, -kc_v3_dot(ip, u), u);
    kc_vec3 w = kc_v3_scale(unit(q), -1.0);
    double r = sqrt(L * L - d * d);
    return kc_v3_add(I, kc_v3_add(kc_v3_scale(u, (L * L - d * d) / L),
                                  kc_v3_scale(w, d * r / L)));
}

/* document "Hip joint centre" */
static kc_vec3 hjc_davis(const kc_pig_params *p, int side, kc_vec3 o, kc_mat3 pel, kc_vec3 lasi,
                         kc_vec3 rasi)
{
    double mr = p->marker_diameter_mm / 2.0;
    double C = 0.115 * (p->leg_length_mm[0] + p->leg_length_mm[1]) / 2.0 - 15.3;
    double at = p->asis_troc_mm[side] != 0.0 ? p->asis_troc_mm[side]
                                               : 0.1288 * p->leg_length_mm[side] - 48.56;
    double ia = p->inter_asis_mm != 0.0 ? p->inter_asis_mm : kc_v3_norm(kc_v3_sub(lasi, rasi));
    double aa = ia / 2.0;
    double x = C * cos(PIG_THETA) * sin(PIG_BETA) - (at + mr) * cos(PIG_BETA);
    double y = (side == 0 ? 1.0 : -1.0) * (aa - C * sin(PIG_THETA));
    double z = -C * cos(PIG_THETA) * cos(PIG_BETA) - (at + mr) * sin(PIG_BETA);
    kc_vec3 r = kc_v3_axpy(o, x, kc_m3_col(pel, 0));
    r = kc_v3_axpy(r, y, kc_m3_col(pel, 1));
    return kc_v3_axpy(r, z, kc_m3_col(pel, 2));
}

/* document "Model kinechain": Harrington et al. 2007 in ISB pelvis axes (x anterior,
 * y superior, z lateral = right), origin mid-ASIS, mm: x = -0.24 PD - 9.9, y = -0.30 PW - 10.9,
 * z = +-(0.33 PW + 7.3). The PiG pelvis frame has the same anterior axis, Z = ISB y and
 * Y (left) = -ISB z, so in PiG pelvis coordinates X = x, Y = +(0.33 PW + 7.3) on the left and
 * -(...) on the right, Z = y. Marker centres are the landmarks (as pyCGM2). */
static kc_vec3 hjc_harrington(const kc_pig_params *p, int side, kc_vec3 o, kc_mat3 pel,
                              kc_vec3 lasi, kc_vec3 rasi, kc_vec3 sacr)
{
    double pw = p->inter_asis_mm != 0.0 ? p->inter_asis_mm : kc_v3_norm(kc_v3_sub(lasi, rasi));
    double pd = kc_v3_norm(kc_v3_sub(o, sacr));
    double x = -0.24 * pd - 9.9;
    double y = (side == 0 ? 1.0 : -1.0) * (0.33 * pw + 7.3);
    double z = -0.30 * pw - 10.9;
    kc_vec3 r = kc_v3_axpy(o, x, kc_m3_col(pel, 0));
    r = kc_v3_axpy(r, y, kc_m3_col(pel, 1));
    return kc_v3_axpy(r, z, kc_m3_col(pel, 2));
}

void kc_pig_pose_frame(const kc_pig_params *p, const kc_vec3 mk[KC_PIG_N_MARKERS],
                       kc_pig_pose *ps)
{
    /* Pelvis */
    kc_vec3 lasi = mk[KC_PIG_LASI], rasi = mk[KC_PIG_RASI];
    ps->o_pelvis = mid(lasi, rasi);
    ps->sacr = mid(mk[KC_PIG_LPSI], mk[KC_PIG_RPSI]);
    kc_vec3 Y = unit(kc_v3_sub(lasi, rasi));
    kc_vec3 w = kc_v3_sub(ps->o_pelvis, ps->sacr);
    kc_vec3 X = unit(kc_v3_axpy(w, -kc_v3_dot(w, Y), Y));
    ps->pelvis = kc_m3_from_cols(X, Y, kc_v3_cross(X, Y));
    double md = p->marker_diameter_mm;
    for (int s = 0; s < 2; s++) {
        kc_vec3 thi = mk[kc_pig_mk(s, KC_PIG_THI)], kne = mk[kc_pig_mk(s, KC_PIG_KNE)];
        kc_vec3 tib = mk[kc_pig_mk(s, KC_PIG_TIB)], ank = mk[kc_pig_mk(s, KC_PIG_ANK)];
        kc_vec3 toe = mk[kc_pig_mk(s, KC_PIG_TOE)];
        /* HJC, KJC, femur */
        kc_vec3 hjc = p->hjc_harrington
                          ? hjc_harrington(p, s, ps->o_pelvis, ps->pelvis, lasi, rasi, ps->sacr)
                          : hjc_davis(p, s, ps->o_pelvis, ps->pelvis, lasi, rasi);
        kc_vec3 kjc = kc_pig_chord(hjc, thi, kne, (p->knee_width_mm[s] + md) / 2.0);
        ps->hjc[s] = hjc;
        ps->kjc[s] = kjc;
        kc_vec3 fz = unit(kc_v3_sub(hjc, kjc));
        kc_vec3 kh = kc_v3_sub(kne, hjc);
        kc_vec3 fx = s == 1 ? unit(kc_v3_cross(fz, kh)) : unit(kc_v3_cross(kh, fz));
        ps->femur[s] = kc_m3_from_cols(fx, kc_v3_cross(fz, fx), fz);
        if (p->thigh_rot_offset_deg[s] != 0.0)
            ps->femur[s] = kc_m3_mul(ps->femur[s], kc_m3_rotz(p->thigh_rot_offset_deg[s] * KC_DEG));
        /* AJC, tibia untorsioned and torsioned */
        kc_vec3 ajc = kc_pig_chord(kjc, tib, ank, (p->ankle_width_mm[s] + md) / 2.0);
        ps->ajc[s] = ajc;
        kc_vec3 tz = unit(kc_v3_sub(kjc, ajc));
        kc_vec3 ta = kc_v3_sub(tib, ank);
        kc_vec3 tx = s == 1 ? unit(kc_v3_cross(tz, ta)) : unit(kc_v3_cross(ta, tz));
        kc_vec3 ty = kc_v3_cross(tz, tx);
        ps->tibia[s] = kc_m3_from_cols(tx, ty, tz);
        double tau = p->tibial_torsion_deg[s] * KC_DEG, ct = cos(tau), st = sin(tau);
        kc_vec3 tx2 = kc_v3_sub(kc_v3_scale(tx, ct), kc_v3_scale(ty, st));
        kc_vec3 ty2 = kc_v3_add(kc_v3_scale(tx, st), kc_v3_scale(ty, ct));
        ps->tibia_t[s] = kc_m3_from_cols(tx2, ty2, tz);
        /* Foot uncorrected and corrected */
        kc_vec3 uz = unit(kc_v3_sub(ajc, toe));
        kc_vec3 ux = unit(kc_v3_cross(ty2, uz));
        ps->foot_u[s] = kc_m3_from_cols(ux, kc_v3_cross(uz, ux), uz);
        ps->foot_f[s] = kc_m3_mul(ps->foot_u[s], kc_m3_mul(kc_m3_roty(-p->static_beta_rad[s]),
                                                           kc_m3_rotx(-p->static_alpha_rad[s])));
    }
    /* Thorax */
    kc_vec3 upper = mid(mk[KC_PIG_C7], mk[KC_PIG_CLAV]), lower = mid(mk[KC_PIG_T10], mk[KC_PIG_STRN]);
    kc_vec3 front = mid(mk[KC_PIG_CLAV], mk[KC_PIG_STRN]), back = mid(mk[KC_PIG_C7], mk[KC_PIG_T10]);
    kc_vec3 hz = unit(kc_v3_sub(upper, lower));
    kc_vec3 v = kc_v3_sub(front, back);
    kc_vec3 hx = unit(kc_v3_axpy(v, -kc_v3_dot(v, hz), hz));
    ps->thorax = kc_m3_from_cols(hx, kc_v3_cross(hz, hx), hz);
}

static double wrap(double d) { return isfinite(d) ? kc_wrap_deg(d) : NAN; }

/* document "Joint angles", the output table */
void kc_pig_channel_out(int kind, int side, double a, double b, double c, double out[3])
{
    int l = side == 0;
    switch (kind) {
    case KC_PIG_PELVIS:
    case KC_PIG_THORAX:
        out[0] = a;
        out[1] = l ? b : -b;
        out[2] = l ? -c : c;
        break;
    case KC_PIG_HIP:
        out[0] = -a;
        out[1] = l ? -b : b;
        out[2] = l ? -c : c;
        break;
    case KC_PIG_KNEE:
        out[0] = a;
        out[1] = l ? -b : b;
        out[2] = l ? -c : c;
        break;
    case KC_PIG_ANKLE:
        out[0] = -(a + 90.0);
        out[1] = l ? -c : c;
        out[2] = l ? -b : b;
        break;
    default: /* foot progression */
        out[0] = a;
        out[1] = l ? c : -c;
        out[2] = l ? -b : b;
        break;
    }
    for (int k = 0; k < 3; k++)
        out[k] = wrap(out[k]);
}

static int m3_finite(kc_mat3 R)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (!isfinite(R.m[i][j]))
                return 0;
    return 1;
}

void kc_pig_frame(const kc_pig_params *p, const kc_vec3 mk[KC_PIG_N_MARKERS], kc_mat3 prog,
                  double ang[KC_PIG_N_ANGLES][3], double jc[KC_PIG_N_CENTRES][3])
{
    kc_pig_pose ps;
    kc_pig_pose_frame(p, mk, &ps);
    for (int kind = 0; kind < KC_PIG_N_KIND; kind++)
        for (int s = 0; s < 2; s++) {
            kc_mat3 P, D;
            switch (kind) {
            case KC_PIG_PELVIS: P = prog; D = ps.pelvis; break;
            case KC_PIG_HIP: P = ps.pelvis; D = ps.femur[s]; break;
            case KC_PIG_KNEE: P = ps.femur[s]; D = ps.tibia[s]; break;
            case KC_PIG_ANKLE: P = ps.tibia_t[s]; D = ps.foot_f[s]; break;
            case KC_PIG_FOOTPROG: P = prog; D = ps.foot_f[s]; break;
            default: P = prog; D = ps.thorax; break;
            }
            double *out = ang[2 * kind + s];
            if (!m3_finite(P) || !m3_finite(D)) {
                out[0] = out[1] = out[2] = NAN;
                continue;
            }
            double a, b, c;
            kc_cardan_yxz(kc_m3_mul(kc_m3_transpose(P), D), &a, &b, &c);
            kc_pig_channel_out(kind, s, a / KC_DEG, b / KC_DEG, c / KC_DEG, out);
        }
    for (int s = 0; s < 2; s++) {
        kc_vec3 c3[3] = {ps.hjc[s], ps.kjc[s], ps.ajc[s]};
        for (int j = 0; j < 3; j++) {
            double *o = jc[2 * j + s];
            int ok = v3_finite(c3[j]);
            o[0] = ok ? c3[j].x : NAN;
            o[1] = ok ? c3[j].y : NAN;
            o[2] = ok ? c3[j].z : NAN;
        }
    }
}

void kc_pig_compute(const kc_pig_params *p, const double *pos, size_t F, size_t M,
                    const int idx[KC_PIG_N_MARKERS], kc_mat3 prog, double *angles,
                    double *centres)
{
    long nf = (long)F;
    /* Threads only for long trials: a frame costs ~2 us, so a 3.7 s drop jump at 200 Hz is
     * ~1.3 ms of work (0.7 ms with a warm second thread, measured in-process), while in a
     * whole kc-ik run on shared cores (load average 7-9 on 2 cores) 2 threads made the run
     * 20-36 ms slower than 1: starting, waking and joining the second thread waits for the
     * scheduler. Below KC_PIG_PARALLEL_MIN_FRAMES frames (~30 ms of work) the loop runs on
     * the calling thread. Frames are independent, so the results are the same either way. */
#pragma omp parallel for schedule(static) if (nf >= KC_PIG_PARALLEL_MIN_FRAMES)
    for (long fi = 0; fi < nf; fi++) {
        size_t f = (size_t)fi;
        kc_vec3 mk[KC_PIG_N_MARKERS];
        double ang[KC_PIG_N_ANGLES][3], jc[KC_PIG_N_CENTRES][3];
        kc_pig_gather(pos, M, f, idx, mk);
        kc_pig_frame(p, mk, prog, ang, jc);
        for (int c = 0; c < KC_PIG_N_ANGLES; c++)
            memcpy(angles + ((size_t)c * F + f) * 3, ang[c], sizeof ang[c]);
        for (int c = 0; c < KC_PIG_N_CENTRES; c++)
            memcpy(centres + ((size_t)c * F + f) * 3, jc[c], sizeof jc[c]);
    }
}

/* document "Static offsets" */
int kc_pig_calibrate(kc_pig_params *p, const double *pos, size_t F, size_t M,
                     const int idx[KC_PIG_N_MARKERS])
{
    kc_vec3 mean[KC_PIG_N_MARKERS];
    char missing[512] = "";
    int nmiss = 0;
    for (int k = 0; k < KC_PIG_N_MARKERS; k++) {
        double sx = 0, sy = 0, sz = 0;
        size_t n = 0;
        for (size_t f = 0; f < F && idx[k] >= 0; f++) {
            const double *q = pos + (f * M + (size_t)idx[k]) * 3;
            if (isfinite(q[0]) && isfinite(q[1]) && isfinite(q[2])) {
                sx += q[0];
                sy += q[1];
                sz += q[2];
                n++;
            }
        }
        if (n == 0) {
            mean[k] = kc_v3(NAN, NAN, NAN);
            /* the thorax markers are not needed for the calibration */
            if (k < KC_PIG_C7 || k >= KC_PIG_SIDE0) {
                append(missing, sizeof missing, kc_pig_marker_names[k]);
                nmiss++;
            }
        } else {
            mean[k] = kc_v3(sx / (double)n, sy / (double)n, sz / (double)n);
        }
    }
    if (nmiss) {
        KC_ERROR("the static trial has no valid frame of marker%s %s", nmiss > 1 ? "s" : "",
                 missing);
        return KC_EINVAL;
    }
    if (p->inter_asis_mm == 0.0) {
        double s = 0;
        size_t n = 0;
        for (size_t f = 0; f < F; f++) {
            const double *a = pos + (f * M + (size_t)idx[KC_PIG_LASI]) * 3;
            const double *b = pos + (f * M + (size_t)idx[KC_PIG_RASI]) * 3;
            double d = sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                            (a[2] - b[2]) * (a[2] - b[2]));
            if (isfinite(d)) {
                s += d;
                n++;
            }
        }
        if (n == 0) {
            KC_ERROR("the static trial has no frame with both LASI and RASI");
            return KC_EINVAL;
        }
        p->inter_asis_mm = s / (double)n;
    }
    kc_pig_pose ps;
    kc_pig_pose_frame(p, mean, &ps);
    for (int s = 0; s < 2; s++) {
        kc_vec3 hee = mean[kc_pig_mk(s, KC_PIG_HEE)], toe = mean[kc_pig_mk(s, KC_PIG_TOE)];
        if (p->foot_flat)
            hee.z = toe.z + p->sole_delta_mm[s];
        kc_vec3 za = kc_m3_apply(kc_m3_transpose(ps.foot_u[s]), unit(kc_v3_sub(hee, toe)));
        double sy = za.y > 1.0 ? 1.0 : za.y < -1.0 ? -1.0 : za.y;
        p->static_alpha_rad[s] = asin(sy);
        p->static_beta_rad[s] = atan2(-za.x, za.z);
        if (!isfinite(p->static_alpha_rad[s]) || !isfinite(p->static_beta_rad[s])) {
            KC_ERROR("the static foot offsets of the %s side are not finite (check the %s "
                     "leg's markers and parameters)", s ? "right" : "left", s ? "right" : "left");
            return KC_ENUMERIC;
        }
    }
    return KC_OK;
}

/* snap a horizontal direction to the lab's +-X or +-Y (X on a tie) */
static int snap(double hx, double hy, kc_mat3 *prog)
{
    if (!isfinite(hx) || !isfinite(hy) || (hx == 0.0 && hy == 0.0))
        return 0;
    kc_vec3 X = fabs(hx) >= fabs(hy) ? kc_v3(hx > 0 ? 1 : -1, 0, 0) : kc_v3(0, hy > 0 ? 1 : -1, 0);
    kc_vec3 Z = kc_v3(0, 0, 1);
    *prog = kc_m3_from_cols(X, kc_v3_cross(Z, X), Z);
    return 1;
}

/* document "Progression frame" */
int kc_pig_progression(const double *pos, size_t F, size_t M, const int idx[KC_PIG_N_MARKERS],
                       kc_mat3 *prog, int *branch)
{
    kc_vec3 n3 = kc_v3(NAN, NAN, NAN);
    *prog = kc_m3_from_cols(n3, n3, n3);
    *branch = 0;
    if (F == 0 || idx[KC_PIG_LASI] < 0)
        return KC_ENUMERIC;
    long first = -1, last = -1;
    for (size_t f = 0; f < F; f++) {
        const double *q = pos + (f * M + (size_t)idx[KC_PIG_LASI]) * 3;
        if (isfinite(q[0]) && isfinite(q[1]) && isfinite(q[2])) {
            if (first < 0)
                first = (long)f;
            last = (long)f;
        }
    }
    if (first >= 0) {
        const double *a = pos + ((size_t)first * M + (size_t)idx[KC_PIG_LASI]) * 3;
        const double *b = pos + ((size_t)last * M + (size_t)idx[KC_PIG_LASI]) * 3;
        double dx = b[0] - a[0], dy = b[1] - a[1];
        if (hypot(dx, dy) > 800.0 && snap(dx, dy, prog)) {
            *branch = 1;
            return KC_OK;
        }
    }
    size_t i0 = (size_t)floor(0.45 * (double)F);
    size_t nw = (size_t)floor(0.1 * (double)F + 0.5);
    if (nw < 1)
        nw = 1;
    double hx = 0, hy = 0;
    size_t used = 0;
    for (size_t f = i0; f < i0 + nw && f < F; f++) {
        kc_vec3 mk[KC_PIG_N_MARKERS];
        kc_pig_gather(pos, M, f, idx, mk);
        kc_vec3 o = mid(mk[KC_PIG_LASI], mk[KC_PIG_RASI]);
        kc_vec3 sacr = mid(mk[KC_PIG_LPSI], mk[KC_PIG_RPSI]);
        kc_vec3 d = kc_v3_sub(o, sacr);
        if (!v3_finite(d))
            continue;
        hx += d.x;
        hy += d.y;
        used++;
    }
    if (used && snap(hx / (double)used, hy / (double)used, prog)) {
        *branch = 2;
        return KC_OK;
    }
    return KC_ENUMERIC;
}

int kc_pig_params_to_attrs(const kc_pig_params *p, kc_attrs *a)
{
    static const char sc[2] = {'L', 'R'};
    char n[64];
    int st = kc_attrs_set_str(a, "name", p->hjc_harrington ? "kinechain" : "pig");
    for (int s = 0; s < 2 && !st; s++) {
#define SET(fmt, v)                           \
    if (!st) {                                \
        snprintf(n, sizeof n, fmt, sc[s]);    \
        st = kc_attrs_set_f64(a, n, (v));     \
    }
        SET("leg_length_%c_mm", p->leg_length_mm[s]);
        SET("knee_width_%c_mm", p->knee_width_mm[s]);
        SET("ankle_width_%c_mm", p->ankle_width_mm[s]);
        SET("asis_troc_%c_mm", p->asis_troc_mm[s]);
        SET("asis_troc_used_%c_mm", p->asis_troc_mm[s] != 0.0
                                        ? p->asis_troc_mm[s]
                                        : 0.1288 * p->leg_length_mm[s] - 48.56);
        SET("tibial_torsion_%c_deg", p->tibial_torsion_deg[s]);
        SET("sole_delta_%c_mm", p->sole_delta_mm[s]);
        SET("static_alpha_%c_rad", p->static_alpha_rad[s]);
        SET("static_beta_%c_rad", p->static_beta_rad[s]);
        SET("static_plant_flex_%c_deg", p->static_beta_rad[s] / KC_DEG);
        SET("static_rot_off_%c_deg", (s ? -1.0 : 1.0) * p->static_alpha_rad[s] / KC_DEG);
        SET("thigh_rotation_offset_%c_deg", p->thigh_rot_offset_deg[s]);
#undef SET
    }
    if (!st)
        st = kc_attrs_set_f64(a, "inter_asis_mm", p->inter_asis_mm);
    if (!st)
        st = kc_attrs_set_f64(a, "marker_diameter_mm", p->marker_diameter_mm);
    if (!st)
        st = kc_attrs_set_f64(a, "foot_flat", p->foot_flat);
    if (!st)
        st = kc_attrs_set_str(a, "hip_joint_centre",
                              p->hjc_harrington
                                  ? "Harrington et al. 2007 (J Biomech 40:595), PW = inter-ASIS, "
                                    "PD = |mid-ASIS - mid-PSIS| per frame, marker centres"
                                  : "Davis (Plug-in Gait constants)");
    if (!st)
        st = kc_attrs_set_str(a, "definition", "docs/pig-model.md");
    return st;
}


/* ---- functional thigh-rotation offset (docs/pig-model.md) ---------------------------------- */

/* variance of the knee abduction of rel[n] (F^T T per frame) after F' = F·Rz(phi)·Rx(eps) */
static double abd_variance(const kc_mat3 *rel, size_t n, double phi_rad, double eps_rad)
{
    kc_mat3 Q = kc_m3_transpose(kc_m3_mul(kc_m3_rotz(phi_rad), kc_m3_rotx(eps_rad)));
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double a, b, c;
        kc_cardan_yxz(kc_m3_mul(Q, rel[i]), &a, &b, &c);
        s += b;
        s2 += b * b;
    }
    double m = s / (double)n;
    return s2 / (double)n - m * m;
}

/* golden-section minimum of f(x) on [lo, hi] to tol (x in degrees) */
typedef double (*fun1)(const kc_mat3 *rel, size_t n, double x_deg, double other_deg);
static double golden(fun1 f, const kc_mat3 *rel, size_t n, double other, double lo, double hi,
                     double tol, double *fmin)
{
    double gr = (sqrt(5.0) - 1.0) / 2.0;
    double x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
    double v1 = f(rel, n, x1, other), v2 = f(rel, n, x2, other);
    while (hi - lo > tol) {
        if (v1 < v2) {
            hi = x2;
            x2 = x1;
            v2 = v1;
            x1 = hi - gr * (hi - lo);
            v1 = f(rel, n, x1, other);
        } else {
            lo = x1;
            x1 = x2;
            v1 = v2;
            x2 = lo + gr * (hi - lo);
            v2 = f(rel, n, x2, other);
        }
    }
    double x = 0.5 * (lo + hi);
    if (fmin)
        *fmin = f(rel, n, x, other);
    return x;
}

/* variance at (phi, eps) in degrees: the inner function of the eps search */
static double var_eps(const kc_mat3 *rel, size_t n, double eps_deg, double phi_deg)
{
    return abd_variance(rel, n, phi_deg * KC_DEG, eps_deg * KC_DEG);
}

/* the variance at phi with the best tilt eps in [-KC_FUNC_TILT_MAX, +KC_FUNC_TILT_MAX], eps
 * to tol_deg */
#define KC_FUNC_TILT_MAX 15.0
static double var_phi(const kc_mat3 *rel, size_t n, double phi_deg, double tol_deg)
{
    double v;
    golden(var_eps, rel, n, phi_deg, -KC_FUNC_TILT_MAX, KC_FUNC_TILT_MAX, tol_deg, &v);
    return v;
}

/* rotation vector (axis * angle) of R */
static kc_vec3 rotvec(kc_mat3 R)
{
    double c = (R.m[0][0] + R.m[1][1] + R.m[2][2] - 1.0) / 2.0;
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    double th = acos(c);
    kc_vec3 w = kc_v3(R.m[2][1] - R.m[1][2], R.m[0][2] - R.m[2][0], R.m[1][0] - R.m[0][1]);
    double n = kc_v3_norm(w);
    if (!(n > 1e-12))
        return kc_v3(0, 0, 0);
    return kc_v3_scale(w, th / n);
}

int kc_pig_functional_offset(const kc_pig_params *p, const double *pos, size_t F, size_t M,
                             const int idx[KC_PIG_N_MARKERS], int side, double min_flex_deg,
                             double max_flex_deg, kc_pig_functional *out)
{
    out->offset_deg = out->sd_before_deg = out->sd_after_deg = out->axis_deg = NAN;
    out->tilt_deg = NAN;
    out->flex_range_deg = NAN;
    out->n_frames = 0;
    kc_mat3 *rel = malloc((F ? F : 1) * sizeof *rel);
    if (!rel)
        return KC_ENOMEM;
    kc_pig_params q = *p;
    q.thigh_rot_offset_deg[0] = q.thigh_rot_offset_deg[1] = 0.0;
    size_t n = 0, i_min = 0;
    double flo = INFINITY, fhi = -INFINITY;
    for (size_t f = 0; f < F; f++) {
        kc_vec3 mk[KC_PIG_N_MARKERS];
        kc_pig_pose ps;
        kc_pig_gather(pos, M, f, idx, mk);
        kc_pig_pose_frame(&q, mk, &ps);
        if (!m3_finite(ps.femur[side]) || !m3_finite(ps.tibia[side]))
            continue;
        kc_mat3 R = kc_m3_mul(kc_m3_transpose(ps.femur[side]), ps.tibia[side]);
        double a, b, c;
        kc_cardan_yxz(R, &a, &b, &c);
        double flex = a / KC_DEG; /* the knee channel's flexion is the raw Y angle */
        if (!(flex >= min_flex_deg && flex <= max_flex_deg))
            continue;
        if (flex < flo) {
            flo = flex;
            i_min = n;
        }
        if (flex > fhi)
            fhi = flex;
        rel[n++] = R;
    }
    out->n_frames = n;
    out->flex_range_deg = n ? fhi - flo : 0.0;
    if (n < 20 || fhi - flo < 40.0) {
        free(rel);
        KC_ERROR("the functional trial has %zu usable %s-knee frames over %.1f deg of flexion "
                 "(needs >= 20 frames over >= 40 deg)", n, side ? "right" : "left",
                 n ? fhi - flo : 0.0);
        return KC_EINVAL;
    }
    /* phi with the nuisance tilt eps profiled out: grid, then golden section around the best
     * grid point; eps is searched by golden section at every phi */
    double best = 0, bv = INFINITY;
    for (int g = -45; g <= 45; g++) {
        double v = var_phi(rel, n, (double)g, 0.01);
        if (v < bv) {
            bv = v;
            best = (double)g;
        }
    }
    out->offset_deg = golden(var_phi, rel, n, 1e-4, best - 1.0, best + 1.0, 1e-4, NULL);
    out->tilt_deg = golden(var_eps, rel, n, out->offset_deg, -KC_FUNC_TILT_MAX,
                           KC_FUNC_TILT_MAX, 1e-4, NULL);
    out->sd_before_deg = sqrt(fmax(abd_variance(rel, n, 0.0, 0.0), 0.0)) / KC_DEG;
    out->sd_after_deg = sqrt(fmax(abd_variance(rel, n, out->offset_deg * KC_DEG,
                                               out->tilt_deg * KC_DEG), 0.0)) / KC_DEG;
    /* helical-axis diagnostic: the finite rotations from the least-flexed frame, each axis
     * (femur coordinates) weighted by its angle and oriented with the flexion */
    kc_vec3 sum = kc_v3(0, 0, 0);
    kc_mat3 R0t = kc_m3_transpose(rel[i_min]);
    for (size_t i = 0; i < n; i++) {
        kc_vec3 w = rotvec(kc_m3_mul(rel[i], R0t));
        if (w.y < 0)
            w = kc_v3_scale(w, -1.0);
        sum = kc_v3_add(sum, w);
    }
    out->axis_deg = atan2(-sum.x, sum.y) / KC_DEG;
    free(rel);
    return KC_OK;
}
