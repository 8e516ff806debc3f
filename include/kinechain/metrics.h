/* kinechain — drop-jump landing metrics per side from the Plug-in Gait angles and joint
 * centres (pigmodel.h channel order) and the landing events (events.h).
 *
 * Definitions (the same as kc-synth's truth, pipeline/synth/truthcalc.c). Frames are the
 * nearest frames of the events; IC = initial contact, PKF = peak knee flexion, TO = take-off.
 * Valgus = -(knee Y) (Plug-in Gait knee Y is varus-positive): larger = more valgus.
 *   knee_valgus_at_ic_deg             -(knee Y) at IC                       window initial_contact
 *   peak_knee_valgus_deg              max -(knee Y) over IC..PKF             initial_contact..peak_knee_flexion
 *   knee_valgus_excursion_deg         peak_knee_valgus - valgus at IC        same window, no frame
 *   knee_flexion_at_ic_deg            knee X at IC                           initial_contact
 *   peak_knee_flexion_deg             knee X at PKF (max over IC..TO)        initial_contact..take_off
 *   knee_flexion_range_deg            peak_knee_flexion - knee_flexion_at_ic
 *   time_to_peak_valgus_s             from IC to the peak valgus frame
 *   peak_hip_adduction_deg            max hip Y over IC..PKF
 *   peak_hip_internal_rotation_deg    max hip Z over IC..PKF
 *   peak_hip_flexion_deg              max hip X over IC..TO
 *   peak_ankle_dorsiflexion_deg       max ankle X over IC..TO
 *   peak_vgrf_n                       max vertical force of the side's plate over IC..TO (force
 *                                     events only)
 *   contact_time_s                    TO - IC
 *   fppa_3d_at_pkf_deg                frontal plane projection angle at PKF from the 3D joint
 *                                     centres: 180 deg minus the angle HJC-KJC-AJC, all three
 *                                     projected on the progression frame's Y-Z (frontal)
 *                                     plane; positive (valgus) when KJC lies medial of the
 *                                     line HJC-AJC. Not the video-comparable 2D FPPA.
 *   knee_separation_ratio_at_peak_flexion (side "") inter-KJC over inter-HJC distance along
 *                                     the progression frame's Y, at the frame of largest mean
 *                                     knee flexion between the later IC and the earlier TO
 *                                     (Noyes et al. 2005, here from 3D joint centres)
 *   flight_time_s (side "")           mean second contact - mean take-off
 *   medial_knee_displacement_mm       largest medial displacement of the KJC along the
 *                                     progression frame's Y from its position at IC, over
 *                                     IC..PKF (mm, medial positive; 0 when it only moves
 *                                     laterally). After Krosshaug et al. 2016 (Am J Sports Med
 *                                     44:874: medial knee displacement of the first landing of
 *                                     a 30 cm drop jump, the one variable associated with ACL
 *                                     injury there); [verify] that paper's exact reference
 *                                     (IC position, lab frame) could not be checked here
 *   ankle_separation_ratio_at_peak_flexion (side "") inter-AJC over inter-HJC distance along
 *                                     the progression frame's Y, same frame as the knee ratio
 *                                     (Noyes et al. 2005, Am J Sports Med 33:197: ankle
 *                                     separation normalised to hip separation; here from 3D
 *                                     joint centres, not the video landmarks)
 *   pelvic_obliquity_at_pkf_deg       Plug-in Gait pelvis Y (obliquity) of the side at its PKF;
 *                                     positive = this side of the pelvis up
 *   pelvic_drop_toward_valgus_side_at_pkf_deg  (side = the side with more peak valgus, L on a
 *                                     tie) -(its pelvic obliquity) at its PKF: positive = the
 *                                     pelvis lower on the side with more valgus (ISSUE 5:
 *                                     bilateral landing, toward the side with more valgus)
 *   trunk_lateral_lean_at_pkf_deg     -(Plug-in Gait thorax Y of the side) at its PKF, the
 *                                     thorax relative to the progression frame: positive =
 *                                     trunk leaning toward this side (ipsilateral lean; Hewett &
 *                                     Myer 2011, Exerc Sport Sci Rev 39:161; Dempsey et al.
 *                                     2007, Med Sci Sports Exerc 39:1765)
 *   foot_progression_rel_pelvis_at_ic_deg  Plug-in Gait foot progression Z minus pelvis
 *                                     rotation Z of the side at IC (both about the vertical of
 *                                     the progression frame, each with PiG's per-side sign):
 *                                     the foot's heading relative to the pelvis heading,
 *                                     positive = internal (toe-in); Cardan yaws, so approximate
 *                                     when the foot is strongly plantarflexed
 * A metric whose inputs are NaN is written as NaN (never dropped silently).
 */
#ifndef KINECHAIN_METRICS_H
#define KINECHAIN_METRICS_H

#include <stddef.h>
#include "kinechain/events.h"
#include "kinechain/forceplate.h"
#include "kinechain/linalg.h"
#include "kinechain/table.h"

/* angles [12][F][3] deg and centres [6][F][3] mm as kc_pig_compute writes them; prog the
 * progression frame; fp may be NULL (n_fp 0). Appends to a kinematics metrics table
 * (kinfile.h kc_kin_metrics_alloc columns). */
int kc_metrics_dvj(const double *angles, const double *centres, size_t F, double rate_hz,
                   kc_mat3 prog, const kc_dvj_events ev[2], const kc_forceplate *fp, size_t n_fp,
                   kc_table *t) KC_RESULT_USED;

/* Video-comparable frontal-plane metrics of a drop jump: what the 2D video studies measure,
 * so that their normal ranges apply (SCIENCE.md A.2, A.3). A virtual pinhole camera stands
 * KC_VIDEO_DISTANCE_MM in front of the subject along the progression frame's X, fixed for the
 * trial at the midpoint of the two knee centres at the later initial contact (knee height),
 * looking back along -X; points are projected perspectively onto its image.
 *   fppa_video_at_pkf_deg      (per side) FPPA in that image at the side's PKF, with the
 *                              landmarks of the 2D protocols (Willson & Davis 2008; Munro et
 *                              al. 2012, J Sport Rehabil 21:7): proximal thigh = midpoint of
 *                              the same-side ASIS marker and the knee centre, knee centre =
 *                              KJC (mid-condyles), ankle centre = AJC (mid-malleoli); valgus
 *                              positive. [verify] the exact proximal-thigh landmark of each
 *                              study. Differs from fppa_3d_at_pkf_deg by the thigh landmark
 *                              (ASIS-knee midpoint, not HJC) and the perspective view.
 *   fppa_video_sensitivity_deg_per_cm (per side) how much that FPPA changes when the knee
 *                              centre moves 1 cm mediolaterally (along the progression
 *                              frame's Y; central difference of +-5 mm, same camera, deg/cm).
 *                              The FPPA's conditioning: with the thigh seen end-on (a deep
 *                              landing, the hip little above the knee) a few millimetres of
 *                              knee position swing it by tens of degrees. For scale: a thigh
 *                              line 200 mm long in the image gives about 3 deg/cm; Munro et
 *                              al. 2012 report an SEM of 2.7-3.0 deg for 2D FPPA.
 *   knee_separation_ratio_video (side "") image distance between the knee centres over that
 *                              between the hip centres, at the frame of largest mean knee
 *                              flexion between the later IC and the earlier TO (Noyes et al.
 *                              2005 normalised knee separation, as a fraction). Noyes
 *                              digitised markers on the greater trochanters, which the PiG
 *                              marker set does not have: the hip centres stand in, so this
 *                              ratio reads larger than Noyes's by about the trochanters' extra
 *                              width (their 51 +- 19 % is not directly comparable).
 *   ankle_separation_ratio_video (side "") ankle centres over hip centres, same frame.
 *   knee_to_ankle_separation_ratio_video (side "") knee over ankle separation (KASR, Mizner et
 *                              al. 2012), same frame; < ~0.6-0.8 is commonly read as valgus
 *                              (lab-specific).
 * angles and centres as kc_metrics_dvj; asis[0], asis[1] the LASI and RASI positions [F,3] mm.
 * Metrics whose inputs are missing are written as NaN. */
#define KC_VIDEO_DISTANCE_MM 3000.0
int kc_metrics_dvj_video(const double *angles, const double *centres, const double *const asis[2],
                         size_t F, double rate_hz, kc_mat3 prog, const kc_dvj_events ev[2],
                         kc_table *t) KC_RESULT_USED;

/* Single-leg squat metrics of the stance side (kc-synth's truth definitions): window
 * start..peak_knee_flexion (w) unless stated.
 *   peak_knee_flexion_deg             knee X at the deepest frame (window start..end)
 *   peak_knee_valgus_deg              max -(knee Y) over w
 *   knee_valgus_excursion_deg         peak valgus - valgus at start
 *   peak_hip_adduction_deg, peak_hip_internal_rotation_deg   max hip Y, Z over w
 *   peak_contralateral_pelvic_drop_deg  max -(pelvis Y of the free side) over w: positive =
 *                                     the free side's pelvis down (SCIENCE.md A.4,
 *                                     Trendelenburg; labs flag > ~5 deg) */
int kc_metrics_sls(const double *angles, size_t F, double rate_hz, int side, double start_s,
                   size_t deep_frame, double end_s, kc_table *t) KC_RESULT_USED;

/* A plain-language summary of which links of the kinetic chain look involved, per side, from
 * a metrics table (kc_metrics_dvj + kc_metrics_dvj_video, or kc_metrics_sls). Each threshold
 * is named in the text with its source and the kind of model it came from; the kinechain
 * model that produced the numbers is named too. It screens, it does not diagnose
 * (SCIENCE.md A.1: the evidence that any of these predicts injury is mixed).
 * Flags: 1 flagged, 0 assessed and not flagged, -1 not assessed (inputs missing, or not
 * defined for the task).
 *   knee          DVJ: knee_valgus_at_ic_deg > KC_CHAIN_KNEE_IC_DEG (Bates et al. 2020, Orthop
 *                 J Sports Med 8(10): 4.6 deg at IC, 3D, prospective ACL cohort) or
 *                 fppa_video_at_pkf_deg > KC_CHAIN_FPPA_DEG (13 deg, top of the female DVJ
 *                 normal range 7-13 deg, Herrington & Munro 2010, 2D video). SLS: -1.
 *   hip           peak_hip_adduction_deg > KC_CHAIN_HIP_ADD_DEG or
 *                 peak_hip_internal_rotation_deg > KC_CHAIN_HIP_IR_DEG (kinechain conventions,
 *                 no validated cut-off: SCIENCE.md A.4 lists none).
 *   pelvis_trunk  DVJ: pelvic_drop_toward_valgus_side_at_pkf_deg (on its side) >
 *                 KC_CHAIN_PELVIC_DROP_DEG (the > ~5 deg labs flag, SCIENCE.md A.4) or
 *                 trunk_lateral_lean_at_pkf_deg > KC_CHAIN_TRUNK_LEAN_DEG (convention).
 *                 SLS: peak_contralateral_pelvic_drop_deg > KC_CHAIN_PELVIC_DROP_DEG.
 *   foot_ankle    DVJ: peak_ankle_dorsiflexion_deg < KC_CHAIN_DORSIFLEXION_DEG (15 deg, the
 *                 sample mean of Malloy et al. 2015, where less dorsiflexion went with more
 *                 valgus) or foot_progression_rel_pelvis_at_ic_deg < KC_CHAIN_TOE_OUT_DEG
 *                 (-15 deg: turned out, convention). SLS: -1.
 * model: "pig", "kinechain" or "keypoints:<layout>" (kc-ik --markerset: joint centres only, so
 * the knee is judged by the video-comparable FPPA alone, the pelvis/trunk link by trunk lean on
 * a landing and contralateral pelvic drop on a squat, and hip and foot/ankle are not assessed);
 * it is named in the text.
 * When fppa_video_sensitivity_deg_per_cm exceeds KC_CHAIN_FPPA_SENS_DEG_PER_CM the knee's
 * sentence says the FPPA is ill-conditioned in that trial (the flags are not changed).
 * summary: one or two sentences (knee; links). KC_EINVAL for a bad side or NULL names. */
#define KC_CHAIN_KNEE_IC_DEG 4.6
#define KC_CHAIN_FPPA_DEG 13.0
/* kinechain convention: at 5 deg per cm, 1.5 cm of knee position is the smallest detectable
 * difference of 2D FPPA (7.5-8.9 deg, Munro et al. 2012, J Sport Rehabil 21:7) */
#define KC_CHAIN_FPPA_SENS_DEG_PER_CM 5.0
#define KC_CHAIN_HIP_ADD_DEG 10.0
#define KC_CHAIN_HIP_IR_DEG 10.0
#define KC_CHAIN_PELVIC_DROP_DEG 5.0
#define KC_CHAIN_TRUNK_LEAN_DEG 5.0
#define KC_CHAIN_DORSIFLEXION_DEG 15.0
#define KC_CHAIN_TOE_OUT_DEG (-15.0)
enum { KC_CHAIN_KNEE = 0, KC_CHAIN_HIP, KC_CHAIN_PELVIS_TRUNK, KC_CHAIN_FOOT_ANKLE, KC_CHAIN_N };
typedef struct kc_chain {
    int flag[KC_CHAIN_N];
    char summary[2048];
} kc_chain;
int kc_chain_summarize(const kc_table *metrics, const char *trial_type, const char *model,
                       int side, kc_chain *out) KC_RESULT_USED;
/* Add group /chain to a kinematics file already written at path (before it is moved into
 * place; kc-ik writes to the temporary name, adds /chain, then commits): string attributes
 * summary_L and summary_R, and int64 attributes knee_L, hip_L, pelvis_trunk_L,
 * foot_ankle_L (and _R) with the flags above. KC_EIO (logged, naming path) on failure. */
int kc_chain_write(const char *path, const kc_chain ch[2]) KC_RESULT_USED;

#endif
