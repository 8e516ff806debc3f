/* kinechain — observations (*.obs.h5): what the cameras saw. */
#include "kinechain/obsfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5io_internal.h"

#define KC_KIND_OBS "observations"

kc_obs *kc_obs_alloc(void)
{
    return calloc(1, sizeof(kc_obs));
}

void kc_obs_free(kc_obs *o)
{
    if (!o)
        return;
    free(o->subject);
    free(o->trial);
    free(o->task);
    if (o->centroids) {
        for (size_t c = 0; c < o->n_cameras; c++) {
            free(o->centroids[c].xy);
            free(o->centroids[c].offsets);
        }
        free(o->centroids);
    }
    kc_strv_free(o->camera_names, o->n_cameras);
    kc_strv_free(o->labels, o->n_markers);
    free(o->points);
    free(o->weights);
    kc_forceplates_free(o->forceplates, o->n_forceplates);
    kc_truth_free(o->truth);
    for (size_t i = 0; i < o->n_extra; i++) {
        free(o->extra_names[i]);
        free(o->extra_values[i]);
    }
    free(o->extra_names);
    free(o->extra_values);
    free(o->extra_lengths);
    free(o);
}

int kc_obs_add_extra(kc_obs *o, const char *name, size_t n, const double *v)
{
    if (!name || !*name || n == 0)
        return KC_EINVAL;
    size_t k = o->n_extra;
    char **names = realloc(o->extra_names, (k + 1) * sizeof *names);
    if (!names)
        return KC_ENOMEM;
    o->extra_names = names;
    double **values = realloc(o->extra_values, (k + 1) * sizeof *values);
    if (!values)
        return KC_ENOMEM;
    o->extra_values = values;
    size_t *lengths = realloc(o->extra_lengths, (k + 1) * sizeof *lengths);
    if (!lengths)
        return KC_ENOMEM;
    o->extra_lengths = lengths;
    char *nm = strdup(name);
    double *vv = kc_malloc_array(n, sizeof *vv);
    if (!nm || !vv) {
        free(nm);
        free(vv);
        return KC_ENOMEM;
    }
    memcpy(vv, v, n * sizeof *vv);
    names[k] = nm;
    values[k] = vv;
    lengths[k] = n;
    o->n_extra = k + 1;
    return KC_OK;
}

const double *kc_obs_extra(const kc_obs *o, const char *name, size_t *n)
{
    for (size_t i = 0; o && name && i < o->n_extra; i++)
        if (strcmp(o->extra_names[i], name) == 0) {
            if (n)
                *n = o->extra_lengths[i];
            return o->extra_values[i];
        }
    if (n)
        *n = 0;
    return NULL;
}

/* Root attributes the format defines; any other numeric root attribute is an "extra". */
static bool is_reserved_attr(const char *name)
{
    static const char *const reserved[] = {"schema", "schema_version", "kind", "created_by",
                                           "created_at", "rate_hz", "capture", "subject",
                                           "trial", "task", NULL};
    for (int i = 0; reserved[i]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return true;
    return false;
}

static int check_camera_names(kc_h5 *h, size_t n, char *const *names)
{
    if (n == 0)
        return kc_h5_fail(h, KC_ESHAPE, "/camera_names", "no cameras");
    for (size_t i = 0; i < n; i++) {
        if (!kc_h5_valid_name(names[i]))
            return kc_h5_fail(h, KC_EINVAL, "/camera_names", "invalid camera name \"%s\"",
                              names[i] ? names[i] : "(null)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return kc_h5_fail(h, KC_EINVAL, "/camera_names",
                                  "camera name \"%s\" appears twice", names[i]);
    }
    return KC_OK;
}

int kc_obs_write(const char *path, const kc_obs *o, const kc_provenance *prov)
{
    kc_h5 *h = NULL;
    char p[512];
    int st = kc_h5_create(&h, path, KC_KIND_OBS, prov);
    if (st)
        return st;
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers;
    if (!(o->rate_hz > 0) || !isfinite(o->rate_hz)) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "rate_hz = %g, expected > 0", o->rate_hz);
        goto fail;
    }
    if ((st = check_camera_names(h, C, o->camera_names)))
        goto fail;
    if (o->points && M > 0 && !o->labels) {
        st = kc_h5_fail(h, KC_EINVAL, "/labels", "points without labels");
        goto fail;
    }
    if (!o->points && !o->centroids) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "neither labelled points nor centroids to write");
        goto fail;
    }
    if ((st = kc_h5_attr_set_f64(h, "/", "rate_hz", o->rate_hz)) ||
        (st = kc_h5_attr_set_str(h, "/", "capture", o->capture)) ||
        (o->subject && (st = kc_h5_attr_set_str(h, "/", "subject", o->subject))) ||
        (o->trial && (st = kc_h5_attr_set_str(h, "/", "trial", o->trial))) ||
        (o->task && (st = kc_h5_attr_set_str(h, "/", "task", o->task))))
        goto fail;
    for (size_t i = 0; i < o->n_extra; i++) {
        if (is_reserved_attr(o->extra_names[i])) {
            st = kc_h5_fail(h, KC_EINVAL, "/", "extra attribute \"%s\" has a reserved name",
                            o->extra_names[i]);
            goto fail;
        }
        /* The contract gives an L-frame's markers as [4,3]; other extras are 1-D. */
        size_t n = o->extra_lengths[i];
        size_t d2[2] = {n / 3, 3};
        bool points = strcmp(o->extra_names[i], "lframe_mm") == 0 && n % 3 == 0;
        if ((st = points ? kc_h5_attr_set_f64_array(h, "/", o->extra_names[i], 2, d2,
                                                    o->extra_values[i])
                         : kc_h5_attr_set_f64v(h, "/", o->extra_names[i], n, o->extra_values[i])))
            goto fail;
    }
    if ((st = kc_h5_write_strings(h, "/camera_names", C, (const char *const *)o->camera_names)) ||
        (st = kc_h5_attr_set_str(h, "/camera_names", "dims", "camera")))
        goto fail;
    if (o->points) {
        size_t d4[4] = {C, F, M, 2}, d3[3] = {C, F, M};
        if ((st = kc_h5_write_strings(h, "/labels", M, (const char *const *)o->labels)) ||
            (st = kc_h5_attr_set_str(h, "/labels", "dims", "marker")) ||
            (st = kc_h5_write(h, "/points", KC_H5_F64, 4, d4, o->points, "px",
                              "camera,frame,marker,uv")))
            goto fail;
        if (o->weights && (st = kc_h5_write(h, "/weights", KC_H5_F64, 3, d3, o->weights, "1",
                                            "camera,frame,marker")))
            goto fail;
    }
    if (o->centroids) {
        for (size_t c = 0; c < C; c++) {
            const kc_centroids *ce = &o->centroids[c];
            size_t dxy[2] = {ce->n, 2}, doff = F + 1;
            if (!ce->offsets || ce->offsets[0] != 0 || ce->offsets[F] != (int64_t)ce->n) {
                st = kc_h5_fail(h, KC_EINVAL, "/centroids",
                                "camera \"%s\": offsets must run from 0 to %zu", o->camera_names[c],
                                ce->n);
                goto fail;
            }
            snprintf(p, sizeof p, "/centroids/%s/xy", o->camera_names[c]);
            if ((st = kc_h5_write(h, p, KC_H5_F64, 2, dxy, ce->xy, "px", "centroid,uv")))
                goto fail;
            snprintf(p, sizeof p, "/centroids/%s/offsets", o->camera_names[c]);
            if ((st = kc_h5_write(h, p, KC_H5_I64, 1, &doff, ce->offsets, "1", "frame_edge")))
                goto fail;
        }
    }
    if ((st = kc_forceplates_write(h, o->n_forceplates, o->forceplates)) ||
        (st = kc_truth_write(h, o->truth)))
        goto fail;
    return kc_h5_commit(h);
fail:
    kc_h5_discard(h);
    return st;
}

static int opt_str(kc_h5 *h, const char *name, char **v)
{
    *v = NULL;
    return kc_h5_attr_exists(h, "/", name) ? kc_h5_attr_get_str(h, "/", name, v) : KC_OK;
}

static int read_extras(kc_h5 *h, kc_obs *o)
{
    kc_attrs a = {0, NULL};
    int st = kc_h5_read_attrs(h, "/", &a);
    for (size_t i = 0; i < a.n && !st; i++)
        if (!a.items[i].str && !is_reserved_attr(a.items[i].name))
            st = kc_obs_add_extra(o, a.items[i].name, a.items[i].n, a.items[i].v);
    kc_attrs_clear(&a);
    return st;
}

int kc_obs_read(const char *path, kc_obs **out)
{
    kc_h5 *h = NULL;
    kc_obs *o = NULL;
    char *capture = NULL;
    char p[512];
    void *v = NULL;
    *out = NULL;
    int st = kc_h5_open(&h, path, KC_KIND_OBS);
    if (st)
        return st;
    if (!(o = kc_obs_alloc())) {
        st = KC_ENOMEM;
        goto fail;
    }
    if ((st = kc_h5_attr_get_f64(h, "/", "rate_hz", &o->rate_hz)))
        goto fail;
    if (!(o->rate_hz > 0) || !isfinite(o->rate_hz)) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "rate_hz = %g, expected > 0", o->rate_hz);
        goto fail;
    }
    if ((st = kc_h5_attr_get_str(h, "/", "capture", &capture)))
        goto fail;
    if (!*capture || strlen(capture) >= sizeof o->capture) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "capture = \"%s\" is not a capture type", capture);
        goto fail;
    }
    snprintf(o->capture, sizeof o->capture, "%s", capture);
    if ((st = opt_str(h, "subject", &o->subject)) || (st = opt_str(h, "trial", &o->trial)) ||
        (st = opt_str(h, "task", &o->task)) || (st = read_extras(h, o)))
        goto fail;

    size_t C = 0;
    if ((st = kc_h5_read_strings(h, "/camera_names", &C, &o->camera_names)))
        goto fail;
    o->n_cameras = C;
    if ((st = check_camera_names(h, C, o->camera_names)))
        goto fail;

    bool have_frames = false;
    size_t F = 0;
    bool labelled = kc_h5_exists(h, "/labels") || kc_h5_exists(h, "/points");
    if (labelled) {
        size_t M = 0;
        if ((st = kc_h5_read_strings(h, "/labels", &M, &o->labels)))
            goto fail;
        o->n_markers = M;
        size_t d4[4] = {C, 0, M, 2};
        if ((st = kc_h5_read_shaped(h, "/points", KC_H5_F64, 4, d4, "[C,F,M,2]", &v)))
            goto fail;
        o->points = v;
        F = d4[1];
        have_frames = true;
        if (kc_h5_exists(h, "/weights")) {
            size_t d3[3] = {C, F, M};
            if ((st = kc_h5_read_shaped(h, "/weights", KC_H5_F64, 3, d3, "[C,F,M]", &v)))
                goto fail;
            o->weights = v;
            for (size_t i = 0; i < C * F * M; i++) {
                double w = o->weights[i];
                if (!isnan(w) && !(w >= 0 && w <= 1)) {
                    st = kc_h5_fail(h, KC_EINVAL, "/weights",
                                    "value %g at camera %zu, frame %zu, marker %zu is outside [0,1]",
                                    w, i / (F * M), i / M % F, i % M);
                    goto fail;
                }
            }
        }
    }
    if (kc_h5_exists(h, "/centroids")) {
        o->centroids = calloc(C, sizeof *o->centroids);
        if (!o->centroids) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t c = 0; c < C; c++) {
            kc_centroids *ce = &o->centroids[c];
            size_t doff = have_frames ? F + 1 : 0;
            snprintf(p, sizeof p, "/centroids/%s/offsets", o->camera_names[c]);
            if ((st = kc_h5_read_shaped(h, p, KC_H5_I64, 1, &doff, "[F+1]", &v)))
                goto fail;
            ce->offsets = v;
            if (doff < 1) {
                st = kc_h5_fail(h, KC_ESHAPE, p, "expected [F+1], found [0]");
                goto fail;
            }
            F = doff - 1;
            have_frames = true;
            snprintf(p, sizeof p, "/centroids/%s/xy", o->camera_names[c]);
            size_t dxy[2] = {0, 2};
            if ((st = kc_h5_read_shaped(h, p, KC_H5_F64, 2, dxy, "[N,2]", &v)))
                goto fail;
            ce->xy = v;
            ce->n = dxy[0];
            snprintf(p, sizeof p, "/centroids/%s/offsets", o->camera_names[c]);
            if (ce->offsets[0] != 0 || ce->offsets[F] != (int64_t)ce->n) {
                st = kc_h5_fail(h, KC_EINVAL, p,
                                "expected offsets from 0 to %zu (the rows of xy), found %lld to %lld",
                                ce->n, (long long)ce->offsets[0], (long long)ce->offsets[F]);
                goto fail;
            }
            for (size_t f = 0; f < F; f++)
                if (ce->offsets[f + 1] < ce->offsets[f]) {
                    st = kc_h5_fail(h, KC_EINVAL, p, "offsets decrease at frame %zu", f);
                    goto fail;
                }
        }
    }
    if (!have_frames) {
        st = kc_h5_fail(h, KC_EMISSING, "/points", "the file has neither /points nor /centroids");
        goto fail;
    }
    o->n_frames = F;
    if ((st = kc_forceplates_read(h, &o->n_forceplates, &o->forceplates)) ||
        (st = kc_truth_read(h, o->n_markers, o->labels, &o->truth)))
        goto fail;
    if (o->truth && o->truth->n_frames && o->truth->n_frames != F) {
        st = kc_h5_fail(h, KC_ESHAPE, "/truth", "%zu frames, expected %zu like the observations",
                        o->truth->n_frames, F);
        goto fail;
    }
    free(capture);
    kc_h5_close(h);
    *out = o;
    return KC_OK;
fail:
    free(capture);
    kc_obs_free(o);
    kc_h5_close(h);
    return st;
}
