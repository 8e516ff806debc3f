/* Helpers of benchmarks/triangulate.sh:
 *   triangulate_benchtool concat IN.obs.h5 K OUT.obs.h5
 *       a long trial: the labelled points (and weights) of IN repeated K times along the
 *       frames (no centroids, force plates or truth)
 *   triangulate_benchtool io CALIB.calib.h5 IN.obs.h5 TRAJ.traj.h5 OUT.traj.h5
 *       the I/O floor of kc-triangulate: reads CALIB and IN, then writes the content of
 *       TRAJ (read untimed) to OUT; prints the seconds spent reading and writing
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/trajfile.h"

static int concat(const char *in, long K, const char *out)
{
    kc_obs *o = NULL;
    if (kc_obs_read(in, &o) || !o->points)
        return 1;
    size_t C = o->n_cameras, F = o->n_frames, M = o->n_markers, F2 = F * (size_t)K;
    double *p = malloc(C * F2 * M * 2 * sizeof *p);
    double *w = o->weights ? malloc(C * F2 * M * sizeof *w) : NULL;
    if (!p || (o->weights && !w))
        return 1;
    for (size_t c = 0; c < C; c++)
        for (long k = 0; k < K; k++) {
            memcpy(p + (c * F2 + (size_t)k * F) * M * 2, o->points + c * F * M * 2,
                   F * M * 2 * sizeof *p);
            if (w)
                memcpy(w + (c * F2 + (size_t)k * F) * M, o->weights + c * F * M,
                       F * M * sizeof *w);
        }
    free(o->points);
    free(o->weights);
    o->points = p;
    o->weights = w;
    o->n_frames = F2;
    if (o->centroids) {
        for (size_t c = 0; c < C; c++) {
            free(o->centroids[c].xy);
            free(o->centroids[c].offsets);
        }
        free(o->centroids);
        o->centroids = NULL;
    }
    kc_forceplates_free(o->forceplates, o->n_forceplates);
    o->forceplates = NULL;
    o->n_forceplates = 0;
    kc_truth_free(o->truth);
    o->truth = NULL;
    int st = kc_obs_write(out, o, NULL);
    kc_obs_free(o);
    return st ? 1 : 0;
}

static int io(const char *calib, const char *obs, const char *traj, const char *out)
{
    kc_calib *c = NULL;
    kc_obs *o = NULL;
    kc_traj *t = NULL;
    double t0 = kc_now();
    if (kc_calib_read(calib, &c) || kc_obs_read(obs, &o))
        return 1;
    double t1 = kc_now();
    if (kc_traj_read(traj, &t))
        return 1;
    double t2 = kc_now();
    if (kc_traj_write(out, t, NULL))
        return 1;
    double t3 = kc_now();
    printf("%.4f %.4f\n", t1 - t0, t3 - t2);
    kc_calib_free(c);
    kc_obs_free(o);
    kc_traj_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    kc_cli cli;
    kc_cli_init(&cli, "triangulate_benchtool", argc, argv);
    if (argc == 5 && strcmp(argv[1], "concat") == 0) {
        long K;
        if (kc_parse_long("K", argv[3], 1, 1000, &K))
            return 1;
        return concat(argv[2], K, argv[4]);
    }
    if (argc == 6 && strcmp(argv[1], "io") == 0)
        return io(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: triangulate_benchtool concat IN K OUT | io CALIB OBS TRAJ OUT\n");
    return 1;
}
