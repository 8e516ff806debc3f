/* kinechain — C3D FORCE_PLATFORM types 1-4 as force plates of the file contract.
 *
 * Plate coordinates (c3d.org, FORCE_PLATFORM:CORNERS): corners 1-4 lie in the quadrants
 * +x+y, -x+y, -x-y, +x-y of the plate's own axes, z pointing down into the plate.
 * FORCE_PLATFORM:ORIGIN (types 2 and 4) is the vector from the measurement origin (where a
 * force gives no moment) to the centre of the working surface, in plate coordinates, so its
 * z is negative (c3d.org "TYPE-2"). Sign of the channels: checked on the real Vicon files
 * (data/real/btk_plugingait, pycgm_nexus_pig), whose Fz channels are negative under a standing
 * subject while plate z points down: the channels rotated into the lab already give the force
 * on the body (vertical force up, and Vicon's own LGroundReactionForce output agrees in every
 * component), so they are rotated, not negated.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c3d_internal.h"
#include "kinechain/log.h"

static void cross(const double a[3], const double b[3], double r[3])
{
    r[0] = a[1] * b[2] - a[2] * b[1];
    r[1] = a[2] * b[0] - a[0] * b[2];
    r[2] = a[0] * b[1] - a[1] * b[0];
}

static double norm(double v[3])
{
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

/* Moment channels in N·m are scaled to N·mm. */
static double moment_factor(const kc_c3d *c, long ch)
{
    char u[32] = "";
    kc_c3d_string_multi(c, "ANALOG", "UNITS", (size_t)ch, u, sizeof u);
    if (strcasecmp(u, "Nm") == 0 || strcasecmp(u, "N.m") == 0 || strcasecmp(u, "N m") == 0 ||
        strcasecmp(u, "N-m") == 0)
        return 1000.0;
    return 1.0;
}

int kc_c3d_plate_axes(const double cor[4][3], double R[3][3])
{
    double ex[3], ey[3], ez[3];
    for (int k = 0; k < 3; k++) {
        ex[k] = (cor[0][k] - cor[1][k]) + (cor[3][k] - cor[2][k]);
        ey[k] = (cor[0][k] - cor[3][k]) + (cor[1][k] - cor[2][k]);
    }
    cross(ex, ey, ez);
    double nx = norm(ex), nz = norm(ez);
    if (!(nx > 0) || !(nz > 0) || !isfinite(nx) || !isfinite(nz))
        return KC_EINVAL;
    for (int k = 0; k < 3; k++) {
        ex[k] /= nx;
        ez[k] /= nz;
    }
    cross(ez, ex, ey);
    for (int k = 0; k < 3; k++) {
        R[k][0] = ex[k];
        R[k][1] = ey[k];
        R[k][2] = ez[k];
    }
    return KC_OK;
}

static int fp_bad(const kc_c3d *c, size_t i, const char *what)
{
    kc_log(KC_LOG_ERROR, "kc_c3d_to_traj", "cannot read force plate %zu of \"%s\": %s", i + 1,
           c->name, what);
    return KC_EFORMAT;
}

int kc_c3d_forceplates(const kc_c3d *c, double mm, double cop_min_fz, kc_traj *t)
{
    long used = kc_c3d_count(kc_c3d_find(c, "FORCE_PLATFORM", "USED"), 0);
    if (used <= 0)
        return KC_OK;
    if (c->n_analog == 0 || c->analog_per_frame == 0) {
        kc_log(KC_LOG_WARNING, __func__, "\"%s\": FORCE_PLATFORM:USED is %ld but there are no "
               "analog channels; force plates ignored", c->name, used);
        return KC_OK;
    }
    const kc_c3d_param *ptype = kc_c3d_find(c, "FORCE_PLATFORM", "TYPE");
    const kc_c3d_param *pch = kc_c3d_find(c, "FORCE_PLATFORM", "CHANNEL");
    const kc_c3d_param *pco = kc_c3d_find(c, "FORCE_PLATFORM", "CORNERS");
    const kc_c3d_param *por = kc_c3d_find(c, "FORCE_PLATFORM", "ORIGIN");
    const kc_c3d_param *pcal = kc_c3d_find(c, "FORCE_PLATFORM", "CAL_MATRIX");
    if (!ptype || !ptype->v || !pch || !pch->v || !pco || !pco->v || pch->ndims < 2) {
        kc_log(KC_LOG_ERROR, __func__, "cannot read force plates of \"%s\": FORCE_PLATFORM "
               "TYPE, CHANNEL or CORNERS missing", c->name);
        return KC_EFORMAT;
    }
    size_t nfp = (size_t)used, S = c->n_frames * c->analog_per_frame, A = c->n_analog;
    size_t chan_rows = (size_t)pch->dims[0];
    if (ptype->n < nfp || pco->n < 12 * nfp || pch->n < chan_rows * nfp) {
        kc_log(KC_LOG_ERROR, __func__, "cannot read force plates of \"%s\": FORCE_PLATFORM "
               "TYPE, CHANNEL or CORNERS hold fewer than USED = %zu plates", c->name, nfp);
        return KC_EFORMAT;
    }
    const kc_c3d_param *pz = kc_c3d_find(c, "FORCE_PLATFORM", "ZERO");
    double z0 = kc_c3d_num(pz, 0, 0.0), z1 = kc_c3d_num(pz, 1, 0.0);
    long zero_first = z0 >= 1 && z0 <= 2147483647.0 ? (long)z0 : 0;
    long zero_last = z1 >= 1 && z1 <= 2147483647.0 ? (long)z1 : 0;
    kc_forceplate *fps = calloc(nfp, sizeof *fps);
    if (!fps)
        return KC_ENOMEM;
    int st = KC_OK;
    for (size_t i = 0; i < nfp; i++) {
        kc_forceplate *fp = &fps[i];
        double tv = ptype->v[i];
        int type = tv >= 1 && tv <= 4 && tv == floor(tv) ? (int)tv : 0;
        size_t nch = type == 3 ? 8 : 6;
        if (type < 1 || type > 4) {
            char m[64];
            snprintf(m, sizeof m, "TYPE %g is not supported (1-4)", tv);
            st = fp_bad(c, i, m);
            goto fail;
        }
        if (chan_rows < nch) {
            st = fp_bad(c, i, "FORCE_PLATFORM:CHANNEL has too few rows for its type");
            goto fail;
        }
        long ch[8];
        for (size_t k = 0; k < nch; k++) {
            double v = pch->v[k + chan_rows * i];
            if (!(v >= 1 && v <= (double)A)) {
                st = fp_bad(c, i, "FORCE_PLATFORM:CHANNEL names an analog channel that does "
                                  "not exist");
                goto fail;
            }
            ch[k] = (long)v - 1;
        }
        double cal[36];
        if (type == 4) {
            if (!pcal || !pcal->v || pcal->n < 36 * (i + 1)) {
                st = fp_bad(c, i, "TYPE 4 without a FORCE_PLATFORM:CAL_MATRIX");
                goto fail;
            }
            memcpy(cal, pcal->v + 36 * i, sizeof cal);
        }
        double o[3] = {0, 0, 0};
        for (int k = 0; k < 3; k++)
            o[k] = kc_c3d_num(por, 3 * i + (size_t)k, 0.0) * mm;
        if ((type == 2 || type == 4) && o[2] > 0) {
            /* c3d.org: the surface lies above the measurement origin, z down, so ORIGIN z
             * is negative. Vicon Nexus writes it positive (the files in data/real hold +39.5
             * and +41 mm); like Visual3D, take a positive z as the vector the other way. */
            kc_log(KC_LOG_INFO, __func__, "\"%s\": force plate %zu: FORCE_PLATFORM:ORIGIN z "
                   "is positive (%g mm); taken as the vector the other way", c->name, i + 1, o[2]);
            for (int k = 0; k < 3; k++)
                o[k] = -o[k];
        }
        double cor[4][3], ctr[3] = {0, 0, 0};
        for (int q = 0; q < 4; q++)
            for (int k = 0; k < 3; k++) {
                cor[q][k] = pco->v[12 * i + 3 * (size_t)q + (size_t)k] * mm;
                ctr[k] += cor[q][k] / 4.0;
            }
        double R[3][3];   /* plate -> lab: columns are the plate's axes */
        if (kc_c3d_plate_axes(cor, R)) {
            st = fp_bad(c, i, "FORCE_PLATFORM:CORNERS do not span a plane");
            goto fail;
        }
        if ((st = kc_forceplate_alloc(fp, S)))
            goto fail;
        fp->rate_hz = c->analog_rate_hz;
        memcpy(fp->corners, cor, sizeof cor);
        memcpy(fp->origin, ctr, sizeof ctr);
        /* FORCE_PLATFORM:ZERO: frames (1 = the file's first frame) whose samples give the
         * baseline of each channel (c3d.org "FORCE_PLATFORM:ZERO"); none when first > last
         * or first < 1 (Vicon writes [1, 0]) */
        double base[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        if (zero_first >= 1 && zero_first <= zero_last) {
            size_t f0 = (size_t)zero_first - 1, f1 = (size_t)zero_last;
            if (f1 > c->n_frames)
                f1 = c->n_frames;
            if (f0 >= f1) {
                kc_log(KC_LOG_WARNING, __func__, "\"%s\": FORCE_PLATFORM:ZERO %ld..%ld lies "
                       "past the %zu frames; no baseline removed", c->name, zero_first,
                       zero_last, c->n_frames);
            } else {
                size_t s0 = f0 * c->analog_per_frame, s1 = f1 * c->analog_per_frame;
                for (size_t k = 0; k < nch; k++) {
                    double sum = 0;
                    for (size_t s = s0; s < s1; s++)
                        sum += c->analog[s * A + (size_t)ch[k]];
                    base[k] = sum / (double)(s1 - s0);
                }
            }
        }
        double mf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        if (type == 2 || type == 4)
            for (int k = 3; k < 6; k++)
                mf[k] = moment_factor(c, ch[k]);
        if (type == 1)
            mf[5] = moment_factor(c, ch[5]);
        for (size_t s = 0; s < S; s++) {
            double v[8];
            for (size_t k = 0; k < nch; k++)
                v[k] = (c->analog[s * A + (size_t)ch[k]] - base[k]) * mf[k];
            double F[3], Mc[3], cop[3] = {0, 0, 0};   /* plate frame: load on the plate */
            bool have_cop = true;
            if (type == 1) {
                /* Fx Fy Fz, COP x y from the surface centre, free moment Tz */
                F[0] = v[0], F[1] = v[1], F[2] = v[2];
                double r[3] = {v[3] * mm, v[4] * mm, 0}, rf[3];
                cross(r, F, rf);
                for (int k = 0; k < 3; k++)
                    Mc[k] = rf[k];
                Mc[2] += v[5];
                cop[0] = r[0], cop[1] = r[1], cop[2] = 0;
            } else {
                double M[3], so[3];
                if (type == 3) {
                    /* Kistler: sensors at (±a, ±b), moments about the centre of the sensor
                     * plane, which lies az0 below the surface (ORIGIN = a, b, az0) */
                    double a = o[0], b = o[1];
                    F[0] = v[0] + v[1];
                    F[1] = v[2] + v[3];
                    F[2] = v[4] + v[5] + v[6] + v[7];
                    M[0] = b * (v[4] + v[5] - v[6] - v[7]);
                    M[1] = a * (-v[4] + v[5] + v[6] - v[7]);
                    M[2] = b * (-v[0] + v[1]) + a * (v[2] - v[3]);
                    so[0] = 0, so[1] = 0, so[2] = o[2];
                } else {
                    if (type == 4) {
                        double w[6];
                        for (int r = 0; r < 6; r++) {
                            w[r] = 0;
                            for (int k = 0; k < 6; k++)
                                w[r] += cal[r + 6 * k] * v[k];
                        }
                        memcpy(v, w, sizeof w);
                    }
                    F[0] = v[0], F[1] = v[1], F[2] = v[2];
                    M[0] = v[3], M[1] = v[4], M[2] = v[5];
                    so[0] = o[0], so[1] = o[1], so[2] = o[2];
                }
                /* moment about the surface centre: Mc = M - so x F */
                double sf[3];
                cross(so, F, sf);
                for (int k = 0; k < 3; k++)
                    Mc[k] = M[k] - sf[k];
                /* COP on the surface plane z = so[2] (from the measurement origin), then
                 * relative to the centre */
                if (F[2] != 0) {
                    cop[0] = (so[2] * F[0] - M[1]) / F[2] - so[0];
                    cop[1] = (M[0] + so[2] * F[1]) / F[2] - so[1];
                    cop[2] = 0;
                } else {
                    have_cop = false;
                }
            }
            if (!(fabs(F[2]) >= cop_min_fz))
                have_cop = false;
            for (int k = 0; k < 3; k++) {
                double fl = 0, ml = 0, cl = 0;
                for (int j = 0; j < 3; j++) {
                    fl += R[k][j] * F[j];
                    ml += R[k][j] * Mc[j];
                    cl += R[k][j] * (have_cop ? cop[j] : 0);
                }
                fp->force[3 * s + (size_t)k] = fl;
                fp->moment[3 * s + (size_t)k] = ml;
                fp->cop[3 * s + (size_t)k] = have_cop ? ctr[k] + cl : NAN;
            }
        }
    }
    t->forceplates = fps;
    t->n_forceplates = nfp;
    return KC_OK;
fail:
    kc_forceplates_free(fps, nfp);
    return st;
}
