/* kinechain — what every command-line tool shares: the common options, strict number
 * parsing, library set-up (GSL and HDF5 error handlers off), thread count and progress.
 *
 * Each tool's getopt_long table ends with KC_CLI_COMMON_OPTIONS and hands unknown option
 * codes to kc_cli_common_option() before treating them as misuse.
 */
#ifndef KINECHAIN_CLI_H
#define KINECHAIN_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "kinechain/status.h"

/* Option codes of the common long options (outside the range of short options). */
enum {
    KC_OPT_THREADS = 1000,
    KC_OPT_VERBOSE,
    KC_OPT_QUIET,
    KC_OPT_NO_PROVENANCE,
    KC_OPT_HELP,
    KC_OPT_VERSION,
};

#define KC_CLI_COMMON_OPTIONS                                              \
    {"threads", required_argument, NULL, KC_OPT_THREADS},                  \
    {"verbose", no_argument, NULL, KC_OPT_VERBOSE},                        \
    {"quiet", no_argument, NULL, KC_OPT_QUIET},                            \
    {"no-provenance", no_argument, NULL, KC_OPT_NO_PROVENANCE},            \
    {"help", no_argument, NULL, KC_OPT_HELP},                              \
    {"version", no_argument, NULL, KC_OPT_VERSION}

/* Help text lines for the common options, to append to each tool's usage. */
extern const char kc_cli_common_help[];
/* Exit-code lines for each tool's usage. */
extern const char kc_cli_exit_help[];

typedef struct kc_cli {
    const char *program;   /* "kc-synth" */
    int threads;           /* resolved thread count, >= 1 */
    int verbosity;         /* 0 normal, 1 --verbose, 2 --verbose --verbose, -1 --quiet */
    bool provenance;       /* false with --no-provenance */
    int argc;              /* the command line, for provenance */
    char **argv;
} kc_cli;

/* Prepare a tool: log prefix, GSL error handler off, HDF5 automatic error printing off,
 * default thread count (OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else all cores). */
void kc_cli_init(kc_cli *cli, const char *program, int argc, char **argv);

/* Handle one of the common options. Returns 1 if handled, 0 if opt is not a common option,
 * and for --help/--version returns 2 (help) or 3 (version) so that the tool prints its own
 * usage; on a bad value logs an error and returns KC_EINVAL. Calls omp_set_num_threads and
 * kc_log_init as needed. */
int kc_cli_common_option(kc_cli *cli, int opt, const char *arg);

/* The cases every tool's getopt_long loop ends with, in one place: the common options,
 * --help and -h, --version, a missing value (':', with ":" leading the optstring) and an
 * unknown option ('?'). optname is argv[optind - 1] (for the message). Returns -1 when the
 * option was handled and parsing goes on, else the exit code the tool returns at once
 * (KC_EXIT_OK after --version, KC_EXIT_USAGE after a logged misuse). For --help it calls
 * usage(stdout, KC_EXIT_OK), which is expected to exit. */
int kc_cli_fallback_option(kc_cli *cli, int opt, const char *arg, const char *optname,
                           void (*usage)(FILE *fp, int status));

/* Print "PROGRAM VERSION" (kinechain's version) to stdout. */
void kc_cli_print_version(const kc_cli *cli);

/* Strict parsing: the whole string must be a number within [min, max]; returns KC_OK or
 * KC_EINVAL after logging "--name: "value" is not a number in [min, max]". */
int kc_parse_double(const char *name, const char *s, double min, double max, double *out)
    KC_RESULT_USED;
int kc_parse_long(const char *name, const char *s, long min, long max, long *out) KC_RESULT_USED;
/* A comma-separated list of exactly n numbers ("0,150,500"). */
int kc_parse_doubles(const char *name, const char *s, int n, double *out) KC_RESULT_USED;

/* Flush and close stdout; returns KC_EIO (logged) if output could not be written. */
int kc_cli_close_stdout(void);

/* Progress on stderr, only when stderr is a terminal and not --quiet. Thread-safe enough
 * for calls from the master thread only. done <= total. */
typedef struct kc_progress {
    const char *what;
    long total;
    long done;
    double t0;
    double last;
    bool enabled;
} kc_progress;
void kc_progress_start(kc_progress *p, const kc_cli *cli, const char *what, long total);
void kc_progress_update(kc_progress *p, long done);
void kc_progress_end(kc_progress *p);

/* Seconds from a monotonic clock. */
double kc_now(void);

#endif
