/* libFuzzer target of the C3D reader: parse any bytes, and convert what parses into
 * trajectories (labels, model outputs, events, subject parameters, force plates). Neither may
 * crash, hang, read out of bounds or leak; errors are expected and silent. */
#include <stddef.h>
#include <stdint.h>

#include "kinechain/c3d.h"
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
        if (kc_c3d_to_traj(c, &o, &t) == KC_OK)
            kc_traj_free(t);
        kc_c3d_free(c);
    }
    return 0;
}
