/* The common command-line layer: strict number parsing, the common options, thread
 * defaults from the environment, log levels and the error count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/status.h"
#include "testutil.h"

static int n_msgs;
static char last_msg[1024];
static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)level;
    (void)func;
    (void)data;
    n_msgs++;
    snprintf(last_msg, sizeof last_msg, "%s", msg);
}

static int usage_calls = -1;

/* A usage function that records its status instead of exiting. */
static void record_usage(FILE *fp, int status)
{
    (void)fp;
    usage_calls = status;
}

/* The shared end of every tool's option loop. */
static void test_fallback(kc_cli *cli)
{
    unsigned errs = kc_log_error_count();
    CHECK("fallback: --threads 2 handled, parsing goes on",
          kc_cli_fallback_option(cli, KC_OPT_THREADS, "2", "--threads", record_usage) == -1 &&
              cli->threads == 2);
    CHECK("fallback: bad --threads value is misuse",
          kc_cli_fallback_option(cli, KC_OPT_THREADS, "0", "--threads", record_usage) ==
              KC_EXIT_USAGE);
    CHECK("fallback: missing value is misuse",
          kc_cli_fallback_option(cli, ':', NULL, "--threads", record_usage) == KC_EXIT_USAGE);
    CHECK("fallback: unknown option is misuse",
          kc_cli_fallback_option(cli, '?', NULL, "--bogus", record_usage) == KC_EXIT_USAGE);
    CHECK("fallback: three misuses logged three errors", kc_log_error_count() - errs == 3);
    usage_calls = -1;
    CHECK("fallback: -h calls usage(stdout, 0)",
          kc_cli_fallback_option(cli, 'h', NULL, "-h", record_usage) == KC_EXIT_OK &&
              usage_calls == KC_EXIT_OK);
    usage_calls = -1;
    CHECK("fallback: --help calls usage(stdout, 0)",
          kc_cli_fallback_option(cli, KC_OPT_HELP, NULL, "--help", record_usage) == KC_EXIT_OK &&
              usage_calls == KC_EXIT_OK);
}

int main(void)
{
    char *argv[] = {(char *)"kc-test", (char *)"--threads", (char *)"3", NULL};
    kc_cli cli;

    setenv("OMP_NUM_THREADS", "5", 1);
    kc_cli_init(&cli, "kc-test", 3, argv);
    CHECK("threads from OMP_NUM_THREADS", cli.threads == 5);
    unsetenv("OMP_NUM_THREADS");
    setenv("SLURM_CPUS_PER_TASK", "6", 1);
    kc_cli_init(&cli, "kc-test", 3, argv);
    CHECK("threads from SLURM_CPUS_PER_TASK", cli.threads == 6);
    setenv("SLURM_CPUS_PER_TASK", "six", 1);
    kc_cli_init(&cli, "kc-test", 3, argv);
    CHECK("bad SLURM value falls back to all cores", cli.threads == omp_get_num_procs());
    unsetenv("SLURM_CPUS_PER_TASK");
    CHECK("defaults", cli.verbosity == 0 && cli.provenance && cli.argc == 3 &&
                          strcmp(kc_log_program(), "kc-test") == 0);
    kc_log_set_sink(sink, NULL);

    /* common options */
    CHECK("--threads 3", kc_cli_common_option(&cli, KC_OPT_THREADS, "3") == 1 &&
                             cli.threads == 3 && omp_get_max_threads() == 3);
    CHECK("--threads 0 refused", kc_cli_common_option(&cli, KC_OPT_THREADS, "0") == KC_EINVAL);
    CHECK("--threads x refused", kc_cli_common_option(&cli, KC_OPT_THREADS, "x") == KC_EINVAL);
    CHECK("message names option", strstr(last_msg, "--threads") && strstr(last_msg, "\"x\""));
    CHECK("--verbose", kc_cli_common_option(&cli, KC_OPT_VERBOSE, NULL) == 1 &&
                           cli.verbosity == 1 && kc_log_get_level() == KC_LOG_INFO);
    CHECK("--verbose twice", kc_cli_common_option(&cli, KC_OPT_VERBOSE, NULL) == 1 &&
                                 kc_log_get_level() == KC_LOG_DEBUG);
    CHECK("--quiet", kc_cli_common_option(&cli, KC_OPT_QUIET, NULL) == 1 &&
                         cli.verbosity == -1 && kc_log_get_level() == KC_LOG_QUIET);
    CHECK("--no-provenance", kc_cli_common_option(&cli, KC_OPT_NO_PROVENANCE, NULL) == 1 &&
                                 !cli.provenance);
    CHECK("--help", kc_cli_common_option(&cli, KC_OPT_HELP, NULL) == 2);
    CHECK("--version", kc_cli_common_option(&cli, KC_OPT_VERSION, NULL) == 3);
    CHECK("unknown option", kc_cli_common_option(&cli, 'x', NULL) == 0);
    CHECK("help texts", strstr(kc_cli_common_help, "--threads") &&
                            strstr(kc_cli_exit_help, "2  bad input"));

    /* quiet: errors are not shown but still counted */
    int shown = n_msgs;
    unsigned e0 = kc_log_error_count();
    KC_ERROR("hidden");
    CHECK("quiet hides errors", n_msgs == shown);
    CHECK("quiet still counts errors", kc_log_error_count() == e0 + 1);
    kc_log_init("kc-test", KC_LOG_WARNING);
    KC_INFO("not shown at warning level");
    CHECK("info hidden at warning level", n_msgs == shown);
    KC_WARN("shown %d", 7);
    CHECK("warning shown", n_msgs == shown + 1 && strcmp(last_msg, "shown 7") == 0);
    char longmsg[3000];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    KC_ERROR("%s", longmsg);
    CHECK("long message kept whole", strlen(last_msg) == sizeof last_msg - 1);

    /* strict numbers */
    double d = 0;
    long l = 0;
    CHECK("double ok", kc_parse_double("rate", "200.5", 1, 1e5, &d) == KC_OK && d == 200.5);
    CHECK("double exp", kc_parse_double("rate", "1e3", 1, 1e5, &d) == KC_OK && d == 1000);
    CHECK("double trailing junk", kc_parse_double("rate", "200hz", 1, 1e5, &d) == KC_EINVAL);
    CHECK("double empty", kc_parse_double("rate", "", 1, 1e5, &d) == KC_EINVAL);
    CHECK("double NULL", kc_parse_double("rate", NULL, 1, 1e5, &d) == KC_EINVAL);
    CHECK("double nan", kc_parse_double("rate", "nan", -1e300, 1e300, &d) == KC_EINVAL);
    CHECK("double inf", kc_parse_double("rate", "inf", -HUGE_VAL, HUGE_VAL, &d) == KC_EINVAL);
    CHECK("double overflow", kc_parse_double("rate", "1e999", -HUGE_VAL, HUGE_VAL, &d) == KC_EINVAL);
    CHECK("double below range", kc_parse_double("rate", "0.5", 1, 1e5, &d) == KC_EINVAL);
    CHECK("double message", strstr(last_msg, "--rate") && strstr(last_msg, "[1, 100000]"));
    CHECK("long ok", kc_parse_long("seed", "-42", -100, 100, &l) == KC_OK && l == -42);
    CHECK("long float refused", kc_parse_long("seed", "4.2", -100, 100, &l) == KC_EINVAL);
    CHECK("long overflow", kc_parse_long("seed", "99999999999999999999999", 0, 10, &l) == KC_EINVAL);
    CHECK("long above range", kc_parse_long("seed", "101", -100, 100, &l) == KC_EINVAL);
    double v[3];
    CHECK("doubles ok", kc_parse_doubles("wand-mm", "0,150,500", 3, v) == KC_OK && v[0] == 0 &&
                            v[1] == 150 && v[2] == 500);
    CHECK("doubles spaces", kc_parse_doubles("wand-mm", "0, 150.5 ,-2e2", 3, v) == KC_OK &&
                                v[1] == 150.5 && v[2] == -200);
    CHECK("doubles too few", kc_parse_doubles("wand-mm", "0,150", 3, v) == KC_EINVAL);
    CHECK("doubles too many", kc_parse_doubles("wand-mm", "0,1,2,3", 3, v) == KC_EINVAL);
    CHECK("doubles junk", kc_parse_doubles("wand-mm", "0,a,2", 3, v) == KC_EINVAL);
    CHECK("doubles trailing comma", kc_parse_doubles("wand-mm", "0,1,2,", 3, v) == KC_EINVAL);

    /* status */
    CHECK("strerror", strcmp(kc_strerror(KC_EKIND), "wrong file kind") == 0 &&
                          kc_strerror(-999) != NULL);
    CHECK("exit codes", kc_exit_code(KC_OK) == 0 && kc_exit_code(KC_ESHAPE) == 2 &&
                            kc_exit_code(KC_ENUMERIC) == 3 && kc_exit_code(KC_ENOMEM) == 3);

    /* progress is off when stderr is not a terminal (as under ctest) */
    kc_progress p;
    kc_progress_start(&p, &cli, "frames", 10);
    kc_progress_update(&p, 5);
    kc_progress_end(&p);
    CHECK("progress disabled under --quiet", !p.enabled);
    CHECK("kc_now monotonic", kc_now() <= kc_now());
    kc_log_set_sink(NULL, NULL);
    test_fallback(&cli);
    return kc_test_summary("test_cli");
}
