/* Every reader against every bad file (tests/make_bad_files.c): the expected status, exactly
 * one error message naming the file, no crash, no HDF5 stack print; the newer-minor files
 * with unknown objects are read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/calibfile.h"
#include "kinechain/cohortfile.h"
#include "kinechain/h5io.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"
#include "make_bad_files.h"
#include "testutil.h"

static int n_msgs;
static char msgs[8][1024];
static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)func;
    (void)data;
    if (level != KC_LOG_ERROR)
        return;
    if (n_msgs < 8)
        snprintf(msgs[n_msgs], sizeof msgs[n_msgs], "%s", msg);
    n_msgs++;
}

static int read_calib(const char *p)
{
    kc_calib *x = NULL;
    int st = kc_calib_read(p, &x);
    if ((st == KC_OK) != (x != NULL))
        st = -999;
    kc_calib_free(x);
    return st;
}
static int read_obs(const char *p)
{
    kc_obs *x = NULL;
    int st = kc_obs_read(p, &x);
    if ((st == KC_OK) != (x != NULL))
        st = -999;
    kc_obs_free(x);
    return st;
}
static int read_traj(const char *p)
{
    kc_traj *x = NULL;
    int st = kc_traj_read(p, &x);
    if ((st == KC_OK) != (x != NULL))
        st = -999;
    kc_traj_free(x);
    return st;
}
static int read_kin(const char *p)
{
    kc_kin *x = NULL;
    int st = kc_kin_read(p, &x);
    if ((st == KC_OK) != (x != NULL))
        st = -999;
    kc_kin_free(x);
    return st;
}
static int read_cohort(const char *p)
{
    kc_cohort *x = NULL;
    int st = kc_cohort_read(p, &x);
    if ((st == KC_OK) != (x != NULL))
        st = -999;
    kc_cohort_free(x);
    return st;
}

static const struct {
    const char *kind;
    int (*read)(const char *path);
} readers[] = {
    {"calibration", read_calib}, {"observations", read_obs}, {"trajectories", read_traj},
    {"kinematics", read_kin},    {"cohort", read_cohort},
};
#define N_READERS (sizeof readers / sizeof readers[0])

/* The kind a wrong_kind file really holds: the next kind in the list above. */
static const char *actual_kind(const kc_bad_file *f)
{
    if (strcmp(f->variant, "wrong_kind") != 0)
        return f->kind;
    for (size_t i = 0; i < N_READERS; i++)
        if (strcmp(readers[i].kind, f->kind) == 0)
            return readers[(i + 1) % N_READERS].kind;
    return f->kind;
}

static int expected(const kc_bad_file *f, const char *reader_kind)
{
    const char *v = f->variant;
    if (!strcmp(v, "not_hdf5") || !strcmp(v, "garbage") || !strcmp(v, "truncated"))
        return KC_EFORMAT;
    if (!strcmp(v, "wrong_major"))
        return KC_EVERSION;   /* the version is checked before the kind */
    if (strcmp(reader_kind, actual_kind(f)) != 0)
        return KC_EKIND;
    if (!strcmp(v, "wrong_kind"))
        return KC_OK;         /* a good file of the other kind */
    return f->expect;
}

int main(void)
{
    kc_log_init("test_badfiles", KC_LOG_WARNING);
    kc_log_set_sink(sink, NULL);
    const char *dir = kc_test_tmpdir("test_badfiles");
    kc_bad_file *files = NULL;
    size_t n = 0;
    CHECK("make bad files", kc_make_bad_files(dir, &files, &n) == KC_OK && n >= 45);
    for (size_t i = 0; i < n; i++) {
        const kc_bad_file *f = &files[i];
        for (size_t r = 0; r < N_READERS; r++) {
            char what[3000];
            int want = expected(f, readers[r].kind);
            n_msgs = 0;
            int got = readers[r].read(f->path);
            snprintf(what, sizeof what, "%s reader on %s: got %d (%s), want %d (%s)",
                     readers[r].kind, f->path, got, kc_strerror(got), want, kc_strerror(want));
            CHECK(what, got == want);
            if (want == KC_OK) {
                snprintf(what, sizeof what, "%s reader on %s: no error message (got %d: %s)",
                         readers[r].kind, f->path, n_msgs, n_msgs ? msgs[0] : "");
                CHECK(what, n_msgs == 0);
            } else {
                snprintf(what, sizeof what, "%s reader on %s: exactly one error (got %d: %s | %s)",
                         readers[r].kind, f->path, n_msgs, n_msgs ? msgs[0] : "",
                         n_msgs > 1 ? msgs[1] : "");
                CHECK(what, n_msgs == 1);
                snprintf(what, sizeof what, "message names the file: %s", msgs[0]);
                CHECK(what, n_msgs >= 1 && strstr(msgs[0], f->path) != NULL);
                CHECK("message is one line", n_msgs >= 1 && strchr(msgs[0], '\n') == NULL);
            }
        }
        /* the generic open: kind NULL accepts any kind */
        kc_h5 *h = NULL;
        n_msgs = 0;
        int st = kc_h5_open(&h, f->path, NULL);
        int want = expected(f, actual_kind(f));
        if (want == KC_EFORMAT || want == KC_EVERSION) {
            CHECK("generic open fails like the readers", st == want && h == NULL && n_msgs == 1);
        } else {
            CHECK("generic open succeeds", st == KC_OK && h != NULL && n_msgs == 0);
            if (h && !strcmp(f->variant, "newer_minor"))
                CHECK("newer minor reported", kc_h5_minor(h) == 7);
        }
        kc_h5_close(h);
        if (!strcmp(f->variant, "newer_minor"))
            printf("read %s (schema 1.7 with unknown objects)\n", f->path);
    }
    free(files);
    kc_log_set_sink(NULL, NULL);
    return kc_test_summary("test_badfiles");
}
