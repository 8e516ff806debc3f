/* kc-synth self-consistency with noise-free centroids (--noise-px 0 --spurious 0 --dropout 0):
 * projecting /truth/markers through calib/truth.calib.h5 with kc_camera_project reproduces
 * every non-NaN /points entry within 1e-9 px, and every NaN has a reason this test can check.
 *
 * usage: test_synth_consistency SESSION_DIR exact|occluded
 *   exact     the session was written with --no-occlusion: a point is NaN exactly when it is
 *             behind the camera, outside the image, or beyond the image corners' radius (where
 *             the distortion model folds back); the centroids of a frame are the labelled
 *             points, shuffled.
 *   occluded  occlusion on: NaN entries that are geometrically visible are occlusions (hidden
 *             by another segment's capsule or facing away); their share must be plausible.
 * Calibration captures (wand, L-frame) are checked in both: each centroid is the projection of
 * a true marker, and with "exact" every visible marker has its centroid.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/calibfile.h"
#include "kinechain/camera.h"
#include "kinechain/cli.h"
#include "kinechain/obsfile.h"
#include "kinechain/table.h"
#include "testutil.h"

/* largest undistorted normalised radius inside the image (its corners) */
static double corner_radius(const kc_camera *c)
{
    double corners[4][2] = {{-0.5, -0.5}, {c->width - 0.5, -0.5}, {-0.5, c->height - 0.5},
                            {c->width - 0.5, c->height - 0.5}};
    double rm = 0;
    for (int k = 0; k < 4; k++) {
        double xn[2];
        if (kc_camera_undistort(c, corners[k], xn) == KC_OK)
            rm = fmax(rm, hypot(xn[0], xn[1]));
    }
    return rm;
}

/* geometric visibility: 1 visible, 0 not (behind, outside, beyond the corners) */
static int visible(const kc_camera *c, double rcorner, const double X[3], double uv[2])
{
    kc_vec3 P = kc_v3(X[0], X[1], X[2]);
    kc_vec3 xc = kc_v3_add(kc_m3_apply(c->R, P), c->t);
    if (!(xc.z > 0) || !kc_camera_project(c, P, uv))
        return 0;
    if (hypot(xc.x / xc.z, xc.y / xc.z) > rcorner * 1.03)
        return 0;
    return kc_camera_in_image(c, uv, 0) ? 1 : 0;
}

static long n_checked = 0;

static void check_trial(const kc_calib *cal, const double *rc, const char *path, bool exact,
                        double *occ_frac)
{
    kc_obs *o = NULL;
    if (kc_obs_read(path, &o) || !o->truth || !o->truth->markers) {
        CHECK(path, false);
        kc_obs_free(o);
        return;
    }
    size_t C = o->n_cameras, F = o->n_frames, M = o->truth->n_markers;
    double worst = 0;
    long bad_nan = 0, bad_seen = 0, n_vis = 0, n_hidden = 0, bad_cen = 0;
    for (size_t c = 0; c < C; c++) {
        int ci = kc_calib_find(cal, o->camera_names[c]);
        if (ci < 0) {
            CHECK("camera of the trial is in truth.calib.h5", false);
            continue;
        }
        const kc_camera *cam = &cal->cameras[ci].cam;
        for (size_t f = 0; f < F; f++) {
            long seen = 0;
            for (size_t m = 0; m < M; m++) {
                const double *X = o->truth->markers + (f * M + m) * 3;
                double uv[2];
                int vis = visible(cam, rc[ci], X, uv);
                n_vis += vis;
                if (o->points) {
                    const double *p = o->points + ((c * F + f) * M + m) * 2;
                    if (isnan(p[0]) || isnan(p[1])) {
                        if (vis && exact)
                            bad_nan++;
                        n_hidden += vis;
                    } else {
                        seen++;
                        n_checked++;
                        if (!vis)
                            bad_seen++;
                        else
                            worst = fmax(worst, fmax(fabs(p[0] - uv[0]), fabs(p[1] - uv[1])));
                    }
                } else if (vis) {
                    seen++;
                }
            }
            /* centroids: every centroid is a visible projection (no spurious blobs); with
             * --no-occlusion every visible marker has its centroid */
            if (o->centroids) {
                const kc_centroids *cn = &o->centroids[c];
                int64_t a = cn->offsets[f], b = cn->offsets[f + 1];
                if (exact && b - a != seen)
                    bad_cen++;
                for (int64_t i = a; i < b; i++) {
                    double best = INFINITY;
                    for (size_t m = 0; m < M; m++) {
                        double uv[2];
                        if (!visible(cam, rc[ci], o->truth->markers + (f * M + m) * 3, uv))
                            continue;
                        best = fmin(best, fmax(fabs(cn->xy[2 * i] - uv[0]),
                                               fabs(cn->xy[2 * i + 1] - uv[1])));
                    }
                    if (!(best <= 1e-9))
                        bad_cen++;
                }
            }
        }
    }
    char what[1200];
    snprintf(what, sizeof what, "%s: non-NaN /points reproduce the projection (px)", path);
    CHECK_NEAR(what, worst, 0, 1e-9);
    snprintf(what, sizeof what, "%s: no point seen where it cannot be", path);
    CHECK(what, bad_seen == 0);
    snprintf(what, sizeof what, "%s: no visible point missing (no occlusion, no dropout)", path);
    CHECK(what, bad_nan == 0);
    snprintf(what, sizeof what, "%s: centroids are the visible projections", path);
    CHECK(what, bad_cen == 0);
    if (occ_frac && o->points && n_vis > 0)
        *occ_frac = (double)n_hidden / (double)n_vis;
    kc_obs_free(o);
}

static int run_checks(const char *dir, bool exact);

/* Without arguments: write two small noise-free sessions with the kc-synth this build made
 * (KC_SYNTH_EXE) and check both. */
int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "test_synth_consistency", argc, argv);
    if (argc >= 3) {
        run_checks(argv[1], !strcmp(argv[2], "exact"));
        return kc_test_summary("test_synth_consistency");
    }
#ifdef KC_SYNTH_EXE
    const char *tmp = kc_test_tmpdir("test_synth_consistency");
    const char *common = "--subjects 2 --trials 1 --cameras 4 --wand-s 3 --noise-px 0 --spurious 0 "
                         "--dropout 0 --seed 5 --quiet";
    char cmd[2048], dir[1024];
    snprintf(dir, sizeof dir, "%s/exact", tmp);
    snprintf(cmd, sizeof cmd, "'%s' session '%s' %s --no-occlusion", KC_SYNTH_EXE, dir, common);
    if (CHECK("kc-synth wrote the exact session", system(cmd) == 0))
        run_checks(dir, true);
    snprintf(dir, sizeof dir, "%s/occluded", tmp);
    snprintf(cmd, sizeof cmd, "'%s' session '%s' %s", KC_SYNTH_EXE, dir, common);
    if (CHECK("kc-synth wrote the occluded session", system(cmd) == 0))
        run_checks(dir, false);
#else
    fprintf(stderr, "usage: test_synth_consistency SESSION_DIR exact|occluded\n");
    return 77;
#endif
    return kc_test_summary("test_synth_consistency");
}

static int run_checks(const char *dir, bool exact)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/calib/truth.calib.h5", dir);
    kc_calib *cal = NULL;
    if (kc_calib_read(path, &cal)) {
        CHECK("truth.calib.h5 readable", false);
        return 1;
    }
    double *rc = calloc(cal->n_cameras, sizeof *rc);
    for (size_t i = 0; i < cal->n_cameras; i++)
        rc[i] = corner_radius(&cal->cameras[i].cam);
    snprintf(path, sizeof path, "%s/calib/wand.obs.h5", dir);
    check_trial(cal, rc, path, exact, NULL);
    snprintf(path, sizeof path, "%s/calib/lframe.obs.h5", dir);
    check_trial(cal, rc, path, exact, NULL);
    snprintf(path, sizeof path, "%s/manifest.csv", dir);
    kc_table *man = NULL;
    if (kc_table_read_csv(path, &man)) {
        CHECK("manifest readable", false);
    } else {
        int c_input = kc_table_find(man, "input");
        for (size_t r = 0; r < kc_table_nrows(man); r++) {
            snprintf(path, sizeof path, "%s/%s", dir, kc_table_get_str(man, r, c_input));
            double occ = NAN;
            check_trial(cal, rc, path, exact, &occ);
            if (!exact) {
                /* hidden behind another segment or facing away: a few to a few tens of % */
                char what[1200];
                snprintf(what, sizeof what, "%s: occluded share of visible points (%.3f)", path, occ);
                CHECK(what, occ > 0.01 && occ < 0.6);
            }
        }
        kc_table_free(man);
    }
    printf("%s: checked %ld labelled points so far\n", dir, n_checked);
    free(rc);
    kc_calib_free(cal);
    return 0;
}
