/* kinechain — synthetic ground truth (/truth) in observations and trajectories. */
#include "kinechain/truth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/h5io.h"
#include "h5io_internal.h"

kc_truth *kc_truth_alloc(void)
{
    return calloc(1, sizeof(kc_truth));
}

void kc_series3_free(kc_series3 *s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].data);
    }
    free(s);
}

void kc_truth_free(kc_truth *t)
{
    if (!t)
        return;
    kc_strv_free(t->labels, t->n_markers);
    free(t->markers);
    kc_series3_free(t->angles, t->n_angles);
    kc_series3_free(t->centres, t->n_centres);
    kc_table_free(t->events);
    kc_table_free(t->metrics);
    free(t->mode);
    free(t->angle_convention);
    free(t);
}

int kc_series3_write(kc_h5 *h, const char *group, size_t n, const kc_series3 *s, size_t frames,
                     const char *units, const char *dims_names)
{
    char p[512];
    size_t dims[2] = {frames, 3};
    int st = KC_OK;
    if (n == 0)
        return KC_OK;
    if ((st = kc_h5_group(h, group)))
        return st;
    for (size_t i = 0; i < n && !st; i++) {
        if (!kc_h5_valid_name(s[i].name))
            return kc_h5_fail(h, KC_EINVAL, group, "invalid name \"%s\"",
                              s[i].name ? s[i].name : "(null)");
        st = kc_h5_write(h, kc_h5_join(p, sizeof p, group, s[i].name), KC_H5_F64, 2, dims,
                         s[i].data, units, dims_names);
    }
    return st;
}

int kc_series3_read(kc_h5 *h, const char *group, size_t *frames, size_t *n_out,
                    kc_series3 **out)
{
    size_t nm = 0;
    char **names = NULL;
    char p[512];
    *n_out = 0;
    *out = NULL;
    int st = kc_h5_list(h, group, &nm, &names);
    if (st)
        return st;
    kc_series3 *s = calloc(nm ? nm : 1, sizeof *s);
    size_t n = 0;
    if (!s) {
        kc_strv_free(names, nm);
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < nm; i++) {
        kc_h5_join(p, sizeof p, group, names[i]);
        if (kc_h5_is_group(h, p))   /* a group: not ours (newer minor version) */
            continue;
        size_t dims[2] = {*frames, 3};
        void *v = NULL;
        if ((st = kc_h5_read_shaped(h, p, KC_H5_F64, 2, dims, "[F,3]", &v)))
            break;
        *frames = dims[0];
        s[n].name = names[i];
        names[i] = NULL;
        s[n].data = v;
        n++;
    }
    kc_strv_free(names, nm);
    if (st) {
        kc_series3_free(s, n);
        return st;
    }
    *n_out = n;
    *out = s;
    return KC_OK;
}

int kc_truth_write(kc_h5 *h, const kc_truth *t)
{
    int st;
    if (!t)
        return KC_OK;
    if ((st = kc_h5_group(h, "/truth")))
        return st;
    if (t->mode && (st = kc_h5_attr_set_str(h, "/truth", "mode", t->mode)))
        return st;
    if (t->angle_convention &&
        (st = kc_h5_attr_set_str(h, "/truth", "angle_convention", t->angle_convention)))
        return st;
    if (t->write_labels) {
        if ((st = kc_h5_write_strings(h, "/truth/labels", t->n_markers,
                                      (const char *const *)t->labels)) ||
            (st = kc_h5_attr_set_str(h, "/truth/labels", "dims", "marker")))
            return st;
    }
    if (t->markers) {
        size_t dims[3] = {t->n_frames, t->n_markers, 3};
        if ((st = kc_h5_write(h, "/truth/markers", KC_H5_F64, 3, dims, t->markers, "mm",
                              "frame,marker,xyz")))
            return st;
    }
    if ((st = kc_series3_write(h, "/truth/angles", t->n_angles, t->angles, t->n_frames, "deg",
                               "frame,xyz")) ||
        (st = kc_series3_write(h, "/truth/joint_centres", t->n_centres, t->centres,
                               t->n_frames, "mm", "frame,xyz")))
        return st;
    if (t->events && (st = kc_h5_write_table(h, "/truth/events", t->events)))
        return st;
    if (t->metrics && (st = kc_h5_write_table(h, "/truth/metrics", t->metrics)))
        return st;
    return KC_OK;
}

static int opt_attr_str(kc_h5 *h, const char *obj, const char *name, char **v)
{
    *v = NULL;
    if (!kc_h5_attr_exists(h, obj, name))
        return KC_OK;
    return kc_h5_attr_get_str(h, obj, name, v);
}

int kc_truth_read(kc_h5 *h, size_t n_labels, char *const *labels, kc_truth **out)
{
    int st = KC_OK;
    *out = NULL;
    if (!kc_h5_exists(h, "/truth"))
        return KC_OK;
    kc_truth *t = kc_truth_alloc();
    if (!t)
        return KC_ENOMEM;
    if ((st = opt_attr_str(h, "/truth", "mode", &t->mode)) ||
        (st = opt_attr_str(h, "/truth", "angle_convention", &t->angle_convention)))
        goto fail;

    if (kc_h5_exists(h, "/truth/labels")) {
        size_t n = 0;
        if ((st = kc_h5_read_strings(h, "/truth/labels", &n, &t->labels)))
            goto fail;
        t->n_markers = n;
        t->write_labels = 1;
    } else if (labels) {
        if (!(t->labels = kc_strv_dup(n_labels, labels))) {
            st = KC_ENOMEM;
            goto fail;
        }
        t->n_markers = n_labels;
    }
    size_t frames = 0;
    if (kc_h5_exists(h, "/truth/markers")) {
        if (!t->labels) {
            st = kc_h5_fail(h, KC_EMISSING, "/truth/markers",
                            "neither /labels nor /truth/labels names its markers");
            goto fail;
        }
        size_t dims[3] = {0, t->n_markers, 3};
        void *v = NULL;
        if ((st = kc_h5_read_shaped(h, "/truth/markers", KC_H5_F64, 3, dims, "[F,M,3]", &v)))
            goto fail;
        t->markers = v;
        frames = dims[0];
    }
    if (kc_h5_exists(h, "/truth/angles") &&
        (st = kc_series3_read(h, "/truth/angles", &frames, &t->n_angles, &t->angles)))
        goto fail;
    if (kc_h5_exists(h, "/truth/joint_centres") &&
        (st = kc_series3_read(h, "/truth/joint_centres", &frames, &t->n_centres, &t->centres)))
        goto fail;
    t->n_frames = frames;
    static const kc_colspec ev[] = {
        {"name", KC_COL_STR}, {"side", KC_COL_STR}, {"frame", KC_COL_NUMBER}, {"time_s", KC_COL_F64}};
    static const kc_colspec me[] = {{"name", KC_COL_STR}, {"side", KC_COL_STR},
                                    {"value", KC_COL_F64}};
    if (kc_h5_exists(h, "/truth/events") &&
        (st = kc_h5_read_table_spec(h, "/truth/events", 4, ev, &t->events)))
        goto fail;
    if (kc_h5_exists(h, "/truth/metrics") &&
        (st = kc_h5_read_table_spec(h, "/truth/metrics", 3, me, &t->metrics)))
        goto fail;
    *out = t;
    return KC_OK;
fail:
    kc_truth_free(t);
    return st;
}
