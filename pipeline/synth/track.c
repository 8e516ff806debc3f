/* Smooth functions of time for kc-synth: quintic Hermite key tracks, random streams, and the
 * force-shaped height design used for landings and take-offs. */
#include "synth.h"

#include <math.h>
#include <string.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "kinechain/log.h"
#include "kinechain/status.h"

/* ---- random streams ------------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea & Flood 2014): a good mixer for deriving independent seeds. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

gsl_rng *sy_rng(unsigned long seed, int purpose, int a, int b, int c)
{
    uint64_t h = mix64((uint64_t)seed);
    h = mix64(h ^ (uint64_t)(unsigned)purpose);
    h = mix64(h ^ ((uint64_t)(unsigned)a << 1));
    h = mix64(h ^ ((uint64_t)(unsigned)b << 2));
    h = mix64(h ^ ((uint64_t)(unsigned)c << 3));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r)
        gsl_rng_set(r, (unsigned long)(h & 0xffffffffUL) | 1UL);
    return r;
}

double sy_uniform(gsl_rng *r, double lo, double hi) { return lo + (hi - lo) * gsl_rng_uniform(r); }

double sy_gauss(gsl_rng *r, double sd) { return gsl_ran_gaussian_ziggurat(r, sd); }

double sy_tnorm(gsl_rng *r, double mean, double sd, double lo, double hi)
{
    double x;
    do {
        x = gsl_ran_gaussian_ziggurat(r, 1.0);
    } while (fabs(x) > 2.5);
    x = mean + sd * x;
    return x < lo ? lo : x > hi ? hi : x;
}

/* ---- key tracks ------------------------------------------------------------------------------ */

void sy_track_clear(sy_track *tr) { tr->n = 0; }

int sy_track_key(sy_track *tr, double t, double x, double v, double a)
{
    int i = 0;
    while (i < tr->n && tr->k[i].t < t - 1e-12)
        i++;
    if (i < tr->n && fabs(tr->k[i].t - t) <= 1e-12) {
        tr->k[i] = (sy_key){t, x, v, a};
        return 0;
    }
    if (tr->n >= SY_TRACK_MAX)
        return -1;
    memmove(&tr->k[i + 1], &tr->k[i], (size_t)(tr->n - i) * sizeof tr->k[0]);
    tr->k[i] = (sy_key){t, x, v, a};
    tr->n++;
    return 0;
}

int sy_track_still(sy_track *tr, double t, double x) { return sy_track_key(tr, t, x, 0, 0); }

void sy_track_cut(sy_track *tr, double t)
{
    while (tr->n > 0 && tr->k[tr->n - 1].t >= t - 1e-12)
        tr->n--;
}

double sy_track_eval(const sy_track *tr, double t, double *v, double *a)
{
    double vv = 0, aa = 0, x = 0;
    if (tr->n == 0) {
        x = 0;
    } else if (tr->n == 1 || t < tr->k[0].t || t > tr->k[tr->n - 1].t) {
        const sy_key *k = t < tr->k[0].t ? &tr->k[0] : &tr->k[tr->n - 1];
        vv = k->v;
        x = k->x + vv * (t - k->t);
        if (t == k->t)
            aa = k->a;
    } else {
        int i = 0;
        while (tr->k[i + 1].t < t)
            i++;
        const sy_key *k0 = &tr->k[i], *k1 = &tr->k[i + 1];
        double h = k1->t - k0->t, u = (t - k0->t) / h;
        double u2 = u * u, u3 = u2 * u, u4 = u3 * u, u5 = u4 * u;
        /* quintic Hermite basis and derivatives (value, slope, curvature at both ends) */
        double H0 = 1 - 10 * u3 + 15 * u4 - 6 * u5, H1 = u - 6 * u3 + 8 * u4 - 3 * u5;
        double H2 = 0.5 * (u2 - 3 * u3 + 3 * u4 - u5), H3 = 10 * u3 - 15 * u4 + 6 * u5;
        double H4 = -4 * u3 + 7 * u4 - 3 * u5, H5 = 0.5 * (u3 - 2 * u4 + u5);
        double D0 = -30 * u2 + 60 * u3 - 30 * u4, D1 = 1 - 18 * u2 + 32 * u3 - 15 * u4;
        double D2 = 0.5 * (2 * u - 9 * u2 + 12 * u3 - 5 * u4), D3 = -D0;
        double D4 = -12 * u2 + 28 * u3 - 15 * u4, D5 = 0.5 * (3 * u2 - 8 * u3 + 5 * u4);
        double E0 = -60 * u + 180 * u2 - 120 * u3, E1 = -36 * u + 96 * u2 - 60 * u3;
        double E2 = 0.5 * (2 - 18 * u + 36 * u2 - 20 * u3), E3 = -E0;
        double E4 = -24 * u + 84 * u2 - 60 * u3, E5 = 0.5 * (6 * u - 24 * u2 + 20 * u3);
        double p0 = k0->x, m0 = k0->v * h, c0 = k0->a * h * h;
        double p1 = k1->x, m1 = k1->v * h, c1 = k1->a * h * h;
        x = p0 * H0 + m0 * H1 + c0 * H2 + p1 * H3 + m1 * H4 + c1 * H5;
        vv = (p0 * D0 + m0 * D1 + c0 * D2 + p1 * D3 + m1 * D4 + c1 * D5) / h;
        aa = (p0 * E0 + m0 * E1 + c0 * E2 + p1 * E3 + m1 * E4 + c1 * E5) / (h * h);
    }
    if (v)
        *v = vv;
    if (a)
        *a = aa;
    return x;
}

double sy_smoothstep(double u)
{
    if (u <= 0)
        return 0;
    if (u >= 1)
        return 1;
    double u4 = u * u * u * u;
    return u4 * (35 - 84 * u + 70 * u * u - 20 * u * u * u);
}

/* ∫_0^u S and ∫_0^u∫ S of the septic smoothstep, continued linearly/quadratically past 1. */
static double smooth_int1(double u);

double sy_smooth_stop(double u)
{
    return u >= 1 ? 1 : u <= 0 ? 0 : 2 * (u - smooth_int1(u));
}

static double smooth_int1(double u)
{
    if (u <= 0)
        return 0;
    if (u >= 1)
        return 0.5 + (u - 1);
    double u5 = pow(u, 5);
    return u5 * (7 - 14 * u + 10 * u * u - 2.5 * u * u * u);
}

static double smooth_int2(double u)
{
    if (u <= 0)
        return 0;
    if (u >= 1)
        return 5.0 / 36.0 + 0.5 * (u - 1) + 0.5 * (u - 1) * (u - 1);
    double u6 = pow(u, 6);
    return u6 * (7.0 / 6.0 - 2 * u + 1.25 * u * u - 2.5 / 9.0 * u * u * u);
}

/* bump φ(u) = ((1 + cos πu)/2)² = 3/8 + cos(πu)/2 + cos(2πu)/8 and its integrals from -1 */
static double bump(double u)
{
    if (u <= -1 || u >= 1)
        return 0;
    double c = 0.5 * (1 + cos(KC_PI * u));
    return c * c;
}

static double bump_int1(double u)
{
    if (u <= -1)
        return 0;
    if (u >= 1)
        return 0.75;
    return 3 * (u + 1) / 8 + sin(KC_PI * u) / (2 * KC_PI) + sin(2 * KC_PI * u) / (16 * KC_PI);
}

static double bump_int2(double u)
{
    if (u <= -1)
        return 0;
    if (u >= 1)
        return 0.75 * u;
    return 3 * (u + 1) * (u + 1) / 16 - (cos(KC_PI * u) + 1) / (2 * KC_PI * KC_PI) -
           (cos(2 * KC_PI * u) - 1) / (32 * KC_PI * KC_PI);
}

double sy_design_eval(const sy_design *d, double t, double *v, double *a)
{
    double s = t - d->t0, u = s / d->T, db = d->b1 - d->b0;
    double aa = -SY_G + SY_G * (d->b0 + db * sy_smoothstep(u));
    double vv = d->v0 + (-SY_G + SY_G * d->b0) * s + SY_G * db * d->T * smooth_int1(u);
    double z = d->z0 + d->v0 * s + 0.5 * (-SY_G + SY_G * d->b0) * s * s +
               SY_G * db * d->T * d->T * smooth_int2(u);
    for (int k = 0; k < d->n; k++) {
        double w = d->w[k], uk = (t - d->c[k]) / w;
        aa += d->A[k] * bump(uk);
        vv += d->A[k] * w * bump_int1(uk);
        z += d->A[k] * w * w * bump_int2(uk);
    }
    if (v)
        *v = vv;
    if (a)
        *a = aa;
    return z;
}

static double design_value(const sy_design *d, int what, double t)
{
    double v;
    double z = sy_design_eval(d, t, &v, NULL);
    return what == 0 ? z : v;
}

/* contribution of tile k with unit amplitude to a constraint */
static double tile_row(const sy_design *d, int k, int what, double t)
{
    double w = d->w[k], u = (t - d->c[k]) / w;
    return what == 0 ? w * w * bump_int2(u) : w * bump_int1(u);
}

static double template_bw(int nk, const double (*knots)[2], double s)
{
    if (s <= knots[0][0])
        return knots[0][1];
    for (int i = 0; i + 1 < nk; i++)
        if (s <= knots[i + 1][0]) {
            double f = (s - knots[i][0]) / (knots[i + 1][0] - knots[i][0]);
            return knots[i][1] + f * (knots[i + 1][1] - knots[i][1]);
        }
    return knots[nk - 1][1];
}

int sy_design_solve(sy_design *d, int n_tiles, int nk, const double (*knots)[2], int nc,
                    const sy_constraint *con)
{
    if (n_tiles < 5 || n_tiles - 3 > SY_DESIGN_MAX || nc < 1 || nc > 6)
        return KC_EINVAL;
    /* tiles: centres kΔ (k = 2 .. n-2), half-width 2Δ: they vanish with three derivatives at
     * both ends and sum to a nearly flat 1.5 in between */
    double D = d->T / n_tiles;
    d->n = 0;
    for (int k = 2; k <= n_tiles - 2; k++) {
        d->c[d->n] = d->t0 + k * D;
        d->w[d->n] = 2 * D;
        double s = k * D / d->T;
        double base = d->b0 + (d->b1 - d->b0) * sy_smoothstep(s);
        d->A[d->n] = SY_G * (template_bw(nk, knots, s) - base) / 1.5;
        d->n++;
    }
    /* a narrow onset bump: the force can rise within ~10 ms of an impact */
    if (d->onset_w > 0 && d->n < SY_DESIGN_MAX) {
        double c = d->t0 + d->onset_w, s = d->onset_w / d->T;
        double a;
        sy_design_eval(d, c, NULL, &a);
        d->c[d->n] = c;
        d->w[d->n] = d->onset_w;
        d->A[d->n] = SY_G * template_bw(nk, knots, s) - (a + SY_G);
        if (d->A[d->n] < 0)
            d->A[d->n] = 0;
        d->n++;
    }
    /* scale the template so that the first constraint holds */
    {
        double A_save[SY_DESIGN_MAX];
        memcpy(A_save, d->A, sizeof A_save);
        double with = design_value(d, con[0].what, con[0].t);
        for (int k = 0; k < d->n; k++)
            d->A[k] = 0;
        double without = design_value(d, con[0].what, con[0].t);
        memcpy(d->A, A_save, sizeof A_save);
        if (fabs(with - without) > 1e-9) {
            double sc = (con[0].value - without) / (with - without);
            if (sc > 0.2 && sc < 5)
                for (int k = 0; k < d->n; k++)
                    d->A[k] *= sc;
        }
    }
    /* minimum-norm correction: dA = Cᵀ (C Cᵀ)⁻¹ r */
    double C[6][SY_DESIGN_MAX], r[6];
    for (int i = 0; i < nc; i++) {
        for (int k = 0; k < d->n; k++)
            C[i][k] = tile_row(d, k, con[i].what, con[i].t);
        r[i] = con[i].value - design_value(d, con[i].what, con[i].t);
    }
    gsl_matrix *CC = gsl_matrix_alloc((size_t)nc, (size_t)nc);
    gsl_vector *rv = gsl_vector_alloc((size_t)nc), *lam = gsl_vector_alloc((size_t)nc);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)nc);
    int status = KC_OK, sign = 0;
    if (!CC || !rv || !lam || !perm) {
        status = KC_ENOMEM;
        goto done;
    }
    for (int i = 0; i < nc; i++) {
        gsl_vector_set(rv, (size_t)i, r[i]);
        for (int j = 0; j < nc; j++) {
            double sum = 0;
            for (int k = 0; k < d->n; k++)
                sum += C[i][k] * C[j][k];
            gsl_matrix_set(CC, (size_t)i, (size_t)j, sum);
        }
    }
    if (gsl_linalg_LU_decomp(CC, perm, &sign) || gsl_linalg_LU_solve(CC, perm, rv, lam)) {
        status = KC_ENUMERIC;
        goto done;
    }
    for (int k = 0; k < d->n; k++)
        for (int i = 0; i < nc; i++)
            d->A[k] += gsl_vector_get(lam, (size_t)i) * C[i][k];
    for (int i = 0; i < nc; i++) {
        double got = design_value(d, con[i].what, con[i].t);
        if (!isfinite(got) || fabs(got - con[i].value) > 1e-6 * (1 + fabs(con[i].value)))
            status = KC_ENUMERIC;
    }
done:
    gsl_matrix_free(CC);
    gsl_vector_free(rv);
    gsl_vector_free(lam);
    gsl_permutation_free(perm);
    return status;
}

double sy_design_bottom(const sy_design *d)
{
    double prev_t = d->t0 + 0.02, v_prev;
    sy_design_eval(d, prev_t, &v_prev, NULL);
    for (double t = prev_t + 5e-4; t <= d->t0 + d->T; t += 5e-4) {
        double v;
        sy_design_eval(d, t, &v, NULL);
        if (v_prev < 0 && v >= 0) {
            double lo = t - 5e-4, hi = t;
            for (int i = 0; i < 60; i++) {
                double mid = 0.5 * (lo + hi), vm;
                sy_design_eval(d, mid, &vm, NULL);
                if (vm < 0)
                    lo = mid;
                else
                    hi = mid;
            }
            return 0.5 * (lo + hi);
        }
        v_prev = v;
    }
    return NAN;
}

double sy_design_min_force(const sy_design *d)
{
    double fmin = INFINITY;
    for (double t = d->t0; t <= d->t0 + d->T + 1e-9; t += 1e-3) {
        double a;
        sy_design_eval(d, t, NULL, &a);
        double f = (a + SY_G) / SY_G;
        if (f < fmin)
            fmin = f;
    }
    return fmin;
}
