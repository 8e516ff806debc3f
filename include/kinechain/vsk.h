/* kinechain — Vicon subject files (.vsk, XML, written by Vicon Nexus) as a row of the
 * subjects CSV of DESIGN.md, so that the subject measurements Vicon used can be given to
 * kc-ik (--subjects FILE --subject ID).
 *
 * A .vsk holds the model (<KinematicModel MODEL="PlugInGait FullBody Ai" VERSION="3.2">) and
 * its subject measurements as <Parameters><StaticParameter NAME="LeftLegLength" VALUE="877"
 * QUANTITY="length"/>…; a parameter the operator left empty has no VALUE. Lengths are in mm,
 * masses in kg, and angles (QUANTITY="angle") in radians: LeftStaticPlantFlex = 0.2527 is
 * the 14.5° plantar-flexion offset that Nexus also writes to the C3D PROCESSING group
 * (data/real/pycgm_nexus_pig). The subject's name is not in the file: Vicon names the file
 * after the subject ("Test.vsk").
 */
#ifndef KINECHAIN_VSK_H
#define KINECHAIN_VSK_H

#include <stddef.h>
#include "kinechain/h5io.h"
#include "kinechain/status.h"

/* The parameters of a .vsk. */
typedef struct kc_vsk {
    char *model;          /* MODEL attribute of <KinematicModel> ("" when absent) */
    char *model_version;  /* its VERSION ("" when absent) */
    /* every StaticParameter that has a VALUE, as a number in the file's units (mm, kg,
     * rad), under its Vicon name; the attribute set keeps the file's order */
    kc_attrs params;
    kc_attrs quantity;    /* QUANTITY of each of them ("length", "mass", "angle"), strings */
} kc_vsk;

/* Read path. Errors (logged, naming the file): KC_EIO (cannot open), KC_EFORMAT (not XML,
 * not a <KinematicModel>, a VALUE that is not a finite number), KC_ENOMEM. The parser does
 * not fetch anything from the network nor expand external entities. */
int kc_vsk_read(const char *path, kc_vsk *out) KC_RESULT_USED;
/* The same from size bytes in memory (name for messages). */
int kc_vsk_parse(const char *data, size_t size, const char *name, kc_vsk *out) KC_RESULT_USED;
void kc_vsk_clear(kc_vsk *v);   /* frees the contents; v itself is not freed */

/* The subject's name from the file name: the base name without ".vsk" (malloc'd). */
char *kc_vsk_subject_name(const char *path);

/* Write a subjects CSV (header and one row for subject) from the parameters, atomically.
 * Columns (DESIGN.md): subject, sex, mass_kg (Bodymass), height_mm (Height),
 * leg_length_{L,R}_mm (Left/RightLegLength), knee_width_{L,R}_mm, ankle_width_{L,R}_mm,
 * inter_asis_mm (InterAsisDistance; 0 = from markers when absent), asis_troc_{L,R}_mm
 * (Left/RightAsisTrocanterDistance; 0 = regression when absent), marker_diameter_mm
 * (MarkerDiameter), tibial_torsion_{L,R}_deg (Left/RightTibialTorsion, radians -> degrees),
 * sole_delta_{L,R}_mm. A measurement the file does not hold is an empty cell (kc-ik then
 * keeps its default); sex is always empty (a .vsk does not say). Numbers are printed with
 * 17 significant digits. Errors: KC_EINVAL (logged: a required measurement - Bodymass,
 * leg lengths, knee and ankle widths - is missing), KC_EIO. */
int kc_vsk_write_subjects(const char *path, const char *subject, const kc_vsk *v)
    KC_RESULT_USED;

#endif
