/* kinechain — gap filling (include/kinechain/gapfill.h).
 *
 * Spline fill as Nexus' pipeline spline (gap/2 + 5 frames of support a side) but a natural
 * cubic (GSL cspline) instead of Woltring's quintic; rigid-body fill as Nexus' and QTM's
 * "rigid body"/"relational" fills: Kabsch (1976, Acta Cryst A32:922) fit of the donor
 * cluster, with the offsets from both ends of the gap blended linearly (the pattern-fill
 * idea of SCIENCE.md C.2 applied to the cluster), so slow skin drift does not step at the
 * far end of the gap. Initial contacts: Zeni et al. (2008, Gait Posture 27:710) use the
 * marker kinematics; here the simplest robust form — the lower of heel and toe reaching the
 * floor while moving down — because a gap-filling decision needs only to know where the
 * impact is to within impact_margin frames, not the exact event time.
 */
#include "kinechain/gapfill.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_bspline.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_linalg.h>
#include <omp.h>

#include "kinechain/log.h"
#include "kinechain/trajfile.h"

kc_gapfill_params kc_gapfill_default_params(void)
{
    kc_gapfill_params p;
    p.max_gap = 10;
    p.impact_margin = 2;
    p.rigid_tol_mm = 2.0;
    p.foot_height_mm = 15.0;
    p.fp_threshold_n = 20.0;
    p.spline_knot_frames = 4.0;
    return p;
}

int kc_gapfill_check_params(const kc_gapfill_params *p)
{
    if (!p || p->max_gap < 0 || p->impact_margin < 0 || !(p->rigid_tol_mm >= 0.0) ||
        !(p->foot_height_mm > 0.0) || !(p->fp_threshold_n > 0.0) ||
        !isfinite(p->rigid_tol_mm) || !isfinite(p->foot_height_mm) ||
        !isfinite(p->fp_threshold_n)) {
        KC_ERROR("gap filling: a parameter is out of range (max_gap >= 0, impact_margin >= 0, "
                 "rigid_tol_mm >= 0, foot_height_mm > 0, fp_threshold_n > 0)");
        return KC_EINVAL;
    }
    return KC_OK;
}

static int find_label(size_t M, char *const *labels, const char *name)
{
    if (!labels)
        return -1;
    for (size_t i = 0; i < M; i++)
        if (labels[i] && strcmp(labels[i], name) == 0)
            return (int)i;
    return -1;
}

int kc_contacts_from_markers(const kc_gapfill_params *p, const double *pos, size_t F,
                             size_t M, char *const *labels, double rate_hz, uint8_t *impact)
{
    if (!p || !pos || !impact || !(rate_hz > 0) || F < 3)
        return 0;
    int found = 0;
    long above_min = (long)ceil(0.1 * rate_hz);
    for (int side = 0; side < 2; side++) {
        char hee[8], toe[8];
        snprintf(hee, sizeof hee, "%cHEE", side ? 'R' : 'L');
        snprintf(toe, sizeof toe, "%cTOE", side ? 'R' : 'L');
        int ih = find_label(M, labels, hee), it = find_label(M, labels, toe);
        if (ih < 0 && it < 0)
            continue;
        /* h(f): the lower of heel and toe height */
        double zmin = INFINITY;
        double *h = malloc(F * sizeof *h);
        if (!h)
            return found;
        for (size_t f = 0; f < F; f++) {
            double a = ih >= 0 ? pos[(f * M + (size_t)ih) * 3 + 2] : NAN;
            double b = it >= 0 ? pos[(f * M + (size_t)it) * 3 + 2] : NAN;
            h[f] = isfinite(a) && isfinite(b) ? fmin(a, b) : isfinite(a) ? a : b;
            if (isfinite(h[f]) && h[f] < zmin)
                zmin = h[f];
        }
        if (!isfinite(zmin)) {
            free(h);
            continue;
        }
        double level = zmin + p->foot_height_mm;
        long above = 0;   /* consecutive frames above the level */
        for (size_t f = 1; f < F; f++) {
            if (!isfinite(h[f]))
                continue;   /* a missing frame neither breaks nor extends a run */
            if (h[f] > level) {
                above++;
                continue;
            }
            /* down now: a contact if it was up long enough and is coming down */
            size_t q = f;
            while (q > 0 && !isfinite(h[q - 1]))
                q--;
            bool descending = q > 0 && h[q - 1] > h[f];
            if (above >= above_min && descending) {
                impact[f] = 1;
                found++;
            }
            above = 0;
        }
        free(h);
    }
    return found;
}

int kc_contacts_from_forceplates(const kc_gapfill_params *p, const kc_forceplate *fp,
                                 size_t n_fp, size_t F, double rate_hz, uint8_t *impact)
{
    if (!p || !fp || !impact || !(rate_hz > 0))
        return 0;
    int found = 0;
    for (size_t i = 0; i < n_fp; i++) {
        const kc_forceplate *pl = &fp[i];
        if (!(pl->rate_hz > 0) || !pl->force)
            continue;
        long below_min = (long)ceil(0.05 * pl->rate_hz);
        long below = 0;
        for (size_t s = 0; s < pl->n; s++) {
            double fz = pl->force[3 * s + 2];
            if (!isfinite(fz))
                continue;
            if (fz <= p->fp_threshold_n) {
                below++;
                continue;
            }
            if (below >= below_min) {
                double fr = floor((double)s * rate_hz / pl->rate_hz);
                if (fr >= 0 && fr < (double)F) {
                    impact[(size_t)fr] = 1;
                    found++;
                }
            }
            below = 0;
        }
    }
    return found;
}

/* Kabsch */
int kc_rigid_fit(const double *a, const double *b, size_t n, double R[9], double t[3])
{
    if (!a || !b || !R || !t || n < 3)
        return KC_EINVAL;
    double ca[3] = {0}, cb[3] = {0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            ca[k] += a[3 * i + k] / (double)n;
            cb[k] += b[3 * i + k] / (double)n;
        }
    double H[9] = {0}, Ca[9] = {0};
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++) {
                H[3 * r + c] += (a[3 * i + r] - ca[r]) * (b[3 * i + c] - cb[c]);
                Ca[3 * r + c] += (a[3 * i + r] - ca[r]) * (a[3 * i + c] - ca[c]);
            }
    double Vd[9], Sd[3], Wd[3];
    gsl_matrix_view Cv = gsl_matrix_view_array(Ca, 3, 3);
    gsl_matrix_view Vv = gsl_matrix_view_array(Vd, 3, 3);
    gsl_vector_view Sv = gsl_vector_view_array(Sd, 3), Wv = gsl_vector_view_array(Wd, 3);
    if (gsl_linalg_SV_decomp(&Cv.matrix, &Vv.matrix, &Sv.vector, &Wv.vector) ||
        !(Sd[1] > 1e-12 * Sd[0]) || !(Sd[0] > 0))
        return KC_ENUMERIC;   /* collinear (sv of the covariance = squares of the points') */
    /* H = U S V^T -> R = V diag(1, 1, det(V U^T)) U^T */
    gsl_matrix_view Hv = gsl_matrix_view_array(H, 3, 3);
    if (gsl_linalg_SV_decomp(&Hv.matrix, &Vv.matrix, &Sv.vector, &Wv.vector))
        return KC_ENUMERIC;
    const double *U = H, *V = Vd;
    double det = 0.0;
    double M[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += V[3 * r + k] * U[3 * c + k];
            M[3 * r + c] = s;
        }
    det = M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
          M[2] * (M[3] * M[7] - M[4] * M[6]);
    double d[3] = {1.0, 1.0, det < 0 ? -1.0 : 1.0};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += V[3 * r + k] * d[k] * U[3 * c + k];
            R[3 * r + c] = s;
        }
    for (int r = 0; r < 3; r++)
        t[r] = cb[r] - (R[3 * r] * ca[0] + R[3 * r + 1] * ca[1] + R[3 * r + 2] * ca[2]);
    return KC_OK;
}

/* ---- donors ---------------------------------------------------------------------------- */

/* Plug-in Gait segments; "x" is replaced by L or R (the marker's own side). */
static const char *const segments[][6] = {
    {"LASI", "RASI", "LPSI", "RPSI", "SACR", NULL},
    {"xTHI", "xKNE", NULL},
    {"xTIB", "xANK", "xKNE", NULL},
    {"xANK", "xHEE", "xTOE", NULL},
    {"C7", "T10", "CLAV", "STRN", "RBAK", NULL},
    {"LFHD", "RFHD", "LBHD", "RBHD", NULL},
};

static bool name_matches(const char *pattern, const char *label, char side)
{
    if (pattern[0] == 'x')
        return (label[0] == side) && strcmp(pattern + 1, label + 1) == 0;
    return strcmp(pattern, label) == 0;
}

/* SD of the distance between markers i and j over the frames where both are measured (mm);
 * +inf with fewer than 20 such frames. */
static double dist_sd(const double *pos, size_t F, size_t M, size_t i, size_t j)
{
    double s1 = 0, s2 = 0;
    long n = 0;
    for (size_t f = 0; f < F; f++) {
        const double *a = pos + (f * M + i) * 3, *b = pos + (f * M + j) * 3;
        if (!isfinite(a[0]) || !isfinite(b[0]))
            continue;
        double d = sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                        (a[2] - b[2]) * (a[2] - b[2]));
        s1 += d;
        s2 += d * d;
        n++;
    }
    if (n < 20)
        return INFINITY;
    double mean = s1 / (double)n;
    return sqrt(fmax(s2 / (double)n - mean * mean, 0.0));
}

#define MAX_SETS 8

/* Donor sets for marker m, each a [M] membership mask in sets[k·M ...]: one per Plug-in
 * Gait segment the marker belongs to (its other markers), and one of markers that keep
 * their distance to m and to each other (greedy by increasing distance SD, every pair
 * within tol). Donors are never mixed across segments: a knee marker belongs to thigh and
 * shank, which move relative to each other. Returns the number of sets. sd: [M] scratch. */
static int donor_sets(const double *pos, size_t F, size_t M, char *const *labels, size_t m,
                      double tol, uint8_t *sets, double *sd)
{
    int ns = 0;
    if (labels && labels[m]) {
        char side = labels[m][0];
        for (size_t s = 0; s < sizeof segments / sizeof segments[0] && ns < MAX_SETS - 1; s++) {
            bool in = false;
            for (int k = 0; segments[s][k]; k++)
                in |= name_matches(segments[s][k], labels[m], side);
            if (!in)
                continue;
            uint8_t *set = sets + (size_t)ns * M;
            memset(set, 0, M);
            for (size_t j = 0; j < M; j++)
                for (int k = 0; segments[s][k] && labels[j]; k++)
                    if (j != m && name_matches(segments[s][k], labels[j], side))
                        set[j] = 1;
            ns++;
        }
    }
    /* markers that keep their distances in this trial */
    uint8_t *set = sets + (size_t)ns * M;
    memset(set, 0, M);
    for (size_t j = 0; j < M; j++)
        sd[j] = j == m ? INFINITY : dist_sd(pos, F, M, m, j);
    for (;;) {
        size_t best = M;
        for (size_t j = 0; j < M; j++)
            if (!set[j] && sd[j] <= tol && (best == M || sd[j] < sd[best]))
                best = j;
        if (best == M)
            break;
        bool ok = true;
        for (size_t j = 0; j < M && ok; j++)
            if (set[j])
                ok = dist_sd(pos, F, M, best, j) <= tol;
        if (ok)
            set[best] = 1;
        sd[best] = INFINITY;
    }
    ns++;
    return ns;
}

/* Position of marker m in frame f carried from reference frame r by the donors; false if
 * fewer than 3 donors are measured in both or they are collinear. */
static bool carry(const double *pos, size_t M, size_t m, const uint8_t *cand, size_t r,
                  size_t f, double *a, double *b, double out[3])
{
    size_t n = 0;
    for (size_t j = 0; j < M; j++) {
        if (!cand[j])
            continue;
        const double *pr = pos + (r * M + j) * 3, *pf = pos + (f * M + j) * 3;
        if (!isfinite(pr[0]) || !isfinite(pf[0]))
            continue;
        memcpy(a + 3 * n, pr, 3 * sizeof *a);
        memcpy(b + 3 * n, pf, 3 * sizeof *b);
        n++;
    }
    double R[9], t[3];
    if (n < 3 || kc_rigid_fit(a, b, n, R, t) != KC_OK)
        return false;
    const double *x = pos + (r * M + m) * 3;
    for (int i = 0; i < 3; i++)
        out[i] = R[3 * i] * x[0] + R[3 * i + 1] * x[1] + R[3 * i + 2] * x[2] + t[i];
    return true;
}

/* The mean of the marker's position carried into frame f from up to RIGID_REFS measured
 * reference frames r, r + dir, r + 2·dir, ... (stopping at the marker's previous gap):
 * averaging over a few frames divides the noise of the reference positions. */
#define RIGID_REFS 5
static bool carry_avg(const double *pos, size_t F, size_t M, size_t m, const uint8_t *cand,
                      size_t r, int dir, size_t f, double *a, double *b, double out[3])
{
    double acc[3] = {0, 0, 0};
    int n = 0;
    for (int k = 0; k < RIGID_REFS; k++) {
        long q = (long)r + dir * k;
        if (q < 0 || q >= (long)F || !isfinite(pos[((size_t)q * M + m) * 3]))
            break;
        double e[3];
        if (!carry(pos, M, m, cand, (size_t)q, f, a, b, e))
            continue;
        for (int i = 0; i < 3; i++)
            acc[i] += e[i];
        n++;
    }
    if (n == 0)
        return false;
    for (int i = 0; i < 3; i++)
        out[i] = acc[i] / n;
    return true;
}

/* Is there an impact (± margin) in frames [lo, hi]? Impact frame i separates i-1 and i. */
static bool impact_in(const uint8_t *impact, size_t F, long lo, long hi, int margin)
{
    if (!impact)
        return false;
    long a = lo - margin, b = hi + margin;
    if (a < 0)
        a = 0;
    if (b > (long)F - 1)
        b = (long)F - 1;
    for (long i = a; i <= b; i++)
        if (impact[i])
            return true;
    return false;
}

/* Spline through the n support frames xs (ys: scratch of n) into frames g0..g1 of marker
 * m: the interpolating natural cubic spline when spline_knot_frames is 0, else the
 * least-squares cubic B-spline with breakpoints about spline_knot_frames apart through each
 * side's support and one interval across the gap (a regression spline: its slope at the
 * gap's edges averages several frames instead of following the noise of the nearest two,
 * which an interpolating spline carries into the gap, amplified). On kc-synth's drop jumps
 * (tests/test_gapfill.c, 10-frame gaps at 200 Hz) a spacing of 4 frames gives 0.73 mm on
 * exact data (interpolating: 0.49) and 1.19 mm on data with 0.5 mm noise (interpolating:
 * 3.3). */
static int spline_fill(const kc_gapfill_params *p, const double *orig, double *pos, size_t M,
                       size_t m, const double *xs, double *ys, size_t n, size_t g0, size_t g1)
{
    int ret = KC_ENUMERIC;
    if (p->spline_knot_frames <= 0.0) {
        gsl_interp *ip = gsl_interp_alloc(gsl_interp_cspline, n);
        gsl_interp_accel *acc = gsl_interp_accel_alloc();
        ret = ip && acc ? KC_OK : KC_ENOMEM;
        for (int k = 0; k < 3 && ret == KC_OK; k++) {
            for (size_t i = 0; i < n; i++)
                ys[i] = orig[((size_t)xs[i] * M + m) * 3 + k];
            if (gsl_interp_init(ip, xs, ys, n)) {
                ret = KC_ENUMERIC;
                break;
            }
            for (size_t q = g0; q <= g1; q++)
                pos[(q * M + m) * 3 + k] = gsl_interp_eval(ip, xs, ys, (double)q, acc);
        }
        gsl_interp_free(ip);
        gsl_interp_accel_free(acc);
        return ret;
    }
    /* breakpoints: every ~spline_knot_frames frames through each side's support, ending
     * at the frames next to the gap, which one interval spans */
    size_t nbreak = 0;
    double s = p->spline_knot_frames, x0 = xs[0], x1 = xs[n - 1];
    double e0 = (double)g0 - 1.0, e1 = (double)g1 + 1.0;
    if (!(e0 > x0) || !(x1 > e1))
        return KC_ENUMERIC;
    size_t nl = (size_t)fmax(1.0, round((e0 - x0) / s));
    size_t nr = (size_t)fmax(1.0, round((x1 - e1) / s));
    size_t nc = nl + nr + 2 + 2;
    if (n < nc + 2)
        return KC_ENUMERIC;   /* too little support for a least-squares fit */
    double *brk = malloc((nl + nr + 2) * sizeof *brk);
    if (!brk)
        return KC_ENOMEM;
    for (size_t i = 0; i <= nl; i++)
        brk[nbreak++] = x0 + (e0 - x0) * (double)i / (double)nl;
    for (size_t i = 0; i <= nr; i++)
        brk[nbreak++] = e1 + (x1 - e1) * (double)i / (double)nr;
    gsl_bspline_workspace *bw = gsl_bspline_alloc(4, nbreak);
    gsl_vector *B = gsl_vector_alloc(nc), *c = gsl_vector_alloc(nc), *y = gsl_vector_alloc(n);
    gsl_matrix *X = gsl_matrix_alloc(n, nc), *cov = gsl_matrix_alloc(nc, nc);
    gsl_multifit_linear_workspace *lw = gsl_multifit_linear_alloc(n, nc);
    if (!bw || !B || !c || !y || !X || !cov || !lw) {
        ret = KC_ENOMEM;
        goto done;
    }
    gsl_vector_view bv = gsl_vector_view_array(brk, nbreak);
    gsl_bspline_knots(&bv.vector, bw);
    for (size_t i = 0; i < n; i++) {
        gsl_bspline_eval(xs[i], B, bw);
        for (size_t j = 0; j < nc; j++)
            gsl_matrix_set(X, i, j, gsl_vector_get(B, j));
    }
    ret = KC_OK;
    for (int k = 0; k < 3 && ret == KC_OK; k++) {
        double chisq;
        for (size_t i = 0; i < n; i++)
            gsl_vector_set(y, i, orig[((size_t)xs[i] * M + m) * 3 + k]);
        if (gsl_multifit_linear(X, y, c, cov, &chisq, lw)) {
            ret = KC_ENUMERIC;
            break;
        }
        for (size_t q = g0; q <= g1; q++) {
            gsl_bspline_eval((double)q, B, bw);
            double v = 0.0;
            for (size_t j = 0; j < nc; j++)
                v += gsl_vector_get(B, j) * gsl_vector_get(c, j);
            pos[(q * M + m) * 3 + k] = v;
        }
    }
done:
    free(brk);
    if (bw)
        gsl_bspline_free(bw);
    if (B)
        gsl_vector_free(B);
    if (c)
        gsl_vector_free(c);
    if (y)
        gsl_vector_free(y);
    if (X)
        gsl_matrix_free(X);
    if (cov)
        gsl_matrix_free(cov);
    if (lw)
        gsl_multifit_linear_free(lw);
    return ret;
}

/* Fill marker m; orig is the unfilled input (donors and support read from it). */
static void fill_marker(const kc_gapfill_params *p, const double *orig, double *pos, size_t F,
                        size_t M, char *const *labels, size_t m, const uint8_t *impact,
                        uint8_t *filled, kc_gapfill_stats *st, double *xs, double *ys,
                        double *a, double *b, uint8_t *sets, double *sd)
{
    int nsets = -1;
    size_t f = 0;
    while (f < F && !isfinite(orig[(f * M + m) * 3]))
        f++;
    while (f < F) {
        /* f is measured; find the next gap */
        while (f < F && isfinite(orig[(f * M + m) * 3]))
            f++;
        if (f >= F)
            break;
        size_t g0 = f;
        while (f < F && !isfinite(orig[(f * M + m) * 3]))
            f++;
        if (f >= F)
            break;   /* trailing gap: not filled */
        size_t g1 = f - 1, L = g1 - g0 + 1;
        st->gaps++;
        if ((long)L > p->max_gap) {
            st->too_long++;
            continue;
        }
        /* spline: support of up to L/2 + 5 measured frames a side, none across an impact */
        long want = (long)L / 2 + 5;
        long lo = (long)g0, hi = (long)g1;
        long nb = 0, na = 0;
        while (nb < want && lo - 1 >= 0 && isfinite(orig[((size_t)(lo - 1) * M + m) * 3])) {
            lo--;
            nb++;
        }
        while (na < want && hi + 1 < (long)F && isfinite(orig[((size_t)(hi + 1) * M + m) * 3])) {
            hi++;
            na++;
        }
        bool done = false;
        if (nb >= 2 && na >= 2 && !impact_in(impact, F, lo, hi, p->impact_margin)) {
            size_t n = 0;
            for (long q = lo; q <= hi; q++)
                if (q < (long)g0 || q > (long)g1)
                    xs[n++] = (double)q;
            done = spline_fill(p, orig, pos, M, m, xs, ys, n, g0, g1) == KC_OK;
            if (done) {
                for (size_t q = g0; q <= g1; q++)
                    filled[q * M + m] = KC_FILL_SPLINE;
                st->spline++;
                st->frames_filled += (long)L;
                continue;
            }
            for (size_t q = g0; q <= g1; q++)
                for (int k = 0; k < 3; k++)
                    pos[(q * M + m) * 3 + k] = NAN;
        }
        /* rigid body from the frames that bound the gap: the first donor set that can
         * carry the marker through every frame of the gap */
        if (nsets < 0)
            nsets = donor_sets(orig, F, M, labels, m, p->rigid_tol_mm, sets, sd);
        size_t rb = g0 - 1, ra = g1 + 1;
        double (*tmp)[3] = malloc(L * sizeof *tmp);
        done = false;
        for (int k = 0; k < nsets && tmp && !done; k++) {
            const uint8_t *cand = sets + (size_t)k * M;
            done = true;
            for (size_t q = g0; q <= g1 && done; q++) {
                double eb[3], ea[3];
                if (!carry_avg(orig, F, M, m, cand, rb, -1, q, a, b, eb) ||
                    !carry_avg(orig, F, M, m, cand, ra, +1, q, a, b, ea)) {
                    done = false;
                    break;
                }
                double s = (double)(q - rb) / (double)(ra - rb);
                for (int c = 0; c < 3; c++)
                    tmp[q - g0][c] = (1.0 - s) * eb[c] + s * ea[c];
            }
        }
        if (done) {
            for (size_t q = g0; q <= g1; q++) {
                memcpy(pos + (q * M + m) * 3, tmp[q - g0], 3 * sizeof(double));
                filled[q * M + m] = KC_FILL_RIGID;
            }
            st->rigid++;
            st->frames_filled += (long)L;
        } else {
            st->unfillable++;
        }
        free(tmp);
    }
}

int kc_gapfill(const kc_gapfill_params *p, double *pos, size_t F, size_t M,
               char *const *labels, const uint8_t *impact, uint8_t *filled,
               kc_gapfill_stats *stats)
{
    if (kc_gapfill_check_params(p) || !pos || !filled)
        return KC_EINVAL;
    kc_gapfill_stats total = {0};
    if (stats)
        *stats = total;
    if (F == 0 || M == 0)
        return KC_OK;
    for (size_t i = 0; i < F * M; i++)
        if (isfinite(pos[3 * i]))
            filled[i] = KC_FILL_MEASURED;
    if (p->max_gap == 0)
        return KC_OK;
    double *orig = malloc(F * M * 3 * sizeof *orig);
    int nt = omp_get_max_threads();
    size_t per = 2 * F + 7 * M;   /* xs, ys (F each), a, b (3M each), sd (M) */
    double *work = malloc((size_t)nt * per * sizeof *work);
    uint8_t *cand = malloc((size_t)nt * MAX_SETS * M);
    kc_gapfill_stats *st = calloc(M, sizeof *st);
    int ret = KC_OK;
    if (!orig || !work || !cand || !st) {
        KC_ERROR("out of memory for gap filling (%zu frames, %zu markers)", F, M);
        ret = KC_ENOMEM;
        goto done;
    }
    memcpy(orig, pos, F * M * 3 * sizeof *orig);
    long nM = (long)M;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long m = 0; m < nM; m++) {
        int t = omp_get_thread_num();
        double *w = work + (size_t)t * per;
        fill_marker(p, orig, pos, F, M, labels, (size_t)m, impact, filled, &st[m], w, w + F,
                    w + 2 * F, w + 2 * F + 3 * M, cand + (size_t)t * MAX_SETS * M,
                    w + 2 * F + 6 * M);
    }
    for (size_t m = 0; m < M; m++) {   /* fixed order */
        total.gaps += st[m].gaps;
        total.spline += st[m].spline;
        total.rigid += st[m].rigid;
        total.too_long += st[m].too_long;
        total.unfillable += st[m].unfillable;
        total.frames_filled += st[m].frames_filled;
    }
    if (stats)
        *stats = total;
done:
    free(orig);
    free(work);
    free(cand);
    free(st);
    return ret;
}
