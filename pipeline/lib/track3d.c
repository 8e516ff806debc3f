/* kinechain — tracking of anonymous 3D points (include/kinechain/track3d.h).
 *
 * Constant-velocity prediction with a gate widened by the largest acceleration a marker
 * can have over the time since it was last seen (a kinematic bound, as in the gating of
 * nearest-neighbour trackers: Bar-Shalom & Li, Multitarget-Multisensor Tracking, ch. 6),
 * and a greedy global nearest-neighbour assignment on gate-normalised distances.
 */
#include "kinechain/track3d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"

kc_track_params kc_track_default_params(double rate_hz)
{
    kc_track_params p;
    p.rate_hz = rate_hz;
    p.gate_mm = 12.0;
    p.max_accel_mm_s2 = 1e6;
    p.max_speed_mm_s = 6000.0;
    p.max_gap = 10;
    p.max_gate_mm = 30.0;
    p.ambiguity = 1.5;
    p.min_cameras_start = 3;
    return p;
}

int kc_track_check_params(const kc_track_params *p)
{
    const char *bad = NULL;
    if (!p)
        bad = "(missing)";
    else if (!(p->rate_hz > 0) || !isfinite(p->rate_hz))
        bad = "rate_hz";
    else if (!(p->gate_mm > 0) || !isfinite(p->gate_mm))
        bad = "gate_mm";
    else if (!(p->max_accel_mm_s2 >= 0) || !isfinite(p->max_accel_mm_s2))
        bad = "max_accel_mm_s2";
    else if (!(p->max_speed_mm_s >= 0) || !isfinite(p->max_speed_mm_s))
        bad = "max_speed_mm_s";
    else if (p->max_gap < 0 || p->max_gap > 100000)
        bad = "max_gap";
    else if (!(p->max_gate_mm >= p->gate_mm) || !isfinite(p->max_gate_mm))
        bad = "max_gate_mm";
    else if (!(p->ambiguity >= 1) || !isfinite(p->ambiguity))
        bad = "ambiguity";
    else if (p->min_cameras_start < 2)
        bad = "min_cameras_start";
    if (bad) {
        KC_ERROR("tracking: parameter %s is out of range", bad);
        return KC_EINVAL;
    }
    return KC_OK;
}

typedef struct trk {
    double x[3];      /* last measured position, mm */
    double v[3];      /* mm per frame */
    long last;        /* frame last seen */
    int n_seen;       /* points so far */
    int id;
} trk;

typedef struct pair {
    double cost;
    int t;            /* index into the active list */
    int64_t k;        /* point */
} pair;

static int cmp_pair(const void *pa, const void *pb)
{
    const pair *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

int kc_track_all(const kc_track_params *p, size_t F, const int64_t *off,
                 const kc_corr_point *pts, int32_t *track_of, size_t *n_tracks)
{
    if (kc_track_check_params(p) || !off || (off[F] > 0 && (!pts || !track_of)) || !n_tracks)
        return KC_EINVAL;
    *n_tracks = 0;
    size_t cap = 64, na = 0, pcap = 256;
    trk *act = malloc(cap * sizeof *act);
    pair *pr = malloc(pcap * sizeof *pr);
    uint8_t *taken = NULL, *tdone = NULL;
    size_t maxpf = 1;
    for (size_t f = 0; f < F; f++)
        if ((size_t)(off[f + 1] - off[f]) > maxpf)
            maxpf = (size_t)(off[f + 1] - off[f]);
    taken = malloc(maxpf);
    int st = KC_ENOMEM;
    if (!act || !pr || !taken)
        goto done;
    for (int64_t k = 0; k < off[F]; k++)
        track_of[k] = -1;
    double dt1 = 1.0 / p->rate_hz;
    int next_id = 0;
    for (size_t f = 0; f < F; f++) {
        int64_t k0 = off[f], k1 = off[f + 1];
        size_t np = 0;
        memset(taken, 0, (size_t)(k1 - k0));
        /* end tracks unseen too long (keeping the order of the active list) */
        size_t w = 0;
        for (size_t t = 0; t < na; t++)
            if ((long)f - act[t].last <= p->max_gap + 1)
                act[w++] = act[t];
        na = w;
        /* candidate pairs */
        for (size_t t = 0; t < na; t++) {
            double steps = (double)((long)f - act[t].last), dt = steps * dt1;
            double pred[3], gate = p->gate_mm + 0.5 * p->max_accel_mm_s2 * dt * dt;
            if (act[t].n_seen == 1)
                gate += p->max_speed_mm_s * dt;
            if (gate > p->max_gate_mm)
                gate = p->max_gate_mm;
            for (int d = 0; d < 3; d++)
                pred[d] = act[t].x[d] + act[t].v[d] * steps;
            for (int64_t k = k0; k < k1; k++) {
                const kc_corr_point *q = &pts[k];
                int weak = q->n_cameras < p->min_cameras_start;
                double g = gate;
                if (weak) {
                    if (steps > 1.0 || act[t].n_seen < 2)
                        continue;
                    g = p->gate_mm;
                }
                double d2 = 0;
                for (int d = 0; d < 3; d++)
                    d2 += (q->X[d] - pred[d]) * (q->X[d] - pred[d]);
                if (!(d2 <= g * g))
                    continue;
                if (np == pcap) {
                    pair *np2 = realloc(pr, 2 * pcap * sizeof *pr);
                    if (!np2)
                        goto done;
                    pr = np2;
                    pcap *= 2;
                }
                pr[np].cost = sqrt(d2) / g;
                pr[np].t = (int)t;
                pr[np].k = k;
                np++;
            }
        }
        qsort(pr, np, sizeof *pr, cmp_pair);
        if (!(tdone = realloc(tdone, na ? na : 1)))
            goto done;
        memset(tdone, 0, na ? na : 1);
        for (size_t i = 0; i < np; i++) {
            int t = pr[i].t;
            int64_t k = pr[i].k;
            if (tdone[t] || taken[k - k0])
                continue;
            /* ambiguous: another open track nearly as close to this point, or another free
             * point nearly as close to this track: link neither (the track coasts, the
             * point starts a track of its own) rather than risk a swap; labelling joins
             * the pieces by rigidity */
            int amb = 0;
            for (size_t j = i + 1; j < np && !amb; j++) {
                if (pr[j].cost > p->ambiguity * pr[i].cost + 0.05)
                    break;
                amb = (pr[j].k == k && !tdone[pr[j].t]) ||
                      (pr[j].t == t && !taken[pr[j].k - k0]);
            }
            tdone[t] = 1;
            if (amb)
                continue;
            taken[k - k0] = 1;
            trk *tr = &act[t];
            double steps = (double)((long)f - tr->last);
            for (int d = 0; d < 3; d++) {
                tr->v[d] = (pts[k].X[d] - tr->x[d]) / steps;
                tr->x[d] = pts[k].X[d];
            }
            tr->last = (long)f;
            tr->n_seen++;
            track_of[k] = tr->id;
        }
        /* new tracks from unclaimed strong points */
        for (int64_t k = k0; k < k1; k++) {
            if (taken[k - k0] || pts[k].n_cameras < p->min_cameras_start)
                continue;
            if (na == cap) {
                trk *a2 = realloc(act, 2 * cap * sizeof *act);
                if (!a2)
                    goto done;
                act = a2;
                cap *= 2;
            }
            trk *tr = &act[na++];
            memcpy(tr->x, pts[k].X, sizeof tr->x);
            tr->v[0] = tr->v[1] = tr->v[2] = 0;
            tr->last = (long)f;
            tr->n_seen = 1;
            tr->id = next_id++;
            track_of[k] = tr->id;
        }
    }
    *n_tracks = (size_t)next_id;
    st = KC_OK;
done:
    if (st == KC_ENOMEM)
        KC_ERROR("out of memory for tracking (%zu frames)", F);
    free(act);
    free(pr);
    free(taken);
    free(tdone);
    return st;
}
