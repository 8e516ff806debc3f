/* kc-calib import/export: format dispatch and what the format readers share. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_linalg.h>

#include "calibio.h"
#include "kinechain/log.h"

kc_calibio_params kc_calibio_default_params(void)
{
    kc_calibio_params p = {1000.0, 64.0};
    return p;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

kc_calib_format kc_calibio_format_of(const char *path)
{
    if (ends_with(path, ".toml"))
        return KC_CALIB_FMT_TOML;
    if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
        return KC_CALIB_FMT_YAML;
    if (ends_with(path, ".qca.txt") || ends_with(path, ".qca.xml"))
        return KC_CALIB_FMT_QCA;
    return KC_CALIB_FMT_UNKNOWN;
}

static int check_params(const kc_calibio_params *p)
{
    if (!(p->units_mm > 0 && p->units_mm <= 1e6 && p->qca_dist_scale > 0 &&
          isfinite(p->qca_dist_scale))) {
        KC_ERROR("import/export parameters out of range (units_mm %g, qca_dist_scale %g)",
                 p->units_mm, p->qca_dist_scale);
        return KC_EINVAL;
    }
    return KC_OK;
}

int kc_calibio_import(const char *path, const kc_calibio_params *p, kc_calib **out)
{
    *out = NULL;
    int st = check_params(p);
    if (st)
        return st;
    switch (kc_calibio_format_of(path)) {
    case KC_CALIB_FMT_TOML: return kc_calibio_import_toml(path, p, out);
    case KC_CALIB_FMT_YAML: return kc_calibio_import_yaml(path, p, out);
    case KC_CALIB_FMT_QCA: return kc_calibio_import_qca(path, p, out);
    default:
        KC_ERROR("\"%s\": unknown calibration format (expected .toml, .yaml, .yml or .qca.txt)",
                 path);
        return KC_EINVAL;
    }
}

int kc_calibio_export(const kc_calib *c, const char *path, const kc_calibio_params *p)
{
    int st = check_params(p);
    if (st)
        return st;
    switch (kc_calibio_format_of(path)) {
    case KC_CALIB_FMT_TOML: return kc_calibio_export_toml(c, path, p);
    case KC_CALIB_FMT_YAML: return kc_calibio_export_yaml(c, path, p);
    default:
        KC_ERROR("\"%s\": cannot export to this format (expected .toml, .yaml or .yml)", path);
        return KC_EINVAL;
    }
}

int kc_calibio_slurp(const char *path, char **text, size_t *len)
{
    *text = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        KC_ERROR("cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    size_t cap = 1 << 16, n = 0;
    const size_t max = (size_t)64 << 20;
    char *buf = malloc(cap + 1);
    int st = KC_ENOMEM;
    if (!buf)
        goto fail;
    for (;;) {
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (n < cap)
            break;
        if (cap >= max) {
            KC_ERROR("\"%s\" is larger than 64 MiB: not a calibration file", path);
            st = KC_EFORMAT;
            goto fail;
        }
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb)
            goto fail;
        buf = nb;
        cap *= 2;
    }
    if (ferror(fp)) {
        KC_ERROR("cannot read \"%s\": %s", path, strerror(errno));
        st = KC_EIO;
        goto fail;
    }
    fclose(fp);
    buf[n] = '\0';
    *text = buf;
    if (len)
        *len = n;
    return KC_OK;
fail:
    free(buf);
    fclose(fp);
    return st;
}

/* The rotation nearest to M in the Frobenius norm, U·Vᵀ of M's SVD (with det +1). */
static int nearest_rotation(const double M[9], double R[9])
{
    gsl_matrix *U = gsl_matrix_alloc(3, 3), *V = gsl_matrix_alloc(3, 3);
    gsl_vector *s = gsl_vector_alloc(3), *w = gsl_vector_alloc(3);
    int st = KC_ENOMEM;
    if (!U || !V || !s || !w)
        goto done;
    for (int i = 0; i < 9; i++)
        gsl_matrix_set(U, i / 3, i % 3, M[i]);
    st = KC_ENUMERIC;
    if (gsl_linalg_SV_decomp(U, V, s, w))
        goto done;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double a = 0;
            for (int k = 0; k < 3; k++)
                a += gsl_matrix_get(U, i, k) * gsl_matrix_get(V, j, k);
            R[3 * i + j] = a;
        }
    double det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
                 R[2] * (R[3] * R[7] - R[4] * R[6]);
    st = det > 0 ? KC_OK : KC_ENUMERIC;   /* a reflection is not a rotation */
done:
    gsl_matrix_free(U);
    gsl_matrix_free(V);
    gsl_vector_free(s);
    gsl_vector_free(w);
    return st;
}

int kc_calibio_set_camera(kc_camera *cam, const char *path, const char *name, const double K[9],
                          const double *dist, size_t n_dist, const double R[9],
                          const double t_mm[3], double width, double height)
{
    if (strlen(name) == 0 || strlen(name) >= KC_CAM_NAME_MAX) {
        KC_ERROR("\"%s\": camera name \"%s\" is empty or longer than %d bytes", path, name,
                 KC_CAM_NAME_MAX - 1);
        return KC_EINVAL;
    }
    memset(cam, 0, sizeof *cam);
    snprintf(cam->name, sizeof cam->name, "%s", name);
    if (fabs(K[1]) > 1e-9 * fabs(K[0]) || K[3] != 0 || K[6] != 0 || K[7] != 0 || K[8] != 1) {
        KC_ERROR("\"%s\", camera \"%s\": the camera matrix is not [fx 0 cx; 0 fy cy; 0 0 1] "
                 "(skew is not supported)", path, name);
        return KC_EINVAL;
    }
    cam->fx = K[0], cam->cx = K[2], cam->fy = K[4], cam->cy = K[5];
    double d[5] = {0, 0, 0, 0, 0};
    if (n_dist != 4 && n_dist != 5 && n_dist != 0) {
        KC_ERROR("\"%s\", camera \"%s\": %zu distortion coefficients (expected 4 or 5: k1, k2, "
                 "p1, p2[, k3])", path, name, n_dist);
        return KC_ESHAPE;
    }
    for (size_t i = 0; i < n_dist; i++)
        d[i] = dist[i];
    cam->k1 = d[0], cam->k2 = d[1], cam->p1 = d[2], cam->p2 = d[3], cam->k3 = d[4];
    double dev = 0;   /* max |RRᵀ - I| */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double a = 0;
            for (int k = 0; k < 3; k++)
                a += R[3 * i + k] * R[3 * j + k];
            dev = fmax(dev, fabs(a - (i == j)));
        }
    double Rn[9];
    memcpy(Rn, R, sizeof Rn);
    if (!(dev <= 1e-4) || (dev > 1e-12 && nearest_rotation(R, Rn))) {
        KC_ERROR("\"%s\", camera \"%s\": the rotation is not a rotation matrix (|R·Rᵀ - I| = "
                 "%.3g)", path, name, dev);
        return KC_EINVAL;
    }
    for (int i = 0; i < 9; i++)
        cam->R.m[i / 3][i % 3] = Rn[i];
    cam->t = kc_v3(t_mm[0], t_mm[1], t_mm[2]);
    if (!(width >= 1 && height >= 1 && width <= 1e5 && height <= 1e5 &&
          width == floor(width) && height == floor(height))) {
        KC_ERROR("\"%s\", camera \"%s\": image size %g x %g is not a width and height in whole "
                 "pixels", path, name, width, height);
        return KC_EINVAL;
    }
    cam->width = (int)width;
    cam->height = (int)height;
    if (kc_camera_check(cam)) {
        KC_ERROR("\"%s\", camera \"%s\": not a usable camera (non-finite value, or focal length "
                 "not positive)", path, name);
        return KC_EINVAL;
    }
    return KC_OK;
}
