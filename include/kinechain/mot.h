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

#include "kinechain/kinfile.h"
#include "kinechain/status.h"
#include "kinechain/trajfile.h"

/* MOT (version=1, inDegrees=yes) of the angles and joint centres of k, atomically. */
int kc_mot_write_kin(const char *path, const kc_kin *k) KC_RESULT_USED;
/* CSV of the angles and joint centres of k, atomically. */
int kc_csv_write_kin(const char *path, const kc_kin *k) KC_RESULT_USED;
/* CSV of the markers of t, atomically. */
int kc_csv_write_traj(const char *path, const kc_traj *t) KC_RESULT_USED;

#endif
