/* Helpers shared by the C tests of kc-ik and kinetics (testkin.h). */
#include "testkin.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "kinechain/obsfile.h"
#include "kinechain/status.h"
#include "kinechain/trajfile.h"

int kc_test_truth_traj(const char *obs_path, const char *traj_path, int with_plates,
                       int with_truth, const char *program)
{
    kc_obs *o = NULL;
    kc_traj *t = NULL;
    int st = kc_obs_read(obs_path, &o);
    if (st)
        return st;
    st = KC_EMISSING;
    if (!o->truth || !o->truth->markers || o->truth->n_markers != o->n_markers)
        goto done;
    size_t F = o->truth->n_frames, M = o->n_markers;
    st = KC_ENOMEM;
    if (!(t = kc_traj_alloc()) ||
        (st = kc_traj_alloc_arrays(t, F, M, o->labels, KC_RESIDUAL_NONE, false, false)))
        goto done;
    memcpy(t->position, o->truth->markers, F * M * 3 * sizeof(double));
    t->rate_hz = o->rate_hz;
    t->subject = o->subject;
    t->task = o->task;
    t->trial = o->trial;
    o->subject = o->task = o->trial = NULL;
    if (with_plates) {
        t->forceplates = o->forceplates;
        t->n_forceplates = o->n_forceplates;
        o->forceplates = NULL;
        o->n_forceplates = 0;
    }
    if (with_truth) {
        t->truth = o->truth;
        o->truth = NULL;
    }
    kc_provenance prov = {program, 0, NULL, 0, NULL, false};
    st = kc_traj_write(traj_path, t, &prov);
done:
    kc_traj_free(t);
    kc_obs_free(o);
    return st;
}

double kc_test_row_f64(const kc_table *t, const char *name, const char *side, const char *col)
{
    if (!t)
        return NAN;
    int cn = kc_table_find(t, "name"), cs = kc_table_find(t, "side"), cv = kc_table_find(t, col);
    for (size_t i = 0; i < kc_table_nrows(t); i++)
        if (!strcmp(kc_table_get_str(t, i, cn), name) && !strcmp(kc_table_get_str(t, i, cs), side))
            return kc_table_get_f64(t, i, cv);
    return NAN;
}
