/* Vicon .vsk subject files (vsk.h).
 *   test_vsk        synthetic files: values, angles radians -> degrees, empty parameters,
 *                   the CSV read back, every error path
 *   test_vsk real   data/real/pycgm_nexus_pig/Test.vsk (KC_REAL_DATA; exit 77 when
 *                   absent) against the subject measurements its SOURCE.md states
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kinechain/log.h"
#include "kinechain/table.h"
#include "kinechain/vsk.h"
#include "testutil.h"

static const char *tmp;

static const char *write_file(const char *name, const char *text)
{
    static char p[2][512];
    static int k;
    char *path = p[k++ % 2];
    snprintf(path, 512, "%s/%s", tmp, name);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    return path;
}

static double num(const kc_vsk *v, const char *name)
{
    const kc_attr *a = kc_attrs_find(&v->params, name);
    return a && !a->str && a->n == 1 ? a->v[0] : NAN;
}

/* The cell of the CSV's only row in column col, as a number (NAN when empty or absent). */
static double cell(const kc_table *t, const char *col)
{
    int c = kc_table_find(t, col);
    const char *s = c >= 0 ? kc_table_get_str(t, 0, c) : NULL;
    return s && *s ? strtod(s, NULL) : NAN;
}

static const char *const good_vsk =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<KinematicModel MODEL=\"PlugInGait Lower Body\" VERSION=\"3.1\">\n"
    " <Parameters>\n"
    "  <StaticParameter NAME=\"Bodymass\" VALUE=\"63.5\" QUANTITY=\"mass\"/>\n"
    "  <StaticParameter NAME=\"Height\" VALUE=\"1712\" QUANTITY=\"length\"/>\n"
    "  <StaticParameter NAME=\"LeftLegLength\" VALUE=\"905.5\" QUANTITY=\"length\"/>\n"
    "  <StaticParameter NAME=\"RightLegLength\" VALUE=\"902\" QUANTITY=\"length\"/>\n"
    "  <StaticParameter NAME=\"LeftKneeWidth\" VALUE=\"101\"/>\n"
    "  <StaticParameter NAME=\"RightKneeWidth\" VALUE=\"103\"/>\n"
    "  <StaticParameter NAME=\"LeftAnkleWidth\" VALUE=\"71\"/>\n"
    "  <StaticParameter NAME=\"RightAnkleWidth\" VALUE=\"72.5\"/>\n"
    "  <StaticParameter NAME=\"LeftTibialTorsion\" VALUE=\"0.1\" QUANTITY=\"angle\"/>\n"
    "  <StaticParameter NAME=\"RightTibialTorsion\" VALUE=\"-0.25\" QUANTITY=\"angle\"/>\n"
    "  <StaticParameter NAME=\"InterAsisDistance\" QUANTITY=\"length\"/>\n"
    "  <StaticParameter NAME=\"MarkerDiameter\" VALUE=\"14\"/>\n"
    "  <StaticParameter NAME=\"LeftSoleDelta\" VALUE=\"3\"/>\n"
    "  <Parameter NAME=\"LKNE_L_Femur_X\" VALUE=\"33.2\"/>\n"
    " </Parameters>\n"
    "</KinematicModel>\n";

static void test_synthetic(void)
{
    const char *p = write_file("Jo Smith.vsk", good_vsk);
    kc_vsk v;
    if (!CHECK("read a synthetic vsk", kc_vsk_read(p, &v) == KC_OK))
        return;
    CHECK("model and version", strcmp(v.model, "PlugInGait Lower Body") == 0 &&
                                   strcmp(v.model_version, "3.1") == 0);
    CHECK("12 static parameters with a value (empty InterAsisDistance and <Parameter> "
          "skipped)", v.params.n == 12 && isnan(num(&v, "InterAsisDistance")) &&
                          isnan(num(&v, "LKNE_L_Femur_X")));
    CHECK_NEAR("Bodymass (kg)", num(&v, "Bodymass"), 63.5, 0);
    char *name = kc_vsk_subject_name(p);
    CHECK("subject from the file name", name && strcmp(name, "Jo Smith") == 0);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/subjects.csv", tmp);
    kc_table *t = NULL;
    if (CHECK("write the subjects CSV", kc_vsk_write_subjects(csv, "s01", &v) == KC_OK) &&
        CHECK("read it back", kc_table_read_csv(csv, &t) == KC_OK && kc_table_nrows(t) == 1)) {
        CHECK("subject column", strcmp(kc_table_get_str(t, 0, kc_table_find(t, "subject")),
                                       "s01") == 0);
        CHECK_NEAR("mass_kg", cell(t, "mass_kg"), 63.5, 0);
        CHECK_NEAR("height_mm", cell(t, "height_mm"), 1712, 0);
        CHECK_NEAR("leg_length_L_mm", cell(t, "leg_length_L_mm"), 905.5, 0);
        CHECK_NEAR("ankle_width_R_mm", cell(t, "ankle_width_R_mm"), 72.5, 0);
        /* radians to degrees: 0.1 rad = 5.729577951308232 deg, -0.25 rad = -14.32394487827058 */
        CHECK_NEAR("tibial_torsion_L_deg from 0.1 rad", cell(t, "tibial_torsion_L_deg"),
                   5.729577951308232, 1e-12);
        CHECK_NEAR("tibial_torsion_R_deg from -0.25 rad", cell(t, "tibial_torsion_R_deg"),
                   -14.32394487827058, 1e-12);
        CHECK_NEAR("inter_asis_mm absent -> 0 (from markers)", cell(t, "inter_asis_mm"), 0, 0);
        CHECK_NEAR("asis_troc_L_mm absent -> 0 (regression)", cell(t, "asis_troc_L_mm"), 0, 0);
        CHECK_NEAR("marker_diameter_mm", cell(t, "marker_diameter_mm"), 14, 0);
        CHECK_NEAR("sole_delta_L_mm", cell(t, "sole_delta_L_mm"), 3, 0);
        CHECK("sole_delta_R_mm absent -> empty", isnan(cell(t, "sole_delta_R_mm")));
        CHECK("sex empty", kc_table_find(t, "sex") >= 0 &&
                               !*kc_table_get_str(t, 0, kc_table_find(t, "sex")));
    }
    kc_table_free(t);
    /* a required measurement missing */
    kc_attrs_clear(&v.params);
    if (kc_attrs_set_f64(&v.params, "Bodymass", 70) == KC_OK) {
        unsigned e0 = kc_log_error_count();
        CHECK("no leg length: KC_EINVAL, one error, no file",
              kc_vsk_write_subjects(csv, "s02", &v) == KC_EINVAL &&
                  kc_log_error_count() == e0 + 1);
    }
    CHECK("subject name with a comma refused", kc_vsk_write_subjects(csv, "a,b", &v) != KC_OK);
    free(name);
    kc_vsk_clear(&v);
}

static void expect_bad(const char *name, const char *text, int want, const char *what)
{
    const char *p = write_file(name, text);
    kc_vsk v;
    unsigned e0 = kc_log_error_count();
    int st = kc_vsk_read(p, &v);
    char w[160];
    snprintf(w, sizeof w, "%s: rejected with one error", what);
    CHECK(w, st == want && kc_log_error_count() == e0 + 1 && v.params.n == 0);
    if (st == KC_OK)
        kc_vsk_clear(&v);
}

static void test_bad(void)
{
    expect_bad("b1.vsk", "this is not xml", KC_EFORMAT, "not XML");
    expect_bad("b2.vsk", "<KinematicModel><Parameters>", KC_EFORMAT, "truncated XML");
    expect_bad("b3.vsk", "<Calibration/>", KC_EFORMAT, "wrong root element");
    expect_bad("b4.vsk", "<KinematicModel><Parameters><StaticParameter NAME=\"Height\" "
               "VALUE=\"tall\"/></Parameters></KinematicModel>", KC_EFORMAT, "VALUE not a number");
    expect_bad("b5.vsk", "<KinematicModel><Parameters><StaticParameter NAME=\"Height\" "
               "VALUE=\"nan\"/></Parameters></KinematicModel>", KC_EFORMAT, "VALUE NaN");
    /* an external entity is neither fetched nor expanded */
    expect_bad("b6.vsk", "<?xml version=\"1.0\"?><!DOCTYPE k [<!ENTITY x SYSTEM "
               "\"file:///etc/passwd\">]><KinematicModel><Parameters><StaticParameter "
               "NAME=\"Height\" VALUE=\"&x;\"/></Parameters></KinematicModel>", KC_EFORMAT,
               "external entity not expanded");
    kc_vsk v;
    CHECK("missing file: KC_EIO", kc_vsk_read("/nonexistent/x.vsk", &v) == KC_EIO);
}

/* data/real/pycgm_nexus_pig/SOURCE.md: "Bodymass 85 kg, Height 1679, InterAsis 306, Leg
 * length L 877 / R 866, Knee width L 144 / R 139, Ankle width L 85 / R 89 mm, AsisTrocanter
 * L 64.40 / R 62.98 (computed as 0.1288·LegLength − 48.56), static plantar-flexion offsets
 * L 0.2527 / R 0.2396 rad, static rotation offsets L −0.0560 / R −0.0502 rad". */
static void test_real(const char *dir)
{
    char p[1024], csv[600];
    snprintf(p, sizeof p, "%s/pycgm_nexus_pig/Test.vsk", dir);
    kc_vsk v;
    if (!CHECK("read Test.vsk", kc_vsk_read(p, &v) == KC_OK))
        return;
    CHECK("model PlugInGait FullBody Ai 3.2", strcmp(v.model, "PlugInGait FullBody Ai") == 0 &&
                                                 strcmp(v.model_version, "3.2") == 0);
    static const struct {
        const char *name;
        double want, tol;
    } ref[] = {
        {"Bodymass", 85, 0}, {"Height", 1679, 0}, {"InterAsisDistance", 306, 0},
        {"LeftLegLength", 877, 0}, {"RightLegLength", 866, 0}, {"LeftKneeWidth", 144, 0},
        {"RightKneeWidth", 139, 0}, {"LeftAnkleWidth", 85, 0}, {"RightAnkleWidth", 89, 0},
        {"LeftAsisTrocanterDistance", 64.40, 0.005}, {"RightAsisTrocanterDistance", 62.98, 0.005},
        {"LeftStaticPlantFlex", 0.2527, 0.00005}, {"RightStaticPlantFlex", 0.2396, 0.00005},
        {"LeftStaticRotOff", -0.0560, 0.00005}, {"RightStaticRotOff", -0.0502, 0.00005},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        CHECK_NEAR(ref[i].name, num(&v, ref[i].name), ref[i].want, ref[i].tol);
    /* the stated regression, to float precision (Vicon stores floats) */
    CHECK_NEAR("LeftAsisTrocanterDistance = 0.1288 LegLength - 48.56",
               num(&v, "LeftAsisTrocanterDistance"), 0.1288 * 877 - 48.56, 1e-4);
    CHECK("TibialTorsion and SoleDelta have no value in the file",
          isnan(num(&v, "LeftTibialTorsion")) && isnan(num(&v, "RightSoleDelta")));
    snprintf(csv, sizeof csv, "%s/test_subjects.csv", tmp);
    char *name = kc_vsk_subject_name(p);
    kc_table *t = NULL;
    if (CHECK("subject Test", name && strcmp(name, "Test") == 0) &&
        CHECK("write CSV", kc_vsk_write_subjects(csv, name, &v) == KC_OK) &&
        CHECK("read CSV", kc_table_read_csv(csv, &t) == KC_OK)) {
        CHECK_NEAR("csv mass_kg", cell(t, "mass_kg"), 85, 0);
        CHECK_NEAR("csv leg_length_R_mm", cell(t, "leg_length_R_mm"), 866, 0);
        CHECK_NEAR("csv knee_width_L_mm", cell(t, "knee_width_L_mm"), 144, 0);
        CHECK_NEAR("csv ankle_width_R_mm", cell(t, "ankle_width_R_mm"), 89, 0);
        CHECK_NEAR("csv inter_asis_mm", cell(t, "inter_asis_mm"), 306, 0);
        CHECK_NEAR("csv asis_troc_R_mm", cell(t, "asis_troc_R_mm"), 62.98, 0.005);
        CHECK("csv tibial torsion empty", isnan(cell(t, "tibial_torsion_L_deg")));
    }
    kc_table_free(t);
    free(name);
    kc_vsk_clear(&v);
}

int main(int argc, char **argv)
{
    kc_log_init("test_vsk", KC_LOG_QUIET);
    /* each mode its own folder: ctest runs test_vsk and test_vsk_real at the same time */
    tmp = kc_test_tmpdir(argc > 1 && strcmp(argv[1], "real") == 0 ? "test_vsk_real" : "test_vsk");
    if (argc > 1 && strcmp(argv[1], "real") == 0) {
        const char *dir = getenv("KC_REAL_DATA");
        char p[1024];
        struct stat sb;
        snprintf(p, sizeof p, "%s/pycgm_nexus_pig/Test.vsk", dir ? dir : "");
        if (!dir || !*dir || stat(p, &sb) != 0) {
            printf("SKIPPED: %s absent\n", p);
            return 77;
        }
        test_real(dir);
        return kc_test_summary("test_vsk real");
    }
    test_synthetic();
    test_bad();
    return kc_test_summary("test_vsk");
}
