/* kc-calib import/export (calib/calibio.h):
 *  - real files (KC_REAL_DATA; skipped parts print SKIP, and the program exits 77 when all
 *    real data are absent): Pose2Sim's Calib.qca.txt and its own conversion
 *    Calib_qualisys.toml give camera centres within 0.1 mm (ISSUE 6), the same rotations
 *    (1e-6 rad), K to 1e-6 px and image sizes; Caliscope's camera_array.toml reads with the
 *    numbers of the file (checked against values copied from it by hand);
 *  - round trips through TOML and YAML (m and mm) of a rig with non-trivial values:
 *    K, distortion, t to 1e-9 relative, R to 1e-12, names, image size, excluded left out;
 *  - malformed TOML/YAML/XML: an error status and exactly one logged error line, no output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibio.h"
#include "kinechain/log.h"
#include "testutil.h"

#ifndef KC_REAL_DATA
#define KC_REAL_DATA "../shared/data/real"
#endif

static int n_errors;
static char last_error[512];
static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)func, (void)data;
    if (level == KC_LOG_ERROR) {
        n_errors++;
        snprintf(last_error, sizeof last_error, "%s", msg);
    }
}

static double rot_angle_between(kc_mat3 A, kc_mat3 B)
{
    kc_vec3 r = kc_m3_to_rodrigues(kc_m3_mul(A, kc_m3_transpose(B)));
    return kc_v3_norm(r);
}

static int test_pose2sim(void)
{
    char qca[1024], toml[1024];
    snprintf(qca, sizeof qca, "%s/pose2sim_demo/calibration/Calib.qca.txt", KC_REAL_DATA);
    snprintf(toml, sizeof toml, "%s/pose2sim_demo/calibration/Calib_qualisys.toml", KC_REAL_DATA);
    if (access(qca, R_OK) || access(toml, R_OK)) {
        printf("SKIP pose2sim_demo: %s absent\n", qca);
        return 0;
    }
    kc_calibio_params p = kc_calibio_default_params();
    kc_calib *a = NULL, *b = NULL;
    CHECK("import Calib.qca.txt", kc_calibio_import(qca, &p, &a) == KC_OK);
    CHECK("import Calib_qualisys.toml", kc_calibio_import(toml, &p, &b) == KC_OK);
    if (!a || !b)
        goto done;
    CHECK("4 cameras each", a->n_cameras == 4 && b->n_cameras == 4);
    double worst_c = 0, worst_r = 0, worst_k = 0;
    for (size_t i = 0; i < a->n_cameras && i < b->n_cameras; i++) {
        const kc_camera *q = &a->cameras[i].cam;
        int j = kc_calib_find(b, q->name);
        CHECK("same camera names", j >= 0);
        if (j < 0)
            continue;
        const kc_camera *t = &b->cameras[j].cam;
        worst_c = fmax(worst_c, kc_v3_norm(kc_v3_sub(kc_camera_centre(q), kc_camera_centre(t))));
        worst_r = fmax(worst_r, rot_angle_between(q->R, t->R));
        worst_k = fmax(worst_k, fmax(fmax(fabs(q->fx - t->fx), fabs(q->fy - t->fy)),
                                     fmax(fabs(q->cx - t->cx), fabs(q->cy - t->cy))));
        CHECK("image size 1088 x 1920", q->width == 1088 && q->height == 1920 &&
                                            t->width == 1088 && t->height == 1920);
        /* Pose2Sim divided QTM's distortion by 64 too (the default): same numbers */
        CHECK_NEAR("k1 as Pose2Sim converts it", q->k1, t->k1, 1e-9);
        CHECK_NEAR("p2 as Pose2Sim converts it", q->p2, t->p2, 1e-9);
    }
    printf("qca vs Pose2Sim toml: centres %.3g mm, rotations %.3g rad, K %.3g px (worst)\n",
           worst_c, worst_r, worst_k);
    CHECK_NEAR("camera centres qca vs toml, mm (ISSUE 6: 0.1 mm)", worst_c, 0, 0.1);
    CHECK_NEAR("rotations qca vs toml, rad", worst_r, 0, 1e-6);
    CHECK_NEAR("K qca vs toml, px", worst_k, 0, 1e-6);
    /* an absolute anchor from the file itself: cam_01 centre (1460.23, -1909.16, 1896.51) */
    kc_vec3 c0 = kc_camera_centre(&a->cameras[0].cam);
    CHECK_NEAR("cam_01 centre x", c0.x, 1460.2323709212087, 1e-6);
    CHECK_NEAR("cam_01 centre z", c0.z, 1896.5058524092062, 1e-6);
    /* QTM's coefficients kept as they are */
    kc_calib *q1 = NULL;
    p.qca_dist_scale = 1;
    CHECK("import qca, QTM distortion", kc_calibio_import(qca, &p, &q1) == KC_OK);
    if (q1)
        CHECK_NEAR("k1 as QTM states it", q1->cameras[0].cam.k1, -0.046183, 1e-12);
    kc_calib_free(q1);
done:
    kc_calib_free(a);
    kc_calib_free(b);
    return 1;
}

static int test_caliscope(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/caliscope_charuco/camera_array.toml", KC_REAL_DATA);
    if (access(path, R_OK)) {
        printf("SKIP caliscope_charuco: %s absent\n", path);
        return 0;
    }
    kc_calibio_params p = kc_calibio_default_params();
    kc_calib *c = NULL;
    CHECK("import camera_array.toml", kc_calibio_import(path, &p, &c) == KC_OK);
    if (!c)
        return 1;
    CHECK("4 cameras", c->n_cameras == 4);
    int k = kc_calib_find(c, "cam_2");
    CHECK("camera cam_2", k == 2);
    if (k == 2) {
        const kc_camera *m = &c->cameras[2].cam;
        /* values copied from [cameras.2] */
        CHECK_NEAR("cam_2 fx", m->fx, 650.801908585405, 1e-9);
        CHECK_NEAR("cam_2 cy", m->cy, 392.19105369229516, 1e-9);
        CHECK_NEAR("cam_2 k3", m->k3, 0.12402327219756225, 1e-15);
        CHECK_NEAR("cam_2 t.x (m -> mm)", m->t.x, -238.47883889454596, 1e-9);
        CHECK_NEAR("cam_2 R[1][2]", m->R.m[1][2], -0.861439284397407, 1e-6);
        CHECK("cam_2 1280 x 720", m->width == 1280 && m->height == 720);
    }
    kc_calib_free(c);
    return 1;
}

static kc_calib *make_rig(void)
{
    kc_calib *c = kc_calib_alloc(3);
    if (!c)
        return NULL;
    static const char *names[3] = {"left-1", "Right_2", "top3"};
    for (int i = 0; i < 3; i++) {
        kc_camera *k = &c->cameras[i].cam;
        snprintf(k->name, sizeof k->name, "%s", names[i]);
        k->fx = 1234.5678 + 37.1 * i, k->fy = 1236.0123 + 29.3 * i;
        k->cx = 641.37 - 3.3 * i, k->cy = 359.91 + 2.7 * i;
        k->k1 = -0.123456789 + 0.01 * i, k->k2 = 0.0456789, k->p1 = 0.00123 * (i - 1);
        k->p2 = -0.000987, k->k3 = 0.00321 * i;
        k->R = kc_m3_from_rodrigues(kc_v3(0.3 + 0.7 * i, -1.1 + 0.4 * i, 2.2 - 0.9 * i));
        k->t = kc_v3(-123.456 + 400 * i, 789.012 - 100 * i, 3456.789 + 50 * i);
        k->width = 1280 + 640 * (i == 2);
        k->height = 720 + 360 * (i == 2);
    }
    c->cameras[1].excluded = true;
    c->rms_px = 0.2875;
    return c;
}

static void test_round_trip(const char *dir, const char *ext, double units_mm)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rig_%g.%s", dir, units_mm, ext);
    kc_calibio_params p = kc_calibio_default_params();
    p.units_mm = units_mm;
    kc_calib *c = make_rig(), *r = NULL;
    CHECK("make rig", c != NULL);
    if (!c)
        return;
    n_errors = 0;
    CHECK(path, kc_calibio_export(c, path, &p) == KC_OK && n_errors == 0);
    CHECK(path, kc_calibio_import(path, &p, &r) == KC_OK);
    if (r) {
        CHECK("excluded camera left out", r->n_cameras == 2 && kc_calib_find(r, "Right_2") < 0);
        for (size_t i = 0; i < c->n_cameras; i++) {
            if (c->cameras[i].excluded)
                continue;
            const kc_camera *a = &c->cameras[i].cam;
            int j = kc_calib_find(r, a->name);
            CHECK("camera name kept", j >= 0);
            if (j < 0)
                continue;
            const kc_camera *b = &r->cameras[j].cam;
            double pa[KC_CAM_NPARAM], pb[KC_CAM_NPARAM];
            kc_camera_to_params(a, pa);
            kc_camera_to_params(b, pb);
            for (int k = 0; k < 9; k++)
                CHECK_NEAR("intrinsic parameter round trip", pb[k], pa[k],
                           1e-12 * fmax(1, fabs(pa[k])));
            for (int k = 12; k < 15; k++)
                CHECK_NEAR("translation round trip, mm", pb[k], pa[k], 1e-9 * fabs(pa[k]));
            CHECK_NEAR("rotation round trip, rad", rot_angle_between(a->R, b->R), 0, 1e-12);
            CHECK("image size round trip", a->width == b->width && a->height == b->height);
        }
    }
    kc_calib_free(c);
    kc_calib_free(r);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

#define CAM_OK                                                                              \
    "name = \"a\"\nsize = [ 640.0, 480.0]\n"                                                \
    "matrix = [ [ 500.0, 0.0, 320.0], [ 0.0, 500.0, 240.0], [ 0.0, 0.0, 1.0]]\n"            \
    "distortions = [ -0.1, 0.01, 0.0, 0.0]\nrotation = [ 0.1, 0.2, 0.3]\n"                  \
    "translation = [ 0.1, 0.2, 3.0]\nfisheye = false\n"

#define YAML_HEAD "%YAML:1.0\n---\nnames:\n   - \"a\"\n"
#define YAML_K "K_a: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 500., 0., 320., 0., 500., 240., 0., 0., 1. ]\n"
#define YAML_D "dist_a: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n   data: [ -0.1, 0.01, 0., 0., 0. ]\n"
#define YAML_R "Rot_a: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 1., 0., 0., 0., 1., 0., 0., 0., 1. ]\n"
#define YAML_T "T_a: !!opencv-matrix\n   rows: 3\n   cols: 1\n   dt: d\n   data: [ 0.1, 0.2, 3. ]\n"
#define YAML_WH "W_a: 640\nH_a: 480\n"

#define QCA_HEAD "<?xml version='1.0' encoding='ASCII'?>\n<calibration><cameras>\n"
#define QCA_CAM(extra, transform)                                                            \
    "<camera active=\"1\" serial=\"c1\" viewrotation=\"0\"" extra ">"                         \
    "<fov_video bottom=\"479\" left=\"0\" right=\"639\" top=\"0\"/>"                          \
    "<transform " transform "/>"                                                              \
    "<intrinsic centerPointU=\"20480\" centerPointV=\"15360\" focalLengthU=\"32000\" "        \
    "focalLengthV=\"32000\" radialDistortion1=\"0.01\" radialDistortion2=\"0\" "              \
    "radialDistortion3=\"0\" tangentalDistortion1=\"0\" tangentalDistortion2=\"0\"/></camera>\n"
#define QCA_T_OK "r11=\"1\" r12=\"0\" r13=\"0\" r21=\"0\" r22=\"1\" r23=\"0\" r31=\"0\" r32=\"0\" r33=\"1\" x=\"10\" y=\"20\" z=\"3000\""
#define QCA_TAIL "</cameras></calibration>\n"

static void test_malformed(const char *dir)
{
    static const struct {
        const char *name, *text;
        int want;   /* expected status */
    } cases[] = {
        /* the good ones first: they must import (so that the bad ones fail for their fault) */
        {"good.toml", "# a comment\n[a]\n" CAM_OK "\n[metadata]\nadjusted = false\n", KC_OK},
        {"good.yaml", YAML_HEAD YAML_K YAML_D YAML_R YAML_T YAML_WH, KC_OK},
        {"good.qca.txt", QCA_HEAD QCA_CAM("", QCA_T_OK) QCA_TAIL, KC_OK},
        {"unterminated_string.toml", "[a]\nname = \"a\n", KC_EFORMAT},
        {"unterminated_array.toml", "[a]\nmatrix = [ [1, 2\n", KC_EFORMAT},
        {"array_table.toml", "[[a]]\n" CAM_OK, KC_EFORMAT},
        {"inline_table.toml", "[a]\nx = {y = 1}\n", KC_EFORMAT},
        {"duplicate_key.toml", "[a]\n" CAM_OK "fisheye = true\n", KC_EFORMAT},
        {"duplicate_table.toml", "[a]\n" CAM_OK "[a]\n", KC_EFORMAT},
        {"garbage_after.toml", "[a] x\n" CAM_OK, KC_EFORMAT},
        {"bad_number.toml", "[a]\nsize = [ 640.0, 0x1E0]\n", KC_EFORMAT},
        {"nan.toml", "[a]\nsize = [ nan, 480]\n", KC_EFORMAT},
        {"no_cameras.toml", "[metadata]\nerror = 0.0\n", KC_EMISSING},
        {"matrix_2x3.toml",
         "[a]\nname = \"a\"\nsize = [640, 480]\nmatrix = [[1, 0, 2], [0, 1, 2]]\n", KC_ESHAPE},
        {"no_translation.toml",
         "[a]\nname = \"a\"\nsize = [ 640.0, 480.0]\n"
         "matrix = [ [ 500.0, 0.0, 320.0], [ 0.0, 500.0, 240.0], [ 0.0, 0.0, 1.0]]\n"
         "distortions = [ -0.1, 0.01, 0.0, 0.0]\nrotation = [ 0.1, 0.2, 0.3]\n", KC_EMISSING},
        {"same_name_twice.toml", "[a]\n" CAM_OK "[b]\n" CAM_OK, KC_EINVAL},
        {"fisheye.toml", "[a]\nfisheye = true\n" "matrix = [ [ 500.0, 0.0, 320.0], [ 0.0, 500.0, 240.0], [ 0.0, 0.0, 1.0]]\n", KC_EINVAL},
        {"not_rotation.toml",
         "[cameras.0]\ncam_id = 0\nsize = [640, 480]\n"
         "matrix = [[500.0, 0.0, 320.0], [0.0, 500.0, 240.0], [0.0, 0.0, 1.0]]\n"
         "distortions = [0, 0, 0, 0, 0]\ntranslation = [0, 0, 1]\n"
         "rotation = [[1, 0, 0], [0, 1, 0], [0, 0.5, 1]]\n", KC_EINVAL},
        {"binary.toml", "[a]\nname = \"a\"\n\x01\x02\n", KC_EFORMAT},
        {"bad_syntax.yaml", YAML_HEAD "K_a: [ 1, 2\n", KC_EFORMAT},
        {"no_names.yaml", "%YAML:1.0\n---\n" YAML_K, KC_EMISSING},
        {"K_short.yaml", YAML_HEAD "K_a: !!opencv-matrix\n   rows: 2\n   cols: 3\n   dt: d\n   data: [ 1, 2, 3, 4, 5, 6 ]\n" YAML_D YAML_R YAML_T YAML_WH, KC_ESHAPE},
        {"no_T.yaml", YAML_HEAD YAML_K YAML_D YAML_R YAML_WH, KC_EMISSING},
        {"no_size.yaml", YAML_HEAD YAML_K YAML_D YAML_R YAML_T, KC_EMISSING},
        {"text_in_K.yaml", YAML_HEAD "K_a: [ 500, 0, 320, 0, five, 240, 0, 0, 1 ]\n" YAML_D YAML_R YAML_T YAML_WH, KC_ETYPE},
        {"not_xml.qca.txt", "this is not XML\n", KC_EFORMAT},
        {"unclosed.qca.txt", QCA_HEAD QCA_CAM("", QCA_T_OK), KC_EFORMAT},
        {"wrong_root.qca.txt", "<?xml version='1.0'?>\n<settings/>\n", KC_EFORMAT},
        {"no_transform.qca.txt", QCA_HEAD "<camera serial=\"c1\"><fov_video bottom=\"479\" left=\"0\" right=\"639\" top=\"0\"/></camera>" QCA_TAIL, KC_EMISSING},
        {"bad_number.qca.txt", QCA_HEAD QCA_CAM("", "r11=\"1\" r12=\"0\" r13=\"0\" r21=\"0\" r22=\"1\" r23=\"0\" r31=\"0\" r32=\"0\" r33=\"1\" x=\"10\" y=\"twenty\" z=\"3000\"") QCA_TAIL, KC_ETYPE},
        {"viewrotation.qca.txt", QCA_HEAD QCA_CAM("", QCA_T_OK) "<camera serial=\"c2\" viewrotation=\"90\"/>" QCA_TAIL, KC_EINVAL},
    };
    kc_calibio_params p = kc_calibio_default_params();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024], what[1200];
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        write_file(path, cases[i].text);
        kc_calib *c = NULL;
        n_errors = 0;
        last_error[0] = '\0';
        int st = kc_calibio_import(path, &p, &c);
        snprintf(what, sizeof what, "%s: status %d (want %d), %d error lines: %s", cases[i].name,
                 st, cases[i].want, n_errors, last_error);
        CHECK(what, st == cases[i].want && n_errors == (st ? 1 : 0) && (c != NULL) == (st == 0));
        if (st && n_errors == 1)
            CHECK("the error names the file", strstr(last_error, cases[i].name) != NULL);
        if (!st && c && !strcmp(cases[i].name, "good.qca.txt")) {
            /* fx = 32000/64 = 500, cx = 20480/64 = 320; camera looks along -z of QTM:
             * centre (10, 20, 3000) mm, optical axis = world -z */
            const kc_camera *k = &c->cameras[0].cam;
            CHECK_NEAR("qca fx", k->fx, 500, 1e-12);
            CHECK_NEAR("qca cx", k->cx, 320, 1e-12);
            kc_vec3 cc = kc_camera_centre(k);
            CHECK_NEAR("qca centre y", cc.y, 20, 1e-9);
            CHECK_NEAR("qca optical axis z", k->R.m[2][2], -1, 1e-12);
            /* a point below the camera on the axis projects to the principal point */
            double uv[2] = {NAN, NAN};
            CHECK("qca projects a point in front", kc_camera_project(k, kc_v3(10, 20, 0), uv));
            CHECK_NEAR("qca principal point u", uv[0], 320, 1e-9);
        }
        kc_calib_free(c);
    }
    /* a missing file */
    kc_calib *c = NULL;
    n_errors = 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/absent.toml", dir);
    CHECK("missing file -> KC_EIO, one error", kc_calibio_import(path, &p, &c) == KC_EIO &&
                                                   n_errors == 1 && !c);
    /* export refuses a name that cannot be an OpenCV YAML key, and leaves nothing */
    kc_calib *r = make_rig();
    if (r) {
        snprintf(r->cameras[0].cam.name, KC_CAM_NAME_MAX, "has space");
        snprintf(path, sizeof path, "%s/bad_name.yaml", dir);
        n_errors = 0;
        CHECK("export: bad YAML key", kc_calibio_export(r, path, &p) == KC_EINVAL &&
                                          n_errors == 1 && access(path, F_OK) != 0);
        /* but TOML quotes it, and it comes back */
        snprintf(path, sizeof path, "%s/quoted_name.toml", dir);
        kc_calib *q = NULL;
        CHECK("export: quoted TOML table name", kc_calibio_export(r, path, &p) == KC_OK &&
                                                    kc_calibio_import(path, &p, &q) == KC_OK &&
                                                    q && kc_calib_find(q, "has space") >= 0);
        kc_calib_free(q);
    }
    kc_calib_free(r);
}

int main(void)
{
    kc_log_init("test_calib_io", KC_LOG_WARNING);
    kc_log_set_sink(sink, NULL);
    const char *dir = kc_test_tmpdir("test_calib_io");
    int real = test_pose2sim();
    real += test_caliscope();
    test_round_trip(dir, "toml", 1000);
    test_round_trip(dir, "toml", 1);
    test_round_trip(dir, "yaml", 1000);
    test_round_trip(dir, "yml", 1);
    test_malformed(dir);
    kc_log_set_sink(NULL, NULL);
    int fails = kc_test_summary("test_calib_io");
    if (fails == 0 && real == 0)
        return 77;   /* the import acceptance needs the real files */
    return fails;
}
