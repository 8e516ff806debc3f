/* One printable HTML page per athlete (see report.h and docs/reports.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"
#include "report.h"

static double reliability_mdc(const kc_report *r, const char *metric, const char *side)
{
    const kc_table *t = r->reliability_csv;
    for (size_t i = 0; t && i < kc_table_nrows(t); i++)
        if (strcmp(kc_rep_str(t, i, "metric"), metric) == 0 &&
            strcmp(kc_rep_str(t, i, "side"), side) == 0)
            return kc_rep_num(t, i, "mdc95");
    return NAN;
}

/* Row of subjects.csv for (side, metric) among the rows of one subject and "by", or -1. */
static long subject_row(const kc_table *t, const size_t *rows, size_t n, const char *side,
                        const char *metric)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kc_rep_str(t, rows[i], "side"), side) == 0 &&
            strcmp(kc_rep_str(t, rows[i], "metric"), metric) == 0)
            return (long)rows[i];
    return -1;
}

static void mean_sd(FILE *fp, const kc_table *t, long row, int dec)
{
    if (row < 0) {
        fputs("<td>&ndash;</td>", fp);
        return;
    }
    double m = kc_rep_num(t, (size_t)row, "mean"), sd = kc_rep_num(t, (size_t)row, "sd"),
           n = kc_rep_num(t, (size_t)row, "n");
    fputs("<td>", fp);
    kc_html_num(fp, m, dec);
    if (isfinite(sd)) {
        fputs(" &plusmn; ", fp);
        kc_html_num(fp, sd, dec);
    }
    if (isfinite(n))
        fprintf(fp, " <span class=\"note\">(%.0f)</span>", n);
    fputs("</td>", fp);
}

static void metrics_table(FILE *fp, const kc_report *r, const kc_rep_subject *s, const char *by)
{
    const kc_table *t = r->subjects_csv;
    /* metrics in the order of subjects.csv; the subject's rows through the index */
    size_t first, nr = kc_rep_subject_rows(r, s->id, by, &first);
    const char **met = malloc((nr ? nr : 1) * sizeof *met);
    size_t *rows = malloc((nr ? nr : 1) * sizeof *rows), nrows = 0;
    if (!met || !rows) {
        free(met);
        free(rows);
        return;
    }
    size_t nm = 0;
    for (size_t k = 0; k < nr; k++) {
        size_t i = r->subject_keys[first + k].row;
        rows[nrows++] = i;
        const char *m = kc_rep_str(t, i, "metric");
        size_t j = 0;
        while (j < nm && strcmp(met[j], m))
            j++;
        if (j == nm)
            met[nm++] = m;
    }
    fputs("<table>\n<tr><th class=\"l\">metric</th><th>unit</th><th>left mean &plusmn; SD "
          "(trials)</th><th>right mean &plusmn; SD (trials)</th><th>both / bilateral</th>"
          "<th>L &minus; R</th><th>MDC95 L</th><th>MDC95 R</th></tr>\n",
          fp);
    for (size_t j = 0; j < nm; j++) {
        long rl = subject_row(t, rows, nrows, "L", met[j]),
             rr = subject_row(t, rows, nrows, "R", met[j]),
             rb = subject_row(t, rows, nrows, "both", met[j]);
        long any = rl >= 0 ? rl : rr >= 0 ? rr : rb;
        const char *unit = any >= 0 ? kc_rep_str(t, (size_t)any, "unit") : "";
        int dec = strcmp(unit, "s") == 0 || strcmp(unit, "1") == 0 ? 3 : 1;
        fputs("<tr><td class=\"l\">", fp);
        kc_html_esc(fp, met[j]);
        fputs("</td><td class=\"l\">", fp);
        kc_html_esc(fp, unit);
        fputs("</td>", fp);
        mean_sd(fp, t, rl, dec);
        mean_sd(fp, t, rr, dec);
        mean_sd(fp, t, rb, dec);
        fputs("<td>", fp);
        if (rl >= 0 && rr >= 0)
            kc_html_num(fp, kc_rep_num(t, (size_t)rl, "mean") - kc_rep_num(t, (size_t)rr, "mean"),
                        dec);
        else
            fputs("&ndash;", fp);
        fputs("</td><td>", fp);
        kc_html_num(fp, reliability_mdc(r, met[j], "L"), dec);
        fputs("</td><td>", fp);
        kc_html_num(fp, reliability_mdc(r, met[j], "R"), dec);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
    free(met);
    free(rows);
}

static void events_table(FILE *fp, const kc_rep_trial *t)
{
    const kc_table *e = t->events;
    if (!e || !kc_table_nrows(e)) {
        fputs("<p>No events in the kinematics file.</p>\n", fp);
        return;
    }
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side"),
        cf = kc_table_find(e, "frame"), ct = kc_table_find(e, "time_s"),
        cm = kc_table_find(e, "method"), cso = kc_table_find(e, "source"),
        cu = kc_table_find(e, "uncertainty_s");
    fputs("<table><tr><th class=\"l\">event</th><th class=\"l\">side</th><th>frame</th>"
          "<th>time (s)</th><th class=\"l\">method</th><th class=\"l\">source</th>"
          "<th>uncertainty (s)</th></tr>\n",
          fp);
    for (size_t i = 0; i < kc_table_nrows(e); i++) {
        fputs("<tr><td class=\"l\">", fp);
        kc_html_esc(fp, kc_table_get_str(e, i, cn));
        fputs("</td><td class=\"l\">", fp);
        kc_html_esc(fp, kc_table_get_str(e, i, cs));
        fputs("</td><td>", fp);
        int64_t f = kc_table_get_i64(e, i, cf);
        if (f == INT64_MIN)
            fputs("&ndash;", fp);
        else
            fprintf(fp, "%lld", (long long)f);
        fputs("</td><td>", fp);
        kc_html_num(fp, kc_table_get_f64(e, i, ct), 4);
        fputs("</td><td class=\"l\">", fp);
        kc_html_esc(fp, kc_table_get_str(e, i, cm));
        fputs("</td><td class=\"l\">", fp);
        kc_html_esc(fp, kc_table_get_str(e, i, cso));
        fputs("</td><td>", fp);
        kc_html_num(fp, kc_table_get_f64(e, i, cu), 4);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
}

static void quality_row(FILE *fp, const kc_rep_trial *t)
{
    fputs("<tr><td class=\"l\">", fp);
    kc_html_esc(fp, t->trial);
    fputs("</td>", fp);
    if (t->kin_error || t->quality_error) {
        fputs("<td class=\"l bad\" colspan=\"6\">", fp);
        kc_html_esc(fp, t->kin_error ? t->kin_error : t->quality_error);
        fputs("</td></tr>\n", fp);
        return;
    }
    fprintf(fp, "<td>%zu &times; %zu</td><td>", t->q_frames, t->q_markers);
    kc_html_num(fp, t->gap_pct, 2);
    fputs("</td><td>", fp);
    kc_html_num(fp, t->missing_pct, 2);
    fputs("</td><td>", fp);
    if (t->resid_units) {
        kc_html_num(fp, t->resid_median, 2);
        fputs(" / ", fp);
        kc_html_num(fp, t->resid_p95, 2);
        fprintf(fp, " %s", t->resid_units);
    } else {
        fputs("no residuals in the file", fp);
    }
    fputs("</td>", fp);
    for (int s = 0; s < 2; s++) {
        fputs("<td>", fp);
        if (t->ic_frame[s] < 0 || !t->ic_samples[s])
            fputs("no initial contact", fp);
        else
            fprintf(fp, "%ld of %ld (%.1f%%)", t->ic_filled[s], t->ic_samples[s],
                    100.0 * (double)t->ic_filled[s] / (double)t->ic_samples[s]);
        fputs("</td>", fp);
    }
    fputs("</tr>\n", fp);
}

/* plot_kinetics.c: vertical GRF and knee abduction moment of each trial's landing */
int kc_fig_athlete_kinetics(const kc_report *r, const kc_rep_subject *s, int *made);

int kc_rep_athlete_page(const kc_report *r, const kc_rep_subject *s)
{
    int curves = 0, stick = 0, kinetics = 0;
    int st = kc_fig_athlete_curves(r, s, &curves);
    if (!st)
        st = kc_fig_stick(r, s, &stick);
    if (!st)
        st = kc_fig_athlete_kinetics(r, s, &kinetics);
    if (st)
        return st;
    char *path = kc_rep_fmt("%s/%s", r->athletes_dir, s->file);
    if (!path)
        return KC_ENOMEM;
    kc_atomic_file af;
    st = kc_atomic_fopen(&af, path);
    free(path);
    if (st)
        return st;
    FILE *fp = af.fp;
    char *title = kc_rep_fmt("Athlete %s", s->id);
    kc_html_head(fp, title ? title : "Athlete");
    free(title);
    fputs("<nav><p><a href=\"../report.html\">&larr; cohort report</a></p></nav>\n<h1>Athlete ",
          fp);
    kc_html_esc(fp, s->id);
    fputs("</h1>\n<p>Sex ", fp);
    kc_html_esc(fp, *s->sex ? s->sex : "not given");
    fputs(" &middot; group ", fp);
    kc_html_esc(fp, s->group);
    fprintf(fp, " &middot; %zu trial%s analysed: ", s->n_trials, s->n_trials == 1 ? "" : "s");
    for (size_t i = 0; i < s->n_trials; i++) {
        if (i)
            fputs(", ", fp);
        kc_html_esc(fp, r->trials[s->trials[i]].trial);
    }
    fputs("</p>\n<p class=\"note\">A measurement, not a verdict: knee valgus from skin markers is "
          "accurate to about 2&ndash;5&deg; and the evidence that any one valgus number predicts "
          "injury is mixed. Read each value with its trial-to-trial SD and the MDC95 (the "
          "smallest change between sessions that exceeds measurement error, from this "
          "cohort's reliability.csv: MDC95 = 1.96 &middot; &radic;2 &middot; SEM).</p>\n",
          fp);

    /* broken files first */
    int nbad = 0;
    for (size_t i = 0; i < s->n_trials; i++)
        nbad += r->trials[s->trials[i]].kin_error != NULL;
    if (nbad) {
        fputs("<p class=\"warn\">Trials whose kinematics file could not be read (their numbers "
              "below come from kc-stats' tables; curves, events and quality are missing):</p>"
              "\n<ul>\n",
              fp);
        for (size_t i = 0; i < s->n_trials; i++) {
            const kc_rep_trial *t = &r->trials[s->trials[i]];
            if (!t->kin_error)
                continue;
            fputs("<li>", fp);
            kc_html_esc(fp, t->trial);
            fputs(": ", fp);
            kc_html_esc(fp, t->kin_error);
            fputs("</li>\n", fp);
        }
        fputs("</ul>\n", fp);
    }

    /* metrics per "by" value of this athlete */
    fputs("<h2>Metrics, left vs right</h2>\n", fp);
    for (size_t l = 0; l < r->n_levels; l++) {
        int has = 0;
        for (size_t i = 0; i < s->n_trials && !has; i++)
            has = strcmp(r->trials[s->trials[i]].by, r->levels[l]) == 0;
        if (!has)
            continue;
        fputs("<h3>", fp);
        kc_html_esc(fp, r->levels[l]);
        fputs("</h3>\n", fp);
        metrics_table(fp, r, s, r->levels[l]);
    }
    const char *range = strcmp(s->sex, "F") == 0   ? "7&ndash;13&deg; (females)"
                        : strcmp(s->sex, "M") == 0 ? "3&ndash;8&deg; (males)"
                                                   : NULL;
    fputs("<p class=\"note\">fppa_3d_at_pkf_deg is the frontal plane projection angle of the "
          "3D hip, knee and ankle joint centres at peak knee flexion; fppa_video_at_pkf_deg (when "
          "kc-ik wrote it) is the video-comparable FPPA seen by a virtual frontal camera with "
          "the landmarks of the 2D protocols (valgus + for both). ",
          fp);
    if (range && kc_table_find(r->trials_csv, "fppa_video_at_pkf_deg") >= 0)
        fprintf(fp, "For context, the drop-jump normal range of 2D video FPPA (Herrington "
                "&amp; Munro 2010, Phys Ther Sport 11:56) is %s; it applies to "
                "fppa_video_at_pkf_deg only, computed here with model %s%s. ",
                range, *r->models ? r->models : "unknown",
                strstr(r->models, "keypoints") ? " (keypoints: joint centres from a pose "
                                                 "estimator, not from markers)"
                                               : " (from markers)");
    fputs("No published normal range applies to the 3D knee valgus angles or the 3D FPPA.</p>\n",
          fp);

    fputs("<h2>Curves of each trial</h2>\n", fp);
    if (curves) {
        fputs("<figure><img src=\"../plots/athlete_", fp);
        kc_html_esc(fp, s->slug);
        fputs("_curves.png\" alt=\"joint angle curves of each trial\"><figcaption>Hip, knee and "
              "ankle angles (deg) of each trial from initial contact to take-off; left blue, "
              "right vermillion; line style = trial.</figcaption></figure>\n",
              fp);
    } else {
        fputs("<p>No curves: no kinematics file of this athlete could be read.</p>\n", fp);
    }
    if (kinetics) {   /* only trials with force plates have kinetics: no section otherwise */
        fputs("<h2>Landing kinetics of each trial</h2>\n<figure><img src=\"../plots/athlete_", fp);
        kc_html_esc(fp, s->slug);
        fputs("_kinetics.png\" alt=\"vertical ground reaction force and knee abduction moment "
              "of each trial\"><figcaption>Vertical ground reaction force (body weights) and "
              "external knee abduction moment (N&middot;m/kg, positive = valgus loading, as "
              "Hewett et al. 2005) of each trial with force plates, from 50 ms before initial "
              "contact to 50 ms after take-off; left blue, right vermillion; line style = "
              "trial. Both as kc-ik's inverse dynamics used them: the forces low-passed at the "
              "markers' cutoff when the trajectories were filtered (matched cutoffs), so the "
              "curve's impact peak can lie below the peak force of the tables, which comes "
              "from the raw plates. Gaps: a foot's contact flagged (both feet on one plate, a "
              "foot across two plates), never guessed.</figcaption></figure>\n",
              fp);
    }
    fputs("<h2>Frontal plane at peak knee valgus</h2>\n", fp);
    if (stick) {
        fputs("<figure><img src=\"../plots/stick_", fp);
        kc_html_esc(fp, s->slug);
        fputs(".png\" alt=\"stick figure at peak valgus beside the group mean\"><figcaption>"
              "Hip, knee and ankle joint centres (/joint_centres) projected on the frontal plane "
              "(lateral axis from the right to the left hip centre, horizontal; vertical = lab "
              "Z) at the frame of peak knee valgus of the side with the larger mean peak, mean "
              "of this athlete's trials, beside the mean of the group's athletes at the same "
              "side's peak.</figcaption></figure>\n",
              fp);
    } else {
        fputs("<p>No stick figure: no peak-valgus frame with joint centres was found.</p>\n", fp);
    }

    fputs("<h2>Events</h2>\n", fp);
    for (size_t i = 0; i < s->n_trials; i++) {
        const kc_rep_trial *t = &r->trials[s->trials[i]];
        fputs("<h3>", fp);
        kc_html_esc(fp, t->trial);
        fputs("</h3>\n", fp);
        if (t->kin_error)
            fputs("<p class=\"bad\">Kinematics file not readable (see above).</p>\n", fp);
        else
            events_table(fp, t);
    }

    fputs("<h2>Kinetic chain summary</h2>\n", fp);
    fputs("<table><tr><th class=\"l\">trial</th><th class=\"l\">left</th><th class=\"l\">right"
          "</th></tr>\n",
          fp);
    for (size_t i = 0; i < s->n_trials; i++) {
        const kc_rep_trial *t = &r->trials[s->trials[i]];
        fputs("<tr><td class=\"l\">", fp);
        kc_html_esc(fp, t->trial);
        fputs("</td>", fp);
        if (t->kin_error) {
            fputs("<td class=\"l\" colspan=\"2\">kinematics file not readable</td>", fp);
        } else if (!t->has_chain) {
            fputs("<td class=\"l\" colspan=\"2\">absent: this kinematics file has no /chain "
                  "group (written by a kc-ik without the chain summary)</td>",
                  fp);
        } else {
            for (int side = 0; side < 2; side++) {
                fputs("<td class=\"l\">", fp);
                if (t->chain[side])
                    kc_html_esc(fp, t->chain[side]);
                else
                    fprintf(fp, "absent: /chain has no summary_%s attribute", side ? "R" : "L");
                fputs("</td>", fp);
            }
        }
        fputs("</tr>\n", fp);
    }
    fputs("</table>\n", fp);

    fputs("<h2>Data quality</h2>\n<p class=\"note\">The kinematics file does not record gaps "
          "or residuals, so they are read from the trajectory file kc-ik was run on (the first "
          "input named in the kinematics file's /provenance). Gap = marker samples not measured "
          "(filled by spline, rigid body or pattern, or still missing); residual = median / 95th "
          "percentile over measured samples (triangulation residual in px, or the import's "
          "residual in mm); near IC = marker samples not measured within &plusmn;",
          fp);
    double win = 0.05;
    for (size_t i = 0; i < s->n_trials; i++)
        if (r->trials[s->trials[i]].ic_window_s > 0)
            win = r->trials[s->trials[i]].ic_window_s;
    fprintf(fp, "%.0f ms of initial contact (filled values there shape the impact).</p>\n",
            1000 * win);
    fputs("<table><tr><th class=\"l\">trial</th><th>frames &times; markers</th><th>gap %</th>"
          "<th>still missing %</th><th>residual median / p95</th><th>not measured near IC, "
          "left</th><th>near IC, right</th></tr>\n",
          fp);
    for (size_t i = 0; i < s->n_trials; i++)
        quality_row(fp, &r->trials[s->trials[i]]);
    fputs("</table>\n<p class=\"note\">Trajectory files: ", fp);
    for (size_t i = 0; i < s->n_trials; i++) {
        const kc_rep_trial *t = &r->trials[s->trials[i]];
        if (i)
            fputs("; ", fp);
        kc_html_esc(fp, t->trial);
        fputs(" &rarr; ", fp);
        kc_html_esc(fp, t->traj_path ? t->traj_path : "unknown");
    }
    fputs("</p>\n</body>\n</html>\n", fp);
    return kc_atomic_fclose(&af);
}

/* The pages are independent (each reads r and writes its own HTML and PNG files), so they are
 * spread over the threads, one athlete at a time (dynamic: athletes differ in trials).
 * Deterministic errors: the status returned is that of the first failing athlete in subject
 * order. An athlete after a known failure is skipped, as the serial loop stopped there; those
 * before it still run, since one of them may fail too and would then be the first. With one
 * thread this is exactly the serial loop. */
int kc_rep_athlete_pages(const kc_report *r)
{
    size_t n = r->n_subjects;
    if (!n)
        return KC_OK;
    int *status = calloc(n, sizeof *status);
    if (!status)
        return KC_ENOMEM;
    size_t first_bad = n;   /* index of the first failing athlete known so far */
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
        size_t fb;
#pragma omp atomic read
        fb = first_bad;
        if (i > fb)
            continue;
        status[i] = kc_rep_athlete_page(r, &r->subjects[i]);
        if (status[i]) {
#pragma omp critical(kc_rep_first_bad)
            if (i < first_bad) {
#pragma omp atomic write
                first_bad = i;
            }
        }
    }
    int st = KC_OK;
    for (size_t i = 0; i < n && !st; i++)
        st = status[i];
    free(status);
    return st;
}
