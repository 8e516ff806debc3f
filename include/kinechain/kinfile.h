/* kinechain — kinematics (*.kin.h5, kind "kinematics"): what kc-ik computes from a trial.
 *
 * Layout (F frames):
 *   root attributes trial_type ("dvj", "sls", "static", ...), subject, rate_hz (Hz, > 0),
 *     optional trial (string)
 *   /angles/<name>         [F,3] deg, Plug-in Gait channels ({L,R}{Pelvis,Hip,Knee,Ankle,
 *                          FootProgress,Thorax}Angles; components in PiG order and signs)
 *   /joint_centres/<name>  [F,3] mm ({L,R}{HJC,KJC,AJC})
 *   /series/<name>         [F] per-frame scalars, attributes units and plane ("frontal",
 *                          "sagittal", "transverse", "3d" or "")
 *   /events                table: name (str), side (str), frame (int64, nearest frame),
 *                          time_s (float, s from frame 0), method (str: "force", "kinematic",
 *                          "manual", ...), source (str: "detected", "manual", "c3d"),
 *                          uncertainty_s (float, s; NaN unknown)
 *   /metrics               table: name (str), side (str), value (float), unit (str),
 *                          frame (int64; INT64_MIN when the metric has no single frame),
 *                          time_s (float; NaN likewise), window (str: "IC->PKF", ...)
 *   /normalized/<phase>/<channel>  [101,3] (0..100 % of the phase), units attribute; the
 *                          phase group and each dataset carry attributes start_event and
 *                          end_event naming the bounding events (e.g. "initial_contact",
 *                          "take_off")
 *   /model                 attributes: name ("pig" or "kinechain") and every parameter used
 *   optional, written only when present (trials with force plates, issue 11):
 *   /moments/<name>        [F,3] {L,R}{Hip,Knee,Ankle}: internal joint moments, N.mm/kg
 *   /joint_forces/<name>   [F,3] joint reaction forces, N/kg
 *   /powers/<name>         [F,3] joint power per moment component, W/kg
 *                          each dataset: attributes units and convention (docs/kinetics.md)
 * A reader accepts any minor version 1.x and ignores objects it does not know.
 */
#ifndef KINECHAIN_KINFILE_H
#define KINECHAIN_KINFILE_H

#include <stddef.h>
#include "kinechain/h5io.h"
#include "kinechain/table.h"
#include "kinechain/truth.h"   /* kc_series3 */

#define KC_NORM_POINTS 101

/* A per-frame scalar series. */
typedef struct kc_kin_series {
    char *name;      /* "LFPPA" */
    char *units;     /* "deg", "mm", "1" */
    char *plane;     /* "frontal", ... or "" */
    double *data;    /* [F] */
} kc_kin_series;

/* A group of [F,3] kinetic channels sharing units and a convention text. */
typedef struct kc_kin_group {
    char *units;         /* "N.mm/kg" */
    char *convention;    /* plain text: frame, sign and normalisation of the components */
    size_t n;
    kc_series3 *series;  /* data [F,3] each */
} kc_kin_group;

/* A time-normalised phase: curves [101,3] per channel between two events. */
typedef struct kc_kin_phase {
    char *name;          /* "landing" */
    char *start_event;   /* "initial_contact" */
    char *end_event;     /* "take_off" */
    char *units;         /* of every channel, e.g. "deg" */
    size_t n_channels;
    kc_series3 *channels;   /* data [101,3] each */
} kc_kin_phase;

typedef struct kc_kin {
    char *trial_type;   /* "dvj" */
    char *subject;      /* "s01" */
    char *trial;        /* may be NULL */
    double rate_hz;     /* Hz, > 0 */
    size_t n_frames;    /* F */

    size_t n_angles;
    kc_series3 *angles;     /* deg, [F,3] */
    size_t n_centres;
    kc_series3 *centres;    /* mm, [F,3] */
    size_t n_series;
    kc_kin_series *series;
    kc_table *events;       /* columns of kc_kin_events_alloc, or NULL */
    kc_table *metrics;      /* columns of kc_kin_metrics_alloc, or NULL */
    size_t n_phases;
    kc_kin_phase *phases;
    kc_attrs model;         /* /model attributes; "name" required on writing */
    kc_kin_group moments;       /* /moments, empty (n = 0) when absent */
    kc_kin_group joint_forces;  /* /joint_forces */
    kc_kin_group powers;        /* /powers */
} kc_kin;

kc_kin *kc_kin_alloc(void);        /* zeroed; NULL on ENOMEM */
void kc_kin_free(kc_kin *k);       /* NULL ok; frees everything */

/* Empty tables with the columns listed above. NULL on ENOMEM. */
kc_table *kc_kin_events_alloc(void);
kc_table *kc_kin_metrics_alloc(void);

/* Append (copying) a named [F,3] angle or joint centre, a series [F], or a phase channel
 * [101,3] (the phase is created on first use with its bounding events and units). */
int kc_kin_add_angle(kc_kin *k, const char *name, const double *data) KC_RESULT_USED;
int kc_kin_add_centre(kc_kin *k, const char *name, const double *data) KC_RESULT_USED;
int kc_kin_add_series(kc_kin *k, const char *name, const char *units, const char *plane,
                      const double *data) KC_RESULT_USED;
int kc_kin_add_normalized(kc_kin *k, const char *phase, const char *start_event,
                          const char *end_event, const char *units, const char *channel,
                          const double *data) KC_RESULT_USED;
/* Append (copying) an [F,3] channel to a kinetic group of k (&k->moments, &k->joint_forces
 * or &k->powers); units and convention are set by the first channel and must match after
 * (KC_EINVAL otherwise, or for an invalid or repeated name). */
int kc_kin_add_kinetic(kc_kin *k, kc_kin_group *g, const char *units, const char *convention,
                       const char *name, const double *data) KC_RESULT_USED;
/* Find by name (NULL if absent). */
const kc_series3 *kc_kin_angle(const kc_kin *k, const char *name);
const kc_series3 *kc_kin_centre(const kc_kin *k, const char *name);
const kc_series3 *kc_kin_group_find(const kc_kin_group *g, const char *name);

/* Write atomically (KC_EINVAL, logged, for a missing model name, rate_hz <= 0 or invalid
 * names). */
int kc_kin_write(const char *path, const kc_kin *k, const kc_provenance *prov) KC_RESULT_USED;
/* Read and check: every angle, centre and series has the same F; normalized channels are
 * [101,3]; event and metric tables have their columns with their types; rate_hz > 0.
 * Errors logged once naming file and object. */
int kc_kin_read(const char *path, kc_kin **out) KC_RESULT_USED;

#endif
