/* Synthetic trajectories for the C3D tests (see test_c3d_gen.h). Built as a program with
 * KC_C3D_GEN_MAIN: make_c3d OUT.c3d FRAMES MARKERS PLATES RATE [intel|dec|mips] [float|int],
 * used by benchmarks/c3d.sh and to make the seed corpus tests/data/c3d. */
#include "test_c3d_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kc_traj *kc_test_c3d_traj(size_t F, size_t M, size_t n_plates, double rate, int64_t first)
{
    kc_traj *t = kc_traj_alloc();
    char **labels = calloc(M ? M : 1, sizeof *labels);
    double *buf = malloc((F ? F : 1) * 3 * sizeof *buf);
    if (!t || !labels || !buf)
        goto fail;
    for (size_t m = 0; m < M; m++) {
        labels[m] = malloc(32);
        if (!labels[m])
            goto fail;
        snprintf(labels[m], 32, "MK%zu", m);
    }
    if (M >= 2) {
        snprintf(labels[0], 16, "LASI");
        snprintf(labels[1], 16, "LTOE");
    }
    t->rate_hz = rate;
    t->first_frame = first;
    t->start_time_s = (double)(first - 1) / rate;
    if (kc_traj_alloc_arrays(t, F, M, labels, KC_RESIDUAL_MM, true, true))
        goto fail;
    for (size_t f = 0; f < F; f++) {
        double s = (double)f / rate;
        for (size_t m = 0; m < M; m++) {
            size_t i = f * M + m;
            double *x = &t->position[3 * i];
            x[0] = 412.345 + 800.0 * s + 37.25 * (double)m + 11.1 * sin(3.1 * s + (double)m);
            x[1] = -233.5 + 23.0 * cos(1.7 * s + 0.3 * (double)m);
            x[2] = (m == 0 ? 950.0 : 60.0) + 5.0 * (double)m + 17.5 * sin(2.3 * s);
            if ((f + 3 * m) % 29 == 7) {   /* a missing point */
                x[0] = x[1] = x[2] = NAN;
                continue;
            }
            if ((f + m) % 13 == 5) {       /* processed by another system */
                t->residual[i] = 0;
                t->n_cameras_seen[i] = 0;
                t->filled[i] = KC_FILL_OTHER;
                continue;
            }
            t->residual[i] = 0.1 * (double)(1 + (f * 7 + m * 3) % 40);
            t->n_cameras_seen[i] = (uint8_t)(1 + (f + 2 * m) % 7);
            t->filled[i] = KC_FILL_MEASURED;
        }
    }
    for (size_t f = 0; f < F; f++) {
        double s = (double)f / rate;
        buf[3 * f] = 12.5 + 40.0 * sin(4.0 * s);
        buf[3 * f + 1] = -3.25 + 2.0 * cos(4.0 * s);
        buf[3 * f + 2] = 1.5 * sin(2.0 * s);
    }
    if (kc_traj_add_model_output(t, "LKneeAngles", "angle", buf))
        goto fail;
    for (size_t f = 0; f < F; f++) {
        buf[3 * f] = 0.75 * (double)(f % 11);
        buf[3 * f + 1] = -0.5;
        buf[3 * f + 2] = 9.81 + 0.01 * (double)f;
    }
    if (kc_traj_add_model_output(t, "LGroundReactionForce", "force", buf))
        goto fail;
    t->n_unlabelled = 1;
    if (!(t->unlabelled = malloc((F ? F : 1) * 3 * sizeof(double))))
        goto fail;
    for (size_t f = 0; f < F; f++) {
        t->unlabelled[3 * f] = f % 5 == 0 ? NAN : 100.0 + (double)f;
        t->unlabelled[3 * f + 1] = f % 5 == 0 ? NAN : 200.0;
        t->unlabelled[3 * f + 2] = f % 5 == 0 ? NAN : 300.0 - 0.5 * (double)f;
    }
    if (n_plates) {
        t->forceplates = calloc(n_plates, sizeof *t->forceplates);
        if (!t->forceplates)
            goto fail;
        t->n_forceplates = n_plates;
        for (size_t p = 0; p < n_plates; p++) {
            kc_forceplate *fp = &t->forceplates[p];
            size_t n = 4 * F;
            if (kc_forceplate_alloc(fp, n))
                goto fail;
            fp->rate_hz = 4 * rate;
            double x0 = 600.0 * (double)p;
            /* c3d.org corner order with plate z down: +x+y, -x+y, -x-y, +x-y of the plate
             * (plate x = -lab X, plate y = +lab Y) */
            double cor[4][3] = {{x0, 0, 0}, {x0 + 500, 0, 0}, {x0 + 500, -400, 0}, {x0, -400, 0}};
            memcpy(fp->corners, cor, sizeof cor);
            fp->origin[0] = x0 + 250, fp->origin[1] = -200, fp->origin[2] = 0;
            for (size_t s = 0; s < n; s++) {
                double ph = (double)s / (double)(n ? n : 1);
                double fz = ph > 0.2 && ph < 0.7 ? 800.0 * sin(3.14159265358979323846 * (ph - 0.2) / 0.5) : 0.0;
                double cx = fp->origin[0] - 80 + 160 * ph, cy = -200 + 10.0 * (double)p;
                double F3[3] = {0.1 * fz, -0.05 * fz, fz};
                double r[3] = {cx - fp->origin[0], cy - fp->origin[1], 0};
                double tz = 0.002 * fz * 100.0;
                memcpy(&fp->force[3 * s], F3, sizeof F3);
                fp->moment[3 * s] = r[1] * F3[2] - r[2] * F3[1];
                fp->moment[3 * s + 1] = r[2] * F3[0] - r[0] * F3[2];
                fp->moment[3 * s + 2] = r[0] * F3[1] - r[1] * F3[0] + tz;
                fp->cop[3 * s] = fz > 10 ? cx : NAN;
                fp->cop[3 * s + 1] = fz > 10 ? cy : NAN;
                fp->cop[3 * s + 2] = fz > 10 ? 0 : NAN;
            }
        }
    }
    double tev[3] = {0.0125, 0.3, (double)F / rate * 0.8};
    const char *names[3] = {"Foot Strike", "Foot Off", "Foot Strike"};
    const char *sides[3] = {"L", "R", ""};
    for (int e = 0; e < 3; e++)
        if (kc_traj_add_event(t, names[e], sides[e], tev[e], "c3d"))
            goto fail;
    if (kc_attrs_set_f64(&t->subject_params, "Bodymass", 72.5) ||
        kc_attrs_set_f64(&t->subject_params, "LLegLength", 905) ||
        kc_attrs_set_f64(&t->subject_params, "LStaticPlantFlex", 0.1575) ||
        kc_attrs_set_str(&t->subject_params, "Notes", "synthetic"))
        goto fail;
    if (!(t->subject = strdup("synth01")))
        goto fail;
    for (size_t m = 0; m < M; m++)
        free(labels[m]);
    free(labels);
    free(buf);
    return t;
fail:
    for (size_t m = 0; labels && m < M; m++)
        free(labels[m]);
    free(labels);
    free(buf);
    kc_traj_free(t);
    return NULL;
}

#ifdef KC_C3D_GEN_MAIN
#include <time.h>
#include "kinechain/c3d.h"
#include "kinechain/log.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* make_c3d --read FILE: time reading + converting to trajectories (no HDF5), print
 * "read_s=S frames=F". Otherwise make a file and print "write_s=S" (the writer alone). */
int main(int argc, char **argv)
{
    kc_log_init("make_c3d", KC_LOG_WARNING);
    if (argc == 3 && strcmp(argv[1], "--read") == 0) {
        double t0 = now_s();
        kc_c3d *c = NULL;
        kc_traj *t = NULL;
        int st = kc_c3d_read(argv[2], &c);
        double tp = now_s();
        if (!st)
            st = kc_c3d_to_traj(c, NULL, &t);
        double t1 = now_s();
        if (!st)
            printf("read_s=%.3f frames=%zu (parse %.3f s, to trajectories %.3f s)\n", t1 - t0,
                   t->n_frames, tp - t0, t1 - tp);
        kc_traj_free(t);
        kc_c3d_free(c);
        return st ? 2 : 0;
    }
    if (argc < 6) {
        fprintf(stderr, "usage: make_c3d OUT.c3d FRAMES MARKERS PLATES RATE [intel|dec|mips] "
                        "[float|int]\n       make_c3d --read FILE.c3d\n");
        return 1;
    }
    size_t F = strtoul(argv[2], NULL, 10), M = strtoul(argv[3], NULL, 10);
    size_t P = strtoul(argv[4], NULL, 10);
    double rate = strtod(argv[5], NULL);
    kc_c3d_write_opts o = kc_c3d_default_write_opts();
    if (argc > 6)
        o.processor = strcmp(argv[6], "dec") == 0 ? KC_C3D_DEC
                    : strcmp(argv[6], "mips") == 0 ? KC_C3D_MIPS : KC_C3D_INTEL;
    if (argc > 7 && strcmp(argv[7], "int") == 0) {
        o.integer = true;
        o.scale_mm = 0.5;
    }
    kc_traj *t = kc_test_c3d_traj(F, M, P, rate, 1);
    if (!t)
        return 3;
    double t0 = now_s();
    int st = kc_c3d_write_traj(argv[1], t, &o);
    double t1 = now_s();
    if (!st)
        printf("write_s=%.3f\n", t1 - t0);
    kc_traj_free(t);
    return st ? 2 : 0;
}
#endif
