/* kinechain — text tables for other tools: kinematics as OpenSim MOT/STO (tab-separated,
 * with the "endheader" block) and kinematics or trajectories as CSV (one row per frame).
 *
 * Columns: time (s; frame / rate for kinematics, start_time_s + frame / rate for
 * trajectories), then for each angle channel <name>_X, <name>_Y, <name>_Z (degrees, Plug-in
 * Gait order: sagittal, frontal, transverse), then joint centres <name>_X.. (mm); CSV adds a
 * leading frame column; trajectories give <marker>_X, _Y, _Z (mm, lab frame). Missing values
 * are "NaN" in MOT and empty in CSV.
 */
#ifndef KINECHAIN_MOT_H
#define KINECHAIN_MOT_H

#include <stdio.h>
#include "kinechain/kinfile.h"
#include "kinechain/status.h"
#include "kinechain/trajfile.h"
#include "kinechain/trc.h"

/* MOT (version=1, inDegrees=yes) of the angles and joint centres of k, atomically. */
int kc_mot_write_kin(const char *path, const kc_kin *k) KC_RESULT_USED;
/* CSV of the angles and joint centres of k, atomically. */
int kc_csv_write_kin(const char *path, const kc_kin *k) KC_RESULT_USED;
/* CSV of the markers of t, atomically. */
int kc_csv_write_traj(const char *path, const kc_traj *t) KC_RESULT_USED;

/* Ground reaction forces of an OpenSim MOT/STO (an ExternalLoads data file) as force plates:
 * a trajectories set with no markers, one frame per row (rate from the time column, which
 * must be evenly spaced; start_time_s its first value, first_frame 1) and one plate per
 * force column group, in the order of the columns. A group is <stem>_vx, _vy, _vz (force,
 * N) with <stem>_px, _py, _pz (point of application, m) and the torque at that point (N·m)
 * as <torque stem>_x, _y, _z, where the torque stem is the force stem with "force" replaced
 * by "torque" (OpenSim: ground_force_vx / ground_torque_x, 1_ground_force_vx /
 * 1_ground_torque_x, l_ground_force_vx ...) or as <stem>_mx, _my, _mz (as AddBiomechanics
 * writes: ground_force_1_mx). Values are mapped from the file's axes to the lab by axes (as
 * for TRC: "opensim" is Y up) and stored in N, N·mm (moment about the lab origin, the
 * plate origin being unknown: M = cop × F + T) and mm; cop is NaN where |F| < 10 N; corners
 * are NaN and origin 0 (a MOT gives no plate geometry). Header "inDegrees" is ignored;
 * a header line "Units are ..." other than S.I. is refused. Errors: KC_EIO, KC_EFORMAT
 * (logged with the line: no force columns, a group without its point columns, a value that
 * is not a number, uneven time), KC_ENOMEM. */
int kc_mot_read_grf(const char *path, const kc_axes *axes, kc_traj **out) KC_RESULT_USED;
/* The same from an open stream (not closed); name is used in messages. */
int kc_mot_read_grf_stream(FILE *fp, const char *name, const kc_axes *axes, kc_traj **out)
    KC_RESULT_USED;

#endif
