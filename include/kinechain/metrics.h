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

#endif
