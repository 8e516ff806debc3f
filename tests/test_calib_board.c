/* kc-calib board on real ChArUco detections (ISSUE 6): ../shared/data/real/caliscope_charuco
 * (KC_REAL_DATA; exits 77 when absent). Intrinsics imported from the folder's
 * camera_array.toml (Caliscope's own post-optimisation calibration, also the reference);
 * kinechain re-estimates the 4 poses and every board pose from xy_CHARUCO.csv.
 *
 * Both calibrations are judged the same way, independently of either adjustment: every corner
 * seen by two or more cameras in a frame is triangulated (kc_tri_point, all cameras kept:
 * outlier gate 50 px) and reprojected, giving each camera's RMS reprojection error (Euclidean,
 * px, as SOURCE.md reports it); then all pairwise distances between the triangulated corners of
 * a frame are compared with the board's true distances (obj_loc, 54 mm grid).
 * The reference's own figure: Caliscope's triangulated corners (xyz_CHARUCO.csv) projected
 * through its calibration onto the detections (SOURCE.md: 1.25, 2.05, 1.79, 1.45 px).
 * Acceptance: per camera, kinechain's RMS (its calibration, triangulated as above) no worse
 * than the reference's own figure; and against Caliscope's calibration judged with the same
 * triangulation as ours within 1% (printed: it is 0.6% worse on camera 2, better on the rest);
 * |signed median| <= 0.5 mm, median |error| <= 0.65 mm, 95th percentile <= 2.5 mm.
 * Also: the camera centres agree with the reference's after a rigid alignment (printed; bound
 * 10 mm — the reference's extrinsics were optimised on these same detections).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "calib.h"
#include "calibio.h"
#include "kinechain/log.h"
#include "kinechain/table.h"
#include "kinechain/triangulate.h"
#include "testutil.h"

#ifndef KC_REAL_DATA
#define KC_REAL_DATA "../shared/data/real"
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct judged {
    double cam_rms[8];
    long cam_n[8];
    double med_signed, med_abs, p95;
    size_t pairs, points;
} judged;

/* Triangulate and compare, as described at the top. cams[C] in the order of d's cameras. */
static int judge(const kc_board_data *d, const kc_camera *cams, judged *out)
{
    size_t C = d->C, F = d->F, n = d->n;
    memset(out, 0, sizeof *out);
    kc_tri_params tp = kc_tri_default_params();
    tp.outlier_px = 50;
    kc_tri_ws *ws = kc_tri_ws_alloc(C);
    /* per frame, per corner id: uv per camera (NaN none) */
    long maxk = 0;
    for (size_t i = 0; i < n; i++)
        maxk = d->corner[i] > maxk ? d->corner[i] : maxk;
    size_t K = (size_t)maxk + 1;
    double *uv = malloc(F * K * C * 2 * sizeof *uv), *P = malloc(F * K * 3 * sizeof *P);
    double *X = malloc(F * K * 3 * sizeof *X), *errs = malloc(F * K * K * sizeof *errs);
    double ss[8] = {0};
    if (!ws || !uv || !P || !X || !errs || C > 8)
        return -1;
    for (size_t q = 0; q < F * K * C * 2; q++)
        uv[q] = NAN;
    for (size_t i = 0; i < n; i++) {
        size_t f = (size_t)d->frame[i], k = (size_t)d->corner[i], c = (size_t)d->cam[i];
        uv[((f * K + k) * C + c) * 2] = d->uv[2 * i];
        uv[((f * K + k) * C + c) * 2 + 1] = d->uv[2 * i + 1];
        memcpy(P + (f * K + k) * 3, d->P + 3 * i, 3 * sizeof *P);
    }
    size_t ne = 0;
    for (size_t f = 0; f < F; f++) {
        for (size_t k = 0; k < K; k++) {
            double *x = X + (f * K + k) * 3;
            x[0] = x[1] = x[2] = NAN;
            const double *o = uv + (f * K + k) * C * 2;
            int seen = 0;
            for (size_t c = 0; c < C; c++)
                seen += isfinite(o[2 * c]);
            if (seen < 2)
                continue;
            uint8_t used[8];
            kc_tri_result r;
            if (kc_tri_point(&tp, ws, cams, C, o, 2, NULL, 0, used, &r) || !isfinite(r.X[0]))
                continue;
            memcpy(x, r.X, sizeof r.X);
            out->points++;
            for (size_t c = 0; c < C; c++) {
                double p[2];
                if (!isfinite(o[2 * c]) ||
                    !kc_camera_project(&cams[c], kc_v3(r.X[0], r.X[1], r.X[2]), p))
                    continue;
                ss[c] += (p[0] - o[2 * c]) * (p[0] - o[2 * c]) +
                         (p[1] - o[2 * c + 1]) * (p[1] - o[2 * c + 1]);
                out->cam_n[c]++;
            }
        }
        for (size_t a = 0; a < K; a++)
            for (size_t b = a + 1; b < K; b++) {
                const double *xa = X + (f * K + a) * 3, *xb = X + (f * K + b) * 3;
                if (!isfinite(xa[0]) || !isfinite(xb[0]))
                    continue;
                const double *pa = P + (f * K + a) * 3, *pb = P + (f * K + b) * 3;
                double dt = hypot(pa[0] - pb[0], pa[1] - pb[1]);
                double dm = sqrt((xa[0] - xb[0]) * (xa[0] - xb[0]) +
                                 (xa[1] - xb[1]) * (xa[1] - xb[1]) +
                                 (xa[2] - xb[2]) * (xa[2] - xb[2]));
                errs[ne++] = dm - dt;
            }
    }
    for (size_t c = 0; c < C; c++)
        out->cam_rms[c] = out->cam_n[c] ? sqrt(ss[c] / (double)out->cam_n[c]) : NAN;
    out->pairs = ne;
    qsort(errs, ne, sizeof *errs, cmp_double);
    out->med_signed = ne ? errs[ne / 2] : NAN;
    for (size_t q = 0; q < ne; q++)
        errs[q] = fabs(errs[q]);
    qsort(errs, ne, sizeof *errs, cmp_double);
    out->med_abs = ne ? errs[ne / 2] : NAN;
    out->p95 = ne ? errs[(size_t)floor(0.95 * (double)(ne - 1))] : NAN;
    kc_tri_ws_free(ws);
    free(uv);
    free(P);
    free(X);
    free(errs);
    return 0;
}

static void print_judged(const char *what, const kc_board_data *d, const judged *j)
{
    printf("%s: %zu corners triangulated, %zu pairs; distance error signed median %+.3f mm, "
           "median |e| %.3f mm, p95 %.3f mm\n", what, j->points, j->pairs, j->med_signed,
           j->med_abs, j->p95);
    for (size_t c = 0; c < d->C; c++)
        printf("  camera %s: reprojection RMS %.3f px (%ld observations)\n", d->cam_label[c],
               j->cam_rms[c], j->cam_n[c]);
}

/* Caliscope's own reprojection figure: its triangulated corners through its calibration. */
static int reference_rms(const char *xyz_path, const kc_board_data *d, const kc_camera *cams,
                         double *rms)
{
    kc_table *t = NULL;
    if (kc_table_read_csv(xyz_path, &t))
        return -1;
    int cs = kc_table_find(t, "sync_index"), ck = kc_table_find(t, "keypoint_id"),
        cx = kc_table_find(t, "x_coord"), cy = kc_table_find(t, "y_coord"),
        cz = kc_table_find(t, "z_coord");
    if (cs < 0 || ck < 0 || cx < 0 || cy < 0 || cz < 0) {
        kc_table_free(t);
        return -1;
    }
    double ss[8] = {0};
    long nn[8] = {0};
    size_t R = kc_table_nrows(t);
    for (size_t i = 0; i < d->n; i++) {
        long fv = d->frame_value[d->frame[i]];
        for (size_t r = 0; r < R; r++) {
            if (atol(kc_table_get_str(t, r, cs)) != fv ||
                atol(kc_table_get_str(t, r, ck)) != d->corner[i])
                continue;
            kc_vec3 X = kc_v3(1000 * atof(kc_table_get_str(t, r, cx)),
                              1000 * atof(kc_table_get_str(t, r, cy)),
                              1000 * atof(kc_table_get_str(t, r, cz)));
            double p[2];
            int c = d->cam[i];
            if (kc_camera_project(&cams[c], X, p)) {
                ss[c] += (p[0] - d->uv[2 * i]) * (p[0] - d->uv[2 * i]) +
                         (p[1] - d->uv[2 * i + 1]) * (p[1] - d->uv[2 * i + 1]);
                nn[c]++;
            }
            break;
        }
    }
    for (size_t c = 0; c < d->C; c++)
        rms[c] = nn[c] ? sqrt(ss[c] / (double)nn[c]) : NAN;
    kc_table_free(t);
    return 0;
}

/* A synthetic rig (no real data needed): 3 cameras with distortion, 1.2 m from the volume, see
 * a 9 x 6 corner board (60 mm squares) in 40 poses tilted up to 40 degrees and spread so that
 * the corners cover the images (as an intrinsic calibration must); detections with 0.2 px Gaussian-like
 * noise (a fixed LCG, sum of 4 uniforms). Without intrinsics (Zhang's method, then the joint
 * adjustment of K, k1, k2, p1, p2, k3 and poses) the truth must come back: fx, fy within 0.2%,
 * principal point within 1.5 px, camera centres within 2 mm of the truth after a rigid
 * alignment, RMS within 20% of the noise. */
static double noise(unsigned long *s)
{
    double a = 0;
    for (int k = 0; k < 4; k++) {
        *s = *s * 6364136223846793005UL + 1442695040888963407UL;
        a += (double)(*s >> 11) / 9007199254740992.0 - 0.5;
    }
    return a * sqrt(3.0);   /* unit variance */
}

static void test_synthetic(void)
{
    const size_t C = 3, F = 40, NX = 9, NY = 6;
    kc_camera truth[3];
    for (size_t c = 0; c < C; c++) {
        kc_camera *k = &truth[c];
        memset(k, 0, sizeof *k);
        snprintf(k->name, sizeof k->name, "cam_%zu", c);
        k->width = 1280, k->height = 720;
        k->fx = 900 + 60.0 * (double)c, k->fy = k->fx * 1.003;
        k->cx = 645 - 9.0 * (double)c, k->cy = 357 + 5.0 * (double)c;
        k->k1 = -0.12 + 0.05 * (double)c, k->k2 = 0.03, k->p1 = 0.0008, k->p2 = -0.0005;
        /* cameras on an arc 1.5 m from the origin, looking at it */
        double a = (-0.5 + 0.5 * (double)c);
        kc_vec3 centre = kc_v3(1200 * sin(a), -1200 * cos(a), 250);
        kc_vec3 z = kc_v3_unit(kc_v3_scale(centre, -1));
        kc_vec3 x = kc_v3_unit(kc_v3_cross(z, kc_v3(0, 0, 1)));
        kc_vec3 y = kc_v3_cross(z, x);
        kc_mat3 R = {{{x.x, x.y, x.z}, {y.x, y.y, y.z}, {z.x, z.y, z.z}}};
        k->R = R;
        k->t = kc_v3_scale(kc_m3_apply(R, centre), -1);
    }
    kc_board_data *d = calloc(1, sizeof *d);
    size_t cap = C * F * NX * NY;
    d->frame = malloc(cap * sizeof *d->frame);
    d->cam = malloc(cap * sizeof *d->cam);
    d->corner = malloc(cap * sizeof *d->corner);
    d->uv = malloc(2 * cap * sizeof *d->uv);
    d->P = malloc(3 * cap * sizeof *d->P);
    d->frame_value = malloc(F * sizeof *d->frame_value);
    d->cam_label = malloc(C * sizeof *d->cam_label);
    d->F = F, d->C = C;
    for (size_t c = 0; c < C; c++)
        snprintf(d->cam_label[c], sizeof d->cam_label[c], "%zu", c);
    unsigned long seed = 12345;
    for (size_t f = 0; f < F; f++) {
        d->frame_value[f] = (long)(100 + f);
        double ax = 0.7 * sin(0.9 * (double)f), ay = 0.6 * cos(1.3 * (double)f),
               az = 0.4 * (double)f;
        kc_mat3 Rb = kc_m3_mul(kc_m3_rotz(az), kc_m3_mul(kc_m3_rotx(ax), kc_m3_roty(ay)));
        kc_vec3 tb = kc_v3(330 * sin(0.5 * (double)f) - 240, 220 * cos(0.7 * (double)f) - 150,
                           120 * sin(0.3 * (double)f));
        for (size_t c = 0; c < C; c++)
            for (size_t k = 0; k < NX * NY; k++) {
                kc_vec3 P = kc_v3(60.0 * (double)(k % NX), 60.0 * (double)(k / NX), 0);
                kc_vec3 X = kc_v3_add(kc_m3_apply(Rb, P), tb);
                double uv[2];
                if (!kc_camera_project(&truth[c], X, uv) ||
                    !kc_camera_in_image(&truth[c], uv, 5))
                    continue;
                /* a board turned away from the camera is not detected */
                kc_vec3 nrm = kc_m3_apply(truth[c].R, kc_m3_col(Rb, 2));
                kc_vec3 Xc = kc_v3_add(kc_m3_apply(truth[c].R, X), truth[c].t);
                if (fabs(kc_v3_dot(nrm, kc_v3_unit(Xc))) < 0.3)
                    continue;
                size_t i = d->n++;
                d->frame[i] = (int)f, d->cam[i] = (int)c, d->corner[i] = (long)k;
                d->uv[2 * i] = uv[0] + 0.2 * noise(&seed);
                d->uv[2 * i + 1] = uv[1] + 0.2 * noise(&seed);
                d->P[3 * i] = P.x, d->P[3 * i + 1] = P.y, d->P[3 * i + 2] = 0;
            }
    }
    kc_camera cams[3];
    for (size_t c = 0; c < C; c++) {
        memset(&cams[c], 0, sizeof cams[c]);
        snprintf(cams[c].name, sizeof cams[c].name, "cam_%zu", c);
        cams[c].width = 1280, cams[c].height = 720;
    }
    kc_board_params bp = kc_board_default_params();
    uint8_t usable[3];
    double rms[3], *resid = malloc(2 * d->n * sizeof *resid);
    long nobs[3];
    kc_board_report rep = {0};
    rep.cam_rms_px = rms, rep.cam_n_obs = nobs, rep.resid = resid;
    CHECK("synthetic: kc_board_calibrate without intrinsics",
          kc_board_calibrate(&bp, d, cams, usable, &rep) == KC_OK);
    printf("synthetic board (%zu detections): RMS %.3f px per coordinate (noise 0.2)\n", d->n,
           rep.rms_px);
    kc_vec3 Pc[3], Qc[3];
    for (size_t c = 0; c < C; c++) {
        printf("  cam_%zu: fx %.2f (%.2f) fy %.2f (%.2f) cx %.2f (%.2f) cy %.2f (%.2f) k1 %.4f "
               "(%.4f)\n", c, cams[c].fx, truth[c].fx, cams[c].fy, truth[c].fy, cams[c].cx,
               truth[c].cx, cams[c].cy, truth[c].cy, cams[c].k1, truth[c].k1);
        CHECK("synthetic: every camera calibrated", usable[c]);
        CHECK_NEAR("synthetic fx, relative", cams[c].fx / truth[c].fx, 1, 0.002);
        CHECK_NEAR("synthetic fy, relative", cams[c].fy / truth[c].fy, 1, 0.002);
        CHECK_NEAR("synthetic cx, px", cams[c].cx, truth[c].cx, 1.5);
        CHECK_NEAR("synthetic cy, px", cams[c].cy, truth[c].cy, 1.5);
        Pc[c] = kc_camera_centre(&cams[c]);
        Qc[c] = kc_camera_centre(&truth[c]);
    }
    kc_mat3 A;
    kc_vec3 b;
    double fit = NAN;
    CHECK("synthetic: rigid alignment", kc_calib_rigid_fit(Pc, Qc, C, &A, &b, &fit) == KC_OK);
    printf("  camera centres after rigid alignment: RMS %.3f mm\n", fit);
    CHECK_NEAR("synthetic camera centres, mm", fit, 0, 2);
    CHECK_NEAR("synthetic RMS per coordinate vs the noise", rep.rms_px, 0.2, 0.04);
    free(resid);
    kc_board_free(d);
}

int main(void)
{
    kc_log_init("test_calib_board", KC_LOG_WARNING);
    test_synthetic();
    char csv[1024], toml[1024];
    snprintf(csv, sizeof csv, "%s/caliscope_charuco/xy_CHARUCO.csv", KC_REAL_DATA);
    snprintf(toml, sizeof toml, "%s/caliscope_charuco/camera_array.toml", KC_REAL_DATA);
    if (access(csv, R_OK) || access(toml, R_OK)) {
        printf("SKIP: %s absent\n", csv);
        return 77;
    }
    kc_calibio_params ip = kc_calibio_default_params();
    kc_calib *ref = NULL;
    kc_board_data *d = NULL;
    CHECK("import camera_array.toml", kc_calibio_import(toml, &ip, &ref) == KC_OK);
    CHECK("read xy_CHARUCO.csv (metres)", kc_board_read_csv(csv, 1000.0, &d) == KC_OK);
    if (!ref || !d)
        return kc_test_summary("test_calib_board");
    CHECK("2175 detections, 4 cameras", d->n == 2175 && d->C == 4);
    size_t C = d->C;
    kc_camera cams[8], refc[8];
    for (size_t c = 0; c < C && c < 8; c++) {
        char name[80];
        snprintf(name, sizeof name, "cam_%s", d->cam_label[c]);
        int k = kc_calib_find(ref, name);
        CHECK("camera of the CSV in camera_array.toml", k >= 0);
        if (k < 0)
            return kc_test_summary("test_calib_board");
        refc[c] = cams[c] = ref->cameras[k].cam;
    }
    /* the reference's own figure */
    char xyz[1024];
    double own[8];
    snprintf(xyz, sizeof xyz, "%s/caliscope_charuco/xyz_CHARUCO.csv", KC_REAL_DATA);
    CHECK("reference figure from xyz_CHARUCO.csv", reference_rms(xyz, d, refc, own) == 0);
    for (size_t c = 0; c < C; c++)
        printf("Caliscope's own reprojection RMS, camera %s: %.3f px\n", d->cam_label[c],
               own[c]);
    CHECK_NEAR("reference figure camera 0 as SOURCE.md reports, px", own[0], 1.25, 0.005);
    /* the reference, judged */
    judged jr, jk;
    CHECK("judge reference", judge(d, refc, &jr) == 0);
    print_judged("Caliscope's calibration", d, &jr);
    /* kinechain's, from the same detections and intrinsics */
    kc_board_params bp = kc_board_default_params();
    bp.fix_intrinsics = 1;
    uint8_t usable[8];
    double rms[8], *resid = malloc(2 * d->n * sizeof *resid);
    long nobs[8];
    kc_board_report rep = {0};
    rep.cam_rms_px = rms, rep.cam_n_obs = nobs, rep.resid = resid;
    CHECK("kc_board_calibrate", kc_board_calibrate(&bp, d, cams, usable, &rep) == KC_OK);
    printf("board adjustment: RMS %.3f px per coordinate, %zu board poses, %ld views, %d "
           "iterations\n", rep.rms_px, rep.n_frames, rep.n_views, rep.iterations);
    for (size_t c = 0; c < C; c++)
        CHECK("every camera calibrated", usable[c]);
    CHECK("judge kinechain", judge(d, cams, &jk) == 0);
    print_judged("kinechain's calibration", d, &jk);
    for (size_t c = 0; c < C; c++) {
        char what[200];
        snprintf(what, sizeof what, "camera %s reprojection RMS no worse than Caliscope's own "
                 "(%.3f px), px", d->cam_label[c], own[c]);
        CHECK_NEAR(what, jk.cam_rms[c], 0, own[c]);
        snprintf(what, sizeof what, "camera %s reprojection RMS within 1%% of Caliscope's "
                 "calibration triangulated the same way (%.3f px), px", d->cam_label[c],
                 jr.cam_rms[c]);
        CHECK_NEAR(what, jk.cam_rms[c], 0, jr.cam_rms[c] * 1.01);
    }
    CHECK_NEAR("|signed median| of distance errors, mm (ISSUE 6: 0.5)", jk.med_signed, 0, 0.5);
    CHECK_NEAR("median |distance error|, mm (ISSUE 6: 0.65)", jk.med_abs, 0, 0.65);
    CHECK_NEAR("95th percentile |distance error|, mm (ISSUE 6: 2.5)", jk.p95, 0, 2.5);
    CHECK("as many pairs as the reference, within 5%",
          (double)jk.pairs >= 0.95 * (double)jr.pairs);
    /* camera centres vs the reference, after a rigid alignment */
    kc_vec3 Pc[8], Qc[8];
    for (size_t c = 0; c < C; c++) {
        Pc[c] = kc_camera_centre(&cams[c]);
        Qc[c] = kc_camera_centre(&refc[c]);
    }
    kc_mat3 A;
    kc_vec3 b;
    double fit = NAN;
    CHECK("rigid alignment of centres", kc_calib_rigid_fit(Pc, Qc, C, &A, &b, &fit) == KC_OK);
    printf("camera centres vs Caliscope's after rigid alignment: RMS %.2f mm\n", fit);
    CHECK_NEAR("camera centres vs the reference, RMS mm", fit, 0, 10);
    /* residuals reported for every observation used, NaN for the others */
    size_t nres = 0;
    for (size_t i = 0; i < d->n; i++)
        nres += isfinite(resid[i * 2]);
    long nsum = 0;
    for (size_t c = 0; c < C; c++)
        nsum += nobs[c];
    CHECK("residuals for the observations used", (long)nres == nsum && nres > 2000);
    free(resid);
    kc_board_free(d);
    kc_calib_free(ref);
    return kc_test_summary("test_calib_board");
}
