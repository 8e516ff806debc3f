/* pig_reference — the Plug-in Gait model of docs/pig-model.md, re-implemented from that page
 * alone for test_pig_reference (an independent check of kc-synth's ground truth and of kc-ik).
 * Nothing here uses the kinechain library: its own vector code, its own Cardan decomposition.
 * Units: mm and degrees in the interface (angles in radians only where a name says so).
 */
#ifndef KC_TEST_PIG_REFERENCE_H
#define KC_TEST_PIG_REFERENCE_H

#include <math.h>
#include <stddef.h>

/* ---- small vector and matrix code (all of it here, none from the library) ---------------- */

#define PR_PI 3.14159265358979323846
static inline double rad(double d) { return d * PR_PI / 180.0; }
static inline double deg(double r) { return r * 180.0 / PR_PI; }

typedef struct vec {
    double x, y, z;
} vec;

/* m[row][col]; a segment frame's columns are its X, Y, Z axes in lab coordinates. */
typedef struct mat {
    double m[3][3];
} mat;

static inline vec v3(double x, double y, double z)
{
    vec r = {x, y, z};
    return r;
}
static inline vec vadd(vec a, vec b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static inline vec vsub(vec a, vec b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static inline vec vscale(vec a, double s) { return v3(a.x * s, a.y * s, a.z * s); }
static inline double vdot(vec a, vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline vec vcross(vec a, vec b)
{
    return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
static inline double vnorm(vec a) { return sqrt(vdot(a, a)); }
static inline vec vunit(vec a) { return vscale(a, 1.0 / vnorm(a)); }
static inline vec vmid(vec a, vec b) { return vscale(vadd(a, b), 0.5); }
static inline int vfinite(vec a) { return isfinite(a.x) && isfinite(a.y) && isfinite(a.z); }
static inline double vget(vec a, int k) { return k == 0 ? a.x : k == 1 ? a.y : a.z; }

static inline mat mcols(vec X, vec Y, vec Z)
{
    mat R = {{{X.x, Y.x, Z.x}, {X.y, Y.y, Z.y}, {X.z, Y.z, Z.z}}};
    return R;
}
static inline vec mcol(mat R, int j) { return v3(R.m[0][j], R.m[1][j], R.m[2][j]); }
static inline mat mmul(mat A, mat B)
{
    mat C;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            C.m[i][j] = A.m[i][0] * B.m[0][j] + A.m[i][1] * B.m[1][j] + A.m[i][2] * B.m[2][j];
    return C;
}
static inline mat mtrans(mat A)
{
    mat T;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            T.m[i][j] = A.m[j][i];
    return T;
}
static inline vec mapply(mat A, vec v)
{
    return v3(A.m[0][0] * v.x + A.m[0][1] * v.y + A.m[0][2] * v.z,
              A.m[1][0] * v.x + A.m[1][1] * v.y + A.m[1][2] * v.z,
              A.m[2][0] * v.x + A.m[2][1] * v.y + A.m[2][2] * v.z);
}
static inline mat mnan(void)
{
    vec n = v3(NAN, NAN, NAN);
    return mcols(n, n, n);
}

/* Elementary rotations of the document (angles in radians). */
static inline mat rotx(double a)
{
    double c = cos(a), s = sin(a);
    mat R = {{{1, 0, 0}, {0, c, -s}, {0, s, c}}};
    return R;
}
static inline mat roty(double a)
{
    double c = cos(a), s = sin(a);
    mat R = {{{c, 0, s}, {0, 1, 0}, {-s, 0, c}}};
    return R;
}
static inline mat rotz(double a)
{
    double c = cos(a), s = sin(a);
    mat R = {{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
    return R;
}
/* Ry(a)·Rx(b)·Rz(c), degrees. */
static inline mat ryxz_deg(const double abc[3])
{
    return mmul(roty(rad(abc[0])), mmul(rotx(rad(abc[1])), rotz(rad(abc[2]))));
}

/* R = Ry(a)·Rx(b)·Rz(c): b = asin(−R[1][2]), a = atan2(R[0][2], R[2][2]),
 * c = atan2(R[1][0], R[1][1]); radians. */
static inline void cardan_yxz(mat R, double *a, double *b, double *c)
{
    double s = -R.m[1][2];
    if (s > 1.0)
        s = 1.0;
    else if (s < -1.0)
        s = -1.0;
    *b = asin(s);
    *a = atan2(R.m[0][2], R.m[2][2]);
    *c = atan2(R.m[1][0], R.m[1][1]);
}

/* Degrees into (−180, 180]. */
static inline double wrap180(double d)
{
    if (!isfinite(d))
        return d;
    d = fmod(d, 360.0);
    if (d > 180.0)
        d -= 360.0;
    else if (d <= -180.0)
        d += 360.0;
    return d;
}

/* ---- the model --------------------------------------------------------------------------- */

enum { LEFT = 0, RIGHT = 1 };

/* Markers: four pelvis, four trunk, then six per side (L block, R block). */
enum { M_LASI, M_RASI, M_LPSI, M_RPSI, M_C7, M_T10, M_CLAV, M_STRN, M_SIDE0 };
enum { S_THI, S_KNE, S_TIB, S_ANK, S_HEE, S_TOE, S_N };
#define N_MK (M_SIDE0 + 2 * S_N)
static inline int mk_side(int side, int k) { return M_SIDE0 + side * S_N + k; }
extern const char *const pr_marker_names[N_MK];

/* Channels: angle index 2·kind + side ({L,R}Pelvis, {L,R}Hip, …), joint-centre index
 * N_ANG + 2·j + side ({L,R}HJC, {L,R}KJC, {L,R}AJC). */
enum { K_PELVIS, K_HIP, K_KNEE, K_ANKLE, K_FOOTPROG, K_THORAX, N_KIND };
#define N_ANG 12
#define N_JC 6
#define N_CH (N_ANG + N_JC)
extern const char pr_side_char[2];      /* 'L', 'R' */
extern const char pr_plane_char[3];     /* 'X', 'Y', 'Z' */
extern const char *const pr_kind_names[N_KIND];

/* Subject parameters (subjects.csv), per side [LEFT, RIGHT]. */
typedef struct subj {
    char id[64];
    double ll[2], kw[2], aw[2]; /* leg length, knee width, ankle width, mm */
    double ia;                  /* inter-ASIS, mm; 0 = from markers */
    double at[2];               /* ASIS–trochanter, mm; 0 = regression */
    double md;                  /* marker diameter, mm */
    double tau[2];              /* tibial torsion, deg */
    double sole[2];             /* sole delta, mm (foot flat) */
} subj;

/* How to compute. Everything but the defaults exists to show that the comparison can fail
 * (mutation) or to diagnose a failure. */
enum { MUT_NONE, MUT_KNEE_TORSIONED, MUT_HIP_Y_FLIP, MUT_ANKLE_UNTORSIONED };
typedef struct opts {
    int foot_flat;         /* the document's foot-flat option in the static */
    int tau_sign;          /* +1 as documented; −1 only as a diagnosis variant */
    int offsets_per_frame; /* per-frame static offsets averaged, instead of offsets of the mean */
    int no_offsets;        /* F = U (diagnosis) */
    int mutation;          /* MUT_*: deliberately wrong conventions */
} opts;
opts pr_default_opts(void);

/* Segment frames and joint centres of one frame (lab, mm). */
typedef struct pose {
    vec o_pel, sacr;
    mat pel;
    vec hjc[2], kjc[2], ajc[2];
    mat fem[2], tib[2], tibt[2], footu[2], footf[2];
    mat thx;
} pose;

/* chord(I, P, J, d): the point K in the plane I, P, J with |K − J| = d and
 * (I − K)·(J − K) = 0, on the side of line I–J opposite to P. */
vec pr_chord(vec I, vec P, vec J, double d);
/* Every frame up to the uncorrected foot U from one frame's markers mk[N_MK]. */
void pr_segments(const vec *mk, const subj *s, const opts *o, pose *p);
/* F = U·Ry(−β)·Rx(−α); radians. */
void pr_foot_corrected(pose *p, const double alpha[2], const double beta[2]);
/* Static offsets α, β (radians, per side) from a static trial mk[F·N_MK]. */
void pr_static_offsets(const vec *mk, size_t F, const subj *s, const opts *o, double alpha[2],
                       double beta[2]);
/* The document's output table: raw YXZ components (deg) → channel output, wrapped. */
void pr_channel_out(int kind, int side, double a, double b, double c, double out[3]);
/* "LKnee", "RAJC", … of a channel index. */
void pr_channel_name(int ch, char *buf, size_t n);
/* The trial's progression frame from mk[F·N_MK]; *branch 1 = LASI displacement, 2 = pelvis
 * facing. NaN axes when it cannot be formed. */
mat pr_progression(const vec *mk, size_t F, int *branch);
/* All channels of one frame: angles (deg) and joint centres (mm). */
void pr_compute_frame(const vec *mk, const subj *s, const double alpha[2], const double beta[2],
                      mat prog, const opts *o, double ang[N_ANG][3], double jc[N_JC][3]);

#endif
