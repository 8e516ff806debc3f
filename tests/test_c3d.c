/* Tests of the C3D reader and writer on writer-made files: every storage variant (Intel,
 * DEC, MIPS × float, int16) read back against the trajectories written, a second generation
 * bit-exact, a long trial (> 65,535 frames, first frame > 65,535), and bad inputs made by
 * corrupting a good image, each rejected with KC_EFORMAT and one logged line.
 *
 *   test_c3d [SEED_DIR]   with SEED_DIR: also write the seed corpus of fuzz_c3d there
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/c3d.h"
#include "kinechain/cli.h"
#include "kinechain/import.h"
#include "kinechain/log.h"
#include "test_c3d_gen.h"
#include "testutil.h"

static unsigned n_errors, n_warnings;
static char last_error[512], last_warning[512];

static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)func;
    (void)data;
    if (level == KC_LOG_WARNING) {
        n_warnings++;
        snprintf(last_warning, sizeof last_warning, "%s", msg);
    }
    if (level == KC_LOG_ERROR) {
        n_errors++;
        snprintf(last_error, sizeof last_error, "%s", msg);
    }
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    if (b && fread(b, 1, (size_t)len, fp) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    *n = (size_t)len;
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(b, 1, n, fp);
        fclose(fp);
    }
}

static size_t param_data(const uint8_t *b, size_t n, int gid, const char *name, size_t *rec);
static void put_f32le(uint8_t *p, float f);
static void put_i16le(uint8_t *p, int v);

static bool same_nan(double a, double b)
{
    return isnan(a) == isnan(b);
}

/* Read path back and compare with the trajectories written; tol in mm for positions. */
static kc_traj *read_back(const char *path, const char *what)
{
    kc_c3d *c = NULL;
    kc_traj *t = NULL;
    if (kc_c3d_read(path, &c) || kc_c3d_to_traj(c, NULL, &t)) {
        CHECK(what, false);
        printf("  %s: %s\n", what, last_error);
    }
    kc_c3d_free(c);
    return t;
}

static void compare(const kc_traj *a, const kc_traj *b, double tol, double rtol_res,
                    const char *what)
{
    char w[256];
    snprintf(w, sizeof w, "%s: frames, markers, outputs, first frame, rate", what);
    if (!CHECK(w, b->n_frames == a->n_frames && b->n_markers == a->n_markers &&
                      b->n_model_outputs == a->n_model_outputs &&
                      b->n_unlabelled == a->n_unlabelled && b->first_frame == a->first_frame &&
                      fabs(b->rate_hz - a->rate_hz) < 1e-4 &&
                      fabs(b->start_time_s - a->start_time_s) < 1e-6))
        return;
    size_t F = a->n_frames, M = a->n_markers;
    double worst = 0, worst_res = 0;
    size_t bad_nan = 0, bad_cam = 0, bad_fill = 0;
    for (size_t m = 0; m < M; m++) {
        snprintf(w, sizeof w, "%s: label %zu", what, m);
        CHECK(w, strcmp(a->labels[m], b->labels[m]) == 0);
    }
    for (size_t i = 0; i < F * M; i++) {
        for (int k = 0; k < 3; k++) {
            double x = a->position[3 * i + k], y = b->position[3 * i + k];
            if (!same_nan(x, y))
                bad_nan++;
            else if (!isnan(x) && fabs(x - y) > worst)
                worst = fabs(x - y);
        }
        if (isnan(a->position[3 * i]))
            continue;
        if (a->filled[i] != b->filled[i])
            bad_fill++;
        if (a->n_cameras_seen[i] != b->n_cameras_seen[i])
            bad_cam++;
        if (fabs(a->residual[i] - b->residual[i]) > worst_res)
            worst_res = fabs(a->residual[i] - b->residual[i]);
    }
    snprintf(w, sizeof w, "%s: missing points kept (%zu differ)", what, bad_nan);
    CHECK(w, bad_nan == 0);
    snprintf(w, sizeof w, "%s: positions", what);
    CHECK_NEAR(w, worst, 0, tol);
    snprintf(w, sizeof w, "%s: residual_mm", what);
    CHECK_NEAR(w, worst_res, 0, rtol_res);
    snprintf(w, sizeof w, "%s: n_cameras (%zu differ), filled (%zu differ)", what, bad_cam,
             bad_fill);
    CHECK(w, bad_cam == 0 && bad_fill == 0);
    for (size_t j = 0; j < a->n_model_outputs; j++) {
        snprintf(w, sizeof w, "%s: model output %s kind", what, a->model_outputs[j].name);
        int k = -1;
        for (size_t q = 0; q < b->n_model_outputs; q++)
            if (strcmp(b->model_outputs[q].name, a->model_outputs[j].name) == 0)
                k = (int)q;
        if (!CHECK(w, k >= 0 && strcmp(b->model_outputs[k].kind, a->model_outputs[j].kind) == 0))
            continue;
        double d = 0;
        for (size_t i = 0; i < 3 * F; i++) {
            double x = a->model_outputs[j].data[i];
            double y = b->model_outputs[k].data[i];
            d = fmax(d, fabs(x - y) / fmax(1.0, fabs(x)));
        }
        snprintf(w, sizeof w, "%s: model output %s values", what, a->model_outputs[j].name);
        CHECK_NEAR(w, d, 0, tol > 0 ? fmax(tol, 1e-6) : 0);
    }
    size_t bad_u = 0;
    for (size_t i = 0; i < 3 * F * a->n_unlabelled; i++)
        if (!same_nan(a->unlabelled[i], b->unlabelled[i]) ||
            (!isnan(a->unlabelled[i]) && fabs(a->unlabelled[i] - b->unlabelled[i]) > tol))
            bad_u++;
    snprintf(w, sizeof w, "%s: unlabelled points (%zu differ)", what, bad_u);
    CHECK(w, bad_u == 0);
    size_t ne = a->events ? kc_table_nrows(a->events) : 0;
    snprintf(w, sizeof w, "%s: events", what);
    if (CHECK(w, (b->events ? kc_table_nrows(b->events) : 0) == ne))
        for (size_t e = 0; e < ne; e++) {
            snprintf(w, sizeof w, "%s: event %zu name, side", what, e);
            CHECK(w, strcmp(kc_table_get_str(a->events, e, 0), kc_table_get_str(b->events, e, 0)) == 0 &&
                         strcmp(kc_table_get_str(a->events, e, 1), kc_table_get_str(b->events, e, 1)) == 0);
            snprintf(w, sizeof w, "%s: event %zu time", what, e);
            CHECK_NEAR(w, kc_table_get_f64(b->events, e, 2), kc_table_get_f64(a->events, e, 2), 2e-6);
        }
    snprintf(w, sizeof w, "%s: subject", what);
    CHECK(w, a->subject && b->subject && strcmp(a->subject, b->subject) == 0);
    for (size_t i = 0; i < a->subject_params.n; i++) {
        const kc_attr *x = &a->subject_params.items[i];
        const kc_attr *y = kc_attrs_find(&b->subject_params, x->name);
        snprintf(w, sizeof w, "%s: subject parameter %s", what, x->name);
        if (!CHECK(w, y != NULL))
            continue;
        if (x->str)
            CHECK(w, y->str && strcmp(x->str, y->str) == 0);
        else
            CHECK_NEAR(w, y->v[0], x->v[0], 1e-6 * fabs(x->v[0]));
    }
    snprintf(w, sizeof w, "%s: force plates", what);
    if (!CHECK(w, b->n_forceplates == a->n_forceplates))
        return;
    for (size_t p = 0; p < a->n_forceplates; p++) {
        const kc_forceplate *x = &a->forceplates[p], *y = &b->forceplates[p];
        snprintf(w, sizeof w, "%s: plate %zu samples and rate", what, p);
        if (!CHECK(w, x->n == y->n && fabs(x->rate_hz - y->rate_hz) < 1e-3))
            continue;
        double df = 0, dm = 0, dc = 0;
        size_t bad_cop = 0;
        for (size_t i = 0; i < 3 * x->n; i++) {
            df = fmax(df, fabs(x->force[i] - y->force[i]));
            dm = fmax(dm, fabs(x->moment[i] - y->moment[i]));
            if (!same_nan(x->cop[i], y->cop[i]))
                bad_cop++;
            else if (!isnan(x->cop[i]))
                dc = fmax(dc, fabs(x->cop[i] - y->cop[i]));
        }
        /* 16-bit analog: 1/32000 of the largest value; float: float precision */
        snprintf(w, sizeof w, "%s: plate %zu force (N)", what, p);
        CHECK_NEAR(w, df, 0, tol > 0.01 ? 0.05 : 1e-3);
        snprintf(w, sizeof w, "%s: plate %zu moment (N·mm)", what, p);
        CHECK_NEAR(w, dm, 0, tol > 0.01 ? 10.0 : 0.1);
        snprintf(w, sizeof w, "%s: plate %zu COP (mm; %zu NaN differ)", what, p, bad_cop);
        CHECK(w, bad_cop <= 2);
        CHECK_NEAR(w, dc, 0, tol > 0.01 ? 0.5 : 1e-3);
        for (int q = 0; q < 4; q++)
            for (int k = 0; k < 3; k++) {
                snprintf(w, sizeof w, "%s: plate %zu corner %d", what, p, q);
                CHECK_NEAR(w, y->corners[q][k], x->corners[q][k], 1e-3);
            }
    }
}

static void test_variants(const char *dir, const char *seeds)
{
    static const struct {
        enum kc_c3d_processor pr;
        bool integer;
        const char *name;
    } v[] = {{KC_C3D_INTEL, false, "intel_float"}, {KC_C3D_DEC, false, "dec_float"},
             {KC_C3D_MIPS, false, "mips_float"},   {KC_C3D_INTEL, true, "intel_int"},
             {KC_C3D_DEC, true, "dec_int"},        {KC_C3D_MIPS, true, "mips_int"}};
    kc_traj *t = kc_test_c3d_traj(60, 6, 2, 120.0, 37);
    if (!CHECK("synthetic trajectories", t != NULL))
        return;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char p1[512], p2[512], w[128];
        snprintf(p1, sizeof p1, "%s/%s.c3d", dir, v[i].name);
        snprintf(p2, sizeof p2, "%s/%s_2.c3d", dir, v[i].name);
        kc_c3d_write_opts o = kc_c3d_default_write_opts();
        o.processor = v[i].pr;
        o.integer = v[i].integer;
        o.scale_mm = v[i].integer ? 0.05 : 0.1;
        snprintf(w, sizeof w, "%s: write", v[i].name);
        if (!CHECK(w, kc_c3d_write_traj(p1, t, &o) == KC_OK))
            continue;
        kc_c3d *c = NULL;
        if (kc_c3d_read(p1, &c) == KC_OK) {
            snprintf(w, sizeof w, "%s: processor and storage", v[i].name);
            CHECK(w, c->processor == v[i].pr && c->is_float == !v[i].integer);
        }
        kc_c3d_free(c);
        kc_traj *b = read_back(p1, v[i].name);
        if (!b)
            continue;
        /* float: float32 rounding of values below 2000 mm; int: half a unit */
        compare(t, b, v[i].integer ? 0.5 * o.scale_mm + 1e-9 : 2000.0 * 0x1p-24,
                0.5 * o.scale_mm + 1e-9, v[i].name);
        /* second generation: bit-exact */
        snprintf(w, sizeof w, "%s: write again", v[i].name);
        if (CHECK(w, kc_c3d_write_traj(p2, b, &o) == KC_OK)) {
            kc_traj *b2 = read_back(p2, v[i].name);
            if (b2) {
                char w2[128];
                snprintf(w2, sizeof w2, "%s 2nd generation", v[i].name);
                compare(b, b2, 0, 0, w2);
            }
            kc_traj_free(b2);
        }
        kc_traj_free(b);
        if (seeds) {
            /* small seeds for the fuzzer: few frames */
            kc_traj *s = kc_test_c3d_traj(4, 3, i % 2 ? 1 : 0, 100.0, 5);
            snprintf(p1, sizeof p1, "%s/%s.c3d", seeds, v[i].name);
            if (s && kc_c3d_write_traj(p1, s, &o) != KC_OK)
                printf("cannot write seed %s\n", p1);
            kc_traj_free(s);
        }
    }
    kc_traj_free(t);
}

/* FORCE_PLATFORM types 1 (COP channels), 3 (Kistler 8 channels) and 4 (calibration matrix
 * with cross-talk) written and read back, float and int16 storage. */
static void test_plate_types(const char *dir)
{
    kc_traj *t = kc_test_c3d_traj(30, 3, 2, 100.0, 11);
    if (!CHECK("plate types: trajectories", t != NULL))
        return;
    for (int type = 1; type <= 4; type++)
        for (int integer = 0; integer <= 1; integer++) {
            char p[512], w[64];
            snprintf(p, sizeof p, "%s/plate%d_%d.c3d", dir, type, integer);
            snprintf(w, sizeof w, "plate type %d %s", type, integer ? "int16" : "float");
            kc_c3d_write_opts o = kc_c3d_default_write_opts();
            o.plate_type = type;
            o.integer = integer;
            o.scale_mm = integer ? 0.05 : 0.1;
            if (!CHECK(w, kc_c3d_write_traj(p, t, &o) == KC_OK))
                continue;
            kc_c3d *c = NULL;
            if (kc_c3d_read(p, &c) == KC_OK) {
                const kc_c3d_param *tp = kc_c3d_find(c, "FORCE_PLATFORM", "TYPE");
                CHECK(w, tp && tp->v && (int)tp->v[0] == type &&
                             c->n_analog == (size_t)(type == 3 ? 16 : 12));
            }
            kc_c3d_free(c);
            kc_traj *b = read_back(p, w);
            if (b)
                compare(t, b, integer ? 0.5 * o.scale_mm + 1e-9 : 2000.0 * 0x1p-24,
                        0.5 * o.scale_mm + 1e-9, w);
            kc_traj_free(b);
        }
    kc_traj_free(t);
}

static void test_long_trial(const char *dir)
{
    /* 70,000 frames starting at frame 100,000: header fields overflow, TRIAL fields rule */
    kc_traj *t = kc_test_c3d_traj(70000, 1, 0, 500.0, 100000);
    char p[512];
    snprintf(p, sizeof p, "%s/long.c3d", dir);
    if (!CHECK("long trial: made and written", t && kc_c3d_write_traj(p, t, NULL) == KC_OK)) {
        kc_traj_free(t);
        return;
    }
    kc_traj *b = read_back(p, "long trial");
    if (b)
        compare(t, b, 2e6 * 0x1p-24, 0.05 + 1e-9, "long trial");
    kc_traj_free(b);
    kc_traj_free(t);
}

/* kinechain's own trajectories number frames from 0 (kc-triangulate): written as C3D frame 1,
 * every value kept, the start time following the C3D numbering. */
static void test_zero_based(const char *dir)
{
    kc_traj *t = kc_test_c3d_traj(50, 3, 0, 200.0, 0);
    char p[512];
    snprintf(p, sizeof p, "%s/zero_based.c3d", dir);
    if (!CHECK("zero-based frames: made and written",
               t && kc_c3d_write_traj(p, t, NULL) == KC_OK)) {
        kc_traj_free(t);
        return;
    }
    kc_traj *b = read_back(p, "zero-based frames");
    if (b) {
        CHECK("zero-based frames: C3D first frame 1", b->first_frame == 1);
        t->first_frame = 1;   /* what the file says; the rest must match as written */
        t->start_time_s = 0;
        compare(t, b, 2e3 * 0x1p-24, 0.05 + 1e-9, "zero-based frames");
    }
    kc_traj_free(b);
    kc_traj_free(t);
}

static void test_kin(const char *dir)
{
    kc_kin *k = kc_kin_alloc();
    size_t F = 40;
    double *a = malloc(3 * F * sizeof *a), *c = malloc(3 * F * sizeof *c);
    char p[512];
    snprintf(p, sizeof p, "%s/kin.c3d", dir);
    if (!CHECK("kinematics made", k && a && c)) {
        free(a), free(c), kc_kin_free(k);
        return;
    }
    k->rate_hz = 200;
    k->n_frames = F;
    for (size_t f = 0; f < F; f++)
        for (int j = 0; j < 3; j++) {
            a[3 * f + (size_t)j] = 10.0 * sin(0.1 * (double)f + j) - 2.5 * j;
            c[3 * f + (size_t)j] = 100.0 * (j + 1) + 0.75 * (double)f;
        }
    int st = kc_kin_add_angle(k, "LKnee", a) || kc_kin_add_angle(k, "RHipAngles", a) ||
             kc_kin_add_centre(k, "LKJC", c);
    k->events = kc_kin_events_alloc();
    long r = k->events ? kc_table_add_row(k->events) : -1;
    if (r >= 0)
        st = st || kc_table_set_str(k->events, (size_t)r, 0, "initial_contact") ||
             kc_table_set_str(k->events, (size_t)r, 1, "L") ||
             kc_table_set_f64(k->events, (size_t)r, 3, 0.0425);
    CHECK("kinematics filled", st == 0 && r == 0);
    CHECK("kinematics written as C3D", kc_c3d_write_kin(p, k, NULL) == KC_OK);
    kc_traj *t = read_back(p, "kinematics C3D");
    if (t) {
        const kc_model_output *o = NULL, *o2 = NULL;
        for (size_t i = 0; i < t->n_model_outputs; i++) {
            if (strcmp(t->model_outputs[i].name, "LKneeAngles") == 0)
                o = &t->model_outputs[i];
            if (strcmp(t->model_outputs[i].name, "RHipAngles") == 0)
                o2 = &t->model_outputs[i];
        }
        CHECK("kinematics C3D: LKnee -> LKneeAngles, RHipAngles kept, both angles",
              o && o2 && strcmp(o->kind, "angle") == 0 && strcmp(o2->kind, "angle") == 0);
        double d = 0;
        for (size_t i = 0; o && i < 3 * F; i++)
            d = fmax(d, fabs(o->data[i] - a[i]));
        CHECK_NEAR("kinematics C3D: angle values (float precision)", d, 0, 1e-5);
        int m = kc_traj_find(t, "LKJC");
        CHECK("kinematics C3D: joint centre as a point", m == 0 && t->n_markers == 1);
        if (m == 0)
            CHECK_NEAR("kinematics C3D: joint centre value", t->position[3 * 7 + 1], c[3 * 7 + 1], 1e-4);
        CHECK("kinematics C3D: event", t->events && kc_table_nrows(t->events) == 1 &&
                                           strcmp(kc_table_get_str(t->events, 0, 1), "L") == 0);
        if (t->events && kc_table_nrows(t->events) == 1)
            CHECK_NEAR("kinematics C3D: event time", kc_table_get_f64(t->events, 0, 2), 0.0425, 1e-6);
        CHECK_NEAR("kinematics C3D: rate", t->rate_hz, 200, 0);
    }
    kc_traj_free(t);
    kc_kin_free(k);
    free(a);
    free(c);
}

/* Repeated labels are renamed, a "Subject:" prefix stripped on request, labels mapped. */
static void test_labels(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/labels.c3d", dir);
    kc_traj *t = kc_test_c3d_traj(5, 4, 0, 100.0, 1);   /* LASI LTOE MK2 MK3 */
    if (!CHECK("labels image", t && kc_c3d_write_traj(p, t, NULL) == KC_OK)) {
        kc_traj_free(t);
        return;
    }
    kc_traj_free(t);
    size_t n;
    uint8_t *b = slurp(p, &n);
    if (!b)
        return;
    uint8_t *q = NULL;
    /* labels are blank-padded to the longest (20: "LGroundReactionForce") */
    for (size_t i = 512; i + 80 < n && !q; i++)
        if (memcmp(b + i, "LASI    ", 8) == 0 && memcmp(b + i + 20, "LTOE", 4) == 0 &&
            memcmp(b + i + 40, "MK2 ", 4) == 0 && memcmp(b + i + 60, "MK3 ", 4) == 0)
            q = b + i;
    if (CHECK("labels found in the image", q != NULL)) {
        memcpy(q + 20, "LASI", 4);
        memcpy(q + 40, "S:AB", 4);
        memcpy(q + 60, "LASI", 4);
        const char *from[1] = {"AB"}, *to[1] = {"Renamed"};
        kc_c3d *c = NULL;
        kc_traj *r = NULL;
        kc_c3d_import_opts o = kc_c3d_default_import_opts();
        o.strip_prefix = true;
        o.n_map = 1;
        o.map_from = from;
        o.map_to = to;
        if (CHECK("patched labels parse", kc_c3d_parse(b, n, "labels", &c) == KC_OK &&
                                              kc_c3d_to_traj(c, &o, &r) == KC_OK)) {
            CHECK("repeated labels renamed LASI, LASI_2, Renamed, LASI_3",
                  r->n_markers == 4 && strcmp(r->labels[0], "LASI") == 0 &&
                      strcmp(r->labels[1], "LASI_2") == 0 && strcmp(r->labels[2], "Renamed") == 0 &&
                      strcmp(r->labels[3], "LASI_3") == 0);
        }
        kc_traj_free(r);
        kc_c3d_free(c);
        c = NULL;
        r = NULL;
        if (CHECK("without --strip-prefix the prefix stays",
                  kc_c3d_parse(b, n, "labels", &c) == KC_OK && kc_c3d_to_traj(c, NULL, &r) == KC_OK))
            CHECK("label S:AB kept", r->n_markers == 4 && strcmp(r->labels[2], "S:AB") == 0);
        kc_traj_free(r);
        kc_c3d_free(c);
    }
    free(b);
}

/* The vertical-axis check (import.h) on a writer-made Z-up file: POINT:Y_SCREEN, markers
 * and plates all say +Z; the same file with Y_SCREEN patched to "+Y" is a conflict that
 * names Y_SCREEN; the trajectories turned Y-up (as OpenSim's axes) are found +Y, and
 * kc_import_rotate with the same axes brings them back exactly. */
static void test_vertical(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/vertical.c3d", dir);
    kc_traj *t = kc_test_c3d_traj(5, 2, 1, 100.0, 1);   /* LASI above LTOE along Z */
    CHECK("vertical: written", t && kc_c3d_write_traj(p, t, NULL) == KC_OK);
    kc_traj_free(t);
    size_t n;
    uint8_t *b = slurp(p, &n);
    size_t d = b ? param_data(b, n, 1, "Y_SCREEN", NULL) : 0;
    if (!CHECK("vertical: Y_SCREEN found", d > 0)) {
        free(b);
        return;
    }
    kc_c3d *c = NULL;
    kc_traj *r = NULL;
    kc_vertical v;
    char ys[8] = "";
    if (kc_c3d_parse(b, n, "z-up", &c) == KC_OK && kc_c3d_to_traj(c, NULL, &r) == KC_OK) {
        kc_c3d_string(kc_c3d_find(c, "POINT", "Y_SCREEN"), 0, ys, sizeof ys);
        kc_vertical_check(r, "+X", ys, &v);
        CHECK("vertical: a Z-up file is +Z by screen, markers and plates",
              v.z_up && !v.conflict && strcmp(v.screen, "+Z") == 0 &&
                  strcmp(v.markers, "+Z") == 0 && strcmp(v.forces, "+Z") == 0);
        /* turn the lab data into OpenSim's Y-up axes: file i = sign[i] * lab[axis[i]] */
        kc_axes ax;
        kc_traj *y = NULL;
        if (kc_axes_parse("opensim", &ax) == KC_OK && kc_c3d_to_traj(c, NULL, &y) == KC_OK) {
            size_t np = y->n_frames * y->n_markers;
            for (size_t i = 0; i < np; i++) {
                double l[3], *x = &y->position[3 * i];
                memcpy(l, x, sizeof l);
                for (int k = 0; k < 3; k++)
                    x[k] = ax.sign[k] * l[ax.axis[k]];
            }
            for (size_t s = 0; s < y->forceplates[0].n; s++) {
                double l[3], *x = &y->forceplates[0].force[3 * s];
                memcpy(l, x, sizeof l);
                for (int k = 0; k < 3; k++)
                    x[k] = ax.sign[k] * l[ax.axis[k]];
            }
            kc_vertical_check(y, NULL, NULL, &v);
            CHECK("vertical: Y-up data found +Y by markers and plates, not Z up",
                  !v.z_up && strcmp(v.markers, "+Y") == 0 && strcmp(v.forces, "+Y") == 0);
            kc_import_rotate(y, &ax);
            size_t bad = 0;
            for (size_t i = 0; i < 3 * np; i++)
                bad += !same_nan(y->position[i], r->position[i]);
            for (size_t i = 0; i < 3 * y->forceplates[0].n; i++)
                bad += !same_nan(y->forceplates[0].force[i], r->forceplates[0].force[i]);
            CHECK("vertical: kc_import_rotate(opensim) restores the lab data exactly", bad == 0);
            kc_vertical_check(y, NULL, NULL, &v);
            CHECK("vertical: rotated data are Z up", v.z_up);
        }
        kc_traj_free(y);
    }
    kc_traj_free(r);
    kc_c3d_free(c);
    b[d + 1] = 'Y';   /* "+Z" -> "+Y" */
    c = NULL, r = NULL;
    if (CHECK("vertical: patched file reads", kc_c3d_parse(b, n, "y-up", &c) == KC_OK &&
                                                 kc_c3d_to_traj(c, NULL, &r) == KC_OK)) {
        kc_c3d_string(kc_c3d_find(c, "POINT", "Y_SCREEN"), 0, ys, sizeof ys);
        kc_vertical_check(r, "+X", ys, &v);
        CHECK("vertical: Y_SCREEN +Y against +Z markers is a conflict, said in the text",
              v.conflict && strcmp(v.screen, "+Y") == 0 && strcmp(v.axis, "+Z") == 0 &&
                  strstr(v.text, "POINT:X_SCREEN +X, Y_SCREEN +Y;") != NULL);
        kc_vertical_check(r, "+Y", ys, &v);
        CHECK("vertical: X_SCREEN and Y_SCREEN on the same axis are ignored, and said",
              !v.conflict && v.screen[0] == '\0' && v.z_up &&
                  strstr(v.text, "(the same axis: ignored)") != NULL);
    }
    kc_traj_free(r);
    kc_c3d_free(c);
    free(b);
}

/* A parameter's numbers, writable (tests change a parsed file in memory). */
static double *pvals(kc_c3d *c, const char *group, const char *name, size_t need)
{
    kc_c3d_param *p = (kc_c3d_param *)kc_c3d_find(c, group, name);
    return p && p->v && p->n >= need ? p->v : NULL;
}

/* One frame of FORCE_PLATFORM types 1, 3 and 4 computed by hand from c3d.org's formulas
 * (no real file in data/real has a plate of these types: all are TYPE 2). A writer-made
 * file with one plate is parsed, then its plate is placed by hand - centre (300, 200, 0) mm,
 * 400 x 600 mm, plate x = lab x, plate y = -lab y, plate z = -lab z (down) - and sample 0
 * of its channels set to chosen values. Expected numbers are worked out in the comments. */
static void test_plate_by_hand(const char *dir)
{
    /* corners in c3d.org's quadrant order (+x+y, -x+y, -x-y, +x-y) of the plate, in the lab */
    static const double cor[12] = {500, -100, 0, 100, -100, 0, 100, 500, 0, 500, 500, 0};
    static const struct {
        int type;
        double ch[8];
        double F[3], M[3], cop[3];   /* lab frame: N, N*mm about the surface centre, mm */
    } cases[] = {
        /* TYPE 1: Fx Fy Fz (plate), COP x y (mm from the centre, plate), Tz (N*mm).
         * plate F = (10, -20, -700), r = (30, -40, 0): r x F = (28000, 21000, -200), + Tz 500
         * -> (28000, 21000, 300); lab = diag(1, -1, -1) * plate; COP = centre + R r */
        {1, {10, -20, -700, 30, -40, 500, 0, 0},
         {10, 20, 700}, {28000, -21000, -300}, {330, 240, 0}},
        /* TYPE 3 (Kistler), ORIGIN (a, b, az0) = (120, 200, -45): channels fx12 fx34 fy14
         * fy23 fz1 fz2 fz3 fz4 = 6 4 -3 -5 -150 -200 -250 -120.
         * F = (10, -8, -720); Mx = b(fz1+fz2-fz3-fz4) = 4000; My = a(-fz1+fz2+fz3-fz4) =
         * -21600; Mz = b(-fx12+fx34) + a(fy14-fy23) = -160. About the surface centre
         * (so = (0, 0, az0)): M - so x F = (4000+360, -21600+450, -160) = (4360, -21150,
         * -160). COP x = (az0 Fx - My)/Fz = -29.375, y = (Mx + az0 Fy)/Fz = -6.0555...
         * Lab: F (10, 8, 720), M (4360, 21150, 160), COP (270.625, 206.0555..., 0). */
        {3, {6, 4, -3, -5, -150, -200, -250, -120},
         {10, 8, 720}, {4360, 21150, 160}, {270.625, 200 + 4360.0 / 720.0, 0}},
        /* TYPE 4: CAL_MATRIX = identity but row 0 scaled 2 and Fz += 0.5 ch0 (column
         * order: cal[r + 6k]); channels (10, -20, -700, 1000, -2000, 300) -> (20, -20, -695,
         * 1000, -2000, 300); ORIGIN (0, 0, -40): so x F = (-800, -800, 0), M about the
         * centre (1800, -1200, 300); COP x = (-40*20 + 2000)/-695, y = (1000 + 800)/-695.
         * Lab: F (20, 20, 695), M (1800, 1200, -300), COP (300 - 1200/695, 200 + 1800/695, 0) */
        {4, {10, -20, -700, 1000, -2000, 300, 0, 0},
         {20, 20, 695}, {1800, 1200, -300}, {300 - 1200.0 / 695.0, 200 + 1800.0 / 695.0, 0}},
    };
    kc_traj *t = kc_test_c3d_traj(6, 2, 1, 100.0, 1);
    for (size_t i = 0; t && i < sizeof cases / sizeof cases[0]; i++) {
        char p[512], w[160];
        snprintf(p, sizeof p, "%s/byhand%d.c3d", dir, cases[i].type);
        kc_c3d_write_opts o = kc_c3d_default_write_opts();
        o.plate_type = cases[i].type;
        kc_c3d *c = NULL;
        kc_traj *r = NULL;
        snprintf(w, sizeof w, "plate type %d by hand: written and parsed", cases[i].type);
        if (!CHECK(w, kc_c3d_write_traj(p, t, &o) == KC_OK && kc_c3d_read(p, &c) == KC_OK))
            continue;
        size_t nch = cases[i].type == 3 ? 8 : 6;
        double *pc = pvals(c, "FORCE_PLATFORM", "CORNERS", 12);
        double *po = pvals(c, "FORCE_PLATFORM", "ORIGIN", 3);
        double *pch = pvals(c, "FORCE_PLATFORM", "CHANNEL", nch);
        double *pcal = cases[i].type == 4 ? pvals(c, "FORCE_PLATFORM", "CAL_MATRIX", 36) : NULL;
        snprintf(w, sizeof w, "plate type %d by hand: parameters present", cases[i].type);
        if (CHECK(w, pc && po && pch && (cases[i].type != 4 || pcal))) {
            memcpy(pc, cor, sizeof cor);
            if (cases[i].type == 3)
                po[0] = 120, po[1] = 200, po[2] = -45;
            else
                po[0] = 0, po[1] = 0, po[2] = -40;
            if (pcal) {
                for (int k = 0; k < 36; k++)
                    pcal[k] = k % 7 == 0 ? 1.0 : 0.0;   /* identity */
                pcal[0] = 2.0;                          /* row 0, column 0 */
                pcal[2 + 6 * 0] = 0.5;                  /* row 2 (Fz), column 0 */
            }
            for (size_t k = 0; k < nch; k++)
                c->analog[(size_t)pch[k] - 1] = cases[i].ch[k];   /* sample 0 */
            if (CHECK(w, kc_c3d_to_traj(c, NULL, &r) == KC_OK && r->n_forceplates == 1)) {
                const kc_forceplate *fp = &r->forceplates[0];
                for (int k = 0; k < 3; k++) {
                    snprintf(w, sizeof w, "plate type %d by hand: force %c (N)", cases[i].type,
                             "xyz"[k]);
                    CHECK_NEAR(w, fp->force[k], cases[i].F[k], 1e-9);
                    snprintf(w, sizeof w, "plate type %d by hand: moment %c (N*mm)",
                             cases[i].type, "xyz"[k]);
                    CHECK_NEAR(w, fp->moment[k], cases[i].M[k], 1e-6);
                    snprintf(w, sizeof w, "plate type %d by hand: cop %c (mm)", cases[i].type,
                             "xyz"[k]);
                    CHECK_NEAR(w, fp->cop[k], cases[i].cop[k], 1e-9);
                }
            }
        }
        kc_traj_free(r);
        kc_c3d_free(c);
    }
    kc_traj_free(t);
}

/* FORCE_PLATFORM:ZERO: constant offsets added to a plate's raw channels are removed when
 * ZERO names the frames to average (forces and moments are linear in the channels, so the
 * result is the original minus its own mean over those frames, computed here separately);
 * [1, 0] (as Vicon writes) and [0, 0] leave the channels alone. */
static void test_zero(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/zero.c3d", dir);
    kc_traj *t = kc_test_c3d_traj(20, 2, 1, 100.0, 1);
    kc_c3d *c = NULL;
    kc_traj *a = NULL, *z = NULL, *off = NULL;
    if (!CHECK("zero: written and parsed", t && kc_c3d_write_traj(p, t, NULL) == KC_OK &&
                                              kc_c3d_read(p, &c) == KC_OK &&
                                              kc_c3d_to_traj(c, NULL, &a) == KC_OK))
        goto done;
    double *pz = pvals(c, "FORCE_PLATFORM", "ZERO", 2);
    double *pch = pvals(c, "FORCE_PLATFORM", "CHANNEL", 6);
    if (!CHECK("zero: ZERO and CHANNEL present", pz && pch))
        goto done;
    static const double delta[6] = {3.5, -2.25, 41, 900, -1200, 77};
    size_t S = c->n_frames * c->analog_per_frame, A = c->n_analog, spf = c->analog_per_frame;
    for (size_t s = 0; s < S; s++)
        for (int k = 0; k < 6; k++)
            c->analog[s * A + (size_t)pch[k] - 1] += delta[k];
    pz[0] = 1, pz[1] = 0;   /* Vicon's "no zeroing" */
    CHECK("zero: [1, 0] converts", kc_c3d_to_traj(c, NULL, &off) == KC_OK);
    pz[0] = 3, pz[1] = 5;   /* frames 3..5 */
    CHECK("zero: [3, 5] converts", kc_c3d_to_traj(c, NULL, &z) == KC_OK);
    if (!a || !off || !z)
        goto done;
    const kc_forceplate *fa = &a->forceplates[0], *fo = &off->forceplates[0],
                        *fz = &z->forceplates[0];
    double mean[6] = {0};
    size_t s0 = 2 * spf, s1 = 5 * spf;
    for (size_t s = s0; s < s1; s++)
        for (int k = 0; k < 3; k++) {
            mean[k] += fa->force[3 * s + (size_t)k] / (double)(s1 - s0);
            mean[3 + k] += fa->moment[3 * s + (size_t)k] / (double)(s1 - s0);
        }
    double worst = 0, moved = 0;
    for (size_t s = 0; s < S; s++)
        for (int k = 0; k < 3; k++) {
            worst = fmax(worst, fabs(fz->force[3 * s + (size_t)k] -
                                     (fa->force[3 * s + (size_t)k] - mean[k])));
            worst = fmax(worst, 1e-3 * fabs(fz->moment[3 * s + (size_t)k] -
                                            (fa->moment[3 * s + (size_t)k] - mean[3 + k])));
            moved = fmax(moved, fabs(fo->force[3 * s + (size_t)k] - fa->force[3 * s + (size_t)k]));
        }
    CHECK_NEAR("zero: [1, 0] keeps the offsets (|change| of force, N)", moved, 41, 1e-6);
    CHECK_NEAR("zero: [3, 5] gives original - its mean over frames 3-5 (N; moments N*m)",
               worst, 0, 1e-6);
done:
    kc_traj_free(a);
    kc_traj_free(z);
    kc_traj_free(off);
    kc_c3d_free(c);
    kc_traj_free(t);
}

/* Header events (words 150-234): written into a writer-made file's header by hand; the one at
 * the time of an EVENT-group event is dropped, the others added with source c3d_header. */
static void test_header_events(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/hevents.c3d", dir);
    kc_traj *t = kc_test_c3d_traj(50, 2, 0, 100.0, 21);   /* frame 21 = 0.2 s */
    if (!CHECK("header events: written", t && kc_c3d_write_traj(p, t, NULL) == KC_OK)) {
        kc_traj_free(t);
        return;
    }
    size_t n;
    uint8_t *b = slurp(p, &n);
    kc_c3d *c = NULL;
    kc_traj *r = NULL;
    if (!b || !t->events || kc_table_nrows(t->events) == 0) {
        CHECK("header events: file and EVENT events", false);
        goto done;
    }
    /* the first EVENT-group event, in the capture's time (s from frame 1) */
    double te = kc_table_get_f64(t->events, 0, kc_table_find(t->events, "time_s")) + 0.2;
    put_i16le(b + 298, 12345);
    put_i16le(b + 300, 2);
    put_f32le(b + 304, (float)te);
    put_f32le(b + 308, 0.37f);
    b[376] = 0, b[377] = 1;
    memcpy(b + 396, "RHS LTO ", 8);
    size_t n0 = kc_table_nrows(t->events);
    if (CHECK("header events: parsed", kc_c3d_parse(b, n, "hevents", &c) == KC_OK &&
                                           kc_c3d_to_traj(c, NULL, &r) == KC_OK)) {
        CHECK("header events: two read from the header", c->n_header_events == 2 &&
                                                             strcmp(c->header_event_label[0], "RHS") == 0 &&
                                                             c->header_event_on[0] &&
                                                             !c->header_event_on[1]);
        size_t nr = r->events ? kc_table_nrows(r->events) : 0;
        CHECK("header events: the duplicate dropped, one added", nr == n0 + 1);
        if (nr == n0 + 1) {
            int cn = kc_table_find(r->events, "name"), ct = kc_table_find(r->events, "time_s"),
                cs = kc_table_find(r->events, "source");
            CHECK("header events: LTO from the header", strcmp(kc_table_get_str(r->events, n0, cn), "LTO") == 0 &&
                                                           strcmp(kc_table_get_str(r->events, n0, cs), "c3d_header") == 0);
            CHECK_NEAR("header events: time from frame 0 (0.37 s - 0.2 s)",
                       kc_table_get_f64(r->events, n0, ct), 0.17, 1e-6);
        }
    }
done:
    kc_traj_free(r);
    kc_c3d_free(c);
    free(b);
    kc_traj_free(t);
}

/* Analog channels that no plate uses: with FORCE_PLATFORM:USED lowered from 2 to 1 in a
 * parsed two-plate file, the second plate's 6 channels are kept with their labels, units and
 * values, at the analog rate. */
static void test_analog(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/analog.c3d", dir);
    kc_traj *t = kc_test_c3d_traj(10, 2, 2, 100.0, 1);
    kc_c3d *c = NULL;
    kc_analog an;
    memset(&an, 0, sizeof an);
    if (CHECK("analog: written and parsed", t && kc_c3d_write_traj(p, t, NULL) == KC_OK &&
                                                kc_c3d_read(p, &c) == KC_OK)) {
        CHECK("analog: all channels belong to plates", kc_c3d_analog(c, &an) == KC_OK &&
                                                           an.n_channels == 0);
        double *pu = pvals(c, "FORCE_PLATFORM", "USED", 1);
        if (pu) {
            pu[0] = 1;
            char l[64] = "";
            kc_c3d_string(kc_c3d_find(c, "ANALOG", "LABELS"), 6, l, sizeof l);
            if (CHECK("analog: second plate's channels kept",
                      kc_c3d_analog(c, &an) == KC_OK && an.n_channels == 6 &&
                          an.n_samples == c->n_frames * c->analog_per_frame)) {
                CHECK("analog: label of channel 7", strcmp(an.labels[0], l) == 0);
                CHECK_NEAR("analog: rate", an.rate_hz, c->analog_rate_hz, 0);
                size_t bad = 0;
                for (size_t s = 0; s < an.n_samples; s++)
                    for (size_t j = 0; j < 6; j++)
                        bad += an.values[s * 6 + j] != c->analog[s * c->n_analog + 6 + j];
                CHECK("analog: values equal the parsed channels", bad == 0);
            }
        }
    }
    kc_analog_clear(&an);
    kc_c3d_free(c);
    /* written back after the plates' channels (float and int16 storage) and read again */
    kc_analog x;
    memset(&x, 0, sizeof x);
    size_t S = 10 * 4, X = 3;   /* the plates' rate: 4 samples per frame */
    char *lab[3] = {"EMG.LVL", "Raw.Pin 1", "Trigger"}, *uni[3] = {"mV", "V", "V"};
    double *vals = malloc(S * X * sizeof *vals);
    for (size_t i = 0; vals && i < S * X; i++)
        vals[i] = sin(0.37 * (double)i) * (i % 3 == 0 ? 0.0125 : 4.75) + (i % 3 == 2 ? 1 : 0);
    x.n_channels = X, x.n_samples = S, x.rate_hz = 400, x.labels = lab, x.units = uni;
    x.values = vals;
    for (int integer = 0; vals && t && integer <= 1; integer++) {
        char w[96];
        kc_c3d_write_opts o = kc_c3d_default_write_opts();
        o.integer = integer;
        o.analog = &x;
        snprintf(w, sizeof w, "analog written back (%s)", integer ? "int16" : "float");
        kc_c3d *b = NULL;
        kc_analog r;
        memset(&r, 0, sizeof r);
        if (CHECK(w, kc_c3d_write_traj(p, t, &o) == KC_OK && kc_c3d_read(p, &b) == KC_OK &&
                         kc_c3d_analog(b, &r) == KC_OK && r.n_channels == X &&
                         r.n_samples == S && b->n_analog == 12 + X)) {
            double worst[3] = {0, 0, 0}, mx[3] = {0, 0, 0};
            for (size_t i = 0; i < S * X; i++) {
                worst[i % 3] = fmax(worst[i % 3], fabs(r.values[i] - vals[i]));
                mx[i % 3] = fmax(mx[i % 3], fabs(vals[i]));
            }
            for (size_t j = 0; j < X; j++) {
                /* float: half an ulp of float32 (2^-24 relative); int16: half a step of
                 * max/32000 */
                double tol = integer ? 0.5 * mx[j] / 32000.0 + 1e-12 : mx[j] * 0x1p-24;
                snprintf(w, sizeof w, "analog %s (%s): values back within %g", lab[j],
                         integer ? "int16" : "float", tol);
                CHECK_NEAR(w, worst[j], 0, tol);
                snprintf(w, sizeof w, "analog %s: label and unit", lab[j]);
                CHECK(w, strcmp(r.labels[j], lab[j]) == 0 && strcmp(r.units[j], uni[j]) == 0);
            }
            CHECK_NEAR("analog: rate back", r.rate_hz, 400, 1e-9);
        }
        kc_analog_clear(&r);
        kc_c3d_free(b);
    }
    x.rate_hz = 300;   /* 3 per frame against the plates' 4 */
    x.n_samples = 30;
    CHECK("analog at another rate than the plates refused",
          vals && kc_c3d_write_traj(p, t, &(kc_c3d_write_opts){.processor = KC_C3D_INTEL,
                                                                .scale_mm = 0.1,
                                                                .analog = &x}) == KC_EINVAL);
    free(vals);
    kc_traj_free(t);
}

/* 30,000 points all labelled "A" (LABELS ... LABELS118): renamed A, A_2, ... A_30000 in
 * well under a second (the renaming is O(n log n)). */
static void test_many_labels(const char *dir)
{
    size_t M = 30000;
    char p[512];
    snprintf(p, sizeof p, "%s/many.c3d", dir);
    kc_traj *t = kc_traj_alloc();
    char **labels = malloc(M * sizeof *labels);
    static char a[] = "A";
    for (size_t m = 0; labels && m < M; m++)
        labels[m] = a;
    if (!CHECK("many labels: made", t && labels && (t->rate_hz = 50, t->first_frame = 1,
                                                   kc_traj_alloc_arrays(t, 2, M, labels,
                                                                        KC_RESIDUAL_NONE, false,
                                                                        false) == KC_OK))) {
        free(labels);
        kc_traj_free(t);
        return;
    }
    for (size_t i = 0; i < 3 * 2 * M; i++)
        t->position[i] = (double)(i % 1000);
    CHECK("many labels: written", kc_c3d_write_traj(p, t, NULL) == KC_OK);
    double t0 = kc_now();
    kc_traj *b = read_back(p, "many labels");
    double dt = kc_now() - t0;
    CHECK("many labels: all renamed, unique",
          b && b->n_markers == M && strcmp(b->labels[0], "A") == 0 &&
              strcmp(b->labels[1], "A_2") == 0 && strcmp(b->labels[M - 1], "A_30000") == 0);
    CHECK_NEAR("many labels: read in under 2 s", dt, 0, 2.0);
    kc_traj_free(b);
    kc_traj_free(t);
    free(labels);
}

/* ---- bad inputs ---------------------------------------------------------------------- */

/* Offset of the data of parameter name in group gid of a writer-made image (whose groups
 * are POINT 1, ANALOG 2, FORCE_PLATFORM 3, TRIAL 4, EVENT 5), or 0. */
static size_t param_data(const uint8_t *b, size_t n, int gid, const char *name, size_t *rec)
{
    size_t len = strlen(name);
    for (size_t p = 512 + 4; p + 2 + len + 4 < n && p < 512 * 40; p++)
        if (b[p] == len && b[p + 1] == gid && memcmp(b + p + 2, name, len) == 0) {
            size_t q = p + 2 + len + 2;   /* type */
            if (rec)
                *rec = p;
            return q + 2 + b[q + 1];
        }
    return 0;
}

static void put_f32le(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    p[0] = (uint8_t)u, p[1] = (uint8_t)(u >> 8), p[2] = (uint8_t)(u >> 16), p[3] = (uint8_t)(u >> 24);
}

static void put_i16le(uint8_t *p, int v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)((unsigned)v >> 8);
}

static void expect_bad(const uint8_t *b, size_t n, const char *what, const char *seeds,
                       const char *seed_name)
{
    unsigned before = n_errors;
    kc_c3d *c = NULL;
    kc_traj *t = NULL;
    int st = kc_c3d_parse(b, n, what, &c);
    if (st == KC_OK) {
        st = kc_c3d_to_traj(c, NULL, &t);
    }
    char w[256];
    snprintf(w, sizeof w, "bad input rejected with KC_EFORMAT: %s (got %d)", what, st);
    CHECK(w, st == KC_EFORMAT);
    snprintf(w, sizeof w, "exactly one error line: %s (%u)", what, n_errors - before);
    CHECK(w, n_errors - before == 1);
    if (st != KC_OK && n_errors > before)
        printf("  ok: %s\n", last_error);
    kc_traj_free(t);
    kc_c3d_free(c);
    if (seeds && seed_name) {
        char p[512];
        snprintf(p, sizeof p, "%s/bad_%s.c3d", seeds, seed_name);
        spit(p, b, n);
    }
}

static void test_bad(const char *dir, const char *seeds)
{
    char p[512];
    snprintf(p, sizeof p, "%s/small.c3d", dir);
    kc_traj *small = kc_test_c3d_traj(8, 3, 1, 100.0, 5);
    if (!CHECK("small image written", small && kc_c3d_write_traj(p, small, NULL) == KC_OK)) {
        kc_traj_free(small);
        return;
    }
    kc_traj_free(small);
    size_t n = 0;
    uint8_t *good = slurp(p, &n);
    if (!CHECK("good image for the bad-input tests", good != NULL && n > 2048 + 100)) {
        free(good);
        return;
    }
    uint8_t *b = malloc(n);
    if (!b) {
        free(good);
        return;
    }
    size_t rec = 0;

    /* truncations: header, parameter section, data */
    expect_bad(good, 100, "truncated in the header", seeds, "trunc_header");
    expect_bad(good, 700, "truncated in the parameter section", seeds, "trunc_params");
    expect_bad(good, n - 7, "truncated in the data", seeds, "trunc_data");
    /* not a C3D */
    memcpy(b, good, n);
    b[1] = 0x51;
    expect_bad(b, n, "wrong key byte", seeds, "key");
    /* parameter section past the end */
    memcpy(b, good, n);
    b[512 + 2] = 250;
    expect_bad(b, n, "parameter section past the end", seeds, "param_blocks");
    /* processor type */
    memcpy(b, good, n);
    b[512 + 3] = 90;
    expect_bad(b, n, "unknown processor", seeds, "processor");
    /* negative / absurd point count: POINT:USED = -5 (65531 as a count) */
    memcpy(b, good, n);
    size_t d = param_data(b, n, 1, "USED", NULL);
    if (CHECK("POINT:USED found", d > 0)) {
        put_i16le(b + d, -5);
        expect_bad(b, n, "POINT:USED -5", seeds, "used_negative");
    }
    /* NaN and zero scale */
    memcpy(b, good, n);
    d = param_data(b, n, 1, "SCALE", NULL);
    if (CHECK("POINT:SCALE found", d > 0)) {
        put_f32le(b + d, NAN);
        expect_bad(b, n, "POINT:SCALE NaN", seeds, "scale_nan");
        put_f32le(b + d, 0.0f);
        expect_bad(b, n, "POINT:SCALE 0", NULL, NULL);
    }
    /* NaN rate */
    memcpy(b, good, n);
    d = param_data(b, n, 1, "RATE", NULL);
    if (CHECK("POINT:RATE found", d > 0)) {
        put_f32le(b + d, -120.0f);
        expect_bad(b, n, "POINT:RATE negative", seeds, "rate_negative");
    }
    /* label longer than its block: LABELS dims claim 255 x 255 characters */
    memcpy(b, good, n);
    d = param_data(b, n, 1, "LABELS", &rec);
    if (CHECK("POINT:LABELS found", d > 0)) {
        b[d - 2] = 255;
        b[d - 1] = 255;
        expect_bad(b, n, "labels longer than the parameter section", seeds, "labels_long");
    }
    /* frame range that does not fit: TRIAL:ACTUAL_END_FIELD high word 3 */
    memcpy(b, good, n);
    d = param_data(b, n, 4, "ACTUAL_END_FIELD", NULL);
    if (CHECK("TRIAL:ACTUAL_END_FIELD found", d > 0)) {
        put_i16le(b + d + 2, 3);
        expect_bad(b, n, "frame range beyond the data", seeds, "frames_beyond");
        put_i16le(b + d, 0);
        put_i16le(b + d + 2, 0);
        expect_bad(b, n, "last frame before the first", seeds, "frames_reversed");
    }
    /* data start inside the parameter section */
    memcpy(b, good, n);
    d = param_data(b, n, 1, "DATA_START", NULL);
    if (CHECK("POINT:DATA_START found", d > 0)) {
        put_i16le(b + d, 2);
        put_i16le(b + 16, 1);
        expect_bad(b, n, "data start in the parameter section", seeds, "data_start");
    }
    /* element type */
    memcpy(b, good, n);
    d = param_data(b, n, 1, "UNITS", &rec);
    if (CHECK("POINT:UNITS found", d > 0)) {
        b[rec + 2 + 5 + 2] = 3;
        expect_bad(b, n, "parameter element type 3", seeds, "elem_type");
    }
    /* analog rate not a multiple */
    memcpy(b, good, n);
    d = param_data(b, n, 2, "RATE", NULL);
    if (CHECK("ANALOG:RATE found", d > 0)) {
        put_f32le(b + d, 333.0f);
        expect_bad(b, n, "ANALOG:RATE 333 Hz", seeds, "analog_rate");
    }
    /* force plate channel beyond the analog channels */
    memcpy(b, good, n);
    d = param_data(b, n, 3, "CHANNEL", NULL);
    if (CHECK("FORCE_PLATFORM:CHANNEL found", d > 0)) {
        put_i16le(b + d, 99);
        expect_bad(b, n, "force plate channel 99", seeds, "fp_channel");
    }
    /* force plate type 7 */
    memcpy(b, good, n);
    d = param_data(b, n, 3, "TYPE", NULL);
    if (CHECK("FORCE_PLATFORM:TYPE found", d > 0)) {
        put_i16le(b + d, 7);
        expect_bad(b, n, "force plate type 7", seeds, "fp_type");
    }
    /* degenerate corners */
    memcpy(b, good, n);
    d = param_data(b, n, 3, "CORNERS", NULL);
    if (CHECK("FORCE_PLATFORM:CORNERS found", d > 0)) {
        memset(b + d, 0, 48);
        expect_bad(b, n, "force plate corners all zero", seeds, "fp_corners");
    }
    /* ANALOG:USED larger than the data */
    memcpy(b, good, n);
    d = param_data(b, n, 2, "USED", NULL);
    if (CHECK("ANALOG:USED found", d > 0)) {
        put_i16le(b + d, 30000);
        expect_bad(b, n, "ANALOG:USED 30000", seeds, "analog_used");
    }
    /* every truncation point up to 4 kB: never a crash, always an error or a good read */
    size_t crashes = 0;
    for (size_t k = 0; k < 4096 && k < n; k += 7) {
        kc_c3d *c = NULL;
        int st = kc_c3d_parse(good, k, "truncated", &c);
        crashes += st == KC_OK;
        kc_c3d_free(c);
    }
    CHECK("every truncation below 4 kB rejected", crashes == 0);
    free(b);
    free(good);
}

int main(int argc, char **argv)
{
    const char *seeds = argc > 1 ? argv[1] : NULL;
    kc_log_init("test_c3d", KC_LOG_WARNING);
    kc_log_set_sink(sink, NULL);
    const char *dir = kc_test_tmpdir("test_c3d");
    test_variants(dir, seeds);
    test_plate_types(dir);
    test_long_trial(dir);
    test_zero_based(dir);
    test_kin(dir);
    test_labels(dir);
    test_many_labels(dir);
    test_vertical(dir);
    test_plate_by_hand(dir);
    test_zero(dir);
    test_header_events(dir);
    test_analog(dir);
    test_bad(dir, seeds);
    if (seeds) {
        char p[512];
        snprintf(p, sizeof p, "%s/intel_float.c3d", dir);
        size_t n;
        uint8_t *b = slurp(p, &n);
        if (b) {
            snprintf(p, sizeof p, "%s/full_intel_float.c3d", seeds);
            spit(p, b, n);
        }
        free(b);
    }
    return kc_test_summary("test_c3d");
}
