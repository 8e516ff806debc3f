/* kc-synth — synthetic motion-capture sessions with ground truth (the demo's data).
 *
 *   kc-synth session DIR [--subjects N] [--trials N] [--cameras N] [--rate HZ] [--noise-px S]
 *                        [--mode identity|anatomical] [--seed N] ...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"
#include "kinechain/cli.h"
#include "kinechain/h5io.h"
#include "kinechain/log.h"
#include "kinechain/status.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-synth session DIR [options]\n"
            "\n"
            "Write a whole synthetic motion-capture session with ground truth under DIR:\n"
            "  DIR/calib/truth.calib.h5                 the true cameras (method synthetic-truth)\n"
            "  DIR/calib/wand.obs.h5, lframe.obs.h5     calibration captures (unlabelled centroids)\n"
            "  DIR/sNN/{static,functional,dvj_K,sls_L_K,sls_R_K}.obs.h5\n"
            "                                           trials: labelled points, centroids, force\n"
            "                                           plates and /truth (markers, angles, joint\n"
            "                                           centres, events, metrics; pig_angles and\n"
            "                                           pig_joint_centres: Plug-in Gait on these\n"
            "                                           markers with subjects.csv's parameters)\n"
            "  DIR/manifest.csv, DIR/subjects.csv       the cohort tables\n"
            "\n"
            "Options:\n"
            "  --subjects N       subjects (default 8; every other one in group \"pfp\")\n"
            "  --trials N         drop vertical jumps per subject (default 3)\n"
            "  --sls N            single-leg squats per side and subject (default 1)\n"
            "  --cameras N        cameras in the ring (default 8)\n"
            "  --rate HZ          capture rate (default 200; force plates at >= 1000 Hz)\n"
            "  --noise-px S       centroid noise SD in pixels (default 0.3)\n"
            "  --dropout F        fraction of detections lost in short gaps (default 0.005)\n"
            "  --spurious F       spurious blobs per frame and camera, as a fraction of the\n"
            "                     number of markers (default 0.02; 0 for none)\n"
            "  --fp-noise N       force-plate noise SD in newtons (default 1)\n"
            "  --no-occlusion     every marker in front of a camera and inside its image is seen\n"
            "  --mode M           identity: markers exactly where Plug-in Gait's definitions give\n"
            "                     back the true bones; anatomical (default): realistic errors\n"
            "                     (hip centre drawn about Harrington's regression, misplaced\n"
            "                     markers, soft tissue, knee-marker rotation; the truth is\n"
            "                     what the placed markers define, docs/pig-model.md)\n"
            "  --seed N           random seed (default 1); same seed, same bytes\n"
            "  --wand-s S         length of the wand capture in seconds (default 20)\n"
            "  --knee-marker-rotation DEG\n"
            "                     anatomical mode: the knee and thigh markers of both sides of\n"
            "                     every subject rotated by DEG about the femur's long axis\n"
            "                     (default: a random 2-6 deg of either sign); for the knee-axis\n"
            "                     crosstalk tests\n"
            "  --soft-tissue F    anatomical mode: scale of the soft-tissue artefact of the thigh\n"
            "                     and shank markers (default 1; 0 for none, everything else\n"
            "                     about the subjects unchanged)\n"
            "  --independent-subjects\n"
            "                     draw each subject's valgus level independently from its\n"
            "                     group's population, U(3, 13.5) deg for \"pfp\" and\n"
            "                     U(-2.5, 7.5) deg for \"control\", as confidence intervals\n"
            "                     over subjects assume (default: stratified, one subject per\n"
            "                     equal slice of that range, so a cohort's group means vary\n"
            "                     less). Every other subject parameter is independent either\n"
            "                     way. True group difference: 5.75 deg in the valgus level\n"
            "                     (8.25 - 2.5, closed form); for the truth metric\n"
            "                     peak_knee_valgus_deg (the level plus side and trial terms,\n"
            "                     through the landing's shape) no closed form: it is defined\n"
            "                     as the population's mean pfp minus mean control, estimated\n"
            "                     from a pool of many seeds (benchmarks/stats_coverage.sh)\n"
            "%s"
            "\n"
            "Example:\n"
            "  kc-synth session demo --subjects 4 --trials 2 --seed 7\n"
            "\n"
            "%s",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_SUBJECTS = 1, OPT_TRIALS, OPT_SLS, OPT_CAMERAS, OPT_RATE, OPT_NOISE, OPT_DROPOUT,
       OPT_SPURIOUS, OPT_FPNOISE, OPT_NOOCC, OPT_MODE, OPT_SEED, OPT_WAND, OPT_KMROT,
       OPT_STA, OPT_INDEP };

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "kc-synth", argc, argv);
    sy_options opt = sy_default_options();
    static const struct option longopts[] = {
        {"subjects", required_argument, NULL, OPT_SUBJECTS},
        {"trials", required_argument, NULL, OPT_TRIALS},
        {"sls", required_argument, NULL, OPT_SLS},
        {"cameras", required_argument, NULL, OPT_CAMERAS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"noise-px", required_argument, NULL, OPT_NOISE},
        {"dropout", required_argument, NULL, OPT_DROPOUT},
        {"spurious", required_argument, NULL, OPT_SPURIOUS},
        {"fp-noise", required_argument, NULL, OPT_FPNOISE},
        {"no-occlusion", no_argument, NULL, OPT_NOOCC},
        {"mode", required_argument, NULL, OPT_MODE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"wand-s", required_argument, NULL, OPT_WAND},
        {"knee-marker-rotation", required_argument, NULL, OPT_KMROT},
        {"soft-tissue", required_argument, NULL, OPT_STA},
        {"independent-subjects", no_argument, NULL, OPT_INDEP},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int c;
    long l;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        int st = KC_OK;
        switch (c) {
        case OPT_SUBJECTS: st = kc_parse_long("subjects", optarg, 1, 999, &l); opt.n_subjects = (int)l; break;
        case OPT_TRIALS: st = kc_parse_long("trials", optarg, 0, 99, &l); opt.n_dvj = (int)l; break;
        case OPT_SLS: st = kc_parse_long("sls", optarg, 0, 99, &l); opt.n_sls = (int)l; break;
        case OPT_CAMERAS: st = kc_parse_long("cameras", optarg, 2, 64, &l); opt.n_cameras = (int)l; break;
        case OPT_RATE: st = kc_parse_double("rate", optarg, 50, 2000, &opt.rate_hz); break;
        case OPT_NOISE: st = kc_parse_double("noise-px", optarg, 0, 20, &opt.noise_px); break;
        case OPT_DROPOUT: st = kc_parse_double("dropout", optarg, 0, 0.5, &opt.dropout); break;
        case OPT_SPURIOUS: st = kc_parse_double("spurious", optarg, 0, 5, &opt.spurious); break;
        case OPT_FPNOISE: st = kc_parse_double("fp-noise", optarg, 0, 1000, &opt.fp_noise_n); break;
        case OPT_NOOCC: opt.occlusion = false; break;
        case OPT_WAND: st = kc_parse_double("wand-s", optarg, 1, 600, &opt.wand_s); break;
        case OPT_KMROT:
            st = kc_parse_double("knee-marker-rotation", optarg, -45, 45, &opt.knee_marker_rot_deg);
            break;
        case OPT_STA: st = kc_parse_double("soft-tissue", optarg, 0, 10, &opt.sta_scale); break;
        case OPT_INDEP: opt.independent_subjects = true; break;
        case OPT_SEED:
            st = kc_parse_long("seed", optarg, 0, 2147483647L, &l);
            opt.seed = (unsigned long)l;
            break;
        case OPT_MODE:
            if (strcmp(optarg, "identity") == 0)
                opt.mode = SY_IDENTITY;
            else if (strcmp(optarg, "anatomical") == 0)
                opt.mode = SY_ANATOMICAL;
            else {
                KC_ERROR("--mode: \"%s\" is not identity or anatomical", optarg);
                return KC_EXIT_USAGE;
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
        KC_ERROR("missing command: kc-synth session DIR (see --help)");
        return KC_EXIT_USAGE;
    }
    if (strcmp(argv[optind], "session") != 0) {
        KC_ERROR("unknown command \"%s\": expected \"session\" (see --help)", argv[optind]);
        return KC_EXIT_USAGE;
    }
    if (optind + 2 != argc) {
        KC_ERROR(optind + 1 >= argc ? "session: missing DIR (see --help)"
                                    : "session: too many arguments (see --help)");
        return KC_EXIT_USAGE;
    }
    const char *dir = argv[optind + 1];
    kc_provenance prov = {"kc-synth", argc, argv, 0, NULL, cli.provenance};
    double t0 = kc_now();
    int st = sy_session_write(dir, &opt, &prov, &cli);
    if (st) {
        if (kc_log_error_count() == 0)
            KC_ERROR("cannot write the session in \"%s\": %s", dir, kc_strerror(st));
        return st == KC_EIO || st == KC_EINVAL ? KC_EXIT_INPUT : KC_EXIT_FAILED;
    }
    KC_INFO("session written to \"%s\" in %.1f s", dir, kc_now() - t0);
    return kc_cli_close_stdout() ? KC_EXIT_FAILED : KC_EXIT_OK;
}
