/* libFuzzer target for the CSV reader (outside input: manifests, subject tables, event
 * overrides). Build with -DKC_FUZZ=ON and clang; run: fuzz_table_csv CORPUS_DIR. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kinechain/log.h"
#include "kinechain/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/kc_fuzz_csv.%ld.csv", (long)getpid());
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return 0;
    fwrite(data, 1, size, fp);
    fclose(fp);
    kc_log_init("fuzz_table_csv", KC_LOG_QUIET);
    kc_table *t = NULL;
    if (kc_table_read_csv(path, &t) == KC_OK) {
        /* every cell must be readable and the table must write back */
        for (size_t r = 0; r < kc_table_nrows(t); r++)
            for (int c = 0; c < kc_table_ncols(t); c++)
                (void)kc_table_get_str(t, r, c);
        kc_table *u = NULL;
        if (kc_table_write_csv(t, path) != KC_OK || kc_table_read_csv(path, &u) != KC_OK ||
            kc_table_nrows(u) != kc_table_nrows(t))
            abort();   /* what we wrote we must read back */
        kc_table_free(u);
    }
    kc_table_free(t);
    unlink(path);
    return 0;
}
