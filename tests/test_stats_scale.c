/* Curves kept on disk while a cohort is summarised (kc_cohortstats_run → temporary files →
 * cohort.h5): 300 hand-made trials (more than one 256-curve read-back block) whose curves are
 * known exactly; every curve read back through kc_curves_read and through cohort.h5 must equal
 * the one written, bit for bit, and the curves must not be held in memory.
 * The tables that grow with the trials (trials, subjects, curve indexes) are generated block
 * by block when written (table.h): with 16 metrics x 2 sides the subjects table has 4,800 rows,
 * more than one 4,096-row block. Its numbers must equal an independent two-pass mean and SD
 * of the values written (1e-12 relative), the trials table must hold every value written, and
 * the CSV and cohort.h5 forms of each generated table must equal those of a materialised copy
 * (same CSV bytes; every cell equal after reading cohort.h5 back).
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
#include "kinechain/spm.h"
#include "testutil.h"

enum { NT = 300, NMET = 16 };   /* trials: 150 subjects x 2; metrics (each L and R) */

/* Metric m of side s (0 L, 1 R) of trial i: deterministic, not trivial, NaN now and then (a
 * value a trial could not measure: left out of the subject's mean). */
static double metric_value(int i, int m, int s)
{
    if (m == 3 && s == 1 && i % 7 == 0)
        return NAN;
    return 20.0 * cos(0.37 * i + 0.11 * m) + 3.0 * m - 1.5 * s + 1e-3 * i * (m + 1);
}

static double value(int trial, int comp, int node)
{
    return 10.0 * sin(0.031 * node + 0.7 * comp) + 0.01 * trial + 1e-3 * comp * node;
}

/* The model of trial i's file: every tenth subject's trials keypoint-based (kc_kpkin), so that
 * the cohort mixes models as a markerless-and-markers study would. */
static const char *model_of(int i)
{
    return (i / 2) % 10 == 9 ? "keypoints" : "pig";
}

/* Warnings kc_cohortstats_run gave (the one about mixed models is checked). */
static char warnings[4096];
static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)func;
    (void)data;
    size_t k = strlen(warnings);
    if (level == KC_LOG_WARNING && k + 1 < sizeof warnings)
        snprintf(warnings + k, sizeof warnings - k, "%s\n", msg);
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
    if (!k->trial_type || !k->subject || !k->metrics)
        goto done;
    for (int m = 0; m < NMET; m++)
        for (int sd = 0; sd < 2; sd++) {
            char name[16];
            snprintf(name, sizeof name, "m%02d", m);
            long r = kc_table_add_row(k->metrics);
            if (r < 0 ||
                kc_table_set_str(k->metrics, (size_t)r, kc_table_find(k->metrics, "name"), name) ||
                kc_table_set_str(k->metrics, (size_t)r, kc_table_find(k->metrics, "side"),
                                 sd ? "R" : "L") ||
                kc_table_set_f64(k->metrics, (size_t)r, kc_table_find(k->metrics, "value"),
                                 metric_value(i, m, sd)) ||
                kc_table_set_str(k->metrics, (size_t)r, kc_table_find(k->metrics, "unit"),
                                 m % 2 ? "mm" : "deg"))
                goto done;
        }
    for (int q = 0; q < KC_NORM_POINTS; q++)
        for (int c = 0; c < 3; c++)
            curve[q * 3 + c] = value(i, c, q);
    if ((st = kc_kin_add_normalized(k, "landing", "initial_contact", "take_off", "deg", "LKnee",
                                    curve)) ||
        (st = kc_attrs_set_str(&k->model, "name", model_of(i))))
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

/* Cells equal (strings equal; numbers equal or both missing). */
static int same_tables(const kc_table *a, const kc_table *b)
{
    if (kc_table_ncols(a) != kc_table_ncols(b) || kc_table_nrows(a) != kc_table_nrows(b))
        return 0;
    for (int c = 0; c < kc_table_ncols(a); c++) {
        if (strcmp(kc_table_col_name(a, c), kc_table_col_name(b, c)) != 0 ||
            kc_table_col_type(a, c) != kc_table_col_type(b, c))
            return 0;
        for (size_t r = 0; r < kc_table_nrows(a); r++) {
            switch (kc_table_col_type(a, c)) {
            case KC_COL_STR:
                if (strcmp(kc_table_get_str(a, r, c), kc_table_get_str(b, r, c)) != 0)
                    return 0;
                break;
            case KC_COL_F64: {
                double x = kc_table_get_f64(a, r, c), y = kc_table_get_f64(b, r, c);
                if (!(x == y || (isnan(x) && isnan(y))))
                    return 0;
                break;
            }
            case KC_COL_I64:
                if (kc_table_get_i64(a, r, c) != kc_table_get_i64(b, r, c))
                    return 0;
                break;
            }
        }
    }
    return 1;
}

static int same_files(const char *x, const char *y)
{
    FILE *a = fopen(x, "rb"), *b = fopen(y, "rb");
    int same = a && b, ca, cb;
    while (same) {
        ca = getc(a);
        cb = getc(b);
        same = ca == cb;
        if (ca == EOF)
            break;
    }
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    return same;
}

/* A generated table as CSV, against a materialised copy of it, and through cohort.h5 (back:
 * the cohort read from the file). */
static void check_generated(const char *dir, const kc_cohort *co, const kc_cohort *back,
                            const char *name)
{
    const kc_table *t = kc_cohort_table(co, name);
    char what[160], a[1024], b[1024];
    snprintf(what, sizeof what, "%s: a generated table", name);
    CHECK(what, t && kc_table_is_generated(t));
    if (!t)
        return;
    kc_table *copy = kc_table_alloc_like(t);
    int ok = copy && kc_table_rows(t, 0, kc_table_nrows(t), copy) == KC_OK;
    snprintf(what, sizeof what, "%s: materialised (%zu rows)", name, kc_table_nrows(t));
    CHECK(what, ok && !kc_table_is_generated(copy) && kc_table_nrows(copy) == kc_table_nrows(t));
    snprintf(a, sizeof a, "%s/%s.csv", dir, name);
    snprintf(b, sizeof b, "%s/%s_copy.csv", dir, name);
    snprintf(what, sizeof what, "%s.csv: same bytes generated and materialised", name);
    CHECK(what, ok && kc_table_write_csv(t, a) == KC_OK && kc_table_write_csv(copy, b) == KC_OK &&
                    same_files(a, b));
    snprintf(what, sizeof what, "%s: getters (cached blocks) equal the copy", name);
    CHECK(what, ok && same_tables(t, copy));
    const kc_table *h = back ? kc_cohort_table(back, name) : NULL;
    snprintf(what, sizeof what, "%s: cohort.h5 equals the copy", name);
    CHECK(what, ok && h && same_tables(h, copy));
    kc_table_free(copy);
}

/* subjects and trials against the values written (an independent computation). */
static void check_tables(const kc_cohort *co)
{
    const kc_table *sb = kc_cohort_table(co, "subjects"), *tr = kc_cohort_table(co, "trials");
    CHECK("subjects: 150 subjects x 2 sides x 16 metrics rows",
          sb && kc_table_nrows(sb) == (NT / 2) * 2 * NMET);
    CHECK("trials: 300 trials x 2 sides rows", tr && kc_table_nrows(tr) == NT * 2);
    if (!sb || !tr || kc_table_nrows(sb) != (NT / 2) * 2 * NMET || kc_table_nrows(tr) != NT * 2)
        return;
    int cmod = kc_table_find(tr, "model"), models = cmod == 10;   /* after side */
    for (size_t i = 0; models && i < NT * 2; i++)   /* a row per trial and side */
        models = strcmp(kc_table_get_str(tr, i, cmod), model_of((int)(i / 2))) == 0;
    CHECK("trials: the model column gives each trial's model", models);
    /* rows in order: subject (first appearance), side, metric */
    int cs = kc_table_find(sb, "subject"), cside = kc_table_find(sb, "side"),
        cm = kc_table_find(sb, "metric"), cn = kc_table_find(sb, "n"),
        cmean = kc_table_find(sb, "mean"), csd = kc_table_find(sb, "sd"),
        cunit = kc_table_find(sb, "unit");
    int labels = 1, counts = 1;
    double worst = 0.0;
    size_t r = 0;
    for (int subj = 0; subj < NT / 2; subj++)
        for (int s = 0; s < 2; s++)
            for (int m = 0; m < NMET; m++, r++) {
                char id[16], mn[16];
                snprintf(id, sizeof id, "s%03d", subj);
                snprintf(mn, sizeof mn, "m%02d", m);
                labels &= strcmp(kc_table_get_str(sb, r, cs), id) == 0 &&
                          strcmp(kc_table_get_str(sb, r, cside), s ? "R" : "L") == 0 &&
                          strcmp(kc_table_get_str(sb, r, cm), mn) == 0 &&
                          strcmp(kc_table_get_str(sb, r, cunit), m % 2 ? "mm" : "deg") == 0;
                double v[2];
                int n = 0;
                for (int t = 0; t < 2; t++) {
                    double x = metric_value(2 * subj + t, m, s);
                    if (isfinite(x))
                        v[n++] = x;
                }
                counts &= kc_table_get_i64(sb, r, cn) == n;
                double mean = n == 2 ? (v[0] + v[1]) / 2.0 : v[0];
                double sd = n == 2 ? fabs(v[0] - v[1]) / sqrt(2.0) : NAN;
                double e1 = fabs(kc_table_get_f64(sb, r, cmean) - mean) / fmax(1.0, fabs(mean));
                double got_sd = kc_table_get_f64(sb, r, csd);
                double e2 = n == 2 ? fabs(got_sd - sd) / fmax(1.0, sd) : (isnan(got_sd) ? 0 : 1);
                worst = fmax(worst, fmax(e1, e2));
            }
    CHECK("subjects: labels in order (subject, side, metric) with units", labels);
    CHECK("subjects: n = finite trials (NaN left out)", counts);
    CHECK_NEAR("subjects: mean and SD vs two-pass formulas (relative)", worst, 0.0, 1e-12);
    int exact = 1;
    for (size_t row = 0; row < kc_table_nrows(tr); row++) {
        int i = (int)(row / 2), s = (int)(row % 2);
        char id[16];
        snprintf(id, sizeof id, "s%03d", i / 2);
        exact &= strcmp(kc_table_get_str(tr, row, kc_table_find(tr, "subject")), id) == 0 &&
                 strcmp(kc_table_get_str(tr, row, kc_table_find(tr, "side")), s ? "R" : "L") == 0;
        for (int m = 0; m < NMET; m++) {
            char mn[16];
            snprintf(mn, sizeof mn, "m%02d", m);
            double got = kc_table_get_f64(tr, row, kc_table_find(tr, mn)),
                   want = metric_value(i, m, s);
            exact &= got == want || (isnan(got) && isnan(want));
        }
    }
    CHECK("trials: every value written, exactly, in trial order", exact);
}

/* The SPM rows of the cohort (computed in passes over cell means kept in a temporary file)
 * against kc_spm_ttest2 on fields built here in memory from the curves written: cell means of
 * each subject's two trials (summed in trial order, then halved), control subjects (even) vs
 * pfp (odd) in subject order. The streamed sums run in the same order as kc_spm_ttest2's, so
 * the numbers must be equal bit for bit (tolerance 0). */
static void check_spm_stream(const kc_table *spm, const double *all)
{
    enum { P = KC_NORM_POINTS, NS = NT / 2 };
    double *ya = malloc((size_t)NS * P * sizeof *ya), *yb = malloc((size_t)NS * P * sizeof *yb);
    int same = ya && yb;
    for (int comp = 0; same && comp < 3; comp++) {
        size_t na = 0, nb = 0;
        for (int s = 0; s < NS; s++) {
            double *row = s % 2 ? yb + nb++ * P : ya + na++ * P;
            for (int q = 0; q < P; q++) {
                double sum = 0.0;
                for (int t = 2 * s; t < 2 * s + 2; t++)
                    sum += all[((size_t)t * P + (size_t)q) * 3 + (size_t)comp];
                row[q] = sum / 2.0;
            }
        }
        kc_spm *sp = NULL;
        same &= kc_spm_ttest2(ya, na, yb, nb, P, 0.05, &sp) == KC_OK;
        size_t r = (size_t)comp;
        same &= sp && kc_table_get_i64(spm, r, kc_table_find(spm, "component")) == comp &&
                kc_table_get_f64(spm, r, kc_table_find(spm, "df")) == sp->df &&
                kc_table_get_f64(spm, r, kc_table_find(spm, "fwhm_nodes")) == sp->fwhm &&
                kc_table_get_f64(spm, r, kc_table_find(spm, "zstar")) == sp->zstar &&
                kc_table_get_f64(spm, r, kc_table_find(spm, "t_max")) == sp->t_max &&
                kc_table_get_i64(spm, r, kc_table_find(spm, "n_clusters")) ==
                    (int64_t)sp->n_clusters;
        kc_spm_free(sp);
    }
    CHECK("spm: equals kc_spm_ttest2 on the cell means made here, bit for bit", same);
    free(ya);
    free(yb);
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
    kc_log_init("test_stats_scale", KC_LOG_WARNING);
    kc_log_set_sink(sink, NULL);
    CHECK("kc_cohortstats_run", kc_cohortstats_run(&p, &co) == KC_OK && co);
    kc_log_set_sink(NULL, NULL);
    kc_log_init("test_stats_scale", KC_LOG_QUIET);
    CHECK("a warning names the two models pooled",
          strstr(warnings, "2 kinematic models (\"pig\", \"keypoints\")") != NULL);
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
    if (spm && all && kc_table_nrows(spm) == 3)
        check_spm_stream(spm, all);
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
    check_tables(co);
    check_generated(dir, co, back, "trials");
    check_generated(dir, co, back, "subjects");
    const kc_table *idx = cv->index;
    CHECK("curve index: generated, one row per curve",
          idx && kc_table_is_generated(idx) && kc_table_nrows(idx) == NT);
    if (idx && b && b->index && kc_table_nrows(idx) == NT) {
        kc_table *copy = kc_table_alloc_like(idx);
        int good = copy && kc_table_rows(idx, 0, NT, copy) == KC_OK;
        CHECK("curve index: cohort.h5 equals the materialised copy",
              good && same_tables(b->index, copy) &&
                  strcmp(kc_table_get_str(copy, 257, 0), "s128") == 0 &&
                  strcmp(kc_table_get_str(copy, 257, 2), "dvj_2") == 0);
        kc_table_free(copy);
    }
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
