/* kinechain — kinematics (*.kin.h5). */
#include "kinechain/kinfile.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5io_internal.h"

#define KC_KIND_KIN "kinematics"

static const kc_colspec kin_event_cols[] = {
    {"name", KC_COL_STR},   {"side", KC_COL_STR},   {"frame", KC_COL_I64},
    {"time_s", KC_COL_F64}, {"method", KC_COL_STR}, {"source", KC_COL_STR},
    {"uncertainty_s", KC_COL_F64}};
static const kc_colspec kin_metric_cols[] = {
    {"name", KC_COL_STR},  {"side", KC_COL_STR},   {"value", KC_COL_F64}, {"unit", KC_COL_STR},
    {"frame", KC_COL_I64}, {"time_s", KC_COL_F64}, {"window", KC_COL_STR}};
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

kc_kin *kc_kin_alloc(void)
{
    return calloc(1, sizeof(kc_kin));
}

static void phase_free(kc_kin_phase *p)
{
    free(p->name);
    free(p->start_event);
    free(p->end_event);
    free(p->units);
    kc_series3_free(p->channels, p->n_channels);
}

static void group_free(kc_kin_group *g)
{
    free(g->units);
    free(g->convention);
    kc_series3_free(g->series, g->n);
    memset(g, 0, sizeof *g);
}

void kc_kin_free(kc_kin *k)
{
    if (!k)
        return;
    free(k->trial_type);
    free(k->subject);
    free(k->trial);
    kc_series3_free(k->angles, k->n_angles);
    kc_series3_free(k->centres, k->n_centres);
    for (size_t i = 0; i < k->n_series; i++) {
        free(k->series[i].name);
        free(k->series[i].units);
        free(k->series[i].plane);
        free(k->series[i].data);
    }
    free(k->series);
    kc_table_free(k->events);
    kc_table_free(k->metrics);
    for (size_t i = 0; i < k->n_phases; i++)
        phase_free(&k->phases[i]);
    free(k->phases);
    kc_attrs_clear(&k->model);
    group_free(&k->moments);
    group_free(&k->joint_forces);
    group_free(&k->powers);
    free(k);
}

kc_table *kc_kin_events_alloc(void)
{
    return kc_table_from_spec(NCOLS(kin_event_cols), kin_event_cols);
}

kc_table *kc_kin_metrics_alloc(void)
{
    return kc_table_from_spec(NCOLS(kin_metric_cols), kin_metric_cols);
}

/* Append a copy of data (n doubles) as series3 name to (*arr)[*n]. */
static int add_series3(kc_series3 **arr, size_t *n, const char *name, const double *data,
                       size_t count)
{
    if (!kc_h5_valid_name(name))
        return KC_EINVAL;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i].name, name) == 0)
            return KC_EINVAL;
    kc_series3 *p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p)
        return KC_ENOMEM;
    *arr = p;
    kc_series3 *s = &p[*n];
    s->name = strdup(name);
    s->data = kc_malloc_array(count, sizeof(double));
    if (!s->name || !s->data) {
        free(s->name);
        free(s->data);
        return KC_ENOMEM;
    }
    if (count)
        memcpy(s->data, data, count * sizeof(double));
    (*n)++;
    return KC_OK;
}

int kc_kin_add_angle(kc_kin *k, const char *name, const double *data)
{
    return add_series3(&k->angles, &k->n_angles, name, data, 3 * k->n_frames);
}

int kc_kin_add_centre(kc_kin *k, const char *name, const double *data)
{
    return add_series3(&k->centres, &k->n_centres, name, data, 3 * k->n_frames);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int kc_kin_add_series(kc_kin *k, const char *name, const char *units, const char *plane,
                      const double *data)
{
    if (!kc_h5_valid_name(name))
        return KC_EINVAL;
    kc_kin_series *p = realloc(k->series, (k->n_series + 1) * sizeof *p);
    if (!p)
        return KC_ENOMEM;
    k->series = p;
    kc_kin_series *s = &p[k->n_series];
    s->name = strdup(name);
    s->units = dup_or_empty(units);
    s->plane = dup_or_empty(plane);
    s->data = kc_malloc_array(k->n_frames, sizeof(double));
    if (!s->name || !s->units || !s->plane || !s->data) {
        free(s->name);
        free(s->units);
        free(s->plane);
        free(s->data);
        return KC_ENOMEM;
    }
    if (k->n_frames)
        memcpy(s->data, data, k->n_frames * sizeof(double));
    k->n_series++;
    return KC_OK;
}

int kc_kin_add_normalized(kc_kin *k, const char *phase, const char *start_event,
                          const char *end_event, const char *units, const char *channel,
                          const double *data)
{
    if (!kc_h5_valid_name(phase) || !kc_h5_valid_name(channel))
        return KC_EINVAL;
    kc_kin_phase *ph = NULL;
    for (size_t i = 0; i < k->n_phases; i++)
        if (strcmp(k->phases[i].name, phase) == 0)
            ph = &k->phases[i];
    if (!ph) {
        kc_kin_phase *p = realloc(k->phases, (k->n_phases + 1) * sizeof *p);
        if (!p)
            return KC_ENOMEM;
        k->phases = p;
        ph = &p[k->n_phases];
        memset(ph, 0, sizeof *ph);
        ph->name = strdup(phase);
        ph->start_event = dup_or_empty(start_event);
        ph->end_event = dup_or_empty(end_event);
        ph->units = dup_or_empty(units);
        if (!ph->name || !ph->start_event || !ph->end_event || !ph->units) {
            phase_free(ph);
            return KC_ENOMEM;
        }
        k->n_phases++;
    }
    return add_series3(&ph->channels, &ph->n_channels, channel, data, 3 * KC_NORM_POINTS);
}

int kc_kin_add_kinetic(kc_kin *k, kc_kin_group *g, const char *units, const char *convention,
                       const char *name, const double *data)
{
    units = units ? units : "";
    convention = convention ? convention : "";
    if (g->n == 0 && !g->units) {
        g->units = strdup(units);
        g->convention = strdup(convention);
        if (!g->units || !g->convention) {
            free(g->units);
            free(g->convention);
            g->units = g->convention = NULL;
            return KC_ENOMEM;
        }
    } else if (strcmp(g->units, units) || strcmp(g->convention, convention)) {
        return KC_EINVAL;
    }
    return add_series3(&g->series, &g->n, name, data, 3 * k->n_frames);
}

static const kc_series3 *find3(const kc_series3 *s, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return &s[i];
    return NULL;
}

const kc_series3 *kc_kin_angle(const kc_kin *k, const char *name)
{
    return find3(k->angles, k->n_angles, name);
}

const kc_series3 *kc_kin_centre(const kc_kin *k, const char *name)
{
    return find3(k->centres, k->n_centres, name);
}

const kc_series3 *kc_kin_group_find(const kc_kin_group *g, const char *name)
{
    return find3(g->series, g->n, name);
}

/* /moments, /joint_forces, /powers: written only when the group has channels */
static const char *const kin_group_path[3] = {"/moments", "/joint_forces", "/powers"};

static int group_write(kc_h5 *h, const char *path, const kc_kin_group *g, size_t F)
{
    char p[1024];
    if (g->n == 0)
        return KC_OK;
    int st = kc_series3_write(h, path, g->n, g->series, F, g->units ? g->units : "",
                              "frame,xyz");
    for (size_t i = 0; i < g->n && !st; i++) {
        kc_h5_join(p, sizeof p, path, g->series[i].name);
        st = kc_h5_attr_set_str(h, p, "convention", g->convention ? g->convention : "");
    }
    return st;
}

static int get_str_or_empty(kc_h5 *h, const char *obj, const char *name, char **v);

/* read a kinetic group of F frames (F = 0: any, set from the data) */
static int group_read(kc_h5 *h, const char *path, size_t *F, kc_kin_group *g)
{
    char p[1024];
    int st = kc_series3_read(h, path, F, &g->n, &g->series);
    if (st)
        return st;
    if (g->n == 0)
        return (g->units = strdup("")) && (g->convention = strdup("")) ? KC_OK : KC_ENOMEM;
    kc_h5_join(p, sizeof p, path, g->series[0].name);
    if ((st = get_str_or_empty(h, p, "units", &g->units)) ||
        (st = get_str_or_empty(h, p, "convention", &g->convention)))
        return st;
    return KC_OK;
}

/* Check that a table has the spec's columns with their types (writing side). */
static int check_table(kc_h5 *h, const char *obj, const kc_table *t, size_t n,
                       const kc_colspec *spec)
{
    for (size_t i = 0; i < n; i++) {
        int c = kc_table_find(t, spec[i].name);
        if (c < 0)
            return kc_h5_fail(h, KC_EINVAL, obj, "no column \"%s\"", spec[i].name);
        if (kc_table_col_type(t, c) != spec[i].type)
            return kc_h5_fail(h, KC_EINVAL, obj, "column \"%s\" has the wrong type",
                              spec[i].name);
    }
    return KC_OK;
}

int kc_kin_write(const char *path, const kc_kin *k, const kc_provenance *prov)
{
    kc_h5 *h = NULL;
    char g[512], p[1024];
    int st = kc_h5_create(&h, path, KC_KIND_KIN, prov);
    if (st)
        return st;
    size_t F = k->n_frames;
    const kc_attr *model = kc_attrs_find(&k->model, "name");
    if (!(k->rate_hz > 0) || !isfinite(k->rate_hz)) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "rate_hz = %g, expected > 0", k->rate_hz);
        goto fail;
    }
    if (!model || !model->str) {
        st = kc_h5_fail(h, KC_EINVAL, "/model", "the model has no name");
        goto fail;
    }
    if ((k->events && (st = check_table(h, "/events", k->events, NCOLS(kin_event_cols),
                                        kin_event_cols))) ||
        (k->metrics && (st = check_table(h, "/metrics", k->metrics, NCOLS(kin_metric_cols),
                                         kin_metric_cols))))
        goto fail;
    if ((st = kc_h5_attr_set_str(h, "/", "trial_type", k->trial_type ? k->trial_type : "")) ||
        (st = kc_h5_attr_set_str(h, "/", "subject", k->subject ? k->subject : "")) ||
        (st = kc_h5_attr_set_f64(h, "/", "rate_hz", k->rate_hz)) ||
        (k->trial && (st = kc_h5_attr_set_str(h, "/", "trial", k->trial))))
        goto fail;
    if ((st = kc_series3_write(h, "/angles", k->n_angles, k->angles, F, "deg", "frame,xyz")) ||
        (st = kc_series3_write(h, "/joint_centres", k->n_centres, k->centres, F, "mm",
                               "frame,xyz")))
        goto fail;
    if (k->n_series && (st = kc_h5_group(h, "/series")))
        goto fail;
    for (size_t i = 0; i < k->n_series; i++) {
        const kc_kin_series *s = &k->series[i];
        if (!kc_h5_valid_name(s->name)) {
            st = kc_h5_fail(h, KC_EINVAL, "/series", "invalid name \"%s\"",
                            s->name ? s->name : "(null)");
            goto fail;
        }
        kc_h5_join(p, sizeof p, "/series", s->name);
        if ((st = kc_h5_write(h, p, KC_H5_F64, 1, &F, s->data, s->units, "frame")) ||
            (st = kc_h5_attr_set_str(h, p, "plane", s->plane ? s->plane : "")))
            goto fail;
    }
    if (k->events && (st = kc_h5_write_table(h, "/events", k->events)))
        goto fail;
    if (k->metrics && (st = kc_h5_write_table(h, "/metrics", k->metrics)))
        goto fail;
    for (size_t i = 0; i < k->n_phases; i++) {
        const kc_kin_phase *ph = &k->phases[i];
        if (!kc_h5_valid_name(ph->name)) {
            st = kc_h5_fail(h, KC_EINVAL, "/normalized", "invalid phase name");
            goto fail;
        }
        kc_h5_join(g, sizeof g, "/normalized", ph->name);
        if ((st = kc_series3_write(h, g, ph->n_channels, ph->channels, KC_NORM_POINTS,
                                   ph->units ? ph->units : "", "percent,xyz")) ||
            (st = kc_h5_group(h, g)) ||
            (st = kc_h5_attr_set_str(h, g, "start_event", ph->start_event)) ||
            (st = kc_h5_attr_set_str(h, g, "end_event", ph->end_event)))
            goto fail;
        for (size_t c = 0; c < ph->n_channels; c++) {
            kc_h5_join(p, sizeof p, g, ph->channels[c].name);
            if ((st = kc_h5_attr_set_str(h, p, "start_event", ph->start_event)) ||
                (st = kc_h5_attr_set_str(h, p, "end_event", ph->end_event)))
                goto fail;
        }
    }
    if ((st = group_write(h, kin_group_path[0], &k->moments, F)) ||
        (st = group_write(h, kin_group_path[1], &k->joint_forces, F)) ||
        (st = group_write(h, kin_group_path[2], &k->powers, F)))
        goto fail;
    if ((st = kc_h5_write_attrs(h, "/model", &k->model)))
        goto fail;
    return kc_h5_commit(h);
fail:
    kc_h5_discard(h);
    return st;
}

static int get_str_or_empty(kc_h5 *h, const char *obj, const char *name, char **v)
{
    if (!kc_h5_attr_exists(h, obj, name))
        return (*v = strdup("")) ? KC_OK : KC_ENOMEM;
    return kc_h5_attr_get_str(h, obj, name, v);
}

int kc_kin_read(const char *path, kc_kin **out)
{
    kc_h5 *h = NULL;
    kc_kin *k = NULL;
    char g[512], p[1024];
    size_t nm = 0;
    char **members = NULL;
    void *v = NULL;
    *out = NULL;
    int st = kc_h5_open(&h, path, KC_KIND_KIN);
    if (st)
        return st;
    if (!(k = kc_kin_alloc())) {
        st = KC_ENOMEM;
        goto fail;
    }
    if ((st = kc_h5_attr_get_str(h, "/", "trial_type", &k->trial_type)) ||
        (st = kc_h5_attr_get_str(h, "/", "subject", &k->subject)) ||
        (st = kc_h5_attr_get_f64(h, "/", "rate_hz", &k->rate_hz)))
        goto fail;
    if (kc_h5_attr_exists(h, "/", "trial") && (st = kc_h5_attr_get_str(h, "/", "trial", &k->trial)))
        goto fail;
    if (!(k->rate_hz > 0) || !isfinite(k->rate_hz)) {
        st = kc_h5_fail(h, KC_EINVAL, "/", "rate_hz = %g, expected > 0", k->rate_hz);
        goto fail;
    }
    size_t F = 0;
    if (kc_h5_exists(h, "/angles") &&
        (st = kc_series3_read(h, "/angles", &F, &k->n_angles, &k->angles)))
        goto fail;
    if (kc_h5_exists(h, "/joint_centres") &&
        (st = kc_series3_read(h, "/joint_centres", &F, &k->n_centres, &k->centres)))
        goto fail;
    if (kc_h5_exists(h, "/series")) {
        if ((st = kc_h5_list(h, "/series", &nm, &members)))
            goto fail;
        k->series = calloc(nm ? nm : 1, sizeof *k->series);
        if (!k->series) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < nm; i++) {
            kc_h5_join(p, sizeof p, "/series", members[i]);
            if (kc_h5_is_group(h, p))
                continue;   /* not part of 1.0 */
            kc_kin_series *s = &k->series[k->n_series];
            size_t d = F;
            if ((st = kc_h5_read_shaped(h, p, KC_H5_F64, 1, &d, "[F]", &v)))
                goto fail;
            F = d;
            s->data = v;
            s->name = members[i];
            members[i] = NULL;
            k->n_series++;
            if ((st = get_str_or_empty(h, p, "units", &s->units)) ||
                (st = get_str_or_empty(h, p, "plane", &s->plane)))
                goto fail;
        }
        kc_strv_free(members, nm);
        members = NULL;
        nm = 0;
    }
    {
        kc_kin_group *gs[3] = {&k->moments, &k->joint_forces, &k->powers};
        for (int i = 0; i < 3; i++)
            if (kc_h5_exists(h, kin_group_path[i]) &&
                (st = group_read(h, kin_group_path[i], &F, gs[i])))
                goto fail;
    }
    k->n_frames = F;
    if (kc_h5_exists(h, "/events") &&
        (st = kc_h5_read_table_spec(h, "/events", NCOLS(kin_event_cols), kin_event_cols,
                                    &k->events)))
        goto fail;
    if (kc_h5_exists(h, "/metrics") &&
        (st = kc_h5_read_table_spec(h, "/metrics", NCOLS(kin_metric_cols), kin_metric_cols,
                                    &k->metrics)))
        goto fail;
    if (kc_h5_exists(h, "/normalized")) {
        if ((st = kc_h5_list(h, "/normalized", &nm, &members)))
            goto fail;
        k->phases = calloc(nm ? nm : 1, sizeof *k->phases);
        if (!k->phases) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < nm; i++) {
            kc_h5_join(g, sizeof g, "/normalized", members[i]);
            if (!kc_h5_is_group(h, g))
                continue;   /* a dataset directly under /normalized: not part of 1.0 */
            kc_kin_phase *ph = &k->phases[k->n_phases];
            ph->name = members[i];
            members[i] = NULL;
            k->n_phases++;
            size_t frames = KC_NORM_POINTS;
            if ((st = kc_h5_attr_get_str(h, g, "start_event", &ph->start_event)) ||
                (st = kc_h5_attr_get_str(h, g, "end_event", &ph->end_event)) ||
                (st = kc_series3_read(h, g, &frames, &ph->n_channels, &ph->channels)))
                goto fail;
            if (ph->n_channels > 0) {
                kc_h5_join(p, sizeof p, g, ph->channels[0].name);
                if ((st = get_str_or_empty(h, p, "units", &ph->units)))
                    goto fail;
            } else if (!(ph->units = strdup(""))) {
                st = KC_ENOMEM;
                goto fail;
            }
        }
        kc_strv_free(members, nm);
        members = NULL;
        nm = 0;
    }
    if (!kc_h5_is_group(h, "/model")) {
        st = kc_h5_fail(h, KC_EMISSING, "/model", "no such group");
        goto fail;
    }
    if ((st = kc_h5_read_attrs(h, "/model", &k->model)))
        goto fail;
    if (!kc_attrs_find(&k->model, "name")) {
        st = kc_h5_fail(h, KC_EMISSING, "/model", "no attribute \"name\"");
        goto fail;
    }
    kc_h5_close(h);
    *out = k;
    return KC_OK;
fail:
    kc_strv_free(members, nm);
    kc_kin_free(k);
    kc_h5_close(h);
    return st;
}
