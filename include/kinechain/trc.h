/* kinechain — OpenSim/Motion Analysis TRC marker files (tab-separated text) to and from
 * trajectories, with an axis mapping between the lab frame (Z up) and the file's frame.
 *
 * Layout written (and read):
 *   PathFileType  4  (X/Y/Z)  NAME
 *   DataRate CameraRate NumFrames NumMarkers Units OrigDataRate OrigDataStartFrame OrigNumFrames
 *   <values>
 *   Frame#  Time  M1 (3 columns)  M2 ...
 *           X1 Y1 Z1 X2 Y2 Z2 ...
 *   <blank line>
 *   frame  time  x y z ...          (missing marker: empty fields)
 * Frame# counts from first_frame; Time = start_time_s + frame / rate. Values are printed
 * with 17 significant digits, so a round trip is exact.
 */
#ifndef KINECHAIN_TRC_H
#define KINECHAIN_TRC_H

#include <stdbool.h>
#include <stdio.h>
#include "kinechain/status.h"
#include "kinechain/trajfile.h"

/* A proper rotation by axis permutation: file component i = sign[i] * lab component
 * axis[i]. */
typedef struct kc_axes {
    int axis[3];   /* 0 x, 1 y, 2 z */
    int sign[3];   /* +1 or -1 */
} kc_axes;

/* Parse "lab" (identity), "opensim" (Y up: x,z,-y) or an explicit "x,z,-y" (each of x, y, z
 * once, optional sign; must be a rotation, not a mirror). KC_EINVAL (logged) otherwise. */
int kc_axes_parse(const char *spec, kc_axes *out) KC_RESULT_USED;

/* Write markers of t (mm, or m when metres is true) in the file frame given by axes. Missing
 * values are empty fields. Atomic. Errors: KC_EIO, KC_ENOMEM. */
int kc_trc_write(const char *path, const kc_traj *t, const kc_axes *axes, bool metres)
    KC_RESULT_USED;

/* Read a TRC file into trajectories (mm, lab frame: axes inverted); Units "mm", "cm" or "m".
 * first_frame from the first row's Frame#, start_time_s from its Time, rate from DataRate.
 * Errors: KC_EIO, KC_EFORMAT (logged: the line and what is wrong), KC_ENOMEM. */
int kc_trc_read(const char *path, const kc_axes *axes, kc_traj **out) KC_RESULT_USED;
/* The same from an open stream (not closed); name is used in messages. */
int kc_trc_read_stream(FILE *fp, const char *name, const kc_axes *axes, kc_traj **out)
    KC_RESULT_USED;

#endif
