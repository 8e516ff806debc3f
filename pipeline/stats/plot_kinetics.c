/* kc-stats: the athlete page's kinetics figure (issue 11): per trial and side, the vertical
 * ground reaction force and the external knee abduction moment over the landing, from the
 * trials' kinematics files (/series/{L,R}VerticalGRF, /moments/{L,R}Knee, /events). Trials
 * without kinetics (no force plates, no body mass, --no-kinetics) are left out; with none,
 * no figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/kinetics.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "report.h"

/* called from report_athlete.c (declared there too: report.h is shared) */
int kc_fig_athlete_kinetics(const kc_report *r, const kc_rep_subject *s, int *made);

#define PRE_MS 50.0    /* drawn before initial contact */
#define POST_MS 50.0   /* and after take-off */
#define MAX_TRIALS 64

static double event_time(const kc_kin *k, const char *name, const char *side)
{
    const kc_table *e = k->events;
    int cn = e ? kc_table_find(e, "name") : -1, cs = e ? kc_table_find(e, "side") : -1,
        ct = e ? kc_table_find(e, "time_s") : -1;
    if (cn < 0 || cs < 0 || ct < 0)
        return NAN;
    for (size_t i = 0; i < kc_table_nrows(e); i++)
        if (!strcmp(kc_table_get_str(e, i, cn), name) && !strcmp(kc_table_get_str(e, i, cs), side))
            return kc_table_get_f64(e, i, ct);
    return NAN;
}

static const double *series_data(const kc_kin *k, const char *name)
{
    for (size_t i = 0; i < k->n_series; i++)
        if (!strcmp(k->series[i].name, name))
            return k->series[i].data;
    return NULL;
}

/* called by report.c when it reads the kinematics file (the pages make no HDF5 call) */
int kc_rep_landing_of(const struct kc_kin *k, int side, kc_rep_landing *c)
{
    memset(c, 0, sizeof *c);
    const char *sd = side ? "R" : "L";
    char gn[32], mn[32];
    snprintf(gn, sizeof gn, "%sVerticalGRF", sd);
    snprintf(mn, sizeof mn, "%sKnee", sd);
    const double *g = series_data(k, gn);
    const kc_series3 *m = kc_kin_group_find(&k->moments, mn);
    double ic = event_time(k, "initial_contact", sd), to = event_time(k, "take_off", sd);
    if (!g || !m || !(isfinite(ic) && isfinite(to) && to > ic) || !(k->rate_hz > 0))
        return KC_OK;
    double fa = floor((ic - PRE_MS * 1e-3) * k->rate_hz), fb = ceil((to + POST_MS * 1e-3) * k->rate_hz);
    size_t a = fa < 0 ? 0 : (size_t)fa, b = fb < 0 ? 0 : (size_t)fb;
    if (b >= k->n_frames)
        b = k->n_frames ? k->n_frames - 1 : 0;
    if (a > b || !k->n_frames)
        return KC_OK;
    size_t n = b - a + 1, finite = 0;
    c->x = malloc(n * sizeof *c->x);
    c->grf = malloc(n * sizeof *c->grf);
    c->kam = malloc(n * sizeof *c->kam);
    if (!c->x || !c->grf || !c->kam) {
        free(c->x);
        free(c->grf);
        free(c->kam);
        memset(c, 0, sizeof *c);
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        size_t f = a + i;
        c->x[i] = ((double)f / k->rate_hz - ic) * 1e3;
        c->grf[i] = g[f] / KC_KIN_G;                 /* N/kg -> body weights */
        c->kam[i] = -m->data[f * 3 + 1] * 1e-3;     /* external abduction = -Y; N.mm -> N.m */
        finite += isfinite(c->grf[i]) && isfinite(c->kam[i]);
    }
    c->n = finite ? n : 0;
    return KC_OK;
}

void kc_rep_landing_free(kc_rep_landing *c)
{
    free(c->x);
    free(c->grf);
    free(c->kam);
    memset(c, 0, sizeof *c);
}

int kc_fig_athlete_kinetics(const kc_report *r, const kc_rep_subject *s, int *made)
{
    *made = 0;
    size_t nt = s->n_trials < MAX_TRIALS ? s->n_trials : MAX_TRIALS;
    int st = KC_OK;
    size_t nkin = 0;
    for (size_t i = 0; i < nt; i++) {
        const kc_rep_trial *t = &r->trials[s->trials[i]];
        if (!t->kin_read)
            continue;
        for (int side = 0; side < 2; side++)
            nkin += t->kinetics[side].n > 0;
    }
    kc_plot p = {0};
    if (st || !nkin || (st = kc_plot_open(&p, 540, 365)))
        goto done;
    double xmin = -PRE_MS, xmax = 0, lim[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < nt; i++)
        for (int side = 0; side < 2; side++) {
            const kc_rep_landing *c = &r->trials[s->trials[i]].kinetics[side];
            for (size_t j = 0; j < c->n; j++) {
                xmax = fmax(xmax, c->x[j]);
                const double v[2] = {c->grf[j], c->kam[j]};
                for (int q = 0; q < 2; q++)
                    if (isfinite(v[q])) {
                        lim[q][0] = fmin(lim[q][0], v[q]);
                        lim[q][1] = fmax(lim[q][1], v[q]);
                    }
            }
        }
    static const char *const title[2] = {"Vertical ground reaction force",
                                         "External knee abduction moment (+ = valgus loading)"};
    static const char *const ylab[2] = {"force (body weights)", "moment (N\xc2\xb7m/kg)"};
    for (int q = 0; q < 2; q++) {
        kc_axes a = {.x = 62, .y = 40 + q * 170, .w = 360, .h = 120};
        a.xmin = xmin;
        a.xmax = xmax;
        a.ymin = lim[q][0];
        a.ymax = lim[q][1];
        kc_plot_nice_range(&a.ymin, &a.ymax);
        kc_plot_nice_range(&a.xmin, &a.xmax);
        kc_axes_draw(&p, &a, title[q], q == 1 ? "time from initial contact (ms)" : "", ylab[q]);
        for (size_t i = 0; i < nt; i++)
            for (int side = 0; side < 2; side++) {
                const kc_rep_landing *c = &r->trials[s->trials[i]].kinetics[side];
                if (c->n)
                    kc_plot_line(&p, &a, c->x, q ? c->kam : c->grf, c->n, 1,
                                 kc_plot_colour((size_t)side), 1.1, (int)(i % 3));
            }
    }
    kc_axes la = {.x = 430, .y = 40, .w = 104, .h = 120};   /* right of the force panel */
    kc_legend_item leg[8];
    size_t nl = 0;
    leg[nl++] = (kc_legend_item){"left", kc_plot_colour(0), 0, 0, 0};
    leg[nl++] = (kc_legend_item){"right", kc_plot_colour(1), 0, 0, 0};
    for (size_t i = 0; i < nt && nl < 8; i++)
        if (r->trials[s->trials[i]].kinetics[0].n || r->trials[s->trials[i]].kinetics[1].n)
            leg[nl++] = (kc_legend_item){r->trials[s->trials[i]].trial, (kc_rgb){0.3, 0.3, 0.3},
                                         0, (int)(i % 3), 0};
    kc_plot_legend(&p, &la, leg, nl, 0);
    char ttl[160];
    snprintf(ttl, sizeof ttl, "%s: landing kinetics of each trial", s->id);
    kc_plot_text(&p, 242, 14, 10, 0.5, 1, 0, ttl);
    char name[160];
    snprintf(name, sizeof name, "athlete_%s_kinetics.png", s->slug);
    st = kc_rep_save(r, &p, name,
                     "kinematics files /series/{L,R}VerticalGRF, /moments/{L,R}Knee, /events");
    *made = st == KC_OK;
done:
    kc_plot_close(&p);
    return st;
}
