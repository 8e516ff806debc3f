/* libFuzzer target of the OpenSim MOT/STO ground-reaction-force reader (through fmemopen):
 * no crash, hang, out-of-bounds read or leak on any bytes; errors are expected and silent. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kinechain/import.h"
#include "kinechain/log.h"
#include "kinechain/mot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        kc_log_init("fuzz_mot", KC_LOG_QUIET);
        init = 1;
    }
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "r");
    if (!fp)
        return 0;
    kc_traj *t = NULL;
    kc_axes a;
    if (kc_axes_parse(size % 2 ? "opensim" : "lab", &a) == KC_OK &&
        kc_mot_read_grf_stream(fp, "fuzz", &a, &t) == KC_OK) {
        kc_vertical v;
        kc_vertical_check(t, NULL, NULL, &v);
        kc_traj_free(t);
    }
    fclose(fp);
    return 0;
}
