/* A strict reader of the subset of TOML (https://toml.io/en/v1.0.0) that camera calibration
 * files of Pose2Sim, anipose and Caliscope use: comments, [table] and [dotted.table]
 * headers with bare or "quoted" keys, key = value with values that are numbers (integer or
 * float, optional sign and exponent), basic "strings" (escapes \" \\ \n \t \r), booleans,
 * and arrays of these, possibly nested and spanning lines (trailing comma allowed).
 * Anything else (array tables [[x]], inline tables, dates, literal or multi-line strings,
 * duplicate keys or tables) is an error naming the file and line: Debian has no C TOML
 * library, and guessing at syntax we do not understand would import a wrong calibration.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibio.h"
#include "kinechain/log.h"

typedef struct parser {
    const char *s;      /* whole text, NUL-terminated */
    size_t i;
    int line;
    const char *path;
    char err[160];
} parser;

static int perr(parser *p, const char *msg)
{
    if (!p->err[0])
        snprintf(p->err, sizeof p->err, "%s", msg);
    return -1;
}

/* skip spaces/tabs, and a comment to the end of the line when nl == 0; with nl also newlines */
static void skip_ws(parser *p, int nl)
{
    for (;;) {
        char c = p->s[p->i];
        if (c == ' ' || c == '\t' || c == '\r') {
            p->i++;
        } else if (c == '#') {
            while (p->s[p->i] && p->s[p->i] != '\n')
                p->i++;
        } else if (nl && c == '\n') {
            p->i++;
            p->line++;
        } else {
            return;
        }
    }
}

static void value_free(kc_toml_value *v)
{
    if (!v)
        return;
    free(v->str);
    for (size_t k = 0; k < v->n; k++)
        value_free(&v->items[k]);
    free(v->items);
}

static int parse_string(parser *p, char **out)
{
    /* at the opening quote */
    p->i++;
    size_t cap = 32, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return perr(p, "out of memory");
    for (;;) {
        char c = p->s[p->i];
        if (c == '\0' || c == '\n') {
            free(buf);
            return perr(p, "unterminated string");
        }
        p->i++;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = p->s[p->i++];
            switch (e) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            default:
                free(buf);
                return perr(p, "unsupported escape in a string");
            }
        } else if ((unsigned char)c < 0x20 && c != '\t') {
            free(buf);
            return perr(p, "control character in a string");
        }
        if (n + 2 > cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return perr(p, "out of memory");
            }
            buf = nb;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int is_bare(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int parse_key(parser *p, char **out)
{
    if (p->s[p->i] == '"')
        return parse_string(p, out);
    size_t j = p->i;
    while (is_bare(p->s[j]))
        j++;
    if (j == p->i)
        return perr(p, "expected a key");
    *out = strndup(p->s + p->i, j - p->i);
    if (!*out)
        return perr(p, "out of memory");
    p->i = j;
    return 0;
}

static int parse_value(parser *p, kc_toml_value *v, int depth)
{
    memset(v, 0, sizeof *v);
    char c = p->s[p->i];
    if (c == '"') {
        v->type = KC_TOML_STRING;
        return parse_string(p, &v->str);
    }
    if (c == '[') {
        if (depth > 8)
            return perr(p, "arrays nested too deeply");
        p->i++;
        v->type = KC_TOML_ARRAY;
        size_t cap = 0;
        for (;;) {
            skip_ws(p, 1);
            if (p->s[p->i] == ']') {
                p->i++;
                return 0;
            }
            if (v->n == cap) {
                cap = cap ? 2 * cap : 8;
                kc_toml_value *ni = realloc(v->items, cap * sizeof *ni);
                if (!ni)
                    return perr(p, "out of memory");
                v->items = ni;
            }
            if (parse_value(p, &v->items[v->n], depth + 1)) {
                v->n++;   /* free what was parsed of it */
                return -1;
            }
            v->n++;
            skip_ws(p, 1);
            if (p->s[p->i] == ',') {
                p->i++;
            } else if (p->s[p->i] != ']') {
                return perr(p, p->s[p->i] ? "expected ',' or ']' in an array"
                                          : "unterminated array");
            }
        }
    }
    if (c == '{')
        return perr(p, "inline tables are not supported");
    if (c == '\'')
        return perr(p, "literal strings are not supported");
    size_t j = p->i;
    while (is_bare(p->s[j]) || p->s[j] == '.' || p->s[j] == '+' || p->s[j] == ':')
        j++;
    size_t len = j - p->i;
    if (len == 4 && !strncmp(p->s + p->i, "true", 4)) {
        v->type = KC_TOML_BOOL;
        v->num = 1;
        p->i = j;
        return 0;
    }
    if (len == 5 && !strncmp(p->s + p->i, "false", 5)) {
        v->type = KC_TOML_BOOL;
        v->num = 0;
        p->i = j;
        return 0;
    }
    if (len == 0 || len > 63)
        return perr(p, "expected a value (number, string, boolean or array)");
    char buf[64];
    size_t k = 0;
    for (size_t m = p->i; m < j; m++) {
        if (p->s[m] == '_')
            continue;   /* TOML allows 1_000 */
        if (p->s[m] == ':')
            return perr(p, "dates and times are not supported");
        buf[k++] = p->s[m];
    }
    buf[k] = '\0';
    /* strtod also takes hex, "inf" and "nan": only plain decimal numbers here */
    for (size_t m = 0; m < k; m++)
        if (!(isdigit((unsigned char)buf[m]) || strchr("+-.eE", buf[m])))
            return perr(p, "not a number");
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + k || k == 0 || errno == ERANGE || !isfinite(d))
        return perr(p, "not a number");
    v->type = KC_TOML_NUMBER;
    v->num = d;
    p->i = j;
    return 0;
}

static kc_toml_table *add_table(kc_toml *t, char *name, int line)
{
    kc_toml_table *nt = realloc(t->tables, (t->n + 1) * sizeof *nt);
    if (!nt)
        return NULL;
    t->tables = nt;
    kc_toml_table *tb = &t->tables[t->n++];
    memset(tb, 0, sizeof *tb);
    tb->name = name;
    tb->line = line;
    return tb;
}

void kc_toml_free(kc_toml *t)
{
    if (!t)
        return;
    for (size_t a = 0; a < t->n; a++) {
        for (size_t b = 0; b < t->tables[a].n; b++) {
            free(t->tables[a].kv[b].key);
            value_free(&t->tables[a].kv[b].v);
        }
        free(t->tables[a].kv);
        free(t->tables[a].name);
    }
    free(t->tables);
    free(t);
}

const kc_toml_table *kc_toml_find_table(const kc_toml *t, const char *name)
{
    for (size_t a = 0; a < t->n; a++)
        if (!strcmp(t->tables[a].name, name))
            return &t->tables[a];
    return NULL;
}

const kc_toml_value *kc_toml_get(const kc_toml_table *tb, const char *key)
{
    for (size_t b = 0; b < tb->n; b++)
        if (!strcmp(tb->kv[b].key, key))
            return &tb->kv[b].v;
    return NULL;
}

static int parse_doc(parser *p, kc_toml *t)
{
    char *rootname = strdup("");
    if (!rootname || !add_table(t, rootname, 1)) {
        free(rootname);
        return perr(p, "out of memory");
    }
    kc_toml_table *cur = &t->tables[0];
    for (;;) {
        skip_ws(p, 1);
        char c = p->s[p->i];
        if (c == '\0')
            return 0;
        if (c == '[') {
            if (p->s[p->i + 1] == '[')
                return perr(p, "arrays of tables [[...]] are not supported");
            p->i++;
            /* dotted name: keys joined by '.' */
            size_t cap = 64, n = 0, n_keys = 0, head_len = 0;
            char *name = malloc(cap);
            if (!name)
                return perr(p, "out of memory");
            for (;;) {
                skip_ws(p, 0);
                char *k;
                if (parse_key(p, &k)) {
                    free(name);
                    return -1;
                }
                size_t kl = strlen(k);
                if (n + kl + 2 > cap) {
                    cap = n + kl + 64;
                    char *nn = realloc(name, cap);
                    if (!nn) {
                        free(name);
                        free(k);
                        return perr(p, "out of memory");
                    }
                    name = nn;
                }
                if (n)
                    name[n++] = '.';
                memcpy(name + n, k, kl);
                n += kl;
                name[n] = '\0';
                if (n_keys++ == 0)
                    head_len = kl;
                free(k);
                skip_ws(p, 0);
                if (p->s[p->i] == '.') {
                    p->i++;
                    continue;
                }
                if (p->s[p->i] == ']') {
                    p->i++;
                    break;
                }
                free(name);
                return perr(p, "expected ']' after a table name");
            }
            if (kc_toml_find_table(t, name)) {
                free(name);
                return perr(p, "table defined twice");
            }
            if (!(cur = add_table(t, name, p->line))) {
                free(name);
                return perr(p, "out of memory");
            }
            cur->n_keys = n_keys;
            cur->head_len = head_len;
        } else {
            char *k;
            if (parse_key(p, &k))
                return -1;
            skip_ws(p, 0);
            if (p->s[p->i] == '.') {
                free(k);
                return perr(p, "dotted keys are not supported");
            }
            if (p->s[p->i] != '=') {
                free(k);
                return perr(p, "expected '=' after a key");
            }
            p->i++;
            skip_ws(p, 0);
            if (kc_toml_get(cur, k)) {
                free(k);
                return perr(p, "key defined twice in its table");
            }
            kc_toml_kv *nkv = realloc(cur->kv, (cur->n + 1) * sizeof *nkv);
            if (!nkv) {
                free(k);
                return perr(p, "out of memory");
            }
            cur->kv = nkv;
            kc_toml_kv *kv = &cur->kv[cur->n++];
            kv->key = k;
            kv->line = p->line;
            if (parse_value(p, &kv->v, 0))
                return -1;
        }
        /* the rest of the line must be empty */
        skip_ws(p, 0);
        if (p->s[p->i] != '\n' && p->s[p->i] != '\0')
            return perr(p, "unexpected text after a value or table header");
    }
}

int kc_toml_read(const char *path, kc_toml **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int st = kc_calibio_slurp(path, &text, &len);
    if (st)
        return st;
    kc_toml *t = calloc(1, sizeof *t);
    if (!t) {
        free(text);
        return KC_ENOMEM;
    }
    if (strlen(text) != len) {
        KC_ERROR("\"%s\" is not a TOML file: it contains NUL bytes", path);
        free(text);
        kc_toml_free(t);
        return KC_EFORMAT;
    }
    parser p = {text, 0, 1, path, {0}};
    if (parse_doc(&p, t)) {
        KC_ERROR("\"%s\" line %d: %s (kinechain reads the TOML subset of Pose2Sim, anipose "
                 "and Caliscope calibrations)", path, p.line, p.err);
        free(text);
        kc_toml_free(t);
        return strcmp(p.err, "out of memory") ? KC_EFORMAT : KC_ENOMEM;
    }
    free(text);
    *out = t;
    return KC_OK;
}

int kc_toml_numbers(const kc_toml_value *v, size_t rows, size_t cols, double *out)
{
    if (!v || v->type != KC_TOML_ARRAY)
        return KC_ETYPE;
    if (cols == 0) {   /* a flat vector of `rows` numbers */
        if (v->n != rows)
            return KC_ESHAPE;
        for (size_t i = 0; i < rows; i++) {
            if (v->items[i].type != KC_TOML_NUMBER)
                return KC_ETYPE;
            out[i] = v->items[i].num;
        }
        return KC_OK;
    }
    if (v->n != rows)
        return KC_ESHAPE;
    for (size_t i = 0; i < rows; i++) {
        int st = kc_toml_numbers(&v->items[i], cols, 0, out + i * cols);
        if (st)
            return st;
    }
    return KC_OK;
}
