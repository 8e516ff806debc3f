/* test_ik_modules — the events, metrics and normalize modules on hand-made signals whose
 * answers are known in closed form. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/events.h"
#include "kinechain/kinfile.h"
#include "kinechain/metrics.h"
#include "kinechain/normalize.h"
#include "kinechain/pigmodel.h"
#include "testutil.h"

static void test_normalize(void)
{
    size_t F = 100;
    double x[300], out[101 * 3];
    for (size_t f = 0; f < F; f++) {
        x[f * 3] = (double)f;
        x[f * 3 + 1] = 2.0 * (double)f;
        x[f * 3 + 2] = -1.0;
    }
    CHECK("normalize", kc_normalize_curve(x, F, 100.0, 0.105, 0.505, 101, out) == KC_OK);
    double mx = 0;
    for (size_t i = 0; i < 101; i++) {
        double t = 0.105 + 0.4 * (double)i / 100.0;
        mx = fmax(mx, fabs(out[i * 3] - 100.0 * t));
        mx = fmax(mx, fabs(out[i * 3 + 1] - 200.0 * t));
        mx = fmax(mx, fabs(out[i * 3 + 2] + 1.0));
    }
    CHECK_NEAR("linear ramp resampled exactly", mx, 0, 1e-9);
    x[20 * 3] = NAN;
    CHECK("normalize with a NaN", kc_normalize_curve(x, F, 100.0, 0.105, 0.505, 101, out) == KC_OK);
    /* t = 0.105 + 0.4 i/100 in (0.19, 0.21) <=> i in (21.25, 26.25): NaN there only */
    CHECK("NaN where a bracketing frame is NaN", isnan(out[22 * 3]) && isnan(out[26 * 3]));
    CHECK("finite elsewhere", isfinite(out[21 * 3]) && isfinite(out[27 * 3]));
    CHECK("t1 <= t0 rejected", kc_normalize_curve(x, F, 100.0, 0.5, 0.5, 101, out) == KC_EINVAL);
    CHECK("NaN time rejected", kc_normalize_curve(x, F, 100.0, NAN, 0.5, 101, out) == KC_EINVAL);
    CHECK("outside the trial is NaN",
          kc_normalize_curve(x, F, 100.0, 0.9, 1.2, 101, out) == KC_OK && isnan(out[100 * 3]));
}

/* foot height: on a box (300 mm) until frame 50, falls at 10 mm/frame to the floor (28 mm),
 * stays down to frame 150, rises at 8 mm/frame, lands again at frame 200 */
static void test_events_kinematic(void)
{
    size_t F = 260;
    double h[260];
    for (size_t f = 0; f < F; f++) {
        double v;
        if (f <= 50)
            v = 300;
        else if (f <= 150)
            v = fmax(28, 300 - 10.0 * (double)(f - 50));
        else if (f <= 175)
            v = 28 + 8.0 * (double)(f - 150);
        else
            v = fmax(28, 228 - 8.0 * (double)(f - 175));
        h[f] = v;
    }
    kc_events_params ep = kc_events_default_params();
    kc_dvj_events ev;
    CHECK("kinematic events", kc_events_dvj_kinematic(&ep, h, F, 100.0, 28.0, &ev) == KC_OK);
    /* falls below 28 + 30 = 58 at frame 50 + (300 - 58) / 10 = 74.2 */
    CHECK_NEAR("initial contact (s)", ev.ic_s, 0.742, 1e-9);
    /* rises above 28 + 30 = 58 (the take-off threshold, events.h) at frame
     * 150 + 30 / 8 = 153.75 */
    CHECK_NEAR("take-off (s)", ev.to_s, 1.5375, 1e-9);
    /* falls below 58 again at frame 175 + (228 - 58) / 8 = 196.25 */
    CHECK_NEAR("second contact (s)", ev.ic2_s, 1.9625, 1e-9);
    CHECK("method kinematic", strcmp(ev.method, "kinematic") == 0 && ev.plate == -1);
    CHECK_NEAR("floor estimate", kc_events_floor_estimate(h, F), 28.0, 1e-12);
    /* one noisy frame below the threshold on the box is not a contact */
    h[20] = 0;
    CHECK("one-frame spike", kc_events_dvj_kinematic(&ep, h, F, 100.0, 28.0, &ev) == KC_OK);
    CHECK_NEAR("initial contact ignores a one-frame spike", ev.ic_s, 0.742, 1e-9);
    h[20] = 300;
    /* marker gaps at touch-down (frames 74-77) and at push-off (152-155): bridged linearly
     * (<= max_gap_s = 0.1 s), the contact is not cut short and the crossings stay where the
     * straight lines through the gap put them */
    double g[260];
    memcpy(g, h, sizeof g);
    for (size_t f = 74; f <= 77; f++)
        g[f] = NAN;
    for (size_t f = 152; f <= 155; f++)
        g[f] = NAN;
    CHECK("gaps bridged", kc_events_dvj_kinematic(&ep, g, F, 100.0, 28.0, &ev) == KC_OK);
    /* the line from frame 73 (70 mm) to 78 (28 mm) crosses 58 at 73 + 12/42·5 */
    CHECK_NEAR("initial contact inside a gap (s)", ev.ic_s, (73 + 12.0 / 42.0 * 5) / 100.0, 1e-9);
    /* 151 (36) to 156 (76): crosses 58 at 151 + 22/40·5 */
    CHECK_NEAR("take-off inside a gap (s)", ev.to_s, (151 + 22.0 / 40.0 * 5) / 100.0, 1e-9);
    /* a gap longer than 0.1 s stays a gap: no contact found before it ends */
    for (size_t f = 60; f <= 90; f++)
        g[f] = NAN;
    CHECK("long gap", kc_events_dvj_kinematic(&ep, g, F, 100.0, 28.0, &ev) == KC_OK);
    CHECK("a long gap is not bridged", !(ev.ic_s < 0.90));
    /* foot height from two markers: a one-frame hole in the lower (toe) marker is bridged on
     * that marker, so the minimum does not jump to the heel (120 mm) for that frame */
    double pos[4 * 2 * 3], hh[4];
    for (size_t f = 0; f < 4; f++) {
        pos[(f * 2 + 0) * 3 + 2] = 120;              /* heel */
        pos[(f * 2 + 1) * 3 + 2] = 30 - 5.0 * (double)f;   /* toe */
        pos[(f * 2 + 0) * 3] = pos[(f * 2 + 0) * 3 + 1] = 0;
        pos[(f * 2 + 1) * 3] = pos[(f * 2 + 1) * 3 + 1] = 0;
    }
    pos[(2 * 2 + 1) * 3 + 2] = NAN;
    kc_events_foot_height(pos, 4, 2, 0, 1, 10, hh);
    CHECK_NEAR("bridged toe frame", hh[2], 20.0, 1e-12);
    kc_events_foot_height(pos, 4, 2, 0, 1, 0, hh);
    CHECK_NEAR("no bridging: the heel", hh[2], 120.0, 1e-12);
}

static void test_events_force(void)
{
    kc_forceplate fp[2];
    memset(fp, 0, sizeof fp);
    size_t n = 3000;   /* 1000 Hz, 3 s */
    for (int i = 0; i < 2; i++) {
        if (kc_forceplate_alloc(&fp[i], n)) {
            CHECK("alloc", 0);
            return;
        }
        fp[i].rate_hz = 1000;
        double cy = i == 0 ? 300 : -300;
        double c[4][3] = {{250, cy + 200, 0}, {-250, cy + 200, 0}, {-250, cy - 200, 0}, {250, cy - 200, 0}};
        memcpy(fp[i].corners, c, sizeof c);
        for (size_t j = 0; j < n; j++) {
            double t = (double)j / 1000.0, f = 0;
            double on = i == 0 ? 1.0004 : 1.1, off = 1.5, on2 = 2.2;
            if (t >= on && t < off)
                f = 10000.0 * fmin(t - on, off - t);
            else if (t >= on2)
                f = 10000.0 * (t - on2);
            fp[i].force[3 * j] = fp[i].force[3 * j + 1] = 0;
            fp[i].force[3 * j + 2] = f;
        }
    }
    size_t F = 300;   /* 100 Hz frames */
    double *xy = malloc(F * 2 * sizeof *xy);
    if (!xy)
        return;
    for (size_t f = 0; f < F; f++) {
        xy[2 * f] = 0;
        xy[2 * f + 1] = -300;   /* the right foot is over plate 1 */
    }
    kc_events_params ep = kc_events_default_params();
    kc_dvj_events ev;
    CHECK("force events", kc_events_dvj_force(&ep, fp, 2, xy, F, 100.0, &ev) == KC_OK);
    CHECK("plate 1", ev.plate == 1);
    /* 20 N at 2 ms after onset: 1.102 s; off at 1.498 s; again at 2.202 s */
    CHECK_NEAR("IC from force (s)", ev.ic_s, 1.102, 1e-9);
    CHECK_NEAR("take-off from force (s)", ev.to_s, 1.498, 1e-9);
    CHECK_NEAR("second contact from force (s)", ev.ic2_s, 2.202, 1e-9);
    CHECK("method force", strcmp(ev.method, "force") == 0);
    for (size_t f = 0; f < F; f++)
        xy[2 * f + 1] = 2000;   /* off every plate */
    CHECK("no plate under the foot", kc_events_dvj_force(&ep, fp, 2, xy, F, 100.0, &ev) == KC_EMISSING);
    free(xy);
    kc_forceplate_free_arrays(&fp[0]);
    kc_forceplate_free_arrays(&fp[1]);
}

static double metric(const kc_table *m, const char *name, const char *side, int64_t *frame)
{
    int cn = kc_table_find(m, "name"), cs = kc_table_find(m, "side"), cv = kc_table_find(m, "value");
    for (size_t i = 0; i < kc_table_nrows(m); i++)
        if (!strcmp(kc_table_get_str(m, i, cn), name) && !strcmp(kc_table_get_str(m, i, cs), side)) {
            if (frame)
                *frame = kc_table_get_i64(m, i, kc_table_find(m, "frame"));
            return kc_table_get_f64(m, i, cv);
        }
    return NAN;
}

static void test_metrics(void)
{
    size_t F = 200;
    double rate = 100;
    double *ang = calloc(KC_PIG_N_ANGLES * F * 3, sizeof *ang);
    double *jc = calloc(KC_PIG_N_CENTRES * F * 3, sizeof *jc);
    kc_table *t = kc_kin_metrics_alloc();
    if (!ang || !jc || !t) {
        CHECK("alloc", 0);
        goto done;
    }
#define A(ch, f, k) ang[((size_t)(ch) * F + (f)) * 3 + (k)]
#define J(ch, f, k) jc[((size_t)(ch) * F + (f)) * 3 + (k)]
    for (int s = 0; s < 2; s++)
        for (size_t f = 0; f < F; f++) {
            double u = ((double)f - 50.0) / 50.0;   /* IC at 50, PKF at 100, TO at 150 */
            A(2 * KC_PIG_KNEE + s, f, 0) = 10 + 80 * sin(KC_PI * fmin(fmax(u, 0), 2) / 2);
            /* valgus (-Y) from 2 deg at IC to a peak of 8 deg at frame 90 */
            A(2 * KC_PIG_KNEE + s, f, 1) = -(2 + 6 * exp(-pow(((double)f - 90) / 15, 2)));
            A(2 * KC_PIG_HIP + s, f, 1) = s ? 3 : 5;
            A(2 * KC_PIG_HIP + s, f, 2) = (double)f / 100.0;
            /* centres: hips 200 mm apart, knees 150, along lab Y */
            J(0 + s, f, 1) = s ? -100 : 100;
            J(2 + s, f, 1) = s ? -75 : 75;
            /* left knee 25 mm medial of the hip-ankle line (valgus); right 25 mm lateral */
            J(0 + s, f, 2) = 900;
            J(2 + s, f, 2) = 500;
            J(4 + s, f, 1) = s ? -100 : 100;
            J(4 + s, f, 2) = 100;
            if (s)
                J(2 + s, f, 1) = -125;
            /* pelvis obliquity 0.03 deg/frame (left up), thorax lateral, foot progression */
            A(2 * KC_PIG_PELVIS + s, f, 1) = (s ? -0.03 : 0.03) * (double)f;
            A(2 * KC_PIG_THORAX + s, f, 1) = s ? 1.0 : -2.0;
            A(2 * KC_PIG_FOOTPROG + s, f, 2) = s ? -4.0 : 5.0;
            A(2 * KC_PIG_PELVIS + s, f, 2) = s ? -2.0 : 2.0;
            /* knees move medially by 0.2 mm/frame after IC (frame 50) until frame 80, then
             * back by 0.3 mm/frame to where they were at frame 100 */
            {
                double d = 0.2 * fmin(fmax((double)f - 50.0, 0.0), 30.0) -
                           0.3 * fmin(fmax((double)f - 80.0, 0.0), 20.0);
                J(2 + s, f, 1) += s ? d : -d;
            }
        }
    kc_dvj_events ev[2];
    memset(ev, 0, sizeof ev);
    for (int s = 0; s < 2; s++) {
        ev[s].ic_s = 0.5;
        ev[s].to_s = 1.5;
        ev[s].ic2_s = 1.9;
        ev[s].plate = -1;
        ev[s].method = "kinematic";
        kc_events_peak_flexion(ang + (size_t)(2 * KC_PIG_KNEE + s) * F * 3, F, rate, &ev[s]);
    }
    CHECK("peak knee flexion at frame 100", ev[0].pkf_ok && ev[0].pkf_frame == 100);
    kc_mat3 prog = kc_m3_identity();
    CHECK("metrics", kc_metrics_dvj(ang, jc, F, rate, prog, ev, NULL, 0, t) == KC_OK);
    int64_t fr;
    CHECK_NEAR("valgus at IC", metric(t, "knee_valgus_at_ic_deg", "L", NULL), 2 + 6 * exp(-pow(40.0 / 15, 2)), 1e-9);
    CHECK_NEAR("peak valgus", metric(t, "peak_knee_valgus_deg", "R", &fr), 8, 1e-9);
    CHECK("peak valgus frame", fr == 90);
    CHECK_NEAR("time to peak valgus", metric(t, "time_to_peak_valgus_s", "R", NULL), 0.4, 1e-9);
    CHECK_NEAR("peak knee flexion", metric(t, "peak_knee_flexion_deg", "L", NULL), 90, 1e-9);
    CHECK_NEAR("knee flexion range", metric(t, "knee_flexion_range_deg", "L", NULL), 80, 1e-9);
    CHECK_NEAR("peak hip adduction", metric(t, "peak_hip_adduction_deg", "L", NULL), 5, 1e-12);
    CHECK_NEAR("peak hip internal rotation (IC..PKF)", metric(t, "peak_hip_internal_rotation_deg", "R", NULL), 1.0, 1e-12);
    CHECK_NEAR("contact time", metric(t, "contact_time_s", "L", NULL), 1.0, 1e-12);
    CHECK_NEAR("knee separation ratio", metric(t, "knee_separation_ratio_at_peak_flexion", "", NULL), 200.0 / 200.0, 1e-12);
    CHECK_NEAR("FPPA left (valgus +)", metric(t, "fppa_3d_at_pkf_deg", "L", NULL),
               2 * atan(25.0 / 400.0) / KC_DEG, 1e-9);
    CHECK_NEAR("FPPA right (varus -)", metric(t, "fppa_3d_at_pkf_deg", "R", NULL),
               -2 * atan(25.0 / 400.0) / KC_DEG, 1e-9);
    CHECK_NEAR("flight time", metric(t, "flight_time_s", "", NULL), 0.4, 1e-12);
    CHECK_NEAR("medial knee displacement L (mm)", metric(t, "medial_knee_displacement_mm", "L", &fr), 6.0, 1e-9);
    CHECK("medial knee displacement frame", fr == 80);
    CHECK_NEAR("medial knee displacement R (mm)", metric(t, "medial_knee_displacement_mm", "R", NULL), 6.0, 1e-9);
    CHECK_NEAR("ankle separation ratio", metric(t, "ankle_separation_ratio_at_peak_flexion", "", NULL),
               200.0 / 200.0, 1e-12);
    CHECK_NEAR("pelvic obliquity L at PKF", metric(t, "pelvic_obliquity_at_pkf_deg", "L", &fr), 3.0, 1e-9);
    CHECK("pelvic obliquity frame = PKF", fr == 100);
    CHECK_NEAR("pelvic obliquity R at PKF", metric(t, "pelvic_obliquity_at_pkf_deg", "R", NULL), -3.0, 1e-9);
    /* equal peak valgus on both sides: the left (tie) */
    CHECK_NEAR("pelvic drop toward the valgus side", metric(t, "pelvic_drop_toward_valgus_side_at_pkf_deg", "L", NULL),
               -3.0, 1e-9);
    CHECK_NEAR("trunk lean L", metric(t, "trunk_lateral_lean_at_pkf_deg", "L", NULL), 2.0, 1e-12);
    CHECK_NEAR("trunk lean R", metric(t, "trunk_lateral_lean_at_pkf_deg", "R", NULL), -1.0, 1e-12);
    CHECK_NEAR("foot progression rel. pelvis L", metric(t, "foot_progression_rel_pelvis_at_ic_deg", "L", NULL),
               3.0, 1e-12);
    CHECK_NEAR("foot progression rel. pelvis R", metric(t, "foot_progression_rel_pelvis_at_ic_deg", "R", NULL),
               -2.0, 1e-12);
    CHECK("no plate, no peak vGRF", isnan(metric(t, "peak_vgrf_n", "L", NULL)));
#undef A
#undef J
done:
    free(ang);
    free(jc);
    kc_table_free(t);
}

int main(void)
{
    test_normalize();
    test_events_kinematic();
    test_events_force();
    test_metrics();
    return kc_test_summary("test_ik_modules");
}
