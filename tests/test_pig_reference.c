/* test_pig_reference — an independent check of kc-synth's Plug-in Gait ground truth.
 *
 * From /truth/markers alone, recompute the twelve Plug-in Gait angle channels
 * ({L,R}{Pelvis,Hip,Knee,Ankle,FootProgress,Thorax}) and the six joint centres
 * ({L,R}{HJC,KJC,AJC}) exactly as docs/pig-model.md defines them, and compare them with
 * /truth/angles and /truth/joint_centres of every trial of a kc-synth session: 1e-6 deg
 * (wrapped difference) and 1e-6 mm, per channel, side and plane. The static offsets come from
 * each subject's static trial.
 *
 * Written from the document alone, on a code path of its own: the model in pig_reference.c
 * with its own vector code, the raw HDF5 C API and its own CSV reader here, no kinechain
 * function (the program does not even link the library). A mistake shared by kc-synth and
 * kc-ik cannot pass unnoticed here.
 *
 * The program first runs a self-test of its own geometry on hand-built poses (markers placed by
 * the document's rules around prescribed segment frames), then the session comparison, then
 * deliberately wrong conventions that the comparison must catch (knee on the torsioned tibia,
 * hip adduction sign flipped). It fails, rather than skips, when no subject of the session has
 * a non-zero tibial torsion, so that the torsion path is really exercised.
 *
 * usage: test_pig_reference [--foot-flat] [--static-offsets=mean|per-frame] [SESSION_DIR]
 *   SESSION_DIR holds manifest.csv and subjects.csv (as `kc-synth session` writes them); without
 *   it only the self-test runs. --foot-flat applies the document's foot-flat option to the
 *   statics. --static-offsets picks between the page's two readings of the static offsets:
 *   offsets of the markers averaged over the static (mean, the default, as SCIENCE.md P8 says)
 *   or offsets per frame, averaged; they agree only for a rigid static. Returns the number of
 *   failed checks (0 = pass). When a trial fails, the program recomputes it under a few
 *   variants (foot flat, torsion sign, offsets reading, no offsets) and prints which one
 *   explains the truth.
 */
#include "pig_reference.h"
#include "testutil.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL_DEG 1e-6
#define TOL_MM 1e-6
#define SELF_TOL 1e-9

/* ---- trials, comparison statistics ------------------------------------------------------ */

typedef struct trial {
    char name[256];          /* "s01/dvj_1" */
    size_t F;
    vec *mk;                 /* [F·N_MK] */
    double *ang[N_ANG];      /* truth [F,3] deg, NULL when missing */
    double *jc[N_JC];        /* truth [F,3] mm, NULL when missing */
} trial;

static void trial_free(trial *t)
{
    free(t->mk);
    for (int i = 0; i < N_ANG; i++)
        free(t->ang[i]);
    for (int i = 0; i < N_JC; i++)
        free(t->jc[i]);
    memset(t, 0, sizeof *t);
}

typedef struct chstat {
    double max;          /* max |error| */
    size_t at;           /* frame of the max */
    long first_fail;     /* −1: none */
    double got, want;    /* at first_fail */
    size_t n_fail;
    char where[256];     /* trial of the max (session-wide tables) */
} chstat;

typedef struct stats {
    chstat c[N_CH][3];
    int missing[N_CH];   /* truth channel absent */
} stats;

static void stats_init(stats *st)
{
    memset(st, 0, sizeof *st);
    for (int ch = 0; ch < N_CH; ch++)
        for (int k = 0; k < 3; k++)
            st->c[ch][k].first_fail = -1;
}

static void stats_add(chstat *c, size_t f, double got, double want, double err, double tol)
{
    if (isnan(got) && isnan(want))
        err = 0.0;
    else if (!isfinite(err))
        err = INFINITY;
    if (err > c->max) {
        c->max = err;
        c->at = f;
    }
    if (err > tol) {
        if (c->first_fail < 0) {
            c->first_fail = (long)f;
            c->got = got;
            c->want = want;
        }
        c->n_fail++;
    }
}

/* Largest distance of any marker of the static from its mean position (mm). */
static double static_motion(const trial *st)
{
    double worst = 0.0;
    for (int m = 0; m < N_MK; m++) {
        vec acc = v3(0, 0, 0);
        size_t n = 0;
        for (size_t f = 0; f < st->F; f++)
            if (vfinite(st->mk[f * N_MK + m])) {
                acc = vadd(acc, st->mk[f * N_MK + m]);
                n++;
            }
        if (!n)
            continue;
        vec mean = vscale(acc, 1.0 / (double)n);
        for (size_t f = 0; f < st->F; f++) {
            double d = vnorm(vsub(st->mk[f * N_MK + m], mean));
            if (d > worst)
                worst = d;
        }
    }
    return worst;
}

/* Compare every frame and channel of a trial with its truth. */
static void compare_trial(const trial *t, const subj *s, const double alpha[2],
                          const double beta[2], const opts *o, stats *st, int *prog_branch)
{
    stats_init(st);
    int branch = 0;
    mat prog = pr_progression(t->mk, t->F, &branch);
    if (prog_branch)
        *prog_branch = branch;
    for (int ch = 0; ch < N_ANG; ch++)
        st->missing[ch] = t->ang[ch] == NULL;
    for (int ch = 0; ch < N_JC; ch++)
        st->missing[N_ANG + ch] = t->jc[ch] == NULL;
    for (size_t f = 0; f < t->F; f++) {
        double ang[N_ANG][3], jc[N_JC][3];
        pr_compute_frame(t->mk + f * N_MK, s, alpha, beta, prog, o, ang, jc);
        for (int ch = 0; ch < N_ANG; ch++) {
            if (!t->ang[ch])
                continue;
            for (int k = 0; k < 3; k++) {
                double want = t->ang[ch][f * 3 + k], got = ang[ch][k];
                stats_add(&st->c[ch][k], f, got, want, fabs(wrap180(got - want)), TOL_DEG);
            }
        }
        for (int ch = 0; ch < N_JC; ch++) {
            if (!t->jc[ch])
                continue;
            for (int k = 0; k < 3; k++) {
                double want = t->jc[ch][f * 3 + k], got = jc[ch][k];
                stats_add(&st->c[N_ANG + ch][k], f, got, want, fabs(got - want), TOL_MM);
            }
        }
    }
}

/* Fold a trial's statistics into session-wide maxima. */
static void stats_merge(stats *all, const stats *one, const char *where)
{
    for (int ch = 0; ch < N_CH; ch++) {
        all->missing[ch] |= one->missing[ch];
        for (int k = 0; k < 3; k++) {
            chstat *a = &all->c[ch][k];
            const chstat *b = &one->c[ch][k];
            if (a->where[0] == '\0' || b->max > a->max) {
                a->max = b->max;
                a->at = b->at;
                snprintf(a->where, sizeof a->where, "%s", where);
            }
            a->n_fail += b->n_fail;
        }
    }
}

/* One CHECK per channel and plane; details of any failure. Returns the number that failed. */
static int report_trial(const trial *t, const stats *st)
{
    int failed = 0;
    for (int ch = 0; ch < N_CH; ch++) {
        char nm[32], what[400];
        pr_channel_name(ch, nm, sizeof nm);
        const char *grp = ch < N_ANG ? "angles" : "joint_centres";
        snprintf(what, sizeof what, "%s: /truth/%s/%s present", t->name, grp, nm);
        if (!CHECK(what, !st->missing[ch])) {
            failed++;
            continue;
        }
        for (int k = 0; k < 3; k++) {
            const chstat *c = &st->c[ch][k];
            snprintf(what, sizeof what, "%s %s %c max |error| (%s)", t->name, nm, pr_plane_char[k],
                     ch < N_ANG ? "deg" : "mm");
            if (!CHECK_NEAR(what, c->max, 0.0, ch < N_ANG ? TOL_DEG : TOL_MM)) {
                failed++;
                fprintf(stderr,
                        "    %s %s %c: max error %.6g at frame %zu; first failing frame %ld "
                        "(recomputed %.9g, truth %.9g); %zu of %zu frames fail\n",
                        t->name, nm, pr_plane_char[k], c->max, c->at, c->first_fail, c->got,
                        c->want,
                        c->n_fail, t->F);
            }
        }
    }
    return failed;
}

static void print_table(const char *title, const stats *st)
{
    printf("%s\n  %-15s %12s %12s %12s   %s\n", title, "channel", "X", "Y", "Z", "worst at");
    for (int ch = 0; ch < N_CH; ch++) {
        char nm[32];
        pr_channel_name(ch, nm, sizeof nm);
        int w = 0;
        for (int k = 1; k < 3; k++)
            if (st->c[ch][k].max > st->c[ch][w].max)
                w = k;
        printf("  %-15s %12.3g %12.3g %12.3g   %s %c frame %zu%s\n", nm, st->c[ch][0].max,
               st->c[ch][1].max, st->c[ch][2].max, st->c[ch][w].where, pr_plane_char[w],
               st->c[ch][w].at, st->missing[ch] ? " (missing in some trial)" : "");
    }
}

/* ---- self-test: hand-built poses by the document's rules ------------------------------- */

typedef struct spec {
    vec origin;                    /* mid-ASIS, lab mm */
    double pel[3], thx[3];         /* raw YXZ of pelvis/thorax vs progression, deg */
    double hip[2][3], knee[2][3];  /* raw YXZ of femur vs pelvis, tibia vs femur, deg */
    double foot[2][2];             /* U = T'·Ry(p)·Rx(q): p, q in deg */
} spec;

static subj selftest_subject(void)
{
    subj s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "self");
    s.ll[LEFT] = 905;
    s.ll[RIGHT] = 897;
    s.kw[LEFT] = 105;
    s.kw[RIGHT] = 108;
    s.aw[LEFT] = 72;
    s.aw[RIGHT] = 70;
    s.ia = 0;          /* from markers: 248 mm */
    s.at[LEFT] = 0;       /* regression */
    s.at[RIGHT] = 81.5;
    s.md = 14;
    s.tau[LEFT] = 12;
    s.tau[RIGHT] = -9;
    return s;
}

/* Place the markers of one frame around prescribed frames and give the expected outputs.
 * The HJC offsets in pelvis coordinates are literals computed separately (Python, from the
 * document's formulas) for selftest_subject() with an inter-ASIS distance of 248 mm. */
static void build_frame(const subj *s, mat prog, const spec *sp, const double alpha[2],
                        const double beta[2], vec *mk, double want_ang[N_ANG][3],
                        double want_jc[N_JC][3])
{
    static const double hjc_local[2][3] = {
        {-47.398472487383515, 81.659519699428273, -96.880378688254766},
        {-60.234593500690536, -81.659519699428273, -101.048833237813639}};
    vec O = sp->origin;
    mat pel = mmul(prog, ryxz_deg(sp->pel));
    mk[M_LASI] = vadd(O, mapply(pel, v3(0, 124, 0)));
    mk[M_RASI] = vadd(O, mapply(pel, v3(0, -124, 0)));
    mk[M_LPSI] = vadd(O, mapply(pel, v3(-160, 50, 0)));
    mk[M_RPSI] = vadd(O, mapply(pel, v3(-160, -40, 0)));
    double raw[3];
    for (int k = 0; k < 3; k++)
        raw[k] = sp->pel[k];
    pr_channel_out(K_PELVIS, LEFT, raw[0], raw[1], raw[2], want_ang[2 * K_PELVIS + LEFT]);
    pr_channel_out(K_PELVIS, RIGHT, raw[0], raw[1], raw[2], want_ang[2 * K_PELVIS + RIGHT]);

    for (int side = 0; side < 2; side++) {
        double lat = side == LEFT ? 1.0 : -1.0; /* lateral is +Y on the left, −Y on the right */
        vec hjc = vadd(O, mapply(pel, v3(hjc_local[side][0], hjc_local[side][1],
                                         hjc_local[side][2])));
        mat fem = mmul(pel, ryxz_deg(sp->hip[side]));
        vec kjc = vsub(hjc, vscale(mcol(fem, 2), 420.0 - 5.0 * side));
        double rk = (s->kw[side] + s->md) / 2.0;
        vec kne = vadd(kjc, vscale(mcol(fem, 1), lat * rk));
        vec thi = vadd(vadd(hjc, vscale(vsub(kjc, hjc), 0.6)),
                       vscale(mcol(fem, 1), lat * (rk + 35)));
        mat tib = mmul(fem, ryxz_deg(sp->knee[side]));
        vec ajc = vsub(kjc, vscale(mcol(tib, 2), 400.0 + 3.0 * side));
        double ra = (s->aw[side] + s->md) / 2.0;
        vec ank = vadd(ajc, vscale(mcol(tib, 1), lat * ra));
        vec tibm = vadd(ank, vadd(vscale(mcol(tib, 2), 160), vscale(mcol(tib, 1), lat * 25)));
        mat tibt = mmul(tib, rotz(rad(-s->tau[side])));
        mat rel_u = mmul(roty(rad(sp->foot[side][0])), rotx(rad(sp->foot[side][1])));
        mat U = mmul(tibt, rel_u);
        vec toe = vsub(ajc, vscale(mcol(U, 2), 150));
        mat corr = mmul(roty(-beta[side]), rotx(-alpha[side]));
        mat F = mmul(U, corr);
        vec hee = vadd(toe, vscale(mcol(F, 2), 70));
        mk[mk_side(side, S_THI)] = thi;
        mk[mk_side(side, S_KNE)] = kne;
        mk[mk_side(side, S_TIB)] = tibm;
        mk[mk_side(side, S_ANK)] = ank;
        mk[mk_side(side, S_HEE)] = hee;
        mk[mk_side(side, S_TOE)] = toe;

        pr_channel_out(K_HIP, side, sp->hip[side][0], sp->hip[side][1], sp->hip[side][2],
                    want_ang[2 * K_HIP + side]);
        pr_channel_out(K_KNEE, side, sp->knee[side][0], sp->knee[side][1], sp->knee[side][2],
                    want_ang[2 * K_KNEE + side]);
        double a, b, c;
        cardan_yxz(mmul(rel_u, corr), &a, &b, &c);
        pr_channel_out(K_ANKLE, side, deg(a), deg(b), deg(c), want_ang[2 * K_ANKLE + side]);
        cardan_yxz(mmul(mtrans(prog), F), &a, &b, &c);
        pr_channel_out(K_FOOTPROG, side, deg(a), deg(b), deg(c), want_ang[2 * K_FOOTPROG + side]);
        vec c3[3] = {hjc, kjc, ajc};
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                want_jc[2 * j + side][k] = vget(c3[j], k);
    }

    mat thx = mmul(prog, ryxz_deg(sp->thx));
    vec clav = vadd(O, mapply(pel, v3(40, 4, 460)));
    mk[M_CLAV] = clav;
    mk[M_C7] = vadd(clav, mapply(thx, v3(-120, 6, 30)));
    mk[M_STRN] = vadd(clav, mapply(thx, v3(20, 6, -160)));
    mk[M_T10] = vadd(clav, mapply(thx, v3(-140, 0, -180)));
    for (int side = 0; side < 2; side++)
        pr_channel_out(K_THORAX, side, sp->thx[0], sp->thx[1], sp->thx[2],
                       want_ang[2 * K_THORAX + side]);
}

/* A hand-built trial (with its expected outputs as the "truth"). */
static int build_trial(trial *t, const char *name, size_t F, const subj *s, mat prog,
                       const double alpha[2], const double beta[2],
                       void (*pose_at)(size_t f, size_t F, spec *sp))
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->F = F;
    t->mk = calloc(F * N_MK, sizeof *t->mk);
    int ok = t->mk != NULL;
    for (int i = 0; i < N_ANG; i++)
        ok = ok && (t->ang[i] = calloc(F * 3, sizeof(double))) != NULL;
    for (int i = 0; i < N_JC; i++)
        ok = ok && (t->jc[i] = calloc(F * 3, sizeof(double))) != NULL;
    if (!ok) {
        trial_free(t);
        return -1;
    }
    for (size_t f = 0; f < F; f++) {
        spec sp;
        double ang[N_ANG][3], jc[N_JC][3];
        pose_at(f, F, &sp);
        build_frame(s, prog, &sp, alpha, beta, t->mk + f * N_MK, ang, jc);
        for (int ch = 0; ch < N_ANG; ch++)
            memcpy(t->ang[ch] + f * 3, ang[ch], sizeof ang[ch]);
        for (int ch = 0; ch < N_JC; ch++)
            memcpy(t->jc[ch] + f * 3, jc[ch], sizeof jc[ch]);
    }
    return 0;
}

/* A standing static, facing about +Y (10° of pelvis yaw), no displacement. */
static void static_pose(size_t f, size_t F, spec *sp)
{
    (void)f;
    (void)F;
    spec s0 = {{310, -420, 940},
               {3, -2, 10},
               {-5, 2, 6},
               {{5, 3, -4}, {6, -2, 3}},
               {{4, 2, 1}, {3, -1, -2}},
               {{-65, 3}, {-62, -4}}};
    *sp = s0;
}

/* A movement along −X (1200 mm) with large, varying joint angles. */
static void moving_pose(size_t f, size_t F, spec *sp)
{
    double t = (double)f / (double)(F - 1), w = 2.0 * PR_PI * t;
    sp->origin = v3(600.0 - 1200.0 * t, 200.0 + 30.0 * t, 950.0 - 50.0 * sin(w));
    double pel[3] = {12 + 6 * sin(w), -4 + 7 * t, 15 * cos(w)};
    double thx[3] = {-8 + 10 * t, 5 * sin(w), -12 * cos(w)};
    memcpy(sp->pel, pel, sizeof pel);
    memcpy(sp->thx, thx, sizeof thx);
    for (int side = 0; side < 2; side++) {
        double ph = side * 1.3;
        sp->hip[side][0] = -(20 + 80 * sin(0.5 * w + ph) * sin(0.5 * w + ph)); /* flexion */
        sp->hip[side][1] = 9 * sin(w + ph) - 3;
        sp->hip[side][2] = 14 * cos(w + ph) + 4;
        sp->knee[side][0] = 5 + 95 * sin(0.5 * w + ph) * sin(0.5 * w + ph);
        sp->knee[side][1] = 7 * sin(1.5 * w + ph);
        sp->knee[side][2] = -11 + 8 * cos(w + ph);
        sp->foot[side][0] = -70 + 25 * sin(w + ph);
        sp->foot[side][1] = 8 * cos(w + ph) - 2;
    }
}

static void selftest(void)
{
    char what[400];
    /* Wrapping and the elementary rotations against literals. */
    CHECK_NEAR("wrap180(180)", wrap180(180), 180, 0);
    CHECK_NEAR("wrap180(-180)", wrap180(-180), 180, 0);
    CHECK_NEAR("wrap180(190)", wrap180(190), -170, 1e-12);
    CHECK_NEAR("wrap180(-190)", wrap180(-190), 170, 1e-12);
    CHECK_NEAR("wrap180(-540)", wrap180(-540), 180, 1e-12);
    CHECK_NEAR("wrap180(-17.5)", wrap180(-17.5), -17.5, 0);
    CHECK_NEAR("Rx(30)[1][2]", rotx(rad(30)).m[1][2], -0.5, 1e-15);
    CHECK_NEAR("Ry(30)[0][2]", roty(rad(30)).m[0][2], 0.5, 1e-15);
    CHECK_NEAR("Ry(30)[2][0]", roty(rad(30)).m[2][0], -0.5, 1e-15);
    CHECK_NEAR("Rz(30)[0][1]", rotz(rad(30)).m[0][1], -0.5, 1e-15);

    /* Cardan YXZ round trip, including near gimbal lock and near ±180. */
    static const double trip[][3] = {{10, 20, 30},    {-170, 45, 160},  {179.5, -89.5, -179.5},
                                     {-95, 89.5, 95}, {-33.3, -12, 71}, {120, 60, -120}};
    for (size_t i = 0; i < sizeof trip / sizeof trip[0]; i++) {
        double a, b, c;
        cardan_yxz(ryxz_deg(trip[i]), &a, &b, &c);
        double got[3] = {deg(a), deg(b), deg(c)};
        for (int k = 0; k < 3; k++) {
            snprintf(what, sizeof what, "YXZ round trip %g,%g,%g component %d", trip[i][0],
                     trip[i][1], trip[i][2], k);
            CHECK_NEAR(what, got[k], trip[i][k], 1e-9);
        }
    }

    /* The output table against literals typed from the document (raw 11, 22, 33). */
    static const double sign_want[N_KIND][2][3] = {
        {{11, 22, -33}, {11, -22, 33}},      /* Pelvis */
        {{-11, -22, -33}, {-11, 22, 33}},    /* Hip */
        {{11, -22, -33}, {11, 22, 33}},      /* Knee */
        {{-101, -33, -22}, {-101, 33, 22}},  /* Ankle */
        {{11, 33, -22}, {11, -33, 22}},      /* FootProgress */
        {{11, 22, -33}, {11, -22, 33}}};     /* Thorax */
    for (int kind = 0; kind < N_KIND; kind++)
        for (int side = 0; side < 2; side++) {
            double out[3];
            pr_channel_out(kind, side, 11, 22, 33, out);
            for (int k = 0; k < 3; k++) {
                snprintf(what, sizeof what, "sign table %c%s %c", pr_side_char[side],
                         pr_kind_names[kind], pr_plane_char[k]);
                CHECK_NEAR(what, out[k], sign_want[kind][side][k], 0);
            }
        }

    /* Chord: I = 0, J = (100,0,0), P = (50,10,0), d = 60 → K = (64, −48, 0). */
    vec K = pr_chord(v3(0, 0, 0), v3(50, 10, 0), v3(100, 0, 0), 60);
    CHECK_NEAR("chord x", K.x, 64, 1e-12);
    CHECK_NEAR("chord y", K.y, -48, 1e-12);
    CHECK_NEAR("chord z", K.z, 0, 1e-12);

    /* Whole poses: a static facing +Y and a trial moving along −X. */
    subj s = selftest_subject();
    const double alpha[2] = {rad(4), rad(-6)}, beta[2] = {rad(9), rad(12)};
    vec Zl = v3(0, 0, 1);
    mat prog_py = mcols(v3(0, 1, 0), vcross(Zl, v3(0, 1, 0)), Zl);
    mat prog_mx = mcols(v3(-1, 0, 0), vcross(Zl, v3(-1, 0, 0)), Zl);
    trial st, mv;
    if (build_trial(&st, "self/static", 10, &s, prog_py, alpha, beta, static_pose) != 0 ||
        build_trial(&mv, "self/moving", 31, &s, prog_mx, alpha, beta, moving_pose) != 0) {
        CHECK("self-test allocation", 0);
        return;
    }
    int branch = 0;
    mat pg = pr_progression(st.mk, st.F, &branch);
    CHECK("static progression: pelvis-facing branch", branch == 2);
    CHECK_NEAR("static progression X.y (+Y)", pg.m[1][0], 1, 0);
    CHECK_NEAR("static progression Y.x (−X)", pg.m[0][1], -1, 0);
    pg = pr_progression(mv.mk, mv.F, &branch);
    CHECK("moving progression: displacement branch", branch == 1);
    CHECK_NEAR("moving progression X.x (−X)", pg.m[0][0], -1, 0);
    CHECK_NEAR("moving progression Y.y (−Y)", pg.m[1][1], -1, 0);

    opts o = pr_default_opts();
    double al[2], be[2];
    pr_static_offsets(st.mk, st.F, &s, &o, al, be);
    for (int side = 0; side < 2; side++) {
        snprintf(what, sizeof what, "self static offset alpha %c (deg)", pr_side_char[side]);
        CHECK_NEAR(what, deg(al[side]), deg(alpha[side]), 1e-10);
        snprintf(what, sizeof what, "self static offset beta %c (deg)", pr_side_char[side]);
        CHECK_NEAR(what, deg(be[side]), deg(beta[side]), 1e-10);
    }
    stats res;
    trial *both[2] = {&st, &mv};
    for (int i = 0; i < 2; i++) {
        compare_trial(both[i], &s, al, be, &o, &res, NULL);
        for (int ch = 0; ch < N_CH; ch++)
            for (int k = 0; k < 3; k++) {
                char nm[32];
                pr_channel_name(ch, nm, sizeof nm);
                snprintf(what, sizeof what, "%s %s %c recovered", both[i]->name, nm,
                         pr_plane_char[k]);
                CHECK_NEAR(what, res.c[ch][k].max, 0, SELF_TOL);
            }
    }
    /* The mutations used on the session below: the knee on the torsioned tibia moves knee Z by
     * exactly τ and nothing else; a flipped hip Y sign is seen. */
    o.mutation = MUT_KNEE_TORSIONED;
    compare_trial(&mv, &s, al, be, &o, &res, NULL);
    CHECK_NEAR("self mutation: LKnee Z error = |tau L|", res.c[2 * K_KNEE + LEFT][2].max,
               fabs(s.tau[LEFT]), 1e-9);
    CHECK_NEAR("self mutation: RKnee Z error = |tau R|", res.c[2 * K_KNEE + RIGHT][2].max,
               fabs(s.tau[RIGHT]), 1e-9);
    CHECK("self mutation: LKnee X unchanged", res.c[2 * K_KNEE + LEFT][0].max < SELF_TOL);
    o.mutation = MUT_HIP_Y_FLIP;
    compare_trial(&mv, &s, al, be, &o, &res, NULL);
    CHECK("self mutation: hip Y sign flip caught", res.c[2 * K_HIP + RIGHT][1].max > 1.0);
    trial_free(&st);
    trial_free(&mv);
    printf("self-test done: %d checks, %d failed\n", kc_test_checks, kc_test_failures);
}

/* ---- reading: CSV and HDF5 ------------------------------------------------------------- */

typedef struct csv {
    size_t n_rows, n_cols; /* rows exclude the header */
    char **head;           /* [n_cols] */
    char ***rows;          /* [n_rows][n_cols]; short rows padded with "" */
} csv;

static void csv_free(csv *c)
{
    for (size_t j = 0; j < c->n_cols; j++)
        free(c->head[j]);
    free(c->head);
    for (size_t i = 0; i < c->n_rows; i++) {
        if (!c->rows || !c->rows[i])
            continue;
        for (size_t j = 0; j < c->n_cols; j++)
            free(c->rows[i][j]);
        free(c->rows[i]);
    }
    free(c->rows);
    memset(c, 0, sizeof *c);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    fclose(fp);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* RFC 4180 fields: quotes, doubled quotes, CRLF; blank lines skipped. Returns 0 or −1. */
static int csv_read(const char *path, csv *out)
{
    memset(out, 0, sizeof *out);
    char *text = slurp(path);
    if (!text)
        return -1;
    char ***rows = NULL;
    size_t *lens = NULL, nrows = 0;
    const char *p = text;
    int bad = 0;
    while (*p && !bad) {
        char **fields = NULL;
        size_t nf = 0;
        for (;;) {
            size_t cap = 16, n = 0;
            char *fld = malloc(cap);
            if (!fld) {
                bad = 1;
                break;
            }
            if (*p == '"') {
                p++;
                while (*p && !(*p == '"' && p[1] != '"')) {
                    if (*p == '"')
                        p++;
                    if (n + 1 >= cap) {
                        char *nf2 = realloc(fld, cap *= 2);
                        if (!nf2) {
                            bad = 1;
                            break;
                        }
                        fld = nf2;
                    }
                    fld[n++] = *p++;
                }
                if (*p == '"')
                    p++;
            }
            while (!bad && *p && *p != ',' && *p != '\n' && *p != '\r') {
                if (n + 1 >= cap) {
                    char *nf2 = realloc(fld, cap *= 2);
                    if (!nf2) {
                        bad = 1;
                        break;
                    }
                    fld = nf2;
                }
                fld[n++] = *p++;
            }
            fld[n] = '\0';
            char **nfields = realloc(fields, (nf + 1) * sizeof *fields);
            if (!nfields || bad) {
                free(fld);
                free(nfields ? nfields : fields);
                fields = NULL;
                bad = 1;
                break;
            }
            fields = nfields;
            fields[nf++] = fld;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\r')
                p++;
            if (*p == '\n')
                p++;
            break;
        }
        if (bad)
            break;
        if (nf == 1 && fields[0][0] == '\0') { /* blank line */
            free(fields[0]);
            free(fields);
            continue;
        }
        char ***nr = realloc(rows, (nrows + 1) * sizeof *rows);
        size_t *nl = realloc(lens, (nrows + 1) * sizeof *lens);
        if (nr)
            rows = nr;
        if (nl)
            lens = nl;
        if (!nr || !nl) {
            for (size_t j = 0; j < nf; j++)
                free(fields[j]);
            free(fields);
            bad = 1;
            break;
        }
        rows[nrows] = fields;
        lens[nrows++] = nf;
    }
    free(text);
    if (!bad && nrows > 0) {
        out->n_cols = lens[0];
        out->head = rows[0];
        out->n_rows = nrows - 1;
        out->rows = calloc(nrows, sizeof *out->rows);
        if (!out->rows)
            bad = 1;
        for (size_t i = 1; i < nrows && !bad; i++) {
            char **r = calloc(out->n_cols, sizeof *r);
            if (!r) {
                bad = 1;
                break;
            }
            for (size_t j = 0; j < out->n_cols; j++)
                r[j] = j < lens[i] ? rows[i][j] : calloc(1, 1);
            for (size_t j = out->n_cols; j < lens[i]; j++)
                free(rows[i][j]);
            free(rows[i]);
            rows[i] = NULL;
            out->rows[i - 1] = r;
        }
        rows[0] = NULL;
    }
    for (size_t i = 0; i < nrows; i++)
        if (rows[i]) {
            for (size_t j = 0; j < lens[i]; j++)
                free(rows[i][j]);
            free(rows[i]);
        }
    free(rows);
    free(lens);
    if (bad || nrows == 0) {
        csv_free(out);
        return -1;
    }
    return 0;
}

static long csv_col(const csv *c, const char *name)
{
    for (size_t j = 0; j < c->n_cols; j++)
        if (strcmp(c->head[j], name) == 0)
            return (long)j;
    return -1;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    if (!s || !*s)
        return -1;
    *v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end == '\0' && isfinite(*v) ? 0 : -1;
}

static void h5_reclaim(hid_t mt, hid_t sp, void *buf)
{
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mt, sp, H5P_DEFAULT, buf);
#else
    H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
#endif
}

/* Does every link on the path exist? */
static int h5_exists(hid_t fid, const char *path)
{
    char buf[512];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++)
        if (buf[i] == '/' || buf[i] == '\0') {
            char keep = buf[i];
            buf[i] = '\0';
            htri_t e = H5Lexists(fid, buf, H5P_DEFAULT);
            buf[i] = keep;
            if (e <= 0)
                return 0;
        }
    return 1;
}

/* A float dataset of the given rank as doubles. dims[rank]. */
static int h5_read_doubles(hid_t fid, const char *fname, const char *path, int rank,
                           hsize_t *dims, double **out)
{
    *out = NULL;
    int rc = -1;
    hid_t ds = H5Dopen2(fid, path, H5P_DEFAULT), sp = -1, ty = -1;
    if (ds < 0) {
        fprintf(stderr, "cannot open %s in \"%s\"\n", path, fname);
        return -1;
    }
    sp = H5Dget_space(ds);
    ty = H5Dget_type(ds);
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (nd != rank || ty < 0 || H5Tget_class(ty) != H5T_FLOAT) {
        fprintf(stderr, "%s in \"%s\": expected a float dataset of rank %d, found rank %d\n",
                path, fname, rank, nd);
        goto done;
    }
    if (H5Tget_size(ty) < 8)
        fprintf(stderr, "warning: %s in \"%s\" is stored as float%zu: 1e-6 cannot be met\n",
                path, fname, 8 * H5Tget_size(ty));
    H5Sget_simple_extent_dims(sp, dims, NULL);
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf)
        goto done;
    if (n && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        fprintf(stderr, "cannot read %s in \"%s\"\n", path, fname);
        free(buf);
        goto done;
    }
    *out = buf;
    rc = 0;
done:
    if (ty >= 0)
        H5Tclose(ty);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(ds);
    return rc;
}

/* A 1-D string dataset (variable or fixed length). */
static int h5_read_strings(hid_t fid, const char *path, size_t *count, char ***out)
{
    *out = NULL;
    *count = 0;
    int rc = -1;
    hid_t ds = H5Dopen2(fid, path, H5P_DEFAULT), sp = -1, ft = -1, mt = -1;
    char **v = NULL;
    char *fixed = NULL;
    if (ds < 0)
        return -1;
    sp = H5Dget_space(ds);
    ft = H5Dget_type(ds);
    hsize_t n = 0;
    if (sp < 0 || ft < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
        H5Tget_class(ft) != H5T_STRING)
        goto done;
    H5Sget_simple_extent_dims(sp, &n, NULL);
    v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        goto done;
    mt = H5Tcopy(H5T_C_S1);
    if (H5Tis_variable_str(ft) > 0) {
        char **raw = calloc(n ? n : 1, sizeof *raw);
        if (!raw)
            goto done;
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(ft));
        if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            free(raw);
            goto done;
        }
        int ok = 1;
        for (hsize_t i = 0; i < n; i++)
            ok = ok && (v[i] = strdup(raw[i] ? raw[i] : "")) != NULL;
        h5_reclaim(mt, sp, raw);
        free(raw);
        if (!ok)
            goto done;
    } else {
        size_t sz = H5Tget_size(ft) + 1;
        H5Tset_size(mt, sz);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        fixed = calloc((n ? n : 1) * sz, 1);
        if (!fixed || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
            goto done;
        for (hsize_t i = 0; i < n; i++) {
            char *e = fixed + i * sz + strlen(fixed + i * sz);
            while (e > fixed + i * sz && e[-1] == ' ')
                *--e = '\0';
            if (!(v[i] = strdup(fixed + i * sz)))
                goto done;
        }
    }
    *out = v;
    *count = (size_t)n;
    v = NULL;
    rc = 0;
done:
    if (v) {
        for (hsize_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
    }
    free(fixed);
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(ds);
    return rc;
}

/* Read a trial's truth markers (only the model's markers, by label) and truth channels. */
static int trial_load(const char *path, const char *name, trial *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    int rc = -1;
    char **labels = NULL;
    size_t M = 0;
    double *xyz = NULL;
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) {
        fprintf(stderr, "%s: cannot open \"%s\" as HDF5\n", name, path);
        return -1;
    }
    const char *lab_path = h5_exists(fid, "/labels") ? "/labels" : "/truth/labels";
    if (h5_read_strings(fid, lab_path, &M, &labels) != 0) {
        fprintf(stderr, "%s: cannot read /labels (or /truth/labels) of \"%s\"\n", name, path);
        goto done;
    }
    hsize_t d[3];
    if (!h5_exists(fid, "/truth/markers") ||
        h5_read_doubles(fid, path, "/truth/markers", 3, d, &xyz) != 0) {
        fprintf(stderr, "%s: no readable /truth/markers in \"%s\"\n", name, path);
        goto done;
    }
    if (d[1] != M || d[2] != 3) {
        fprintf(stderr, "%s: /truth/markers of \"%s\" is [%llu,%llu,%llu], expected [F,%zu,3]\n",
                name, path, (unsigned long long)d[0], (unsigned long long)d[1],
                (unsigned long long)d[2], M);
        goto done;
    }
    t->F = (size_t)d[0];
    t->mk = calloc((t->F ? t->F : 1) * N_MK, sizeof *t->mk);
    if (!t->mk)
        goto done;
    for (int m = 0; m < N_MK; m++) {
        size_t j = 0;
        while (j < M && strcmp(labels[j], pr_marker_names[m]) != 0)
            j++;
        if (j == M) {
            fprintf(stderr, "%s: marker %s missing from the labels of \"%s\"\n", name,
                    pr_marker_names[m], path);
            goto done;
        }
        for (size_t f = 0; f < t->F; f++) {
            const double *q = xyz + (f * M + j) * 3;
            t->mk[f * N_MK + m] = v3(q[0], q[1], q[2]);
        }
    }
    for (int ch = 0; ch < N_CH; ch++) {
        char nm[32], p[96];
        pr_channel_name(ch, nm, sizeof nm);
        snprintf(p, sizeof p, "/truth/%s/%s", ch < N_ANG ? "angles" : "joint_centres", nm);
        if (!h5_exists(fid, p))
            continue; /* reported as missing by report_trial */
        double *buf = NULL;
        if (h5_read_doubles(fid, path, p, 2, d, &buf) != 0)
            continue;
        if (d[0] != t->F || d[1] != 3) {
            fprintf(stderr, "%s: %s of \"%s\" is [%llu,%llu], expected [%zu,3]\n", name, p, path,
                    (unsigned long long)d[0], (unsigned long long)d[1], t->F);
            free(buf);
            continue;
        }
        if (ch < N_ANG)
            t->ang[ch] = buf;
        else
            t->jc[ch - N_ANG] = buf;
    }
    rc = 0;
done:
    if (labels) {
        for (size_t i = 0; i < M; i++)
            free(labels[i]);
        free(labels);
    }
    free(xyz);
    H5Fclose(fid);
    if (rc != 0)
        trial_free(t);
    return rc;
}

/* ---- the session ------------------------------------------------------------------------ */

/* manifest.csv / subjects.csv in dir, else any CSV there whose header starts like one. */
static int find_csv(const char *dir, const char *name, const char *head_prefix, char *out,
                    size_t n)
{
    snprintf(out, n, "%s/%s", dir, name);
    FILE *fp = fopen(out, "r");
    if (fp) {
        fclose(fp);
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int found = -1;
    while (found != 0 && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0)
            continue;
        snprintf(out, n, "%s/%s", dir, e->d_name);
        char line[256] = "";
        fp = fopen(out, "r");
        if (!fp)
            continue;
        if (fgets(line, sizeof line, fp) && strncmp(line, head_prefix, strlen(head_prefix)) == 0)
            found = 0;
        fclose(fp);
    }
    closedir(d);
    return found;
}

static int subjects_load(const char *path, subj **out, size_t *n)
{
    csv c;
    *out = NULL;
    *n = 0;
    if (csv_read(path, &c) != 0) {
        fprintf(stderr, "cannot read \"%s\"\n", path);
        return -1;
    }
    static const char *const cols[] = {
        "subject",          "leg_length_L_mm",   "leg_length_R_mm",   "knee_width_L_mm",
        "knee_width_R_mm",  "ankle_width_L_mm",  "ankle_width_R_mm",  "inter_asis_mm",
        "asis_troc_L_mm",   "asis_troc_R_mm",    "marker_diameter_mm", "tibial_torsion_L_deg",
        "tibial_torsion_R_deg", "sole_delta_L_mm", "sole_delta_R_mm"};
    enum { NC = sizeof cols / sizeof cols[0] };
    long idx[NC];
    for (size_t j = 0; j < NC; j++)
        if ((idx[j] = csv_col(&c, cols[j])) < 0) {
            fprintf(stderr, "\"%s\": no column %s\n", path, cols[j]);
            csv_free(&c);
            return -1;
        }
    subj *s = calloc(c.n_rows ? c.n_rows : 1, sizeof *s);
    if (!s) {
        csv_free(&c);
        return -1;
    }
    for (size_t i = 0; i < c.n_rows; i++) {
        char **r = c.rows[i];
        double v[NC];
        snprintf(s[i].id, sizeof s[i].id, "%s", r[idx[0]]);
        for (size_t j = 1; j < NC; j++)
            if (parse_num(r[idx[j]], &v[j]) != 0) {
                fprintf(stderr, "\"%s\" row %zu: %s = \"%s\" is not a number\n", path, i + 2,
                        cols[j], r[idx[j]]);
                free(s);
                csv_free(&c);
                return -1;
            }
        s[i].ll[LEFT] = v[1];
        s[i].ll[RIGHT] = v[2];
        s[i].kw[LEFT] = v[3];
        s[i].kw[RIGHT] = v[4];
        s[i].aw[LEFT] = v[5];
        s[i].aw[RIGHT] = v[6];
        s[i].ia = v[7];
        s[i].at[LEFT] = v[8];
        s[i].at[RIGHT] = v[9];
        s[i].md = v[10];
        s[i].tau[LEFT] = v[11];
        s[i].tau[RIGHT] = v[12];
        s[i].sole[LEFT] = v[13];
        s[i].sole[RIGHT] = v[14];
    }
    *out = s;
    *n = c.n_rows;
    csv_free(&c);
    return 0;
}

static void path_join(char *out, size_t n, const char *dir, const char *rel)
{
    if (rel[0] == '/')
        snprintf(out, n, "%s", rel);
    else
        snprintf(out, n, "%s/%s", dir, rel);
}

/* The diagnosis variants tried when a trial fails. */
static void diagnose(const trial *t, const trial *st, const subj *s, const opts *o0,
                     const stats *main_res)
{
    static const char *const names[] = {"foot flat toggled", "tibial torsion sign flipped",
                                        "offsets averaged per frame", "no static offsets"};
    fprintf(stderr, "  diagnosis of %s (max error of each failing channel under variants):\n",
            t->name);
    for (int v = 0; v < 4; v++) {
        opts o = *o0;
        if (v == 0)
            o.foot_flat = !o.foot_flat;
        else if (v == 1)
            o.tau_sign = -o.tau_sign;
        else if (v == 2)
            o.offsets_per_frame = 1;
        else
            o.no_offsets = 1;
        double al[2], be[2];
        pr_static_offsets(st->mk, st->F, s, &o, al, be);
        stats *res = malloc(sizeof *res);
        if (!res)
            return;
        compare_trial(t, s, al, be, &o, res, NULL);
        for (int ch = 0; ch < N_CH; ch++)
            for (int k = 0; k < 3; k++)
                if (main_res->c[ch][k].n_fail) {
                    char nm[32];
                    pr_channel_name(ch, nm, sizeof nm);
                    fprintf(stderr, "    %-28s %s %c: %.6g (was %.6g)\n", names[v], nm,
                            pr_plane_char[k], res->c[ch][k].max, main_res->c[ch][k].max);
                }
        free(res);
    }
}

static void check_session(const char *dir, const opts *o)
{
    char mpath[1024], spath[1024], what[3072];
    if (find_csv(dir, "manifest.csv", "subject,session,trial", mpath, sizeof mpath) != 0 ||
        find_csv(dir, "subjects.csv", "subject,sex", spath, sizeof spath) != 0) {
        snprintf(what, sizeof what, "session \"%s\" has manifest.csv and subjects.csv", dir);
        CHECK(what, 0);
        return;
    }
    subj *subs = NULL;
    size_t n_subs = 0;
    csv man;
    if (subjects_load(spath, &subs, &n_subs) != 0) {
        CHECK("subjects.csv readable", 0);
        return;
    }
    if (csv_read(mpath, &man) != 0) {
        CHECK("manifest.csv readable", 0);
        free(subs);
        return;
    }
    /* The manifest's directory: its paths are relative to it. */
    char mdir[1024];
    snprintf(mdir, sizeof mdir, "%s", mpath);
    char *slash = strrchr(mdir, '/');
    if (slash)
        *slash = '\0';
    long c_subj = csv_col(&man, "subject"), c_trial = csv_col(&man, "trial"),
         c_task = csv_col(&man, "task"), c_input = csv_col(&man, "input");
    if (!CHECK("manifest has subject, trial, task, input columns",
               c_subj >= 0 && c_trial >= 0 && c_task >= 0 && c_input >= 0)) {
        csv_free(&man);
        free(subs);
        return;
    }
    CHECK("session has at least one subject", n_subs > 0);
    int any_tau = 0;
    for (size_t i = 0; i < n_subs; i++)
        any_tau |= subs[i].tau[LEFT] != 0.0 || subs[i].tau[RIGHT] != 0.0;
    CHECK("some subject of the session has a non-zero tibial torsion (the torsion path must be "
          "exercised)",
          any_tau);

    stats *all = malloc(sizeof *all), *res = malloc(sizeof *res), *mut = malloc(sizeof *mut);
    if (!all || !res || !mut) {
        CHECK("allocation", 0);
        goto out;
    }
    stats_init(all);
    double hipflip_max = 0.0, ankle_untors_max = 0.0;
    size_t n_trials = 0;
    for (size_t si = 0; si < n_subs; si++) {
        const subj *s = &subs[si];
        printf("subject %s: LL %g/%g KW %g/%g AW %g/%g IA %g AT %g/%g MD %g tau %g/%g deg\n",
               s->id, s->ll[LEFT], s->ll[RIGHT], s->kw[LEFT], s->kw[RIGHT], s->aw[LEFT],
               s->aw[RIGHT], s->ia,
               s->at[LEFT], s->at[RIGHT], s->md, s->tau[LEFT], s->tau[RIGHT]);
        long st_row = -1;
        size_t n_rows = 0;
        for (size_t r = 0; r < man.n_rows; r++)
            if (strcmp(man.rows[r][c_subj], s->id) == 0) {
                n_rows++;
                if (st_row < 0 && strcmp(man.rows[r][c_task], "static") == 0)
                    st_row = (long)r;
            }
        snprintf(what, sizeof what, "subject %s has trials and a static in the manifest", s->id);
        if (!CHECK(what, n_rows > 0 && st_row >= 0))
            continue;
        char path[2048], name[256];
        trial st;
        path_join(path, sizeof path, mdir, man.rows[st_row][c_input]);
        snprintf(name, sizeof name, "%s/%s", s->id, man.rows[st_row][c_trial]);
        snprintf(what, sizeof what, "static %s readable (%s)", name, path);
        if (!CHECK(what, trial_load(path, name, &st) == 0))
            continue;
        double al[2], be[2];
        pr_static_offsets(st.mk, st.F, s, o, al, be);
        printf("  static %s: %zu frames, markers move at most %.3g mm; offsets alpha %.6f/%.6f "
               "beta %.6f/%.6f deg (L/R) = StaticPlantFlex %.4f/%.4f, StaticRotOff %.4f/%.4f\n",
               name, st.F, static_motion(&st), deg(al[LEFT]), deg(al[RIGHT]), deg(be[LEFT]),
               deg(be[RIGHT]),
               deg(be[LEFT]), deg(be[RIGHT]), deg(al[LEFT]), -deg(al[RIGHT]));
        double knee_mut[2] = {0, 0};
        for (size_t r = 0; r < man.n_rows; r++) {
            if (strcmp(man.rows[r][c_subj], s->id) != 0)
                continue;
            trial t;
            path_join(path, sizeof path, mdir, man.rows[r][c_input]);
            snprintf(name, sizeof name, "%s/%s", s->id, man.rows[r][c_trial]);
            snprintf(what, sizeof what, "trial %s readable (%s)", name, path);
            if (!CHECK(what, trial_load(path, name, &t) == 0))
                continue;
            n_trials++;
            int branch = 0;
            compare_trial(&t, s, al, be, o, res, &branch);
            int failed = report_trial(&t, res);
            double worst_a = 0, worst_j = 0;
            int wa = 0, wj = 0;
            for (int ch = 0; ch < N_CH; ch++)
                for (int k = 0; k < 3; k++) {
                    double e = res->c[ch][k].max;
                    if (ch < N_ANG && e > worst_a) {
                        worst_a = e;
                        wa = ch;
                    }
                    if (ch >= N_ANG && e > worst_j) {
                        worst_j = e;
                        wj = ch;
                    }
                }
            char na[32], nj[32];
            pr_channel_name(wa, na, sizeof na);
            pr_channel_name(wj, nj, sizeof nj);
            int b0 = 0;
            mat pg = pr_progression(t.mk, t.F, &b0);
            char axis[4] = "?";
            if (isfinite(pg.m[0][0]))
                snprintf(axis, sizeof axis, "%c%c", pg.m[0][0] + pg.m[1][0] > 0 ? '+' : '-',
                         pg.m[0][0] != 0 ? 'X' : 'Y');
            printf("  %-22s %5zu frames, task %-16s progression %s by %s: max angle error %.3g "
                   "deg (%s), max joint-centre error %.3g mm (%s)%s\n",
                   name, t.F, man.rows[r][c_task], axis,
                   branch == 1 ? "displacement" : "pelvis facing", worst_a, na, worst_j, nj,
                   failed ? "  FAILED" : "");
            stats_merge(all, res, name);
            if (failed)
                diagnose(&t, &st, s, o, res);

            /* Deliberately wrong conventions the comparison must catch. */
            opts m = *o;
            m.mutation = MUT_KNEE_TORSIONED;
            compare_trial(&t, s, al, be, &m, mut, NULL);
            for (int side = 0; side < 2; side++) {
                double e = mut->c[2 * K_KNEE + side][2].max;
                if (e > knee_mut[side])
                    knee_mut[side] = e;
            }
            m.mutation = MUT_HIP_Y_FLIP;
            compare_trial(&t, s, al, be, &m, mut, NULL);
            for (int side = 0; side < 2; side++)
                if (mut->c[2 * K_HIP + side][1].max > hipflip_max)
                    hipflip_max = mut->c[2 * K_HIP + side][1].max;
            m.mutation = MUT_ANKLE_UNTORSIONED;
            compare_trial(&t, s, al, be, &m, mut, NULL);
            for (int side = 0; side < 2; side++)
                if (s->tau[side] != 0.0)
                    for (int k = 0; k < 3; k++)
                        if (mut->c[2 * K_ANKLE + side][k].max > ankle_untors_max)
                            ankle_untors_max = mut->c[2 * K_ANKLE + side][k].max;
            trial_free(&t);
        }
        /* Knee on the torsioned tibia: knee Z moves by exactly τ in every frame. */
        for (int side = 0; side < 2; side++) {
            if (s->tau[side] == 0.0)
                continue;
            snprintf(what, sizeof what,
                     "wrong convention caught: %s %cKnee on the torsioned tibia errs by |tau| = "
                     "%g deg (measured %.9g)",
                     s->id, pr_side_char[side], fabs(s->tau[side]), knee_mut[side]);
            CHECK_NEAR(what, knee_mut[side], fabs(s->tau[side]), 1e-6);
            CHECK(what, knee_mut[side] > 1000 * TOL_DEG);
        }
        trial_free(&st);
    }
    snprintf(what, sizeof what, "the session's trials were compared (%zu)", n_trials);
    CHECK(what, n_trials > 0);
    snprintf(what, sizeof what, "wrong convention caught: hip Y sign flipped errs by %.6g deg",
             hipflip_max);
    CHECK(what, hipflip_max > 1.0);
    snprintf(what, sizeof what,
             "wrong convention caught: ankle on the untorsioned tibia errs by %.6g deg",
             ankle_untors_max);
    CHECK(what, !any_tau || ankle_untors_max > 1000 * TOL_DEG);
    printf("wrong conventions: hip Y flipped %.4g deg, ankle on untorsioned tibia %.4g deg\n",
           hipflip_max, ankle_untors_max);
    print_table("max |error| per channel over the session (angles deg, joint centres mm):", all);
out:
    free(all);
    free(res);
    free(mut);
    csv_free(&man);
    free(subs);
}

int main(int argc, char **argv)
{
    opts o = pr_default_opts();
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--foot-flat") == 0)
            o.foot_flat = 1;
        else if (strcmp(argv[i], "--static-offsets=mean") == 0)
            o.offsets_per_frame = 0;
        else if (strcmp(argv[i], "--static-offsets=per-frame") == 0)
            o.offsets_per_frame = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: test_pig_reference [--foot-flat] [--static-offsets=mean|per-frame] "
                   "[SESSION_DIR]\n"
                   "Recompute Plug-in Gait angles and joint centres from /truth/markers of a\n"
                   "kc-synth session and compare them with /truth (docs/pig-model.md).\n"
                   "example: test_pig_reference tests/identity-session\n"
                   "Exit status: the number of failed checks (0 = pass).\n");
            return 0;
        } else if (!dir && argv[i][0] != '-')
            dir = argv[i];
        else {
            fprintf(stderr, "usage: test_pig_reference [--foot-flat] "
                            "[--static-offsets=mean|per-frame] [SESSION_DIR]\n");
            return 1;
        }
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    selftest();
    if (dir)
        check_session(dir, &o);
    else
        printf("no session directory given: self-test only\n");
    return kc_test_summary("test_pig_reference");
}
