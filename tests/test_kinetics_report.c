/* test_kinetics_report — kc-ik's vertical ground reaction series and kc-stats' athlete kinetics
 * figure (issue 11):
 *  - a kc-synth session (anatomical, seed 3, 1 subject, 1 drop jump): the true markers of the
 *    static and the drop jump as traj files with the plates, and a copy of the drop jump
 *    without plates (a second athlete "s02", no kinetics); kc-ik on both;
 *  - /series/{L,R}VerticalGRF of the trial with plates: over the landing, equal (1e-9 N/kg)
 *    to the foot's plate's vertical force averaged over each frame's analog samples (computed
 *    here from the plate, docs/kinetics.md) / body mass, its peak not above kc-synth's /truth
 *    analog peak_vgrf_n (+ 5 N of noise), and 0 in the flight before the landing; the trial
 *    without plates has no such series;
 *  - kc-stats on the two: s01's page shows plots/athlete_s01_kinetics.png (a PNG) in a
 *    "Landing kinetics" section; s02's page has no such section and no figure is written
 *    (a trial without kinetics is skipped, never drawn empty).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kinechain/kinetics.h"
#include "kinechain/kinfile.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/table.h"
#include "kinechain/trajfile.h"
#include "testkin.h"
#include "testutil.h"

#ifndef KC_SYNTH_EXE
#define KC_SYNTH_EXE "kc-synth"
#endif
#ifndef KC_IK_EXE
#define KC_IK_EXE "kc-ik"
#endif
#ifndef KC_STATS_EXE
#define KC_STATS_EXE "kc-stats"
#endif

static char cmd[16384];

/* obs /truth/markers -> traj, with the plates unless drop_plates */
static int truth_traj(const char *obs_path, const char *traj_path, int drop_plates)
{
    return kc_test_truth_traj(obs_path, traj_path, !drop_plates, 0, "test_kinetics_report");
}

static double table_value(const kc_table *t, const char *name, const char *side, const char *col)
{
    return kc_test_row_f64(t, name, side, col);
}

static const double *series(const kc_kin *k, const char *name)
{
    for (size_t i = 0; i < k->n_series; i++)
        if (!strcmp(k->series[i].name, name))
            return k->series[i].data;
    return NULL;
}

static double subject_mass(const char *csv)
{
    FILE *fp = fopen(csv, "r");
    char line[4096];
    double m = NAN;
    int col = -1;
    if (fp && fgets(line, sizeof line, fp)) {
        int c = 0;
        for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), c++)
            if (!strcmp(t, "mass_kg"))
                col = c;
        if (col >= 0 && fgets(line, sizeof line, fp)) {
            c = 0;
            for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), c++)
                if (c == col)
                    m = atof(t);
        }
    }
    if (fp)
        fclose(fp);
    return m;
}

/* the whole file into a NUL-terminated buffer (NULL when unreadable) */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *b = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            char *q = realloc(b, cap);
            if (!q) {
                free(b);
                fclose(fp);
                return NULL;
            }
            b = q;
        }
        size_t r = fread(b + n, 1, 4096, fp);
        n += r;
        if (r < 4096)
            break;
    }
    fclose(fp);
    b[n] = 0;
    return b;
}

int main(void)
{
    kc_log_init("test_kinetics_report", KC_LOG_ERROR);
    const char *tmp = kc_test_tmpdir("test_kinetics_report");
    char dir[900], csv[1024], ob[1024], st[1024], tr[1024], tr0[1024], kin[1024], kin0[1024],
        man[1024], out[1024], path[1200];
    snprintf(dir, sizeof dir, "%s/session", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' session '%s' --subjects 1 --trials 1 --sls 0 "
             "--cameras 2 --wand-s 1 --seed 3 --quiet --threads 1", dir, KC_SYNTH_EXE, dir);
    if (!CHECK("kc-synth session", system(cmd) == 0))
        return kc_test_summary("test_kinetics_report");
    snprintf(csv, sizeof csv, "%s/subjects.csv", dir);
    double mass = subject_mass(csv);
    CHECK("subject mass", isfinite(mass) && mass > 0);
    snprintf(ob, sizeof ob, "%s/s01/static.obs.h5", dir);
    snprintf(st, sizeof st, "%s/static.traj.h5", tmp);
    CHECK("static truth -> traj", truth_traj(ob, st, 0) == 0);
    snprintf(ob, sizeof ob, "%s/s01/dvj_1.obs.h5", dir);
    snprintf(tr, sizeof tr, "%s/dvj_1.traj.h5", tmp);
    snprintf(tr0, sizeof tr0, "%s/dvj_noplates.traj.h5", tmp);
    CHECK("trial truth -> traj", truth_traj(ob, tr, 0) == 0);
    CHECK("trial truth -> traj without plates", truth_traj(ob, tr0, 1) == 0);
    snprintf(kin, sizeof kin, "%s/dvj_1.kin.h5", tmp);
    snprintf(kin0, sizeof kin0, "%s/dvj_noplates.kin.h5", tmp);
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' --static '%s' --subjects '%s' --subject s01 "
             "--force-threshold 5 --quiet '%s' && '%s' -o '%s' --static '%s' --subjects '%s' "
             "--subject s01 --quiet '%s'", KC_IK_EXE, kin, st, csv, tr, KC_IK_EXE, kin0, st, csv,
             tr0);
    if (!CHECK("kc-ik", system(cmd) == 0))
        return kc_test_summary("test_kinetics_report");

    /* the series against the truth */
    kc_kin *k = NULL, *k0 = NULL;
    kc_obs *o = NULL;
    if (CHECK("read", kc_kin_read(kin, &k) == 0 && kc_kin_read(kin0, &k0) == 0 &&
                          kc_obs_read(ob, &o) == 0 && o->truth && o->truth->metrics &&
                          o->truth->events)) {
        for (int s = 0; s < 2; s++) {
            const char *sd = s ? "R" : "L";
            char n[32], w[160];
            snprintf(n, sizeof n, "%sVerticalGRF", sd);
            const double *g = series(k, n);
            snprintf(w, sizeof w, "%s present with plates, absent without", n);
            if (!CHECK(w, g && !series(k0, n)))
                continue;
            double tic = table_value(o->truth->events, "initial_contact", sd, "time_s");
            double tto = table_value(o->truth->events, "take_off", sd, "time_s");
            double tpk = table_value(o->truth->metrics, "peak_vgrf_n", sd, "value");
            size_t a = (size_t)lround(tic * k->rate_hz), b = (size_t)lround(tto * k->rate_hz);
            /* independently: each frame's mean of the analog samples j with |j - f r| <=
             * floor(r / 2) (docs/kinetics.md; r = 5 at 1 kHz / 200 Hz: 5f-2 .. 5f+2) of the
             * plate under this foot (kc-synth: plate 0 left, 1 right), over the landing */
            const kc_forceplate *q = &o->forceplates[s];
            size_t r = (size_t)lround(q->rate_hz / k->rate_hz), h = r / 2;
            double dmax = 0, pk = 0, before = 0;
            size_t nf = 0;
            for (size_t f = a + 2; f + 2 <= b && f < k->n_frames; f++) {
                double sum = 0;
                size_t c = 0;
                for (size_t j = f * r - h; j <= f * r + h && j < q->n; j++, c++)
                    sum += q->force[j * 3 + 2];
                double want = sum / (double)c / mass;
                if (!(sum / (double)c > 5))   /* kc-ik's --force-threshold 5 here */
                    continue;
                dmax = fmax(dmax, fabs(g[f] - want));
                pk = fmax(pk, g[f]);
                nf++;
            }
            /* the flight before the landing: 100 .. 20 ms before initial contact */
            for (size_t f = a - (size_t)(0.1 * k->rate_hz); f < a - (size_t)(0.02 * k->rate_hz); f++)
                before = fmax(before, fabs(g[f]));
            printf("%s: max |series - plate mean| %.3g N/kg over %zu landing frames; peak %.1f N "
                   "at the marker rate (truth analog peak %.1f N); max |GRF| in the flight "
                   "before %.3g N/kg\n", n, dmax, nf, pk * mass, tpk, before);
            snprintf(w, sizeof w, "%s = the foot's plate averaged per frame (N/kg; 1e-9)", n);
            CHECK(w, nf > 50);
            CHECK_NEAR(w, dmax, 0, 1e-9);
            /* the frame mean cannot exceed the analog peak (+ 5 SD of the 1 N noise) */
            snprintf(w, sizeof w, "%s peak x mass <= truth analog peak + 5 N", n);
            CHECK(w, pk * mass <= tpk + 5);
            snprintf(w, sizeof w, "%s 0 in the flight before the landing (N/kg)", n);
            CHECK_NEAR(w, before, 0, 1e-12);
        }
    }
    kc_kin_free(k);
    kc_kin_free(k0);
    kc_obs_free(o);

    /* kc-stats: the figure for the athlete with kinetics only */
    snprintf(man, sizeof man, "%s/manifest.csv", tmp);
    FILE *fp = fopen(man, "w");
    if (!CHECK("manifest", fp != NULL))
        return kc_test_summary("test_kinetics_report");
    /* kinematics paths relative to the manifest's folder */
    fprintf(fp, "subject,trial,task,group,kinematics\ns01,dvj_1,dvj,control,dvj_1.kin.h5\n"
                "s02,dvj_1,dvj,control,dvj_noplates.kin.h5\n");
    fclose(fp);
    snprintf(out, sizeof out, "%s/stats", tmp);
    snprintf(cmd, sizeof cmd, "'%s' --quiet --no-provenance -o '%s' '%s'", KC_STATS_EXE, out, man);
    if (!CHECK("kc-stats", system(cmd) == 0))
        return kc_test_summary("test_kinetics_report");
    snprintf(path, sizeof path, "%s/plots/athlete_s01_kinetics.png", out);
    char *png = slurp(path);
    CHECK("s01: kinetics figure written, a PNG", png && !memcmp(png, "\x89PNG", 4));
    free(png);
    snprintf(path, sizeof path, "%s/plots/athlete_s02_kinetics.png", out);
    struct stat sb;
    CHECK("s02 (no plates): no kinetics figure", stat(path, &sb) != 0);
    snprintf(path, sizeof path, "%s/athletes/s01.html", out);
    char *html = slurp(path);
    CHECK("s01 page shows the figure",
          html && strstr(html, "Landing kinetics") && strstr(html, "athlete_s01_kinetics.png"));
    free(html);
    snprintf(path, sizeof path, "%s/athletes/s02.html", out);
    html = slurp(path);
    CHECK("s02 page: no kinetics section", html && !strstr(html, "Landing kinetics") &&
                                               !strstr(html, "_kinetics.png"));
    free(html);
    return kc_test_summary("test_kinetics_report");
}
