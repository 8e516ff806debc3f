/* The camera ring: N cameras on a circle of radius 4-5 m, 2-2.8 m high, aimed at the volume
 * centre (~0.9 m high) with jitter; 1-2 MP sensors, OpenCV intrinsics and distortion. */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kinechain/log.h"
#include "kinechain/status.h"

/* the volume the subjects use: box at x ≈ -0.45 m, plates at x = 0 */
#define AIM_X (-200.0)
#define AIM_Z 900.0

/* radial distortion factor d(r) = r(1 + k1 r² + k2 r⁴) must increase up to r_lim */
static bool monotone(double k1, double k2, double rlim)
{
    for (double r = 0; r <= rlim; r += rlim / 200) {
        double r2 = r * r;
        if (1 + 3 * k1 * r2 + 5 * k2 * r2 * r2 <= 0.05)
            return false;
    }
    return true;
}

int sy_rig_make(sy_rig *rig, const sy_options *opt)
{
    rig->n = opt->n_cameras;
    rig->cams = calloc((size_t)rig->n, sizeof *rig->cams);
    rig->r_max = calloc((size_t)rig->n, sizeof *rig->r_max);
    if (!rig->cams || !rig->r_max) {
        sy_rig_free(rig);
        return KC_ENOMEM;
    }
    static const int sizes[4][2] = {{1280, 1024}, {1600, 1200}, {1440, 1080}, {1920, 1080}};
    for (int i = 0; i < rig->n; i++) {
        gsl_rng *r = sy_rng(opt->seed, SY_RNG_RIG, i, 0, 0);
        if (!r) {
            sy_rig_free(rig);
            return KC_ENOMEM;
        }
        kc_camera *c = &rig->cams[i];
        snprintf(c->name, sizeof c->name, "cam%02d", i + 1);
        int sz = (int)gsl_rng_uniform_int(r, 4);
        c->width = sizes[sz][0];
        c->height = sizes[sz][1];
        double f = sy_uniform(r, 0.8, 1.3) * c->width;
        c->fx = f;
        c->fy = f * (1 + sy_gauss(r, 5e-4));
        c->cx = (c->width - 1) / 2.0 + sy_gauss(r, 8);
        c->cy = (c->height - 1) / 2.0 + sy_gauss(r, 8);
        double rd = hypot(c->width / 2.0 / c->fx, c->height / 2.0 / c->fy);
        do {
            c->k1 = sy_uniform(r, -0.3, 0.1);
            c->k2 = sy_uniform(r, -0.05, 0.05);
        } while (!monotone(c->k1, c->k2, 1.35 * rd));
        c->p1 = sy_uniform(r, -1e-3, 1e-3);
        c->p2 = sy_uniform(r, -1e-3, 1e-3);
        c->k3 = 0;
        /* pose: on the ring, looking at the aim point */
        double ang = 2 * KC_PI * i / rig->n + sy_uniform(r, -8, 8) * KC_DEG + KC_PI / rig->n;
        double rad = sy_uniform(r, 4000, 5000);
        kc_vec3 C = kc_v3(AIM_X + rad * cos(ang), rad * sin(ang), sy_uniform(r, 2000, 2800));
        kc_vec3 aim = kc_v3(AIM_X + sy_gauss(r, 100), sy_gauss(r, 100), AIM_Z + sy_gauss(r, 80));
        kc_vec3 fwd = kc_v3_unit(kc_v3_sub(aim, C));
        kc_vec3 right = kc_v3_unit(kc_v3_cross(fwd, kc_v3(0, 0, 1)));
        kc_vec3 down = kc_v3_cross(fwd, right);
        kc_mat3 R0 = {{{right.x, right.y, right.z}, {down.x, down.y, down.z},
                       {fwd.x, fwd.y, fwd.z}}};
        c->R = kc_m3_mul(kc_m3_rotz(sy_uniform(r, -2, 2) * KC_DEG), R0);   /* roll */
        c->t = kc_v3_scale(kc_m3_apply(c->R, C), -1);
        /* the largest undistorted radius that is still inside the image (corners) */
        double rm = 0;
        double corners[4][2] = {{-0.5, -0.5}, {c->width - 0.5, -0.5}, {-0.5, c->height - 0.5},
                                {c->width - 0.5, c->height - 0.5}};
        for (int k = 0; k < 4; k++) {
            double xn[2];
            if (kc_camera_undistort(c, corners[k], xn) == KC_OK)
                rm = fmax(rm, hypot(xn[0], xn[1]));
            else
                rm = fmax(rm, 1.35 * rd);
        }
        rig->r_max[i] = fmin(rm * 1.03, 1.35 * rd);
        gsl_rng_free(r);
        if (kc_camera_check(c) != KC_OK) {
            KC_ERROR("synthetic camera %s is invalid", c->name);
            sy_rig_free(rig);
            return KC_ENUMERIC;
        }
    }
    return KC_OK;
}

void sy_rig_free(sy_rig *rig)
{
    free(rig->cams);
    free(rig->r_max);
    rig->cams = NULL;
    rig->r_max = NULL;
    rig->n = 0;
}
