/* Calibration captures: a wand of three collinear markers at 0, 150 and 500 mm swept through
 * the whole volume (default 20 s), and an L-frame of four markers lying on the floor for 2 s;
 * both seen as unlabelled centroids only, with the true marker positions under /truth. */
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
    /* each camera's image size (width, height per camera of /camera_names, px): kc-calib
     * takes it from here rather than from the centroids' extent */
    double *sz = malloc(2 * o->n_cameras * sizeof *sz);
    if (!sz)
        return KC_ENOMEM;
    for (size_t c = 0; c < o->n_cameras; c++) {
        sz[2 * c] = rig->cams[c].width;
        sz[2 * c + 1] = rig->cams[c].height;
    }
    int st = kc_obs_add_extra(o, "image_size", 2 * o->n_cameras, sz);
    free(sz);
    return st;
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

/* The wand capture sweeps the capture volume the way a person calibrating a lab does it:
 * walking lanes across the floor area (a lawnmower path, alternately along x and along y) at
 * four heights from near the floor to above the head, waving the wand in loops on the way and
 * turning it through all orientations, so that every camera sees the wand over most of its
 * image (a camera's principal point and distortion are only determined where it saw the wand;
 * with the wand confined to the middle of the volume, a principal point error trades against
 * a rotation of the camera). The geometry of the sweep does not depend on the capture's
 * length: a shorter capture samples the same path (about 85 m) more sparsely (at 10 s an
 * 8 m/s sweep no person manages, a real one takes a minute or two; the calibration sees
 * frames, not seconds). */
#define VOL_X (-200.0)      /* centre of the swept floor area, mm (the rig's aim point) */
#define VOL_HALF 1800.0     /* half side of the swept square, mm (cameras are 4-5 m away) */
#define N_LAYERS 4
#define N_LANES 4
#define N_LOOPS 40.0        /* waving loops over the whole sweep */
#define LOOP_MM 300.0       /* their horizontal amplitude, mm */
#define LOOP_Z_MM 200.0     /* and vertical */
#define WAND_FLOOR 40.0     /* lowest marker height, mm */
#define WAND_TOP 2400.0     /* highest marker height (a raised arm), mm */
static const double layer_z[N_LAYERS] = {380, 950, 1550, 2100};

int sy_wand_capture(const sy_rig *rig, const sy_options *opt, kc_obs **out)
{
    size_t F = (size_t)floor(opt->wand_s * opt->rate_hz + 1e-9) + 1, M = 3;
    enum { NW = 2 * N_LAYERS * N_LANES };
    kc_obs *o = kc_obs_alloc();
    kc_vec3 *mk = malloc(F * M * sizeof *mk);
    gsl_rng *r = sy_rng(opt->seed, SY_RNG_WAND, 0, 0, 0);
    int st = (!o || !mk || !r) ? KC_ENOMEM : obs_common(o, rig, opt, "wand", F);
    if (!st) {
        /* the lanes' end points, lane positions and heights jittered per seed */
        kc_vec3 wp[NW];
        double cum[NW];
        int n = 0;
        for (int l = 0; l < N_LAYERS; l++)
            for (int j = 0; j < N_LANES; j++) {
                double across = -VOL_HALF + 2 * VOL_HALF * j / (N_LANES - 1) + sy_uniform(r, -100, 100);
                double z = layer_z[l] + sy_uniform(r, -60, 60);
                for (int e = 0; e < 2; e++) {
                    double along = ((j + e) % 2 ? VOL_HALF : -VOL_HALF) + sy_uniform(r, -100, 100);
                    wp[n++] = l % 2 ? kc_v3(VOL_X + across, along, z) : kc_v3(VOL_X + along, across, z);
                }
            }
        cum[0] = 0;
        for (int i = 1; i < NW; i++)
            cum[i] = cum[i - 1] + kc_v3_norm(kc_v3_sub(wp[i], wp[i - 1]));
        double ph[8];
        for (int i = 0; i < 8; i++)
            ph[i] = sy_uniform(r, 0, 2 * KC_PI);
        double yaw_turns = sy_uniform(r, 20, 26), pitch_cycles = sy_uniform(r, 14, 18);
        int seg = 1;
        for (size_t k = 0; k < F; k++) {
            double u = F > 1 ? (double)k / (double)(F - 1) : 0, s = u * cum[NW - 1];
            while (seg < NW - 1 && s > cum[seg])
                seg++;
            /* eased along each lane: the walker slows down at the lane ends, which are the
             * edges of the volume and of the images */
            double a = (s - cum[seg - 1]) / (cum[seg] - cum[seg - 1]);
            a = a * a * (3 - 2 * a);
            kc_vec3 c = kc_v3_add(wp[seg - 1], kc_v3_scale(kc_v3_sub(wp[seg], wp[seg - 1]), a));
            double w = 2 * KC_PI * N_LOOPS * u;   /* a figure of eight with some wobble */
            c = kc_v3_add(c, kc_v3(LOOP_MM * sin(w + ph[0]), LOOP_MM * sin(2 * w + ph[1]),
                                   LOOP_Z_MM * sin(1.3 * w + ph[2])));
            double yaw = 2 * KC_PI * yaw_turns * u + 0.6 * sin(2 * KC_PI * 7.3 * u + ph[3]);
            double pitch = 1.0 * sin(2 * KC_PI * pitch_cycles * u + ph[4]) +
                           0.25 * sin(2 * KC_PI * 5.1 * u + ph[5]);
            kc_vec3 d = kc_v3(cos(pitch) * cos(yaw), cos(pitch) * sin(yaw), sin(pitch));
            /* the wand (±250 mm about its centre) between the floor and a raised hand */
            double half = 250 * fabs(d.z);
            c.z = fmin(fmax(c.z, WAND_FLOOR + half), WAND_TOP - half);
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
