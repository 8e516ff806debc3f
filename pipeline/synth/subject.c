/* A synthetic subject: what a lab would measure, the true geometry behind it, where the
 * markers sit, and how this person moves (valgus, hip rotation, foot progression ...). */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_randist.h>

const char *const sy_marker_names[SY_N_MARKERS] = {
    "LASI", "RASI", "LPSI", "RPSI", "LTHI", "LKNE", "LTIB", "LANK", "LHEE", "LTOE",
    "RTHI", "RKNE", "RTIB", "RANK", "RHEE", "RTOE", "C7", "T10", "CLAV", "STRN",
};

static kc_vec3 random_dir(gsl_rng *r)
{
    double v[3];
    gsl_ran_dir_3d(r, &v[0], &v[1], &v[2]);
    return kc_v3(v[0], v[1], v[2]);
}

static kc_vec3 random_vec(gsl_rng *r, double lo, double hi)
{
    return kc_v3_scale(random_dir(r), sy_uniform(r, lo, hi));
}

/* Valgus level of each subject, from U(3, 13.5)° in group "pfp" and U(-2.5, 7.5)° in
 * "control" (population means 8.25° and 2.5°: a true difference of 5.75° in the level).
 * By default stratified within its group (one subject per stratum of equal width, the strata
 * shuffled) so that every cohort of a few subjects spans "none" to "more than 10°"; with
 * --independent-subjects every subject's level is an independent draw from its group's
 * uniform, as a t interval over subjects assumes. The subject's own stream (index, 1) gives
 * the position within the stratum or the independent draw. */
static double valgus_level(const sy_options *opt, int index, int n_subjects, bool pfp)
{
    if (opt->independent_subjects) {
        gsl_rng *ri = sy_rng(opt->seed, SY_RNG_SUBJECT, index, 1, 0);
        double u = gsl_rng_uniform(ri);
        gsl_rng_free(ri);
        return pfp ? 3.0 + 10.5 * u : -2.5 + 10.0 * u;
    }
    int n_group = 0, rank = 0;
    for (int i = 0; i < n_subjects; i++)
        if ((i % 2 == 1) == pfp) {
            if (i == index)
                rank = n_group;
            n_group++;
        }
    gsl_rng *r = sy_rng(opt->seed, SY_RNG_SUBJECT, -1, pfp, 0);
    int perm[512];
    int n = n_group < 512 ? n_group : 512;
    for (int i = 0; i < n; i++)
        perm[i] = i;
    gsl_ran_shuffle(r, perm, (size_t)n, sizeof perm[0]);
    gsl_rng_free(r);
    gsl_rng *r2 = sy_rng(opt->seed, SY_RNG_SUBJECT, index, 1, 0);
    double u = ((rank < n ? perm[rank] : rank) + gsl_rng_uniform(r2)) / n_group;
    gsl_rng_free(r2);
    return pfp ? 3.0 + 10.5 * u : -2.5 + 10.0 * u;
}

void sy_subject_make(sy_subject *s, int index, int n_subjects, const sy_options *opt)
{
    memset(s, 0, sizeof *s);
    gsl_rng *r = sy_rng(opt->seed, SY_RNG_SUBJECT, index, 0, 0);
    bool anat = opt->mode == SY_ANATOMICAL;
    s->index = index;
    s->identity = !anat;
    snprintf(s->id, sizeof s->id, "s%02d", index + 1);
    bool pfp = index % 2 == 1;
    strcpy(s->group, pfp ? "pfp" : "control");
    bool female = gsl_rng_uniform(r) < 0.5;
    strcpy(s->sex, female ? "F" : "M");
    double H = female ? sy_tnorm(r, 1650, 60, 1550, 1800) : sy_tnorm(r, 1780, 65, 1650, 1950);
    s->height = H;
    double bmi = sy_tnorm(r, 22.5, 2.2, 18.5, 27.5);
    double mass = bmi * (H / 1000) * (H / 1000);
    s->mass = mass < 50 ? 50 : mass > 95 ? 95 : mass;
    int soi = gsl_rng_uniform(r) < 0.5 ? SY_L : SY_R;
    strcpy(s->side_of_interest, soi == SY_L ? "L" : "R");
    s->marker_diameter = 14.0;
    double md = s->marker_diameter;

    /* pelvis */
    double ia = sy_tnorm(r, 0.14 * H + (female ? 8 : 0), 12, 200, 280);
    s->asis_half = ia / 2;
    s->sacr_depth = sy_tnorm(r, 0.095 * H, 6, 140, 185);
    s->psis_half = sy_uniform(r, 40, 50);

    /* legs: leg length ≈ 0.52·H (ASIS to medial malleolus) */
    double ll0 = 0.52 * H * (1 + sy_tnorm(r, 0, 0.012, -0.03, 0.03));
    double ll_true[2];
    for (int k = 0; k < 2; k++)
        ll_true[k] = ll0 + sy_tnorm(r, 0, 3, -6, 6);
    double kw = sy_uniform(r, 91.5, 113.5), aw = sy_uniform(r, 66, 79);
    bool torsion = gsl_rng_uniform(r) < 0.4;
    double tor0 = torsion ? sy_uniform(r, 8, 22) : 0;
    double kw_true[2], aw_true[2], tor_true[2];
    for (int k = 0; k < 2; k++) {
        kw_true[k] = kw + sy_uniform(r, -1.5, 1.5);
        aw_true[k] = aw + sy_uniform(r, -1, 1);
        tor_true[k] = torsion ? tor0 + sy_uniform(r, -3, 3) : 0;
    }

    /* what the lab writes down */
    for (int k = 0; k < 2; k++) {
        s->leg_length[k] = anat ? round(ll_true[k] + sy_tnorm(r, 0, 5, -10, 10)) : ll_true[k];
        s->knee_width[k] = anat ? round(kw_true[k] + sy_tnorm(r, 0, 2, -4, 4)) : kw_true[k];
        s->ankle_width[k] = anat ? round(aw_true[k] + sy_tnorm(r, 0, 2, -4, 4)) : aw_true[k];
        s->tibial_torsion_deg[k] = anat && tor_true[k] != 0 ?
                                       round(tor_true[k] + sy_tnorm(r, 0, 3, -6, 6)) :
                                       tor_true[k];
        s->sole_delta[k] = 0;
        s->knee_r[k] = (kw_true[k] + md) / 2;
        s->ankle_r[k] = (aw_true[k] + md) / 2;
        s->torsion[k] = tor_true[k] * KC_DEG;
    }
    if (anat) {
        s->inter_asis = round(ia + sy_tnorm(r, 0, 4, -8, 8));
        s->asis_troc[0] = s->asis_troc[1] = 0;      /* regression */
    } else {
        s->inter_asis = ia;                          /* |LASI - RASI| exactly */
        for (int k = 0; k < 2; k++)
            s->asis_troc[k] = 0.1288 * s->leg_length[k] - 48.56;
    }
    /* true hip joint centres: Davis from the written parameters (identity); anatomical mode
     * draws them independently of both regressions kc-ik offers: Harrington et al. 2007 (J
     * Biomech 40:595) from the subject's true pelvic width and depth (marker centres, as
     * docs/pig-model.md applies it) plus a residual of 7.5 mm SD per axis, about the 3D error
     * of 12.3 +- 5.9 mm Mantovani et al. 2016 (Gait Posture 44:48) measured for Harrington's
     * equations against CT (a Gaussian of 7.5 mm per axis has a mean 3D length of 12.0 mm).
     * So neither model is favoured by construction; Davis's own error then follows from how
     * far its regression lies from Harrington's for this pelvis. */
    for (int k = 0; k < 2; k++) {
        s->hjc_local[k] = sy_pig_davis_local(s->leg_length, s->asis_troc, s->inter_asis, md, k);
        if (anat) {
            double pw = 2 * s->asis_half;
            double pd = s->sacr_depth;   /* |mid-ASIS - mid-PSIS| of the placed landmarks */
            kc_vec3 h = kc_v3(-0.24 * pd - 9.9, SY_LAT(k) * (0.33 * pw + 7.3), -0.30 * pw - 10.9);
            s->hjc_local[k] = kc_v3_add(h, kc_v3(sy_gauss(r, 7.5), sy_gauss(r, 7.5),
                                                 sy_gauss(r, 7.5)));
        }
    }
    for (int k = 0; k < 2; k++) {
        double drop = -s->hjc_local[k].z;          /* ASIS above HJC in the pelvis frame */
        double legs = ll_true[k] - drop;
        double f = sy_tnorm(r, 0.5, 0.01, 0.48, 0.52);
        s->thigh_len[k] = legs * f;
        s->shank_len[k] = legs * (1 - f);
    }

    /* feet (Drillis & Contini 1966: foot length 0.152·H, ankle height 0.039·H) */
    double fl = 0.152 * H * (1 + sy_uniform(r, -0.03, 0.03));
    s->toe_height = 28;
    for (int k = 0; k < 2; k++) {
        double ha = 0.039 * H;
        double dx = 0.50 * fl, dz = ha - s->toe_height;
        s->foot_lu[k] = hypot(dx, dz);
        s->foot_pitch0[k] = atan2(dz, dx);
        s->heel_len[k] = 0.74 * fl;
    }
    s->thi_height = 0.38;
    s->thi_r = 0.040 * H + md / 2;
    s->tib_height = 0.40;
    s->tib_r = 20;                       /* TIB: ANK offset + 20 mm (lateral of ANK's line) */

    /* trunk */
    s->lumbar_local = kc_v3(-0.8 * s->sacr_depth, 0, 0.03 * H);
    s->clav_from_lumbar = kc_v3(0.05 * H, 0, 0.26 * H);
    {
        double Dc = 0.085 * H, Dt = 0.115 * H, hc = 0.025 * H;
        double xs = (Dt - Dc) / 2;        /* makes upper - lower parallel to thorax Z */
        s->trunk_local[0] = kc_v3(-Dc, 0, hc);             /* C7 */
        s->trunk_local[1] = kc_v3(xs - Dt, 0, hc - 0.13 * H);   /* T10 */
        s->trunk_local[2] = kc_v3(0, 0, 0);                /* CLAV (thorax origin) */
        s->trunk_local[3] = kc_v3(xs, 0, -0.10 * H);       /* STRN */
    }
    /* Dempster via Winter (2009, Table 4.1): thorax 0.216, abdomen 0.139, head-neck 0.081,
     * arms 0.100 of body mass; their common centre ≈ 0.168·H above L5/S1 (our estimate from
     * the segment centres at 0.06, 0.17, 0.33 and 0.18·H above it). */
    s->upper_com_z = 0.168 * H;
    s->capsule_r[SY_SEG_TORSO] = 0.065 * H;
    s->capsule_r[SY_SEG_THIGH_L] = s->capsule_r[SY_SEG_THIGH_R] = 0.036 * H;
    s->capsule_r[SY_SEG_SHANK_L] = s->capsule_r[SY_SEG_SHANK_R] = 0.025 * H;
    s->capsule_r[SY_SEG_FOOT_L] = s->capsule_r[SY_SEG_FOOT_R] = 0.017 * H;

    /* anatomical: misplaced markers, rotated knee markers, soft tissue */
    for (int m = 0; m < SY_N_MARKERS; m++) {
        s->misplace[m] = kc_v3(0, 0, 0);
        s->has_sta[m] = false;
    }
    for (int k = 0; k < 2; k++)
        s->knee_marker_rot[k] = 0;
    if (anat) {
        for (int m = 0; m < SY_C7; m++)
            s->misplace[m] = kc_v3(sy_tnorm(r, 0, 2.5, -6, 6), sy_tnorm(r, 0, 2.5, -6, 6),
                                   sy_tnorm(r, 0, 2.5, -6, 6));
        /* The knee and thigh markers stay in the femur's Y-Z plane (their misplacement along
         * the femur's X dropped): Plug-in Gait takes that plane for the knee's flexion axis, so
         * an anterior or posterior offset would rotate the thigh frame about its long axis -
         * the knee-axis cross-talk that knee_marker_rot models on its own (documented,
         * --knee-marker-rotation). Everything else misplaced is absorbed into the truth
         * (sy_pig_truth_frames: the frames the placed markers define). */
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 2; j++)
                s->misplace[SY_SIDE_MK(k, j)].x = 0;
        for (int k = 0; k < 2; k++)
            s->knee_marker_rot[k] = (gsl_rng_uniform(r) < 0.5 ? -1 : 1) *
                                    sy_uniform(r, 2, 6) * KC_DEG;
        /* --knee-marker-rotation: a chosen rotation (the random draws above still happen, so
         * everything else about the subject is unchanged) */
        if (isfinite(opt->knee_marker_rot_deg))
            for (int k = 0; k < 2; k++)
                s->knee_marker_rot[k] = opt->knee_marker_rot_deg * KC_DEG;
        /* soft-tissue artefact of thigh and shank markers (Leardini et al. 2005, J Biomech
         * 38:2157: 10-30 mm thigh, 5-15 mm shank in activities; we stay at 5-15 mm) */
        const struct { int k; double flex_lo, flex_hi, osc_lo, osc_hi; } st[4] = {
            {0, 8, 14, 4, 8}, {1, 5, 10, 2, 4}, {2, 4, 8, 3, 6}, {3, 2, 5, 1, 2}};
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 4; j++) {
                int m = SY_SIDE_MK(k, st[j].k);
                sy_sta *a = &s->sta[m];
                s->has_sta[m] = true;
                a->flex = random_vec(r, st[j].flex_lo, st[j].flex_hi);
                for (int w = 0; w < 2; w++) {
                    a->wobble[w] = random_vec(r, 0.5, 1.5);
                    a->wobble_f[w] = sy_uniform(r, 0.3, 1.5);
                    a->wobble_ph[w] = sy_uniform(r, 0, 2 * KC_PI);
                }
                a->osc = random_vec(r, st[j].osc_lo, st[j].osc_hi);
                a->osc_f = sy_uniform(r, 10, 20);
                a->osc_tau = sy_uniform(r, 0.025, 0.035);
                /* --soft-tissue: the draws above always happen, so the rest of the subject
                 * does not depend on the scale */
                a->flex = kc_v3_scale(a->flex, opt->sta_scale);
                a->osc = kc_v3_scale(a->osc, opt->sta_scale);
                for (int w = 0; w < 2; w++)
                    a->wobble[w] = kc_v3_scale(a->wobble[w], opt->sta_scale);
            }
    }

    /* how this subject moves */
    double vl = valgus_level(opt, index, n_subjects, pfp);
    for (int k = 0; k < 2; k++) {
        double side_bias = (k == soi ? 1 : -1) * sy_uniform(r, 0, 1.5);
        s->valgus_peak[k] = vl + side_bias;
        s->valgus_ic[k] = s->valgus_peak[k] > 0 ? sy_uniform(r, 0.1, 0.35) * s->valgus_peak[k]
                                                : 0.3 * s->valgus_peak[k];
        s->valgus_static[k] = sy_tnorm(r, 0, 1.2, -2.5, 2.5);
        s->hip_introt_peak[k] = sy_tnorm(r, (pfp ? 6 : 3) + 0.3 * vl, 2.5, -3, 16);
        s->hip_rot_static[k] = sy_tnorm(r, 0, 3, -6, 6);
        s->knee_rot_peak[k] = sy_tnorm(r, 5, 2.5, -2, 12);
        s->toe_out[k] = sy_tnorm(r, 8, 4, -2, 18);
    }
    s->stance_extra = sy_uniform(r, -10, 50);
    /* wider landings with more valgus: the knees may come close, not cross */
    s->hip_abd_ic = sy_tnorm(r, 1.2, 0.8, 0, 3) + 0.4 * (vl > 0 ? vl : 0);
    s->pelvic_drop_sls = sy_tnorm(r, pfp ? 6 : 3, 2, 0, 12);
    s->obliquity = sy_tnorm(r, 0, 1.5, -4, 4);
    s->trunk_fwd = sy_tnorm(r, 35, 8, 15, 55);
    s->trunk_lat = sy_tnorm(r, 0, 3, -8, 8);
    s->knee_peak = sy_uniform(r, 93, 97);
    s->share_l = sy_tnorm(r, 0.5, 0.04, 0.4, 0.6);
    {
        double per_foot_n = sy_uniform(r, 1500, 2250);
        double bw = s->mass * 9.81;
        double t = 2 * per_foot_n / bw;
        s->impact_bw = t < 2.6 ? 2.6 : t > 5.5 ? 5.5 : t;
    }
    s->heading = sy_tnorm(r, 0, 2.5, -6, 6);
    s->foot_offsets_set = false;
    gsl_rng_free(r);
}
