/* kinechain — honest gap filling of marker trajectories (SCIENCE.md C.2).
 *
 * A gap is a maximal run of NaN frames of one marker with measured frames on both sides
 * (gaps at the start or end of a trial are never filled). Gaps longer than max_gap frames
 * stay NaN. Shorter ones are filled, and flagged in filled[F,M] (trajfile.h codes):
 *   KC_FILL_SPLINE (1): a cubic spline through up to gap/2 + 5 measured frames on each
 *     side (at least 2 a side), only if neither the gap nor that support comes within
 *     impact_margin frames of an impact (an initial foot contact), where accelerations
 *     are too large for a spline. By default a least-squares cubic B-spline with
 *     breakpoints every ~4 frames of support and one interval across the gap (on noisy
 *     data it does not carry the support's slope noise into the gap);
 *     spline_knot_frames = 0 gives the interpolating natural cubic spline instead;
 *   KC_FILL_RIGID (2): otherwise (in particular a gap spanning a contact), from at least
 *     three non-collinear donor markers of one donor set, measured in the frame and in
 *     reference frames next to the gap: for each of up to 5 reference frames on each side
 *     the donors' least-squares rigid motion (Kabsch/SVD) from that frame carries the
 *     marker's position there into the frame; the estimates of a side are averaged (less
 *     reference noise), and the two sides blended linearly in time, which absorbs slow
 *     drift of the cluster (soft tissue). Donor sets, tried in turn until one can carry
 *     the marker through the whole gap: the other markers of each Plug-in Gait segment the
 *     marker belongs to (pelvis LASI RASI LPSI RPSI SACR; thigh xTHI xKNE; shank xTIB xANK
 *     xKNE; foot xANK xHEE xTOE; trunk C7 T10 CLAV STRN RBAK; head LFHD RFHD LBHD RBHD; x
 *     = the marker's side), never mixed across segments; then the markers that keep their
 *     distance to this one and to each other (distance SD ≤ rigid_tol_mm over the frames
 *     where both are measured). With three markers per leg segment, a missing leg marker
 *     has two segment donors only and is not rigid-filled.
 *   A gap neither method may fill stays NaN.
 *
 * Contacts: initial contacts of either foot, from force plates (vertical force rising
 * above fp_threshold_n after at least 50 ms below it) and from the heel and toe markers
 * (the lower of xHEE/xTOE coming down to within foot_height_mm of its lowest height in
 * the trial, moving down, after at least 0.1 s above it). Both sources are used together.
 */
#ifndef KINECHAIN_GAPFILL_H
#define KINECHAIN_GAPFILL_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/forceplate.h"
#include "kinechain/status.h"

typedef struct kc_gapfill_params {
    long max_gap;            /* longest gap filled, frames, >= 0 (0: fill nothing) */
    int impact_margin;       /* frames either side of a contact treated as impact, >= 0 (2) */
    double rigid_tol_mm;     /* distance SD under which a marker counts as rigid with the
                                target, mm, >= 0 (default 2) */
    double foot_height_mm;   /* foot "down" within this of its lowest height, mm (15) */
    double fp_threshold_n;   /* force-plate contact threshold, N (20) */
    double spline_knot_frames; /* 0: interpolating natural cubic spline; > 0 (default 4):
                                  least-squares cubic B-spline, breakpoints this many
                                  frames apart in the support, one interval over the gap */
} kc_gapfill_params;

kc_gapfill_params kc_gapfill_default_params(void);
int kc_gapfill_check_params(const kc_gapfill_params *p) KC_RESULT_USED;

/* Mark initial contacts from markers: impact[f] = 1 at each contact frame (other entries
 * untouched). pos [F,M,3] mm, labels [M] (markers LHEE LTOE RHEE RTOE used when present),
 * rate_hz the frame rate. Returns the number of contacts found (>= 0). */
int kc_contacts_from_markers(const kc_gapfill_params *p, const double *pos, size_t F,
                             size_t M, char *const *labels, double rate_hz, uint8_t *impact);

/* Mark initial contacts from force plates (sample 0 of a plate is frame 0). Returns the
 * number found (>= 0). */
int kc_contacts_from_forceplates(const kc_gapfill_params *p, const kc_forceplate *fp,
                                 size_t n_fp, size_t F, double rate_hz, uint8_t *impact);

/* Counts of what kc_gapfill did. */
typedef struct kc_gapfill_stats {
    long gaps;            /* interior gaps found */
    long spline;          /* gaps filled by spline */
    long rigid;           /* gaps filled by rigid body */
    long too_long;        /* left NaN: longer than max_gap */
    long unfillable;      /* left NaN: no honest method */
    long frames_filled;   /* marker-frames filled */
} kc_gapfill_stats;

/* Fill gaps in pos [F,M,3] (mm) in place. impact [F] (1 = contact frame; NULL = none).
 * filled [F,M] out: KC_FILL_SPLINE / KC_FILL_RIGID where filled, KC_FILL_MEASURED where
 * finite before, unchanged elsewhere. stats may be NULL. Donors are always measured
 * values, never filled ones, so the result does not depend on the order of markers or on
 * the number of threads (parallel over markers). Returns KC_OK, KC_EINVAL, KC_ENOMEM. */
int kc_gapfill(const kc_gapfill_params *p, double *pos, size_t F, size_t M,
               char *const *labels, const uint8_t *impact, uint8_t *filled,
               kc_gapfill_stats *stats) KC_RESULT_USED;

/* Rigid motion fitting: R, t minimising Σ |R·a_i + t − b_i|² over n >= 3 point pairs
 * (a, b: [n,3] mm), by SVD with the reflection fixed (Kabsch 1976). Returns KC_OK, or
 * KC_ENUMERIC if the points are (nearly) collinear (second singular value of the centred
 * configuration below 1e-6 of the first). R row-major [3,3]. */
int kc_rigid_fit(const double *a, const double *b, size_t n, double R[9], double t[3])
    KC_RESULT_USED;

#endif
