/* Helpers shared by the triangulation tests: a ring of distorted cameras and a small
 * deterministic random generator (header-only, static functions). */
#ifndef KC_TRI_TESTLIB_H
#define KC_TRI_TESTLIB_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "kinechain/camera.h"

typedef struct tt_rng {
    uint64_t s;
} tt_rng;

static inline double tt_uniform(tt_rng *r)   /* (0, 1) */
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

static inline double tt_gauss(tt_rng *r)
{
    double u = tt_uniform(r), v = tt_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* Camera i of n on a ring of radius 4.5 m at 2.2 m height (alternating 1.2 m), aimed at
 * (0, 0, 900) mm, with Brown–Conrady distortion. */
static inline kc_camera tt_ring_camera(int i, int n)
{
    kc_camera c;
    snprintf(c.name, sizeof c.name, "cam%02d", i + 1);
    double a = 2.0 * 3.14159265358979323846 * (i + 0.37) / n;
    kc_vec3 C = kc_v3(4500.0 * cos(a), 4500.0 * sin(a), i % 2 ? 1200.0 : 2200.0);
    kc_vec3 z = kc_v3_unit(kc_v3_sub(kc_v3(0, 0, 900), C));
    kc_vec3 x = kc_v3_unit(kc_v3_cross(z, kc_v3(0, 0, 1)));
    kc_vec3 y = kc_v3_cross(z, x);
    kc_mat3 R = {{{x.x, x.y, x.z}, {y.x, y.y, y.z}, {z.x, z.y, z.z}}};
    c.R = R;
    kc_vec3 RC = kc_m3_apply(R, C);
    c.t = kc_v3(-RC.x, -RC.y, -RC.z);
    c.fx = 1650.0 + 13.0 * i;
    c.fy = c.fx * 1.0007;
    c.cx = 1023.5 + 3.1 * i;
    c.cy = 767.5 - 2.3 * i;
    c.k1 = -0.071 + 0.003 * i;
    c.k2 = 0.043;
    c.p1 = 0.0007;
    c.p2 = -0.0004;
    c.k3 = -0.009;
    c.width = 2048;
    c.height = 1536;
    return c;
}

#endif
