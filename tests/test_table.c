/* Tables in memory and as CSV: typed cells, missing values, RFC 4180 quoting both ways,
 * CRLF, and errors naming the file and line. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/table.h"
#include "testutil.h"

static const char *dir;

/* Capture the last logged message. */
static char last_msg[1024];
static void sink(enum kc_log_level level, const char *func, const char *msg, void *data)
{
    (void)level;
    (void)func;
    (void)data;
    snprintf(last_msg, sizeof last_msg, "%s", msg);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static char *read_text(const char *path)
{
    static char buf[8192];
    buf[0] = '\0';
    FILE *fp = fopen(path, "rb");
    if (fp) {
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        buf[n] = '\0';
        fclose(fp);
    }
    return buf;
}

static void test_memory(void)
{
    const char *names[] = {"subject", "mass_kg", "frame"};
    enum kc_col_type types[] = {KC_COL_STR, KC_COL_F64, KC_COL_I64};
    kc_table *t = kc_table_alloc(3, names, types);
    CHECK("alloc", t != NULL);
    CHECK("ncols/nrows", kc_table_ncols(t) == 3 && kc_table_nrows(t) == 0);
    CHECK("find", kc_table_find(t, "mass_kg") == 1 && kc_table_find(t, "nope") == -1);
    CHECK("col name/type", strcmp(kc_table_col_name(t, 2), "frame") == 0 &&
                               kc_table_col_type(t, 2) == KC_COL_I64);
    for (int r = 0; r < 100; r++) {
        long row = kc_table_add_row(t);
        CHECK("add_row index", row == r);
        if (r % 10 == 3)
            continue;   /* leave the row missing */
        char s[32];
        snprintf(s, sizeof s, "s%03d", r);
        CHECK("set str", kc_table_set_str(t, (size_t)r, 0, s) == KC_OK);
        CHECK("set f64", kc_table_set_f64(t, (size_t)r, 1, 61.5 + 0.125 * r) == KC_OK);
        CHECK("set i64", kc_table_set_i64(t, (size_t)r, 2, 30 + 7 * (int64_t)r) == KC_OK);
    }
    CHECK("nrows 100", kc_table_nrows(t) == 100);
    CHECK("get str", strcmp(kc_table_get_str(t, 42, 0), "s042") == 0);
    CHECK_NEAR("get f64", kc_table_get_f64(t, 42, 1), 61.5 + 0.125 * 42, 0);
    CHECK("get i64", kc_table_get_i64(t, 42, 2) == 30 + 7 * 42);
    CHECK("missing str is empty", strcmp(kc_table_get_str(t, 13, 0), "") == 0);
    CHECK("missing f64 is NaN", isnan(kc_table_get_f64(t, 13, 1)));
    CHECK("missing i64 is INT64_MIN", kc_table_get_i64(t, 13, 2) == INT64_MIN);
    /* error paths */
    CHECK("wrong type set", kc_table_set_f64(t, 0, 0, 1.0) == KC_ETYPE);
    CHECK("wrong type set str", kc_table_set_str(t, 0, 1, "x") == KC_ETYPE);
    CHECK("row out of range", kc_table_set_f64(t, 100, 1, 1.0) == KC_EINVAL);
    CHECK("col out of range", kc_table_set_f64(t, 0, 7, 1.0) == KC_EINVAL);
    CHECK("wrong type get", isnan(kc_table_get_f64(t, 0, 0)) &&
                                strcmp(kc_table_get_str(t, 0, 1), "") == 0 &&
                                kc_table_get_i64(t, 0, 1) == INT64_MIN);
    CHECK("units", kc_table_set_units(t, 1, "kg") == KC_OK &&
                       strcmp(kc_table_units(t, 1), "kg") == 0 && kc_table_units(t, 0) == NULL);
    /* overwrite a string */
    CHECK("overwrite str", kc_table_set_str(t, 42, 0, "again") == KC_OK &&
                               strcmp(kc_table_get_str(t, 42, 0), "again") == 0);
    CHECK("set empty str", kc_table_set_str(t, 42, 0, "") == KC_OK &&
                               strcmp(kc_table_get_str(t, 42, 0), "") == 0);
    kc_table_free(t);
    kc_table_free(NULL);
}

static void test_csv_roundtrip(void)
{
    const char *names[] = {"name", "value", "n", "note, with comma"};
    enum kc_col_type types[] = {KC_COL_STR, KC_COL_F64, KC_COL_I64, KC_COL_STR};
    kc_table *t = kc_table_alloc(4, names, types);
    const char *tricky[] = {"plain", "with,comma", "with \"quotes\"", "two\nlines", "crlf\r\nin",
                            "", " spaced "};
    double values[] = {0.1, -1e-300, 1.0 / 3.0, 6.02214076e23, NAN, -0.0, 12345.678901234567};
    for (int r = 0; r < 7; r++) {
        kc_table_add_row(t);
        CHECK("set", kc_table_set_str(t, (size_t)r, 0, tricky[r]) == KC_OK &&
                         kc_table_set_f64(t, (size_t)r, 1, values[r]) == KC_OK &&
                         (r == 4 || kc_table_set_i64(t, (size_t)r, 2, -5 + 1000000007LL * r) == KC_OK) &&
                         kc_table_set_str(t, (size_t)r, 3, tricky[6 - r]) == KC_OK);
    }
    char path[700];
    snprintf(path, sizeof path, "%s/rt.csv", dir);
    CHECK("write csv", kc_table_write_csv(t, path) == KC_OK);
    const char *text = read_text(path);
    CHECK("header quoted where needed",
          strncmp(text, "name,value,n,\"note, with comma\"\n", 32) == 0);
    CHECK("quotes doubled", strstr(text, "\"with \"\"quotes\"\"\"") != NULL);
    CHECK("missing as empty", strstr(text, "\n,,,") != NULL || strstr(text, ",,") != NULL);
    kc_table *r = NULL;
    CHECK("read csv", kc_table_read_csv(path, &r) == KC_OK && r);
    if (r) {
        CHECK("read shape", kc_table_ncols(r) == 4 && kc_table_nrows(r) == 7);
        CHECK("read header", strcmp(kc_table_col_name(r, 3), "note, with comma") == 0);
        for (int i = 0; i < 7 && kc_table_nrows(r) == 7; i++) {
            CHECK("string field round-trips", strcmp(kc_table_get_str(r, (size_t)i, 0), tricky[i]) == 0);
            const char *v = kc_table_get_str(r, (size_t)i, 1);
            if (isnan(values[i]))
                CHECK("NaN as empty field", *v == '\0');
            else
                CHECK("%.17g round-trips exactly", strtod(v, NULL) == values[i] &&
                                                       signbit(strtod(v, NULL)) == signbit(values[i]));
            CHECK("last column", strcmp(kc_table_get_str(r, (size_t)i, 3), tricky[6 - i]) == 0);
        }
        CHECK("i64 as text", strcmp(kc_table_get_str(r, 2, 2), "2000000009") == 0 &&
                                 strcmp(kc_table_get_str(r, 4, 2), "") == 0);
    }
    kc_table_free(r);
    kc_table_free(t);
}

static void test_csv_read(void)
{
    char path[700];
    kc_table *t = NULL;
    /* CRLF line ends, a BOM, a blank line and no final newline */
    snprintf(path, sizeof path, "%s/crlf.csv", dir);
    write_text(path, "\xEF\xBB\xBFsubject,mass_kg\r\ns01,71.5\r\n\r\n\"s,02\",\"80\"\r\ns03,");
    CHECK("read CRLF", kc_table_read_csv(path, &t) == KC_OK && t);
    if (t) {
        CHECK("CRLF shape", kc_table_ncols(t) == 2 && kc_table_nrows(t) == 3);
        CHECK("BOM stripped", strcmp(kc_table_col_name(t, 0), "subject") == 0);
        CHECK("CRLF values", strcmp(kc_table_get_str(t, 0, 1), "71.5") == 0 &&
                                 strcmp(kc_table_get_str(t, 1, 0), "s,02") == 0 &&
                                 strcmp(kc_table_get_str(t, 2, 1), "") == 0);
    }
    kc_table_free(t);
    t = NULL;

    kc_log_set_sink(sink, NULL);
    unsigned e0 = kc_log_error_count();
    snprintf(path, sizeof path, "%s/ragged.csv", dir);
    write_text(path, "a,b,c\n1,2,3\n4,5\n");
    CHECK("ragged row refused", kc_table_read_csv(path, &t) == KC_EFORMAT && !t);
    CHECK("ragged: names file and line 3", strstr(last_msg, "ragged.csv") && strstr(last_msg, "line 3"));
    snprintf(path, sizeof path, "%s/unterminated.csv", dir);
    write_text(path, "a,b\n1,2\n\"open,4\n5,6\n");
    CHECK("unterminated quote refused", kc_table_read_csv(path, &t) == KC_EFORMAT && !t);
    CHECK("unterminated: names line 3", strstr(last_msg, "unterminated.csv") && strstr(last_msg, "line 3"));
    snprintf(path, sizeof path, "%s/afterquote.csv", dir);
    write_text(path, "a,b\n\"x\"y,2\n");
    CHECK("text after closing quote refused", kc_table_read_csv(path, &t) == KC_EFORMAT);
    snprintf(path, sizeof path, "%s/empty.csv", dir);
    write_text(path, "");
    CHECK("empty file refused", kc_table_read_csv(path, &t) == KC_EFORMAT);
    CHECK("empty: no header", strstr(last_msg, "no header") != NULL);
    snprintf(path, sizeof path, "%s/dup.csv", dir);
    write_text(path, "a,b,a\n1,2,3\n");
    CHECK("duplicate column refused", kc_table_read_csv(path, &t) == KC_EFORMAT);
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    CHECK("missing file KC_EIO", kc_table_read_csv(path, &t) == KC_EIO);
    CHECK("missing: names file", strstr(last_msg, "missing.csv") != NULL);
    CHECK("every error logged once", kc_log_error_count() == e0 + 6);
    /* write into a folder that does not exist: KC_EIO, nothing left */
    const char *names[] = {"x"};
    enum kc_col_type types[] = {KC_COL_F64};
    kc_table *w = kc_table_alloc(1, names, types);
    snprintf(path, sizeof path, "%s/no/such/folder/t.csv", dir);
    CHECK("write to missing folder KC_EIO", kc_table_write_csv(w, path) == KC_EIO);
    kc_table_free(w);
    kc_log_set_sink(NULL, NULL);
}

/* A one-column table with missing values: empty fields are quoted so that their lines are
 * not blank (found by the CSV fuzzer). */
static void test_csv_one_column(void)
{
    const char *names[] = {"note"};
    enum kc_col_type types[] = {KC_COL_STR};
    kc_table *t = kc_table_alloc(1, names, types);
    for (int r = 0; r < 3; r++) {
        kc_table_add_row(t);
        if (r != 1)
            kc_table_set_str(t, (size_t)r, 0, "x");
    }
    char path[700];
    snprintf(path, sizeof path, "%s/one.csv", dir);
    CHECK("one-column write", kc_table_write_csv(t, path) == KC_OK);
    CHECK("empty field quoted", strcmp(read_text(path), "note\nx\n\"\"\nx\n") == 0);
    kc_table *r = NULL;
    CHECK("one-column read", kc_table_read_csv(path, &r) == KC_OK && kc_table_nrows(r) == 3 &&
                                 strcmp(kc_table_get_str(r, 1, 0), "") == 0);
    kc_table_free(r);
    kc_table_free(t);
}

int main(void)
{
    kc_log_init("test_table", KC_LOG_ERROR);
    dir = kc_test_tmpdir("test_table");
    test_memory();
    test_csv_roundtrip();
    test_csv_read();
    test_csv_one_column();
    return kc_test_summary("test_table");
}
