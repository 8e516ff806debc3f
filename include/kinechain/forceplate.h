/* kinechain — force plates as stored in observations and trajectories:
 * /forceplates/<i>/force [Fa,3] N (ground reaction: the force ON the body, lab frame),
 * moment [Fa,3] N·mm, cop [Fa,3] mm (NaN while unloaded); attributes rate_hz, corners [4,3]
 * mm (lab frame, in the order of C3D FORCE_PLATFORM:CORNERS), origin [3] mm (the centre of
 * the plate's top surface, lab frame). <i> = 0, 1, ...
 * moment is the moment of the ground reaction about the plate origin, in the lab frame:
 * M = (cop - origin) × F + (0, 0, Tz), Tz the free moment.
 */
#ifndef KINECHAIN_FORCEPLATE_H
#define KINECHAIN_FORCEPLATE_H

#include <stddef.h>
#include "kinechain/status.h"

typedef struct kc_h5 kc_h5;

typedef struct kc_forceplate {
    double rate_hz;        /* analog rate, Hz */
    size_t n;              /* samples */
    double *force;         /* [n,3] N */
    double *moment;        /* [n,3] N·mm */
    double *cop;           /* [n,3] mm; NaN when unloaded */
    double corners[4][3];  /* mm */
    double origin[3];      /* mm */
} kc_forceplate;

/* Allocate the arrays of fp for n samples (NaN-filled). */
int kc_forceplate_alloc(kc_forceplate *fp, size_t n) KC_RESULT_USED;
void kc_forceplate_free_arrays(kc_forceplate *fp);   /* frees arrays, keeps struct */

/* Write plates 0..n-1 under "/forceplates". */
int kc_forceplates_write(kc_h5 *h, size_t n, const kc_forceplate *fp) KC_RESULT_USED;
/* Read all plates (n = 0 and *fp = NULL when there is no /forceplates). */
int kc_forceplates_read(kc_h5 *h, size_t *n, kc_forceplate **fp) KC_RESULT_USED;
void kc_forceplates_free(kc_forceplate *fp, size_t n);

#endif
