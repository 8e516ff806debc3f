/* Drop-jump landing events from force plates or foot markers (see events.h). */
#include "kinechain/events.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"

kc_events_params kc_events_default_params(void)
{
    kc_events_params p = {20.0, 30.0, 30.0, 0.03, 0.1};
    return p;
}

size_t kc_events_frame(double t_s, double rate_hz, size_t F)
{
    if (F == 0 || !isfinite(t_s))
        return 0;
    double f = floor(t_s * rate_hz + 0.5);
    if (f < 0)
        return 0;
    if (f > (double)(F - 1))
        return F - 1;
    return (size_t)f;
}

/* Linear bridge of the NaN gaps of x (stride 1) of at most max_gap samples between finite
 * samples; longer gaps and the ends stay NaN. */
static void bridge_gaps(double *x, size_t n, size_t max_gap)
{
    long last = -1;
    for (size_t f = 0; f < n; f++) {
        if (!isfinite(x[f]))
            continue;
        size_t gap = last >= 0 ? f - (size_t)last - 1 : 0;
        if (last >= 0 && gap > 0 && gap <= max_gap)
            for (size_t j = (size_t)last + 1; j < f; j++) {
                double u = (double)(j - (size_t)last) / (double)(f - (size_t)last);
                x[j] = x[last] + u * (x[f] - x[last]);
            }
        last = (long)f;
    }
}

void kc_events_foot_midpoint(const double *pos, size_t F, size_t M, int hee, int toe,
                             double *xy)
{
    for (size_t f = 0; f < F; f++) {
        const double *a = pos + (f * M + (size_t)hee) * 3;
        const double *b = pos + (f * M + (size_t)toe) * 3;
        xy[2 * f] = 0.5 * (a[0] + b[0]);
        xy[2 * f + 1] = 0.5 * (a[1] + b[1]);
    }
}

void kc_events_foot_height(const double *pos, size_t F, size_t M, int hee, int toe,
                           size_t max_gap, double *h)
{
    double *b = malloc((F ? F : 1) * sizeof *b);
    for (size_t f = 0; f < F; f++) {
        h[f] = hee >= 0 ? pos[(f * M + (size_t)hee) * 3 + 2] : NAN;
        if (b)
            b[f] = toe >= 0 ? pos[(f * M + (size_t)toe) * 3 + 2] : NAN;
    }
    if (!b) {   /* out of memory: the unbridged minimum */
        for (size_t f = 0; f < F; f++) {
            double t = toe >= 0 ? pos[(f * M + (size_t)toe) * 3 + 2] : NAN;
            h[f] = isnan(h[f]) ? t : isnan(t) ? h[f] : fmin(h[f], t);
        }
        return;
    }
    /* each marker's short gaps first: the minimum must not jump to the other marker (a heel
     * 80 mm up) for the frame the lower one is missing */
    bridge_gaps(h, F, max_gap);
    bridge_gaps(b, F, max_gap);
    for (size_t f = 0; f < F; f++)
        h[f] = isnan(h[f]) ? b[f] : isnan(b[f]) ? h[f] : fmin(h[f], b[f]);
    free(b);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double kc_events_floor_estimate(const double *h, size_t F)
{
    double *v = malloc((F ? F : 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return NAN;
    for (size_t f = 0; f < F; f++)
        if (isfinite(h[f]))
            v[n++] = h[f];
    double r = NAN;
    if (n) {
        qsort(v, n, sizeof *v, cmp_double);
        r = v[(size_t)floor(0.02 * (double)(n - 1))];
    }
    free(v);
    return r;
}

/* Sub-sample time where x crosses thr between samples i and i+1 (x[i], x[i+1] finite). */
static double cross_time(const double *x, size_t i, double thr, double dt)
{
    double a = x[i], b = x[i + 1];
    double u = b != a ? (thr - a) / (b - a) : 0.0;
    if (u < 0)
        u = 0;
    if (u > 1)
        u = 1;
    return ((double)i + u) * dt;
}

/* The state sequence of x against thr ("in contact" = below when below != 0, above
 * otherwise): the first entry into contact after at least one sample out of contact, the exit
 * after it, and the next entry; a phase shorter than min_n samples is ignored. Times in s. */
static void contact_phases(const double *x, size_t n, double thr, double thr_off, int below,
                           double dt, size_t min_n, double *t_on, double *t_off, double *t_on2)
{
    *t_on = *t_off = *t_on2 = NAN;
    /* leaving is judged against thr_off once the signal has been beyond it in this contact */
    double thr_on = thr;
#define IN(i) (below ? x[i] < thr : x[i] > thr)
    int seen_out = 0, stage = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (!isfinite(x[i]) || !isfinite(x[i + 1]))
            continue;
        if (!IN(i))
            seen_out = 1;
        int entering = !IN(i) && IN(i + 1), leaving = IN(i) && !IN(i + 1);
        if (stage != 1 && entering && (stage == 2 || seen_out)) {
            /* a contact must last min_n samples */
            size_t k = i + 1, run = 0;
            while (k < n && isfinite(x[k]) && IN(k) && run < min_n) {
                k++;
                run++;
            }
            if (run < min_n)
                continue;
            double t = cross_time(x, i, thr, dt);
            if (stage == 0) {
                *t_on = t;
                stage = 1;
                /* switch to the take-off threshold once the signal has passed it */
                for (size_t j = i + 1; j < n && isfinite(x[j]); j++) {
                    if (below ? x[j] < thr_off : x[j] > thr_off) {
                        thr = thr_off;
                        break;
                    }
                    if (below ? x[j] >= thr_on : x[j] <= thr_on)
                        break;
                }
            } else {
                *t_on2 = t;
                break;
            }
        } else if (stage == 1 && leaving) {
            size_t k = i + 1, run = 0;
            while (k < n && isfinite(x[k]) && !IN(k) && run < min_n) {
                k++;
                run++;
            }
            if (run < min_n && k < n)
                continue;
            *t_off = cross_time(x, i, thr, dt);
            stage = 2;
            thr = thr_on;
        }
    }
#undef IN
}

int kc_events_dvj_kinematic(const kc_events_params *ep, const double *h, size_t F, double rate_hz,
                            double floor_mm, kc_dvj_events *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->ic_s = ev->to_s = ev->ic2_s = NAN;
    ev->method = "kinematic";
    ev->uncertainty_s = 1.0 / rate_hz;
    ev->plate = -1;
    if (!isfinite(floor_mm))
        return KC_EINVAL;
    size_t min_n = (size_t)ceil(ep->min_phase_s * rate_hz);
    if (min_n < 1)
        min_n = 1;
    /* Marker gaps at touch-down and push-off are common (the foot markers are occluded near
     * the floor): gaps of up to max_gap_s are bridged linearly (again here, for callers that
     * built h themselves), so that a crossing inside a gap is found at the interpolated time
     * and a contact is not cut short by a missing frame. Longer gaps stay NaN. */
    double *g = malloc((F ? F : 1) * sizeof *g);
    if (!g)
        return KC_ENOMEM;
    memcpy(g, h, F * sizeof *g);
    bridge_gaps(g, F, (size_t)floor(ep->max_gap_s * rate_hz + 1e-9));
    contact_phases(g, F, floor_mm + ep->height_threshold_mm, floor_mm + ep->takeoff_threshold_mm,
                   1, 1.0 / rate_hz, min_n, &ev->ic_s, &ev->to_s, &ev->ic2_s);
    free(g);
    return isfinite(ev->ic_s) ? KC_OK : KC_ENUMERIC;
}

int kc_events_dvj_force(const kc_events_params *ep, const kc_forceplate *fp, size_t n_fp,
                        const double *foot_xy, size_t F, double rate_hz, kc_dvj_events *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->ic_s = ev->to_s = ev->ic2_s = NAN;
    ev->method = "force";
    ev->plate = -1;
    for (size_t i = 0; i < n_fp; i++) {
        const kc_forceplate *p = &fp[i];
        if (!p->force || p->n < 2 || !(p->rate_hz > 0))
            continue;
        double *fz = malloc(p->n * sizeof *fz);
        if (!fz)
            return KC_ENOMEM;
        for (size_t j = 0; j < p->n; j++)
            fz[j] = fabs(p->force[j * 3 + 2]);
        size_t min_n = (size_t)ceil(ep->min_phase_s * p->rate_hz);
        double on, off, on2;
        contact_phases(fz, p->n, ep->force_threshold_n, ep->force_threshold_n, 0,
                       1.0 / p->rate_hz, min_n ? min_n : 1, &on, &off, &on2);
        free(fz);
        if (!isfinite(on))
            continue;
        /* is this side's foot on the plate a little after it loads? */
        size_t f = kc_events_frame(on + 0.02, rate_hz, F);
        double x = foot_xy[2 * f], y = foot_xy[2 * f + 1];
        double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
        for (int k = 0; k < 4; k++) {
            xmin = fmin(xmin, p->corners[k][0]);
            xmax = fmax(xmax, p->corners[k][0]);
            ymin = fmin(ymin, p->corners[k][1]);
            ymax = fmax(ymax, p->corners[k][1]);
        }
        if (!(x >= xmin && x <= xmax && y >= ymin && y <= ymax))
            continue;
        ev->ic_s = on;
        ev->to_s = off;
        ev->ic2_s = on2;
        ev->plate = (int)i;
        ev->uncertainty_s = 1.0 / p->rate_hz;
        return KC_OK;
    }
    return KC_EMISSING;
}

void kc_events_peak_flexion(const double *knee, size_t F, double rate_hz, kc_dvj_events *ev)
{
    ev->pkf_ok = 0;
    if (!isfinite(ev->ic_s) || !isfinite(ev->to_s) || F == 0)
        return;
    size_t a = kc_events_frame(ev->ic_s, rate_hz, F), b = kc_events_frame(ev->to_s, rate_hz, F);
    double best = -INFINITY;
    for (size_t f = a; f <= b; f++)
        if (isfinite(knee[f * 3]) && knee[f * 3] > best) {
            best = knee[f * 3];
            ev->pkf_frame = f;
            ev->pkf_ok = 1;
        }
}

static int add_row(kc_table *t, const char *name, const char *side, double time_s,
                   int64_t frame, const char *method, double unc)
{
    long r = kc_table_add_row(t);
    if (r < 0)
        return (int)r;
    size_t i = (size_t)r;
    int st = kc_table_set_str(t, i, kc_table_find(t, "name"), name);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "side"), side);
    if (!st) st = kc_table_set_i64(t, i, kc_table_find(t, "frame"), frame);
    if (!st) st = kc_table_set_f64(t, i, kc_table_find(t, "time_s"), time_s);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "method"), method);
    if (!st) st = kc_table_set_str(t, i, kc_table_find(t, "source"), "detected");
    if (!st) st = kc_table_set_f64(t, i, kc_table_find(t, "uncertainty_s"), unc);
    return st;
}

int kc_events_to_table(const kc_dvj_events ev[2], double rate_hz, size_t F, kc_table *t)
{
    static const char *const sn[2] = {"L", "R"};
    int st = KC_OK;
    for (int s = 0; s < 2 && !st; s++) {
        const kc_dvj_events *e = &ev[s];
        const char *names[3] = {"initial_contact", "take_off", "second_contact"};
        double times[3] = {e->ic_s, e->to_s, e->ic2_s};
        for (int k = 0; k < 3 && !st; k++) {
            if (!isfinite(times[k]))
                continue;
            st = add_row(t, names[k], sn[s], times[k],
                         (int64_t)kc_events_frame(times[k], rate_hz, F), e->method,
                         e->uncertainty_s);
            if (!st && k == 0 && e->pkf_ok)
                st = add_row(t, "peak_knee_flexion", sn[s], (double)e->pkf_frame / rate_hz,
                             (int64_t)e->pkf_frame, "kinematic", 0.5 / rate_hz);
        }
    }
    return st;
}

/* ---- single-leg squat ------------------------------------------------------------------------ */

int kc_events_sls_side(const double *pos, size_t F, size_t M, const int hee[2], const int toe[2])
{
    double range[2] = {NAN, NAN};
    double *h = malloc((F ? F : 1) * sizeof *h);
    if (!h)
        return -1;
    for (int s = 0; s < 2; s++) {
        kc_events_foot_height(pos, F, M, hee[s], toe[s], 0, h);
        double lo = INFINITY, hi = -INFINITY;
        for (size_t f = 0; f < F; f++)
            if (isfinite(h[f])) {
                lo = h[f] < lo ? h[f] : lo;
                hi = h[f] > hi ? h[f] : hi;
            }
        if (hi >= lo)
            range[s] = hi - lo;
    }
    free(h);
    if (isnan(range[0]) && isnan(range[1]))
        return -1;
    if (isnan(range[1]))
        return 0;
    if (isnan(range[0]))
        return 1;
    return range[1] < range[0];
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int kc_events_sls(const double *knee, size_t F, double rate_hz, double *start_s,
                  size_t *deep_frame, double *end_s)
{
    *start_s = *end_s = NAN;
    *deep_frame = 0;
    size_t nb = (size_t)(KC_SLS_BASELINE_S * rate_hz);
    if (nb < 1)
        nb = 1;
    if (nb > F)
        nb = F;
    double *b = malloc((nb ? nb : 1) * sizeof *b);
    if (!b)
        return KC_ENOMEM;
    size_t n = 0;
    for (size_t f = 0; f < nb; f++)
        if (isfinite(knee[f * 3]))
            b[n++] = knee[f * 3];
    long pk = -1;
    for (size_t f = 0; f < F; f++)
        if (isfinite(knee[f * 3]) && (pk < 0 || knee[f * 3] > knee[(size_t)pk * 3]))
            pk = (long)f;
    if (n == 0 || pk < 0) {
        free(b);
        return KC_ENUMERIC;
    }
    qsort(b, n, sizeof *b, cmp_dbl);
    double base = n % 2 ? b[n / 2] : 0.5 * (b[n / 2 - 1] + b[n / 2]);
    free(b);
    double thr = base + KC_SLS_FRACTION * (knee[(size_t)pk * 3] - base);
    *deep_frame = (size_t)pk;
    for (size_t f = (size_t)pk; f > 0; f--) {
        double a = knee[(f - 1) * 3], c = knee[f * 3];
        if (isfinite(a) && isfinite(c) && a <= thr && c > thr) {
            *start_s = ((double)(f - 1) + (thr - a) / (c - a)) / rate_hz;
            break;
        }
    }
    for (size_t f = (size_t)pk; f + 1 < F; f++) {
        double a = knee[f * 3], c = knee[(f + 1) * 3];
        if (isfinite(a) && isfinite(c) && a > thr && c <= thr) {
            *end_s = ((double)f + (a - thr) / (a - c)) / rate_hz;
            break;
        }
    }
    return isfinite(*start_s) && isfinite(*end_s) ? KC_OK : KC_ENUMERIC;
}

int kc_events_sls_to_table(int side, double start_s, size_t deep_frame, double end_s,
                           double rate_hz, size_t F, kc_table *t)
{
    const char *sd = side ? "R" : "L";
    int st = KC_OK;
    if (isfinite(start_s))
        st = add_row(t, "start", sd, start_s, (int64_t)kc_events_frame(start_s, rate_hz, F),
                     "kinematic", 1.0 / rate_hz);
    if (!st)
        st = add_row(t, "peak_knee_flexion", sd, (double)deep_frame / rate_hz,
                     (int64_t)deep_frame, "kinematic", 0.5 / rate_hz);
    if (!st && isfinite(end_s))
        st = add_row(t, "end", sd, end_s, (int64_t)kc_events_frame(end_s, rate_hz, F),
                     "kinematic", 1.0 / rate_hz);
    return st;
}

/* ---- overrides (kc-ik --events) --------------------------------------------------------------- */

const char *const KC_EVENT_OVERRIDE_NAMES[4] = {"initial_contact", "take_off", "second_contact",
                                               "peak_knee_flexion"};

/* the rows of this subject and trial (events.h) */
int kc_events_read_overrides(const char *path, const char *subject, const char *trial,
                             double ovr[2][4], int *n_used)
{
    kc_table *t = NULL;
    int st = kc_table_read_csv(path, &t);
    *n_used = 0;
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 4; i++)
            ovr[s][i] = NAN;
    if (st)
        return st;
    static const char *const cols[5] = {"subject", "trial", "name", "side", "time_s"};
    int c[5];
    for (int i = 0; i < 5; i++)
        if ((c[i] = kc_table_find(t, cols[i])) < 0) {
            KC_ERROR("--events \"%s\": no column %s (needs subject, trial, name, side, time_s)",
                     path, cols[i]);
            kc_table_free(t);
            return KC_EINVAL;
        }
    st = KC_OK;
    for (size_t r = 0; r < kc_table_nrows(t) && !st; r++) {
        const char *sj = kc_table_get_str(t, r, c[0]), *tr = kc_table_get_str(t, r, c[1]);
        const char *nm = kc_table_get_str(t, r, c[2]), *sd = kc_table_get_str(t, r, c[3]);
        const char *tm = kc_table_get_str(t, r, c[4]);
        if (sj && *sj && (!subject || strcmp(sj, subject)))
            continue;
        if (tr && *tr && (!trial || strcmp(tr, trial)))
            continue;
        int k = -1, side = -1;
        for (int i = 0; i < 4; i++)
            if (nm && !strcmp(nm, KC_EVENT_OVERRIDE_NAMES[i]))
                k = i;
        if (sd && (!strcmp(sd, "L") || !strcmp(sd, "R")))
            side = sd[0] == 'R';
        char *end = NULL;
        double v = tm ? strtod(tm, &end) : NAN;
        if (k < 0 || side < 0 || !tm || end == tm || *end || !isfinite(v) || v < 0) {
            KC_ERROR("--events \"%s\" row %zu: name \"%s\" (initial_contact, take_off, "
                     "second_contact or peak_knee_flexion), side \"%s\" (L or R), time_s \"%s\" "
                     "(s >= 0)", path, r + 2, nm ? nm : "", sd ? sd : "", tm ? tm : "");
            st = KC_EINVAL;
            break;
        }
        ovr[side][k] = v;
        (*n_used)++;
    }
    kc_table_free(t);
    return st;
}

void kc_events_override_contacts(const double ovr_side[4], kc_dvj_events *ev)
{
    if (isfinite(ovr_side[0]))
        ev->ic_s = ovr_side[0];
    if (isfinite(ovr_side[1]))
        ev->to_s = ovr_side[1];
    if (isfinite(ovr_side[2]))
        ev->ic2_s = ovr_side[2];
}

void kc_events_override_peak(const double ovr_side[4], double rate_hz, size_t F,
                             kc_dvj_events *ev)
{
    if (isfinite(ovr_side[3])) {
        ev->pkf_frame = kc_events_frame(ovr_side[3], rate_hz, F);
        ev->pkf_ok = 1;
    }
}

/* mark the overridden rows of an events table: method and source "manual" */
int kc_events_mark_manual(kc_table *e, const double ovr[2][4])
{
    int cn = kc_table_find(e, "name"), cs = kc_table_find(e, "side");
    int cm = kc_table_find(e, "method"), cr = kc_table_find(e, "source");
    int cu = kc_table_find(e, "uncertainty_s");
    int st = KC_OK;
    for (size_t r = 0; r < kc_table_nrows(e) && !st; r++) {
        const char *nm = kc_table_get_str(e, r, cn), *sd = kc_table_get_str(e, r, cs);
        int side = sd && sd[0] == 'R';
        for (int i = 0; i < 4 && !st; i++)
            if (nm && !strcmp(nm, KC_EVENT_OVERRIDE_NAMES[i]) && isfinite(ovr[side][i])) {
                st = kc_table_set_str(e, r, cm, "manual");
                if (!st)
                    st = kc_table_set_str(e, r, cr, "manual");
                if (!st)
                    st = kc_table_set_f64(e, r, cu, NAN);
            }
    }
    return st;
}
