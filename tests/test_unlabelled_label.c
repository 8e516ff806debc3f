/* Automatic labelling (label.h) and kc-triangulate's unlabelled mode against kc-synth truth.
 *
 * kc-synth: 8 subjects, one drop jump each, anatomical mode, default rig (8 cameras) and
 * noise, occlusions and dropouts on, 5% spurious blobs (--spurious 0.05).
 * (a) Static pose, library level, 8 facing directions: each subject's true static marker
 *     positions (frame 0 of /truth) rotated about the vertical through the pelvis by
 *     k·45°, k = 0..7, with 1 mm Gaussian noise: every marker labelled correctly (kc-synth
 *     cannot turn its subjects; the rotation is built here).
 * (b) Bad statics, library level: one marker removed (each of the 20 in turn) or an extra
 *     marker added (on the left thigh): KC_EINVAL with one error line naming the group.
 * (c) kc-triangulate --static-pose on every subject's static: every labelled marker-frame
 *     within 10 mm of the true marker of that label, every marker labelled; and the same
 *     with the calibration turned about the vertical by k·45°, k = 0..7 (the subject then
 *     faces 8 directions in the world; positions turned back before the comparison).
 * (d) kc-triangulate --static on every subject's drop jump, against its labelled-mode
 *     output (the default pipeline, 12 Hz) and /truth: a marker-frame is correct when
 *     within 10 mm of its own label's truth, a swap when within 10 mm of another marker's,
 *     a ghost when near none, all on unfiltered outputs (--cutoff none on both). Over all
 *     subjects: correct >= 99.5% of the marker-frames that labelled mode measured; no
 *     swap; ghosts < 0.1% of output marker-frames; 3D RMSE over the marker-frames both
 *     measured within 10% of labelled mode's, unfiltered and at the default 12 Hz.
 * (f) Single-leg squats (left and right) of two subjects: >= 99.5% of labelled mode's
 *     marker-frames labelled correctly, no swap, no ghost (unfiltered).
 * (g) Twice the default centroid noise (0.6 px), one subject, --blob-px 3: the drop jump
 *     >= 99.5% labelled correctly, no swap, no ghost.
 * (e) Bad input through the tool: a static with a marker's blobs removed, or with an extra
 *     marker's blobs added: exit 2 and one line naming the group.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <gsl/gsl_errno.h>

#include "kinechain/calibfile.h"
#include "kinechain/label.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"
#include "testutil.h"
#include "tri_testlib.h"

#define N_SUBJECTS 8   /* each with a static, a drop jump and single-leg squats */
#define MATCH_MM 10.0

static char last_error[512];
static int n_errors;

static void sink(enum kc_log_level lvl, const char *func, const char *msg, void *ud)
{
    (void)ud;
    (void)func;
    if (lvl == KC_LOG_ERROR) {
        snprintf(last_error, sizeof last_error, "%s", msg);
        n_errors++;
    }
}

static void test_static_pose(const kc_obs *o, int subject)
{
    const kc_truth *tr = o->truth;
    size_t M = o->n_markers;
    if (!CHECK("static has the 20 markers", M == KC_LABEL_PIG_N))
        return;
    tt_rng rng = {0x1234567ULL + (uint64_t)subject};
    double c[2] = {0, 0};
    for (int m = 0; m < 4; m++)
        for (int d = 0; d < 2; d++)
            c[d] += 0.25 * tr->markers[3 * m + d];
    int all_ok = 1;
    for (int k = 0; k < 8; k++) {
        double a = k * 3.14159265358979323846 / 4, ca = cos(a), sa = sin(a);
        double P[3 * KC_LABEL_PIG_N];
        int lab[KC_LABEL_PIG_N];
        /* presented in a shuffled order: marker m at row (7m + 3) mod 20 */
        for (size_t m = 0; m < M; m++) {
            const double *T = tr->markers + 3 * m;
            size_t r = (7 * m + 3) % M;
            double x = T[0] - c[0], y = T[1] - c[1];
            P[3 * r] = c[0] + ca * x - sa * y + tt_gauss(&rng);
            P[3 * r + 1] = c[1] + sa * x + ca * y + tt_gauss(&rng);
            P[3 * r + 2] = T[2] + tt_gauss(&rng);
        }
        int ok = kc_label_static_pose(P, M, lab, "static") == KC_OK;
        for (size_t m = 0; ok && m < M; m++)
            ok = lab[(7 * m + 3) % M] == (int)m;
        if (!ok)
            printf("subject %d, facing %d deg: static pose labelling wrong\n", subject, 45 * k);
        all_ok &= ok;
    }
    CHECK("static pose: 8 facing directions labelled fully", all_ok);
    /* (b) bad statics */
    double P[3 * (KC_LABEL_PIG_N + 1)];
    int lab[KC_LABEL_PIG_N + 1];
    int bad_ok = 1;
    for (size_t drop = 0; drop < M; drop++) {
        size_t n = 0;
        for (size_t m = 0; m < M; m++)
            if (m != drop) {
                memcpy(P + 3 * n, tr->markers + 3 * m, 3 * sizeof(double));
                n++;
            }
        n_errors = 0;
        int st = kc_label_static_pose(P, n, lab, "static");
        int one = st == KC_EINVAL && n_errors == 1 && strstr(last_error, "missing");
        if (!one)
            printf("missing %s: status %d, %d errors, \"%s\"\n", KC_LABEL_PIG_NAMES[drop], st,
                   n_errors, last_error);
        bad_ok &= one;
    }
    CHECK("static missing any one marker: one error saying one is missing", bad_ok);
    memcpy(P, tr->markers, M * 3 * sizeof(double));
    for (int d = 0; d < 3; d++)   /* an extra marker 60 mm above LKNE */
        P[3 * M + d] = tr->markers[3 * 5 + d] + (d == 2 ? 60.0 : 0.0);
    n_errors = 0;
    int st = kc_label_static_pose(P, M + 1, lab, "static");
    if (subject == 1)
        printf("extra marker: \"%s\"\n", last_error);
    CHECK("static with an extra marker: one error naming the left leg",
          st == KC_EINVAL && n_errors == 1 && strstr(last_error, "left leg") &&
              strstr(last_error, "extra"));
}

/* Compare trajectories with truth: counts per class over measured marker-frames. */
typedef struct score {
    long measured, correct, swap, ghost;
    double se;
} score;

static void score_traj(const kc_traj *t, const kc_truth *tr, const kc_traj *ref, score *s,
                       double *se_ref, long *n_common, long *ref_measured, long *covered)
{
    size_t F = t->n_frames, M = t->n_markers;
    for (size_t f = 0; f < F; f++)
        for (size_t m = 0; m < M; m++) {
            const double *X = t->position + 3 * (f * M + m);
            int meas = isfinite(X[0]) && t->filled[f * M + m] == KC_FILL_MEASURED;
            const double *R = ref->position + 3 * (f * M + m);
            int rmeas = isfinite(R[0]) && ref->filled[f * M + m] == KC_FILL_MEASURED;
            *ref_measured += rmeas;
            if (!meas)
                continue;
            s->measured++;
            int best = -1;
            double bd = MATCH_MM * MATCH_MM;
            for (size_t q = 0; q < M; q++) {
                const double *T = tr->markers + 3 * (f * M + q);
                double d = 0;
                for (int k = 0; k < 3; k++)
                    d += (X[k] - T[k]) * (X[k] - T[k]);
                if (d < bd) {
                    bd = d;
                    best = (int)q;
                }
            }
            const double *T = tr->markers + 3 * (f * M + m);
            if (best == (int)m) {
                s->correct++;
                *covered += rmeas;
            } else if (best >= 0) {
                s->swap++;
            } else {
                s->ghost++;
            }
            if (best == (int)m && rmeas) {
                for (int k = 0; k < 3; k++) {
                    s->se += (X[k] - T[k]) * (X[k] - T[k]);
                    *se_ref += (R[k] - T[k]) * (R[k] - T[k]);
                }
                (*n_common)++;
            }
        }
}

static int run(const char *cmd)
{
    int r = system(cmd);
    return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* A copy of a static's observations with marker m's blobs removed (extra = 0), or with an
 * extra marker's blobs (60 mm above marker m, projected with the true cameras) added. */
static int edit_static(const kc_obs *o, const kc_calib *cal, size_t mk, int extra,
                       const char *out)
{
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    int st = KC_ENOMEM;
    kc_centroids *cn = calloc(C, sizeof *cn);
    if (!cn)
        return st;
    for (size_t c = 0; c < C; c++) {
        const kc_centroids *src = &o->centroids[c];
        int k = kc_calib_find(cal, o->camera_names[c]);
        cn[c].xy = malloc((src->n + F + 1) * 2 * sizeof(double));
        cn[c].offsets = malloc((F + 1) * sizeof(int64_t));
        if (!cn[c].xy || !cn[c].offsets || k < 0)
            goto done;
        size_t n = 0;
        for (size_t f = 0; f < F; f++) {
            cn[c].offsets[f] = (int64_t)n;
            const double *uv = o->points + ((c * F + f) * M + mk) * 2;
            for (int64_t r = src->offsets[f]; r < src->offsets[f + 1]; r++) {
                if (!extra && src->xy[2 * r] == uv[0] && src->xy[2 * r + 1] == uv[1])
                    continue;
                cn[c].xy[2 * n] = src->xy[2 * r];
                cn[c].xy[2 * n + 1] = src->xy[2 * r + 1];
                n++;
            }
            if (extra) {
                const double *T = o->truth->markers + 3 * (f * M + mk);
                double p[2];
                if (kc_camera_project(&cal->cameras[k].cam, kc_v3(T[0], T[1], T[2] + 60.0), p) &&
                    kc_camera_in_image(&cal->cameras[k].cam, p, 0)) {
                    cn[c].xy[2 * n] = p[0];
                    cn[c].xy[2 * n + 1] = p[1];
                    n++;
                }
            }
        }
        cn[c].offsets[F] = (int64_t)n;
        cn[c].n = n;
    }
    /* a shallow copy of o with these centroids and no labelled form */
    kc_obs tmp = *o;
    tmp.centroids = cn;
    tmp.n_markers = 0;
    tmp.labels = NULL;
    tmp.points = NULL;
    tmp.weights = NULL;
    tmp.truth = NULL;
    st = kc_obs_write(out, &tmp, NULL);
done:
    for (size_t c = 0; c < C; c++) {
        free(cn[c].xy);
        free(cn[c].offsets);
    }
    free(cn);
    return st;
}

/* (c') the tool on a static seen from a rig turned by theta about the vertical: the same
 * blobs, the cameras' rotations R·Rz(theta)ᵀ, so the subject faces theta further round in
 * the world. Returns 1 when every marker is labelled and every labelled marker-frame, turned
 * back, is within 10 mm of its own label's truth. */
static int static_turned(const char *tri, const kc_calib *cal, const char *obs_path,
                         const kc_truth *truth, double theta, const char *dir)
{
    char cpath[700], tpath[700], cmd[2200];
    kc_calib c = *cal;
    kc_calib_camera *cc = malloc(cal->n_cameras * sizeof *cc);
    if (!cc)
        return 0;
    memcpy(cc, cal->cameras, cal->n_cameras * sizeof *cc);
    kc_mat3 Rzt = kc_m3_rotz(-theta);
    for (size_t i = 0; i < cal->n_cameras; i++)
        cc[i].cam.R = kc_m3_mul(cal->cameras[i].cam.R, Rzt);
    c.cameras = cc;
    snprintf(cpath, sizeof cpath, "%s/turned.calib.h5", dir);
    snprintf(tpath, sizeof tpath, "%s/turned.traj.h5", dir);
    int ok = kc_calib_write(cpath, &c, NULL) == KC_OK;
    free(cc);
    snprintf(cmd, sizeof cmd, "'%s' --static-pose --quiet --cutoff none -o '%s' '%s' '%s'", tri,
             tpath, cpath, obs_path);
    kc_traj *t = NULL;
    ok = ok && run(cmd) == 0 && kc_traj_read(tpath, &t) == KC_OK;
    if (!ok) {
        kc_traj_free(t);
        return 0;
    }
    kc_mat3 Rb = kc_m3_rotz(-theta);
    size_t F = t->n_frames, M = t->n_markers;
    for (size_t m = 0; m < M && ok; m++) {
        long n = 0;
        for (size_t f = 0; f < F && ok; f++) {
            const double *X = t->position + 3 * (f * M + m);
            if (!isfinite(X[0]))
                continue;
            n++;
            kc_vec3 b = kc_m3_apply(Rb, kc_v3(X[0], X[1], X[2]));
            const double *T = truth->markers + 3 * (f * M + m);
            ok = kc_v3_norm(kc_v3_sub(b, kc_v3(T[0], T[1], T[2]))) < MATCH_MM;
        }
        ok = ok && n > 0;
    }
    kc_traj_free(t);
    return ok;
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(sink, NULL);
    const char *tmp = kc_test_tmpdir("test_unlabelled_label");
    char cmd[8192], calib[600], path[600], out[600], st_out[600], ref[600];
    const char *synth = getenv("KC_SYNTH") ? getenv("KC_SYNTH") : KC_SYNTH_EXE;
    const char *tri = KC_TRIANGULATE_EXE;
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/s' --subjects %d --trials 1 --sls 1 --seed 21 --spurious 0.05 "
             "--mode anatomical --quiet --no-provenance", synth, tmp, N_SUBJECTS);
    if (!CHECK("kc-synth session", run(cmd) == 0))
        return kc_test_summary("test_unlabelled_label");
    snprintf(calib, sizeof calib, "%s/s/calib/truth.calib.h5", tmp);
    kc_calib *cal = NULL;
    if (!CHECK("read calibration", kc_calib_read(calib, &cal) == KC_OK))
        return kc_test_summary("test_unlabelled_label");
    score tot = {0, 0, 0, 0, 0};
    double se_ref = 0;
    long n_common = 0, ref_measured = 0, covered = 0, n12 = 0;
    double se12 = 0, se12_ref = 0;
    for (int s = 1; s <= N_SUBJECTS; s++) {
        kc_obs *o = NULL;
        snprintf(path, sizeof path, "%s/s/s%02d/static.obs.h5", tmp, s);
        if (!CHECK("read static", kc_obs_read(path, &o) == KC_OK && o->truth))
            continue;
        test_static_pose(o, s);
        /* (c) the tool on the static */
        snprintf(st_out, sizeof st_out, "%s/static%02d.traj.h5", tmp, s);
        snprintf(cmd, sizeof cmd, "'%s' --static-pose --quiet -o '%s' '%s' '%s'", tri, st_out,
                 calib, path);
        kc_traj *t = NULL;
        if (CHECK("kc-triangulate --static-pose", run(cmd) == 0) &&
            CHECK("read static trajectories", kc_traj_read(st_out, &t) == KC_OK)) {
            score sc = {0, 0, 0, 0, 0};
            double d0 = 0;
            long d1 = 0, d2 = 0, d3 = 0;
            score_traj(t, o->truth, t, &sc, &d0, &d1, &d2, &d3);
            int every = 1;
            for (size_t m = 0; m < t->n_markers; m++) {
                long n = 0;
                for (size_t f = 0; f < t->n_frames; f++)
                    n += isfinite(t->position[3 * (f * t->n_markers + m)]);
                every &= n > 0;
            }
            printf("static s%02d: %ld marker-frames measured, correct %ld, swapped %ld, "
                   "ghosts %ld\n", s, sc.measured, sc.correct, sc.swap, sc.ghost);
            CHECK("static through the tool: every marker labelled, all correctly",
                  every && sc.correct == sc.measured && sc.measured > 0);
        }
        kc_traj_free(t);
        t = NULL;
        int turned_ok = 1;
        for (int k = 0; k < 8; k++) {
            int ok = static_turned(tri, cal, path, o->truth, k * 3.14159265358979323846 / 4, tmp);
            if (!ok)
                printf("static s%02d turned %d deg: labels wrong or missing\n", s, 45 * k);
            turned_ok &= ok;
        }
        CHECK("static through the tool, subject facing 8 directions: all labelled correctly",
              turned_ok);
        /* (e) bad statics through the tool, first subject only */
        if (s == 1) {
            for (int extra = 0; extra < 2; extra++) {
                snprintf(out, sizeof out, "%s/bad%d.obs.h5", tmp, extra);
                if (!CHECK("write edited static", edit_static(o, cal, extra ? 5 : 9, extra, out) == KC_OK))
                    continue;
                snprintf(cmd, sizeof cmd, "'%s' --static-pose -o '%s/bad.traj.h5' '%s' '%s' "
                         "2> '%s/bad%d.err'", tri, tmp, calib, out, tmp, extra);
                int rc = run(cmd);
                snprintf(path, sizeof path, "%s/bad%d.err", tmp, extra);
                FILE *fp = fopen(path, "r");
                char line[600] = "", line2[600] = "";
                int nl = 0;
                if (fp) {
                    while (fgets(nl ? line2 : line, sizeof line, fp))
                        nl++;
                    fclose(fp);
                }
                printf("bad static (%s): exit %d: %s", extra ? "extra marker" : "LTOE missing",
                       rc, line);
                CHECK("bad static: exit 2, one line naming the group",
                      rc == 2 && nl == 1 && strstr(line, "left") &&
                          strstr(line, extra ? "extra" : "missing"));
            }
        }
        kc_obs_free(o);
        o = NULL;
        /* (d) the drop jump against its labelled-mode output: classified unfiltered
         * (--cutoff none: a 12 Hz filter alone moves some impact frames > 10 mm from the
         * truth, in labelled mode too); RMSE also compared with the default 12 Hz */
        snprintf(path, sizeof path, "%s/s/s%02d/dvj_1.obs.h5", tmp, s);
        for (int filt = 0; filt < 2; filt++) {
            const char *cut = filt ? "12" : "none";
            snprintf(out, sizeof out, "%s/dvj%02d_%s.traj.h5", tmp, s, cut);
            snprintf(ref, sizeof ref, "%s/dvj%02d_%s_ref.traj.h5", tmp, s, cut);
            snprintf(cmd, sizeof cmd, "'%s' --static '%s' --cutoff %s --quiet -o '%s' '%s' '%s' "
                     "&& '%s' --cutoff %s --quiet -o '%s' '%s' '%s'", tri, st_out, cut, out,
                     calib, path, tri, cut, ref, calib, path);
            kc_traj *r = NULL;
            if (CHECK("kc-triangulate --static and labelled mode", run(cmd) == 0) &&
                CHECK("read outputs", kc_traj_read(out, &t) == KC_OK &&
                                          kc_traj_read(ref, &r) == KC_OK && t->truth &&
                                          t->n_markers == r->n_markers)) {
                score sc = {0, 0, 0, 0, 0}, sr = {0, 0, 0, 0, 0};
                double ser = 0, d0 = 0;
                long nc = 0, rm = 0, cov = 0, d1 = 0, d2 = 0, d3 = 0;
                score_traj(t, t->truth, r, &sc, &ser, &nc, &rm, &cov);
                score_traj(r, t->truth, r, &sr, &d0, &d1, &d2, &d3);
                printf("dvj s%02d cutoff %s: measured %ld (labelled mode %ld), correct %ld, "
                       "covered %.3f%%, swapped %ld, far from truth %ld (labelled mode %ld), "
                       "unlabelled tracks %zu; RMSE %.3f vs %.3f mm\n", s, cut, sc.measured, rm,
                       sc.correct, 100.0 * cov / (double)(rm ? rm : 1), sc.swap, sc.ghost,
                       sr.ghost, t->n_unlabelled, sqrt(sc.se / (double)(nc ? nc : 1)),
                       sqrt(ser / (double)(nc ? nc : 1)));
                if (filt) {
                    se12 += sc.se;
                    se12_ref += ser;
                    n12 += nc;
                } else {
                    tot.measured += sc.measured;
                    tot.correct += sc.correct;
                    tot.swap += sc.swap;
                    tot.ghost += sc.ghost;
                    tot.se += sc.se;
                    se_ref += ser;
                    n_common += nc;
                    ref_measured += rm;
                    covered += cov;
                }
            }
            kc_traj_free(t);
            kc_traj_free(r);
            t = NULL;
        }
        /* (f) single-leg squats of the first two subjects (a lifted foot: the legs are
         * seeded by the static's distances), unfiltered */
        for (int side = 0; s <= 2 && side < 2; side++) {
            snprintf(path, sizeof path, "%s/s/s%02d/sls_%c_1.obs.h5", tmp, s, side ? 'R' : 'L');
            snprintf(out, sizeof out, "%s/sls%02d.traj.h5", tmp, s);
            snprintf(ref, sizeof ref, "%s/sls%02d_ref.traj.h5", tmp, s);
            snprintf(cmd, sizeof cmd, "'%s' --static '%s' --cutoff none --quiet -o '%s' '%s' "
                     "'%s' && '%s' --cutoff none --quiet -o '%s' '%s' '%s'", tri, st_out, out,
                     calib, path, tri, ref, calib, path);
            kc_traj *r = NULL;
            if (CHECK("kc-triangulate --static on a single-leg squat", run(cmd) == 0) &&
                CHECK("read outputs", kc_traj_read(out, &t) == KC_OK &&
                                          kc_traj_read(ref, &r) == KC_OK && t->truth)) {
                score sc = {0, 0, 0, 0, 0};
                double ser = 0;
                long nc = 0, rm = 0, cov = 0;
                score_traj(t, t->truth, r, &sc, &ser, &nc, &rm, &cov);
                printf("sls_%c s%02d: labelled-mode marker-frames %ld, labelled correctly %ld "
                       "(%.3f%%), swapped %ld, ghosts %ld\n", side ? 'R' : 'L', s, rm, cov,
                       100.0 * cov / (double)(rm ? rm : 1), sc.swap, sc.ghost);
                CHECK("single-leg squat: >= 99.5% labelled correctly, no swap, no ghost",
                      cov * 1000 >= rm * 995 && sc.swap == 0 && sc.ghost == 0);
            }
            kc_traj_free(t);
            kc_traj_free(r);
            t = NULL;
        }
    }
    /* (g) twice the centroid noise (0.6 px), one subject, --blob-px 3 (5 sigma): static
     * fully labelled, drop jump >= 99.5% correct, no swap, no ghost (unfiltered) */
    snprintf(cmd, sizeof cmd,
             "'%s' session '%s/n' --subjects 1 --trials 1 --sls 0 --seed 23 --spurious 0.05 "
             "--noise-px 0.6 --quiet --no-provenance && '%s' --static-pose --blob-px 3 --quiet "
             "-o '%s/n_static.traj.h5' '%s/n/calib/truth.calib.h5' '%s/n/s01/static.obs.h5' && "
             "'%s' --static '%s/n_static.traj.h5' --blob-px 3 --cutoff none --quiet "
             "-o '%s/n_dvj.traj.h5' '%s/n/calib/truth.calib.h5' '%s/n/s01/dvj_1.obs.h5' && "
             "'%s' --cutoff none --quiet -o '%s/n_ref.traj.h5' '%s/n/calib/truth.calib.h5' "
             "'%s/n/s01/dvj_1.obs.h5'", synth, tmp, tri, tmp, tmp, tmp, tri, tmp, tmp, tmp,
             tmp, tri, tmp, tmp, tmp);
    if (CHECK("0.6 px noise: session and runs", run(cmd) == 0)) {
        kc_traj *a = NULL, *b = NULL;
        snprintf(out, sizeof out, "%s/n_dvj.traj.h5", tmp);
        snprintf(ref, sizeof ref, "%s/n_ref.traj.h5", tmp);
        if (CHECK("read outputs", kc_traj_read(out, &a) == KC_OK &&
                                      kc_traj_read(ref, &b) == KC_OK && a->truth)) {
            score sc = {0, 0, 0, 0, 0};
            double ser = 0;
            long nc = 0, rm = 0, cov = 0;
            score_traj(a, a->truth, b, &sc, &ser, &nc, &rm, &cov);
            printf("0.6 px noise, --blob-px 3: drop jump: labelled-mode marker-frames %ld, "
                   "labelled correctly %ld (%.3f%%), swapped %ld, ghosts %ld\n", rm, cov,
                   100.0 * cov / (double)(rm ? rm : 1), sc.swap, sc.ghost);
            CHECK("0.6 px noise: >= 99.5% labelled correctly, no swap, no ghost",
                  cov * 1000 >= rm * 995 && sc.swap == 0 && sc.ghost == 0);
        }
        kc_traj_free(a);
        kc_traj_free(b);
    }
    double rm_u = sqrt(tot.se / (double)(n_common ? n_common : 1));
    double rm_l = sqrt(se_ref / (double)(n_common ? n_common : 1));
    printf("drop jumps, %d subjects: labelled-mode marker-frames %ld, labelled correctly %ld "
           "(%.3f%%); swaps %ld; ghosts %ld of %ld (%.4f%%); RMSE %.3f mm vs labelled mode "
           "%.3f mm (ratio %.3f)\n", N_SUBJECTS, ref_measured, covered,
           100.0 * covered / (double)(ref_measured ? ref_measured : 1), tot.swap, tot.ghost,
           tot.measured, 100.0 * tot.ghost / (double)(tot.measured ? tot.measured : 1), rm_u,
           rm_l, rm_u / rm_l);
    CHECK("drop jumps: >= 99.5% of marker-frames labelled correctly",
          covered * 1000 >= ref_measured * 995);
    CHECK("drop jumps: no label swap", tot.swap == 0);
    CHECK("drop jumps: ghosts < 0.1%", tot.ghost * 1000 < tot.measured);
    CHECK("drop jumps: 3D RMSE within 10% of labelled mode (unfiltered)", rm_u <= 1.10 * rm_l);
    double r12 = sqrt(se12 / (double)(n12 ? n12 : 1)), r12l = sqrt(se12_ref / (double)(n12 ? n12 : 1));
    printf("drop jumps, 12 Hz: RMSE %.3f mm vs labelled mode %.3f mm (ratio %.3f)\n", r12, r12l,
           r12 / r12l);
    CHECK("drop jumps: 3D RMSE within 10% of labelled mode (12 Hz)", r12 <= 1.10 * r12l);
    kc_calib_free(cal);
    return kc_test_summary("test_unlabelled_label");
}
