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

/* ---- generated tables ----
 * A table of nrows rows that fill makes on demand, a block at a time, so that a table of many
 * rows (kc-stats' trials and subjects tables at 10,000 trials) is never held in memory whole.
 * fill(ctx, first, count, block) appends rows [first, first + count) to block, an empty table
 * of the same columns (kc_table_alloc_like), and returns KC_OK or an error; the same rows
 * must come out every time. The table owns ctx: release(ctx) (if not NULL) is called by
 * kc_table_free, and on failure here. Column units are set on the generated table itself.
 * Getters work through a cached block of KC_TABLE_BLOCK rows: a string a getter returns
 * stays valid until the next getter call on a row of another block (sequential scans are
 * cheap, random access is not); a block that cannot be made reads as missing values.
 * kc_table_add_row and the setters return KC_EINVAL. kc_table_write_csv and
 * kc_h5_write_table write it block by block. NULL on ENOMEM or without fill. */
enum { KC_TABLE_BLOCK = 4096 };
typedef int (*kc_table_fill_fn)(void *ctx, size_t first, size_t count, kc_table *block);
kc_table *kc_table_alloc_generated(int ncols, const char *const *names,
                                   const enum kc_col_type *types, size_t nrows,
                                   kc_table_fill_fn fill, void *ctx, void (*release)(void *ctx));
int kc_table_is_generated(const kc_table *t);
/* A table with the columns (names, types, units) of t and no rows; NULL on ENOMEM. */
kc_table *kc_table_alloc_like(const kc_table *t);
/* Replace the rows of block (a table with t's column types, not generated) by rows
 * [first, first + count) of t, copied or generated. KC_EINVAL for a range past the end or a
 * generator that made another number of rows, KC_ETYPE for other column types, or fill's
 * error. */
int kc_table_rows(const kc_table *t, size_t first, size_t count, kc_table *block)
    KC_RESULT_USED;

/* Write as CSV (header row; numbers with %.17g, missing numbers as empty fields) atomically
 * to path. */
int kc_table_write_csv(const kc_table *t, const char *path) KC_RESULT_USED;
/* Read a CSV with a header row; every column is read as a string column. Errors name the
 * file and line (unterminated quote, ragged row). */
int kc_table_read_csv(const char *path, kc_table **out) KC_RESULT_USED;

#endif
