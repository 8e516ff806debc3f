/* kinechain — person association: when a camera sees several people, choose per frame the
 * one that is consistent across views.
 *
 * Per frame, every combination of one person per camera (cameras with nobody skipped) is
 * scored by multi-view consistency: each keypoint seen (confidence >= min_confidence) by two
 * or more of the combination's cameras is triangulated linearly (confidence-weighted
 * least-squares intersection of the undistorted rays) and reprojected into those cameras;
 * the score is the mean reprojection error, each error capped at cap_px so that one wrong
 * keypoint cannot outweigh a wrong person. The combination with the lowest score wins (ties:
 * the first in camera-major, person-ascending order). This is the idea of Pose2Sim's
 * personAssociation (Pagnon et al. 2022: triangulate candidate combinations, keep the one
 * with the smallest reprojection error), written here from that description.
 * Then, with three or more chosen cameras, consistency: for every pair of chosen cameras
 * whose two views agree (median reprojection error <= max_error_px in both), count the other
 * cameras whose median error to the pair's triangulated keypoints is <= max_error_px; the
 * best-supported pair wins, and cameras that disagree with it get nobody (-1) in that frame:
 * they see only people the others do not. (A RANSAC-like vote over pairs, so one odd camera
 * cannot spoil the check of the others.)
 * When a frame has more combinations than max_combinations, each camera keeps only its
 * most confident people (sum of confidences) until the product fits.
 */
#ifndef KINECHAIN_ASSOCIATE_H
#define KINECHAIN_ASSOCIATE_H

#include <stddef.h>
#include "kinechain/camera.h"
#include "kinechain/keypoints.h"
#include "kinechain/status.h"

typedef struct kc_assoc_params {
    double min_confidence;     /* keypoints below it are ignored, [0,1] (default 0.3) */
    double cap_px;             /* cap of one reprojection error in the score, px, > 0
                                  (default 100: a few times the spread of a right person) */
    double max_error_px;       /* a camera whose median error to the others exceeds it gets
                                  nobody, px, > 0 (default 50) */
    int min_keypoints;         /* keypoints needed for that check and for a score, >= 1
                                  (default 4) */
    size_t max_combinations;   /* combinations scored per frame at most, >= 1 (default 4096) */
} kc_assoc_params;

kc_assoc_params kc_assoc_default_params(void);
/* KC_OK or KC_EINVAL (logged, naming the field). */
int kc_assoc_check_params(const kc_assoc_params *p) KC_RESULT_USED;

typedef struct kc_assoc_stats {
    size_t frames_with_choice;   /* frames where some camera saw more than one person */
    size_t camera_frames_dropped;/* camera-frames set to nobody by the consistency check */
    size_t camera_frames_empty;  /* camera-frames where nobody was detected */
} kc_assoc_stats;

/* Choose one person per camera-frame by cross-view consistency.
 *   s       keypoints, F frames, C cameras
 *   cams    [C] calibrated cameras in the order of s->cameras (each passing kc_camera_check)
 *   choice  [C,F] out: person index, or -1 for nobody
 *   stats   out (may be NULL)
 * Deterministic and single-threaded. Errors: KC_EINVAL (bad params), KC_ENOMEM. */
int kc_assoc_choose(const kc_kp_set *s, const kc_camera *cams, const kc_assoc_params *p,
                    int *choice, kc_assoc_stats *stats) KC_RESULT_USED;

/* The person the user names: index person (0-based, in each file's order) wherever a
 * camera-frame has that many people, else nobody. Without a calibration and person < 0
 * (auto), the most confident person (largest sum of confidences >= min_confidence) of each
 * camera-frame. choice [C,F] out. Returns KC_OK. */
int kc_assoc_fixed(const kc_kp_set *s, int person, double min_confidence, int *choice)
    KC_RESULT_USED;

#endif
