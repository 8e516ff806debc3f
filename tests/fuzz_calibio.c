/* libFuzzer target for kc-calib's import readers (outside input: Pose2Sim/anipose/Caliscope
 * TOML, OpenCV YAML, Qualisys .qca.txt): the first byte of the input picks the format
 * (0 TOML, 1 YAML, 2 QCA, by its value mod 3), the rest is the file. Any input must be read or
 * refused cleanly; a calibration read must export to TOML and YAML and read back with the same
 * cameras (names, image sizes, focal lengths to 1e-9 relative).
 *
 * Replayed over tests/data/calibio (seeds: one valid file of each format, first byte the
 * format) by the ctest fuzz_calibio_replay in every build; add crash inputs there. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibio.h"
#include "kinechain/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_cameras(const kc_calib *a, const kc_calib *b)
{
    size_t k = 0;
    for (size_t i = 0; i < a->n_cameras; i++) {
        if (a->cameras[i].excluded)
            continue;
        if (k >= b->n_cameras)
            return 0;
        const kc_camera *x = &a->cameras[i].cam, *y = &b->cameras[k++].cam;
        if (strcmp(x->name, y->name) || x->width != y->width || x->height != y->height ||
            fabs(x->fx - y->fx) > 1e-9 * fabs(x->fx))
            return 0;
    }
    return k == b->n_cameras;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const ext[3] = {"toml", "yaml", "qca.txt"};
    char path[96], out[96];
    long pid = (long)getpid();
    snprintf(path, sizeof path, "/tmp/kc_fuzz_calibio.%ld.%s", pid, ext[data[0] % 3]);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return 0;
    fwrite(data + 1, 1, size - 1, fp);
    fclose(fp);
    kc_log_init("fuzz_calibio", KC_LOG_QUIET);
    kc_calibio_params p = kc_calibio_default_params();
    kc_calib *c = NULL;
    if (kc_calibio_import(path, &p, &c) == KC_OK) {
        for (int f = 0; f < 2; f++) {
            snprintf(out, sizeof out, "/tmp/kc_fuzz_calibio_out.%ld.%s", pid, f ? "yaml" : "toml");
            int st = kc_calibio_export(c, out, &p);
            if (st == KC_EINVAL && f == 1)
                continue;   /* a name that cannot be an OpenCV YAML key: refused, fine */
            kc_calib *r = NULL;
            size_t n_ok = 0;
            for (size_t i = 0; i < c->n_cameras; i++)
                n_ok += !c->cameras[i].excluded;
            if (n_ok == 0) {   /* nothing to write but a header: it may not read back */
                unlink(out);
                continue;
            }
            if (st != KC_OK || kc_calibio_import(out, &p, &r) != KC_OK || !same_cameras(c, r))
                abort();   /* what we wrote we must read back */
            kc_calib_free(r);
            unlink(out);
        }
    }
    kc_calib_free(c);
    unlink(path);
    return 0;
}
