/* kinechain — writing trajectories as C3D (Intel, DEC or MIPS; float or int16 storage). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c3d_internal.h"
#include "kinechain/atomic.h"
#include "kinechain/import.h"
#include "kinechain/log.h"

#define BLOCK 512u

enum { G_POINT = 1, G_ANALOG, G_FP, G_TRIAL, G_EVENT, G_SUBJECTS, G_PROCESSING, G_MANUF };

kc_c3d_write_opts kc_c3d_default_write_opts(void)
{
    kc_c3d_write_opts o;
    memset(&o, 0, sizeof o);
    o.processor = KC_C3D_INTEL;
    o.scale_mm = 0.1;
    return o;
}

/* ---- numbers in the target's byte order ------------------------------------------------- */

static void enc16(enum kc_c3d_processor pr, int v, uint8_t *o)
{
    uint16_t u = (uint16_t)v;
    if (pr == KC_C3D_MIPS) {
        o[0] = (uint8_t)(u >> 8);
        o[1] = (uint8_t)u;
    } else {
        o[0] = (uint8_t)u;
        o[1] = (uint8_t)(u >> 8);
    }
}

/* Returns false when f cannot be stored (DEC: beyond its range). */
static bool encf(enum kc_c3d_processor pr, float f, uint8_t *o)
{
    uint32_t u;
    if (pr == KC_C3D_DEC) {
        if (f == 0.0f) {
            memset(o, 0, 4);
            return true;
        }
        float g = f * 4.0f;   /* exact: a power of two */
        if (!isfinite(g))
            return false;
        memcpy(&u, &g, sizeof u);
        if (((u >> 23) & 0xffu) == 0) {   /* too small for DEC: stored as 0 */
            memset(o, 0, 4);
            return true;
        }
        uint16_t hi = (uint16_t)(u >> 16), lo = (uint16_t)u;
        o[0] = (uint8_t)hi;
        o[1] = (uint8_t)(hi >> 8);
        o[2] = (uint8_t)lo;
        o[3] = (uint8_t)(lo >> 8);
        return true;
    }
    memcpy(&u, &f, sizeof u);
    if (pr == KC_C3D_MIPS) {
        o[0] = (uint8_t)(u >> 24), o[1] = (uint8_t)(u >> 16), o[2] = (uint8_t)(u >> 8);
        o[3] = (uint8_t)u;
    } else {
        o[0] = (uint8_t)u, o[1] = (uint8_t)(u >> 8), o[2] = (uint8_t)(u >> 16);
        o[3] = (uint8_t)(u >> 24);
    }
    return true;
}

/* ---- the parameter section --------------------------------------------------------------- */

typedef struct wbuf {
    uint8_t *b;
    size_t n, cap;
    bool nomem;
    enum kc_c3d_processor pr;
    size_t last_off;   /* position of the last record's offset word */
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    if (w->nomem)
        return;
    if (w->n + n > w->cap) {
        size_t nc = w->cap ? w->cap : 4096;
        while (nc < w->n + n)
            nc *= 2;
        uint8_t *nb = realloc(w->b, nc);
        if (!nb) {
            w->nomem = true;
            return;
        }
        w->b = nb;
        w->cap = nc;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put8(wbuf *w, int v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void put16(wbuf *w, int v)
{
    uint8_t b[2];
    enc16(w->pr, v, b);
    put(w, b, 2);
}

static void putf(wbuf *w, double v)
{
    uint8_t b[4];
    if (!encf(w->pr, (float)v, b))
        memset(b, 0, 4);
    put(w, b, 4);
}

/* Set the previous record's offset to point at the current position. */
static void link_prev(wbuf *w)
{
    if (w->last_off && !w->nomem)
        enc16(w->pr, (int)(w->n - w->last_off), w->b + w->last_off);
}

static void group(wbuf *w, int id, const char *name)
{
    link_prev(w);
    put8(w, (int)strlen(name));
    put8(w, -id);
    put(w, name, strlen(name));
    w->last_off = w->n;
    put16(w, 0);
    put8(w, 0);   /* description length */
}

static void param_head(wbuf *w, int gid, const char *name, int type, int ndims, const int *dims)
{
    link_prev(w);
    size_t len = strlen(name);
    if (len > 127)
        len = 127;
    put8(w, (int)len);
    put8(w, gid);
    put(w, name, len);
    w->last_off = w->n;
    put16(w, 0);
    put8(w, type);
    put8(w, ndims);
    for (int k = 0; k < ndims; k++)
        put8(w, dims[k]);
}

static void p_i16(wbuf *w, int gid, const char *name, size_t n, const int *v)
{
    int d = (int)n;
    param_head(w, gid, name, 2, n == 1 ? 0 : 1, &d);
    for (size_t i = 0; i < n; i++)
        put16(w, v[i]);
    put8(w, 0);
}

static void p_int(wbuf *w, int gid, const char *name, int v)
{
    p_i16(w, gid, name, 1, &v);
}

static void p_f32(wbuf *w, int gid, const char *name, int ndims, const int *dims,
                  const double *v)
{
    size_t n = 1;
    for (int k = 0; k < ndims; k++)
        n *= (size_t)dims[k];
    param_head(w, gid, name, 4, ndims, dims);
    for (size_t i = 0; i < n; i++)
        putf(w, v[i]);
    put8(w, 0);
}

static void p_float(wbuf *w, int gid, const char *name, double v)
{
    p_f32(w, gid, name, 0, NULL, &v);
}

/* n strings as a [maxlen, n] char array (blank padded); n <= 255, each <= 255 long. */
static void p_strs(wbuf *w, int gid, const char *name, size_t n, const char *const *s)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(s[i]) > len)
            len = strlen(s[i]);
    int dims[2] = {(int)len, (int)n};
    param_head(w, gid, name, -1, 2, dims);
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(s[i]);
        put(w, s[i], k);
        for (; k < len; k++)
            put8(w, ' ');
    }
    put8(w, 0);
}

static void p_str(wbuf *w, int gid, const char *name, const char *s)
{
    size_t len = strlen(s);
    int d = (int)(len ? len : 1);
    param_head(w, gid, name, -1, 1, &d);
    put(w, len ? s : " ", (size_t)d);
    put8(w, 0);
}

static int wfail(const char *path, const char *fmt, ...) KC_PRINTF(2, 3);
static int wfail(const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kc_log(KC_LOG_ERROR, "kc_c3d_write_traj", "cannot write \"%s\": %s", path, msg);
    return KC_EINVAL;
}

/* Labels in groups of 255 as LABELS, LABELS2, ... */
static void p_labels(wbuf *w, int gid, const char *base, size_t n, const char *const *s)
{
    size_t k = 0;
    int part = 1;
    do {
        char name[32];
        if (part == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s%d", base, part);
        size_t m = n - k > 255 ? 255 : n - k;
        p_strs(w, gid, name, m, s + k);
        k += m;
        part++;
    } while (k < n);
}

/* Test plates of TYPE 3 (Kistler sensor offsets a, b and depth az0, mm) and TYPE 4 (an
 * upper-triangular calibration matrix with cross-talk, column order as c3d.org stores it). */
static const double kistler_origin[3] = {200.0, 150.0, -40.0};
static const double type4_cal[36] = {
    /* column 0 */ 2, 0, 0, 0, 0, 0,     /* column 1 */ 0.1, 2, 0, 0, 0, 0,
    /* column 2 */ 0, 0, 2, 0, 0, 0,     /* column 3 */ 0, 0, 0, 0.5, 0, 0,
    /* column 4 */ 0, 0, 0, 0.05, 0.5, 0, /* column 5 */ 0, 0, 0, 0, 0, 0.5};

static size_t plate_channels(int type)
{
    return type == 3 ? 8 : 6;
}

/* The channels of plate fp (rotation R plate -> lab) at sample s for a plate of type. */
static void plate_chan(const kc_forceplate *fp, const double R[3][3], int type, size_t s,
                       double ch[8])
{
    double F[3], Mc[3];   /* plate frame; moment about the surface centre */
    for (int c = 0; c < 3; c++) {
        F[c] = Mc[c] = 0;
        for (int j = 0; j < 3; j++) {
            F[c] += R[j][c] * fp->force[3 * s + (size_t)j];
            Mc[c] += R[j][c] * fp->moment[3 * s + (size_t)j];
        }
        if (!isfinite(F[c]))
            F[c] = 0;
        if (!isfinite(Mc[c]))
            Mc[c] = 0;
    }
    if (type == 1) {
        double x = 0, y = 0;
        if (fabs(F[2]) > 1e-9) {
            x = -Mc[1] / F[2];
            y = Mc[0] / F[2];
        }
        ch[0] = F[0], ch[1] = F[1], ch[2] = F[2], ch[3] = x, ch[4] = y;
        ch[5] = Mc[2] - (x * F[1] - y * F[0]);
    } else if (type == 3) {
        const double *o = kistler_origin;
        double so[3] = {0, 0, o[2]}, M[3];
        M[0] = Mc[0] + (so[1] * F[2] - so[2] * F[1]);
        M[1] = Mc[1] + (so[2] * F[0] - so[0] * F[2]);
        M[2] = Mc[2] + (so[0] * F[1] - so[1] * F[0]);
        double S = F[2], P = M[0] / o[1], Q = M[1] / o[0];
        ch[0] = F[0] / 2 - M[2] / (4 * o[1]);   /* fx12 */
        ch[1] = F[0] / 2 + M[2] / (4 * o[1]);   /* fx34 */
        ch[2] = F[1] / 2 + M[2] / (4 * o[0]);   /* fy14 */
        ch[3] = F[1] / 2 - M[2] / (4 * o[0]);   /* fy23 */
        ch[4] = (S + P - Q) / 4;                /* fz1..fz4 with no twist */
        ch[5] = (S + P + Q) / 4;
        ch[6] = (S - P + Q) / 4;
        ch[7] = (S - P - Q) / 4;
    } else {
        double wv[6] = {F[0], F[1], F[2], Mc[0], Mc[1], Mc[2]};
        for (int k = 0; k < 6; k++)
            ch[k] = wv[k];
        if (type == 4) {
            /* raw = CAL^-1 w, CAL upper triangular */
            const double *c = type4_cal;
            for (int r = 5; r >= 0; r--) {
                double v = wv[r];
                for (int k = r + 1; k < 6; k++)
                    v -= c[r + 6 * k] * ch[k];
                ch[r] = v / c[r + 6 * r];
            }
        }
    }
}

static const char *const kinds[4][2] = {
    {"angle", "ANGLES"}, {"force", "FORCES"}, {"moment", "MOMENTS"}, {"power", "POWERS"}};

int kc_c3d_write_traj(const char *path, const kc_traj *t, const kc_c3d_write_opts *opts)
{
    kc_c3d_write_opts def = kc_c3d_default_write_opts();
    if (!opts)
        opts = &def;
    enum kc_c3d_processor pr = opts->processor;
    size_t F = t->n_frames, M = t->n_markers, NO = t->n_model_outputs, U = t->n_unlabelled;
    size_t P = M + NO + U;
    double sc = opts->scale_mm;
    int st = KC_OK;
    wbuf w = {0};
    w.pr = pr;
    const char **labels = NULL;
    char *ubuf = NULL;
    uint8_t *frame = NULL;
    double *ascale = NULL;
    kc_atomic_file af = {0};
    double (*R)[3][3] = NULL;
    bool open = false;

    if (pr < KC_C3D_INTEL || pr > KC_C3D_MIPS || !(sc > 0) || !isfinite(sc))
        return wfail(path, "bad writer options (processor %d, scale %g)", (int)pr, sc);
    if (P > 65535)
        return wfail(path, "%zu points (at most 65535)", P);
    if (!(t->rate_hz > 0) || !isfinite(t->rate_hz))
        return wfail(path, "rate %g Hz", t->rate_hz);
    /* C3D numbers frames from 1; kinechain's own captures (kc-synth, kc-triangulate) number
     * them from 0: such a file is written with its first frame as C3D frame 1. */
    long long ff = t->first_frame >= 1 ? (long long)t->first_frame : 1;
    if (t->first_frame < 1)
        KC_INFO("\"%s\": first frame %lld written as C3D frame 1", path,
                (long long)t->first_frame);
    if (F > 0x7fffffffu || ff > 0x7fffffff)
        return wfail(path, "frames %lld.. (%zu) out of C3D's range", ff, F);

    /* analog: force plates at one common rate */
    int ptype = opts->plate_type ? opts->plate_type : 2;
    if (ptype < 1 || ptype > 4)
        return wfail(path, "force plate type %d (1-4)", ptype);
    size_t nch = plate_channels(ptype);
    const kc_analog *xa = opts->analog && opts->analog->n_channels ? opts->analog : NULL;
    size_t X = xa ? xa->n_channels : 0;
    size_t nfp = t->n_forceplates, spf = 0, AP = nch * nfp, A = AP + X;
    if (nfp > 42)
        return wfail(path, "%zu force plates (at most 42)", nfp);
    if (A > 255)
        return wfail(path, "%zu analog channels (at most 255)", A);
    if (xa) {
        double r = xa->rate_hz / t->rate_hz;
        size_t k = (size_t)floor(r + 0.5);
        if (!(xa->rate_hz > 0) || k < 1 || fabs(r - (double)k) > 1e-9 * r ||
            xa->n_samples != F * k)
            return wfail(path, "analog channels: %zu samples at %g Hz do not fit %zu frames at "
                         "%g Hz", xa->n_samples, xa->rate_hz, F, t->rate_hz);
        spf = k;
        for (size_t j = 0; j < X; j++)
            if (strlen(xa->labels[j]) > 255 || strlen(xa->units[j]) > 255)
                return wfail(path, "analog channel %zu: label or unit longer than 255 "
                             "characters", j + 1);
    }
    if (nfp) {
        double r = t->forceplates[0].rate_hz / t->rate_hz;
        size_t pspf = (size_t)floor(r + 0.5);
        if (pspf < 1 || fabs(r - (double)pspf) > 1e-9 * r)
            return wfail(path, "force plate rate %g Hz is not a whole multiple of %g Hz",
                         t->forceplates[0].rate_hz, t->rate_hz);
        if (spf && spf != pspf)
            return wfail(path, "analog channels at %g Hz, force plates at %g Hz: C3D has one "
                         "analog rate", xa->rate_hz, t->forceplates[0].rate_hz);
        spf = pspf;
        for (size_t i = 0; i < nfp; i++)
            if (t->forceplates[i].n != F * spf ||
                fabs(t->forceplates[i].rate_hz - t->forceplates[0].rate_hz) > 0)
                return wfail(path, "force plate %zu has %zu samples at %g Hz (expected %zu at "
                             "%g Hz)", i, t->forceplates[i].n, t->forceplates[i].rate_hz,
                             F * spf, t->forceplates[0].rate_hz);
    }
    size_t nev = t->events ? kc_table_nrows(t->events) : 0;
    if (nev > 255)
        return wfail(path, "%zu events (at most 255)", nev);

    labels = calloc(P ? P : 1, sizeof *labels);
    ubuf = malloc(U * 16 + 1);
    ascale = malloc((A ? A : 1) * sizeof *ascale);
    if (!labels || !ubuf || !ascale) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (size_t m = 0; m < M; m++)
        labels[m] = t->labels[m];
    for (size_t j = 0; j < NO; j++)
        labels[M + j] = t->model_outputs[j].name;
    for (size_t u = 0; u < U; u++) {
        snprintf(ubuf + 16 * u, 16, "*%u", (unsigned)u);
        labels[M + NO + u] = ubuf + 16 * u;
    }
    for (size_t i = 0; i < P; i++)
        if (strlen(labels[i]) > 255) {
            st = wfail(path, "label \"%.40s...\" longer than 255 characters", labels[i]);
            goto fail;
        }

    /* plate axes and analog scales */
    if (nfp) {
        R = malloc(nfp * sizeof *R);
        if (!R) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < nfp; i++)
            if (kc_c3d_plate_axes(t->forceplates[i].corners, R[i])) {
                st = wfail(path, "force plate %zu: corners do not span a plane", i);
                goto fail;
            }
    }
    for (size_t a = 0; a < A; a++)
        ascale[a] = 1.0;
    size_t ws = opts->integer ? 2 : 4;
    size_t frame_bytes = P * 4 * ws + A * spf * ws;

    if (opts->integer)
        for (size_t i = 0; i < nfp; i++) {
            double mx[8] = {0}, ch[8];
            for (size_t smp = 0; smp < F * spf; smp++) {
                plate_chan(&t->forceplates[i], R[i], ptype, smp, ch);
                for (size_t k = 0; k < nch; k++)
                    mx[k] = fmax(mx[k], fabs(ch[k]));
            }
            for (size_t k = 0; k < nch; k++)
                ascale[nch * i + k] = mx[k] > 0 ? mx[k] / 32000.0 : 1.0;
        }
    if (opts->integer)
        for (size_t j = 0; j < X; j++) {
            double mx = 0;
            for (size_t smp = 0; smp < F * spf; smp++) {
                double v = xa->values[smp * X + j];
                if (isfinite(v))
                    mx = fmax(mx, fabs(v));
            }
            ascale[AP + j] = mx > 0 ? mx / 32000.0 : 1.0;
        }

    /* parameters */
    put8(&w, 1);
    put8(&w, 0x50);
    put8(&w, 0);      /* block count, set below */
    put8(&w, 83 + (int)pr);
    group(&w, G_POINT, "POINT");
    p_int(&w, G_POINT, "USED", (int)P);
    p_float(&w, G_POINT, "SCALE", opts->integer ? sc : -sc);
    p_float(&w, G_POINT, "RATE", t->rate_hz);
    size_t data_pos_param = 0;
    p_int(&w, G_POINT, "DATA_START", 0);
    data_pos_param = w.n - 3;   /* its int16 value, before the description byte */
    p_int(&w, G_POINT, "FRAMES", F > 65535 ? 65535 : (int)F);
    if (F > 65535)
        p_float(&w, G_POINT, "LONG_FRAMES", (double)F);
    p_labels(&w, G_POINT, "LABELS", P, labels);
    p_str(&w, G_POINT, "UNITS", "mm");
    p_str(&w, G_POINT, "X_SCREEN", "+X");
    p_str(&w, G_POINT, "Y_SCREEN", "+Z");
    for (int k = 0; k < 4; k++) {
        const char **names = calloc(NO ? NO : 1, sizeof *names);
        size_t n = 0;
        if (!names) {
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t j = 0; j < NO; j++)
            if (strcmp(t->model_outputs[j].kind, kinds[k][0]) == 0)
                names[n++] = t->model_outputs[j].name;
        if (n)
            p_labels(&w, G_POINT, kinds[k][1], n, names);
        free(names);
    }
    group(&w, G_ANALOG, "ANALOG");
    p_int(&w, G_ANALOG, "USED", (int)A);
    p_float(&w, G_ANALOG, "RATE", t->rate_hz * (double)spf);
    p_float(&w, G_ANALOG, "GEN_SCALE", 1.0);
    p_str(&w, G_ANALOG, "FORMAT", "SIGNED");
    p_int(&w, G_ANALOG, "BITS", 16);
    if (A) {
        static const char *const comp[4][8] = {
            {"Fx", "Fy", "Fz", "X", "Y", "Tz", "", ""},
            {"Fx", "Fy", "Fz", "Mx", "My", "Mz", "", ""},
            {"Fx12", "Fx34", "Fy14", "Fy23", "Fz1", "Fz2", "Fz3", "Fz4"},
            {"C1", "C2", "C3", "C4", "C5", "C6", "", ""}};
        static const char *const unit[4][8] = {
            {"N", "N", "N", "mm", "mm", "Nmm", "", ""},
            {"N", "N", "N", "Nmm", "Nmm", "Nmm", "", ""},
            {"N", "N", "N", "N", "N", "N", "N", "N"},
            {"V", "V", "V", "V", "V", "V", "", ""}};
        char (*an)[16] = malloc(A * sizeof *an);
        const char **ap = malloc(A * sizeof *ap), **au = malloc(A * sizeof *au);
        int *off = calloc(A, sizeof *off);
        if (!an || !ap || !au || !off) {
            free(an), free(ap), free(au), free(off);
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t a = 0; a < A; a++) {
            if (a >= AP) {
                ap[a] = xa->labels[a - AP];
                au[a] = xa->units[a - AP];
                continue;
            }
            snprintf(an[a], sizeof an[a], "%s_%zu", comp[ptype - 1][a % nch], a / nch + 1);
            ap[a] = an[a];
            au[a] = unit[ptype - 1][a % nch];
        }
        p_strs(&w, G_ANALOG, "LABELS", A, ap);
        p_strs(&w, G_ANALOG, "UNITS", A, au);
        int d1 = (int)A;
        p_f32(&w, G_ANALOG, "SCALE", 1, &d1, ascale);
        p_i16(&w, G_ANALOG, "OFFSET", A, off);
        free(an), free(ap), free(au), free(off);
    }
    group(&w, G_FP, "FORCE_PLATFORM");
    p_int(&w, G_FP, "USED", (int)nfp);
    if (nfp) {
        int *type = malloc(nfp * sizeof *type), *chan = malloc(nch * nfp * sizeof *chan);
        double *cor = malloc(12 * nfp * sizeof *cor), *org = calloc(3 * nfp, sizeof *org);
        if (!type || !chan || !cor || !org) {
            free(type), free(chan), free(cor), free(org);
            st = KC_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < nfp; i++) {
            type[i] = ptype;
            for (size_t k = 0; k < nch; k++)
                chan[nch * i + k] = (int)(nch * i + k + 1);
            if (ptype == 3)
                memcpy(org + 3 * i, kistler_origin, sizeof kistler_origin);
            for (int q = 0; q < 4; q++)
                for (int k = 0; k < 3; k++)
                    cor[12 * i + 3 * (size_t)q + (size_t)k] = t->forceplates[i].corners[q][k];
        }
        int nf = (int)nfp;
        p_i16(&w, G_FP, "TYPE", nfp, type);
        int dc[2] = {(int)nch, nf}, dk[3] = {3, 4, nf}, dor[2] = {3, nf}, dz = 2;
        param_head(&w, G_FP, "CHANNEL", 2, 2, dc);
        for (size_t i = 0; i < nch * nfp; i++)
            put16(&w, chan[i]);
        put8(&w, 0);
        if (ptype == 4) {
            double *cal = malloc(36 * nfp * sizeof *cal);
            if (!cal) {
                free(type), free(chan), free(cor), free(org);
                st = KC_ENOMEM;
                goto fail;
            }
            for (size_t i = 0; i < nfp; i++)
                memcpy(cal + 36 * i, type4_cal, sizeof type4_cal);
            int dcal[3] = {6, 6, nf};
            p_f32(&w, G_FP, "CAL_MATRIX", 3, dcal, cal);
            free(cal);
        }
        p_f32(&w, G_FP, "CORNERS", 3, dk, cor);
        p_f32(&w, G_FP, "ORIGIN", 2, dor, org);
        int zero[2] = {0, 0};
        param_head(&w, G_FP, "ZERO", 2, 1, &dz);
        put16(&w, zero[0]);
        put16(&w, zero[1]);
        put8(&w, 0);
        free(type), free(chan), free(cor), free(org);
    }
    group(&w, G_TRIAL, "TRIAL");
    {
        long long last = ff + (long long)F - 1;
        int s2[2] = {(int)(ff & 0xffff), (int)((ff >> 16) & 0xffff)};
        int e2[2] = {(int)(last & 0xffff), (int)((last >> 16) & 0xffff)};
        p_i16(&w, G_TRIAL, "ACTUAL_START_FIELD", 2, s2);
        p_i16(&w, G_TRIAL, "ACTUAL_END_FIELD", 2, e2);
        p_float(&w, G_TRIAL, "CAMERA_RATE", t->rate_hz);
    }
    if (nev) {
        group(&w, G_EVENT, "EVENT");
        int cn = kc_table_find(t->events, "name"), cs = kc_table_find(t->events, "side");
        int ct = kc_table_find(t->events, "time_s");
        const char **ln = malloc(nev * sizeof *ln), **lc = malloc(nev * sizeof *lc);
        double *tm = malloc(2 * nev * sizeof *tm);
        if (!ln || !lc || !tm) {
            free(ln), free(lc), free(tm);
            st = KC_ENOMEM;
            goto fail;
        }
        double t0 = (double)(ff - 1) / t->rate_hz;
        for (size_t e = 0; e < nev; e++) {
            ln[e] = kc_table_get_str(t->events, e, cn);
            const char *s = kc_table_get_str(t->events, e, cs);
            lc[e] = strcmp(s, "L") == 0 ? "Left" : strcmp(s, "R") == 0 ? "Right" : "General";
            double ta = kc_table_get_f64(t->events, e, ct) + t0;
            double mn = floor(ta / 60.0);
            tm[2 * e] = mn;
            tm[2 * e + 1] = ta - 60.0 * mn;
        }
        p_int(&w, G_EVENT, "USED", (int)nev);
        p_strs(&w, G_EVENT, "LABELS", nev, ln);
        p_strs(&w, G_EVENT, "CONTEXTS", nev, lc);
        int dt[2] = {2, (int)nev};
        p_f32(&w, G_EVENT, "TIMES", 2, dt, tm);
        free(ln), free(lc), free(tm);
    }
    if (t->subject) {
        group(&w, G_SUBJECTS, "SUBJECTS");
        p_int(&w, G_SUBJECTS, "USED", 1);
        const char *s = t->subject;
        p_strs(&w, G_SUBJECTS, "NAMES", 1, &s);
    }
    if (t->subject_params.n) {
        group(&w, G_PROCESSING, "PROCESSING");
        for (size_t i = 0; i < t->subject_params.n; i++) {
            const kc_attr *a = &t->subject_params.items[i];
            if (a->str) {
                if (strlen(a->str) <= 255)
                    p_str(&w, G_PROCESSING, a->name, a->str);
            } else if (a->n == 1) {
                p_float(&w, G_PROCESSING, a->name, a->v[0]);
            } else if (a->n <= 255) {
                int d = (int)a->n;
                p_f32(&w, G_PROCESSING, a->name, 1, &d, a->v);
            }
        }
    }
    group(&w, G_MANUF, "MANUFACTURER");
    p_str(&w, G_MANUF, "COMPANY", "kinechain");
    p_str(&w, G_MANUF, "SOFTWARE", "kc-convert");
    p_str(&w, G_MANUF, "VERSION_LABEL", KC_VERSION);
    /* the last record ends the section: offset 0 */
    if (!w.nomem && w.last_off)
        enc16(pr, 0, w.b + w.last_off);
    size_t nblocks = (w.n + BLOCK - 1) / BLOCK;
    if (nblocks > 255) {
        st = wfail(path, "parameter section of %zu blocks (at most 255)", nblocks);
        goto fail;
    }
    while (w.n < nblocks * BLOCK)
        put8(&w, 0);
    if (w.nomem) {
        st = KC_ENOMEM;
        goto fail;
    }
    w.b[2] = (uint8_t)nblocks;
    int data_block = (int)(2 + nblocks);
    enc16(pr, data_block, w.b + data_pos_param);

    /* header */
    uint8_t hdr[BLOCK];
    memset(hdr, 0, sizeof hdr);
    hdr[0] = 2;
    hdr[1] = 0x50;
    long long lastf = ff + (long long)F - 1;
    enc16(pr, (int)P, hdr + 2);
    enc16(pr, (int)(A * spf > 65535 ? 65535 : A * spf), hdr + 4);
    enc16(pr, (int)(ff > 65535 ? 65535 : ff), hdr + 6);
    enc16(pr, (int)(lastf > 65535 ? 65535 : lastf), hdr + 8);
    enc16(pr, 10, hdr + 10);
    encf(pr, (float)(opts->integer ? sc : -sc), hdr + 12);
    enc16(pr, data_block, hdr + 16);
    enc16(pr, (int)spf, hdr + 18);
    encf(pr, (float)t->rate_hz, hdr + 20);

    if ((st = kc_atomic_fopen(&af, path))) {
        goto fail;
    }
    open = true;
    fwrite(hdr, 1, sizeof hdr, af.fp);
    fwrite(w.b, 1, w.n, af.fp);
    frame = malloc(frame_bytes ? frame_bytes : 1);
    if (!frame) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (size_t f = 0; f < F; f++) {
        uint8_t *e = frame;
        for (size_t p = 0; p < P; p++, e += 4 * ws) {
            const double *x;
            double word = 0;
            bool ok;
            if (p < M) {
                size_t i = f * M + p;
                x = &t->position[3 * i];
                ok = isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
                if (ok && !(t->filled && t->filled[i] == KC_FILL_OTHER)) {
                    double r = t->residual && t->residual_kind == KC_RESIDUAL_MM
                                   ? t->residual[i] : NAN;
                    int rb = isfinite(r) ? (int)floor(r / sc + 0.5) : 0;
                    rb = rb < 0 ? 0 : rb > 255 ? 255 : rb;
                    int nc = t->n_cameras_seen && t->n_cameras_seen[i] != KC_FILL_UNKNOWN
                                 ? t->n_cameras_seen[i] : 0;
                    nc = nc > 7 ? 7 : nc;
                    word = (double)(((1 << nc) - 1) << 8 | rb);
                }
            } else if (p < M + NO) {
                x = &t->model_outputs[p - M].data[3 * f];
                ok = isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
            } else {
                x = &t->unlabelled[3 * (f * U + (p - M - NO))];
                ok = isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
            }
            if (!ok)
                word = -1;
            for (int k = 0; k < 3; k++) {
                double v = ok ? x[k] : 0.0;
                if (opts->integer) {
                    double q = floor(v / sc + 0.5);
                    if (!(fabs(q) <= 32767)) {
                        st = wfail(path, "point \"%s\" at frame %zu: %g mm does not fit in 16 "
                                   "bits at %g mm per unit", labels[p], f, v, sc);
                        goto fail;
                    }
                    enc16(pr, (int)q, e + 2 * k);
                } else if (!encf(pr, (float)v, e + 4 * k)) {
                    st = wfail(path, "point \"%s\" at frame %zu: %g beyond the range of DEC "
                               "floats", labels[p], f, v);
                    goto fail;
                }
            }
            if (opts->integer)
                enc16(pr, (int)word, e + 6);
            else
                encf(pr, (float)word, e + 12);
        }
        for (size_t s = 0; s < spf; s++)
            for (size_t a = 0; a < A; a++, e += ws) {
                double ch[8], v;
                if (a < AP) {
                    plate_chan(&t->forceplates[a / nch], R[a / nch], ptype, f * spf + s, ch);
                    v = ch[a % nch];
                } else {
                    v = xa->values[(f * spf + s) * X + (a - AP)];
                    v = isfinite(v) ? v : 0.0;
                }
                if (opts->integer) {
                    double q = floor(v / ascale[a] + 0.5);
                    enc16(pr, (int)(q > 32767 ? 32767 : q < -32768 ? -32768 : q), e);
                } else if (!encf(pr, (float)v, e)) {
                    memset(e, 0, 4);
                }
            }
        fwrite(frame, 1, frame_bytes, af.fp);
    }
    st = kc_atomic_fclose(&af);
    open = false;
fail:
    free(R);
    if (open)
        kc_atomic_fabort(&af);
    if (st == KC_ENOMEM)
        kc_log(KC_LOG_ERROR, __func__, "cannot write \"%s\": out of memory", path);
    free(w.b);
    free(labels);
    free(ubuf);
    free(frame);
    free(ascale);
    return st;
}

int kc_c3d_write_kin(const char *path, const kc_kin *k, const kc_c3d_write_opts *opts)
{
    kc_traj *t = kc_traj_alloc();
    char **names = calloc(k->n_centres ? k->n_centres : 1, sizeof *names);
    int st = KC_ENOMEM;
    if (!t || !names)
        goto done;
    for (size_t i = 0; i < k->n_centres; i++)
        names[i] = k->centres[i].name;
    t->rate_hz = k->rate_hz;
    t->first_frame = 1;
    if ((st = kc_traj_alloc_arrays(t, k->n_frames, k->n_centres, names, KC_RESIDUAL_NONE,
                                   false, false)))
        goto done;
    for (size_t i = 0; i < k->n_centres; i++)
        for (size_t f = 0; f < k->n_frames; f++)
            for (int c = 0; c < 3; c++)
                t->position[3 * (f * k->n_centres + i) + (size_t)c] =
                    k->centres[i].data[3 * f + (size_t)c];
    for (size_t i = 0; i < k->n_angles; i++) {
        char name[256];
        size_t n = strlen(k->angles[i].name);
        bool has = n >= 6 && strcmp(k->angles[i].name + n - 6, "Angles") == 0;
        snprintf(name, sizeof name, "%s%s", k->angles[i].name, has ? "" : "Angles");
        if ((st = kc_traj_add_model_output(t, name, "angle", k->angles[i].data)))
            goto done;
    }
    size_t ne = k->events ? kc_table_nrows(k->events) : 0;
    int cn = ne ? kc_table_find(k->events, "name") : -1;
    int cs = ne ? kc_table_find(k->events, "side") : -1;
    int ct = ne ? kc_table_find(k->events, "time_s") : -1;
    for (size_t e = 0; e < ne && cn >= 0 && cs >= 0 && ct >= 0; e++)
        if ((st = kc_traj_add_event(t, kc_table_get_str(k->events, e, cn),
                                    kc_table_get_str(k->events, e, cs),
                                    kc_table_get_f64(k->events, e, ct), "kc-ik")))
            goto done;
    if (k->subject && !(t->subject = strdup(k->subject))) {
        st = KC_ENOMEM;
        goto done;
    }
    st = kc_c3d_write_traj(path, t, opts);
done:
    if (st == KC_ENOMEM)
        kc_log(KC_LOG_ERROR, __func__, "cannot write \"%s\": out of memory", path);
    free(names);
    kc_traj_free(t);
    return st;
}
