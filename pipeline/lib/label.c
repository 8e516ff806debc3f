/* kinechain — automatic labelling of tracked markers (include/kinechain/label.h).
 *
 * The marker set and the anatomical facts used are those of the Plug-in Gait lower body
 * model (Vicon Plug-in Gait reference guide: ASIS and PSIS pairs, thigh and tibia wands on
 * the lateral side, lateral knee and ankle, heel and toe at the same height) plus C7, T10,
 * CLAV and STRN of the trunk. Relabelling by segment rigidity follows the idea of
 * model-based labelling in commercial systems: inter-marker distances within a segment are
 * (nearly) constant and mirror-free when taken between markers of one side.
 */
#include "kinechain/label.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"

const char *const KC_LABEL_PIG_NAMES[KC_LABEL_PIG_N] = {
    "LASI", "RASI", "LPSI", "RPSI", "LTHI", "LKNE", "LTIB", "LANK", "LHEE", "LTOE",
    "RTHI", "RKNE", "RTIB", "RANK", "RHEE", "RTOE", "C7", "T10", "CLAV", "STRN",
};

enum { LASI, RASI, LPSI, RPSI, LTHI, LKNE, LTIB, LANK, LHEE, LTOE,
       RTHI, RKNE, RTIB, RANK, RHEE, RTOE, C7, T10, CLAV, STRN };

/* Segments whose markers keep their distances (within soft tissue movement). */
static const int SEGMENTS[][5] = {
    {LASI, RASI, LPSI, RPSI, -1}, {LTHI, LKNE, -1}, {LKNE, LTIB, LANK, -1},
    {LANK, LHEE, LTOE, -1},       {RTHI, RKNE, -1}, {RKNE, RTIB, RANK, -1},
    {RANK, RHEE, RTOE, -1},       {C7, T10, CLAV, STRN, -1},
};
#define N_SEGMENTS (sizeof SEGMENTS / sizeof SEGMENTS[0])

kc_label_params kc_label_default_params(void)
{
    kc_label_params p;
    p.rigid_tol_mm = 12.0;
    p.margin = 2.0;
    p.min_coverage = 0.2;
    return p;
}

static int check_params(const kc_label_params *p)
{
    if (!p || !(p->rigid_tol_mm > 0) || !isfinite(p->rigid_tol_mm) || !(p->margin > 1) ||
        !isfinite(p->margin) || !(p->min_coverage > 0) || !(p->min_coverage <= 1)) {
        KC_ERROR("labelling: parameters out of range");
        return KC_EINVAL;
    }
    return KC_OK;
}

/* rigid[a][b] = 1 when a and b share a segment */
static void rigid_pairs(unsigned char rigid[KC_LABEL_PIG_N][KC_LABEL_PIG_N])
{
    memset(rigid, 0, KC_LABEL_PIG_N * KC_LABEL_PIG_N);
    for (size_t s = 0; s < N_SEGMENTS; s++)
        for (int i = 0; SEGMENTS[s][i] >= 0; i++)
            for (int j = 0; SEGMENTS[s][j] >= 0; j++)
                if (i != j)
                    rigid[SEGMENTS[s][i]][SEGMENTS[s][j]] = 1;
}

static double dist3(const double *a, const double *b)
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

static double dotp(const double *p, const double *c, const double *dir)
{
    return (p[0] - c[0]) * dir[0] + (p[1] - c[1]) * dir[1] + (p[2] - c[2]) * dir[2];
}

#define STATIC_FAIL(...)                \
    do {                                \
        if (log)                        \
            KC_ERROR(__VA_ARGS__);      \
        goto fail;                      \
    } while (0)

/* Best assignment of a leg's six points s[] to the labels base..base+5 by the static's
 * rigid distances D (every permutation: 720). Returns the RMS misfit (INFINITY if none)
 * and the assignment in lab[]; *worst is the largest single misfit. */
static double leg_by_template(const double *P, const size_t *s, int base,
                              const double D[KC_LABEL_PIG_N][KC_LABEL_PIG_N],
                              const unsigned char rigid[KC_LABEL_PIG_N][KC_LABEL_PIG_N],
                              int lab[6], double *worst)
{
    int perm[6] = {0, 1, 2, 3, 4, 5}, c[6] = {0};
    double best = INFINITY;
    /* Heap's algorithm over the 720 orders of the six points */
    for (int i = 0;;) {
        double ss = 0, w = 0;
        int np = 0;
        for (int a = 0; a < 6; a++)
            for (int b = a + 1; b < 6; b++) {
                int la = base + a, lb = base + b;
                if (!rigid[la][lb] || !isfinite(D[la][lb]))
                    continue;
                double e = fabs(dist3(P + 3 * s[perm[a]], P + 3 * s[perm[b]]) - D[la][lb]);
                ss += e * e;
                w = e > w ? e : w;
                np++;
            }
        double rms = np ? sqrt(ss / np) : INFINITY;
        if (rms < best) {
            best = rms;
            *worst = w;
            for (int a = 0; a < 6; a++)
                lab[perm[a]] = base + a;
        }
        while (i < 6 && c[i] >= i) {
            c[i] = 0;
            i++;
        }
        if (i >= 6)
            break;
        int j = i % 2 ? c[i] : 0, t = perm[j];
        perm[j] = perm[i];
        perm[i] = t;
        c[i]++;
        i = 1;
    }
    return best;
}

/* D, rigid, tol: when given, the legs are labelled by the static's rigid distances (a pose
 * other than standing: a single-leg squat) instead of the standing rules. */
static int static_pose_ex(const double *P, size_t N, int *label, const char *what, int log,
                          const double (*D)[KC_LABEL_PIG_N],
                          const unsigned char (*rigid)[KC_LABEL_PIG_N], double tol);

static int static_pose(const double *P, size_t N, int *label, const char *what, int log)
{
    return static_pose_ex(P, N, label, what, log, NULL, NULL, 0);
}

static int static_pose_ex(const double *P, size_t N, int *label, const char *what, int log,
                          const double (*D)[KC_LABEL_PIG_N],
                          const unsigned char (*rigid)[KC_LABEL_PIG_N], double tol)
{
    size_t *idx = malloc((N ? N : 1) * sizeof *idx);
    size_t trunk[8], pelvis[8], left[16], right[16];
    size_t nt = 0, np = 0, nl = 0, nr = 0;
    if (!idx)
        return KC_ENOMEM;
    if (!what)
        what = "static";
    double zmax = -INFINITY;
    for (size_t i = 0; i < N; i++)
        if (P[3 * i + 2] > zmax)
            zmax = P[3 * i + 2];
    if (N < 8 || !(zmax > 0))
        STATIC_FAIL("%s: %zu markers, none above the floor or too few: Plug-in Gait lower body "
                    "and trunk has %d", what, N, KC_LABEL_PIG_N);
    size_t nlegs = 0;
    for (size_t i = 0; i < N; i++) {
        double r = P[3 * i + 2] / zmax;
        if (r >= 0.75) {
            if (nt < 8)
                trunk[nt] = i;
            nt++;
        } else if (r >= 0.52) {
            if (np < 8)
                pelvis[np] = i;
            np++;
        } else {
            idx[nlegs++] = i;
        }
    }
    if (nt != 4)
        STATIC_FAIL("%s: %zu markers in the trunk (above 0.75 of the highest marker), Plug-in "
                    "Gait has 4 (C7 T10 CLAV STRN)%s", what, nt, nt > 4 ? ": an extra marker" :
                    ": one is missing");
    if (np != 4)
        STATIC_FAIL("%s: %zu markers at pelvis height (0.52-0.75 of the highest marker), "
                    "Plug-in Gait has 4 (LASI RASI LPSI RPSI)%s", what, np,
                    np > 4 ? ": an extra marker" : ": one is missing");
    /* PSIS: the closest pair of the pelvis four */
    int bi = 0, bj = 1;
    double bd = INFINITY;
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++) {
            double d = dist3(P + 3 * pelvis[i], P + 3 * pelvis[j]);
            if (d < bd) {
                bd = d;
                bi = i;
                bj = j;
            }
        }
    size_t ps[2] = {pelvis[bi], pelvis[bj]}, as[2];
    for (int i = 0, k = 0; i < 4; i++)
        if (i != bi && i != bj)
            as[k++] = pelvis[i];
    double c[3], ant[3], lft[3];
    for (int d = 0; d < 3; d++) {
        double ma = 0.5 * (P[3 * as[0] + d] + P[3 * as[1] + d]);
        double mp = 0.5 * (P[3 * ps[0] + d] + P[3 * ps[1] + d]);
        c[d] = 0.5 * (ma + mp);
        ant[d] = ma - mp;
    }
    ant[2] = 0;
    double an = hypot(ant[0], ant[1]);
    if (!(an > 10.0))
        STATIC_FAIL("%s: the pelvis markers have no front and back (ASIS and PSIS pairs less "
                    "than 10 mm apart horizontally)", what);
    ant[0] /= an;
    ant[1] /= an;
    lft[0] = -ant[1];   /* up x anterior */
    lft[1] = ant[0];
    lft[2] = 0;
    int asl = dotp(P + 3 * as[0], c, lft) > dotp(P + 3 * as[1], c, lft) ? 0 : 1;
    int psl = dotp(P + 3 * ps[0], c, lft) > dotp(P + 3 * ps[1], c, lft) ? 0 : 1;
    label[as[asl]] = LASI;
    label[as[1 - asl]] = RASI;
    label[ps[psl]] = LPSI;
    label[ps[1 - psl]] = RPSI;
    /* trunk: anterior pair CLAV (upper), STRN; posterior pair C7 (upper), T10 */
    for (int i = 0; i < 4; i++)   /* sort by anterior coordinate, descending */
        for (int j = i + 1; j < 4; j++)
            if (dotp(P + 3 * trunk[j], c, ant) > dotp(P + 3 * trunk[i], c, ant)) {
                size_t t = trunk[i];
                trunk[i] = trunk[j];
                trunk[j] = t;
            }
    int up0 = P[3 * trunk[0] + 2] > P[3 * trunk[1] + 2] ? 0 : 1;
    int up1 = P[3 * trunk[2] + 2] > P[3 * trunk[3] + 2] ? 2 : 3;
    label[trunk[up0]] = CLAV;
    label[trunk[1 - up0]] = STRN;
    label[trunk[up1]] = C7;
    label[trunk[5 - up1]] = T10;
    /* legs */
    for (size_t i = 0; i < nlegs; i++) {
        size_t k = idx[i];
        if (dotp(P + 3 * k, c, lft) > 0) {
            if (nl < 16)
                left[nl] = k;
            nl++;
        } else {
            if (nr < 16)
                right[nr] = k;
            nr++;
        }
    }
    for (int side = 0; side < 2; side++) {
        size_t n = side ? nr : nl, *s = side ? right : left;
        const char *nm = side ? "right" : "left";
        if (n != 6)
            STATIC_FAIL("%s: %zu markers on the %s leg (below the pelvis, %s of it), Plug-in "
                        "Gait has 6 (%cTHI %cKNE %cTIB %cANK %cHEE %cTOE)%s", what, n, nm, nm,
                        side ? 'R' : 'L', side ? 'R' : 'L', side ? 'R' : 'L', side ? 'R' : 'L',
                        side ? 'R' : 'L', side ? 'R' : 'L',
                        n > 6 ? ": an extra marker" : ": one is missing");
        int base = side ? RTHI : LTHI;   /* THI KNE TIB ANK HEE TOE */
        if (D) {
            int lab6[6];
            double worst = INFINITY;
            double rms = leg_by_template(P, s, base, D, rigid, lab6, &worst);
            if (!(rms <= tol) || !(worst <= 2 * tol))
                STATIC_FAIL("%s: the %s leg's markers do not fit the static's distances", what,
                            nm);
            for (int i = 0; i < 6; i++)
                label[s[i]] = lab6[i];
            continue;
        }
        for (int i = 0; i < 6; i++)   /* ascending height */
            for (int j = i + 1; j < 6; j++)
                if (P[3 * s[j] + 2] < P[3 * s[i] + 2]) {
                    size_t t = s[i];
                    s[i] = s[j];
                    s[j] = t;
                }
        label[s[5]] = base;
        label[s[4]] = base + 1;
        label[s[3]] = base + 2;
        int toe = 0, hee = 0;
        for (int i = 1; i < 3; i++) {
            if (dotp(P + 3 * s[i], c, ant) > dotp(P + 3 * s[toe], c, ant))
                toe = i;
            if (dotp(P + 3 * s[i], c, ant) < dotp(P + 3 * s[hee], c, ant))
                hee = i;
        }
        if (!(dotp(P + 3 * s[toe], c, ant) - dotp(P + 3 * s[hee], c, ant) > 50.0))
            STATIC_FAIL("%s: the %s foot's three lowest markers have no toe 50 mm in front of "
                        "the heel", what, nm);
        label[s[toe]] = base + 5;
        label[s[hee]] = base + 4;
        label[s[3 - toe - hee]] = base + 3;
    }
    free(idx);
    return KC_OK;
fail:
    free(idx);
    return KC_EINVAL;
}

int kc_label_static_pose(const double *P, size_t N, int *label, const char *what)
{
    if ((N && (!P || !label)))
        return KC_EINVAL;
    return static_pose(P, N, label, what, 1);
}

/* Per-track statistics. */
typedef struct tstat {
    long first, last, n;
    double sum[3];
} tstat;

static tstat *track_stats(size_t F, const int64_t *off, const kc_corr_point *pts,
                          const int32_t *track_of, size_t n_tracks)
{
    tstat *ts = calloc(n_tracks ? n_tracks : 1, sizeof *ts);
    if (!ts)
        return NULL;
    for (size_t t = 0; t < n_tracks; t++)
        ts[t].first = -1;
    for (size_t f = 0; f < F; f++)
        for (int64_t k = off[f]; k < off[f + 1]; k++) {
            int32_t t = track_of[k];
            if (t < 0 || (size_t)t >= n_tracks)
                continue;
            if (ts[t].first < 0)
                ts[t].first = (long)f;
            ts[t].last = (long)f;
            ts[t].n++;
            for (int d = 0; d < 3; d++)
                ts[t].sum[d] += pts[k].X[d];
        }
    return ts;
}

int kc_label_static_tracks(const kc_label_params *p, size_t F, const int64_t *off,
                           const kc_corr_point *pts, const int32_t *track_of, size_t n_tracks,
                           int *track_label, const char *what)
{
    if (check_params(p) || !off || !track_label || (n_tracks && (!pts || !track_of)))
        return KC_EINVAL;
    tstat *ts = track_stats(F, off, pts, track_of, n_tracks);
    int *group = malloc((n_tracks ? n_tracks : 1) * sizeof *group);
    double *gm = calloc((n_tracks ? n_tracks : 1) * 3, sizeof *gm);
    long *gn = calloc(n_tracks ? n_tracks : 1, sizeof *gn);
    int *glab = malloc((n_tracks ? n_tracks : 1) * sizeof *glab);
    int st = KC_ENOMEM;
    if (!ts || !group || !gm || !gn || !glab)
        goto done;
    size_t ng = 0;
    /* markers: tracks seen long enough, fragments of one marker (no overlap in time, means
     * within 15 mm) joined */
    for (int pass = 0; pass < 2; pass++)
        for (size_t t = 0; t < n_tracks; t++) {
            int strong = (double)ts[t].n >= p->min_coverage * (double)F;
            if (pass == 0)
                group[t] = -1;
            if ((pass == 0) != strong || ts[t].n == 0)
                continue;
            double m[3] = {ts[t].sum[0] / ts[t].n, ts[t].sum[1] / ts[t].n, ts[t].sum[2] / ts[t].n};
            int join = -1;
            for (size_t g = 0; g < ng && join < 0; g++) {
                if (dist3(m, gm + 3 * g) > 15.0)
                    continue;
                int overlap = 0;
                for (size_t u = 0; u < t && !overlap; u++)
                    overlap = group[u] == (int)g && ts[u].first <= ts[t].last &&
                              ts[t].first <= ts[u].last;
                if (!overlap)
                    join = (int)g;
            }
            if (join < 0 && pass == 0) {
                join = (int)ng++;
                gn[join] = 0;
                memset(gm + 3 * join, 0, 3 * sizeof *gm);
            }
            if (join < 0)
                continue;
            group[t] = join;
            for (int d = 0; d < 3; d++)
                gm[3 * join + d] = (gm[3 * join + d] * (double)gn[join] + ts[t].sum[d]) /
                                   (double)(gn[join] + ts[t].n);
            gn[join] += ts[t].n;
        }
    st = static_pose(gm, ng, glab, what, 1);
    if (st == KC_OK)
        for (size_t t = 0; t < n_tracks; t++)
            track_label[t] = group[t] >= 0 ? glab[group[t]] : -1;
done:
    if (st == KC_ENOMEM)
        KC_ERROR("out of memory labelling %zu tracks", n_tracks);
    free(ts);
    free(group);
    free(gm);
    free(gn);
    free(glab);
    return st;
}

/* Can track t take label L (no holder of L overlaps it in time)? */
static int label_free(const tstat *ts, const int *track_label, size_t n_tracks, size_t t, int L)
{
    for (size_t u = 0; u < n_tracks; u++)
        if (track_label[u] == L && ts[u].first <= ts[t].last && ts[t].first <= ts[u].last)
            return 0;
    return 1;
}

/* One round of labelling by rigidity: each unlabelled track (longest first) is scored
 * against every label free over its whole life by the RMS, over all its frames and every
 * rigid partner labelled in that frame, of (distance - static distance). Returns how many
 * tracks were labelled. lpos [F][KC_LABEL_PIG_N][3]: positions of the current labels. */
static int label_round(const kc_label_params *p, const double D[KC_LABEL_PIG_N][KC_LABEL_PIG_N],
                       const unsigned char rigid[KC_LABEL_PIG_N][KC_LABEL_PIG_N],
                       const tstat *ts, const size_t *order, size_t n_tracks, size_t F,
                       const int64_t *off, const kc_corr_point *pts, const int32_t *track_of,
                       int *track_label, double *lpos)
{
    int added = 0;
    for (size_t i = 0; i < F * KC_LABEL_PIG_N * 3; i++)
        lpos[i] = NAN;
    for (size_t f = 0; f < F; f++)
        for (int64_t k = off[f]; k < off[f + 1]; k++)
            if (track_of[k] >= 0 && track_label[track_of[k]] >= 0)
                memcpy(lpos + 3 * (f * KC_LABEL_PIG_N + (size_t)track_label[track_of[k]]),
                       pts[k].X, 3 * sizeof(double));
    for (size_t oi = 0; oi < n_tracks; oi++) {
        size_t t = order[oi];
        if (track_label[t] >= 0 || ts[t].n == 0)
            continue;
        double ss[KC_LABEL_PIG_N] = {0};
        long np[KC_LABEL_PIG_N] = {0};
        for (long f = ts[t].first; f <= ts[t].last; f++)
            for (int64_t k = off[f]; k < off[f + 1]; k++) {
                if (track_of[k] != (int32_t)t)
                    continue;
                const double *lf = lpos + 3 * ((size_t)f * KC_LABEL_PIG_N);
                for (int L = 0; L < KC_LABEL_PIG_N; L++) {
                    if (isfinite(lf[3 * L]))
                        continue;   /* held in this frame */
                    for (int b = 0; b < KC_LABEL_PIG_N; b++) {
                        if (!rigid[L][b] || !isfinite(lf[3 * b]) || !isfinite(D[L][b]))
                            continue;
                        double e = dist3(pts[k].X, lf + 3 * b) - D[L][b];
                        ss[L] += e * e;
                        np[L]++;
                    }
                }
            }
        double best = INFINITY, second = INFINITY;
        int bl = -1;
        for (int L = 0; L < KC_LABEL_PIG_N; L++) {
            if (np[L] == 0 || !label_free(ts, track_label, n_tracks, t, L))
                continue;
            double rms = sqrt(ss[L] / (double)np[L]);
            if (rms < best) {
                second = best;
                best = rms;
                bl = L;
            } else if (rms < second) {
                second = rms;
            }
        }
        if (bl < 0 || !(best <= p->rigid_tol_mm) || !(second > p->margin * best) ||
            !(second > p->rigid_tol_mm))
            continue;
        track_label[t] = bl;
        added++;
        for (long f = ts[t].first; f <= ts[t].last; f++)
            for (int64_t k = off[f]; k < off[f + 1]; k++)
                if (track_of[k] == (int32_t)t)
                    memcpy(lpos + 3 * ((size_t)f * KC_LABEL_PIG_N + (size_t)bl), pts[k].X,
                           3 * sizeof(double));
    }
    return added;
}

int kc_label_tracks(const kc_label_params *p, const double *tmpl, size_t F, const int64_t *off,
                    const kc_corr_point *pts, const int32_t *track_of, size_t n_tracks,
                    int *track_label, const char *what)
{
    if (check_params(p) || !tmpl || !off || !track_label || (n_tracks && (!pts || !track_of)))
        return KC_EINVAL;
    if (!what)
        what = "trial";
    unsigned char rigid[KC_LABEL_PIG_N][KC_LABEL_PIG_N];
    double D[KC_LABEL_PIG_N][KC_LABEL_PIG_N];
    int n_partners[KC_LABEL_PIG_N] = {0};
    rigid_pairs(rigid);
    for (int a = 0; a < KC_LABEL_PIG_N; a++)
        for (int b = 0; b < KC_LABEL_PIG_N; b++) {
            D[a][b] = dist3(tmpl + 3 * a, tmpl + 3 * b);
            if (rigid[a][b] && isfinite(D[a][b]))
                n_partners[a]++;
        }
    for (size_t t = 0; t < n_tracks; t++)
        track_label[t] = -1;
    tstat *ts = track_stats(F, off, pts, track_of, n_tracks);
    if (!ts) {
        KC_ERROR("out of memory labelling %zu tracks", n_tracks);
        return KC_ENOMEM;
    }
    /* seed: the first frame with exactly the 20 markers (tracked points) that pass the
     * static-pose rules and fit the static's rigid distances */
    long seed = -1;
    double P[KC_LABEL_PIG_N * 3];
    int lab[KC_LABEL_PIG_N];
    int32_t tk[KC_LABEL_PIG_N];
    for (size_t f = 0; f < F && seed < 0; f++) {
        size_t n = 0;
        for (int64_t k = off[f]; k < off[f + 1]; k++)
            if (track_of[k] >= 0) {
                if (n < KC_LABEL_PIG_N) {
                    memcpy(P + 3 * n, pts[k].X, 3 * sizeof(double));
                    tk[n] = track_of[k];
                }
                n++;
            }
        if (n != KC_LABEL_PIG_N)
            continue;
        /* the standing rules first; the legs by the static's distances second (a pose
         * such as a single-leg squat, where a lifted foot is not lowest) */
        int fits = 0;
        for (int attempt = 0; attempt < 2 && !fits; attempt++) {
            if ((attempt == 0 ? static_pose(P, n, lab, what, 0)
                              : static_pose_ex(P, n, lab, what, 0,
                                               (const double (*)[KC_LABEL_PIG_N])D,
                                               (const unsigned char (*)[KC_LABEL_PIG_N])rigid,
                                               p->rigid_tol_mm)) != KC_OK)
                continue;
            double pos[KC_LABEL_PIG_N][3], ss = 0;
            int np = 0, bad = 0;
            for (int i = 0; i < KC_LABEL_PIG_N; i++)
                memcpy(pos[lab[i]], P + 3 * i, sizeof pos[0]);
            for (int a = 0; a < KC_LABEL_PIG_N; a++)
                for (int b = a + 1; b < KC_LABEL_PIG_N; b++)
                    if (rigid[a][b] && isfinite(D[a][b])) {
                        double e = dist3(pos[a], pos[b]) - D[a][b];
                        ss += e * e;
                        np++;
                        bad |= fabs(e) > 2 * p->rigid_tol_mm;
                    }
            fits = !bad && np > 0 && sqrt(ss / np) <= p->rigid_tol_mm;
        }
        if (!fits)
            continue;
        seed = (long)f;
        for (int i = 0; i < KC_LABEL_PIG_N; i++)
            track_label[tk[i]] = lab[i];
    }
    if (seed < 0) {
        KC_ERROR("%s: no frame shows all %d markers, trunk and pelvis upright, with the "
                 "static trial's segment distances (within %g mm): no place to start labelling",
                 what, KC_LABEL_PIG_N, 2 * p->rigid_tol_mm);
        free(ts);
        return KC_EINVAL;
    }
    KC_INFO("%s: labels seeded at frame %ld", what, seed);
    /* rounds of labelling by rigidity, longest tracks first, until nothing changes */
    size_t *order = malloc((n_tracks ? n_tracks : 1) * sizeof *order);
    double *lpos = malloc((F ? F : 1) * KC_LABEL_PIG_N * 3 * sizeof *lpos);
    if (!order || !lpos) {
        free(order);
        free(lpos);
        free(ts);
        KC_ERROR("out of memory labelling %zu tracks", n_tracks);
        return KC_ENOMEM;
    }
    for (size_t t = 0; t < n_tracks; t++)
        order[t] = t;
    for (size_t i = 1; i < n_tracks; i++)   /* insertion sort: by length, then id */
        for (size_t j = i; j > 0 && ts[order[j]].n > ts[order[j - 1]].n; j--) {
            size_t u = order[j];
            order[j] = order[j - 1];
            order[j - 1] = u;
        }
    for (int round = 0; round < 20; round++)
        if (label_round(p, D, rigid, ts, order, n_tracks, F, off, pts, track_of, track_label,
                        lpos) == 0)
            break;
    free(order);
    free(lpos);
    free(ts);
    return KC_OK;
}
