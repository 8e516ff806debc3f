/* kc-convert — convert between foreign motion-capture formats and kinechain files; the
 * format pair is chosen by the extensions of IN and OUT. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kinechain/associate.h"
#include "kinechain/c3d.h"
#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/h5io.h"
#include "kinechain/import.h"
#include "kinechain/keypoints.h"
#include "kinechain/kpkin.h"
#include "kinechain/kinfile.h"
#include "kinechain/obsfile.h"
#include "kinechain/log.h"
#include "kinechain/mot.h"
#include "kinechain/status.h"
#include "kinechain/table.h"
#include "kinechain/trajfile.h"
#include "kinechain/trc.h"
#include "kinechain/vsk.h"

enum { OPT_STRIP_PREFIX = 2000, OPT_LABELS_MAP, OPT_AXES, OPT_GRF, OPT_SUBJECT, OPT_LAYOUT,
       OPT_CALIB, OPT_PERSON, OPT_MINCONF, OPT_RATE, OPT_MAXERR };

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-convert [options] IN OUT\n"
            "\n"
            "Convert a motion-capture file; the pair of formats follows the extensions.\n"
            "Supported pairs:\n"
            "  IN.c3d -> OUT.traj.h5   C3D (Intel, DEC or MIPS; float or integer points) to\n"
            "                          trajectories: markers (mm), residual, camera count and\n"
            "                          filled flag from the 4th word, model outputs (angles,\n"
            "                          forces, moments, powers, segment axes), unlabelled\n"
            "                          points, EVENT events, PROCESSING parameters as /subject,\n"
            "                          FORCE_PLATFORM types 1-4 as force plates (force on the\n"
            "                          body, lab frame; baseline of the FORCE_PLATFORM:ZERO\n"
            "                          frames removed), other analog channels as /analog,\n"
            "                          header events; rotated into the lab with --axes.\n"
            "  IN.traj.h5 -> OUT.c3d   trajectories to C3D (Intel, float): markers with\n"
            "                          residual/camera word, model outputs as points listed in\n"
            "                          POINT:ANGLES/FORCES/MOMENTS/POWERS, unlabelled points,\n"
            "                          events, /subject as PROCESSING, force plates as TYPE 2,\n"
            "                          /analog channels after the plates' (as floats).\n"
            "  IN.kin.h5 -> OUT.c3d    kinematics to C3D (Intel, float): angles as points\n"
            "                          named like Vicon's (LKnee -> LKneeAngles, listed in\n"
            "                          POINT:ANGLES), joint centres as points, events.\n"
            "  IN.kin.h5 -> OUT.mot    kinematics to OpenSim MOT (also .sto): time, then\n"
            "                          <angle>_X/_Y/_Z (deg), <joint centre>_X/_Y/_Z (mm)\n"
            "  IN.kin.h5 -> OUT.csv    the same columns as CSV, after a frame column\n"
            "  IN.traj.h5 -> OUT.csv   markers as CSV: frame, time, <marker>_X/_Y/_Z (mm)\n"
            "  IN.c3d -> OUT.trc       C3D markers to TRC (mm), axes per --axes\n"
            "  IN.traj.h5 -> OUT.trc   trajectories' markers to TRC (mm), axes per --axes\n"
            "  IN.trc -> OUT.traj.h5   TRC (mm, cm or m) to trajectories, axes per --axes;\n"
            "                          with --grf, the force plates of an OpenSim MOT too\n"
            "  IN.mot -> OUT.traj.h5   OpenSim ground reaction forces (MOT or .sto:\n"
            "                          <name>_vx/vy/vz N, _px/py/pz m, torques N*m) to\n"
            "                          force plates of a trajectories file without markers,\n"
            "                          axes per --axes (default opensim, as for TRC)\n"
            "  IN.vsk -> OUT.csv       Vicon subject file to the subjects CSV of kc-ik\n"
            "                          --subjects (Bodymass, LegLength, KneeWidth, ...;\n"
            "                          Vicon's angles in radians become degrees)\n"
            "  DIR/ -> OUT.obs.h5      2D keypoints of a pose estimator to labelled\n"
            "                          observations with /weights (= confidence):\n"
            "                          with --layout, OpenPose JSON: DIR holds a folder per\n"
            "                          camera (a \"_json\" suffix is dropped from its name),\n"
            "                          a .json file per frame; without --layout, DeepLabCut\n"
            "                          CSV: DIR holds a .csv per camera (or IN is one .csv)\n"
            "                          and body parts name the keypoints. A keypoint whose\n"
            "                          confidence is below --min-confidence is missing (NaN)\n"
            "\n"
            "Every import into trajectories (C3D, TRC, MOT) checks which axis is up (C3D\n"
            "POINT:Y_SCREEN, pelvis above foot markers, force plates' vertical force), says\n"
            "so in one line on stderr and in the root attributes vertical_check and\n"
            "vertical_axis. Data are rotated only when --axes says how. C3D analog channels\n"
            "that are not force plate channels go to /analog.\n"
            "\n"
            "Options:\n"
            "  --strip-prefix        drop a \"Subject:\" prefix from point labels\n"
            "  --labels-map FILE     CSV with columns from,to: rename labels (after stripping)\n"
            "  --axes A              the foreign file's axes in terms of the lab's (Z up):\n"
            "                        opensim (x,z,-y: Y up), lab (unchanged) or e.g.\n"
            "                        \"x,z,-y\"; a rotation, not a mirror. TRC and MOT default\n"
            "                        to opensim, C3D to lab; input is turned into the lab\n"
            "                        frame, TRC output written in these axes\n"
            "  --grf FILE.mot        with TRC input: add the ground reaction forces of FILE\n"
            "                        (same --axes, same time base as the TRC)\n"
            "  --subject ID          with .vsk input: the subject's name (default: the file\n"
            "                        name without .vsk, as Vicon names it)\n"
            "Keypoint input (DIR/ -> OUT.obs.h5):\n"
            "  --layout L            OpenPose keypoint layout: body25, body25b or coco\n"
            "                        (names from OpenPose's doc/02_output.md)\n"
            "  --rate HZ             the video frame rate (required: the files carry none)\n"
            "  --min-confidence C    keypoints below C are missing (default 0.3, Pose2Sim's\n"
            "                        likelihood_threshold_triangulation)\n"
            "  --calib FILE.calib.h5 the cameras: names matched to the camera folders\n"
            "                        (exactly, else ignoring case and non-alphanumerics:\n"
            "                        cam01 = cam_01) and written as the calibration's\n"
            "  --person auto|N       which person, when a camera sees several: auto (the\n"
            "                        default) picks per frame the combination of one person\n"
            "                        per camera whose keypoints triangulate with the least\n"
            "                        reprojection error (needs --calib; without it, the\n"
            "                        most confident person, with a warning); with 3 or\n"
            "                        more cameras, a camera whose person's median\n"
            "                        reprojection error against the best-agreeing pair of\n"
            "                        cameras exceeds --max-error-px keeps nobody in that\n"
            "                        frame. N takes the N-th person (0-based, file order)\n"
            "                        of every file\n"
            "  --max-error-px PX     see --person auto (default 50)\n"
            "%s\n"
            "Example:\n"
            "  kc-convert --strip-prefix trial01.c3d trial01.traj.h5\n"
            "  kc-convert --axes opensim trial01.traj.h5 trial01.trc\n"
            "  kc-convert --grf DJ1_grf.mot DJ1.trc DJ1.traj.h5\n"
            "  kc-convert Test.vsk subjects.csv\n"
            "  kc-convert --layout body25b --rate 60 --calib rig.calib.h5 pose/ trial.obs.h5\n"
            "\n"
            "Exit status:\n"
            "  0  success\n"
            "  1  misuse: bad option, wrong number of files or an unsupported pair\n"
            "  2  bad input (unreadable, truncated or inconsistent file, an unknown\n"
            "     keypoint layout, cameras with different frame counts, or a value the\n"
            "     output format cannot hold) or an output that cannot be written; no output\n"
            "     file is left behind\n"
            "  3  the conversion itself failed (out of memory)\n",
            kc_cli_common_help);
    exit(status);
}

static bool has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), k = strlen(ext);
    return n > k && strcasecmp(path + n - k, ext) == 0;
}

static int read_map(const char *path, kc_table **map)
{
    int st = kc_table_read_csv(path, map);
    if (st)
        return st;
    if (kc_table_find(*map, "from") < 0 || kc_table_find(*map, "to") < 0) {
        KC_ERROR("cannot read \"%s\": a labels map needs the columns from,to", path);
        kc_table_free(*map);
        *map = NULL;
        return KC_EMISSING;
    }
    return KC_OK;
}

/* What the vertical-axis check of an import found: one line on stderr (a warning when it is
 * not +Z), said once the output is written, so that a failure stays a one-line error. */
static void report_vertical(const char *in, const char *axes_spec, const kc_vertical *v)
{
    const char *how = axes_spec ? " after --axes " : "";
    if (v->z_up && !v->conflict) {
        if (kc_log_get_level() >= KC_LOG_WARNING)
            fprintf(stderr, "kc-convert: \"%s\"%s%s: %s\n", in, how, axes_spec ? axes_spec : "",
                    v->text);
    } else {
        KC_WARN("\"%s\"%s%s: %s; kinechain expects Z up: give --axes to rotate", in, how,
                axes_spec ? axes_spec : "", v->text);
    }
}

/* C3D to trajectories (.traj.h5), or to TRC when trc_axes is given. */
static int c3d_to_traj(const kc_cli *cli, const char *in, const char *out, bool strip,
                       const char *map_path, const kc_axes *trc_axes, const kc_axes *in_axes,
                       const char *axes_spec)
{
    kc_c3d *c = NULL;
    kc_traj *t = NULL;
    kc_analog an;
    memset(&an, 0, sizeof an);
    kc_table *map = NULL;
    const char **from = NULL, **to = NULL;
    int st;
    if (map_path && (st = read_map(map_path, &map)))
        goto done;
    kc_c3d_import_opts o = kc_c3d_default_import_opts();
    o.strip_prefix = strip;
    if (map) {
        size_t n = kc_table_nrows(map);
        from = calloc(n ? n : 1, sizeof *from);
        to = calloc(n ? n : 1, sizeof *to);
        if (!from || !to) {
            st = KC_ENOMEM;
            goto done;
        }
        int cf = kc_table_find(map, "from"), ct = kc_table_find(map, "to");
        for (size_t i = 0; i < n; i++) {
            from[i] = kc_table_get_str(map, i, cf);
            to[i] = kc_table_get_str(map, i, ct);
        }
        o.n_map = n;
        o.map_from = from;
        o.map_to = to;
    }
    if ((st = kc_c3d_read(in, &c)) || (st = kc_c3d_to_traj(c, &o, &t)))
        goto done;
    KC_INFO("\"%s\": %zu frames at %g Hz from frame %lld, %zu markers, %zu model outputs, "
            "%zu unlabelled, %zu force plates, %zu events", in, t->n_frames, t->rate_hz,
            (long long)t->first_frame, t->n_markers, t->n_model_outputs, t->n_unlabelled,
            t->n_forceplates, t->events ? kc_table_nrows(t->events) : 0);
    if (in_axes)
        kc_import_rotate(t, in_axes);
    char xs[16] = "", ys[16] = "";
    kc_c3d_string(kc_c3d_find(c, "POINT", "X_SCREEN"), 0, xs, sizeof xs);
    kc_c3d_string(kc_c3d_find(c, "POINT", "Y_SCREEN"), 0, ys, sizeof ys);
    kc_vertical v;
    kc_vertical_check(t, xs, ys, &v);
    if (trc_axes) {
        st = kc_trc_write(out, t, trc_axes, false);
    } else if ((st = kc_c3d_analog(c, &an)) == KC_OK) {
        const char *inputs[1] = {in};
        kc_provenance prov = {"kc-convert", cli->argc, cli->argv, 1, inputs, cli->provenance};
        kc_import_extras x = {&v, in_axes ? axes_spec : NULL, &an};
        st = kc_import_write(out, t, &x, &prov);
    }
    if (st == KC_OK)
        report_vertical(in, in_axes ? axes_spec : NULL, &v);
done:
    kc_analog_clear(&an);
    free(from);
    free(to);
    kc_table_free(map);
    kc_traj_free(t);
    kc_c3d_free(c);
    return st;
}

static int traj_to_c3d(const char *in, const char *out)
{
    kc_traj *t = NULL;
    kc_analog an;
    memset(&an, 0, sizeof an);
    int st = kc_traj_read(in, &t);
    if (st == KC_OK && (st = kc_import_read_analog(in, &an)) == KC_OK) {
        kc_c3d_write_opts o = kc_c3d_default_write_opts();
        o.analog = &an;
        st = kc_c3d_write_traj(out, t, &o);
    }
    kc_analog_clear(&an);
    kc_traj_free(t);
    return st;
}

static int kin_to_c3d(const char *in, const char *out)
{
    kc_kin *k = NULL;
    int st = kc_kin_read(in, &k);
    if (st == KC_OK) {
        kc_c3d_write_opts o = kc_c3d_default_write_opts();
        st = kc_c3d_write_kin(out, k, &o);
    }
    kc_kin_free(k);
    return st;
}

/* TRC (and optionally a GRF MOT) to trajectories. */
static int trc_to_traj(const kc_cli *cli, const char *in, const char *grf, const char *out,
                       const kc_axes *axes, const char *axes_spec)
{
    kc_traj *t = NULL, *g = NULL;
    int st = kc_trc_read(in, axes, &t);
    if (st == KC_OK && grf && (st = kc_mot_read_grf(grf, axes, &g)) == KC_OK) {
        /* the plates carry no time of their own: both files must start together */
        double dt = 0.5 / g->rate_hz;
        if (fabs(g->start_time_s - t->start_time_s) > dt) {
            KC_ERROR("cannot combine \"%s\" with \"%s\": the forces start at %g s, the "
                     "markers at %g s", grf, in, g->start_time_s, t->start_time_s);
            st = KC_EINVAL;
        } else {
            t->forceplates = g->forceplates;
            t->n_forceplates = g->n_forceplates;
            g->forceplates = NULL;
            g->n_forceplates = 0;
        }
    }
    if (st == KC_OK) {
        kc_vertical v;
        kc_vertical_check(t, NULL, NULL, &v);
        const char *inputs[2] = {in, grf};
        kc_provenance prov = {"kc-convert", cli->argc, cli->argv, grf ? 2 : 1, inputs,
                              cli->provenance};
        kc_import_extras x = {&v, axes_spec, NULL};
        if ((st = kc_import_write(out, t, &x, &prov)) == KC_OK)
            report_vertical(in, axes_spec, &v);
    }
    kc_traj_free(g);
    kc_traj_free(t);
    return st;
}

/* OpenSim ground reaction forces to a trajectories file of force plates only. */
static int mot_to_traj(const kc_cli *cli, const char *in, const char *out, const kc_axes *axes,
                       const char *axes_spec)
{
    kc_traj *t = NULL;
    int st = kc_mot_read_grf(in, axes, &t);
    if (st == KC_OK) {
        kc_vertical v;
        kc_vertical_check(t, NULL, NULL, &v);
        const char *inputs[1] = {in};
        kc_provenance prov = {"kc-convert", cli->argc, cli->argv, 1, inputs, cli->provenance};
        kc_import_extras x = {&v, axes_spec, NULL};
        if ((st = kc_import_write(out, t, &x, &prov)) == KC_OK)
            report_vertical(in, axes_spec, &v);
    }
    kc_traj_free(t);
    return st;
}

/* ---- 2D keypoints (OpenPose JSON, DeepLabCut CSV) -> observations --------------------- */

typedef struct kp_opts {
    const char *layout;     /* NULL: DeepLabCut */
    const char *calib;      /* may be NULL */
    int person;             /* -1 auto */
    double min_conf;
    double rate_hz;         /* NaN: not given */
    double max_error_px;
} kp_opts;

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* "cam_01" and "Cam01" are the same camera: lower-case letters and digits only. */
static void name_key(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z'))
            out[k++] = *s;
        else if (*s >= 'A' && *s <= 'Z')
            out[k++] = (char)(*s - 'A' + 'a');
    out[k] = '\0';
}

/* cams[i] = the calibration's camera for keypoint camera i; names[i] its name. */
static int match_calib(const kc_kp_set *s, const kc_calib *cal, const char *calib_path,
                       kc_camera *cams, char **names)
{
    for (size_t i = 0; i < s->n_cameras; i++) {
        int k = kc_calib_find(cal, s->cameras[i].name);
        if (k < 0) {
            char a[128], b[128];
            name_key(s->cameras[i].name, a, sizeof a);
            for (size_t j = 0; j < cal->n_cameras; j++) {
                name_key(cal->cameras[j].cam.name, b, sizeof b);
                if (*a && strcmp(a, b) == 0) {
                    if (k >= 0) {
                        KC_ERROR("camera \"%s\" matches both \"%s\" and \"%s\" of \"%s\"",
                                 s->cameras[i].name, cal->cameras[k].cam.name,
                                 cal->cameras[j].cam.name, calib_path);
                        return KC_EINVAL;
                    }
                    k = (int)j;
                }
            }
        }
        if (k < 0) {
            KC_ERROR("camera \"%s\" is not in \"%s\"", s->cameras[i].name, calib_path);
            return KC_EMISSING;
        }
        if (cal->cameras[k].excluded) {
            KC_ERROR("camera \"%s\" has status \"excluded\" in \"%s\"", cal->cameras[k].cam.name,
                     calib_path);
            return KC_EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[j], cal->cameras[k].cam.name) == 0) {
                KC_ERROR("cameras \"%s\" and \"%s\" both match \"%s\" of \"%s\"",
                         s->cameras[j].name, s->cameras[i].name, names[j], calib_path);
                return KC_EINVAL;
            }
        cams[i] = cal->cameras[k].cam;
        names[i] = cal->cameras[k].cam.name;
    }
    return KC_OK;
}

static int keypoints_to_obs(const kc_cli *cli, const char *in, const char *out,
                            const kp_opts *o)
{
    kc_kp_set *s = NULL;
    kc_calib *cal = NULL;
    kc_camera *cams = NULL;
    char **names = NULL;
    int *choice = NULL;
    kc_obs *obs = NULL;
    const char **inputs = NULL;
    int st;
    if (o->layout) {
        kc_kp_layout layout;
        if (kc_kp_layout_parse(o->layout, &layout) != KC_OK) {
            KC_ERROR("unknown keypoint layout \"%s\" (known: body25, body25b, coco)",
                     o->layout);
            return KC_EINVAL;
        }
        st = kc_kp_read_openpose(in, layout, &s);
    } else {
        st = kc_kp_read_dlc(in, &s);
    }
    if (st)
        goto done;
    size_t C = s->n_cameras, F = s->n_frames;
    st = KC_ENOMEM;
    if (!(choice = malloc(C * F * sizeof *choice)))
        goto done;
    if (o->calib) {
        if ((st = kc_calib_read(o->calib, &cal)))
            goto done;
        st = KC_ENOMEM;
        if (!(cams = malloc(C * sizeof *cams)) || !(names = calloc(C, sizeof *names)))
            goto done;
        if ((st = match_calib(s, cal, o->calib, cams, names)) ||
            (st = kc_kp_rename_cameras(s, names)))
            goto done;
    }
    size_t multi = 0;
    for (size_t i = 0; i < C * F; i++)
        multi += s->cameras[i / F].frames[i % F].n_people > 1;
    if (o->person >= 0) {
        st = kc_assoc_fixed(s, o->person, o->min_conf, choice);
    } else if (cams) {
        kc_assoc_params ap = kc_assoc_default_params();
        ap.min_confidence = o->min_conf;
        ap.max_error_px = o->max_error_px;
        kc_assoc_stats as;
        st = kc_assoc_choose(s, cams, &ap, choice, &as);
        if (st == KC_OK)
            KC_INFO("\"%s\": association chose among several people in %zu frames; %zu "
                    "camera-frames dropped as inconsistent, %zu without anybody", in,
                    as.frames_with_choice, as.camera_frames_dropped, as.camera_frames_empty);
    } else {
        st = kc_assoc_fixed(s, -1, o->min_conf, choice);
        if (st == KC_OK && multi)
            KC_WARN("\"%s\": %zu camera-frames show several people; without --calib the most "
                    "confident one is taken (give --calib to associate across views, or "
                    "--person N)", in, multi);
    }
    if (st || (st = kc_kp_to_obs(s, choice, o->min_conf, o->rate_hz, &obs)))
        goto done;
    KC_INFO("\"%s\": %zu cameras, %zu frames, %zu keypoints", in, C, F, s->n_keypoints);
    /* provenance: the calibration and every keypoint file */
    size_t n_in = o->calib ? 1 : 0;
    for (size_t c = 0; c < C; c++)
        n_in += s->cameras[c].n_files;
    st = KC_ENOMEM;
    if (!(inputs = malloc(n_in * sizeof *inputs)))
        goto done;
    n_in = 0;
    if (o->calib)
        inputs[n_in++] = o->calib;
    for (size_t c = 0; c < C; c++)
        for (size_t i = 0; i < s->cameras[c].n_files; i++)
            inputs[n_in++] = s->cameras[c].files[i];
    kc_provenance prov = {"kc-convert", cli->argc, cli->argv, (int)n_in, inputs,
                          cli->provenance};
    st = kc_kpkin_obs_write(out, obs, &prov);   /* + keypoint_layout (kpkin.h) */
done:
    free(inputs);
    kc_obs_free(obs);
    free(choice);
    free(names);
    free(cams);
    kc_calib_free(cal);
    kc_kp_set_free(s);
    return st;
}

static int vsk_to_csv(const char *in, const char *out, const char *subject)
{
    kc_vsk v;
    int st = kc_vsk_read(in, &v);
    if (st)
        return st;
    char *name = subject ? strdup(subject) : kc_vsk_subject_name(in);
    if (!name) {
        st = KC_ENOMEM;
    } else {
        KC_INFO("\"%s\": model %s %s, %zu measurements, subject \"%s\"", in, v.model,
                v.model_version, v.params.n, name);
        st = kc_vsk_write_subjects(out, name, &v);
    }
    free(name);
    kc_vsk_clear(&v);
    return st;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"strip-prefix", no_argument, NULL, OPT_STRIP_PREFIX},
        {"labels-map", required_argument, NULL, OPT_LABELS_MAP},
        {"axes", required_argument, NULL, OPT_AXES},
        {"grf", required_argument, NULL, OPT_GRF},
        {"subject", required_argument, NULL, OPT_SUBJECT},
        {"layout", required_argument, NULL, OPT_LAYOUT},
        {"calib", required_argument, NULL, OPT_CALIB},
        {"person", required_argument, NULL, OPT_PERSON},
        {"min-confidence", required_argument, NULL, OPT_MINCONF},
        {"rate", required_argument, NULL, OPT_RATE},
        {"max-error-px", required_argument, NULL, OPT_MAXERR},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0}};
    kc_cli cli;
    kc_cli_init(&cli, "kc-convert", argc, argv);
    bool strip = false;
    const char *map = NULL, *axes_spec = NULL, *grf = NULL, *subject = NULL;
    kc_axes axes;
    kp_opts kp = {NULL, NULL, -1, KC_KP_DEFAULT_MIN_CONFIDENCE, NAN, 50.0};
    bool kp_option = false;
    int opt;
    opterr = 0;   /* kc_cli_fallback_option reports misuse in one line */
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == OPT_STRIP_PREFIX) {
            strip = true;
            continue;
        }
        if (opt == OPT_LABELS_MAP) {
            map = optarg;
            continue;
        }
        if (opt == OPT_GRF || opt == OPT_SUBJECT) {
            *(opt == OPT_GRF ? &grf : &subject) = optarg;
            continue;
        }
        if (opt >= OPT_LAYOUT && opt <= OPT_MAXERR) {
            kp_option = true;
            int pst = KC_OK;
            if (opt == OPT_LAYOUT) {
                kp.layout = optarg;
            } else if (opt == OPT_CALIB) {
                kp.calib = optarg;
            } else if (opt == OPT_PERSON) {
                long n = -1;
                if (strcmp(optarg, "auto") != 0)
                    pst = kc_parse_long("person", optarg, 0, 100000, &n);
                kp.person = (int)n;
            } else if (opt == OPT_MINCONF) {
                pst = kc_parse_double("min-confidence", optarg, 0, 1, &kp.min_conf);
            } else if (opt == OPT_RATE) {
                pst = kc_parse_double("rate", optarg, 1e-3, 1e6, &kp.rate_hz);
            } else {
                pst = kc_parse_double("max-error-px", optarg, 1e-3, 1e6, &kp.max_error_px);
            }
            if (pst != KC_OK)
                return KC_EXIT_USAGE;
            continue;
        }
        if (opt == OPT_AXES) {
            axes_spec = optarg;
            if (kc_axes_parse(optarg, &axes) != KC_OK)
                return KC_EXIT_USAGE;
            continue;
        }
        int r = kc_cli_fallback_option(&cli, opt, optarg, argv[optind - 1], usage);
        if (r >= 0)
            return r;
    }
    if (argc - optind != 2) {
        KC_ERROR("expected IN and OUT, got %d file name%s", argc - optind,
                 argc - optind == 1 ? "" : "s");
        fprintf(stderr, "Try 'kc-convert --help'.\n");
        return KC_EXIT_USAGE;
    }
    const char *in = argv[optind], *out = argv[optind + 1];
    size_t in_len = strlen(in);
    bool kp_in = has_ext(out, ".obs.h5") && (is_dir(in) || has_ext(in, ".csv") || kp.layout ||
                                             (in_len && in[in_len - 1] == '/'));
    if (kp_option && !kp_in) {
        KC_ERROR("--layout, --rate, --calib, --person, --min-confidence and --max-error-px "
                 "apply to keypoints (a folder or .csv) -> .obs.h5 only");
        return KC_EXIT_USAGE;
    }
    if (kp_in) {
        if (axes_spec || grf || subject || strip || map) {
            KC_ERROR("--axes, --grf, --subject, --strip-prefix and --labels-map do not apply "
                     "to keypoint input");
            return KC_EXIT_USAGE;
        }
        if (isnan(kp.rate_hz)) {
            KC_ERROR("keypoint input needs --rate HZ (the video frame rate)");
            return KC_EXIT_USAGE;
        }
        int kst = keypoints_to_obs(&cli, in, out, &kp);
        if (kc_cli_close_stdout() != KC_OK)
            return KC_EXIT_FAILED;
        return kc_exit_code(kst);
    }
    bool trc = has_ext(in, ".trc") || has_ext(out, ".trc");
    bool mot_in = has_ext(in, ".mot") || has_ext(in, ".sto");
    bool c3d_in = has_ext(in, ".c3d") && has_ext(out, ".traj.h5");
    if (!axes_spec && kc_axes_parse("opensim", &axes) != KC_OK)
        return KC_EXIT_FAILED;
    if (axes_spec && !trc && !mot_in && !c3d_in) {
        KC_ERROR("--axes applies to TRC, MOT and C3D imports and to TRC output only");
        return KC_EXIT_USAGE;
    }
    if (grf && !(has_ext(in, ".trc") && has_ext(out, ".traj.h5"))) {
        KC_ERROR("--grf applies to TRC -> trajectories only");
        return KC_EXIT_USAGE;
    }
    if (subject && !has_ext(in, ".vsk")) {
        KC_ERROR("--subject applies to .vsk input only");
        return KC_EXIT_USAGE;
    }
    if ((strip || map) && !has_ext(in, ".c3d")) {
        KC_ERROR("--strip-prefix and --labels-map apply to C3D input only");
        return KC_EXIT_USAGE;
    }
    int st;
    if (has_ext(in, ".c3d") && (has_ext(out, ".traj.h5") || has_ext(out, ".trc"))) {
        st = c3d_to_traj(&cli, in, out, strip, map, has_ext(out, ".trc") ? &axes : NULL,
                         c3d_in && axes_spec ? &axes : NULL, axes_spec);
    } else if (has_ext(in, ".traj.h5") && has_ext(out, ".trc")) {
        kc_traj *t = NULL;
        st = kc_traj_read(in, &t);
        if (st == KC_OK)
            st = kc_trc_write(out, t, &axes, false);
        kc_traj_free(t);
    } else if (has_ext(in, ".trc") && has_ext(out, ".traj.h5")) {
        st = trc_to_traj(&cli, in, grf, out, &axes, axes_spec ? axes_spec : "opensim");
    } else if (mot_in && has_ext(out, ".traj.h5")) {
        st = mot_to_traj(&cli, in, out, &axes, axes_spec ? axes_spec : "opensim");
    } else if (has_ext(in, ".vsk") && has_ext(out, ".csv")) {
        st = vsk_to_csv(in, out, subject);
    } else if (has_ext(in, ".traj.h5") && has_ext(out, ".c3d")) {
        st = traj_to_c3d(in, out);
    } else if (has_ext(in, ".kin.h5") && has_ext(out, ".c3d")) {
        st = kin_to_c3d(in, out);
    } else if (has_ext(in, ".kin.h5") &&
               (has_ext(out, ".mot") || has_ext(out, ".sto") || has_ext(out, ".csv"))) {
        kc_kin *k = NULL;
        st = kc_kin_read(in, &k);
        if (st == KC_OK)
            st = has_ext(out, ".csv") ? kc_csv_write_kin(out, k) : kc_mot_write_kin(out, k);
        kc_kin_free(k);
    } else if (has_ext(in, ".traj.h5") && has_ext(out, ".csv")) {
        kc_traj *t = NULL;
        st = kc_traj_read(in, &t);
        if (st == KC_OK)
            st = kc_csv_write_traj(out, t);
        kc_traj_free(t);
    } else {
        KC_ERROR("cannot convert \"%s\" to \"%s\": unsupported pair of formats (see --help)",
                 in, out);
        return KC_EXIT_USAGE;
    }
    if (kc_cli_close_stdout() != KC_OK)
        return KC_EXIT_FAILED;
    return kc_exit_code(st);
}
