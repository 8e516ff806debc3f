/* Synthetic trajectories for the C3D tests, the seed corpus and the benchmark. */
#ifndef KC_TEST_C3D_GEN_H
#define KC_TEST_C3D_GEN_H

#include <stddef.h>
#include <stdint.h>
#include "kinechain/trajfile.h"

/* A deterministic, non-trivial trial: n_markers markers moving on smooth curves (some
 * missing frames, residuals in 0.1 mm steps, 1-7 cameras, some "processed" points), two
 * model outputs (angle, force), one unlabelled point, n_plates force plates at 4x the point
 * rate with a loading bump, three events and subject parameters. first_frame is kept as
 * given. NULL on ENOMEM. */
kc_traj *kc_test_c3d_traj(size_t n_frames, size_t n_markers, size_t n_plates, double rate_hz,
                          int64_t first_frame);

#endif
