/* kinechain — C3D files (c3d.org): parsing of the header, parameter section and 3D/analog
 * data of Intel, DEC and MIPS files in float or scaled-integer storage, and conversion of a
 * parsed file into trajectories (trajfile.h): markers, model outputs, force plates, events and
 * subject parameters.
 *
 * Every count, offset and size read from a file is checked against the bytes actually there
 * before it is used: a bad file gives KC_EFORMAT with one logged line naming the file and the
 * problem, never an out-of-bounds read. The parameters are the master record; the header's
 * copies are used only when a parameter is absent.
 */
#ifndef KINECHAIN_C3D_H
#define KINECHAIN_C3D_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kinechain/status.h"
#include "kinechain/kinfile.h"
#include "kinechain/trajfile.h"

typedef struct kc_analog kc_analog;   /* import.h */

/* Processor types (parameter section byte 4 minus 83): byte order and float format. */
enum kc_c3d_processor {
    KC_C3D_INTEL = 1,   /* little-endian, IEEE floats */
    KC_C3D_DEC = 2,     /* little-endian integers, DEC (VAX F) floats */
    KC_C3D_MIPS = 3,    /* big-endian, IEEE floats */
};

/* One parameter of the parameter section. */
typedef struct kc_c3d_param {
    char *group;        /* group name as stored (compare case-insensitively) */
    char *name;         /* parameter name as stored */
    int type;           /* -1 char, 1 byte, 2 int16, 4 float */
    int ndims;          /* 0..7 */
    int dims[7];        /* C3D order: dims[0] varies fastest */
    size_t n;           /* number of elements (product of dims; 1 when ndims == 0) */
    double *v;          /* numeric values [n] (byte: unsigned, int16: signed), NULL for char */
    char *chars;        /* char data [n] (not terminated), NULL for numbers */
} kc_c3d_param;

/* A parsed C3D file. Points are kept in the file's units, scaled; model outputs and markers
 * are told apart only by kc_c3d_to_traj. */
typedef struct kc_c3d {
    char *name;                   /* file name used in messages */
    enum kc_c3d_processor processor;
    bool is_float;                /* POINT:SCALE < 0 */
    double scale;                 /* POINT:SCALE (its sign says float storage) */
    double rate_hz;               /* POINT:RATE, > 0 */
    int64_t first_frame;          /* frame number of frame 0 (1-based numbering of the file) */
    size_t n_frames;              /* F */
    size_t n_points;              /* P = POINT:USED */
    size_t n_params;
    kc_c3d_param *params;
    size_t data_offset;           /* bytes from the start of the file */
    /* [F,P,3] point coordinates in the file's POINT:UNITS, NaN where invalid */
    double *xyz;
    /* [F,P] the 4th word: >= 0 mask/residual word (camera mask in bits 8-14, residual in
     * bits 0-7), -1 where the point is invalid (negative word) */
    int32_t *word4;
    size_t n_analog;              /* A = ANALOG:USED */
    size_t analog_per_frame;      /* analog samples per 3D frame (per channel) */
    double analog_rate_hz;        /* ANALOG:RATE (0 when no analog) */
    double *analog;               /* [F*analog_per_frame, A] scaled: (raw - offset) * scale * gen */
    /* header events (words 150-234 of the header, c3d.org): used when word 150 holds the
     * key 12345; at most 18 */
    size_t n_header_events;
    double header_event_s[18];    /* s from the start of the capture */
    bool header_event_on[18];     /* display flag 0 = on */
    char header_event_label[18][5];
} kc_c3d;

/* Parse a C3D image of size bytes (name for messages). Errors: KC_EFORMAT (logged, naming
 * name and the problem), KC_ENOMEM. */
int kc_c3d_parse(const uint8_t *data, size_t size, const char *name, kc_c3d **out)
    KC_RESULT_USED;
/* Read and parse a file. Errors as kc_c3d_parse, and KC_EIO when it cannot be read. */
int kc_c3d_read(const char *path, kc_c3d **out) KC_RESULT_USED;
void kc_c3d_free(kc_c3d *c);   /* NULL ok */

/* The parameter GROUP:NAME (case-insensitive), or NULL. */
const kc_c3d_param *kc_c3d_find(const kc_c3d *c, const char *group, const char *name);
/* Number of strings in a char parameter (dims[0] = length of each) and the i-th, trimmed of
 * trailing blanks and NULs, copied into buf (truncated to n-1 bytes). Returns the length
 * copied, or -1 when i is out of range. */
size_t kc_c3d_nstrings(const kc_c3d_param *p);
int kc_c3d_string(const kc_c3d_param *p, size_t i, char *buf, size_t n);

/* Options of the conversion to trajectories. */
typedef struct kc_c3d_import_opts {
    bool strip_prefix;            /* drop "Subject:" before labels */
    size_t n_map;                 /* label renames applied after stripping */
    const char *const *map_from;  /* [n_map] */
    const char *const *map_to;    /* [n_map] */
    double cop_min_fz_n;          /* N: COP is NaN while |Fz| is below this (default 10) */
} kc_c3d_import_opts;

kc_c3d_import_opts kc_c3d_default_import_opts(void);

/* Convert a parsed file to trajectories:
 *  - markers: positions in mm (POINT:UNITS m, cm or mm); the 4th word gives /residual_mm
 *    (low byte × |POINT:SCALE|, mm), /n_cameras (bits set in the 7-bit camera mask) and
 *    /filled (4 = residual 0 and mask 0: processed by another system; else 0); a negative
 *    word makes the point missing (NaN, n_cameras 255, filled 255);
 *  - points listed in POINT:ANGLES/FORCES/MOMENTS/POWERS, or named *Angle(s), *Force,
 *    *Moment, *Power (optionally with a V suffix), or Plug-in Gait segment axes (xxxO/A/L/P)
 *    go to model outputs (kind angle, force, moment, power, bone), unscaled except bones;
 *    unlabelled points ("*12") go to /unlabelled;
 *  - first_frame and start_time_s = (first_frame - 1) / rate keep the file's numbering;
 *  - EVENT group events (time relative to frame 0, side L/R/"" from the context, source
 *    "c3d"), and the header's events (4-character labels, source "c3d_header") that the
 *    EVENT group does not already hold at the same time (within half a frame);
 *    PROCESSING parameters as /subject attributes; SUBJECTS:NAMES as subject;
 *  - FORCE_PLATFORM types 1-4 as force plates (force on the body, lab frame; moment about
 *    the plate's surface centre, N·mm; COP in mm on the surface, NaN while |Fz| is below
 *    cop_min_fz_n) at the analog rate. Plate axes from CORNERS (quadrants +x+y, -x+y, -x-y,
 *    +x-y; z down); ORIGIN is c3d.org's vector from the measurement origin to the surface
 *    centre (z < 0); a positive z, as Vicon Nexus writes it, is taken as the vector the other
 *    way (as Visual3D does). Checked on data/real: forces and moments then equal Nexus's
 *    GroundReactionForce/GroundReactionMoment outputs. Moment channels in N·m are scaled to
 *    N·mm; TYPE 4 applies CAL_MATRIX (column order) to the 6 channels. FORCE_PLATFORM:ZERO
 *    = [first, last] (c3d.org: the range of 3D frames whose analog samples give each plate
 *    channel's baseline, counted from 1 = the first frame in the file) is subtracted from
 *    the plate's raw channels when 1 <= first <= last; [0, 0] or first > last (Vicon
 *    writes [1, 0]) means no baseline removal. Other analog channels: kc_c3d_analog.
 * The vertical axis is not checked here: see kc_vertical_check (import.h) with
 * POINT:Y_SCREEN. Errors: KC_EFORMAT (a parameter inconsistent with the data, logged),
 * KC_ENOMEM. */
int kc_c3d_to_traj(const kc_c3d *c, const kc_c3d_import_opts *opts, kc_traj **out)
    KC_RESULT_USED;

/* The analog channels that no force plate uses (FORCE_PLATFORM:CHANNEL of the USED plates):
 * labels (ANALOG:LABELS, LABELS2 ...; "A<n>" when empty), units (ANALOG:UNITS ...), values
 * as scaled by kc_c3d_parse, at the analog rate. out is cleared first; no channels: n 0.
 * Errors: KC_ENOMEM. */
int kc_c3d_analog(const kc_c3d *c, kc_analog *out) KC_RESULT_USED;

/* Options of the C3D writer. The tool writes Intel float files; the other storage variants
 * exist for tests and for users whose software wants them. */
typedef struct kc_c3d_write_opts {
    enum kc_c3d_processor processor;  /* default KC_C3D_INTEL */
    bool integer;                     /* int16 storage scaled by scale_mm (default: float) */
    double scale_mm;                  /* > 0: mm per integer unit (integer storage), or the
                                       * residual unit of float storage (default 0.1) */
    int plate_type;                   /* FORCE_PLATFORM:TYPE written: 2 (default, 0 means 2);
                                       * 1, 3 (Kistler, fixed test geometry) and 4 (a fixed
                                       * test calibration matrix) exist for the tests */
    /* analog channels written after the plates' (NULL or none: only plates), e.g. /analog
     * of an imported file (kc_import_read_analog): at the plates' analog rate, or a whole
     * multiple of the point rate when there are no plates; n_samples = frames × samples per
     * frame; at most 255 analog channels in all. Float files store them as floats (scale 1:
     * values come back to float precision), integer files scaled to ±32000. */
    const kc_analog *analog;
} kc_c3d_write_opts;

kc_c3d_write_opts kc_c3d_default_write_opts(void);

/* Write trajectories as a C3D file, atomically: markers then model outputs (with
 * POINT:ANGLES/FORCES/MOMENTS/POWERS naming them) then unlabelled points; POINT:UNITS "mm",
 * X_SCREEN "+X", Y_SCREEN "+Z"; first frame and frame count in the header and in
 * TRIAL:ACTUAL_START_FIELD/END_FIELD (so trials of more than 65,535 frames work); the 4th
 * word from /residual_mm (in units of scale_mm), /n_cameras (that many mask bits, at most 7)
 * and /filled (4 -> word 0), negative where the position is missing; events in the EVENT
 * group; /subject attributes in PROCESSING; subject in SUBJECTS:NAMES; force plates as
 * FORCE_PLATFORM type 2 with ORIGIN 0 (channels Fx Fy Fz Mx My Mz in N and N·mm in plate
 * coordinates, moments about the surface centre) at one common analog rate, a whole
 * multiple of the point rate. C3D has no list of "bone" outputs: they are written as plain
 * points and read back as bones only when named like Plug-in Gait segment axes (PELO ...).
 * Other analog channels: opts->analog. Not written: header events (events go to EVENT). Errors: KC_EINVAL (logged: a value that does not fit, e.g. an
 * integer coordinate beyond ±32767 units, more than 255 events), KC_EIO, KC_ENOMEM. */
int kc_c3d_write_traj(const char *path, const kc_traj *t, const kc_c3d_write_opts *opts)
    KC_RESULT_USED;

/* Write kinematics as a C3D file, as Vicon writes model outputs: each angle channel as a
 * point named <name>Angles ("LKnee" -> "LKneeAngles", listed in POINT:ANGLES), joint centres
 * as points (LHJC ...), events in the EVENT group; first frame 1. Errors as
 * kc_c3d_write_traj. */
int kc_c3d_write_kin(const char *path, const kc_kin *k, const kc_c3d_write_opts *opts)
    KC_RESULT_USED;

#endif
