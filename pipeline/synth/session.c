/* A whole synthetic session: calibration truth and captures, subjects, and per subject the
 * static, functional-knee, drop-jump and single-leg-squat trials. Trials of one subject are
 * generated in parallel (each from its own random streams, no HDF5 inside the parallel
 * region), then written in a fixed order, so the files do not depend on the thread count. */
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

#include "kinechain/atomic.h"
#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/status.h"
#include "kinechain/table.h"

sy_options sy_default_options(void)
{
    sy_options o;
    o.n_subjects = 8;
    o.n_dvj = 3;
    o.n_sls = 1;
    o.n_cameras = 8;
    o.rate_hz = 200;
    o.noise_px = 0.3;
    o.dropout = 0.005;
    o.spurious = 0.02;
    o.fp_noise_n = 1.0;
    o.occlusion = true;
    o.mode = SY_ANATOMICAL;
    o.seed = 1;
    o.wand_s = 20;
    o.knee_marker_rot_deg = NAN;
    o.sta_scale = 1.0;
    o.independent_subjects = false;
    return o;
}

typedef struct trial_spec {
    enum sy_task task;
    int side;            /* SLS stance side */
    int number;          /* 1-based repetition */
    int index;           /* stream id within the subject */
    char name[32];
    const char *task_name, *capture;
} trial_spec;

static int make_specs(const sy_options *opt, trial_spec *sp)
{
    int n = 0;
    sp[n++] = (trial_spec){SY_TASK_STATIC, -1, 1, 0, "static", "static", "static"};
    sp[n++] = (trial_spec){SY_TASK_FUNCTIONAL, -1, 1, 1, "functional", "functional_knee",
                           "functional"};
    for (int i = 0; i < opt->n_dvj; i++) {
        sp[n] = (trial_spec){SY_TASK_DVJ, -1, i + 1, 100 + i, "", "dvj", "trial"};
        snprintf(sp[n].name, sizeof sp[n].name, "dvj_%d", i + 1);
        n++;
    }
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < opt->n_sls; i++) {
            sp[n] = (trial_spec){SY_TASK_SLS, side, i + 1, 200 + 100 * side + i, "", "sls", "trial"};
            snprintf(sp[n].name, sizeof sp[n].name, "sls_%s_%d", side == SY_L ? "L" : "R", i + 1);
            n++;
        }
    return n;
}

static int set_series(kc_series3 *s, const char *name, const double *data, size_t F)
{
    s->name = strdup(name);
    s->data = malloc(F * 3 * sizeof *s->data);
    if (!s->name || !s->data)
        return KC_ENOMEM;
    memcpy(s->data, data, F * 3 * sizeof *s->data);
    return KC_OK;
}

/* Everything of one trial, in memory (no HDF5). */
static int gen_trial(const sy_subject *s, const trial_spec *sp, const sy_options *opt,
                     const sy_rig *rig, kc_obs **out)
{
    int st = KC_OK;
    sy_motion *m = malloc(sizeof *m);
    gsl_rng *r = sy_rng(opt->seed, SY_RNG_TRIAL, s->index, sp->index, 0);
    gsl_rng *rf = sy_rng(opt->seed, SY_RNG_FP, s->index, sp->index, 0);
    kc_obs *o = kc_obs_alloc();
    sy_trialdata td;
    memset(&td, 0, sizeof td);
    kc_forceplate *fp = calloc(2, sizeof *fp);
    if (!m || !r || !rf || !o || !fp) {
        st = KC_ENOMEM;
        goto done;
    }
    switch (sp->task) {
    case SY_TASK_STATIC: st = sy_plan_static(s, m, r); break;
    case SY_TASK_FUNCTIONAL: st = sy_plan_functional(s, m, r); break;
    case SY_TASK_DVJ: st = sy_plan_dvj(s, m, r); break;
    case SY_TASK_SLS: st = sy_plan_sls(s, m, sp->side, r); break;
    }
    if (st) {
        KC_ERROR("%s/%s: cannot plan the motion: %s", s->id, sp->name, kc_strerror(st));
        goto done;
    }
    if ((st = sy_trial_sample(s, m, opt, &td)))
        goto done;
    size_t F = td.n_frames, M = SY_N_MARKERS;
    double peak_n[2], peak_t[2];
    if ((st = sy_forceplates(s, m, opt, F, rf, fp, peak_n, peak_t)))
        goto done;
    o->forceplates = fp;
    o->n_forceplates = 2;
    fp = NULL;
    /* observations */
    o->rate_hz = opt->rate_hz;
    snprintf(o->capture, sizeof o->capture, "%s", sp->capture);
    o->subject = strdup(s->id);
    o->trial = strdup(sp->name);
    o->task = strdup(sp->task_name);
    o->n_cameras = (size_t)rig->n;
    o->camera_names = calloc(o->n_cameras, sizeof *o->camera_names);
    o->n_markers = M;
    o->labels = calloc(M, sizeof *o->labels);
    if (!o->subject || !o->trial || !o->task || !o->camera_names || !o->labels) {
        st = KC_ENOMEM;
        goto done;
    }
    for (size_t c = 0; c < o->n_cameras; c++)
        if (!(o->camera_names[c] = strdup(rig->cams[c].name))) {
            st = KC_ENOMEM;
            goto done;
        }
    for (size_t k = 0; k < M; k++)
        if (!(o->labels[k] = strdup(sy_marker_names[k]))) {
            st = KC_ENOMEM;
            goto done;
        }
    o->n_frames = F;
    sy_scene sc = {F, M, td.mk, td.normal, sy_marker_segment, td.cap_a, td.cap_b, td.cap_r};
    if ((st = sy_capture(rig, opt, &sc, true, s->index, sp->index, o, NULL)))
        goto done;
    /* truth */
    kc_truth *t = kc_truth_alloc();
    if (!t) {
        st = KC_ENOMEM;
        goto done;
    }
    o->truth = t;
    t->n_frames = F;
    t->n_markers = M;
    t->labels = calloc(M, sizeof *t->labels);
    t->write_labels = 0;
    t->markers = malloc(F * M * 3 * sizeof *t->markers);
    t->angles = calloc(SY_N_ANGLES, sizeof *t->angles);
    t->centres = calloc(SY_N_CENTRES, sizeof *t->centres);
    t->mode = strdup(opt->mode == SY_IDENTITY ? "identity" : "anatomical");
    t->angle_convention = strdup("docs/pig-model.md");
    if (!t->labels || !t->markers || !t->angles || !t->centres || !t->mode ||
        !t->angle_convention) {
        st = KC_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < M; k++)
        if (!(t->labels[k] = strdup(sy_marker_names[k]))) {
            st = KC_ENOMEM;
            goto done;
        }
    for (size_t i = 0; i < F * M; i++) {
        t->markers[3 * i] = td.mk[i].x;
        t->markers[3 * i + 1] = td.mk[i].y;
        t->markers[3 * i + 2] = td.mk[i].z;
    }
    t->n_angles = SY_N_ANGLES;
    for (int k = 0; k < SY_N_ANGLES && !st; k++)
        st = set_series(&t->angles[k], sy_angle_names[k], td.angles + (size_t)k * F * 3, F);
    t->n_centres = SY_N_CENTRES;
    for (int k = 0; k < SY_N_CENTRES && !st; k++)
        st = set_series(&t->centres[k], sy_centre_names[k], td.centres + (size_t)k * F * 3, F);
    if (!st)
        st = sy_truth_tables(s, m, &td, peak_n, peak_t, &t->events, &t->metrics);
done:
    if (fp) {
        kc_forceplate_free_arrays(&fp[0]);
        kc_forceplate_free_arrays(&fp[1]);
        free(fp);
    }
    sy_trialdata_free(&td);
    gsl_rng_free(r);
    gsl_rng_free(rf);
    free(m);
    if (st) {
        kc_obs_free(o);
        return st;
    }
    *out = o;
    return KC_OK;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int mkdir_or_fail(const char *path)
{
    unsigned before = kc_log_error_count();
    errno = 0;
    int st = kc_mkdir_p(path);
    if (st && kc_log_error_count() == before)
        KC_ERROR("cannot create \"%s\": %s", path, strerror(errno ? errno : EIO));
    return st ? KC_EIO : KC_OK;
}

static int write_calib(const char *path, const sy_rig *rig, const kc_provenance *prov)
{
    kc_calib *c = kc_calib_alloc((size_t)rig->n);
    if (!c)
        return KC_ENOMEM;
    for (int i = 0; i < rig->n; i++) {
        c->cameras[i].cam = rig->cams[i];
        c->cameras[i].rms_px = 0;
        c->cameras[i].n_obs = 0;
        c->cameras[i].excluded = false;
    }
    snprintf(c->method, sizeof c->method, "synthetic-truth");
    c->rms_px = 0;
    c->wand_length_rms_mm = NAN;
    int st = kc_calib_write(path, c, prov);
    kc_calib_free(c);
    return st;
}

static kc_table *subjects_table(void)
{
    static const char *const names[] = {
        "subject", "sex", "mass_kg", "height_mm", "leg_length_L_mm", "leg_length_R_mm",
        "knee_width_L_mm", "knee_width_R_mm", "ankle_width_L_mm", "ankle_width_R_mm",
        "inter_asis_mm", "asis_troc_L_mm", "asis_troc_R_mm", "marker_diameter_mm",
        "tibial_torsion_L_deg", "tibial_torsion_R_deg", "sole_delta_L_mm", "sole_delta_R_mm"};
    enum kc_col_type types[18];
    types[0] = types[1] = KC_COL_STR;
    for (int i = 2; i < 18; i++)
        types[i] = KC_COL_F64;
    return kc_table_alloc(18, names, types);
}

static int subjects_row(kc_table *t, const sy_subject *s)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    size_t i = (size_t)r;
    double v[16] = {s->mass, s->height, s->leg_length[0], s->leg_length[1], s->knee_width[0],
                    s->knee_width[1], s->ankle_width[0], s->ankle_width[1], s->inter_asis,
                    s->asis_troc[0], s->asis_troc[1], s->marker_diameter,
                    s->tibial_torsion_deg[0], s->tibial_torsion_deg[1], s->sole_delta[0],
                    s->sole_delta[1]};
    int st = kc_table_set_str(t, i, 0, s->id);
    if (!st)
        st = kc_table_set_str(t, i, 1, s->sex);
    for (int k = 0; k < 16 && !st; k++)
        st = kc_table_set_f64(t, i, 2 + k, v[k]);
    return st;
}

static kc_table *manifest_table(void)
{
    static const char *const names[] = {"subject", "session", "trial", "task", "group",
                                        "condition", "site", "side_of_interest", "input",
                                        "static", "calibration", "exclude", "notes"};
    enum kc_col_type types[13];
    for (int i = 0; i < 13; i++)
        types[i] = KC_COL_STR;
    return kc_table_alloc(13, names, types);
}

static int manifest_row(kc_table *t, const sy_subject *s, const trial_spec *sp)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    char input[96], stat[96];
    snprintf(input, sizeof input, "%s/%s.obs.h5", s->id, sp->name);
    snprintf(stat, sizeof stat, "%s/static.obs.h5", s->id);
    const char *soi = sp->task == SY_TASK_SLS ? (sp->side == SY_L ? "L" : "R") : s->side_of_interest;
    const char *v[13] = {s->id, "1", sp->name, sp->task_name, s->group, "baseline", "synthetic",
                         soi, input, stat, "calib/truth.calib.h5", "0", ""};
    int st = KC_OK;
    for (int k = 0; k < 13 && !st; k++)
        st = kc_table_set_str(t, (size_t)r, k, v[k]);
    return st;
}

/* A variable-length UTF-8 string attribute, as the kinechain library writes them. */
static int set_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    hid_t sp = H5Screate(H5S_SCALAR);
    int st = (ty < 0 || sp < 0 || H5Tset_size(ty, H5T_VARIABLE) < 0 ||
              H5Tset_cset(ty, H5T_CSET_UTF8) < 0) ? KC_EHDF5 : KC_OK;
    hid_t at = st ? -1 : H5Acreate2(obj, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (at < 0 || H5Awrite(at, ty, &value) < 0)
        st = KC_EHDF5;
    if (at >= 0)
        H5Aclose(at);
    if (sp >= 0)
        H5Sclose(sp);
    if (ty >= 0)
        H5Tclose(ty);
    return st;
}

/* Write [F,3] series under group g (created) of an open HDF5 file, with the creation
 * properties the kinechain library uses (no object times, so that the bytes depend only on
 * the data; UTF-8 link names) and its units and dims attributes. */
static int write_series_group(hid_t file, const char *g, const char *const *names, int n,
                              const double *data, size_t F, const char *units)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    hid_t grp = -1;
    int st = (gcpl < 0 || dcpl < 0 || lcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
              H5Pset_obj_track_times(dcpl, 0) < 0 ||
              H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) < 0) ? KC_EHDF5 : KC_OK;
    if (!st && (grp = H5Gcreate2(file, g, lcpl, gcpl, H5P_DEFAULT)) < 0)
        st = KC_EHDF5;
    hsize_t dims[2] = {(hsize_t)F, 3};
    for (int k = 0; k < n && !st; k++) {
        hid_t sp = H5Screate_simple(2, dims, NULL);
        hid_t ds = sp < 0 ? -1 : H5Dcreate2(grp, names[k], H5T_IEEE_F64LE, sp, lcpl, dcpl,
                                            H5P_DEFAULT);
        if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                               data + (size_t)k * F * 3) < 0)
            st = KC_EHDF5;
        if (!st)
            st = set_str_attr(ds, "units", units);
        if (!st)
            st = set_str_attr(ds, "dims", "frame,xyz");
        if (ds >= 0)
            H5Dclose(ds);
        if (sp >= 0)
            H5Sclose(sp);
    }
    if (grp >= 0)
        H5Gclose(grp);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return st;
}

/* An observation file with the Plug-in Gait truth beside the bone truth
 * (docs/file-contract.md "/truth"): the observations are written by kc_obs_write to a
 * temporary name, /truth/pig_angles and /truth/pig_joint_centres are added to it, and it is
 * then renamed over path (kc_atomic_commit), so that a failed run leaves nothing. pig NULL:
 * plain kc_obs_write. */
static int write_obs_pig(const char *path, const kc_obs *o, const kc_provenance *prov,
                         const double *pig_angles, const double *pig_centres)
{
    if (!pig_angles || !o->truth)
        return kc_obs_write(path, o, prov);
    kc_atomic_sweep(path);   /* temporaries of path left by killed runs */
    char *tmp = kc_atomic_tmpname(path);
    if (!tmp)
        return KC_ENOMEM;
    int st = kc_obs_write(tmp, o, prov);
    if (!st) {
        /* the library's format bounds (h5io.c), so that nothing is upgraded on reopening */
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0)
            H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
        hid_t f = fapl < 0 ? -1 : H5Fopen(tmp, H5F_ACC_RDWR, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
        if (f < 0) {
            st = KC_EHDF5;
        } else {
            size_t F = o->truth->n_frames;
            st = write_series_group(f, "/truth/pig_angles", sy_angle_names, SY_N_ANGLES,
                                    pig_angles, F, "deg");
            if (!st)
                st = write_series_group(f, "/truth/pig_joint_centres", sy_centre_names,
                                        SY_N_CENTRES, pig_centres, F, "mm");
            if (H5Fclose(f) < 0 && !st)
                st = KC_EHDF5;
        }
        if (st) {
            KC_ERROR("%s: cannot add the Plug-in Gait truth", path);
            remove(tmp);
        } else {
            st = kc_atomic_commit(tmp, path);
        }
    }
    free(tmp);
    return st;
}

/* The Plug-in Gait truth of every trial of one subject (res[k]->truth->markers: the
 * noise-free markers as captured) with the static calibration from its static trial.
 * pa[k], pc[k]: malloc'd [12][F][3] and [6][F][3]; NULL when the trial has no truth. */
static int pig_truth_all(const sy_subject *s, const trial_spec *sp, int nt, kc_obs **res,
                         double **pa, double **pc)
{
    int ks = -1;
    for (int k = 0; k < nt; k++)
        if (sp[k].task == SY_TASK_STATIC)
            ks = k;
    if (ks < 0 || !res[ks]->truth || !res[ks]->truth->markers)
        return KC_OK;
    sy_pig_static ps;
    const kc_truth *T = res[ks]->truth;
    if (sy_pig_static_calib(s, T->markers, T->n_frames, &ps)) {
        KC_ERROR("subject %s: the static trial's markers define no Plug-in Gait static", s->id);
        return KC_ENUMERIC;
    }
    for (int k = 0; k < nt; k++) {
        const kc_truth *t = res[k]->truth;
        if (!t || !t->markers)
            continue;
        size_t F = t->n_frames;
        pa[k] = malloc(SY_N_ANGLES * F * 3 * sizeof **pa);
        pc[k] = malloc(SY_N_CENTRES * F * 3 * sizeof **pc);
        if (!pa[k] || !pc[k])
            return KC_ENOMEM;
        sy_pig_marker_truth(s, &ps, t->markers, F, pa[k], pc[k]);
    }
    return KC_OK;
}

/* a calibration capture (wand, L-frame) written to dir/name */
static int write_capture(const char *dir, const char *name,
                         int (*capture)(const sy_rig *, const sy_options *, kc_obs **),
                         const sy_rig *rig, const sy_options *opt, const kc_provenance *prov)
{
    kc_obs *w = NULL;
    int st = capture(rig, opt, &w);
    if (st)
        return st;
    char *p = path_join(dir, name);
    st = p ? kc_obs_write(p, w, prov) : KC_ENOMEM;
    kc_obs_free(w);
    free(p);
    return st;
}

int sy_session_write(const char *dir, const sy_options *opt, const kc_provenance *prov,
                     const kc_cli *cli)
{
    int st = KC_OK;
    sy_rig rig = {0, NULL, NULL};
    sy_subject *subj = NULL;
    kc_table *stab = NULL, *man = NULL;
    char *calib_dir = path_join(dir, "calib");
    char *p = NULL;
    trial_spec *specs = NULL;
    kc_obs **res = NULL;
    if (!calib_dir)
        return KC_ENOMEM;
    if ((st = mkdir_or_fail(dir)) || (st = mkdir_or_fail(calib_dir)))
        goto done;
    if ((st = sy_rig_make(&rig, opt)))
        goto done;
    p = path_join(dir, "calib/truth.calib.h5");
    if (!p || (st = write_calib(p, &rig, prov)))
        goto done;
    free(p);
    p = NULL;
    if ((st = write_capture(dir, "calib/wand.obs.h5", sy_wand_capture, &rig, opt, prov)) ||
        (st = write_capture(dir, "calib/lframe.obs.h5", sy_lframe_capture, &rig, opt, prov)))
        goto done;
    int ns = opt->n_subjects;
    subj = calloc((size_t)ns, sizeof *subj);
    specs = calloc((size_t)(2 + opt->n_dvj + 2 * opt->n_sls), sizeof *specs);
    stab = subjects_table();
    man = manifest_table();
    if (!subj || !specs || !stab || !man) {
        st = KC_ENOMEM;
        goto done;
    }
    int nt = make_specs(opt, specs);
    res = calloc((size_t)nt, sizeof *res);
    if (!res) {
        st = KC_ENOMEM;
        goto done;
    }
    for (int i = 0; i < ns && !st; i++) {
        sy_subject_make(&subj[i], i, ns, opt);
        if ((st = sy_subject_foot_offsets(&subj[i])))
            KC_ERROR("subject %s: cannot build the standing posture", subj[i].id);
        else
            st = subjects_row(stab, &subj[i]);
    }
    if (st)
        goto done;
    kc_progress prog;
    kc_progress_start(&prog, cli, "trials", (long)ns * nt);
    for (int i = 0; i < ns && !st; i++) {
        char *sdir = path_join(dir, subj[i].id);
        if (!sdir || (st = mkdir_or_fail(sdir))) {
            free(sdir);
            if (!st)
                st = KC_ENOMEM;
            break;
        }
        int err = KC_OK;
#pragma omp parallel for schedule(dynamic, 1) reduction(min : err)
        for (int k = 0; k < nt; k++) {
            int e = gen_trial(&subj[i], &specs[k], opt, &rig, &res[k]);
            if (e < err)
                err = e;
        }
        st = err;
        double **pa = calloc((size_t)nt, sizeof *pa), **pc = calloc((size_t)nt, sizeof *pc);
        if (!st)
            st = pa && pc ? pig_truth_all(&subj[i], specs, nt, res, pa, pc) : KC_ENOMEM;
        for (int k = 0; k < nt && !st; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s.obs.h5", specs[k].name);
            char *fp = path_join(sdir, name);
            st = fp ? write_obs_pig(fp, res[k], prov, pa[k], pc[k]) : KC_ENOMEM;
            free(fp);
            if (!st)
                st = manifest_row(man, &subj[i], &specs[k]);
            kc_progress_update(&prog, (long)i * nt + k + 1);
        }
        for (int k = 0; k < nt; k++) {
            kc_obs_free(res[k]);
            res[k] = NULL;
            if (pa)
                free(pa[k]);
            if (pc)
                free(pc[k]);
        }
        free(pa);
        free(pc);
        free(sdir);
    }
    kc_progress_end(&prog);
    if (st)
        goto done;
    p = path_join(dir, "subjects.csv");
    if (!p || (st = kc_table_write_csv(stab, p)))
        goto done;
    free(p);
    p = path_join(dir, "manifest.csv");
    if (!p || (st = kc_table_write_csv(man, p)))
        goto done;
done:
    if (!st && !p)
        st = KC_ENOMEM;
    free(p);
    free(calib_dir);
    free(res);
    free(specs);
    free(subj);
    kc_table_free(stab);
    kc_table_free(man);
    sy_rig_free(&rig);
    return st;
}
