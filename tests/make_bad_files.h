/* Bad (and one good-but-newer) kinechain files for the reader and kc-validate tests. */
#ifndef KC_MAKE_BAD_FILES_H
#define KC_MAKE_BAD_FILES_H

#include <stddef.h>

typedef struct kc_bad_file {
    char path[600];
    const char *kind;      /* the kind its name promises ("observations") */
    const char *variant;   /* "not_hdf5", "truncated", ..., "newer_minor" */
    int expect;            /* status the reader of `kind` must return (KC_OK for newer_minor) */
} kc_bad_file;

/* Write every bad file of every kind into dir (which must exist). *files is malloc'd.
 * Returns 0 or a negative kc_status. */
int kc_make_bad_files(const char *dir, kc_bad_file **files, size_t *n);

#endif
