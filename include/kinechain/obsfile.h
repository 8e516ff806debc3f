/* kinechain — observations (*.obs.h5, kind "observations"): what the cameras saw.
 * Root attributes rate_hz, capture ("wand", "lframe", "static", "functional", "trial"),
 * optional subject, trial, task. /camera_names str[C].
 * Labelled: /labels str[M], /points [C,F,M,2] px (NaN = not seen), optional /weights [C,F,M].
 * Unlabelled: /centroids/<camera>/xy [N,2] px and /centroids/<camera>/offsets int64[F+1]
 * (CSR by frame: frame f's centroids are rows offsets[f] .. offsets[f+1]-1).
 * Optional /forceplates (forceplate.h) and /truth (truth.h).
 * A file may hold both forms (synthetic trials do). n_frames is the F of either.
 */
#ifndef KINECHAIN_OBSFILE_H
#define KINECHAIN_OBSFILE_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/forceplate.h"
#include "kinechain/h5io.h"
#include "kinechain/truth.h"

typedef struct kc_centroids {
    size_t n;            /* centroids in all frames */
    double *xy;          /* [n,2] px */
    int64_t *offsets;    /* [n_frames+1] */
} kc_centroids;

typedef struct kc_obs {
    double rate_hz;
    char capture[32];
    char *subject;             /* may be NULL */
    char *trial;               /* may be NULL */
    char *task;                /* may be NULL */
    size_t n_cameras;
    char **camera_names;
    size_t n_frames;
    /* labelled form; n_markers == 0 and NULLs when absent */
    size_t n_markers;
    char **labels;
    double *points;            /* [C,F,M,2] */
    double *weights;           /* [C,F,M] or NULL */
    /* unlabelled form; NULL when absent, else [n_cameras] */
    kc_centroids *centroids;
    /* extras */
    size_t n_forceplates;
    kc_forceplate *forceplates;
    kc_truth *truth;           /* NULL when absent */
    /* Extra numeric root attributes (e.g. an L-frame's "lframe_mm" [4,3], a wand's
     * "wand_mm" [3]); written and read as double arrays: "lframe_mm" is written with shape
     * [n/3,3] as the contract gives it, the others 1-D; reading flattens any shape (C order).
     * Every numeric root attribute other than rate_hz and schema_version is an extra. */
    size_t n_extra;
    char **extra_names;
    double **extra_values;
    size_t *extra_lengths;
} kc_obs;

kc_obs *kc_obs_alloc(void);          /* zeroed; NULL on ENOMEM */
void kc_obs_free(kc_obs *o);         /* NULL ok; frees everything */
/* Add an extra numeric root attribute (copied). */
int kc_obs_add_extra(kc_obs *o, const char *name, size_t n, const double *v) KC_RESULT_USED;
const double *kc_obs_extra(const kc_obs *o, const char *name, size_t *n);

int kc_obs_write(const char *path, const kc_obs *o, const kc_provenance *prov) KC_RESULT_USED;
/* Read and check shapes: /points must be [C,F,M,2] with C = |camera_names| and M = |labels|;
 * /weights [C,F,M] within [0,1]; offsets non-decreasing from 0 to N with F+1 entries equal
 * for every camera; rate_hz > 0. Errors logged naming file and object. */
int kc_obs_read(const char *path, kc_obs **out) KC_RESULT_USED;

#endif
