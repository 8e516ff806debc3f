/* kinechain — cohort results (cohort.h5, kind "cohort"): the same numbers as the CSV files
 * kc-stats writes beside it.
 *
 * Layout:
 *   root attributes optional manifest (string: the manifest it was made from)
 *   /tables/<name>          tables (trials, subjects, groups, comparisons, ...): groups of
 *                           1-D columns with a "columns" attribute, as every kinechain table
 *   /curves/<name>/data     [N,P,K] curve ensemble: N curves of P points (101 for a
 *                           normalised phase) with K components, units attribute
 *   /curves/<name>/index    table with N rows saying which trial each curve is (subject,
 *                           trial, side, group, ... as the caller chooses)
 *   /curves/<name>          attributes phase, channel (strings; may be "")
 * A reader accepts any minor version 1.x and ignores objects it does not know.
 */
#ifndef KINECHAIN_COHORTFILE_H
#define KINECHAIN_COHORTFILE_H

#include <stddef.h>
#include <stdio.h>
#include "kinechain/h5io.h"
#include "kinechain/table.h"

typedef struct kc_curves {
    char *name;          /* "LKneeAngles_landing" */
    char *phase;         /* "landing" or "" */
    char *channel;       /* "LKneeAngles" or "" */
    char *units;         /* "deg" */
    size_t n_curves;     /* N */
    size_t n_points;     /* P */
    size_t n_components; /* K */
    double *data;        /* [N,P,K] in memory, or NULL when the curves are in spill */
    kc_table *index;     /* N rows */
    FILE *spill;         /* NULL, or (data NULL) a temporary binary file holding the N·P·K
                            doubles in native order from offset 0 — how kc-stats keeps memory
                            flat in the number of trials; owned, closed by kc_cohort_free */
} kc_curves;

typedef struct kc_cohort {
    char *manifest;          /* may be NULL */
    size_t n_tables;
    char **table_names;
    kc_table **tables;
    size_t n_curves;
    kc_curves *curves;
    size_t n_failed;         /* kc_cohortstats_run: trials left out because their file was
                                missing or unusable (listed in the "excluded" table); not
                                stored in the file */
} kc_cohort;

kc_cohort *kc_cohort_alloc(void);      /* zeroed; NULL on ENOMEM */
void kc_cohort_free(kc_cohort *c);     /* NULL ok; frees everything, including tables */

/* Add a named table; the cohort takes ownership of t (also on failure, when it is freed). */
int kc_cohort_add_table(kc_cohort *c, const char *name, kc_table *t) KC_RESULT_USED;
/* Add a curve ensemble: data [N,P,K] is copied; the cohort takes ownership of index (N rows;
 * freed on failure too). */
int kc_cohort_add_curves(kc_cohort *c, const char *name, const char *phase, const char *channel,
                         const char *units, size_t n, size_t p, size_t k, const double *data,
                         kc_table *index) KC_RESULT_USED;
/* As kc_cohort_add_curves, but the N·P·K doubles are in the file spill (native order, from
 * offset 0), which the cohort takes over (closed on failure too): curves stay on disk and are
 * read back in blocks (kc_curves_read) and when the cohort is written. */
int kc_cohort_add_curves_spilled(kc_cohort *c, const char *name, const char *phase,
                                 const char *channel, const char *units, size_t n, size_t p,
                                 size_t k, FILE *spill, kc_table *index) KC_RESULT_USED;
/* Copy curves [first, first + count) of cv (each P·K doubles) into buf, from memory or from its
 * spill file. KC_EINVAL for a range past N, KC_EIO (logged) when the spill cannot be read. */
int kc_curves_read(const kc_curves *cv, size_t first, size_t count, double *buf) KC_RESULT_USED;
const kc_table *kc_cohort_table(const kc_cohort *c, const char *name);   /* NULL if absent */
const kc_curves *kc_cohort_curves(const kc_cohort *c, const char *name); /* NULL if absent */

int kc_cohort_write(const char *path, const kc_cohort *c, const kc_provenance *prov)
    KC_RESULT_USED;
/* Read and check: index tables have N rows; data is [N,P,K]. */
int kc_cohort_read(const char *path, kc_cohort **out) KC_RESULT_USED;

#endif
