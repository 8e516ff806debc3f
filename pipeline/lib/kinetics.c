/* Kinetics: force plates at the marker rate, foot-to-plate assignment, Plug-in Gait-compatible
 * inverse dynamics and landing metrics (see kinetics.h and docs/kinetics.md). */
#include "kinechain/kinetics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/filter.h"
#include "kinechain/linalg.h"
#include "kinechain/log.h"

/* Dempster via Winter 2009 Table 4.1 (foot LMAL-MT2, leg KJC-MMAL, thigh GTR-KJC): mass
 * fraction, CoM from the proximal end, radius of gyration (fractions of the segment length).
 * Plug-in Gait uses these with its own segment ends and lengths: tibia KJC-AJC, femur
 * HJC-KJC; the foot's length is the heel-to-toe marker distance |TOE - HEE| (measured against
 * Nexus, docs/kinetics.md), its CoM on the line AJC -> TOE at 0.5 of that length from the
 * AJC. */
const kc_kin_bsp kc_kin_bsp_pig[KC_KIN_N_SEG] = {
    {0.0145, 0.50, 0.69},
    {0.0465, 0.433, 0.528},
    {0.100, 0.433, 0.54},
};

kc_kin_options kc_kin_default_options(void)
{
    kc_kin_options o = {NAN, 0.0, 10.0, 0};
    return o;
}

void kc_kin_plates_free(kc_kin_plates *p)
{
    if (!p)
        return;
    free(p->force);
    free(p->moment);
    free(p->cop);
    p->force = p->moment = p->cop = NULL;
}

int kc_kin_plates_resample(const kc_forceplate *fp, size_t n_plates, double rate_hz,
                           size_t n_frames, double cutoff_hz, double threshold_n,
                           const char *source, kc_kin_plates *out)
{
    memset(out, 0, sizeof *out);
    if (!source)
        source = "input";
    if (n_plates > 8) {
        KC_ERROR("\"%s\": %zu force plates, at most 8 supported", source, n_plates);
        return KC_EINVAL;
    }
    if (!(rate_hz > 0) || !(cutoff_hz >= 0)) {
        KC_ERROR("\"%s\": invalid marker rate %g Hz or cutoff %g Hz", source, rate_hz, cutoff_hz);
        return KC_EINVAL;
    }
    for (size_t i = 0; i < n_plates; i++) {
        double s = 0;
        int finite = 1;
        for (int c = 0; c < 4; c++)
            for (int k = 0; k < 3; k++) {
                finite &= isfinite(fp[i].corners[c][k]);
                s += fabs(fp[i].corners[c][k]);
            }
        if (!finite || s == 0) {
            KC_ERROR("\"%s\": force plate %zu has no calibration (corners missing or zero)",
                     source, i);
            return KC_EINVAL;
        }
        double r = fp[i].rate_hz / rate_hz;
        if (!(r >= 1) || fabs(r - floor(r + 0.5)) > 1e-6) {
            KC_ERROR("\"%s\": force plate %zu rate %g Hz is not a multiple of the marker rate "
                     "%g Hz", source, i, fp[i].rate_hz, rate_hz);
            return KC_EINVAL;
        }
    }
    size_t P = n_plates, F = n_frames;
    out->n_plates = P;
    out->n_frames = F;
    out->force = malloc((P * F * 3 + 1) * sizeof(double));
    out->moment = malloc((P * F * 3 + 1) * sizeof(double));
    out->cop = malloc((P * F * 3 + 1) * sizeof(double));
    if (!out->force || !out->moment || !out->cop) {
        kc_kin_plates_free(out);
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < P; i++) {
        const kc_forceplate *q = &fp[i];
        size_t r = (size_t)floor(q->rate_hz / rate_hz + 0.5), n = q->n;
        memcpy(out->origin[i], q->origin, sizeof q->origin);
        memcpy(out->corners[i], q->corners, sizeof q->corners);
        double *sig = malloc((6 * n + 1) * sizeof(double));
        size_t pad = kc_filter_default_pad(q->rate_hz);
        double *work = malloc((2 * n + 2 * pad + 1) * sizeof(double));
        if (!sig || !work) {
            free(sig);
            free(work);
            kc_kin_plates_free(out);
            return KC_ENOMEM;
        }
        for (size_t j = 0; j < n; j++)
            for (int k = 0; k < 3; k++) {
                sig[j * 6 + k] = q->force[j * 3 + k];
                sig[j * 6 + 3 + k] = q->moment[j * 3 + k];
            }
        int st = KC_OK;
        if (cutoff_hz > 0)
            for (int k = 0; k < 6 && !st; k++)
                st = kc_filter_signal(sig + k, n, 6, cutoff_hz, q->rate_hz, pad, work);
        free(work);
        if (st) {
            KC_ERROR("\"%s\": cannot filter force plate %zu at %g Hz", source, i, cutoff_hz);
            free(sig);
            kc_kin_plates_free(out);
            return st;
        }
        for (size_t f = 0; f < F; f++) {
            double acc[6] = {0, 0, 0, 0, 0, 0};
            size_t cnt = 0;
            /* the samples within half a frame interval of the frame's time, both ends
             * included (r = 10: f·r − 5 .. f·r + 5): reproduces Nexus's GroundReactionForce
             * exactly on the BTK captures (docs/kinetics.md) */
            size_t h = r / 2, j0 = f * r >= h ? f * r - h : 0;
            for (size_t j = j0; j <= f * r + h && j < n; j++) {
                int ok = 1;
                for (int k = 0; k < 6; k++)
                    ok &= isfinite(sig[j * 6 + k]);
                if (!ok)
                    continue;
                for (int k = 0; k < 6; k++)
                    acc[k] += sig[j * 6 + k];
                cnt++;
            }
            double *fo = out->force + (i * F + f) * 3, *mo = out->moment + (i * F + f) * 3,
                   *co = out->cop + (i * F + f) * 3;
            for (int k = 0; k < 3; k++) {
                fo[k] = cnt ? acc[k] / (double)cnt : 0.0;
                mo[k] = cnt ? acc[3 + k] / (double)cnt : 0.0;
            }
            if (!(fo[2] > threshold_n)) {
                for (int k = 0; k < 3; k++) {
                    fo[k] = mo[k] = 0;
                    co[k] = NAN;
                }
                continue;
            }
            /* M = (cop - origin) x F + (0, 0, Tz), cop on the plate's top plane */
            co[0] = q->origin[0] - mo[1] / fo[2];
            co[1] = q->origin[1] + mo[0] / fo[2];
            co[2] = q->origin[2];
        }
        free(sig);
    }
    return KC_OK;
}

/* ---- foot assignment ---- */

static int in_polygon(const double c[4][3], double x, double y)
{
    int inside = 0;
    for (int i = 0, j = 3; i < 4; j = i++) {
        double xi = c[i][0], yi = c[i][1], xj = c[j][0], yj = c[j][1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            inside = !inside;
    }
    return inside;
}

/* the CoP (x, y) inside the footprint of a foot: band HEE -> TOE */
static int in_footprint(kc_vec3 hee, kc_vec3 toe, double x, double y)
{
    double ux = toe.x - hee.x, uy = toe.y - hee.y, L = hypot(ux, uy);
    if (!(L > 0))
        return 0;
    ux /= L;
    uy /= L;
    double dx = x - hee.x, dy = y - hee.y;
    double s = dx * ux + dy * uy, t = -dx * uy + dy * ux;
    return s >= -40.0 && s <= L + 40.0 && fabs(t) <= 60.0;
}

/* the footprint's corners (the band of in_footprint) */
static int footprint_corners(kc_vec3 hee, kc_vec3 toe, double out[4][2])
{
    double ux = toe.x - hee.x, uy = toe.y - hee.y, L = hypot(ux, uy);
    if (!(L > 0))
        return 0;
    ux /= L;
    uy /= L;
    const double s[4] = {-40.0, L + 40.0, L + 40.0, -40.0}, t[4] = {-60.0, -60.0, 60.0, 60.0};
    for (int i = 0; i < 4; i++) {
        out[i][0] = hee.x + s[i] * ux - t[i] * uy;
        out[i][1] = hee.y + s[i] * uy + t[i] * ux;
    }
    return 1;
}

/* (x, y) inside the convex hull of both feet's footprints: under a foot or between them */
static int between_feet(const kc_vec3 mk[KC_PIG_N_MARKERS], double x, double y)
{
    double p[8][2];
    for (int s = 0; s < 2; s++)
        if (!footprint_corners(mk[kc_pig_mk(s, KC_PIG_HEE)], mk[kc_pig_mk(s, KC_PIG_TOE)],
                               p + 4 * s))
            return 0;
    /* inside the hull <=> not strictly outside some edge (i, j) that has every point on
     * one side: check each pair of points as a candidate hull edge */
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            if (i == j)
                continue;
            double ex = p[j][0] - p[i][0], ey = p[j][1] - p[i][1];
            if (!(hypot(ex, ey) > 0))
                continue;
            int left = 1;
            for (int k = 0; k < 8 && left; k++)
                left = ex * (p[k][1] - p[i][1]) - ey * (p[k][0] - p[i][0]) >= -1e-9;
            /* (i, j) is a hull edge with the points on its left: the CoP must be too */
            if (left && ex * (y - p[i][1]) - ey * (x - p[i][0]) < 0)
                return 0;
        }
    return 1;
}

int kc_kin_contacts(const kc_kin_plates *pl, const kc_vec3 (*mk)[KC_PIG_N_MARKERS],
                    double rate_hz, kc_kin_contact **contacts, size_t *n_contacts)
{
    size_t F = pl->n_frames, n = 0, cap = 16;
    kc_kin_contact *c = malloc(cap * sizeof *c);
    if (!c)
        return KC_ENOMEM;
    for (size_t p = 0; p < pl->n_plates; p++) {
        size_t f = 0;
        while (f < F) {
            if (!isfinite(pl->cop[(p * F + f) * 3])) {
                f++;
                continue;
            }
            size_t a = f;
            while (f < F && isfinite(pl->cop[(p * F + f) * 3]))
                f++;
            if (n == cap) {
                kc_kin_contact *t = realloc(c, 2 * cap * sizeof *c);
                if (!t) {
                    free(c);
                    return KC_ENOMEM;
                }
                c = t;
                cap *= 2;
            }
            kc_kin_contact *k = &c[n++];
            k->plate = (int)p;
            k->first = a;
            k->last = f - 1;
            k->side = -1;
            k->flag = KC_CONTACT_NO_FOOT;
            k->involved = 0;
            size_t len = f - a, under[2] = {0, 0}, standing[2] = {0, 0}, between = 0;
            for (size_t g = a; g < f; g++) {
                const double *co = pl->cop + (p * F + g) * 3;
                between += between_feet(mk[g], co[0], co[1]);
                for (int s = 0; s < 2; s++) {
                    kc_vec3 hee = mk[g][kc_pig_mk(s, KC_PIG_HEE)],
                            toe = mk[g][kc_pig_mk(s, KC_PIG_TOE)];
                    under[s] += in_footprint(hee, toe, co[0], co[1]);
                    /* standing on the plate: heel and toe inside, heel slow */
                    size_t g0 = g ? g - 1 : g, g1 = g + 1 < F ? g + 1 : g;
                    kc_vec3 h0 = mk[g0][kc_pig_mk(s, KC_PIG_HEE)],
                            h1 = mk[g1][kc_pig_mk(s, KC_PIG_HEE)];
                    double v = hypot(h1.x - h0.x, h1.y - h0.y) * rate_hz /
                               (double)(g1 > g0 ? g1 - g0 : 1);
                    if (in_polygon(pl->corners[p], hee.x, hee.y) &&
                        in_polygon(pl->corners[p], toe.x, toe.y) && v < 300.0)
                        standing[s]++;
                }
            }
            int cand[2];
            for (int s = 0; s < 2; s++) {
                cand[s] = (double)under[s] >= 0.8 * (double)len;
                if ((double)under[s] >= 0.2 * (double)len)
                    k->involved |= 1 << s;
            }
            if (cand[0] && cand[1]) {
                k->flag = KC_CONTACT_BOTH_FEET;
                k->involved = 3;
            } else if (!cand[0] && !cand[1] && (double)between >= 0.8 * (double)len) {
                /* the CoP between the feet (in the hull of both footprints, under neither):
                 * what both feet on one plate look like; each foot's share is unknown, so
                 * both feet get NaN kinetics, never a leg without its ground reaction */
                k->involved = 3;
            } else if (cand[0] || cand[1]) {
                int s = cand[0] ? 0 : 1;
                if ((double)standing[1 - s] >= 0.2 * (double)len) {
                    k->flag = KC_CONTACT_BOTH_FEET;
                    k->involved = 3;
                } else {
                    k->side = s;
                    k->flag = KC_CONTACT_OK;
                }
            }
        }
    }
    /* a foot on two plates at once: in frames both plates are loaded, both CoPs lie under
     * the same foot */
    for (size_t i = 0; i < n; i++) {
        if (c[i].side < 0 && c[i].flag != KC_CONTACT_NO_FOOT)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (j == i || c[j].plate == c[i].plate || c[j].first > c[i].last ||
                c[j].last < c[i].first)
                continue;
            int s = c[i].side >= 0 ? c[i].side : c[j].side;
            /* the pair: both given to foot s, or one given to s and the other unassigned
             * with its CoP under s at times */
            if (s < 0 || (c[i].side >= 0 && c[j].side >= 0 && c[i].side != c[j].side) ||
                (c[i].side < 0 && !(c[i].involved & (1 << s))) ||
                (c[j].side < 0 && c[j].flag != KC_CONTACT_TWO_PLATES &&
                 !(c[j].involved & (1 << s))))
                continue;
            size_t a = c[i].first > c[j].first ? c[i].first : c[j].first;
            size_t b = c[i].last < c[j].last ? c[i].last : c[j].last;
            size_t both = 0;
            for (size_t g = a; g <= b; g++) {
                const double *ci = pl->cop + ((size_t)c[i].plate * F + g) * 3,
                             *cj = pl->cop + ((size_t)c[j].plate * F + g) * 3;
                kc_vec3 hee = mk[g][kc_pig_mk(s, KC_PIG_HEE)],
                        toe = mk[g][kc_pig_mk(s, KC_PIG_TOE)];
                both += in_footprint(hee, toe, ci[0], ci[1]) &&
                        in_footprint(hee, toe, cj[0], cj[1]);
            }
            /* at least 3 frames (or the whole overlap): not a CoP wandering in plate noise */
            if (both >= 3 || (both > 0 && both == b - a + 1)) {
                /* keep the feet an already flagged contact involves (a CoP between the feet) */
                c[i].involved = (c[i].side < 0 ? c[i].involved : 0) | 1 << s;
                c[j].involved = (c[j].side < 0 ? c[j].involved : 0) | 1 << s;
                c[i].side = c[j].side = -1;
                c[i].flag = c[j].flag = KC_CONTACT_TWO_PLATES;
            }
        }
    }
    *contacts = c;
    *n_contacts = n;
    return KC_OK;
}

/* ---- inverse dynamics ---- */

void kc_kin_result_free(kc_kin_result *r)
{
    if (!r)
        return;
    for (int s = 0; s < 2; s++) {
        free(r->grf[s]);
        r->grf[s] = NULL;
        for (int j = 0; j < KC_KIN_N_JOINT; j++) {
            free(r->force[s][j]);
            free(r->moment[s][j]);
            free(r->power[s][j]);
            free(r->power_total[s][j]);
            r->force[s][j] = r->moment[s][j] = r->power[s][j] = r->power_total[s][j] = NULL;
        }
    }
}

static int vfinite(kc_vec3 v) { return isfinite(v.x) && isfinite(v.y) && isfinite(v.z); }
static int mfinite(const kc_mat3 *m)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (!isfinite(m->m[i][j]))
                return 0;
    return 1;
}
static kc_vec3 vnan(void) { return kc_v3(NAN, NAN, NAN); }

/* angular velocity (lab) from R(t-dt), R(t+dt): Rdot·Rᵀ = [ω]x, central difference */
static kc_vec3 ang_vel(const kc_mat3 *r0, const kc_mat3 *r, const kc_mat3 *r1, double two_dt)
{
    if (!mfinite(r0) || !mfinite(r) || !mfinite(r1))
        return vnan();
    kc_mat3 d;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            d.m[i][j] = (r1->m[i][j] - r0->m[i][j]) / two_dt;
    kc_mat3 w = kc_m3_mul(d, kc_m3_transpose(*r));
    return kc_v3(0.5 * (w.m[2][1] - w.m[1][2]), 0.5 * (w.m[0][2] - w.m[2][0]),
                 0.5 * (w.m[1][0] - w.m[0][1]));
}

/* per frame per side: the segment frames, ends and kinematic derivatives */
typedef struct seg_state {
    kc_mat3 R;          /* segment frame (columns X, Y, Z in lab) */
    kc_vec3 prox, dist; /* joint centres, mm */
    kc_vec3 com;        /* mm */
    kc_vec3 acc;        /* m/s² */
    kc_vec3 w, wd;      /* rad/s, rad/s² (lab) */
    double len;         /* segment length of the inertial parameters, mm */
} seg_state;

/* Plug-in Gait output components from the internal moment (or force) in the distal frame:
 * out[i] = sign[side][joint][i] · local[comp[joint][i]] (docs/kinetics.md: fixed from the
 * Vicon outputs of the real captures). */
static const int out_comp[KC_KIN_N_JOINT][3] = {
    {1, 2, 0},  /* ankle, foot frame (X ~ up, Y left, Z toe -> heel): Y, Z, X */
    {1, 0, 2},  /* knee, tibia frame: Y (flexion axis), X, Z */
    {1, 0, 2},  /* hip, femur frame */
};
static const double out_sign[2][KC_KIN_N_JOINT][3] = {
    /* left: ankle, knee, hip */
    {{1, -1, 1}, {-1, 1, 1}, {1, 1, 1}},
    /* right */
    {{1, 1, -1}, {-1, -1, -1}, {1, -1, -1}},
};

int kc_kin_inverse_dynamics(const kc_pig_params *p, const double *pos, size_t F, size_t M,
                            const int idx[KC_PIG_N_MARKERS], double rate_hz,
                            const kc_forceplate *fp, size_t n_plates, const kc_kin_options *o,
                            const char *source, kc_kin_result *res, kc_kin_contact **contacts,
                            size_t *n_contacts)
{
    memset(res, 0, sizeof *res);
    if (!source)
        source = "input";
    if (!(o->body_mass_kg > 0) || !isfinite(o->body_mass_kg)) {
        KC_ERROR("\"%s\": body mass %g kg: must be > 0", source, o->body_mass_kg);
        return KC_EINVAL;
    }
    if (!(rate_hz > 0) || !(o->cutoff_hz >= 0) || (o->cutoff_hz > 0 && o->cutoff_hz >= rate_hz / 2)) {
        KC_ERROR("\"%s\": cutoff %g Hz invalid at %g Hz", source, o->cutoff_hz, rate_hz);
        return KC_EINVAL;
    }
    if (F < 3) {
        KC_ERROR("\"%s\": %zu frames, inverse dynamics needs at least 3", source, F);
        return KC_EINVAL;
    }
    kc_kin_plates pl;
    int st = kc_kin_plates_resample(fp, n_plates, rate_hz, F, o->cutoff_hz, o->threshold_n,
                                    source, &pl);
    if (st)
        return st;
    double *fpos = NULL;
    kc_vec3 (*mk)[KC_PIG_N_MARKERS] = NULL;
    kc_pig_pose *pose = NULL;
    seg_state *sg = NULL;
    kc_kin_contact *ct = NULL;
    size_t nct = 0;
    st = KC_ENOMEM;
    fpos = malloc(F * M * 3 * sizeof(double));
    mk = malloc(F * sizeof *mk);
    pose = malloc(F * sizeof *pose);
    sg = malloc(F * 2 * KC_KIN_N_SEG * sizeof *sg);
    if (!fpos || !mk || !pose || !sg)
        goto done;
    memcpy(fpos, pos, F * M * 3 * sizeof(double));
    if (o->cutoff_hz > 0 && !o->markers_prefiltered &&
        (st = kc_filter_positions(fpos, F, M, o->cutoff_hz, rate_hz)))
        goto done;
    for (size_t f = 0; f < F; f++) {
        kc_pig_gather(fpos, M, f, idx, mk[f]);
        kc_pig_pose_frame(p, mk[f], &pose[f]);
    }
    if ((st = kc_kin_contacts(&pl, (const kc_vec3(*)[KC_PIG_N_MARKERS])mk, rate_hz, &ct, &nct)))
        goto done;
    st = KC_ENOMEM;
    res->n_frames = F;
    for (int s = 0; s < 2; s++) {
        if (!(res->grf[s] = calloc(F * 3, sizeof(double))))
            goto done;
        for (int j = 0; j < KC_KIN_N_JOINT; j++)
            if (!(res->force[s][j] = malloc(F * 3 * sizeof(double))) ||
                !(res->moment[s][j] = malloc(F * 3 * sizeof(double))) ||
                !(res->power[s][j] = malloc(F * 3 * sizeof(double))) ||
                !(res->power_total[s][j] = malloc(F * sizeof(double))))
                goto done;
    }

    /* segment states */
    const double dt = 1.0 / rate_hz;
    for (size_t f = 0; f < F; f++)
        for (int s = 0; s < 2; s++) {
            seg_state *g = &sg[(f * 2 + (size_t)s) * KC_KIN_N_SEG];
            g[KC_KIN_FOOT].R = pose[f].foot_f[s];
            g[KC_KIN_FOOT].prox = pose[f].ajc[s];
            g[KC_KIN_FOOT].dist = mk[f][kc_pig_mk(s, KC_PIG_TOE)];
            g[KC_KIN_TIBIA].R = pose[f].tibia[s];
            g[KC_KIN_TIBIA].prox = pose[f].kjc[s];
            g[KC_KIN_TIBIA].dist = pose[f].ajc[s];
            g[KC_KIN_FEMUR].R = pose[f].femur[s];
            g[KC_KIN_FEMUR].prox = pose[f].hjc[s];
            g[KC_KIN_FEMUR].dist = pose[f].kjc[s];
            for (int k = 0; k < KC_KIN_N_SEG; k++) {
                g[k].len = kc_v3_norm(kc_v3_sub(g[k].dist, g[k].prox));
                g[k].com = kc_v3_axpy(g[k].prox, kc_kin_bsp_pig[k].com_frac_prox,
                                      kc_v3_sub(g[k].dist, g[k].prox));
            }
            /* the foot: length = |TOE - HEE| (Nexus's, measured: with |TOE - AJC| the foot's
             * swing-phase ankle moments are 1.4-2x smaller than Nexus's and the transverse
             * moments at toe-off miss by up to 21 N.mm/kg, docs/kinetics.md); CoM on the
             * line AJC -> TOE at 0.5 of that length from the AJC */
            kc_vec3 hee = mk[f][kc_pig_mk(s, KC_PIG_HEE)];
            double lf = kc_v3_norm(kc_v3_sub(g[KC_KIN_FOOT].dist, hee));
            g[KC_KIN_FOOT].com = kc_v3_axpy(g[KC_KIN_FOOT].prox,
                                            kc_kin_bsp_pig[KC_KIN_FOOT].com_frac_prox * lf /
                                                g[KC_KIN_FOOT].len,
                                            kc_v3_sub(g[KC_KIN_FOOT].dist, g[KC_KIN_FOOT].prox));
            g[KC_KIN_FOOT].len = lf;
        }
    for (size_t f = 0; f < F; f++)
        for (int s = 0; s < 2; s++)
            for (int k = 0; k < KC_KIN_N_SEG; k++) {
                size_t f0 = f ? f - 1 : 0, f1 = f + 1 < F ? f + 1 : F - 1;
                seg_state *g = &sg[(f * 2 + (size_t)s) * KC_KIN_N_SEG + (size_t)k];
                const seg_state *g0 = &sg[(f0 * 2 + (size_t)s) * KC_KIN_N_SEG + (size_t)k],
                                *g1 = &sg[(f1 * 2 + (size_t)s) * KC_KIN_N_SEG + (size_t)k];
                if (f == 0 || f == F - 1) {
                    g->acc = vnan();
                    g->w = vnan();
                    continue;
                }
                /* mm -> m */
                g->acc = kc_v3_scale(kc_v3_add(kc_v3_sub(g1->com, kc_v3_scale(g->com, 2.0)),
                                               g0->com), 1e-3 / (dt * dt));
                g->w = ang_vel(&g0->R, &g->R, &g1->R, 2 * dt);
            }
    for (size_t f = 0; f < F; f++)
        for (int s = 0; s < 2; s++)
            for (int k = 0; k < KC_KIN_N_SEG; k++) {
                seg_state *g = &sg[(f * 2 + (size_t)s) * KC_KIN_N_SEG + (size_t)k];
                if (f < 2 || f + 2 >= F) {
                    g->wd = vnan();
                    continue;
                }
                kc_vec3 w0 = sg[((f - 1) * 2 + (size_t)s) * KC_KIN_N_SEG + (size_t)k].w,
                        w1 = sg[((f + 1) * 2 + (size_t)s) * KC_KIN_N_SEG + (size_t)k].w;
                g->wd = kc_v3_scale(kc_v3_sub(w1, w0), 0.5 / dt);
            }

    /* the ground reaction of each foot: the sum of its assigned contacts; a frame loaded by a
     * flagged contact that could be this foot's makes that foot's kinetics NaN there */
    char *bad[2] = {calloc(F, 1), calloc(F, 1)};
    if (!bad[0] || !bad[1]) {
        free(bad[0]);
        free(bad[1]);
        goto done;
    }
    double *gm[2];   /* GRF moment about the lab origin, N·mm */
    gm[0] = calloc(F * 3, sizeof(double));
    gm[1] = calloc(F * 3, sizeof(double));
    if (!gm[0] || !gm[1]) {
        free(bad[0]);
        free(bad[1]);
        free(gm[0]);
        free(gm[1]);
        goto done;
    }
    for (size_t c = 0; c < nct; c++) {
        size_t P = (size_t)ct[c].plate;
        for (size_t f = ct[c].first; f <= ct[c].last; f++) {
            if (ct[c].side < 0) {
                for (int s = 0; s < 2; s++)
                    if (ct[c].involved & (1 << s))
                        bad[s][f] = 1;
                continue;
            }
            int s = ct[c].side;
            const double *fo = pl.force + (P * F + f) * 3, *mo = pl.moment + (P * F + f) * 3;
            kc_vec3 Fv = kc_v3(fo[0], fo[1], fo[2]);
            kc_vec3 O = kc_v3(pl.origin[P][0], pl.origin[P][1], pl.origin[P][2]);
            /* moment about the lab origin: M_o + O x F */
            kc_vec3 m = kc_v3_add(kc_v3(mo[0], mo[1], mo[2]), kc_v3_cross(O, Fv));
            for (int k = 0; k < 3; k++) {
                res->grf[s][f * 3 + k] += fo[k];
                gm[s][f * 3 + k] += (&m.x)[k];
            }
        }
    }

    const double mass = o->body_mass_kg;
    const kc_vec3 gvec = kc_v3(0, 0, -KC_KIN_G);
    for (size_t f = 0; f < F; f++)
        for (int s = 0; s < 2; s++) {
            const seg_state *g = &sg[(f * 2 + (size_t)s) * KC_KIN_N_SEG];
            /* load on the distal end of the current segment from below, lab, SI (N, N·m),
             * as a force and a moment about the lab origin */
            kc_vec3 Fd = kc_v3(res->grf[s][f * 3], res->grf[s][f * 3 + 1], res->grf[s][f * 3 + 2]);
            kc_vec3 Md = kc_v3_scale(kc_v3(gm[s][f * 3], gm[s][f * 3 + 1], gm[s][f * 3 + 2]), 1e-3);
            for (int k = 0; k < KC_KIN_N_SEG; k++) {
                double *fo = res->force[s][k] + f * 3, *mo = res->moment[s][k] + f * 3,
                       *po = res->power[s][k] + f * 3, *pt = res->power_total[s][k] + f;
                const kc_kin_bsp *b = &kc_kin_bsp_pig[k];
                const seg_state *q = &g[k];
                double L = q->len * 1e-3;
                int ok = !bad[s][f] && vfinite(q->acc) && vfinite(q->wd) && vfinite(q->w) &&
                         mfinite(&q->R) && isfinite(L) && vfinite(q->prox);
                if (!ok) {
                    for (int c = 0; c < 3; c++)
                        fo[c] = mo[c] = po[c] = NAN;
                    *pt = NAN;
                    Fd = Md = vnan();
                    continue;
                }
                double m = b->mass_frac * mass;
                /* force of the proximal segment on this one: m·a = Fp + Fd + m·g */
                kc_vec3 Fp = kc_v3_sub(kc_v3_scale(kc_v3_sub(q->acc, gvec), m), Fd);
                /* rate of change of angular momentum about the CoM, lab: I is diagonal in the
                 * segment frame, transverse m·(ρL)² about X and Y; the long-axis (Z) term is
                 * neglected (Dempster gives none) */
                double It = m * (b->gyration_frac * L) * (b->gyration_frac * L);
                kc_vec3 wl = kc_m3_apply(kc_m3_transpose(q->R), q->w);
                kc_vec3 al = kc_m3_apply(kc_m3_transpose(q->R), q->wd);
                kc_vec3 Iw = kc_v3(It * wl.x, It * wl.y, 0);
                kc_vec3 Ia = kc_v3(It * al.x, It * al.y, 0);
                kc_vec3 dH = kc_m3_apply(q->R, kc_v3_add(Ia, kc_v3_cross(wl, Iw)));
                /* moments about the CoM (m): Mp + (prox - c) x Fp + [Md about c] = dH;
                 * Md about c = Md(origin) - c x Fd */
                kc_vec3 c = kc_v3_scale(q->com, 1e-3), pr = kc_v3_scale(q->prox, 1e-3);
                kc_vec3 Mdc = kc_v3_sub(Md, kc_v3_cross(c, Fd));
                kc_vec3 Mp = kc_v3_sub(kc_v3_sub(dH, Mdc), kc_v3_cross(kc_v3_sub(pr, c), Fp));
                /* outputs: in the distal (this) segment's frame, normalised */
                kc_vec3 Fl = kc_m3_apply(kc_m3_transpose(q->R), Fp);
                kc_vec3 Ml = kc_m3_apply(kc_m3_transpose(q->R), Mp);
                /* joint power: internal moment · (ω_this − ω_proximal segment) */
                kc_vec3 wp;
                if (k + 1 < KC_KIN_N_SEG)
                    wp = g[k + 1].w;
                else {
                    size_t f0 = f ? f - 1 : 0, f1 = f + 1 < F ? f + 1 : F - 1;
                    wp = (f == 0 || f == F - 1) ? vnan()
                                                : ang_vel(&pose[f0].pelvis, &pose[f].pelvis,
                                                          &pose[f1].pelvis, 2 * dt);
                }
                kc_vec3 wr = kc_m3_apply(kc_m3_transpose(q->R), kc_v3_sub(q->w, wp));
                const double *Fa = &Fl.x, *Ma = &Ml.x, *wa = &wr.x;
                *pt = 0;
                for (int i = 0; i < 3; i++) {
                    int cc = out_comp[k][i];
                    double sg_ = out_sign[s][k][i];
                    /* joint force: ankle (−X, Y, −Z) of the foot frame, knee and hip (X, Y, Z)
                     * of the tibia / femur, both sides (docs/kinetics.md, measured) */
                    fo[i] = (k == KC_KIN_FOOT && i != 1 ? -Fa[i] : Fa[i]) / mass;
                    mo[i] = sg_ * Ma[cc] * 1e3 / mass;
                    po[i] = Ma[cc] * wa[cc] / mass;
                    *pt += po[i];
                }
                /* the load this segment puts on the next one up (reaction), about origin */
                Fd = kc_v3_scale(Fp, -1.0);
                Md = kc_v3_scale(kc_v3_add(Mp, kc_v3_cross(pr, Fp)), -1.0);
            }
        }
    free(bad[0]);
    free(bad[1]);
    free(gm[0]);
    free(gm[1]);
    st = KC_OK;
done:
    if (st)
        kc_kin_result_free(res);
    if (!st && contacts) {
        *contacts = ct;
        *n_contacts = nct;
        ct = NULL;
    }
    free(ct);
    free(fpos);
    free(mk);
    free(pose);
    free(sg);
    kc_kin_plates_free(&pl);
    return st;
}

/* ---- landing metrics ---- */

int kc_kin_landing_metrics(const double *fz, size_t n, size_t stride, double rate_hz,
                           double body_mass_kg, double threshold_n, size_t start,
                           kc_kin_landing *out)
{
    if (!fz || !(rate_hz > 0) || !(body_mass_kg > 0) || !(threshold_n > 0) || stride == 0) {
        KC_ERROR("landing metrics: invalid rate %g Hz, mass %g kg or threshold %g N", rate_hz,
                 body_mass_kg, threshold_n);
        return KC_EINVAL;
    }
    size_t a = start;
    while (a < n && !(fz[a * stride] > threshold_n))
        a++;
    if (a >= n) {
        KC_ERROR("landing metrics: no vertical force above %g N after sample %zu", threshold_n,
                 start);
        return KC_EINVAL;
    }
    /* the contact ends at the last sample above the threshold before the force stays below
     * it for at least 10 ms (shorter dips are noise crossing the threshold, not a flight) */
    size_t gap = (size_t)ceil(0.010 * rate_hz), b = a, pk = a;
    for (size_t j = a + 1; j < n && j <= b + gap; j++)
        if (fz[j * stride] > threshold_n) {
            b = j;
            if (fz[j * stride] > fz[pk * stride])
                pk = j;
        }
    const double bw = body_mass_kg * KC_KIN_G;
    out->first = a;
    out->last = b;
    out->contact_time_s = (double)(b - a + 1) / rate_hz;
    out->peak_index = pk;
    out->peak_force_bw = fz[pk * stride] / bw;
    out->loading_rate_bw_s = pk > a ? out->peak_force_bw / ((double)(pk - a) / rate_hz) : NAN;
    size_t c = b + 1;
    while (c < n && !(fz[c * stride] > threshold_n))
        c++;
    /* c: the next contact's first sample; b + gap < c by construction */
    if (b + 1 < n && c < n) {
        out->flight_time_s = (double)(c - b - 1) / rate_hz;
        /* h = g·t²/8 (flight time method, Bosco et al. 1983) */
        out->jump_height_m = KC_KIN_G * out->flight_time_s * out->flight_time_s / 8.0;
    } else {
        out->flight_time_s = NAN;
        out->jump_height_m = NAN;
    }
    return KC_OK;
}

double kc_kin_asymmetry(double left, double right)
{
    double m = fmax(fabs(left), fabs(right));
    return m > 0 ? 100.0 * (left - right) / m : 0.0;
}
