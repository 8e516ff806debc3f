/* kinechain — private helpers shared by the HDF5 file kinds (calibfile.c, obsfile.c, ...). */
#ifndef KC_H5IO_INTERNAL_H
#define KC_H5IO_INTERNAL_H

#include <stdarg.h>
#include "kinechain/h5io.h"
#include "kinechain/log.h"
#include "kinechain/truth.h"

/* Log one error about object obj of the file ("cannot read OBJ of "PATH": ...", or "cannot
 * write" while writing; obj NULL: about the file itself) and return status. */
int kc_h5_fail(const kc_h5 *h, int status, const char *obj, const char *fmt, ...) KC_PRINTF(4, 5);

/* kc_h5_read with the expected shape spelled for the message ("[C,F,M,2]"); NULL: numbers. */
int kc_h5_read_shaped(kc_h5 *h, const char *path, enum kc_h5_type type, int rank,
                      size_t *dims, const char *shape, void **data) KC_RESULT_USED;

/* Rank and dimensions of a dataset without reading it (rank <= 8). Logs if absent. */
int kc_h5_shape(kc_h5 *h, const char *path, int *rank, size_t dims[8]) KC_RESULT_USED;

/* Is path an existing group (false for datasets and absent objects)? Logs nothing. */
bool kc_h5_is_group(kc_h5 *h, const char *path);

/* A column of a table a reader requires, with its type (KC_COL_NUMBER: F64 or I64). */
#define KC_COL_NUMBER ((enum kc_col_type)-1)
typedef struct kc_colspec {
    const char *name;
    enum kc_col_type type;
} kc_colspec;
/* kc_h5_read_table, then check that each of the n spec columns is present with its type
 * (KC_EMISSING / KC_ETYPE logged). */
int kc_h5_read_table_spec(kc_h5 *h, const char *group, size_t n, const kc_colspec *spec,
                          kc_table **out) KC_RESULT_USED;
/* A new empty table with the spec's columns. NULL on ENOMEM. */
kc_table *kc_table_from_spec(size_t n, const kc_colspec *spec);

/* Join "a" and "b" into buf as "a/b"; returns buf. */
char *kc_h5_join(char *buf, size_t n, const char *a, const char *b);

/* Is name usable as one HDF5 link name (non-empty, no '/', not "." or "..")? */
bool kc_h5_valid_name(const char *name);

/* malloc that logs nothing and returns NULL on overflow of n * size. */
void *kc_malloc_array(size_t n, size_t size);
char **kc_strv_dup(size_t n, char *const *s);   /* NULL on ENOMEM (n == 0: non-NULL) */

/* Named [F,3] series under a group (angles, joint centres, model outputs).
 * write: datasets group/<name> with units and dims; names must be valid link names.
 * read: every dataset member of group as [F,3]; F is checked against *frames unless it is
 * 0 (then set from the first). Members that are groups are ignored (newer minor). */
int kc_series3_write(kc_h5 *h, const char *group, size_t n, const kc_series3 *s, size_t frames,
                     const char *units, const char *dims_names) KC_RESULT_USED;
int kc_series3_read(kc_h5 *h, const char *group, size_t *frames, size_t *n_out,
                    kc_series3 **out) KC_RESULT_USED;
void kc_series3_free(kc_series3 *s, size_t n);

#endif
