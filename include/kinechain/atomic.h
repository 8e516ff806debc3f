/* kinechain — atomic output files: write to "NAME.tmp.<pid>" in the target folder, close,
 * fsync, rename over NAME, fsync the folder. A failed write leaves nothing behind. */
#ifndef KINECHAIN_ATOMIC_H
#define KINECHAIN_ATOMIC_H

#include <stdio.h>
#include "kinechain/status.h"

/* The temporary name for path: "path.tmp.<pid>" (malloc'd; NULL on ENOMEM). */
char *kc_atomic_tmpname(const char *path);

/* fsync the file at tmp, rename it to path and fsync path's folder.
 * On failure logs the cause, unlinks tmp and returns KC_EIO. */
int kc_atomic_commit(const char *tmp, const char *path) KC_RESULT_USED;

/* Remove "NAME.tmp.<pid>" files in path's folder whose process no longer runs
 * (left by a killed run). Returns the number removed (>= 0). */
int kc_atomic_sweep(const char *path);

/* A stdio text file written atomically (CSV, TOML, ...). */
typedef struct kc_atomic_file {
    FILE *fp;      /* write through this */
    char *tmp;
    char *path;
} kc_atomic_file;
int kc_atomic_fopen(kc_atomic_file *af, const char *path) KC_RESULT_USED;
/* Close and commit; a stream error at any point makes it fail and leaves nothing. */
int kc_atomic_fclose(kc_atomic_file *af) KC_RESULT_USED;
/* Close and discard. */
void kc_atomic_fabort(kc_atomic_file *af);

/* mkdir -p; KC_OK if it exists already. */
int kc_mkdir_p(const char *path) KC_RESULT_USED;

#endif
