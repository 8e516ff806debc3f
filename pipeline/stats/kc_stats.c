/* kc-stats — cohort tables and statistics from a manifest and its kinematics files. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kinechain/atomic.h"
#include "kinechain/cli.h"
#include "kinechain/cohortfile.h"
#include "kinechain/cohortstats.h"
#include "kinechain/log.h"
#include "kinechain/status.h"
#include "kinechain/table.h"
#include "report.h"

static void usage(FILE *fp, int status)
{
    fprintf(fp,
            "Usage: kc-stats -o OUTDIR MANIFEST.csv [--subjects SUBJECTS.csv] [--group-by COL]\n"
            "                [--compare A,B] [--paired COL] [--kin-dir DIR] [--tasks LIST]\n"
            "\n"
            "Summarise the kinematics (*.kin.h5 from kc-ik) of the trials of MANIFEST (DESIGN.md\n"
            "columns) into tidy tables and statistics. Each row's kinematics file is the row's\n"
            "\"kinematics\" column when the manifest has one (relative to the manifest), else\n"
            "KIN_DIR/<subject>/<trial>.kin.h5. Rows with exclude other than empty or 0, and\n"
            "rows of tasks not analysed, are skipped and listed in excluded.csv.\n"
            "The unit of analysis is the cell (subject, --group-by value): a cell's value is\n"
            "the mean of its trials; group statistics are over cells.\n"
            "\n"
            "Writes into OUTDIR (created; every file written atomically, and only after\n"
            "everything is computed):\n"
            "  trials.csv       one row per trial x side (L, R, both) with every /metrics value\n"
            "                   and the model that made it (pig, kinechain, keypoints)\n"
            "  subjects.csv     per cell x side x metric: n trials, mean, SD, CV %%\n"
            "  groups.csv       per group x side x metric: n, mean, SD, 95%% CI (t), median,\n"
            "                   Q1, Q3, IQR (R quantile type 7)\n"
            "  comparisons.csv  with --compare: welch_t (Welch-Satterthwaite df),\n"
            "                   mann_whitney_u (R wilcox.test exact=FALSE correct=TRUE),\n"
            "                   hedges_g (95%% CI, Hedges & Olkin variance); with --paired:\n"
            "                   paired_t and wilcoxon_signed_rank (zero differences dropped)\n"
            "  left_right.csv   signed L - R differences of the cell means (units of the\n"
            "                   metric, degrees for angles), paired t and signed-rank, per\n"
            "                   group and ALL\n"
            "  reliability.csv  ICC(3,1) consistency, ICC(2,1) absolute agreement with 95%%\n"
            "                   CIs (McGraw & Wong 1996 F-based), F test, SEM, MDC95 across\n"
            "                   repeated trials\n"
            "  spm.csv          SPM1D t (RFT threshold, alpha 0.05 two-tailed) on the cell-mean\n"
            "                   101-point curves: A vs B with --compare, and left vs right\n"
            "                   (paired) for every L/R channel pair\n"
            "  spm_clusters.csv suprathreshold clusters (start/end in %% of the phase, p)\n"
            "  excluded.csv     skipped manifest rows and why (excluded, task not\n"
            "                   analysed, kinematics file missing or unusable)\n"
            "  cohort.h5        the same tables, and the /normalized curves of every trial as\n"
            "                   ensembles /curves/<phase>_<channel> [N,101,3] with an index\n"
            "  report.html      the cohort report; athletes/<subject>.html one printable page\n"
            "                   per athlete; plots/ the figures as PNG (docs/reports.md;\n"
            "                   not with --no-report)\n"
            "\n"
            "Options:\n"
            "  -o, --output DIR     output folder (required)\n"
            "  --subjects FILE      subjects CSV; every analysed subject must be in it; its sex\n"
            "                       column is copied into trials.csv\n"
            "  --group-by COL       manifest column defining groups (default: group)\n"
            "  --compare A,B        compare levels A and B of the --group-by column\n"
            "  --paired COL         A and B are paired: cells matched on COL (e.g. subject)\n"
            "  --kin-dir DIR        folder of <subject>/<trial>.kin.h5 (default: the\n"
            "                       manifest's folder)\n"
            "  --tasks LIST         comma-separated tasks to analyse (default: every task but\n"
            "                       static and functional_knee)\n"
            "  --no-report          tables and cohort.h5 only: no report.html, athletes/,\n"
            "                       plots/ (docs/reports.md)\n"
            "%s\n"
            "Example:\n"
            "  kc-stats -o stats session/manifest.csv --kin-dir kin --tasks dvj \\\n"
            "           --compare control,pfp\n"
            "  kc-stats -o prepost manifest.csv --group-by condition --compare pre,post \\\n"
            "           --paired subject\n"
            "\n"
            "%s"
            "A trial whose kinematics file is missing or unusable is left out, listed in\n"
            "excluded.csv with the reason, and the run ends with exit 4 after writing\n"
            "everything. No usable trial at all, an unknown column or a comparison level\n"
            "without trials is bad input (exit 2, nothing written). While the trials are\n"
            "read, progress (rows done/total, rate) is shown on stderr when it is a terminal.\n"
            "Curves are held in temporary files in $TMPDIR (else /tmp) while they are\n"
            "summarised: about 2.4 KB per trial and channel. Memory holds the metric values\n"
            "and cell means the statistics need (about 2 KB per trial: 50 MB at 10,000\n"
            "trials); trials.csv, subjects.csv and the curves are written block by block.\n"
            "The report holds trials.csv and subjects.csv while it is made.\n",
            kc_cli_common_help, kc_cli_exit_help);
    exit(status);
}

enum { OPT_SUBJECTS = 2000, OPT_GROUP_BY, OPT_COMPARE, OPT_PAIRED, OPT_KIN_DIR, OPT_TASKS,
       OPT_NO_REPORT };

/* Progress of the reading of the manifest's trials: "done/total (rate/s)", redrawn at most five
 * times a second, only when stderr is a terminal and not --quiet. */
typedef struct progress {
    double t0, last;
    int shown;
} progress;

static void show_progress(size_t done, size_t total, void *data)
{
    progress *pr = data;
    double now = kc_now();
    if (now - pr->last < 0.2 && done < total)
        return;
    pr->last = now;
    pr->shown = 1;
    double dt = now - pr->t0;
    fprintf(stderr, "\rkc-stats: manifest rows %zu/%zu (%.0f%%, %.0f rows/s)", done, total,
            total ? 100.0 * (double)done / (double)total : 100.0, dt > 0 ? (double)done / dt : 0.0);
    fflush(stderr);
}

/* Peak resident memory so far, MB (for --verbose: where memory goes at scale). */
static double peak_rss_mb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss / 1024.0 : NAN;
}

static int write_all(const char *dir, const kc_cohort *co, const kc_provenance *prov)
{
    int st = kc_mkdir_p(dir);
    if (st) {
        KC_ERROR("cannot create \"%s\"", dir);
        return st;
    }
    size_t len = strlen(dir) + 64;
    char *path = malloc(len);
    if (!path)
        return KC_ENOMEM;
    for (size_t i = 0; i < co->n_tables && !st; i++) {
        snprintf(path, len, "%s/%s.csv", dir, co->table_names[i]);
        st = kc_table_write_csv(co->tables[i], path);
    }
    if (!st) {
        snprintf(path, len, "%s/cohort.h5", dir);
        st = kc_cohort_write(path, co, prov);
    }
    free(path);
    return st;
}

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "kc-stats", argc, argv);
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"subjects", required_argument, NULL, OPT_SUBJECTS},
        {"group-by", required_argument, NULL, OPT_GROUP_BY},
        {"compare", required_argument, NULL, OPT_COMPARE},
        {"paired", required_argument, NULL, OPT_PAIRED},
        {"kin-dir", required_argument, NULL, OPT_KIN_DIR},
        {"tasks", required_argument, NULL, OPT_TASKS},
        {"no-report", no_argument, NULL, OPT_NO_REPORT},
        KC_CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    kc_cohortstats_params p = kc_cohortstats_default_params();
    int no_report = 0;
    const char *out_dir = NULL, *compare = NULL;
    char *ca = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case OPT_SUBJECTS: p.subjects = optarg; break;
        case OPT_GROUP_BY: p.group_by = optarg; break;
        case OPT_COMPARE: compare = optarg; break;
        case OPT_PAIRED: p.paired = optarg; break;
        case OPT_KIN_DIR: p.kin_dir = optarg; break;
        case OPT_TASKS: p.tasks = optarg; break;
        case OPT_NO_REPORT: no_report = 1; break;
        default: {
            int r = kc_cli_fallback_option(&cli, c, optarg, argv[optind - 1], usage);
            if (r >= 0)
                return r;
        }
        }
    }
    if (!out_dir || optind != argc - 1) {
        KC_ERROR("need -o OUTDIR and one MANIFEST.csv (see --help)");
        return KC_EXIT_USAGE;
    }
    p.manifest = argv[optind];
    if (compare) {
        const char *comma = strchr(compare, ',');
        if (!comma || comma == compare || !comma[1] || strchr(comma + 1, ',')) {
            KC_ERROR("--compare: \"%s\" is not A,B", compare);
            return KC_EXIT_USAGE;
        }
        if (!(ca = strdup(compare)))
            return KC_EXIT_FAILED;
        ca[comma - compare] = '\0';
        p.compare_a = ca;
        p.compare_b = ca + (comma - compare) + 1;
    } else if (p.paired) {
        KC_ERROR("--paired needs --compare A,B");
        return KC_EXIT_USAGE;
    }
    progress pr = {kc_now(), 0.0, 0};
    if (isatty(fileno(stderr)) && cli.verbosity >= 0) {
        p.progress = show_progress;
        p.progress_data = &pr;
    }
    kc_cohort *co = NULL;
    int st = kc_cohortstats_run(&p, &co);
    if (pr.shown)
        fputc('\n', stderr);
    if (!st) {
        const char *inputs[1] = {p.manifest};
        kc_provenance prov = {"kc-stats", argc, argv, 1, inputs, cli.provenance};
        double t0 = kc_now();
        KC_INFO("peak memory after the statistics: %.1f MB", peak_rss_mb());
        st = write_all(out_dir, co, &prov);
        if (!st)
            KC_INFO("tables and cohort.h5 written in %.2f s (peak memory %.1f MB)",
                    kc_now() - t0, peak_rss_mb());
        if (!st && !no_report) {   /* plots, report.html, athletes/ from what was written */
            st = kc_report_write(
                &(kc_report_params){out_dir, p.manifest, p.kin_dir, &prov, p.paired});
            if (!st)
                KC_INFO("report written (peak memory %.1f MB)", peak_rss_mb());
        }
    }
    if (!st)
        KC_INFO("wrote %zu tables and %zu curve ensembles into \"%s\"", co->n_tables,
                co->n_curves, out_dir);
    size_t n_failed = co ? co->n_failed : 0;
    kc_cohort_free(co);
    free(ca);
    if (st) {
        if (kc_log_error_count() == 0)
            KC_ERROR("%s", kc_strerror(st));
        return kc_exit_code(st);
    }
    if (kc_cli_close_stdout())
        return KC_EXIT_FAILED;
    return n_failed ? KC_EXIT_PARTIAL : KC_EXIT_OK;
}
