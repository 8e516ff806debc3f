/* Board detections from a tidy CSV (see board.h): one row per corner seen. The column names
 * of kinechain (frame, camera, corner, x, y, board_x, board_y, board_z) and of Caliscope's
 * xy_<BOARD>.csv (sync_index, cam_id, keypoint_id, img_loc_x, img_loc_y, obj_loc_x,
 * obj_loc_y, obj_loc_z) are accepted. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "kinechain/log.h"
#include "kinechain/table.h"

void kc_board_free(kc_board_data *d)
{
    if (!d)
        return;
    free(d->frame);
    free(d->cam);
    free(d->corner);
    free(d->uv);
    free(d->P);
    free(d->frame_value);
    free(d->cam_label);
    free(d);
}

static int find_col(const kc_table *t, const char *a, const char *b)
{
    int k = kc_table_find(t, a);
    return k >= 0 ? k : kc_table_find(t, b);
}

static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    while (*s == ' ')
        s++;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

typedef struct label {
    const char *s;
    double num;       /* numeric value, NaN if not a number */
} label;

static int cmp_label(const void *a, const void *b)
{
    const label *x = a, *y = b;
    int nx = isfinite(x->num), ny = isfinite(y->num);
    if (nx && ny)
        return (x->num > y->num) - (x->num < y->num);
    if (nx != ny)
        return ny - nx;   /* numbers first */
    return strcmp(x->s, y->s);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* (frame, camera, corner) of row i, for the duplicate check */
typedef struct key3 {
    int f, c;
    long k;
    size_t row;
} key3;

static int cmp_key3(const void *a, const void *b)
{
    const key3 *x = a, *y = b;
    if (x->f != y->f)
        return x->f < y->f ? -1 : 1;
    if (x->c != y->c)
        return x->c < y->c ? -1 : 1;
    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

int kc_board_read_csv(const char *path, double board_units_mm, kc_board_data **out)
{
    *out = NULL;
    kc_table *t = NULL;
    kc_board_data *d = NULL;
    label *labels = NULL;
    long *fv = NULL;
    key3 *keys = NULL;
    int st = kc_table_read_csv(path, &t);
    if (st)
        return st;
    static const char *const want[8][2] = {
        {"frame", "sync_index"},   {"camera", "cam_id"},     {"corner", "keypoint_id"},
        {"x", "img_loc_x"},        {"y", "img_loc_y"},       {"board_x", "obj_loc_x"},
        {"board_y", "obj_loc_y"},  {"board_z", "obj_loc_z"},
    };
    int col[8];
    for (int j = 0; j < 8; j++) {
        col[j] = find_col(t, want[j][0], want[j][1]);
        if (col[j] < 0 && j < 7) {
            KC_ERROR("\"%s\" has no column \"%s\" (or \"%s\")", path, want[j][0], want[j][1]);
            st = KC_EMISSING;
            goto fail;
        }
    }
    size_t n = kc_table_nrows(t);
    st = KC_EINVAL;
    if (n == 0) {
        KC_ERROR("\"%s\" has no detections", path);
        goto fail;
    }
    st = KC_ENOMEM;
    if (!(d = calloc(1, sizeof *d)))
        goto fail;
    d->n = n;
    d->frame = malloc(n * sizeof *d->frame);
    d->cam = malloc(n * sizeof *d->cam);
    d->corner = malloc(n * sizeof *d->corner);
    d->uv = malloc(2 * n * sizeof *d->uv);
    d->P = malloc(3 * n * sizeof *d->P);
    labels = malloc(n * sizeof *labels);
    fv = malloc(n * sizeof *fv);
    keys = malloc(n * sizeof *keys);
    if (!d->frame || !d->cam || !d->corner || !d->uv || !d->P || !labels || !fv || !keys)
        goto fail;
    double maxxy = 0;
    for (size_t i = 0; i < n; i++) {
        double v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int j = 0; j < 8; j++) {
            if (j == 1 || col[j] < 0)
                continue;
            const char *s = kc_table_get_str(t, i, col[j]);
            if (parse_num(s, &v[j]) ||
                ((j == 0 || j == 2) && (v[j] != floor(v[j]) || fabs(v[j]) > 1e15))) {
                KC_ERROR("\"%s\" line %zu: %s \"%s\" is not a%s finite number", path, i + 2,
                         kc_table_col_name(t, col[j]), s, j == 0 || j == 2 ? "n integer," : "");
                st = KC_EFORMAT;
                goto fail;
            }
        }
        if (v[7] != 0) {
            KC_ERROR("\"%s\" line %zu: board z = %g: board mode needs a planar board (z = 0)",
                     path, i + 2, v[7]);
            st = KC_EINVAL;
            goto fail;
        }
        fv[i] = (long)v[0];
        d->corner[i] = (long)v[2];
        d->uv[2 * i] = v[3], d->uv[2 * i + 1] = v[4];
        d->P[3 * i] = v[5] * board_units_mm, d->P[3 * i + 1] = v[6] * board_units_mm;
        d->P[3 * i + 2] = 0;
        maxxy = fmax(maxxy, fmax(fabs(d->P[3 * i]), fabs(d->P[3 * i + 1])));
        labels[i].s = kc_table_get_str(t, i, col[1]);
        if (parse_num(labels[i].s, &labels[i].num))
            labels[i].num = NAN;
        if (!labels[i].s[0] || strlen(labels[i].s) >= 48) {
            KC_ERROR("\"%s\" line %zu: camera label \"%s\" is empty or too long", path, i + 2,
                     labels[i].s);
            st = KC_EFORMAT;
            goto fail;
        }
    }
    if (maxxy < 5) {
        KC_ERROR("\"%s\": every board coordinate is below 5 mm: in metres? (give --board-units "
                 "m)", path);
        st = KC_EINVAL;
        goto fail;
    }
    /* distinct frames, in increasing order */
    long *fs = malloc(n * sizeof *fs);
    if (!fs)
        goto fail;
    memcpy(fs, fv, n * sizeof *fs);
    qsort(fs, n, sizeof *fs, cmp_long);
    size_t F = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || fs[i] != fs[i - 1])
            fs[F++] = fs[i];
    d->F = F;
    d->frame_value = fs;
    for (size_t i = 0; i < n; i++) {
        long *hit = bsearch(&fv[i], fs, F, sizeof *fs, cmp_long);
        d->frame[i] = (int)(hit - fs);
    }
    /* distinct cameras */
    label *ls = malloc(n * sizeof *ls);
    if (!ls)
        goto fail;
    memcpy(ls, labels, n * sizeof *ls);
    qsort(ls, n, sizeof *ls, cmp_label);
    size_t C = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cmp_label(&ls[i], &ls[i - 1]))
            ls[C++] = ls[i];
    d->C = C;
    d->cam_label = malloc(C * sizeof *d->cam_label);
    if (!d->cam_label) {
        free(ls);
        goto fail;
    }
    for (size_t c = 0; c < C; c++)
        snprintf(d->cam_label[c], sizeof d->cam_label[c], "%s", ls[c].s);
    for (size_t i = 0; i < n; i++) {
        label *hit = bsearch(&labels[i], ls, C, sizeof *ls, cmp_label);
        d->cam[i] = (int)(hit - ls);
    }
    free(ls);
    /* a corner seen twice in one view is a detector error we should not average away */
    for (size_t i = 0; i < n; i++)
        keys[i] = (key3){d->frame[i], d->cam[i], d->corner[i], i};
    qsort(keys, n, sizeof *keys, cmp_key3);
    for (size_t i = 1; i < n; i++)
        if (keys[i].f == keys[i - 1].f && keys[i].c == keys[i - 1].c &&
            keys[i].k == keys[i - 1].k) {
            KC_ERROR("\"%s\" line %zu: corner %ld of frame %ld is listed twice for camera %s "
                     "(also line %zu)", path, keys[i].row + 2, keys[i].k,
                     d->frame_value[keys[i].f], d->cam_label[keys[i].c], keys[i - 1].row + 2);
            st = KC_EINVAL;
            goto fail;
        }
    free(labels);
    free(fv);
    free(keys);
    kc_table_free(t);
    *out = d;
    return KC_OK;
fail:
    free(labels);
    free(fv);
    free(keys);
    kc_table_free(t);
    kc_board_free(d);
    return st;
}
