/* kc-stats reports: read what kc-stats wrote and the trials' files, draw the figures and write
 * report.html and one page per athlete (see report.h and docs/reports.md). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <omp.h>

#include "kinechain/atomic.h"
#include "kinechain/cli.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/metrics.h"
#include "report.h"

/* ---- small helpers ---------------------------------------------------------------------- */

char *kc_rep_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

const char *kc_rep_str(const kc_table *t, size_t row, const char *col)
{
    int c = t ? kc_table_find(t, col) : -1;
    return c < 0 ? "" : kc_table_get_str(t, row, c);
}

double kc_rep_num(const kc_table *t, size_t row, const char *col)
{
    const char *s = kc_rep_str(t, row, col);
    if (!*s)
        return NAN;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    return (*end || errno == ERANGE) ? NAN : v;
}

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

void kc_html_esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

void kc_html_num(FILE *fp, double v, int decimals)
{
    if (!isfinite(v))
        fputs("&ndash;", fp);
    else if (v != 0 && (fabs(v) < 1e-3 || fabs(v) >= 1e6))
        fprintf(fp, "%.3g", v);
    else
        fprintf(fp, "%.*f", decimals, v);
}

/* Inline CSS only: the pages must work from a USB stick with no network. */
void kc_html_head(FILE *fp, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", fp);
    kc_html_esc(fp, title);
    fputs("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10.5pt;margin:1.5em auto;"
          "max-width:60em;color:#111;line-height:1.35}\n"
          "h1{font-size:17pt;margin-bottom:.2em}h2{font-size:13pt;border-bottom:1px solid #999;"
          "margin-top:1.6em}h3{font-size:11pt}\n"
          "table{border-collapse:collapse;margin:.5em 0;font-size:9pt}\n"
          "th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}\n"
          "th{background:#eee}td.l,th.l{text-align:left}\n"
          "figure{margin:1em 0;page-break-inside:avoid}figure img{max-width:100%;"
          "border:1px solid #ddd}\nfigcaption{font-size:9pt;color:#333}\n"
          ".warn{background:#fff3cd;border:1px solid #e0c060;padding:.4em .7em}\n"
          ".note{color:#444;font-size:9pt}\n"
          ".ok{color:#075}.bad{color:#a00}\n"
          "@media print{body{margin:0;max-width:none;font-size:9.5pt}a{color:inherit;"
          "text-decoration:none}h2{page-break-after:avoid}nav{display:none}}\n"
          "</style>\n</head>\n<body>\n",
          fp);
}

int kc_rep_save(const kc_report *r, kc_plot *p, const char *name, const char *source)
{
    char *path = kc_rep_fmt("%s/%s", r->plots_dir, name);
    if (!path)
        return KC_ENOMEM;
    char version[64];
    snprintf(version, sizeof version, "%s", KC_VERSION);
    kc_png_text text[4] = {{"Software", "kinechain kc-stats"},
                           {"kinechain version", version},
                           {"Source", source},
                           {"Command", r->command}};
    int st = kc_png_write(p->surface, path, text, *r->command ? 4 : 3, KC_PLOT_DPI);
    free(path);
    return st;
}

/* ---- reading kc-stats' outputs ------------------------------------------------------------ */

void kc_rep_curves_free(kc_curves *c)
{
    free(c->data);
    kc_table_free(c->index);
    memset(c, 0, sizeof *c);
}

int kc_rep_curves_load(const kc_report *r, const char *name, kc_curves *out, int *found)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    char data[256], index[256];
    snprintf(data, sizeof data, "/curves/%s/data", name);
    snprintf(index, sizeof index, "/curves/%s/index", name);
    if (!kc_h5_exists(r->cohort, data) || !kc_h5_exists(r->cohort, index))
        return KC_OK;
    static const char *const req[] = {"subject", "by", NULL};
    size_t dims[3] = {0, 0, 0};
    int st = kc_h5_read(r->cohort, data, KC_H5_F64, 3, dims, (void **)&out->data);
    if (!st)
        st = kc_h5_read_table(r->cohort, index, req, &out->index);
    if (!st && kc_table_nrows(out->index) != dims[0]) {
        KC_ERROR("\"%s\": %s has %zu curves, its index %zu rows", kc_h5_path(r->cohort), data,
                 dims[0], kc_table_nrows(out->index));
        st = KC_ESHAPE;
    }
    if (st) {
        kc_rep_curves_free(out);
        return st;
    }
    out->n_curves = dims[0];
    out->n_points = dims[1];
    out->n_components = dims[2];
    *found = 1;
    return KC_OK;
}

static int cmp_row_key(const void *a, const void *b)
{
    const kc_rep_row_key *x = a, *y = b;
    int c = strcmp(x->subject, y->subject);
    if (!c)
        c = strcmp(x->by, y->by);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* r->subject_keys from subjects_csv: sorted once, searched per athlete (O(log n) instead of a
 * scan of every row for every athlete, which made the pages quadratic in the cohort). */
static int index_subject_rows(kc_report *r)
{
    const kc_table *t = r->subjects_csv;
    size_t n = kc_table_nrows(t);
    int cs = kc_table_find(t, "subject"), cb = kc_table_find(t, "by");
    if (!(r->subject_keys = malloc((n ? n : 1) * sizeof *r->subject_keys)))
        return KC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        r->subject_keys[i] = (kc_rep_row_key){cs >= 0 ? kc_table_get_str(t, i, cs) : "",
                                              cb >= 0 ? kc_table_get_str(t, i, cb) : "", i};
    qsort(r->subject_keys, n, sizeof *r->subject_keys, cmp_row_key);
    r->n_subject_keys = n;
    return KC_OK;
}

size_t kc_rep_subject_rows(const kc_report *r, const char *subject, const char *by,
                           size_t *first)
{
    size_t lo = 0, hi = r->n_subject_keys;
    kc_rep_row_key key = {subject, by, 0};
    while (lo < hi) {   /* the first key >= (subject, by, 0) */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_row_key(&r->subject_keys[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    size_t n = 0;
    while (lo + n < r->n_subject_keys && strcmp(r->subject_keys[lo + n].subject, subject) == 0 &&
           strcmp(r->subject_keys[lo + n].by, by) == 0)
        n++;
    return n;
}

static int read_csv(const kc_report *r, const char *name, int required, kc_table **out)
{
    char *path = kc_rep_fmt("%s/%s.csv", r->p->out_dir, name);
    if (!path)
        return KC_ENOMEM;
    int st = KC_OK;
    *out = NULL;
    if (access(path, F_OK) == 0 || required)
        st = kc_table_read_csv(path, out);
    free(path);
    return st;
}

/* Captures the last error message of a reader, so that a broken trial file becomes a line
 * of the report rather than a line on stderr. */
typedef struct capture {
    char msg[512];
} capture;

static void capture_sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)func;
    capture *c = data;
    if (level == KC_LOG_ERROR)
        snprintf(c->msg, sizeof c->msg, "%s", msg);
}

static char *why(const capture *c, int st)
{
    return strdup(*c->msg ? c->msg : kc_strerror(st));
}

/* ---- per-trial information from the kinematics and trajectory files ------------------------ */

static long event_frame(const kc_table *ev, const char *name, const char *side)
{
    if (!ev)
        return -1;
    int cn = kc_table_find(ev, "name"), cs = kc_table_find(ev, "side"),
        cf = kc_table_find(ev, "frame");
    for (size_t i = 0; i < kc_table_nrows(ev); i++)
        if (strcmp(kc_table_get_str(ev, i, cn), name) == 0 &&
            strcmp(kc_table_get_str(ev, i, cs), side) == 0) {
            int64_t f = kc_table_get_i64(ev, i, cf);
            return f == INT64_MIN ? -1 : (long)f;
        }
    return -1;
}

static kc_table *copy_table(const kc_table *t)
{
    if (!t)
        return NULL;
    int nc = kc_table_ncols(t);
    const char *names[64];
    enum kc_col_type types[64];
    if (nc > 64)
        return NULL;
    for (int c = 0; c < nc; c++) {
        names[c] = kc_table_col_name(t, c);
        types[c] = kc_table_col_type(t, c);
    }
    kc_table *o = kc_table_alloc(nc, names, types);
    for (size_t i = 0; o && i < kc_table_nrows(t); i++) {
        long r = kc_table_add_row(o);
        if (r < 0) {
            kc_table_free(o);
            return NULL;
        }
        for (int c = 0; c < nc; c++) {
            int st = types[c] == KC_COL_STR ? kc_table_set_str(o, (size_t)r, c, kc_table_get_str(t, i, c))
                     : types[c] == KC_COL_F64 ? kc_table_set_f64(o, (size_t)r, c, kc_table_get_f64(t, i, c))
                                              : kc_table_set_i64(o, (size_t)r, c, kc_table_get_i64(t, i, c));
            if (st) {
                kc_table_free(o);
                return NULL;
            }
        }
    }
    return o;
}

/* Frontal-plane joint centres at frame f: lateral axis = horizontal direction from the right
 * to the left hip centre, vertical = lab Z (DESIGN.md: Z up). */
static void stick_at(const kc_kin *k, long f, double out[KC_REP_NCENTRES][2])
{
    static const char *const names[KC_REP_NCENTRES] = {"LHJC", "LKJC", "LAJC",
                                                       "RHJC", "RKJC", "RAJC"};
    const double *c[KC_REP_NCENTRES];
    for (int j = 0; j < KC_REP_NCENTRES; j++) {
        out[j][0] = out[j][1] = NAN;
        const kc_series3 *s = kc_kin_centre(k, names[j]);
        if (!s || f < 0 || (size_t)f >= k->n_frames)
            return;
        c[j] = s->data + (size_t)f * 3;
    }
    double lx = c[0][0] - c[3][0], ly = c[0][1] - c[3][1], n = hypot(lx, ly);
    if (!(n > 0))
        return;
    lx /= n;
    ly /= n;
    double mx = 0.5 * (c[0][0] + c[3][0]), my = 0.5 * (c[0][1] + c[3][1]),
           mz = 0.5 * (c[0][2] + c[3][2]);
    for (int j = 0; j < KC_REP_NCENTRES; j++) {
        out[j][0] = (c[j][0] - mx) * lx + (c[j][1] - my) * ly;
        out[j][1] = c[j][2] - mz;
    }
}

static void read_chain(kc_rep_trial *t)
{
    kc_h5 *h = NULL;
    if (kc_h5_open(&h, t->kin_path, "kinematics"))
        return;
    if (kc_h5_exists(h, "/chain")) {
        t->has_chain = 1;
        if (kc_h5_attr_get_str(h, "/chain", "summary_L", &t->chain[0]))
            t->chain[0] = NULL;
        if (kc_h5_attr_get_str(h, "/chain", "summary_R", &t->chain[1]))
            t->chain[1] = NULL;
    }
    kc_h5_close(h);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Data quality: the kinematics file does not carry gaps or residuals, so they are read from
 * the trajectory file kc-ik was run on: the first input of the kinematics file's /provenance
 * (as given on kc-ik's command line; tried as is, then relative to the kinematics file). */
static void read_quality(kc_rep_trial *t, double rate_hz, size_t n_frames, capture *cap)
{
    kc_h5 *h = NULL;
    char *name = NULL;
    unsigned char *filled = NULL;
    double *res = NULL, *pos = NULL, *tmp = NULL;
    if (kc_h5_open(&h, t->kin_path, "kinematics") == KC_OK) {
        if (!kc_h5_exists(h, "/provenance") ||
            kc_h5_attr_get_str(h, "/provenance", "input_0_name", &name))
            name = NULL;
        kc_h5_close(h);
        h = NULL;
    }
    if (!name) {
        t->quality_error = strdup("the kinematics file has no /provenance (written with "
                                  "--no-provenance), so its trajectory file is unknown");
        return;
    }
    if (name[0] != '/' && access(name, R_OK) != 0) {
        const char *slash = strrchr(t->kin_path, '/');
        int dl = slash ? (int)(slash - t->kin_path) : 1;
        char *alt = kc_rep_fmt("%.*s/%s", dl, slash ? t->kin_path : ".", name);
        if (alt && access(alt, R_OK) == 0) {
            free(name);
            name = alt;
        } else {
            free(alt);
        }
    }
    t->traj_path = name;
    cap->msg[0] = '\0';
    size_t d2[2] = {0, 0}, d3[3] = {0, 0, 3}, dr[2] = {0, 0};
    int st = kc_h5_open(&h, name, "trajectories");
    if (!st)
        st = kc_h5_read(h, "/filled", KC_H5_U8, 2, d2, (void **)&filled);
    if (!st)
        st = kc_h5_read(h, "/position", KC_H5_F64, 3, d3, (void **)&pos);
    const char *ru = NULL;
    if (!st) {
        ru = kc_h5_exists(h, "/residual_px") ? "px" : kc_h5_exists(h, "/residual_mm") ? "mm" : NULL;
        if (ru)
            st = kc_h5_read(h, ru[0] == 'p' ? "/residual_px" : "/residual_mm", KC_H5_F64, 2, dr,
                            (void **)&res);
    }
    if (st) {
        t->quality_error = kc_rep_fmt("trajectory file \"%s\": %s", name,
                                      *cap->msg ? cap->msg : kc_strerror(st));
        goto done;
    }
    size_t F = d2[0], M = d2[1];
    if (d3[0] != F || d3[1] != M || (res && (dr[0] != F || dr[1] != M))) {
        t->quality_error = kc_rep_fmt("trajectory file \"%s\": /filled, /position and the "
                                      "residuals disagree in shape", name);
        goto done;
    }
    if (F != n_frames) {
        t->quality_error = kc_rep_fmt("trajectory file \"%s\" has %zu frames, the kinematics "
                                      "file %zu: not the file kc-ik read", name, F, n_frames);
        goto done;
    }
    t->q_frames = F;
    t->q_markers = M;
    size_t gap = 0, miss = 0, nres = 0;
    if (!(tmp = malloc((F * M > 0 ? F * M : 1) * sizeof *tmp))) {
        t->quality_error = strdup("out of memory");
        goto done;
    }
    for (size_t i = 0; i < F * M; i++) {
        int nan = !isfinite(pos[3 * i]);
        int fl = filled[i] >= 1 && filled[i] <= 3;
        miss += nan;
        gap += nan || fl;
        if (res && filled[i] == 0 && !nan && isfinite(res[i]))
            tmp[nres++] = res[i];
    }
    t->gap_pct = F * M > 0 ? 100.0 * (double)gap / (double)(F * M) : NAN;
    t->missing_pct = F * M > 0 ? 100.0 * (double)miss / (double)(F * M) : NAN;
    t->resid_median = t->resid_p95 = NAN;
    t->resid_units = ru;
    if (nres) {
        qsort(tmp, nres, sizeof *tmp, cmp_double);
        t->resid_median = gsl_stats_median_from_sorted_data(tmp, 1, nres);
        t->resid_p95 = gsl_stats_quantile_from_sorted_data(tmp, 1, nres, 0.95);
    }
    t->ic_window_s = 0.05;
    long half = (long)lround(t->ic_window_s * rate_hz);
    for (int s = 0; s < 2; s++) {
        t->ic_filled[s] = t->ic_samples[s] = 0;
        if (t->ic_frame[s] < 0)
            continue;
        for (long f = t->ic_frame[s] - half; f <= t->ic_frame[s] + half; f++) {
            if (f < 0 || (size_t)f >= F)
                continue;
            for (size_t m = 0; m < M; m++) {
                size_t i = (size_t)f * M + m;
                t->ic_samples[s]++;
                t->ic_filled[s] += !isfinite(pos[3 * i]) || (filled[i] >= 1 && filled[i] <= 3);
            }
        }
    }
done:
    kc_h5_close(h);
    free(filled);
    free(pos);
    free(res);
    free(tmp);
}

/* Reads what the report needs of a trial's kinematics and trajectory files; KC_ENOMEM only
 * (an unreadable file is t->kin_error / t->quality_error, shown on the pages). */
static int read_trial_files(kc_rep_trial *t)
{
    kc_kin *k = NULL;
    capture cap = {{0}};
    for (int s = 0; s < 2; s++) {
        t->stick_frame[s] = -1;
        t->peak_valgus[s] = NAN;
        t->ic_frame[s] = -1;
        for (int j = 0; j < KC_REP_NCENTRES; j++)
            t->stick[s][j][0] = t->stick[s][j][1] = NAN;
    }
    t->gap_pct = t->missing_pct = t->resid_median = t->resid_p95 = NAN;
    if (access(t->kin_path, R_OK) != 0) {
        t->kin_error = kc_rep_fmt("cannot open \"%s\": %s", t->kin_path, strerror(errno));
        return KC_OK;
    }
    /* every message of the readers goes into the report, not onto stderr */
    kc_log_set_sink(capture_sink, &cap);
    int st = kc_kin_read(t->kin_path, &k);
    if (st) {
        kc_log_set_sink(NULL, NULL);
        t->kin_error = why(&cap, st);
        return KC_OK;
    }
    const kc_attr *mn = kc_attrs_find(&k->model, "name");
    t->model = dup0(mn && mn->str ? mn->str : NULL);
    t->events = copy_table(k->events);
    static const char *const sn[2] = {"L", "R"};
    for (int s = 0; s < 2; s++)
        t->ic_frame[s] = event_frame(k->events, "initial_contact", sn[s]);
    if (k->metrics) {
        const kc_table *m = k->metrics;
        int cn = kc_table_find(m, "name"), cs = kc_table_find(m, "side"),
            cv = kc_table_find(m, "value"), cf = kc_table_find(m, "frame");
        for (size_t i = 0; i < kc_table_nrows(m); i++) {
            if (strcmp(kc_table_get_str(m, i, cn), "peak_knee_valgus_deg") != 0)
                continue;
            const char *side = kc_table_get_str(m, i, cs);
            int s = strcmp(side, "L") == 0 ? 0 : strcmp(side, "R") == 0 ? 1 : -1;
            int64_t f = kc_table_get_i64(m, i, cf);
            if (s < 0 || f == INT64_MIN)
                continue;
            t->stick_frame[s] = (long)f;
            t->peak_valgus[s] = kc_table_get_f64(m, i, cv);
            stick_at(k, (long)f, t->stick[s]);
        }
    }
    read_chain(t);
    read_quality(t, k->rate_hz, k->n_frames, &cap);
    kc_log_set_sink(NULL, NULL);
    /* what the athlete page's figures draw (they run in parallel, without HDF5) */
    t->kin_read = 1;
    st = KC_OK;
    for (int s = 0; s < 2 && !st; s++) {
        for (int c = 0; c < 3 && !st; c++)
            t->landing[s][c] = kc_rep_landing_curve(k, s, c, &st);
        if (!st)
            st = kc_rep_landing_of(k, s, &t->kinetics[s]);
    }
    kc_kin_free(k);
    return st;
}

/* ---- trials, subjects, levels ----------------------------------------------------------- */

static char *slug_of(const char *id)
{
    size_t n = strlen(id);
    char *s = malloc(n + 2);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        s[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_')
                   ? c
                   : '_';
    }
    if (n == 0 || s[0] == '.')
        s[n++] = '_';
    s[n] = '\0';
    return s;
}

/* The manifest's rows sorted by (subject, session, trial), so that each trial's row is found by
 * bisection: 10,000 trials stay n log n instead of a scan of the manifest per trial. */
typedef struct man_key {
    const char *subject, *session, *trial;
    size_t row;
} man_key;

typedef struct man_index {
    const kc_table *man;
    man_key *keys;
    size_t n;
} man_index;

static int man_key_cmp(const man_key *k, const char *subject, const char *session,
                       const char *trial)
{
    int c = strcmp(k->subject, subject);
    if (!c)
        c = strcmp(k->session, session);
    if (!c)
        c = strcmp(k->trial, trial);
    return c;
}

static int man_key_sort(const void *a, const void *b)
{
    const man_key *x = a, *y = b;
    int c = man_key_cmp(x, y->subject, y->session, y->trial);
    /* equal keys keep the manifest's order: the first row with a kinematics cell wins, as a
     * scan in order would */
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* Without a session column every session compares equal (""), as the scan it replaces did. */
static int man_index_build(man_index *x, const kc_table *man)
{
    int has_session = kc_table_find(man, "session") >= 0;
    x->man = man;
    x->n = kc_table_nrows(man);
    x->keys = malloc((x->n ? x->n : 1) * sizeof *x->keys);
    if (!x->keys)
        return KC_ENOMEM;
    for (size_t i = 0; i < x->n; i++)
        x->keys[i] = (man_key){kc_rep_str(man, i, "subject"),
                               has_session ? kc_rep_str(man, i, "session") : "",
                               kc_rep_str(man, i, "trial"), i};
    qsort(x->keys, x->n, sizeof *x->keys, man_key_sort);
    return KC_OK;
}

/* The kinematics file of a trial, by kc-stats' documented rule (kc-stats --help): the
 * manifest's "kinematics" column relative to the manifest, else
 * KIN_DIR/<subject>/<trial>.kin.h5 with KIN_DIR defaulting to the manifest's folder. */
static char *kin_path_of(const kc_report *r, const man_index *x, const char *mdir,
                         const char *subject, const char *session, const char *trial)
{
    int ck = kc_table_find(x->man, "kinematics");
    if (ck >= 0) {
        if (kc_table_find(x->man, "session") < 0)
            session = "";
        /* first sorted position whose key is not below the trial's */
        size_t lo = 0, hi = x->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (man_key_cmp(&x->keys[mid], subject, session, trial) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < x->n && !man_key_cmp(&x->keys[lo], subject, session, trial); lo++) {
            const char *k = kc_table_get_str(x->man, x->keys[lo].row, ck);
            if (*k)
                return k[0] == '/' ? strdup(k) : kc_rep_fmt("%s/%s", mdir, k);
        }
    }
    const char *dir = r->p->kin_dir ? r->p->kin_dir : mdir;
    return kc_rep_fmt("%s/%s/%s.kin.h5", dir, subject, trial);
}

static int add_level(kc_report *r, const char *by)
{
    for (size_t i = 0; i < r->n_levels; i++)
        if (strcmp(r->levels[i], by) == 0)
            return KC_OK;
    char **v = realloc(r->levels, (r->n_levels + 1) * sizeof *v);
    if (!v)
        return KC_ENOMEM;
    r->levels = v;
    if (!(v[r->n_levels] = strdup(by)))
        return KC_ENOMEM;
    r->n_levels++;
    return KC_OK;
}

static int collect_trials(kc_report *r)
{
    kc_table *man = NULL;
    int st = kc_table_read_csv(r->p->manifest, &man);
    if (st)
        return st;
    const char *slash = strrchr(r->p->manifest, '/');
    char *mdir = slash ? kc_rep_fmt("%.*s", (int)(slash - r->p->manifest), r->p->manifest)
                       : strdup(".");
    if (!mdir) {
        kc_table_free(man);
        return KC_ENOMEM;
    }
    if (!*mdir) {   /* manifest in "/" */
        free(mdir);
        mdir = strdup("/");
    }
    const kc_table *tc = r->trials_csv;
    size_t nr = kc_table_nrows(tc);
    man_index mx = {0};
    r->trials = calloc(nr ? nr : 1, sizeof *r->trials);
    st = r->trials ? man_index_build(&mx, man) : KC_ENOMEM;
    for (size_t i = 0; i < nr && !st; i++) {
        const char *su = kc_rep_str(tc, i, "subject"), *se = kc_rep_str(tc, i, "session"),
                   *tr = kc_rep_str(tc, i, "trial"), *by = kc_rep_str(tc, i, "by");
        /* kc-stats writes the rows of one trial (L, R, both) together: compare with the
         * previous trial only, so that 10,000 trials stay linear */
        int seen = 0;
        if (r->n_trials) {
            const kc_rep_trial *t = &r->trials[r->n_trials - 1];
            seen = !strcmp(t->subject, su) && !strcmp(t->session, se) &&
                   !strcmp(t->trial, tr) && !strcmp(t->by, by);
        }
        if (seen)
            continue;
        kc_rep_trial *t = &r->trials[r->n_trials++];
        if (!(t->subject = strdup(su)) || !(t->session = strdup(se)) ||
            !(t->trial = strdup(tr)) || !(t->by = strdup(by)) ||
            !(t->group = strdup(kc_rep_str(tc, i, "group"))) ||
            !(t->sex = strdup(kc_rep_str(tc, i, "sex"))) ||
            !(t->kin_path = kin_path_of(r, &mx, mdir, su, se, tr)) || (st = add_level(r, by))) {
            st = st ? st : KC_ENOMEM;
            break;
        }
    }
    free(mx.keys);
    free(mdir);
    kc_table_free(man);
    return st;
}

static int collect_subjects(kc_report *r)
{
    r->subjects = calloc(r->n_trials ? r->n_trials : 1, sizeof *r->subjects);
    if (!r->subjects)
        return KC_ENOMEM;
    for (size_t i = 0; i < r->n_trials; i++) {
        const kc_rep_trial *t = &r->trials[i];
        kc_rep_subject *s = NULL;
        for (size_t j = 0; j < r->n_subjects && !s; j++)
            if (strcmp(r->subjects[j].id, t->subject) == 0)
                s = &r->subjects[j];
        if (!s) {
            s = &r->subjects[r->n_subjects++];
            if (!(s->id = strdup(t->subject)) || !(s->slug = slug_of(t->subject)) ||
                !(s->file = kc_rep_fmt("%s.html", s->slug)) || !(s->sex = strdup(t->sex)) ||
                !(s->group = strdup(t->group)) || !(s->by = strdup(t->by)))
                return KC_ENOMEM;
            /* two ids that sanitise alike ("a/b", "a_b") get distinct pages */
            for (size_t j = 0; j + 1 < r->n_subjects; j++)
                if (strcmp(r->subjects[j].slug, s->slug) == 0) {
                    char *x = kc_rep_fmt("%s_%zu", s->slug, r->n_subjects);
                    char *y = x ? kc_rep_fmt("%s.html", x) : NULL;
                    if (!x || !y) {
                        free(x);
                        return KC_ENOMEM;
                    }
                    free(s->slug);
                    free(s->file);
                    s->slug = x;
                    s->file = y;
                }
        }
        size_t *v = realloc(s->trials, (s->n_trials + 1) * sizeof *v);
        if (!v)
            return KC_ENOMEM;
        s->trials = v;
        v[s->n_trials++] = i;
    }
    /* the stick figure side: the side of the larger mean peak valgus over the trials */
    for (size_t j = 0; j < r->n_subjects; j++) {
        kc_rep_subject *s = &r->subjects[j];
        double sum[2] = {0, 0};
        size_t n[2] = {0, 0};
        for (size_t k = 0; k < s->n_trials; k++)
            for (int side = 0; side < 2; side++) {
                double v = r->trials[s->trials[k]].peak_valgus[side];
                if (isfinite(v) && isfinite(r->trials[s->trials[k]].stick[side][0][0])) {
                    sum[side] += v;
                    n[side]++;
                }
            }
        s->stick_side = n[0] || n[1] ? (!n[1] || (n[0] && sum[0] / (double)n[0] >=
                                                                sum[1] / (double)n[1])
                                            ? 0
                                            : 1)
                                     : -1;
        for (int c = 0; c < KC_REP_NCENTRES; c++)
            for (int d = 0; d < 2; d++) {
                double acc = 0;
                size_t cnt = 0;
                for (size_t k = 0; s->stick_side >= 0 && k < s->n_trials; k++) {
                    double v = r->trials[s->trials[k]].stick[s->stick_side][c][d];
                    if (isfinite(v)) {
                        acc += v;
                        cnt++;
                    }
                }
                s->stick[c][d] = cnt ? acc / (double)cnt : NAN;
            }
    }
    return KC_OK;
}

static void free_report(kc_report *r)
{
    kc_table_free(r->trials_csv);
    kc_table_free(r->subjects_csv);
    kc_table_free(r->groups_csv);
    kc_table_free(r->comparisons_csv);
    kc_table_free(r->left_right_csv);
    kc_table_free(r->reliability_csv);
    kc_table_free(r->spm_csv);
    kc_table_free(r->clusters_csv);
    kc_table_free(r->excluded_csv);
    free(r->subject_keys);
    kc_h5_close(r->cohort);
    for (size_t i = 0; i < r->n_trials; i++) {
        kc_rep_trial *t = &r->trials[i];
        free(t->subject);
        free(t->session);
        free(t->trial);
        free(t->by);
        free(t->group);
        free(t->sex);
        free(t->kin_path);
        free(t->kin_error);
        free(t->model);
        kc_table_free(t->events);
        free(t->chain[0]);
        free(t->chain[1]);
        free(t->traj_path);
        free(t->quality_error);
        for (int d = 0; d < 2; d++) {
            for (int c = 0; c < 3; c++)
                free(t->landing[d][c]);
            kc_rep_landing_free(&t->kinetics[d]);
        }
    }
    free(r->trials);
    for (size_t i = 0; i < r->n_subjects; i++) {
        kc_rep_subject *s = &r->subjects[i];
        free(s->id);
        free(s->file);
        free(s->slug);
        free(s->sex);
        free(s->group);
        free(s->by);
        free(s->trials);
    }
    free(r->subjects);
    for (size_t i = 0; i < r->n_levels; i++)
        free(r->levels[i]);
    free(r->levels);
    free(r->plots_dir);
    free(r->athletes_dir);
    free(r->command);
    free(r->models);
}

/* ---- the cohort page -------------------------------------------------------------------- */

/* A CSV table as HTML: the given columns (text columns left-aligned), optionally only rows
 * where column filter_col equals filter_val. Returns the number of rows shown. */
static size_t html_table(FILE *fp, const kc_table *t, const char *const *cols, size_t ncols,
                         const char *filter_col, const char *filter_val)
{
    if (!t)
        return 0;
    size_t shown = 0;
    fputs("<table>\n<tr>", fp);
    for (size_t c = 0; c < ncols; c++) {
        fputs("<th>", fp);
        kc_html_esc(fp, cols[c]);
        fputs("</th>", fp);
    }
    fputs("</tr>\n", fp);
    for (size_t i = 0; i < kc_table_nrows(t); i++) {
        if (filter_col && strcmp(kc_rep_str(t, i, filter_col), filter_val) != 0)
            continue;
        fputs("<tr>", fp);
        for (size_t c = 0; c < ncols; c++) {
            static const char *const text_cols[] = {"by", "subject", "trial", "side", "metric",
                                                     "unit", "test", "level_a", "level_b",
                                                     "reason", "curve", NULL};
            int is_text = 0;
            for (int k = 0; text_cols[k] && !is_text; k++)
                is_text = strcmp(cols[c], text_cols[k]) == 0;
            const char *s = kc_rep_str(t, i, cols[c]);
            double v = kc_rep_num(t, i, cols[c]);
            if (!is_text && (isfinite(v) || !*s)) {
                fputs("<td>", fp);
                int dec = strcmp(cols[c], "n") == 0 || strcmp(cols[c], "line") == 0 ||
                                  strcmp(cols[c], "n_a") == 0 || strcmp(cols[c], "n_b") == 0 ||
                                  strcmp(cols[c], "k") == 0 || strcmp(cols[c], "component") == 0 ||
                                  strcmp(cols[c], "n_clusters") == 0
                              ? 0
                          : (cols[c][0] == 'p' && (cols[c][1] == '\0' || cols[c][1] == '_')) ||
                                  strncmp(cols[c], "icc", 3) == 0
                              ? 4
                              : 2;
                if (dec == 4 && isfinite(v))
                    fprintf(fp, "%.4g", v);
                else
                    kc_html_num(fp, v, dec);
            } else {
                fputs("<td class=\"l\">", fp);
                kc_html_esc(fp, s);
            }
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
        shown++;
    }
    fputs("</table>\n", fp);
    return shown;
}

static void figure(FILE *fp, const char *src, const char *alt, const char *caption)
{
    fputs("<figure><img src=\"", fp);
    kc_html_esc(fp, src);
    fputs("\" alt=\"", fp);
    kc_html_esc(fp, alt);
    fputs("\"><figcaption>", fp);
    fputs(caption, fp);   /* trusted HTML written by this file */
    fputs("</figcaption></figure>\n", fp);
}

static int cohort_page(kc_report *r, const int *bands_made, const int *spm_made,
                       const int *spm_lr_made, char notes[][256], int valgus_made,
                       int kinetics_made, int lr_made)
{
    char *path = kc_rep_fmt("%s/report.html", r->p->out_dir);
    if (!path)
        return KC_ENOMEM;
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    free(path);
    if (st)
        return st;
    FILE *fp = af.fp;
    kc_html_head(fp, "kinechain cohort report");
    fputs("<h1>Cohort report</h1>\n<p class=\"note\">kinechain kc-stats " KC_VERSION
          " &middot; manifest <code>",
          fp);
    kc_html_esc(fp, r->p->manifest);
    fprintf(fp, "</code> &middot; %zu trials of %zu subjects analysed &middot; ", r->n_trials,
            r->n_subjects);
    fputs("model(s) ", fp);
    kc_html_esc(fp, *r->models ? r->models : "unknown");
    fputs(" &middot; groups ", fp);
    for (size_t i = 0; i < r->n_levels; i++) {
        if (i)
            fputs(", ", fp);
        kc_html_esc(fp, r->levels[i]);
    }
    fputs("</p>\n<p class=\"note\">Angles in degrees (Plug-in Gait channels and signs: knee "
          "valgus is negative knee adduction; valgus metrics are reported so that more valgus "
          "is a larger positive number). The unit of analysis is the subject (a subject's "
          "value is the mean of its trials). No single-trial valgus value is diagnostic: see "
          "the trial-to-trial SD and MDC on each athlete's page.</p>\n",
          fp);
    if (strchr(r->models, ','))   /* e.g. keypoint-based and marker-based trials */
        fputs("<p class=\"warn\">The trials come from more than one kinematic model (above): "
              "metrics of the same name are pooled across them in every table, test and figure "
              "here, although their joint centres differ (keypoints from a pose estimator are "
              "not Plug-in Gait joint centres). The model column of trials.csv tells the trials "
              "apart; to keep them apart, give kc-stats --group-by a manifest column that "
              "separates them.</p>\n",
              fp);
    fputs("<nav><p><a href=\"#problems\">Trials not analysed</a> &middot; <a href=\"#figures\">"
          "Figures</a> &middot; <a href=\"#tables\">Tables</a> &middot; <a href=\"#athletes\">"
          "Athletes</a></p></nav>\n",
          fp);

    /* problems first: nothing is dropped silently */
    fputs("<h2 id=\"problems\">Trials not analysed, and files that could not be read</h2>\n", fp);
    size_t nx = r->excluded_csv ? kc_table_nrows(r->excluded_csv) : 0;
    if (nx) {
        fprintf(fp, "<p>%zu manifest rows were not analysed by kc-stats (excluded.csv):</p>\n",
                nx);
        static const char *const xc[] = {"line", "subject", "trial", "reason"};
        html_table(fp, r->excluded_csv, xc, 4, NULL, NULL);
    } else {
        fputs("<p>Every manifest row was analysed.</p>\n", fp);
    }
    size_t nbad = 0;
    for (size_t i = 0; i < r->n_trials; i++)
        nbad += r->trials[i].kin_error != NULL || r->trials[i].quality_error != NULL;
    if (nbad) {
        fputs("<p class=\"warn\">Files the report could not read (the trial's numbers in the "
              "tables come from kc-stats; what is listed here is missing from the figures or "
              "the athlete pages):</p>\n<table><tr><th class=\"l\">subject</th><th class=\"l\">"
              "trial</th><th class=\"l\">problem</th></tr>\n",
              fp);
        for (size_t i = 0; i < r->n_trials; i++) {
            const kc_rep_trial *t = &r->trials[i];
            const char *e[2] = {t->kin_error, t->quality_error};
            for (int k = 0; k < 2; k++) {
                if (!e[k])
                    continue;
                fputs("<tr><td class=\"l\">", fp);
                kc_html_esc(fp, t->subject);
                fputs("</td><td class=\"l\">", fp);
                kc_html_esc(fp, t->trial);
                fputs("</td><td class=\"l\">", fp);
                fputs(k ? "data quality: " : "kinematics: ", fp);
                kc_html_esc(fp, e[k]);
                fputs("</td></tr>\n", fp);
            }
        }
        fputs("</table>\n", fp);
    } else {
        fputs("<p>Every analysed trial's kinematics and trajectory files were read.</p>\n", fp);
    }

    fputs("<h2 id=\"figures\">Figures</h2>\n", fp);
    fputs("<h3>Knee valgus and FPPA per subject</h3>\n", fp);
    if (valgus_made) {
        int video = kc_table_find(r->trials_csv, "fppa_video_at_pkf_deg") >= 0;
        figure(fp, "plots/subject_valgus_fppa.png", "peak knee valgus and FPPA per subject",
               video ? "Per subject: peak knee valgus (3D: Plug-in Gait knee adduction with the "
                       "sign reversed; top), the frontal plane projection angle at peak knee "
                       "flexion from the 3D joint centres (fppa_3d_at_pkf_deg; middle) and the "
                       "video-comparable FPPA (fppa_video_at_pkf_deg: a virtual frontal camera "
                       "and the landmarks of the 2D protocols; bottom). Small symbols = trials, "
                       "large = subject mean, left and right. Shaded only on the bottom panel, "
                       "the one metric a 2D-video range applies to: the drop-vertical-jump "
                       "normal range of 2D video FPPA, Herrington &amp; Munro 2010 (Phys Ther "
                       "Sport 11:56; 100 active 18&ndash;28-year-olds): females "
                       "7&ndash;13&deg;, males 3&ndash;8&deg;, behind each subject by sex. The "
                       "3D angles have no published normal range and are not shaded. Source: "
                       "trials.csv."
                     : "Per subject: peak knee valgus (3D; top) and the frontal plane "
                       "projection angle from the 3D joint centres (bottom). These kinematics "
                       "files carry no video-comparable FPPA (fppa_video_at_pkf_deg), so no "
                       "published normal range is shaded: the 2D-video range of Herrington "
                       "&amp; Munro 2010 does not apply to 3D angles. Source: trials.csv.");
        size_t n_fppa, n_ill = kc_rep_fppa_ill_conditioned(r->trials_csv, &n_fppa);
        if (video && n_ill)
            fprintf(fp, "<p class=\"warn\">The video-comparable FPPA is ill-conditioned in %zu "
                    "of %zu trial-sides: there 1 cm of mediolateral knee position moves it by "
                    "more than %.0f&deg; (fppa_video_sensitivity_deg_per_cm in trials.csv; the "
                    "thigh seen nearly end-on at peak knee flexion), so read those values, and "
                    "their place against the normal range, with care.</p>\n",
                    n_ill, n_fppa, KC_CHAIN_FPPA_SENS_DEG_PER_CM);
    }
    if (kinetics_made) {
        fputs("<h3>Landing kinetics per subject</h3>\n", fp);
        figure(fp, "plots/subject_kinetics.png", "landing kinetics per subject",
               "Per subject, for the trials with force plates: the peak external knee abduction "
               "moment from initial contact to peak knee flexion (Plug-in Gait convention, "
               "N&middot;mm/kg; the variable of Hewett et al. 2005), the peak vertical ground "
               "reaction force under each foot (&times; body weight) and its loading rate "
               "(BW/s); a panel only for a metric with values. Small symbols = trials, large = "
               "subject mean, left and right. A landing with both feet on one plate or a foot "
               "across two has no per-foot value (kc-ik flags it, never guesses). No normal "
               "range is shaded: the published thresholds (Myer et al. 2010's high KAM, "
               "&gt; 25.25 N&middot;m) are absolute moments, not the mass-normalised one drawn "
               "here. Source: trials.csv.");
    }
    fputs("<h3>Joint angles over the landing phase, mean &plusmn; SD per group</h3>\n", fp);
    for (int c = 0; c < 6; c++) {
        if (!bands_made[c])
            continue;
        char src[128], cap[512];
        snprintf(src, sizeof src, "plots/bands_landing_%s.png", kc_rep_channels[c]);
        snprintf(cap, sizeof cap,
                 "%s angles (deg) from initial contact (0%%) to take-off (100%%), left (top) "
                 "and right (bottom); line = mean of the subjects' mean curves, band = &plusmn;1 "
                 "SD across subjects. Source: cohort.h5 /curves/landing_L%s and landing_R%s.",
                 kc_rep_channels[c], kc_rep_channels[c], kc_rep_channels[c]);
        figure(fp, src, src, cap);
    }
    fputs("<h3>SPM{t}: statistical parametric mapping of the landing curves</h3>\n", fp);
    int any_spm = 0;
    for (int c = 0; c < 6; c++) {
        if (spm_made[c]) {
            char src[128], cap[4096];
            snprintf(src, sizeof src, "plots/spm_landing_%s.png", kc_rep_channels[c]);
            snprintf(cap, sizeof cap,
                     "SPM{t} of kc-stats' A vs B test of the %s angles (two-sample t, or "
                     "paired t with --paired subject; subjects' mean curves), left (top) and "
                     "right (bottom). Dashed: the random-field-theory critical "
                     "threshold at &alpha; = 0.05 two-tailed; shaded: suprathreshold clusters "
                     "(p in spm_clusters.csv). %s",
                     kc_rep_channels[c], notes[c]);
            figure(fp, src, src, cap);
            any_spm = 1;
        }
        if (spm_lr_made[c]) {
            char src[128], cap[4096];
            snprintf(src, sizeof src, "plots/spm_lr_landing_%s.png", kc_rep_channels[c]);
            snprintf(cap, sizeof cap,
                     "SPM{t} of the paired t test left vs right of the %s angles over all "
                     "subjects with both sides (L &minus; R). Dashed: critical threshold "
                     "(&alpha; = 0.05 two-tailed); shaded: suprathreshold clusters. %s",
                     kc_rep_channels[c], notes[6 + c]);
            figure(fp, src, src, cap);
            any_spm = 1;
        }
    }
    if (!any_spm)
        fputs("<p>No SPM figure: kc-stats computed no SPM (needs --compare A,B or two "
              "subjects with both sides).</p>\n",
              fp);
    if (lr_made)
        figure(fp, "plots/left_right.png", "left minus right differences",
               "Left &minus; right difference of the subjects' mean values of every angle "
               "metric (deg), mean and 95% CI (paired t) per group and over all subjects. "
               "Source: left_right.csv.");
    fputs("<h3>Frontal-plane stick figures at peak knee valgus</h3>\n<p>Each athlete's page "
          "shows the athlete at the frame of peak knee valgus beside the mean of the athlete's "
          "group; the figures are listed with the athletes below.</p>\n",
          fp);

    fputs("<h2 id=\"tables\">Tables</h2>\n<p class=\"note\">The same numbers, with every "
          "digit, are in the CSV files beside this page and in cohort.h5.</p>\n",
          fp);
    fputs("<h3>Groups (groups.csv)</h3>\n", fp);
    static const char *const gc[] = {"by", "side", "metric", "unit", "n", "mean", "sd",
                                     "ci_lo", "ci_hi", "median", "iqr"};
    html_table(fp, r->groups_csv, gc, 11, NULL, NULL);
    if (r->comparisons_csv && kc_table_nrows(r->comparisons_csv)) {
        fputs("<h3>Between-group and paired comparisons (comparisons.csv)</h3>\n", fp);
        static const char *const cc[] = {"metric", "side", "test", "level_a", "level_b", "n_a",
                                         "n_b", "statistic", "df", "p", "estimate", "ci_lo",
                                         "ci_hi"};
        html_table(fp, r->comparisons_csv, cc, 13, NULL, NULL);
    }
    if (r->left_right_csv) {
        fputs("<h3>Left vs right (left_right.csv; signed L &minus; R)</h3>\n", fp);
        static const char *const lc[] = {"by", "metric", "unit", "n", "mean_diff_l_minus_r",
                                         "ci_lo", "ci_hi", "t", "p_t", "p_wilcoxon"};
        html_table(fp, r->left_right_csv, lc, 10, NULL, NULL);
    }
    if (r->reliability_csv) {
        fputs("<h3>Reliability across repeated trials (reliability.csv)</h3>\n", fp);
        static const char *const rc[] = {"metric", "side", "unit", "n", "k", "icc_3_1",
                                         "icc_2_1", "sem", "mdc95"};
        html_table(fp, r->reliability_csv, rc, 9, NULL, NULL);
    }
    if (r->clusters_csv && kc_table_nrows(r->clusters_csv)) {
        fputs("<h3>SPM suprathreshold clusters (spm_clusters.csv)</h3>\n", fp);
        static const char *const kc[] = {"curve", "component", "level_a", "level_b", "sign",
                                         "start_pct", "end_pct", "peak_t", "p"};
        html_table(fp, r->clusters_csv, kc, 9, NULL, NULL);
    }

    fputs("<h2 id=\"athletes\">Athletes</h2>\n<ul>\n", fp);
    for (size_t i = 0; i < r->n_subjects; i++) {
        const kc_rep_subject *s = &r->subjects[i];
        fputs("<li><a href=\"athletes/", fp);
        kc_html_esc(fp, s->file);
        fputs("\">", fp);
        kc_html_esc(fp, s->id);
        fputs("</a> (", fp);
        kc_html_esc(fp, s->by);
        fprintf(fp, ", %zu trials)</li>\n", s->n_trials);
    }
    fputs("</ul>\n</body>\n</html>\n", fp);
    return kc_atomic_fclose(&af);
}

/* ---- entry ------------------------------------------------------------------------------ */

static char *command_line(const kc_provenance *prov)
{
    if (!prov || !prov->enabled || prov->argc <= 0)
        return strdup("");
    return kc_command_line(prov->argc, prov->argv);
}

int kc_report_write(const kc_report_params *p)
{
    kc_report r;
    memset(&r, 0, sizeof r);
    r.p = p;
    int st = KC_ENOMEM;
    if (!(r.plots_dir = kc_rep_fmt("%s/plots", p->out_dir)) ||
        !(r.athletes_dir = kc_rep_fmt("%s/athletes", p->out_dir)) ||
        !(r.command = command_line(p->prov)))
        goto done;
    if ((st = read_csv(&r, "trials", 1, &r.trials_csv)) ||
        (st = read_csv(&r, "subjects", 1, &r.subjects_csv)) ||
        (st = read_csv(&r, "groups", 1, &r.groups_csv)) ||
        (st = read_csv(&r, "comparisons", 0, &r.comparisons_csv)) ||
        (st = read_csv(&r, "left_right", 0, &r.left_right_csv)) ||
        (st = read_csv(&r, "reliability", 0, &r.reliability_csv)) ||
        (st = read_csv(&r, "spm", 0, &r.spm_csv)) ||
        (st = read_csv(&r, "spm_clusters", 0, &r.clusters_csv)) ||
        (st = read_csv(&r, "excluded", 0, &r.excluded_csv)) || (st = index_subject_rows(&r)))
        goto done;
    char *h5 = kc_rep_fmt("%s/cohort.h5", p->out_dir);
    if (!h5) {
        st = KC_ENOMEM;
        goto done;
    }
    st = kc_h5_open(&r.cohort, h5, "cohort");
    free(h5);
    double t0 = kc_now();
    if (st || (st = collect_trials(&r)))
        goto done;
    for (size_t i = 0; i < r.n_trials && !st; i++)
        if ((st = read_trial_files(&r.trials[i])))
            KC_ERROR("out of memory reading \"%s\"", r.trials[i].kin_path);
    if (st)
        goto done;
    double t1 = kc_now();
    KC_INFO("report: %zu trials' kinematics and trajectory files read in %.2f s", r.n_trials,
            t1 - t0);
    if ((st = collect_subjects(&r)))
        goto done;
    /* models seen */
    size_t ml = 1;
    for (size_t i = 0; i < r.n_trials; i++)
        ml += r.trials[i].model ? strlen(r.trials[i].model) + 2 : 0;
    if (!(r.models = calloc(ml, 1))) {
        st = KC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < r.n_trials; i++) {
        const char *m = r.trials[i].model;
        if (!m)
            continue;
        int seen = 0;
        for (const char *q = r.models; *q && !seen;) {
            size_t len = strcspn(q, ",");
            seen = len == strlen(m) && strncmp(q, m, len) == 0;
            q += len + (q[len] == ',');
        }
        if (!seen) {
            if (*r.models)
                strcat(r.models, ",");
            strcat(r.models, m);
        }
    }
    if ((st = kc_mkdir_p(r.plots_dir)) || (st = kc_mkdir_p(r.athletes_dir))) {
        KC_ERROR("cannot create \"%s\" or \"%s\"", r.plots_dir, r.athletes_dir);
        goto done;
    }
    int bands[6] = {0}, spm[6] = {0}, spm_lr[6] = {0}, valgus = 0, kinetics = 0, lr = 0;
    char notes[12][256];
    for (int c = 0; c < 6 && !st; c++) {
        notes[c][0] = notes[6 + c][0] = '\0';
        if (!(st = kc_fig_bands(&r, kc_rep_channels[c], &bands[c])) &&
            !(st = kc_fig_spm_groups(&r, kc_rep_channels[c], notes[c], sizeof notes[c],
                                     &spm[c])))
            st = kc_fig_spm_lr(&r, kc_rep_channels[c], notes[6 + c], sizeof notes[6 + c],
                               &spm_lr[c]);
    }
    if (st || (st = kc_fig_subject_valgus(&r, &valgus)) ||
        (st = kc_fig_subject_kinetics(&r, &kinetics)) || (st = kc_fig_left_right(&r, &lr)))
        goto done;
    double t2 = kc_now();
    KC_INFO("report: cohort figures drawn in %.2f s", t2 - t1);
    st = kc_rep_athlete_pages(&r);
    KC_INFO("report: %zu athlete pages and their figures in %.2f s (%d threads)", r.n_subjects,
            kc_now() - t2, omp_get_max_threads());
    if (!st)
        st = cohort_page(&r, bands, spm, spm_lr, notes, valgus, kinetics, lr);
    if (!st)
        KC_INFO("wrote report.html, %zu athlete pages and their plots into \"%s\"",
                r.n_subjects, p->out_dir);
done:
    free_report(&r);
    kc_cairo_release();
    return st;
}
