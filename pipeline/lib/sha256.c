/* kinechain — SHA-256 of files and buffers through OpenSSL's EVP interface. */
#include "kinechain/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kinechain/log.h"

static void to_hex(const unsigned char *md, unsigned len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < len && i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void kc_sha256_buffer(const void *data, unsigned long n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(data, (size_t)n, md, &len, EVP_sha256(), NULL))
        memset(md, 0, sizeof md), len = 32;
    to_hex(md, len, hex);
}

int kc_sha256_file(const char *path, char hex[65])
{
    int status = KC_OK;
    FILE *fp = NULL;
    unsigned char *buf = NULL;
    EVP_MD_CTX *ctx = NULL;

    hex[0] = '\0';
    fp = fopen(path, "rb");
    if (!fp) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    enum { CHUNK = 1 << 16 };
    buf = malloc(CHUNK);
    ctx = EVP_MD_CTX_new();
    if (!buf || !ctx) {
        status = KC_ENOMEM;
        goto fail;
    }
    if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        status = KC_ENOMEM;
        goto fail;
    }
    size_t got;
    while ((got = fread(buf, 1, CHUNK, fp)) > 0)
        EVP_DigestUpdate(ctx, buf, got);
    if (ferror(fp)) {
        kc_log(KC_LOG_ERROR, __func__, "cannot read \"%s\": %s", path, strerror(errno));
        status = KC_EIO;
        goto fail;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    to_hex(md, len, hex);
fail:
    EVP_MD_CTX_free(ctx);
    free(buf);
    fclose(fp);
    return status;
}
