/* test_kinetics — the kinetics module (issue 11) on cases with independent answers:
 *  1. bad plates: no calibration, a rate that does not divide the marker rate -> KC_EINVAL;
 *  2. resampling: a linear ramp averaged over the centred window equals the ramp at the frame
 *     time (exact), the unloaded threshold zeroes force and leaves the CoP NaN;
 *  3. statics: a standing pose (kc-synth's static truth markers, held still) with a known
 *     vertical load at a known CoP under the left foot: the ankle, knee and hip moments and
 *     forces equal the hand computation (lever arms of the load and of the segment weights,
 *     internal moment = −(external), expressed in the distal frame and mapped to Plug-in
 *     Gait's components as docs/kinetics.md states), 1e-6 relative;
 *  4. foot assignment: a foot across two plates and both feet on one plate are flagged and
 *     that foot's kinetics are NaN;
 *     The still pose filtered at 6 Hz gives the same moments, bit-identical on 1 and 2 threads;
 *  5. landing metrics on a hand-made force with closed-form answers (a 3 ms noise dip is not
 *     a flight);
 *  6. kc-synth drop jumps (anatomical, seed 3): the plates' contacts assigned by
 *     kc_kin_contacts from the true markers, then landing metrics on the assigned plate's
 *     vertical force: contact time (and its start and end) within 1 marker frame of the
 *     truth's force-plate contact (fp_contact_*), peak vertical force within 1 % of /truth
 *     (issue 11), the rebound flight time within 1 frame (force contact end .. second contact).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "kinechain/filter.h"
#include "kinechain/kinetics.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/pigmodel.h"
#include "kinechain/table.h"
#include "testutil.h"

#ifndef KC_SYNTH_EXE
#define KC_SYNTH_EXE "kc-synth"
#endif

static char cmd[4096];

/* one plate of n samples at rate, corners a square [x0,x1]x[y0,y1] at z = 0 */
static int make_plate(kc_forceplate *p, size_t n, double rate, double x0, double x1, double y0,
                      double y1)
{
    memset(p, 0, sizeof *p);
    if (kc_forceplate_alloc(p, n))
        return 1;
    p->rate_hz = rate;
    double c[4][3] = {{x0, y0, 0}, {x1, y0, 0}, {x1, y1, 0}, {x0, y1, 0}};
    memcpy(p->corners, c, sizeof c);
    p->origin[0] = 0.5 * (x0 + x1);
    p->origin[1] = 0.5 * (y0 + y1);
    p->origin[2] = 0;
    for (size_t j = 0; j < n * 3; j++)
        p->force[j] = p->moment[j] = 0;
    return 0;
}

/* a vertical load fz at (cx, cy) on plate p for samples [a, b) */
static void load(kc_forceplate *p, size_t a, size_t b, double fz, double cx, double cy)
{
    for (size_t j = a; j < b && j < p->n; j++) {
        p->force[j * 3 + 2] = fz;
        /* M about origin = (cop − origin) × F, F = (0, 0, fz) */
        p->moment[j * 3 + 0] = (cy - p->origin[1]) * fz;
        p->moment[j * 3 + 1] = -(cx - p->origin[0]) * fz;
        p->moment[j * 3 + 2] = 0;
        p->cop[j * 3 + 0] = cx;
        p->cop[j * 3 + 1] = cy;
        p->cop[j * 3 + 2] = 0;
    }
}

static void test_bad_plates(void)
{
    kc_forceplate p;
    if (make_plate(&p, 100, 1000, 0, 500, 0, 400))
        return;
    kc_kin_plates out;
    CHECK("calibrated plate at 1000/100 Hz accepted",
          kc_kin_plates_resample(&p, 1, 100, 10, 0, 10, "t", &out) == KC_OK);
    kc_kin_plates_free(&out);
    CHECK("1000 Hz plate, 300 Hz markers -> KC_EINVAL",
          kc_kin_plates_resample(&p, 1, 300, 3, 0, 10, "t", &out) == KC_EINVAL);
    memset(p.corners, 0, sizeof p.corners);
    CHECK("plate without calibration (zero corners) -> KC_EINVAL",
          kc_kin_plates_resample(&p, 1, 100, 10, 0, 10, "t", &out) == KC_EINVAL);
    p.corners[0][0] = NAN;
    CHECK("plate with NaN corners -> KC_EINVAL",
          kc_kin_plates_resample(&p, 1, 100, 10, 0, 10, "t", &out) == KC_EINVAL);
    kc_forceplate_free_arrays(&p);
}

static void test_resample(void)
{
    kc_forceplate p;
    if (make_plate(&p, 200, 1000, 0, 500, 0, 400))
        return;
    /* Fz = 100 + 3·j N (j = analog sample), Fx = 0; the frame f mean over j = 10f-5..10f+5
     * is exactly 100 + 30 f */
    for (size_t j = 0; j < 200; j++)
        p.force[j * 3 + 2] = 100 + 3.0 * (double)j;
    kc_kin_plates out;
    if (CHECK("resample", kc_kin_plates_resample(&p, 1, 100, 20, 0, 10, "t", &out) == KC_OK)) {
        double mx = 0;
        for (size_t f = 1; f < 19; f++)
            mx = fmax(mx, fabs(out.force[f * 3 + 2] - (100 + 30.0 * (double)f)));
        CHECK_NEAR("ramp: centred window mean = value at the frame (N)", mx, 0, 1e-9);
        kc_kin_plates_free(&out);
    }
    for (size_t j = 0; j < 200; j++)
        p.force[j * 3 + 2] = j < 100 ? 5.0 : 50.0;
    if (CHECK("resample", kc_kin_plates_resample(&p, 1, 100, 20, 0, 10, "t", &out) == KC_OK)) {
        CHECK("5 N < 10 N threshold: force zeroed", out.force[5 * 3 + 2] == 0);
        CHECK("... CoP NaN", isnan(out.cop[5 * 3]));
        CHECK("50 N: loaded, CoP finite", out.force[15 * 3 + 2] == 50 && isfinite(out.cop[15 * 3]));
        kc_kin_plates_free(&out);
    }
    kc_forceplate_free_arrays(&p);
}

/* Plug-in Gait components of a lab vector v (internal moment) in frame R for joint j, side s
 * — the mapping docs/kinetics.md documents, written out here independently */
static void pig_components(kc_mat3 R, kc_vec3 v, int j, int s, double out[3])
{
    kc_vec3 l = kc_m3_apply(kc_m3_transpose(R), v);
    if (j == KC_KIN_ANKLE) {   /* X = +Y_local; Y = ∓Z (L −, R +); Z = ±X (L +, R −) */
        out[0] = l.y;
        out[1] = s ? l.z : -l.z;
        out[2] = s ? -l.x : l.x;
    } else if (j == KC_KIN_KNEE) {  /* X = −Y; Y = ±X (L +, R −); Z = ±Z (L +, R −) */
        out[0] = -l.y;
        out[1] = s ? -l.x : l.x;
        out[2] = s ? -l.z : l.z;
    } else {                  /* hip: X = +Y; Y = ±X; Z = ±Z (L +, R −) */
        out[0] = l.y;
        out[1] = s ? -l.x : l.x;
        out[2] = s ? -l.z : l.z;
    }
}

/* the static standing pose: kc-synth's static trial truth markers, frame 0 */
static int static_pose(const char *dir, double **pos, size_t *M, char ***labels, kc_obs **keep)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/s01/static.obs.h5", dir);
    kc_obs *o = NULL;
    if (!CHECK("read the static trial", kc_obs_read(path, &o) == 0 && o->truth &&
                                             o->truth->markers))
        return 1;
    *M = o->truth->n_markers;
    *labels = o->truth->labels ? o->truth->labels : o->labels;
    *pos = o->truth->markers;
    *keep = o;
    return 0;
}

static void test_statics(const char *dir)
{
    kc_obs *o = NULL;
    double *pos0;
    size_t M;
    char **labels;
    if (static_pose(dir, &pos0, &M, &labels, &o))
        return;
    const size_t F = 20;
    double *pos = malloc(F * M * 3 * sizeof(double));
    int idx[KC_PIG_N_MARKERS];
    kc_pig_map_markers(labels, M, idx, NULL, 0);
    for (size_t f = 0; f < F; f++)
        memcpy(pos + f * M * 3, pos0, M * 3 * sizeof(double));
    kc_pig_params p = kc_pig_default_params();
    for (int s = 0; s < 2; s++) {
        p.leg_length_mm[s] = 820;
        p.knee_width_mm[s] = 105;
        p.ankle_width_mm[s] = 75;
    }
    if (!CHECK("calibrate", kc_pig_calibrate(&p, pos, F, M, idx) == 0)) {
        free(pos);
        kc_obs_free(o);
        return;
    }
    kc_vec3 mk[KC_PIG_N_MARKERS];
    kc_pig_gather(pos, M, 0, idx, mk);
    kc_pig_pose pose;
    kc_pig_pose_frame(&p, mk, &pose);
    kc_vec3 hee = mk[kc_pig_mk(0, KC_PIG_HEE)], toe = mk[kc_pig_mk(0, KC_PIG_TOE)];
    /* CoP 40 % of the way from heel to toe, on the floor; plate around the left foot */
    double cx = hee.x + 0.4 * (toe.x - hee.x), cy = hee.y + 0.4 * (toe.y - hee.y);
    kc_forceplate pl;
    if (make_plate(&pl, F * 10, 1000, cx - 250, cx + 250, cy - 150, cy + 150)) {
        free(pos);
        kc_obs_free(o);
        return;
    }
    const double W = 400.0, mass = 70.0;
    load(&pl, 0, F * 10, W, cx, cy);
    kc_kin_options opt = kc_kin_default_options();
    opt.body_mass_kg = mass;
    kc_kin_result r;
    kc_kin_contact *ct = NULL;
    size_t nct = 0;
    if (CHECK("inverse dynamics (statics)",
              kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, &pl, 1, &opt, "statics", &r,
                                      &ct, &nct) == 0)) {
        CHECK("one contact, left foot, not flagged",
              nct == 1 && ct[0].side == 0 && ct[0].flag == KC_CONTACT_OK);
        /* hand computation (SI): external loads on the chain below each joint */
        static const double mf[3] = {0.0145, 0.0465, 0.100}, cf[3] = {0.5, 0.433, 0.433};
        kc_vec3 ends[4] = {toe, pose.ajc[0], pose.kjc[0], pose.hjc[0]};
        kc_mat3 R[3] = {pose.foot_f[0], pose.tibia[0], pose.femur[0]};
        kc_vec3 cop = kc_v3(cx, cy, 0), Fg = kc_v3(0, 0, W);
        for (int j = 0; j < 3; j++) {
            kc_vec3 J = ends[j + 1];
            /* moment about J of the GRF and of the weights of the segments below J */
            kc_vec3 Mx = kc_v3_cross(kc_v3_scale(kc_v3_sub(cop, J), 1e-3), Fg);
            kc_vec3 Fx = Fg;
            for (int k = 0; k <= j; k++) {
                /* the foot's CoM: 0.5 of the heel-to-toe length from the AJC towards TOE */
                double frac = k ? cf[k]
                                : cf[0] * kc_v3_norm(kc_v3_sub(toe, hee)) /
                                      kc_v3_norm(kc_v3_sub(toe, pose.ajc[0]));
                kc_vec3 com = kc_v3_axpy(ends[k + 1], frac, kc_v3_sub(ends[k], ends[k + 1]));
                kc_vec3 wk = kc_v3(0, 0, -mf[k] * mass * KC_KIN_G);
                Mx = kc_v3_add(Mx, kc_v3_cross(kc_v3_scale(kc_v3_sub(com, J), 1e-3), wk));
                Fx = kc_v3_add(Fx, wk);
            }
            /* internal (proximal on distal) = −external, N·mm/kg */
            double want[3];
            pig_components(R[j], kc_v3_scale(Mx, -1e3 / mass), j, 0, want);
            size_t f = F / 2;
            for (int c = 0; c < 3; c++) {
                char w[96];
                snprintf(w, sizeof w, "statics: L %s moment %c (N.mm/kg)",
                         j == 0 ? "ankle" : j == 1 ? "knee" : "hip", 'X' + c);
                CHECK_NEAR(w, r.moment[0][j][f * 3 + c], want[c], 1e-6 * (1 + fabs(want[c])));
            }
            /* the force's magnitude does not depend on the component mapping */
            kc_vec3 fo = kc_v3(r.force[0][j][f * 3], r.force[0][j][f * 3 + 1], r.force[0][j][f * 3 + 2]);
            CHECK_NEAR("statics: joint force magnitude (N/kg)", kc_v3_norm(fo),
                       kc_v3_norm(Fx) / mass, 1e-9);
            CHECK_NEAR("statics: joint power 0 at rest", r.power_total[0][j][f], 0, 1e-9);
        }
        CHECK("right leg unloaded: moments are the segment weights only (finite)",
              isfinite(r.moment[1][KC_KIN_HIP][(F / 2) * 3]));
        /* the same still pose with markers and forces low-passed at 6 Hz, on 1 and 2
         * threads: a constant passes the filter (reflection padding keeps it constant), so
         * the moments equal the unfiltered ones, and the thread count changes no bit */
        kc_kin_options o6 = opt;
        o6.cutoff_hz = 6;
        kc_kin_result r1, r2;
        omp_set_num_threads(1);
        int ok1 = kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, &pl, 1, &o6, "f6", &r1,
                                          NULL, NULL) == 0;
        omp_set_num_threads(2);
        int ok2 = kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, &pl, 1, &o6, "f6", &r2,
                                          NULL, NULL) == 0;
        if (CHECK("inverse dynamics with a 6 Hz cutoff", ok1 && ok2)) {
            double dmax = 0;
            int same = 1;
            for (int j = 0; j < 3; j++)
                for (size_t i = 6; i < 3 * (F - 2); i++) {
                    dmax = fmax(dmax, fabs(r1.moment[0][j][i] - r.moment[0][j][i]));
                    same &= memcmp(&r1.moment[0][j][i], &r2.moment[0][j][i], sizeof(double)) == 0;
                }
            CHECK_NEAR("6 Hz cutoff on a still pose: moments unchanged (N.mm/kg)", dmax, 0, 1e-6);
            CHECK("1 and 2 threads: identical moments", same);
        }
        if (ok1)
            kc_kin_result_free(&r1);
        if (ok2)
            kc_kin_result_free(&r2);
        kc_kin_options bad = opt;
        bad.body_mass_kg = 0;
        CHECK("body mass 0 -> KC_EINVAL",
              kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, &pl, 1, &bad, "m0", &r1, NULL,
                                      NULL) == KC_EINVAL);
        kc_kin_result_free(&r);
    }
    free(ct);

    /* a foot across two plates: heel half on one, toe half on another, both loaded */
    kc_forceplate two[2];
    double mx = 0.5 * (hee.x + toe.x), my = 0.5 * (hee.y + toe.y);
    double lo = fmin(hee.x, toe.x) - 100, hi = fmax(hee.x, toe.x) + 100;
    if (!make_plate(&two[0], F * 10, 1000, lo, mx, my - 200, my + 200) &&
        !make_plate(&two[1], F * 10, 1000, mx, hi, my - 200, my + 200)) {
        double hx = hee.x + 0.2 * (toe.x - hee.x), hy = hee.y + 0.2 * (toe.y - hee.y);
        double tx = hee.x + 0.8 * (toe.x - hee.x), ty = hee.y + 0.8 * (toe.y - hee.y);
        load(&two[hx < mx ? 0 : 1], 0, F * 10, 200, hx, hy);
        load(&two[hx < mx ? 1 : 0], 0, F * 10, 200, tx, ty);
        if (CHECK("inverse dynamics (two plates)",
                  kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, two, 2, &opt, "two", &r, &ct,
                                          &nct) == 0)) {
            CHECK("foot across two plates: both contacts flagged TWO_PLATES",
                  nct == 2 && ct[0].flag == KC_CONTACT_TWO_PLATES &&
                      ct[1].flag == KC_CONTACT_TWO_PLATES && ct[0].side < 0 && ct[1].side < 0);
            CHECK("... the left foot's kinetics NaN, never guessed",
                  isnan(r.moment[0][KC_KIN_KNEE][(F / 2) * 3]));
            kc_kin_result_free(&r);
            free(ct);
        }
    }
    kc_forceplate_free_arrays(&two[0]);
    kc_forceplate_free_arrays(&two[1]);

    /* both feet on one plate: the CoP between the feet */
    kc_vec3 rh = mk[kc_pig_mk(1, KC_PIG_HEE)], rt = mk[kc_pig_mk(1, KC_PIG_TOE)];
    double bx = 0.25 * (hee.x + toe.x + rh.x + rt.x), by = 0.25 * (hee.y + toe.y + rh.y + rt.y);
    kc_forceplate big;
    if (!make_plate(&big, F * 10, 1000, bx - 400, bx + 400, by - 400, by + 400)) {
        load(&big, 0, F * 10, 700, bx, by);
        if (CHECK("inverse dynamics (both feet)",
                  kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, &big, 1, &opt, "both", &r,
                                          &ct, &nct) == 0)) {
            CHECK("both feet on one plate: flagged, no foot",
                  nct == 1 && ct[0].side < 0 && ct[0].flag != KC_CONTACT_OK);
            CHECK("... the left foot's GRF stays 0 (not given to a foot)",
                  r.grf[0][(F / 2) * 3 + 2] == 0 && r.grf[1][(F / 2) * 3 + 2] == 0);
            /* the CoP between the feet: both feet flagged, no leg computed without its
             * ground reaction */
            CHECK("CoP between the feet: both feet involved", nct == 1 && ct[0].involved == 3);
            int allnan = 1;
            for (int s = 0; s < 2; s++)
                for (int j = 0; j < 3; j++)
                    for (int c = 0; c < 3; c++)
                        allnan &= isnan(r.moment[s][j][(F / 2) * 3 + c]) &&
                                  isnan(r.force[s][j][(F / 2) * 3 + c]);
            CHECK("... both legs' moments and forces NaN", allnan);
            kc_kin_result_free(&r);
            free(ct);
        }
    }
    kc_forceplate_free_arrays(&big);

    /* a load under neither foot and not between them (another object, 1 m to the side of
     * the left foot): ignored, both legs computed as unloaded */
    double ox = 0.5 * (hee.x + toe.x), oy = 0.5 * (hee.y + toe.y) + 1000;
    if (!make_plate(&big, F * 10, 1000, ox - 200, ox + 200, oy - 200, oy + 200)) {
        load(&big, 0, F * 10, 300, ox, oy);
        if (CHECK("inverse dynamics (object)",
                  kc_kin_inverse_dynamics(&p, pos, F, M, idx, 100, &big, 1, &opt, "object", &r,
                                          &ct, &nct) == 0)) {
            CHECK("load away from the feet: flagged no foot, no foot involved",
                  nct == 1 && ct[0].flag == KC_CONTACT_NO_FOOT && ct[0].involved == 0);
            CHECK("... both legs computed (finite, no ground reaction)",
                  isfinite(r.moment[0][KC_KIN_KNEE][(F / 2) * 3]) &&
                      isfinite(r.moment[1][KC_KIN_KNEE][(F / 2) * 3]) &&
                      r.grf[0][(F / 2) * 3 + 2] == 0);
            kc_kin_result_free(&r);
            free(ct);
        }
    }
    kc_forceplate_free_arrays(&big);
    kc_forceplate_free_arrays(&pl);
    free(pos);
    kc_obs_free(o);
}

/* landing metrics on a hand-made force: two contacts with a flight between */
static void test_landing_handmade(void)
{
    /* 1000 Hz: 0 N for 100 samples, a 300-sample contact (triangle up to 1500 N at sample 150
     * then flat 700 N) with a 3-sample dip to 0 at 300 (noise: shorter than 10 ms), 0 N
     * flight of 400 samples, then a second contact to the end */
    double fz[1000];
    for (int j = 0; j < 1000; j++) {
        double v = 0;
        if (j >= 100 && j < 400)
            v = j <= 150 ? 1500.0 * (j - 99) / 51.0 : 700.0;
        if (j >= 300 && j < 303)
            v = 0;
        if (j >= 800)
            v = 700;
        fz[j] = v;
    }
    kc_kin_landing L;
    const double mass = 700.0 / KC_KIN_G;   /* 700 N = 1 BW */
    if (CHECK("landing metrics", kc_kin_landing_metrics(fz, 1000, 1, 1000, mass, 5, 0, &L) == 0)) {
        CHECK("contact from sample 100", L.first == 100);
        CHECK("the 3 ms dip is not a flight: contact to sample 399", L.last == 399);
        CHECK_NEAR("contact time (s)", L.contact_time_s, 0.300, 1e-12);
        CHECK("peak at sample 150", L.peak_index == 150);
        CHECK_NEAR("peak (BW)", L.peak_force_bw, 1500.0 / 700.0, 1e-12);
        CHECK_NEAR("loading rate (BW/s)", L.loading_rate_bw_s, (1500.0 / 700.0) / 0.050, 1e-9);
        CHECK_NEAR("flight time (s)", L.flight_time_s, 0.400, 1e-12);
        CHECK_NEAR("jump height g t^2/8 (m)", L.jump_height_m, KC_KIN_G * 0.16 / 8, 1e-12);
    }
    if (CHECK("landing metrics, second contact",
              kc_kin_landing_metrics(fz, 1000, 1, 1000, mass, 5, 500, &L) == 0)) {
        CHECK("second contact from sample 800", L.first == 800 && L.last == 999);
        CHECK("no next contact: flight NaN", isnan(L.flight_time_s) && isnan(L.jump_height_m));
    }
    for (int j = 0; j < 1000; j++)
        fz[j] = 1.0;
    CHECK("no force above the threshold -> KC_EINVAL",
          kc_kin_landing_metrics(fz, 1000, 1, 1000, mass, 5, 0, &L) == KC_EINVAL);
}

static double subject_mass(const char *dir)
{
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/subjects.csv", dir);
    FILE *fp = fopen(path, "r");
    double m = NAN;
    if (!fp)
        return m;
    int col = -1;
    if (fgets(line, sizeof line, fp)) {
        int c = 0;
        for (char *t = strtok(line, ",\n"); t; t = strtok(NULL, ",\n"), c++)
            if (!strcmp(t, "mass_kg"))
                col = c;
    }
    if (col >= 0 && fgets(line, sizeof line, fp)) {
        int c = 0;
        for (char *t = strtok(line, ",\n"); t; t = strtok(NULL, ",\n"), c++)
            if (c == col)
                m = atof(t);
    }
    fclose(fp);
    return m;
}

static double truth_metric(const kc_table *t, const char *name, const char *side)
{
    int cn = kc_table_find(t, "name"), cs = kc_table_find(t, "side"),
        cv = kc_table_find(t, "value");
    for (size_t i = 0; i < kc_table_nrows(t); i++)
        if (!strcmp(kc_table_get_str(t, i, cn), name) && !strcmp(kc_table_get_str(t, i, cs), side))
            return kc_table_get_f64(t, i, cv);
    return NAN;
}

static void test_synth_dvj(const char *dir)
{
    double mass = subject_mass(dir);
    if (!CHECK("subject mass", isfinite(mass) && mass > 0))
        return;
    for (int trial = 1; trial <= 2; trial++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/s01/dvj_%d.obs.h5", dir, trial);
        kc_obs *o = NULL;
        if (!CHECK("read the drop jump", kc_obs_read(path, &o) == 0 && o->truth &&
                                              o->truth->markers && o->truth->metrics)) {
            kc_obs_free(o);
            continue;
        }
        size_t F = o->n_frames, M = o->truth->n_markers;
        char **labels = o->truth->labels ? o->truth->labels : o->labels;
        int idx[KC_PIG_N_MARKERS];
        kc_pig_map_markers(labels, M, idx, NULL, 0);
        kc_kin_plates pl;
        kc_vec3(*mk)[KC_PIG_N_MARKERS] = malloc(F * sizeof *mk);
        for (size_t f = 0; f < F; f++)
            kc_pig_gather(o->truth->markers, M, f, idx, mk[f]);
        kc_kin_contact *ct = NULL;
        size_t nct = 0;
        if (CHECK("resample plates", kc_kin_plates_resample(o->forceplates, o->n_forceplates,
                                                            o->rate_hz, F, 0, 20, path, &pl) == 0) &&
            CHECK("contacts", kc_kin_contacts(&pl, (const kc_vec3(*)[KC_PIG_N_MARKERS])mk,
                                              o->rate_hz, &ct, &nct) == 0)) {
            double peak[2] = {NAN, NAN};
            for (int s = 0; s < 2; s++) {
                /* the first (landing) contact of this foot */
                int plate = -1;
                for (size_t c = 0; c < nct && plate < 0; c++)
                    if (ct[c].side == s && ct[c].flag == KC_CONTACT_OK)
                        plate = ct[c].plate;
                char w[160];
                snprintf(w, sizeof w, "dvj_%d: %c foot assigned to a plate", trial, "LR"[s]);
                if (!CHECK(w, plate >= 0))
                    continue;
                const kc_forceplate *q = &o->forceplates[plate];
                kc_kin_landing L;
                /* threshold 5 N: 5 SD of kc-synth's plate noise (--fp-noise 1 N) */
                if (!CHECK("landing metrics", kc_kin_landing_metrics(q->force + 2, q->n, 3,
                                                                     q->rate_hz, mass, 5, 0,
                                                                     &L) == 0))
                    continue;
                const char *sd = s ? "R" : "L";
                double tc = truth_metric(o->truth->metrics, "contact_time_s", sd);
                double tp = truth_metric(o->truth->metrics, "peak_vgrf_n", sd);
                double tf = truth_metric(o->truth->metrics, "flight_time_s", "");
                double frame = 1.0 / o->rate_hz;
                printf("dvj_%d %s: contact %.4f s (truth %.4f), peak %.3f BW = %.1f N (truth "
                       "%.1f N), loading rate %.1f BW/s, flight %.4f s (truth %.4f), jump "
                       "height %.3f m\n", trial, sd, L.contact_time_s, tc, L.peak_force_bw,
                       L.peak_force_bw * mass * KC_KIN_G, tp, L.loading_rate_bw_s,
                       L.flight_time_s, tf, L.jump_height_m);
                /* initial contact: the truth's event against the first sample above the
                 * threshold, within 1 frame (issue 11) */
                double tic = NAN, tic2 = NAN;
                {
                    const kc_table *E = o->truth->events;
                    int cn = kc_table_find(E, "name"), cs = kc_table_find(E, "side"),
                        ct_ = kc_table_find(E, "time_s");
                    for (size_t i = 0; i < kc_table_nrows(E); i++) {
                        if (strcmp(kc_table_get_str(E, i, cs), sd))
                            continue;
                        if (!strcmp(kc_table_get_str(E, i, cn), "initial_contact"))
                            tic = kc_table_get_f64(E, i, ct_);
                        if (!strcmp(kc_table_get_str(E, i, cn), "second_contact"))
                            tic2 = kc_table_get_f64(E, i, ct_);
                    }
                }
                snprintf(w, sizeof w, "dvj_%d %s initial contact (s; issue 11: 1 frame)", trial, sd);
                CHECK_NEAR(w, (double)L.first / q->rate_hz, tic, frame);
                /* contact time against kc-synth's force-plate truth (fp_contact_*: first ..
                 * last analog sample with the noise-free vertical force > 0), 1 frame (issue
                 * 11); the kinematic contact_time_s (to the take-off event, where the force
                 * has been 0 for ~6 ms) is printed above, not compared */
                double fct = truth_metric(o->truth->metrics, "fp_contact_time_s", sd);
                double fon = truth_metric(o->truth->metrics, "fp_contact_start_s", sd);
                double fof = truth_metric(o->truth->metrics, "fp_contact_end_s", sd);
                printf("dvj_%d %s: force contact %.4f-%.4f s = %.4f s (truth %.4f-%.4f = %.4f s; "
                       "kinematic %.4f s)\n", trial, sd, (double)L.first / q->rate_hz,
                       (double)L.last / q->rate_hz, L.contact_time_s, fon, fof, fct, tc);
                snprintf(w, sizeof w, "dvj_%d %s contact time vs force truth (s; issue 11: 1 frame)",
                         trial, sd);
                CHECK(w, isfinite(fct));
                CHECK_NEAR(w, L.contact_time_s, fct, frame);
                snprintf(w, sizeof w, "dvj_%d %s contact start vs force truth (s; 1 frame)", trial, sd);
                CHECK_NEAR(w, (double)L.first / q->rate_hz, fon, frame);
                snprintf(w, sizeof w, "dvj_%d %s contact end vs force truth (s; 1 frame)", trial, sd);
                CHECK_NEAR(w, (double)L.last / q->rate_hz, fof, frame);
                /* kc-ik's default threshold (--force-threshold 20 N) as well */
                kc_kin_landing L20;
                snprintf(w, sizeof w, "dvj_%d %s contact time at 20 N vs force truth (s; 1 frame)",
                         trial, sd);
                if (CHECK(w, kc_kin_landing_metrics(q->force + 2, q->n, 3, q->rate_hz, mass, 20,
                                                    0, &L20) == 0)) {
                    printf("dvj_%d %s: contact at 20 N %.4f s\n", trial, sd, L20.contact_time_s);
                    CHECK_NEAR(w, L20.contact_time_s, fct, frame);
                }
                /* the force truth ends before the kinematic take-off, never after */
                snprintf(w, sizeof w, "dvj_%d %s force contact <= kinematic contact", trial, sd);
                CHECK(w, fct <= tc + 1e-9);
                snprintf(w, sizeof w, "dvj_%d %s peak vertical force (N; issue 11: 1 %%)", trial, sd);
                CHECK_NEAR(w, L.peak_force_bw * mass * KC_KIN_G, tp, 0.01 * tp);
                /* flight: the truth's flight_time_s is kinematic (take-off .. second contact,
                 * both feet's mean); the force's flight of this foot is from its force-plate
                 * contact end to its second contact (where force and kinematics start
                 * together, as the initial contact above): samples fof + 1/rate .. tic2 */
                double tff = tic2 - fof - 1.0 / q->rate_hz;
                printf("dvj_%d %s: flight %.4f s (force truth %.4f s)\n", trial, sd,
                       L.flight_time_s, tff);
                snprintf(w, sizeof w, "dvj_%d %s flight time vs force truth (s; 1 frame)", trial, sd);
                CHECK_NEAR(w, L.flight_time_s, tff, frame);
                CHECK_NEAR("jump height = g t^2 / 8 (m)", L.jump_height_m,
                           KC_KIN_G * L.flight_time_s * L.flight_time_s / 8, 1e-12);
                peak[s] = L.peak_force_bw;
            }
            double tl = truth_metric(o->truth->metrics, "peak_vgrf_n", "L"),
                   tr = truth_metric(o->truth->metrics, "peak_vgrf_n", "R");
            double a = kc_kin_asymmetry(peak[0], peak[1]), at = kc_kin_asymmetry(tl, tr);
            printf("dvj_%d: peak force asymmetry %.2f %% (truth %.2f %%)\n", trial, a, at);
            CHECK_NEAR("L-R peak force asymmetry (percentage points; 1 % of each peak)", a, at,
                       2.0);
            kc_kin_plates_free(&pl);
        }
        free(ct);
        free(mk);
        kc_obs_free(o);
    }
}

/* one column of one subject's row of DIR/subjects.csv (NaN when absent) */
static double subject_value(const char *dir, const char *id, const char *name)
{
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/subjects.csv", dir);
    FILE *fp = fopen(path, "r");
    double v = NAN;
    if (!fp)
        return v;
    int col = -1;
    if (fgets(line, sizeof line, fp)) {
        int c = 0;
        for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), c++)
            if (!strcmp(t, name))
                col = c;
    }
    while (col >= 0 && isnan(v) && fgets(line, sizeof line, fp)) {
        int c = 0, mine = 0;
        for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), c++) {
            if (c == 0)
                mine = !strcmp(t, id);
            if (mine && c == col)
                v = atof(t);
        }
    }
    fclose(fp);
    return v;
}

static double truth_event(const kc_table *E, const char *name, const char *side)
{
    int cn = kc_table_find(E, "name"), cs = kc_table_find(E, "side"), ct = kc_table_find(E, "time_s");
    for (size_t i = 0; i < kc_table_nrows(E); i++)
        if (!strcmp(kc_table_get_str(E, i, cn), name) && !strcmp(kc_table_get_str(E, i, cs), side))
            return kc_table_get_f64(E, i, ct);
    return NAN;
}

/* Sign of the knee abduction moment on a valgus landing (issue 11; Hewett et al. 2005, Am J
 * Sports Med 33:492: the EXTERNAL knee abduction moment, positive when the load drives the
 * knee into valgus). A kc-synth anatomical drop jump of a high-valgus subject (seed 3, s02,
 * group "pfp": truth peak knee valgus 8.6 / 10.3 deg), true markers and the plates, no
 * filtering (as kc-ik): from 30 ms after initial contact to peak knee flexion the library's
 * external abduction moment -Y of /moments/<s>Knee is compared with a quasi-static one
 * written from the geometry of valgus, not from the sign table of docs/kinetics.md: the
 * moment of the foot's ground reaction about the knee joint centre, (CoP - KJC) x GRF, about
 * the knee's anterior axis u (the tibia frame's X, checked to point forward: cos to the
 * foot's heel-to-toe direction > 0.7). Valgus = the distal tibia swinging laterally relative
 * to the knee; a force up at a CoP lateral to the knee turns the tibia that way, so the
 * external valgus moment is +M.u for the left leg (whose lateral side is to the left of u)
 * and -M.u for the right (a vertical force at a CoP lateral to the knee: positive on both
 * sides). Asserted: the truth knee valgus is large (> 5 deg), the peak external abduction
 * moment is positive on both sides, the quasi-static moment is positive at that frame too and
 * the two agree within 10 % of the peak there (measured 3.5 %, the library's the smaller: the
 * quasi-static one leaves out the foot's and shank's weight and inertia), and they correlate
 * over the window (r > 0.98; measured 0.999 L, 0.996 R). The axis must be the knee's own:
 * about the foot's direction instead (10-30 deg of toe-out) the large sagittal moment near
 * peak knee flexion leaks in (measured 25-55 % off). */
/* Peak external knee abduction moment (-Y of the knee moment) of side s over IC -> peak knee
 * flexion of the truth's events, N.mm/kg. */
static double peak_kam(const kc_kin_result *r, const kc_obs *o, int s)
{
    const char *sd = s ? "R" : "L";
    double tic = truth_event(o->truth->events, "initial_contact", sd);
    double tpk = truth_event(o->truth->events, "peak_knee_flexion", sd);
    double best = -INFINITY;
    for (long f = lround(tic * o->rate_hz); f <= lround(tpk * o->rate_hz); f++)
        if (f >= 0 && (size_t)f < r->n_frames && isfinite(r->moment[s][KC_KIN_KNEE][f * 3 + 1]))
            best = fmax(best, -r->moment[s][KC_KIN_KNEE][f * 3 + 1]);
    return best;
}

/* Matched cutoffs (kc-ik --kinetics-cutoff auto on kc-triangulate's filtered trajectories):
 * markers already low-passed at 12 Hz, with markers_prefiltered, give the same moments bit for
 * bit as raw markers with both filtered by the library at 12 Hz; and the mismatch the option
 * exists to avoid — markers at 12 Hz, forces raw — gives a larger peak abduction moment in
 * the impact on this landing (Kristianslund et al. 2012, J Biomech 45:666: mismatched cutoffs
 * distort peak knee abduction moments). All three printed with the unfiltered one. */
static void matched_cutoffs(const kc_pig_params *p, const kc_obs *o, size_t M, const int *it,
                            const kc_kin_options *opt, const kc_kin_result *rr)
{
    size_t F = o->n_frames;
    double *pre = malloc(F * M * 3 * sizeof *pre);
    if (!CHECK("matched cutoffs: memory", pre != NULL))
        return;
    memcpy(pre, o->truth->markers, F * M * 3 * sizeof *pre);
    kc_kin_options both = *opt, forces_only = *opt, mismatch = *opt;
    both.cutoff_hz = 12;
    forces_only.cutoff_hz = 12;
    forces_only.markers_prefiltered = 1;
    mismatch.cutoff_hz = 0;
    kc_kin_result rb, rf, rm;   /* rr: the caller's, markers and forces unfiltered */
    int ok = CHECK("matched cutoffs: markers pre-filtered at 12 Hz",
                   kc_filter_positions(pre, F, M, 12, o->rate_hz) == 0);
    int ob = ok && kc_kin_inverse_dynamics(p, o->truth->markers, F, M, it, o->rate_hz,
                                           o->forceplates, o->n_forceplates, &both, "both", &rb,
                                           NULL, NULL) == 0;
    int of = ok && kc_kin_inverse_dynamics(p, pre, F, M, it, o->rate_hz, o->forceplates,
                                           o->n_forceplates, &forces_only, "forces", &rf, NULL,
                                           NULL) == 0;
    int om = ok && kc_kin_inverse_dynamics(p, pre, F, M, it, o->rate_hz, o->forceplates,
                                           o->n_forceplates, &mismatch, "mismatch", &rm, NULL,
                                           NULL) == 0;
    if (CHECK("matched cutoffs: the three inverse dynamics run", ob && of && om)) {
        int same = 1;
        for (int s = 0; s < 2; s++)
            for (int j = 0; j < KC_KIN_N_JOINT; j++)
                same &= memcmp(rb.moment[s][j], rf.moment[s][j], F * 3 * sizeof(double)) == 0 &&
                        memcmp(rb.grf[s], rf.grf[s], F * 3 * sizeof(double)) == 0;
        CHECK("matched cutoffs: pre-filtered markers + forces at 12 Hz = both filtered here "
              "(every moment and ground reaction, bit for bit)", same);
        for (int s = 0; s < 2; s++) {
            double kb = peak_kam(&rb, o, s), km = peak_kam(&rm, o, s), kr = peak_kam(rr, o, s);
            printf("valgus %s: peak external knee abduction moment IC..PKF, N.mm/kg: markers "
                   "and forces unfiltered %.1f, both at 12 Hz %.1f, markers at 12 Hz with raw "
                   "forces (mismatched) %.1f\n", s ? "R" : "L", kr, kb, km);
            char w[160];
            snprintf(w, sizeof w, "matched cutoffs %s: the mismatched peak is the larger",
                     s ? "R" : "L");
            CHECK(w, isfinite(kb) && isfinite(km) && km > kb);
        }
    }
    if (ob)
        kc_kin_result_free(&rb);
    if (of)
        kc_kin_result_free(&rf);
    if (om)
        kc_kin_result_free(&rm);
    free(pre);
}

static void test_valgus_sign(const char *tmp)
{
    char dir[900];
    snprintf(dir, sizeof dir, "%s/valgus", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' session '%s' --subjects 2 --trials 1 --sls 0 "
             "--cameras 2 --wand-s 1 --seed 3 --quiet --threads 1", dir, KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth session (valgus)", system(cmd) == 0))
        return;
    const char *id = "s02";
    kc_pig_params p = kc_pig_default_params();
    static const char *const sn[2] = {"L", "R"};
    for (int k = 0; k < 2; k++) {
        char n[64];
        snprintf(n, sizeof n, "leg_length_%s_mm", sn[k]);
        p.leg_length_mm[k] = subject_value(dir, id, n);
        snprintf(n, sizeof n, "knee_width_%s_mm", sn[k]);
        p.knee_width_mm[k] = subject_value(dir, id, n);
        snprintf(n, sizeof n, "ankle_width_%s_mm", sn[k]);
        p.ankle_width_mm[k] = subject_value(dir, id, n);
        snprintf(n, sizeof n, "tibial_torsion_%s_deg", sn[k]);
        p.tibial_torsion_deg[k] = subject_value(dir, id, n);
    }
    p.inter_asis_mm = subject_value(dir, id, "inter_asis_mm");
    p.marker_diameter_mm = subject_value(dir, id, "marker_diameter_mm");
    double mass = subject_value(dir, id, "mass_kg");
    char path[1024];
    kc_obs *st = NULL, *o = NULL;
    snprintf(path, sizeof path, "%s/%s/static.obs.h5", dir, id);
    int ok = CHECK("read the static (valgus)", kc_obs_read(path, &st) == 0 && st->truth &&
                                                   st->truth->markers);
    snprintf(path, sizeof path, "%s/%s/dvj_1.obs.h5", dir, id);
    ok = ok && CHECK("read the drop jump (valgus)", kc_obs_read(path, &o) == 0 && o->truth &&
                                                         o->truth->markers && o->truth->metrics &&
                                                         o->truth->events);
    if (!ok || !CHECK("subject parameters", isfinite(mass) && isfinite(p.leg_length_mm[0]))) {
        kc_obs_free(st);
        kc_obs_free(o);
        return;
    }
    int is[KC_PIG_N_MARKERS], it[KC_PIG_N_MARKERS];
    size_t Ms = st->truth->n_markers, M = o->truth->n_markers, F = o->n_frames;
    kc_pig_map_markers(st->truth->labels ? st->truth->labels : st->labels, Ms, is, NULL, 0);
    kc_pig_map_markers(o->truth->labels ? o->truth->labels : o->labels, M, it, NULL, 0);
    kc_kin_options opt = kc_kin_default_options();
    opt.body_mass_kg = mass;
    opt.threshold_n = 5;
    kc_kin_result r;
    kc_kin_contact *ct = NULL;
    size_t nct = 0;
    kc_kin_plates pl;
    memset(&pl, 0, sizeof pl);
    if (CHECK("calibrate (valgus)", kc_pig_calibrate(&p, st->truth->markers, st->n_frames, Ms,
                                                      is) == 0) &&
        CHECK("inverse dynamics (valgus)",
              kc_kin_inverse_dynamics(&p, o->truth->markers, F, M, it, o->rate_hz,
                                      o->forceplates, o->n_forceplates, &opt, path, &r, &ct,
                                      &nct) == 0)) {
        if (CHECK("plates (valgus)", kc_kin_plates_resample(o->forceplates, o->n_forceplates,
                                                            o->rate_hz, F, 0, 5, path, &pl) == 0))
            for (int s = 0; s < 2; s++) {
                const char *sd = sn[s];
                double vg = truth_metric(o->truth->metrics, "peak_knee_valgus_deg", sd);
                double tic = truth_event(o->truth->events, "initial_contact", sd);
                double tpk = truth_event(o->truth->events, "peak_knee_flexion", sd);
                int plate = -1;
                for (size_t c = 0; c < nct && plate < 0; c++)
                    if (ct[c].side == s && ct[c].flag == KC_CONTACT_OK)
                        plate = ct[c].plate;
                char w[200];
                snprintf(w, sizeof w, "valgus %s: the truth's peak knee valgus > 5 deg", sd);
                CHECK(w, vg > 5);
                snprintf(w, sizeof w, "valgus %s: foot on a plate, events", sd);
                if (!CHECK(w, plate >= 0 && isfinite(tic) && isfinite(tpk)))
                    continue;
                /* from 30 ms after initial contact: in the impact the foot's and shank's
                 * inertia are a large part of the knee moment (R: 1592 N.mm/kg against a
                 * quasi-static 2179 two frames after contact), which the quasi-static
                 * reference leaves out */
                size_t a = (size_t)lround((tic + 0.030) * o->rate_hz),
                       b = (size_t)lround(tpk * o->rate_hz);
                double best = -INFINITY, ind_best = NAN, fwd_min = 1;
                size_t fb = a;
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                size_t n = 0;
                for (size_t f = a; f <= b && f < F; f++) {
                    double ours = -r.moment[s][KC_KIN_KNEE][f * 3 + 1];
                    const double *cop = pl.cop + ((size_t)plate * F + f) * 3;
                    const double *g = r.grf[s] + f * 3;
                    if (!isfinite(ours) || !isfinite(cop[0]) || it[kc_pig_mk(s, KC_PIG_HEE)] < 0)
                        continue;
                    kc_vec3 mkv[KC_PIG_N_MARKERS];
                    kc_pig_gather(o->truth->markers, M, f, it, mkv);
                    kc_pig_pose pose;
                    kc_pig_pose_frame(&p, mkv, &pose);
                    kc_vec3 hee = mkv[kc_pig_mk(s, KC_PIG_HEE)], toe = mkv[kc_pig_mk(s, KC_PIG_TOE)];
                    kc_vec3 uf = kc_v3(toe.x - hee.x, toe.y - hee.y, 0);
                    uf = kc_v3_scale(uf, 1.0 / kc_v3_norm(uf));
                    /* the knee's anterior axis: the tibia's X (at peak knee flexion the
                     * sagittal moment is several times the frontal one, so the frontal
                     * component must be taken about the knee's own axis; the foot's direction
                     * is only the sanity check that X points forward) */
                    kc_vec3 u = kc_v3(pose.tibia[s].m[0][0], pose.tibia[s].m[1][0],
                                      pose.tibia[s].m[2][0]);
                    fwd_min = fmin(fwd_min, kc_v3_dot(u, uf));
                    kc_vec3 rr = kc_v3_sub(kc_v3(cop[0], cop[1], cop[2]), pose.kjc[s]);
                    kc_vec3 Mg = kc_v3_cross(rr, kc_v3(g[0], g[1], g[2]));   /* N.mm */
                    double ind = (s ? -1 : 1) * kc_v3_dot(Mg, u) / mass;       /* N.mm/kg */
                    if (ours > best) {
                        best = ours;
                        fb = f;
                        ind_best = ind;
                    }
                    sx += ours; sy += ind; sxx += ours * ours; syy += ind * ind; sxy += ours * ind;
                    n++;
                }
                double cov = sxy - sx * sy / (double)n, rcor = cov / sqrt((sxx - sx * sx / (double)n) *
                                                                          (syy - sy * sy / (double)n));
                printf("valgus %s: truth peak knee valgus %.1f deg; peak external knee abduction "
                       "moment %.1f N.mm/kg at frame %zu (IC+30ms %zu .. PKF %zu); quasi-static GRF "
                       "moment there %.1f N.mm/kg; r = %.4f over %zu frames; min cos(tibia X, "
                       "foot) %.3f\n", sd, vg, best, fb, a, b, ind_best, rcor, n, fwd_min);
                snprintf(w, sizeof w, "valgus %s: the tibia's X points forward (cos to the foot "
                         "> 0.7)", sd);
                CHECK(w, fwd_min > 0.7);
                snprintf(w, sizeof w, "valgus %s: peak external abduction moment > 0", sd);
                CHECK(w, best > 0);
                snprintf(w, sizeof w, "valgus %s: independent GRF moment > 0 at that frame", sd);
                CHECK(w, ind_best > 0);
                snprintf(w, sizeof w, "valgus %s: the two within 10 %% of the peak (N.mm/kg)", sd);
                CHECK_NEAR(w, ind_best, best, 0.10 * best);
                snprintf(w, sizeof w, "valgus %s: correlation over IC+30ms..PKF > 0.98", sd);
                CHECK(w, n > 10 && rcor > 0.98);
            }
        matched_cutoffs(&p, o, M, it, &opt, &r);
        kc_kin_result_free(&r);
    }
    kc_kin_plates_free(&pl);
    free(ct);
    kc_obs_free(st);
    kc_obs_free(o);
}

int main(void)
{
    kc_log_init("test_kinetics", KC_LOG_ERROR);
    test_bad_plates();
    test_resample();
    test_landing_handmade();
    CHECK_NEAR("asymmetry 100 vs 80", kc_kin_asymmetry(100, 80), 20, 1e-12);
    const char *tmp = kc_test_tmpdir("test_kinetics");
    char dir[900];
    snprintf(dir, sizeof dir, "%s/session", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' session '%s' --subjects 1 --trials 2 --sls 0 "
             "--cameras 4 --wand-s 1 --seed 3 --quiet --threads 1", dir, KC_SYNTH_EXE, dir);
    if (CHECK("kc-synth session", system(cmd) == 0)) {
        test_statics(dir);
        test_synth_dvj(dir);
    }
    test_valgus_sign(tmp);
    return kc_test_summary("test_kinetics");
}
