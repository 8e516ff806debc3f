/* Kinematics from markerless keypoints (see kpkin.h for every definition). */
#include "kinechain/kpkin.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

#include "kinechain/atomic.h"
#include "kinechain/events.h"
#include "kinechain/keypoints.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/metrics.h"
#include "kinechain/normalize.h"
#include "kinechain/obsfile.h"
#include "kinechain/pigmodel.h"
#include "kinechain/trajfile.h"

static const char *const role_names[KC_KPK_N] = {"LHip",  "RHip",  "LKnee", "RKnee",
                                                  "LAnkle", "RAnkle", "LHeel", "RHeel",
                                                  "LToe",  "RToe",  "TrunkTop"};

const char *const kc_kpkin_metrics[] = {
    /* kc_metrics_dvj */
    "knee_flexion_at_ic_deg", "peak_knee_flexion_deg", "knee_flexion_range_deg",
    "contact_time_s", "fppa_3d_at_pkf_deg", "medial_knee_displacement_mm",
    "pelvic_obliquity_at_pkf_deg", "trunk_lateral_lean_at_pkf_deg",
    "knee_separation_ratio_at_peak_flexion", "ankle_separation_ratio_at_peak_flexion",
    "flight_time_s",
    /* kc_metrics_dvj_video */
    "fppa_video_at_pkf_deg", "fppa_video_sensitivity_deg_per_cm",
    "knee_separation_ratio_video", "ankle_separation_ratio_video",
    "knee_to_ankle_separation_ratio_video",
    /* kc_metrics_sls */
    "peak_contralateral_pelvic_drop_deg", NULL};

#define ANGLES_ABSENT                                                                        \
    "no Plug-in Gait angles: a keypoint set has no pelvis, thigh or shank markers to build "  \
    "Plug-in Gait's segment frames, so there is no knee ab/adduction (valgus angle) or "      \
    "rotation, and no hip, ankle, pelvis or foot angles; the metrics that hip, knee, ankle, " \
    "foot and trunk keypoints support are computed instead (kpkin.h)"

/* ---- marker sets ------------------------------------------------------------------------ */

static void set_role(kc_kpkin_set *s, int role, const char *a, const char *b)
{
    snprintf(s->kp[role][0], sizeof s->kp[role][0], "%s", a ? a : "");
    snprintf(s->kp[role][1], sizeof s->kp[role][1], "%s", b ? b : "");
}

static void set_clear(kc_kpkin_set *s)
{
    memset(s, 0, sizeof *s);
    for (int r = 0; r < KC_KPK_N; r++)
        s->col[r][0] = s->col[r][1] = -1;
}

/* the built-in sets: keypoint names of keypoints.h's layouts */
static void set_builtin(kc_kp_layout l, kc_kpkin_set *s)
{
    static const char *const lname[3] = {"body25", "body25b", "coco"};
    set_clear(s);
    snprintf(s->name, sizeof s->name, "%s", lname[l]);
    snprintf(s->source, sizeof s->source, "keypoints:%s", lname[l]);
    set_role(s, KC_KPK_HIP, "LHip", NULL);
    set_role(s, KC_KPK_HIP + 1, "RHip", NULL);
    set_role(s, KC_KPK_KNEE, "LKnee", NULL);
    set_role(s, KC_KPK_KNEE + 1, "RKnee", NULL);
    set_role(s, KC_KPK_ANKLE, "LAnkle", NULL);
    set_role(s, KC_KPK_ANKLE + 1, "RAnkle", NULL);
    if (l != KC_KP_COCO) {
        set_role(s, KC_KPK_HEEL, "LHeel", NULL);
        set_role(s, KC_KPK_HEEL + 1, "RHeel", NULL);
        set_role(s, KC_KPK_TOE, "LBigToe", NULL);
        set_role(s, KC_KPK_TOE + 1, "RBigToe", NULL);
    }
    /* BODY_25B has no Neck (its UpperNeck sits higher): the midpoint of the shoulders */
    if (l == KC_KP_BODY25B)
        set_role(s, KC_KPK_TOP, "LShoulder", "RShoulder");
    else
        set_role(s, KC_KPK_TOP, "Neck", NULL);
}

static char *trim(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
        p[--n] = '\0';
    return p;
}

static int set_read(const char *path, kc_kpkin_set *s)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        KC_ERROR("--markerset \"%s\" is not body25, body25b, coco or a readable marker-set "
                 "file", path);
        return KC_EIO;
    }
    set_clear(s);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(s->name, sizeof s->name, "%s", base);
    snprintf(s->source, sizeof s->source, "keypoints:file:%s", base);
    char line[512];
    int lineno = 0, st = KC_OK, seen[KC_KPK_N] = {0};
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = trim(line);
        if (!*p)
            continue;
        char *eq = strchr(p, '=');
        int role = -1;
        if (eq) {
            *eq = '\0';
            char *r = trim(p);
            for (int i = 0; i < KC_KPK_N; i++)
                if (strcmp(r, role_names[i]) == 0)
                    role = i;
        }
        char *v = eq ? trim(eq + 1) : NULL, *plus = v ? strchr(v, '+') : NULL, *b = NULL;
        if (plus) {
            *plus = '\0';
            b = trim(plus + 1);
            v = trim(v);
        }
        if (role < 0 || seen[role] || !v || !*v || (plus && (role != KC_KPK_TOP || !*b)) ||
            strlen(v) >= sizeof s->kp[0][0] || (b && strlen(b) >= sizeof s->kp[0][0])) {
            KC_ERROR("marker set \"%s\" line %d: expected ROLE = KEYPOINT (ROLE one of LHip "
                     "RHip LKnee RKnee LAnkle RAnkle LHeel RHeel LToe RToe TrunkTop, each once; "
                     "TrunkTop may be A + B)", path, lineno);
            st = KC_EFORMAT;
            break;
        }
        seen[role] = 1;
        set_role(s, role, v, b);
    }
    if (!st && ferror(fp)) {
        KC_ERROR("cannot read marker set \"%s\"", path);
        st = KC_EIO;
    }
    fclose(fp);
    for (int r = 0; r < KC_KPK_HEEL && !st; r++)
        if (!seen[r]) {
            KC_ERROR("marker set \"%s\" has no %s (LHip RHip LKnee RKnee LAnkle RAnkle are "
                     "required)", path, role_names[r]);
            st = KC_EFORMAT;
        }
    return st;
}

int kc_kpkin_set_get(const char *spec, kc_kpkin_set *out)
{
    kc_kp_layout l;
    if (!spec)
        return KC_EINVAL;
    if (kc_kp_layout_parse(spec, &l) == KC_OK) {
        set_builtin(l, out);
        return KC_OK;
    }
    return set_read(spec, out);
}

int kc_kpkin_resolve(kc_kpkin_set *s, char *const *labels, size_t M, const char *what)
{
    char miss[1024] = "";
    int n = 0;
    for (int r = 0; r < KC_KPK_N; r++)
        for (int j = 0; j < 2; j++) {
            s->col[r][j] = -1;
            if (!s->kp[r][j][0])
                continue;
            for (size_t m = 0; m < M; m++)
                if (labels[m] && strcmp(labels[m], s->kp[r][j]) == 0) {
                    s->col[r][j] = (int)m;
                    break;
                }
            if (s->col[r][j] < 0) {
                size_t l = strlen(miss);
                snprintf(miss + l, sizeof miss - l, "%s%s", n ? ", " : "", s->kp[r][j]);
                n++;
            }
        }
    if (n) {
        KC_ERROR("\"%s\" lacks keypoint%s %s of marker set %s", what, n > 1 ? "s" : "", miss,
                 s->name);
        return KC_EMISSING;
    }
    return KC_OK;
}

int kc_kpkin_layout_from_labels(char *const *labels, size_t M, char *buf, size_t n)
{
    static const char *const lname[3] = {"body25", "body25b", "coco"};
    for (int l = 0; l < 3; l++) {
        size_t K;
        const char *const *names = kc_kp_layout_names((kc_kp_layout)l, &K);
        if (!names || K != M)
            continue;
        size_t m = 0;
        while (m < M && labels[m] && strcmp(labels[m], names[m]) == 0)
            m++;
        if (m == M) {
            snprintf(buf, n, "%s", lname[l]);
            return KC_OK;
        }
    }
    return KC_EMISSING;
}

int kc_kpkin_file_layout(kc_h5 *h, char *buf, size_t n)
{
    if (kc_h5_attr_exists(h, "/", "keypoint_layout")) {
        char *v = NULL;
        kc_kp_layout l;
        int st = kc_h5_attr_get_str(h, "/", "keypoint_layout", &v);
        if (st)
            return st;
        if (kc_kp_layout_parse(v, &l) != KC_OK) {
            KC_ERROR("\"%s\": keypoint_layout \"%s\" is not body25, body25b or coco",
                     kc_h5_path(h), v);
            free(v);
            return KC_EINVAL;
        }
        snprintf(buf, n, "%s", v);
        free(v);
        return KC_OK;
    }
    if (!kc_h5_exists(h, "/labels"))
        return KC_EMISSING;
    size_t M = 0;
    char **labels = NULL;
    int st = kc_h5_read_strings(h, "/labels", &M, &labels);
    if (st)
        return st;
    st = kc_kpkin_layout_from_labels(labels, M, buf, n);
    kc_strv_free(labels, M);
    return st;
}

/* ---- per-frame quantities --------------------------------------------------------------- */

static kc_vec3 kp_at(const double *pos, size_t M, size_t f, int col)
{
    if (col < 0)
        return kc_v3(NAN, NAN, NAN);
    const double *p = pos + (f * M + (size_t)col) * 3;
    return kc_v3(p[0], p[1], p[2]);
}

/* a role's position: its keypoint, or the midpoint of its two */
static kc_vec3 role_at(const kc_kpkin_set *s, const double *pos, size_t M, size_t f, int r)
{
    kc_vec3 a = kp_at(pos, M, f, s->col[r][0]);
    if (s->col[r][1] < 0)
        return a;
    return kc_v3_scale(kc_v3_add(a, kp_at(pos, M, f, s->col[r][1])), 0.5);
}

int kc_kpkin_compute(const kc_kpkin_set *s, const double *pos, size_t F, size_t M,
                     const char *what, double *centres, double *angles, kc_mat3 *prog)
{
    for (size_t i = 0; i < KC_PIG_N_ANGLES * F * 3; i++)
        angles[i] = NAN;
    /* facing frame: mean horizontal LHip - RHip over the trial */
    double sx = 0, sy = 0;
    size_t n = 0;
    for (size_t f = 0; f < F; f++) {
        kc_vec3 d = kc_v3_sub(role_at(s, pos, M, f, KC_KPK_HIP),
                              role_at(s, pos, M, f, KC_KPK_HIP + 1));
        if (isfinite(d.x) && isfinite(d.y)) {
            sx += d.x;
            sy += d.y;
            n++;
        }
    }
    /* 1 mm of mean horizontal hip width: anything less is no facing direction */
    if (n == 0 || hypot(sx, sy) / (double)n < 1.0) {
        KC_ERROR("\"%s\": no facing direction (%s): the hip keypoints %s and %s are never both "
                 "present, or lie one above the other", what,
                 n ? "hips vertical" : "no frame with both hips", s->kp[KC_KPK_HIP][0],
                 s->kp[KC_KPK_HIP + 1][0]);
        return KC_ENUMERIC;
    }
    kc_vec3 Y = kc_v3_unit(kc_v3(sx, sy, 0)), Z = kc_v3(0, 0, 1), X = kc_v3_cross(Y, Z);
    *prog = kc_m3_from_cols(X, Y, Z);
#define ANG(c, f, k) angles[(((size_t)(c)) * F + (f)) * 3 + (k)]
    for (size_t f = 0; f < F; f++) {
        kc_vec3 H[2], K[2], A[2];
        for (int side = 0; side < 2; side++) {
            H[side] = role_at(s, pos, M, f, KC_KPK_HIP + side);
            K[side] = role_at(s, pos, M, f, KC_KPK_KNEE + side);
            A[side] = role_at(s, pos, M, f, KC_KPK_ANKLE + side);
            const kc_vec3 c3[3] = {H[side], K[side], A[side]};
            for (int j = 0; j < 3; j++) {
                double *c = centres + ((size_t)(2 * j + side) * F + f) * 3;
                c[0] = c3[j].x;
                c[1] = c3[j].y;
                c[2] = c3[j].z;
            }
            /* knee flexion: 180 deg minus the interior angle hip-knee-ankle */
            kc_vec3 u = kc_v3_sub(H[side], K[side]), v = kc_v3_sub(A[side], K[side]);
            double inner = atan2(kc_v3_norm(kc_v3_cross(u, v)), kc_v3_dot(u, v)) / KC_DEG;
            ANG(2 * KC_PIG_KNEE + side, f, 0) = 180.0 - inner;
        }
        /* pelvic obliquity: the hip line in the frontal plane, left side up positive */
        kc_vec3 d = kc_v3_sub(H[0], H[1]);
        double obl = atan2(kc_v3_dot(d, Z), kc_v3_dot(d, Y)) / KC_DEG;
        ANG(2 * KC_PIG_PELVIS, f, 1) = obl;
        ANG(2 * KC_PIG_PELVIS + 1, f, 1) = -obl;
        /* trunk lean toward the left: mid-hip -> trunk top from the vertical, frontal plane;
         * metrics.h reports -(thorax Y), so thorax Y = -(lean toward that side) */
        if (s->col[KC_KPK_TOP][0] >= 0) {
            kc_vec3 mid = kc_v3_scale(kc_v3_add(H[0], H[1]), 0.5);
            kc_vec3 t = kc_v3_sub(role_at(s, pos, M, f, KC_KPK_TOP), mid);
            double lean = atan2(kc_v3_dot(t, Y), kc_v3_dot(t, Z)) / KC_DEG;
            ANG(2 * KC_PIG_THORAX, f, 1) = -lean;
            ANG(2 * KC_PIG_THORAX + 1, f, 1) = lean;
        }
    }
#undef ANG
    return KC_OK;
}

/* ---- the kc-ik mode ---------------------------------------------------------------------- */

static int is_supported(const char *name)
{
    for (int i = 0; kc_kpkin_metrics[i]; i++)
        if (strcmp(name, kc_kpkin_metrics[i]) == 0)
            return 1;
    return 0;
}

/* Copy the supported rows of src into dst (the kinematics metrics columns plus source),
 * with the windows of the two FPPA rows saying which landmarks the keypoints gave. */
static int keep_supported(const kc_table *src, kc_table *dst, const char *source)
{
    static const char *const cols[7] = {"name", "side", "value", "unit", "frame", "time_s",
                                        "window"};
    int cs[7], cd[8], st = KC_OK;
    for (int i = 0; i < 7; i++) {
        cs[i] = kc_table_find(src, cols[i]);
        cd[i] = kc_table_find(dst, cols[i]);
    }
    cd[7] = kc_table_find(dst, "source");
    for (size_t r = 0; r < kc_table_nrows(src) && !st; r++) {
        const char *name = kc_table_get_str(src, r, cs[0]);
        if (!is_supported(name))
            continue;
        long i = kc_table_add_row(dst);
        if (i < 0)
            return (int)i;
        size_t d = (size_t)i;
        const char *w = kc_table_get_str(src, r, cs[6]);
        if (strcmp(name, "fppa_3d_at_pkf_deg") == 0)
            w = "peak_knee_flexion; hip-knee-ankle keypoints projected on the facing frame's "
                "frontal plane";
        else if (strcmp(name, "fppa_video_at_pkf_deg") == 0)
            w = "peak_knee_flexion; 2D image of a frontal camera 3 m in front at knee height: "
                "hip, knee and ankle keypoints";
        st = kc_table_set_str(dst, d, cd[0], name);
        if (!st) st = kc_table_set_str(dst, d, cd[1], kc_table_get_str(src, r, cs[1]));
        if (!st) st = kc_table_set_f64(dst, d, cd[2], kc_table_get_f64(src, r, cs[2]));
        if (!st) st = kc_table_set_str(dst, d, cd[3], kc_table_get_str(src, r, cs[3]));
        if (!st) st = kc_table_set_i64(dst, d, cd[4], kc_table_get_i64(src, r, cs[4]));
        if (!st) st = kc_table_set_f64(dst, d, cd[5], kc_table_get_f64(src, r, cs[5]));
        if (!st) st = kc_table_set_str(dst, d, cd[6], w);
        if (!st) st = kc_table_set_str(dst, d, cd[7], source);
    }
    return st;
}

static kc_table *metrics_alloc(void)
{
    static const char *const names[8] = {"name", "side", "value", "unit", "frame", "time_s",
                                         "window", "source"};
    static const enum kc_col_type types[8] = {KC_COL_STR, KC_COL_STR, KC_COL_F64, KC_COL_STR,
                                              KC_COL_I64, KC_COL_F64, KC_COL_STR, KC_COL_STR};
    return kc_table_alloc(8, names, types);
}

/* a string attribute on an object of an open HDF5 file */
static int put_str(hid_t f, const char *obj, const char *name, const char *v)
{
    hid_t sp = H5Screate(H5S_SCALAR), ts = H5Tcopy(H5T_C_S1), a = -1;
    int ok = 0;
    if (sp >= 0 && ts >= 0 && H5Tset_size(ts, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(ts, H5T_CSET_UTF8) >= 0 &&
        (a = H5Acreate_by_name(f, obj, name, ts, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        ok = H5Awrite(a, ts, &v) >= 0;
    if (a >= 0)
        H5Aclose(a);
    if (ts >= 0)
        H5Tclose(ts);
    if (sp >= 0)
        H5Sclose(sp);
    return ok ? KC_OK : KC_EIO;
}

/* The keypoint flags added to a kinematics file already written at path (before it is
 * moved into place): root attributes angles_absent_reason and kinematics_source, attribute
 * source on /metrics and on every /joint_centres, /series and /normalized dataset. */
static int annotate(const char *path, const kc_kin *k, const char *source)
{
    int st = KC_EIO;
    char p[512];
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
    if (fapl < 0)
        goto done;
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
#if H5_VERSION_GE(1, 10, 7)
    H5Pset_file_locking(fapl, 1, 1);
#endif
    if ((f = H5Fopen(path, H5F_ACC_RDWR, fapl)) < 0)
        goto done;
    if (put_str(f, "/", "angles_absent_reason", ANGLES_ABSENT) ||
        put_str(f, "/", "kinematics_source", source) ||
        (k->metrics && put_str(f, "/metrics", "source", source)))
        goto done;
    for (size_t i = 0; i < k->n_centres; i++) {
        snprintf(p, sizeof p, "/joint_centres/%s", k->centres[i].name);
        if (put_str(f, p, "source", source))
            goto done;
    }
    for (size_t i = 0; i < k->n_series; i++) {
        snprintf(p, sizeof p, "/series/%s", k->series[i].name);
        if (put_str(f, p, "source", source))
            goto done;
    }
    for (size_t i = 0; i < k->n_phases; i++)
        for (size_t c = 0; c < k->phases[i].n_channels; c++) {
            snprintf(p, sizeof p, "/normalized/%s/%s", k->phases[i].name,
                     k->phases[i].channels[c].name);
            if (put_str(f, p, "source", source))
                goto done;
        }
    st = KC_OK;
done:
    if (f >= 0 && H5Fclose(f) < 0)
        st = KC_EIO;
    if (fapl >= 0)
        H5Pclose(fapl);
    if (st)
        KC_ERROR("cannot add the keypoint attributes to \"%s\"", path);
    return st;
}

/* ---- the layout recorded in trajectories --------------------------------------------------- */

/* the root attribute keypoint_layout on a file written at stage, then stage moved to path */
static int tag_commit(const char *stage, const char *path, const char *layout)
{
    int st = KC_EIO;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
    if (fapl >= 0) {
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
#if H5_VERSION_GE(1, 10, 7)
        H5Pset_file_locking(fapl, 1, 1);
#endif
        if ((f = H5Fopen(stage, H5F_ACC_RDWR, fapl)) >= 0)
            st = put_str(f, "/", "keypoint_layout", layout);
        if (f >= 0 && H5Fclose(f) < 0)
            st = KC_EIO;
        H5Pclose(fapl);
    }
    if (st) {
        KC_ERROR("cannot record the keypoint layout in \"%s\"", path);
        remove(stage);
        return st;
    }
    return kc_atomic_commit(stage, path);
}

int kc_kpkin_traj_write(const char *path, const kc_traj *t, const kc_provenance *prov)
{
    char layout[32];
    if (kc_kpkin_layout_from_labels(t->labels, t->n_markers, layout, sizeof layout) != KC_OK)
        return kc_traj_write(path, t, prov);
    kc_atomic_sweep(path);
    char *stage = kc_atomic_tmpname(path);
    if (!stage)
        return KC_ENOMEM;
    int st = kc_traj_write(stage, t, prov);
    if (!st)
        st = tag_commit(stage, path, layout);
    free(stage);
    return st;
}

int kc_kpkin_obs_write(const char *path, const kc_obs *o, const kc_provenance *prov)
{
    char layout[32];
    if (kc_kpkin_layout_from_labels(o->labels, o->n_markers, layout, sizeof layout) != KC_OK)
        return kc_obs_write(path, o, prov);
    kc_atomic_sweep(path);
    char *stage = kc_atomic_tmpname(path);
    if (!stage)
        return KC_ENOMEM;
    int st = kc_obs_write(stage, o, prov);
    if (!st)
        st = tag_commit(stage, path, layout);
    free(stage);
    return st;
}

/* a per-frame component of one angle channel as a series */
static int add_component(kc_kin *k, const double *angles, size_t F, int ch, int comp,
                         double sign, const char *name, const char *plane, double *buf)
{
    for (size_t f = 0; f < F; f++)
        buf[f] = sign * angles[((size_t)ch * F + f) * 3 + (size_t)comp];
    return kc_kin_add_series(k, name, "deg", plane, buf);
}

/* the feet of side s: heel and toe columns (the ankle for both when the set has no feet) */
static void foot_cols(const kc_kpkin_set *s, int side, int *hee, int *toe)
{
    *hee = s->col[KC_KPK_HEEL + side][0];
    *toe = s->col[KC_KPK_TOE + side][0];
    if (*hee < 0)
        *hee = *toe;
    if (*toe < 0)
        *toe = *hee;
    if (*hee < 0)
        *hee = *toe = s->col[KC_KPK_ANKLE + side][0];
}

/* ovr: event overrides (kc_events_read_overrides), NULL for none */
static int dvj(const kc_traj *t, const kc_kpkin_set *s, const double *angles,
               const double *centres, kc_mat3 prog, const double (*ovr)[4], const char *path,
               kc_kin *k, kc_table *tmp, int *feet_from_ankle)
{
    size_t F = t->n_frames, M = t->n_markers;
    kc_events_params ep = kc_events_default_params();
    kc_dvj_events ev[2];
    double *h = malloc(F * sizeof *h), *foot = malloc(F * 2 * sizeof *foot);
    double *asis = malloc(F * 6 * sizeof *asis);
    int st = KC_ENOMEM;
    if (!h || !foot || !asis)
        goto done;
    for (int side = 0; side < 2; side++) {
        int hee, toe;
        foot_cols(s, side, &hee, &toe);
        *feet_from_ankle |= hee == s->col[KC_KPK_ANKLE + side][0];
        memset(&ev[side], 0, sizeof ev[side]);
        ev[side].ic_s = ev[side].to_s = ev[side].ic2_s = NAN;
        ev[side].plate = -1;
        ev[side].method = "none";
        kc_events_foot_midpoint(t->position, F, M, hee, toe, foot);
        int r = t->n_forceplates ? kc_events_dvj_force(&ep, t->forceplates, t->n_forceplates,
                                                       foot, F, t->rate_hz, &ev[side])
                                 : KC_EMISSING;
        if (r == KC_ENOMEM)
            goto done;
        if (r) {
            kc_events_foot_height(t->position, F, M, hee, toe,
                                  (size_t)floor(ep.max_gap_s * t->rate_hz + 1e-9), h);
            if (kc_events_dvj_kinematic(&ep, h, F, t->rate_hz, kc_events_floor_estimate(h, F),
                                        &ev[side]))
                KC_WARN("\"%s\": no %s initial contact found from the foot keypoints", path,
                        side ? "right" : "left");
        }
        if (ovr)
            kc_events_override_contacts(ovr[side], &ev[side]);
        kc_events_peak_flexion(angles + (size_t)(2 * KC_PIG_KNEE + side) * F * 3, F,
                               t->rate_hz, &ev[side]);
        if (ovr)
            kc_events_override_peak(ovr[side], t->rate_hz, F, &ev[side]);
    }
    /* the 2D protocols' proximal thigh is the ASIS-knee midpoint: with 2 hip - knee as the
     * "ASIS", the library's midpoint is the hip keypoint (kpkin.h) */
    for (int side = 0; side < 2; side++)
        for (size_t f = 0; f < F; f++)
            for (size_t x = 0; x < 3; x++)
                asis[((size_t)side * F + f) * 3 + x] =
                    2 * centres[((size_t)side * F + f) * 3 + x] -
                    centres[((size_t)(2 + side) * F + f) * 3 + x];
    const double *const as[2] = {asis, asis + F * 3};
    if ((st = kc_events_to_table(ev, t->rate_hz, F, k->events)) ||
        (ovr && (st = kc_events_mark_manual(k->events, ovr))) ||
        (st = kc_metrics_dvj(angles, centres, F, t->rate_hz, prog, ev, NULL, 0, tmp)) ||
        (st = kc_metrics_dvj_video(angles, centres, as, F, t->rate_hz, prog, ev, tmp)))
        goto done;
    /* time-normalised knee flexion (X; Y and Z NaN), each side by its own events */
    double norm[KC_NORM_POINTS * 3];
    for (int side = 0; side < 2 && !st; side++) {
        double t_pk = ev[side].pkf_ok ? (double)ev[side].pkf_frame / t->rate_hz : NAN;
        const double *x = angles + (size_t)(2 * KC_PIG_KNEE + side) * F * 3;
        for (int ph = 0; ph < 2 && !st; ph++) {
            double t1 = ph ? t_pk : ev[side].to_s;
            if (kc_normalize_curve(x, F, t->rate_hz, ev[side].ic_s, t1, KC_NORM_POINTS, norm))
                continue;
            int any = 0;
            for (size_t i = 0; i < KC_NORM_POINTS * 3; i++)
                any |= isfinite(norm[i]);
            if (any)
                st = kc_kin_add_normalized(k, ph ? "absorption" : "landing", "initial_contact",
                                           ph ? "peak_knee_flexion" : "take_off", "deg",
                                           side ? "RKneeFlexion" : "LKneeFlexion", norm);
        }
    }
    if (!st)
        st = kc_attrs_set_str(&k->model, "events_method", ev[0].method);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "events_height_threshold_mm", ep.height_threshold_mm);
    if (!st)
        st = kc_attrs_set_f64(&k->model, "events_takeoff_threshold_mm", ep.takeoff_threshold_mm);
done:
    free(h);
    free(foot);
    free(asis);
    return st;
}

static int sls(const kc_traj *t, const kc_kpkin_set *s, const double *angles, const char *path,
               kc_kin *k, kc_table *tmp, int *feet_from_ankle)
{
    size_t F = t->n_frames;
    int hee[2], toe[2];
    for (int side = 0; side < 2; side++) {
        foot_cols(s, side, &hee[side], &toe[side]);
        *feet_from_ankle |= hee[side] == s->col[KC_KPK_ANKLE + side][0];
    }
    int side = kc_events_sls_side(t->position, F, t->n_markers, hee, toe);
    double t_start = NAN, t_end = NAN;
    size_t deep = 0;
    int st = KC_OK;
    if (side < 0) {
        KC_WARN("\"%s\": no stance side found (no finite foot keypoints)", path);
    } else {
        int r = kc_events_sls(angles + (size_t)(2 * KC_PIG_KNEE + side) * F * 3, F, t->rate_hz,
                              &t_start, &deep, &t_end);
        if (r == KC_ENOMEM)
            return r;
        if (r)
            KC_WARN("\"%s\": the single-leg squat's start or end was not found", path);
        if ((st = kc_events_sls_to_table(side, t_start, deep, t_end, t->rate_hz, F, k->events)) ||
            (st = kc_metrics_sls(angles, F, t->rate_hz, side, t_start, deep, t_end, tmp)))
            return st;
    }
    st = kc_attrs_set_str(&k->model, "events_method",
                          "single-leg squat: stance = foot with the smaller height range; "
                          "start/end = stance knee flexion (hip-knee-ankle keypoints) crossing "
                          "baseline + 5 % of its excursion (events.h)");
    if (!st)
        st = kc_attrs_set_str(&k->model, "sls_stance_side", side < 0 ? "" : side ? "R" : "L");
    return st;
}

int kc_kpkin_run(const char *trial_path, const char *out_path, const char *spec,
                 const char *type, const char *events_path, const kc_provenance *prov)
{
    kc_traj *t = NULL;
    kc_kin *k = NULL;
    kc_table *tmp = NULL;
    double *angles = NULL, *centres = NULL, *buf = NULL;
    char *stage = NULL;
    char layout[32];
    kc_kpkin_set s;
    int st;
    if (!spec) {
        kc_h5 *h = NULL;
        if ((st = kc_h5_open(&h, trial_path, "trajectories")))
            return st;
        st = kc_kpkin_file_layout(h, layout, sizeof layout);
        kc_h5_close(h);
        if (st == KC_EMISSING)
            KC_ERROR("\"%s\" records no keypoint layout and its labels are not those of "
                     "body25, body25b or coco: give --markerset", trial_path);
        if (st)
            return st;
        KC_INFO("\"%s\": keypoint layout %s (from the file)", trial_path, layout);
        spec = layout;
    }
    if ((st = kc_kpkin_set_get(spec, &s)) || (st = kc_traj_read(trial_path, &t)))
        goto done;
    size_t F = t->n_frames, M = t->n_markers;
    if (F == 0) {
        st = KC_EINVAL;
        KC_ERROR("\"%s\" has no frames", trial_path);
        goto done;
    }
    if ((st = kc_kpkin_resolve(&s, t->labels, M, trial_path)))
        goto done;
    if (!type)
        type = (t->task && (!strcmp(t->task, "dvj") || !strcmp(t->task, "sls") ||
                            !strcmp(t->task, "static"))) ? t->task : "dvj";
    double ovr[2][4];   /* event overrides, read before any work (one message on bad input) */
    if (events_path) {
        int n_ovr = 0;
        if (strcmp(type, "dvj") != 0) {
            KC_ERROR("--events: only drop-jump events can be overridden (the trial type is %s)",
                     type);
            st = KC_EINVAL;
            goto done;
        }
        if ((st = kc_events_read_overrides(events_path, t->subject, t->trial, ovr, &n_ovr)))
            goto done;
        KC_INFO("%d event override%s from \"%s\"", n_ovr, n_ovr == 1 ? "" : "s", events_path);
    }
    st = KC_ENOMEM;
    angles = malloc(KC_PIG_N_ANGLES * F * 3 * sizeof *angles);
    centres = malloc(KC_PIG_N_CENTRES * F * 3 * sizeof *centres);
    buf = malloc(F * sizeof *buf);
    if (!angles || !centres || !buf || !(k = kc_kin_alloc()))
        goto done;
    kc_mat3 prog;
    if ((st = kc_kpkin_compute(&s, t->position, F, M, trial_path, centres, angles, &prog)))
        goto done;
    KC_WARN("\"%s\" (%s): %s", trial_path, s.source, ANGLES_ABSENT);

    k->rate_hz = t->rate_hz;
    k->n_frames = F;
    st = KC_ENOMEM;
    if (!(k->trial_type = strdup(type)) || !(k->subject = strdup(t->subject ? t->subject : "")) ||
        (t->trial && !(k->trial = strdup(t->trial))))
        goto done;
    for (int c = 0; c < KC_PIG_N_CENTRES; c++)
        if ((st = kc_kin_add_centre(k, kc_pig_centre_names[c], centres + (size_t)c * F * 3)))
            goto done;
    int has_top = s.col[KC_KPK_TOP][0] >= 0;
    for (int side = 0; side < 2; side++) {
        const char *sd = side ? "R" : "L";
        char n[64];
        snprintf(n, sizeof n, "%sKneeFlexion", sd);
        if ((st = add_component(k, angles, F, 2 * KC_PIG_KNEE + side, 0, 1, n, "3d", buf)))
            goto done;
        snprintf(n, sizeof n, "%sPelvicObliquity", sd);
        if ((st = add_component(k, angles, F, 2 * KC_PIG_PELVIS + side, 1, 1, n, "frontal", buf)))
            goto done;
        snprintf(n, sizeof n, "%sTrunkLateralLean", sd);
        if (has_top &&
            (st = add_component(k, angles, F, 2 * KC_PIG_THORAX + side, 1, -1, n, "frontal", buf)))
            goto done;
    }

    /* model: what was used and what is absent */
    st = kc_attrs_set_str(&k->model, "name", "keypoints");
    if (!st) st = kc_attrs_set_str(&k->model, "markerset", s.name);
    if (!st) st = kc_attrs_set_str(&k->model, "source", s.source);
    if (!st) st = kc_attrs_set_str(&k->model, "angles_absent_reason", ANGLES_ABSENT);
    for (int r = 0; r < KC_KPK_N && !st; r++) {
        char n[64], v[160];
        snprintf(n, sizeof n, "keypoint_%s", role_names[r]);
        if (s.kp[r][1][0])
            snprintf(v, sizeof v, "midpoint of %s and %s", s.kp[r][0], s.kp[r][1]);
        else
            snprintf(v, sizeof v, "%s", s.kp[r][0]);
        st = kc_attrs_set_str(&k->model, n, v);
    }
    if (!st) {
        double fx[3] = {kc_m3_col(prog, 0).x, kc_m3_col(prog, 0).y, kc_m3_col(prog, 0).z};
        st = kc_attrs_set_f64v(&k->model, "facing_x", 3, fx);
    }
    if (!st)
        st = kc_attrs_set_str(&k->model, "definitions",
                              "knee flexion = 180 deg - angle hip-knee-ankle; pelvic obliquity "
                              "= hip line above horizontal in the facing frame's frontal plane "
                              "(this side up +); trunk lateral lean = mid-hip -> trunk top from "
                              "vertical in that plane (toward this side +); facing frame: Y = "
                              "mean horizontal LHip-RHip, Z up, X = Y x Z (include/kinechain/"
                              "kpkin.h)");
    if (st)
        goto done;

    int feet_from_ankle = 0;
    if (strcmp(type, "static") != 0) {
        st = KC_ENOMEM;
        if (!(k->events = kc_kin_events_alloc()) || !(tmp = kc_kin_metrics_alloc()) ||
            !(k->metrics = metrics_alloc()))
            goto done;
        if (events_path && (st = kc_attrs_set_str(&k->model, "event_overrides", events_path)))
            goto done;
        st = strcmp(type, "sls") == 0
                 ? sls(t, &s, angles, trial_path, k, tmp, &feet_from_ankle)
                 : dvj(t, &s, angles, centres, prog, events_path ? (const double(*)[4])ovr : NULL,
                       trial_path, k, tmp, &feet_from_ankle);
        if (st || (st = keep_supported(tmp, k->metrics, s.source)))
            goto done;
        if (feet_from_ankle)
            KC_WARN("\"%s\": marker set %s has no heel or toe keypoints: events from the ankle "
                    "keypoints (contact = ankle height below its floor + 30 mm)", trial_path,
                    s.name);
        char fk[2][160];
        for (int side = 0; side < 2; side++) {
            int hee, toe;
            foot_cols(&s, side, &hee, &toe);
            snprintf(fk[side], sizeof fk[side], "%s=%s,%s", side ? "R" : "L", t->labels[hee],
                     t->labels[toe]);
        }
        char v[400];
        snprintf(v, sizeof v, "%s;%s%s", fk[0], fk[1],
                 feet_from_ankle ? " (no heel/toe keypoints: the ankle's height)" : "");
        if ((st = kc_attrs_set_str(&k->model, "events_foot_keypoints", v)))
            goto done;
        const char *miss =
            "knee valgus/abduction angle, hip adduction/rotation/flexion, ankle "
            "dorsiflexion, foot progression and pelvic drop toward the valgus side need "
            "Plug-in Gait angles: not computed from keypoints";
        if ((st = kc_attrs_set_str(&k->model, "metrics_not_computed", miss)))
            goto done;
    }

    kc_atomic_sweep(out_path);
    if (!(stage = kc_atomic_tmpname(out_path))) {
        st = KC_ENOMEM;
        goto done;
    }
    if ((st = kc_kin_write(stage, k, prov)))
        goto done;
    if ((st = annotate(stage, k, s.source))) {
        remove(stage);
        goto done;
    }
    /* /chain as for markers (metrics.h kc_chain_summarize): with joint centres only, the knee
     * by the video-comparable FPPA, pelvis/trunk by trunk lean (landing) or contralateral
     * pelvic drop (squat); hip and foot/ankle not assessed, and the text says so */
    if (k->metrics && (strcmp(type, "dvj") == 0 || strcmp(type, "sls") == 0)) {
        kc_chain ch[2];
        for (int side = 0; side < 2 && !st; side++)
            st = kc_chain_summarize(k->metrics, type, s.source, side, &ch[side]);
        if (st || (st = kc_chain_write(stage, ch))) {
            remove(stage);
            goto done;
        }
    }
    st = kc_atomic_commit(stage, out_path);
done:
    free(stage);
    free(angles);
    free(centres);
    free(buf);
    kc_table_free(tmp);
    kc_kin_free(k);
    kc_traj_free(t);
    return st;
}
