/* An example on kinechain's public API only (the headers in include/kinechain), built and run by the
 * tests so that the API stays usable from outside: read a synthetic drop jump, report how
 * often each camera saw the markers and what the ground truth says about the knees.
 *
 *   example_summary SESSION/s01/dvj_1.obs.h5
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/obsfile.h"
#include "kinechain/table.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.obs.h5\n", argv[0]);
        return 1;
    }
    kc_log_init("example_summary", KC_LOG_WARNING);
    kc_obs *obs = NULL;
    if (kc_obs_read(argv[1], &obs) != KC_OK)
        return 2;   /* the library has logged one line naming the file and the problem */

    printf("%s: %zu cameras, %zu frames at %g Hz, %zu markers\n", argv[1], obs->n_cameras,
           obs->n_frames, obs->rate_hz, obs->n_markers);
    /* /points is [C,F,M,2], NaN where a camera did not see a marker. */
    for (size_t c = 0; c < obs->n_cameras; c++) {
        size_t seen = 0, n = obs->n_frames * obs->n_markers;
        for (size_t i = 0; i < n; i++)
            seen += !isnan(obs->points[(c * n + i) * 2]);
        printf("  %-8s sees %5.1f%% of marker-frames\n", obs->camera_names[c],
               n ? 100.0 * (double)seen / (double)n : 0.0);
    }

    int status = 0;
    if (!obs->truth) {
        printf("  no /truth (not a synthetic file)\n");
    } else {
        /* Truth knee angles: Y is adduction (varus +), so valgus is its negative. */
        for (size_t a = 0; a < obs->truth->n_angles; a++) {
            const kc_series3 *s = &obs->truth->angles[a];
            if (strcmp(s->name, "LKnee") != 0 && strcmp(s->name, "RKnee") != 0)
                continue;
            double flex = -INFINITY, valgus = -INFINITY;
            for (size_t f = 0; f < obs->n_frames; f++) {
                flex = fmax(flex, s->data[3 * f]);
                valgus = fmax(valgus, -s->data[3 * f + 1]);
            }
            printf("  %s: peak flexion %.1f deg, peak valgus %.1f deg\n", s->name, flex, valgus);
        }
        const kc_table *ev = obs->truth->events;
        if (ev) {
            int name = kc_table_find(ev, "name"), side = kc_table_find(ev, "side"),
                time = kc_table_find(ev, "time_s");
            for (size_t r = 0; r < kc_table_nrows(ev); r++)
                printf("  event %-18s %-2s %.4f s\n", kc_table_get_str(ev, r, name),
                       kc_table_get_str(ev, r, side), kc_table_get_f64(ev, r, time));
        } else {
            status = 3;
        }
    }
    kc_obs_free(obs);
    return status;
}
