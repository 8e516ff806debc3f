/* kinechain — private helpers shared by the HDF5 file kinds (calibfile.c, obsfile.c, ...),
 * and, in the last section, by the three files that implement the kc_h5 API (h5io.c,
 * h5attr.c, h5table.c). */
#ifndef KC_H5IO_INTERNAL_H
#define KC_H5IO_INTERNAL_H

#include <stdarg.h>
#include <hdf5.h>
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

/* ---- between h5io.c, h5attr.c and h5table.c ---------------------------------------------
 * The file kinds use the kc_h5 API above; what follows gives the implementation files of that
 * API the HDF5 handle and each other's helpers. */

#define KC_H5_MAX_RANK 8   /* the highest dataset rank read or written */

struct kc_h5 {
    hid_t fid;
    char *path;    /* the user's path */
    char *tmp;     /* temporary being written; NULL when reading */
    char kind[64];
    int major, minor;
};

/* The innermost message of HDF5's current error stack into buf ("" if none), on one line;
 * returns buf. Call it right after the failing HDF5 call: the next call clears the stack. */
const char *kc_h5_errmsg(char buf[200]);

/* A variable-length string type with character set cset (H5T_CSET_UTF8 for writing); the
 * caller closes it with H5Tclose. Negative if HDF5 fails. */
hid_t kc_h5_vlen_str_type(H5T_cset_t cset);

/* A type class in words for messages ("floating-point numbers"); static storage. */
const char *kc_h5_class_name(H5T_class_t c);

/* Dimensions as "[600,16,3]" into buf of n bytes: from hd when it is non-NULL, else from sd
 * with 0 spelled "*" (any size). */
void kc_h5_format_dims(char *buf, size_t n, int rank, const hsize_t *hd, const size_t *sd);

/* Open dataset path for reading after checking that it exists and is a dataset: *ds (close
 * with H5Dclose), its *rank (<= KC_H5_MAX_RANK), hd[0 .. rank-1] and type class. Errors,
 * logged: KC_EMISSING, KC_ETYPE (a group), KC_EFORMAT. On error *ds is H5I_INVALID_HID. */
int kc_h5_open_dataset(kc_h5 *h, const char *path, hid_t *ds, int *rank, hsize_t *hd,
                       H5T_class_t *cls) KC_RESULT_USED;

/* Read the n strings of a dataset or attribute obj of string type ftype (variable or fixed
 * length, space its dataspace) into *out, a malloc'd vector of malloc'd copies (free with
 * kc_strv_free). rd does the H5Dread or H5Aread of all values with the given memory type.
 * Logs nothing: KC_EFORMAT (the read failed; HDF5's stack still holds why) or KC_ENOMEM. */
typedef herr_t (*kc_h5_read_fn)(hid_t obj, hid_t memtype, void *buf);
int kc_h5_read_string_values(hid_t obj, hid_t ftype, hid_t space, size_t n, kc_h5_read_fn rd,
                             char ***out) KC_RESULT_USED;

/* Names gathered by an HDF5 iteration callback (group members, attributes): start with
 * {0, 0, NULL, KC_OK}; the callback returns kc_h5_name_list_add(l, name), which copies name
 * and returns 0, or on KC_ENOMEM stores it in status and returns -1 to stop the iteration.
 * kc_h5_name_list_finish then frees the names and returns status if it is set, else sorts
 * them into *names (non-NULL even when *n is 0; free with kc_strv_free) and returns KC_OK
 * (or KC_ENOMEM). */
typedef struct kc_h5_name_list {
    size_t n, cap;
    char **names;
    int status;
} kc_h5_name_list;
herr_t kc_h5_name_list_add(kc_h5_name_list *l, const char *name) KC_RESULT_USED;
int kc_h5_name_list_finish(kc_h5_name_list *l, size_t *n, char ***names) KC_RESULT_USED;

/* Attribute name of obj as n int32 values (the root's schema_version); replaces an existing
 * one. Errors as kc_h5_attr_set_f64v. */
int kc_h5_attr_set_i32v(kc_h5 *h, const char *obj, const char *name, size_t n,
                        const int32_t *v) KC_RESULT_USED;

#endif
