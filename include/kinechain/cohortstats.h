/* kinechain — cohort statistics: a manifest of trials and their kinematics files (*.kin.h5)
 * → the tables and curve ensembles kc-stats writes (see kc-stats --help for the columns).
 *
 * Which kinematics file a manifest row uses: the row's "kinematics" column when the manifest
 * has one and the cell is not empty (relative to the manifest's folder), else
 * KIN_DIR/<subject>/<trial>.kin.h5 (KIN_DIR: params.kin_dir, default the manifest's folder).
 * Rows whose exclude cell is not "" or "0", and rows whose task is not analysed (params.tasks,
 * default every task except "static" and "functional_knee"), are skipped and listed in the
 * "excluded" table with the reason.
 *
 * Unit of analysis: a cell is (subject, value of the group-by column); a cell's value of a
 * metric and side is the mean over its trials (subjects table). Group summaries, group
 * comparisons, left−right differences and reliability are computed over cells, never over
 * trials (trials of one subject are not independent).
 *
 * Tables added to the cohort (all long/tidy except trials, which is wide: one column per
 * metric, in order of first appearance):
 *   trials      subject session trial task group condition site [sex] by side <metrics...>
 *               side L, R, or "both" for metrics the kinematics file gives without a side
 *   subjects    subject by side metric unit n mean sd cv_pct        (cv_pct = 100·SD/|mean|, empty for mean 0; SD empty for 1 trial)
 *   groups      by side metric unit n mean sd ci_lo ci_hi median q1 q3 iqr     (over cells)
 *   comparisons metric side unit test level_a level_b n_a n_b statistic z df p estimate ci_lo
 *               ci_hi; tests welch_t, mann_whitney_u, hedges_g (independent), or paired_t,
 *               wilcoxon_signed_rank (with params.paired)
 *   left_right  by metric unit n mean_diff_l_minus_r sd ci_lo ci_hi t df p_t wilcoxon_v
 *               p_wilcoxon   (per group level and "ALL"; paired over cells having both sides)
 *   reliability metric side unit n k icc_3_1 icc_2_1 sd sem mdc95 icc_3_1_ci_lo icc_3_1_ci_hi
 *               icc_2_1_ci_lo icc_2_1_ci_hi f p_f   (first k trials of every cell with at least
 *               k; k = the smallest trial count >= 2 among cells; 95 % CIs by McGraw & Wong
 *               1996, F = MSR/MSE and its p — see stats.h)
 *   spm         curve component test level_a level_b n_a n_b df fwhm_nodes alpha zstar t_max
 *               n_clusters: SPM{t} (spm.h, α = 0.05 two-tailed) of the cell-mean curves of
 *               every ensemble and component (0..2, the channel's x, y, z): levels A vs B
 *               (spm_t2, or spm_paired_t with params.paired), and left vs right
 *               ("<phase>_<chan>" from "<phase>_L<chan>" and "<phase>_R<chan>", level_a "L",
 *               level_b "R", spm_paired_t over cells with both sides); a zero-variance field
 *               leaves NaN statistics
 *   spm_clusters curve component level_a level_b sign start_pct end_pct extent_pct
 *               extent_resels peak_t p (nodes 0..100 = % of the phase)
 *   excluded    line subject trial reason
 * Curves: every /normalized/<phase>/<channel> as an ensemble "<phase>_<channel>" [N,101,3] with
 * an index table (subject session trial by).
 */
#ifndef KINECHAIN_COHORTSTATS_H
#define KINECHAIN_COHORTSTATS_H
#include "kinechain/cohortfile.h"
#include "kinechain/status.h"

typedef struct kc_cohortstats_params {
    const char *manifest;    /* path of the manifest CSV (required) */
    const char *subjects;    /* subjects CSV or NULL: its sex column joins trials and subjects */
    const char *kin_dir;     /* NULL: the manifest's folder */
    const char *group_by;    /* manifest column; NULL: "group" */
    const char *compare_a;   /* levels of group_by to compare, or NULL for no comparison */
    const char *compare_b;
    const char *paired;      /* manifest column pairing cells of A and B (e.g. "subject"), or
                                NULL for independent groups */
    const char *tasks;       /* comma-separated tasks to analyse, or NULL (see above) */
    /* Called from the calling thread after each manifest row (done rows of total), or NULL:
     * lets a tool show progress (the library never prints). */
    void (*progress)(size_t done, size_t total, void *data);
    void *progress_data;
} kc_cohortstats_params;

kc_cohortstats_params kc_cohortstats_default_params(void);

/* Read, compute and return the cohort (tables and curves above). A trial whose kinematics
 * file is missing or unusable (not a kinematics file, wrong major version, no /metrics,
 * malformed /metrics or /normalized) is left out and listed in the excluded table with the
 * reason ("cannot read kinematics "PATH": No such file or directory", "unusable kinematics
 * "PATH": <status>"; the reader also logs the object and cause); (*out)->n_failed counts
 * them, and one warning sums them up. Only /metrics, /normalized and the root attributes of
 * a kinematics file are read.
 * Curves are kept in temporary files ($TMPDIR, else /tmp; removed when closed) while the
 * trials are read, so memory does not hold them; the cohort's kc_curves refer to those files.
 * So are the metric values (read back a block at a time by the statistics and the generated
 * trials and subjects tables), the cell means, and the cell-mean curves the SPM is computed
 * from (in passes, per-node sums only): memory is nearly flat in the number of trials (what
 * remains per trial: the manifest row, 20 bytes of bookkeeping, a few per subject).
 * Errors (logged, naming the file and cause): KC_EIO (the manifest or subjects cannot be read,
 * or the temporary files fail), KC_EMISSING (unknown column, comparison level absent),
 * KC_EINVAL (no trial left — e.g. every kinematics file unusable — or a pairing key not
 * unique), KC_ENOMEM. *out is NULL then. */
int kc_cohortstats_run(const kc_cohortstats_params *p, kc_cohort **out) KC_RESULT_USED;

#endif
