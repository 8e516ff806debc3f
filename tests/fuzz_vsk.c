/* libFuzzer target of the Vicon .vsk reader (libxml2 underneath) and of the subjects CSV
 * built from what it finds: no crash, hang, out-of-bounds read or leak on any bytes;
 * errors are expected and silent. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kinechain/log.h"
#include "kinechain/vsk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        kc_log_init("fuzz_vsk", KC_LOG_QUIET);
        init = 1;
    }
    kc_vsk v;
    if (kc_vsk_parse((const char *)data, size, "fuzz", &v) == KC_OK) {
        /* the CSV goes to a folder that does not exist: only the checks before it run */
        if (kc_vsk_write_subjects("/nonexistent-kc-fuzz/s.csv", "s", &v) == KC_OK)
            fprintf(stderr, "fuzz_vsk: wrote into a folder that does not exist\n");
        kc_vsk_clear(&v);
    }
    return 0;
}
