/* Tests of the TRC reader and writer: axis specifications, an exact round trip in the
 * OpenSim frame, the mapping of one value, metres, and bad files each rejected with
 * KC_EFORMAT and one logged line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/mot.h"
#include "kinechain/table.h"
#include "kinechain/trc.h"
#include "test_c3d_gen.h"
#include "testutil.h"

static unsigned n_errors;

static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)func, (void)data;
    if (level == KC_LOG_ERROR) {
        n_errors++;
        printf("  logged: %s\n", msg);
    }
}

static void test_axes(void)
{
    static const char *good[] = {"lab", "opensim", "x,z,-y", "-x,-y,z", "y,-x,z", "+x,+y,+z"};
    static const char *bad[] = {"x,y,-z", "x,x,z", "a,b,c", "x,y", "x,y,z,", "", "-y,x,-z,"};
    kc_axes a;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char w[128];
        snprintf(w, sizeof w, "axes \"%s\" accepted", good[i]);
        CHECK(w, kc_axes_parse(good[i], &a) == KC_OK);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char w[128];
        unsigned before = n_errors;
        snprintf(w, sizeof w, "axes \"%s\" rejected with one line", bad[i]);
        CHECK(w, kc_axes_parse(bad[i], &a) == KC_EINVAL && n_errors == before + 1);
    }
    CHECK("opensim = x,z,-y", kc_axes_parse("opensim", &a) == KC_OK && a.axis[0] == 0 &&
                                  a.axis[1] == 2 && a.axis[2] == 1 && a.sign[2] == -1 &&
                                  a.sign[0] == 1 && a.sign[1] == 1);
}

static void test_round_trip(const char *dir)
{
    kc_traj *t = kc_test_c3d_traj(50, 5, 0, 150.0, 42);
    kc_axes os;
    char p[512];
    snprintf(p, sizeof p, "%s/rt.trc", dir);
    if (!CHECK("trc: synthetic written", t && kc_axes_parse("opensim", &os) == KC_OK &&
                                             kc_trc_write(p, t, &os, false) == KC_OK)) {
        kc_traj_free(t);
        return;
    }
    kc_traj *b = NULL;
    if (CHECK("trc: read back", kc_trc_read(p, &os, &b) == KC_OK)) {
        CHECK("trc: frames, markers, rate, first frame, start time",
              b->n_frames == 50 && b->n_markers == 5 && b->rate_hz == 150.0 &&
                  b->first_frame == 42 && fabs(b->start_time_s - t->start_time_s) < 1e-12);
        size_t diff = 0, lab = 0;
        for (size_t i = 0; i < 3 * 50 * 5; i++)
            diff += !(t->position[i] == b->position[i] ||
                      (isnan(t->position[i]) && isnan(b->position[i])));
        for (size_t m = 0; m < 5; m++)
            lab += strcmp(t->labels[m], b->labels[m]) != 0;
        char w[128];
        snprintf(w, sizeof w, "trc: positions exact, missing kept (%zu differ), labels (%zu)", diff, lab);
        CHECK(w, diff == 0 && lab == 0);
    }
    kc_traj_free(b);
    /* one value: lab (x, y, z) is (x, z, -y) in the OpenSim file */
    FILE *fp = fopen(p, "r");
    char line[1 << 16];
    double fr = 0, tm = 0, v[3] = {0};
    for (int i = 0; fp && i < 7 && fgets(line, sizeof line, fp); i++)
        if (i == 6)
            sscanf(line, "%lf\t%lf\t%lf\t%lf\t%lf", &fr, &tm, &v[0], &v[1], &v[2]);
    if (fp)
        fclose(fp);
    CHECK("trc: first row is frame 42", fr == 42);
    CHECK_NEAR("trc: file X = lab x", v[0], t->position[0], 1e-9);
    CHECK_NEAR("trc: file Y = lab z", v[1], t->position[2], 1e-9);
    CHECK_NEAR("trc: file Z = -lab y", v[2], -t->position[1], 1e-9);
    /* metres, lab axes */
    snprintf(p, sizeof p, "%s/m.trc", dir);
    if (CHECK("trc: metres written", kc_trc_write(p, t, NULL, true) == KC_OK) &&
        CHECK("trc: metres read", kc_trc_read(p, NULL, &b) == KC_OK)) {
        double d = 0;
        for (size_t i = 0; i < 3 * 50 * 5; i++)
            if (!isnan(t->position[i]))
                d = fmax(d, fabs(t->position[i] - b->position[i]));
        CHECK_NEAR("trc: metres back to mm", d, 0, 1e-9);
    }
    kc_traj_free(b);
    kc_traj_free(t);
}

/* MOT and CSV of kinematics, CSV of trajectories: header, shape and values read back. */
static void test_mot_csv(const char *dir)
{
    size_t F = 12;
    kc_kin *k = kc_kin_alloc();
    double *a = malloc(3 * F * sizeof *a);
    if (!CHECK("kinematics made", k && a)) {
        free(a), kc_kin_free(k);
        return;
    }
    k->rate_hz = 100;
    k->n_frames = F;
    for (size_t i = 0; i < 3 * F; i++)
        a[i] = i == 5 ? NAN : 0.25 * (double)i - 3.5;
    char p[512], line[4096];
    snprintf(p, sizeof p, "%s/k.mot", dir);
    if (CHECK("kin filled", !kc_kin_add_angle(k, "LKnee", a) && !kc_kin_add_centre(k, "LHJC", a)) &&
        CHECK("mot written", kc_mot_write_kin(p, k) == KC_OK)) {
        FILE *fp = fopen(p, "r");
        int ln = 0, endh = -1;
        double t = -1, v[6];
        int nv = 0;
        while (fp && fgets(line, sizeof line, fp)) {
            if (strncmp(line, "endheader", 9) == 0)
                endh = ln;
            if (ln == 1)
                CHECK("mot: version=1", strcmp(line, "version=1\n") == 0);
            if (ln == 2)
                CHECK("mot: nRows", strcmp(line, "nRows=12\n") == 0);
            if (ln == 3)
                CHECK("mot: nColumns", strcmp(line, "nColumns=7\n") == 0);
            if (endh >= 0 && ln == endh + 1)
                CHECK("mot: column names",
                      strcmp(line, "time\tLKnee_X\tLKnee_Y\tLKnee_Z\tLHJC_X\tLHJC_Y\tLHJC_Z\n") == 0);
            if (endh >= 0 && ln == endh + 3)
                nv = sscanf(line, "%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf", &t, &v[0], &v[1], &v[2], &v[3],
                            &v[4], &v[5]);
            ln++;
        }
        if (fp)
            fclose(fp);
        CHECK("mot: 7 header lines + 12 rows", endh == 5 && ln == endh + 2 + 12);
        CHECK("mot: second row parsed", nv == 7);
        CHECK_NEAR("mot: time of row 2", t, 0.01, 1e-12);
        CHECK_NEAR("mot: LKnee_Y of row 2", v[1], a[4], 1e-12);
    }
    snprintf(p, sizeof p, "%s/k.csv", dir);
    kc_table *tb = NULL;
    if (CHECK("csv written", kc_csv_write_kin(p, k) == KC_OK) &&
        CHECK("csv reads back", kc_table_read_csv(p, &tb) == KC_OK)) {
        CHECK("csv: 12 rows, 8 columns", kc_table_nrows(tb) == F && kc_table_ncols(tb) == 8);
        int cz = kc_table_find(tb, "LKnee_Z");
        CHECK("csv: LKnee_Z column", cz == 4);
        CHECK("csv: missing value empty", strcmp(kc_table_get_str(tb, 1, cz), "") == 0);
        CHECK_NEAR("csv: value", strtod(kc_table_get_str(tb, 3, cz), NULL), a[11], 1e-12);
    }
    kc_table_free(tb);
    kc_traj *t = kc_test_c3d_traj(7, 3, 0, 50.0, 3);
    snprintf(p, sizeof p, "%s/t.csv", dir);
    tb = NULL;
    if (CHECK("traj csv written", t && kc_csv_write_traj(p, t) == KC_OK) &&
        CHECK("traj csv reads back", kc_table_read_csv(p, &tb) == KC_OK)) {
        CHECK("traj csv: 7 rows, 11 columns", kc_table_nrows(tb) == 7 && kc_table_ncols(tb) == 11);
        CHECK("traj csv: first frame 3", strcmp(kc_table_get_str(tb, 0, 0), "3") == 0);
        int c = kc_table_find(tb, "LTOE_Y");
        CHECK_NEAR("traj csv: LTOE_Y at frame 2", strtod(kc_table_get_str(tb, 2, c), NULL),
                   t->position[3 * (2 * 3 + 1) + 1], 1e-12);
    }
    kc_table_free(tb);
    kc_traj_free(t);
    kc_kin_free(k);
    free(a);
}

static void expect_bad(const char *dir, const char *name, const char *text)
{
    char p[512], w[256];
    snprintf(p, sizeof p, "%s/%s.trc", dir, name);
    FILE *fp = fopen(p, "w");
    if (!fp)
        return;
    fputs(text, fp);
    fclose(fp);
    unsigned before = n_errors;
    kc_traj *t = NULL;
    int st = kc_trc_read(p, NULL, &t);
    snprintf(w, sizeof w, "bad TRC %s rejected with KC_EFORMAT and one line (%d)", name, st);
    CHECK(w, st == KC_EFORMAT && n_errors == before + 1 && t == NULL);
    kc_traj_free(t);
}

#define HDR1 "PathFileType\t4\t(X/Y/Z)\tx.trc\n"
#define HDR2 "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\n"
#define HDR45 "Frame#\tTime\tA\t\t\tB\t\t\n\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n\n"

int main(void)
{
    kc_log_init("test_trc", KC_LOG_WARNING);
    kc_log_set_sink(sink, NULL);
    const char *dir = kc_test_tmpdir("test_trc");
    test_axes();
    test_round_trip(dir);
    test_mot_csv(dir);
    expect_bad(dir, "not_trc", "hello\n");
    expect_bad(dir, "short", HDR1 HDR2);
    expect_bad(dir, "no_rate", HDR1 HDR2 "x\t100\t2\t2\tmm\n" HDR45);
    expect_bad(dir, "absurd_markers", HDR1 HDR2 "100\t100\t2\t99999999\tmm\n" HDR45);
    expect_bad(dir, "units", HDR1 HDR2 "100\t100\t2\t2\tinch\n" HDR45);
    expect_bad(dir, "few_names", HDR1 HDR2 "100\t100\t2\t3\tmm\n" HDR45);
    expect_bad(dir, "frame", HDR1 HDR2 "100\t100\t2\t2\tmm\n" HDR45 "1.5\t0\t1\t2\t3\t4\t5\t6\n");
    expect_bad(dir, "too_many", HDR1 HDR2 "100\t100\t2\t2\tmm\n" HDR45
                                "1\t0\t1\t2\t3\t4\t5\t6\t7\t8\n");
    /* blanks and NaN are missing values; a short row is padded with missing values */
    char p[512];
    snprintf(p, sizeof p, "%s/gaps.trc", dir);
    FILE *fp = fopen(p, "w");
    if (fp) {
        fputs(HDR1 HDR2 "100\t100\t2\t2\tm\n" HDR45 "7\t0.06\t1\t2\t3\t\t\t\n8\t0.07\tNaN\t1\t1\n", fp);
        fclose(fp);
    }
    kc_traj *t = NULL;
    if (CHECK("gaps.trc reads", kc_trc_read(p, NULL, &t) == KC_OK)) {
        CHECK("gaps: 2 frames, first frame 7, start 0.06 s", t->n_frames == 2 && t->first_frame == 7 &&
                                                             fabs(t->start_time_s - 0.06) < 1e-12);
        CHECK_NEAR("gaps: metres to mm", t->position[2], 3000, 1e-9);
        CHECK("gaps: blanks, NaN and short rows are missing",
              isnan(t->position[3]) && isnan(t->position[6]) && isnan(t->position[9]));
    }
    kc_traj_free(t);
    return kc_test_summary("test_trc");
}
