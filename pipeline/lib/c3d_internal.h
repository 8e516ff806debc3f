/* kinechain — what the C3D modules (c3d.c, c3d_traj.c, c3d_forceplate.c) share. */
#ifndef KINECHAIN_C3D_INTERNAL_H
#define KINECHAIN_C3D_INTERNAL_H

#include <stdint.h>
#include "kinechain/c3d.h"

/* An int16 / float in the byte order and float format of proc. */
int kc_c3d_i16(enum kc_c3d_processor proc, const uint8_t *p);
float kc_c3d_f32(enum kc_c3d_processor proc, const uint8_t *p);
/* Element i of a numeric parameter, or def when absent or out of range. */
double kc_c3d_num(const kc_c3d_param *p, size_t i, double def);
/* String i of GROUP:BASE continued in BASE2, BASE3, ... (ANALOG:UNITS2 ...); -1 and ""
 * when absent. */
int kc_c3d_string_multi(const kc_c3d *c, const char *group, const char *base, size_t i,
                        char *buf, size_t n);
/* A count parameter (int16 read as 0..65535); def when absent, -1 when not a count. */
long kc_c3d_count(const kc_c3d_param *p, long def);

/* Millimetres per unit of POINT:UNITS ("mm" 1, "cm" 10, "m" 1000); 0 when unknown. */
double kc_c3d_units_mm(const char *units);

/* Force plates of c (FORCE_PLATFORM group) into t->forceplates, from c->analog; mm_per_unit
 * scales CORNERS and ORIGIN. Errors: KC_EFORMAT (logged), KC_ENOMEM. */
int kc_c3d_forceplates(const kc_c3d *c, double mm_per_unit, double cop_min_fz_n, kc_traj *t)
    KC_RESULT_USED;

/* Plate -> lab rotation (columns: the plate's x, y, z in the lab) from CORNERS in c3d.org's
 * order (+x+y, -x+y, -x-y, +x-y). KC_EINVAL when the corners do not span a plane. */
int kc_c3d_plate_axes(const double cor[4][3], double R[3][3]) KC_RESULT_USED;

#endif
