/* kinechain — landing events of a drop vertical jump (DVJ), per side: initial contact,
 * peak knee flexion, take-off and second contact.
 *
 * From force plates when the trial has them: vertical force |Fz| above force_threshold_n
 * (20 N, fixed) on the plate under that foot; the crossing time is interpolated linearly
 * between analog samples (method "force", uncertainty one analog sample). Otherwise from
 * the foot markers: foot height h = min(HEE z, TOE z) against the floor (from the static, or
 * estimated from the trial as the 2nd percentile of h); a contact starts when h falls
 * below floor + height_threshold_mm and ends when it rises above floor +
 * takeoff_threshold_mm, both fixed at 30 mm; crossings interpolated linearly between frames
 * (method "kinematic", uncertainty one frame). Why 30 mm at both ends: a foot touches down
 * and leaves the floor through the tips of its toes, some 40-50 mm ahead of the TOE marker
 * (2nd metatarsal head), with the foot plantarflexed, so at either event the marker is
 * still well above its standing height. At touch-down it is ~25-30 mm up (kc-synth's
 * identity landings, where the 30 mm was first chosen). At take-off the toes push while the
 * marker already rises: on the real drop jumps of opencap_dropjump (one subject, 100 Hz,
 * 6 feet) it starts to rise 25-30 ms before the plate's force falls below 20 N and is
 * ~40-55 mm up when it does; a hallux marker's take-off differs from force plates' by 18 ms
 * on average (da Cruz Filho, Moura & Bini 2022, Sports Biomech). The take-off threshold was
 * 5 mm before ISSUE 5's real-data check (the marker leaving its resting height): 2.0 frames
 * early on the real jumps, and only right on kc-synth while its toe marker stayed down until
 * the force ended (pipeline/synth/plan.c, "push-off over the toe tips"). NOTE: 30 mm at
 * take-off was chosen after the real drop jumps had been seen, so the real-data check of it
 * is not blind. Marker gaps of up to max_gap_s (0.1 s) are bridged linearly, on each marker
 * before the heel/toe minimum and on h itself, so that a foot marker lost near the floor
 * neither cuts a contact short nor makes h jump to the other marker. Measured (ISSUE 5):
 * real: IC bias -0.59 frames (worst 0.81), take-off bias -0.63 (worst 0.93); kc-synth
 * anatomical through kc-triangulate, seeds 11-13 (18 feet, kc-ik events): take-off bias
 * -1.11 frames (worst 1.51) from the markers, force plates worst 1.83. Peak knee flexion is the frame
 * of largest knee flexion between initial contact and take-off (method "kinematic").
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
                                  * below it, ends the contact (30) */
    double min_phase_s;          /* s: a contact or flight shorter than this is noise (0.03) */
    double max_gap_s;            /* s: foot-height gaps up to this long are bridged linearly
                                  * before the kinematic detection (0.1) */
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

/* Horizontal foot position per frame, xy[2f], xy[2f+1] = the midpoint of marker columns hee and
 * toe of pos[F,M,3] in X and Y (mm): what kc_events_dvj_force matches a plate's centre of
 * pressure against; NaN where either marker is missing. */
void kc_events_foot_midpoint(const double *pos, size_t F, size_t M, int hee, int toe,
                             double *xy);

/* Foot height per frame, h[f] = min(HEE z, TOE z) of marker columns hee and toe of
 * pos[F,M,3]; each marker's gaps of at most max_gap frames are first bridged linearly (so that
 * the minimum does not jump to the other marker while the lower one is missing); NaN when
 * both are missing. */
void kc_events_foot_height(const double *pos, size_t F, size_t M, int hee, int toe,
                           size_t max_gap, double *h);

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

/* Single-leg squat events. The stance side is the foot whose height (min of its heel and toe
 * markers) has the smaller range over the trial (the free foot is lifted): kc_events_sls_side
 * (-1 when neither foot has finite frames). On the stance knee's flexion (knee[f*3+0], deg):
 * the baseline is the median over the first 0.3 s (at least 1 frame); the deepest point is
 * the frame of largest flexion; start and end are the crossings of baseline + 5 % of (peak -
 * baseline) before and after it, interpolated linearly between frames (method "kinematic";
 * the 5 % is fixed, so start is late and end early by the time the smooth descent takes to
 * cover 5 % of its range). KC_ENUMERIC when there is no finite flexion or no crossing. */
#define KC_SLS_BASELINE_S 0.3
#define KC_SLS_FRACTION 0.05
int kc_events_sls_side(const double *pos, size_t F, size_t M, const int hee[2], const int toe[2]);
int kc_events_sls(const double *knee, size_t F, double rate_hz, double *start_s,
                  size_t *deep_frame, double *end_s);
/* Append start, peak_knee_flexion and end of side (0 L, 1 R) to a kinematics events table. */
int kc_events_sls_to_table(int side, double start_s, size_t deep_frame, double end_s,
                           double rate_hz, size_t F, kc_table *t) KC_RESULT_USED;

/* Nearest frame of a time, clamped to [0, F-1]. */
size_t kc_events_frame(double t_s, double rate_hz, size_t F);

/* Append the events of both sides (ev[0] = L, ev[1] = R) to a kinematics events table
 * (kinfile.h kc_kin_events_alloc columns), source "detected". */
int kc_events_to_table(const kc_dvj_events ev[2], double rate_hz, size_t F, kc_table *t)
    KC_RESULT_USED;

/* Drop-jump event overrides (kc-ik --events, marker and keypoint modes alike).
 * kc_events_read_overrides reads a CSV with columns subject, trial, name, side, time_s and keeps
 * the rows of this subject (an empty subject cell matches any; subject NULL matches only empty
 * cells) and trial (likewise): ovr[side][i] = time (s) of event KC_EVENT_OVERRIDE_NAMES[i], NaN
 * when not overridden; *n_used the rows kept. KC_EINVAL (logged, naming the file and row) for a
 * missing column, an unknown name or side, a time that is not a finite number >= 0.
 * kc_events_override_contacts replaces initial contact, take-off and second contact of one
 * side where ovr_side gives them (before kc_events_peak_flexion, which searches between them);
 * kc_events_override_peak replaces its peak knee flexion (after it); kc_events_mark_manual sets
 * method and source "manual" (uncertainty NaN) on the overridden rows of an events table made
 * by kc_events_to_table. */
extern const char *const KC_EVENT_OVERRIDE_NAMES[4];   /* initial_contact, take_off,
                                                          second_contact, peak_knee_flexion */
int kc_events_read_overrides(const char *path, const char *subject, const char *trial,
                             double ovr[2][4], int *n_used) KC_RESULT_USED;
void kc_events_override_contacts(const double ovr_side[4], kc_dvj_events *ev);
void kc_events_override_peak(const double ovr_side[4], double rate_hz, size_t F,
                             kc_dvj_events *ev);
int kc_events_mark_manual(kc_table *events, const double ovr[2][4]) KC_RESULT_USED;

#endif
