/* SHA-256 against the NIST FIPS 180-2 example vectors. */
#include <stdio.h>
#include <string.h>

#include "kinechain/log.h"
#include "kinechain/sha256.h"
#include "testutil.h"

int main(void)
{
    char hex[65];
    kc_log_init("test_sha256", KC_LOG_QUIET);
    kc_sha256_buffer("abc", 3, hex);
    CHECK("sha256(\"abc\")",
          strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    kc_sha256_buffer("", 0, hex);
    CHECK("sha256(\"\")",
          strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    kc_sha256_buffer(two, (unsigned long)strlen(two), hex);
    CHECK("sha256(448-bit message)",
          strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);

    /* A file larger than the 64 KiB read buffer: one million 'a' (NIST long message). */
    const char *dir = kc_test_tmpdir("test_sha256");
    char path[600];
    snprintf(path, sizeof path, "%s/million_a.txt", dir);
    FILE *fp = fopen(path, "wb");
    CHECK("create test file", fp != NULL);
    if (fp) {
        for (int i = 0; i < 1000000; i++)
            fputc('a', fp);
        fclose(fp);
    }
    CHECK("kc_sha256_file ok", kc_sha256_file(path, hex) == KC_OK);
    CHECK("sha256(10^6 x 'a')",
          strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);

    /* Error path: a missing file is KC_EIO and logged once. */
    unsigned before = kc_log_error_count();
    snprintf(path, sizeof path, "%s/does-not-exist", dir);
    CHECK("missing file gives KC_EIO", kc_sha256_file(path, hex) == KC_EIO);
    CHECK("one error logged", kc_log_error_count() == before + 1);
    return kc_test_summary("test_sha256");
}
