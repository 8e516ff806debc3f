/* kc-triangulate — labelled 2D observations + calibration -> 3D marker trajectories:
 * robust multi-view triangulation (triangulate.h), honest gap filling (gapfill.h) and
 * zero-lag Butterworth filtering (filter.h), written atomically as a *.traj.h5. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/correspond.h"
#include "kinechain/filter.h"
#include "kinechain/gapfill.h"
#include "kinechain/kpkin.h"
#include "kinechain/label.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"
#include "kinechain/track3d.h"
#include "kinechain/trajfile.h"
#include "kinechain/triangulate.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-triangulate -o OUT.traj.h5 [options] CALIB.calib.h5 IN.obs.h5\n"
            "\n"
            "Triangulate the labelled 2D observations (/points, weighted by /weights when\n"
            "present) of IN with the cameras of CALIB: each marker in each frame is\n"
            "undistorted, solved linearly from all views and refined to the maximum-\n"
            "likelihood point (least reprojection error). A camera whose ray disagrees\n"
            "with the consensus (reprojection error above --outlier-px) is excluded; a\n"
            "point with fewer than --min-cameras agreeing cameras, or whose agreeing\n"
            "cameras are not a strict majority of those that see it (of their /weights,\n"
            "e.g. keypoint confidences, when given), is missing (NaN).\n"
            "Short gaps are then filled (cubic spline, never across a foot contact; rigid\n"
            "body from three or more markers of the same segment otherwise; each filled\n"
            "value flagged in /filled), and the result low-pass filtered (4th-order\n"
            "zero-lag Butterworth, each contiguous run separately). /residual_px,\n"
            "/n_cameras and /camera_used are written per marker and frame; /forceplates and\n"
            "/truth are carried through.\n"
            "\n"
            "Unlabelled mode (--static-pose or --static): the anonymous blobs of\n"
            "/centroids are matched across cameras (epipolar geometry, each blob used once,\n"
            "points of >= 3 cameras; two-camera points only extend tracks), linked through\n"
            "time (constant-velocity prediction, gated assignment, occlusions of up to 10\n"
            "frames) and labelled with the Plug-in Gait lower body + trunk marker set (20\n"
            "markers): --static-pose from the anatomy of a standing static trial (any\n"
            "facing direction); --static from the segment distances of the subject's\n"
            "labelled static (left and right never swapped). Tracks that fit no label go to\n"
            "/unlabelled/position, never forced. Then the same gap filling and filtering.\n"
            "(--min-cameras and --outlier-px are for labelled mode: an unlabelled point needs\n"
            "3 cameras whose blobs agree within --blob-px.)\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE    the trajectories to write (required; written atomically)\n"
            "  --cutoff HZ|auto|none  low-pass cutoff in Hz (default 12); auto: Winter's\n"
            "                       residual analysis pooled over markers (noise region\n"
            "                       0.15-0.30 x rate); none: unfiltered\n"
            "  --max-gap N|Ns       longest gap filled, in frames, or seconds with an s\n"
            "                       (default 0.05s); 0: no filling\n"
            "  --min-cameras N      agreeing cameras needed for a point (default 2)\n"
            "  --outlier-px PX      reprojection error above which a camera is excluded\n"
            "                       (default 4)\n"
            "  --static-pose        IN is a standing static trial: label its centroids from\n"
            "                       the anatomy (exit 2, naming the group, when a marker is\n"
            "                       missing or extra)\n"
            "  --blob-px PX         unlabelled mode: a camera's blob joins a point when within\n"
            "                       PX of its projection (epipolar seeds within 4/3 PX, RMS\n"
            "                       residual of a point at most 2/3 PX); default 1.5 (5 sigma\n"
            "                       of 0.3 px centroid noise), or 5 x the calibration's RMS\n"
            "                       reprojection error when that is larger\n"
            "  --static FILE        label IN's centroids against this labelled static\n"
            "                       (*.traj.h5 written with --static-pose, or any trajectories\n"
            "                       with the Plug-in Gait names)\n"
            "%s\n"
            "Example:\n"
            "  kc-triangulate -o s01/dvj_1.traj.h5 calib/truth.calib.h5 s01/dvj_1.obs.h5\n"
            "  kc-triangulate --static-pose -o st.traj.h5 calib/truth.calib.h5 s01/static.obs.h5\n"
            "  kc-triangulate --static st.traj.h5 -o d1.traj.h5 calib/truth.calib.h5 s01/dvj_1.obs.h5\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_CUTOFF = 2000, OPT_MAXGAP, OPT_MINCAM, OPT_OUTLIER, OPT_STATIC, OPT_STATICPOSE,
       OPT_BLOBPX };

/* The static's mean position of each Plug-in Gait marker (NaN when absent). */
static int read_template(const char *path, double *tmpl)
{
    kc_traj *s = NULL;
    int st = kc_traj_read(path, &s);
    if (st)
        return st;
    size_t found = 0;
    for (int L = 0; L < KC_LABEL_PIG_N; L++) {
        int m = kc_traj_find(s, KC_LABEL_PIG_NAMES[L]);
        double sum[3] = {0, 0, 0};
        long n = 0;
        for (size_t f = 0; m >= 0 && f < s->n_frames; f++) {
            const double *x = s->position + 3 * (f * s->n_markers + (size_t)m);
            if (isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2])) {
                for (int d = 0; d < 3; d++)
                    sum[d] += x[d];
                n++;
            }
        }
        for (int d = 0; d < 3; d++)
            tmpl[3 * L + d] = n ? sum[d] / (double)n : NAN;
        found += n > 0;
    }
    kc_traj_free(s);
    if (found < 8) {
        KC_ERROR("\"%s\" has %zu of the %d Plug-in Gait markers (LASI ... STRN): not a "
                 "labelled static of this marker set", path, found, KC_LABEL_PIG_N);
        return KC_EINVAL;
    }
    return KC_OK;
}

/* Unlabelled mode: correspondence, tracking and labelling into t (labels of the marker
 * set; unlabelled tracks to t->unlabelled). static_path NULL: --static-pose. */
static int run_unlabelled(const kc_obs *obs, const kc_calib *cal, const kc_camera *cams,
                          const char *obs_path, const char *static_path, double blob_px,
                          kc_traj *t)
{
    size_t C = obs->n_cameras, F = obs->n_frames, M = KC_LABEL_PIG_N;
    kc_centroids *cen = calloc(C, sizeof *cen);
    int64_t *zero = calloc(F + 1, sizeof *zero), *off = NULL;
    kc_corr_point *pts = NULL;
    int32_t *blob = NULL, *trk = NULL;
    int *tlab = NULL, *ucol = NULL;
    int st = KC_ENOMEM;
    double tmpl[3 * KC_LABEL_PIG_N];
    if (!cen || !zero)
        goto done;
    for (size_t c = 0; c < C; c++) {   /* excluded cameras see nothing */
        int k = kc_calib_find(cal, obs->camera_names[c]);
        cen[c] = obs->centroids[c];
        if (k < 0 || cal->cameras[k].excluded) {
            cen[c].offsets = zero;
            cen[c].n = 0;
        }
    }
    if (static_path && (st = read_template(static_path, tmpl)))
        goto done;
    kc_corr_params cp = kc_corr_default_params();
    if (!(blob_px > 0)) {   /* default: 1.5 px, or 5 x the calibration's RMS if larger */
        blob_px = cp.reproj_px;
        if (isfinite(cal->rms_px) && 5.0 * cal->rms_px > blob_px)
            blob_px = 5.0 * cal->rms_px;
    }
    cp.reproj_px = blob_px;
    cp.epipolar_px = blob_px * 4.0 / 3.0;
    cp.max_residual_px = blob_px * 2.0 / 3.0;
    if (cp.cell_px < cp.reproj_px)
        cp.cell_px = cp.reproj_px;
    KC_INFO("correspondence: blobs within %.3g px", blob_px);
    if ((st = kc_corr_all(&cp, cams, C, F, cen, &pts, &blob, &off)))
        goto done;
    size_t N = (size_t)off[F], nt = 0;
    st = KC_ENOMEM;
    if (!(trk = malloc((N ? N : 1) * sizeof *trk)))
        goto done;
    kc_track_params tp = kc_track_default_params(obs->rate_hz);
    if ((st = kc_track_all(&tp, F, off, pts, trk, &nt)))
        goto done;
    KC_INFO("correspondence: %zu points in %zu frames; %zu tracks", N, F, nt);
    st = KC_ENOMEM;
    if (!(tlab = malloc((nt ? nt : 1) * sizeof *tlab)) || !(ucol = malloc((nt ? nt : 1) * sizeof *ucol)))
        goto done;
    kc_label_params lp = kc_label_default_params();
    st = static_path ? kc_label_tracks(&lp, tmpl, F, off, pts, trk, nt, tlab, obs_path)
                     : kc_label_static_tracks(&lp, F, off, pts, trk, nt, tlab, obs_path);
    if (st)
        goto done;
    /* unlabelled tracks: one column each */
    size_t U = 0;
    for (size_t k = 0; k < nt; k++)
        ucol[k] = tlab[k] < 0 ? (int)U++ : -1;
    if ((st = kc_traj_alloc_arrays(t, F, M, (char *const *)KC_LABEL_PIG_NAMES, KC_RESIDUAL_PX,
                                   true, true)))
        goto done;
    st = KC_ENOMEM;
    t->camera_used = calloc((F * M * C) > 0 ? F * M * C : 1, 1);
    if (!t->camera_used)
        goto done;
    if (U) {
        if (!(t->unlabelled = malloc(F * U * 3 * sizeof *t->unlabelled)))
            goto done;
        for (size_t i = 0; i < F * U * 3; i++)
            t->unlabelled[i] = NAN;
        t->n_unlabelled = U;
    }
    for (size_t i = 0; i < F * M; i++)
        t->n_cameras_seen[i] = 0;
    size_t n_lab = 0;
    for (size_t f = 0; f < F; f++)
        for (int64_t k = off[f]; k < off[f + 1]; k++) {
            int32_t tr = trk[k];
            if (tr < 0)
                continue;
            if (tlab[tr] < 0) {
                memcpy(t->unlabelled + 3 * (f * U + (size_t)ucol[tr]), pts[k].X, 3 * sizeof(double));
                continue;
            }
            size_t fm = f * M + (size_t)tlab[tr];
            memcpy(t->position + 3 * fm, pts[k].X, 3 * sizeof(double));
            t->residual[fm] = pts[k].residual_px;
            t->n_cameras_seen[fm] = (uint8_t)(pts[k].n_cameras > 254 ? 254 : pts[k].n_cameras);
            for (size_t c = 0; c < C; c++)
                t->camera_used[fm * C + c] = blob[(size_t)k * C + c] >= 0;
            n_lab++;
        }
    KC_INFO("labelled %zu of %zu marker-frames; %zu tracks unlabelled", n_lab, F * M, U);
    st = KC_OK;
done:
    free(cen);
    free(zero);
    free(off);
    free(pts);
    free(blob);
    free(trk);
    free(tlab);
    free(ucol);
    return st;
}

/* Parse "N" (frames) or "Ns" (seconds) into *frames_or_s; *seconds tells which. */
static int parse_gap(const char *s, double *v, int *seconds)
{
    size_t n = strlen(s);
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        goto bad;
    memcpy(buf, s, n + 1);
    *seconds = 0;
    if (buf[n - 1] == 's') {
        buf[n - 1] = '\0';
        *seconds = 1;
        return kc_parse_double("max-gap", buf, 0, 3600, v);
    }
    long l;
    if (kc_parse_long("max-gap", buf, 0, 1000000, &l))
        return KC_EINVAL;
    *v = (double)l;
    return KC_OK;
bad:
    KC_ERROR("--max-gap: \"%s\" is not a number of frames or of seconds (\"0.05s\")", s);
    return KC_EINVAL;
}

/* Cameras of the observations, in their order, from the calibration. A camera the
 * calibration marks "excluded" is not used: its observations are set to NaN. At least two
 * cameras must remain. */
static int match_cameras(const kc_calib *cal, kc_obs *obs, const char *calib_path,
                         const char *obs_path, kc_camera *cams)
{
    size_t usable = 0, C = obs->n_cameras, FM2 = obs->n_frames * obs->n_markers * 2;
    for (size_t i = 0; i < C; i++) {
        int k = kc_calib_find(cal, obs->camera_names[i]);
        if (k < 0) {
            KC_ERROR("camera \"%s\" of \"%s\" is not in the calibration \"%s\"",
                     obs->camera_names[i], obs_path, calib_path);
            return KC_EINVAL;
        }
        cams[i] = cal->cameras[k].cam;
        if (cal->cameras[k].excluded) {
            KC_WARN("camera \"%s\" is excluded by the calibration \"%s\": not used",
                    obs->camera_names[i], calib_path);
            for (size_t j = 0; j < FM2; j++)
                obs->points[i * FM2 + j] = NAN;
        } else {
            usable++;
        }
    }
    if (usable < 2) {
        KC_ERROR("\"%s\" has %zu camera%s not excluded by \"%s\": triangulation needs at "
                 "least two", obs_path, usable, usable == 1 ? "" : "s", calib_path);
        return KC_EINVAL;
    }
    return KC_OK;
}

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "kc-triangulate", argc, argv);
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"cutoff", required_argument, NULL, OPT_CUTOFF},
        {"max-gap", required_argument, NULL, OPT_MAXGAP},
        {"min-cameras", required_argument, NULL, OPT_MINCAM},
        {"outlier-px", required_argument, NULL, OPT_OUTLIER},
        {"static", required_argument, NULL, OPT_STATIC},
        {"static-pose", no_argument, NULL, OPT_STATICPOSE},
        {"blob-px", required_argument, NULL, OPT_BLOBPX},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *static_path = NULL;
    int static_pose = 0;
    double blob_px = 0;   /* 0: default */
    double cutoff = 12.0;   /* NaN = none, -1 = auto */
    double gap_v = 0.05;
    int gap_seconds = 1;
    kc_tri_params tp = kc_tri_default_params();
    kc_gapfill_params gp = kc_gapfill_default_params();
    int c;
    long l;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        int st = KC_OK;
        switch (c) {
        case 'o': out_path = optarg; break;
        case OPT_CUTOFF:
            if (strcmp(optarg, "none") == 0)
                cutoff = NAN;
            else if (strcmp(optarg, "auto") == 0)
                cutoff = -1.0;
            else
                st = kc_parse_double("cutoff", optarg, 0.01, 1e6, &cutoff);
            break;
        case OPT_MAXGAP: st = parse_gap(optarg, &gap_v, &gap_seconds); break;
        case OPT_MINCAM:
            st = kc_parse_long("min-cameras", optarg, 2, 254, &l);
            tp.min_cameras = (int)l;
            break;
        case OPT_OUTLIER: st = kc_parse_double("outlier-px", optarg, 1e-3, 1e6, &tp.outlier_px); break;
        case OPT_STATIC: static_path = optarg; break;
        case OPT_STATICPOSE: static_pose = 1; break;
        case OPT_BLOBPX: st = kc_parse_double("blob-px", optarg, 0.01, 1000, &blob_px); break;
        default: {
            int r = kc_cli_fallback_option(&cli, c, optarg, argv[optind - 1], usage);
            if (r >= 0)
                return r;
        }
        }
        if (st)
            return KC_EXIT_USAGE;
    }
    if (!out_path) {
        KC_ERROR("missing -o OUT.traj.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (optind + 2 != argc) {
        KC_ERROR(optind + 2 > argc ? "expected CALIB.calib.h5 and IN.obs.h5 (see --help)"
                                   : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    const char *calib_path = argv[optind], *obs_path = argv[optind + 1];
    if (static_path && static_pose) {
        KC_ERROR("--static and --static-pose exclude each other (see --help)");
        return KC_EXIT_USAGE;
    }
    int unl = static_path || static_pose;

    kc_calib *cal = NULL;
    kc_obs *obs = NULL;
    kc_traj *t = NULL;
    kc_camera *cams = NULL;
    uint8_t *impact = NULL;
    int st, code = KC_EXIT_INPUT;
    double t0 = kc_now();
    if ((st = kc_calib_read(calib_path, &cal)) || (st = kc_obs_read(obs_path, &obs)))
        goto fail;
    size_t C = obs->n_cameras, F = obs->n_frames, M = obs->n_markers;
    st = KC_EINVAL;
    if (unl && !obs->centroids) {
        KC_ERROR("\"%s\" has no unlabelled observations (/centroids) for --static%s", obs_path,
                 static_pose ? "-pose" : "");
        goto fail;
    }
    if (!unl && (M == 0 || !obs->points)) {
        KC_ERROR("\"%s\" has no labelled observations (/labels, /points)", obs_path);
        goto fail;
    }
    if (C < 2) {
        KC_ERROR("\"%s\" has %zu camera%s: triangulation needs at least two", obs_path, C,
                 C == 1 ? "" : "s");
        goto fail;
    }
    if (obs->truth && obs->truth->n_frames && obs->truth->n_frames != F) {
        KC_ERROR("/truth of \"%s\" has %zu frames but /points has %zu", obs_path,
                 obs->truth->n_frames, F);
        goto fail;
    }
    if (!(cams = malloc(C * sizeof *cams))) {
        st = KC_ENOMEM;
        goto fail;
    }
    if (match_cameras(cal, obs, calib_path, obs_path, cams))
        goto fail;
    size_t finite = unl ? 1 : 0;
    for (size_t i = 0; !unl && i < C * F * M; i++)
        finite += isfinite(obs->points[2 * i]) && isfinite(obs->points[2 * i + 1]);
    if (finite == 0) {
        KC_ERROR("\"%s\" has no observations: every /points value is NaN", obs_path);
        goto fail;
    }
    if (!isnan(cutoff) && cutoff > 0) {
        double a[3], b[2];
        if (kc_butter_coeffs(cutoff, obs->rate_hz, a, b)) {
            KC_ERROR("--cutoff %g Hz is not below the Nyquist frequency of \"%s\" (%g Hz)",
                     cutoff, obs_path, 0.5 * obs->rate_hz);
            goto fail;
        }
    }
    gp.max_gap = gap_seconds ? (long)floor(gap_v * obs->rate_hz + 1e-9) : (long)gap_v;

    /* triangulate */
    st = KC_ENOMEM;
    if (!(t = kc_traj_alloc()))
        goto fail;
    if (unl) {
        if ((st = run_unlabelled(obs, cal, cams, obs_path, static_path, blob_px, t)))
            goto fail;
    } else {
        if ((st = kc_traj_alloc_arrays(t, F, M, obs->labels, KC_RESIDUAL_PX, true, true)))
            goto fail;
        st = KC_ENOMEM;
        if (!(t->camera_used = malloc(F * M * C)))
            goto fail;
    }
    M = t->n_markers;
    st = KC_ENOMEM;
    t->camera_names = calloc(C, sizeof *t->camera_names);
    if (!t->camera_names)
        goto fail;
    t->n_cameras = C;
    for (size_t i = 0; i < C; i++)
        if (!(t->camera_names[i] = strdup(obs->camera_names[i])))
            goto fail;
    t->rate_hz = obs->rate_hz;
    t->first_frame = 0;
    t->start_time_s = 0.0;
    if (!unl && (st = kc_tri_all(&tp, cams, C, F, M, obs->points, obs->weights, t->position,
                                 t->residual, t->n_cameras_seen, t->camera_used)))
        goto fail;
    size_t n_tri = 0;
    for (size_t i = 0; i < F * M; i++)
        n_tri += isfinite(t->position[3 * i]);
    KC_INFO("triangulated %zu of %zu marker-frames in %.2f s", n_tri, F * M, kc_now() - t0);
    if (n_tri == 0) {
        st = KC_ENUMERIC;
        KC_ERROR("no marker of \"%s\" could be triangulated: no two cameras agree anywhere",
                 obs_path);
        goto fail;
    }

    /* contacts and gap filling */
    st = KC_ENOMEM;
    if (!(impact = calloc(F ? F : 1, 1)))
        goto fail;
    int nfp = kc_contacts_from_forceplates(&gp, obs->forceplates, obs->n_forceplates, F,
                                           obs->rate_hz, impact);
    int nmk = kc_contacts_from_markers(&gp, t->position, F, M, t->labels, obs->rate_hz,
                                       impact);
    KC_INFO("initial contacts: %d from force plates, %d from heel/toe markers", nfp, nmk);
    kc_gapfill_stats gs;
    memset(t->filled, KC_FILL_MEASURED, F * M);   /* NaN positions say "missing" */
    if ((st = kc_gapfill(&gp, t->position, F, M, t->labels, impact, t->filled, &gs)))
        goto fail;
    KC_INFO("gaps: %ld, filled by spline %ld, by rigid body %ld; left: %ld longer than %ld "
            "frames, %ld with no honest fill",
            gs.gaps, gs.spline, gs.rigid, gs.too_long, gp.max_gap, gs.unfillable);

    /* filtering */
    t->filter_cutoff_hz = NAN;
    if (cutoff < 0) {
        double fc, icpt;
        if ((st = kc_filter_residual_cutoff(t->position, F, M, obs->rate_hz, &fc, &icpt))) {
            KC_ERROR("--cutoff auto: residual analysis of \"%s\" failed", obs_path);
            goto fail;
        }
        KC_INFO("residual analysis: noise %.3g mm, cutoff %.2f Hz", icpt, fc);
        cutoff = fc;
    }
    if (!isnan(cutoff)) {
        if ((st = kc_filter_positions(t->position, F, M, cutoff, obs->rate_hz)))
            goto fail;
        t->filter_cutoff_hz = cutoff;
    }

    /* carry through and write */
    t->subject = obs->subject;
    t->trial = obs->trial;
    t->task = obs->task;
    obs->subject = obs->trial = obs->task = NULL;
    t->n_forceplates = obs->n_forceplates;
    t->forceplates = obs->forceplates;
    obs->n_forceplates = 0;
    obs->forceplates = NULL;
    t->truth = obs->truth;
    obs->truth = NULL;
    const char *inputs[2] = {calib_path, obs_path};
    kc_provenance prov = {"kc-triangulate", argc, argv, 2, inputs, cli.provenance};
    if ((st = kc_kpkin_traj_write(out_path, t, &prov)))   /* + keypoint_layout (kpkin.h) */
        goto fail;
    KC_INFO("wrote \"%s\" in %.2f s", out_path, kc_now() - t0);
    code = kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;
    goto done;

fail:
    code = kc_exit_code(st);
    if (code == KC_EXIT_OK)
        code = KC_EXIT_FAILED;
    if (kc_log_error_count() == 0)
        KC_ERROR("cannot triangulate \"%s\": %s", obs_path, kc_strerror(st));
done:
    free(impact);
    free(cams);
    kc_traj_free(t);
    kc_obs_free(obs);
    kc_calib_free(cal);
    return code;
}
