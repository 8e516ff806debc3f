/* Round trips of every file kind with non-trivial data (write, read, compare), the checks
 * readers make between datasets, and byte-identical output for identical content. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "kinechain/calibfile.h"
#include "kinechain/cohortfile.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"
#include "testutil.h"

static const char *dir;

/* A deterministic, non-trivial value for index i of stream s. */
static double val(int s, size_t i)
{
    return 100.0 * sin(0.37 * (double)i + 1.3 * s) + 0.001 * (double)(i % 97) + 7.25 * s;
}

static char *path_of(const char *name)
{
    static char buf[8][700];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static bool same_array(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(b[i]))
            continue;
        if (a[i] != b[i])
            return false;
    }
    return true;
}

static bool same_file_bytes(const char *p1, const char *p2)
{
    FILE *a = fopen(p1, "rb"), *b = fopen(p2, "rb");
    bool same = a && b;
    while (same) {
        char x[4096], y[4096];
        size_t na = fread(x, 1, sizeof x, a), nb = fread(y, 1, sizeof y, b);
        if (na != nb || memcmp(x, y, na) != 0)
            same = false;
        if (na == 0)
            break;
    }
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    return same;
}

/* ---- calibration ------------------------------------------------------------------------ */

static kc_calib *make_calib(size_t n)
{
    kc_calib *c = kc_calib_alloc(n);
    snprintf(c->method, sizeof c->method, "synthetic-truth");
    c->rms_px = 0.37;
    c->wand_length_rms_mm = 0.81;
    for (size_t i = 0; i < n; i++) {
        kc_calib_camera *cc = &c->cameras[i];
        kc_camera *cam = &cc->cam;
        snprintf(cam->name, sizeof cam->name, "cam%02zu", i + 1);
        cam->fx = 1510.5 + 3.0 * (double)i;
        cam->fy = 1508.25 + 2.0 * (double)i;
        cam->cx = 959.5 + (double)i;
        cam->cy = 539.5 - (double)i;
        cam->k1 = -0.11 + 0.01 * (double)i;
        cam->k2 = 0.021;
        cam->p1 = 0.0007;
        cam->p2 = -0.0003;
        cam->k3 = -0.002;
        double a = 2.0 * KC_PI * (double)i / (double)n;
        cam->R = kc_m3_from_rodrigues(kc_v3(1.9 + 0.1 * a, 0.2 * sin(a), 0.3 * cos(a)));
        cam->t = kc_v3(10.5 * (double)i, -250.0 + (double)i, 5200.75);
        cam->width = 1920;
        cam->height = 1080;
        cc->rms_px = 0.2 + 0.01 * (double)i;
        cc->n_obs = 12000 + (long)i;
        cc->excluded = i == 2;
        if (i == 1) {
            cc->covariance = malloc(KC_CAM_NPARAM * KC_CAM_NPARAM * sizeof(double));
            for (size_t k = 0; k < KC_CAM_NPARAM * KC_CAM_NPARAM; k++)
                cc->covariance[k] = val(3, k) * 1e-6;
        }
    }
    return c;
}

static void test_calib(void)
{
    kc_calib *c = make_calib(4);
    kc_provenance prov = {"test_files", 0, NULL, 0, NULL, false};
    const char *p = path_of("rig.calib.h5");
    CHECK("calib write", kc_calib_write(p, c, &prov) == KC_OK);
    kc_calib *r = NULL;
    CHECK("calib read", kc_calib_read(p, &r) == KC_OK && r);
    if (r) {
        CHECK("calib n_cameras", r->n_cameras == 4);
        CHECK("calib method", strcmp(r->method, "synthetic-truth") == 0);
        CHECK_NEAR("calib rms_px", r->rms_px, 0.37, 0);
        CHECK_NEAR("calib wand rms", r->wand_length_rms_mm, 0.81, 0);
        for (size_t i = 0; i < 4 && i < r->n_cameras; i++) {
            const kc_camera *a = &c->cameras[i].cam, *b = &r->cameras[i].cam;
            CHECK("camera name", strcmp(a->name, b->name) == 0);
            CHECK("camera intrinsics", a->fx == b->fx && a->fy == b->fy && a->cx == b->cx &&
                                           a->cy == b->cy);
            CHECK("camera distortion", a->k1 == b->k1 && a->k2 == b->k2 && a->p1 == b->p1 &&
                                           a->p2 == b->p2 && a->k3 == b->k3);
            CHECK("camera R", same_array(&a->R.m[0][0], &b->R.m[0][0], 9));
            CHECK("camera t", a->t.x == b->t.x && a->t.y == b->t.y && a->t.z == b->t.z);
            CHECK("camera size", a->width == b->width && a->height == b->height);
            CHECK_NEAR("camera rms", r->cameras[i].rms_px, c->cameras[i].rms_px, 0);
            CHECK("camera n_obs", r->cameras[i].n_obs == c->cameras[i].n_obs);
            CHECK("camera excluded", r->cameras[i].excluded == c->cameras[i].excluded);
            CHECK("camera covariance presence",
                  (r->cameras[i].covariance != NULL) == (c->cameras[i].covariance != NULL));
            if (r->cameras[i].covariance && c->cameras[i].covariance)
                CHECK("camera covariance", same_array(r->cameras[i].covariance,
                                                      c->cameras[i].covariance, 225));
        }
        CHECK("kc_calib_find", kc_calib_find(r, "cam03") == 2 && kc_calib_find(r, "x") == -1);
    }
    kc_calib_free(r);

    /* Determinism: the same content twice gives the same bytes. */
    const char *p2 = path_of("rig2.calib.h5");
    CHECK("calib write again", kc_calib_write(p2, c, &prov) == KC_OK);
    CHECK("calib files byte-identical", same_file_bytes(p, p2));

    /* Error: a camera that fails kc_camera_check is refused on reading, naming it. */
    c->cameras[3].cam.R.m[0][0] = 2.0;
    const char *p3 = path_of("badR.calib.h5");
    CHECK("calib with bad R writes", kc_calib_write(p3, c, &prov) == KC_OK);
    unsigned e0 = kc_log_error_count();
    r = NULL;
    CHECK("bad R rejected", kc_calib_read(p3, &r) == KC_EINVAL && r == NULL);
    CHECK("bad R: one error", kc_log_error_count() == e0 + 1);
    /* Error: duplicate names refused on writing, nothing left behind. */
    c->cameras[3].cam.R = c->cameras[2].cam.R;
    snprintf(c->cameras[3].cam.name, KC_CAM_NAME_MAX, "cam01");
    const char *p4 = path_of("dup.calib.h5");
    CHECK("duplicate names refused", kc_calib_write(p4, c, &prov) == KC_EINVAL);
    FILE *fp = fopen(p4, "rb");
    CHECK("no partial output", fp == NULL);
    if (fp)
        fclose(fp);
    kc_calib_free(c);
}

/* ---- observations ------------------------------------------------------------------------ */

static kc_obs *make_obs(size_t C, size_t F, size_t M)
{
    kc_obs *o = kc_obs_alloc();
    o->rate_hz = 200.0;
    snprintf(o->capture, sizeof o->capture, "trial");
    o->subject = strdup("s01");
    o->trial = strdup("dvj_1");
    o->task = strdup("dvj");
    o->n_cameras = C;
    o->camera_names = calloc(C, sizeof(char *));
    for (size_t c = 0; c < C; c++) {
        char nm[32];
        snprintf(nm, sizeof nm, "cam%02zu", c + 1);
        o->camera_names[c] = strdup(nm);
    }
    o->n_frames = F;
    o->n_markers = M;
    o->labels = calloc(M, sizeof(char *));
    static const char *const names[] = {"LASI", "RASI", "LPSI", "RPSI", "LTHI", "LKNE", "LTIB",
                                        "LANK", "LHEE", "LTOE", "RTHI", "RKNE"};
    for (size_t m = 0; m < M; m++)
        o->labels[m] = strdup(names[m % 12]);
    o->points = malloc(C * F * M * 2 * sizeof(double));
    o->weights = malloc(C * F * M * sizeof(double));
    for (size_t i = 0; i < C * F * M * 2; i++)
        o->points[i] = i % 17 == 3 ? NAN : 960.0 + val(1, i);
    for (size_t i = 0; i < C * F * M; i++)
        o->weights[i] = i % 17 == 3 ? NAN : 0.5 + 0.5 * sin(0.1 * (double)i);
    o->centroids = calloc(C, sizeof *o->centroids);
    for (size_t c = 0; c < C; c++) {
        kc_centroids *ce = &o->centroids[c];
        ce->offsets = malloc((F + 1) * sizeof(int64_t));
        ce->offsets[0] = 0;
        for (size_t f = 0; f < F; f++)
            ce->offsets[f + 1] = ce->offsets[f] + (int64_t)((f + c) % 5);
        ce->n = (size_t)ce->offsets[F];
        ce->xy = malloc((ce->n ? ce->n : 1) * 2 * sizeof(double));
        for (size_t k = 0; k < 2 * ce->n; k++)
            ce->xy[k] = 500.0 + val((int)c, k);
    }
    o->n_forceplates = 2;
    o->forceplates = calloc(2, sizeof(kc_forceplate));
    for (size_t i = 0; i < 2; i++) {
        kc_forceplate *fp = &o->forceplates[i];
        if (kc_forceplate_alloc(fp, 5 * F) != KC_OK)
            abort();
        fp->rate_hz = 1000.0;
        for (size_t k = 0; k < 15 * F; k++) {
            fp->force[k] = val(4 + (int)i, k);
            fp->moment[k] = 1000.0 * val(5, k);
            fp->cop[k] = k % 11 == 0 ? NAN : val(6, k);
        }
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 3; b++)
                fp->corners[a][b] = 300.0 * a - 100.0 * b + 600.0 * (double)i;
        fp->origin[0] = 200.0 + 600.0 * (double)i;
        fp->origin[1] = 300.0;
        fp->origin[2] = -40.0;
    }
    double lf[12];
    for (int k = 0; k < 12; k++)
        lf[k] = 100.0 * k - 3.5;
    if (kc_obs_add_extra(o, "lframe_mm", 12, lf) != KC_OK)
        abort();
    kc_truth *t = kc_truth_alloc();
    t->n_frames = F;
    t->n_markers = M;
    t->labels = calloc(M, sizeof(char *));
    for (size_t m = 0; m < M; m++)
        t->labels[m] = strdup(o->labels[m]);
    t->markers = malloc(F * M * 3 * sizeof(double));
    for (size_t k = 0; k < F * M * 3; k++)
        t->markers[k] = val(7, k);
    t->n_angles = 2;
    t->angles = calloc(2, sizeof(kc_series3));
    t->angles[0].name = strdup("LKnee");
    t->angles[1].name = strdup("RKnee");
    t->n_centres = 1;
    t->centres = calloc(1, sizeof(kc_series3));
    t->centres[0].name = strdup("LHJC");
    for (int s = 0; s < 2; s++) {
        t->angles[s].data = malloc(F * 3 * sizeof(double));
        for (size_t k = 0; k < 3 * F; k++)
            t->angles[s].data[k] = val(8 + s, k);
    }
    t->centres[0].data = malloc(F * 3 * sizeof(double));
    for (size_t k = 0; k < 3 * F; k++)
        t->centres[0].data[k] = val(10, k);
    const char *en[] = {"name", "side", "frame", "time_s"};
    enum kc_col_type et[] = {KC_COL_STR, KC_COL_STR, KC_COL_I64, KC_COL_F64};
    t->events = kc_table_alloc(4, en, et);
    long r = kc_table_add_row(t->events);
    if (r < 0 || kc_table_set_str(t->events, 0, 0, "initial_contact") ||
        kc_table_set_str(t->events, 0, 1, "L") || kc_table_set_i64(t->events, 0, 2, 41) ||
        kc_table_set_f64(t->events, 0, 3, 0.2051))
        abort();
    t->mode = strdup("anatomical");
    t->angle_convention = strdup("Plug-in Gait YXZ");
    o->truth = t;
    return o;
}

static void compare_obs(const kc_obs *a, const kc_obs *b)
{
    size_t C = a->n_cameras, F = a->n_frames, M = a->n_markers;
    CHECK("obs rate", a->rate_hz == b->rate_hz);
    CHECK("obs capture", strcmp(a->capture, b->capture) == 0);
    CHECK("obs subject/trial/task", b->subject && strcmp(b->subject, "s01") == 0 && b->trial &&
                                        strcmp(b->trial, "dvj_1") == 0 && b->task &&
                                        strcmp(b->task, "dvj") == 0);
    CHECK("obs sizes", b->n_cameras == C && b->n_frames == F && b->n_markers == M);
    if (b->n_cameras != C || b->n_frames != F || b->n_markers != M)
        return;
    for (size_t c = 0; c < C; c++)
        CHECK("camera names", strcmp(a->camera_names[c], b->camera_names[c]) == 0);
    for (size_t m = 0; m < M; m++)
        CHECK("labels", strcmp(a->labels[m], b->labels[m]) == 0);
    CHECK("points", same_array(a->points, b->points, C * F * M * 2));
    CHECK("weights", b->weights && same_array(a->weights, b->weights, C * F * M));
    CHECK("centroids present", b->centroids != NULL);
    for (size_t c = 0; c < C && b->centroids; c++) {
        CHECK("centroid count", a->centroids[c].n == b->centroids[c].n);
        CHECK("centroid offsets", memcmp(a->centroids[c].offsets, b->centroids[c].offsets,
                                         (F + 1) * sizeof(int64_t)) == 0);
        CHECK("centroid xy", same_array(a->centroids[c].xy, b->centroids[c].xy,
                                        2 * a->centroids[c].n));
    }
    CHECK("forceplates", b->n_forceplates == 2);
    for (size_t i = 0; i < 2 && i < b->n_forceplates; i++) {
        const kc_forceplate *x = &a->forceplates[i], *y = &b->forceplates[i];
        CHECK("fp n and rate", x->n == y->n && x->rate_hz == y->rate_hz);
        CHECK("fp arrays", same_array(x->force, y->force, 3 * x->n) &&
                               same_array(x->moment, y->moment, 3 * x->n) &&
                               same_array(x->cop, y->cop, 3 * x->n));
        CHECK("fp corners/origin", same_array(&x->corners[0][0], &y->corners[0][0], 12) &&
                                       same_array(x->origin, y->origin, 3));
    }
    size_t n = 0;
    const double *lf = kc_obs_extra(b, "lframe_mm", &n);
    CHECK("extra lframe_mm", lf && n == 12 && lf[5] == 100.0 * 5 - 3.5);
    const kc_truth *t = b->truth;
    CHECK("truth present", t != NULL);
    if (!t)
        return;
    CHECK("truth sizes", t->n_frames == F && t->n_markers == M && t->n_angles == 2 &&
                             t->n_centres == 1);
    CHECK("truth labels from /labels", !t->write_labels && strcmp(t->labels[1], "RASI") == 0);
    CHECK("truth markers", same_array(a->truth->markers, t->markers, F * M * 3));
    CHECK("truth angles", t->n_angles == 2 && strcmp(t->angles[0].name, "LKnee") == 0 &&
                              same_array(a->truth->angles[1].data, t->angles[1].data, 3 * F));
    CHECK("truth centres", t->n_centres == 1 &&
                               same_array(a->truth->centres[0].data, t->centres[0].data, 3 * F));
    CHECK("truth events", t->events && kc_table_nrows(t->events) == 1 &&
                              kc_table_get_i64(t->events, 0, kc_table_find(t->events, "frame")) == 41);
    CHECK("truth mode", t->mode && strcmp(t->mode, "anatomical") == 0);
}

static void test_obs(void)
{
    kc_obs *o = make_obs(3, 40, 7);
    kc_provenance prov = {"test_files", 0, NULL, 0, NULL, false};
    const char *p = path_of("s01_dvj_1.obs.h5");
    CHECK("obs write", kc_obs_write(p, o, &prov) == KC_OK);
    kc_obs *r = NULL;
    CHECK("obs read", kc_obs_read(p, &r) == KC_OK && r);
    if (r)
        compare_obs(o, r);
    kc_obs_free(r);
    /* contract details seen with the raw API: lframe_mm is [4,3] */
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t a = H5Aopen_by_name(f, "/", "lframe_mm", H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hsize_t d[2] = {0, 0};
    CHECK("lframe_mm stored as [4,3]", H5Sget_simple_extent_ndims(sp) == 2 &&
                                           H5Sget_simple_extent_dims(sp, d, NULL) == 2 &&
                                           d[0] == 4 && d[1] == 3);
    H5Sclose(sp);
    H5Aclose(a);
    H5Fclose(f);
    const char *p2 = path_of("s01_dvj_1b.obs.h5");
    CHECK("obs write again", kc_obs_write(p2, o, &prov) == KC_OK);
    CHECK("obs files byte-identical", same_file_bytes(p, p2));

    /* A large file (points over 1 MiB: chunked and compressed) still round-trips. */
    kc_obs *big = make_obs(4, 2000, 12);
    const char *p3 = path_of("big.obs.h5");
    CHECK("big obs write", kc_obs_write(p3, big, &prov) == KC_OK);
    r = NULL;
    CHECK("big obs read", kc_obs_read(p3, &r) == KC_OK && r);
    if (r)
        compare_obs(big, r);
    kc_obs_free(r);
    kc_obs_free(big);

    /* Weights outside [0,1] are refused on reading. */
    o->weights[5] = 1.5;
    const char *p4 = path_of("badweights.obs.h5");
    CHECK("obs bad weights write", kc_obs_write(p4, o, &prov) == KC_OK);
    unsigned e0 = kc_log_error_count();
    r = NULL;
    CHECK("obs bad weights rejected", kc_obs_read(p4, &r) == KC_EINVAL && !r);
    CHECK("obs bad weights: one error", kc_log_error_count() == e0 + 1);
    o->weights[5] = 0.5;
    /* Decreasing offsets are refused. */
    int64_t keep = o->centroids[1].offsets[10];
    o->centroids[1].offsets[10] = o->centroids[1].offsets[11] + 1;
    const char *p5 = path_of("badoffsets.obs.h5");
    CHECK("obs bad offsets write", kc_obs_write(p5, o, &prov) == KC_OK);
    e0 = kc_log_error_count();
    CHECK("obs bad offsets rejected", kc_obs_read(p5, &r) == KC_EINVAL && !r);
    CHECK("obs bad offsets: one error", kc_log_error_count() == e0 + 1);
    o->centroids[1].offsets[10] = keep;
    /* rate_hz must be positive (writer refuses, nothing left). */
    o->rate_hz = 0;
    CHECK("obs rate 0 refused", kc_obs_write(path_of("rate0.obs.h5"), o, &prov) == KC_EINVAL);
    kc_obs_free(o);
}

/* ---- trajectories ------------------------------------------------------------------------ */

static kc_traj *make_traj(size_t F, size_t M, size_t C, size_t U)
{
    kc_traj *t = kc_traj_alloc();
    kc_obs *o = make_obs(1, 1, M);   /* for its labels */
    if (kc_traj_alloc_arrays(t, F, M, o->labels, KC_RESIDUAL_PX, true, true) != KC_OK)
        abort();
    kc_obs_free(o);
    t->rate_hz = 250.0;
    t->first_frame = 148;
    t->start_time_s = 0.588;
    t->filter_cutoff_hz = 12.0;
    t->subject = strdup("s02");
    t->trial = strdup("dvj_3");
    for (size_t k = 0; k < F * M * 3; k++)
        t->position[k] = k % 23 == 5 ? NAN : val(11, k);
    for (size_t k = 0; k < F * M; k++) {
        t->residual[k] = 0.1 + 0.01 * (double)(k % 13);
        t->n_cameras_seen[k] = (uint8_t)(k % 9);
        t->filled[k] = (uint8_t)(k % 5 == 4 ? KC_FILL_UNKNOWN : k % 4);
    }
    t->n_cameras = C;
    t->camera_names = calloc(C, sizeof(char *));
    for (size_t c = 0; c < C; c++) {
        char nm[16];
        snprintf(nm, sizeof nm, "cam%zu", c);
        t->camera_names[c] = strdup(nm);
    }
    t->camera_used = malloc(F * M * C);
    for (size_t k = 0; k < F * M * C; k++)
        t->camera_used[k] = (uint8_t)(k % 3 == 0);
    t->n_unlabelled = U;
    t->unlabelled = malloc(F * U * 3 * sizeof(double));
    for (size_t k = 0; k < F * U * 3; k++)
        t->unlabelled[k] = val(12, k);
    double *out = malloc(F * 3 * sizeof(double));
    for (size_t k = 0; k < 3 * F; k++)
        out[k] = val(13, k);
    if (kc_traj_add_model_output(t, "LKneeAngles", "angle", out) ||
        kc_traj_add_model_output(t, "LGroundReactionForce", "force", out) ||
        kc_traj_add_event(t, "Foot Strike", "L", 0.4125, "c3d") ||
        kc_traj_add_event(t, "Foot Off", "R", 0.9871, "manual") ||
        kc_attrs_set_f64(&t->subject_params, "Bodymass", 71.3) ||
        kc_attrs_set_f64(&t->subject_params, "LLegLength", 912.0) ||
        kc_attrs_set_str(&t->subject_params, "Sex", "F"))
        abort();
    free(out);
    kc_obs *o2 = make_obs(1, F, M);   /* its truth has F frames and M markers */
    t->truth = o2->truth;
    o2->truth = NULL;
    kc_obs_free(o2);
    kc_forceplate *fp = calloc(1, sizeof *fp);
    if (kc_forceplate_alloc(fp, 4 * F))
        abort();
    fp->rate_hz = 1000.0;
    for (size_t k = 0; k < 12 * F; k++) {
        fp->force[k] = val(14, k);
        fp->moment[k] = val(15, k);
        fp->cop[k] = val(16, k);
    }
    t->n_forceplates = 1;
    t->forceplates = fp;
    return t;
}

static void test_traj(void)
{
    size_t F = 120, M = 9, C = 5, U = 4;
    kc_traj *t = make_traj(F, M, C, U);
    kc_provenance prov = {"test_files", 0, NULL, 0, NULL, false};
    const char *p = path_of("s02_dvj_3.traj.h5");
    CHECK("traj write", kc_traj_write(p, t, &prov) == KC_OK);
    kc_traj *r = NULL;
    CHECK("traj read", kc_traj_read(p, &r) == KC_OK && r);
    if (r) {
        CHECK("traj attrs", r->rate_hz == 250.0 && r->first_frame == 148 &&
                                r->start_time_s == 0.588 && r->filter_cutoff_hz == 12.0 &&
                                strcmp(r->subject, "s02") == 0 && strcmp(r->trial, "dvj_3") == 0 &&
                                r->task == NULL);
        CHECK("traj sizes", r->n_frames == F && r->n_markers == M && r->n_cameras == C &&
                                r->n_unlabelled == U);
        CHECK("traj labels", kc_traj_find(r, "RASI") == 1 && kc_traj_find(r, "nope") == -1);
        CHECK("traj position", same_array(t->position, r->position, F * M * 3));
        CHECK("traj residual", r->residual_kind == KC_RESIDUAL_PX &&
                                   same_array(t->residual, r->residual, F * M));
        CHECK("traj n_cameras", memcmp(t->n_cameras_seen, r->n_cameras_seen, F * M) == 0);
        CHECK("traj filled", memcmp(t->filled, r->filled, F * M) == 0);
        CHECK("traj camera_used", memcmp(t->camera_used, r->camera_used, F * M * C) == 0 &&
                                      strcmp(r->camera_names[4], "cam4") == 0);
        CHECK("traj unlabelled", same_array(t->unlabelled, r->unlabelled, F * U * 3));
        CHECK("traj model outputs", r->n_model_outputs == 2);
        for (size_t i = 0; i < r->n_model_outputs; i++) {
            /* stored sorted by name: LGroundReactionForce, LKneeAngles */
            const kc_model_output *mo = &r->model_outputs[i];
            CHECK("model output kind", strcmp(mo->kind, i == 0 ? "force" : "angle") == 0);
            CHECK("model output data", same_array(mo->data, t->model_outputs[0].data, 3 * F));
        }
        CHECK("traj events", r->events && kc_table_nrows(r->events) == 2 &&
                                 strcmp(kc_table_get_str(r->events, 1, kc_table_find(r->events, "source")), "manual") == 0 &&
                                 kc_table_get_f64(r->events, 0, kc_table_find(r->events, "time_s")) == 0.4125);
        const kc_attr *bm = kc_attrs_find(&r->subject_params, "Bodymass");
        const kc_attr *sx = kc_attrs_find(&r->subject_params, "Sex");
        CHECK("traj subject", r->subject_params.n == 3 && bm && bm->n == 1 && bm->v[0] == 71.3 &&
                                  sx && sx->str && strcmp(sx->str, "F") == 0);
        CHECK("traj truth", r->truth && r->truth->n_frames == F &&
                                same_array(t->truth->markers, r->truth->markers, F * M * 3));
        CHECK("traj forceplate", r->n_forceplates == 1 && r->forceplates[0].n == 4 * F &&
                                     same_array(t->forceplates[0].cop, r->forceplates[0].cop, 12 * F));
    }
    kc_traj_free(r);
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK("camera_names is an attribute of /camera_used",
          H5Aexists_by_name(f, "/camera_used", "camera_names", H5P_DEFAULT) > 0 &&
              H5Lexists(f, "/camera_names", H5P_DEFAULT) == 0);
    H5Fclose(f);
    const char *p2 = path_of("s02_dvj_3b.traj.h5");
    CHECK("traj write again", kc_traj_write(p2, t, &prov) == KC_OK);
    CHECK("traj files byte-identical", same_file_bytes(p, p2));

    /* A minimal file (imported: residual_mm, nothing optional) round-trips too. */
    kc_traj *m = kc_traj_alloc();
    char *lab[] = {(char *)"A", (char *)"B"};
    CHECK("minimal arrays", kc_traj_alloc_arrays(m, 3, 2, lab, KC_RESIDUAL_MM, false, false) == KC_OK);
    m->rate_hz = 100;
    const char *p3 = path_of("minimal.traj.h5");
    CHECK("minimal write", kc_traj_write(p3, m, &prov) == KC_OK);
    r = NULL;
    CHECK("minimal read", kc_traj_read(p3, &r) == KC_OK && r && r->residual_kind == KC_RESIDUAL_MM &&
                              isnan(r->position[4]) && isnan(r->filter_cutoff_hz) && !r->filled &&
                              !r->events && !r->truth && r->n_forceplates == 0);
    kc_traj_free(r);

    /* Errors: bad fill code (write refuses), duplicate labels, camera_used without names. */
    unsigned e0 = kc_log_error_count();
    t->filled[7] = 9;
    CHECK("bad fill code refused", kc_traj_write(path_of("x.traj.h5"), t, &prov) == KC_EINVAL);
    t->filled[7] = 0;
    char *keep = t->labels[2];
    t->labels[2] = t->labels[0];
    CHECK("duplicate label refused", kc_traj_write(path_of("x.traj.h5"), t, &prov) == KC_EINVAL);
    t->labels[2] = keep;
    m->camera_used = calloc(6, 1);
    CHECK("camera_used without names", kc_traj_write(path_of("x.traj.h5"), m, &prov) == KC_EINVAL);
    CHECK("three errors logged", kc_log_error_count() == e0 + 3);
    FILE *fp = fopen(path_of("x.traj.h5"), "rb");
    CHECK("nothing written", fp == NULL);
    if (fp)
        fclose(fp);
    CHECK("unknown model output kind", kc_traj_add_model_output(m, "X", "velocity", m->position) == KC_EINVAL);
    kc_traj_free(m);
    kc_traj_free(t);
}

/* ---- kinematics ------------------------------------------------------------------------- */

static void test_kin(void)
{
    size_t F = 150;
    kc_kin *k = kc_kin_alloc();
    k->trial_type = strdup("dvj");
    k->subject = strdup("s03");
    k->trial = strdup("dvj_2");
    k->rate_hz = 100.0;
    k->n_frames = F;
    double *a = malloc(3 * F * sizeof(double)), *s = malloc(F * sizeof(double));
    double n[3 * KC_NORM_POINTS];
    const char *angles[] = {"LKneeAngles", "RKneeAngles", "LHipAngles", "LPelvisAngles"};
    for (int i = 0; i < 4; i++) {
        for (size_t j = 0; j < 3 * F; j++)
            a[j] = val(20 + i, j);
        CHECK("add angle", kc_kin_add_angle(k, angles[i], a) == KC_OK);
    }
    CHECK("add duplicate angle refused", kc_kin_add_angle(k, "LKneeAngles", a) == KC_EINVAL);
    CHECK("add centre", kc_kin_add_centre(k, "LKJC", a) == KC_OK && kc_kin_add_centre(k, "RKJC", a) == KC_OK);
    for (size_t j = 0; j < F; j++)
        s[j] = val(30, j);
    CHECK("add series", kc_kin_add_series(k, "LFPPA", "deg", "frontal", s) == KC_OK &&
                            kc_kin_add_series(k, "knee_separation", "mm", "frontal", s) == KC_OK);
    for (size_t j = 0; j < 3 * KC_NORM_POINTS; j++)
        n[j] = val(31, j);
    CHECK("add normalized", kc_kin_add_normalized(k, "landing", "initial_contact", "take_off", "deg",
                                                  "LKneeAngles", n) == KC_OK &&
                                kc_kin_add_normalized(k, "landing", NULL, NULL, NULL, "RKneeAngles", n) == KC_OK &&
                                kc_kin_add_normalized(k, "second_landing", "second_contact", "peak_knee_flexion",
                                                      "deg", "LHipAngles", n) == KC_OK);
    k->events = kc_kin_events_alloc();
    k->metrics = kc_kin_metrics_alloc();
    kc_table *e = k->events, *m = k->metrics;
    for (int r = 0; r < 3; r++) {
        kc_table_add_row(e);
        kc_table_set_str(e, (size_t)r, kc_table_find(e, "name"), r == 2 ? "take_off" : "initial_contact");
        kc_table_set_str(e, (size_t)r, kc_table_find(e, "side"), r == 1 ? "R" : "L");
        kc_table_set_i64(e, (size_t)r, kc_table_find(e, "frame"), 41 + 20 * r);
        kc_table_set_f64(e, (size_t)r, kc_table_find(e, "time_s"), 0.4137 + 0.2 * r);
        kc_table_set_str(e, (size_t)r, kc_table_find(e, "method"), "force");
        kc_table_set_str(e, (size_t)r, kc_table_find(e, "source"), "detected");
        kc_table_set_f64(e, (size_t)r, kc_table_find(e, "uncertainty_s"), 0.0025);
        kc_table_add_row(m);
        kc_table_set_str(m, (size_t)r, kc_table_find(m, "name"), "knee_valgus_peak_deg");
        kc_table_set_str(m, (size_t)r, kc_table_find(m, "side"), "L");
        kc_table_set_f64(m, (size_t)r, kc_table_find(m, "value"), 7.25 + r);
        kc_table_set_str(m, (size_t)r, kc_table_find(m, "unit"), "deg");
        if (r != 1)
            kc_table_set_i64(m, (size_t)r, kc_table_find(m, "frame"), 55);
        kc_table_set_str(m, (size_t)r, kc_table_find(m, "window"), "IC->PKF");
    }
    CHECK("model attrs", kc_attrs_set_str(&k->model, "name", "pig") == KC_OK &&
                             kc_attrs_set_f64(&k->model, "marker_diameter_mm", 14.0) == KC_OK);
    kc_provenance prov = {"test_files", 0, NULL, 0, NULL, false};
    const char *p = path_of("s03_dvj_2.kin.h5");
    CHECK("kin write", kc_kin_write(p, k, &prov) == KC_OK);
    kc_kin *r = NULL;
    CHECK("kin read", kc_kin_read(p, &r) == KC_OK && r);
    if (r) {
        CHECK("kin attrs", strcmp(r->trial_type, "dvj") == 0 && strcmp(r->subject, "s03") == 0 &&
                               r->trial && strcmp(r->trial, "dvj_2") == 0 && r->rate_hz == 100.0 &&
                               r->n_frames == F);
        CHECK("kin angles", r->n_angles == 4 && r->n_centres == 2);
        const kc_series3 *lk = kc_kin_angle(r, "LKneeAngles"), *lp = kc_kin_angle(r, "LPelvisAngles");
        CHECK("kin angle data", lk && lp && same_array(lk->data, kc_kin_angle(k, "LKneeAngles")->data, 3 * F) &&
                                    same_array(lp->data, kc_kin_angle(k, "LPelvisAngles")->data, 3 * F));
        CHECK("kin centre", kc_kin_centre(r, "RKJC") != NULL && kc_kin_centre(r, "RHJC") == NULL);
        CHECK("kin series", r->n_series == 2 && strcmp(r->series[0].name, "LFPPA") == 0 &&
                                strcmp(r->series[0].plane, "frontal") == 0 &&
                                strcmp(r->series[1].units, "mm") == 0 && same_array(r->series[1].data, s, F));
        CHECK("kin phases", r->n_phases == 2 && strcmp(r->phases[0].name, "landing") == 0 &&
                                r->phases[0].n_channels == 2 &&
                                strcmp(r->phases[0].start_event, "initial_contact") == 0 &&
                                strcmp(r->phases[1].end_event, "peak_knee_flexion") == 0 &&
                                strcmp(r->phases[0].units, "deg") == 0 &&
                                same_array(r->phases[1].channels[0].data, n, 3 * KC_NORM_POINTS));
        CHECK("kin events", r->events && kc_table_nrows(r->events) == 3 &&
                                kc_table_get_i64(r->events, 2, kc_table_find(r->events, "frame")) == 81 &&
                                strcmp(kc_table_get_str(r->events, 2, kc_table_find(r->events, "name")), "take_off") == 0);
        CHECK("kin metrics", r->metrics && kc_table_nrows(r->metrics) == 3 &&
                                 kc_table_get_i64(r->metrics, 1, kc_table_find(r->metrics, "frame")) == INT64_MIN &&
                                 isnan(kc_table_get_f64(r->metrics, 1, kc_table_find(r->metrics, "time_s"))) &&
                                 kc_table_get_f64(r->metrics, 2, kc_table_find(r->metrics, "value")) == 9.25);
        const kc_attr *mn = kc_attrs_find(&r->model, "name");
        CHECK("kin model", mn && mn->str && strcmp(mn->str, "pig") == 0 &&
                               kc_attrs_find(&r->model, "marker_diameter_mm")->v[0] == 14.0);
    }
    kc_kin_free(r);
    const char *p2 = path_of("s03_dvj_2b.kin.h5");
    CHECK("kin write again", kc_kin_write(p2, k, &prov) == KC_OK);
    CHECK("kin files byte-identical", same_file_bytes(p, p2));
    /* Errors: no model name; an events table without its columns. */
    kc_attrs_clear(&k->model);
    unsigned e0 = kc_log_error_count();
    CHECK("kin without model refused", kc_kin_write(path_of("y.kin.h5"), k, &prov) == KC_EINVAL);
    CHECK("kin: one error", kc_log_error_count() == e0 + 1);
    CHECK("model again", kc_attrs_set_str(&k->model, "name", "kinechain") == KC_OK);
    const char *wn[] = {"name"};
    enum kc_col_type wt[] = {KC_COL_STR};
    kc_table_free(k->events);
    k->events = kc_table_alloc(1, wn, wt);
    CHECK("kin events without columns refused", kc_kin_write(path_of("y.kin.h5"), k, &prov) == KC_EINVAL);
    kc_kin_free(k);
    free(a);
    free(s);
}

/* ---- cohort ----------------------------------------------------------------------------- */

static void test_cohort(void)
{
    kc_cohort *c = kc_cohort_alloc();
    c->manifest = strdup("manifest.csv");
    const char *tn[] = {"subject", "group", "knee_valgus_peak_deg", "n_trials"};
    enum kc_col_type tt[] = {KC_COL_STR, KC_COL_STR, KC_COL_F64, KC_COL_I64};
    kc_table *t = kc_table_alloc(4, tn, tt);
    for (int r = 0; r < 25; r++) {
        char sub[16];
        snprintf(sub, sizeof sub, "s%02d", r);
        kc_table_add_row(t);
        kc_table_set_str(t, (size_t)r, 0, sub);
        kc_table_set_str(t, (size_t)r, 1, r % 2 ? "control" : "acl");
        kc_table_set_f64(t, (size_t)r, 2, val(40, (size_t)r));
        kc_table_set_i64(t, (size_t)r, 3, 3);
    }
    CHECK("units", kc_table_set_units(t, 2, "deg") == KC_OK);
    CHECK("add table", kc_cohort_add_table(c, "subjects", t) == KC_OK);
    CHECK("add empty table", kc_cohort_add_table(c, "groups", kc_table_alloc(4, tn, tt)) == KC_OK);
    CHECK("duplicate table name refused",
          kc_cohort_add_table(c, "groups", kc_table_alloc(4, tn, tt)) == KC_EINVAL);
    size_t N = 6, P = KC_NORM_POINTS, K = 3;
    double *d = malloc(N * P * K * sizeof(double));
    for (size_t i = 0; i < N * P * K; i++)
        d[i] = val(41, i);
    const char *in[] = {"subject", "trial", "side"};
    enum kc_col_type it[] = {KC_COL_STR, KC_COL_STR, KC_COL_STR};
    kc_table *idx = kc_table_alloc(3, in, it);
    for (size_t r = 0; r < N; r++) {
        kc_table_add_row(idx);
        kc_table_set_str(idx, r, 0, r < 3 ? "s01" : "s02");
        kc_table_set_str(idx, r, 1, "dvj_1");
        kc_table_set_str(idx, r, 2, r % 2 ? "R" : "L");
    }
    CHECK("add curves", kc_cohort_add_curves(c, "KneeAngles_landing", "landing", "KneeAngles",
                                             "deg", N, P, K, d, idx) == KC_OK);
    kc_table *idx2 = kc_table_alloc(3, in, it);
    CHECK("curves with wrong index rows refused",
          kc_cohort_add_curves(c, "bad", "", "", "deg", N, P, K, d, idx2) == KC_EINVAL);
    kc_provenance prov = {"test_files", 0, NULL, 0, NULL, false};
    const char *p = path_of("cohort.h5");
    CHECK("cohort write", kc_cohort_write(p, c, &prov) == KC_OK);
    kc_cohort *r = NULL;
    CHECK("cohort read", kc_cohort_read(p, &r) == KC_OK && r);
    if (r) {
        CHECK("cohort manifest", r->manifest && strcmp(r->manifest, "manifest.csv") == 0);
        const kc_table *rt = kc_cohort_table(r, "subjects");
        const kc_table *et = kc_cohort_table(r, "groups");
        CHECK("cohort empty table", et && kc_table_nrows(et) == 0 && kc_table_ncols(et) == 4 &&
                                        kc_table_col_type(et, 3) == KC_COL_I64);
        CHECK("cohort table", r->n_tables == 2 && rt && kc_table_nrows(rt) == 25 &&
                                  kc_table_get_f64(rt, 7, 2) == val(40, 7) &&
                                  kc_table_get_i64(rt, 7, 3) == 3 &&
                                  strcmp(kc_table_units(rt, 2), "deg") == 0);
        const kc_curves *cv = kc_cohort_curves(r, "KneeAngles_landing");
        CHECK("cohort curves", r->n_curves == 1 && cv && cv->n_curves == N && cv->n_points == P &&
                                   cv->n_components == K && same_array(cv->data, d, N * P * K) &&
                                   strcmp(cv->units, "deg") == 0 && strcmp(cv->phase, "landing") == 0 &&
                                   kc_table_nrows(cv->index) == N &&
                                   strcmp(kc_table_get_str(cv->index, 4, 0), "s02") == 0);
    }
    kc_cohort_free(r);
    const char *p2 = path_of("cohort2.h5");
    CHECK("cohort write again", kc_cohort_write(p2, c, &prov) == KC_OK);
    CHECK("cohort files byte-identical", same_file_bytes(p, p2));
    free(d);
    kc_cohort_free(c);
}

int main(void)
{
    kc_log_init("test_files", KC_LOG_QUIET);
    dir = kc_test_tmpdir("test_files");
    test_calib();
    test_obs();
    test_traj();
    test_kin();
    test_cohort();
    return kc_test_summary("test_files");
}
