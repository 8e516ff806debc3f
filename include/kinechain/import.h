/* kinechain — what every import into trajectories shares (kc-convert: C3D, TRC, MOT): the
 * check of the lab's vertical axis, the rotation of a capture into the Z-up lab frame when
 * the user asks for it, and the objects an import adds beside those of trajfile.h:
 *   root attribute vertical_check (string): what the check found, e.g.
 *     "+Z up: POINT:X_SCREEN +X, Y_SCREEN +Z; markers +Z (pelvis 854 mm above feet); force
 *     plates +Z" ("(sources disagree)" after "up" when they do)
 *   root attribute vertical_axis (string): "+Z", "+Y", ... as the evidence says - markers
 *     first, then force plates, then Y_SCREEN ("unknown" when there is none); "+Z" is what
 *     kinechain expects
 *   root attribute axes_applied (string, only when --axes rotated the data): the mapping
 *   /analog/values [Fa,A] (units per channel in /analog/units), /analog/labels str[A],
 *     /analog/units str[A], group attribute rate_hz: analog channels that are not force
 *     plate channels (EMG, trigger pins, ...), as the source scaled them
 * These are optional objects (schema 1.x): readers of trajectories ignore them.
 */
#ifndef KINECHAIN_IMPORT_H
#define KINECHAIN_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "kinechain/h5io.h"
#include "kinechain/status.h"
#include "kinechain/trajfile.h"
#include "kinechain/trc.h"

/* Result of the vertical-axis check. */
typedef struct kc_vertical {
    char screen[8];      /* the source's own statement ("+Z" from C3D POINT:Y_SCREEN, the
                          * axis drawn upwards), "" (also when X_SCREEN names the same axis) */
    char markers[8];     /* axis from pelvis markers minus foot markers, "" when unknown */
    double marker_rise_mm; /* mean pelvis height above the feet along that axis */
    char forces[8];      /* axis of the mean vertical ground reaction force, "" */
    char axis[8];        /* the verdict: markers, else forces, else screen, else "unknown" */
    bool z_up;           /* axis is "+Z" */
    bool conflict;       /* the sources disagree with one another */
    char text[320];      /* one line saying all of the above */
} kc_vertical;

/* Check which lab axis is up in t: from y_screen (C3D POINT:Y_SCREEN, or NULL; x_screen,
 * POINT:X_SCREEN, is reported beside it and must name another axis), from the
 * markers (mean of pelvis markers - ASIS, PSIS, SACR, hip joint centres - minus mean of
 * foot markers - heel, toe, ankle, calcaneus, metatarsal - by name, case-insensitive) and
 * from the force plates (the axis of the mean force where |F| > 50 N). Never fails. */
void kc_vertical_check(const kc_traj *t, const char *x_screen, const char *y_screen,
                       kc_vertical *out);

/* Rotate everything of t that lives in the lab frame (positions, unlabelled points, bone
 * model outputs, force plates' force, moment, cop, corners and origin) from the source's
 * frame into the lab: lab = inverse of axes applied to the source vector (the TRC
 * convention of trc.h: source component i = sign[i] * lab component axis[i]). */
void kc_import_rotate(kc_traj *t, const kc_axes *axes);

/* Analog channels kept beside the trajectories. */
typedef struct kc_analog {
    size_t n_channels;   /* A */
    size_t n_samples;    /* Fa */
    double rate_hz;
    char **labels;       /* [A] */
    char **units;        /* [A] */
    double *values;      /* [Fa,A] */
} kc_analog;
void kc_analog_clear(kc_analog *a);   /* frees the contents */

/* /analog of a trajectories file (out cleared first; n_channels 0 when there is none).
 * Errors (logged, naming file and object): those of kc_h5_open and kc_h5_read, KC_ESHAPE
 * when labels or units do not match the channels, KC_EINVAL when rate_hz is not > 0. */
int kc_import_read_analog(const char *path, kc_analog *out) KC_RESULT_USED;

/* What an import adds to the trajectories file (any part may be empty). */
typedef struct kc_import_extras {
    const kc_vertical *vertical;  /* NULL: no vertical_check / vertical_axis */
    const char *axes_applied;     /* NULL: data not rotated */
    const kc_analog *analog;      /* NULL or no channels: no /analog */
} kc_import_extras;

/* kc_traj_write, then the extras, into one file committed atomically (nothing is left at
 * path on failure). Errors as kc_traj_write. */
int kc_import_write(const char *path, const kc_traj *t, const kc_import_extras *x,
                    const kc_provenance *prov) KC_RESULT_USED;

#endif
