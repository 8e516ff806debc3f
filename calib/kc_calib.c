/* kc-calib — camera calibration. Modes: "import"/"export" (calibio.h) and "wand" mode (wand detection, pairwise
 * essential-matrix initialisation chained across the rig, bundle adjustment with the wand
 * as the scale, world frame from the L-frame). Modules in calib/ (calib.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "board.h"
#include "calibio.h"
#include "points.h"
#include "kinechain/table.h"
#include "residual_png.h"
#include "kinechain/calibfile.h"
#include "kinechain/h5io.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-calib wand -o OUT.calib.h5 [options] WAND.obs.h5 LFRAME.obs.h5\n"
            "       kc-calib board -o OUT.calib.h5 [--board-units m|mm] [--intrinsics FROM.calib.h5]\n"
            "                      [--image-size W,H] DETECTIONS.csv\n"
            "       kc-calib points -o OUT.calib.h5 [--image-size W,H] CONTROL.csv OBS.obs.h5\n"
            "       kc-calib import -o OUT.calib.h5 [--units m|mm] [--qca-distortion pose2sim|qtm]\n"
            "                       IN.(toml|yaml|yml|qca.txt)\n"
            "       kc-calib export [--units m|mm] IN.calib.h5 OUT.(toml|yaml|yml)\n"
            "\n"
            "Calibrate a camera rig from a wand capture and an L-frame capture (unlabelled\n"
            "centroids, /centroids/<camera>/{xy,offsets}). The wand (three collinear markers)\n"
            "is found in each camera's blobs by collinearity and spacing ratio; cameras are\n"
            "initialised from pairwise essential matrices chained along the pairs sharing the\n"
            "most wand frames, then every camera's fx, fy, cx, cy, k1, k2, p1, p2 (k3 = 0) and\n"
            "pose and every frame's wand pose are bundle-adjusted (Levenberg-Marquardt, Schur\n"
            "complement, Huber loss) with the wand length fixing the scale. The L-frame's\n"
            "markers, triangulated with the rig, then set the world frame (origin, X, Y on\n"
            "the floor, Z up). A camera that sees too little of the wand is written with\n"
            "status \"excluded\". Root attributes: rms_px and wand_length_rms_mm (each\n"
            "frame's wand triangulated freely); per camera rms_px (per coordinate), n_obs.\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE    the calibration to write (required; written atomically)\n"
            "  --wand-mm 0,B,C      marker positions along the wand from the first, mm\n"
            "                       (default: WAND's root attribute wand_mm, else 0,150,500)\n"
            "  --lframe-mm \"x,y,z;x,y,z;x,y,z;x,y,z\"\n"
            "                       L-frame marker positions in its own frame, mm (default:\n"
            "                       LFRAME's root attribute lframe_mm)\n"
            "  --focal-px F         initial focal length, px (default: the image width)\n"
            "  --image-size W,H     image size, px (default: from --intrinsics, else the\n"
            "                       observation file's image_size attribute, else the\n"
            "                       centroids' extent rounded up to a multiple of 8)\n"
            "  --intrinsics FILE    take K and distortion from FILE.calib.h5 and solve the\n"
            "                       poses only\n"
            "  --plot FILE.png      the residual figure: one panel per camera, every wand\n"
            "                       detection over the image with its reprojection residual\n"
            "                       magnified (default: OUT.residuals.png beside OUT)\n"
            "  --no-plot            do not draw it\n"
            "\n"
            "board calibrates cameras filming a moving planar board (checkerboard, ChArUco)\n"
            "from a CSV of detections, one row per corner: frame, camera, corner, x, y,\n"
            "board_x, board_y[, board_z = 0] (Caliscope's sync_index, cam_id, keypoint_id,\n"
            "img_loc_x, img_loc_y, obj_loc_x, obj_loc_y, obj_loc_z also accepted). Without\n"
            "--intrinsics, Zhang's method gives each camera's K, then every camera and board\n"
            "pose (and K, k1, k2, p1, p2, k3) are adjusted together. Camera labels map to the\n"
            "intrinsics' cameras by name or as cam_<label>. The world is the board of the\n"
            "frame most cameras see (X, Y on the board, Z its normal).\n"
            "  --board-units m|mm   unit of the board columns (default mm)\n"
            "\n"
            "points calibrates each camera on its own from known 3D control points: CONTROL.csv\n"
            "with columns label (or name), x, y, z in mm (world frame), seen in OBS.obs.h5's\n"
            "labelled /points (the median over frames): DLT, then fx, fy, cx, cy, k1, k2 (8\n"
            "points or more) and the pose refined. A camera seeing fewer than 6 non-coplanar\n"
            "points is written with status \"excluded\".\n"
            "\n"
            "import reads another tool's calibration: Pose2Sim, anipose or Caliscope TOML,\n"
            "OpenCV YAML (EasyMocap's names/K_/dist_/Rot_ or R_/T_/W_/H_ keys; intri.yml and\n"
            "extri.yml may be concatenated), or a Qualisys QTM .qca.txt (camera axes and\n"
            "sensor units converted). export writes TOML (Pose2Sim/anipose layout: Rodrigues\n"
            "rotation) or OpenCV YAML; excluded cameras are left out. See docs/calibration.md.\n"
            "  --units m|mm         unit of TOML/YAML translations (default m: Pose2Sim,\n"
            "                       Caliscope, EasyMocap; anipose uses its board's unit)\n"
            "  --qca-distortion pose2sim|qtm\n"
            "                       QTM's distortion coefficients divided by 64 as Pose2Sim\n"
            "                       converts them (default), or taken as they are\n"
            "%s\n"
            "Example:\n"
            "  kc-calib wand -o session.calib.h5 calib/wand.obs.h5 calib/lframe.obs.h5\n"
            "  kc-calib board -o cams.calib.h5 --board-units m --intrinsics intr.calib.h5 xy.csv\n"
            "  kc-calib import -o lab.calib.h5 Calib.qca.txt\n"
            "  kc-calib export session.calib.h5 Calib.toml\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_WAND = 2000, OPT_LFRAME, OPT_FOCAL, OPT_INTR, OPT_SIZE, OPT_UNITS, OPT_QCADIST,
       OPT_PLOT, OPT_NOPLOT, OPT_BOARDUNITS };

/* "x,y,z;x,y,z;..." -> up to 6 markers */
static int parse_lframe(const char *s, double *lf, size_t *n)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        goto bad;
    memcpy(buf, s, strlen(s) + 1);
    *n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        if (*n == 6)
            goto bad;
        if (kc_parse_doubles("lframe-mm", tok, 3, lf + 3 * *n))
            return KC_EINVAL;   /* logged */
        (*n)++;
    }
    if (*n < 3)
        goto bad;
    return KC_OK;
bad:
    KC_ERROR("--lframe-mm: \"%s\" is not 3 to 6 markers \"x,y,z;x,y,z;...\" in mm", s);
    return KC_EINVAL;
}

static int check_obs(const kc_obs *o, const char *path)
{
    if (!o->centroids) {
        KC_ERROR("\"%s\" has no unlabelled centroids (/centroids)", path);
        return KC_EINVAL;
    }
    if (o->n_cameras < 2) {
        KC_ERROR("\"%s\" has %zu camera%s: calibration needs at least two", path, o->n_cameras,
                 o->n_cameras == 1 ? "" : "s");
        return KC_EINVAL;
    }
    for (size_t c = 0; c < o->n_cameras; c++)
        for (size_t i = 0; i < 2 * o->centroids[c].n; i++)
            if (!isfinite(o->centroids[c].xy[i])) {
                KC_ERROR("\"%s\": /centroids/%s/xy has a non-finite value (row %zu)", path,
                         o->camera_names[c], i / 2);
                return KC_EINVAL;
            }
    return KC_OK;
}

/* The residual figure of a calibration, with the provenance as PNG text chunks. */
static int write_plot(const kc_cli *cli, const char *path, const kc_calib *out,
                      const kc_calib_resid *res, const char *title)
{
    char *cmd = kc_command_line(cli->argc, cli->argv);
    if (!cmd)
        return KC_ENOMEM;
    kc_png_text text[4] = {
        {"Title", title},
        {"Software", "kc-calib " KC_VERSION},
        {"Description", "Reprojection residuals of each camera over its image (kinechain)"},
        {"Source", cmd},
    };
    int st = kc_calib_residual_png(path, out, res, title, text, cli->provenance ? 4 : 3);
    free(cmd);
    kc_cairo_release();   /* one figure per run: the font caches go now */
    return st;
}

/* The calibration written atomically with its provenance: what every mode ends with. */
static int write_calib(const kc_cli *cli, const char *path, const kc_calib *out,
                       const char **inputs, int n_inputs)
{
    kc_provenance prov = {"kc-calib", cli->argc, cli->argv, n_inputs, inputs, cli->provenance};
    return kc_calib_write(path, out, &prov);
}

/* A mode that failed with st: its exit code (code is what it had decided so far), a one-line
 * error naming src unless one was logged, and no residual figure without its calibration. */
static int failed(int st, int code, const char *src, const char *plot_path, int plot_written)
{
    if (code == KC_EXIT_INPUT)
        code = kc_exit_code(st);
    if (code == KC_EXIT_OK)
        code = KC_EXIT_FAILED;
    if (kc_log_error_count() == 0)
        KC_ERROR("cannot calibrate from \"%s\": %s", src, kc_strerror(st));
    if (plot_written)
        remove(plot_path);
    return code;
}

/* kc-calib board: a tidy CSV of board-corner detections -> OUT.calib.h5 */
typedef struct board_opts {
    const char *out_path, *intr_path, *plot_arg;
    int no_plot;
    double board_units_mm;   /* 0: not given (mm) */
    double size[2];          /* --image-size, 0 = none */
} board_opts;

static int run_board(const kc_cli *cli, const board_opts *o, int nargs, char **args)
{
    if (!o->out_path) {
        KC_ERROR("missing -o OUT.calib.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (nargs != 1) {
        KC_ERROR(nargs < 1 ? "expected DETECTIONS.csv (see --help)"
                           : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    const char *csv = args[0];
    kc_board_data *d = NULL;
    kc_calib *intr = NULL, *out = NULL;
    kc_camera *cams = NULL;
    uint8_t *usable = NULL;
    double *rms = NULL, *resid = NULL, *uvr = NULL;
    long *nobs = NULL;
    kc_calib_resid *res = NULL;
    char *plot_path = NULL;
    int plot_written = 0, code = KC_EXIT_INPUT;
    int st = kc_board_read_csv(csv, o->board_units_mm > 0 ? o->board_units_mm : 1.0, &d);
    if (st)
        goto fail;
    if (o->intr_path && (st = kc_calib_read(o->intr_path, &intr)))
        goto fail;
    size_t C = d->C;
    st = KC_ENOMEM;
    cams = calloc(C, sizeof *cams);
    usable = calloc(C, 1);
    rms = malloc(C * sizeof *rms);
    nobs = malloc(C * sizeof *nobs);
    resid = malloc(2 * d->n * sizeof *resid);
    if (!cams || !usable || !rms || !nobs || !resid)
        goto fail;
    for (size_t c = 0; c < C; c++) {
        const char *lab = d->cam_label[c];
        char alt[KC_CAM_NAME_MAX];
        snprintf(alt, sizeof alt, "cam_%.59s", lab);
        int k = -1;
        if (intr) {
            k = kc_calib_find(intr, lab);
            if (k < 0)
                k = kc_calib_find(intr, alt);
            if (k < 0) {
                KC_ERROR("camera \"%s\" of \"%s\" is in \"%s\" neither as \"%s\" nor as \"%s\"",
                         lab, csv, o->intr_path, lab, alt);
                st = KC_EINVAL;
                goto fail;
            }
            cams[c] = intr->cameras[k].cam;
        } else {
            char *end;
            (void)strtod(lab, &end);
            snprintf(cams[c].name, sizeof cams[c].name, "%s", *end ? lab : alt);
            if (o->size[0] > 0) {
                cams[c].width = (int)o->size[0];
                cams[c].height = (int)o->size[1];
            } else {
                double mu = 0, mv = 0;
                for (size_t i = 0; i < d->n; i++)
                    if ((size_t)d->cam[i] == c) {
                        mu = fmax(mu, d->uv[2 * i]);
                        mv = fmax(mv, d->uv[2 * i + 1]);
                    }
                cams[c].width = 8 * (int)ceil((mu + 0.5) / 8.0);
                cams[c].height = 8 * (int)ceil((mv + 0.5) / 8.0);
                KC_INFO("camera \"%s\": image size %dx%d from the detections' extent (give "
                        "--image-size)", cams[c].name, cams[c].width, cams[c].height);
            }
            cams[c].fx = cams[c].fy = cams[c].width;   /* replaced by Zhang's estimate */
            cams[c].cx = 0.5 * (cams[c].width - 1), cams[c].cy = 0.5 * (cams[c].height - 1);
        }
    }
    kc_board_params bp = kc_board_default_params();
    bp.fix_intrinsics = intr != NULL;
    kc_board_report rep = {0};
    rep.cam_rms_px = rms, rep.cam_n_obs = nobs, rep.resid = resid;
    if ((st = kc_board_calibrate(&bp, d, cams, usable, &rep))) {
        if (st == KC_ENUMERIC)
            code = KC_EXIT_FAILED;
        goto fail;
    }
    size_t n_ok = 0;
    for (size_t c = 0; c < C; c++) {
        n_ok += usable[c];
        if (usable[c])
            KC_INFO("camera \"%s\": RMS %.3f px per coordinate over %ld corners", cams[c].name,
                    rms[c], nobs[c]);
    }
    KC_INFO("board: %zu of %zu cameras, %zu board poses, %ld views, RMS %.3f px, %d iterations; "
            "world = the board of frame %ld", n_ok, C, rep.n_frames, rep.n_views, rep.rms_px,
            rep.iterations, rep.ref_frame);
    st = KC_ENOMEM;
    if (!(out = kc_calib_alloc(C)))
        goto fail;
    snprintf(out->method, sizeof out->method, "board");
    out->rms_px = rep.rms_px;
    for (size_t c = 0; c < C; c++) {
        out->cameras[c].cam = cams[c];
        out->cameras[c].excluded = !usable[c];
        out->cameras[c].rms_px = usable[c] ? rms[c] : NAN;
        out->cameras[c].n_obs = usable[c] ? nobs[c] : 0;
        if (!usable[c] && kc_camera_check(&out->cameras[c].cam)) {
            /* a placeholder pose so that the file stays readable; status says excluded */
            out->cameras[c].cam.R = kc_m3_identity();
            out->cameras[c].cam.t = kc_v3(0, 0, 0);
            if (!(out->cameras[c].cam.fx > 0))
                out->cameras[c].cam.fx = out->cameras[c].cam.fy = out->cameras[c].cam.width;
        }
    }
    if (!o->no_plot) {
        res = calloc(C, sizeof *res);
        uvr = malloc(4 * d->n * sizeof *uvr);
        plot_path = o->plot_arg ? strdup(o->plot_arg) : kc_calib_residual_png_name(o->out_path);
        if (!res || !uvr || !plot_path)
            goto fail;
        size_t k = 0;
        for (size_t c = 0; c < C; c++) {
            res[c].uvr = uvr + 4 * k;
            for (size_t i = 0; i < d->n; i++)
                if ((size_t)d->cam[i] == c) {
                    double *q = uvr + 4 * k++;
                    q[0] = d->uv[2 * i], q[1] = d->uv[2 * i + 1];
                    q[2] = resid[2 * i], q[3] = resid[2 * i + 1];
                    res[c].n++;
                }
        }
        char title[256];
        snprintf(title, sizeof title, "kc-calib board: %zu of %zu cameras, %zu board poses, "
                 "RMS %.3f px", n_ok, C, rep.n_frames, rep.rms_px);
        if ((st = write_plot(cli, plot_path, out, res, title)))
            goto fail;
        plot_written = 1;
    }
    const char *inputs[2] = {csv, o->intr_path};
    if ((st = write_calib(cli, o->out_path, out, inputs, o->intr_path ? 2 : 1)))
        goto fail;
    code = KC_EXIT_OK;
fail:
    if (st)
        code = failed(st, code, csv, plot_path, plot_written);
    kc_board_free(d);
    kc_calib_free(intr);
    kc_calib_free(out);
    free(cams);
    free(usable);
    free(rms);
    free(nobs);
    free(resid);
    free(uvr);
    free(res);
    free(plot_path);
    if (code == KC_EXIT_OK && kc_cli_close_stdout())
        code = KC_EXIT_FAILED;
    return code;
}

/* Camera c's image size from an observation file's optional root attribute image_size
 * [2·C] (width, height per camera of /camera_names, px). 1 when set, 0 when absent, -1 when
 * malformed (logged naming the file). */
static int obs_image_size(const kc_obs *o, const char *path, size_t c, int *w, int *h)
{
    size_t n = 0;
    const double *v = kc_obs_extra(o, "image_size", &n);
    if (!v)
        return 0;
    if (n != 2 * o->n_cameras) {
        KC_ERROR("\"%s\": image_size has %zu values, expected 2 per camera (%zu)", path, n,
                 2 * o->n_cameras);
        return -1;
    }
    double a = v[2 * c], b = v[2 * c + 1];
    if (!(a >= 1 && a <= 1e5 && b >= 1 && b <= 1e5) || a != floor(a) || b != floor(b)) {
        KC_ERROR("\"%s\": image_size of camera \"%s\" is not a width and height in pixels",
                 path, o->camera_names[c]);
        return -1;
    }
    *w = (int)a, *h = (int)b;
    return 1;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* kc-calib points: known 3D control points (CSV) seen in a labelled observation file */
static int run_points(const kc_cli *cli, const board_opts *o, int nargs, char **args)
{
    if (!o->out_path) {
        KC_ERROR("missing -o OUT.calib.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (nargs != 2) {
        KC_ERROR(nargs < 2 ? "expected CONTROL.csv and OBS.obs.h5 (see --help)"
                           : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    const char *csv = args[0], *obs_path = args[1];
    kc_table *t = NULL;
    kc_obs *ob = NULL;
    kc_calib *out = NULL;
    double *X = NULL, *uv = NULL, *med = NULL, *Xk = NULL, *uvr = NULL;
    kc_calib_resid *res = NULL;
    char *plot_path = NULL;
    int plot_written = 0, code = KC_EXIT_INPUT;
    int st = kc_table_read_csv(csv, &t);
    if (st)
        goto fail;
    if ((st = kc_obs_read(obs_path, &ob)))
        goto fail;
    st = KC_EINVAL;
    int cl = kc_table_find(t, "label"), cx = kc_table_find(t, "x"), cy = kc_table_find(t, "y"),
        cz = kc_table_find(t, "z");
    if (cl < 0)
        cl = kc_table_find(t, "name");
    if (cl < 0 || cx < 0 || cy < 0 || cz < 0) {
        KC_ERROR("\"%s\" needs columns label (or name), x, y, z (mm)", csv);
        goto fail;
    }
    if (ob->n_markers == 0) {
        KC_ERROR("\"%s\" has no labelled points (/labels, /points)", obs_path);
        goto fail;
    }
    size_t N = kc_table_nrows(t), C = ob->n_cameras, F = ob->n_frames, M = ob->n_markers;
    st = KC_ENOMEM;
    X = malloc(3 * N * sizeof *X);
    int *mk = malloc(N * sizeof *mk);
    med = malloc(F * sizeof *med);
    Xk = malloc(3 * N * sizeof *Xk);
    uv = malloc(2 * N * sizeof *uv);
    if (!X || !mk || !med || !Xk || !uv) {
        free(mk);
        goto fail;
    }
    size_t n_match = 0;
    for (size_t r = 0; r < N; r++) {
        const char *lab = kc_table_get_str(t, r, cl);
        for (int k = 0; k < 3; k++) {
            const char *v = kc_table_get_str(t, r, k == 0 ? cx : k == 1 ? cy : cz);
            char *end;
            X[3 * r + k] = strtod(v, &end);
            if (end == v || *end || !isfinite(X[3 * r + k])) {
                KC_ERROR("\"%s\" line %zu: %s \"%s\" is not a finite number", csv, r + 2,
                         k == 0 ? "x" : k == 1 ? "y" : "z", v);
                st = KC_EFORMAT;
                free(mk);
                goto fail;
            }
        }
        mk[r] = -1;
        for (size_t m = 0; m < M; m++)
            if (!strcmp(ob->labels[m], lab))
                mk[r] = (int)m;
        n_match += mk[r] >= 0;
    }
    if (n_match < 6) {
        KC_ERROR("only %zu control points of \"%s\" are labelled in \"%s\" (6 or more needed)",
                 n_match, csv, obs_path);
        st = KC_EINVAL;
        free(mk);
        goto fail;
    }
    st = KC_ENOMEM;
    if (!(out = kc_calib_alloc(C)) || !(res = calloc(C, sizeof *res)) ||
        !(uvr = malloc(4 * C * N * sizeof *uvr))) {
        free(mk);
        goto fail;
    }
    snprintf(out->method, sizeof out->method, "dlt");
    size_t n_ok = 0;
    double tot = 0;
    long ntot = 0;
    for (size_t c = 0; c < C; c++) {
        kc_camera *cam = &out->cameras[c].cam;
        snprintf(cam->name, sizeof cam->name, "%s", ob->camera_names[c]);
        size_t n = 0;
        double mu = 0, mv = 0;
        /* each control point: the median of its detections over the frames */
        for (size_t r = 0; r < N; r++) {
            if (mk[r] < 0)
                continue;
            double q[2];
            for (int k = 0; k < 2; k++) {
                size_t nf = 0;
                for (size_t f = 0; f < F; f++) {
                    double v = ob->points[((c * F + f) * M + (size_t)mk[r]) * 2 + (size_t)k];
                    if (isfinite(v))
                        med[nf++] = v;
                }
                if (nf == 0) {
                    q[0] = NAN;
                    break;
                }
                qsort(med, nf, sizeof *med, cmp_dbl);
                q[k] = nf % 2 ? med[nf / 2] : 0.5 * (med[nf / 2 - 1] + med[nf / 2]);
            }
            if (!isfinite(q[0]))
                continue;
            memcpy(Xk + 3 * n, X + 3 * r, 3 * sizeof *X);
            uv[2 * n] = q[0], uv[2 * n + 1] = q[1];
            mu = fmax(mu, q[0]), mv = fmax(mv, q[1]);
            n++;
        }
        int hs = 0;
        if (o->size[0] > 0) {
            cam->width = (int)o->size[0], cam->height = (int)o->size[1];
        } else if ((hs = obs_image_size(ob, obs_path, c, &cam->width, &cam->height)) < 0) {
            st = KC_EINVAL;
            goto fail;
        } else if (hs == 0) {
            cam->width = 8 * (int)ceil((mu + 0.5) / 8.0);
            cam->height = 8 * (int)ceil((mv + 0.5) / 8.0);
            if (cam->width < 8)
                cam->width = 8;
            if (cam->height < 8)
                cam->height = 8;
        }
        double rms = NAN;
        int cs = n >= 6 ? kc_points_calibrate_camera(cam, Xk, uv, n, &rms) : KC_EINVAL;
        res[c].uvr = uvr + 4 * c * N;
        if (cs == KC_ENOMEM) {
            st = cs;
            free(mk);
            goto fail;
        }
        if (cs) {
            KC_WARN("camera \"%s\" excluded: %s", cam->name,
                    n < 6 ? "it sees fewer than 6 control points"
                    : cs == KC_EINVAL ? "its control points are coplanar (the DLT needs depth)"
                                      : "the DLT did not converge");
            out->cameras[c].excluded = true;
            out->cameras[c].rms_px = NAN;
            /* a placeholder camera, readable; status says excluded */
            cam->fx = cam->fy = cam->width, cam->cx = 0.5 * cam->width, cam->cy = 0.5 * cam->height;
            cam->k1 = cam->k2 = cam->p1 = cam->p2 = cam->k3 = 0;
            cam->R = kc_m3_identity(), cam->t = kc_v3(0, 0, 0);
            for (size_t i = 0; i < n; i++) {
                double *q = res[c].uvr + 4 * res[c].n++;
                q[0] = uv[2 * i], q[1] = uv[2 * i + 1], q[2] = q[3] = NAN;
            }
            continue;
        }
        out->cameras[c].rms_px = rms;
        out->cameras[c].n_obs = (long)n;
        tot += rms * rms * 2.0 * (double)n;
        ntot += (long)n;
        n_ok++;
        KC_INFO("camera \"%s\": %zu control points, RMS %.3f px per coordinate", cam->name, n,
                rms);
        for (size_t i = 0; i < n; i++) {
            double p[2] = {NAN, NAN}, *q = res[c].uvr + 4 * res[c].n++;
            (void)kc_camera_project(cam, kc_v3(Xk[3 * i], Xk[3 * i + 1], Xk[3 * i + 2]), p);
            q[0] = uv[2 * i], q[1] = uv[2 * i + 1];
            q[2] = uv[2 * i] - p[0], q[3] = uv[2 * i + 1] - p[1];
        }
    }
    free(mk);
    if (n_ok == 0) {
        KC_ERROR("no camera of \"%s\" could be calibrated from \"%s\"", obs_path, csv);
        st = KC_EINVAL;
        goto fail;
    }
    out->rms_px = sqrt(tot / (2.0 * (double)ntot));
    if (!o->no_plot) {
        st = KC_ENOMEM;
        plot_path = o->plot_arg ? strdup(o->plot_arg) : kc_calib_residual_png_name(o->out_path);
        if (!plot_path)
            goto fail;
        char title[256];
        snprintf(title, sizeof title, "kc-calib points: %zu of %zu cameras, RMS %.3f px", n_ok, C,
                 out->rms_px);
        if ((st = write_plot(cli, plot_path, out, res, title)))
            goto fail;
        plot_written = 1;
    }
    const char *inputs[2] = {csv, obs_path};
    if ((st = write_calib(cli, o->out_path, out, inputs, 2)))
        goto fail;
    code = KC_EXIT_OK;
fail:
    if (st)
        code = failed(st, code, csv, plot_path, plot_written);
    kc_table_free(t);
    kc_obs_free(ob);
    kc_calib_free(out);
    free(X);
    free(uv);
    free(med);
    free(Xk);
    free(uvr);
    free(res);
    free(plot_path);
    if (code == KC_EXIT_OK && kc_cli_close_stdout())
        code = KC_EXIT_FAILED;
    return code;
}

/* kc-calib import: another tool's calibration -> OUT.calib.h5 */
static int run_import(const kc_cli *cli, const kc_calibio_params *iop, const char *out_path,
                      int nargs, char **args)
{
    if (!out_path) {
        KC_ERROR("missing -o OUT.calib.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (nargs != 1) {
        KC_ERROR(nargs < 1 ? "expected the file to import (see --help)"
                           : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    if (kc_calibio_format_of(args[0]) == KC_CALIB_FMT_UNKNOWN) {
        KC_ERROR("\"%s\": unknown calibration format (expected .toml, .yaml, .yml or .qca.txt)",
                 args[0]);
        return KC_EXIT_USAGE;
    }
    kc_calib *c = NULL;
    int st = kc_calibio_import(args[0], iop, &c);
    if (!st) {
        const char *inputs[1] = {args[0]};
        st = write_calib(cli, out_path, c, inputs, 1);
    }
    if (!st)
        KC_INFO("imported %zu cameras from \"%s\" into \"%s\"", c->n_cameras, args[0], out_path);
    kc_calib_free(c);
    if (st && kc_log_error_count() == 0)
        KC_ERROR("cannot import \"%s\": %s", args[0], kc_strerror(st));
    int code = kc_exit_code(st);
    if (code == KC_EXIT_OK && kc_cli_close_stdout())
        code = KC_EXIT_FAILED;
    return code;
}

/* kc-calib export IN.calib.h5 OUT.(toml|yaml) */
static int run_export(const kc_cli *cli, const kc_calibio_params *iop, const char *out_path,
                      int nargs, char **args)
{
    (void)cli;
    if (out_path) {
        KC_ERROR("export takes IN.calib.h5 OUT.(toml|yaml), not -o (see --help)");
        return KC_EXIT_USAGE;
    }
    if (nargs != 2) {
        KC_ERROR(nargs < 2 ? "expected IN.calib.h5 and OUT.(toml|yaml) (see --help)"
                           : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    kc_calib_format f = kc_calibio_format_of(args[1]);
    if (f != KC_CALIB_FMT_TOML && f != KC_CALIB_FMT_YAML) {
        KC_ERROR("\"%s\": can export .toml, .yaml or .yml only", args[1]);
        return KC_EXIT_USAGE;
    }
    kc_calib *c = NULL;
    int st = kc_calib_read(args[0], &c);
    if (!st)
        st = kc_calibio_export(c, args[1], iop);
    if (!st)
        KC_INFO("exported \"%s\" to \"%s\"", args[0], args[1]);
    kc_calib_free(c);
    if (st && kc_log_error_count() == 0)
        KC_ERROR("cannot export \"%s\": %s", args[0], kc_strerror(st));
    int code = kc_exit_code(st);
    if (code == KC_EXIT_OK && kc_cli_close_stdout())
        code = KC_EXIT_FAILED;
    return code;
}

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "kc-calib", argc, argv);
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"wand-mm", required_argument, NULL, OPT_WAND},
        {"lframe-mm", required_argument, NULL, OPT_LFRAME},
        {"focal-px", required_argument, NULL, OPT_FOCAL},
        {"intrinsics", required_argument, NULL, OPT_INTR},
        {"image-size", required_argument, NULL, OPT_SIZE},
        {"units", required_argument, NULL, OPT_UNITS},
        {"qca-distortion", required_argument, NULL, OPT_QCADIST},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"no-plot", no_argument, NULL, OPT_NOPLOT},
        {"board-units", required_argument, NULL, OPT_BOARDUNITS},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *intr_path = NULL, *plot_arg = NULL;
    int no_plot = 0;
    double board_units = 0;
    double wand_mm[3] = {NAN, NAN, NAN}, lf[18], focal = 0, size[2] = {0, 0};
    size_t n_lf = 0;
    kc_calibio_params iop = kc_calibio_default_params();
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        int st = KC_OK;
        switch (c) {
        case 'o': out_path = optarg; break;
        case OPT_WAND:
            st = kc_parse_doubles("wand-mm", optarg, 3, wand_mm);
            if (!st && !(wand_mm[0] < wand_mm[1] && wand_mm[1] < wand_mm[2])) {
                KC_ERROR("--wand-mm: \"%s\": the positions must increase", optarg);
                st = KC_EINVAL;
            }
            break;
        case OPT_LFRAME: st = parse_lframe(optarg, lf, &n_lf); break;
        case OPT_FOCAL: st = kc_parse_double("focal-px", optarg, 1, 1e6, &focal); break;
        case OPT_INTR: intr_path = optarg; break;
        case OPT_SIZE:
            st = kc_parse_doubles("image-size", optarg, 2, size);
            if (!st && !(size[0] >= 1 && size[1] >= 1 && size[0] <= 1e5 && size[1] <= 1e5)) {
                KC_ERROR("--image-size: \"%s\" is not a width and height in pixels", optarg);
                st = KC_EINVAL;
            }
            break;
        case OPT_PLOT: plot_arg = optarg; break;
        case OPT_NOPLOT: no_plot = 1; break;
        case OPT_BOARDUNITS:
            if (!strcmp(optarg, "m") || !strcmp(optarg, "mm")) {
                board_units = optarg[1] ? 1.0 : 1000.0;
            } else {
                KC_ERROR("--board-units: \"%s\" is not m or mm", optarg);
                st = KC_EINVAL;
            }
            break;
        case OPT_UNITS:
            if (!strcmp(optarg, "m") || !strcmp(optarg, "mm")) {
                iop.units_mm = optarg[1] ? 1.0 : 1000.0;
            } else {
                KC_ERROR("--units: \"%s\" is not m or mm", optarg);
                st = KC_EINVAL;
            }
            break;
        case OPT_QCADIST:
            if (!strcmp(optarg, "pose2sim") || !strcmp(optarg, "qtm")) {
                iop.qca_dist_scale = optarg[0] == 'p' ? 64.0 : 1.0;
            } else {
                KC_ERROR("--qca-distortion: \"%s\" is not pose2sim or qtm", optarg);
                st = KC_EINVAL;
            }
            break;
        default: {
            int r = kc_cli_fallback_option(&cli, c, optarg, argv[optind - 1], usage);
            if (r >= 0)
                return r;
        }
        }
        if (st)
            return KC_EXIT_USAGE;
    }
    if (optind >= argc) {
        KC_ERROR("expected a mode: wand, board, points, import or export (see --help)");
        return KC_EXIT_USAGE;
    }
    const char *mode = argv[optind++];
    if (!strcmp(mode, "import"))
        return run_import(&cli, &iop, out_path, argc - optind, argv + optind);
    if (!strcmp(mode, "export"))
        return run_export(&cli, &iop, out_path, argc - optind, argv + optind);
    if (!strcmp(mode, "points")) {
        board_opts bo = {out_path, intr_path, plot_arg, no_plot, board_units, {size[0], size[1]}};
        return run_points(&cli, &bo, argc - optind, argv + optind);
    }
    if (!strcmp(mode, "board")) {
        board_opts bo = {out_path, intr_path, plot_arg, no_plot, board_units, {size[0], size[1]}};
        return run_board(&cli, &bo, argc - optind, argv + optind);
    }
    if (strcmp(mode, "wand") != 0) {
        KC_ERROR("unknown mode \"%s\": the modes are: wand, board, points, import, export (see --help)", mode);
        return KC_EXIT_USAGE;
    }
    if (!out_path) {
        KC_ERROR("missing -o OUT.calib.h5 (see --help)");
        return KC_EXIT_USAGE;
    }
    if (optind + 2 != argc) {
        KC_ERROR(optind + 2 > argc ? "expected WAND.obs.h5 and LFRAME.obs.h5 (see --help)"
                                   : "too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    const char *wand_path = argv[optind], *lf_path = argv[optind + 1];

    kc_obs *wo = NULL, *lo = NULL;
    kc_calib *intr = NULL, *out = NULL;
    kc_camera *cams = NULL;
    double *det = NULL;
    uint8_t *usable = NULL;
    kc_wand_stats *ws = NULL;
    kc_ba_report *rep = NULL;
    double *covs = NULL;   /* [C][15][15] per camera, world frame */
    int have_size = 0;     /* image sizes from the wand capture's image_size attribute */
    kc_calib_resid *res = NULL;
    double *resbuf = NULL;
    char *plot_path = NULL;
    int plot_written = 0;
    int st, code = KC_EXIT_INPUT;
    double t0 = kc_now();
    if ((st = kc_obs_read(wand_path, &wo)) || (st = kc_obs_read(lf_path, &lo)))
        goto fail;
    if (intr_path && (st = kc_calib_read(intr_path, &intr)))
        goto fail;
    st = KC_EINVAL;
    if (check_obs(wo, wand_path) || check_obs(lo, lf_path))
        goto fail;
    size_t C = wo->n_cameras, F = wo->n_frames;
    if (lo->n_cameras != C) {
        KC_ERROR("\"%s\" has %zu cameras but \"%s\" has %zu", lf_path, lo->n_cameras, wand_path, C);
        goto fail;
    }
    for (size_t i = 0; i < C; i++)
        if (strcmp(wo->camera_names[i], lo->camera_names[i])) {
            KC_ERROR("camera %zu is \"%s\" in \"%s\" but \"%s\" in \"%s\"", i,
                     wo->camera_names[i], wand_path, lo->camera_names[i], lf_path);
            goto fail;
        }
    if (isnan(wand_mm[0])) {
        size_t n;
        const double *v = kc_obs_extra(wo, "wand_mm", &n);
        if (v && n == 3) {
            memcpy(wand_mm, v, sizeof wand_mm);
        } else {
            wand_mm[0] = 0, wand_mm[1] = 150, wand_mm[2] = 500;
            KC_WARN("\"%s\" has no wand_mm attribute: assuming 0,150,500 mm", wand_path);
        }
        if (!(wand_mm[0] < wand_mm[1] && wand_mm[1] < wand_mm[2])) {
            KC_ERROR("\"%s\": wand_mm must increase", wand_path);
            goto fail;
        }
    }
    if (n_lf == 0) {
        size_t n;
        const double *v = kc_obs_extra(lo, "lframe_mm", &n);
        if (!v || n % 3 || n < 9 || n > 18) {
            KC_ERROR("\"%s\" has no lframe_mm attribute of 3 to 6 markers: give --lframe-mm", lf_path);
            goto fail;
        }
        memcpy(lf, v, n * sizeof *v);
        n_lf = n / 3;
    }
    st = KC_ENOMEM;
    cams = calloc(C, sizeof *cams);
    det = malloc(C * F * 6 * sizeof *det);
    usable = calloc(C, 1);
    ws = calloc(C, sizeof *ws);
    rep = calloc(1, sizeof *rep);
    if (!cams || !det || !usable || !ws || !rep || !(rep->wand_xyz = malloc(F * 9 * sizeof(double))) ||
        !(rep->cov = malloc(C * C * KC_CAM_NPARAM * KC_CAM_NPARAM * sizeof(double))))
        goto fail;
    /* image sizes */
    for (size_t i = 0; i < C; i++) {
        snprintf(cams[i].name, sizeof cams[i].name, "%s", wo->camera_names[i]);
        int k = intr ? kc_calib_find(intr, cams[i].name) : -1;
        if (intr && k < 0) {
            KC_ERROR("camera \"%s\" of \"%s\" is not in \"%s\"", cams[i].name, wand_path, intr_path);
            st = KC_EINVAL;
            goto fail;
        }
        if (k >= 0) {
            cams[i].width = intr->cameras[k].cam.width;
            cams[i].height = intr->cameras[k].cam.height;
        } else if (size[0] > 0) {
            cams[i].width = (int)size[0];
            cams[i].height = (int)size[1];
        } else if ((have_size = obs_image_size(wo, wand_path, i, &cams[i].width, &cams[i].height)) < 0) {
            st = KC_EINVAL;
            goto fail;
        } else if (have_size == 0) {
            double mu = 0, mv = 0;
            for (size_t j = 0; j < wo->centroids[i].n; j++) {
                mu = fmax(mu, wo->centroids[i].xy[2 * j]);
                mv = fmax(mv, wo->centroids[i].xy[2 * j + 1]);
            }
            cams[i].width = 8 * (int)ceil((mu + 0.5) / 8.0);
            cams[i].height = 8 * (int)ceil((mv + 0.5) / 8.0);
            if (cams[i].width < 8)
                cams[i].width = 8;
            if (cams[i].height < 8)
                cams[i].height = 8;
        }
    }
    if (!intr && size[0] <= 0 && !have_size)
        KC_INFO("image sizes taken from the centroids' extent (give --image-size to set them)");

    /* (1) wand detection */
    kc_wand_params wp = kc_wand_default_params();
    memcpy(wp.wand_mm, wand_mm, sizeof wand_mm);
    if ((st = kc_wand_detect(&wp, wo, det, ws)))
        goto fail;
    long total_det = 0;
    for (size_t i = 0; i < C; i++) {
        KC_INFO("camera \"%s\": wand in %ld of %zu frames (%ld ambiguous)", cams[i].name,
                ws[i].detected, F, ws[i].ambiguous);
        total_det += ws[i].detected;
    }
    st = KC_EINVAL;
    if (total_det == 0) {
        KC_ERROR("\"%s\": no wand of %g,%g,%g mm found in any camera", wand_path, wand_mm[0],
                 wand_mm[1], wand_mm[2]);
        goto fail;
    }
    /* (2) initialisation */
    int root = -1;
    if ((st = kc_rig_init(det, C, F, wand_mm, focal, cams, usable, &root))) {
        if (st == KC_ENUMERIC) {
            KC_ERROR("\"%s\": fewer than two cameras see the wand of %g,%g,%g mm together in "
                     "30 frames or more", wand_path, wand_mm[0], wand_mm[1], wand_mm[2]);
            st = KC_EINVAL;   /* bad input, exit 2 */
        }
        goto fail;
    }
    if (intr) {
        for (size_t i = 0; i < C; i++) {
            const kc_camera *ci = &intr->cameras[kc_calib_find(intr, cams[i].name)].cam;
            cams[i].fx = ci->fx, cams[i].fy = ci->fy, cams[i].cx = ci->cx, cams[i].cy = ci->cy;
            cams[i].k1 = ci->k1, cams[i].k2 = ci->k2, cams[i].p1 = ci->p1, cams[i].p2 = ci->p2;
            cams[i].k3 = ci->k3;
        }
    }
    size_t n_usable = 0;
    for (size_t i = 0; i < C; i++) {
        if (!usable[i])
            KC_WARN("camera \"%s\" excluded: it shares too few wand frames with the rig "
                    "(wand found in %ld frames)", cams[i].name, ws[i].detected);
        n_usable += usable[i];
    }
    /* (3) bundle adjustment */
    kc_ba_params bp = kc_ba_default_params();
    bp.fix_intrinsics = intr != NULL;
    if ((st = kc_ba_wand(&bp, det, C, F, wand_mm, root, usable, cams, rep))) {
        if (st == KC_ENUMERIC)
            code = KC_EXIT_FAILED;
        goto fail;
    }
    KC_INFO("bundle adjustment: %d iterations, %.3f s each, %ld frames, %ld observations, "
            "RMS %.3f px", rep->iterations, rep->seconds_per_iter, rep->n_frames, rep->n_obs,
            rep->rms_px);
    /* the parameters' covariance, relative to the rig as a whole (see covariance.c) */
    int have_cov = kc_calib_cov_rig_gauge(cams, usable, C, rep->cov) == KC_OK;
    if (!have_cov && n_usable < 3)
        KC_WARN("no covariance of the calibration: it needs three or more calibrated cameras");
    else if (!have_cov)
        KC_WARN("no covariance of the calibration: the bundle adjustment's reduced camera "
                "system is singular at the solution");
    /* (4) world frame from the L-frame */
    kc_mat3 A;
    kc_vec3 b;
    double fit;
    if ((st = kc_lframe_locate(lo, lf_path, cams, usable, lf, n_lf, &A, &b, &fit)))
        goto fail;
    KC_INFO("L-frame: %zu markers fitted to %.2f mm RMS", n_lf, fit);
    st = KC_ENOMEM;
    if (have_cov && !(covs = calloc(C * KC_CAM_NPARAM * KC_CAM_NPARAM, sizeof *covs)))
        goto fail;
    for (size_t i = 0; i < C; i++) {
        if (have_cov && usable[i]) {
            double *cv = covs + i * KC_CAM_NPARAM * KC_CAM_NPARAM;
            size_t M = C * KC_CAM_NPARAM;
            for (size_t r = 0; r < KC_CAM_NPARAM; r++)
                for (size_t k = 0; k < KC_CAM_NPARAM; k++)
                    cv[r * KC_CAM_NPARAM + k] = rep->cov[(i * KC_CAM_NPARAM + r) * M +
                                                         i * KC_CAM_NPARAM + k];
            kc_calib_cov_transform(&cams[i], A, b, cv);
        }
        kc_calib_transform_camera(&cams[i], A, b);
    }
    for (size_t f = 0; f < 3 * F; f++) {   /* the fitted wand markers too, for the figure */
        double *x = rep->wand_xyz + 3 * f;
        kc_vec3 X = kc_v3_add(kc_m3_apply(A, kc_v3(x[0], x[1], x[2])), b);
        x[0] = X.x, x[1] = X.y, x[2] = X.z;
    }
    double wl_rms, wl_bias;
    long wl_n;
    if ((st = kc_wand_length_stats(det, C, F, wand_mm, cams, usable, &wl_rms, &wl_bias, &wl_n)))
        goto fail;
    KC_INFO("wand length: RMS error %.3f mm, bias %+.3f mm over %ld frames", wl_rms, wl_bias, wl_n);

    /* how much of each image the wand covered: the principal point and the distortion are
     * extrapolated beyond it (the residual figure shows where); one line for all cameras,
     * after the calibration succeeded */
    {
        char list[512] = "", all[1024] = "";
        size_t len = 0, n_low = 0, alen = 0;
        for (size_t i = 0; i < C && !intr; i++) {
            unsigned char cell[8 * 6] = {0};
            int n_cells = 0;
            for (size_t k = 0; k < F * 3 && usable[i]; k++) {
                const double *o = det + (i * F * 3 + k) * 2;
                if (!isfinite(o[0]))
                    continue;
                int gx = (int)floor((o[0] + 0.5) * 8.0 / cams[i].width);
                int gy = (int)floor((o[1] + 0.5) * 6.0 / cams[i].height);
                if (gx >= 0 && gx < 8 && gy >= 0 && gy < 6 && !cell[gy * 8 + gx]) {
                    cell[gy * 8 + gx] = 1;
                    n_cells++;
                }
            }
            if (usable[i] && alen < sizeof all - 80)
                alen += (size_t)snprintf(all + alen, sizeof all - alen, "%s%s %d", alen ? ", " : "",
                                         cams[i].name, n_cells);
            if (!usable[i] || n_cells >= 20)
                continue;
            n_low++;
            if (len < sizeof list - 80)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s %d", n_low > 1 ? ", " : "",
                                        cams[i].name, n_cells);
        }
        if (alen)
            KC_INFO("wand coverage, cells of 48 (8x6 grid) per camera: %s", all);
        if (n_low)
            KC_WARN("the wand covered fewer than 20 of 48 cells (8x6 grid) of %zu camera image%s "
                    "(%s): principal points and distortion are extrapolated beyond; wave the "
                    "wand nearer the image edges", n_low, n_low > 1 ? "s" : "", list);
    }
    /* (5) write */
    st = KC_ENOMEM;
    if (!(out = kc_calib_alloc(C)))
        goto fail;
    snprintf(out->method, sizeof out->method, "wand");
    out->rms_px = rep->rms_px;
    out->wand_length_rms_mm = wl_rms;
    for (size_t i = 0; i < C; i++) {
        out->cameras[i].cam = cams[i];
        out->cameras[i].excluded = !usable[i];
        out->cameras[i].rms_px = usable[i] && i < 256 ? rep->cam_rms_px[i] : NAN;
        out->cameras[i].n_obs = usable[i] && i < 256 ? rep->cam_n_obs[i] : 0;
        if (covs && usable[i]) {
            double *cv = covs + i * KC_CAM_NPARAM * KC_CAM_NPARAM;
            kc_calib_sd sd;
            kc_calib_camera_sd(&cams[i], cv, &sd);
            KC_INFO("camera \"%s\": SD fx %.3f px, fy %.3f px, cx %.3f px, cy %.3f px, centre "
                    "%.3f mm, orientation %.4f deg", cams[i].name, sd.fx, sd.fy, sd.cx, sd.cy,
                    sd.centre_mm, sd.rotation_deg);
            if (!(out->cameras[i].covariance = malloc(KC_CAM_NPARAM * KC_CAM_NPARAM * sizeof(double))))
                goto fail;
            memcpy(out->cameras[i].covariance, cv, KC_CAM_NPARAM * KC_CAM_NPARAM * sizeof(double));
        }
    }
    if (!no_plot) {
        /* every detection with its residual against the fitted wand (NaN: not adjusted) */
        st = KC_ENOMEM;
        res = calloc(C, sizeof *res);
        resbuf = malloc(C * F * 3 * 4 * sizeof *resbuf);
        plot_path = plot_arg ? strdup(plot_arg) : kc_calib_residual_png_name(out_path);
        if (!res || !resbuf || !plot_path)
            goto fail;
        for (size_t i = 0; i < C; i++) {
            res[i].uvr = resbuf + i * F * 12;
            for (size_t f = 0; f < F; f++)
                for (int m = 0; m < 3; m++) {
                    const double *o = det + ((i * F + f) * 3 + (size_t)m) * 2;
                    if (!isfinite(o[0]))
                        continue;
                    double *q = res[i].uvr + 4 * res[i].n++, uv[2];
                    const double *x = rep->wand_xyz + f * 9 + 3 * m;
                    q[0] = o[0], q[1] = o[1], q[2] = q[3] = NAN;
                    if (usable[i] && isfinite(x[0]) &&
                        kc_camera_project(&cams[i], kc_v3(x[0], x[1], x[2]), uv))
                        q[2] = o[0] - uv[0], q[3] = o[1] - uv[1];
                }
        }
        char title[256];
        snprintf(title, sizeof title, "kc-calib wand: %zu of %zu cameras, RMS %.3f px, wand "
                 "length RMS %.3f mm", n_usable, C, rep->rms_px, wl_rms);
        if ((st = write_plot(&cli, plot_path, out, res, title)))
            goto fail;
        plot_written = 1;
    }
    const char *inputs[3] = {wand_path, lf_path, intr_path};
    if ((st = write_calib(&cli, out_path, out, inputs, intr_path ? 3 : 2)))
        goto fail;
    KC_INFO("wrote \"%s\" (%zu of %zu cameras calibrated) in %.2f s", out_path, n_usable, C,
            kc_now() - t0);
    code = KC_EXIT_OK;
    st = KC_OK;
fail:
    if (st)
        code = failed(st, code, wand_path, plot_path, plot_written);
    free(res);
    free(resbuf);
    free(plot_path);
    if (rep) {
        free(rep->wand_xyz);
        free(rep->cov);
    }
    free(covs);
    kc_obs_free(wo);
    kc_obs_free(lo);
    kc_calib_free(intr);
    kc_calib_free(out);
    free(cams);
    free(det);
    free(usable);
    free(ws);
    free(rep);
    if (code == KC_EXIT_OK && kc_cli_close_stdout())
        code = KC_EXIT_FAILED;
    return code;
}
