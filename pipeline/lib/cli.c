/* kinechain — what every command-line tool shares. */
#include "kinechain/cli.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>
#include <omp.h>

#include "kinechain/log.h"

const char kc_cli_common_help[] =
    "Common options:\n"
    "  --threads N       worker threads (default: OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK,\n"
    "                    else all cores); results do not depend on it\n"
    "  --verbose         report progress and summaries (twice: debugging details)\n"
    "  --quiet           print nothing but results; the exit code tells what happened\n"
    "  --no-provenance   leave the command line, input hashes and creation time out of\n"
    "                    outputs (for golden files)\n"
    "  --help            show this help and exit\n"
    "  --version         show the version and exit\n";

const char kc_cli_exit_help[] =
    "Exit status:\n"
    "  0  success\n"
    "  1  misuse: bad option or argument\n"
    "  2  bad input file or value\n"
    "  3  the work itself failed (e.g. did not converge)\n"
    "  4  some items of a batch failed\n";

/* A positive thread count from an environment variable ("8", or the first of "8,4" as
 * OpenMP allows); 0 when unset or unusable. */
static int env_threads(const char *name)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || (*end && *end != ',') || v < 1 || v > 65536)
        return 0;
    return (int)v;
}

static enum kc_log_level level_of(int verbosity)
{
    if (verbosity < 0)
        return KC_LOG_QUIET;
    if (verbosity == 0)
        return KC_LOG_WARNING;
    return verbosity == 1 ? KC_LOG_INFO : KC_LOG_DEBUG;
}

void kc_cli_init(kc_cli *cli, const char *program, int argc, char **argv)
{
    memset(cli, 0, sizeof *cli);
    cli->program = program;
    cli->verbosity = 0;
    cli->provenance = true;
    cli->argc = argc;
    cli->argv = argv;
    kc_log_init(program, level_of(0));

    /* GSL aborts on error by default and HDF5 prints its error stack: the tools check
     * return codes and report through kc_log instead. */
    gsl_set_error_handler_off();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    int n = env_threads("OMP_NUM_THREADS");
    if (n == 0)
        n = env_threads("SLURM_CPUS_PER_TASK");
    if (n == 0)
        n = omp_get_num_procs();
    if (n < 1)
        n = 1;
    cli->threads = n;
    omp_set_num_threads(n);
}

int kc_cli_common_option(kc_cli *cli, int opt, const char *arg)
{
    switch (opt) {
    case KC_OPT_THREADS: {
        long n;
        if (kc_parse_long("threads", arg, 1, 4096, &n) != KC_OK)
            return KC_EINVAL;
        cli->threads = (int)n;
        omp_set_num_threads((int)n);
        return 1;
    }
    case KC_OPT_VERBOSE:
        if (cli->verbosity < 0)
            cli->verbosity = 0;
        if (cli->verbosity < 2)
            cli->verbosity++;
        kc_log_init(cli->program, level_of(cli->verbosity));
        return 1;
    case KC_OPT_QUIET:
        cli->verbosity = -1;
        kc_log_init(cli->program, level_of(cli->verbosity));
        return 1;
    case KC_OPT_NO_PROVENANCE:
        cli->provenance = false;
        return 1;
    case KC_OPT_HELP:
        return 2;
    case KC_OPT_VERSION:
        return 3;
    default:
        return 0;
    }
}

void kc_cli_print_version(const kc_cli *cli)
{
    printf("%s %s\n", cli->program, KC_VERSION);
}

int kc_parse_double(const char *name, const char *s, double min, double max, double *out)
{
    if (s && *s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        /* ERANGE on underflow still gives a usable tiny value; overflow gives ±HUGE_VAL,
         * which the range check rejects (and NaN fails every comparison). */
        if (*end == '\0' && isfinite(v) && !(errno == ERANGE && fabs(v) > 1.0) && v >= min &&
            v <= max) {
            *out = v;
            return KC_OK;
        }
    }
    kc_log(KC_LOG_ERROR, __func__, "--%s: \"%s\" is not a number in [%g, %g]", name,
           s ? s : "", min, max);
    return KC_EINVAL;
}

int kc_parse_long(const char *name, const char *s, long min, long max, long *out)
{
    if (s && *s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (*end == '\0' && errno == 0 && v >= min && v <= max) {
            *out = v;
            return KC_OK;
        }
    }
    kc_log(KC_LOG_ERROR, __func__, "--%s: \"%s\" is not an integer in [%ld, %ld]", name,
           s ? s : "", min, max);
    return KC_EINVAL;
}

int kc_parse_doubles(const char *name, const char *s, int n, double *out)
{
    const char *p = s ? s : "";
    int i = 0;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || (errno == ERANGE && fabs(v) > 1.0) || !isfinite(v) || i >= n)
            break;
        while (*end == ' ')
            end++;
        out[i++] = v;
        if (*end == '\0') {
            if (i == n)
                return KC_OK;
            break;
        }
        if (*end != ',')
            break;
        p = end + 1;
    }
    kc_log(KC_LOG_ERROR, __func__, "--%s: \"%s\" is not a list of %d comma-separated numbers",
           name, s ? s : "", n);
    return KC_EINVAL;
}

int kc_cli_close_stdout(void)
{
    int err = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        err = errno ? errno : EIO;
    if (fclose(stdout) != 0 && !err)
        err = errno ? errno : EIO;
    if (err) {
        kc_log(KC_LOG_ERROR, __func__, "cannot write to standard output: %s", strerror(err));
        return KC_EIO;
    }
    return KC_OK;
}

double kc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void kc_progress_start(kc_progress *p, const kc_cli *cli, const char *what, long total)
{
    p->what = what;
    p->total = total;
    p->done = 0;
    p->t0 = kc_now();
    p->last = 0.0;
    p->enabled = isatty(fileno(stderr)) && (cli == NULL || cli->verbosity >= 0);
}

void kc_progress_update(kc_progress *p, long done)
{
    p->done = done;
    if (!p->enabled)
        return;
    double now = kc_now();
    if (now - p->last < 0.2 && done < p->total)
        return;   /* at most five redraws a second */
    p->last = now;
    double pct = p->total > 0 ? 100.0 * (double)done / (double)p->total : 100.0;
    fprintf(stderr, "\r%s: %ld/%ld (%.0f%%, %.1f s)", p->what, done, p->total, pct,
            now - p->t0);
    fflush(stderr);
}

void kc_progress_end(kc_progress *p)
{
    if (!p->enabled)
        return;
    kc_progress_update(p, p->total);
    fputc('\n', stderr);
    p->enabled = false;
}

int kc_cli_fallback_option(kc_cli *cli, int opt, const char *arg, const char *optname,
                           void (*usage)(FILE *fp, int status))
{
    switch (opt) {
    case 'h':
        usage(stdout, KC_EXIT_OK);
        return KC_EXIT_OK;
    case ':':
        kc_log(KC_LOG_ERROR, __func__, "option %s needs a value (see --help)", optname);
        return KC_EXIT_USAGE;
    case '?':
        kc_log(KC_LOG_ERROR, __func__, "unknown option \"%s\" (see --help)", optname);
        return KC_EXIT_USAGE;
    default:
        break;
    }
    switch (kc_cli_common_option(cli, opt, arg)) {
    case 1:
        return -1;
    case 2:
        usage(stdout, KC_EXIT_OK);
        return KC_EXIT_OK;
    case 3:
        kc_cli_print_version(cli);
        return kc_cli_close_stdout() == KC_OK ? KC_EXIT_OK : KC_EXIT_FAILED;
    case 0:
        kc_log(KC_LOG_ERROR, __func__, "unknown option \"%s\" (see --help)", optname);
        return KC_EXIT_USAGE;
    default:   /* a bad value, already logged */
        return KC_EXIT_USAGE;
    }
}
