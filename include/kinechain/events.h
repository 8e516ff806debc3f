/* kinechain — landing events of a drop vertical jump (DVJ), per side: initial contact,
 * peak knee flexion, take-off and second contact.
 *
 * From force plates when the trial has them: vertical force |Fz| above force_threshold_n
 * (20 N, fixed) on the plate under that foot; the crossing time is interpolated linearly
 * between analog samples (method "force", uncertainty one analog sample). Otherwise from
 * the foot markers: foot height h = min(HEE z, TOE z) against the floor (from the static, or
 * estimated from the trial as the 2nd percentile of h); a contact starts when h falls
 * below floor + height_threshold_mm (fixed, 30 mm: a landing foot is plantarflexed, and at
 * touch-down its toe marker is still ~25-30 mm above its standing height — measured on
 * kc-synth's identity landings, the value was chosen there) and ends
 * when h rises above floor + takeoff_threshold_mm (fixed, 5 mm: the toe marker leaves its
 * resting height slowly at push-off); crossings interpolated linearly between frames
 * (method "kinematic", uncertainty one frame). Peak knee flexion is the frame of largest
 * knee flexion between initial contact and take-off (method "kinematic").
 * Times are in seconds from frame 0; frame is the nearest frame.
 */
#ifndef KINECHAIN_EVENTS_H
#define KINECHAIN_EVENTS_H

#include <stddef.h>
#include "kinechain/forceplate.h"
#include "kinechain/status.h"
#include "kinechain/table.h"

typedef struct kc_events_params {
    double force_threshold_n;    /* N, vertical force meaning contact (20) */
    double height_threshold_mm;  /* mm above the floor: falling below it starts a contact (30) */
    double takeoff_threshold_mm; /* mm above the floor: rising above it, after having been
                                  * below it, ends the contact (5) */
    double min_phase_s;          /* s: a contact or flight shorter than this is noise (0.03) */
} kc_events_params;

kc_events_params kc_events_default_params(void);

/* One side's DVJ events (NaN when not found). */
typedef struct kc_dvj_events {
    double ic_s, to_s, ic2_s;    /* initial contact, take-off, second contact, s */
    size_t pkf_frame;            /* peak knee flexion frame (valid when pkf_ok) */
    int pkf_ok;
    const char *method;          /* "force" or "kinematic" (static strings) */
    double uncertainty_s;        /* s */
    int plate;                   /* force plate index used, -1 when kinematic */
} kc_dvj_events;

/* Foot height per frame, h[f] = min(HEE z, TOE z) (NaN when both are missing), of marker
 * columns hee and toe of pos[F,M,3]. */
void kc_events_foot_height(const double *pos, size_t F, size_t M, int hee, int toe, double *h);

/* The floor level of a foot-height series: its 2nd percentile over finite frames (NaN when
 * none). */
double kc_events_floor_estimate(const double *h, size_t F);

/* DVJ events of one side from its foot height h[F] and floor (mm), frame rate (Hz). */
int kc_events_dvj_kinematic(const kc_events_params *ep, const double *h, size_t F, double rate_hz,
                            double floor_mm, kc_dvj_events *ev);

/* DVJ events of one side from force plates: the plate whose surface holds the foot position
 * foot_xy[F,2] (mm; NaN = unknown) when it first loads. KC_EMISSING (no log) when no plate
 * belongs to this side. */
int kc_events_dvj_force(const kc_events_params *ep, const kc_forceplate *fp, size_t n_fp,
                        const double *foot_xy, size_t F, double rate_hz, kc_dvj_events *ev);

/* Peak knee flexion: argmax of knee[f*3+0] between the frames of ev->ic_s and ev->to_s. */
void kc_events_peak_flexion(const double *knee, size_t F, double rate_hz, kc_dvj_events *ev);

/* Nearest frame of a time, clamped to [0, F-1]. */
size_t kc_events_frame(double t_s, double rate_hz, size_t F);

/* Append the events of both sides (ev[0] = L, ev[1] = R) to a kinematics events table
 * (kinfile.h kc_kin_events_alloc columns), source "detected". */
int kc_events_to_table(const kc_dvj_events ev[2], double rate_hz, size_t F, kc_table *t)
    KC_RESULT_USED;

#endif
