/* kinechain — trajectories (*.traj.h5, kind "trajectories"): labelled 3D marker positions
 * from kc-triangulate or imported from C3D, with everything a C3D carries beside them.
 *
 * Layout (F frames, M markers, C cameras, U unlabelled points):
 *   root attributes rate_hz (Hz, > 0), first_frame (int64: the source's number of frame 0),
 *     start_time_s (s: the source's time of frame 0), filter_cutoff_hz (Hz; NaN = not
 *     filtered), optional subject, trial, task (strings)
 *   /labels               str[M]
 *   /position             [F,M,3] mm, NaN = missing
 *   /residual_px          [F,M] px   (triangulation: RMS reprojection error)   } at most
 *   /residual_mm          [F,M] mm   (imported: the source's residual)          } one
 *   /n_cameras            uint8 [F,M] cameras that saw the marker, 255 = unknown
 *   /camera_used          uint8 [F,M,C] 1 used, 0 not, 255 unknown; attribute camera_names
 *                         (array of C strings)
 *   /filled               uint8 [F,M] KC_FILL_* codes below
 *   /unlabelled/position  [F,U,3] mm
 *   /model_outputs/<name> [F,3] with attribute kind (angle, force, moment, power, bone) and
 *                         units (deg, N, N·mm, W, mm)
 *   /forceplates/<i>/...  as forceplate.h
 *   /events               table: name (str), side (str: "L", "R" or ""), time_s (float, s from
 *                         frame 0, sub-frame allowed), source (str: "c3d", "manual", ...)
 *   /subject              attributes: anthropometrics and model parameters as the source gave
 *                         them (numbers and strings)
 *   /truth                as truth.h, copied through from observations
 * A reader accepts any minor version 1.x and ignores objects it does not know.
 */
#ifndef KINECHAIN_TRAJFILE_H
#define KINECHAIN_TRAJFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kinechain/forceplate.h"
#include "kinechain/h5io.h"
#include "kinechain/table.h"
#include "kinechain/truth.h"

/* Codes of /filled. */
enum kc_fill_code {
    KC_FILL_MEASURED = 0,   /* triangulated or measured */
    KC_FILL_SPLINE = 1,     /* gap filled by a spline */
    KC_FILL_RIGID = 2,      /* gap filled from a rigid cluster of neighbouring markers */
    KC_FILL_PATTERN = 3,    /* gap filled by copying another marker's pattern */
    KC_FILL_OTHER = 4,      /* processed by another system (imported) */
    KC_FILL_UNKNOWN = 255,
};

/* Which residual a file carries. */
enum kc_residual_kind {
    KC_RESIDUAL_NONE = 0,
    KC_RESIDUAL_PX = 1,     /* /residual_px */
    KC_RESIDUAL_MM = 2,     /* /residual_mm */
};

/* What a C3D carried beside the markers (Plug-in Gait angles, forces, ...). */
typedef struct kc_model_output {
    char *name;           /* "LKneeAngles" */
    char kind[16];        /* "angle", "force", "moment", "power", "bone" */
    double *data;         /* [F,3] */
} kc_model_output;

typedef struct kc_traj {
    double rate_hz;              /* Hz, > 0 */
    int64_t first_frame;         /* the source's frame number of frame 0 (C3D: 1 or later) */
    double start_time_s;         /* s */
    double filter_cutoff_hz;     /* Hz; NaN when not low-pass filtered */
    char *subject, *trial, *task; /* may be NULL */

    size_t n_frames;             /* F */
    size_t n_markers;            /* M */
    char **labels;               /* [M] */
    double *position;            /* [F,M,3] mm, NaN = missing */

    enum kc_residual_kind residual_kind;
    double *residual;            /* [F,M] px or mm (residual_kind), NULL when NONE */
    uint8_t *n_cameras_seen;     /* [F,M] (/n_cameras) or NULL */
    size_t n_cameras;            /* C: 0 unless camera_used is present */
    char **camera_names;         /* [C] (attribute camera_names of /camera_used) */
    uint8_t *camera_used;        /* [F,M,C] or NULL */
    uint8_t *filled;             /* [F,M] kc_fill_code or NULL */

    size_t n_unlabelled;         /* U */
    double *unlabelled;          /* [F,U,3] mm or NULL */

    size_t n_model_outputs;
    kc_model_output *model_outputs;

    size_t n_forceplates;
    kc_forceplate *forceplates;
    kc_table *events;            /* columns of kc_traj_events_alloc, or NULL */
    kc_attrs subject_params;     /* /subject attributes (n == 0: absent) */
    kc_truth *truth;             /* NULL when absent */
} kc_traj;

/* A zeroed trajectory set (filter_cutoff_hz NaN); NULL on ENOMEM. */
kc_traj *kc_traj_alloc(void);
void kc_traj_free(kc_traj *t);   /* NULL ok; frees everything it points to */

/* Allocate labels (copied), position (NaN) and, as asked, the per-marker arrays for F
 * frames: residual (NaN) of the given kind, n_cameras_seen and filled (255). Any arrays
 * already there are freed. */
int kc_traj_alloc_arrays(kc_traj *t, size_t n_frames, size_t n_markers, char *const *labels,
                         enum kc_residual_kind residual, bool n_cameras_seen, bool filled)
    KC_RESULT_USED;

/* An empty events table with the columns name, side, time_s, source. NULL on ENOMEM. */
kc_table *kc_traj_events_alloc(void);
/* Append an event (table made if t->events is NULL). */
int kc_traj_add_event(kc_traj *t, const char *name, const char *side, double time_s,
                      const char *source) KC_RESULT_USED;
/* Add a model output (data [F,3] copied). kind: angle, force, moment, power or bone. */
int kc_traj_add_model_output(kc_traj *t, const char *name, const char *kind,
                             const double *data) KC_RESULT_USED;
/* Index of the marker labelled label, or -1. */
int kc_traj_find(const kc_traj *t, const char *label);

/* Write atomically to path. Checks sizes first (KC_EINVAL, logged): labels unique and
 * non-empty, rate_hz > 0, camera_used needs camera_names, filled codes valid. */
int kc_traj_write(const char *path, const kc_traj *t, const kc_provenance *prov) KC_RESULT_USED;
/* Read and check shapes against each other: /position [F,M,3] with M = |labels|; residual,
 * n_cameras, filled [F,M]; camera_used [F,M,C] with C = |camera_names|; unlabelled [F,U,3];
 * model outputs [F,3]; filled codes in {0,1,2,3,4,255}; rate_hz > 0. Errors logged once,
 * naming file and object: KC_EIO, KC_EFORMAT, KC_EKIND, KC_EVERSION, KC_EMISSING,
 * KC_ESHAPE, KC_ETYPE, KC_EINVAL, KC_ENOMEM. */
int kc_traj_read(const char *path, kc_traj **out) KC_RESULT_USED;

#endif
