/* kinechain — small fixed-size vectors and rotation matrices (value types), plus Cardan
 * decompositions. Larger linear algebra goes through GSL.
 *
 * Matrices are row-major double[3][3]. A rotation R maps segment coordinates to world
 * coordinates: x_world = R·x_seg + o, so R's columns are the segment's X, Y, Z axes.
 */
#ifndef KINECHAIN_LINALG_H
#define KINECHAIN_LINALG_H

typedef struct kc_vec3 {
    double x, y, z;
} kc_vec3;

typedef struct kc_mat3 {
    double m[3][3];
} kc_mat3;

static inline kc_vec3 kc_v3(double x, double y, double z) { kc_vec3 v = {x, y, z}; return v; }
static inline kc_vec3 kc_v3_add(kc_vec3 a, kc_vec3 b) { return kc_v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static inline kc_vec3 kc_v3_sub(kc_vec3 a, kc_vec3 b) { return kc_v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static inline kc_vec3 kc_v3_scale(kc_vec3 a, double s) { return kc_v3(a.x * s, a.y * s, a.z * s); }
static inline double kc_v3_dot(kc_vec3 a, kc_vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline kc_vec3 kc_v3_cross(kc_vec3 a, kc_vec3 b)
{
    return kc_v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
double kc_v3_norm(kc_vec3 a);
/* a/|a|; a zero vector stays zero. */
kc_vec3 kc_v3_unit(kc_vec3 a);
/* a + s·b */
static inline kc_vec3 kc_v3_axpy(kc_vec3 a, double s, kc_vec3 b) { return kc_v3(a.x + s * b.x, a.y + s * b.y, a.z + s * b.z); }

kc_mat3 kc_m3_identity(void);
kc_mat3 kc_m3_mul(kc_mat3 a, kc_mat3 b);
kc_mat3 kc_m3_transpose(kc_mat3 a);
kc_vec3 kc_m3_apply(kc_mat3 a, kc_vec3 v);
/* The matrix whose columns are x, y, z. */
kc_mat3 kc_m3_from_cols(kc_vec3 x, kc_vec3 y, kc_vec3 z);
/* Column j (0, 1 or 2; any other j gives NaNs). */
kc_vec3 kc_m3_col(kc_mat3 a, int j);

/* Elementary rotations by angle (radians) about X, Y, Z (right-hand rule). */
kc_mat3 kc_m3_rotx(double a);
kc_mat3 kc_m3_roty(double a);
kc_mat3 kc_m3_rotz(double a);
/* Rodrigues vector (axis·angle, radians) to matrix and back. to_rodrigues returns an angle
 * |r| in [0, pi] (at exactly pi, r and -r are the same rotation); accurate at every angle. */
kc_mat3 kc_m3_from_rodrigues(kc_vec3 r);
kc_vec3 kc_m3_to_rodrigues(kc_mat3 R);

/* Mobile (intrinsic) YXZ Cardan decomposition R = Ry(a)·Rx(b)·Rz(c), radians;
 * a, c in [-pi, pi], b in [-pi/2, pi/2]. This is the Plug-in Gait / Grood–Suntay sequence.
 * At gimbal lock (cos b < 1e-10) only a - c (b = +90°) or a + c (b = -90°) is defined:
 * then c = 0 and a carries the whole angle. Any of a, b, c may be NULL. */
void kc_cardan_yxz(kc_mat3 R, double *a, double *b, double *c);
/* Its inverse. */
kc_mat3 kc_cardan_yxz_matrix(double a, double b, double c);

/* Wrap an angle in degrees to (-180, 180]. */
double kc_wrap_deg(double a);

#define KC_PI 3.14159265358979323846
#define KC_DEG (KC_PI / 180.0)

#endif
