/* kinechain — HDF5 files of the kinechain schema (docs/file-contract.md is the user's page).
 *
 * Every file: root attributes schema = "kinechain", schema_version = int32[2] {major, minor},
 * kind, created_by ("kc-synth 0.1.0"), created_at (UTC ISO-8601); group /provenance with
 * attributes command_line and, for each input i, input_<i>_name and input_<i>_sha256.
 * With provenance disabled (golden files), /provenance is absent and created_at is "".
 *
 * Writing is atomic: kc_h5_create opens "PATH.tmp.<pid>", kc_h5_commit closes, fsyncs and
 * renames; kc_h5_discard removes the temporary. Object timestamps are off and library
 * version bounds fixed (v1.8 .. v1.10), so the same content gives the same bytes.
 * Numeric arrays carry "units" and "dims" attributes. Datasets under 1 MiB are contiguous;
 * larger ones are chunked along the first dimension (64 KiB–1 MiB chunks) with shuffle +
 * deflate 4. uint8 datasets get fill value 255 (unknown); float datasets NaN.
 *
 * Reading checks schema, kind and major version, and each dataset's rank, dimensions and
 * type class; every problem is logged once, naming the file, the object and what was
 * expected, and returned as a kc_status. HDF5's own error stack is never printed (these
 * functions turn HDF5's automatic error printing off, as kc_cli_init does).
 * Fill values: uint8 255, float NaN, int32 INT32_MIN, int64 INT64_MIN (the table's missing
 * value). Strings written are variable-length UTF-8; strings read may also be fixed-length
 * (as other tools write them).
 * No function here may be called inside an OpenMP parallel region.
 */
#ifndef KINECHAIN_H5IO_H
#define KINECHAIN_H5IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kinechain/status.h"
#include "kinechain/table.h"

#define KC_SCHEMA_NAME "kinechain"
#define KC_SCHEMA_MAJOR 1
#define KC_SCHEMA_MINOR 0

typedef struct kc_h5 kc_h5;

/* What an output file records about how it was made. */
typedef struct kc_provenance {
    const char *tool;                /* "kc-synth" (created_by gets the version appended) */
    int argc;                        /* command line (may be 0) */
    char *const *argv;
    int n_inputs;                    /* input files, hashed with SHA-256 */
    const char *const *inputs;
    bool enabled;                    /* false: no /provenance, created_at = "" */
} kc_provenance;

enum kc_h5_type {
    KC_H5_F64 = 0,   /* stored as IEEE double */
    KC_H5_U8 = 1,    /* fill value 255 = unknown */
    KC_H5_I32 = 2,
    KC_H5_I64 = 3,
};

/* ---- files ---------------------------------------------------------------------------- */

/* The command line as one string, quoting the arguments a shell would split (as /provenance
 * command_line records it). malloc'd; NULL on ENOMEM. */
char *kc_command_line(int argc, char *const *argv);

/* Start writing a file of the given kind to a temporary beside path (stale temporaries of
 * path left by dead processes are swept first). prov NULL: no provenance. The inputs are
 * hashed here: an unreadable input fails with KC_EIO. */
int kc_h5_create(kc_h5 **out, const char *path, const char *kind, const kc_provenance *prov)
    KC_RESULT_USED;
/* Close, fsync and rename into place; frees h. On failure nothing is left at path. */
int kc_h5_commit(kc_h5 *h) KC_RESULT_USED;
/* Abandon a file being written (temporary removed); frees h; NULL ok. */
void kc_h5_discard(kc_h5 *h);

/* Open for reading and check schema, major version and kind (kind NULL: any kind).
 * Errors: KC_EIO (cannot open), KC_EFORMAT (not HDF5 / not a kinechain file / corrupt),
 * KC_EKIND, KC_EVERSION — each logged naming the file. */
int kc_h5_open(kc_h5 **out, const char *path, const char *kind) KC_RESULT_USED;
void kc_h5_close(kc_h5 *h);   /* NULL ok; on a file being written it discards */

const char *kc_h5_path(const kc_h5 *h);   /* the user's path (not the temporary) */
const char *kc_h5_kind(const kc_h5 *h);
int kc_h5_minor(const kc_h5 *h);          /* schema minor version of an opened file */
/* The HDF5 file id (hid_t) for callers that need the raw API. */
int64_t kc_h5_id(const kc_h5 *h);

/* ---- objects ---------------------------------------------------------------------------- */

/* Does the object (group or dataset) exist? Intermediate groups may be missing. */
bool kc_h5_exists(kc_h5 *h, const char *path);
/* Create a group and its missing parents (no error if it exists). */
int kc_h5_group(kc_h5 *h, const char *path) KC_RESULT_USED;
/* Names of the members of a group, sorted (malloc'd; free with kc_strv_free). */
int kc_h5_list(kc_h5 *h, const char *group, size_t *n, char ***names) KC_RESULT_USED;

/* Write an n-dimensional array (C order, rank 1..8) with its units and dims attributes
 * (units e.g. "mm", "px", "deg", "1"; dims e.g. "frame,marker,xyz"). Parents created.
 * An object already at path is an error (KC_EINVAL): files are written once. data may be
 * NULL when some dimension is 0. */
int kc_h5_write(kc_h5 *h, const char *path, enum kc_h5_type type, int rank, const size_t *dims,
                const void *data, const char *units, const char *dims_names) KC_RESULT_USED;

/* Read a whole array converted to type. rank must match. dims[i] > 0 must match exactly;
 * dims[i] == 0 accepts any size and is set to the size found. The type class must match
 * (float for F64, integer for the integer types). *data is malloc'd (free()).
 * Errors: KC_EMISSING, KC_ESHAPE, KC_ETYPE, KC_EFORMAT — logged with file and object. */
int kc_h5_read(kc_h5 *h, const char *path, enum kc_h5_type type, int rank, size_t *dims,
               void **data) KC_RESULT_USED;

/* 1-D variable-length UTF-8 string datasets. */
int kc_h5_write_strings(kc_h5 *h, const char *path, size_t n, const char *const *s) KC_RESULT_USED;
/* n == 0 on entry accepts any length; otherwise the length must be n. Free with kc_strv_free. */
int kc_h5_read_strings(kc_h5 *h, const char *path, size_t *n, char ***s) KC_RESULT_USED;
void kc_strv_free(char **s, size_t n);

/* ---- attributes (obj is a group or dataset path, "/" for the root) ---------------------- */

int kc_h5_attr_set_str(kc_h5 *h, const char *obj, const char *name, const char *v) KC_RESULT_USED;
int kc_h5_attr_set_f64(kc_h5 *h, const char *obj, const char *name, double v) KC_RESULT_USED;
int kc_h5_attr_set_f64v(kc_h5 *h, const char *obj, const char *name, size_t n, const double *v)
    KC_RESULT_USED;
int kc_h5_attr_set_i64(kc_h5 *h, const char *obj, const char *name, int64_t v) KC_RESULT_USED;
bool kc_h5_attr_exists(kc_h5 *h, const char *obj, const char *name);
/* Getters log KC_EMISSING / KC_ETYPE / KC_ESHAPE naming file, object and attribute.
 * get_f64 and get_f64v accept integer attributes too (converted); get_f64v accepts any
 * shape with n elements; get_i64 needs an integer attribute. */
int kc_h5_attr_get_str(kc_h5 *h, const char *obj, const char *name, char **v) KC_RESULT_USED;
int kc_h5_attr_get_f64(kc_h5 *h, const char *obj, const char *name, double *v) KC_RESULT_USED;
int kc_h5_attr_get_f64v(kc_h5 *h, const char *obj, const char *name, size_t n, double *v)
    KC_RESULT_USED;
int kc_h5_attr_get_i64(kc_h5 *h, const char *obj, const char *name, int64_t *v) KC_RESULT_USED;
/* Names of all attributes of obj, sorted (free with kc_strv_free). */
int kc_h5_attr_list(kc_h5 *h, const char *obj, size_t *n, char ***names) KC_RESULT_USED;
/* A 1-D array of strings as one attribute (e.g. a table's "columns"). */
int kc_h5_attr_set_strv(kc_h5 *h, const char *obj, const char *name, size_t n,
                        const char *const *v) KC_RESULT_USED;
/* n == 0 on entry accepts any count, else the count must be n; free with kc_strv_free. */
int kc_h5_attr_get_strv(kc_h5 *h, const char *obj, const char *name, size_t *n, char ***v)
    KC_RESULT_USED;
/* A double array attribute of any rank (e.g. a force plate's corners [4,3]). rank 1..8.
 * kc_h5_attr_get_f64v reads it back as long as the element count is n. */
int kc_h5_attr_set_f64_array(kc_h5 *h, const char *obj, const char *name, int rank,
                             const size_t *dims, const double *v) KC_RESULT_USED;

/* ---- sets of attributes (a group's free-form parameters: /subject, /model) ------------- */

/* One attribute: a string (str != NULL) or n doubles (n >= 1; a scalar when n == 1). */
typedef struct kc_attr {
    char *name;
    char *str;
    size_t n;
    double *v;
} kc_attr;

typedef struct kc_attrs {
    size_t n;
    kc_attr *items;
} kc_attrs;

/* Add or replace an attribute (copied). KC_OK or KC_ENOMEM/KC_EINVAL. */
int kc_attrs_set_str(kc_attrs *a, const char *name, const char *v) KC_RESULT_USED;
int kc_attrs_set_f64(kc_attrs *a, const char *name, double v) KC_RESULT_USED;
int kc_attrs_set_f64v(kc_attrs *a, const char *name, size_t n, const double *v) KC_RESULT_USED;
/* The attribute called name, or NULL. */
const kc_attr *kc_attrs_find(const kc_attrs *a, const char *name);
/* Free the contents (a itself is not freed; it is left empty). */
void kc_attrs_clear(kc_attrs *a);
/* Copy src into dst (dst cleared first). */
int kc_attrs_copy(kc_attrs *dst, const kc_attrs *src) KC_RESULT_USED;

/* Write every attribute of a on obj (a group, created if missing). Numbers are doubles:
 * scalar when n == 1, else 1-D. */
int kc_h5_write_attrs(kc_h5 *h, const char *obj, const kc_attrs *a) KC_RESULT_USED;
/* Read all attributes of obj (sorted by name): strings as strings, integer and float ones
 * as doubles (any shape, flattened); other types are skipped. a is cleared first. */
int kc_h5_read_attrs(kc_h5 *h, const char *obj, kc_attrs *a) KC_RESULT_USED;

/* ---- tables ------------------------------------------------------------------------------ */

/* Write t as group `group`: one 1-D dataset per column, attribute "columns" (1-D array of
 * variable-length strings: the column order), numeric columns with units when set. */
int kc_h5_write_table(kc_h5 *h, const char *group, const kc_table *t) KC_RESULT_USED;
/* Read a table group; column types follow the datasets (string, float, integer). Columns not
 * listed in "columns" are ignored. If required (NULL-terminated list) names a column that is
 * absent, KC_EMISSING is logged and returned. */
int kc_h5_read_table(kc_h5 *h, const char *group, const char *const *required, kc_table **out)
    KC_RESULT_USED;

#endif
