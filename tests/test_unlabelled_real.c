/* Static-pose labelling (label.h) on real Plug-in Gait static captures labelled by Vicon
 * Nexus (../shared/data/real/btk_plugingait/PiG_Calibration*.c3d and
 * pycgm_nexus_pig/Static_trial.c3d; see each SOURCE.md): the mean position of each of the
 * 20 markers (C3D labels, subject prefix stripped) over the frames where it was seen,
 * presented shuffled and turned about the vertical through the pelvis by k·45°, k = 0..7
 * (and as captured): every marker must get its Vicon label. A file lacking one of the 20
 * markers is reported and skipped; all files lacking them, or no data folder: exit 77. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "kinechain/c3d.h"
#include "kinechain/label.h"
#include "kinechain/log.h"
#include "kinechain/trajfile.h"
#include "testutil.h"

static const char *const FILES[] = {
    "btk_plugingait/PiG_Calibration-FlatFoot-Full.c3d",
    "btk_plugingait/PiG_Calibration3_FF_N18.c3d",
    "btk_plugingait/PiG_Calibration3_noFF.c3d",
    "pycgm_nexus_pig/Static_trial.c3d",
};

static void quiet_sink(enum kc_log_level lvl, const char *func, const char *msg, void *ud)
{
    (void)ud;
    (void)func;
    if (lvl == KC_LOG_ERROR)
        fprintf(stderr, "  %s\n", msg);
}

/* 1: tested and passed, 0: failed, -1: skipped */
static int one_file(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    kc_c3d *c = NULL;
    kc_traj *t = NULL;
    kc_c3d_import_opts o = kc_c3d_default_import_opts();
    o.strip_prefix = true;
    if (kc_c3d_read(path, &c) || kc_c3d_to_traj(c, &o, &t)) {
        printf("%s: cannot read, skipped\n", name);
        kc_c3d_free(c);
        return -1;
    }
    double P[3 * KC_LABEL_PIG_N];
    int res = 1;
    for (int L = 0; L < KC_LABEL_PIG_N && res == 1; L++) {
        int m = kc_traj_find(t, KC_LABEL_PIG_NAMES[L]);
        double s[3] = {0, 0, 0};
        long n = 0;
        for (size_t f = 0; m >= 0 && f < t->n_frames; f++) {
            const double *x = t->position + 3 * (f * t->n_markers + (size_t)m);
            if (isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2])) {
                for (int d = 0; d < 3; d++)
                    s[d] += x[d];
                n++;
            }
        }
        if (n == 0) {
            printf("%s: no %s, skipped\n", name, KC_LABEL_PIG_NAMES[L]);
            res = -1;
        }
        for (int d = 0; d < 3 && n; d++)
            P[3 * L + d] = s[d] / (double)n;
    }
    kc_traj_free(t);
    kc_c3d_free(c);
    if (res < 0)
        return res;
    /* the pelvis centre, for turning about the vertical through it */
    double cx = 0.25 * (P[0] + P[3] + P[6] + P[9]), cy = 0.25 * (P[1] + P[4] + P[7] + P[10]);
    int ok_all = 1;
    for (int k = 0; k < 8; k++) {
        double a = k * 3.14159265358979323846 / 4, ca = cos(a), sa = sin(a);
        double Q[3 * KC_LABEL_PIG_N];
        int lab[KC_LABEL_PIG_N];
        for (int m = 0; m < KC_LABEL_PIG_N; m++) {
            int r = (11 * m + 5) % KC_LABEL_PIG_N;   /* shuffled */
            double x = P[3 * m] - cx, y = P[3 * m + 1] - cy;
            Q[3 * r] = cx + ca * x - sa * y;
            Q[3 * r + 1] = cy + sa * x + ca * y;
            Q[3 * r + 2] = P[3 * m + 2];
        }
        int ok = kc_label_static_pose(Q, KC_LABEL_PIG_N, lab, name) == KC_OK;
        for (int m = 0; ok && m < KC_LABEL_PIG_N; m++)
            ok = lab[(11 * m + 5) % KC_LABEL_PIG_N] == m;
        if (!ok)
            printf("%s turned %d deg: labelled wrongly\n", name, 45 * k);
        ok_all &= ok;
    }
    printf("%s: 20 markers, 8 directions: %s\n", name, ok_all ? "all labelled as Vicon did" : "WRONG");
    return ok_all;
}

int main(void)
{
    gsl_set_error_handler_off();
    kc_log_set_sink(quiet_sink, NULL);
    const char *dir = getenv("KC_REAL_DATA");
    if (!dir || !*dir) {
        printf("KC_REAL_DATA not set: skipped\n");
        return 77;
    }
    int tested = 0;
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++) {
        int r = one_file(dir, FILES[i]);
        if (r >= 0) {
            tested++;
            CHECK("real static: every marker labelled as Vicon did, 8 directions", r == 1);
        }
    }
    if (tested == 0) {
        printf("no real static with the 20 markers: skipped\n");
        return 77;
    }
    return kc_test_summary("test_unlabelled_real");
}
