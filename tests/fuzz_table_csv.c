/* libFuzzer target for the CSV reader (outside input: manifests, subject tables, event
 * overrides): any input must be read or refused cleanly, and a table read must write and
 * read back the same, cell for cell.
 *
 * Build with -DKC_FUZZ=ON and clang; run: fuzz_table_csv NEW_CORPUS_DIR tests/data/csv.
 * tests/data/csv is the seed and regression corpus, replayed by the ctest
 * fuzz_table_csv_replay in every build (tests/fuzz_replay.c): valid_* files are read,
 * bad_* ones refused, regress_* ones are inputs that once broke the round trip (see
 * test_csv_one_column in test_table.c and put_field in table.c). Add each crash input the
 * fuzzer finds there, under a name that says what it is. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kinechain/log.h"
#include "kinechain/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Same column names and the same text in every cell (CSV columns are all strings). */
static bool same_table(const kc_table *a, const kc_table *b)
{
    if (kc_table_ncols(a) != kc_table_ncols(b) || kc_table_nrows(a) != kc_table_nrows(b))
        return false;
    for (int c = 0; c < kc_table_ncols(a); c++) {
        if (strcmp(kc_table_col_name(a, c), kc_table_col_name(b, c)) != 0)
            return false;
        for (size_t r = 0; r < kc_table_nrows(a); r++)
            if (strcmp(kc_table_get_str(a, r, c), kc_table_get_str(b, r, c)) != 0)
                return false;
    }
    return true;
}

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
        kc_table *u = NULL;
        if (kc_table_write_csv(t, path) != KC_OK || kc_table_read_csv(path, &u) != KC_OK ||
            !same_table(t, u))
            abort();   /* what we wrote we must read back, cell for cell */
        kc_table_free(u);
    }
    kc_table_free(t);
    unlink(path);
    return 0;
}
