/* kinechain — TRC marker files (OpenSim), see trc.h. */
#include "kinechain/trc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"

#define TRC_MAX_MARKERS 20000

int kc_axes_parse(const char *spec, kc_axes *out)
{
    if (!spec || strcasecmp(spec, "lab") == 0) {
        *out = (kc_axes){{0, 1, 2}, {1, 1, 1}};
        return KC_OK;
    }
    if (strcasecmp(spec, "opensim") == 0)
        spec = "x,z,-y";
    kc_axes a;
    const char *p = spec;
    int used = 0;
    for (int i = 0; i < 3; i++) {
        a.sign[i] = 1;
        if (*p == '+' || *p == '-')
            a.sign[i] = *p++ == '-' ? -1 : 1;
        if (*p < 'x' || *p > 'z')
            goto bad;
        a.axis[i] = *p++ - 'x';
        if (used & (1 << a.axis[i]))
            goto bad;
        used |= 1 << a.axis[i];
        if (i < 2 && *p++ != ',')
            goto bad;
    }
    if (*p)
        goto bad;
    /* determinant of the signed permutation: the permutation's parity times the signs */
    int parity = 1;
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (a.axis[i] > a.axis[j])
                parity = -parity;
    if (parity * a.sign[0] * a.sign[1] * a.sign[2] != 1) {
        KC_ERROR("--axes \"%s\" is a mirror image, not a rotation (flip one sign)", spec);
        return KC_EINVAL;
    }
    *out = a;
    return KC_OK;
bad:
    KC_ERROR("--axes \"%s\": expected lab, opensim or three of x, y, z with optional signs "
             "(\"x,z,-y\")", spec);
    return KC_EINVAL;
}

static void put_num(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "\t%.17g", v);
    else
        fputc('\t', fp);
}

int kc_trc_write(const char *path, const kc_traj *t, const kc_axes *axes, bool metres)
{
    kc_axes id = {{0, 1, 2}, {1, 1, 1}};
    if (!axes)
        axes = &id;
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    if (st)
        return st;
    FILE *fp = af.fp;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    double k = metres ? 1e-3 : 1.0;
    size_t F = t->n_frames, M = t->n_markers;
    fprintf(fp, "PathFileType\t4\t(X/Y/Z)\t%s\n", base);
    fprintf(fp, "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
                "OrigDataStartFrame\tOrigNumFrames\n");
    fprintf(fp, "%.17g\t%.17g\t%zu\t%zu\t%s\t%.17g\t%lld\t%zu\n", t->rate_hz, t->rate_hz, F, M,
            metres ? "m" : "mm", t->rate_hz, (long long)t->first_frame, F);
    fprintf(fp, "Frame#\tTime");
    for (size_t m = 0; m < M; m++)
        fprintf(fp, "\t%s\t\t", t->labels[m]);
    fprintf(fp, "\n\t");
    for (size_t m = 0; m < M; m++)
        fprintf(fp, "\tX%zu\tY%zu\tZ%zu", m + 1, m + 1, m + 1);
    fprintf(fp, "\n\n");
    for (size_t f = 0; f < F; f++) {
        fprintf(fp, "%lld\t%.17g", (long long)t->first_frame + (long long)f,
                t->start_time_s + (double)f / t->rate_hz);
        for (size_t m = 0; m < M; m++) {
            const double *x = &t->position[3 * (f * M + m)];
            bool ok = isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
            for (int i = 0; i < 3; i++)
                put_num(fp, ok ? axes->sign[i] * x[axes->axis[i]] * k : NAN);
        }
        fputc('\n', fp);
    }
    return kc_atomic_fclose(&af);
}

/* Split line at tabs in place (trailing CR/LF removed); fields kept even when empty. */
static size_t split_tabs(char *line, char ***fields, size_t *cap)
{
    size_t n = 0, len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    for (char *p = line;; n++) {
        if (n == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            char **nf = realloc(*fields, nc * sizeof *nf);
            if (!nf)
                return (size_t)-1;
            *fields = nf;
            *cap = nc;
        }
        (*fields)[n] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            n++;
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static int trc_bad(const char *path, long line, const char *what)
{
    KC_ERROR("cannot read \"%s\": line %ld: %s", path, line, what);
    return KC_EFORMAT;
}

/* A number field: empty or unparsable = NaN (OpenSim writes blanks and "NaN"). */
static double num(const char *s)
{
    char *end;
    while (*s == ' ')
        s++;
    if (!*s)
        return NAN;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end ? NAN : v;
}

int kc_trc_read(const char *path, const kc_axes *axes, kc_traj **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        KC_ERROR("cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    int st = kc_trc_read_stream(fp, path, axes, out);
    fclose(fp);
    return st;
}

int kc_trc_read_stream(FILE *fp, const char *path, const kc_axes *axes, kc_traj **out)
{
    kc_axes id = {{0, 1, 2}, {1, 1, 1}};
    if (!axes)
        axes = &id;
    *out = NULL;
    char *line = NULL, **fld = NULL, **names = NULL;
    size_t lcap = 0, fcap = 0, M = 0, rows = 0, rcap = 0;
    double *pos = NULL, rate = NAN, mm = 1.0, t0 = 0;
    long long first = 1;
    kc_traj *t = NULL;
    int st = KC_OK;
    long ln = 0;
    char *hdr_names = NULL;
    size_t nh = 0;
    /* header: 5 lines */
    for (ln = 1; ln <= 5; ln++) {
        if (getline(&line, &lcap, fp) < 0) {
            st = trc_bad(path, ln, "the file ends inside the 5 header lines");
            goto done;
        }
        if (ln == 1 && strncmp(line, "PathFileType", 12) != 0) {
            st = trc_bad(path, ln, "not a TRC file (no PathFileType)");
            goto done;
        }
        if (ln == 2) {
            free(hdr_names);
            if (!(hdr_names = strdup(line))) {
                st = KC_ENOMEM;
                goto done;
            }
        }
        if (ln == 3) {
            char **hf = NULL;
            size_t hcap = 0;
            nh = split_tabs(hdr_names, &hf, &hcap);
            char **vf = NULL;
            size_t vcap = 0, nv = split_tabs(line, &vf, &vcap);
            if (nh == (size_t)-1 || nv == (size_t)-1) {
                free(hf), free(vf);
                st = KC_ENOMEM;
                goto done;
            }
            double nm = NAN;
            for (size_t i = 0; i < nh && i < nv; i++) {
                if (strcmp(hf[i], "DataRate") == 0)
                    rate = num(vf[i]);
                else if (strcmp(hf[i], "NumMarkers") == 0)
                    nm = num(vf[i]);
                else if (strcmp(hf[i], "Units") == 0)
                    mm = strcasecmp(vf[i], "m") == 0 ? 1000.0
                       : strcasecmp(vf[i], "cm") == 0 ? 10.0
                       : strcasecmp(vf[i], "mm") == 0 ? 1.0 : 0.0;
            }
            free(hf), free(vf);
            if (!(rate > 0) || !isfinite(rate) || rate > 1e6) {
                st = trc_bad(path, ln, "DataRate missing or not a rate in (0, 1e6] Hz");
                goto done;
            }
            if (!(nm >= 0) || nm > TRC_MAX_MARKERS || nm != floor(nm)) {
                st = trc_bad(path, ln, "NumMarkers missing or not a count up to 20000");
                goto done;
            }
            if (mm == 0) {
                st = trc_bad(path, ln, "Units is not mm, cm or m");
                goto done;
            }
            M = (size_t)nm;
        }
        if (ln == 4) {
            size_t n = split_tabs(line, &fld, &fcap);
            if (n == (size_t)-1) {
                st = KC_ENOMEM;
                goto done;
            }
            if (n < 2 + 3 * (M ? M - 1 : 0) + (M ? 1 : 0)) {
                st = trc_bad(path, ln, "fewer marker names than NumMarkers");
                goto done;
            }
            if (!(names = calloc(M ? M : 1, sizeof *names))) {
                st = KC_ENOMEM;
                goto done;
            }
            for (size_t m = 0; m < M; m++) {
                const char *s = fld[2 + 3 * m];
                char buf[64];
                if (!*s || strchr(s, '/')) {
                    snprintf(buf, sizeof buf, "M%zu", m + 1);
                    s = buf;
                }
                for (size_t j = 0; j < m; j++)
                    if (strcmp(names[j], s) == 0) {
                        snprintf(buf, sizeof buf, "M%zu", m + 1);
                        s = buf;
                        break;
                    }
                if (!(names[m] = strdup(s))) {
                    st = KC_ENOMEM;
                    goto done;
                }
            }
        }
    }
    /* data rows */
    for (; getline(&line, &lcap, fp) >= 0; ln++) {
        size_t n = split_tabs(line, &fld, &fcap);
        if (n == (size_t)-1) {
            st = KC_ENOMEM;
            goto done;
        }
        if (n == 1 && fld[0][0] == '\0')
            continue;   /* blank line */
        double fr = num(fld[0]), tm = n > 1 ? num(fld[1]) : NAN;
        if (!isfinite(fr) || fr != floor(fr) || fabs(fr) > 9e15) {
            st = trc_bad(path, ln, "Frame# is not a whole number");
            goto done;
        }
        if (n > 2 + 3 * M + 1) {
            st = trc_bad(path, ln, "more values than NumMarkers allows");
            goto done;
        }
        if (rows == 0) {
            first = (long long)fr;
            t0 = isfinite(tm) ? tm : 0.0;
        }
        if (rows == rcap) {
            size_t nc = rcap ? 2 * rcap : 256;
            if (M && nc > ((size_t)-1) / (3 * M * sizeof *pos)) {
                st = KC_ENOMEM;
                goto done;
            }
            double *np = realloc(pos, (M ? nc * 3 * M : 1) * sizeof *np);
            if (!np) {
                st = KC_ENOMEM;
                goto done;
            }
            pos = np;
            rcap = nc;
        }
        for (size_t m = 0; m < M; m++) {
            double v[3], *x = &pos[3 * (rows * M + m)];
            for (int i = 0; i < 3; i++) {
                size_t c = 2 + 3 * m + (size_t)i;
                v[i] = c < n ? num(fld[c]) * mm : NAN;
            }
            bool ok = isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]);
            for (int i = 0; i < 3; i++)
                x[axes->axis[i]] = ok ? axes->sign[i] * v[i] : NAN;
        }
        rows++;
    }
    if (ferror(fp)) {
        st = trc_bad(path, ln, "read error");
        goto done;
    }
    if (!(t = kc_traj_alloc())) {
        st = KC_ENOMEM;
        goto done;
    }
    t->rate_hz = rate;
    t->first_frame = first;
    t->start_time_s = t0;
    if ((st = kc_traj_alloc_arrays(t, rows, M, names, KC_RESIDUAL_NONE, false, false)))
        goto done;
    if (rows > 0 && M > 0)
        memcpy(t->position, pos, rows * M * 3 * sizeof *pos);
    *out = t;
    t = NULL;
done:
    if (st == KC_ENOMEM)
        KC_ERROR("cannot read \"%s\": out of memory", path);
    for (size_t m = 0; names && m < M; m++)
        free(names[m]);
    free(names);
    free(hdr_names);
    free(line);
    free(fld);
    free(pos);
    kc_traj_free(t);
    return st;
}
