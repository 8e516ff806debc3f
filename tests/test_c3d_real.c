/* The C3D reader and writer on the real Vicon Nexus files in ../shared/data/real (path from
 * the environment variable KC_REAL_DATA, set by tests/convert.cmake): what each SOURCE.md
 * states (rates, first frames, frame and point counts, subject parameters, events, force
 * plates, angle ranges), Vicon's own CSV export of Movement_trial, the force plates against
 * Vicon's LGroundReactionForce/RGroundReactionForce outputs, and a C3D -> trajectories -> C3D
 * -> trajectories round trip (markers and model outputs bit-exact). Exit 77 (SKIPPED) when
 * the files are absent. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kinechain/c3d.h"
#include "kinechain/log.h"
#include "testutil.h"

typedef struct expect {
    const char *file;
    double rate;
    long first, frames;
    size_t points;            /* POINT:USED = markers + model outputs + unlabelled */
    size_t markers;
    const char *subject;
    double bodymass, interasis, lplantflex;   /* PROCESSING: Bodymass, InterAsisDistance,
                                               * LStaticPlantFlex (rad) */
    size_t plates, events;
    const char *ev_side;      /* the first event in time (SOURCE.md lists them sorted) */
    double ev_abs_s;          /* its time from the start of the capture */
    const char *knee;         /* left knee angle output and its X range (deg) */
    double knee_min, knee_max;
} expect;

static const expect files[] = {
    {"btk_plugingait/PiG_Calibration-FlatFoot-Full.c3d", 100, 30, 94, 137, 35, "BELT_C", 47.5,
     0, 0, 2, 0, NULL, 0, "LKneeAngles", 0.9, 2.8},
    {"btk_plugingait/PiG_Calibration3_FF_N18.c3d", 100, 604, 95, 66, 16, "flatFoot", 74,
     245.3, 0.1575, 0, 0, NULL, 0, "LKneeAngles", -8.6, -7.8},
    {"btk_plugingait/PiG_Calibration3_noFF.c3d", 100, 604, 95, 66, 16, "noFlatFoot", 74, 245.2,
     0.1468, 0, 0, NULL, 0, "LKneeAnglesV", -8.6, -7.7},
    {"btk_plugingait/PiG_Motion-FlatFoot-Full.c3d", 100, 148, 315, 193, 37, "BELT_C", 47.5,
     199.9, 0.116, 2, 12, "R", 1.53, NULL, 0, 0},
    {"btk_plugingait/PiG_Motion3_FF_N18.c3d", 100, 725, 293, 92, 16, "flatFoot", 74, 245.3,
     0.1575, 3, 12, "R", 7.31, "LKneeAnglesV", -5.1, 60.7},
    {"btk_plugingait/PiG_Motion3_noFF.c3d", 100, 725, 293, 97, 16, "noFlatFoot", 74, 245.2,
     0.1624, 3, 12, "R", 7.31, "LKneeAnglesV", -5.0, 60.7},
    {"pycgm_nexus_pig/Movement_trial.c3d", 120, 695, 323, 239, 41, "Test", 85, 306, 0.2527, 4,
     0, NULL, 0, "LKneeAngles", 6.8, 102.6},
    {"pycgm_nexus_pig/Static_trial.c3d", 120, 1, 498, 179, 39, "Test", 85, 306, 0.2527, 4, 0,
     NULL, 0, "LKneeAngles", -4.8, -3.7},
};

static const char *const pig_markers[] = {"LASI", "RASI", "LPSI", "RPSI", "LTHI", "LKNE",
                                          "LTIB", "LANK", "LHEE", "LTOE", "RTHI", "RKNE",
                                          "RTIB", "RANK", "RHEE", "RTOE"};

static const kc_model_output *output(const kc_traj *t, const char *name)
{
    for (size_t i = 0; i < t->n_model_outputs; i++)
        if (strcmp(t->model_outputs[i].name, name) == 0)
            return &t->model_outputs[i];
    return NULL;
}

static double param(const kc_traj *t, const char *name)
{
    const kc_attr *a = kc_attrs_find(&t->subject_params, name);
    return a && !a->str && a->n >= 1 ? a->v[0] : NAN;
}

/* Vicon's GroundReactionForce (N/kg, force on the body) and GroundReactionMoment (N·mm/kg,
 * about the plate's surface centre) outputs against the plates: at each frame where a side's
 * vertical GRF exceeds 3 N/kg, the plate whose force is closest, at the frame's first analog
 * sample (what Nexus reports: the mean over the frame's samples is off by up to 50% at heel
 * strike). The moment test decides the sign of FORCE_PLATFORM:ORIGIN: taken the other way it
 * moves the moment by 2·|ORIGIN z|·|F horizontal| (~8,000 N·mm here). */
static void check_grf(const kc_traj *t, const char *file)
{
    double mass = param(t, "Bodymass");
    const char *sides[2][2] = {{"LGroundReactionForce", "LGroundReactionMoment"},
                               {"RGroundReactionForce", "RGroundReactionMoment"}};
    size_t n = 0, within = 0, nm = 0, mwithin = 0;
    double worst = 0, mworst = 0;
    for (int s = 0; s < 2; s++) {
        const kc_model_output *o = output(t, sides[s][0]), *om = output(t, sides[s][1]);
        if (!o)
            continue;
        for (size_t f = 0; f < t->n_frames; f++) {
            const double *v = &o->data[3 * f];
            if (!(v[2] > 3.0))
                continue;
            double best = INFINITY;
            size_t bp = 0;
            for (size_t p = 0; p < t->n_forceplates; p++) {
                const kc_forceplate *fp = &t->forceplates[p];
                size_t spf = fp->n / t->n_frames;
                const double *m = &fp->force[3 * (f * spf)];
                double e = 0;
                for (int j = 0; j < 3; j++)
                    e = fmax(e, fabs(m[j] - v[j] * mass));
                if (e < best)
                    best = e, bp = p;
            }
            n++;
            double rel = best / (v[2] * mass);
            within += rel < 0.03;
            worst = fmax(worst, rel);
            if (om && rel < 0.03) {
                const kc_forceplate *fp = &t->forceplates[bp];
                const double *m = &fp->moment[3 * (f * (fp->n / t->n_frames))];
                double e = 0;
                for (int j = 0; j < 3; j++)
                    e = fmax(e, fabs(m[j] - om->data[3 * f + (size_t)j] * mass));
                nm++;
                mwithin += e < 2500;
                mworst = fmax(mworst, e);
            }
        }
    }
    char w[512];
    snprintf(w, sizeof w, "%s: plates agree with Vicon's GroundReactionForce within 3%% of its "
             "vertical at >= 95%% of %zu loaded frames (%zu; worst %.1f%%)", file, n, within,
             100 * worst);
    CHECK(w, n > 20 && within >= 0.95 * (double)n);
    snprintf(w, sizeof w, "%s: plate moments agree with Vicon's GroundReactionMoment within "
             "2500 N·mm at >= 90%% of %zu frames (%zu; worst %.0f N·mm)", file, nm, mwithin, mworst);
    CHECK(w, nm > 20 && mwithin >= 0.9 * (double)nm);
    printf("  %s: plate force vs Vicon GRF: %zu of %zu frames within 3%%, worst %.2f%%; moment "
           "about the surface centre vs Vicon: %zu of %zu within 2500 N·mm, worst %.0f N·mm\n",
           file, within, n, 100 * worst, mwithin, nm, mworst);
}

/* COP inside the plate whenever the vertical load exceeds 200 N: >= 99.5% of samples within
 * 5 mm of the corners, all within 25 mm (the stair trial's steps overhang their plates). */
static void check_cop(const kc_traj *t, const char *file)
{
    size_t n = 0, out = 0, far = 0;
    for (size_t p = 0; p < t->n_forceplates; p++) {
        const kc_forceplate *fp = &t->forceplates[p];
        double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
        for (int q = 0; q < 4; q++)
            for (int j = 0; j < 2; j++) {
                lo[j] = fmin(lo[j], fp->corners[q][j]);
                hi[j] = fmax(hi[j], fp->corners[q][j]);
            }
        for (size_t s = 0; s < fp->n; s++) {
            if (!(fp->force[3 * s + 2] > 200))
                continue;
            n++;
            const double *c = &fp->cop[3 * s];
            bool in = c[0] > lo[0] - 5 && c[0] < hi[0] + 5 && c[1] > lo[1] - 5 && c[1] < hi[1] + 5 &&
                      fabs(c[2] - fp->origin[2]) < 1e-6;
            out += !in;
            far += !(c[0] > lo[0] - 25 && c[0] < hi[0] + 25 && c[1] > lo[1] - 25 &&
                     c[1] < hi[1] + 25);
            if (!in && getenv("KC_DEBUG_GRF"))
                printf("    plate %zu sample %zu F %.1f %.1f %.1f COP %.1f %.1f %.1f box %.0f..%.0f %.0f..%.0f\n", p, s, fp->force[3 * s], fp->force[3 * s + 1], fp->force[3 * s + 2], c[0], c[1], c[2], lo[0], hi[0], lo[1], hi[1]);
        }
    }
    char w[256];
    snprintf(w, sizeof w, "%s: COP on the plate under load (%zu of %zu samples beyond 5 mm, %zu "
             "beyond 25 mm)", file, out, n, far);
    CHECK(w, n > 0 && (double)out <= 0.005 * (double)n && far == 0);
}

/* Movement_trial.csv (Nexus model-output export): compare named outputs at every frame. */
static void check_csv(const kc_traj *t, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!CHECK("Movement_trial.csv opens", fp != NULL))
        return;
    static char line[1 << 20];
    char *names = NULL;
    const char *want[] = {"LKneeAngles", "RKneeAngles", "LHipAngles", "RAnkleAngles",
                          "LPelvisAngles", "LGroundReactionForce", "RKneeMoment"};
    enum { NW = sizeof want / sizeof want[0] };
    int col[NW];
    for (int k = 0; k < NW; k++)
        col[k] = -1;
    size_t rows = 0, compared = 0, bad = 0;
    double worst = 0;
    for (int ln = 0; fgets(line, sizeof line, fp); ln++) {
        if (ln == 2) {
            /* names: "Test:LKneeAngles" in the first column of its group */
            int c = 0;
            for (char *p = line, *q; p; p = q ? q + 1 : NULL, c++) {
                q = strchr(p, ',');
                if (q)
                    *q = '\0';
                char *colon = strchr(p, ':');
                for (int k = 0; k < NW && colon; k++)
                    if (strcmp(colon + 1, want[k]) == 0 ||
                        (strncmp(colon + 1, want[k], strlen(want[k])) == 0 &&
                         (colon[1 + strlen(want[k])] == '\n' || colon[1 + strlen(want[k])] == '\r')))
                        col[k] = c;
            }
            names = line;
            continue;
        }
        if (ln < 5)
            continue;
        double vals[4096];
        int c = 0;
        for (char *p = line, *q; p && c < 4096; p = q ? q + 1 : NULL, c++) {
            q = strchr(p, ',');
            char *end;
            vals[c] = strtod(p, &end);
            if (end == p)
                vals[c] = NAN;
        }
        if (c < 3 || isnan(vals[0]))
            continue;
        long frame = (long)vals[0];
        long f = frame - (long)t->first_frame;
        if (f < 0 || (size_t)f >= t->n_frames)
            continue;
        rows++;
        for (int k = 0; k < NW; k++) {
            const kc_model_output *o = output(t, want[k]);
            if (!o || col[k] < 0 || col[k] + 2 >= c)
                continue;
            for (int j = 0; j < 3; j++) {
                double a = vals[col[k] + j], b = o->data[3 * (size_t)f + (size_t)j];
                if (isnan(a))
                    continue;
                compared++;
                double e = fabs(a - b) / fmax(1.0, fabs(a));
                worst = fmax(worst, e);
                bad += e > 1e-4;   /* the CSV has 6 significant digits */
            }
        }
    }
    fclose(fp);
    (void)names;
    bool all = true;
    for (int k = 0; k < NW; k++)
        all = all && col[k] >= 0;
    CHECK("Movement_trial.csv: every compared output has a column", all);
    char w[256];
    snprintf(w, sizeof w, "Movement_trial.csv: %zu rows, %zu values equal to 1e-4 (%zu differ, "
             "worst %.2g)", rows, compared, bad, worst);
    CHECK(w, rows == t->n_frames && compared > 5000 && bad == 0);
    printf("  Movement_trial.csv: %zu rows, %zu values compared, worst relative difference %.2g\n",
           rows, compared, worst);
}

static void check_round_trip(const kc_traj *a, const char *file, const char *tmpdir)
{
    char p[1024], w[512];
    snprintf(p, sizeof p, "%s/round_trip.c3d", tmpdir);
    snprintf(w, sizeof w, "%s: written as C3D", file);
    if (!CHECK(w, kc_c3d_write_traj(p, a, NULL) == KC_OK))
        return;
    kc_c3d *c = NULL;
    kc_traj *b = NULL;
    snprintf(w, sizeof w, "%s: written C3D read back", file);
    if (!CHECK(w, kc_c3d_read(p, &c) == KC_OK && kc_c3d_to_traj(c, NULL, &b) == KC_OK)) {
        kc_c3d_free(c);
        return;
    }
    kc_c3d_free(c);
    size_t F = a->n_frames, M = a->n_markers;
    bool same = b->n_frames == F && b->n_markers == M && b->first_frame == a->first_frame &&
                b->rate_hz == a->rate_hz && b->n_model_outputs == a->n_model_outputs &&
                b->n_unlabelled == a->n_unlabelled;
    snprintf(w, sizeof w, "%s: round trip keeps counts, first frame, rate", file);
    if (!CHECK(w, same)) {
        kc_traj_free(b);
        return;
    }
    size_t diff = 0, ldiff = 0, odiff = 0, rdiff = 0;
    for (size_t m = 0; m < M; m++)
        ldiff += strcmp(a->labels[m], b->labels[m]) != 0;
    for (size_t i = 0; i < 3 * F * M; i++)
        diff += memcmp(&a->position[i], &b->position[i], sizeof(double)) != 0;
    for (size_t i = 0; i < F * M; i++)
        rdiff += !(a->filled[i] == b->filled[i] && a->n_cameras_seen[i] == b->n_cameras_seen[i] &&
                   (a->residual[i] == b->residual[i] || (isnan(a->residual[i]) && isnan(b->residual[i]))));
    for (size_t j = 0; j < a->n_model_outputs; j++) {
        const kc_model_output *x = &a->model_outputs[j], *y = output(b, x->name);
        if (!y || strcmp(x->kind, y->kind) != 0) {
            odiff++;
            continue;
        }
        for (size_t i = 0; i < 3 * F; i++)
            odiff += memcmp(&x->data[i], &y->data[i], sizeof(double)) != 0;
    }
    snprintf(w, sizeof w, "%s: round trip: labels (%zu differ), positions bit-exact (%zu differ), "
             "residual/cameras/filled (%zu differ), model outputs bit-exact (%zu differ)", file,
             ldiff, diff, rdiff, odiff);
    CHECK(w, ldiff == 0 && diff == 0 && rdiff == 0 && odiff == 0);
    size_t ne = a->events ? kc_table_nrows(a->events) : 0, ebad = 0;
    for (size_t e = 0; e < ne; e++)
        ebad += !(b->events && kc_table_nrows(b->events) == ne &&
                  strcmp(kc_table_get_str(a->events, e, 0), kc_table_get_str(b->events, e, 0)) == 0 &&
                  strcmp(kc_table_get_str(a->events, e, 1), kc_table_get_str(b->events, e, 1)) == 0 &&
                  fabs(kc_table_get_f64(a->events, e, 2) - kc_table_get_f64(b->events, e, 2)) < 2e-6);
    size_t sbad = 0;
    for (size_t i = 0; i < a->subject_params.n; i++) {
        const kc_attr *x = &a->subject_params.items[i];
        const kc_attr *y = kc_attrs_find(&b->subject_params, x->name);
        if (!y || (x->str ? !y->str || strcmp(x->str, y->str) != 0
                          : y->str || y->n != x->n || memcmp(x->v, y->v, x->n * sizeof(double)) != 0))
            sbad++;
    }
    snprintf(w, sizeof w, "%s: round trip: events (%zu differ), subject parameters exact (%zu of "
             "%zu differ), subject name", file, ebad, sbad, a->subject_params.n);
    CHECK(w, ebad == 0 && sbad == 0 && b->subject_params.n == a->subject_params.n &&
                 b->subject && a->subject && strcmp(a->subject, b->subject) == 0);
    size_t fbad = 0;
    if (b->n_forceplates == a->n_forceplates)
        for (size_t q = 0; q < a->n_forceplates; q++) {
            const kc_forceplate *x = &a->forceplates[q], *y = &b->forceplates[q];
            if (x->n != y->n) {
                fbad++;
                continue;
            }
            for (size_t i = 0; i < 3 * x->n; i++)
                fbad += fabs(x->force[i] - y->force[i]) > 1e-3 + 1e-6 * fabs(x->force[i]) ||
                        fabs(x->moment[i] - y->moment[i]) > 1.0 + 1e-5 * fabs(x->moment[i]);
        }
    snprintf(w, sizeof w, "%s: round trip: force plates (%zu values beyond float precision)",
             file, fbad);
    CHECK(w, b->n_forceplates == a->n_forceplates && fbad == 0);
    kc_traj_free(b);
}

int main(void)
{
    const char *dir = getenv("KC_REAL_DATA");
    struct stat sb;
    char path[1024];
    if (!dir || stat(dir, &sb) != 0) {
        printf("SKIPPED: real data folder %s absent\n", dir ? dir : "(KC_REAL_DATA unset)");
        return 77;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        if (stat(path, &sb) != 0) {
            printf("SKIPPED: %s absent\n", path);
            return 77;
        }
    }
    kc_log_init("test_c3d_real", KC_LOG_ERROR);
    const char *tmp = kc_test_tmpdir("test_c3d_real");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const expect *x = &files[i];
        char w[512];
        snprintf(path, sizeof path, "%s/%s", dir, x->file);
        kc_c3d *c = NULL;
        kc_traj *t = NULL;
        snprintf(w, sizeof w, "%s: reads and converts", x->file);
        if (!CHECK(w, kc_c3d_read(path, &c) == KC_OK && kc_c3d_to_traj(c, NULL, &t) == KC_OK)) {
            kc_c3d_free(c);
            continue;
        }
        snprintf(w, sizeof w, "%s: Intel float, POINT:USED %zu", x->file, x->points);
        CHECK(w, c->processor == KC_C3D_INTEL && c->is_float && c->n_points == x->points);
        kc_c3d_free(c);
        snprintf(w, sizeof w, "%s: rate", x->file);
        CHECK_NEAR(w, t->rate_hz, x->rate, 1e-9);
        snprintf(w, sizeof w, "%s: first frame %ld, %ld frames, start time", x->file, x->first,
                 x->frames);
        CHECK(w, t->first_frame == x->first && t->n_frames == (size_t)x->frames &&
                     fabs(t->start_time_s - (double)(x->first - 1) / x->rate) < 1e-9);
        snprintf(w, sizeof w, "%s: %zu markers (points = markers + outputs + unlabelled)",
                 x->file, x->markers);
        CHECK(w, t->n_markers == x->markers &&
                     t->n_markers + t->n_model_outputs + t->n_unlabelled == x->points);
        size_t missing = 0, gaps = 0;
        for (size_t k = 0; k < sizeof pig_markers / sizeof pig_markers[0]; k++) {
            int m = kc_traj_find(t, pig_markers[k]);
            if (m < 0) {
                missing++;
                continue;
            }
            for (size_t f = 0; f < t->n_frames; f++)
                gaps += isnan(t->position[3 * (f * t->n_markers + (size_t)m)]);
        }
        snprintf(w, sizeof w, "%s: 16 PiG markers present without gaps (%zu missing, %zu gaps)",
                 x->file, missing, gaps);
        CHECK(w, missing == 0 && gaps == 0);
        snprintf(w, sizeof w, "%s: subject %s", x->file, x->subject);
        CHECK(w, t->subject && strcmp(t->subject, x->subject) == 0);
        snprintf(w, sizeof w, "%s: Bodymass", x->file);
        CHECK_NEAR(w, param(t, "Bodymass"), x->bodymass, 1e-4);
        snprintf(w, sizeof w, "%s: InterAsisDistance", x->file);
        CHECK_NEAR(w, param(t, "InterAsisDistance"), x->interasis, 0.06);
        snprintf(w, sizeof w, "%s: LStaticPlantFlex", x->file);
        CHECK_NEAR(w, param(t, "LStaticPlantFlex"), x->lplantflex, 6e-5);
        snprintf(w, sizeof w, "%s: %zu force plates", x->file, x->plates);
        CHECK(w, t->n_forceplates == x->plates);
        size_t ne = t->events ? kc_table_nrows(t->events) : 0;
        snprintf(w, sizeof w, "%s: %zu events", x->file, x->events);
        CHECK(w, ne == x->events);
        if (ne && x->ev_side) {
            size_t first = 0;
            for (size_t e = 1; e < ne; e++)
                if (kc_table_get_f64(t->events, e, 2) < kc_table_get_f64(t->events, first, 2))
                    first = e;
            snprintf(w, sizeof w, "%s: first event %s Foot Strike at %.2f s of the capture",
                     x->file, x->ev_side, x->ev_abs_s);
            CHECK(w, strcmp(kc_table_get_str(t->events, first, 0), "Foot Strike") == 0 &&
                         strcmp(kc_table_get_str(t->events, first, 1), x->ev_side) == 0 &&
                         strcmp(kc_table_get_str(t->events, first, 3), "c3d") == 0);
            CHECK_NEAR(w, kc_table_get_f64(t->events, first, 2) + t->start_time_s, x->ev_abs_s,
                       0.006);
        }
        if (x->knee) {
            const kc_model_output *o = output(t, x->knee);
            snprintf(w, sizeof w, "%s: %s is an angle with X in [%g, %g]", x->file, x->knee,
                     x->knee_min, x->knee_max);
            if (CHECK(w, o && strcmp(o->kind, "angle") == 0)) {
                double lo = INFINITY, hi = -INFINITY;
                for (size_t f = 0; f < t->n_frames; f++) {
                    lo = fmin(lo, o->data[3 * f]);
                    hi = fmax(hi, o->data[3 * f]);
                }
                CHECK_NEAR(w, lo, x->knee_min, 0.051);
                CHECK_NEAR(w, hi, x->knee_max, 0.051);
            }
        }
        const kc_model_output *pelo = output(t, "PELO");
        snprintf(w, sizeof w, "%s: PELO is a segment axis (bone)", x->file);
        CHECK(w, pelo && strcmp(pelo->kind, "bone") == 0);
        if (x->events) {
            const kc_model_output *g = output(t, "LGroundReactionForce");
            snprintf(w, sizeof w, "%s: LGroundReactionForce is a force", x->file);
            CHECK(w, g && strcmp(g->kind, "force") == 0);
        }
        if (t->n_forceplates && (x->events || strstr(x->file, "Movement"))) {
            check_grf(t, x->file);
            check_cop(t, x->file);
        }
        for (size_t p = 0; p < t->n_forceplates; p++) {
            snprintf(w, sizeof w, "%s: plate %zu at the analog rate", x->file, p);
            CHECK(w, t->forceplates[p].n == t->n_frames * (x->rate == 120 ? 9 : 10) &&
                         fabs(t->forceplates[p].rate_hz - (x->rate == 120 ? 1080 : 1000)) < 1e-6);
        }
        if (strstr(x->file, "Movement_trial")) {
            snprintf(path, sizeof path, "%s/pycgm_nexus_pig/Movement_trial.csv", dir);
            check_csv(t, path);
        }
        check_round_trip(t, x->file, tmp);
        kc_traj_free(t);
    }
    return kc_test_summary("test_c3d_real");
}
