/* Calibration captures: a wand of three collinear markers at 0, 150 and 500 mm waved through
 * the volume for ~20 s, and an L-frame of four markers lying on the floor for 2 s; both seen
 * as unlabelled centroids only, with the true marker positions under /truth. */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/status.h"

static const double wand_mm[3] = {0, 150, 500};
static const double lframe_xy[4][2] = {{0, 0}, {300, 0}, {600, 0}, {0, 400}};
#define CAL_MARKER_R 7.0

static int obs_common(kc_obs *o, const sy_rig *rig, const sy_options *opt, const char *capture,
                      size_t F)
{
    o->rate_hz = opt->rate_hz;
    snprintf(o->capture, sizeof o->capture, "%s", capture);
    o->n_cameras = (size_t)rig->n;
    o->camera_names = calloc(o->n_cameras, sizeof *o->camera_names);
    if (!o->camera_names)
        return KC_ENOMEM;
    for (size_t c = 0; c < o->n_cameras; c++)
        if (!(o->camera_names[c] = strdup(rig->cams[c].name)))
            return KC_ENOMEM;
    o->n_frames = F;
    return KC_OK;
}

static int truth_markers(kc_obs *o, const sy_options *opt, const char *prefix, size_t M,
                         const kc_vec3 *mk)
{
    kc_truth *t = kc_truth_alloc();
    if (!t)
        return KC_ENOMEM;
    o->truth = t;
    t->n_frames = o->n_frames;
    t->n_markers = M;
    t->write_labels = 1;
    t->labels = calloc(M, sizeof *t->labels);
    t->markers = malloc(o->n_frames * M * 3 * sizeof *t->markers);
    t->mode = strdup(opt->mode == SY_IDENTITY ? "identity" : "anatomical");
    if (!t->labels || !t->markers || !t->mode)
        return KC_ENOMEM;
    for (size_t m = 0; m < M; m++) {
        char name[32];
        snprintf(name, sizeof name, "%s_%zu", prefix, m);
        if (!(t->labels[m] = strdup(name)))
            return KC_ENOMEM;
    }
    for (size_t i = 0; i < o->n_frames * M; i++) {
        t->markers[3 * i] = mk[i].x;
        t->markers[3 * i + 1] = mk[i].y;
        t->markers[3 * i + 2] = mk[i].z;
    }
    return KC_OK;
}

/* The end of a calibration capture: unless st already failed, the cameras see the markers mk
 * [F][M] (stream a of sy_capture), the truth and the object's geometry (extra <name>_mm, n
 * values) are stored; mk is freed and the observation handed over, or freed on failure. */
static int finish_capture(int st, const sy_rig *rig, const sy_options *opt, kc_obs *o,
                          size_t F, size_t M, kc_vec3 *mk, int stream, const char *name,
                          size_t n, const double *geometry, kc_obs **out)
{
    char extra[32];
    snprintf(extra, sizeof extra, "%s_mm", name);
    if (!st) {
        sy_scene sc = {F, M, mk, NULL, NULL, NULL, NULL, NULL};
        st = sy_capture(rig, opt, &sc, false, stream, 0, o, NULL);
    }
    if (!st)
        st = truth_markers(o, opt, name, M, mk);
    if (!st)
        st = kc_obs_add_extra(o, extra, n, geometry);
    free(mk);
    if (st) {
        kc_obs_free(o);
        return st;
    }
    *out = o;
    return KC_OK;
}

/* a smooth wandering coordinate: three sines of random frequency, scaled to ±amp */
static double wander(const double *f, const double *ph, double t, double amp)
{
    return amp * (0.5 * sin(2 * KC_PI * f[0] * t + ph[0]) + 0.3 * sin(2 * KC_PI * f[1] * t + ph[1]) +
                  0.2 * sin(2 * KC_PI * f[2] * t + ph[2]));
}

int sy_wand_capture(const sy_rig *rig, const sy_options *opt, kc_obs **out)
{
    size_t F = (size_t)floor(opt->wand_s * opt->rate_hz + 1e-9) + 1, M = 3;
    kc_obs *o = kc_obs_alloc();
    kc_vec3 *mk = malloc(F * M * sizeof *mk);
    gsl_rng *r = sy_rng(opt->seed, SY_RNG_WAND, 0, 0, 0);
    int st = (!o || !mk || !r) ? KC_ENOMEM : obs_common(o, rig, opt, "wand", F);
    if (!st) {
        double f[5][3], ph[5][3];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++) {
                f[i][j] = sy_uniform(r, 0.04, 0.22);
                ph[i][j] = sy_uniform(r, 0, 2 * KC_PI);
            }
        double spin = sy_uniform(r, 0.15, 0.3);
        for (size_t k = 0; k < F; k++) {
            double t = (double)k / opt->rate_hz;
            /* centre 300..1900 mm high: the wand (±250 mm about it) stays above the floor */
            kc_vec3 c = kc_v3(-200 + wander(f[0], ph[0], t, 1300), wander(f[1], ph[1], t, 1100),
                              1100 + wander(f[2], ph[2], t, 800));
            double yaw = 2 * KC_PI * spin * t + wander(f[3], ph[3], t, 1.0);
            double pitch = wander(f[4], ph[4], t, 1.2);
            kc_vec3 d = kc_v3(cos(pitch) * cos(yaw), cos(pitch) * sin(yaw), sin(pitch));
            for (size_t m = 0; m < M; m++)
                mk[k * M + m] = kc_v3_axpy(c, wand_mm[m] - 250, d);
        }
    }
    gsl_rng_free(r);
    return finish_capture(st, rig, opt, o, F, M, mk, -1, "wand", 3, wand_mm, out);
}

int sy_lframe_capture(const sy_rig *rig, const sy_options *opt, kc_obs **out)
{
    size_t F = (size_t)floor(2.0 * opt->rate_hz + 1e-9) + 1, M = 4;
    kc_obs *o = kc_obs_alloc();
    kc_vec3 *mk = malloc(F * M * sizeof *mk);
    int st = (!o || !mk) ? KC_ENOMEM : obs_common(o, rig, opt, "lframe", F);
    double lf[12];
    for (size_t m = 0; m < M; m++) {
        lf[3 * m] = lframe_xy[m][0];
        lf[3 * m + 1] = lframe_xy[m][1];
        lf[3 * m + 2] = CAL_MARKER_R;
    }
    if (!st) {
        for (size_t k = 0; k < F; k++)
            for (size_t m = 0; m < M; m++)
                mk[k * M + m] = kc_v3(lf[3 * m], lf[3 * m + 1], lf[3 * m + 2]);
    }
    return finish_capture(st, rig, opt, o, F, M, mk, -2, "lframe", 12, lf, out);
}
