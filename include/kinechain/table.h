/* kinechain — in-memory tables (columns of strings, doubles or integers) and their CSV form.
 * In HDF5 a table is a group of equal-length 1-D column datasets with a "columns" attribute
 * giving the order (see h5io.h); in CSV, a header row and RFC 4180 quoting.
 */
#ifndef KINECHAIN_TABLE_H
#define KINECHAIN_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/status.h"

enum kc_col_type {
    KC_COL_STR = 0,   /* UTF-8 text; missing = "" */
    KC_COL_F64 = 1,   /* double; missing = NaN */
    KC_COL_I64 = 2,   /* int64; missing = INT64_MIN */
};

typedef struct kc_table kc_table;

/* A table with ncols named, typed columns and no rows. NULL on ENOMEM. */
kc_table *kc_table_alloc(int ncols, const char *const *names, const enum kc_col_type *types);
void kc_table_free(kc_table *t);   /* NULL ok */

int kc_table_ncols(const kc_table *t);
size_t kc_table_nrows(const kc_table *t);
const char *kc_table_col_name(const kc_table *t, int col);
enum kc_col_type kc_table_col_type(const kc_table *t, int col);
/* Column index by name, or -1. */
int kc_table_find(const kc_table *t, const char *name);
/* Optional units of a numeric column (written as the dataset's "units" attribute). */
int kc_table_set_units(kc_table *t, int col, const char *units) KC_RESULT_USED;
const char *kc_table_units(const kc_table *t, int col);   /* NULL if none */

/* Append an empty row (strings "", numbers missing); returns its index or KC_ENOMEM. */
long kc_table_add_row(kc_table *t);
/* Setters check the column type (KC_ETYPE) and the row (KC_EINVAL). Strings are copied. */
int kc_table_set_str(kc_table *t, size_t row, int col, const char *s);
int kc_table_set_f64(kc_table *t, size_t row, int col, double v);
int kc_table_set_i64(kc_table *t, size_t row, int col, int64_t v);
/* Getters: wrong type or out of range gives "" / NaN / INT64_MIN. */
const char *kc_table_get_str(const kc_table *t, size_t row, int col);
double kc_table_get_f64(const kc_table *t, size_t row, int col);
int64_t kc_table_get_i64(const kc_table *t, size_t row, int col);

/* Write as CSV (header row; numbers with %.17g, missing numbers as empty fields) atomically
 * to path. */
int kc_table_write_csv(const kc_table *t, const char *path) KC_RESULT_USED;
/* Read a CSV with a header row; every column is read as a string column. Errors name the
 * file and line (unterminated quote, ragged row). */
int kc_table_read_csv(const char *path, kc_table **out) KC_RESULT_USED;

#endif
