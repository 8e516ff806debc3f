/* kinechain calibration stage — import and export of other tools' calibration files
 * (private interface of calib/; the command is `kc-calib import|export`).
 *
 * Formats (chosen by the file name):
 *   *.toml      Pose2Sim / anipose: one [table] per camera with name, size [W,H], matrix K,
 *               distortions [k1,k2,p1,p2(,k3)], rotation = Rodrigues vector (or a 3x3
 *               matrix), translation; [metadata] ignored. Caliscope: [cameras.<id>] tables
 *               with cam_id, size, matrix, distortions, rotation (3x3), translation,
 *               ignore, rotation_count; the camera is named "cam_<id>".
 *               Both use x_c = R·X + t; translations are in metres unless told otherwise.
 *   *.yaml|*.yml  OpenCV FileStorage YAML in EasyMocap's multi-camera layout: names (a
 *               sequence), and per camera K_<n> (3x3), dist_<n> (1x4/1x5/4x1/5x1), Rot_<n>
 *               (3x3) or R_<n> (Rodrigues 3x1), T_<n> (3x1), and W_<n>, H_<n> (image size).
 *               Several documents (intri.yml + extri.yml concatenated) are merged.
 *   *.qca.txt   Qualisys QTM calibration export (XML), import only: see calib_qca.c for
 *               QTM's camera-axis convention and sensor units.
 * Units: translations are converted to mm with units_mm (1000 for metres). Every reader
 * checks each camera with kc_camera_check and logs one line naming the file, the camera and
 * the problem (KC_EFORMAT, KC_EMISSING, KC_ESHAPE, KC_ETYPE or KC_EINVAL); I/O errors are
 * KC_EIO.
 */
#ifndef KC_CALIBIO_H
#define KC_CALIBIO_H

#include <stddef.h>
#include "kinechain/calibfile.h"
#include "kinechain/status.h"

typedef enum kc_calib_format {
    KC_CALIB_FMT_UNKNOWN = 0,
    KC_CALIB_FMT_TOML,
    KC_CALIB_FMT_YAML,
    KC_CALIB_FMT_QCA,
} kc_calib_format;

typedef struct kc_calibio_params {
    double units_mm;     /* mm per unit of length in TOML/YAML translations (default 1000: m) */
    double qca_dist_scale; /* QTM distortion coefficients are divided by this (default 64,
                              as Pose2Sim converts them; 1 keeps QTM's values) */
} kc_calibio_params;

kc_calibio_params kc_calibio_default_params(void);

/* The format of a file name by its extension (.toml, .yaml/.yml, .qca.txt), else UNKNOWN. */
kc_calib_format kc_calibio_format_of(const char *path);

/* Read a calibration of another tool into a new kc_calib (method "import:<format>",
 * rms_px NaN unless the file states one, n_obs 0). */
int kc_calibio_import(const char *path, const kc_calibio_params *p, kc_calib **out)
    KC_RESULT_USED;

/* Write c to path (TOML in the Pose2Sim/anipose layout, or OpenCV YAML), atomically.
 * Cameras with status "excluded" are left out (logged as a warning). KC_EINVAL for a
 * format that cannot be written (.qca.txt), KC_EIO when writing fails. */
int kc_calibio_export(const kc_calib *c, const char *path, const kc_calibio_params *p)
    KC_RESULT_USED;

/* ---- internals shared by the format files ------------------------------------------ */
/* Read a whole file (at most 64 MiB) into a NUL-terminated buffer; len out may be NULL.
 * Logs "cannot open ..." naming the file. */
int kc_calibio_slurp(const char *path, char **text, size_t *len) KC_RESULT_USED;

/* Fill a camera from row-major K [9], dist [n_dist <= 5], R [9] (world -> camera), t (mm)
 * and the image size, and check it (R re-orthonormalised when within 1e-6 of a rotation
 * in the Frobenius sense per element; else an error). Logs naming path and camera. */
int kc_calibio_set_camera(kc_camera *cam, const char *path, const char *name, const double K[9],
                          const double *dist, size_t n_dist, const double R[9],
                          const double t_mm[3], double width, double height) KC_RESULT_USED;

int kc_calibio_import_toml(const char *path, const kc_calibio_params *p, kc_calib **out)
    KC_RESULT_USED;
int kc_calibio_import_yaml(const char *path, const kc_calibio_params *p, kc_calib **out)
    KC_RESULT_USED;
int kc_calibio_import_qca(const char *path, const kc_calibio_params *p, kc_calib **out)
    KC_RESULT_USED;
int kc_calibio_export_toml(const kc_calib *c, const char *path, const kc_calibio_params *p)
    KC_RESULT_USED;
int kc_calibio_export_yaml(const kc_calib *c, const char *path, const kc_calibio_params *p)
    KC_RESULT_USED;

/* The TOML subset reader (toml.c). */
enum { KC_TOML_NUMBER = 1, KC_TOML_STRING, KC_TOML_BOOL, KC_TOML_ARRAY };
typedef struct kc_toml_value {
    int type;
    double num;                  /* NUMBER, BOOL (0/1) */
    char *str;                   /* STRING */
    struct kc_toml_value *items; /* ARRAY */
    size_t n;
} kc_toml_value;
typedef struct kc_toml_kv {
    char *key;
    kc_toml_value v;
    int line;
} kc_toml_kv;
typedef struct kc_toml_table {
    char *name;                  /* "" for the root, "a.b" for [a.b] (and for ["a.b"]) */
    size_t n_keys;               /* keys in the header: 2 for [a.b], 1 for ["a.b"], 0 root */
    size_t head_len;             /* length of the header's first key in name */
    kc_toml_kv *kv;
    size_t n;
    int line;
} kc_toml_table;
typedef struct kc_toml {
    kc_toml_table *tables;       /* in file order, tables[0] the root */
    size_t n;
} kc_toml;

/* Parse path; on a syntax error logs "PATH line N: what" and returns KC_EFORMAT. */
int kc_toml_read(const char *path, kc_toml **out) KC_RESULT_USED;
void kc_toml_free(kc_toml *t);
const kc_toml_table *kc_toml_find_table(const kc_toml *t, const char *name);
const kc_toml_value *kc_toml_get(const kc_toml_table *tb, const char *key);
/* Numbers of an array: cols == 0 a vector of `rows`; else rows arrays of cols. KC_ETYPE or
 * KC_ESHAPE (not logged) when v is not such an array. */
int kc_toml_numbers(const kc_toml_value *v, size_t rows, size_t cols, double *out)
    KC_RESULT_USED;

#endif
