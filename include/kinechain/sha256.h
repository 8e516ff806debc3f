/* kinechain — SHA-256 of files, for provenance and incremental runs (OpenSSL libcrypto). */
#ifndef KINECHAIN_SHA256_H
#define KINECHAIN_SHA256_H

#include "kinechain/status.h"

/* Hash a file's bytes into hex (65 chars with the terminating NUL).
 * Returns KC_OK, KC_EIO (logged, naming the file) or KC_ENOMEM. */
int kc_sha256_file(const char *path, char hex[65]) KC_RESULT_USED;
/* Hash a memory buffer. */
void kc_sha256_buffer(const void *data, unsigned long n, char hex[65]);

#endif
