/* test_pigmodel — the library's Plug-in Gait model (pigmodel.h) against the independent
 * re-implementation of docs/pig-model.md in tests/pig_reference.c, on hand-built standing
 * poses perturbed at random (many frames, both sides, non-zero tibial torsion, foot flat), plus
 * parameters, chord, progression, NaN propagation and thread independence. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "kinechain/pigmodel.h"
#include "pig_reference.h"
#include "testutil.h"

#define NF 400

/* A standing pose, X anterior, Y left, Z up (mm). */
static const double base[KC_PIG_N_MARKERS][3] = {
    {120, 120, 1000},  {120, -120, 1000}, {-40, 50, 1020},  {-40, -50, 1020},
    {-60, 0, 1450},    {-90, 0, 1250},    {40, 0, 1400},    {60, 0, 1250},
    {30, 140, 750},    {0, 135, 500},     {25, 120, 300},   {-10, 115, 80},
    {-70, 100, 40},    {140, 110, 40},
    {30, -140, 750},   {0, -135, 500},    {25, -120, 300},  {-10, -115, 80},
    {-70, -100, 40},   {140, -110, 40},
};

static double urand(void) { return 2.0 * rand() / (double)RAND_MAX - 1.0; }

static kc_pig_params params(void)
{
    kc_pig_params p = kc_pig_default_params();
    p.leg_length_mm[0] = 900;
    p.leg_length_mm[1] = 905;
    p.knee_width_mm[0] = 100;
    p.knee_width_mm[1] = 102;
    p.ankle_width_mm[0] = 70;
    p.ankle_width_mm[1] = 71;
    p.asis_troc_mm[1] = 70; /* right given, left by regression */
    p.tibial_torsion_deg[0] = 15;
    p.tibial_torsion_deg[1] = -8;
    p.sole_delta_mm[0] = 4;
    p.sole_delta_mm[1] = 0;
    return p;
}

static subj to_subj(const kc_pig_params *p)
{
    subj s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < 2; k++) {
        s.ll[k] = p->leg_length_mm[k];
        s.kw[k] = p->knee_width_mm[k];
        s.aw[k] = p->ankle_width_mm[k];
        s.at[k] = p->asis_troc_mm[k];
        s.tau[k] = p->tibial_torsion_deg[k];
        s.sole[k] = p->sole_delta_mm[k];
    }
    s.ia = p->inter_asis_mm;
    s.md = p->marker_diameter_mm;
    return s;
}

/* F frames: the base pose moved forward by step mm per frame, every marker jittered by amp */
static void make_trial(double *pos, size_t F, double step, double amp)
{
    for (size_t f = 0; f < F; f++)
        for (int m = 0; m < KC_PIG_N_MARKERS; m++)
            for (int k = 0; k < 3; k++)
                pos[(f * KC_PIG_N_MARKERS + (size_t)m) * 3 + k] =
                    base[m][k] + (k == 0 ? step * (double)f : 0) + amp * urand();
}

static void to_vec(const double *pos, size_t f, vec *mk)
{
    for (int m = 0; m < KC_PIG_N_MARKERS; m++) {
        const double *q = pos + (f * KC_PIG_N_MARKERS + (size_t)m) * 3;
        mk[m] = v3(q[0], q[1], q[2]);
    }
}

static void test_params(void)
{
    kc_pig_params p = kc_pig_default_params();
    char buf[512];
    CHECK("defaults: marker diameter 14", p.marker_diameter_mm == 14.0);
    CHECK("defaults lack the required ones", kc_pig_check_params(&p, buf, sizeof buf) == KC_EINVAL);
    CHECK("missing list names leg_length_L_mm", strstr(buf, "leg_length_L_mm") != NULL);
    CHECK("missing list names ankle_width_R_mm", strstr(buf, "ankle_width_R_mm") != NULL);
    p = params();
    CHECK("full parameters pass", kc_pig_check_params(&p, buf, sizeof buf) == KC_OK);
    p.leg_length_mm[1] = NAN;
    CHECK("a NaN leg length fails", kc_pig_check_params(&p, buf, sizeof buf) == KC_EINVAL);
    CHECK("and only it is named", strcmp(buf, "leg_length_R_mm") == 0);
}

static void test_chord(void)
{
    vec I = v3(10, 20, 400), P = v3(50, 80, 200), J = v3(0, 40, 0);
    for (int i = 0; i < 3; i++) {
        double d = 30 + 20 * i;
        kc_vec3 k = kc_pig_chord(kc_v3(I.x, I.y, I.z), kc_v3(P.x, P.y, P.z), kc_v3(J.x, J.y, J.z), d);
        vec r = pr_chord(I, P, J, d);
        CHECK_NEAR("chord x vs reference", k.x, r.x, 1e-9);
        CHECK_NEAR("chord y vs reference", k.y, r.y, 1e-9);
        CHECK_NEAR("chord z vs reference", k.z, r.z, 1e-9);
        kc_vec3 jk = kc_v3_sub(kc_v3(J.x, J.y, J.z), k), ik = kc_v3_sub(kc_v3(I.x, I.y, I.z), k);
        CHECK_NEAR("|K - J| = d", kc_v3_norm(jk), d, 1e-9);
        CHECK_NEAR("(I - K).(J - K) = 0", kc_v3_dot(ik, jk), 0, 1e-6);
    }
    kc_vec3 k = kc_pig_chord(kc_v3(0, 0, 100), kc_v3(1, 0, 50), kc_v3(0, 0, 0), 150);
    CHECK("chord with d >= L is NaN", isnan(k.x));
}

/* the whole model against the reference, frame by frame */
static void test_against_reference(int foot_flat)
{
    size_t F = NF;
    double *st = malloc(50 * KC_PIG_N_MARKERS * 3 * sizeof *st);
    double *tr = malloc(F * KC_PIG_N_MARKERS * 3 * sizeof *tr);
    double *ang = malloc(KC_PIG_N_ANGLES * F * 3 * sizeof *ang);
    double *jc = malloc(KC_PIG_N_CENTRES * F * 3 * sizeof *jc);
    vec *smk = malloc(50 * KC_PIG_N_MARKERS * sizeof *smk);
    if (!st || !tr || !ang || !jc || !smk) {
        CHECK("allocation", 0);
        goto done;
    }
    make_trial(st, 50, 0, 3);
    make_trial(tr, F, 3, 25);
    int idx[KC_PIG_N_MARKERS];
    for (int m = 0; m < KC_PIG_N_MARKERS; m++)
        idx[m] = m;
    kc_pig_params p = params();
    p.foot_flat = foot_flat;
    p.inter_asis_mm = 0; /* from the static */
    CHECK("calibrate", kc_pig_calibrate(&p, st, 50, KC_PIG_N_MARKERS, idx) == KC_OK);
    /* the reference: inter-ASIS from the static's mean of |LASI - RASI| */
    double ia = 0;
    for (size_t f = 0; f < 50; f++) {
        to_vec(st, f, smk + f * KC_PIG_N_MARKERS);
        ia += vnorm(vsub(smk[f * KC_PIG_N_MARKERS + M_LASI], smk[f * KC_PIG_N_MARKERS + M_RASI]));
    }
    ia /= 50;
    CHECK_NEAR("inter-ASIS from the static", p.inter_asis_mm, ia, 1e-9);
    subj s = to_subj(&p);
    opts o = pr_default_opts();
    o.foot_flat = foot_flat;
    double alpha[2], beta[2];
    pr_static_offsets(smk, 50, &s, &o, alpha, beta);
    for (int k = 0; k < 2; k++) {
        CHECK_NEAR("static alpha vs reference (rad)", p.static_alpha_rad[k], alpha[k], 1e-12);
        CHECK_NEAR("static beta vs reference (rad)", p.static_beta_rad[k], beta[k], 1e-12);
    }
    kc_mat3 prog;
    int branch;
    CHECK("progression", kc_pig_progression(tr, F, KC_PIG_N_MARKERS, idx, &prog, &branch) == KC_OK);
    CHECK("progression by LASI displacement (1200 mm)", branch == 1 && prog.m[0][0] == 1.0);
    mat rprog = mcols(v3(1, 0, 0), v3(0, 1, 0), v3(0, 0, 1));
    kc_pig_compute(&p, tr, F, KC_PIG_N_MARKERS, idx, prog, ang, jc);
    double max_a = 0, max_j = 0;
    for (size_t f = 0; f < F; f++) {
        vec mk[N_MK];
        double ra[N_ANG][3], rj[N_JC][3];
        to_vec(tr, f, mk);
        pr_compute_frame(mk, &s, alpha, beta, rprog, &o, ra, rj);
        for (int c = 0; c < N_ANG; c++)
            for (int k = 0; k < 3; k++) {
                double d = fabs(wrap180(ang[((size_t)c * F + f) * 3 + k] - ra[c][k]));
                if (!(d <= max_a))
                    max_a = isnan(d) ? INFINITY : d;
            }
        for (int c = 0; c < N_JC; c++)
            for (int k = 0; k < 3; k++) {
                double d = fabs(jc[((size_t)c * F + f) * 3 + k] - rj[c][k]);
                if (!(d <= max_j))
                    max_j = isnan(d) ? INFINITY : d;
            }
    }
    printf("  %s: max |angle - reference| %.3g deg, max |centre - reference| %.3g mm\n",
           foot_flat ? "foot flat" : "default", max_a, max_j);
    CHECK_NEAR("angles vs reference (deg)", max_a, 0, 1e-9);
    CHECK_NEAR("joint centres vs reference (mm)", max_j, 0, 1e-9);

    /* threads: same bytes. kc_pig_compute runs the frames in parallel only from
     * KC_PIG_PARALLEL_MIN_FRAMES frames on, so the trial is tiled to that length (every
     * tile must also give the 400-frame results) and computed with 1 and 2 threads. */
#ifdef _OPENMP
    {
        size_t FL = ((size_t)KC_PIG_PARALLEL_MIN_FRAMES + F - 1) / F * F;
        double *trl = malloc(FL * KC_PIG_N_MARKERS * 3 * sizeof *trl);
        double *ang1 = malloc(KC_PIG_N_ANGLES * FL * 3 * sizeof *ang1);
        double *jc1 = malloc(KC_PIG_N_CENTRES * FL * 3 * sizeof *jc1);
        double *ang2 = malloc(KC_PIG_N_ANGLES * FL * 3 * sizeof *ang2);
        double *jc2 = malloc(KC_PIG_N_CENTRES * FL * 3 * sizeof *jc2);
        if (CHECK("allocation (long trial)", trl && ang1 && jc1 && ang2 && jc2)) {
            for (size_t t = 0; t < FL / F; t++)
                memcpy(trl + t * F * KC_PIG_N_MARKERS * 3, tr, F * KC_PIG_N_MARKERS * 3 * sizeof *tr);
            int nt = omp_get_max_threads();
            omp_set_num_threads(1);
            kc_pig_compute(&p, trl, FL, KC_PIG_N_MARKERS, idx, prog, ang1, jc1);
            omp_set_num_threads(2);
            kc_pig_compute(&p, trl, FL, KC_PIG_N_MARKERS, idx, prog, ang2, jc2);
            omp_set_num_threads(nt);
            CHECK("angles independent of threads",
                  memcmp(ang1, ang2, KC_PIG_N_ANGLES * FL * 3 * sizeof *ang1) == 0);
            CHECK("centres independent of threads",
                  memcmp(jc1, jc2, KC_PIG_N_CENTRES * FL * 3 * sizeof *jc1) == 0);
            /* the last tile (computed by the second thread) equals the short trial */
            size_t off = FL - F, bad = 0;
            for (int c = 0; c < KC_PIG_N_ANGLES; c++)
                bad += memcmp(ang2 + ((size_t)c * FL + off) * 3, ang + (size_t)c * F * 3,
                              F * 3 * sizeof *ang) != 0;
            for (int c = 0; c < KC_PIG_N_CENTRES; c++)
                bad += memcmp(jc2 + ((size_t)c * FL + off) * 3, jc + (size_t)c * F * 3,
                              F * 3 * sizeof *jc) != 0;
            CHECK("long trial, 2 threads: last tile equals the short trial", bad == 0);
        }
        free(trl);
        free(ang1);
        free(jc1);
        free(ang2);
        free(jc2);
    }
#endif

    /* NaN: the left knee marker missing in frame 7 */
    size_t f7 = 7;
    tr[(f7 * KC_PIG_N_MARKERS + (size_t)kc_pig_mk(0, KC_PIG_KNE)) * 3] = NAN;
    kc_pig_compute(&p, tr, F, KC_PIG_N_MARKERS, idx, prog, ang, jc);
#define A(c, k) ang[((size_t)(c) * F + f7) * 3 + (k)]
    CHECK("LHip NaN without LKNE", isnan(A(2 * KC_PIG_HIP, 0)));
    CHECK("LKnee NaN without LKNE", isnan(A(2 * KC_PIG_KNEE, 1)));
    CHECK("LAnkle NaN without LKNE", isnan(A(2 * KC_PIG_ANKLE, 2)));
    CHECK("RKnee still finite", isfinite(A(2 * KC_PIG_KNEE + 1, 0)));
    CHECK("LPelvis still finite", isfinite(A(2 * KC_PIG_PELVIS, 0)));
    CHECK("LHJC still finite", isfinite(jc[((size_t)0 * F + f7) * 3]));
    CHECK("LKJC NaN", isnan(jc[((size_t)2 * F + f7) * 3]));
    CHECK("next frame finite", isfinite(ang[((size_t)(2 * KC_PIG_KNEE) * F + f7 + 1) * 3]));
#undef A
done:
    free(st);
    free(tr);
    free(ang);
    free(jc);
    free(smk);
}

static void test_progression_facing(void)
{
    /* standing still facing -Y: pelvis-facing branch */
    size_t F = 30;
    double *pos = malloc(F * KC_PIG_N_MARKERS * 3 * sizeof *pos);
    if (!pos)
        return;
    for (size_t f = 0; f < F; f++)
        for (int m = 0; m < KC_PIG_N_MARKERS; m++) {
            double *q = pos + (f * KC_PIG_N_MARKERS + (size_t)m) * 3;
            /* rotate the base by -90 deg about Z: x' = y, y' = -x */
            q[0] = base[m][1];
            q[1] = -base[m][0];
            q[2] = base[m][2];
        }
    int idx[KC_PIG_N_MARKERS];
    for (int m = 0; m < KC_PIG_N_MARKERS; m++)
        idx[m] = m;
    kc_mat3 prog;
    int branch;
    CHECK("progression standing", kc_pig_progression(pos, F, KC_PIG_N_MARKERS, idx, &prog, &branch) == KC_OK);
    CHECK("pelvis-facing branch", branch == 2);
    CHECK("axis -Y", prog.m[1][0] == -1.0 && prog.m[0][0] == 0.0);
    free(pos);
}

int main(void)
{
    srand(12345);
    test_params();
    test_chord();
    test_against_reference(0);
    test_against_reference(1);
    test_progression_facing();
    return kc_test_summary("test_pigmodel");
}
