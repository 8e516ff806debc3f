/* kinechain — kinetics: force-plate contacts and foot assignment, landing metrics, and
 * Plug-in Gait-compatible inverse dynamics of the lower limb (docs/kinetics.md).
 *
 * Side index 0 = left, 1 = right. Lab frame Z up. Units: positions mm, forces N, moments
 * N·mm; the joint outputs are normalised to body mass as Vicon writes them (forces N/kg,
 * moments N·mm/kg, powers W/kg).
 */
#ifndef KINECHAIN_KINETICS_H
#define KINECHAIN_KINETICS_H

#include <stddef.h>
#include "kinechain/forceplate.h"
#include "kinechain/pigmodel.h"
#include "kinechain/status.h"

/* Body segment parameters of one segment (Dempster's data as tabulated by Winter 2009,
 * "Biomechanics and Motor Control of Human Movement", Table 4.1), as Plug-in Gait uses them:
 * mass fraction of body mass, centre of mass as a fraction of the length from the proximal
 * joint centre, radius of gyration about the CoM as a fraction of the length. */
typedef struct kc_kin_bsp {
    double mass_frac, com_frac_prox, gyration_frac;
} kc_kin_bsp;
/* segment index: 0 foot (AJC -> TOE; its length for these parameters is the heel-to-toe
 * marker distance |TOE - HEE|, its CoM on AJC -> TOE at com_frac_prox of that length from the
 * AJC: docs/kinetics.md), 1 tibia (KJC -> AJC), 2 femur (HJC -> KJC) */
enum { KC_KIN_FOOT, KC_KIN_TIBIA, KC_KIN_FEMUR, KC_KIN_N_SEG };
extern const kc_kin_bsp kc_kin_bsp_pig[KC_KIN_N_SEG];

/* Joints of the outputs: 0 ankle, 1 knee, 2 hip. */
enum { KC_KIN_ANKLE, KC_KIN_KNEE, KC_KIN_HIP, KC_KIN_N_JOINT };

/* One loaded interval of one plate at the marker rate and its foot. */
enum kc_kin_contact_flag {
    KC_CONTACT_OK = 0,          /* one foot, entirely this plate's */
    KC_CONTACT_NO_FOOT = 1,     /* the CoP lies under neither foot */
    KC_CONTACT_BOTH_FEET = 2,   /* both feet on this plate */
    KC_CONTACT_TWO_PLATES = 3,  /* the foot loads another plate at the same time */
};
typedef struct kc_kin_contact {
    int plate;
    size_t first, last;   /* marker frames, inclusive */
    int side;             /* 0 L, 1 R; -1 when flagged */
    int flag;             /* kc_kin_contact_flag */
    int involved;         /* flagged: bit s set when foot s may carry part of this load (the
                             CoP under it in >= 20 % of the frames, or the foot named by the
                             flag); that foot's kinetics are NaN during the contact. A flagged
                             contact under neither foot (noise, another object) is ignored. */
} kc_kin_contact;

/* Force plates resampled to the marker rate (each frame f: the mean of the analog samples
 * j with |j − f·r| <= floor(r/2), r = analog rate / marker rate, after the optional low-pass
 * filter at the analog rate; this is what Nexus's GroundReactionForce outputs are). */
typedef struct kc_kin_plates {
    size_t n_plates, n_frames;
    double *force;    /* [P][F][3] N, ground reaction on the body, lab */
    double *moment;   /* [P][F][3] N·mm about the plate origin, lab */
    double *cop;      /* [P][F][3] mm, NaN while Fz <= threshold */
    double origin[8][3];
    double corners[8][4][3];
} kc_kin_plates;

/* Check plates against the marker rate and resample them: KC_EINVAL (logged, one line naming
 * what is wrong; source names the input for the message) when a plate has no calibration
 * (corners all zero or not finite), more than 8 plates, or its rate is not an integer
 * multiple of rate_hz. cutoff_hz > 0: 4th-order zero-lag Butterworth on force and moment at
 * the analog rate (kc_filter_signal); 0 = none. threshold_n: vertical force below which the
 * plate counts as unloaded (force, moment zeroed, CoP NaN). */
int kc_kin_plates_resample(const kc_forceplate *fp, size_t n_plates, double rate_hz,
                           size_t n_frames, double cutoff_hz, double threshold_n,
                           const char *source, kc_kin_plates *out) KC_RESULT_USED;
void kc_kin_plates_free(kc_kin_plates *p);

/* Contacts of every plate (runs of loaded frames) with their foot: the contact goes to the
 * foot whose footprint (the horizontal band HEE -> TOE, ±60 mm wide, extended 40 mm past
 * each end) holds the CoP (inside the plate's corners by construction) in >= 80 % of its
 * frames; flagged (side -1) when no foot or
 * both feet qualify (KC_CONTACT_NO_FOOT / BOTH_FEET: also when the other foot's heel and toe
 * stand, slower than 300 mm/s, inside the corners for >= 20 % of the frames; a NO_FOOT
 * contact whose CoP lies in the convex hull of both footprints, i.e. between the feet, in
 * >= 80 % of its frames involves both feet), or when the
 * same foot loads another plate during the contact: both CoPs under it in >= 3 common frames
 * (or in all of a shorter overlap) (TWO_PLATES, both contacts). mk: [F]
 * frames of gathered model markers (kc_pig_gather). *contacts malloc'd (free()). */
int kc_kin_contacts(const kc_kin_plates *pl, const kc_vec3 (*mk)[KC_PIG_N_MARKERS],
                    double rate_hz, kc_kin_contact **contacts, size_t *n_contacts)
    KC_RESULT_USED;

/* Inverse dynamics outputs, [F][3] per side and joint (NaN where not computable: the first
 * and last two frames, a NaN marker, or a foot involved in a flagged contact during it).
 * Frames without an assigned contact are computed with no ground reaction (swing), as
 * Nexus does; a foot on the floor off the plates cannot be detected and gets the same. */
typedef struct kc_kin_result {
    size_t n_frames;
    double *grf[2];                     /* [F,3] N: the foot's ground reaction, lab (0 unloaded) */
    double *force[2][KC_KIN_N_JOINT];   /* N/kg, proximal on distal, in the distal segment's
                                           frame as Nexus's <J>Force (docs/kinetics.md) */
    double *moment[2][KC_KIN_N_JOINT];  /* N·mm/kg, internal, distal frame, Nexus's <J>Moment
                                           components and signs (docs/kinetics.md) */
    double *power[2][KC_KIN_N_JOINT];   /* W/kg: the power of each moment component (output
                                           order X, Y, Z), M_i·ω_rel,i */
    double *power_total[2][KC_KIN_N_JOINT]; /* [F] W/kg: their sum = Nexus's <J>Power Z */
} kc_kin_result;

typedef struct kc_kin_options {
    double body_mass_kg;     /* required, > 0 */
    double cutoff_hz;        /* markers and forces, same cutoff; 0 = no filtering */
    double threshold_n;      /* plate unloaded below this vertical force (default 10 N) */
    int markers_prefiltered; /* 1: pos was already low-pass filtered at cutoff_hz (kc-triangulate's
                                filter_cutoff_hz), so only the forces are filtered, to the same
                                cutoff (default 0) */
} kc_kin_options;
kc_kin_options kc_kin_default_options(void);

/* Inverse dynamics of both legs for trial pos[F,M,3] at rate_hz with the calibrated
 * Plug-in Gait parameters p and marker map idx, and the trial's force plates. The markers
 * are filtered (when cutoff_hz > 0 and not markers_prefiltered) before the model is run;
 * the plates as
 * kc_kin_plates_resample. contacts/n_contacts: optional outputs (NULL to ignore).
 * KC_EINVAL (logged) for bad options or plates, KC_ENOMEM. */
int kc_kin_inverse_dynamics(const kc_pig_params *p, const double *pos, size_t F, size_t M,
                            const int idx[KC_PIG_N_MARKERS], double rate_hz,
                            const kc_forceplate *fp, size_t n_plates, const kc_kin_options *o,
                            const char *source, kc_kin_result *res, kc_kin_contact **contacts,
                            size_t *n_contacts) KC_RESULT_USED;
void kc_kin_result_free(kc_kin_result *r);

/* Landing metrics of one contact from a plate's vertical force fz[i·stride], i < n (N) at
 * rate_hz: contact = first sample above threshold_n at or after start, to the last sample
 * above it before the force stays at or below it for at least 10 ms (shorter dips are noise);
 * choose threshold_n about 5 SD of the unloaded plate's noise (SCIENCE.md A.6). */
typedef struct kc_kin_landing {
    size_t first, last;          /* samples, inclusive */
    double contact_time_s;       /* (last - first + 1) / rate */
    double peak_force_bw;        /* peak Fz / (mass·g) */
    size_t peak_index;
    double loading_rate_bw_s;    /* mean rate: peak_force_bw / time from first to peak */
    double flight_time_s;        /* from the end of this contact to the next above threshold;
                                    NaN when there is none */
    double jump_height_m;        /* g·t²/8 from the flight time; NaN without one */
} kc_kin_landing;
/* KC_EINVAL when no sample exceeds the threshold after start, or bad arguments. */
int kc_kin_landing_metrics(const double *fz, size_t n, size_t stride, double rate_hz,
                           double body_mass_kg, double threshold_n, size_t start,
                           kc_kin_landing *out) KC_RESULT_USED;
/* Left–right asymmetry index, percent: 100·(L − R)/max(L, R) (0 when both 0). */
double kc_kin_asymmetry(double left, double right);

#define KC_KIN_G 9.81

#endif
