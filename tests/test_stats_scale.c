/* Curves kept on disk while a cohort is summarised (kc_cohortstats_run → temporary files →
 * cohort.h5): 300 hand-made trials (more than one 256-curve read-back block) whose curves are
 * known exactly; every curve read back through kc_curves_read and through cohort.h5 must equal
 * the one written, bit for bit, and the curves must not be held in memory.
 *
 * Also the input maker of benchmarks/stats.sh:
 *   test_stats_scale make-kin OUTDIR N UNIQUE SEED KIN...
 * writes N kinematics files OUTDIR/kin/<subject>/dvj_<t>.kin.h5 (2 trials per subject,
 * subjects alternately in groups "control" and "pfp") and OUTDIR/manifest.csv. The first
 * UNIQUE (even) are copies of the template KIN files (kc-ik outputs, taken in turn) under a new
 * subject id, with every metric value and curve shifted by a per-subject offset (N(0, 2)) and a
 * per-trial one (N(0, 1)); the others are hard links to those (each atomic write fsyncs, which
 * would make 10,000 writes the slowest part of the benchmark). And, for
 * tests/tools/stats_coverage.sh:
 *   test_stats_scale truth-kin OBS.obs.h5 OUT.kin.h5
 * a kinematics file whose /metrics is the observations file's /truth/metrics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "kinechain/atomic.h"
#include "kinechain/cohortstats.h"
#include "kinechain/h5io.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "testutil.h"

enum { NT = 300 };   /* trials: 150 subjects x 2 */

static double value(int trial, int comp, int node)
{
    return 10.0 * sin(0.031 * node + 0.7 * comp) + 0.01 * trial + 1e-3 * comp * node;
}

static int write_kin(const char *dir, int i)
{
    kc_kin *k = kc_kin_alloc();
    char subj[16], path[1024];
    double curve[KC_NORM_POINTS * 3];
    int st = KC_ENOMEM;
    if (!k)
        return st;
    snprintf(subj, sizeof subj, "s%03d", i / 2);
    k->trial_type = strdup("dvj");
    k->subject = strdup(subj);
    k->rate_hz = 200.0;
    k->metrics = kc_kin_metrics_alloc();
    long r = k->metrics ? kc_table_add_row(k->metrics) : -1;
    if (!k->trial_type || !k->subject || r < 0 ||
        kc_table_set_str(k->metrics, 0, kc_table_find(k->metrics, "name"), "m") ||
        kc_table_set_str(k->metrics, 0, kc_table_find(k->metrics, "side"), "L") ||
        kc_table_set_f64(k->metrics, 0, kc_table_find(k->metrics, "value"), 0.5 * i) ||
        kc_table_set_str(k->metrics, 0, kc_table_find(k->metrics, "unit"), "deg"))
        goto done;
    for (int q = 0; q < KC_NORM_POINTS; q++)
        for (int c = 0; c < 3; c++)
            curve[q * 3 + c] = value(i, c, q);
    if ((st = kc_kin_add_normalized(k, "landing", "initial_contact", "take_off", "deg", "LKnee",
                                    curve)) ||
        (st = kc_attrs_set_str(&k->model, "name", "pig")))
        goto done;
    snprintf(path, sizeof path, "%s/kin/%s", dir, subj);
    if ((st = kc_mkdir_p(path)))
        goto done;
    snprintf(path, sizeof path, "%s/kin/%s/dvj_%d.kin.h5", dir, subj, i % 2 + 1);
    st = kc_kin_write(path, k, NULL);
done:
    kc_kin_free(k);
    return st;
}

static int same_curve(const double *got, int trial)
{
    for (int q = 0; q < KC_NORM_POINTS; q++)
        for (int c = 0; c < 3; c++)
            if (got[q * 3 + c] != value(trial, c, q))
                return 0;
    return 1;
}

static void test_spilled_curves(void)
{
    const char *dir = kc_test_tmpdir("test_stats_scale");
    char man[1024], out[1024];
    snprintf(man, sizeof man, "%s/manifest.csv", dir);
    FILE *f = fopen(man, "w");
    CHECK("manifest", f != NULL);
    if (!f)
        return;
    fprintf(f, "subject,trial,task,group\n");
    int ok = 1;
    for (int i = 0; i < NT; i++) {
        fprintf(f, "s%03d,dvj_%d,dvj,%s\n", i / 2, i % 2 + 1, (i / 2) % 2 ? "pfp" : "control");
        ok &= write_kin(dir, i) == KC_OK;
    }
    fclose(f);
    CHECK("300 kinematics files written", ok);
    kc_cohortstats_params p = kc_cohortstats_default_params();
    char kin[1024];
    snprintf(kin, sizeof kin, "%s/kin", dir);
    p.manifest = man;
    p.kin_dir = kin;
    p.compare_a = "control";
    p.compare_b = "pfp";
    kc_cohort *co = NULL;
    CHECK("kc_cohortstats_run", kc_cohortstats_run(&p, &co) == KC_OK && co);
    if (!co)
        return;
    const kc_curves *cv = kc_cohort_curves(co, "landing_LKnee");
    CHECK("ensemble present", cv != NULL);
    if (!cv)
        goto done;
    CHECK("curves on disk, not in memory", cv->data == NULL && cv->spill != NULL);
    CHECK("N x 101 x 3", cv->n_curves == NT && cv->n_points == KC_NORM_POINTS &&
                             cv->n_components == 3);
    double *all = malloc(NT * KC_NORM_POINTS * 3 * sizeof *all);
    int same = all && kc_curves_read(cv, 0, NT, all) == KC_OK;
    for (int i = 0; same && i < NT; i++)
        same &= same_curve(all + (size_t)i * KC_NORM_POINTS * 3, i);
    CHECK("every curve read back bit for bit (trial order)", same);
    double one[KC_NORM_POINTS * 3];   /* a read across the 256-curve block boundary */
    CHECK("curve 256 alone", kc_curves_read(cv, 256, 1, one) == KC_OK && same_curve(one, 256));
    CHECK("a range past N rejected", kc_curves_read(cv, NT - 1, 2, one) == KC_EINVAL);
    /* the SPM ran on the streamed cell means: a row per component, 75 vs 75 subjects */
    const kc_table *spm = kc_cohort_table(co, "spm");
    CHECK("spm rows", spm && kc_table_nrows(spm) == 3);
    if (spm && kc_table_nrows(spm) == 3)
        CHECK("spm n_a, n_b = 75", kc_table_get_i64(spm, 0, kc_table_find(spm, "n_a")) == 75 &&
                                       kc_table_get_i64(spm, 0, kc_table_find(spm, "n_b")) == 75);
    /* through cohort.h5 */
    snprintf(out, sizeof out, "%s/cohort.h5", dir);
    kc_provenance prov = {"test_stats_scale", 0, NULL, 0, NULL, false};
    CHECK("cohort written", kc_cohort_write(out, co, &prov) == KC_OK);
    kc_cohort *back = NULL;
    CHECK("cohort read", kc_cohort_read(out, &back) == KC_OK && back);
    const kc_curves *b = back ? kc_cohort_curves(back, "landing_LKnee") : NULL;
    same = b && b->data && b->n_curves == NT;
    for (int i = 0; same && i < NT; i++)
        same &= same_curve(b->data + (size_t)i * KC_NORM_POINTS * 3, i);
    CHECK("every curve equal in cohort.h5", same);
    kc_cohort_free(back);
    free(all);
done:
    kc_cohort_free(co);
}

/* ---- make-kin (benchmark inputs) --------------------------------------------------------- */

static int make_kin(const char *dir, long n, long unique, unsigned long seed, int nt,
                    char **templ)
{
    kc_kin **t = calloc((size_t)nt, sizeof *t);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    char path[2048];
    int st = KC_ENOMEM;
    FILE *f = NULL;
    if (!t || !g)
        goto done;
    gsl_rng_set(g, seed);
    for (int i = 0; i < nt; i++)
        if ((st = kc_kin_read(templ[i], &t[i]))) {
            fprintf(stderr, "make-kin: cannot read \"%s\"\n", templ[i]);
            goto done;
        }
    snprintf(path, sizeof path, "%s/manifest.csv", dir);
    if ((st = kc_mkdir_p(dir)) || !(f = fopen(path, "w"))) {
        st = KC_EIO;
        goto done;
    }
    fprintf(f, "subject,session,trial,task,group,condition,site,exclude\n");
    double ds = 0.0;
    for (long i = 0; i < n; i++) {
        kc_kin *k = t[i % nt];
        char subj[32];
        snprintf(subj, sizeof subj, "s%06ld", i / 2);
        if (i % 2 == 0)
            ds = gsl_ran_gaussian(g, 2.0);
        double d = ds + gsl_ran_gaussian(g, 1.0);
        /* shift a copy's numbers, write, shift back (the template stays as read) */
        size_t nm = kc_table_nrows(k->metrics);
        int cv = kc_table_find(k->metrics, "value");
        for (size_t r = 0; r < nm; r++)
            (void)kc_table_set_f64(k->metrics, r, cv, kc_table_get_f64(k->metrics, r, cv) + d);
        for (size_t p = 0; p < k->n_phases; p++)
            for (size_t c = 0; c < k->phases[p].n_channels; c++)
                for (size_t j = 0; j < KC_NORM_POINTS * 3; j++)
                    k->phases[p].channels[c].data[j] += d;
        char *old = k->subject;
        k->subject = subj;
        snprintf(path, sizeof path, "%s/kin/%s", dir, subj);
        if (!(st = kc_mkdir_p(path))) {
            snprintf(path, sizeof path, "%s/kin/%s/dvj_%ld.kin.h5", dir, subj, i % 2 + 1);
            if (i < unique) {
                st = kc_kin_write(path, k, NULL);
            } else {   /* a hard link to file i mod unique: same bytes, no write, no fsync */
                char src[2048];
                long j = i % unique;
                snprintf(src, sizeof src, "%s/kin/s%06ld/dvj_%ld.kin.h5", dir, j / 2, j % 2 + 1);
                st = link(src, path) == 0 ? KC_OK : KC_EIO;
            }
        }
        k->subject = old;
        for (size_t r = 0; r < nm; r++)
            (void)kc_table_set_f64(k->metrics, r, cv, kc_table_get_f64(k->metrics, r, cv) - d);
        for (size_t p = 0; p < k->n_phases; p++)
            for (size_t c = 0; c < k->phases[p].n_channels; c++)
                for (size_t j = 0; j < KC_NORM_POINTS * 3; j++)
                    k->phases[p].channels[c].data[j] -= d;
        if (st)
            goto done;
        fprintf(f, "%s,1,dvj_%ld,dvj,%s,baseline,bench,0\n", subj, i % 2 + 1,
                (i / 2) % 2 ? "pfp" : "control");
    }
    st = KC_OK;
done:
    if (f && fclose(f) != 0 && !st)
        st = KC_EIO;
    for (int i = 0; t && i < nt; i++)
        kc_kin_free(t[i]);
    free(t);
    gsl_rng_free(g);
    return st;
}

/* ---- truth-kin (the CI coverage check, tests/tools/stats_coverage.sh) ----------------------
 * A kinematics file whose /metrics is the /truth/metrics of a kc-synth observations file: the
 * true per-trial values, summarised through the same kc-stats code path as measured ones. */
static int truth_kin(const char *obs, const char *out)
{
    static const char *const req[] = {"name", "side", "value", "unit", NULL};
    kc_h5 *h = NULL;
    kc_kin *k = kc_kin_alloc();
    kc_table *t = NULL;
    int st = k ? kc_h5_open(&h, obs, "observations") : KC_ENOMEM;
    if (st)
        goto done;
    if ((st = kc_h5_read_table(h, "/truth/metrics", req, &t)))
        goto done;
    kc_table *m = kc_kin_metrics_alloc();
    if (!m) {
        st = KC_ENOMEM;
        goto done;
    }
    for (size_t r = 0; r < kc_table_nrows(t); r++) {
        long i = kc_table_add_row(m);
        if (i < 0 ||
            kc_table_set_str(m, (size_t)i, kc_table_find(m, "name"),
                             kc_table_get_str(t, r, kc_table_find(t, "name"))) ||
            kc_table_set_str(m, (size_t)i, kc_table_find(m, "side"),
                             kc_table_get_str(t, r, kc_table_find(t, "side"))) ||
            kc_table_set_f64(m, (size_t)i, kc_table_find(m, "value"),
                             kc_table_get_f64(t, r, kc_table_find(t, "value"))) ||
            kc_table_set_str(m, (size_t)i, kc_table_find(m, "unit"),
                             kc_table_get_str(t, r, kc_table_find(t, "unit")))) {
            kc_table_free(m);
            st = KC_ENOMEM;
            goto done;
        }
    }
    k->metrics = m;
    k->trial_type = strdup("dvj");
    k->subject = strdup("truth");
    k->rate_hz = 200.0;
    if (!k->trial_type || !k->subject || kc_attrs_set_str(&k->model, "name", "truth")) {
        st = KC_ENOMEM;
        goto done;
    }
    st = kc_kin_write(out, k, NULL);
done:
    kc_table_free(t);
    kc_h5_close(h);
    kc_kin_free(k);
    return st;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "truth-kin") == 0) {
        kc_log_init("test_stats_scale", KC_LOG_ERROR);
        return truth_kin(argv[2], argv[3]) ? 2 : 0;
    }
    if (argc >= 7 && strcmp(argv[1], "make-kin") == 0) {
        kc_log_init("test_stats_scale", KC_LOG_ERROR);
        char *e1, *e2, *e3;
        long n = strtol(argv[3], &e1, 10), u = strtol(argv[4], &e3, 10);
        unsigned long seed = strtoul(argv[5], &e2, 10);
        if (*e1 || *e2 || *e3 || n < 1 || u < 2 || u % 2) {
            fprintf(stderr, "usage: test_stats_scale make-kin OUTDIR N UNIQUE SEED KIN...\n");
            return 1;
        }
        return make_kin(argv[2], n, u, seed, argc - 6, argv + 6) ? 3 : 0;
    }
    kc_log_init("test_stats_scale", KC_LOG_QUIET);
    test_spilled_curves();
    return kc_test_summary("test_stats_scale");
}
