/* kinechain — calibration files (*.calib.h5). */
#include "kinechain/calibfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5io_internal.h"

#define KC_KIND_CALIB "calibration"

kc_calib *kc_calib_alloc(size_t n_cameras)
{
    kc_calib *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cameras = calloc(n_cameras ? n_cameras : 1, sizeof *c->cameras);
    if (!c->cameras) {
        free(c);
        return NULL;
    }
    c->n_cameras = n_cameras;
    for (size_t i = 0; i < n_cameras; i++) {
        c->cameras[i].rms_px = NAN;
        c->cameras[i].n_obs = 0;
    }
    c->rms_px = NAN;
    c->wand_length_rms_mm = NAN;
    return c;
}

void kc_calib_free(kc_calib *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_cameras; i++)
        free(c->cameras[i].covariance);
    free(c->cameras);
    free(c);
}

int kc_calib_find(const kc_calib *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n_cameras; i++)
        if (strcmp(c->cameras[i].cam.name, name) == 0)
            return (int)i;
    return -1;
}

/* Names non-empty, usable as HDF5 link names and unique. */
static int check_names(kc_h5 *h, size_t n, char *const *names, const char *obj)
{
    for (size_t i = 0; i < n; i++) {
        if (!kc_h5_valid_name(names[i]))
            return kc_h5_fail(h, KC_EINVAL, obj, "invalid camera name \"%s\"", names[i]);
        if (strlen(names[i]) >= KC_CAM_NAME_MAX)
            return kc_h5_fail(h, KC_EINVAL, obj, "camera name \"%s\" longer than %d bytes",
                              names[i], KC_CAM_NAME_MAX - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return kc_h5_fail(h, KC_EINVAL, obj, "camera name \"%s\" appears twice",
                                  names[i]);
    }
    return KC_OK;
}

int kc_calib_write(const char *path, const kc_calib *c, const kc_provenance *prov)
{
    kc_h5 *h = NULL;
    char **names = NULL;
    char g[256], p[320];
    int st = kc_h5_create(&h, path, KC_KIND_CALIB, prov);
    if (st)
        return st;
    names = calloc(c->n_cameras ? c->n_cameras : 1, sizeof *names);
    if (!names) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < c->n_cameras; i++)
        names[i] = (char *)c->cameras[i].cam.name;
    if ((st = check_names(h, c->n_cameras, names, "/camera_names")))
        goto fail;
    if ((st = kc_h5_attr_set_str(h, "/", "method", c->method)) ||
        (st = kc_h5_attr_set_f64(h, "/", "rms_px", c->rms_px)) ||
        (st = kc_h5_attr_set_f64(h, "/", "wand_length_rms_mm", c->wand_length_rms_mm)) ||
        (st = kc_h5_write_strings(h, "/camera_names", c->n_cameras,
                                  (const char *const *)names)) ||
        (st = kc_h5_attr_set_str(h, "/camera_names", "dims", "camera")))
        goto fail;
    for (size_t i = 0; i < c->n_cameras; i++) {
        const kc_calib_camera *cc = &c->cameras[i];
        const kc_camera *cam = &cc->cam;
        double K[9] = {cam->fx, 0, cam->cx, 0, cam->fy, cam->cy, 0, 0, 1};
        double dist[5] = {cam->k1, cam->k2, cam->p1, cam->p2, cam->k3};
        double t[3] = {cam->t.x, cam->t.y, cam->t.z};
        int32_t size[2] = {cam->width, cam->height};
        size_t d33[2] = {3, 3}, d5 = 5, d3 = 3, d2 = 2;
        snprintf(g, sizeof g, "/cameras/%s", cam->name);
        if ((st = kc_h5_group(h, g)) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "K"), KC_H5_F64, 2, d33, K, "px",
                              "row,col")) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "dist"), KC_H5_F64, 1, &d5, dist,
                              "1", "k1,k2,p1,p2,k3")) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "R"), KC_H5_F64, 2, d33,
                              &cam->R.m[0][0], "1", "row,col")) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "t"), KC_H5_F64, 1, &d3, t, "mm",
                              "xyz")) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "image_size"), KC_H5_I32, 1, &d2,
                              size, "px", "width,height")) ||
            (st = kc_h5_attr_set_f64(h, g, "rms_px", cc->rms_px)) ||
            (st = kc_h5_attr_set_i64(h, g, "n_obs", cc->n_obs)) ||
            (st = kc_h5_attr_set_str(h, g, "status", cc->excluded ? "excluded" : "ok")))
            goto fail;
        if (cc->covariance) {
            size_t dc[2] = {KC_CAM_NPARAM, KC_CAM_NPARAM};
            if ((st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "covariance"), KC_H5_F64, 2, dc,
                                  cc->covariance, "mixed",
                                  "param,param (fx,fy,cx,cy,k1,k2,p1,p2,k3,rx,ry,rz,tx,ty,tz)")))
                goto fail;
        }
    }
    free(names);
    return kc_h5_commit(h);
fail:
    free(names);
    kc_h5_discard(h);
    return st;
}

static int read_camera(kc_h5 *h, const char *name, kc_calib_camera *cc)
{
    char g[256], p[320];
    void *K = NULL, *dist = NULL, *R = NULL, *t = NULL, *size = NULL, *cov = NULL;
    size_t d33[2] = {3, 3}, d5 = 5, d3 = 3, d2 = 2;
    int st;
    snprintf(g, sizeof g, "/cameras/%s", name);
    if (!kc_h5_exists(h, g)) {
        return kc_h5_fail(h, KC_EMISSING, g, "no such group (camera \"%s\" of /camera_names)",
                          name);
    }
    if ((st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "K"), KC_H5_F64, 2, d33, "[3,3]",
                                &K)) ||
        (st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "dist"), KC_H5_F64, 1, &d5, "[5]",
                                &dist)) ||
        (st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "R"), KC_H5_F64, 2, d33, "[3,3]",
                                &R)) ||
        (st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "t"), KC_H5_F64, 1, &d3, "[3]",
                                &t)) ||
        (st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "image_size"), KC_H5_I32, 1, &d2,
                                "[2]", &size)))
        goto done;
    const double *k = K;
    kc_camera *cam = &cc->cam;
    snprintf(cam->name, sizeof cam->name, "%s", name);
    /* The model has no skew: K must be [fx 0 cx; 0 fy cy; 0 0 1]. */
    if (k[1] != 0 || k[3] != 0 || k[6] != 0 || k[7] != 0 || k[8] != 1) {
        st = kc_h5_fail(h, KC_EINVAL, kc_h5_join(p, sizeof p, g, "K"),
                        "expected [fx 0 cx; 0 fy cy; 0 0 1]");
        goto done;
    }
    cam->fx = k[0];
    cam->cx = k[2];
    cam->fy = k[4];
    cam->cy = k[5];
    const double *dv = dist;
    cam->k1 = dv[0];
    cam->k2 = dv[1];
    cam->p1 = dv[2];
    cam->p2 = dv[3];
    cam->k3 = dv[4];
    memcpy(&cam->R.m[0][0], R, 9 * sizeof(double));
    const double *tv = t;
    cam->t.x = tv[0];
    cam->t.y = tv[1];
    cam->t.z = tv[2];
    const int32_t *sz = size;
    cam->width = sz[0];
    cam->height = sz[1];

    char *status = NULL;
    int64_t n_obs = 0;
    if ((st = kc_h5_attr_get_f64(h, g, "rms_px", &cc->rms_px)) ||
        (st = kc_h5_attr_get_i64(h, g, "n_obs", &n_obs)) ||
        (st = kc_h5_attr_get_str(h, g, "status", &status)))
        goto done;
    cc->n_obs = (long)n_obs;
    if (strcmp(status, "ok") == 0) {
        cc->excluded = false;
    } else if (strcmp(status, "excluded") == 0) {
        cc->excluded = true;
    } else {
        kc_log(KC_LOG_ERROR, __func__,
               "cannot read attribute status of %s in \"%s\": \"%s\", expected \"ok\" or \"excluded\"",
               g, kc_h5_path(h), status);
        st = KC_EINVAL;
    }
    free(status);
    if (st)
        goto done;
    kc_h5_join(p, sizeof p, g, "covariance");
    if (kc_h5_exists(h, p)) {
        size_t dc[2] = {KC_CAM_NPARAM, KC_CAM_NPARAM};
        if ((st = kc_h5_read_shaped(h, p, KC_H5_F64, 2, dc, "[15,15]", &cov)))
            goto done;
        cc->covariance = cov;
        cov = NULL;
    }
    if (kc_camera_check(cam) != KC_OK) {
        st = kc_h5_fail(h, KC_EINVAL, g,
                        "camera \"%s\" is not usable (non-finite values, focal length <= 0, "
                        "R not a rotation, or image size <= 0)",
                        name);
        goto done;
    }
done:
    free(K);
    free(dist);
    free(R);
    free(t);
    free(size);
    free(cov);
    return st;
}

int kc_calib_read(const char *path, kc_calib **out)
{
    kc_h5 *h = NULL;
    kc_calib *c = NULL;
    char **names = NULL;
    size_t n = 0;
    char *method = NULL;
    *out = NULL;
    int st = kc_h5_open(&h, path, KC_KIND_CALIB);
    if (st)
        return st;
    if ((st = kc_h5_read_strings(h, "/camera_names", &n, &names)))
        goto fail;
    if (n == 0) {
        st = kc_h5_fail(h, KC_ESHAPE, "/camera_names", "no cameras");
        goto fail;
    }
    if ((st = check_names(h, n, names, "/camera_names")))
        goto fail;
    if (!(c = kc_calib_alloc(n))) {
        st = KC_ENOMEM;
        goto fail;
    }
    if ((st = kc_h5_attr_get_str(h, "/", "method", &method)) ||
        (st = kc_h5_attr_get_f64(h, "/", "rms_px", &c->rms_px)) ||
        (st = kc_h5_attr_get_f64(h, "/", "wand_length_rms_mm", &c->wand_length_rms_mm)))
        goto fail;
    snprintf(c->method, sizeof c->method, "%s", method);
    for (size_t i = 0; i < n; i++)
        if ((st = read_camera(h, names[i], &c->cameras[i])))
            goto fail;
    kc_strv_free(names, n);
    free(method);
    kc_h5_close(h);
    *out = c;
    return KC_OK;
fail:
    kc_strv_free(names, n);
    free(method);
    kc_calib_free(c);
    kc_h5_close(h);
    return st;
}
