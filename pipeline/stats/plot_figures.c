/* The figures of the kc-stats report (see report.h; docs/reports.md says what each shows). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/metrics.h"
#include "kinechain/spm.h"
#include "report.h"

const char *const kc_rep_channels[6] = {"Hip", "Knee", "Ankle", "Pelvis", "FootProgress",
                                        "Thorax"};

/* Component meanings of the Plug-in Gait channels (SCIENCE.md B.3b; DESIGN.md conventions). */
static const char *component_label(const char *channel, int k)
{
    static const char *const lab[6][3] = {
        {"flexion +", "adduction +", "internal rotation +"},
        {"flexion +", "varus + / valgus \xe2\x88\x92", "internal rotation +"},
        {"dorsiflexion +", "inversion +", "internal rotation +"},
        {"anterior tilt +", "obliquity (side up +)", "rotation (side forward +)"},
        {"component X (not clinical)", "component Y", "progression (in-toeing +)"},
        {"tilt", "obliquity", "rotation"},
    };
    for (int c = 0; c < 6; c++)
        if (strcmp(channel, kc_rep_channels[c]) == 0)
            return lab[c][k];
    return "";
}

static void silent_sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)level;
    (void)func;
    (void)msg;
    (void)data;
}

static void init_x(double *x)
{
    for (int i = 0; i < KC_NORM_POINTS; i++)
        x[i] = i;
}

/* ---- subject (cell) mean curves ------------------------------------------------------------ */

typedef struct cells {
    size_t n, P, K;
    const char **subject, **by;   /* borrowed from the ensemble's index */
    double *data;                 /* [n][P*K], NaN where no trial had a value */
} cells;

static void cells_free(cells *c)
{
    free(c->subject);
    free(c->by);
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* The unit of analysis, as kc-stats': the cell (subject, by) with the mean of its trials. */
static int cell_means(const kc_curves *cv, cells *o)
{
    memset(o, 0, sizeof *o);
    size_t N = cv->n_curves, M = cv->n_points * cv->n_components;
    o->P = cv->n_points;
    o->K = cv->n_components;
    int cs = kc_table_find(cv->index, "subject"), cb = kc_table_find(cv->index, "by");
    size_t *cnt = NULL, *which = malloc((N ? N : 1) * sizeof *which);
    o->subject = malloc((N ? N : 1) * sizeof *o->subject);
    o->by = malloc((N ? N : 1) * sizeof *o->by);
    if (!which || !o->subject || !o->by || cs < 0 || cb < 0)
        goto fail;
    for (size_t i = 0; i < N; i++) {
        const char *s = kc_table_get_str(cv->index, i, cs), *b = kc_table_get_str(cv->index, i, cb);
        size_t j = 0;
        while (j < o->n && !(strcmp(o->subject[j], s) == 0 && strcmp(o->by[j], b) == 0))
            j++;
        if (j == o->n) {
            o->subject[j] = s;
            o->by[j] = b;
            o->n++;
        }
        which[i] = j;
    }
    o->data = calloc((o->n ? o->n : 1) * M, sizeof *o->data);
    cnt = calloc((o->n ? o->n : 1) * M, sizeof *cnt);
    if (!o->data || !cnt)
        goto fail;
    /* as kc-stats (cohortstats.c): a NaN in any trial makes the cell's mean NaN there, so
     * that the SPM figures use the cells spm.csv used */
    for (size_t i = 0; i < N; i++)
        for (size_t m = 0; m < M; m++) {
            o->data[which[i] * M + m] += cv->data[i * M + m];
            cnt[which[i] * M + m]++;
        }
    for (size_t i = 0; i < o->n * M; i++)
        o->data[i] = cnt[i] ? o->data[i] / (double)cnt[i] : NAN;
    free(which);
    free(cnt);
    return KC_OK;
fail:
    free(which);
    free(cnt);
    cells_free(o);
    return KC_ENOMEM;
}

/* Load landing_<side><channel> (found 0 when absent). */
static int ensemble(const kc_report *r, const char *side, const char *channel, kc_curves *cv,
                    int *found)
{
    char name[128];
    snprintf(name, sizeof name, "landing_%s%s", side, channel);
    return kc_rep_curves_load(r, name, cv, found);
}

/* ---- mean +- SD bands per group ------------------------------------------------------------ */

int kc_fig_bands(const kc_report *r, const char *channel, int *made)
{
    *made = 0;
    kc_curves store[2];
    const kc_curves *cv[2] = {NULL, NULL};
    int found[2] = {0, 0};
    int st0 = ensemble(r, "L", channel, &store[0], &found[0]);
    if (!st0)
        st0 = ensemble(r, "R", channel, &store[1], &found[1]);
    else
        memset(&store[1], 0, sizeof store[1]);
    if (st0 || (!found[0] && !found[1])) {
        kc_rep_curves_free(&store[0]);
        kc_rep_curves_free(&store[1]);
        return st0;
    }
    for (int s = 0; s < 2; s++)
        cv[s] = found[s] ? &store[s] : NULL;
    double percent_x[KC_NORM_POINTS];
    init_x(percent_x);
    char labels[8][96];
    cells ce[2] = {{0}};
    kc_plot p = {0};
    int st = KC_OK;
    for (int s = 0; s < 2; s++)
        if (cv[s] && (cv[s]->n_points != KC_NORM_POINTS || cv[s]->n_components != 3))
            cv[s] = NULL;
    for (int s = 0; s < 2 && !st; s++)
        if (cv[s])
            st = cell_means(cv[s], &ce[s]);
    if (st || (st = kc_plot_open(&p, 540, 400)))
        goto done;
    double mean[KC_NORM_POINTS], lo[KC_NORM_POINTS], hi[KC_NORM_POINTS];
    static const char *const side_name[2] = {"left", "right"};
    kc_legend_item leg[8];
    size_t nleg = 0;
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < 3; k++) {
            kc_axes a = {.x = 48 + k * 172, .y = 40 + s * 150, .w = 132, .h = 100};
            /* range over every group's mean +- SD */
            double ymin = INFINITY, ymax = -INFINITY;
            for (size_t c = 0; cv[s] && c < ce[s].n; c++)
                for (int i = 0; i < KC_NORM_POINTS; i++) {
                    double v = ce[s].data[c * KC_NORM_POINTS * 3 + (size_t)i * 3 + (size_t)k];
                    if (isfinite(v)) {
                        ymin = fmin(ymin, v);
                        ymax = fmax(ymax, v);
                    }
                }
            a.xmin = 0;
            a.xmax = 100;
            a.ymin = ymin;
            a.ymax = ymax;
            kc_plot_nice_range(&a.ymin, &a.ymax);
            char title[96], ylab[96];
            snprintf(title, sizeof title, "%s %s: %s", s ? "R" : "L", channel,
                     component_label(channel, k));
            snprintf(ylab, sizeof ylab, "angle (deg)");
            if (!cv[s]) {
                kc_axes_draw(&p, &a, title, "landing (% IC \xe2\x86\x92 take-off)", ylab);
                kc_plot_text(&p, a.x + a.w / 2, a.y + a.h / 2, 8, 0.5, 0, 0, "no data");
                continue;
            }
            for (size_t l = 0; l < r->n_levels; l++) {
                size_t n = 0;
                kc_rgb col = kc_plot_colour(l);
                for (int i = 0; i < KC_NORM_POINTS; i++) {
                    double sum = 0, ss = 0;
                    size_t m = 0;
                    for (size_t c = 0; c < ce[s].n; c++) {
                        if (strcmp(ce[s].by[c], r->levels[l]) != 0)
                            continue;
                        double v = ce[s].data[c * KC_NORM_POINTS * 3 + (size_t)i * 3 + (size_t)k];
                        if (isfinite(v)) {
                            sum += v;
                            m++;
                        }
                    }
                    mean[i] = m ? sum / (double)m : NAN;
                    for (size_t c = 0; c < ce[s].n; c++) {
                        if (strcmp(ce[s].by[c], r->levels[l]) != 0)
                            continue;
                        double v = ce[s].data[c * KC_NORM_POINTS * 3 + (size_t)i * 3 + (size_t)k];
                        if (isfinite(v))
                            ss += (v - mean[i]) * (v - mean[i]);
                    }
                    double sd = m >= 2 ? sqrt(ss / (double)(m - 1)) : NAN;
                    lo[i] = mean[i] - sd;
                    hi[i] = mean[i] + sd;
                    if (m > n)
                        n = m;
                }
                if (!n)
                    continue;
                if (s == 0 && k == 0 && nleg < 8) {
                    snprintf(labels[nleg], sizeof labels[nleg], "%s (n = %zu)", r->levels[l], n);
                    leg[nleg] = (kc_legend_item){labels[nleg], col, 0, 0, 0};
                    nleg++;
                }
                /* the y range must hold the bands too */
                for (int i = 0; i < KC_NORM_POINTS; i++) {
                    if (isfinite(lo[i]) && lo[i] < a.ymin)
                        a.ymin = lo[i];
                    if (isfinite(hi[i]) && hi[i] > a.ymax)
                        a.ymax = hi[i];
                }
            }
            kc_plot_nice_range(&a.ymin, &a.ymax);
            kc_axes_draw(&p, &a, title, "landing (% IC \xe2\x86\x92 take-off)", ylab);
            for (size_t l = 0; l < r->n_levels; l++) {
                kc_rgb col = kc_plot_colour(l);
                for (int i = 0; i < KC_NORM_POINTS; i++) {
                    double sum = 0, ss = 0;
                    size_t m = 0;
                    for (size_t c = 0; c < ce[s].n; c++) {
                        double v = ce[s].data[c * KC_NORM_POINTS * 3 + (size_t)i * 3 + (size_t)k];
                        if (strcmp(ce[s].by[c], r->levels[l]) == 0 && isfinite(v)) {
                            sum += v;
                            m++;
                        }
                    }
                    mean[i] = m ? sum / (double)m : NAN;
                    for (size_t c = 0; c < ce[s].n; c++) {
                        double v = ce[s].data[c * KC_NORM_POINTS * 3 + (size_t)i * 3 + (size_t)k];
                        if (strcmp(ce[s].by[c], r->levels[l]) == 0 && isfinite(v))
                            ss += (v - mean[i]) * (v - mean[i]);
                    }
                    double sd = m >= 2 ? sqrt(ss / (double)(m - 1)) : NAN;
                    lo[i] = mean[i] - sd;
                    hi[i] = mean[i] + sd;
                }
                kc_plot_band(&p, &a, percent_x, lo, hi, KC_NORM_POINTS, col, 0.22);
                kc_plot_line(&p, &a, percent_x, mean, KC_NORM_POINTS, 1, col, 1.3, (int)(l % 3));
            }
        }
        (void)side_name;
    }
    /* one legend for the figure, below the panels */
    for (size_t i = 0; i < nleg; i++)
        leg[i].dash = (int)(i % 3);
    kc_axes la = {.x = 48, .y = 338, .w = 490, .h = 50};
    kc_plot_legend(&p, &la, leg, nleg, 1);
    kc_plot_text(&p, 180, 350, 7.5, 0, 0, 0,
                 "line: group mean of the subjects' mean curves; band: \xc2\xb1" "1 SD across subjects");
    char title[160];
    snprintf(title, sizeof title, "%s angles over the landing phase: mean \xc2\xb1 SD of "
             "subjects' mean curves", channel);
    kc_plot_text(&p, 270, 14, 10, 0.5, 1, 0, title);
    char name[96], src[160];
    snprintf(name, sizeof name, "bands_landing_%s.png", channel);
    snprintf(src, sizeof src, "cohort.h5 /curves/landing_L%s, /curves/landing_R%s", channel,
             channel);
    st = kc_rep_save(r, &p, name, src);
    *made = st == KC_OK;
done:
    kc_plot_close(&p);
    cells_free(&ce[0]);
    cells_free(&ce[1]);
    kc_rep_curves_free(&store[0]);
    kc_rep_curves_free(&store[1]);
    return st;
}

/* ---- SPM{t} --------------------------------------------------------------------------------- */

/* Draw one SPM{t} panel: t curve, +-u* dashed, clusters shaded between threshold and curve. */
static void spm_panel(kc_plot *p, kc_axes *a, const kc_spm *s, const char *title,
                      const char *ylabel)
{
    double ymin = -1.15 * s->zstar, ymax = 1.15 * s->zstar;   /* room for the labels */
    for (size_t i = 0; i < s->q; i++) {
        ymin = fmin(ymin, s->t[i]);
        ymax = fmax(ymax, s->t[i]);
    }
    a->xmin = 0;
    a->xmax = (double)(s->q - 1);
    a->ymin = ymin;
    a->ymax = ymax;
    kc_plot_nice_range(&a->ymin, &a->ymax);
    kc_axes_draw(p, a, title, "landing (% IC \xe2\x86\x92 take-off)", ylabel);
    kc_rgb red = kc_plot_colour(1), blk = {0, 0, 0};
    for (size_t c = 0; c < s->n_clusters; c++) {
        const kc_spm_cluster *cl = &s->clusters[c];
        double u = cl->sign > 0 ? s->zstar : -s->zstar;
        size_t n = cl->i1 - cl->i0 + 3, m = 0;
        double *x = malloc(n * sizeof *x), *lo = malloc(n * sizeof *lo),
               *hi = malloc(n * sizeof *hi);
        if (x && lo && hi) {
            x[m] = cl->x0;
            lo[m] = hi[m] = u;
            m++;
            for (size_t i = cl->i0; i <= cl->i1; i++, m++) {
                x[m] = (double)i;
                lo[m] = cl->sign > 0 ? u : s->t[i];
                hi[m] = cl->sign > 0 ? s->t[i] : u;
            }
            x[m] = cl->x1;
            lo[m] = hi[m] = u;
            m++;
            kc_plot_band(p, a, x, lo, hi, m, red, 0.45);
            char lab[48];
            snprintf(lab, sizeof lab, "p = %.3g", cl->p);
            double px = kc_axes_px(a, 0.5 * (cl->x0 + cl->x1));
            px = fmax(a->x + 22, fmin(a->x + a->w - 22, px));
            double py = cl->sign > 0 ? kc_axes_py(a, s->zstar) + 17 : kc_axes_py(a, -s->zstar) - 10;
            kc_plot_text(p, px, py, 7, 0.5, 1, 0, lab);
        }
        free(x);
        free(lo);
        free(hi);
    }
    double tx[2] = {a->xmin, a->xmax}, ty[2] = {s->zstar, s->zstar};
    kc_plot_line(p, a, tx, ty, 2, 1, red, 1.0, 1);
    ty[0] = ty[1] = -s->zstar;
    kc_plot_line(p, a, tx, ty, 2, 1, red, 1.0, 1);
    double *x = malloc(s->q * sizeof *x);
    if (x) {
        for (size_t i = 0; i < s->q; i++)
            x[i] = (double)i;
        kc_plot_line(p, a, x, s->t, s->q, 1, blk, 1.3, 0);
        free(x);
    }
    char lab[48];
    snprintf(lab, sizeof lab, "t* = %.2f", s->zstar);
    kc_plot_text(p, a->x + 3, kc_axes_py(a, s->zstar) - 2.5, 7, 0.0, 0, 0, lab);
}

/* kc-stats' threshold for (curve, component, test) from spm.csv (NaN when absent). */
static double csv_zstar(const kc_report *r, const char *curve, int k, const char *test,
                        const char **la, const char **lb)
{
    const kc_table *t = r->spm_csv;
    for (size_t i = 0; t && i < kc_table_nrows(t); i++)
        if (strcmp(kc_rep_str(t, i, "curve"), curve) == 0 &&
            strcmp(kc_rep_str(t, i, "test"), test) == 0 && kc_rep_num(t, i, "component") == k) {
            if (la)
                *la = kc_rep_str(t, i, "level_a");
            if (lb)
                *lb = kc_rep_str(t, i, "level_b");
            return kc_rep_num(t, i, "zstar");
        }
    return NAN;
}

static int row_finite(const double *v, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i * stride]))
            return 0;
    return 1;
}

/* Recompute the SPM kc-stats made with the library's kc_spm_* (cells with complete curves),
 * check the threshold against spm.csv and append a note on any difference. */
static void check_note(char *note, size_t len, double mine, double theirs, const char *what)
{
    size_t used = strlen(note);
    if (isfinite(theirs) && fabs(mine - theirs) > 1e-6 * fabs(theirs))
        snprintf(note + used, len - used, " %s: threshold %.4f here, %.4f in spm.csv.", what,
                 mine, theirs);
}

int kc_fig_spm_groups(const kc_report *r, const char *channel, char *note, size_t note_len,
                      int *made)
{
    *made = 0;
    const char *la = NULL, *lb = NULL;
    char curve[2][96];
    int any = 0;
    /* kc-stats' A vs B test of these curves: two-sample, or paired (--paired) */
    const char *test = "spm_t2";
    for (int pass = 0; pass < 2 && !any; pass++) {
        test = pass ? "spm_paired_t" : "spm_t2";
        for (int s = 0; s < 2; s++) {
            snprintf(curve[s], sizeof curve[s], "landing_%s%s", s ? "R" : "L", channel);
            for (int k = 0; k < 3; k++)
                any |= isfinite(csv_zstar(r, curve[s], k, test, &la, &lb));
        }
    }
    int paired = strcmp(test, "spm_paired_t") == 0;
    /* the ensembles' index names the subject, so pairs can be rebuilt only on it */
    if (!any || !la || !lb || (paired && (!r->p->paired || strcmp(r->p->paired, "subject"))))
        return KC_OK;
    char *level_a = strdup(la), *level_b = strdup(lb);   /* r->spm_csv stays alive; copy anyway */
    kc_plot p = {0};
    cells ce = {0};
    kc_curves store = {0};
    double *ya = NULL, *yb = NULL;
    int st = level_a && level_b ? kc_plot_open(&p, 540, 340) : KC_ENOMEM;
    if (st)
        goto done;
    int drawn = 0;
    for (int s = 0; s < 2 && !st; s++) {
        int found = 0;
        cells_free(&ce);   /* borrows from store: freed first */
        kc_rep_curves_free(&store);
        if ((st = kc_rep_curves_load(r, curve[s], &store, &found)))
            break;
        const kc_curves *cv = found ? &store : NULL;
        if (!cv || cv->n_points < 3 || cv->n_components != 3 || (st = cell_means(cv, &ce)))
            continue;
        size_t P = ce.P;
        free(ya);
        free(yb);
        ya = malloc((ce.n ? ce.n : 1) * P * sizeof *ya);
        yb = malloc((ce.n ? ce.n : 1) * P * sizeof *yb);
        if (!ya || !yb) {
            st = KC_ENOMEM;
            break;
        }
        for (int k = 0; k < 3; k++) {
            size_t na = 0, nb = 0;
            for (size_t c = 0; c < ce.n && !paired; c++) {
                const double *v = ce.data + c * P * 3 + (size_t)k;
                if (!row_finite(v, P, 3))
                    continue;
                int isa = strcmp(ce.by[c], level_a) == 0, isb = strcmp(ce.by[c], level_b) == 0;
                for (size_t i = 0; i < P && (isa || isb); i++)
                    (isa ? ya + na * P : yb + nb * P)[i] = v[i * 3];
                na += (size_t)isa;
                nb += (size_t)isb;
            }
            for (size_t c = 0; c < ce.n && paired; c++) {   /* pairs: same subject, A and B */
                const double *v = ce.data + c * P * 3 + (size_t)k;
                if (strcmp(ce.by[c], level_a) || !row_finite(v, P, 3))
                    continue;
                for (size_t d = 0; d < ce.n; d++) {
                    const double *w = ce.data + d * P * 3 + (size_t)k;
                    if (strcmp(ce.by[d], level_b) || strcmp(ce.subject[d], ce.subject[c]) ||
                        !row_finite(w, P, 3))
                        continue;
                    for (size_t i = 0; i < P; i++) {
                        ya[na * P + i] = v[i * 3];
                        yb[na * P + i] = w[i * 3];
                    }
                    na++;
                    nb++;
                    break;
                }
            }
            kc_axes a = {.x = 48 + k * 172, .y = 40 + s * 150, .w = 132, .h = 100};
            char title[96];
            snprintf(title, sizeof title, "%s %s: %s", s ? "R" : "L", channel,
                     component_label(channel, k));
            kc_spm *sp = NULL;
            kc_log_set_sink(silent_sink, NULL);
            int e = na < 2 || nb < 2 ? KC_EINVAL
                    : paired         ? kc_spm_ttest_paired(ya, yb, na, P, 0.05, &sp)
                                     : kc_spm_ttest2(ya, na, yb, nb, P, 0.05, &sp);
            kc_log_set_sink(NULL, NULL);
            if (e) {
                a.xmin = 0;
                a.xmax = 100;
                a.ymin = -1;
                a.ymax = 1;
                kc_axes_draw(&p, &a, title, "landing (% IC \xe2\x86\x92 take-off)", "SPM{t}");
                kc_plot_text(&p, a.x + a.w / 2, a.y + a.h / 2, 7.5, 0.5, 0, 0,
                             na >= 2 && nb >= 2 ? "not computable (no variance)"
                                                : "fewer than 2 subjects per group");
                continue;
            }
            char what[256];
            snprintf(what, sizeof what, "%s component %d", curve[s], k);
            check_note(note, note_len, sp->zstar, csv_zstar(r, curve[s], k, test, NULL, NULL),
                       what);
            spm_panel(&p, &a, sp, title, paired ? "SPM{t} (A \xe2\x88\x92 B)" : "SPM{t}");
            kc_spm_free(sp);
            drawn = 1;
        }
    }
    if (st || !drawn)
        goto done;
    char title[200];
    snprintf(title, sizeof title, "SPM{t}, %s t: %s vs %s (%s angles, subjects' means)",
             paired ? "paired" : "two-sample", level_a, level_b, channel);
    kc_plot_text(&p, 270, 14, 10, 0.5, 1, 0, title);
    char name[96], src[200];
    snprintf(name, sizeof name, "spm_landing_%s.png", channel);
    snprintf(src, sizeof src, "cohort.h5 /curves/landing_L%s, landing_R%s; threshold as spm.csv",
             channel, channel);
    st = kc_rep_save(r, &p, name, src);
    *made = st == KC_OK;
done:
    kc_plot_close(&p);
    cells_free(&ce);
    kc_rep_curves_free(&store);
    free(ya);
    free(yb);
    free(level_a);
    free(level_b);
    return st;
}

int kc_fig_spm_lr(const kc_report *r, const char *channel, char *note, size_t note_len,
                  int *made)
{
    *made = 0;
    char curve[96];
    snprintf(curve, sizeof curve, "landing_%s", channel);
    int any = 0;
    for (int k = 0; k < 3; k++)
        any |= isfinite(csv_zstar(r, curve, k, "spm_paired_t", NULL, NULL));
    if (!any)
        return KC_OK;
    kc_curves sl = {0}, sr = {0};
    int fl = 0, fr = 0;
    int st = ensemble(r, "L", channel, &sl, &fl);
    if (!st)
        st = ensemble(r, "R", channel, &sr, &fr);
    const kc_curves *cl = &sl, *cr = &sr;
    if (st || !fl || !fr || cl->n_points != cr->n_points || cl->n_components != 3 ||
        cr->n_components != 3) {
        kc_rep_curves_free(&sl);
        kc_rep_curves_free(&sr);
        return st;
    }
    cells L = {0}, R = {0};
    kc_plot p = {0};
    double *ya = NULL, *yb = NULL;
    st = cell_means(cl, &L);
    if (!st)
        st = cell_means(cr, &R);
    if (!st)
        st = kc_plot_open(&p, 540, 190);
    size_t P = cl->n_points;
    if (!st && (!(ya = malloc((L.n ? L.n : 1) * P * sizeof *ya)) ||
                !(yb = malloc((L.n ? L.n : 1) * P * sizeof *yb))))
        st = KC_ENOMEM;
    int drawn = 0;
    for (int k = 0; k < 3 && !st; k++) {
        size_t n = 0;
        for (size_t c = 0; c < L.n; c++)
            for (size_t d = 0; d < R.n; d++) {
                if (strcmp(L.subject[c], R.subject[d]) || strcmp(L.by[c], R.by[d]))
                    continue;
                const double *a = L.data + c * P * 3 + (size_t)k, *b = R.data + d * P * 3 + (size_t)k;
                if (!row_finite(a, P, 3) || !row_finite(b, P, 3))
                    continue;
                for (size_t i = 0; i < P; i++) {
                    ya[n * P + i] = a[i * 3];
                    yb[n * P + i] = b[i * 3];
                }
                n++;
            }
        kc_axes a = {.x = 48 + k * 172, .y = 40, .w = 132, .h = 100};
        char title[96];
        snprintf(title, sizeof title, "%s: %s", channel, component_label(channel, k));
        kc_spm *sp = NULL;
        kc_log_set_sink(silent_sink, NULL);
        int e = n >= 2 ? kc_spm_ttest_paired(ya, yb, n, P, 0.05, &sp) : KC_EINVAL;
        kc_log_set_sink(NULL, NULL);
        if (e) {
            a.xmin = 0;
            a.xmax = 100;
            a.ymin = -1;
            a.ymax = 1;
            kc_axes_draw(&p, &a, title, "landing (% IC \xe2\x86\x92 take-off)", "SPM{t}");
            kc_plot_text(&p, a.x + a.w / 2, a.y + a.h / 2, 7.5, 0.5, 0, 0,
                         n >= 2 ? "not computable (no variance)" : "fewer than 2 subjects");
            continue;
        }
        char what[256];
        snprintf(what, sizeof what, "%s component %d", curve, k);
        check_note(note, note_len, sp->zstar, csv_zstar(r, curve, k, "spm_paired_t", NULL, NULL),
                   what);
        spm_panel(&p, &a, sp, title, "SPM{t} (L \xe2\x88\x92 R)");
        kc_spm_free(sp);
        drawn = 1;
    }
    if (!st && drawn) {
        char title[160];
        snprintf(title, sizeof title, "SPM{t}, paired t: left vs right %s angles", channel);
        kc_plot_text(&p, 270, 16, 10, 0.5, 1, 0, title);
        char name[96], src[160];
        snprintf(name, sizeof name, "spm_lr_landing_%s.png", channel);
        snprintf(src, sizeof src, "cohort.h5 /curves/landing_L%s and landing_R%s", channel,
                 channel);
        st = kc_rep_save(r, &p, name, src);
        *made = st == KC_OK;
    }
    kc_plot_close(&p);
    cells_free(&L);
    cells_free(&R);
    kc_rep_curves_free(&sl);
    kc_rep_curves_free(&sr);
    free(ya);
    free(yb);
    return st;
}

/* ---- per-subject peak valgus and FPPA ------------------------------------------------------ */

/* Subjects by id, for finding the subject of a trials.csv row in O(log n). */
static int cmp_subject_ptr(const void *a, const void *b)
{
    const kc_rep_subject *const *x = a, *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

/* Index of each trials.csv row's subject in r->subjects (-1 if none): one pass. */
static long *row_subjects(const kc_report *r, const kc_table *t)
{
    size_t nr = kc_table_nrows(t), ns = r->n_subjects;
    long *out = malloc((nr + 1) * sizeof *out);
    const kc_rep_subject **by_id = malloc((ns + 1) * sizeof *by_id);
    int cs = kc_table_find(t, "subject");
    if (!out || !by_id) {
        free(out);
        free(by_id);
        return NULL;
    }
    for (size_t i = 0; i < ns; i++)
        by_id[i] = &r->subjects[i];
    qsort(by_id, ns, sizeof *by_id, cmp_subject_ptr);
    for (size_t row = 0; row < nr; row++) {
        kc_rep_subject key = {.id = (char *)(cs >= 0 ? kc_table_get_str(t, row, cs) : "")};
        const kc_rep_subject *kp = &key, **hit =
            ns ? bsearch(&kp, by_id, ns, sizeof *by_id, cmp_subject_ptr) : NULL;
        out[row] = hit ? (long)(*hit - r->subjects) : -1;
    }
    free(by_id);
    return out;
}

/* A number of column col of a CSV table (as kc_rep_num, with the column already found). */
static double num_at(const kc_table *t, size_t row, int col)
{
    const char *s = col >= 0 ? kc_table_get_str(t, row, col) : "";
    char *end;
    double v = *s ? strtod(s, &end) : NAN;
    return *s && !*end && isfinite(v) ? v : NAN;
}

/* Ranked layout: subjects by their value, NaN last (qsort needs no state: the pairs carry it). */
typedef struct ranked {
    double v;
    size_t subject;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int nx = isnan(x->v), ny = isnan(y->v);
    if (nx != ny)
        return nx - ny;
    if (!nx && x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->subject > y->subject) - (x->subject < y->subject);
}

/* Labels rotated 45 degrees at 7.5 pt need about 9 pt of axis each: beyond that many subjects
 * per panel the figure switches to the ranked dot plot (kc_fig_subject_valgus). */
#define KC_SUBJECT_LABEL_PT 9.0

/* One panel of a per-subject figure: a trials.csv metric, with the 2D-video FPPA normal range
 * shaded behind each subject by sex when shade is set (only the video-comparable FPPA). */
typedef struct subject_panel {
    const char *metric, *title, *ylab;
    int shade;
} subject_panel;

/* Per subject, one panel per metric: trials (small) and subject means (large), left and right;
 * beyond what labels fit, a ranked dot plot. Saved as plots/<file> with caption, heading and
 * source (the PNG's provenance). */
static int subject_panels(const kc_report *r, const subject_panel *pan, int np,
                          const char *heading, const char *caption, const char *file,
                          const char *source, int *made)
{
    const kc_table *t = r->trials_csv;
    kc_plot p = {0};
    double w = 540, ph = 118, gap = 52, h = 36 + np * (ph + gap) + 14;
    size_t ns = r->n_subjects, nr = kc_table_nrows(t);
    const double axis_w = w - 200;
    /* one label per subject only while they fit; else ranked, no per-subject labels */
    const int labelled = (double)ns * KC_SUBJECT_LABEL_PT <= axis_w;
    const char **labels = malloc(ns * sizeof *labels);
    double *sum = calloc(2 * ns, sizeof *sum);   /* [subject][side] of the current metric */
    size_t *cnt = calloc(2 * ns, sizeof *cnt);
    ranked *rank = malloc(ns * sizeof *rank);
    long *subj = row_subjects(r, t);
    int st = KC_ENOMEM;
    if (!labels || !sum || !cnt || !rank || !subj)
        goto done;
    if ((st = kc_plot_open(&p, w, h)))
        goto done;
    for (size_t i = 0; i < ns; i++)
        labels[i] = r->subjects[i].id;
    const int cside = kc_table_find(t, "side");
    /* Herrington & Munro 2010 (Phys Ther Sport 11:56): DVJ 2D-video FPPA normal range */
    const kc_rgb fcol = {0.80, 0.47, 0.65}, mcol = {0.34, 0.71, 0.91};
    for (int m = 0; m < np; m++) {
        int shade = pan[m].shade;
        kc_axes a = {.x = 58, .y = 36 + m * (ph + gap), .w = axis_w, .h = ph};
        double ymin = shade ? 0 : INFINITY, ymax = shade ? 15 : -INFINITY;
        const int cm = kc_table_find(t, pan[m].metric);
        memset(sum, 0, 2 * ns * sizeof *sum);
        memset(cnt, 0, 2 * ns * sizeof *cnt);
        for (size_t row = 0; row < nr; row++) {   /* one pass: sums per subject and side */
            const char *sd = cside >= 0 ? kc_table_get_str(t, row, cside) : "";
            int side = strcmp(sd, "L") == 0 ? 0 : strcmp(sd, "R") == 0 ? 1 : -1;
            double v = num_at(t, row, cm);
            if (!isfinite(v))
                continue;
            ymin = fmin(ymin, v);
            ymax = fmax(ymax, v);
            if (subj[row] < 0 || side < 0)
                continue;
            sum[(size_t)subj[row] * 2 + (size_t)side] += v;
            cnt[(size_t)subj[row] * 2 + (size_t)side]++;
        }
        if (!isfinite(ymin)) {   /* a column present but without a value: an empty panel */
            ymin = 0;
            ymax = 1;
        }
        /* x position of each subject: its index, or its rank by the mean of its side means */
        for (size_t i = 0; i < ns; i++) {
            double v = 0;
            int n = 0;
            for (int side = 0; side < 2; side++)
                if (cnt[i * 2 + (size_t)side]) {
                    v += sum[i * 2 + (size_t)side] / (double)cnt[i * 2 + (size_t)side];
                    n++;
                }
            rank[i] = (ranked){n ? v / n : NAN, i};
        }
        if (!labelled)
            qsort(rank, ns, sizeof *rank, cmp_ranked);
        size_t n_valued = 0;
        for (size_t i = 0; i < ns; i++)
            n_valued += !isnan(rank[i].v);
        a.xmin = labelled ? -0.6 : 0.5;
        a.xmax = labelled ? (double)ns - 0.4 : (double)(n_valued ? n_valued : 1) + 0.5;
        a.ymin = ymin;
        a.ymax = ymax;
        kc_plot_nice_range(&a.ymin, &a.ymax);
        if (shade)
            for (size_t q = 0; q < ns; q++) {
                double x = labelled ? (double)q : (double)q + 1;
                double half = labelled ? 0.45 : 0.5;   /* ranked: adjacent columns join up */
                if (!labelled && isnan(rank[q].v))
                    break;
                const char *sex = r->subjects[rank[q].subject].sex;
                if (strcmp(sex, "F") == 0 || strcmp(sex, "f") == 0)
                    kc_plot_hspan(&p, &a, x - half, x + half, 7, 13, fcol, 0.3);
                else if (strcmp(sex, "M") == 0 || strcmp(sex, "m") == 0)
                    kc_plot_hspan(&p, &a, x - half, x + half, 3, 8, mcol, 0.3);
            }
        char xlab[160];
        snprintf(xlab, sizeof xlab,
                 "subjects ranked by the mean of their left and right means (n = %zu; "
                 "highest 3 named)", n_valued);
        kc_axes_draw(&p, &a, pan[m].title, labelled ? NULL : xlab, pan[m].ylab);
        if (labelled) {
            kc_axes_category_labels(&p, &a, ns, labels);
            for (size_t row = 0; row < nr; row++) {   /* every trial, then the means */
                const char *sd = cside >= 0 ? kc_table_get_str(t, row, cside) : "";
                int side = strcmp(sd, "L") == 0 ? 0 : strcmp(sd, "R") == 0 ? 1 : -1;
                double v = num_at(t, row, cm);
                if (subj[row] < 0 || side < 0 || !isfinite(v))
                    continue;
                double x = (double)subj[row] + (side ? 0.17 : -0.17);
                kc_plot_marker(&p, &a, x, v, kc_plot_colour((size_t)side), 1.6, 0);
            }
            for (size_t i = 0; i < ns; i++)
                for (int side = 0; side < 2; side++)
                    if (cnt[i * 2 + (size_t)side])
                        kc_plot_marker(&p, &a, (double)i + (side ? 0.17 : -0.17),
                                       sum[i * 2 + (size_t)side] / (double)cnt[i * 2 + (size_t)side],
                                       kc_plot_colour((size_t)side), 3.2, 1);
        } else {
            /* sorted dot plot: each subject's left and right means joined by a thin line (its
             * asymmetry); only the three highest are named */
            for (size_t q = 0; q < n_valued; q++) {
                size_t i = rank[q].subject;
                double mean[2] = {NAN, NAN};
                for (int side = 0; side < 2; side++)
                    if (cnt[i * 2 + (size_t)side])
                        mean[side] = sum[i * 2 + (size_t)side] / (double)cnt[i * 2 + (size_t)side];
                if (isfinite(mean[0]) && isfinite(mean[1])) {
                    double xs[2] = {(double)q + 1, (double)q + 1};
                    kc_plot_line(&p, &a, xs, mean, 2, 1, (kc_rgb){0.6, 0.6, 0.6}, 0.3, 0);
                }
                for (int side = 0; side < 2; side++)
                    if (isfinite(mean[side]))
                        kc_plot_marker(&p, &a, (double)q + 1, mean[side],
                                       kc_plot_colour((size_t)side), 1.3, 1);
            }
            for (size_t k = 0; k < 3 && k < n_valued; k++) {
                size_t q = n_valued - 1 - k;
                double x = kc_axes_px(&a, (double)q + 1), y = kc_axes_py(&a, rank[q].v);
                double ty = a.y + 10 + 8 * (double)k;
                cairo_set_source_rgb(p.cr, 0.4, 0.4, 0.4);
                cairo_set_line_width(p.cr, 0.3);
                cairo_move_to(p.cr, x - 3, ty - 2.5);
                cairo_line_to(p.cr, x, y);
                cairo_stroke(p.cr);
                kc_plot_text(&p, x - 4, ty, 6.5, 1.0, 0, 0, r->subjects[rank[q].subject].id);
            }
        }
        kc_legend_item leg[4] = {
            {labelled ? "left (trials; mean)" : "left (mean)", kc_plot_colour(0), 2, 0, 0},
            {labelled ? "right (trials; mean)" : "right (mean)", kc_plot_colour(1), 2, 0, 0},
            {"normal range F 7\xe2\x80\x93" "13\xc2\xb0", fcol, 1, 0, 0.3},
            {"normal range M 3\xe2\x80\x93" "8\xc2\xb0", mcol, 1, 0, 0.3}};
        kc_axes la = {.x = a.x + a.w + 2, .y = a.y, .w = 130, .h = a.h};
        kc_plot_legend(&p, &la, leg, shade ? 4 : 2, 1);
        if (shade)
            kc_plot_text(&p, la.x + 4, a.y + 62, 6.5, 0, 0, 0,
                         "DVJ, 2D video: Herrington &");
        if (shade)
            kc_plot_text(&p, la.x + 4, a.y + 70, 6.5, 0, 0, 0, "Munro 2010, Phys Ther Sport 11:56");
    }
    kc_plot_text(&p, 12, h - 8, 7.5, 0, 0, 0, caption);
    kc_plot_text(&p, w / 2, 14, 10, 0.5, 1, 0, heading);
    st = kc_rep_save(r, &p, file, source);
    *made = st == KC_OK;
done:
    free(labels);
    free(sum);
    free(cnt);
    free(rank);
    free(subj);
    kc_plot_close(&p);
    return st;
}

/* Whether trials.csv has column name with at least one finite value. */
static int has_values(const kc_table *t, const char *name)
{
    int c = kc_table_find(t, name);
    for (size_t row = 0, nr = kc_table_nrows(t); c >= 0 && row < nr; row++)
        if (isfinite(num_at(t, row, c)))
            return 1;
    return 0;
}

size_t kc_rep_fppa_ill_conditioned(const kc_table *t, size_t *n_all)
{
    int cf = kc_table_find(t, "fppa_video_at_pkf_deg");
    int cs = kc_table_find(t, "fppa_video_sensitivity_deg_per_cm");
    size_t ill = 0;
    *n_all = 0;
    for (size_t row = 0, nr = kc_table_nrows(t); cf >= 0 && row < nr; row++) {
        if (!isfinite(num_at(t, row, cf)))
            continue;
        (*n_all)++;
        ill += num_at(t, row, cs) > KC_CHAIN_FPPA_SENS_DEG_PER_CM;   /* NaN: not counted */
    }
    return ill;
}

int kc_fig_subject_valgus(const kc_report *r, int *made)
{
    *made = 0;
    const kc_table *t = r->trials_csv;
    /* the video-comparable FPPA (kc-ik's fppa_video_at_pkf_deg: a virtual frontal camera and
     * the 2D protocols' landmarks) is the only one the 2D-video normal range applies to; the
     * 3D angles get no shading */
    static const subject_panel all[3] = {
        {"peak_knee_valgus_deg", "Peak knee valgus, 3D (Plug-in Gait knee adduction, sign reversed)",
         "peak valgus (deg)", 0},
        {"fppa_3d_at_pkf_deg", "FPPA at peak knee flexion, 3D joint centres (no normal range)",
         "FPPA 3D, valgus + (deg)", 0},
        {"fppa_video_at_pkf_deg",
         "FPPA at peak knee flexion, video-comparable (virtual frontal camera)",
         "FPPA video, valgus + (deg)", 1}};
    int np = 0;
    while (np < 3 && kc_table_find(t, all[np].metric) >= 0)
        np++;
    if (!r->n_subjects || np < 1)
        return KC_OK;
    char cap[400];
    snprintf(cap, sizeof cap,
             np == 3 ? "Shaded (video-comparable FPPA only, by sex): DVJ 2D-video FPPA normal range, "
                       "Herrington & Munro 2010. Our data: model %s."
                     : "No video-comparable FPPA in these kinematics files: no normal range is "
                       "shaded. Model %s.",
             *r->models ? r->models : "unknown");

    return subject_panels(r, all, np, "Per subject: peak knee valgus and FPPA", cap,
                          "subject_valgus_fppa.png",
                          np == 3 ? "trials.csv peak_knee_valgus_deg, fppa_3d_at_pkf_deg, "
                                    "fppa_video_at_pkf_deg; normal range Herrington & Munro 2010"
                                  : "trials.csv peak_knee_valgus_deg, fppa_3d_at_pkf_deg",
                          made);
}

int kc_fig_subject_kinetics(const kc_report *r, int *made)
{
    *made = 0;
    const kc_table *t = r->trials_csv;
    /* kc-ik's kinetic metrics (issue 11): no published range is shaded — the thresholds in
     * use (Myer et al. 2010, Br J Sports Med 45:245: "high KAM" > 25.25 N m) are absolute
     * moments, not the mass-normalised Plug-in Gait moment drawn here */
    static const subject_panel all[3] = {
        {"peak_knee_abduction_moment",
         "Peak external knee abduction moment in the landing (Plug-in Gait)", "N\xc2\xb7mm/kg", 0},
        {"fp_peak_vgrf_bw", "Peak vertical ground reaction force per foot", "\xc3\x97 body weight",
         0},
        {"fp_loading_rate_bw_s", "Loading rate of the vertical force per foot", "BW/s", 0}};
    subject_panel pan[3];
    int np = 0;
    char source[160] = "trials.csv";
    for (int i = 0; i < 3; i++)
        if (has_values(t, all[i].metric)) {
            pan[np++] = all[i];
            strcat(source, np == 1 ? " " : ", ");
            strcat(source, all[i].metric);
        }
    if (!r->n_subjects || np < 1)
        return KC_OK;
    char cap[300];
    snprintf(cap, sizeof cap,
             "Trials with force plates only; a landing whose feet share a plate has no per-foot "
             "value. Model %s.", *r->models ? r->models : "unknown");
    return subject_panels(r, pan, np, "Per subject: landing kinetics", cap,
                          "subject_kinetics.png", source, made);
}

/* ---- left vs right ------------------------------------------------------------------------ */

int kc_fig_left_right(const kc_report *r, int *made)
{
    *made = 0;
    const kc_table *t = r->left_right_csv;
    if (!t || !kc_table_nrows(t))
        return KC_OK;
    /* metrics in degrees, in order of first appearance */
    const char **met = malloc(kc_table_nrows(t) * sizeof *met);
    if (!met)
        return KC_ENOMEM;
    size_t nm = 0;
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < kc_table_nrows(t); i++) {
        if (strcmp(kc_rep_str(t, i, "unit"), "deg"))
            continue;
        const char *m = kc_rep_str(t, i, "metric");
        size_t j = 0;
        while (j < nm && strcmp(met[j], m))
            j++;
        if (j == nm)
            met[nm++] = m;
        double lo = kc_rep_num(t, i, "ci_lo"), hi = kc_rep_num(t, i, "ci_hi"),
               d = kc_rep_num(t, i, "mean_diff_l_minus_r");
        if (isfinite(d)) {
            xmin = fmin(xmin, d);
            xmax = fmax(xmax, d);
        }
        /* CIs of tiny groups can be enormous; keep the axis readable and clip them */
        if (isfinite(lo) && isfinite(d) && d - lo < 40)
            xmin = fmin(xmin, lo);
        if (isfinite(hi) && isfinite(d) && hi - d < 40)
            xmax = fmax(xmax, hi);
    }
    if (!nm) {
        free(met);
        return KC_OK;
    }
    kc_plot p = {0};
    double rowh = 13, top = 40, w = 540, h = top + rowh * (double)nm + 50;
    int st = kc_plot_open(&p, w, h);
    if (st) {
        free(met);
        return st;
    }
    kc_axes a = {.x = 210, .y = top, .w = w - 300, .h = rowh * (double)nm, .no_yticks = 1};
    a.xmin = fmin(xmin, -1);
    a.xmax = fmax(xmax, 1);
    kc_plot_nice_range(&a.xmin, &a.xmax);
    a.ymin = -0.5;
    a.ymax = (double)nm - 0.5;
    kc_axes_draw(&p, &a, NULL, "left \xe2\x88\x92 right (deg), mean and 95% CI", NULL);
    size_t nl = r->n_levels + 1;
    kc_legend_item leg[9];
    size_t nleg = 0;
    for (size_t l = 0; l < nl && l < 9; l++) {
        const char *by = l < r->n_levels ? r->levels[l] : "ALL";
        kc_rgb col = l < r->n_levels ? kc_plot_colour(l) : (kc_rgb){0, 0, 0};
        leg[nleg++] = (kc_legend_item){by, col, 2, 0, 0};
        double off = ((double)l - (double)(nl - 1) / 2) * (0.7 / (double)nl);
        for (size_t i = 0; i < kc_table_nrows(t); i++) {
            if (strcmp(kc_rep_str(t, i, "by"), by) || strcmp(kc_rep_str(t, i, "unit"), "deg"))
                continue;
            const char *m = kc_rep_str(t, i, "metric");
            size_t j = 0;
            while (j < nm && strcmp(met[j], m))
                j++;
            double y = (double)(nm - 1 - j) + off;
            double d = kc_rep_num(t, i, "mean_diff_l_minus_r");
            double xs[2] = {kc_rep_num(t, i, "ci_lo"), kc_rep_num(t, i, "ci_hi")};
            double ys[2] = {y, y};
            kc_plot_line(&p, &a, xs, ys, 2, 1, col, 0.9, 0);
            kc_plot_marker(&p, &a, d, y, col, 2.2, 1);
        }
    }
    for (size_t j = 0; j < nm; j++)
        kc_plot_text(&p, a.x - 4, kc_axes_py(&a, (double)(nm - 1 - j)) + 2.6, 7.5, 1.0, 0, 0,
                     met[j]);
    kc_axes la = {.x = a.x + a.w + 2, .y = a.y, .w = 80, .h = a.h};
    kc_plot_legend(&p, &la, leg, nleg, 1);
    kc_plot_text(&p, w / 2, 16, 10, 0.5, 1, 0,
                 "Left vs right: signed L \xe2\x88\x92 R of the subjects' means (CIs clipped to "
                 "the axis)");
    st = kc_rep_save(r, &p, "left_right.png", "left_right.csv");
    *made = st == KC_OK;
    kc_plot_close(&p);
    free(met);
    return st;
}

/* ---- stick figure at peak valgus beside the group mean ------------------------------------ */

/* st: KC_REP_NCENTRES x (lateral, vertical), row-major */
static void stick_panel(kc_plot *p, const kc_axes *a, const double *st, const char *title)
{
    kc_axes_draw(p, a, title, "lateral (mm), subject's left \xe2\x86\x92", "vertical from hip centres (mm)");
    /* legs: L = centres 0..2, R = 3..5; pelvis line between the hip centres */
    for (int leg = 0; leg < 2; leg++) {
        double x[3], y[3];
        for (int j = 0; j < 3; j++) {
            x[j] = st[(3 * leg + j) * 2];
            y[j] = st[(3 * leg + j) * 2 + 1];
        }
        kc_plot_line(p, a, x, y, 3, 1, kc_plot_colour((size_t)leg), 2.2, 0);
        for (int j = 0; j < 3; j++)
            kc_plot_marker(p, a, x[j], y[j], kc_plot_colour((size_t)leg), 2.4, 1);
    }
    double px[2] = {st[0], st[6]}, py[2] = {st[1], st[7]};
    kc_plot_line(p, a, px, py, 2, 1, (kc_rgb){0.4, 0.4, 0.4}, 1.5, 0);
}

int kc_fig_stick(const kc_report *r, const kc_rep_subject *s, int *made)
{
    *made = 0;
    if (s->stick_side < 0 || !isfinite(s->stick[0][0]))
        return KC_OK;
    int side = s->stick_side;
    /* the group mean: subjects with the same "by" value, each the mean of its trials at the
     * peak valgus of the same side */
    double g[KC_REP_NCENTRES][2] = {{0}};
    size_t ng = 0;
    for (size_t i = 0; i < r->n_subjects; i++) {
        const kc_rep_subject *o = &r->subjects[i];
        if (strcmp(o->by, s->by))
            continue;
        double m[KC_REP_NCENTRES][2] = {{0}};
        size_t n = 0;
        for (size_t k = 0; k < o->n_trials; k++) {
            const kc_rep_trial *t = &r->trials[o->trials[k]];
            if (!isfinite(t->stick[side][0][0]) || !isfinite(t->stick[side][5][1]))
                continue;
            for (int c = 0; c < KC_REP_NCENTRES; c++)
                for (int d = 0; d < 2; d++)
                    m[c][d] += t->stick[side][c][d];
            n++;
        }
        if (!n)
            continue;
        for (int c = 0; c < KC_REP_NCENTRES; c++)
            for (int d = 0; d < 2; d++)
                g[c][d] += m[c][d] / (double)n;
        ng++;
    }
    for (int c = 0; c < KC_REP_NCENTRES; c++)
        for (int d = 0; d < 2; d++)
            g[c][d] = ng ? g[c][d] / (double)ng : NAN;
    /* one scale for both panels, equal in x and y */
    double xmax = 0, ymin = 0;
    for (int c = 0; c < KC_REP_NCENTRES; c++) {
        xmax = fmax(xmax, fmax(fabs(s->stick[c][0]), isfinite(g[c][0]) ? fabs(g[c][0]) : 0));
        ymin = fmin(ymin, fmin(s->stick[c][1], isfinite(g[c][1]) ? g[c][1] : 0));
    }
    double half = ceil((xmax + 60) / 100) * 100, bottom = floor((ymin - 60) / 100) * 100;
    double ph = 300, pw = ph * (2 * half) / (100 - bottom);
    kc_plot p = {0};
    double w = 2 * pw + 140, h = ph + 80;
    int st = kc_plot_open(&p, w, h);
    if (st)
        return st;
    kc_axes a = {.x = 55, .y = 34, .w = pw, .h = ph, .xmin = -half, .xmax = half,
                 .ymin = bottom, .ymax = 100};
    double pv = 0;
    size_t npv = 0;
    for (size_t k = 0; k < s->n_trials; k++) {
        double v = r->trials[s->trials[k]].peak_valgus[side];
        if (isfinite(v)) {
            pv += v;
            npv++;
        }
    }
    char title[160];
    snprintf(title, sizeof title, "%s at peak %s knee valgus (%.1f\xc2\xb0)", s->id,
             side ? "right" : "left", npv ? pv / (double)npv : NAN);
    stick_panel(&p, &a, &s->stick[0][0], title);
    kc_axes b = a;
    b.x = a.x + pw + 60;
    snprintf(title, sizeof title, "group %s mean (n = %zu)", s->by, ng);
    stick_panel(&p, &b, &g[0][0], title);
    kc_legend_item leg[2] = {{"left leg", kc_plot_colour(0), 0, 0, 0},
                             {"right leg", kc_plot_colour(1), 0, 0, 0}};
    kc_plot_legend(&p, &b, leg, 2, 0);
    kc_plot_text(&p, 12, h - 8, 7.5, 0, 0, 0,
                 "Frontal plane viewed from the front (the subject's left on the right); hip, "
                 "knee and ankle joint centres, mean of trials.");
    char name[160], src[200];
    snprintf(name, sizeof name, "stick_%s.png", s->slug);
    snprintf(src, sizeof src, "kinematics files /joint_centres at the frame of "
             "peak_knee_valgus_deg (/metrics) of %s, and of group %s", s->id, s->by);
    st = kc_rep_save(r, &p, name, src);
    *made = st == KC_OK;
    kc_plot_close(&p);
    return st;
}

/* ---- the curves of each trial of an athlete ------------------------------------------------ */

int kc_fig_athlete_curves(const kc_report *r, const kc_rep_subject *s, int *made)
{
    *made = 0;
    static const char *const ch[3] = {"Hip", "Knee", "Ankle"};
    /* the curves were copied from the kinematics files when report.c read them */
    size_t nread = 0;
    for (size_t i = 0; i < s->n_trials; i++)
        nread += r->trials[s->trials[i]].kin_read != 0;
    kc_plot p = {0};
    int st = KC_OK;
    double percent_x[KC_NORM_POINTS];
    init_x(percent_x);
    if (!nread || (st = kc_plot_open(&p, 540, 520)))
        goto done;
    for (int c = 0; c < 3; c++)
        for (int comp = 0; comp < 3; comp++) {
            kc_axes a = {.x = 48 + comp * 172, .y = 40 + c * 140, .w = 132, .h = 96};
            const double *d[64][2];
            double ymin = INFINITY, ymax = -INFINITY;
            size_t nt = s->n_trials < 64 ? s->n_trials : 64;
            for (size_t i = 0; i < nt; i++)
                for (int side = 0; side < 2; side++) {
                    const kc_rep_trial *t = &r->trials[s->trials[i]];
                    d[i][side] = t->kin_read ? t->landing[side][c] : NULL;
                    for (int j = 0; d[i][side] && j < KC_NORM_POINTS; j++) {
                        double v = d[i][side][j * 3 + comp];
                        if (isfinite(v)) {
                            ymin = fmin(ymin, v);
                            ymax = fmax(ymax, v);
                        }
                    }
                }
            a.xmin = 0;
            a.xmax = 100;
            a.ymin = ymin;
            a.ymax = ymax;
            kc_plot_nice_range(&a.ymin, &a.ymax);
            char title[64], ylab[96];
            snprintf(title, sizeof title, "%s: %s", ch[c], component_label(ch[c], comp));
            snprintf(ylab, sizeof ylab, "angle (deg)");
            kc_axes_draw(&p, &a, title, c == 2 ? "landing (% IC \xe2\x86\x92 take-off)" : "", ylab);
            for (size_t i = 0; i < nt; i++)
                for (int side = 0; side < 2; side++)
                    if (d[i][side])
                        kc_plot_line(&p, &a, percent_x, d[i][side] + comp, KC_NORM_POINTS, 3,
                                     kc_plot_colour((size_t)side), 1.1, (int)(i % 3));
            if (c == 2 && comp == 0) {   /* below the panels */
                kc_axes la = {.x = 48, .y = 462, .w = 490, .h = 50};
                kc_legend_item leg[8];
                size_t nl = 0;
                leg[nl++] = (kc_legend_item){"left", kc_plot_colour(0), 0, 0, 0};
                leg[nl++] = (kc_legend_item){"right", kc_plot_colour(1), 0, 0, 0};
                for (size_t i = 0; i < nt && nl < 8; i++)
                    leg[nl++] = (kc_legend_item){r->trials[s->trials[i]].trial,
                                                 (kc_rgb){0.3, 0.3, 0.3}, 0, (int)(i % 3), 0};
                kc_plot_legend(&p, &la, leg, nl, 1);
            }
        }
    char title[160];
    snprintf(title, sizeof title, "%s: joint angles of each trial over the landing phase", s->id);
    kc_plot_text(&p, 270, 14, 10, 0.5, 1, 0, title);
    char name[160];
    snprintf(name, sizeof name, "athlete_%s_curves.png", s->slug);
    st = kc_rep_save(r, &p, name, "kinematics files /normalized/landing");
    *made = st == KC_OK;
done:
    kc_plot_close(&p);
    return st;
}

/* The /normalized/landing channel {L,R}<Hip|Knee|Ankle> of k, copied (the athlete curves
 * figure draws it; the last "landing" phase's last channel of that name, as k holds them). */
double *kc_rep_landing_curve(const struct kc_kin *k, int side, int channel, int *st)
{
    static const char *const ch[3] = {"Hip", "Knee", "Ankle"};
    char name[32];
    snprintf(name, sizeof name, "%s%s", side ? "R" : "L", ch[channel]);
    const double *d = NULL;
    for (size_t ph = 0; ph < k->n_phases; ph++) {
        if (strcmp(k->phases[ph].name, "landing"))
            continue;
        for (size_t q = 0; q < k->phases[ph].n_channels; q++)
            if (strcmp(k->phases[ph].channels[q].name, name) == 0)
                d = k->phases[ph].channels[q].data;
    }
    if (!d)
        return NULL;
    double *out = malloc(KC_NORM_POINTS * 3 * sizeof *out);
    if (!out) {
        *st = KC_ENOMEM;
        return NULL;
    }
    memcpy(out, d, KC_NORM_POINTS * 3 * sizeof *out);
    return out;
}
