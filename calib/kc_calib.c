/* kc-calib — camera calibration. This slice: "wand" mode (wand detection, pairwise
 * essential-matrix initialisation chained across the rig, bundle adjustment with the wand
 * as the scale, world frame from the L-frame). Modules in calib/ (calib.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-calib wand -o OUT.calib.h5 [options] WAND.obs.h5 LFRAME.obs.h5\n"
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
            "                       centroids' extent rounded up to a multiple of 8)\n"
            "  --intrinsics FILE    take K and distortion from FILE.calib.h5 and solve the\n"
            "                       poses only\n"
            "%s\n"
            "Example:\n"
            "  kc-calib wand -o session.calib.h5 calib/wand.obs.h5 calib/lframe.obs.h5\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_WAND = 2000, OPT_LFRAME, OPT_FOCAL, OPT_INTR, OPT_SIZE };

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
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *intr_path = NULL;
    double wand_mm[3] = {NAN, NAN, NAN}, lf[18], focal = 0, size[2] = {0, 0};
    size_t n_lf = 0;
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
        KC_ERROR("expected a mode: wand (see --help)");
        return KC_EXIT_USAGE;
    }
    if (strcmp(argv[optind], "wand") != 0) {
        KC_ERROR("unknown mode \"%s\": the modes are: wand (see --help)", argv[optind]);
        return KC_EXIT_USAGE;
    }
    optind++;
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
    if (!cams || !det || !usable || !ws || !rep)
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
        } else {
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
    if (!intr && size[0] <= 0)
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
    /* (4) world frame from the L-frame */
    kc_mat3 A;
    kc_vec3 b;
    double fit;
    if ((st = kc_lframe_locate(lo, lf_path, cams, usable, lf, n_lf, &A, &b, &fit)))
        goto fail;
    KC_INFO("L-frame: %zu markers fitted to %.2f mm RMS", n_lf, fit);
    for (size_t i = 0; i < C; i++)
        kc_calib_transform_camera(&cams[i], A, b);
    double wl_rms, wl_bias;
    long wl_n;
    if ((st = kc_wand_length_stats(det, C, F, wand_mm, cams, usable, &wl_rms, &wl_bias, &wl_n)))
        goto fail;
    KC_INFO("wand length: RMS error %.3f mm, bias %+.3f mm over %ld frames", wl_rms, wl_bias, wl_n);

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
    }
    const char *inputs[3] = {wand_path, lf_path, intr_path};
    kc_provenance prov = {"kc-calib", argc, argv, intr_path ? 3 : 2, inputs, cli.provenance};
    if ((st = kc_calib_write(out_path, out, &prov)))
        goto fail;
    KC_INFO("wrote \"%s\" (%zu of %zu cameras calibrated) in %.2f s", out_path, n_usable, C,
            kc_now() - t0);
    code = KC_EXIT_OK;
    st = KC_OK;
fail:
    if (st) {
        if (code == KC_EXIT_INPUT)
            code = kc_exit_code(st);
        if (code == KC_EXIT_OK)
            code = KC_EXIT_FAILED;
        if (kc_log_error_count() == 0)
            KC_ERROR("cannot calibrate from \"%s\": %s", wand_path, kc_strerror(st));
    }
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
