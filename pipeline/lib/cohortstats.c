/* kinechain — cohort statistics from a manifest and kinematics files (see cohortstats.h). */
#include "kinechain/cohortstats.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "h5io_internal.h"
#include "kinechain/cli.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/spm.h"
#include "kinechain/stats.h"

#define NSIDE 3
static const char *const SIDE_NAME[NSIDE] = {"L", "R", "both"};

kc_cohortstats_params kc_cohortstats_default_params(void)
{
    return (kc_cohortstats_params){.group_by = "group"};
}

/* ---- small helpers ------------------------------------------------------------------- */

typedef struct strv {
    char **v;
    size_t n;
} strv;

static void strv_free(strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static long strv_find(const strv *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return (long)i;
    return -1;
}

/* Index of x, appended if absent; -1 on ENOMEM. */
static long strv_intern(strv *s, const char *x)
{
    long i = strv_find(s, x);
    if (i >= 0)
        return i;
    char **v = realloc(s->v, (s->n + 1) * sizeof *v);
    if (!v)
        return -1;
    s->v = v;
    if (!(s->v[s->n] = strdup(x)))
        return -1;
    return (long)s->n++;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return KC_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return KC_ENOMEM;
    *p = q;
    *cap = c;
    return KC_OK;
}

/* One metric value of one trial (16 bytes), kept in temporary files (ctx.recs, ctx.ord), not
 * in memory. The tables that grow with the trials (trials, subjects, curve indexes) are
 * generated tables (table.h) made from these when they are written. What memory holds per
 * trial: its trial_info (20 bytes), the manifest row, and per cell (subject × group-by value)
 * its key, level and first row; the statistics read one column of values at a time. */
typedef struct rec {
    double value;
    uint32_t trial;
    uint16_t metric;
    uint8_t side;
} rec;

#define MAX_METRICS 65535u   /* rec.metric */

/* 20 bytes a trial (manifest rows, cells and records are checked against UINT32_MAX while
 * reading) */
typedef struct trial_info {
    uint32_t row;          /* manifest row */
    uint32_t cell;
    uint32_t rec0, rec1;   /* its records */
    uint8_t sides;         /* bit s: the trial has a record of side s (a row of trials) */
    uint8_t model;         /* index in ctx.models: the kinematics file's /model name */
} trial_info;

/* An ensemble being collected: its curves [n,101,3] go to a temporary file as they are read
 * (memory stays flat in the number of trials) and are read back in blocks. */
typedef struct curve_acc {
    char *phase, *channel, *units;
    FILE *spill;    /* n·101·3 doubles, native order */
    uint32_t *trial;  /* [n] the trial of each curve, or NULL while curve i is trial i (every
                         trial so far has the ensemble: no memory per trial) */
    size_t n, tcap;
} curve_acc;

static size_t curve_trial(const curve_acc *a, size_t i)
{
    return a->trial ? a->trial[i] : i;
}

/* An anonymous temporary file in $TMPDIR (else /tmp), removed from the folder at once. */
static FILE *spill_open(const char *what)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t len = strlen(dir) + 32;
    char *path = malloc(len);
    if (!path)
        return NULL;
    snprintf(path, len, "%s/kc-stats-curves.XXXXXX", dir);
    int fd = mkstemp(path);
    FILE *f = NULL;
    if (fd >= 0) {
        unlink(path);
        if (!(f = fdopen(fd, "w+b")))
            close(fd);
    }
    if (!f)
        KC_ERROR("cannot create a temporary file in \"%s\" for the %s: %s", dir, what,
                 strerror(errno));
    free(path);
    return f;
}

/* Curves [first, first + count) of ensemble a, component comp only, into out[count, 101]
 * (buf: scratch of count·101·3 doubles). */
static int curves_read(curve_acc *a, size_t first, size_t count, double *buf)
{
    const size_t m = KC_NORM_POINTS * 3;
    if (fflush(a->spill) != 0 || fseeko(a->spill, (off_t)(first * m * sizeof *buf), SEEK_SET) ||
        fread(buf, sizeof *buf, count * m, a->spill) != count * m) {
        KC_ERROR("curves %s_%s: cannot read them back from the temporary file", a->phase,
                 a->channel);
        return KC_EIO;
    }
    return KC_OK;
}

/* Shared by the run and the generated tables it returns (which hold references to it): freed
 * when the last reference goes. The generated tables use only the manifest, subjects, the
 * records and the trials, never p. */
typedef struct ctx {
    int refs;
    const kc_cohortstats_params *p;
    kc_table *man, *subj;
    int c_subject, c_session, c_trial, c_task, c_group, c_condition, c_site, c_exclude,
        c_kin, c_by, c_paired, c_sex_subj, c_subj_subj;
    char *mdir;
    strv metrics, units, cells, levels, curve_keys;
    strv models;            /* the /model names of the trials' kinematics files ("pig",
                               "kinechain", "keypoints"; "" where a file has none) */
    size_t *cell_level;     /* [cells] */
    size_t *cell_row;       /* [cells] first manifest row */
    size_t cell_cap;
    FILE *recs;             /* temporary file: the n_recs records in the order read, trial
                               by trial (written through stdio while reading, then pread) */
    FILE *ord;              /* temporary file: the same records by cell, side, metric, trial
                               (sort_records) */
    size_t n_recs;
    size_t max_trial_recs;  /* the most records of one trial */
    FILE *cmf;              /* temporary file: the cell means [side][metric][cell] (NaN where a
                               cell has no finite value), a column per side and metric */
    trial_info *trials;
    size_t n_trials, trials_cap;
    size_t n_failed;        /* trials whose file was missing or unusable */
    curve_acc *curves;
    kc_table *excluded;
} ctx;

static const char *cell_str(const ctx *c, size_t row, int col)
{
    return col >= 0 ? kc_table_get_str(c->man, row, col) : "";
}

static int need_col(const kc_table *t, const char *path, const char *name, int *col)
{
    *col = kc_table_find(t, name);
    if (*col < 0) {
        KC_ERROR("\"%s\": no column \"%s\"", path, name);
        return KC_EMISSING;
    }
    return KC_OK;
}

static char *kin_path(const ctx *c, size_t row)
{
    const char *k = cell_str(c, row, c->c_kin);
    char *out = NULL;
    size_t len;
    if (*k) {
        len = strlen(c->mdir) + strlen(k) + 2;
        if ((out = malloc(len)))
            snprintf(out, len, "%s/%s", k[0] == '/' ? "" : c->mdir, k);
        if (out && k[0] == '/')
            memmove(out, out + 1, strlen(out));
        return out;
    }
    const char *dir = c->p->kin_dir ? c->p->kin_dir : c->mdir;
    const char *s = cell_str(c, row, c->c_subject), *t = cell_str(c, row, c->c_trial);
    len = strlen(dir) + strlen(s) + strlen(t) + 16;
    if ((out = malloc(len)))
        snprintf(out, len, "%s/%s/%s.kin.h5", dir, s, t);
    return out;
}

static int task_selected(const ctx *c, const char *task)
{
    const char *list = c->p->tasks;
    if (!list)
        return strcmp(task, "static") != 0 && strcmp(task, "functional_knee") != 0;
    size_t n = strlen(task);
    for (const char *s = list; *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == n && strncmp(s, task, n) == 0)
            return 1;
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

static int add_excluded(ctx *c, size_t row, const char *reason)
{
    long r = kc_table_add_row(c->excluded);
    if (r < 0)
        return KC_ENOMEM;
    if (kc_table_set_i64(c->excluded, (size_t)r, 0, (int64_t)row + 2) ||
        kc_table_set_str(c->excluded, (size_t)r, 1, cell_str(c, row, c->c_subject)) ||
        kc_table_set_str(c->excluded, (size_t)r, 2, cell_str(c, row, c->c_trial)) ||
        kc_table_set_str(c->excluded, (size_t)r, 3, reason))
        return KC_ENOMEM;
    return KC_OK;
}

static int add_curve(ctx *c, const kc_kin_phase *ph, const kc_series3 *ch, size_t trial)
{
    char key[512];
    snprintf(key, sizeof key, "%s_%s", ph->name, ch->name);
    size_t before = c->curve_keys.n;
    long k = strv_intern(&c->curve_keys, key);
    if (k < 0)
        return KC_ENOMEM;
    if (c->curve_keys.n != before) {
        curve_acc *a = realloc(c->curves, c->curve_keys.n * sizeof *a);
        if (!a)
            return KC_ENOMEM;
        c->curves = a;
        curve_acc *n = &c->curves[k];
        memset(n, 0, sizeof *n);
        n->phase = strdup(ph->name);
        n->channel = strdup(ch->name);
        n->units = strdup(ph->units ? ph->units : "");
        if (!n->phase || !n->channel || !n->units)
            return KC_ENOMEM;
        if (!(n->spill = spill_open("curves")))
            return KC_EIO;
    }
    curve_acc *a = &c->curves[k];
    const size_t m = KC_NORM_POINTS * 3;
    if (a->trial || trial != a->n) {   /* not (or no longer) curve i = trial i */
        int first = !a->trial;
        if (grow((void **)&a->trial, &a->tcap, a->n + 1, sizeof *a->trial))
            return KC_ENOMEM;
        for (size_t i = 0; first && i < a->n; i++)
            a->trial[i] = (uint32_t)i;
    }
    if (fseeko(a->spill, 0, SEEK_END) != 0 ||
        fwrite(ch->data, sizeof *ch->data, m, a->spill) != m) {
        KC_ERROR("curves %s: cannot write to the temporary file: %s", key, strerror(errno));
        return KC_EIO;
    }
    if (a->trial)
        a->trial[a->n] = (uint32_t)trial;
    a->n++;
    return KC_OK;
}

/* What kc-stats needs of a kinematics file, and only that (reading every /angles, /series and
 * /joint_centres dataset as kc_kin_read does takes 3-4 times as long, which decides the time of
 * a 10,000-trial cohort): the kind and version check of kc_h5_open, /metrics with the columns
 * kc-stats uses and their types, and every /normalized/<phase> channel as [101,3] with the
 * units of the phase's first channel — the same checks kc_kin_read makes on these objects. */
static int read_kin_for_stats(const char *path, kc_kin **out, char **model)
{
    static const kc_colspec metric_cols[] = {
        {"name", KC_COL_STR}, {"side", KC_COL_STR}, {"value", KC_COL_F64}, {"unit", KC_COL_STR}};
    kc_h5 *h = NULL;
    kc_kin *k = NULL;
    char g[512], p[1024];
    size_t nm = 0;
    char **members = NULL;
    *out = NULL;
    *model = NULL;
    int st = kc_h5_open(&h, path, "kinematics");
    if (st)
        return st;
    if (!(k = kc_kin_alloc())) {
        st = KC_ENOMEM;
        goto fail;
    }
    /* which model made the numbers: a keypoint file's metrics share their names with the
     * marker models' (kc_kpkin), so the trials table keeps it beside every row */
    if (kc_h5_exists(h, "/model") && kc_h5_attr_exists(h, "/model", "name") &&
        (st = kc_h5_attr_get_str(h, "/model", "name", model)))
        goto fail;
    if (!kc_h5_exists(h, "/metrics")) {
        st = kc_h5_fail(h, KC_EMISSING, "/metrics", "no such table");
        goto fail;
    }
    if ((st = kc_h5_read_table_spec(h, "/metrics", 4, metric_cols, &k->metrics)))
        goto fail;
    if (kc_h5_exists(h, "/normalized")) {
        if ((st = kc_h5_list(h, "/normalized", &nm, &members)))
            goto fail;
        if (!(k->phases = calloc(nm ? nm : 1, sizeof *k->phases))) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < nm; i++) {
            kc_h5_join(g, sizeof g, "/normalized", members[i]);
            if (!kc_h5_is_group(h, g))
                continue;
            kc_kin_phase *ph = &k->phases[k->n_phases];
            ph->name = members[i];
            members[i] = NULL;
            k->n_phases++;
            size_t frames = KC_NORM_POINTS;
            if ((st = kc_series3_read(h, g, &frames, &ph->n_channels, &ph->channels)))
                goto fail;
            ph->units = NULL;
            if (ph->n_channels > 0) {
                kc_h5_join(p, sizeof p, g, ph->channels[0].name);
                if (kc_h5_attr_exists(h, p, "units") &&
                    (st = kc_h5_attr_get_str(h, p, "units", &ph->units)))
                    goto fail;
            }
            if (!ph->units && !(ph->units = strdup(""))) {
                st = KC_ENOMEM;
                goto fail;
            }
        }
    }
    kc_strv_free(members, nm);
    kc_h5_close(h);
    *out = k;
    return KC_OK;
fail:
    kc_strv_free(members, nm);
    kc_kin_free(k);
    kc_h5_close(h);
    free(*model);
    *model = NULL;
    return st;
}

/* Errors that say a trial's kinematics file is missing or unusable: the trial is listed in the
 * excluded table with the reason and the run goes on. Anything else stops the run. */
static int is_trial_error(int st)
{
    return st != KC_ENOMEM && st != KC_OK;
}

/* Read one trial's kinematics: records and curves. A missing or unusable file leaves the
 * cohort untouched and sets *why (static text or "") to the reason, returning KC_OK. */
static int read_trial(ctx *c, size_t row, char *why, size_t why_len)
{
    kc_kin *k = NULL;
    char *path = kin_path(c, row), *model = NULL;
    int st;
    why[0] = '\0';
    if (!path)
        return KC_ENOMEM;
    if (access(path, R_OK) != 0) {
        snprintf(why, why_len, "cannot read kinematics \"%s\": %s", path, strerror(errno));
        free(path);
        return KC_OK;
    }
    if ((st = read_kin_for_stats(path, &k, &model))) {
        if (!is_trial_error(st)) {
            free(path);
            return st;
        }
        /* the reader has logged the object and cause; the table keeps the gist */
        snprintf(why, why_len, "unusable kinematics \"%s\": %s", path, kc_strerror(st));
        free(path);
        return KC_OK;
    }
    char key[1024];
    snprintf(key, sizeof key, "%s\x1f%s", cell_str(c, row, c->c_subject),
             cell_str(c, row, c->c_by));
    size_t ncell = c->cells.n;
    long cell = strv_intern(&c->cells, key);
    if (cell < 0) {
        st = KC_ENOMEM;
        goto done;
    }
    if (c->cells.n != ncell) {
        if ((st = grow((void **)&c->cell_level, &c->cell_cap, c->cells.n, sizeof(size_t))))
            goto done;
        size_t cap2 = c->cell_cap;
        size_t *r = realloc(c->cell_row, cap2 * sizeof *r);
        if (!r) {
            st = KC_ENOMEM;
            goto done;
        }
        c->cell_row = r;
        long lv = strv_intern(&c->levels, cell_str(c, row, c->c_by));
        if (lv < 0) {
            st = KC_ENOMEM;
            goto done;
        }
        c->cell_level[cell] = (size_t)lv;
        c->cell_row[cell] = row;
    }
    if ((st = grow((void **)&c->trials, &c->trials_cap, c->n_trials + 1, sizeof *c->trials)))
        goto done;
    size_t ti = c->n_trials;
    trial_info *t = &c->trials[ti];
    t->row = (uint32_t)row;
    t->cell = (uint32_t)cell;
    t->rec0 = (uint32_t)c->n_recs;
    t->sides = 0;
    long mo = strv_intern(&c->models, model ? model : "");
    if (mo < 0) {
        st = KC_ENOMEM;
        goto done;
    }
    if (mo > UINT8_MAX) {
        KC_ERROR("\"%s\": more than %d kinematic models in one cohort", path, UINT8_MAX + 1);
        st = KC_EINVAL;
        goto done;
    }
    t->model = (uint8_t)mo;
    const kc_table *m = k->metrics;
    int cn = kc_table_find(m, "name"), cs = kc_table_find(m, "side"),
        cv = kc_table_find(m, "value"), cu = kc_table_find(m, "unit");
    for (size_t i = 0; i < kc_table_nrows(m); i++) {
        const char *name = kc_table_get_str(m, i, cn), *side = kc_table_get_str(m, i, cs);
        size_t nm = c->metrics.n;
        long mi = strv_intern(&c->metrics, name);
        if (mi < 0) {
            st = KC_ENOMEM;
            goto done;
        }
        if (c->metrics.n != nm && strv_intern(&c->units, "") < 0) {
            st = KC_ENOMEM;
            goto done;
        }
        if (c->metrics.n != nm) {   /* units of a new metric: keep the first file's */
            free(c->units.v[mi]);
            if (!(c->units.v[mi] = strdup(kc_table_get_str(m, i, cu)))) {
                st = KC_ENOMEM;
                goto done;
            }
        }
        if ((size_t)mi >= MAX_METRICS || c->n_recs >= UINT32_MAX) {
            KC_ERROR("\"%s\": more than %u metrics or %u metric values in the cohort",
                     path, MAX_METRICS, (unsigned)UINT32_MAX);
            st = KC_EINVAL;   /* stops the run: not a fault of this trial */
            goto done;
        }
        rec e = {.value = kc_table_get_f64(m, i, cv), .trial = (uint32_t)ti,
                 .metric = (uint16_t)mi,
                 .side = strcmp(side, "L") == 0   ? 0
                         : strcmp(side, "R") == 0 ? 1
                                                  : 2};
        if (fwrite(&e, sizeof e, 1, c->recs) != 1) {
            KC_ERROR("cannot write the metric values to a temporary file: %s", strerror(errno));
            st = KC_EIO;
            goto done;
        }
        c->n_recs++;
        t->sides |= (uint8_t)(1u << e.side);
    }
    t->rec1 = (uint32_t)c->n_recs;
    if (t->rec1 - t->rec0 > c->max_trial_recs)
        c->max_trial_recs = t->rec1 - t->rec0;
    c->n_trials++;
    for (size_t p = 0; p < k->n_phases; p++)
        for (size_t ch = 0; ch < k->phases[p].n_channels; ch++)
            if ((st = add_curve(c, &k->phases[p], &k->phases[p].channels[ch], ti)))
                goto done;
done:
    kc_kin_free(k);
    free(model);
    free(path);
    return st;
}

/* ---- tables ---------------------------------------------------------------------------- */

static kc_table *table_new(int n, const char *const *names, const enum kc_col_type *types)
{
    return kc_table_alloc(n, names, types);
}

#define S KC_COL_STR
#define F KC_COL_F64
#define I KC_COL_I64

static int set_s(kc_table *t, size_t r, int c, const char *s)
{
    return kc_table_set_str(t, r, c, s);
}

static const char *sex_of(const ctx *c, const char *subject)
{
    if (!c->subj || c->c_sex_subj < 0)
        return "";
    for (size_t i = 0; i < kc_table_nrows(c->subj); i++)
        if (strcmp(kc_table_get_str(c->subj, i, c->c_subj_subj), subject) == 0)
            return kc_table_get_str(c->subj, i, c->c_sex_subj);
    return "";
}

static void ctx_unref(ctx *c);

/* ---- records on disk -----------------------------------------------------------------------
 * The metric values are not kept in memory (16 bytes each, some 60 per trial): they are read
 * back from the temporary files through a block of REC_BLOCK records, so that scans in file
 * order (every use here) read each block once. */
enum { REC_BLOCK = 4096 };

typedef struct rec_reader {
    int fd;
    size_t n;              /* records in the file */
    rec *blk;              /* records [first, first + count) */
    size_t first, count;
    int err;               /* a read failed (logged; the record read as NaN) */
} rec_reader;

static int rr_open(rec_reader *r, FILE *f, size_t n)
{
    memset(r, 0, sizeof *r);
    r->fd = fileno(f);
    r->n = n;
    return (r->blk = malloc(REC_BLOCK * sizeof *r->blk)) ? KC_OK : KC_ENOMEM;
}

static void rr_close(rec_reader *r)
{
    free(r->blk);
    r->blk = NULL;
}

/* Read count records from position first of fd into buf. */
static int recs_pread(int fd, size_t first, size_t count, rec *buf)
{
    size_t bytes = count * sizeof *buf;
    if (pread(fd, buf, bytes, (off_t)(first * sizeof *buf)) != (ssize_t)bytes) {
        KC_ERROR("cannot read the metric values back from a temporary file: %s",
                 errno ? strerror(errno) : "short read");
        return KC_EIO;
    }
    return KC_OK;
}

/* Record i (< r->n). */
static rec rr_get(rec_reader *r, size_t i)
{
    if (i < r->first || i >= r->first + r->count) {
        r->first = i / REC_BLOCK * REC_BLOCK;
        r->count = r->n - r->first < REC_BLOCK ? r->n - r->first : REC_BLOCK;
        if (recs_pread(r->fd, r->first, r->count, r->blk)) {
            r->err = 1;
            r->count = 0;
            return (rec){.value = NAN};
        }
    }
    return r->blk[i - r->first];
}

/* ---- generated tables: made block by block from the records when they are written ------- */

/* A generated table's view of the run: the ctx (a reference), which ensemble (index tables),
 * and where the last block ended, so that writing block after block is one pass. */
typedef struct gen {
    ctx *c;
    size_t e;                 /* ensemble of an index table */
    size_t next_row;          /* the row after the last one made */
    size_t next_pos;          /* trials: (trial, side) as trial * NSIDE + side; subjects:
                                 position in ord — of next_row */
    double *v;                /* subjects: scratch of max_group values */
    size_t max_group;
    rec_reader rr;            /* subjects: the sorted records */
    rec *tr;                  /* trials: one trial's records */
} gen;

static void gen_release(void *data)
{
    gen *g = data;
    if (!g)
        return;
    ctx_unref(g->c);
    free(g->v);
    rr_close(&g->rr);
    free(g->tr);
    free(g);
}

static gen *gen_new(ctx *c, size_t e, size_t scratch)
{
    gen *g = calloc(1, sizeof *g);
    if (g && scratch && !(g->v = malloc(scratch * sizeof *g->v))) {
        free(g);
        return NULL;
    }
    if (g) {
        g->c = c;
        g->e = e;
        g->max_group = scratch;
        c->refs++;
    }
    return g;
}

enum { NFIX = 11 };   /* fixed columns of trials before the metrics */

/* trials: one row per trial and side it has records of, in the order read. */
static int trials_fill(void *data, size_t first, size_t count, kc_table *t)
{
    gen *g = data;
    const ctx *c = g->c;
    const int cols[7] = {c->c_subject, c->c_session, c->c_trial, c->c_task,
                         c->c_group,   c->c_condition, c->c_site};
    if (first != g->next_row || first == 0) {   /* not the next block: start again */
        g->next_row = 0;
        g->next_pos = 0;
    }
    size_t row = g->next_row, pos = g->next_pos, end = first + count;
    for (; pos < c->n_trials * NSIDE && row < end; pos++) {
        const trial_info *tr = &c->trials[pos / NSIDE];
        int side = (int)(pos % NSIDE);
        if (!(tr->sides & (1u << side)))
            continue;
        if (row++ < first)
            continue;
        long r = kc_table_add_row(t);
        if (r < 0)
            return KC_ENOMEM;
        for (int j = 0; j < 7; j++)
            if (set_s(t, (size_t)r, j, cell_str(c, tr->row, cols[j])))
                return KC_ENOMEM;
        if (set_s(t, (size_t)r, 7, sex_of(c, cell_str(c, tr->row, c->c_subject))) ||
            set_s(t, (size_t)r, 8, cell_str(c, tr->row, c->c_by)) ||
            set_s(t, (size_t)r, 9, SIDE_NAME[side]) ||
            set_s(t, (size_t)r, 10, c->models.v[tr->model]))
            return KC_ENOMEM;
        if (tr->rec1 > tr->rec0 && recs_pread(fileno(c->recs), tr->rec0, tr->rec1 - tr->rec0,
                                              g->tr))
            return KC_EIO;
        for (size_t k = 0; k < tr->rec1 - tr->rec0; k++) {
            const rec *e = &g->tr[k];
            if (e->side == side &&
                kc_table_set_f64(t, (size_t)r, (int)(NFIX + e->metric), e->value))
                return KC_ENOMEM;
        }
    }
    g->next_row = row;
    g->next_pos = pos;
    return KC_OK;
}

static int build_trials(ctx *c, kc_table **out)
{
    static const char *const fix[NFIX] = {"subject",   "session", "trial", "task",
                                          "group",     "condition", "site", "sex",
                                          "by",        "side",    "model"};
    size_t nc = NFIX + c->metrics.n, nrows = 0;
    const char **names = malloc(nc * sizeof *names);
    enum kc_col_type *types = malloc(nc * sizeof *types);
    kc_table *t = NULL;
    gen *g = NULL;
    int st = KC_ENOMEM;
    *out = NULL;
    if (!names || !types)
        goto fail;
    for (size_t i = 0; i < nc; i++) {
        names[i] = i < NFIX ? fix[i] : c->metrics.v[i - NFIX];
        types[i] = i < NFIX ? S : F;
    }
    for (size_t ti = 0; ti < c->n_trials; ti++)
        for (int side = 0; side < NSIDE; side++)
            nrows += (c->trials[ti].sides >> side) & 1u;
    if (!(g = gen_new(c, 0, 0)))
        goto fail;
    if (!(g->tr = malloc((c->max_trial_recs + 1) * sizeof *g->tr))) {
        gen_release(g);
        goto fail;
    }
    if (!(t = kc_table_alloc_generated((int)nc, names, types, nrows, trials_fill, g,
                                       gen_release)))
        goto fail;   /* g released */
    for (size_t m = 0; m < c->metrics.n; m++)
        if (*c->units.v[m] && kc_table_set_units(t, (int)(NFIX + m), c->units.v[m]))
            goto fail;
    st = KC_OK;
    *out = t;
    t = NULL;
fail:
    kc_table_free(t);
    free(names);
    free(types);
    return st;
}

/* ord: the records by cell, side, metric and trial — a counting sort on the cell (each trial's
 * records, all of one cell, copied to its cell's place in the file), then each cell's few
 * records sorted by side, metric and position (records were appended in trial order, so
 * position orders the trials). Memory: a count per cell and one trial's or cell's records. */
typedef struct skey {
    uint32_t sm;    /* side << 16 | metric */
    uint32_t idx;
} skey;

static int cmp_skey(const void *a, const void *b)
{
    const skey *x = a, *y = b;
    if (x->sm != y->sm)
        return x->sm < y->sm ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static int sort_records(ctx *c)
{
    size_t NC = c->cells.n, maxn = c->max_trial_recs;
    size_t *start = calloc(NC + 1, sizeof *start);
    rec *buf = NULL, *tmp = NULL;
    skey *key = NULL;
    int st = KC_ENOMEM;
    if (!start)
        return KC_ENOMEM;
    for (size_t t = 0; t < c->n_trials; t++)
        start[c->trials[t].cell + 1] += c->trials[t].rec1 - c->trials[t].rec0;
    for (size_t k = 0; k < NC; k++) {
        maxn = start[k + 1] > maxn ? start[k + 1] : maxn;
        start[k + 1] += start[k];
    }
    if (!(buf = malloc((maxn + 1) * sizeof *buf)) || !(tmp = malloc((maxn + 1) * sizeof *tmp)) ||
        !(key = malloc((maxn + 1) * sizeof *key)))
        goto done;
    if (fflush(c->recs) != 0) {
        KC_ERROR("cannot write the metric values to a temporary file: %s", strerror(errno));
        st = KC_EIO;
        goto done;
    }
    if (!(c->ord = spill_open("metric values"))) {
        st = KC_EIO;
        goto done;
    }
    int fi = fileno(c->recs), fo = fileno(c->ord);
    st = KC_EIO;
    for (size_t t = 0; t < c->n_trials; t++) {   /* start[k] advances to the end of cell k */
        const trial_info *tr = &c->trials[t];
        size_t n = tr->rec1 - tr->rec0;
        if (n == 0)
            continue;
        if (recs_pread(fi, tr->rec0, n, buf))
            goto done;
        if (pwrite(fo, buf, n * sizeof *buf, (off_t)(start[tr->cell] * sizeof *buf)) !=
            (ssize_t)(n * sizeof *buf))
            goto werr;
        start[tr->cell] += n;
    }
    for (size_t k = NC; k-- > 0;)   /* back to the starts */
        start[k + 1] = start[k];
    start[0] = 0;
    for (size_t k = 0; k < NC; k++) {
        size_t n = start[k + 1] - start[k];
        if (n == 0)
            continue;
        if (recs_pread(fo, start[k], n, buf))
            goto done;
        for (size_t j = 0; j < n; j++)
            key[j] = (skey){(uint32_t)buf[j].side << 16 | buf[j].metric, (uint32_t)j};
        qsort(key, n, sizeof *key, cmp_skey);
        for (size_t j = 0; j < n; j++)
            tmp[j] = buf[key[j].idx];
        if (pwrite(fo, tmp, n * sizeof *tmp, (off_t)(start[k] * sizeof *tmp)) !=
            (ssize_t)(n * sizeof *tmp))
            goto werr;
    }
    st = KC_OK;
    goto done;
werr:
    KC_ERROR("cannot write the metric values to a temporary file: %s", strerror(errno));
done:
    free(start);
    free(buf);
    free(tmp);
    free(key);
    return st;
}

/* The run of the sorted records from i with the same cell, side and metric as record i: its
 * end. */
static size_t run_end(const ctx *c, rec_reader *r, size_t i)
{
    rec a = rr_get(r, i);
    size_t cell = c->trials[a.trial].cell, j = i + 1;
    for (; j < c->n_recs; j++) {
        rec b = rr_get(r, j);
        if (r->err || b.side != a.side || b.metric != a.metric || c->trials[b.trial].cell != cell)
            break;
    }
    return j;
}

/* The finite values of the run [i, j), in trial order, into v; their count. */
static size_t run_values(rec_reader *r, size_t i, size_t j, double *v)
{
    size_t n = 0;
    for (; i < j; i++) {
        double x = rr_get(r, i).value;
        if (isfinite(x))
            v[n++] = x;
    }
    return n;
}

/* subjects: one row per cell, side and metric with a finite value. */
static int subjects_fill(void *data, size_t first, size_t count, kc_table *t)
{
    gen *g = data;
    const ctx *c = g->c;
    if (first != g->next_row || first == 0) {
        g->next_row = 0;
        g->next_pos = 0;
    }
    size_t row = g->next_row, i = g->next_pos, end = first + count;
    while (i < c->n_recs && row < end) {
        size_t j = run_end(c, &g->rr, i);
        rec e = rr_get(&g->rr, i);
        size_t n = run_values(&g->rr, i, j, g->v);
        if (g->rr.err)
            return KC_EIO;
        i = j;
        if (n == 0 || row++ < first)
            continue;
        kc_describe d;
        int st = kc_stats_describe(g->v, n, &d);
        if (st)
            return st;
        long r = kc_table_add_row(t);
        if (r < 0)
            return KC_ENOMEM;
        size_t mrow = c->cell_row[c->trials[e.trial].cell];
        if (set_s(t, (size_t)r, 0, cell_str(c, mrow, c->c_subject)) ||
            set_s(t, (size_t)r, 1, cell_str(c, mrow, c->c_by)) ||
            set_s(t, (size_t)r, 2, SIDE_NAME[e.side]) ||
            set_s(t, (size_t)r, 3, c->metrics.v[e.metric]) ||
            set_s(t, (size_t)r, 4, c->units.v[e.metric]) ||
            kc_table_set_i64(t, (size_t)r, 5, (int64_t)n) ||
            kc_table_set_f64(t, (size_t)r, 6, d.mean) || kc_table_set_f64(t, (size_t)r, 7, d.sd) ||
            kc_table_set_f64(t, (size_t)r, 8, d.mean != 0.0 ? 100.0 * d.sd / fabs(d.mean) : NAN))
            return KC_ENOMEM;
    }
    g->next_row = row;
    g->next_pos = i;
    return KC_OK;
}

enum { CM_CHUNK = 256 };   /* cells of cell means in memory while they are written */

/* Cells [c0, c0 + CM_CHUNK) of every column of the cell means, chunk[(side·M + metric)·CM_CHUNK
 * + cell − c0], to c->cmf. */
static int cm_flush(ctx *c, const double *chunk, size_t c0)
{
    size_t NC = c->cells.n, n = NC - c0 < CM_CHUNK ? NC - c0 : CM_CHUNK;
    for (size_t sm = 0; sm < NSIDE * c->metrics.n; sm++)
        if (pwrite(fileno(c->cmf), chunk + sm * CM_CHUNK, n * sizeof *chunk,
                   (off_t)((sm * NC + c0) * sizeof *chunk)) != (ssize_t)(n * sizeof *chunk)) {
            KC_ERROR("cannot write the cell means to a temporary file: %s", strerror(errno));
            return KC_EIO;
        }
    return KC_OK;
}

/* The cell means of side and metric, col[cells]. */
static int cm_column(const ctx *c, int side, size_t metric, double *col)
{
    size_t NC = c->cells.n, bytes = NC * sizeof *col;
    off_t at = (off_t)(((size_t)side * c->metrics.n + metric) * bytes);
    if (pread(fileno(c->cmf), col, bytes, at) != (ssize_t)bytes) {
        KC_ERROR("cannot read the cell means back from a temporary file: %s",
                 errno ? strerror(errno) : "short read");
        return KC_EIO;
    }
    return KC_OK;
}

/* Cell means (c->cmf, written CM_CHUNK cells at a time) and the subjects table, generated
 * from the sorted records when it is written (the same kc_stats_describe of the same values,
 * so the same numbers). */
static int build_subjects(ctx *c, kc_table **out)
{
    static const char *const names[] = {"subject", "by", "side", "metric", "unit",
                                        "n",       "mean", "sd", "cv_pct"};
    static const enum kc_col_type types[] = {S, S, S, S, S, I, F, F, F};
    size_t M = c->metrics.n, nrows = 0, maxn = 1;
    rec_reader rr;
    *out = NULL;
    if (rr_open(&rr, c->ord, c->n_recs)) {
        rr_close(&rr);
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < c->n_recs;) {
        size_t j = run_end(c, &rr, i);
        maxn = j - i > maxn ? j - i : maxn;
        i = j;
    }
    gen *g = gen_new(c, 0, maxn);
    if (!g || rr_open(&g->rr, c->ord, c->n_recs)) {
        rr_close(&rr);
        gen_release(g);
        return KC_ENOMEM;
    }
    size_t csz = CM_CHUNK * NSIDE * M, c0 = 0;
    double *chunk = malloc((csz + 1) * sizeof *chunk);
    int st = KC_ENOMEM;
    if (!chunk)
        goto fail;
    if (!(c->cmf = spill_open("cell means"))) {
        st = KC_EIO;
        goto fail;
    }
    for (size_t i = 0; i < csz; i++)
        chunk[i] = NAN;
    for (size_t i = 0; i < c->n_recs && !rr.err;) {
        size_t j = run_end(c, &rr, i);
        rec e = rr_get(&rr, i);
        size_t n = run_values(&rr, i, j, g->v);
        i = j;
        if (n == 0)
            continue;
        kc_describe d;
        if ((st = kc_stats_describe(g->v, n, &d)))
            goto fail;
        size_t cell = c->trials[e.trial].cell;
        for (; cell >= c0 + CM_CHUNK; c0 += CM_CHUNK) {   /* cells in order */
            if ((st = cm_flush(c, chunk, c0)))
                goto fail;
            for (size_t q = 0; q < csz; q++)
                chunk[q] = NAN;
        }
        chunk[((size_t)e.side * M + e.metric) * CM_CHUNK + cell - c0] = d.mean;
        nrows++;
    }
    st = KC_EIO;
    if (rr.err)
        goto fail;
    for (; c0 < c->cells.n; c0 += CM_CHUNK) {
        if ((st = cm_flush(c, chunk, c0)))
            goto fail;
        for (size_t q = 0; q < csz; q++)
            chunk[q] = NAN;
    }
    free(chunk);
    rr_close(&rr);
    kc_table *t = kc_table_alloc_generated(9, names, types, nrows, subjects_fill, g, gen_release);
    if (!t)
        return KC_ENOMEM;
    *out = t;
    return KC_OK;
fail:
    free(chunk);
    rr_close(&rr);
    gen_release(g);
    return st;
}

/* Finite values of a column of cell means (cm_column) of one level (or every level when
 * level < 0). */
static size_t gather(const ctx *c, const double *col, long level, double *v)
{
    size_t n = 0;
    for (size_t k = 0; k < c->cells.n; k++) {
        if (level >= 0 && c->cell_level[k] != (size_t)level)
            continue;
        double x = col[k];
        if (isfinite(x))
            v[n++] = x;
    }
    return n;
}

static int build_groups(ctx *c, kc_table **out)
{
    static const char *const names[] = {"by", "side", "metric", "unit", "n", "mean", "sd",
                                        "ci_lo", "ci_hi", "median", "q1", "q3", "iqr"};
    static const enum kc_col_type types[] = {S, S, S, S, I, F, F, F, F, F, F, F, F};
    kc_table *t = table_new(13, names, types);
    double *v = malloc((c->cells.n + 1) * sizeof *v), *col = malloc((c->cells.n + 1) * sizeof *col);
    int st = KC_ENOMEM;
    if (!t || !v || !col)
        goto fail;
    for (size_t l = 0; l < c->levels.n; l++)
        for (int side = 0; side < NSIDE; side++)
            for (size_t m = 0; m < c->metrics.n; m++) {
                if ((st = cm_column(c, side, m, col)))
                    goto fail;
                size_t n = gather(c, col, (long)l, v);
                if (n == 0)
                    continue;
                kc_describe d;
                if ((st = kc_stats_describe(v, n, &d)))
                    goto fail;
                st = KC_ENOMEM;
                long r = kc_table_add_row(t);
                if (r < 0)
                    goto fail;
                size_t R = (size_t)r;
                double f[9] = {d.mean, d.sd, d.ci_lo, d.ci_hi, d.median, d.q1, d.q3, d.iqr};
                if (set_s(t, R, 0, c->levels.v[l]) || set_s(t, R, 1, SIDE_NAME[side]) ||
                    set_s(t, R, 2, c->metrics.v[m]) || set_s(t, R, 3, c->units.v[m]) ||
                    kc_table_set_i64(t, R, 4, (int64_t)n))
                    goto fail;
                for (int j = 0; j < 8; j++)
                    if (kc_table_set_f64(t, R, 5 + j, f[j]))
                        goto fail;
            }
    st = KC_OK;
    *out = t;
    t = NULL;
fail:
    kc_table_free(t);
    free(v);
    free(col);
    return st;
}

static int add_test_row(kc_table *t, const ctx *c, size_t m, int side, const char *test,
                        const kc_test *r)
{
    long row = kc_table_add_row(t);
    if (row < 0)
        return KC_ENOMEM;
    size_t R = (size_t)row;
    double f[7] = {r->statistic, r->z, r->df, r->p, r->estimate, r->ci_lo, r->ci_hi};
    if (set_s(t, R, 0, c->metrics.v[m]) || set_s(t, R, 1, SIDE_NAME[side]) ||
        set_s(t, R, 2, c->units.v[m]) || set_s(t, R, 3, test) ||
        set_s(t, R, 4, c->p->compare_a) || set_s(t, R, 5, c->p->compare_b) ||
        kc_table_set_i64(t, R, 6, (int64_t)r->n1) || kc_table_set_i64(t, R, 7, (int64_t)r->n2))
        return KC_ENOMEM;
    for (int j = 0; j < 7; j++)
        if (kc_table_set_f64(t, R, 8 + j, f[j]))
            return KC_ENOMEM;
    return KC_OK;
}

static int build_comparisons(ctx *c, kc_table **out)
{
    static const char *const names[] = {"metric", "side", "unit", "test", "level_a",
                                        "level_b", "n_a", "n_b", "statistic", "z", "df", "p",
                                        "estimate", "ci_lo", "ci_hi"};
    static const enum kc_col_type types[] = {S, S, S, S, S, S, I, I, F, F, F, F, F, F, F};
    long la = strv_find(&c->levels, c->p->compare_a), lb = strv_find(&c->levels, c->p->compare_b);
    if (la < 0 || lb < 0) {
        KC_ERROR("--compare: level \"%s\" of column \"%s\" has no analysed trial in \"%s\"",
                 la < 0 ? c->p->compare_a : c->p->compare_b, c->p->group_by, c->p->manifest);
        return KC_EMISSING;
    }
    kc_table *t = table_new(15, names, types);
    double *a = malloc((c->cells.n + 1) * sizeof *a), *b = malloc((c->cells.n + 1) * sizeof *b);
    long *partner = malloc((c->cells.n + 1) * sizeof *partner);
    double *col = malloc((c->cells.n + 1) * sizeof *col);
    int st = KC_ENOMEM;
    size_t M = c->metrics.n;
    if (!t || !a || !b || !partner || !col)
        goto fail;
    if (c->p->paired) {   /* partner[k] of each A cell: the B cell with the same key */
        for (size_t k = 0; k < c->cells.n; k++) {
            partner[k] = -1;
            if (c->cell_level[k] != (size_t)la)
                continue;
            const char *key = cell_str(c, c->cell_row[k], c->c_paired);
            for (size_t j = 0; j < c->cells.n; j++) {
                if (j == k || strcmp(cell_str(c, c->cell_row[j], c->c_paired), key) != 0)
                    continue;
                if (c->cell_level[j] == (size_t)la) {
                    KC_ERROR("--paired %s: \"%s\" is not unique within level \"%s\"",
                             c->p->paired, key, c->p->compare_a);
                    st = KC_EINVAL;
                    goto fail;
                }
                if (c->cell_level[j] == (size_t)lb) {
                    if (partner[k] >= 0) {
                        KC_ERROR("--paired %s: \"%s\" is not unique within level \"%s\"",
                                 c->p->paired, key, c->p->compare_b);
                        st = KC_EINVAL;
                        goto fail;
                    }
                    partner[k] = (long)j;
                }
            }
        }
    }
    for (int side = 0; side < NSIDE; side++)
        for (size_t m = 0; m < M; m++) {
            kc_test r;
            if ((st = cm_column(c, side, m, col)))
                goto fail;
            st = KC_ENOMEM;
            if (c->p->paired) {
                size_t n = 0;
                for (size_t k = 0; k < c->cells.n; k++) {
                    if (c->cell_level[k] != (size_t)la || partner[k] < 0)
                        continue;
                    double x = col[k], y = col[partner[k]];
                    if (isfinite(x) && isfinite(y)) {
                        a[n] = x;
                        b[n] = y;
                        n++;
                    }
                }
                if (n >= 2) {
                    if (kc_stats_paired_t(a, b, n, &r) ||
                        (st = add_test_row(t, c, m, side, "paired_t", &r)))
                        goto fail;
                    if (kc_stats_wilcoxon_signed(a, b, n, &r) ||
                        (st = add_test_row(t, c, m, side, "wilcoxon_signed_rank", &r)))
                        goto fail;
                }
                continue;
            }
            size_t na = gather(c, col, la, a), nb = gather(c, col, lb, b);
            if (na < 2 || nb < 2)
                continue;
            if (kc_stats_welch(a, na, b, nb, &r) ||
                (st = add_test_row(t, c, m, side, "welch_t", &r)))
                goto fail;
            if (kc_stats_mann_whitney(a, na, b, nb, &r) ||
                (st = add_test_row(t, c, m, side, "mann_whitney_u", &r)))
                goto fail;
            if (kc_stats_hedges_g(a, na, b, nb, &r) ||
                (st = add_test_row(t, c, m, side, "hedges_g", &r)))
                goto fail;
        }
    st = KC_OK;
    *out = t;
    t = NULL;
fail:
    if (st == KC_OK && !*out)
        st = KC_ENOMEM;
    kc_table_free(t);
    free(a);
    free(b);
    free(partner);
    free(col);
    return st;
}

static int build_left_right(ctx *c, kc_table **out)
{
    static const char *const names[] = {"by", "metric", "unit", "n", "mean_diff_l_minus_r",
                                        "sd", "ci_lo", "ci_hi", "t", "df", "p_t",
                                        "wilcoxon_v", "p_wilcoxon"};
    static const enum kc_col_type types[] = {S, S, S, I, F, F, F, F, F, F, F, F, F};
    kc_table *t = table_new(13, names, types);
    double *l = malloc((c->cells.n + 1) * sizeof *l), *r = malloc((c->cells.n + 1) * sizeof *r);
    double *d = malloc((c->cells.n + 1) * sizeof *d);
    double *cl = malloc((c->cells.n + 1) * sizeof *cl), *cr = malloc((c->cells.n + 1) * sizeof *cr);
    int st = KC_ENOMEM;
    size_t M = c->metrics.n;
    if (!t || !l || !r || !d || !cl || !cr)
        goto fail;
    for (long lv = 0; lv <= (long)c->levels.n; lv++) {
        long level = lv < (long)c->levels.n ? lv : -1;   /* the last pass: every cell */
        for (size_t m = 0; m < M; m++) {
            size_t n = 0;
            if ((st = cm_column(c, 0, m, cl)) || (st = cm_column(c, 1, m, cr)))
                goto fail;
            st = KC_ENOMEM;
            for (size_t k = 0; k < c->cells.n; k++) {
                if (level >= 0 && c->cell_level[k] != (size_t)level)
                    continue;
                double x = cl[k], y = cr[k];
                if (isfinite(x) && isfinite(y)) {
                    l[n] = x;
                    r[n] = y;
                    d[n] = x - y;
                    n++;
                }
            }
            if (n < 2)
                continue;
            kc_test pt, w;
            kc_describe ds;
            if (kc_stats_paired_t(l, r, n, &pt) || kc_stats_wilcoxon_signed(l, r, n, &w) ||
                kc_stats_describe(d, n, &ds))
                goto fail;
            long row = kc_table_add_row(t);
            if (row < 0)
                goto fail;
            size_t R = (size_t)row;
            double f[9] = {pt.estimate, ds.sd, pt.ci_lo, pt.ci_hi, pt.statistic, pt.df, pt.p,
                           w.statistic, w.p};
            if (set_s(t, R, 0, level >= 0 ? c->levels.v[level] : "ALL") ||
                set_s(t, R, 1, c->metrics.v[m]) || set_s(t, R, 2, c->units.v[m]) ||
                kc_table_set_i64(t, R, 3, (int64_t)n))
                goto fail;
            for (int j = 0; j < 9; j++)
                if (kc_table_set_f64(t, R, 4 + j, f[j]))
                    goto fail;
        }
    }
    st = KC_OK;
    *out = t;
    t = NULL;
fail:
    kc_table_free(t);
    free(l);
    free(r);
    free(d);
    free(cl);
    free(cr);
    return st;
}

static int build_reliability(ctx *c, kc_table **out)
{
    static const char *const names[] = {"metric",       "side",         "unit",
                                        "n",            "k",            "icc_3_1",
                                        "icc_2_1",      "sd",           "sem",
                                        "mdc95",        "icc_3_1_ci_lo", "icc_3_1_ci_hi",
                                        "icc_2_1_ci_lo", "icc_2_1_ci_hi", "f",
                                        "p_f"};
    static const enum kc_col_type types[] = {S, S, S, I, I, F, F, F, F, F, F, F, F, F, F, F};
    kc_table *t = table_new(16, names, types);
    /* per (side, metric): the runs of the sorted records of each cell; y: the values of one
     * (side, metric), ncell·k of them */
    size_t *start = malloc((c->cells.n + 1) * sizeof *start);
    size_t *cnt = malloc((c->cells.n + 1) * sizeof *cnt);
    double *y = NULL;
    size_t ycap = 0;
    rec_reader rr;
    int st = rr_open(&rr, c->ord, c->n_recs);
    if (st || !t || !start || !cnt) {
        st = KC_ENOMEM;
        goto fail;
    }
    st = KC_ENOMEM;
    for (int side = 0; side < NSIDE; side++)
        for (size_t m = 0; m < c->metrics.n; m++) {
            size_t ncell = 0, k = 0;
            for (size_t i = 0; i < c->n_recs;) {
                size_t j = run_end(c, &rr, i);
                rec e = rr_get(&rr, i);
                if (e.side == side && e.metric == m) {
                    size_t fin = 0;
                    for (size_t q = i; q < j; q++)
                        fin += isfinite(rr_get(&rr, q).value) != 0;
                    if (fin == j - i && fin >= 2) {   /* cells with a missing trial are left out */
                        start[ncell] = i;
                        cnt[ncell] = fin;
                        if (k == 0 || fin < k)
                            k = fin;
                        ncell++;
                    }
                }
                i = j;
            }
            if (rr.err) {
                st = KC_EIO;
                goto fail;
            }
            if (ncell < 2 || k < 2)
                continue;
            if (grow((void **)&y, &ycap, ncell * k, sizeof *y))
                goto fail;
            for (size_t q = 0; q < ncell; q++)
                for (size_t j = 0; j < k; j++)
                    y[q * k + j] = rr_get(&rr, start[q] + j).value;
            if (rr.err) {
                st = KC_EIO;
                goto fail;
            }
            kc_icc icc;
            if (kc_stats_icc(y, ncell, k, &icc))
                goto fail;
            long row = kc_table_add_row(t);
            if (row < 0)
                goto fail;
            size_t R = (size_t)row;
            double f[11] = {icc.icc31,    icc.icc21,    icc.sd,       icc.sem,
                            icc.mdc95,    icc.icc31_lo, icc.icc31_hi, icc.icc21_lo,
                            icc.icc21_hi, icc.f,        icc.p_f};
            if (set_s(t, R, 0, c->metrics.v[m]) || set_s(t, R, 1, SIDE_NAME[side]) ||
                set_s(t, R, 2, c->units.v[m]) || kc_table_set_i64(t, R, 3, (int64_t)ncell) ||
                kc_table_set_i64(t, R, 4, (int64_t)k))
                goto fail;
            for (int j = 0; j < 11; j++)
                if (kc_table_set_f64(t, R, 5 + j, f[j]))
                    goto fail;
        }
    st = KC_OK;
    *out = t;
    t = NULL;
fail:
    kc_table_free(t);
    free(start);
    free(cnt);
    free(y);
    rr_close(&rr);
    return st;
}
/* ---- SPM of the cell-mean curves, streamed ---------------------------------------------
 * The fields are never held in memory: each ensemble's cell-mean curves go to a temporary
 * file (cell_means_file) and the SPM{t} is computed in passes over its rows, with per-node
 * sums only (O(101) memory, not O(cells·101)). The sums run over the same values in the same
 * order as kc_spm_ttest2 / kc_spm_ttest_paired (spm.c) do over fields in memory — per node,
 * rows in order, A's rows before B's — so the statistics are the same bits;
 * tests/test_stats_scale.c checks them against those functions. */

enum { CURVE_BLOCK = 256 };   /* curves read back at a time */

static int cm_get(int fd, size_t cell, double *acc)
{
    const size_t bytes = KC_NORM_POINTS * 3 * sizeof *acc;
    return pread(fd, acc, bytes, (off_t)(cell * bytes)) == (ssize_t)bytes ? KC_OK : KC_EIO;
}

static int cm_put(int fd, size_t cell, const double *acc)
{
    const size_t bytes = KC_NORM_POINTS * 3 * sizeof *acc;
    return pwrite(fd, acc, bytes, (off_t)(cell * bytes)) == (ssize_t)bytes ? KC_OK : KC_EIO;
}

/* The cell-mean curves of ensemble e, all three components, into a temporary file *out:
 * [cell][101·3] doubles in the layout of the curves, NaN for cells without a curve. Each cell's
 * sum runs over its curves in the order the trials were read (from 0, then divided by the
 * count); the running sums live in the file, read and written back when the next curve is of
 * another cell, so memory holds one cell's sum, a block of curves and a count per cell. */
static int cell_means_file(ctx *c, size_t e, FILE **out)
{
    const size_t PK = KC_NORM_POINTS * 3, NC = c->cells.n;
    curve_acc *a = &c->curves[e];
    double *buf = malloc(CURVE_BLOCK * PK * sizeof *buf), *acc = malloc(PK * sizeof *acc);
    uint32_t *cnt = calloc(NC + 1, sizeof *cnt);
    FILE *f = NULL;
    size_t cur = SIZE_MAX;
    int st = KC_ENOMEM;
    *out = NULL;
    if (!buf || !acc || !cnt)
        goto done;
    if (!(f = spill_open("cell-mean curves"))) {
        st = KC_EIO;
        goto done;
    }
    int fd = fileno(f);
    for (size_t n0 = 0; n0 < a->n; n0 += CURVE_BLOCK) {
        size_t nb = a->n - n0 < CURVE_BLOCK ? a->n - n0 : CURVE_BLOCK;
        if ((st = curves_read(a, n0, nb, buf)))
            goto done;
        for (size_t j = 0; j < nb; j++) {
            size_t cell = c->trials[curve_trial(a, n0 + j)].cell;
            if (cell != cur) {
                st = KC_EIO;
                if (cur != SIZE_MAX && cm_put(fd, cur, acc))
                    goto io;
                if (cnt[cell] == 0)
                    memset(acc, 0, PK * sizeof *acc);
                else if (cm_get(fd, cell, acc))
                    goto io;
                cur = cell;
            }
            for (size_t i = 0; i < PK; i++)   /* NaN anywhere makes the cell's mean NaN */
                acc[i] += buf[j * PK + i];
            cnt[cell]++;
        }
    }
    st = KC_EIO;
    if (cur != SIZE_MAX && cm_put(fd, cur, acc))
        goto io;
    for (size_t k = 0; k < NC; k++) {
        if (cnt[k] && cm_get(fd, k, acc))
            goto io;
        for (size_t i = 0; i < PK; i++)
            acc[i] = cnt[k] ? acc[i] / (double)cnt[k] : NAN;
        if (cm_put(fd, k, acc))
            goto io;
    }
    st = KC_OK;
    *out = f;
    f = NULL;
    goto done;
io:
    KC_ERROR("curves %s: cannot use a temporary file for the cell means: %s",
             c->curve_keys.v[e], strerror(errno));
done:
    if (f)
        fclose(f);
    free(buf);
    free(acc);
    free(cnt);
    return st;
}

/* Where the rows of one SPM come from. Two-sample (!paired): group A = the cells of level la
 * whose mean curve (file fa) is finite, in cell order; group B likewise of level lb. Paired:
 * the pairs (k, partner[k]) over cells k of level la (every cell when la < 0; partner NULL:
 * the same cell) whose curves in fa and fb are both finite, in cell order. */
typedef struct spm_src {
    const ctx *c;
    int paired, comp;
    int fa, fb;
    long la, lb;
    const long *partner;
    double *buf;   /* 2·101·3 doubles of scratch */
} spm_src;

/* Component comp of cell k's mean curve into row; *fin: every node finite. */
static int cm_row(const spm_src *s, int fd, size_t k, double *buf, double *row, int *fin)
{
    if (cm_get(fd, k, buf)) {
        KC_ERROR("cannot read the cell means back from a temporary file: %s", strerror(errno));
        return KC_EIO;
    }
    *fin = 1;
    for (size_t i = 0; i < KC_NORM_POINTS; i++) {
        row[i] = buf[i * 3 + (size_t)s->comp];
        *fin &= isfinite(row[i]) != 0;
    }
    return KC_OK;
}

/* The next row at or after cell *k: group g (0 A, 1 B) of a two-sample SPM into ya, or the
 * next pair into ya and yb. *got 0 at the end. */
static int spm_next(const spm_src *s, int g, size_t *k, double *ya, double *yb, int *got)
{
    const ctx *c = s->c;
    int st, fa, fb;
    *got = 0;
    for (; *k < c->cells.n; (*k)++) {
        size_t ka = *k;
        if (!s->paired) {
            if (c->cell_level[ka] != (size_t)(g ? s->lb : s->la))
                continue;
            if ((st = cm_row(s, s->fa, ka, s->buf, ya, &fa)))
                return st;
            if (!fa)
                continue;
        } else {
            if (s->la >= 0 && c->cell_level[ka] != (size_t)s->la)
                continue;
            long kb = s->partner ? s->partner[ka] : (long)ka;
            if (kb < 0)
                continue;
            if ((st = cm_row(s, s->fa, ka, s->buf, ya, &fa)) ||
                (st = cm_row(s, s->fb, (size_t)kb, s->buf, yb, &fb)))
                return st;
            if (!fa || !fb)
                continue;
        }
        (*k)++;
        *got = 1;
        return KC_OK;
    }
    return KC_OK;
}

/* The SPM{t} of src at α = 0.05 two-tailed, in passes over the rows. *na, *nb: rows (pairs:
 * both n). *out NULL with *why set when it cannot be computed (fewer than 2 rows a group:
 * *why KC_OK; a zero-variance field: KC_ENUMERIC, logged as spm.c does); the return value is
 * an error that stops the run (KC_EIO, KC_ENOMEM). w: 7·101 doubles of scratch. */
static int spm_stream(const spm_src *s, size_t *na, size_t *nb, kc_spm **out, int *why,
                      double *w)
{
    const size_t P = KC_NORM_POINTS;
    double *ma = w, *mb = w + P, *ss = w + 2 * P, *dsq = w + 3 * P, *ya = w + 4 * P,
           *yb = w + 5 * P, *r = w + 6 * P;
    size_t k;
    int got, st;
    *out = NULL;
    *why = KC_OK;
    *na = *nb = 0;
    memset(w, 0, 4 * P * sizeof *w);
    /* pass 1: the sums of A and B (two-sample) or of the differences (paired) */
    for (int g = 0; g < (s->paired ? 1 : 2); g++)
        for (k = 0;;) {
            if ((st = spm_next(s, g, &k, ya, yb, &got)))
                return st;
            if (!got)
                break;
            for (size_t j = 0; j < P; j++)
                if (s->paired)
                    ma[j] += ya[j] - yb[j];
                else if (g == 0)
                    ma[j] += ya[j];
                else
                    mb[j] += ya[j];
            if (g)
                (*nb)++;
            else
                (*na)++;
        }
    if (s->paired)
        *nb = *na;
    if (*na < 2 || *nb < 2)
        return KC_OK;
    for (size_t j = 0; j < P; j++) {
        ma[j] /= (double)*na;
        mb[j] /= (double)*nb;
    }
    /* pass 2: residuals (own group mean, or mean difference): their squares and the squares of
     * their numpy.gradient along the nodes, summed per node */
    for (int g = 0; g < (s->paired ? 1 : 2); g++)
        for (k = 0;;) {
            if ((st = spm_next(s, g, &k, ya, yb, &got)))
                return st;
            if (!got)
                break;
            for (size_t j = 0; j < P; j++)
                r[j] = s->paired ? ya[j] - yb[j] - ma[j] : ya[j] - (g ? mb[j] : ma[j]);
            for (size_t j = 0; j < P; j++) {
                double d = j == 0 ? r[1] - r[0]
                           : j == P - 1 ? r[P - 1] - r[P - 2]
                                        : 0.5 * (r[j + 1] - r[j - 1]);
                ss[j] += r[j] * r[j];
                dsq[j] += d * d;
            }
        }
    kc_spm *sp = calloc(1, sizeof *sp);
    if (!sp || !(sp->t = malloc(P * sizeof *sp->t))) {
        free(sp);
        return KC_ENOMEM;
    }
    sp->q = P;
    sp->df = s->paired ? (double)(*na - 1) : (double)(*na + *nb - 2);
    for (size_t j = 0; j < P; j++) {
        if (s->paired)
            sp->t[j] = ma[j] / (sqrt(ss[j] / sp->df) / sqrt((double)*na));
        else
            sp->t[j] = (ma[j] - mb[j]) /
                       (sqrt(ss[j] / sp->df) * sqrt(1.0 / (double)*na + 1.0 / (double)*nb));
        if (!isfinite(sp->t[j])) {
            KC_ERROR("SPM %s: zero variance%s at node %zu",
                     s->paired ? "paired t" : "two-sample t",
                     s->paired ? " of the differences" : "", j);
            *why = KC_ENUMERIC;
            kc_spm_free(sp);
            return KC_OK;
        }
    }
    sp->fwhm = kc_spm_fwhm_sums(ss, dsq, P);   /* the same arithmetic as kc_spm_fwhm */
    if (!isfinite(sp->fwhm)) {
        KC_ERROR("SPM: cannot estimate the smoothness (zero residuals)");
        *why = KC_ENUMERIC;
        kc_spm_free(sp);
        return KC_OK;
    }
    if ((st = kc_spm_infer(sp, 0.05))) {
        kc_spm_free(sp);
        if (st == KC_ENOMEM)
            return st;
        *why = st;   /* the threshold could not be found: not computed, warned */
        return KC_OK;
    }
    *out = sp;
    return KC_OK;
}

/* One SPM{t} (paired or two-sample) of component comp of ensemble name: a row of ts and its
 * clusters in tc. sp NULL: not computed for reason r (a zero-variance field: NaN statistics,
 * warned). */
static int spm_row(kc_table *ts, kc_table *tc, const char *name, int comp, int paired,
                   const char *la, const char *lb, size_t na, size_t nb, const kc_spm *sp,
                   int r)
{
    if (r == KC_ENOMEM)
        return r;
    long row = kc_table_add_row(ts);
    if (row < 0)
        return KC_ENOMEM;
    size_t R = (size_t)row;
    if (set_s(ts, R, 0, name) || kc_table_set_i64(ts, R, 1, comp) ||
        set_s(ts, R, 2, paired ? "spm_paired_t" : "spm_t2") || set_s(ts, R, 3, la) ||
        set_s(ts, R, 4, lb) || kc_table_set_i64(ts, R, 5, (int64_t)na) ||
        kc_table_set_i64(ts, R, 6, (int64_t)nb) || kc_table_set_f64(ts, R, 9, 0.05))
        return KC_ENOMEM;
    if (!sp) {
        KC_WARN("SPM of %s component %d: %s", name, comp, kc_strerror(r));
        return KC_OK;
    }
    if (kc_table_set_f64(ts, R, 7, sp->df) || kc_table_set_f64(ts, R, 8, sp->fwhm) ||
        kc_table_set_f64(ts, R, 10, sp->zstar) || kc_table_set_f64(ts, R, 11, sp->t_max) ||
        kc_table_set_i64(ts, R, 12, (int64_t)sp->n_clusters))
        return KC_ENOMEM;
    for (size_t q = 0; q < sp->n_clusters; q++) {
        const kc_spm_cluster *k = &sp->clusters[q];
        long cr = kc_table_add_row(tc);
        double f[6] = {k->x0, k->x1, k->extent, k->resels, k->peak * k->sign, k->p};
        if (cr < 0 || set_s(tc, (size_t)cr, 0, name) ||
            kc_table_set_i64(tc, (size_t)cr, 1, comp) || set_s(tc, (size_t)cr, 2, la) ||
            set_s(tc, (size_t)cr, 3, lb) || kc_table_set_i64(tc, (size_t)cr, 4, k->sign))
            return KC_ENOMEM;
        for (int j = 0; j < 6; j++)   /* nodes 0..100 are percent of the phase */
            if (kc_table_set_f64(tc, (size_t)cr, 5 + j, f[j]))
                return KC_ENOMEM;
    }
    return KC_OK;
}

/* The cell-means file of ensemble e, made on first use. */
static int cm_file(ctx *c, FILE **files, size_t e, int *fd)
{
    int st;
    if (!files[e] && (st = cell_means_file(c, e, &files[e])))
        return st;
    *fd = fileno(files[e]);
    return KC_OK;
}

/* SPM{t} of the cell-mean curves of levels A and B, per ensemble and component. */
static int build_spm(ctx *c, kc_table **out_spm, kc_table **out_cl)
{
    static const char *const n1[] = {"curve", "component", "test", "level_a", "level_b", "n_a",
                                     "n_b", "df", "fwhm_nodes", "alpha", "zstar", "t_max",
                                     "n_clusters"};
    static const enum kc_col_type t1[] = {S, I, S, S, S, I, I, F, F, F, F, F, I};
    static const char *const n2[] = {"curve", "component", "level_a", "level_b", "sign",
                                     "start_pct", "end_pct", "extent_pct", "extent_resels",
                                     "peak_t", "p"};
    static const enum kc_col_type t2[] = {S, I, S, S, I, F, F, F, F, F, F};
    const size_t P = KC_NORM_POINTS, NC = c->cells.n, NE = c->curve_keys.n;
    long la = c->p->compare_a ? strv_find(&c->levels, c->p->compare_a) : -1;
    long lb = c->p->compare_b ? strv_find(&c->levels, c->p->compare_b) : -1;
    kc_table *ts = table_new(13, n1, t1), *tc = table_new(11, n2, t2);
    double *w = malloc(7 * P * sizeof *w), *buf = malloc(2 * P * 3 * sizeof *buf);
    long *partner = malloc((NC + 1) * sizeof *partner);
    FILE **files = calloc(NE + 1, sizeof *files);
    kc_spm *sp = NULL;
    int st = KC_ENOMEM, why;
    size_t na, nb;
    if (!ts || !tc || !w || !buf || !partner || !files)
        goto fail;
    if (c->p->compare_a && c->p->compare_b && (la < 0 || lb < 0)) {   /* see build_comparisons */
        st = KC_EMISSING;
        goto fail;
    }
    for (size_t k = 0; k < NC; k++) {   /* pairing as in build_comparisons (checked there) */
        partner[k] = -1;
        if (!c->p->paired || c->cell_level[k] != (size_t)la)
            continue;
        const char *key = cell_str(c, c->cell_row[k], c->c_paired);
        for (size_t j = 0; j < NC; j++)
            if (c->cell_level[j] == (size_t)lb &&
                strcmp(cell_str(c, c->cell_row[j], c->c_paired), key) == 0)
                partner[k] = (long)j;
    }
    for (size_t e = 0; e < NE && la >= 0 && lb >= 0; e++) {
        spm_src s = {.c = c, .paired = c->p->paired != NULL, .la = la, .lb = lb,
                     .partner = c->p->paired ? partner : NULL, .buf = buf};
        if ((st = cm_file(c, files, e, &s.fa)))
            goto fail;
        s.fb = s.fa;
        for (int comp = 0; comp < 3; comp++) {
            s.comp = comp;
            if ((st = spm_stream(&s, &na, &nb, &sp, &why, w)))
                goto fail;
            if ((sp || why) && (st = spm_row(ts, tc, c->curve_keys.v[e], comp, s.paired,
                                             c->p->compare_a, c->p->compare_b, na, nb, sp, why)))
                goto fail;
            kc_spm_free(sp);
            sp = NULL;
        }
    }
    /* left vs right: paired over cells, "<phase>_L<chan>" against "<phase>_R<chan>" */
    for (size_t e = 0; e < NE; e++) {
        curve_acc *a = &c->curves[e];
        if (a->channel[0] != 'L')
            continue;
        char key[512], name[512];
        snprintf(key, sizeof key, "%s_R%s", a->phase, a->channel + 1);
        snprintf(name, sizeof name, "%s_%s", a->phase, a->channel + 1);
        long e2 = strv_find(&c->curve_keys, key);
        if (e2 < 0)
            continue;
        spm_src s = {.c = c, .paired = 1, .la = -1, .lb = -1, .buf = buf};
        if ((st = cm_file(c, files, e, &s.fa)) || (st = cm_file(c, files, (size_t)e2, &s.fb)))
            goto fail;
        for (int comp = 0; comp < 3; comp++) {
            s.comp = comp;
            if ((st = spm_stream(&s, &na, &nb, &sp, &why, w)))
                goto fail;
            if ((sp || why) && (st = spm_row(ts, tc, name, comp, 1, "L", "R", na, nb, sp, why)))
                goto fail;
            kc_spm_free(sp);
            sp = NULL;
        }
    }
    st = KC_OK;
    *out_spm = ts;
    *out_cl = tc;
    ts = tc = NULL;
fail:
    kc_spm_free(sp);
    kc_table_free(ts);
    kc_table_free(tc);
    for (size_t e = 0; e < NE && files; e++)
        if (files[e])
            fclose(files[e]);
    free(files);
    free(w);
    free(buf);
    free(partner);
    return st;
}

/* The index table of ensemble g->e: subject, session, trial and by of each curve. */
static int index_fill(void *data, size_t first, size_t count, kc_table *t)
{
    const gen *g = data;
    const ctx *c = g->c;
    const curve_acc *a = &c->curves[g->e];
    for (size_t n = first; n < first + count; n++) {
        size_t row = c->trials[curve_trial(a, n)].row;
        long r = kc_table_add_row(t);
        if (r < 0 || set_s(t, (size_t)r, 0, cell_str(c, row, c->c_subject)) ||
            set_s(t, (size_t)r, 1, cell_str(c, row, c->c_session)) ||
            set_s(t, (size_t)r, 2, cell_str(c, row, c->c_trial)) ||
            set_s(t, (size_t)r, 3, cell_str(c, row, c->c_by)))
            return KC_ENOMEM;
    }
    return KC_OK;
}

static int add_curves(ctx *c, kc_cohort *co)
{
    static const char *const names[] = {"subject", "session", "trial", "by"};
    static const enum kc_col_type types[] = {S, S, S, S};
    for (size_t i = 0; i < c->curve_keys.n; i++) {
        curve_acc *a = &c->curves[i];
        gen *g = gen_new(c, i, 0);
        kc_table *idx = g ? kc_table_alloc_generated(4, names, types, a->n, index_fill, g,
                                                     gen_release)
                          : NULL;
        if (!idx)
            return KC_ENOMEM;
        if (fflush(a->spill) != 0) {
            KC_ERROR("curves %s: cannot write to the temporary file: %s", c->curve_keys.v[i],
                     strerror(errno));
            kc_table_free(idx);
            return KC_EIO;
        }
        FILE *f = a->spill;   /* the cohort owns it from here, also on failure */
        a->spill = NULL;
        int st = kc_cohort_add_curves_spilled(co, c->curve_keys.v[i], a->phase, a->channel,
                                              a->units, a->n, KC_NORM_POINTS, 3, f, idx);
        if (st)
            return st;
    }
    return KC_OK;
}

static void ctx_unref(ctx *c)
{
    if (!c || --c->refs > 0)
        return;
    kc_table_free(c->man);
    kc_table_free(c->subj);
    kc_table_free(c->excluded);
    free(c->mdir);
    strv_free(&c->metrics);
    strv_free(&c->units);
    strv_free(&c->models);
    strv_free(&c->cells);
    strv_free(&c->levels);
    for (size_t i = 0; i < c->curve_keys.n && c->curves; i++) {
        free(c->curves[i].phase);
        free(c->curves[i].channel);
        free(c->curves[i].units);
        if (c->curves[i].spill)
            fclose(c->curves[i].spill);
        free(c->curves[i].trial);
    }
    free(c->curves);
    strv_free(&c->curve_keys);
    free(c->cell_level);
    free(c->cell_row);
    if (c->recs)
        fclose(c->recs);
    if (c->ord)
        fclose(c->ord);
    if (c->cmf)
        fclose(c->cmf);
    free(c->trials);
    free(c);
}

int kc_cohortstats_run(const kc_cohortstats_params *p, kc_cohort **out)
{
    ctx *c = calloc(1, sizeof *c);
    kc_cohort *co = NULL;
    kc_table *tb = NULL;
    char first_why[1300] = "";
    int st;
    *out = NULL;
    if (!c)
        return KC_ENOMEM;
    c->refs = 1;
    c->p = p;
    const char *by = p->group_by ? p->group_by : "group";
    if ((st = kc_table_read_csv(p->manifest, &c->man)))
        goto fail;
    if (kc_table_nrows(c->man) >= UINT32_MAX) {   /* trial_info */
        KC_ERROR("\"%s\": more than %u rows", p->manifest, (unsigned)UINT32_MAX - 1);
        st = KC_EINVAL;
        goto fail;
    }
    const char *slash = strrchr(p->manifest, '/');
    c->mdir = slash ? strndup(p->manifest, (size_t)(slash - p->manifest)) : strdup(".");
    if (!c->mdir) {
        st = KC_ENOMEM;
        goto fail;
    }
    if ((st = need_col(c->man, p->manifest, "subject", &c->c_subject)) ||
        (st = need_col(c->man, p->manifest, "trial", &c->c_trial)) ||
        (st = need_col(c->man, p->manifest, by, &c->c_by)))
        goto fail;
    c->c_paired = -1;
    if (p->paired && (st = need_col(c->man, p->manifest, p->paired, &c->c_paired)))
        goto fail;
    c->c_session = kc_table_find(c->man, "session");
    c->c_task = kc_table_find(c->man, "task");
    c->c_group = kc_table_find(c->man, "group");
    c->c_condition = kc_table_find(c->man, "condition");
    c->c_site = kc_table_find(c->man, "site");
    c->c_exclude = kc_table_find(c->man, "exclude");
    c->c_kin = kc_table_find(c->man, "kinematics");
    c->c_sex_subj = -1;
    if (p->subjects) {
        if ((st = kc_table_read_csv(p->subjects, &c->subj)) ||
            (st = need_col(c->subj, p->subjects, "subject", &c->c_subj_subj)))
            goto fail;
        c->c_sex_subj = kc_table_find(c->subj, "sex");
    }
    static const char *const xn[] = {"line", "subject", "trial", "reason"};
    static const enum kc_col_type xt[] = {I, S, S, S};
    if (!(c->excluded = table_new(4, xn, xt))) {
        st = KC_ENOMEM;
        goto fail;
    }
    if (!(c->recs = spill_open("metric values"))) {
        st = KC_EIO;
        goto fail;
    }
    double t0 = kc_now();
    for (size_t row = 0; row < kc_table_nrows(c->man); row++) {
        if (p->progress)
            p->progress(row, kc_table_nrows(c->man), p->progress_data);
        const char *ex = cell_str(c, row, c->c_exclude);
        const char *task = cell_str(c, row, c->c_task);
        if (*ex && strcmp(ex, "0") != 0) {
            if ((st = add_excluded(c, row, "excluded in the manifest")))
                goto fail;
            continue;
        }
        if (c->c_task >= 0 && !task_selected(c, task)) {
            char why[256];
            snprintf(why, sizeof why, "task \"%s\" not analysed", task);
            if ((st = add_excluded(c, row, why)))
                goto fail;
            continue;
        }
        if (c->subj) {
            const char *s = cell_str(c, row, c->c_subject);
            size_t i, n = kc_table_nrows(c->subj);
            for (i = 0; i < n && strcmp(kc_table_get_str(c->subj, i, c->c_subj_subj), s); i++)
                ;
            if (i == n) {
                KC_ERROR("\"%s\": subject \"%s\" (manifest line %zu) is not in \"%s\"",
                         p->manifest, s, row + 2, p->subjects);
                st = KC_EMISSING;
                goto fail;
            }
        }
        char why[1200];
        if ((st = read_trial(c, row, why, sizeof why)))
            goto fail;
        if (why[0]) {
            if (c->n_failed == 0)
                snprintf(first_why, sizeof first_why, "line %zu: %s", row + 2, why);
            c->n_failed++;
            if ((st = add_excluded(c, row, why)))
                goto fail;
        }
    }
    if (p->progress)
        p->progress(kc_table_nrows(c->man), kc_table_nrows(c->man), p->progress_data);
    if (c->n_trials == 0) {
        if (c->n_failed)
            KC_ERROR("\"%s\": no trial to analyse: none of the %zu kinematics files could be "
                     "used (first, manifest %s)",
                     p->manifest, c->n_failed, first_why);
        else
            KC_ERROR("\"%s\": no trial to analyse", p->manifest);
        st = KC_EINVAL;
        goto fail;
    }
    double t1 = kc_now();
    KC_INFO("read %zu trials in %.2f s (%.0f trials/s)", c->n_trials, t1 - t0,
            (double)c->n_trials / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
    if (c->n_failed)
        KC_WARN("\"%s\": %zu of %zu trials left out: their kinematics files are missing or "
                "unusable (listed in the excluded table; first, manifest %s)",
                p->manifest, c->n_failed, c->n_failed + c->n_trials, first_why);
    if (c->models.n > 1) {
        /* e.g. keypoint-based and marker-based trials: same metric names, other joint centres */
        char list[256];
        size_t k = 0;
        list[0] = '\0';
        for (size_t i = 0; i < c->models.n && k < sizeof list; i++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s\"%s\"", i ? ", " : "",
                                  c->models.v[i]);
        KC_WARN("\"%s\": the trials come from %zu kinematic models (%s): metrics of the same "
                "name are pooled across them in the groups, comparisons and SPM; the trials "
                "table's model column tells them apart (a manifest column that separates them, "
                "given to --group-by, keeps them apart)",
                p->manifest, c->models.n, list);
    }
    st = KC_ENOMEM;
    if (!(co = kc_cohort_alloc()) || !(co->manifest = strdup(p->manifest)))
        goto fail;
    if ((st = build_trials(c, &tb)) || (st = kc_cohort_add_table(co, "trials", tb)))
        goto fail_tb;
    /* from here on the records are needed by cell, side, metric, trial */
    if ((st = sort_records(c)))
        goto fail;
    if ((st = build_subjects(c, &tb)) ||
        (st = kc_cohort_add_table(co, "subjects", tb)))
        goto fail_tb;
    if ((st = build_groups(c, &tb)) || (st = kc_cohort_add_table(co, "groups", tb)))
        goto fail_tb;
    if (p->compare_a && p->compare_b) {
        tb = NULL;
        if ((st = build_comparisons(c, &tb)) ||
            (st = kc_cohort_add_table(co, "comparisons", tb)))
            goto fail_tb;
    }
    kc_table *tc = NULL;
    if ((st = build_spm(c, &tb, &tc)))
        goto fail;
    if ((st = kc_cohort_add_table(co, "spm", tb))) {
        kc_table_free(tc);
        goto fail_tb;
    }
    if ((st = kc_cohort_add_table(co, "spm_clusters", tc)))
        goto fail_tb;
    if ((st = build_left_right(c, &tb)) || (st = kc_cohort_add_table(co, "left_right", tb)))
        goto fail_tb;
    if ((st = build_reliability(c, &tb)) ||
        (st = kc_cohort_add_table(co, "reliability", tb)))
        goto fail_tb;
    st = kc_cohort_add_table(co, "excluded", c->excluded);
    c->excluded = NULL;
    if (st || (st = add_curves(c, co)))
        goto fail;
    co->n_failed = c->n_failed;
    KC_INFO("tables, statistics and SPM in %.2f s", kc_now() - t1);
    /* what the generated tables do not use goes now; they keep the rest */
    c->p = NULL;
    strv_free(&c->cells);
    strv_free(&c->levels);
    free(c->cell_level);
    c->cell_level = NULL;
    ctx_unref(c);
    *out = co;
    return KC_OK;
fail_tb:
    tb = NULL;   /* kc_cohort_add_table owns it, also on failure; builders free their own */
fail:
    kc_cohort_free(co);
    ctx_unref(c);
    return st;
}
