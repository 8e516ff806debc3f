/* kinechain — C3D parsing: header, parameter section, point and analog data (c3d.org,
 * "The C3D File Format User Guide"). Every offset and count from the file is checked against
 * the image size before it is used. */
#include "kinechain/c3d.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "c3d_internal.h"
#include "kinechain/log.h"

#define BLOCK 512u

/* ---- numbers in the file's byte order and float format ----------------------------------- */

int kc_c3d_i16(enum kc_c3d_processor proc, const uint8_t *p)
{
    uint16_t u = proc == KC_C3D_MIPS ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
    return (int16_t)u;
}

float kc_c3d_f32(enum kc_c3d_processor proc, const uint8_t *p)
{
    uint32_t u;
    float f;
    switch (proc) {
    case KC_C3D_MIPS:
        u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        memcpy(&f, &u, sizeof f);
        return f;
    case KC_C3D_DEC:
        /* VAX F floating: 16-bit words in the other order, exponent bias 128 and hidden bit
         * 0.1f instead of 1.f — swapped into IEEE order it is 4 times the value. */
        u = (uint32_t)p[2] | (uint32_t)p[3] << 8 | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 24;
        if (((u >> 23) & 0xffu) == 0)
            return 0.0f;
        memcpy(&f, &u, sizeof f);
        return f / 4.0f;
    default:
        u = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
        memcpy(&f, &u, sizeof f);
        return f;
    }
}

/* ---- parameters ------------------------------------------------------------------------- */

const kc_c3d_param *kc_c3d_find(const kc_c3d *c, const char *group, const char *name)
{
    for (size_t i = 0; c && i < c->n_params; i++)
        if (strcasecmp(c->params[i].group, group) == 0 && strcasecmp(c->params[i].name, name) == 0)
            return &c->params[i];
    return NULL;
}

size_t kc_c3d_nstrings(const kc_c3d_param *p)
{
    if (!p || p->type != -1 || !p->chars)
        return 0;
    if (p->ndims <= 1)
        return 1;
    return p->dims[0] ? p->n / (size_t)p->dims[0] : 0;
}

int kc_c3d_string(const kc_c3d_param *p, size_t i, char *buf, size_t n)
{
    if (n == 0)
        return -1;
    buf[0] = '\0';
    if (i >= kc_c3d_nstrings(p))
        return -1;
    size_t len = p->ndims == 0 ? 1 : (size_t)p->dims[0];
    if (p->ndims <= 1)
        len = p->n;
    const char *s = p->chars + i * len;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0'))
        len--;
    size_t k = 0;
    for (size_t j = 0; j < len && s[j] != '\0' && k + 1 < n; j++)
        buf[k++] = s[j];
    buf[k] = '\0';
    return (int)k;
}

double kc_c3d_num(const kc_c3d_param *p, size_t i, double def)
{
    if (!p || !p->v || i >= p->n)
        return def;
    return p->v[i];
}

/* Element i of GROUP:BASE continued in BASE2, BASE3, ... (ANALOG:SCALE2 for channels past
 * 255); the parameter holding it and the index inside it. */
static const kc_c3d_param *find_multi(const kc_c3d *c, const char *group, const char *base,
                                      size_t i, size_t *k)
{
    for (int part = 1; part < 300; part++) {
        char name[40];
        if (part == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s%d", base, part);
        const kc_c3d_param *p = kc_c3d_find(c, group, name);
        if (!p)
            return NULL;
        size_t n = p->type == -1 ? kc_c3d_nstrings(p) : p->n;
        if (i < n) {
            *k = i;
            return p;
        }
        i -= n;
    }
    return NULL;
}

int kc_c3d_string_multi(const kc_c3d *c, const char *group, const char *base, size_t i,
                        char *buf, size_t n)
{
    size_t k;
    const kc_c3d_param *p = find_multi(c, group, base, i, &k);
    if (!p) {
        if (n)
            buf[0] = '\0';
        return -1;
    }
    return kc_c3d_string(p, k, buf, n);
}

/* out[0..n) from GROUP:BASE, BASE2, ... in one pass (def where absent). */
static void fill_multi(const kc_c3d *c, const char *group, const char *base, size_t n,
                       double *out, double def)
{
    size_t i = 0;
    for (int part = 1; part < 300 && i < n; part++) {
        char name[40];
        if (part == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s%d", base, part);
        const kc_c3d_param *p = kc_c3d_find(c, group, name);
        if (!p)
            break;
        for (size_t k = 0; k < p->n && i < n; k++, i++)
            out[i] = kc_c3d_num(p, k, def);
    }
    for (; i < n; i++)
        out[i] = def;
}

/* An int16 count stored as signed (POINT:USED, FRAMES ...) means 0..65535. */
long kc_c3d_count(const kc_c3d_param *p, long def)
{
    if (!p || !p->v || p->n < 1 || !isfinite(p->v[0]))
        return def;
    double v = p->v[0];
    if (p->type == 2 && v < 0)
        v += 65536.0;
    if (v < 0 || v > 2147483647.0)
        return -1;
    return (long)v;
}

static void free_params(kc_c3d_param *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].group);
        free(p[i].name);
        free(p[i].v);
        free(p[i].chars);
    }
    free(p);
}

void kc_c3d_free(kc_c3d *c)
{
    if (!c)
        return;
    free(c->name);
    free_params(c->params, c->n_params);
    free(c->xyz);
    free(c->word4);
    free(c->analog);
    free(c);
}

static int bad(const kc_c3d *c, const char *fmt, ...) KC_PRINTF(2, 3);
static int bad(const kc_c3d *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kc_log(KC_LOG_ERROR, "kc_c3d_parse", "cannot read \"%s\": %s", c->name, msg);
    return KC_EFORMAT;
}

static char *dup_name(const uint8_t *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++)
        r[i] = (s[i] >= 32 && s[i] < 127) ? (char)s[i] : '?';
    r[n] = '\0';
    return r;
}

typedef struct group_name {
    int id;
    char *name;
} group_name;

/* Parse the parameter section [start, end) of d. */
static int parse_params(kc_c3d *c, const uint8_t *d, size_t start, size_t end)
{
    enum kc_c3d_processor pr = c->processor;
    group_name *groups = NULL;
    size_t n_groups = 0, cap_params = 0;
    int *param_gid = NULL;
    int st = KC_OK;
    size_t p = start + 4;
    while (p + 2 <= end) {
        int nlen = (int8_t)d[p];
        int id = (int8_t)d[p + 1];
        if (nlen == 0 || id == 0)
            break;
        size_t len = (size_t)(nlen < 0 ? -nlen : nlen);
        size_t q = p + 2 + len;   /* the offset word */
        if (q + 2 > end) {
            st = bad(c, "parameter record at byte %zu runs past the parameter section", p);
            goto done;
        }
        int off = kc_c3d_i16(pr, d + q);
        size_t next = off > 0 ? q + (size_t)off : end;
        size_t body = q + 2;
        if (id < 0) {
            if (body + 1 > end) {
                st = bad(c, "group record at byte %zu runs past the parameter section", p);
                goto done;
            }
            group_name *g = realloc(groups, (n_groups + 1) * sizeof *g);
            if (!g) {
                st = KC_ENOMEM;
                goto done;
            }
            groups = g;
            groups[n_groups].id = -id;
            if (!(groups[n_groups].name = dup_name(d + p + 2, len))) {
                st = KC_ENOMEM;
                goto done;
            }
            n_groups++;
        } else {
            if (body + 2 > end) {
                st = bad(c, "parameter record at byte %zu runs past the parameter section", p);
                goto done;
            }
            int type = (int8_t)d[body];
            int ndims = d[body + 1];
            if (type != -1 && type != 1 && type != 2 && type != 4) {
                st = bad(c, "parameter at byte %zu has element type %d (not -1, 1, 2 or 4)", p,
                         type);
                goto done;
            }
            if (ndims > 7) {
                st = bad(c, "parameter at byte %zu has %d dimensions (at most 7)", p, ndims);
                goto done;
            }
            if (body + 2 + (size_t)ndims > end) {
                st = bad(c, "parameter record at byte %zu runs past the parameter section", p);
                goto done;
            }
            size_t count = 1;
            int dims[7] = {0};
            for (int k = 0; k < ndims; k++) {
                dims[k] = d[body + 2 + k];
                count *= (size_t)dims[k];   /* at most 255^7: no overflow in 64 bits */
            }
            size_t esize = (size_t)(type < 0 ? 1 : type);
            size_t data = body + 2 + (size_t)ndims;
            if (count > (end - data) / esize) {
                st = bad(c, "parameter \"%.*s\" (byte %zu) holds %zu values of %zu bytes, more "
                            "than the parameter section has left",
                         (int)len, (const char *)d + p + 2, p, count, esize);
                goto done;
            }
            if (c->n_params == cap_params) {
                size_t nc = cap_params ? 2 * cap_params : 64;
                kc_c3d_param *np = realloc(c->params, nc * sizeof *np);
                if (!np) {
                    st = KC_ENOMEM;
                    goto done;
                }
                c->params = np;
                int *ng = realloc(param_gid, nc * sizeof *ng);
                if (!ng) {
                    st = KC_ENOMEM;
                    goto done;
                }
                param_gid = ng;
                cap_params = nc;
            }
            kc_c3d_param *pa = &c->params[c->n_params];
            memset(pa, 0, sizeof *pa);
            param_gid[c->n_params] = id;
            c->n_params++;
            pa->type = type;
            pa->ndims = ndims;
            memcpy(pa->dims, dims, sizeof dims);
            pa->n = count;
            if (!(pa->name = dup_name(d + p + 2, len))) {
                st = KC_ENOMEM;
                goto done;
            }
            if (type == -1) {
                if (!(pa->chars = malloc(count ? count : 1))) {
                    st = KC_ENOMEM;
                    goto done;
                }
                if (count)
                    memcpy(pa->chars, d + data, count);
            } else {
                if (!(pa->v = malloc((count ? count : 1) * sizeof *pa->v))) {
                    st = KC_ENOMEM;
                    goto done;
                }
                for (size_t k = 0; k < count; k++) {
                    const uint8_t *e = d + data + k * esize;
                    pa->v[k] = type == 1 ? (double)e[0]
                             : type == 2 ? (double)kc_c3d_i16(pr, e)
                                         : (double)kc_c3d_f32(pr, e);
                }
            }
        }
        if (off <= 0 || next <= p || next >= end)
            break;   /* offset 0 (or pointing back/out) ends the section */
        p = next;
    }
    /* groups may be defined after their parameters */
    for (size_t i = 0; i < c->n_params; i++) {
        const char *g = NULL;
        for (size_t k = 0; k < n_groups && !g; k++)
            if (groups[k].id == param_gid[i])
                g = groups[k].name;
        char buf[16];
        if (!g) {
            snprintf(buf, sizeof buf, "GROUP%d", param_gid[i]);
            g = buf;
        }
        if (!(c->params[i].group = strdup(g))) {
            st = KC_ENOMEM;
            goto done;
        }
    }
done:
    for (size_t k = 0; k < n_groups; k++)
        free(groups[k].name);
    free(groups);
    free(param_gid);
    return st;
}

/* ---- data ------------------------------------------------------------------------------- */

static int decode_data(kc_c3d *c, const uint8_t *d, size_t size, bool analog_unsigned,
                       const double *aoff, const double *ascale, double gen)
{
    enum kc_c3d_processor pr = c->processor;
    size_t ws = c->is_float ? 4 : 2;
    size_t F = c->n_frames, P = c->n_points, A = c->n_analog, S = c->analog_per_frame;
    size_t frame_bytes = P * 4 * ws + A * S * ws;
    if (c->data_offset > size)
        return bad(c, "data start (byte %zu) is past the end of the file (%zu bytes)",
                   c->data_offset, size);
    if (frame_bytes == 0) {
        if (F > 0)
            return bad(c, "%zu frames of neither points nor analog channels", F);
    } else if (F > (size - c->data_offset) / frame_bytes) {
        return bad(c, "frames %lld..%lld (%zu frames of %zu bytes from byte %zu) do not fit "
                      "in the file (%zu bytes)",
                   (long long)c->first_frame, (long long)c->first_frame + (long long)F - 1, F,
                   frame_bytes, c->data_offset, size);
    }
    size_t n_xyz = F * P * 3, n_w = F * P, n_an = F * S * A;
    c->xyz = malloc((n_xyz > 0 ? n_xyz : 1) * sizeof *c->xyz);
    c->word4 = malloc((n_w > 0 ? n_w : 1) * sizeof *c->word4);
    c->analog = malloc((n_an > 0 ? n_an : 1) * sizeof *c->analog);
    if (!c->xyz || !c->word4 || !c->analog)
        return KC_ENOMEM;
    double sc = fabs(c->scale);
    const uint16_t one = 1;
    uint8_t first_byte;
    memcpy(&first_byte, &one, 1);
    const bool native = c->is_float && pr == KC_C3D_INTEL && first_byte == 1;
    for (size_t f = 0; f < F; f++) {
        const uint8_t *fr = d + c->data_offset + f * frame_bytes;
        for (size_t m = 0; m < P; m++) {
            const uint8_t *e = fr + m * 4 * ws;
            double v[3];
            int32_t w;
            if (c->is_float) {
                float f4[4];
                if (native) {   /* Intel file on a little-endian host: the bytes as they are */
                    memcpy(f4, e, sizeof f4);
                } else {
                    for (int k = 0; k < 4; k++)
                        f4[k] = kc_c3d_f32(pr, e + 4 * k);
                }
                for (int k = 0; k < 3; k++)
                    v[k] = f4[k];
                float w4 = f4[3];
                if (!(w4 >= 0.0f))
                    w = -1;   /* negative (or NaN): invalid */
                else
                    w = w4 > 32767.0f ? 32767 : (int32_t)w4;
            } else {
                for (int k = 0; k < 3; k++)
                    v[k] = kc_c3d_i16(pr, e + 2 * k) * sc;
                int w16 = kc_c3d_i16(pr, e + 6);
                w = w16 < 0 ? -1 : w16;
            }
            size_t i = f * P + m;
            c->word4[i] = w;
            for (int k = 0; k < 3; k++)
                c->xyz[3 * i + k] = w < 0 || !isfinite(v[k]) ? NAN : v[k];
        }
        const uint8_t *an = fr + P * 4 * ws;
        for (size_t s = 0; s < S; s++)
            for (size_t a = 0; a < A; a++) {
                const uint8_t *e = an + (s * A + a) * ws;
                double raw;
                if (native) {
                    float fv;
                    memcpy(&fv, e, sizeof fv);
                    raw = fv;
                } else if (c->is_float)
                    raw = kc_c3d_f32(pr, e);
                else if (analog_unsigned)
                    raw = (uint16_t)kc_c3d_i16(pr, e);
                else
                    raw = kc_c3d_i16(pr, e);
                c->analog[(f * S + s) * A + a] = (raw - aoff[a]) * ascale[a] * gen;
            }
    }
    return KC_OK;
}

/* Two 16-bit words, low first, as one unsigned 32-bit number (TRIAL:ACTUAL_START_FIELD);
 * -1 when a word is not a 16-bit value (e.g. a float parameter out of range). */
static long long word_pair(const double *v)
{
    long long w[2];
    for (int k = 0; k < 2; k++) {
        if (!(v[k] >= -32768.0 && v[k] <= 65535.0))
            return -1;
        w[k] = (long long)v[k];
        if (w[k] < 0)
            w[k] += 65536;
    }
    return w[0] + 65536LL * w[1];
}

int kc_c3d_parse(const uint8_t *d, size_t size, const char *name, kc_c3d **out)
{
    *out = NULL;
    kc_c3d *c = calloc(1, sizeof *c);
    double *aoff = NULL, *ascale = NULL;
    int st;
    if (!c || !(c->name = strdup(name ? name : "(memory)"))) {
        kc_c3d_free(c);
        return KC_ENOMEM;
    }
    if (size < BLOCK) {
        st = bad(c, "%zu bytes: too short for a C3D header (512)", size);
        goto fail;
    }
    if (d[1] != 0x50) {
        st = bad(c, "not a C3D file (byte 2 is 0x%02x, not 0x50)", d[1]);
        goto fail;
    }
    if (d[0] < 2) {
        st = bad(c, "the header gives parameter block %u (must be 2 or later)", d[0]);
        goto fail;
    }
    size_t pstart = (size_t)(d[0] - 1) * BLOCK;
    if (pstart + 4 > size) {
        st = bad(c, "the parameter section (block %u) is past the end of the file (%zu bytes)",
                 d[0], size);
        goto fail;
    }
    int proc = d[pstart + 3] - 83;
    if (proc < KC_C3D_INTEL || proc > KC_C3D_MIPS) {
        st = bad(c, "unknown processor type %d in the parameter section (84 Intel, 85 DEC, "
                    "86 MIPS)", d[pstart + 3]);
        goto fail;
    }
    c->processor = (enum kc_c3d_processor)proc;
    size_t nblocks = d[pstart + 2];
    if (nblocks == 0) {
        st = bad(c, "the parameter section has 0 blocks");
        goto fail;
    }
    size_t pend = pstart + nblocks * BLOCK;
    if (pend > size) {
        st = bad(c, "the parameter section (%zu blocks from byte %zu) runs past the end of the "
                    "file (%zu bytes)", nblocks, pstart, size);
        goto fail;
    }
    if ((st = parse_params(c, d, pstart, pend)))
        goto fail;

    enum kc_c3d_processor pr = c->processor;
    long h_points = (uint16_t)kc_c3d_i16(pr, d + 2);
    long h_analog = (uint16_t)kc_c3d_i16(pr, d + 4);
    long h_first = (uint16_t)kc_c3d_i16(pr, d + 6);
    long h_last = (uint16_t)kc_c3d_i16(pr, d + 8);
    double h_scale = kc_c3d_f32(pr, d + 12);
    long h_start = (uint16_t)kc_c3d_i16(pr, d + 16);
    long h_aspf = (uint16_t)kc_c3d_i16(pr, d + 18);
    double h_rate = kc_c3d_f32(pr, d + 20);
    /* header events: word 150 key 12345, word 151 count, words 153-188 times (float s),
     * bytes of words 189-197 display flags (0 on), words 199-234 labels of 4 characters
     * (c3d.org, "The header section") */
    if (kc_c3d_i16(pr, d + 298) == 12345) {
        long ne = kc_c3d_i16(pr, d + 300);
        for (long i = 0; i >= 0 && i < ne && i < 18; i++) {
            double tm = kc_c3d_f32(pr, d + 304 + 4 * i);
            if (!isfinite(tm))
                continue;
            size_t k = c->n_header_events++;
            c->header_event_s[k] = tm;
            c->header_event_on[k] = d[376 + i] == 0;
            for (int j = 0; j < 4; j++) {
                unsigned char ch = d[396 + 4 * i + j];
                c->header_event_label[k][j] = ch >= 32 && ch < 127 ? (char)ch : ' ';
            }
            c->header_event_label[k][4] = '\0';
            for (int j = 3; j >= 0 && c->header_event_label[k][j] == ' '; j--)
                c->header_event_label[k][j] = '\0';
        }
    }

    long used = kc_c3d_count(kc_c3d_find(c, "POINT", "USED"), h_points);
    if (used < 0) {
        st = bad(c, "POINT:USED is not a count");
        goto fail;
    }
    c->n_points = (size_t)used;
    c->scale = kc_c3d_num(kc_c3d_find(c, "POINT", "SCALE"), 0, h_scale);
    if (!isfinite(c->scale) || c->scale == 0) {
        st = bad(c, "POINT:SCALE is %g (must be finite and non-zero)", c->scale);
        goto fail;
    }
    c->is_float = c->scale < 0;
    c->rate_hz = kc_c3d_num(kc_c3d_find(c, "POINT", "RATE"), 0, h_rate);
    if (!isfinite(c->rate_hz) || c->rate_hz <= 0 || c->rate_hz > 1e6) {
        st = bad(c, "POINT:RATE is %g Hz (must be in (0, 1e6])", c->rate_hz);
        goto fail;
    }
    long ds = kc_c3d_count(kc_c3d_find(c, "POINT", "DATA_START"), h_start);
    if (ds < 1 || (size_t)(ds - 1) * BLOCK < pend) {
        /* some writers leave POINT:DATA_START stale; trust the header if it is sane */
        if (h_start >= 1 && (size_t)(h_start - 1) * BLOCK >= pend)
            ds = h_start;
        else {
            st = bad(c, "data start block %ld overlaps the header or parameter section", ds);
            goto fail;
        }
    }
    c->data_offset = (size_t)(ds - 1) * BLOCK;

    /* frame range: TRIAL:ACTUAL_START/END_FIELD (two words each, low word first) for long
     * trials, else POINT:LONG_FRAMES, else the header's first and last frame. */
    const kc_c3d_param *as = kc_c3d_find(c, "TRIAL", "ACTUAL_START_FIELD");
    const kc_c3d_param *ae = kc_c3d_find(c, "TRIAL", "ACTUAL_END_FIELD");
    const kc_c3d_param *lf = kc_c3d_find(c, "POINT", "LONG_FRAMES");
    long long first = h_first, last = h_last;
    if (as && ae && as->v && ae->v && as->n >= 2 && ae->n >= 2) {
        first = word_pair(as->v);
        last = word_pair(ae->v);
    } else if (lf && lf->v && lf->n >= 1 && isfinite(lf->v[0]) && lf->v[0] >= 0 &&
               lf->v[0] < 2147483647.0) {
        last = first + (long long)lf->v[0] - 1;
    } else {
        long pf = kc_c3d_count(kc_c3d_find(c, "POINT", "FRAMES"), -1);
        if (h_last < h_first && pf >= 0)   /* header's last frame overflowed 16 bits */
            last = first + pf - 1;
    }
    if (first < 0 || last < first - 1 || last - first + 1 > 2147483647LL) {
        st = bad(c, "frame range %lld..%lld is not valid", first, last);
        goto fail;
    }
    c->first_frame = first;
    c->n_frames = (size_t)(last - first + 1);

    /* analog channels */
    long na = kc_c3d_count(kc_c3d_find(c, "ANALOG", "USED"), -2);
    if (na == -2)
        na = 0;
    if (na < 0) {
        st = bad(c, "ANALOG:USED is not a count");
        goto fail;
    }
    c->n_analog = (size_t)na;
    if (na > 0) {
        const kc_c3d_param *ar = kc_c3d_find(c, "ANALOG", "RATE");
        double arate = kc_c3d_num(ar, 0, NAN);
        long spf;
        if (isfinite(arate) && arate > 0) {
            double r = arate / c->rate_hz;
            /* range first: converting an out-of-range double to long is undefined */
            spf = r >= 0.5 && r < 65535.5 ? (long)floor(r + 0.5) : 0;
            if (spf < 1 || fabs(r - (double)spf) > 1e-3 * r) {
                st = bad(c, "ANALOG:RATE %g Hz is not a whole multiple of POINT:RATE %g Hz",
                         arate, c->rate_hz);
                goto fail;
            }
        } else {
            spf = h_aspf > 0 ? h_aspf : (h_analog > 0 ? h_analog / na : 0);
            if (spf < 1) {
                st = bad(c, "%ld analog channels but no analog rate", na);
                goto fail;
            }
        }
        if (spf > 65535) {
            st = bad(c, "%ld analog samples per frame", spf);
            goto fail;
        }
        c->analog_per_frame = (size_t)spf;
        c->analog_rate_hz = c->rate_hz * (double)spf;
        /* frame size must fit in the file at all: guards the allocations below */
        if (c->n_analog > size) {
            st = bad(c, "ANALOG:USED %zu is larger than the file", c->n_analog);
            goto fail;
        }
    }
    if (c->n_points > size) {
        st = bad(c, "POINT:USED %zu is larger than the file", c->n_points);
        goto fail;
    }
    aoff = calloc(c->n_analog ? c->n_analog : 1, sizeof *aoff);
    ascale = calloc(c->n_analog ? c->n_analog : 1, sizeof *ascale);
    if (!aoff || !ascale) {
        st = KC_ENOMEM;
        goto fail;
    }
    const kc_c3d_param *po = kc_c3d_find(c, "ANALOG", "OFFSET");
    double gen = kc_c3d_num(kc_c3d_find(c, "ANALOG", "GEN_SCALE"), 0, 1.0);
    char fmt[32] = "";
    kc_c3d_string(kc_c3d_find(c, "ANALOG", "FORMAT"), 0, fmt, sizeof fmt);
    bool uns = strcasecmp(fmt, "UNSIGNED") == 0;
    if (!isfinite(gen)) {
        st = bad(c, "ANALOG:GEN_SCALE is %g", gen);
        goto fail;
    }
    fill_multi(c, "ANALOG", "OFFSET", c->n_analog, aoff, 0.0);
    fill_multi(c, "ANALOG", "SCALE", c->n_analog, ascale, 1.0);
    for (size_t a = 0; a < c->n_analog; a++) {
        if (uns && po && po->type == 2 && aoff[a] < 0)
            aoff[a] += 65536.0;
        if (!isfinite(aoff[a]) || !isfinite(ascale[a])) {
            st = bad(c, "ANALOG:OFFSET or SCALE of channel %zu is not finite", a + 1);
            goto fail;
        }
    }
    if (c->n_analog && (c->n_frames * c->analog_per_frame > ((size_t)-1) / 8 / c->n_analog)) {
        st = bad(c, "analog data too large");
        goto fail;
    }
    if ((st = decode_data(c, d, size, uns, aoff, ascale, gen)))
        goto fail;
    free(aoff);
    free(ascale);
    *out = c;
    return KC_OK;
fail:
    free(aoff);
    free(ascale);
    kc_c3d_free(c);
    return st;
}

int kc_c3d_read(const char *path, kc_c3d **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        KC_ERROR("cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    /* one allocation of the file's size when it is known (a regular file), else grow */
    struct stat sb;
    size_t cap = 1 << 16, len = 0;
    if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (unsigned long long)sb.st_size < (size_t)-1 / 2)
        cap = (size_t)sb.st_size + 1;   /* + 1: end of file is seen without a realloc */
    uint8_t *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(fp);
    fclose(fp);
    if (!buf) {
        KC_ERROR("cannot read \"%s\": out of memory", path);
        return KC_ENOMEM;
    }
    if (err) {
        free(buf);
        KC_ERROR("cannot read \"%s\": read error", path);
        return KC_EIO;
    }
    int st = kc_c3d_parse(buf, len, path, out);
    free(buf);
    return st;
}
