/* What each camera sees of a scene: projection through the OpenCV model, points behind the
 * camera or outside the image dropped, markers facing away or hidden behind another segment
 * (capsules) dropped, dropouts as short gaps, Gaussian centroid noise, spurious blobs (random
 * and a fixed reflection), centroids shuffled within each frame. */
#include "synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <omp.h>

#include "kinechain/status.h"

/* squared distance between segments p0-p1 and q0-q1 (Ericson, Real-Time Collision Detection,
 * 2005, §5.1.9) */
static double seg_seg_dist2(kc_vec3 p0, kc_vec3 p1, kc_vec3 q0, kc_vec3 q1)
{
    kc_vec3 d1 = kc_v3_sub(p1, p0), d2 = kc_v3_sub(q1, q0), r = kc_v3_sub(p0, q0);
    double a = kc_v3_dot(d1, d1), e = kc_v3_dot(d2, d2), f = kc_v3_dot(d2, r);
    double s, t;
    if (a <= 1e-12 && e <= 1e-12)
        return kc_v3_dot(r, r);
    if (a <= 1e-12) {
        s = 0;
        t = f / e;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    } else {
        double c = kc_v3_dot(d1, r);
        if (e <= 1e-12) {
            t = 0;
            s = -c / a;
            s = s < 0 ? 0 : s > 1 ? 1 : s;
        } else {
            double b = kc_v3_dot(d1, d2), den = a * e - b * b;
            s = den > 1e-12 ? (b * f - c * e) / den : 0;
            s = s < 0 ? 0 : s > 1 ? 1 : s;
            t = (b * s + f) / e;
            if (t < 0) {
                t = 0;
                s = -c / a;
                s = s < 0 ? 0 : s > 1 ? 1 : s;
            } else if (t > 1) {
                t = 1;
                s = (b - c) / a;
                s = s < 0 ? 0 : s > 1 ? 1 : s;
            }
        }
    }
    kc_vec3 c1 = kc_v3_axpy(p0, s, d1), c2 = kc_v3_axpy(q0, t, d2);
    kc_vec3 dd = kc_v3_sub(c1, c2);
    return kc_v3_dot(dd, dd);
}

/* grow-only buffer of centroids */
typedef struct xybuf {
    double *xy;
    size_t n, cap;
} xybuf;

static int xy_push(xybuf *b, double u, double v)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        double *p = realloc(b->xy, cap * 2 * sizeof *p);
        if (!p)
            return KC_ENOMEM;
        b->xy = p;
        b->cap = cap;
    }
    b->xy[2 * b->n] = u;
    b->xy[2 * b->n + 1] = v;
    b->n++;
    return KC_OK;
}

static int capture_camera(const kc_camera *cam, double r_max, const sy_options *opt,
                          const sy_scene *sc, bool labelled, gsl_rng *rng, double *points,
                          kc_centroids *cen, uint8_t *vis)
{
    size_t F = sc->n_frames, M = sc->n_markers;
    kc_vec3 C = kc_camera_centre(cam);
    int *gap = calloc(M, sizeof *gap);
    double *frame_xy = malloc((M + 64) * 2 * sizeof *frame_xy);
    xybuf buf = {NULL, 0, 0};
    cen->offsets = malloc((F + 1) * sizeof *cen->offsets);
    if (!gap || !frame_xy || !cen->offsets) {
        free(gap);
        free(frame_xy);
        return KC_ENOMEM;
    }
    /* a fixed reflection in half of the cameras when spurious blobs are on */
    bool refl = opt->spurious > 0 && gsl_rng_uniform(rng) < 0.5;
    double refl_u = sy_uniform(rng, 0.05, 0.95) * cam->width;
    double refl_v = sy_uniform(rng, 0.05, 0.95) * cam->height;
    const double mean_gap = 6.0;
    double p_start = opt->dropout / mean_gap;
    int st = KC_OK;
    for (size_t f = 0; f < F; f++) {
        cen->offsets[f] = (int64_t)buf.n;
        size_t nf = 0;
        for (size_t m = 0; m < M; m++) {
            kc_vec3 X = sc->mk[f * M + m];
            enum sy_vis why = SY_VIS_SEEN;
            double uv[2] = {NAN, NAN};
            kc_vec3 xc = kc_v3_add(kc_m3_apply(cam->R, X), cam->t);
            if (!isfinite(xc.z) || xc.z <= 0) {
                why = SY_VIS_BEHIND;
            } else if ((xc.x * xc.x + xc.y * xc.y) > r_max * r_max * xc.z * xc.z ||
                       !kc_camera_project(cam, X, uv) || !kc_camera_in_image(cam, uv, 0)) {
                why = SY_VIS_OUTSIDE;
            } else if (sc->normal && opt->occlusion &&
                       kc_v3_dot(sc->normal[f * M + m], kc_v3_unit(kc_v3_sub(C, X))) < -0.09) {
                why = SY_VIS_FACING;
            } else if (sc->cap_a && opt->occlusion) {
                int own = sc->mk_segment ? sc->mk_segment[m] : -1;
                for (int k = 0; k < SY_N_SEGMENTS; k++) {
                    if (k == own)
                        continue;
                    double r = sc->cap_r[k];
                    if (seg_seg_dist2(X, C, sc->cap_a[f * SY_N_SEGMENTS + k],
                                      sc->cap_b[f * SY_N_SEGMENTS + k]) < r * r) {
                        why = SY_VIS_OCCLUDED;
                        break;
                    }
                }
            }
            /* dropouts: short gaps (geometric, mean 6 frames) starting at random */
            if (gap[m] > 0) {
                gap[m]--;
                if (why == SY_VIS_SEEN)
                    why = SY_VIS_DROPOUT;
            } else if (p_start > 0 && gsl_rng_uniform(rng) < p_start) {
                gap[m] = (int)gsl_ran_geometric(rng, 1 / mean_gap) - 1;
                if (why == SY_VIS_SEEN)
                    why = SY_VIS_DROPOUT;
            }
            if (why == SY_VIS_SEEN && opt->noise_px > 0) {
                uv[0] += gsl_ran_gaussian_ziggurat(rng, opt->noise_px);
                uv[1] += gsl_ran_gaussian_ziggurat(rng, opt->noise_px);
                if (!kc_camera_in_image(cam, uv, 0))
                    why = SY_VIS_OUTSIDE;
            }
            if (vis)
                vis[f * M + m] = (uint8_t)why;
            double *pt = labelled ? &points[(f * M + m) * 2] : NULL;
            if (why == SY_VIS_SEEN) {
                if (pt) {
                    pt[0] = uv[0];
                    pt[1] = uv[1];
                }
                frame_xy[2 * nf] = uv[0];
                frame_xy[2 * nf + 1] = uv[1];
                nf++;
            } else if (pt) {
                pt[0] = pt[1] = NAN;
            }
        }
        /* spurious blobs */
        if (opt->spurious > 0) {
            unsigned n_sp = gsl_ran_poisson(rng, opt->spurious * (double)M);
            for (unsigned i = 0; i < n_sp && nf < M + 63; i++) {
                frame_xy[2 * nf] = sy_uniform(rng, 0, cam->width - 1);
                frame_xy[2 * nf + 1] = sy_uniform(rng, 0, cam->height - 1);
                nf++;
            }
            if (refl && gsl_rng_uniform(rng) < 0.9 && nf < M + 64) {
                frame_xy[2 * nf] = refl_u + gsl_ran_gaussian_ziggurat(rng, 0.05);
                frame_xy[2 * nf + 1] = refl_v + gsl_ran_gaussian_ziggurat(rng, 0.05);
                nf++;
            }
        }
        /* shuffle within the frame (Fisher-Yates) */
        for (size_t i = nf; i > 1; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(rng, (unsigned long)i);
            double u = frame_xy[2 * (i - 1)], v = frame_xy[2 * (i - 1) + 1];
            frame_xy[2 * (i - 1)] = frame_xy[2 * j];
            frame_xy[2 * (i - 1) + 1] = frame_xy[2 * j + 1];
            frame_xy[2 * j] = u;
            frame_xy[2 * j + 1] = v;
        }
        for (size_t i = 0; i < nf && !st; i++)
            st = xy_push(&buf, frame_xy[2 * i], frame_xy[2 * i + 1]);
        if (st)
            break;
    }
    cen->offsets[F] = (int64_t)buf.n;
    cen->n = buf.n;
    cen->xy = buf.xy ? buf.xy : malloc(2 * sizeof(double));
    free(gap);
    free(frame_xy);
    if (!st && !cen->xy)
        st = KC_ENOMEM;
    return st;
}

int sy_capture(const sy_rig *rig, const sy_options *opt, const sy_scene *sc, bool labelled,
               int stream_a, int stream_b, kc_obs *obs, uint8_t *vis_out)
{
    size_t C = (size_t)rig->n, F = sc->n_frames, M = sc->n_markers;
    obs->centroids = calloc(C, sizeof *obs->centroids);
    if (!obs->centroids)
        return KC_ENOMEM;
    if (labelled) {
        obs->points = malloc(C * F * M * 2 * sizeof *obs->points);
        if (!obs->points)
            return KC_ENOMEM;
    }
    int status = KC_OK;
    int nested = omp_in_parallel();
#pragma omp parallel for schedule(dynamic, 1) if (!nested) reduction(min : status)
    for (int c = 0; c < (int)C; c++) {
        gsl_rng *rng = sy_rng(opt->seed, SY_RNG_CAMERA, stream_a, stream_b, c);
        int st = rng ? capture_camera(&rig->cams[c], rig->r_max[c], opt, sc, labelled, rng,
                                      labelled ? obs->points + (size_t)c * F * M * 2 : NULL,
                                      &obs->centroids[c], vis_out ? vis_out + (size_t)c * F * M : NULL)
                     : KC_ENOMEM;
        gsl_rng_free(rng);
        if (st < status)
            status = st;
    }
    return status;
}
