/* kinechain — a parsed C3D file as trajectories: markers, residuals and camera counts from
 * the 4th word, model outputs, unlabelled points, events, subject parameters, force plates. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c3d_internal.h"
#include "kinechain/import.h"
#include "kinechain/log.h"

#define LABEL_MAX 256

kc_c3d_import_opts kc_c3d_default_import_opts(void)
{
    kc_c3d_import_opts o;
    memset(&o, 0, sizeof o);
    o.cop_min_fz_n = 10.0;
    return o;
}

double kc_c3d_units_mm(const char *u)
{
    if (!u || !*u || strcasecmp(u, "mm") == 0)
        return 1.0;
    if (strcasecmp(u, "cm") == 0)
        return 10.0;
    if (strcasecmp(u, "m") == 0)
        return 1000.0;
    return 0.0;
}

/* The strings of a char parameter, sorted, for lookups in O(log n): POINT:ANGLES may hold
 * 65,025 names and a file 65,535 points. */
typedef struct strset {
    char **v;
    size_t n;
} strset;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strset_free(strset *s)
{
    for (size_t i = 0; s->v && i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* All strings of POINT:<base>, <base>2, <base>3, ... */
static int strset_from(strset *s, const kc_c3d *c, const char *base)
{
    size_t total = 0, cap = 0;
    s->n = 0;
    s->v = NULL;
    for (int part = 1; part < 300; part++) {
        char pname[32];
        if (part == 1)
            snprintf(pname, sizeof pname, "%s", base);
        else
            snprintf(pname, sizeof pname, "%s%d", base, part);
        const kc_c3d_param *p = kc_c3d_find(c, "POINT", pname);
        if (!p)
            break;
        size_t n = kc_c3d_nstrings(p);
        total += n;
        if (total > cap) {
            char **nv = realloc(s->v, total * sizeof *nv);
            if (!nv)
                return KC_ENOMEM;
            s->v = nv;
            cap = total;
        }
        char buf[LABEL_MAX];
        for (size_t i = 0; i < n; i++) {
            kc_c3d_string(p, i, buf, sizeof buf);
            if (!buf[0])
                continue;
            if (!(s->v[s->n] = strdup(buf)))
                return KC_ENOMEM;
            s->n++;
        }
    }
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_str);
    return KC_OK;
}

static bool strset_has(const strset *s, const char *x)
{
    return s->n && bsearch(&x, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

/* Is the point (raw label or final label) listed in one of the sets? */
static bool listed(const strset *s, const char *raw, const char *label)
{
    return strset_has(s, raw) || strset_has(s, label);
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

/* Plug-in Gait segment-axis virtual points: 3-letter segment code + O/A/L/P. */
static bool is_segment_axis(const char *s)
{
    static const char *const seg[] = {"PEL", "LFE", "RFE", "LTI", "RTI", "LFO", "RFO", "LTO",
                                      "RTO", "HED", "TRX", "LCL", "RCL", "LHU", "RHU", "LRA",
                                      "RRA", "LHN", "RHN", "SPN", "LTL", "RTL"};
    if (strlen(s) != 4 || !strchr("OALP", s[3]))
        return false;
    for (size_t i = 0; i < sizeof seg / sizeof seg[0]; i++)
        if (strncmp(s, seg[i], 3) == 0)
            return true;
    return false;
}

/* Kind of model output a point is, or NULL for a marker. */
static const char *const list_params[4] = {"ANGLES", "FORCES", "MOMENTS", "POWERS"};
static const char *const list_kinds[4] = {"angle", "force", "moment", "power"};

static const char *output_kind(const strset lists[4], const char *raw, const char *label)
{
    for (int k = 0; k < 4; k++)
        if (listed(&lists[k], raw, label))
            return list_kinds[k];
    char s[LABEL_MAX];
    snprintf(s, sizeof s, "%s", label);
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == 'V')
        s[n - 1] = '\0';   /* Nexus's "V" variants: LKneeAnglesV */
    if (ends_with(s, "Angles") || ends_with(s, "Angle"))
        return "angle";
    if (ends_with(s, "Force") || ends_with(s, "GRF"))
        return "force";
    if (ends_with(s, "Moment"))
        return "moment";
    if (ends_with(s, "Power"))
        return "power";
    if (is_segment_axis(label))
        return "bone";
    return NULL;
}

/* The labels of the P points from POINT:LABELS, LABELS2, LABELS3, ... ("" when missing),
 * each at most LABEL_MAX - 1 bytes, into buf [P][LABEL_MAX]. */
static void point_labels(const kc_c3d *c, size_t P, char (*buf)[LABEL_MAX])
{
    size_t m = 0;
    for (size_t i = 0; i < P; i++)
        buf[i][0] = '\0';
    for (int k = 1; k < 300 && m < P; k++) {
        char pname[16];
        if (k == 1)
            snprintf(pname, sizeof pname, "LABELS");
        else
            snprintf(pname, sizeof pname, "LABELS%d", k);
        const kc_c3d_param *p = kc_c3d_find(c, "POINT", pname);
        if (!p)
            return;
        size_t ns = kc_c3d_nstrings(p);
        for (size_t i = 0; i < ns && m < P; i++, m++)
            kc_c3d_string(p, i, buf[m], LABEL_MAX);
    }
}

/* Make names[0..n) unique: a repeated name gets _2, _3, ... (checked against every name);
 * one warning per kind of object. */
typedef struct named {
    char *name;
    size_t idx;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

static int make_unique(char **names, size_t n, const char *file, const char *what)
{
    named *v = malloc((n ? n : 1) * sizeof *v);
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!v || !sorted) {
        free(v);
        free(sorted);
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].name = names[i];
        v[i].idx = i;
        sorted[i] = names[i];
    }
    qsort(v, n, sizeof *v, cmp_named);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    size_t renamed = 0, k = 2;
    int st = KC_OK;
    for (size_t i = 1; i < n && st == KC_OK; i++) {
        if (strcmp(v[i].name, v[i - 1].name) != 0) {
            k = 2;   /* a new group of equal names */
            continue;
        }
        /* v[i] repeats: the next free suffix of its group */
        char buf[LABEL_MAX + 24];
        const char *base = v[i].name;
        for (;; k++) {
            snprintf(buf, sizeof buf, "%s_%zu", base, k);
            const char *key = buf;
            if (!bsearch(&key, sorted, n, sizeof *sorted, cmp_str))
                break;
        }
        k++;
        char *nn = strdup(buf);
        if (!nn) {
            st = KC_ENOMEM;
            break;
        }
        names[v[i].idx] = nn;   /* the old string stays alive in v[] until the end */
        renamed++;
    }
    if (renamed)
        kc_log(KC_LOG_WARNING, "kc_c3d_to_traj", "\"%s\": %zu %s repeat an earlier one; renamed "
               "with _2, _3, ...", file, renamed, what);
    /* free the replaced originals: those whose index now holds another string */
    for (size_t i = 0; i < n; i++)
        if (names[v[i].idx] != v[i].name)
            free(v[i].name);
    free(v);
    free(sorted);
    return st;
}

/* Make s a usable HDF5 link name and label: no '/', printable. */
static void sanitise(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '/' || !isprint((unsigned char)*p))
            *p = '_';
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        s[0] = '_';
}

static int add_subject(const kc_c3d *c, kc_traj *t)
{
    int st = KC_OK;
    for (size_t i = 0; i < c->n_params && st == KC_OK; i++) {
        const kc_c3d_param *p = &c->params[i];
        if (strcasecmp(p->group, "PROCESSING") != 0 || !p->name[0])
            continue;
        char name[LABEL_MAX];
        snprintf(name, sizeof name, "%s", p->name);
        sanitise(name);
        if (p->type == -1) {
            char buf[1024] = "", s[LABEL_MAX];
            size_t ns = kc_c3d_nstrings(p);
            for (size_t k = 0; k < ns; k++) {
                kc_c3d_string(p, k, s, sizeof s);
                if (k)
                    strncat(buf, ";", sizeof buf - strlen(buf) - 1);
                strncat(buf, s, sizeof buf - strlen(buf) - 1);
            }
            st = kc_attrs_set_str(&t->subject_params, name, buf);
        } else if (p->n == 1) {
            st = kc_attrs_set_f64(&t->subject_params, name, p->v[0]);
        } else if (p->n > 1) {
            st = kc_attrs_set_f64v(&t->subject_params, name, p->n, p->v);
        }
    }
    return st;
}

static int add_events(const kc_c3d *c, kc_traj *t)
{
    const kc_c3d_param *pl = kc_c3d_find(c, "EVENT", "LABELS");
    const kc_c3d_param *pc = kc_c3d_find(c, "EVENT", "CONTEXTS");
    const kc_c3d_param *pt = kc_c3d_find(c, "EVENT", "TIMES");
    long used = kc_c3d_count(kc_c3d_find(c, "EVENT", "USED"), 0);
    if (used <= 0 || !pt || !pt->v)
        return KC_OK;
    /* TIMES is [2, USED]: minutes, seconds */
    double t0 = (double)(c->first_frame - 1) / c->rate_hz;
    for (long i = 0; i < used; i++) {
        if ((size_t)(2 * i + 1) >= pt->n) {
            kc_log(KC_LOG_WARNING, __func__, "\"%s\": EVENT:USED is %ld but EVENT:TIMES holds %zu "
                   "times; the rest are ignored", c->name, used, pt->n / 2);
            break;
        }
        double tm = 60.0 * pt->v[2 * i] + pt->v[2 * i + 1];
        if (!isfinite(tm))
            continue;
        char label[LABEL_MAX] = "", ctx[LABEL_MAX] = "";
        kc_c3d_string(pl, (size_t)i, label, sizeof label);
        kc_c3d_string(pc, (size_t)i, ctx, sizeof ctx);
        const char *side = strncasecmp(ctx, "Left", 4) == 0 ? "L"
                         : strncasecmp(ctx, "Right", 5) == 0 ? "R" : "";
        int st = kc_traj_add_event(t, label[0] ? label : "event", side, tm - t0, "c3d");
        if (st)
            return st;
    }
    return KC_OK;
}

/* The header's events that the EVENT group does not hold at the same time (half a frame). */
static int add_header_events(const kc_c3d *c, kc_traj *t)
{
    double t0 = (double)(c->first_frame - 1) / c->rate_hz;
    size_t n0 = t->events ? kc_table_nrows(t->events) : 0;
    int ct = n0 ? kc_table_find(t->events, "time_s") : -1;
    for (size_t i = 0; i < c->n_header_events; i++) {
        double tm = c->header_event_s[i] - t0;
        bool dup = false;
        for (size_t r = 0; r < n0 && ct >= 0; r++)
            if (fabs(kc_table_get_f64(t->events, r, ct) - tm) < 0.5 / c->rate_hz)
                dup = true;
        if (dup)
            continue;
        const char *l = c->header_event_label[i];
        int st = kc_traj_add_event(t, l[0] ? l : "event", "", tm, "c3d_header");
        if (st)
            return st;
    }
    return KC_OK;
}

int kc_c3d_analog(const kc_c3d *c, kc_analog *out)
{
    memset(out, 0, sizeof *out);
    size_t A = c->n_analog, S = c->n_frames * c->analog_per_frame;
    if (A == 0 || S == 0)
        return KC_OK;
    bool *plate = calloc(A, sizeof *plate);
    size_t *keep = malloc(A * sizeof *keep);
    if (!plate || !keep)
        goto nomem;
    long used = kc_c3d_count(kc_c3d_find(c, "FORCE_PLATFORM", "USED"), 0);
    const kc_c3d_param *pch = kc_c3d_find(c, "FORCE_PLATFORM", "CHANNEL");
    if (used > 0 && pch && pch->v && pch->ndims >= 2) {
        size_t rows = (size_t)pch->dims[0];
        for (size_t i = 0; i < (size_t)used * rows && i < pch->n; i++) {
            double v = pch->v[i];
            if (v >= 1 && v <= (double)A)
                plate[(size_t)v - 1] = true;
        }
    }
    size_t n = 0;
    for (size_t a = 0; a < A; a++)
        if (!plate[a])
            keep[n++] = a;
    if (n == 0) {
        free(plate);
        free(keep);
        return KC_OK;
    }
    out->n_channels = n;
    out->n_samples = S;
    out->rate_hz = c->analog_rate_hz;
    out->labels = calloc(n, sizeof *out->labels);
    out->units = calloc(n, sizeof *out->units);
    out->values = malloc(n * S * sizeof *out->values);
    if (!out->labels || !out->units || !out->values)
        goto nomem;
    for (size_t j = 0; j < n; j++) {
        char l[LABEL_MAX] = "", u[64] = "";
        kc_c3d_string_multi(c, "ANALOG", "LABELS", keep[j], l, sizeof l);
        kc_c3d_string_multi(c, "ANALOG", "UNITS", keep[j], u, sizeof u);
        if (!l[0])
            snprintf(l, sizeof l, "A%zu", keep[j] + 1);
        sanitise(l);
        if (!(out->labels[j] = strdup(l)) || !(out->units[j] = strdup(u[0] ? u : "1")))
            goto nomem;
        for (size_t s = 0; s < S; s++)
            out->values[s * n + j] = c->analog[s * A + keep[j]];
    }
    free(plate);
    free(keep);
    return KC_OK;
nomem:
    free(plate);
    free(keep);
    kc_analog_clear(out);
    kc_log(KC_LOG_ERROR, __func__, "\"%s\": out of memory", c->name);
    return KC_ENOMEM;
}

int kc_c3d_to_traj(const kc_c3d *c, const kc_c3d_import_opts *opts, kc_traj **out)
{
    *out = NULL;
    kc_c3d_import_opts def = kc_c3d_default_import_opts();
    if (!opts)
        opts = &def;
    size_t F = c->n_frames, P = c->n_points;
    int st = KC_ENOMEM;
    strset lists[4];
    memset(lists, 0, sizeof lists);
    char (*raw)[LABEL_MAX] = malloc((P ? P : 1) * sizeof *raw);
    char **names = calloc(P ? P : 1, sizeof *names);
    const char **kinds = calloc(P ? P : 1, sizeof *kinds);
    int *role = calloc(P ? P : 1, sizeof *role);   /* 0 marker, 1 output, 2 unlabelled */
    char **mlabels = calloc(P ? P : 1, sizeof *mlabels);
    char **onames = calloc(P ? P : 1, sizeof *onames);
    size_t *oidx = calloc(P ? P : 1, sizeof *oidx);
    double *buf = NULL;
    kc_traj *t = kc_traj_alloc();
    if (!raw || !names || !kinds || !role || !mlabels || !onames || !oidx || !t)
        goto fail;
    for (int k = 0; k < 4; k++)
        if ((st = strset_from(&lists[k], c, list_params[k])))
            goto fail;
    st = KC_ENOMEM;

    char units[32] = "";
    kc_c3d_string(kc_c3d_find(c, "POINT", "UNITS"), 0, units, sizeof units);
    double mm = kc_c3d_units_mm(units);
    if (mm == 0) {
        kc_log(KC_LOG_WARNING, __func__, "\"%s\": POINT:UNITS \"%s\" unknown; taken as mm",
               c->name, units);
        mm = 1.0;
    }

    point_labels(c, P, raw);
    size_t M = 0, U = 0, NO = 0;
    for (size_t m = 0; m < P; m++) {
        char lab[LABEL_MAX];
        const char *s = raw[m];
        const char *colon = strchr(raw[m], ':');
        if (opts->strip_prefix && colon)
            s = colon + 1;
        snprintf(lab, sizeof lab, "%s", s);
        for (size_t k = 0; k < opts->n_map; k++)
            if (strcmp(lab, opts->map_from[k]) == 0) {
                snprintf(lab, sizeof lab, "%s", opts->map_to[k]);
                break;
            }
        sanitise(lab);
        if (!lab[0])
            snprintf(lab, sizeof lab, "P%zu", m + 1);
        if (!(names[m] = strdup(lab)))
            goto fail;
        kinds[m] = output_kind(lists, raw[m], lab);
        role[m] = kinds[m] ? 1 : (lab[0] == '*' ? 2 : 0);
        if (role[m] == 0) {
            if (!(mlabels[M++] = strdup(lab)))
                goto fail;
        } else if (role[m] == 1) {
            if (!(onames[NO] = strdup(lab)))
                goto fail;
            oidx[NO++] = m;
        } else {
            U++;
        }
    }
    /* labels and output names must be unique */
    if ((st = make_unique(mlabels, M, c->name, "marker labels")) ||
        (st = make_unique(onames, NO, c->name, "model output names")))
        goto fail;
    st = KC_ENOMEM;

    t->rate_hz = c->rate_hz;
    t->first_frame = c->first_frame;
    t->start_time_s = (double)(c->first_frame - 1) / c->rate_hz;
    if ((st = kc_traj_alloc_arrays(t, F, M, mlabels, KC_RESIDUAL_MM, true, true)))
        goto fail;
    st = KC_ENOMEM;
    if (U) {
        if (!(t->unlabelled = malloc(F * U * 3 * sizeof *t->unlabelled + 1)))
            goto fail;
        t->n_unlabelled = U;
    }
    double sc = fabs(c->scale);
    for (size_t f = 0; f < F; f++) {
        size_t mi = 0, ui = 0;
        for (size_t m = 0; m < P; m++) {
            size_t i = f * P + m;
            const double *x = &c->xyz[3 * i];
            if (role[m] == 2) {
                for (int k = 0; k < 3; k++)
                    t->unlabelled[3 * (f * U + ui) + k] = x[k] * mm;
                ui++;
            }
            if (role[m] != 0)
                continue;
            size_t o = f * M + mi;
            int32_t w = c->word4[i];
            for (int k = 0; k < 3; k++)
                t->position[3 * o + k] = x[k] * mm;
            if (w >= 0) {
                unsigned mask = ((unsigned)w >> 8) & 0x7fu;
                unsigned n = 0;
                for (unsigned b = mask; b; b >>= 1)
                    n += b & 1u;
                t->residual[o] = (double)(w & 0xff) * sc * mm;
                t->n_cameras_seen[o] = (uint8_t)n;
                t->filled[o] = (w & 0xff) == 0 && mask == 0 ? KC_FILL_OTHER : KC_FILL_MEASURED;
            }
            mi++;
        }
    }

    /* model outputs: in the file's own units (degrees, N, N·mm, W ...), bones in mm */
    if (!(buf = malloc((F ? F : 1) * 3 * sizeof *buf)))
        goto fail;
    for (size_t j = 0; j < NO; j++) {
        size_t m = oidx[j];
        double s = strcmp(kinds[m], "bone") == 0 ? mm : 1.0;
        for (size_t f = 0; f < F; f++)
            for (int k = 0; k < 3; k++)
                buf[3 * f + k] = c->xyz[3 * (f * P + m) + k] * s;
        if ((st = kc_traj_add_model_output(t, onames[j], kinds[m], buf)))
            goto fail;
    }

    char subj[LABEL_MAX] = "";
    kc_c3d_string(kc_c3d_find(c, "SUBJECTS", "NAMES"), 0, subj, sizeof subj);
    st = KC_ENOMEM;
    if (subj[0] && !(t->subject = strdup(subj)))
        goto fail;
    if ((st = add_subject(c, t)) || (st = add_events(c, t)) ||
        (st = add_header_events(c, t)) ||
        (st = kc_c3d_forceplates(c, mm, opts->cop_min_fz_n, t)))
        goto fail;
    *out = t;
    t = NULL;
    st = KC_OK;
fail:
    if (st == KC_ENOMEM)
        kc_log(KC_LOG_ERROR, __func__, "\"%s\": out of memory", c->name);
    for (size_t m = 0; m < P; m++) {
        if (names)
            free(names[m]);
        if (mlabels)
            free(mlabels[m]);
        if (onames)
            free(onames[m]);
    }
    for (int k = 0; k < 4; k++)
        strset_free(&lists[k]);
    free(raw);
    free(names);
    free(kinds);
    free(role);
    free(mlabels);
    free(onames);
    free(oidx);
    free(buf);
    kc_traj_free(t);
    return st;
}
