/* kinechain — kinematics and trajectories as MOT/STO and CSV text tables (mot.h). */
#include "kinechain/mot.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"

/* One [F,3] series to print. */
typedef struct col3 {
    const char *name;
    const double *data;
} col3;

static int write_table(const char *path, bool mot, size_t F, double rate, double t0,
                       int64_t first, size_t n, const col3 *c)
{
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    if (st)
        return st;
    FILE *fp = af.fp;
    const char sep = mot ? '\t' : ',';
    if (mot) {
        const char *base = strrchr(path, '/');
        fprintf(fp, "%s\nversion=1\nnRows=%zu\nnColumns=%zu\ninDegrees=yes\nendheader\n",
                base ? base + 1 : path, F, 1 + 3 * n);
        fprintf(fp, "time");
    } else {
        fprintf(fp, "frame,time");
    }
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            if (!mot && strpbrk(c[i].name, ",\"\r\n")) {   /* RFC 4180 quoting */
                fprintf(fp, ",\"");
                for (const char *p = c[i].name; *p; p++)
                    fprintf(fp, *p == '"' ? "\"\"" : "%c", *p);
                fprintf(fp, "_%c\"", "XYZ"[k]);
            } else {
                fprintf(fp, "%c%s_%c", sep, c[i].name, "XYZ"[k]);
            }
        }
    fputc('\n', fp);
    for (size_t f = 0; f < F; f++) {
        if (mot)
            fprintf(fp, "%.17g", t0 + (double)f / rate);
        else
            fprintf(fp, "%lld,%.17g", (long long)first + (long long)f, t0 + (double)f / rate);
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) {
                double v = c[i].data[3 * f + (size_t)k];
                if (isfinite(v))
                    fprintf(fp, "%c%.17g", sep, v);
                else
                    fprintf(fp, "%c%s", sep, mot ? "NaN" : "");
            }
        fputc('\n', fp);
    }
    return kc_atomic_fclose(&af);
}

static int kin_table(const char *path, const kc_kin *k, bool mot)
{
    size_t n = k->n_angles + k->n_centres;
    col3 *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) {
        KC_ERROR("cannot write \"%s\": out of memory", path);
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < k->n_angles; i++)
        c[i] = (col3){k->angles[i].name, k->angles[i].data};
    for (size_t i = 0; i < k->n_centres; i++)
        c[k->n_angles + i] = (col3){k->centres[i].name, k->centres[i].data};
    int st = write_table(path, mot, k->n_frames, k->rate_hz, 0.0, 0, n, c);
    free(c);
    return st;
}

int kc_mot_write_kin(const char *path, const kc_kin *k)
{
    return kin_table(path, k, true);
}

int kc_csv_write_kin(const char *path, const kc_kin *k)
{
    return kin_table(path, k, false);
}

int kc_csv_write_traj(const char *path, const kc_traj *t)
{
    size_t M = t->n_markers, F = t->n_frames;
    col3 *c = malloc((M ? M : 1) * sizeof *c);
    size_t mf = M * F;
    double *d = malloc((mf > 0 ? mf : 1) * 3 * sizeof *d);
    int st = KC_ENOMEM;
    if (c && d) {
        /* per marker [F,3] copies of /position [F,M,3] */
        for (size_t m = 0; m < M; m++) {
            for (size_t f = 0; f < F; f++)
                memcpy(&d[3 * (m * F + f)], &t->position[3 * (f * M + m)], 3 * sizeof *d);
            c[m] = (col3){t->labels[m], &d[3 * m * F]};
        }
        st = write_table(path, false, F, t->rate_hz, t->start_time_s, t->first_frame, M, c);
    } else {
        KC_ERROR("cannot write \"%s\": out of memory", path);
    }
    free(c);
    free(d);
    return st;
}

/* ---- ground reaction forces in --------------------------------------------------------- */

typedef struct mot_reader {
    FILE *fp;
    const char *path;
    char *line;
    size_t cap;
    long lineno;
} mot_reader;

/* Next line without its end-of-line characters; false at the end. */
static bool next_line(mot_reader *r)
{
    ssize_t n = getline(&r->line, &r->cap, r->fp);
    if (n < 0)
        return false;
    r->lineno++;
    while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
        r->line[--n] = '\0';
    return true;
}

static int mot_bad(const mot_reader *r, const char *what)
{
    KC_ERROR("cannot read \"%s\": line %ld: %s", r->path, r->lineno, what);
    return KC_EFORMAT;
}

/* Index of the column called name, or -1. */
static long col_of(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (long)i;
    return -1;
}

/* Split s on tabs (or, when there is none, on runs of blanks) in place. */
static size_t split(char *s, char ***out, size_t *cap)
{
    size_t n = 0;
    bool tabs = strchr(s, '\t') != NULL;
    char *p = s;
    for (;;) {
        if (!tabs)
            while (*p == ' ')
                p++;
        if (!tabs && !*p)
            break;
        if (n == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            char **nv = realloc(*out, nc * sizeof *nv);
            if (!nv)
                return (size_t)-1;
            *out = nv;
            *cap = nc;
        }
        (*out)[n++] = p;
        p += strcspn(p, tabs ? "\t" : " ");
        if (!*p)
            break;
        *p++ = '\0';
    }
    return n;
}

typedef struct grf_cols {
    long v[3], p[3], m[3];
} grf_cols;

int kc_mot_read_grf(const char *path, const kc_axes *axes, kc_traj **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        KC_ERROR("cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    int st = kc_mot_read_grf_stream(fp, path, axes, out);
    fclose(fp);
    return st;
}

int kc_mot_read_grf_stream(FILE *in, const char *path, const kc_axes *axes, kc_traj **out)
{
    *out = NULL;
    mot_reader r = {in, path, NULL, 0, 0};
    char **names = NULL, **tok = NULL, *head = NULL;
    size_t ncap = 0, tcap = 0, nc = 0, rows = 0, rcap = 0;
    double *vals = NULL;   /* [rows, nc] */
    grf_cols *g = NULL;
    size_t ng = 0;
    kc_traj *t = NULL;
    int st = KC_ENOMEM;
    /* header up to "endheader" */
    bool end = false;
    while (next_line(&r)) {
        if (strcmp(r.line, "endheader") == 0) {
            end = true;
            break;
        }
        if (strncasecmp(r.line, "Units are", 9) == 0 && !strstr(r.line, "S.I.")) {
            st = mot_bad(&r, "units other than S.I. are not supported");
            goto done;
        }
        if (r.lineno > 1000)
            break;
    }
    if (!end) {
        st = mot_bad(&r, "no \"endheader\" line: not an OpenSim MOT/STO file");
        goto done;
    }
    if (!next_line(&r)) {
        st = mot_bad(&r, "no column names after endheader");
        goto done;
    }
    if (!(head = strdup(r.line)))
        goto done;
    nc = split(head, &names, &ncap);
    if (nc == (size_t)-1)
        goto done;
    if (nc < 2 || strcasecmp(names[0], "time") != 0) {
        st = mot_bad(&r, "the first column is not \"time\"");
        goto done;
    }
    /* plates: every <stem>_vx with "force" in the stem */
    if (!(g = calloc(nc, sizeof *g)))
        goto done;
    for (size_t i = 1; i < nc; i++) {
        size_t L = strlen(names[i]);
        if (L < 4 || strcmp(names[i] + L - 3, "_vx") != 0 || !strstr(names[i], "force"))
            continue;
        char stem[256], tstem[264], b[300];
        if (L - 3 >= sizeof stem) {
            st = mot_bad(&r, "a column name is too long");
            goto done;
        }
        memcpy(stem, names[i], L - 3);
        stem[L - 3] = '\0';
        grf_cols *c = &g[ng];
        const char *ax = "xyz";
        for (int k = 0; k < 3; k++) {
            snprintf(b, sizeof b, "%s_v%c", stem, ax[k]);
            c->v[k] = col_of(names, nc, b);
            snprintf(b, sizeof b, "%s_p%c", stem, ax[k]);
            c->p[k] = col_of(names, nc, b);
            snprintf(b, sizeof b, "%s_m%c", stem, ax[k]);
            c->m[k] = col_of(names, nc, b);
        }
        if (c->m[0] < 0) {
            /* OpenSim: ground_force_v* -> ground_torque_* */
            const char *f = strstr(stem, "force");
            snprintf(tstem, sizeof tstem, "%.*storque%s", (int)(f - stem), stem, f + 5);
            for (int k = 0; k < 3; k++) {
                snprintf(b, sizeof b, "%s_%c", tstem, ax[k]);
                c->m[k] = col_of(names, nc, b);
            }
        }
        for (int k = 0; k < 3; k++)
            if (c->v[k] < 0 || c->p[k] < 0) {
                char m[1000];
                snprintf(m, sizeof m, "force columns %s_v* without all of %s_vx/vy/vz and "
                         "%s_px/py/pz", stem, stem, stem);
                st = mot_bad(&r, m);
                goto done;
            }
        ng++;
    }
    if (ng == 0) {
        st = mot_bad(&r, "no ground reaction force columns (<name>_vx, _vy, _vz with "
                         "\"force\" in the name)");
        goto done;
    }
    /* rows */
    while (next_line(&r)) {
        if (!r.line[0])
            continue;
        size_t n = split(r.line, &tok, &tcap);
        if (n == (size_t)-1)
            goto done;
        if (n != nc) {
            char m[96];
            snprintf(m, sizeof m, "%zu values, expected %zu (one per column)", n, nc);
            st = mot_bad(&r, m);
            goto done;
        }
        if (rows == rcap) {
            size_t cap2 = rcap ? 2 * rcap : 256;
            double *nv = realloc(vals, cap2 * nc * sizeof *nv);
            if (!nv)
                goto done;
            vals = nv;
            rcap = cap2;
        }
        for (size_t i = 0; i < nc; i++) {
            char *e;
            double x = strtod(tok[i], &e);
            if (e == tok[i] || *e) {
                char m[160];
                snprintf(m, sizeof m, "column %s holds \"%.40s\", not a number", names[i], tok[i]);
                st = mot_bad(&r, m);
                goto done;
            }
            vals[rows * nc + i] = x;
        }
        rows++;
    }
    if (ferror(r.fp)) {
        KC_ERROR("cannot read \"%s\": read error", path);
        st = KC_EIO;
        goto done;
    }
    if (rows < 2) {
        st = mot_bad(&r, "fewer than 2 rows of data");
        goto done;
    }
    double t0 = vals[0], dt = (vals[(rows - 1) * nc] - t0) / (double)(rows - 1);
    for (size_t i = 0; i < rows; i++) {
        double ti = vals[i * nc];
        if (!isfinite(ti) || !(dt > 0) || fabs(ti - (t0 + (double)i * dt)) > 1e-3 * dt) {
            r.lineno = (long)i;   /* row number in the message */
            KC_ERROR("cannot read \"%s\": the time column is not evenly spaced (row %zu: "
                     "%g s)", path, i + 1, ti);
            st = KC_EFORMAT;
            goto done;
        }
    }
    if (!(t = kc_traj_alloc()))
        goto done;
    t->rate_hz = 1.0 / dt;
    t->first_frame = 1;
    t->start_time_s = t0;
    t->n_frames = rows;
    if ((st = kc_traj_alloc_arrays(t, rows, 0, NULL, KC_RESIDUAL_NONE, false, false)))
        goto done;
    st = KC_ENOMEM;
    if (!(t->forceplates = calloc(ng, sizeof *t->forceplates)))
        goto done;
    t->n_forceplates = ng;
    for (size_t p = 0; p < ng; p++) {
        kc_forceplate *fp = &t->forceplates[p];
        if ((st = kc_forceplate_alloc(fp, rows)))
            goto done;
        st = KC_ENOMEM;
        fp->rate_hz = t->rate_hz;
        for (int q = 0; q < 4; q++)
            for (int k = 0; k < 3; k++)
                fp->corners[q][k] = NAN;
        for (size_t i = 0; i < rows; i++) {
            const double *row = &vals[i * nc];
            double F[3], P[3], T[3];
            for (int k = 0; k < 3; k++) {
                F[k] = row[g[p].v[k]];
                P[k] = row[g[p].p[k]] * 1000.0;
                T[k] = g[p].m[k] >= 0 ? row[g[p].m[k]] * 1000.0 : 0.0;
            }
            double *fl = &fp->force[3 * i], *ml = &fp->moment[3 * i], *cl = &fp->cop[3 * i];
            double cl2[3];
            /* file frame -> lab: file component j = sign[j] * lab component axis[j] */
            for (int j = 0; j < 3; j++) {
                fl[axes->axis[j]] = (double)axes->sign[j] * F[j];
                cl2[axes->axis[j]] = (double)axes->sign[j] * P[j];
                ml[axes->axis[j]] = (double)axes->sign[j] * T[j];
            }
            /* moment about the lab origin: cop x F + free torque */
            ml[0] += cl2[1] * fl[2] - cl2[2] * fl[1];
            ml[1] += cl2[2] * fl[0] - cl2[0] * fl[2];
            ml[2] += cl2[0] * fl[1] - cl2[1] * fl[0];
            double n = sqrt(fl[0] * fl[0] + fl[1] * fl[1] + fl[2] * fl[2]);
            for (int k = 0; k < 3; k++)
                cl[k] = n >= 10.0 ? cl2[k] : NAN;
        }
    }
    *out = t;
    t = NULL;
    st = KC_OK;
done:
    if (st == KC_ENOMEM)
        KC_ERROR("cannot read \"%s\": out of memory", path);
    free(r.line);
    free(names);
    free(tok);
    free(head);
    free(vals);
    free(g);
    kc_traj_free(t);
    return st;
}
