/* kinechain — the vertical-axis check, the rotation into the lab frame and the extra objects
 * of an import into trajectories (import.h). */
#include "kinechain/import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "h5io_internal.h"
#include "kinechain/atomic.h"
#include "kinechain/log.h"

/* Does label contain one of the words (case-insensitive)? */
static bool has_word(const char *label, const char *const *words, size_t n)
{
    char low[64];
    size_t k = 0;
    for (; label[k] && k + 1 < sizeof low; k++)
        low[k] = (char)tolower((unsigned char)label[k]);
    low[k] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strstr(low, words[i]))
            return true;
    return false;
}

/* "+X" ... "-Z" of the component of v with the largest magnitude. */
static void axis_name(const double v[3], char out[8])
{
    int b = 0;
    for (int j = 1; j < 3; j++)
        if (fabs(v[j]) > fabs(v[b]))
            b = j;
    snprintf(out, 8, "%c%c", v[b] < 0 ? '-' : '+', "XYZ"[b]);
}

/* "+X" ... "-Z" from a C3D screen parameter, or "" */
static void screen_axis(const char *s, char out[8])
{
    out[0] = '\0';
    if (s && (s[0] == '+' || s[0] == '-') && s[1] && strchr("XYZxyz", s[1]))
        snprintf(out, 8, "%c%c", s[0], toupper((unsigned char)s[1]));
}

void kc_vertical_check(const kc_traj *t, const char *x_screen, const char *screen,
                       kc_vertical *o)
{
    memset(o, 0, sizeof *o);
    char xs[8];
    screen_axis(x_screen, xs);
    screen_axis(screen, o->screen);
    bool same = xs[0] && o->screen[0] && xs[1] == o->screen[1];
    if (same)
        o->screen[0] = '\0';   /* not a statement about up */
    /* markers: pelvis (and hip joint centres) above the feet */
    static const char *const up[] = {"asi", "psi", "sacr", "hjc"};
    static const char *const low[] = {"hee", "toe", "ank", "calc", "meta", "heel"};
    double su[3] = {0}, sl[3] = {0};
    size_t nu = 0, nl = 0;
    for (size_t m = 0; m < t->n_markers; m++) {
        int where = has_word(t->labels[m], up, 4) ? 1 : has_word(t->labels[m], low, 6) ? -1 : 0;
        if (!where)
            continue;
        for (size_t f = 0; f < t->n_frames; f++) {
            const double *x = &t->position[3 * (f * t->n_markers + m)];
            if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2]))
                continue;
            for (int j = 0; j < 3; j++)
                (where > 0 ? su : sl)[j] += x[j];
            *(where > 0 ? &nu : &nl) += 1;
        }
    }
    if (nu && nl) {
        double d[3];
        for (int j = 0; j < 3; j++)
            d[j] = su[j] / (double)nu - sl[j] / (double)nl;
        axis_name(d, o->markers);
        int b = o->markers[1] - 'X';
        o->marker_rise_mm = fabs(d[b]);
    }
    /* force plates: the ground reaction force on a person standing or landing points up */
    double sf[3] = {0};
    size_t nf = 0;
    for (size_t i = 0; i < t->n_forceplates; i++) {
        const kc_forceplate *fp = &t->forceplates[i];
        for (size_t s = 0; s < fp->n; s++) {
            const double *F = &fp->force[3 * s];
            double n = sqrt(F[0] * F[0] + F[1] * F[1] + F[2] * F[2]);
            if (!(n > 50.0))
                continue;
            for (int j = 0; j < 3; j++)
                sf[j] += F[j];
            nf++;
        }
    }
    if (nf)
        axis_name(sf, o->forces);
    const char *verdict = o->markers[0] ? o->markers : o->forces[0] ? o->forces
                        : o->screen[0] ? o->screen : "unknown";
    snprintf(o->axis, sizeof o->axis, "%s", verdict);
    o->z_up = strcmp(o->axis, "+Z") == 0;
    const char *srcs[3] = {o->screen, o->markers, o->forces};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (srcs[i][0] && srcs[j][0] && strcmp(srcs[i], srcs[j]) != 0)
                o->conflict = true;
    char sm[96] = "no pelvis and foot markers", ff[64] = "no loaded force plate";
    if (o->markers[0])
        snprintf(sm, sizeof sm, "markers %s (pelvis %.0f mm above feet)", o->markers,
                 o->marker_rise_mm);
    if (o->forces[0])
        snprintf(ff, sizeof ff, "force plates %s", o->forces);
    char sc[96] = "";
    if (screen || x_screen) {
        char ys[8];
        screen_axis(screen, ys);
        snprintf(sc, sizeof sc, "POINT:X_SCREEN %s, Y_SCREEN %s%s; ", xs[0] ? xs : "absent",
                 ys[0] ? ys : "absent", same ? " (the same axis: ignored)" : "");
    }
    snprintf(o->text, sizeof o->text, "%s up%s: %s%s; %s", o->axis,
             o->conflict ? " (sources disagree)" : "", sc, sm, ff);
}

/* lab vector from a source vector: source[i] = sign[i] * lab[axis[i]] */
static void to_lab(const kc_axes *a, double *v)
{
    double s[3] = {v[0], v[1], v[2]};
    for (int i = 0; i < 3; i++)
        v[a->axis[i]] = (double)a->sign[i] * s[i];
}

void kc_import_rotate(kc_traj *t, const kc_axes *a)
{
    size_t F = t->n_frames;
    for (size_t i = 0; i < F * t->n_markers; i++)
        to_lab(a, &t->position[3 * i]);
    if (t->unlabelled)
        for (size_t i = 0; i < F * t->n_unlabelled; i++)
            to_lab(a, &t->unlabelled[3 * i]);
    for (size_t j = 0; j < t->n_model_outputs; j++)
        if (strcmp(t->model_outputs[j].kind, "bone") == 0)
            for (size_t f = 0; f < F; f++)
                to_lab(a, &t->model_outputs[j].data[3 * f]);
    for (size_t p = 0; p < t->n_forceplates; p++) {
        kc_forceplate *fp = &t->forceplates[p];
        for (size_t s = 0; s < fp->n; s++) {
            to_lab(a, &fp->force[3 * s]);
            to_lab(a, &fp->moment[3 * s]);
            to_lab(a, &fp->cop[3 * s]);
        }
        for (int q = 0; q < 4; q++)
            to_lab(a, fp->corners[q]);
        to_lab(a, fp->origin);
    }
}

void kc_analog_clear(kc_analog *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_channels; i++) {
        if (a->labels)
            free(a->labels[i]);
        if (a->units)
            free(a->units[i]);
    }
    free(a->labels);
    free(a->units);
    free(a->values);
    memset(a, 0, sizeof *a);
}

int kc_import_write(const char *path, const kc_traj *t, const kc_import_extras *x,
                    const kc_provenance *prov)
{
    bool extra = x && (x->vertical || x->axes_applied || (x->analog && x->analog->n_channels));
    if (!extra)
        return kc_traj_write(path, t, prov);
    /* The trajectories are written by their own module to our temporary, which is then
     * reopened to add the extras and committed as one file. */
    /* the folder must take the file: otherwise the error would name our temporary */
    {
        const char *sl = strrchr(path, '/');
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", sl ? (int)(sl - path) + 1 : 1, sl ? path : ".");
        if (access(dir, W_OK) != 0) {
            KC_ERROR("cannot write \"%s\": %s", path, strerror(errno));
            return KC_EIO;
        }
    }
    kc_atomic_sweep(path);   /* temporaries of path left by killed runs */
    char *tmp = kc_atomic_tmpname(path);
    if (!tmp) {
        KC_ERROR("cannot write \"%s\": out of memory", path);
        return KC_ENOMEM;
    }
    int st = kc_traj_write(tmp, t, prov);
    if (st) {
        free(tmp);
        return st;
    }
    kc_h5 *h = calloc(1, sizeof *h);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (!h || fapl < 0 || !(h->path = strdup(path))) {
        if (fapl >= 0)
            H5Pclose(fapl);
        if (h)
            free(h->path);
        free(h);
        unlink(tmp);
        free(tmp);
        KC_ERROR("cannot write \"%s\": out of memory", path);
        return KC_ENOMEM;
    }
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
#if H5_VERSION_GE(1, 10, 7)
    H5Pset_file_locking(fapl, 1, 1);
#endif
    h->tmp = tmp;
    snprintf(h->kind, sizeof h->kind, "%s", "trajectories");
    h->fid = H5Fopen(tmp, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (h->fid < 0) {
        KC_ERROR("cannot write \"%s\": reopening the temporary failed", path);
        h->fid = H5I_INVALID_HID;
        kc_h5_discard(h);
        return KC_EIO;
    }
    if (x->vertical &&
        ((st = kc_h5_attr_set_str(h, "/", "vertical_check", x->vertical->text)) ||
         (st = kc_h5_attr_set_str(h, "/", "vertical_axis", x->vertical->axis))))
        goto fail;
    if (x->axes_applied && (st = kc_h5_attr_set_str(h, "/", "axes_applied", x->axes_applied)))
        goto fail;
    const kc_analog *a = x->analog;
    if (a && a->n_channels) {
        size_t d[2] = {a->n_samples, a->n_channels};
        if ((st = kc_h5_group(h, "/analog")) ||
            (st = kc_h5_attr_set_f64(h, "/analog", "rate_hz", a->rate_hz)) ||
            (st = kc_h5_write(h, "/analog/values", KC_H5_F64, 2, d, a->values,
                              "see /analog/units", "sample,channel")) ||
            (st = kc_h5_write_strings(h, "/analog/labels", a->n_channels,
                                      (const char *const *)a->labels)) ||
            (st = kc_h5_attr_set_str(h, "/analog/labels", "dims", "channel")) ||
            (st = kc_h5_write_strings(h, "/analog/units", a->n_channels,
                                      (const char *const *)a->units)) ||
            (st = kc_h5_attr_set_str(h, "/analog/units", "dims", "channel")))
            goto fail;
    }
    return kc_h5_commit(h);
fail:
    kc_h5_discard(h);
    return st;
}

int kc_import_read_analog(const char *path, kc_analog *out)
{
    memset(out, 0, sizeof *out);
    kc_h5 *h = NULL;
    int st = kc_h5_open(&h, path, "trajectories");
    if (st)
        return st;
    if (!kc_h5_exists(h, "/analog/values")) {
        kc_h5_close(h);
        return KC_OK;
    }
    size_t d[2] = {0, 0}, nl = 0, nu = 0;
    void *v = NULL;
    double rate = NAN;
    if ((st = kc_h5_read(h, "/analog/values", KC_H5_F64, 2, d, &v)))
        goto fail;
    out->values = v;
    if ((st = kc_h5_attr_get_f64(h, "/analog", "rate_hz", &rate)))
        goto fail;
    out->n_samples = d[0];
    out->n_channels = d[1];
    out->rate_hz = rate;
    nl = d[1];
    nu = d[1];
    if ((st = kc_h5_read_strings(h, "/analog/labels", &nl, &out->labels)) ||
        (st = kc_h5_read_strings(h, "/analog/units", &nu, &out->units)))
        goto fail;
    if (!(rate > 0) || !isfinite(rate)) {
        st = kc_h5_fail(h, KC_EINVAL, "/analog", "rate_hz = %g, expected > 0", rate);
        goto fail;
    }
    kc_h5_close(h);
    return KC_OK;
fail:
    kc_h5_close(h);
    kc_analog_clear(out);   /* labels and units are NULL or complete */
    return st;
}
