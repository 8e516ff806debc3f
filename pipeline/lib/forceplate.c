/* kinechain — force plates in observations and trajectories (/forceplates/<i>). */
#include "kinechain/forceplate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/h5io.h"
#include "h5io_internal.h"

static double *nan_array(size_t n)
{
    double *v = kc_malloc_array(n, sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++)
            v[i] = NAN;
    return v;
}

int kc_forceplate_alloc(kc_forceplate *fp, size_t n)
{
    if (n > ((size_t)-1) / 3)
        return KC_ENOMEM;
    fp->n = n;
    fp->force = nan_array(3 * n);
    fp->moment = nan_array(3 * n);
    fp->cop = nan_array(3 * n);
    if (!fp->force || !fp->moment || !fp->cop) {
        kc_forceplate_free_arrays(fp);
        return KC_ENOMEM;
    }
    return KC_OK;
}

void kc_forceplate_free_arrays(kc_forceplate *fp)
{
    if (!fp)
        return;
    free(fp->force);
    free(fp->moment);
    free(fp->cop);
    fp->force = fp->moment = fp->cop = NULL;
    fp->n = 0;
}

void kc_forceplates_free(kc_forceplate *fp, size_t n)
{
    if (!fp)
        return;
    for (size_t i = 0; i < n; i++)
        kc_forceplate_free_arrays(&fp[i]);
    free(fp);
}

int kc_forceplates_write(kc_h5 *h, size_t n, const kc_forceplate *fp)
{
    int st = KC_OK;
    char g[64], p[96];
    if (n == 0)
        return KC_OK;
    if ((st = kc_h5_group(h, "/forceplates")))
        return st;
    for (size_t i = 0; i < n && !st; i++) {
        const kc_forceplate *f = &fp[i];
        size_t dims[2] = {f->n, 3};
        size_t cdims[2] = {4, 3};
        if (!(f->rate_hz > 0) || !isfinite(f->rate_hz))
            return kc_h5_fail(h, KC_EINVAL, "/forceplates", "plate %zu: rate_hz must be > 0", i);
        snprintf(g, sizeof g, "/forceplates/%zu", i);
        if ((st = kc_h5_group(h, g)) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "force"), KC_H5_F64, 2, dims,
                              f->force, "N", "sample,xyz")) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "moment"), KC_H5_F64, 2, dims,
                              f->moment, "N·mm", "sample,xyz")) ||
            (st = kc_h5_write(h, kc_h5_join(p, sizeof p, g, "cop"), KC_H5_F64, 2, dims, f->cop,
                              "mm", "sample,xyz")) ||
            (st = kc_h5_attr_set_f64(h, g, "rate_hz", f->rate_hz)) ||
            (st = kc_h5_attr_set_f64_array(h, g, "corners", 2, cdims, &f->corners[0][0])) ||
            (st = kc_h5_attr_set_f64v(h, g, "origin", 3, f->origin)))
            return st;
    }
    return st;
}

int kc_forceplates_read(kc_h5 *h, size_t *n_out, kc_forceplate **fp_out)
{
    int st = KC_OK;
    size_t nm = 0;
    char **members = NULL;
    kc_forceplate *fp = NULL;
    size_t n = 0;
    char g[64], p[96];

    *n_out = 0;
    *fp_out = NULL;
    if (!kc_h5_exists(h, "/forceplates"))
        return KC_OK;
    if ((st = kc_h5_list(h, "/forceplates", &nm, &members)))
        return st;
    /* Plates are numbered 0, 1, ...; other members (from a newer minor version) are
     * ignored, but the numbering must have no holes. */
    for (size_t i = 0; i < nm; i++) {
        snprintf(g, sizeof g, "/forceplates/%zu", n);
        if (kc_h5_exists(h, g))
            n++;
    }
    kc_strv_free(members, nm);
    if (n == 0)
        return KC_OK;
    fp = calloc(n, sizeof *fp);
    if (!fp)
        return KC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        kc_forceplate *f = &fp[i];
        size_t dims[2] = {0, 3};
        void *v = NULL;
        snprintf(g, sizeof g, "/forceplates/%zu", i);
        if ((st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "force"), KC_H5_F64, 2, dims,
                                    "[Fa,3]", &v)))
            goto fail;
        f->force = v;
        f->n = dims[0];
        dims[0] = f->n;
        if ((st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "moment"), KC_H5_F64, 2, dims,
                                    "[Fa,3]", &v)))
            goto fail;
        f->moment = v;
        dims[0] = f->n;
        if ((st = kc_h5_read_shaped(h, kc_h5_join(p, sizeof p, g, "cop"), KC_H5_F64, 2, dims,
                                    "[Fa,3]", &v)))
            goto fail;
        f->cop = v;
        if ((st = kc_h5_attr_get_f64(h, g, "rate_hz", &f->rate_hz)) ||
            (st = kc_h5_attr_get_f64v(h, g, "corners", 12, &f->corners[0][0])) ||
            (st = kc_h5_attr_get_f64v(h, g, "origin", 3, f->origin)))
            goto fail;
        if (!(f->rate_hz > 0) || !isfinite(f->rate_hz)) {
            st = kc_h5_fail(h, KC_EINVAL, g, "rate_hz = %g, expected > 0", f->rate_hz);
            goto fail;
        }
    }
    *n_out = n;
    *fp_out = fp;
    return KC_OK;
fail:
    kc_forceplates_free(fp, n);
    return st;
}
