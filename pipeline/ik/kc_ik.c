/* kc-ik — labelled marker trajectories -> Plug-in Gait joint angles and joint centres
 * (pigmodel.h, docs/pig-model.md), drop-jump events (events.h) and landing metrics
 * (metrics.h), written atomically as a *.kin.h5. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kinechain/cli.h"
#include "kinechain/events.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/metrics.h"
#include "kinechain/normalize.h"
#include "kinechain/pigmodel.h"
#include "kinechain/status.h"
#include "kinechain/table.h"
#include "kinechain/trajfile.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-ik -o OUT.kin.h5 [options] TRIAL.traj.h5\n"
            "\n"
            "Compute the Plug-in Gait model of docs/pig-model.md on the labelled markers of\n"
            "TRIAL: hip (Davis), knee and ankle (chord function) joint centres, segment\n"
            "frames, and the angle channels {L,R}{Pelvis,Hip,Knee,Ankle,FootProgress,Thorax}\n"
            "(YXZ Cardan with Plug-in Gait's signs; knee Y < 0 is valgus). The static trial\n"
            "calibrates the inter-ASIS distance (when given as 0) and the static foot\n"
            "offsets from its mean marker positions. A frame whose markers are missing\n"
            "gives NaN for what depends on them. For drop jumps (--type dvj), the landing\n"
            "events come from the force plates when present (vertical force > 20 N), else\n"
            "from the heel/toe marker height (contact below 30 mm above the floor of the\n"
            "static, or of the trial itself; take-off above 5 mm), and the landing\n"
            "metrics of metrics.h are computed.\n"
            "Writes /angles, /joint_centres, /events, /metrics, /normalized/landing\n"
            "(initial contact -> take-off) and /normalized/absorption (initial contact ->\n"
            "peak knee flexion), 101 points per channel, each side by its own events, and\n"
            "/model (every parameter used).\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE    the kinematics to write (required; written atomically)\n"
            "  --static FILE        the subject's static trial (*.traj.h5)\n"
            "  --subjects FILE      subjects CSV (DESIGN.md columns: leg_length_{L,R}_mm,\n"
            "                       knee_width_{L,R}_mm, ankle_width_{L,R}_mm, inter_asis_mm,\n"
            "                       asis_troc_{L,R}_mm, marker_diameter_mm,\n"
            "                       tibial_torsion_{L,R}_deg, sole_delta_{L,R}_mm)\n"
            "  --subject ID         the row of --subjects (default: the trial's subject)\n"
            "  --params-from-trial  parameters from the trial's /subject attributes (C3D\n"
            "                       PROCESSING: LLegLength or LeftLegLength, InterAsisDistance,\n"
            "                       ...;\n"
            "                       StaticPlantFlex/StaticRotOff in radians are the offsets\n"
            "                       when there is no --static); applied after --subjects\n"
            "  --type dvj|sls|static  the trial type (default: the trial's task, else dvj)\n"
            "  --foot-flat          Plug-in Gait's foot-flat option in the static\n"
            "%s\n"
            "Example:\n"
            "  kc-ik -o s01/dvj_1.kin.h5 --static s01/static.traj.h5 \\\n"
            "        --subjects subjects.csv --subject s01 s01/dvj_1.traj.h5\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_STATIC = 2000, OPT_SUBJECTS, OPT_SUBJECT, OPT_FROM_TRIAL, OPT_TYPE, OPT_FOOT_FLAT };

/* one value of a subjects CSV row: KC_OK, or KC_EINVAL (logged) when not a number; an empty
 * cell or absent column leaves *v */
static int csv_num(const kc_table *t, size_t row, const char *col, const char *path, double *v)
{
    int c = kc_table_find(t, col);
    if (c < 0)
        return KC_OK;
    const char *s = kc_table_get_str(t, row, c);
    if (!s || !*s)
        return KC_OK;
    char *end;
    double x = strtod(s, &end);
    if (*end || !isfinite(x)) {
        KC_ERROR("\"%s\": %s of row %zu is \"%s\", not a number", path, col, row + 2, s);
        return KC_EINVAL;
    }
    *v = x;
    return KC_OK;
}

static int params_from_csv(const char *path, const char *id, kc_pig_params *p)
{
    kc_table *t = NULL;
    int st = kc_table_read_csv(path, &t);
    if (st)
        return st;
    int ci = kc_table_find(t, "subject");
    long row = -1;
    for (size_t i = 0; ci >= 0 && i < kc_table_nrows(t); i++)
        if (strcmp(kc_table_get_str(t, i, ci), id) == 0)
            row = (long)i;
    if (ci < 0 || row < 0) {
        KC_ERROR("subject \"%s\" is not in \"%s\"%s", id, path, ci < 0 ? " (no subject column)" : "");
        kc_table_free(t);
        return KC_EINVAL;
    }
    size_t r = (size_t)row;
    static const char *const sc[2] = {"L", "R"};
    char n[64];
    for (int s = 0; s < 2 && !st; s++) {
#define COL(fmt, field)                           \
    if (!st) {                                    \
        snprintf(n, sizeof n, fmt, sc[s]);        \
        st = csv_num(t, r, n, path, &(field));    \
    }
        COL("leg_length_%s_mm", p->leg_length_mm[s]);
        COL("knee_width_%s_mm", p->knee_width_mm[s]);
        COL("ankle_width_%s_mm", p->ankle_width_mm[s]);
        COL("asis_troc_%s_mm", p->asis_troc_mm[s]);
        COL("tibial_torsion_%s_deg", p->tibial_torsion_deg[s]);
        COL("sole_delta_%s_mm", p->sole_delta_mm[s]);
#undef COL
    }
    if (!st)
        st = csv_num(t, r, "inter_asis_mm", path, &p->inter_asis_mm);
    if (!st)
        st = csv_num(t, r, "marker_diameter_mm", path, &p->marker_diameter_mm);
    kc_table_free(t);
    return st;
}

/* a numeric /subject attribute, case-insensitive; 1 if found */
static int subj_num(const kc_attrs *a, const char *name, double *v)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcasecmp(a->items[i].name, name) == 0 && !a->items[i].str && a->items[i].n >= 1 &&
            isfinite(a->items[i].v[0])) {
            *v = a->items[i].v[0];
            return 1;
        }
    return 0;
}

/* Vicon PROCESSING names. Returns how many were found; offsets_found set when both sides'
 * StaticPlantFlex and StaticRotOff are there. */
static int params_from_trial(const kc_traj *t, kc_pig_params *p, int *offsets_found)
{
    /* Vicon writes "LeftLegLength" (vsk) or "LLegLength" (Nexus PROCESSING): accept both */
    static const char *const side[2][2] = {{"Left", "L"}, {"Right", "R"}};
    char n[64];
    int found = 0, noff = 0;
    for (int s = 0; s < 2; s++) {
#define GET(suffix, field)                                      \
    for (int v = 0; v < 2; v++) {                               \
        snprintf(n, sizeof n, "%s%s", side[s][v], suffix);      \
        if (subj_num(&t->subject_params, n, &(field))) {        \
            found++;                                            \
            break;                                              \
        }                                                       \
    }
        GET("LegLength", p->leg_length_mm[s]);
        GET("KneeWidth", p->knee_width_mm[s]);
        GET("AnkleWidth", p->ankle_width_mm[s]);
        GET("AsisTrocanterDistance", p->asis_troc_mm[s]);
        GET("TibialTorsion", p->tibial_torsion_deg[s]);
        GET("SoleDelta", p->sole_delta_mm[s]);
        double pf = NAN, ro = NAN;
        GET("StaticPlantFlex", pf);
        GET("StaticRotOff", ro);
#undef GET
        int a = isfinite(pf), b = isfinite(ro);
        if (a && b) {
            /* Vicon: StaticPlantFlex = beta, StaticRotOff = -alpha (right), +alpha (left) */
            p->static_beta_rad[s] = pf;
            p->static_alpha_rad[s] = s ? -ro : ro;
            noff++;
        }
    }
    found += subj_num(&t->subject_params, "InterAsisDistance", &p->inter_asis_mm);
    found += subj_num(&t->subject_params, "MarkerDiameter", &p->marker_diameter_mm);
    *offsets_found = noff == 2;
    return found;
}

/* The model markers present in the static and absent from the trial, or the other way:
 * KC_EINVAL (logged). */
static int compare_marker_sets(const int *it, const int *is, const char *trial, const char *stat)
{
    char a[512] = "", b[512] = "";
    for (int k = 0; k < KC_PIG_N_MARKERS; k++) {
        char *dst = (is[k] >= 0 && it[k] < 0) ? a : (is[k] < 0 && it[k] >= 0) ? b : NULL;
        if (dst) {
            size_t l = strlen(dst);
            snprintf(dst + l, 512 - l, "%s%s", l ? ", " : "", kc_pig_marker_names[k]);
        }
    }
    if (a[0] || b[0]) {
        KC_ERROR("the marker sets of \"%s\" and the static \"%s\" differ:%s%s%s%s", trial, stat,
                 a[0] ? " not in the trial: " : "", a, b[0] ? "; not in the static: " : "", b);
        return KC_EINVAL;
    }
    return KC_OK;
}

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "kc-ik", argc, argv);
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"static", required_argument, NULL, OPT_STATIC},
        {"subjects", required_argument, NULL, OPT_SUBJECTS},
        {"subject", required_argument, NULL, OPT_SUBJECT},
        {"params-from-trial", no_argument, NULL, OPT_FROM_TRIAL},
        {"type", required_argument, NULL, OPT_TYPE},
        {"foot-flat", no_argument, NULL, OPT_FOOT_FLAT},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *static_path = NULL, *subjects_path = NULL, *subject_id = NULL;
    const char *type = NULL;
    int from_trial = 0, foot_flat = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case OPT_STATIC: static_path = optarg; break;
        case OPT_SUBJECTS: subjects_path = optarg; break;
        case OPT_SUBJECT: subject_id = optarg; break;
        case OPT_FROM_TRIAL: from_trial = 1; break;
        case OPT_FOOT_FLAT: foot_flat = 1; break;
        case OPT_TYPE:
            if (strcmp(optarg, "dvj") && strcmp(optarg, "sls") && strcmp(optarg, "static")) {
                KC_ERROR("--type: \"%s\" is not dvj, sls or static", optarg);
                return KC_EXIT_USAGE;
            }
            type = optarg;
            break;
        case 'h': usage(stdout, KC_EXIT_OK); break;
        case ':':
            KC_ERROR("option %s needs a value (see --help)", argv[optind - 1]);
            return KC_EXIT_USAGE;
        case '?':
            KC_ERROR("unknown option \"%s\" (see --help)", argv[optind - 1]);
            return KC_EXIT_USAGE;
        default: {
            int r = kc_cli_common_option(&cli, c, optarg);
            if (r == 2)
                usage(stdout, KC_EXIT_OK);
            if (r == 3) {
                kc_cli_print_version(&cli);
                return kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;
            }
            if (r <= 0)
                return KC_EXIT_USAGE;
        }
        }
    }
    if (!out_path) {
        KC_ERROR("missing -o OUT.kin.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (optind + 1 != argc) {
        KC_ERROR(optind + 1 > argc ? "expected TRIAL.traj.h5 (see --help)"
                                   : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    if (!subjects_path && !from_trial) {
        KC_ERROR("no subject parameters: give --subjects FILE or --params-from-trial");
        return KC_EXIT_USAGE;
    }
    const char *trial_path = argv[optind];

    kc_traj *t = NULL, *stat = NULL;
    kc_kin *k = NULL;
    double *angles = NULL, *centres = NULL, *foot = NULL, *h = NULL;
    int st, code;
    double t0 = kc_now();
    kc_pig_params p = kc_pig_default_params();
    p.foot_flat = foot_flat;
    if ((st = kc_traj_read(trial_path, &t)))
        goto fail;
    if (static_path && (st = kc_traj_read(static_path, &stat)))
        goto fail;
    size_t F = t->n_frames, M = t->n_markers;
    st = KC_EINVAL;
    if (F == 0) {
        KC_ERROR("\"%s\" has no frames", trial_path);
        goto fail;
    }

    /* markers */
    int it[KC_PIG_N_MARKERS], is[KC_PIG_N_MARKERS];
    char missing[512];
    kc_pig_map_markers(t->labels, M, it, missing, sizeof missing);
    if (stat) {
        char smiss[512] = "";
        kc_pig_map_markers(stat->labels, stat->n_markers, is, smiss, sizeof smiss);
        int bad = 0;
        char req[512] = "";
        for (int m = 0; m < KC_PIG_N_MARKERS; m++)
            if (is[m] < 0 && (m < KC_PIG_C7 || m >= KC_PIG_SIDE0)) {
                size_t l = strlen(req);
                snprintf(req + l, sizeof req - l, "%s%s", l ? ", " : "", kc_pig_marker_names[m]);
                bad++;
            }
        if (bad) {
            KC_ERROR("the static \"%s\" lacks required marker%s %s", static_path,
                     bad > 1 ? "s" : "", req);
            goto fail;
        }
        if (compare_marker_sets(it, is, trial_path, static_path))
            goto fail;
    }
    {
        int bad = 0;
        char req[512] = "";
        for (int m = 0; m < KC_PIG_N_MARKERS; m++)
            if (it[m] < 0 && (m < KC_PIG_C7 || m >= KC_PIG_SIDE0)) {
                size_t l = strlen(req);
                snprintf(req + l, sizeof req - l, "%s%s", l ? ", " : "", kc_pig_marker_names[m]);
                bad++;
            }
        if (bad) {
            KC_ERROR("\"%s\" lacks required marker%s %s", trial_path, bad > 1 ? "s" : "", req);
            goto fail;
        }
        if (missing[0])
            KC_WARN("\"%s\" has no %s: the thorax angles are NaN", trial_path, missing);
    }

    /* parameters */
    const char *subject = subject_id ? subject_id : t->subject;
    if (subjects_path) {
        if (!subject) {
            KC_ERROR("--subjects needs --subject ID: \"%s\" names no subject", trial_path);
            goto fail;
        }
        if ((st = params_from_csv(subjects_path, subject, &p)))
            goto fail;
    }
    int trial_offsets = 0;
    if (from_trial) {
        int n = params_from_trial(t, &p, &trial_offsets);
        KC_INFO("%d parameters from the /subject attributes of \"%s\"", n, trial_path);
    }
    st = KC_EINVAL;
    if (kc_pig_check_params(&p, missing, sizeof missing)) {
        KC_ERROR("missing or invalid subject parameters for \"%s\": %s",
                 subject ? subject : trial_path, missing);
        goto fail;
    }

    /* static calibration */
    const char *offsets_source;
    if (stat) {
        if ((st = kc_pig_calibrate(&p, stat->position, stat->n_frames, stat->n_markers, is)))
            goto fail;
        offsets_source = "static";
    } else if (trial_offsets) {
        offsets_source = "trial /subject (StaticPlantFlex, StaticRotOff)";
    } else {
        KC_ERROR("no static foot offsets: give --static STATIC.traj.h5 (or "
                 "--params-from-trial with Left/RightStaticPlantFlex and StaticRotOff)");
        goto fail;
    }
    if (p.inter_asis_mm == 0.0) {
        /* no static: the trial's own mean |LASI - RASI| */
        double s = 0;
        size_t n = 0;
        for (size_t f = 0; f < F; f++) {
            kc_vec3 mk[KC_PIG_N_MARKERS];
            kc_pig_gather(t->position, M, f, it, mk);
            double d = kc_v3_norm(kc_v3_sub(mk[KC_PIG_LASI], mk[KC_PIG_RASI]));
            if (isfinite(d)) {
                s += d;
                n++;
            }
        }
        if (n == 0) {
            KC_ERROR("\"%s\" has no frame with both LASI and RASI", trial_path);
            goto fail;
        }
        p.inter_asis_mm = s / (double)n;
    }

    /* progression, angles, joint centres */
    kc_mat3 prog;
    int branch;
    if (kc_pig_progression(t->position, F, M, it, &prog, &branch)) {
        st = KC_EINVAL;
        KC_ERROR("\"%s\": the progression frame cannot be formed (no valid pelvis frames)",
                 trial_path);
        goto fail;
    }
    st = KC_ENOMEM;
    angles = malloc(KC_PIG_N_ANGLES * F * 3 * sizeof *angles);
    centres = malloc(KC_PIG_N_CENTRES * F * 3 * sizeof *centres);
    if (!angles || !centres || !(k = kc_kin_alloc()))
        goto fail;
    kc_pig_compute(&p, t->position, F, M, it, prog, angles, centres);
    KC_INFO("%zu frames of \"%s\" in %.3f s", F, trial_path, kc_now() - t0);

    k->rate_hz = t->rate_hz;
    k->n_frames = F;
    if (!type)
        type = (t->task && (!strcmp(t->task, "dvj") || !strcmp(t->task, "sls") ||
                            !strcmp(t->task, "static"))) ? t->task : "dvj";
    if (!(k->trial_type = strdup(type)) || !(k->subject = strdup(subject ? subject : "")))
        goto fail;
    if (t->trial && !(k->trial = strdup(t->trial)))
        goto fail;
    for (int ch = 0; ch < KC_PIG_N_ANGLES; ch++)
        if ((st = kc_kin_add_angle(k, kc_pig_angle_names[ch], angles + (size_t)ch * F * 3)))
            goto fail;
    for (int ch = 0; ch < KC_PIG_N_CENTRES; ch++)
        if ((st = kc_kin_add_centre(k, kc_pig_centre_names[ch], centres + (size_t)ch * F * 3)))
            goto fail;
    if ((st = kc_pig_params_to_attrs(&p, &k->model)))
        goto fail;
    st = kc_attrs_set_str(&k->model, "static_offsets_from", offsets_source);
    if (!st)
        st = kc_attrs_set_str(&k->model, "progression_axis",
                              prog.m[0][0] > 0.5 ? "+X" : prog.m[0][0] < -0.5 ? "-X"
                              : prog.m[1][0] > 0.5 ? "+Y" : "-Y");
    if (!st)
        st = kc_attrs_set_str(&k->model, "progression_rule",
                              branch == 1 ? "LASI displacement" : "pelvis facing");
    if (st)
        goto fail;

    /* events and metrics of a drop jump */
    if (strcmp(type, "dvj") == 0) {
        kc_events_params ep = kc_events_default_params();
        kc_dvj_events ev[2];
        st = KC_ENOMEM;
        foot = malloc(F * 2 * sizeof *foot);
        h = malloc(F * sizeof *h);
        if (!foot || !h || !(k->events = kc_kin_events_alloc()) ||
            !(k->metrics = kc_kin_metrics_alloc()))
            goto fail;
        for (int s = 0; s < 2; s++) {
            int hee = it[kc_pig_mk(s, KC_PIG_HEE)], toe = it[kc_pig_mk(s, KC_PIG_TOE)];
            for (size_t f = 0; f < F; f++) {
                const double *a = t->position + (f * M + (size_t)hee) * 3;
                const double *b = t->position + (f * M + (size_t)toe) * 3;
                foot[2 * f] = 0.5 * (a[0] + b[0]);
                foot[2 * f + 1] = 0.5 * (a[1] + b[1]);
            }
            int r = t->n_forceplates ? kc_events_dvj_force(&ep, t->forceplates, t->n_forceplates,
                                                           foot, F, t->rate_hz, &ev[s])
                                     : KC_EMISSING;
            if (r == KC_ENOMEM)
                goto fail;
            if (r) {
                double floor_mm;
                if (stat) {
                    double *hs = malloc((stat->n_frames ? stat->n_frames : 1) * sizeof *hs);
                    if (!hs)
                        goto fail;
                    kc_events_foot_height(stat->position, stat->n_frames, stat->n_markers,
                                          is[kc_pig_mk(s, KC_PIG_HEE)], is[kc_pig_mk(s, KC_PIG_TOE)], hs);
                    double sum = 0;
                    size_t n = 0;
                    for (size_t f = 0; f < stat->n_frames; f++)
                        if (isfinite(hs[f])) {
                            sum += hs[f];
                            n++;
                        }
                    free(hs);
                    floor_mm = n ? sum / (double)n : NAN;
                } else {
                    kc_events_foot_height(t->position, F, M, hee, toe, h);
                    floor_mm = kc_events_floor_estimate(h, F);
                }
                kc_events_foot_height(t->position, F, M, hee, toe, h);
                if (kc_events_dvj_kinematic(&ep, h, F, t->rate_hz, floor_mm, &ev[s]))
                    KC_WARN("\"%s\": no %s initial contact found from the foot markers",
                            trial_path, s ? "right" : "left");
            }
            kc_events_peak_flexion(angles + (size_t)(2 * KC_PIG_KNEE + s) * F * 3, F, t->rate_hz,
                                   &ev[s]);
        }
        if ((st = kc_events_to_table(ev, t->rate_hz, F, k->events)) ||
            (st = kc_metrics_dvj(angles, centres, F, t->rate_hz, prog, ev, t->forceplates,
                                 t->n_forceplates, k->metrics)))
            goto fail;
        /* landing phases, time-normalised, each side by its own events */
        double norm[KC_NORM_POINTS * 3];
        for (int s = 0; s < 2; s++) {
            double t_pk = ev[s].pkf_ok ? (double)ev[s].pkf_frame / t->rate_hz : NAN;
            for (int kind = 0; kind < KC_PIG_N_KIND; kind++) {
                int ch = 2 * kind + s;
                const double *x = angles + (size_t)ch * F * 3;
                for (int ph = 0; ph < 2; ph++) {
                    double t1 = ph ? t_pk : ev[s].to_s;
                    if (kc_normalize_curve(x, F, t->rate_hz, ev[s].ic_s, t1, KC_NORM_POINTS, norm))
                        continue;
                    int any = 0;
                    for (size_t i = 0; i < KC_NORM_POINTS * 3; i++)
                        any |= isfinite(norm[i]);
                    if (!any)
                        continue;
                    if ((st = kc_kin_add_normalized(k, ph ? "absorption" : "landing",
                                                    "initial_contact",
                                                    ph ? "peak_knee_flexion" : "take_off", "deg",
                                                    kc_pig_angle_names[ch], norm)))
                        goto fail;
                }
            }
        }
        st = kc_attrs_set_str(&k->model, "events_method", ev[0].method);
        if (!st)
            st = kc_attrs_set_f64(&k->model, "events_force_threshold_n", ep.force_threshold_n);
        if (!st)
            st = kc_attrs_set_f64(&k->model, "events_height_threshold_mm", ep.height_threshold_mm);
        if (!st)
            st = kc_attrs_set_f64(&k->model, "events_takeoff_threshold_mm", ep.takeoff_threshold_mm);
        if (st)
            goto fail;
    }

    const char *inputs[2] = {trial_path, static_path};
    kc_provenance prov = {"kc-ik", argc, argv, static_path ? 2 : 1, inputs, cli.provenance};
    if ((st = kc_kin_write(out_path, k, &prov)))
        goto fail;
    KC_INFO("wrote \"%s\" in %.2f s", out_path, kc_now() - t0);
    free(angles);
    free(centres);
    free(foot);
    free(h);
    kc_kin_free(k);
    kc_traj_free(t);
    kc_traj_free(stat);
    return kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;

fail:
    code = kc_exit_code(st);
    if (code == KC_EXIT_OK)
        code = KC_EXIT_FAILED;
    if (kc_log_error_count() == 0)
        KC_ERROR("cannot compute \"%s\": %s", trial_path, kc_strerror(st));
    free(angles);
    free(centres);
    free(foot);
    free(h);
    kc_kin_free(k);
    kc_traj_free(t);
    kc_traj_free(stat);
    return code;
}
