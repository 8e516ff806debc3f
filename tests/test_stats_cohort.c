/* kc_cohortstats_run on hand-made kinematics files: rows of every table, cell means over
 * trials (NaN values left out), group summaries over cells, the comparison and left−right
 * numbers recomputed here from the definitions, exclusion, and every error path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/cohortstats.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "testutil.h"

static const char *dir;
static char buf[4096];

static const char *path_of(const char *name)
{
    static char p[8][1024];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* m1 of subject s (0..3), trial t (0..), side (0 L, 1 R); m2 bilateral. */
static double m1(int s, int t, int side) { return 4.25 + 3.5 * s + 0.75 * t * (s + 1) - 1.25 * side + 0.5 * (s == 2) * side; }
static double m2(int s, int t) { return 0.31 + 0.02 * s * s + 0.01 * t; }

static void add_metric(kc_table *m, const char *name, const char *side, double v)
{
    long r = kc_table_add_row(m);
    if (r < 0 || kc_table_set_str(m, (size_t)r, kc_table_find(m, "name"), name) ||
        kc_table_set_str(m, (size_t)r, kc_table_find(m, "side"), side) ||
        kc_table_set_f64(m, (size_t)r, kc_table_find(m, "value"), v) ||
        kc_table_set_str(m, (size_t)r, kc_table_find(m, "unit"), side[0] ? "deg" : "s"))
        CHECK("add metric", 0);
}

static void write_kin(int s, int t)
{
    kc_kin *k = kc_kin_alloc();
    char subj[16], trial[16], rel[64];
    snprintf(subj, sizeof subj, "s%d", s);
    snprintf(trial, sizeof trial, "dvj_%d", t + 1);
    k->trial_type = strdup("dvj");
    k->subject = strdup(subj);
    k->rate_hz = 200.0;
    k->metrics = kc_kin_metrics_alloc();
    add_metric(k->metrics, "m1", "L", m1(s, t, 0));
    /* subject 3, trial 2: the right side is missing (NaN) */
    add_metric(k->metrics, "m1", "R", s == 3 && t == 1 ? NAN : m1(s, t, 1));
    add_metric(k->metrics, "m2", "", m2(s, t));
    double curve[KC_NORM_POINTS * 3];
    for (int i = 0; i < KC_NORM_POINTS * 3; i++)
        curve[i] = sin(0.05 * i + s) + 0.1 * t;
    CHECK("normalized", kc_kin_add_normalized(k, "landing", "initial_contact", "take_off", "deg",
                                              "LKnee", curve) == KC_OK);
    CHECK("model", kc_attrs_set_str(&k->model, "name", "pig") == KC_OK);
    snprintf(rel, sizeof rel, "kin/%s", subj);
    snprintf(buf, sizeof buf, "mkdir -p %s", path_of(rel));
    CHECK("mkdir", system(buf) == 0);
    snprintf(rel, sizeof rel, "kin/%s/%s.kin.h5", subj, trial);
    kc_provenance prov = {"test_stats_cohort", 0, NULL, 0, NULL, false};
    CHECK("kin write", kc_kin_write(path_of(rel), k, &prov) == KC_OK);
    kc_kin_free(k);
}

static void write_manifest(const char *name, const char *extra_row)
{
    FILE *f = fopen(path_of(name), "w");
    fprintf(f, "subject,session,trial,task,group,condition,site,side_of_interest,input,static,"
               "calibration,exclude,notes\n");
    for (int s = 0; s < 4; s++) {
        fprintf(f, "s%d,1,static,static,%s,base,lab,L,x,x,c,0,\n", s, s < 2 ? "ctl" : "pfp");
        for (int t = 0; t < 2 + (s == 0); t++)
            fprintf(f, "s%d,1,dvj_%d,dvj,%s,base,lab,L,x,x,c,%d,\n", s, t + 1,
                    s < 2 ? "ctl" : "pfp", s == 0 && t == 2);   /* s0 dvj_3 excluded */
    }
    if (extra_row)
        fputs(extra_row, f);
    fclose(f);
}

static long find_row(const kc_table *t, const char *c1, const char *v1, const char *c2,
                     const char *v2, const char *c3, const char *v3)
{
    for (size_t r = 0; r < kc_table_nrows(t); r++)
        if (!strcmp(kc_table_get_str(t, r, kc_table_find(t, c1)), v1) &&
            !strcmp(kc_table_get_str(t, r, kc_table_find(t, c2)), v2) &&
            (!c3 || !strcmp(kc_table_get_str(t, r, kc_table_find(t, c3)), v3)))
            return (long)r;
    return -1;
}

static double f64(const kc_table *t, long r, const char *col)
{
    return r < 0 ? NAN : kc_table_get_f64(t, (size_t)r, kc_table_find(t, col));
}

static void test_run(void)
{
    kc_cohortstats_params p = kc_cohortstats_default_params();
    p.manifest = path_of("manifest.csv");
    p.kin_dir = path_of("kin");
    p.compare_a = "ctl";
    p.compare_b = "pfp";
    kc_cohort *co = NULL;
    CHECK("run ok", kc_cohortstats_run(&p, &co) == KC_OK && co);
    if (!co)
        return;
    const kc_table *tr = kc_cohort_table(co, "trials"), *sb = kc_cohort_table(co, "subjects"),
                   *gr = kc_cohort_table(co, "groups"), *cm = kc_cohort_table(co, "comparisons"),
                   *lr = kc_cohort_table(co, "left_right"), *ex = kc_cohort_table(co, "excluded"),
                   *rl = kc_cohort_table(co, "reliability");
    CHECK("tables present", tr && sb && gr && cm && lr && ex && rl);
    if (!(tr && sb && gr && cm && lr && ex && rl))
        goto done;
    CHECK("trials: 8 trials x (L, R, both)", kc_table_nrows(tr) == 24);
    CHECK("excluded: 4 statics + 1 flagged", kc_table_nrows(ex) == 5);
    CHECK("flagged row listed", find_row(ex, "subject", "s0", "trial", "dvj_3", "reason",
                                         "excluded in the manifest") >= 0);
    /* cell means over trials: subject 3 right side has one finite trial */
    double cell[4][2], a[2][2];
    for (int s = 0; s < 4; s++)
        for (int side = 0; side < 2; side++)
            cell[s][side] = s == 3 && side == 1 ? m1(3, 0, 1)
                                                : 0.5 * (m1(s, 0, side) + m1(s, 1, side));
    long r = find_row(sb, "subject", "s3", "side", "R", "metric", "m1");
    CHECK_NEAR("s3 R mean (NaN trial left out)", f64(sb, r, "mean"), m1(3, 0, 1), 1e-12);
    CHECK("s3 R n = 1", r >= 0 && kc_table_get_i64(sb, (size_t)r, kc_table_find(sb, "n")) == 1);
    r = find_row(sb, "subject", "s1", "side", "L", "metric", "m1");
    double d = m1(1, 1, 0) - m1(1, 0, 0), sd = fabs(d) / sqrt(2.0);
    CHECK_NEAR("s1 L sd", f64(sb, r, "sd"), sd, 1e-12);
    CHECK_NEAR("s1 L cv", f64(sb, r, "cv_pct"), 100.0 * sd / cell[1][0], 1e-10);
    r = find_row(sb, "subject", "s2", "side", "both", "metric", "m2");
    CHECK_NEAR("s2 bilateral m2", f64(sb, r, "mean"), 0.5 * (m2(2, 0) + m2(2, 1)), 1e-14);
    /* groups over cells */
    for (int g = 0; g < 2; g++)
        for (int side = 0; side < 2; side++)
            a[g][side] = 0.5 * (cell[2 * g][side] + cell[2 * g + 1][side]);
    r = find_row(gr, "by", "pfp", "side", "R", "metric", "m1");
    CHECK_NEAR("pfp R mean", f64(gr, r, "mean"), a[1][1], 1e-12);
    CHECK("pfp R n = 2", r >= 0 && kc_table_get_i64(gr, (size_t)r, kc_table_find(gr, "n")) == 2);
    double gsd = fabs(cell[2][1] - cell[3][1]) / sqrt(2.0);
    CHECK_NEAR("pfp R sd", f64(gr, r, "sd"), gsd, 1e-12);
    /* t(0.975, 1) = 12.706204736174698 (R: qt(0.975, 1)) */
    CHECK_NEAR("pfp R ci_hi", f64(gr, r, "ci_hi"), a[1][1] + 12.706204736174698 * gsd / sqrt(2.0),
               1e-9);
    /* Welch t of ctl vs pfp, left: from the definition */
    double v0 = pow(cell[0][0] - cell[1][0], 2) / 2.0, v1 = pow(cell[2][0] - cell[3][0], 2) / 2.0;
    double t = (a[0][0] - a[1][0]) / sqrt(v0 / 2.0 + v1 / 2.0);
    r = find_row(cm, "metric", "m1", "side", "L", "test", "welch_t");
    CHECK_NEAR("welch t", f64(cm, r, "statistic"), t, 1e-10);
    CHECK("mann-whitney and hedges rows",
          find_row(cm, "metric", "m1", "side", "L", "test", "mann_whitney_u") >= 0 &&
              find_row(cm, "metric", "m1", "side", "L", "test", "hedges_g") >= 0);
    /* left − right over all four cells */
    double md = 0.0;
    for (int s = 0; s < 4; s++)
        md += (cell[s][0] - cell[s][1]) / 4.0;
    r = find_row(lr, "by", "ALL", "metric", "m1", NULL, NULL);
    CHECK_NEAR("L-R mean difference", f64(lr, r, "mean_diff_l_minus_r"), md, 1e-12);
    CHECK("no L-R row for a bilateral metric", find_row(lr, "by", "ALL", "metric", "m2", NULL, NULL) < 0);
    /* reliability: m1 L has 4 cells of 2 trials; m1 R only 3 (s3 has a missing trial) */
    r = find_row(rl, "metric", "m1", "side", "R", NULL, NULL);
    CHECK("reliability m1 R over 3 complete cells",
          r >= 0 && kc_table_get_i64(rl, (size_t)r, kc_table_find(rl, "n")) == 3);
    const kc_curves *cv = kc_cohort_curves(co, "landing_LKnee");
    CHECK("curve ensemble 8 x 101 x 3", cv && cv->n_curves == 8 && cv->n_points == 101 &&
                                            cv->n_components == 3);
done:
    kc_cohort_free(co);
}

static void test_errors(void)
{
    kc_cohortstats_params p = kc_cohortstats_default_params();
    kc_cohort *co = NULL;
    p.manifest = path_of("nope.csv");
    CHECK("missing manifest", kc_cohortstats_run(&p, &co) == KC_EIO && !co);
    p.manifest = path_of("manifest.csv");
    p.kin_dir = path_of("kin");
    p.group_by = "nosuch";
    CHECK("unknown group-by column", kc_cohortstats_run(&p, &co) == KC_EMISSING && !co);
    p.group_by = "group";
    p.compare_a = "ctl";
    p.compare_b = "zzz";
    CHECK("comparison level absent", kc_cohortstats_run(&p, &co) == KC_EMISSING && !co);
    p.compare_b = "pfp";
    p.paired = "site";   /* every cell has site "lab": not unique */
    CHECK("pairing key not unique", kc_cohortstats_run(&p, &co) == KC_EINVAL && !co);
    p.paired = NULL;
    p.tasks = "sls";
    CHECK("no trial left", kc_cohortstats_run(&p, &co) == KC_EINVAL && !co);
    p.tasks = NULL;
    /* every kinematics file missing: no trial left (each would be listed; nothing is) */
    p.kin_dir = path_of("nokin");
    CHECK("every kinematics file missing", kc_cohortstats_run(&p, &co) == KC_EINVAL && !co);
    /* a file of another kind where a kinematics file should be */
    kc_cohort *other = kc_cohort_alloc();
    kc_provenance prov = {"test_stats_cohort", 0, NULL, 0, NULL, false};
    CHECK("write cohort", kc_cohort_write(path_of("other.h5"), other, &prov) == KC_OK);
    kc_cohort_free(other);
    FILE *f = fopen(path_of("manifest_kind2.csv"), "w");
    fprintf(f, "subject,trial,task,group,kinematics\ns9,dvj_1,dvj,ctl,other.h5\n");
    fclose(f);
    p.manifest = path_of("manifest_kind2.csv");
    p.kin_dir = NULL;
    p.compare_a = p.compare_b = NULL;
    CHECK("only a file of the wrong kind: no trial left",
          kc_cohortstats_run(&p, &co) == KC_EINVAL && !co);
    /* a wrong-kind and a missing file among good ones: both left out with the reason, the
     * rest summarised, n_failed = 2 */
    f = fopen(path_of("manifest_part.csv"), "w");
    fprintf(f, "subject,trial,task,group,kinematics\n"
               "s0,dvj_1,dvj,ctl,kin/s0/dvj_1.kin.h5\n"
               "s9,dvj_1,dvj,ctl,other.h5\n"
               "s1,dvj_1,dvj,pfp,kin/s1/dvj_1.kin.h5\n"
               "s8,dvj_1,dvj,pfp,kin/s8/none.kin.h5\n");
    fclose(f);
    p.manifest = path_of("manifest_part.csv");
    CHECK("partial run ok", kc_cohortstats_run(&p, &co) == KC_OK && co);
    if (co) {
        const kc_table *x = kc_cohort_table(co, "excluded"), *t = kc_cohort_table(co, "trials");
        CHECK("n_failed 2", co->n_failed == 2);
        CHECK("2 excluded rows", x && kc_table_nrows(x) == 2);
        if (x && kc_table_nrows(x) == 2) {
            int cr = kc_table_find(x, "reason"), cl = kc_table_find(x, "line");
            CHECK("wrong kind listed, line 3",
                  kc_table_get_i64(x, 0, cl) == 3 &&
                      strstr(kc_table_get_str(x, 0, cr), "unusable kinematics") &&
                      strstr(kc_table_get_str(x, 0, cr), "other.h5"));
            CHECK("missing listed, line 5",
                  kc_table_get_i64(x, 1, cl) == 5 &&
                      strstr(kc_table_get_str(x, 1, cr), "cannot read kinematics") &&
                      strstr(kc_table_get_str(x, 1, cr), "No such file"));
        }
        /* the two good trials: m1 L, m1 R and m2 rows each */
        CHECK("trials of the good files only", t && kc_table_nrows(t) == 6);
        kc_cohort_free(co);
        co = NULL;
    }
}

int main(void)
{
    kc_log_init("test_stats_cohort", KC_LOG_QUIET);
    dir = kc_test_tmpdir("test_stats_cohort");
    for (int s = 0; s < 4; s++)
        for (int t = 0; t < 2 + (s == 0); t++)
            write_kin(s, t);
    write_manifest("manifest.csv", NULL);
    test_run();
    test_errors();
    return kc_test_summary("test_stats_cohort");
}
