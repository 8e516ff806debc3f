/* kinechain — private access to table columns, for the HDF5 table reader and writer. */
#ifndef KC_TABLE_INTERNAL_H
#define KC_TABLE_INTERNAL_H

#include "kinechain/table.h"

/* Grow or shrink to nrows rows (new cells missing). KC_OK or KC_ENOMEM. */
int kc_table_resize(kc_table *t, size_t nrows);
/* The column's storage: char ** (strings, never NULL; owned by the table and freed with
 * free() except for the shared empty string), double * or int64_t *. */
void *kc_table_col_data(kc_table *t, int col);
const void *kc_table_col_cdata(const kc_table *t, int col);
/* Store a malloc'd string in a cell, taking ownership (no copy). */
void kc_table_take_str(kc_table *t, size_t row, int col, char *s);

#endif
