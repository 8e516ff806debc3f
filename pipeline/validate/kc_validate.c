/* kc-validate — check kinechain HDF5 files against the file contract: open each, check its
 * kind and schema version, and read it fully through the matching reader (which checks
 * every dataset's shape and type and their agreement). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/cohortfile.h"
#include "kinechain/h5io.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/status.h"
#include "kinechain/trajfile.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-validate [options] FILE...\n"
            "       kc-validate --provenance FILE...\n"
            "\n"
            "Check kinechain files (*.calib.h5, *.obs.h5, *.traj.h5, *.kin.h5, cohort.h5)\n"
            "against the file contract: each is opened, its schema, version and kind checked,\n"
            "and read completely by the reader of its kind, which checks every dataset's\n"
            "shape and type and that they agree with each other. Files of a newer minor\n"
            "version (1.x) are accepted; unknown objects in them are ignored. A file's\n"
            "extension must match its kind (.calib.h5 calibration, .obs.h5 observations,\n"
            ".traj.h5 trajectories, .kin.h5 kinematics, cohort.h5 or .cohort.h5 cohort);\n"
            "other names may hold any kind. Each file is read in a process of its own, so\n"
            "a corrupt file that crashes the HDF5 library is reported like any bad file.\n"
            "\n"
            "For each good file one line on standard output:\n"
            "  ok  FILE  KIND VERSION  SUMMARY\n"
            "For each bad file one line on standard error naming the file and the problem.\n"
            "\n"
            "--provenance prints, instead of checking, how each file was made (what\n"
            "scripts/kinechain compares to decide whether an output is up to date), one\n"
            "fact per line, fields separated by one tab:\n"
            "  file          FILE\n"
            "  created_by    TOOL VERSION\n"
            "  command_line  the command line as recorded (shell-quoted)\n"
            "  argument      I  the I-th word of the command line, unquoted\n"
            "  input         I  SHA256  NAME   (each input file, in order)\n"
            "A file without /provenance (written with --no-provenance) is an error (exit 2).\n"
            "\n"
            "Example:\n"
            "  kc-validate session/calib.calib.h5 session/s01/*.obs.h5\n"
            "  ok  session/s01/dvj_1.obs.h5  observations 1.0  8 cameras, 600 frames, 16 markers\n"
            "  kc-validate --provenance traj/s01/dvj_1.traj.h5\n"
            "\n"
            "%s\n"
            "Exit status:\n"
            "  0  every file is valid\n"
            "  1  misuse: bad option or no file given\n"
            "  2  at least one file is missing, unreadable or not valid\n",
            kc_cli_common_help);
    exit(status);
}

/* Read path with the reader of its kind; on success write a summary into buf. */
static int check_file(const char *path, const char *kind, char *buf, size_t n)
{
    int st;
    if (strcmp(kind, "calibration") == 0) {
        kc_calib *c = NULL;
        if ((st = kc_calib_read(path, &c)))
            return st;
        size_t excl = 0;
        for (size_t i = 0; i < c->n_cameras; i++)
            excl += c->cameras[i].excluded;
        snprintf(buf, n, "%zu cameras (%zu excluded), method %s, rms %.3g px", c->n_cameras,
                 excl, c->method, c->rms_px);
        kc_calib_free(c);
    } else if (strcmp(kind, "observations") == 0) {
        kc_obs *o = NULL;
        if ((st = kc_obs_read(path, &o)))
            return st;
        snprintf(buf, n, "%zu cameras, %zu frames, %zu markers%s%s%s", o->n_cameras,
                 o->n_frames, o->n_markers, o->centroids ? ", centroids" : "",
                 o->n_forceplates ? ", force plates" : "", o->truth ? ", truth" : "");
        kc_obs_free(o);
    } else if (strcmp(kind, "trajectories") == 0) {
        kc_traj *t = NULL;
        if ((st = kc_traj_read(path, &t)))
            return st;
        snprintf(buf, n, "%zu frames, %zu markers, %g Hz%s%s", t->n_frames, t->n_markers,
                 t->rate_hz, t->n_forceplates ? ", force plates" : "",
                 t->truth ? ", truth" : "");
        kc_traj_free(t);
    } else if (strcmp(kind, "kinematics") == 0) {
        kc_kin *k = NULL;
        if ((st = kc_kin_read(path, &k)))
            return st;
        snprintf(buf, n, "%zu frames, %zu angles, %zu events, %zu metrics", k->n_frames,
                 k->n_angles, kc_table_nrows(k->events), kc_table_nrows(k->metrics));
        kc_kin_free(k);
    } else if (strcmp(kind, "cohort") == 0) {
        kc_cohort *c = NULL;
        if ((st = kc_cohort_read(path, &c)))
            return st;
        snprintf(buf, n, "%zu tables, %zu curve ensembles", c->n_tables, c->n_curves);
        kc_cohort_free(c);
    } else {
        KC_ERROR("cannot validate \"%s\": unknown kind \"%s\"", path, kind);
        return KC_EKIND;
    }
    return KC_OK;
}

/* The kind a file name promises by its extension, or NULL (any kind). */
static const char *kind_of_name(const char *path)
{
    static const struct {
        const char *suffix, *kind;
    } map[] = {{".calib.h5", "calibration"}, {".obs.h5", "observations"},
               {".traj.h5", "trajectories"}, {".kin.h5", "kinematics"},
               {".cohort.h5", "cohort"},     {"cohort.h5", "cohort"}};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t k = strlen(map[i].suffix);
        if (n >= k && strcmp(path + n - k, map[i].suffix) == 0)
            return map[i].kind;
    }
    return NULL;
}

/* Check one file, printing its "ok" line or (through the library) one error line. */
static int validate_one(const char *path)
{
    unsigned errors = kc_log_error_count();
    char kind[64] = "", summary[256] = "";
    int minor = 0;
    kc_h5 *h = NULL;
    /* A *.obs.h5 must be observations, ...; other names may hold any kind. */
    int st = kc_h5_open(&h, path, kind_of_name(path));
    if (st == KC_OK) {
        snprintf(kind, sizeof kind, "%s", kc_h5_kind(h));
        minor = kc_h5_minor(h);
        kc_h5_close(h);
        st = check_file(path, kind, summary, sizeof summary);
    }
    if (st != KC_OK) {
        /* The library has said what is wrong; say it only if it has not. */
        if (kc_log_error_count() == errors)
            KC_ERROR("\"%s\" is not valid: %s", path, kc_strerror(st));
        fflush(stderr);
        return st;
    }
    printf("ok  %s  %s %d.%d  %s\n", path, kind, KC_SCHEMA_MAJOR, minor, summary);
    fflush(stdout);
    return KC_OK;
}

/* Print s with tabs, newlines and backslashes escaped, so that a fact stays on one line. */
static void put_escaped(const char *s)
{
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*s);
    }
}

/* Split a command line recorded by kc_h5_create (words joined by single spaces, a word with
 * shell metacharacters in single quotes, an embedded quote as '\'') back into its words, and
 * print each as an "argument" line. Backslashes outside quotes escape the next character, so
 * any POSIX-shell-quoted line of plain words splits the same way. */
static void print_words(const char *cmd)
{
    size_t n = strlen(cmd);
    char *w = malloc(n + 1);
    if (!w)
        return;
    size_t k = 0;
    int index = 0, in_word = 0;
    for (const char *p = cmd;; p++) {
        if (*p == '\0' || *p == ' ') {
            if (in_word) {
                w[k] = '\0';
                printf("argument\t%d\t", index++);
                put_escaped(w);
                putchar('\n');
            }
            k = 0;
            in_word = 0;
            if (*p == '\0')
                break;
        } else if (*p == '\'') {
            in_word = 1;
            for (p++; *p && *p != '\''; p++)
                w[k++] = *p;
            if (!*p)
                p--;   /* unterminated quote: take the rest as the word */
        } else if (*p == '\\' && p[1]) {
            in_word = 1;
            w[k++] = *++p;
        } else {
            in_word = 1;
            w[k++] = *p;
        }
    }
    free(w);
}

/* --provenance: print how path was made (see usage). */
static int provenance_one(const char *path)
{
    unsigned errors = kc_log_error_count();
    kc_h5 *h = NULL;
    char *created_by = NULL, *cmd = NULL, *name = NULL, *hash = NULL;
    int st = kc_h5_open(&h, path, kind_of_name(path));
    if (st)
        goto done;
    if (!kc_h5_exists(h, "/provenance")) {
        KC_ERROR("\"%s\" has no /provenance (written with --no-provenance?)", path);
        st = KC_EMISSING;
        goto done;
    }
    if ((st = kc_h5_attr_get_str(h, "/", "created_by", &created_by)) ||
        (st = kc_h5_attr_get_str(h, "/provenance", "command_line", &cmd)))
        goto done;
    fputs("file\t", stdout);
    put_escaped(path);
    fputs("\ncreated_by\t", stdout);
    put_escaped(created_by);
    fputs("\ncommand_line\t", stdout);
    put_escaped(cmd);
    putchar('\n');
    print_words(cmd);
    for (int i = 0;; i++) {
        char aname[64], ahash[64];
        snprintf(aname, sizeof aname, "input_%d_name", i);
        snprintf(ahash, sizeof ahash, "input_%d_sha256", i);
        if (!kc_h5_attr_exists(h, "/provenance", aname))
            break;
        if ((st = kc_h5_attr_get_str(h, "/provenance", aname, &name)) ||
            (st = kc_h5_attr_get_str(h, "/provenance", ahash, &hash)))
            goto done;
        printf("input\t%d\t", i);
        put_escaped(hash);
        putchar('\t');
        put_escaped(name);
        putchar('\n');
        free(name);
        free(hash);
        name = hash = NULL;
    }
    fflush(stdout);
done:
    free(created_by);
    free(cmd);
    free(name);
    free(hash);
    kc_h5_close(h);
    if (st != KC_OK && kc_log_error_count() == errors)
        KC_ERROR("cannot read the provenance of \"%s\": %s", path, kc_strerror(st));
    return st;
}

int main(int argc, char **argv)
{
    enum { OPT_PROVENANCE = 1 };
    static const struct option options[] = {
        {"provenance", no_argument, NULL, OPT_PROVENANCE}, KC_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    int provenance = 0;
    kc_cli cli;
    kc_cli_init(&cli, "kc-validate", argc, argv);
    int opt;
    opterr = 0;   /* kc_cli_fallback_option reports misuse in one line */
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == OPT_PROVENANCE) {
            provenance = 1;
            continue;
        }
        int r = kc_cli_fallback_option(&cli, opt, optarg, argv[optind - 1], usage);
        if (r >= 0)
            return r;
    }
    if (optind >= argc) {
        KC_ERROR("no file given");
        fprintf(stderr, "Try 'kc-validate --help'.\n");
        return KC_EXIT_USAGE;
    }

    int bad = 0;
    if (provenance) {
        for (int i = optind; i < argc; i++)
            bad += provenance_one(argv[i]) != KC_OK;
        if (kc_cli_close_stdout() != KC_OK)
            return KC_EXIT_FAILED;
        return bad ? KC_EXIT_INPUT : KC_EXIT_OK;
    }
    for (int i = optind; i < argc; i++) {
        /* Each file is read in a child process: the HDF5 library itself can crash on some
         * corrupt files (out-of-bounds reads in its global heap code, fixed upstream bug by
         * bug), and a validator must report such a file as bad, not die on it. */
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0)
            _exit(validate_one(argv[i]) == KC_OK ? 0 : 2);
        if (pid < 0) {   /* no process to spare: read it here */
            bad += validate_one(argv[i]) != KC_OK;
            continue;
        }
        int ws = 0;
        while (waitpid(pid, &ws, 0) < 0) {
            if (errno != EINTR) {
                ws = -1;
                break;
            }
        }
        if (ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
            continue;
        bad++;
        if (ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == 2)
            continue;   /* reported by the child */
        /* killed by a signal, or ended by a sanitizer's report: the library crashed */
        KC_ERROR("cannot read \"%s\": corrupt HDF5 file (reading it crashed the HDF5 library: %s %d)",
                 argv[i], ws != -1 && WIFSIGNALED(ws) ? "signal" : "exit status",
                 ws == -1 ? -1 : WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
    }
    if (kc_cli_close_stdout() != KC_OK)
        return KC_EXIT_FAILED;
    return bad ? KC_EXIT_INPUT : KC_EXIT_OK;
}
