/* kinechain — automatic labelling of tracked anonymous markers with the Plug-in Gait lower
 * body marker set plus trunk markers (the 20 markers of KC_LABEL_PIG_NAMES).
 *
 * Static pose (kc_label_static_pose): a subject standing roughly upright, facing any
 * direction, Z up. Heights relative to the highest marker (zmax) split the markers into
 * trunk (z >= 0.75 zmax: C7, T10, CLAV, STRN), pelvis (0.52 zmax <= z < 0.75 zmax) and legs
 * (below); measured on kc-synth subjects the bands are 0.85-1.00, 0.62-0.65 and <= 0.42.
 * In the pelvis the closest pair is PSIS (inter-PSIS ~90 mm, against ~180 mm for an ASIS
 * to the PSIS of its side), the other pair ASIS; anterior = mid-ASIS - mid-PSIS
 * (horizontal), left = up x anterior: this gives L/R of everything. Per leg, the three
 * lowest markers are the foot (TOE most anterior, HEE most posterior, ANK the third), the
 * other three THI, KNE, TIB from the top down; in the trunk the anterior pair is CLAV
 * (upper) and STRN, the posterior pair C7 (upper) and T10. Any group with the wrong count,
 * or a foot whose toe is not in front of its heel, is an error naming the group.
 *
 * Dynamic trials (kc_label_tracks): the labels of the subject's labelled static give the
 * rigid-pair distances (pairs of markers on one segment: pelvis, each thigh, shank, foot,
 * and the trunk). Seed: the first frame with exactly 20 tracked points where the static-pose
 * rules — or, for the legs, the permutation of each side's six points that best fits the
 * static's leg distances (a lifted foot in a single-leg squat) — give labels whose every
 * rigid pair is within 2·rigid_tol_mm of the static's distance and within rigid_tol_mm RMS
 * (an upright trunk and pelvis, as at the start of a drop jump, squat or functional trial).
 * Labels then follow their tracks. Then, in rounds until nothing changes, each unlabelled
 * track (longest first) is scored against every label free over its whole life: the RMS,
 * over all its frames and every same-segment partner labelled in that frame, of distance
 * minus the static's distance. It takes the best label when that is within rigid_tol_mm
 * and the runner-up is worse than margin times it and than rigid_tol_mm. Partners are on
 * the same side, so a left marker's distances never fit a right label. Tracks that fit no
 * label stay unlabelled, never forced.
 */
#ifndef KINECHAIN_LABEL_H
#define KINECHAIN_LABEL_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/correspond.h"
#include "kinechain/status.h"

#define KC_LABEL_PIG_N 20
/* LASI RASI LPSI RPSI LTHI LKNE LTIB LANK LHEE LTOE RTHI RKNE RTIB RANK RHEE RTOE C7 T10
 * CLAV STRN (kc-synth's order) */
extern const char *const KC_LABEL_PIG_NAMES[KC_LABEL_PIG_N];

/* Label N static points P [N,3] mm (one per marker, e.g. track means).
 *   label [N] out: index into KC_LABEL_PIG_NAMES.
 * Returns KC_OK, KC_EINVAL with a one-line KC_ERROR naming the group that does not fit
 * (prefixed by what, e.g. the file name), or KC_ENOMEM. Only the 20 markers may be present:
 * a full-body set (head, arms) puts extra markers in the trunk band and is refused. */
int kc_label_static_pose(const double *P, size_t N, int *label, const char *what) KC_RESULT_USED;

typedef struct kc_label_params {
    double rigid_tol_mm;   /* RMS misfit of a track's rigid-pair distances, mm, > 0
                              (default 12: soft tissue moves thigh and shank markers some mm) */
    double margin;         /* runner-up misfit / best misfit needed, > 1 (default 2) */
    double min_coverage;   /* static: a track counts as a marker when seen in at least this
                              fraction of frames, (0, 1] (default 0.2) */
} kc_label_params;

kc_label_params kc_label_default_params(void);

/* Static trial: label the tracks of a static capture by the static-pose rules (tracks that
 * do not overlap in time and whose means are within 15 mm are one marker).
 *   track_of [off[F]] (track3d.h), n_tracks; track_label [n_tracks] out: label or -1.
 * Returns KC_OK or KC_EINVAL (logged as kc_label_static_pose). */
int kc_label_static_tracks(const kc_label_params *p, size_t F, const int64_t *off,
                           const kc_corr_point *pts, const int32_t *track_of, size_t n_tracks,
                           int *track_label, const char *what) KC_RESULT_USED;

/* Dynamic trial: label tracks against a labelled static.
 *   tmpl [KC_LABEL_PIG_N,3] mm: the static's mean marker positions (NaN = absent: pairs
 *   with it are not used)
 *   track_label [n_tracks] out: label or -1.
 * Returns KC_OK, KC_EINVAL (no frame to seed from: logged), KC_ENOMEM. */
int kc_label_tracks(const kc_label_params *p, const double *tmpl, size_t F, const int64_t *off,
                    const kc_corr_point *pts, const int32_t *track_of, size_t n_tracks,
                    int *track_label, const char *what) KC_RESULT_USED;

#endif
