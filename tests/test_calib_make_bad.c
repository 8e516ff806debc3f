/* Helper of tests/tools/calib_cli.sh (not a test itself): from a good wand capture, write
 *   MODE nan     a copy with one non-finite centroid
 *   MODE sparse  a copy in which camera 2 keeps its blobs in only 5% of the frames
 *   MODE single  a copy in which only camera 1 keeps any blob
 *   MODE drop2   a copy in which camera 2 has no blob at all
 *   MODE badsize a copy whose image_size attribute has 3 values
 * usage: test_calib_make_bad MODE IN.obs.h5 OUT.obs.h5 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/obsfile.h"

/* keep camera c's blobs only in frames where keep(f) */
static void thin(kc_centroids *ce, size_t F, int every)
{
    size_t w = 0;
    int64_t start = 0;
    for (size_t f = 0; f < F; f++) {
        int64_t a = start, b = ce->offsets[f + 1];
        start = b;
        ce->offsets[f] = (int64_t)w;
        if (every > 0 && f % (size_t)every == 0)
            for (int64_t k = a; k < b; k++, w++) {
                ce->xy[2 * w] = ce->xy[2 * k];
                ce->xy[2 * w + 1] = ce->xy[2 * k + 1];
            }
    }
    ce->offsets[F] = (int64_t)w;
    ce->n = w;
}

int main(int argc, char **argv)
{
    kc_log_init("test_calib_make_bad", KC_LOG_ERROR);
    kc_obs *o = NULL;
    if (argc != 4 || kc_obs_read(argv[2], &o))
        return 1;
    if (!strcmp(argv[1], "nan")) {
        o->centroids[1].xy[7] = NAN;
    } else if (!strcmp(argv[1], "sparse")) {
        thin(&o->centroids[1], o->n_frames, 20);
    } else if (!strcmp(argv[1], "drop2")) {
        thin(&o->centroids[1], o->n_frames, 0);
    } else if (!strcmp(argv[1], "single")) {
        for (size_t c = 1; c < o->n_cameras; c++)
            thin(&o->centroids[c], o->n_frames, 0);
    } else if (!strcmp(argv[1], "badsize")) {
        /* kc-synth wrote 2 per camera: keep 3 of them */
        size_t i = 0;
        while (i < o->n_extra && strcmp(o->extra_names[i], "image_size"))
            i++;
        if (i == o->n_extra || o->extra_lengths[i] < 3) {
            kc_obs_free(o);
            return 1;
        }
        o->extra_lengths[i] = 3;
    } else {
        kc_obs_free(o);
        return 1;
    }
    kc_provenance prov = {"test_calib_make_bad", 0, NULL, 0, NULL, false};
    int st = kc_obs_write(argv[3], o, &prov);
    kc_obs_free(o);
    return st ? 1 : 0;
}
