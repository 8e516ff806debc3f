/* Generate tests/data/bad: for each file kind, files that every reader and kc-validate
 * must reject cleanly (one error line naming the file, non-zero exit), plus a file of a
 * newer minor version with unknown extra objects that must be read successfully.
 *
 *   <kind>_not_hdf5       a text file
 *   <kind>_garbage        the HDF5 signature followed by noise
 *   <kind>_truncated      a valid file cut in half
 *   <kind>_wrong_kind     a valid file of another kind under this kind's extension
 *   <kind>_wrong_major    schema_version 2.0
 *   <kind>_missing        a required dataset or group removed
 *   <kind>_wrong_shape    a required dataset with the wrong rank
 *   <kind>_wrong_type     strings where numbers belong (right shape)
 *   <kind>_newer_minor    schema_version 1.7 with unknown datasets, groups, attributes and
 *                         table columns: must be read
 *
 * Built as the program make_bad_files (main below, with KC_BAD_FILES_MAIN) and linked into
 * test_badfiles. */
#include "make_bad_files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "kinechain/atomic.h"
#include "kinechain/calibfile.h"
#include "kinechain/cohortfile.h"
#include "kinechain/kinfile.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"

static const kc_provenance no_prov = {"make_bad_files", 0, NULL, 0, NULL, false};

/* ---- small valid files of each kind ------------------------------------------------------ */

static int write_calib(const char *path)
{
    kc_calib *c = kc_calib_alloc(2);
    if (!c)
        return KC_ENOMEM;
    snprintf(c->method, sizeof c->method, "synthetic-truth");
    for (int i = 0; i < 2; i++) {
        kc_camera *cam = &c->cameras[i].cam;
        snprintf(cam->name, sizeof cam->name, "cam%d", i + 1);
        cam->fx = cam->fy = 1200.0 + i;
        cam->cx = 639.5;
        cam->cy = 479.5;
        cam->k1 = -0.05;
        cam->R = kc_m3_rotz(0.3 * i);
        cam->t = kc_v3(10.0 * i, 20.0, 4000.0);
        cam->width = 1280;
        cam->height = 960;
        c->cameras[i].rms_px = 0.25;
        c->cameras[i].n_obs = 900;
    }
    int st = kc_calib_write(path, c, &no_prov);
    kc_calib_free(c);
    return st;
}

static char **names(size_t n, const char *prefix)
{
    char **v = calloc(n, sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s%zu", prefix, i + 1);
        v[i] = strdup(buf);
    }
    return v;
}

static int write_obs(const char *path)
{
    enum { C = 2, F = 6, M = 3 };
    kc_obs *o = kc_obs_alloc();
    if (!o)
        return KC_ENOMEM;
    o->rate_hz = 100;
    snprintf(o->capture, sizeof o->capture, "trial");
    o->n_cameras = C;
    o->camera_names = names(C, "cam");
    o->n_frames = F;
    o->n_markers = M;
    o->labels = names(M, "M");
    o->points = malloc(C * F * M * 2 * sizeof(double));
    for (size_t i = 0; i < C * F * M * 2; i++)
        o->points[i] = 100.0 + 3.5 * (double)i;
    o->centroids = calloc(C, sizeof *o->centroids);
    for (size_t c = 0; c < C; c++) {
        o->centroids[c].offsets = calloc(F + 1, sizeof(int64_t));
        for (size_t f = 0; f <= F; f++)
            o->centroids[c].offsets[f] = (int64_t)f;
        o->centroids[c].n = F;
        o->centroids[c].xy = malloc(2 * F * sizeof(double));
        for (size_t k = 0; k < 2 * F; k++)
            o->centroids[c].xy[k] = 50.0 + (double)k;
    }
    kc_truth *t = kc_truth_alloc();
    o->truth = t;
    t->n_frames = F;
    t->n_markers = M;
    t->labels = names(M, "M");
    t->markers = malloc(F * M * 3 * sizeof(double));
    for (size_t k = 0; k < F * M * 3; k++)
        t->markers[k] = 10.0 * (double)k;
    int st = kc_obs_write(path, o, &no_prov);
    kc_obs_free(o);
    return st;
}

static int write_traj(const char *path)
{
    enum { F = 5, M = 3 };
    kc_traj *t = kc_traj_alloc();
    if (!t)
        return KC_ENOMEM;
    char **labels = names(M, "M");
    int st = kc_traj_alloc_arrays(t, F, M, labels, KC_RESIDUAL_MM, false, true);
    for (size_t i = 0; i < M; i++)
        free(labels[i]);
    free(labels);
    if (st) {
        kc_traj_free(t);
        return st;
    }
    t->rate_hz = 100;
    t->first_frame = 30;
    for (size_t k = 0; k < F * M * 3; k++)
        t->position[k] = 5.0 * (double)k - 20.0;
    for (size_t k = 0; k < F * M; k++) {
        t->residual[k] = 0.5;
        t->filled[k] = KC_FILL_MEASURED;
    }
    double out[3 * F];
    for (size_t k = 0; k < 3 * F; k++)
        out[k] = (double)k;
    if ((st = kc_traj_add_model_output(t, "LKneeAngles", "angle", out)) ||
        (st = kc_traj_add_event(t, "Foot Strike", "L", 0.02, "c3d"))) {
        kc_traj_free(t);
        return st;
    }
    st = kc_traj_write(path, t, &no_prov);
    kc_traj_free(t);
    return st;
}

static int write_kin(const char *path)
{
    enum { F = 5 };
    kc_kin *k = kc_kin_alloc();
    if (!k)
        return KC_ENOMEM;
    k->trial_type = strdup("dvj");
    k->subject = strdup("s01");
    k->rate_hz = 100;
    k->n_frames = F;
    double a[3 * F], s[F], n[3 * KC_NORM_POINTS];
    for (size_t i = 0; i < 3 * F; i++)
        a[i] = 1.5 * (double)i;
    for (size_t i = 0; i < F; i++)
        s[i] = 2.0 * (double)i;
    for (size_t i = 0; i < 3 * KC_NORM_POINTS; i++)
        n[i] = 0.5 * (double)i;
    int st;
    if ((st = kc_kin_add_angle(k, "LKneeAngles", a)) ||
        (st = kc_kin_add_series(k, "LFPPA", "deg", "frontal", s)) ||
        (st = kc_kin_add_normalized(k, "landing", "initial_contact", "take_off", "deg",
                                    "LKneeAngles", n)) ||
        (st = kc_attrs_set_str(&k->model, "name", "pig"))) {
        kc_kin_free(k);
        return st;
    }
    k->events = kc_kin_events_alloc();
    if (kc_table_add_row(k->events) < 0) {
        kc_kin_free(k);
        return KC_ENOMEM;
    }
    st = kc_kin_write(path, k, &no_prov);
    kc_kin_free(k);
    return st;
}

static int write_cohort(const char *path)
{
    kc_cohort *c = kc_cohort_alloc();
    if (!c)
        return KC_ENOMEM;
    const char *cn[] = {"subject", "value"};
    enum kc_col_type ct[] = {KC_COL_STR, KC_COL_F64};
    kc_table *t = kc_table_alloc(2, cn, ct);
    kc_table *idx = kc_table_alloc(1, cn, ct);
    double d[2 * 4 * 3];
    for (size_t i = 0; i < 24; i++)
        d[i] = (double)i;
    int st = KC_ENOMEM;
    if (t && idx && kc_table_add_row(t) == 0 && kc_table_add_row(idx) == 0 &&
        kc_table_add_row(idx) == 1) {
        kc_table_set_str(t, 0, 0, "s01");
        kc_table_set_f64(t, 0, 1, 4.5);
        st = kc_cohort_add_table(c, "trials", t);
        t = NULL;
        if (!st)
            st = kc_cohort_add_curves(c, "LKnee_landing", "landing", "LKneeAngles", "deg", 2, 4,
                                      3, d, idx);
        idx = NULL;
        if (!st)
            st = kc_cohort_write(path, c, &no_prov);
    }
    kc_table_free(t);
    kc_table_free(idx);
    kc_cohort_free(c);
    return st;
}

/* ---- raw HDF5 edits ---------------------------------------------------------------------- */

static hid_t open_rw(const char *path)
{
    return H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
}

static int set_version(const char *path, int major, int minor)
{
    hid_t f = open_rw(path);
    if (f < 0)
        return KC_EIO;
    H5Adelete_by_name(f, "/", "schema_version", H5P_DEFAULT);
    hsize_t two = 2;
    hid_t sp = H5Screate_simple(1, &two, NULL);
    hid_t a = H5Acreate2(f, "schema_version", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int v[2] = {major, minor};
    herr_t rc = H5Awrite(a, H5T_NATIVE_INT, v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(f);
    return rc < 0 ? KC_EHDF5 : KC_OK;
}

static int delete_obj(const char *path, const char *obj)
{
    hid_t f = open_rw(path);
    if (f < 0)
        return KC_EIO;
    herr_t rc = H5Ldelete(f, obj, H5P_DEFAULT);
    H5Fclose(f);
    return rc < 0 ? KC_EHDF5 : KC_OK;
}

/* Replace obj by a dataset of the given rank and dims, of doubles or of strings. */
static int replace_dataset(const char *path, const char *obj, int rank, const hsize_t *dims,
                           int strings)
{
    hid_t f = open_rw(path);
    if (f < 0)
        return KC_EIO;
    H5Ldelete(f, obj, H5P_DEFAULT);
    hsize_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t type = strings ? H5Tcopy(H5T_C_S1) : H5Tcopy(H5T_IEEE_F64LE);
    if (strings) {
        H5Tset_size(type, H5T_VARIABLE);
        H5Tset_cset(type, H5T_CSET_UTF8);
    }
    hid_t d = H5Dcreate2(f, obj, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : 0;
    if (d >= 0) {
        if (strings) {
            const char **s = malloc(n * sizeof *s);
            for (hsize_t i = 0; i < n; i++)
                s[i] = "twelve";
            rc = H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s);
            free(s);
        } else {
            double *v = calloc(n, sizeof *v);
            rc = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
            free(v);
        }
        H5Dclose(d);
    }
    H5Tclose(type);
    H5Sclose(sp);
    H5Fclose(f);
    return rc < 0 ? KC_EHDF5 : KC_OK;
}

/* Add objects a 1.0 reader does not know: a root dataset and attribute, a group with a
 * dataset, and per kind extras inside groups the reader walks. */
static int add_unknown_objects(const char *path, const char *const *extra_groups,
                               const char *const *extra_datasets)
{
    hid_t f = open_rw(path);
    if (f < 0)
        return KC_EIO;
    hsize_t three = 3;
    double v[3] = {1.25, 2.5, 3.75};
    hid_t sp = H5Screate_simple(1, &three, NULL);
    herr_t rc = 0;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const char *root_ds[] = {"/future_dataset", "/future_group/inner", NULL};
    for (int i = 0; root_ds[i]; i++) {
        hid_t d = H5Dcreate2(f, root_ds[i], H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
            rc = -1;
        if (d >= 0)
            H5Dclose(d);
    }
    for (int i = 0; extra_datasets && extra_datasets[i]; i++) {
        hid_t d = H5Dcreate2(f, extra_datasets[i], H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT,
                             H5P_DEFAULT);
        if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
            rc = -1;
        if (d >= 0)
            H5Dclose(d);
    }
    for (int i = 0; extra_groups && extra_groups[i]; i++) {
        hid_t g = H5Gcreate2(f, extra_groups[i], lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            rc = -1;
        else
            H5Gclose(g);
    }
    hid_t a = H5Acreate2(f, "future_attribute", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, v) < 0)
        rc = -1;
    if (a >= 0)
        H5Aclose(a);
    H5Pclose(lcpl);
    H5Sclose(sp);
    H5Fclose(f);
    return rc < 0 ? KC_EHDF5 : KC_OK;
}

static int write_text(const char *path, const char *text, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return KC_EIO;
    size_t w = fwrite(text, 1, n, fp);
    return fclose(fp) == 0 && w == n ? KC_OK : KC_EIO;
}

static int truncate_half(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return KC_EIO;
    return truncate(path, st.st_size / 2) == 0 ? KC_OK : KC_EIO;
}

/* ---- the table of bad files ------------------------------------------------------------ */

typedef struct kind_info {
    const char *kind, *short_name, *ext;
    int (*write)(const char *path);
    const char *missing;                     /* object removed for _missing */
    const char *shape_obj;                   /* replaced for _wrong_shape and _wrong_type */
    int shape_rank;                          /* a wrong rank */
    hsize_t shape_dims[4];
    int type_rank;                           /* the right shape, as strings */
    hsize_t type_dims[4];
    const char *extra_groups[4];             /* for _newer_minor */
    const char *extra_datasets[4];
} kind_info;

static const kind_info kinds[] = {
    {"calibration", "calib", ".calib.h5", write_calib, "/cameras/cam2/K", "/cameras/cam1/K", 1,
     {9}, 2, {3, 3}, {"/cameras/future_camera", NULL}, {"/cameras/cam1/future_extra", NULL}},
    {"observations", "obs", ".obs.h5", write_obs, "/points", "/points", 3, {2, 6, 3}, 4,
     {2, 6, 3, 2}, {"/centroids/future_cam", "/truth/angles", NULL},
     {"/truth/future_extra", "/centroids/cam1/future_extra", NULL}},
    {"trajectories", "traj", ".traj.h5", write_traj, "/position", "/position", 2, {5, 3}, 3,
     {5, 3, 3}, {"/model_outputs/future_group", NULL},
     {"/events/future_column", "/subject/future_dataset", NULL}},
    {"kinematics", "kin", ".kin.h5", write_kin, "/model", "/angles/LKneeAngles", 1, {5}, 2,
     {5, 3}, {"/series/future_group", "/angles/future_group", NULL},
     {"/normalized/future_dataset", "/events/future_column", NULL}},
    {"cohort", "cohort", ".cohort.h5", write_cohort, "/tables",
     "/curves/LKnee_landing/data", 2, {2, 4}, 3, {2, 4, 3},
     {"/curves/LKnee_landing/future_group", "/tables/trials/future_group", NULL},
     {"/tables/future_dataset", "/curves/LKnee_landing/future", NULL}},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

int kc_make_bad_files(const char *dir, kc_bad_file **files_out, size_t *n_out)
{
    static const struct {
        const char *variant;
        int expect;
    } variants[] = {
        {"not_hdf5", KC_EFORMAT},  {"garbage", KC_EFORMAT},      {"truncated", KC_EFORMAT},
        {"wrong_kind", KC_EKIND},  {"wrong_major", KC_EVERSION}, {"missing", KC_EMISSING},
        {"wrong_shape", KC_ESHAPE}, {"wrong_type", KC_ETYPE},     {"newer_minor", KC_OK},
    };
    size_t nv = sizeof variants / sizeof variants[0];
    kc_bad_file *files = calloc(N_KINDS * nv, sizeof *files);
    if (!files)
        return KC_ENOMEM;
    size_t n = 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int st = KC_OK;
    for (size_t k = 0; k < N_KINDS && !st; k++) {
        const kind_info *ki = &kinds[k];
        for (size_t v = 0; v < nv && !st; v++) {
            kc_bad_file *bf = &files[n++];
            snprintf(bf->path, sizeof bf->path, "%s/%s_%s%s", dir, ki->short_name,
                     variants[v].variant, ki->ext);
            bf->kind = ki->kind;
            bf->variant = variants[v].variant;
            bf->expect = variants[v].expect;
            unlink(bf->path);
            const char *vn = variants[v].variant;
            if (strcmp(vn, "not_hdf5") == 0) {
                static const char text[] = "subject,trial\ns01,dvj_1\n";
                st = write_text(bf->path, text, sizeof text - 1);
            } else if (strcmp(vn, "garbage") == 0) {
                char junk[2048];
                memcpy(junk, "\x89HDF\r\n\x1a\n", 8);
                unsigned x = 12345u;
                for (size_t i = 8; i < sizeof junk; i++) {
                    x = x * 1103515245u + 12345u;
                    junk[i] = (char)(x >> 16);
                }
                st = write_text(bf->path, junk, sizeof junk);
            } else if (strcmp(vn, "wrong_kind") == 0) {
                st = kinds[(k + 1) % N_KINDS].write(bf->path);
            } else {
                st = ki->write(bf->path);
                if (st)
                    break;
                if (strcmp(vn, "truncated") == 0)
                    st = truncate_half(bf->path);
                else if (strcmp(vn, "wrong_major") == 0)
                    st = set_version(bf->path, 2, 0);
                else if (strcmp(vn, "missing") == 0)
                    st = delete_obj(bf->path, ki->missing);
                else if (strcmp(vn, "wrong_shape") == 0)
                    st = replace_dataset(bf->path, ki->shape_obj, ki->shape_rank, ki->shape_dims, 0);
                else if (strcmp(vn, "wrong_type") == 0)
                    st = replace_dataset(bf->path, ki->shape_obj, ki->type_rank, ki->type_dims, 1);
                else if (strcmp(vn, "newer_minor") == 0) {
                    st = set_version(bf->path, 1, 7);
                    if (!st)
                        st = add_unknown_objects(bf->path, ki->extra_groups, ki->extra_datasets);
                }
            }
            if (st)
                fprintf(stderr, "make_bad_files: cannot make \"%s\": %s\n", bf->path,
                        kc_strerror(st));
        }
    }
    if (st) {
        free(files);
        return st;
    }
    *files_out = files;
    *n_out = n;
    return KC_OK;
}

#ifdef KC_BAD_FILES_MAIN
/* A file whose first global-heap object (a variable-length string) claims a huge size.
 * HDF5 1.10 does not bounds-check it and may crash reading the file, so this one is only
 * for kc-validate (which reads each file in a child process), not for in-process tests. */
static int make_heap_corrupt(const char *path)
{
    int st = write_obs(path);
    if (st)
        return st;
    FILE *fp = fopen(path, "r+b");
    if (!fp)
        return KC_EIO;
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    st = KC_EFORMAT;
    for (size_t i = 0; i + 32 <= n; i++) {
        if (memcmp(buf + i, "GCOL", 4) != 0)
            continue;
        /* collection: signature 4, version 1, reserved 3, size 8; then objects: index 2,
         * reference count 2, reserved 4, size 8, data */
        size_t at = i + 16 + 8;
        unsigned char huge[8] = {0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0};
        if (fseek(fp, (long)at, SEEK_SET) == 0 && fwrite(huge, 1, 8, fp) == 8)
            st = KC_OK;
        break;
    }
    if (fclose(fp) != 0)
        st = KC_EIO;
    return st;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "Usage: make_bad_files DIR\n");
        return 1;
    }
    if (kc_mkdir_p(argv[1]) != KC_OK)
        return 2;
    kc_bad_file *files = NULL;
    size_t n = 0;
    int st = kc_make_bad_files(argv[1], &files, &n);
    if (st)
        return 2;
    FILE *list = NULL;
    char path[700];
    snprintf(path, sizeof path, "%s/LIST", argv[1]);
    list = fopen(path, "w");
    for (size_t i = 0; list && i < n; i++)
        fprintf(list, "%s %s %s\n", strrchr(files[i].path, '/') + 1, files[i].variant,
                files[i].kind);
    snprintf(path, sizeof path, "%s/obs_heap_corrupt.obs.h5", argv[1]);
    if (make_heap_corrupt(path) != KC_OK) {
        fprintf(stderr, "make_bad_files: cannot make \"%s\"\n", path);
        st = 2;
    } else if (list) {
        fprintf(list, "obs_heap_corrupt.obs.h5 heap_corrupt observations\n");
    }
    if (!list || fclose(list) != 0)
        st = 2;
    free(files);
    return st ? 2 : 0;
}
#endif
