/* kinechain — the synthetic ground truth carried in observations (and copied through to
 * trajectories): /truth/markers [F,M,3] mm (order of /labels, or of /truth/labels when the
 * file has no /labels, as in calibration captures), /truth/angles/<name> [F,3] deg,
 * /truth/joint_centres/<name> [F,3] mm, /truth/events (table: name, side, frame, time_s),
 * /truth/metrics (table: name, side, value, unit, frame, time_s, window). Attributes of
 * /truth: mode ("identity" or "anatomical"), angle_convention.
 * Reading requires of events the columns name, side (strings), frame (integer or float) and
 * time_s (float); of metrics name, side (strings) and value (float); other columns are kept
 * as found. Angles and joint centres must share the F of /truth/markers.
 */
#ifndef KINECHAIN_TRUTH_H
#define KINECHAIN_TRUTH_H

#include <stddef.h>
#include "kinechain/status.h"
#include "kinechain/table.h"

typedef struct kc_h5 kc_h5;

typedef struct kc_series3 {
    char *name;        /* "LKnee", "RHJC" */
    double *data;      /* [F,3] */
} kc_series3;

typedef struct kc_truth {
    size_t n_frames;
    size_t n_markers;
    char **labels;          /* [n_markers]; written as /truth/labels only if write_labels */
    int write_labels;
    double *markers;        /* [F,M,3] mm, may be NULL */
    size_t n_angles;
    kc_series3 *angles;     /* deg */
    size_t n_centres;
    kc_series3 *centres;    /* mm */
    kc_table *events;       /* may be NULL */
    kc_table *metrics;      /* may be NULL */
    char *mode;             /* "identity" / "anatomical" / NULL */
    char *angle_convention; /* free text, may be NULL */
} kc_truth;

/* Zero-initialised truth; NULL on ENOMEM. */
kc_truth *kc_truth_alloc(void);
void kc_truth_free(kc_truth *t);   /* NULL ok; frees everything it points to */

int kc_truth_write(kc_h5 *h, const kc_truth *t) KC_RESULT_USED;
/* *out = NULL when the file has no /truth. labels: the file's /labels (n_labels of them) used
 * when /truth/labels is absent (may be NULL). */
int kc_truth_read(kc_h5 *h, size_t n_labels, char *const *labels, kc_truth **out) KC_RESULT_USED;

#endif
