/* kc-convert — convert between foreign motion-capture formats and kinechain files; the
 * format pair is chosen by the extensions of IN and OUT. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kinechain/c3d.h"
#include "kinechain/cli.h"
#include "kinechain/h5io.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/mot.h"
#include "kinechain/status.h"
#include "kinechain/table.h"
#include "kinechain/trajfile.h"
#include "kinechain/trc.h"

enum { OPT_STRIP_PREFIX = 2000, OPT_LABELS_MAP, OPT_AXES };

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
            "                          body, lab frame).\n"
            "  IN.traj.h5 -> OUT.c3d   trajectories to C3D (Intel, float): markers with\n"
            "                          residual/camera word, model outputs as points listed in\n"
            "                          POINT:ANGLES/FORCES/MOMENTS/POWERS, unlabelled points,\n"
            "                          events, /subject as PROCESSING, force plates as TYPE 2.\n"
            "  IN.kin.h5 -> OUT.c3d    kinematics to C3D (Intel, float): angles as points\n"
            "                          named like Vicon's (LKnee -> LKneeAngles, listed in\n"
            "                          POINT:ANGLES), joint centres as points, events.\n"
            "  IN.kin.h5 -> OUT.mot    kinematics to OpenSim MOT (also .sto): time, then\n"
            "                          <angle>_X/_Y/_Z (deg), <joint centre>_X/_Y/_Z (mm)\n"
            "  IN.kin.h5 -> OUT.csv    the same columns as CSV, after a frame column\n"
            "  IN.traj.h5 -> OUT.csv   markers as CSV: frame, time, <marker>_X/_Y/_Z (mm)\n"
            "  IN.c3d -> OUT.trc       C3D markers to TRC (mm), axes per --axes\n"
            "  IN.traj.h5 -> OUT.trc   trajectories' markers to TRC (mm), axes per --axes\n"
            "  IN.trc -> OUT.traj.h5   TRC (mm, cm or m) to trajectories, axes per --axes\n"
            "\n"
            "Options:\n"
            "  --strip-prefix        drop a \"Subject:\" prefix from point labels\n"
            "  --labels-map FILE     CSV with columns from,to: rename labels (after stripping)\n"
            "  --axes A              TRC axes in terms of the lab's (Z up): opensim (default:\n"
            "                        x,z,-y, Y up), lab (unchanged) or e.g. \"x,z,-y\"; a\n"
            "                        rotation, not a mirror. TRC input is turned back to lab.\n"
            "%s\n"
            "Example:\n"
            "  kc-convert --strip-prefix trial01.c3d trial01.traj.h5\n"
            "  kc-convert --axes opensim trial01.traj.h5 trial01.trc\n"
            "\n"
            "Exit status:\n"
            "  0  success\n"
            "  1  misuse: bad option, wrong number of files or an unsupported pair\n"
            "  2  bad input (unreadable, truncated or inconsistent file, or a value the\n"
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

/* C3D to trajectories (.traj.h5), or to TRC when axes is given. */
static int c3d_to_traj(const kc_cli *cli, const char *in, const char *out, bool strip,
                       const char *map_path, const kc_axes *axes)
{
    kc_c3d *c = NULL;
    kc_traj *t = NULL;
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
    if (axes) {
        st = kc_trc_write(out, t, axes, false);
        goto done;
    }
    const char *inputs[1] = {in};
    kc_provenance prov = {"kc-convert", cli->argc, cli->argv, 1, inputs, cli->provenance};
    st = kc_traj_write(out, t, &prov);
done:
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
    int st = kc_traj_read(in, &t);
    if (st == KC_OK) {
        kc_c3d_write_opts o = kc_c3d_default_write_opts();
        st = kc_c3d_write_traj(out, t, &o);
    }
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

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"strip-prefix", no_argument, NULL, OPT_STRIP_PREFIX},
        {"labels-map", required_argument, NULL, OPT_LABELS_MAP},
        {"axes", required_argument, NULL, OPT_AXES},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0}};
    kc_cli cli;
    kc_cli_init(&cli, "kc-convert", argc, argv);
    bool strip = false;
    const char *map = NULL, *axes_spec = NULL;
    kc_axes axes;
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
    bool trc = has_ext(in, ".trc") || has_ext(out, ".trc");
    if (!axes_spec && kc_axes_parse("opensim", &axes) != KC_OK)
        return KC_EXIT_FAILED;
    if (axes_spec && !trc) {
        KC_ERROR("--axes applies to TRC files only");
        return KC_EXIT_USAGE;
    }
    if ((strip || map) && !has_ext(in, ".c3d")) {
        KC_ERROR("--strip-prefix and --labels-map apply to C3D input only");
        return KC_EXIT_USAGE;
    }
    int st;
    if (has_ext(in, ".c3d") && (has_ext(out, ".traj.h5") || has_ext(out, ".trc"))) {
        st = c3d_to_traj(&cli, in, out, strip, map, has_ext(out, ".trc") ? &axes : NULL);
    } else if (has_ext(in, ".traj.h5") && has_ext(out, ".trc")) {
        kc_traj *t = NULL;
        st = kc_traj_read(in, &t);
        if (st == KC_OK)
            st = kc_trc_write(out, t, &axes, false);
        kc_traj_free(t);
    } else if (has_ext(in, ".trc") && has_ext(out, ".traj.h5")) {
        kc_traj *t = NULL;
        st = kc_trc_read(in, &axes, &t);
        if (st == KC_OK) {
            const char *inputs[1] = {in};
            kc_provenance prov = {"kc-convert", cli.argc, cli.argv, 1, inputs, cli.provenance};
            st = kc_traj_write(out, t, &prov);
        }
        kc_traj_free(t);
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
