/* kinechain — in-memory tables and their CSV form (RFC 4180). */
#include "kinechain/table.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"
#include "table_internal.h"

typedef struct kc_column {
    char *name;
    enum kc_col_type type;
    char *units;
    union {
        char **s;
        double *f;
        int64_t *i;
        void *any;
    } v;
} kc_column;

struct kc_table {
    int ncols;
    size_t nrows;
    size_t cap;
    kc_column *cols;
    /* generated tables (kc_table_alloc_generated) hold no rows: fill makes them on demand */
    kc_table_fill_fn fill;
    void *ctx;
    void (*release)(void *ctx);
    kc_table *cache;      /* the block of rows the getters last needed, or NULL */
    size_t cache_first;
    /* strings of a table read from CSV live in a few large blocks, not one malloc each (a
     * 10,000-trial subjects.csv has 2.6 million cells: 8-10 bytes each instead of 32-48) */
    char **arena;
    size_t *arena_size;
    size_t n_arena, arena_used;   /* bytes used of the last block */
};

static const char empty_str[] = "";

static bool in_arena(const kc_table *t, const char *s)
{
    uintptr_t p = (uintptr_t)s;
    for (size_t i = 0; i < t->n_arena; i++)
        if (p >= (uintptr_t)t->arena[i] && p < (uintptr_t)t->arena[i] + t->arena_size[i])
            return true;
    return false;
}

/* Release a cell's string: not the shared empty string, not one in the arena. */
static void free_cell(const kc_table *t, char *s)
{
    if (s != empty_str && !in_arena(t, s))
        free(s);
}

/* A copy of s[0..len) (NUL-terminated) in the table's arena; NULL on ENOMEM. */
static char *arena_dup(kc_table *t, const char *s, size_t len)
{
    enum { BLOCK = 1 << 20 };
    if (!t->n_arena || t->arena_used + len + 1 > t->arena_size[t->n_arena - 1]) {
        size_t size = len + 1 > BLOCK ? len + 1 : BLOCK;
        char **a = realloc(t->arena, (t->n_arena + 1) * sizeof *a);
        if (!a)
            return NULL;
        t->arena = a;
        size_t *sz = realloc(t->arena_size, (t->n_arena + 1) * sizeof *sz);
        if (!sz)
            return NULL;
        t->arena_size = sz;
        if (!(a[t->n_arena] = malloc(size)))
            return NULL;
        sz[t->n_arena++] = size;
        t->arena_used = 0;
    }
    char *p = t->arena[t->n_arena - 1] + t->arena_used;
    memcpy(p, s, len);
    p[len] = '\0';
    t->arena_used += len + 1;
    return p;
}

kc_table *kc_table_alloc(int ncols, const char *const *names, const enum kc_col_type *types)
{
    if (ncols < 0)
        return NULL;
    kc_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->cols = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *t->cols);
    if (!t->cols)
        goto fail;
    for (int c = 0; c < ncols; c++) {
        t->cols[c].name = strdup(names[c] ? names[c] : "");
        t->cols[c].type = types[c];
        if (!t->cols[c].name)
            goto fail;
    }
    return t;
fail:
    kc_table_free(t);
    return NULL;
}

kc_table *kc_table_alloc_generated(int ncols, const char *const *names,
                                   const enum kc_col_type *types, size_t nrows,
                                   kc_table_fill_fn fill, void *ctx, void (*release)(void *ctx))
{
    kc_table *t = fill ? kc_table_alloc(ncols, names, types) : NULL;
    if (!t) {
        if (release)
            release(ctx);
        return NULL;
    }
    t->nrows = nrows;
    t->fill = fill;
    t->ctx = ctx;
    t->release = release;
    return t;
}

int kc_table_is_generated(const kc_table *t)
{
    return t && t->fill;
}

void kc_table_free(kc_table *t)
{
    if (!t)
        return;
    if (t->fill) {   /* no rows of its own */
        if (t->release)
            t->release(t->ctx);
        kc_table_free(t->cache);
        t->nrows = 0;
    }
    for (int c = 0; c < t->ncols && t->cols; c++) {
        kc_column *col = &t->cols[c];
        if (col->type == KC_COL_STR && col->v.s)
            for (size_t r = 0; r < t->nrows; r++)
                free_cell(t, col->v.s[r]);
        free(col->v.any);
        free(col->name);
        free(col->units);
    }
    free(t->cols);
    for (size_t i = 0; i < t->n_arena; i++)
        free(t->arena[i]);
    free(t->arena);
    free(t->arena_size);
    free(t);
}

int kc_table_ncols(const kc_table *t) { return t ? t->ncols : 0; }
size_t kc_table_nrows(const kc_table *t) { return t ? t->nrows : 0; }

const char *kc_table_col_name(const kc_table *t, int col)
{
    return t && col >= 0 && col < t->ncols ? t->cols[col].name : NULL;
}

enum kc_col_type kc_table_col_type(const kc_table *t, int col)
{
    return t && col >= 0 && col < t->ncols ? t->cols[col].type : KC_COL_STR;
}

int kc_table_find(const kc_table *t, const char *name)
{
    if (!t || !name)
        return -1;
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return c;
    return -1;
}

int kc_table_set_units(kc_table *t, int col, const char *units)
{
    if (!t || col < 0 || col >= t->ncols)
        return KC_EINVAL;
    char *u = units ? strdup(units) : NULL;
    if (units && !u)
        return KC_ENOMEM;
    free(t->cols[col].units);
    t->cols[col].units = u;
    return KC_OK;
}

const char *kc_table_units(const kc_table *t, int col)
{
    return t && col >= 0 && col < t->ncols ? t->cols[col].units : NULL;
}

static size_t elem_size(enum kc_col_type type)
{
    return type == KC_COL_STR ? sizeof(char *) : type == KC_COL_F64 ? sizeof(double)
                                                                    : sizeof(int64_t);
}

long kc_table_add_row(kc_table *t)
{
    if (!t || t->fill)
        return KC_EINVAL;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        for (int c = 0; c < t->ncols; c++) {
            void *p = realloc(t->cols[c].v.any, cap * elem_size(t->cols[c].type));
            if (!p)
                return KC_ENOMEM;   /* columns already grown keep their larger blocks */
            t->cols[c].v.any = p;
        }
        t->cap = cap;
    }
    size_t r = t->nrows++;
    for (int c = 0; c < t->ncols; c++) {
        kc_column *col = &t->cols[c];
        switch (col->type) {
        case KC_COL_STR: col->v.s[r] = (char *)empty_str; break;
        case KC_COL_F64: col->v.f[r] = NAN; break;
        case KC_COL_I64: col->v.i[r] = INT64_MIN; break;
        }
    }
    return (long)r;
}

static int check_cell(const kc_table *t, size_t row, int col, enum kc_col_type type)
{
    if (!t || col < 0 || col >= t->ncols || row >= t->nrows)
        return KC_EINVAL;
    if (t->cols[col].type != type)
        return KC_ETYPE;
    return KC_OK;
}

kc_table *kc_table_alloc_like(const kc_table *t)
{
    if (!t)
        return NULL;
    const char **names = calloc(t->ncols > 0 ? (size_t)t->ncols : 1, sizeof *names);
    enum kc_col_type *types = calloc(t->ncols > 0 ? (size_t)t->ncols : 1, sizeof *types);
    kc_table *b = NULL;
    if (names && types) {
        for (int c = 0; c < t->ncols; c++) {
            names[c] = t->cols[c].name;
            types[c] = t->cols[c].type;
        }
        b = kc_table_alloc(t->ncols, names, types);
        for (int c = 0; b && c < t->ncols; c++)
            if (t->cols[c].units && kc_table_set_units(b, c, t->cols[c].units)) {
                kc_table_free(b);
                b = NULL;
            }
    }
    free(names);
    free(types);
    return b;
}

int kc_table_rows(const kc_table *t, size_t first, size_t count, kc_table *block)
{
    if (!t || !block || block->fill || block->ncols != t->ncols || first > t->nrows ||
        count > t->nrows - first)
        return KC_EINVAL;
    for (int c = 0; c < t->ncols; c++)
        if (block->cols[c].type != t->cols[c].type)
            return KC_ETYPE;
    int st = kc_table_resize(block, 0);
    if (st)
        return st;
    if (t->fill) {
        if ((st = t->fill(t->ctx, first, count, block)))
            return st;
        if (block->nrows != count) {
            kc_log(KC_LOG_ERROR, __func__, "generated table: %zu rows made for %zu asked",
                   block->nrows, count);
            return KC_EINVAL;
        }
        return KC_OK;
    }
    if ((st = kc_table_resize(block, count)))
        return st;
    for (int c = 0; c < t->ncols; c++) {
        const kc_column *from = &t->cols[c];
        kc_column *to = &block->cols[c];
        if (from->type != KC_COL_STR) {
            memcpy(to->v.any, (const char *)from->v.any + first * elem_size(from->type),
                   count * elem_size(from->type));
            continue;
        }
        for (size_t r = 0; r < count; r++)
            if ((st = kc_table_set_str(block, r, c, from->v.s[first + r])))
                return st;
    }
    return KC_OK;
}

/* The table holding row *row of t (t itself, or for a generated table the cached block made
 * for it, *row then relative to the block); NULL when the block cannot be made. */
static const kc_table *holder(const kc_table *t, size_t *row)
{
    if (!t->fill)
        return t;
    kc_table *m = (kc_table *)t;   /* the cache is not part of the table's value */
    size_t first = *row / KC_TABLE_BLOCK * KC_TABLE_BLOCK;
    if (!m->cache || m->cache_first != first || m->cache->nrows == 0) {
        if (!m->cache && !(m->cache = kc_table_alloc_like(t)))
            return NULL;
        size_t n = t->nrows - first < KC_TABLE_BLOCK ? t->nrows - first : KC_TABLE_BLOCK;
        if (kc_table_rows(t, first, n, m->cache)) {
            (void)kc_table_resize(m->cache, 0);
            return NULL;
        }
        m->cache_first = first;
    }
    *row -= first;
    return m->cache;
}

int kc_table_set_str(kc_table *t, size_t row, int col, const char *s)
{
    if (t && t->fill)
        return KC_EINVAL;
    int st = check_cell(t, row, col, KC_COL_STR);
    if (st)
        return st;
    char *copy = (char *)empty_str;
    if (s && *s && !(copy = strdup(s)))
        return KC_ENOMEM;
    char **slot = &t->cols[col].v.s[row];
    free_cell(t, *slot);
    *slot = copy;
    return KC_OK;
}

int kc_table_set_f64(kc_table *t, size_t row, int col, double v)
{
    if (t && t->fill)
        return KC_EINVAL;
    int st = check_cell(t, row, col, KC_COL_F64);
    if (st)
        return st;
    t->cols[col].v.f[row] = v;
    return KC_OK;
}

int kc_table_set_i64(kc_table *t, size_t row, int col, int64_t v)
{
    if (t && t->fill)
        return KC_EINVAL;
    int st = check_cell(t, row, col, KC_COL_I64);
    if (st)
        return st;
    t->cols[col].v.i[row] = v;
    return KC_OK;
}

const char *kc_table_get_str(const kc_table *t, size_t row, int col)
{
    if (check_cell(t, row, col, KC_COL_STR) || !(t = holder(t, &row)))
        return empty_str;
    return t->cols[col].v.s[row];
}

double kc_table_get_f64(const kc_table *t, size_t row, int col)
{
    if (check_cell(t, row, col, KC_COL_F64) || !(t = holder(t, &row)))
        return NAN;
    return t->cols[col].v.f[row];
}

int64_t kc_table_get_i64(const kc_table *t, size_t row, int col)
{
    if (check_cell(t, row, col, KC_COL_I64) || !(t = holder(t, &row)))
        return INT64_MIN;
    return t->cols[col].v.i[row];
}

/* ---- CSV writing ---------------------------------------------------------------------- */

/* alone: the only field of its line, where an empty field must be quoted ("") so that the
 * line does not read back as a blank line (which readers skip). */
static void put_field(FILE *fp, const char *s, bool alone)
{
    /* A leading byte-order mark would be stripped by the reader: quote it. */
    if (strpbrk(s, ",\"\r\n") == NULL && !(alone && !*s) && strncmp(s, "\xEF\xBB\xBF", 3) != 0) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* Rows of t (not generated) as CSV lines; alone: the table has one column. */
static void put_rows(FILE *fp, const kc_table *t, bool alone)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const kc_column *col = &t->cols[c];
            if (c)
                fputc(',', fp);
            switch (col->type) {
            case KC_COL_STR:
                put_field(fp, col->v.s[r], alone);
                break;
            case KC_COL_F64:
                if (!isnan(col->v.f[r]))
                    fprintf(fp, "%.17g", col->v.f[r]);
                else if (alone)
                    fputs("\"\"", fp);
                break;
            case KC_COL_I64:
                if (col->v.i[r] != INT64_MIN)
                    fprintf(fp, "%lld", (long long)col->v.i[r]);
                else if (alone)
                    fputs("\"\"", fp);
                break;
            }
        }
        fputc('\n', fp);
    }
}

int kc_table_write_csv(const kc_table *t, const char *path)
{
    if (!t || !path)
        return KC_EINVAL;
    kc_table *block = NULL;
    if (t->fill && !(block = kc_table_alloc_like(t)))
        return KC_ENOMEM;
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    if (st) {
        kc_table_free(block);
        return st;
    }
    FILE *fp = af.fp;
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', fp);
        put_field(fp, t->cols[c].name, t->ncols == 1);
    }
    fputc('\n', fp);
    if (!t->fill)
        put_rows(fp, t, t->ncols == 1);
    for (size_t r = 0; t->fill && r < t->nrows; r += KC_TABLE_BLOCK) {   /* block by block */
        size_t n = t->nrows - r < KC_TABLE_BLOCK ? t->nrows - r : KC_TABLE_BLOCK;
        if ((st = kc_table_rows(t, r, n, block))) {
            kc_table_free(block);
            kc_atomic_fabort(&af);
            return st;
        }
        put_rows(fp, block, t->ncols == 1);
    }
    kc_table_free(block);
    return kc_atomic_fclose(&af);
}

/* ---- CSV reading ---------------------------------------------------------------------- */

/* A growing list of the fields of one record. */
typedef struct fields {
    size_t n, cap;
    char **f;
} fields;

static void fields_clear(fields *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->f[i]);
    fs->n = 0;
}

static int fields_push(fields *fs, const char *s, size_t len)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? 2 * fs->cap : 16;
        char **p = realloc(fs->f, cap * sizeof *p);
        if (!p)
            return KC_ENOMEM;
        fs->f = p;
        fs->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return KC_ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    fs->f[fs->n++] = copy;
    return KC_OK;
}

/* Parse one record starting at *pos; advances *pos past its line end and *line by the
 * lines consumed. Quoted fields may span lines. Returns KC_OK, KC_EOF at the end, or
 * KC_EFORMAT (logged). Blank lines are skipped when skip_blank (before the header, and in
 * tables of several columns, where a blank line cannot be a record); in a one-column table
 * a blank line is a record with an empty field. */
static int next_record(const char *path, const char *buf, size_t len, size_t *pos,
                       long *line, fields *fs, char **scratch, size_t *scap, bool skip_blank)
{
    fields_clear(fs);
    size_t i = *pos;
    while (skip_blank && i < len &&
           (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))) {
        if (buf[i] == '\r')
            i++;
        i++;
        (*line)++;
    }
    if (i >= len) {
        *pos = i;
        return KC_EOF;
    }
    for (;;) {
        size_t n = 0;
        if (i < len && buf[i] == '"') {
            long quote_line = *line;
            i++;
            for (;;) {
                if (i >= len) {
                    kc_log(KC_LOG_ERROR, __func__,
                           "cannot read \"%s\" line %ld: quoted field is not terminated", path,
                           quote_line);
                    return KC_EFORMAT;
                }
                char ch = buf[i++];
                if (ch == '"') {
                    if (i < len && buf[i] == '"')
                        i++;
                    else
                        break;
                }
                if (ch == '\n')
                    (*line)++;
                if (n + 1 >= *scap) {
                    size_t cap = *scap ? 2 * *scap : 256;
                    char *p = realloc(*scratch, cap);
                    if (!p)
                        return KC_ENOMEM;
                    *scratch = p;
                    *scap = cap;
                }
                (*scratch)[n++] = ch;
            }
            if (i < len && buf[i] != ',' && buf[i] != '\n' &&
                !(buf[i] == '\r' && (i + 1 == len || buf[i + 1] == '\n'))) {
                kc_log(KC_LOG_ERROR, __func__,
                       "cannot read \"%s\" line %ld: unexpected character after a closing quote",
                       path, *line);
                return KC_EFORMAT;
            }
            if (fields_push(fs, *scratch ? *scratch : "", n))
                return KC_ENOMEM;
        } else {
            size_t s = i;
            while (i < len && buf[i] != ',' && buf[i] != '\n' &&
                   !(buf[i] == '\r' && (i + 1 == len || buf[i + 1] == '\n'))) {
                if (buf[i] == '"') {
                    kc_log(KC_LOG_ERROR, __func__,
                           "cannot read \"%s\" line %ld: quote inside an unquoted field", path,
                           *line);
                    return KC_EFORMAT;
                }
                i++;
            }
            if (fields_push(fs, buf + s, i - s))
                return KC_ENOMEM;
        }
        if (i < len && buf[i] == ',') {
            i++;
            continue;
        }
        /* end of record */
        if (i < len && buf[i] == '\r')
            i++;
        if (i < len && buf[i] == '\n')
            i++;
        (*line)++;
        break;
    }
    *pos = i;
    return KC_OK;
}

int kc_table_read_csv(const char *path, kc_table **out)
{
    int st = KC_OK;
    FILE *fp = NULL;
    char *buf = NULL, *scratch = NULL;
    size_t scap = 0;
    fields fs = {0, 0, NULL};
    enum kc_col_type *types = NULL;
    kc_table *t = NULL;
    *out = NULL;

    fp = fopen(path, "rb");
    if (!fp) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    size_t len = 0, cap = 1 << 16;
    buf = malloc(cap);
    if (!buf) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap)
            break;
        char *p = realloc(buf, cap *= 2);
        if (!p) {
            st = KC_ENOMEM;
            goto fail;
        }
        buf = p;
    }
    if (ferror(fp)) {
        kc_log(KC_LOG_ERROR, __func__, "cannot read \"%s\": %s", path, strerror(errno));
        st = KC_EIO;
        goto fail;
    }
    if (memchr(buf, '\0', len)) {
        kc_log(KC_LOG_ERROR, __func__, "cannot read \"%s\": not a text file (NUL byte)", path);
        st = KC_EFORMAT;
        goto fail;
    }

    size_t pos = 0;
    long line = 1;
    /* A UTF-8 byte-order mark, as spreadsheet programs write. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    st = next_record(path, buf, len, &pos, &line, &fs, &scratch, &scap, true);
    if (st == KC_EOF) {
        kc_log(KC_LOG_ERROR, __func__, "cannot read \"%s\": no header row", path);
        st = KC_EFORMAT;
        goto fail;
    }
    if (st)
        goto fail;
    int ncols = (int)fs.n;
    types = calloc(fs.n, sizeof *types);   /* all KC_COL_STR */
    if (!types) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (size_t a = 0; a < fs.n; a++)
        for (size_t b = a + 1; b < fs.n; b++)
            if (strcmp(fs.f[a], fs.f[b]) == 0) {
                kc_log(KC_LOG_ERROR, __func__, "cannot read \"%s\" line 1: column \"%s\" appears twice",
                       path, fs.f[a]);
                st = KC_EFORMAT;
                goto fail;
            }
    t = kc_table_alloc(ncols, (const char *const *)fs.f, types);
    if (!t) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (;;) {
        long rec_line = line;
        st = next_record(path, buf, len, &pos, &line, &fs, &scratch, &scap, ncols > 1);
        if (st == KC_EOF) {
            st = KC_OK;
            break;
        }
        if (st)
            goto fail;
        if ((int)fs.n != ncols) {
            kc_log(KC_LOG_ERROR, __func__, "cannot read \"%s\" line %ld: expected %d fields, found %zu",
                   path, rec_line, ncols, fs.n);
            st = KC_EFORMAT;
            goto fail;
        }
        long r = kc_table_add_row(t);
        if (r < 0) {
            st = (int)r;
            goto fail;
        }
        for (int c = 0; c < ncols; c++) {
            size_t flen = strlen(fs.f[c]);
            if (flen && !(t->cols[c].v.s[r] = arena_dup(t, fs.f[c], flen))) {
                t->cols[c].v.s[r] = (char *)empty_str;
                st = KC_ENOMEM;
                goto fail;
            }
        }
        fields_clear(&fs);
    }
    *out = t;
    t = NULL;
fail:
    kc_table_free(t);
    fields_clear(&fs);
    free(fs.f);
    free(types);
    free(scratch);
    free(buf);
    fclose(fp);
    return st;
}

/* ---- private (table_internal.h) ----------------------------------------------------- */

int kc_table_resize(kc_table *t, size_t nrows)
{
    if (t->fill)
        return KC_EINVAL;
    while (t->nrows > nrows) {
        size_t r = --t->nrows;
        for (int c = 0; c < t->ncols; c++)
            if (t->cols[c].type == KC_COL_STR)
                free_cell(t, t->cols[c].v.s[r]);
    }
    if (nrows > t->cap) {
        for (int c = 0; c < t->ncols; c++) {
            void *p = realloc(t->cols[c].v.any, nrows * elem_size(t->cols[c].type));
            if (!p)
                return KC_ENOMEM;
            t->cols[c].v.any = p;
        }
        t->cap = nrows;
    }
    while (t->nrows < nrows)
        if (kc_table_add_row(t) < 0)
            return KC_ENOMEM;
    return KC_OK;
}

void *kc_table_col_data(kc_table *t, int col)
{
    return t && !t->fill && col >= 0 && col < t->ncols ? t->cols[col].v.any : NULL;
}

const void *kc_table_col_cdata(const kc_table *t, int col)
{
    return t && !t->fill && col >= 0 && col < t->ncols ? t->cols[col].v.any : NULL;
}

void kc_table_take_str(kc_table *t, size_t row, int col, char *s)
{
    char **slot = &t->cols[col].v.s[row];
    free_cell(t, *slot);
    *slot = s ? s : (char *)empty_str;
}
