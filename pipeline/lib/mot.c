/* kinechain — kinematics and trajectories as MOT/STO and CSV text tables (mot.h). */
#include "kinechain/mot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
