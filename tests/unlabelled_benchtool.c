/* Helper of benchmarks/unlabelled.sh: correspondence + tracking throughput on a synthetic
 * capture that kc-synth cannot make (40 markers, 10 spurious blobs per camera and frame,
 * up to any number of cameras).
 *   unlabelled_benchtool CAMERAS MARKERS SPURIOUS FRAMES THREADS
 * Cameras: a ring of distorted cameras (tests/tri_testlib.h); markers: random positions in
 * a 2 x 2 x 1.8 m volume, each moving on its own 1 Hz ellipse (100 mm), at 200 Hz, 0.3 px
 * noise, no occlusion. Prints: frames, seconds (correspondence + tracking, not the set-up),
 * frames per second, the fraction of marker-frames found as a point within 10 mm of the
 * marker, points of >= 3 cameras farther than that from every marker (ghosts), tracks,
 * and the process CPU seconds (all threads) of the timed part. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <omp.h>

#include "kinechain/correspond.h"
#include "kinechain/log.h"
#include "kinechain/track3d.h"
#include "tri_testlib.h"

static int arg(const char *s, long lo, long hi, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    return *end == '\0' && end != s && *v >= lo && *v <= hi;
}

int main(int argc, char **argv)
{
    long C, M, S, F, T;
    gsl_set_error_handler_off();
    if (argc != 6 || !arg(argv[1], 2, 64, &C) || !arg(argv[2], 1, 1000, &M) ||
        !arg(argv[3], 0, 1000, &S) || !arg(argv[4], 1, 1000000, &F) || !arg(argv[5], 1, 256, &T)) {
        fprintf(stderr, "usage: unlabelled_benchtool CAMERAS MARKERS SPURIOUS FRAMES THREADS\n");
        return 1;
    }
    kc_log_init("unlabelled_benchtool", KC_LOG_WARNING);
    kc_camera *cams = malloc((size_t)C * sizeof *cams);
    kc_centroids *cen = calloc((size_t)C, sizeof *cen);
    double *X0 = malloc((size_t)M * 6 * sizeof *X0), *truth = malloc((size_t)(F * M * 3) * sizeof *truth);
    if (!cams || !cen || !X0 || !truth)
        return 3;
    tt_rng rng = {0x5deece66dULL};
    for (long c = 0; c < C; c++)
        cams[c] = tt_ring_camera((int)c, (int)C);
    for (long m = 0; m < M; m++) {
        X0[6 * m] = -1000 + 2000 * tt_uniform(&rng);
        X0[6 * m + 1] = -1000 + 2000 * tt_uniform(&rng);
        X0[6 * m + 2] = 100 + 1700 * tt_uniform(&rng);
        X0[6 * m + 3] = 2 * 3.14159265358979323846 * tt_uniform(&rng);
        X0[6 * m + 4] = tt_uniform(&rng) - 0.5;
        X0[6 * m + 5] = tt_uniform(&rng) - 0.5;
    }
    for (long f = 0; f < F; f++)
        for (long m = 0; m < M; m++) {
            double ph = 2 * 3.14159265358979323846 * (double)f / 200.0 + X0[6 * m + 3];
            double *x = truth + 3 * (f * M + m);
            x[0] = X0[6 * m] + 100 * cos(ph);
            x[1] = X0[6 * m + 1] + 100 * sin(ph) * X0[6 * m + 4];
            x[2] = X0[6 * m + 2] + 100 * sin(ph) * X0[6 * m + 5];
        }
    for (long c = 0; c < C; c++) {
        cen[c].xy = malloc((size_t)(F * (M + S)) * 2 * sizeof(double));
        cen[c].offsets = malloc((size_t)(F + 1) * sizeof(int64_t));
        if (!cen[c].xy || !cen[c].offsets)
            return 3;
        size_t n = 0;
        for (long f = 0; f < F; f++) {
            cen[c].offsets[f] = (int64_t)n;
            for (long m = 0; m < M; m++) {
                const double *x = truth + 3 * (f * M + m);
                double uv[2];
                if (!kc_camera_project(&cams[c], kc_v3(x[0], x[1], x[2]), uv))
                    continue;
                uv[0] += 0.3 * tt_gauss(&rng);
                uv[1] += 0.3 * tt_gauss(&rng);
                if (!kc_camera_in_image(&cams[c], uv, 0))
                    continue;
                cen[c].xy[2 * n] = uv[0];
                cen[c].xy[2 * n + 1] = uv[1];
                n++;
            }
            for (long s = 0; s < S; s++) {
                cen[c].xy[2 * n] = tt_uniform(&rng) * (cams[c].width - 1);
                cen[c].xy[2 * n + 1] = tt_uniform(&rng) * (cams[c].height - 1);
                n++;
            }
        }
        cen[c].offsets[F] = (int64_t)n;
        cen[c].n = n;
    }
    omp_set_num_threads((int)T);
    kc_corr_params cp = kc_corr_default_params();
    kc_corr_point *pts = NULL;
    int32_t *blob = NULL, *trk = NULL;
    int64_t *off = NULL;
    double t0 = omp_get_wtime();
    clock_t c0 = clock();
    if (kc_corr_all(&cp, cams, (size_t)C, (size_t)F, cen, &pts, &blob, &off))
        return 3;
    size_t N = (size_t)off[F], nt = 0;
    trk = malloc((N ? N : 1) * sizeof *trk);
    kc_track_params tp = kc_track_default_params(200.0);
    if (!trk || kc_track_all(&tp, (size_t)F, off, pts, trk, &nt))
        return 3;
    double sec = omp_get_wtime() - t0;
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    long found = 0, ghosts = 0;
    for (long f = 0; f < F; f++) {
        for (long m = 0; m < M; m++) {
            const double *x = truth + 3 * (f * M + m);
            for (int64_t k = off[f]; k < off[f + 1]; k++) {
                double d = 0;
                for (int q = 0; q < 3; q++)
                    d += (pts[k].X[q] - x[q]) * (pts[k].X[q] - x[q]);
                if (d < 100.0) {
                    found++;
                    break;
                }
            }
        }
        for (int64_t k = off[f]; k < off[f + 1]; k++) {
            if (pts[k].n_cameras < 3)
                continue;
            int near = 0;
            for (long m = 0; m < M && !near; m++) {
                const double *x = truth + 3 * (f * M + m);
                double d = 0;
                for (int q = 0; q < 3; q++)
                    d += (pts[k].X[q] - x[q]) * (pts[k].X[q] - x[q]);
                near = d < 100.0;
            }
            ghosts += !near;
        }
    }
    printf("%ld %.3f %.1f %.5f %ld %zu %.3f\n", F, sec, (double)F / sec,
           (double)found / (double)(F * M), ghosts, nt, cpu);
    for (long c = 0; c < C; c++) {
        free(cen[c].xy);
        free(cen[c].offsets);
    }
    free(cen);
    free(cams);
    free(X0);
    free(truth);
    free(pts);
    free(blob);
    free(off);
    free(trk);
    return 0;
}
