/* kinechain — status codes shared by every library function.
 *
 * Functions return int: 0 (KC_OK) on success, a negative enum kc_status value on failure.
 * Readers that return records return >= 0 for a record, -1 at the end, < -1 on error.
 */
#ifndef KINECHAIN_STATUS_H
#define KINECHAIN_STATUS_H

#if defined(__GNUC__)
#define KC_RESULT_USED __attribute__((warn_unused_result))
#define KC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KC_RESULT_USED
#define KC_PRINTF(f, a)
#endif

enum kc_status {
    KC_OK = 0,
    KC_EOF = -1,         /* end of a sequence of records (not an error) */
    KC_ENOMEM = -2,      /* allocation failed */
    KC_EIO = -3,         /* a system call on a file failed (errno kept) */
    KC_EFORMAT = -4,     /* input is not the expected format, or is corrupt/truncated */
    KC_EKIND = -5,       /* a kinechain file of the wrong kind */
    KC_EVERSION = -6,    /* a kinechain file of an unsupported major schema version */
    KC_EMISSING = -7,    /* a required object (dataset, attribute, column) is absent */
    KC_ESHAPE = -8,      /* a dataset has the wrong rank or dimensions */
    KC_ETYPE = -9,       /* a dataset or attribute has the wrong type */
    KC_EINVAL = -10,     /* an argument or parameter is out of its documented range */
    KC_ENUMERIC = -11,   /* a computation failed (singular, did not converge, not finite) */
    KC_EHDF5 = -12,      /* the HDF5 library reported an error not covered above */
};

/* A short English description of a status code ("wrong file kind"); never NULL. */
const char *kc_strerror(int status);

/* Exit codes of every kinechain tool (documented in each --help). */
enum kc_exit {
    KC_EXIT_OK = 0,       /* success */
    KC_EXIT_USAGE = 1,    /* misuse: bad option or argument */
    KC_EXIT_INPUT = 2,    /* bad input file or value */
    KC_EXIT_FAILED = 3,   /* the work itself failed (e.g. did not converge) */
    KC_EXIT_PARTIAL = 4,  /* some items of a batch failed */
};

/* Map a library status to the tool exit code it deserves: input problems (KC_EIO: a file
 * could not be opened or read, and the format, kind, version, missing, shape, type and
 * invalid-value errors) -> 2; KC_ENOMEM, KC_ENUMERIC, KC_EHDF5 -> 3; KC_OK -> 0. */
int kc_exit_code(int status);

#endif
