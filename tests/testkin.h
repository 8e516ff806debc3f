/* Helpers shared by the C tests of kc-ik and kinetics (linked into those that use them): kc-synth
 * truth turned into a trajectory file, and the lookup of a named row of an events or metrics
 * table. */
#ifndef KC_TESTKIN_H
#define KC_TESTKIN_H

#include "kinechain/table.h"

/* Write traj_path from the observations at obs_path with their true marker positions
 * (/truth/markers) as /position, carrying rate, subject, task and trial; the force plates when
 * with_plates, and /truth when with_truth. program names the writer in the provenance.
 * KC_EMISSING when the observations carry no true markers. */
int kc_test_truth_traj(const char *obs_path, const char *traj_path, int with_plates,
                       int with_truth, const char *program);

/* Column col of the first row of t whose name and side columns are name and side; NaN when t
 * is NULL or has no such row (e.g. an events table's "time_s", a metrics table's "value"). */
double kc_test_row_f64(const kc_table *t, const char *name, const char *side, const char *col);

#endif
