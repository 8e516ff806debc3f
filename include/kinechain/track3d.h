/* kinechain — tracking of anonymous 3D points through time (tracklets).
 *
 * Input: the per-frame points of correspondence (correspond.h), CSR by frame. Each track
 * predicts its next position with constant velocity (the last measured displacement per
 * frame; zero for a track seen once) and claims the nearest point inside its gate:
 *     gate = min(max_gate_mm, gate_mm + 0.5·max_accel·Δt² (+ max_speed·Δt for a track
 *            seen only once)),
 * Δt the time since the track was last seen — so a marker decelerating at impact (a heel at
 * landing: ~3 m/s to rest in ~20 ms, ~15 g) stays inside, and a track coasting through an
 * occlusion of up to max_gap frames is picked up again where its velocity says.
 * Assignment is greedy on the gate-normalised distance over all (track, point) pairs in
 * their gates, ties broken by track then point index: each track and each point once;
 * an ambiguous link (a rival nearly as good) is not made — the track coasts and the point
 * starts a new track — so tracks break rather than swap markers.
 * Points of >= min_cameras_start cameras not claimed start new tracks; two-camera points
 * (possible ghosts) never start a track: they only extend one that was seen in the
 * previous frame, within gate_mm of its prediction. A track unseen for more than max_gap
 * frames ends. Sequential in time (cheap: work ~ points·tracks in gate per frame).
 */
#ifndef KINECHAIN_TRACK3D_H
#define KINECHAIN_TRACK3D_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/correspond.h"
#include "kinechain/status.h"

typedef struct kc_track_params {
    double rate_hz;            /* frames per second, > 0 (no default: the capture's) */
    double gate_mm;            /* gate around the prediction, mm, > 0 (default 12: > 10σ of
                                  the ~1 mm triangulation noise, under half the closest
                                  Plug-in Gait marker spacing) */
    double max_accel_mm_s2;    /* acceleration a marker may have, mm/s², >= 0 (default 1e6:
                                  kc-synth's drop jumps change a knee or toe marker's
                                  velocity by 17-45 mm/frame within a frame at 200 Hz) */
    double max_gate_mm;        /* the gate never exceeds this, mm, >= gate_mm (default 30:
                                  under half the spacing of a foot's markers) */
    double ambiguity;          /* a link is ambiguous (not made) when a rival pair on the
                                  same point or track has a gate-normalised distance within
                                  ambiguity x + 0.05 of it, >= 1 (default 1.5) */
    double max_speed_mm_s;     /* speed of a new track's marker, mm/s, >= 0 (default 6000) */
    int max_gap;               /* frames a track may go unseen, >= 0 (default 10) */
    int min_cameras_start;     /* cameras of a point that starts a track, >= 2 (default 3) */
} kc_track_params;

kc_track_params kc_track_default_params(double rate_hz);
int kc_track_check_params(const kc_track_params *p) KC_RESULT_USED;

/* Link points into tracks.
 *   off [F+1], pts [off[F]]      the points (kc_corr_all's output)
 *   track_of [off[F]] out        track of each point, -1 for a point left out
 *   n_tracks out                 tracks made (ids 0 .. n_tracks-1, in order of start)
 * Returns KC_OK, KC_EINVAL, KC_ENOMEM. */
int kc_track_all(const kc_track_params *p, size_t F, const int64_t *off,
                 const kc_corr_point *pts, int32_t *track_of, size_t *n_tracks) KC_RESULT_USED;

#endif
