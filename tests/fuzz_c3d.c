/* libFuzzer target of the C3D reader: parse any bytes, and convert what parses into
 * trajectories (labels, model outputs, events, subject parameters, force plates), the other
 * analog channels, and the vertical-axis check of the import. Neither may
 * crash, hang, read out of bounds or leak; errors are expected and silent. */
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "kinechain/c3d.h"
#include "kinechain/import.h"
#include "kinechain/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        kc_log_init("fuzz_c3d", KC_LOG_QUIET);
        init = 1;
    }
    kc_c3d *c = NULL;
    if (kc_c3d_parse(data, size, "fuzz", &c) == KC_OK) {
        kc_traj *t = NULL;
        kc_c3d_import_opts o = kc_c3d_default_import_opts();
        o.strip_prefix = size % 2 == 1;
        if (kc_c3d_to_traj(c, &o, &t) == KC_OK) {
            char xs[16] = "", ys[16] = "";
            kc_c3d_string(kc_c3d_find(c, "POINT", "X_SCREEN"), 0, xs, sizeof xs);
            kc_c3d_string(kc_c3d_find(c, "POINT", "Y_SCREEN"), 0, ys, sizeof ys);
            kc_vertical v;
            kc_vertical_check(t, xs, ys, &v);
            kc_traj_free(t);
        }
        kc_analog a;
        if (kc_c3d_analog(c, &a) == KC_OK)
            kc_analog_clear(&a);
        kc_c3d_free(c);
    }
    return 0;
}
