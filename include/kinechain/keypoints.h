/* kinechain — 2D keypoints from pose estimators (OpenPose JSON, DeepLabCut CSV) as labelled
 * observations (obsfile.h) with /weights.
 *
 * A keypoint set holds, per camera and frame, every detected person's keypoints as
 * (x px, y px, confidence); origin at the top-left pixel's centre, as OpenPose and DeepLabCut
 * write them. Person association (associate.h) chooses one person per camera-frame, and
 * kc_kp_to_obs turns the choice into /points [C,F,M,2] and /weights [C,F,M]: a keypoint
 * whose confidence is below the threshold (or that was not detected: OpenPose writes
 * (0,0,0), DeepLabCut an empty cell) is missing (NaN, weight 0); the others keep their
 * confidence as weight.
 *
 * Layouts (keypoint index -> name), from OpenPose's documentation
 * (doc/02_output.md "Pose Output Format", and include/openpose/pose/poseParameters.hpp /
 * src/openpose/pose/poseParameters.cpp for BODY_25B of the openpose_train experimental
 * models):
 *   BODY_25  (25): Nose Neck RShoulder RElbow RWrist LShoulder LElbow LWrist MidHip RHip
 *                  RKnee RAnkle LHip LKnee LAnkle REye LEye REar LEar LBigToe LSmallToe
 *                  LHeel RBigToe RSmallToe RHeel
 *   BODY_25B (25): Nose LEye REye LEar REar LShoulder RShoulder LElbow RElbow LWrist RWrist
 *                  LHip RHip LKnee RKnee LAnkle RAnkle UpperNeck HeadTop LBigToe LSmallToe
 *                  LHeel RBigToe RSmallToe RHeel
 *   COCO     (18): Nose Neck RShoulder RElbow RWrist LShoulder LElbow LWrist RHip RKnee
 *                  RAnkle LHip LKnee LAnkle REye LEye REar LEar
 */
#ifndef KINECHAIN_KEYPOINTS_H
#define KINECHAIN_KEYPOINTS_H

#include <stddef.h>
#include "kinechain/obsfile.h"
#include "kinechain/status.h"

typedef enum kc_kp_layout {
    KC_KP_BODY25 = 0,
    KC_KP_BODY25B = 1,
    KC_KP_COCO = 2,
} kc_kp_layout;

/* Default confidence threshold: a keypoint below it is missing. 0.3 is Pose2Sim's
 * likelihood_threshold_triangulation (its Config.toml), so results compare directly. */
#define KC_KP_DEFAULT_MIN_CONFIDENCE 0.3

/* Parse a layout name: "body25", "body25b", "coco" (case-insensitive; "_" and "-" ignored,
 * so "BODY_25B" works). KC_OK or KC_EINVAL (not logged: the caller names the option). */
int kc_kp_layout_parse(const char *s, kc_kp_layout *out) KC_RESULT_USED;
/* The layout's keypoint names (static storage) and their number in *n. */
const char *const *kc_kp_layout_names(kc_kp_layout layout, size_t *n);

/* One camera-frame: every person found. */
typedef struct kc_kp_frame {
    size_t n_people;
    double *kp;               /* [n_people, K, 3]: x px, y px, confidence in [0,1] */
} kc_kp_frame;

typedef struct kc_kp_camera {
    char *name;               /* folder name without a "_json" suffix, or CSV file stem */
    kc_kp_frame *frames;      /* [n_frames of the set] */
    size_t n_files;
    char **files;             /* the files read (for provenance), n_files of them */
} kc_kp_camera;

typedef struct kc_kp_set {
    size_t n_keypoints;       /* K */
    char **names;             /* [K] keypoint names */
    size_t n_cameras;
    kc_kp_camera *cameras;    /* [n_cameras], sorted by name */
    size_t n_frames;          /* F, the same for every camera */
} kc_kp_set;

void kc_kp_set_free(kc_kp_set *s);   /* NULL ok */

/* Parse one OpenPose JSON document (buf, len bytes; need not be NUL-terminated) holding
 * keypoints of K per person: {"people":[{"pose_keypoints_2d":[x0,y0,c0,...]}, ...]}.
 * what names the file in messages. Fills *out (kp malloc'd; n_people may be 0).
 * Errors (logged, naming what and the cause): KC_EFORMAT (not JSON; no "people" array; a
 * person without "pose_keypoints_2d"; a value that is not a finite number; a confidence
 * outside [0,1]), KC_ESHAPE (pose_keypoints_2d not of length 3K: a different layout),
 * KC_ENOMEM. An empty person object {} (what Pose2Sim's association writes for a
 * camera-frame without the person) is a person with no keypoint detected (all zero). */
int kc_kp_parse_openpose(const char *buf, size_t len, const char *what, size_t K,
                         kc_kp_frame *out) KC_RESULT_USED;

/* Read an OpenPose output folder: dir holds one sub-folder per camera (sorted by name; a
 * "_json" suffix is dropped from the camera name), each one *.json file per frame (sorted
 * by name). Errors: KC_EIO (unreadable folder or file), KC_EFORMAT (no camera folders, a
 * camera without JSON files, cameras with different frame counts — naming both — or a bad
 * file as kc_kp_parse_openpose), KC_ESHAPE, KC_ENOMEM. */
int kc_kp_read_openpose(const char *dir, kc_kp_layout layout, kc_kp_set **out) KC_RESULT_USED;

/* Parse one DeepLabCut CSV table (buf, len bytes): header rows "scorer", optionally
 * "individuals" (multi-animal: each individual becomes a person), "bodyparts" and "coords"
 * (x, y, likelihood triplets), then one row per frame whose first column is the frame index
 * or image path. Empty cells are undetected keypoints. The body parts of the first
 * individual name the keypoints; every individual must list the same ones.
 * Fills *cam's frames (n_frames out) and *names and *K (malloc'd). Errors: KC_EFORMAT (logged:
 * missing header rows, a row of the wrong length, a non-number), KC_ENOMEM. */
int kc_kp_parse_dlc(const char *buf, size_t len, const char *what, kc_kp_camera *cam,
                    size_t *n_frames, char ***names, size_t *K) KC_RESULT_USED;

/* Read DeepLabCut output: path is one CSV file (one camera) or a folder of *.csv files, one
 * per camera (sorted by name; the camera name is the file stem up to "DLC", as DeepLabCut
 * names its output "<video>DLC_<network>...csv"). Every camera must have the same body parts
 * and frame count. Errors as kc_kp_parse_dlc, plus KC_EIO. */
int kc_kp_read_dlc(const char *path, kc_kp_set **out) KC_RESULT_USED;

/* Rename cameras to the calibration's names: camera i becomes names[i]. */
int kc_kp_rename_cameras(kc_kp_set *s, char *const *names) KC_RESULT_USED;

/* Labelled observations from the chosen people.
 *   choice   [C,F] person index per camera-frame, -1 = nobody (all NaN)
 *   min_confidence  keypoints with confidence below it (or zero) are missing, in [0,1]
 *   rate_hz  frame rate, > 0
 * The result has capture "trial", /labels = keypoint names, /camera_names = camera names,
 * /points and /weights. Errors: KC_EINVAL (bad argument or a choice out of range), KC_ENOMEM. */
int kc_kp_to_obs(const kc_kp_set *s, const int *choice, double min_confidence, double rate_hz,
                 kc_obs **out) KC_RESULT_USED;

#endif
