/* kinechain — trajectories (*.traj.h5). */
#include "kinechain/trajfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5io_internal.h"

#define KC_KIND_TRAJ "trajectories"

static const kc_colspec traj_event_cols[] = {
    {"name", KC_COL_STR}, {"side", KC_COL_STR}, {"time_s", KC_COL_F64}, {"source", KC_COL_STR}};
#define N_EVENT_COLS (sizeof traj_event_cols / sizeof traj_event_cols[0])

/* Units of each model output kind. */
static const struct {
    const char *kind, *units;
} output_kinds[] = {
    {"angle", "deg"}, {"force", "N"}, {"moment", "N·mm"}, {"power", "W"}, {"bone", "mm"},
};

static const char *output_units(const char *kind)
{
    for (size_t i = 0; i < sizeof output_kinds / sizeof output_kinds[0]; i++)
        if (strcmp(kind, output_kinds[i].kind) == 0)
            return output_kinds[i].units;
    return NULL;
}

kc_traj *kc_traj_alloc(void)
{
    kc_traj *t = calloc(1, sizeof *t);
    if (t)
        t->filter_cutoff_hz = NAN;
    return t;
}

static void free_arrays(kc_traj *t)
{
    kc_strv_free(t->labels, t->n_markers);
    free(t->position);
    free(t->residual);
    free(t->n_cameras_seen);
    free(t->filled);
    t->labels = NULL;
    t->position = t->residual = NULL;
    t->n_cameras_seen = t->filled = NULL;
    t->residual_kind = KC_RESIDUAL_NONE;
}

void kc_traj_free(kc_traj *t)
{
    if (!t)
        return;
    free(t->subject);
    free(t->trial);
    free(t->task);
    free_arrays(t);
    kc_strv_free(t->camera_names, t->n_cameras);
    free(t->camera_used);
    free(t->unlabelled);
    for (size_t i = 0; i < t->n_model_outputs; i++) {
        free(t->model_outputs[i].name);
        free(t->model_outputs[i].data);
    }
    free(t->model_outputs);
    kc_forceplates_free(t->forceplates, t->n_forceplates);
    kc_table_free(t->events);
    kc_attrs_clear(&t->subject_params);
    kc_truth_free(t->truth);
    free(t);
}

static double *filled_f64(size_t n, double v)
{
    double *p = kc_malloc_array(n, sizeof *p);
    for (size_t i = 0; p && i < n; i++)
        p[i] = v;
    return p;
}

static uint8_t *filled_u8(size_t n, uint8_t v)
{
    uint8_t *p = kc_malloc_array(n, 1);
    if (p)
        memset(p, v, n ? n : 1);
    return p;
}

int kc_traj_alloc_arrays(kc_traj *t, size_t n_frames, size_t n_markers, char *const *labels,
                         enum kc_residual_kind residual, bool n_cameras_seen, bool filled)
{
    free_arrays(t);
    t->n_frames = n_frames;
    t->n_markers = n_markers;
    size_t fm = n_frames * n_markers;
    if (n_markers && fm / n_markers != n_frames)
        return KC_ENOMEM;
    t->labels = kc_strv_dup(n_markers, labels);
    t->position = filled_f64(3 * fm, NAN);
    if (residual != KC_RESIDUAL_NONE) {
        t->residual_kind = residual;
        t->residual = filled_f64(fm, NAN);
    }
    if (n_cameras_seen)
        t->n_cameras_seen = filled_u8(fm, KC_FILL_UNKNOWN);
    if (filled)
        t->filled = filled_u8(fm, KC_FILL_UNKNOWN);
    if (!t->labels || !t->position || (residual && !t->residual) ||
        (n_cameras_seen && !t->n_cameras_seen) || (filled && !t->filled)) {
        free_arrays(t);
        t->n_markers = 0;
        return KC_ENOMEM;
    }
    return KC_OK;
}

kc_table *kc_traj_events_alloc(void)
{
    return kc_table_from_spec(N_EVENT_COLS, traj_event_cols);
}

int kc_traj_add_event(kc_traj *t, const char *name, const char *side, double time_s,
                      const char *source)
{
    if (!t->events && !(t->events = kc_traj_events_alloc()))
        return KC_ENOMEM;
    kc_table *e = t->events;
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side");
    int ct = kc_table_find(e, "time_s"), cr = kc_table_find(e, "source");
    if (cn < 0 || cs < 0 || ct < 0 || cr < 0)
        return KC_EINVAL;
    long r = kc_table_add_row(e);
    if (r < 0)
        return (int)r;
    int st;
    if ((st = kc_table_set_str(e, (size_t)r, cn, name)) ||
        (st = kc_table_set_str(e, (size_t)r, cs, side)) ||
        (st = kc_table_set_f64(e, (size_t)r, ct, time_s)) ||
        (st = kc_table_set_str(e, (size_t)r, cr, source)))
        return st;
    return KC_OK;
}

int kc_traj_add_model_output(kc_traj *t, const char *name, const char *kind, const double *data)
{
    if (!kc_h5_valid_name(name) || !kind || !output_units(kind))
        return KC_EINVAL;
    kc_model_output *p = realloc(t->model_outputs, (t->n_model_outputs + 1) * sizeof *p);
    if (!p)
        return KC_ENOMEM;
    t->model_outputs = p;
    kc_model_output *o = &p[t->n_model_outputs];
    memset(o, 0, sizeof *o);
    o->name = strdup(name);
    o->data = kc_malloc_array(3 * t->n_frames, sizeof(double));
    if (!o->name || !o->data) {
        free(o->name);
        free(o->data);
        return KC_ENOMEM;
    }
    if (t->n_frames)
        memcpy(o->data, data, 3 * t->n_frames * sizeof(double));
    snprintf(o->kind, sizeof o->kind, "%s", kind);
    t->n_model_outputs++;
    return KC_OK;
}

int kc_traj_find(const kc_traj *t, const char *label)
{
    for (size_t m = 0; t && label && m < t->n_markers; m++)
        if (strcmp(t->labels[m], label) == 0)
            return (int)m;
    return -1;
}

static int check_labels(kc_h5 *h, const char *obj, size_t n, char *const *names, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !*names[i])
            return kc_h5_fail(h, KC_EINVAL, obj, "%s %zu has an empty name", what, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return kc_h5_fail(h, KC_EINVAL, obj, "%s \"%s\" appears twice", what, names[i]);
    }
    return KC_OK;
}

static int check_fill_codes(kc_h5 *h, const uint8_t *f, size_t F, size_t M)
{
    for (size_t i = 0; i < F * M; i++)
        if (f[i] > KC_FILL_OTHER && f[i] != KC_FILL_UNKNOWN)
            return kc_h5_fail(h, KC_EINVAL, "/filled",
                              "code %u at frame %zu, marker %zu is not one of 0, 1, 2, 3, 4, 255",
                              f[i], i / M, i % M);
    return KC_OK;
}

int kc_traj_write(const char *path, const kc_traj *t, const kc_provenance *prov)
{
    kc_h5 *h = NULL;
    char p[512];
    int st = kc_h5_create(&h, path, KC_KIND_TRAJ, prov);
    if (st)
        return st;
    size_t F = t->n_frames, M = t->n_markers, C = t->n_cameras;
    if (!(t->rate_hz > 0) || !isfinite(t->rate_hz)) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "rate_hz = %g, expected > 0", t->rate_hz);
        goto fail;
    }
    if (!t->position || !t->labels) {
        st = kc_h5_fail(h, KC_EINVAL, "/position", "no positions or labels to write");
        goto fail;
    }
    if ((st = check_labels(h, "/labels", M, t->labels, "marker")))
        goto fail;
    if (t->camera_used && (!t->camera_names || C == 0)) {
        st = kc_h5_fail(h, KC_EINVAL, "/camera_used", "camera names are missing");
        goto fail;
    }
    if (t->camera_used && (st = check_labels(h, "/camera_used", C, t->camera_names, "camera")))
        goto fail;
    if (t->filled && (st = check_fill_codes(h, t->filled, F, M)))
        goto fail;
    if ((st = kc_h5_attr_set_f64(h, "/", "rate_hz", t->rate_hz)) ||
        (st = kc_h5_attr_set_i64(h, "/", "first_frame", t->first_frame)) ||
        (st = kc_h5_attr_set_f64(h, "/", "start_time_s", t->start_time_s)) ||
        (st = kc_h5_attr_set_f64(h, "/", "filter_cutoff_hz", t->filter_cutoff_hz)) ||
        (t->subject && (st = kc_h5_attr_set_str(h, "/", "subject", t->subject))) ||
        (t->trial && (st = kc_h5_attr_set_str(h, "/", "trial", t->trial))) ||
        (t->task && (st = kc_h5_attr_set_str(h, "/", "task", t->task))))
        goto fail;

    size_t d3[3] = {F, M, 3}, d2[2] = {F, M}, dc[3] = {F, M, C};
    if ((st = kc_h5_write_strings(h, "/labels", M, (const char *const *)t->labels)) ||
        (st = kc_h5_attr_set_str(h, "/labels", "dims", "marker")) ||
        (st = kc_h5_write(h, "/position", KC_H5_F64, 3, d3, t->position, "mm",
                          "frame,marker,xyz")))
        goto fail;
    if (t->residual && t->residual_kind != KC_RESIDUAL_NONE) {
        bool px = t->residual_kind == KC_RESIDUAL_PX;
        if ((st = kc_h5_write(h, px ? "/residual_px" : "/residual_mm", KC_H5_F64, 2, d2,
                              t->residual, px ? "px" : "mm", "frame,marker")))
            goto fail;
    }
    if (t->n_cameras_seen && (st = kc_h5_write(h, "/n_cameras", KC_H5_U8, 2, d2,
                                               t->n_cameras_seen, "1", "frame,marker")))
        goto fail;
    if (t->camera_used) {
        if ((st = kc_h5_write(h, "/camera_used", KC_H5_U8, 3, dc, t->camera_used, "1",
                              "frame,marker,camera")) ||
            (st = kc_h5_attr_set_strv(h, "/camera_used", "camera_names", C,
                                      (const char *const *)t->camera_names)))
            goto fail;
    }
    if (t->filled) {
        if ((st = kc_h5_write(h, "/filled", KC_H5_U8, 2, d2, t->filled, "1", "frame,marker")) ||
            (st = kc_h5_attr_set_str(h, "/filled", "codes",
                                     "0 measured, 1 spline, 2 rigid body, 3 pattern, "
                                     "4 processed by another system, 255 unknown")))
            goto fail;
    }
    if (t->unlabelled) {
        size_t du[3] = {F, t->n_unlabelled, 3};
        if ((st = kc_h5_write(h, "/unlabelled/position", KC_H5_F64, 3, du, t->unlabelled, "mm",
                              "frame,point,xyz")))
            goto fail;
    }
    if (t->n_model_outputs && (st = kc_h5_group(h, "/model_outputs")))
        goto fail;
    for (size_t i = 0; i < t->n_model_outputs; i++) {
        const kc_model_output *o = &t->model_outputs[i];
        const char *units = output_units(o->kind);
        size_t dm[2] = {F, 3};
        if (!kc_h5_valid_name(o->name) || !units) {
            st = kc_h5_fail(h, KC_EINVAL, "/model_outputs", "output \"%s\" of kind \"%s\"",
                            o->name ? o->name : "(null)", o->kind);
            goto fail;
        }
        kc_h5_join(p, sizeof p, "/model_outputs", o->name);
        if ((st = kc_h5_write(h, p, KC_H5_F64, 2, dm, o->data, units, "frame,xyz")) ||
            (st = kc_h5_attr_set_str(h, p, "kind", o->kind)))
            goto fail;
    }
    if ((st = kc_forceplates_write(h, t->n_forceplates, t->forceplates)))
        goto fail;
    if (t->events && (st = kc_h5_write_table(h, "/events", t->events)))
        goto fail;
    if (t->subject_params.n && (st = kc_h5_write_attrs(h, "/subject", &t->subject_params)))
        goto fail;
    if ((st = kc_truth_write(h, t->truth)))
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

int kc_traj_read(const char *path, kc_traj **out)
{
    kc_h5 *h = NULL;
    kc_traj *t = NULL;
    void *v = NULL;
    char p[512];
    size_t nm = 0;
    char **members = NULL;
    *out = NULL;
    int st = kc_h5_open(&h, path, KC_KIND_TRAJ);
    if (st)
        return st;
    if (!(t = kc_traj_alloc())) {
        st = KC_ENOMEM;
        goto fail;
    }
    if ((st = kc_h5_attr_get_f64(h, "/", "rate_hz", &t->rate_hz)) ||
        (st = kc_h5_attr_get_i64(h, "/", "first_frame", &t->first_frame)) ||
        (st = kc_h5_attr_get_f64(h, "/", "start_time_s", &t->start_time_s)) ||
        (st = kc_h5_attr_get_f64(h, "/", "filter_cutoff_hz", &t->filter_cutoff_hz)) ||
        (st = opt_str(h, "subject", &t->subject)) || (st = opt_str(h, "trial", &t->trial)) ||
        (st = opt_str(h, "task", &t->task)))
        goto fail;
    if (!(t->rate_hz > 0) || !isfinite(t->rate_hz)) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "rate_hz = %g, expected > 0", t->rate_hz);
        goto fail;
    }
    size_t M = 0;
    if ((st = kc_h5_read_strings(h, "/labels", &M, &t->labels)))
        goto fail;
    t->n_markers = M;
    size_t d3[3] = {0, M, 3};
    if ((st = kc_h5_read_shaped(h, "/position", KC_H5_F64, 3, d3, "[F,M,3]", &v)))
        goto fail;
    t->position = v;
    size_t F = t->n_frames = d3[0];

    bool has_px = kc_h5_exists(h, "/residual_px"), has_mm = kc_h5_exists(h, "/residual_mm");
    if (has_px && has_mm) {
        st = kc_h5_fail(h, KC_EFORMAT, "/residual_mm", "a file has /residual_px or /residual_mm, not both");
        goto fail;
    }
    if (has_px || has_mm) {
        size_t d2[2] = {F, M};
        if ((st = kc_h5_read_shaped(h, has_px ? "/residual_px" : "/residual_mm", KC_H5_F64, 2,
                                    d2, "[F,M]", &v)))
            goto fail;
        t->residual = v;
        t->residual_kind = has_px ? KC_RESIDUAL_PX : KC_RESIDUAL_MM;
    }
    if (kc_h5_exists(h, "/n_cameras")) {
        size_t d2[2] = {F, M};
        if ((st = kc_h5_read_shaped(h, "/n_cameras", KC_H5_U8, 2, d2, "[F,M]", &v)))
            goto fail;
        t->n_cameras_seen = v;
    }
    if (kc_h5_exists(h, "/camera_used")) {
        size_t C = 0;
        if ((st = kc_h5_attr_get_strv(h, "/camera_used", "camera_names", &C, &t->camera_names)))
            goto fail;
        t->n_cameras = C;
        if ((st = check_labels(h, "/camera_used", C, t->camera_names, "camera")))
            goto fail;
        size_t dc[3] = {F, M, C};
        if ((st = kc_h5_read_shaped(h, "/camera_used", KC_H5_U8, 3, dc, "[F,M,C]", &v)))
            goto fail;
        t->camera_used = v;
    }
    if (kc_h5_exists(h, "/filled")) {
        size_t d2[2] = {F, M};
        if ((st = kc_h5_read_shaped(h, "/filled", KC_H5_U8, 2, d2, "[F,M]", &v)))
            goto fail;
        t->filled = v;
        if ((st = check_fill_codes(h, t->filled, F, M)))
            goto fail;
    }
    if (kc_h5_exists(h, "/unlabelled/position")) {
        size_t du[3] = {F, 0, 3};
        if ((st = kc_h5_read_shaped(h, "/unlabelled/position", KC_H5_F64, 3, du, "[F,U,3]", &v)))
            goto fail;
        t->unlabelled = v;
        t->n_unlabelled = du[1];
    }
    if (kc_h5_exists(h, "/model_outputs")) {
        if ((st = kc_h5_list(h, "/model_outputs", &nm, &members)))
            goto fail;
        t->model_outputs = calloc(nm ? nm : 1, sizeof *t->model_outputs);
        if (!t->model_outputs) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < nm; i++) {
            kc_h5_join(p, sizeof p, "/model_outputs", members[i]);
            if (kc_h5_is_group(h, p))
                continue;   /* a group: not part of 1.0 */
            kc_model_output *o = &t->model_outputs[t->n_model_outputs];
            size_t dm[2] = {F, 3};
            char *kind = NULL;
            if ((st = kc_h5_read_shaped(h, p, KC_H5_F64, 2, dm, "[F,3]", &v)))
                goto fail;
            o->data = v;
            o->name = members[i];
            members[i] = NULL;
            t->n_model_outputs++;
            if ((st = kc_h5_attr_get_str(h, p, "kind", &kind)))
                goto fail;
            /* A newer minor version may add kinds: keep the text, the data is still [F,3]. */
            snprintf(o->kind, sizeof o->kind, "%s", kind);
            free(kind);
        }
        kc_strv_free(members, nm);
        members = NULL;
    }
    if ((st = kc_forceplates_read(h, &t->n_forceplates, &t->forceplates)))
        goto fail;
    if (kc_h5_exists(h, "/events") &&
        (st = kc_h5_read_table_spec(h, "/events", N_EVENT_COLS, traj_event_cols, &t->events)))
        goto fail;
    if (kc_h5_exists(h, "/subject") && (st = kc_h5_read_attrs(h, "/subject", &t->subject_params)))
        goto fail;
    if ((st = kc_truth_read(h, t->n_markers, t->labels, &t->truth)))
        goto fail;
    if (t->truth && t->truth->n_frames && t->truth->n_frames != F) {
        st = kc_h5_fail(h, KC_ESHAPE, "/truth", "%zu frames, expected %zu like /position",
                        t->truth->n_frames, F);
        goto fail;
    }
    kc_h5_close(h);
    *out = t;
    return KC_OK;
fail:
    kc_strv_free(members, nm);
    kc_traj_free(t);
    kc_h5_close(h);
    return st;
}
