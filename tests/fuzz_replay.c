/* Replay driver for the libFuzzer targets: runs LLVMFuzzerTestOneInput once on each input,
 * so that a fuzz target's seed and regression corpus runs as an ordinary test with any
 * compiler (libFuzzer itself needs clang; see KC_FUZZ in tests/core.cmake).
 *
 *   fuzz_table_csv_replay FILE|DIR...
 *
 * A DIR stands for the regular files directly inside it whose names do not start with '.',
 * in byte order of their names (so that runs are repeatable). Each input is read whole and
 * passed as one buffer, as libFuzzer would. A crash, abort or sanitizer report in the target
 * fails the test; exit 0 when every input ran, 1 on misuse or an unreadable input or folder.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *prog = "fuzz_replay";

/* Read path whole into a malloc'd buffer (non-NULL even when the file is empty). */
static int read_file(const char *path, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap)
            break;
        uint8_t *p = realloc(buf, cap *= 2);
        if (!p)
            free(buf);
        buf = p;
    }
    int err = !buf ? ENOMEM : ferror(fp) ? EIO : 0;
    fclose(fp);
    if (err) {
        free(buf);
        errno = err;
        return -1;
    }
    *data = buf;
    *size = len;
    return 0;
}

static int run_file(const char *path)
{
    uint8_t *data;
    size_t size;
    if (read_file(path, &data, &size) != 0) {
        fprintf(stderr, "%s: cannot read \"%s\": %s\n", prog, path, strerror(errno));
        return -1;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir; returns the number run, or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open folder \"%s\": %s\n", prog, dir, strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 0;
    char **paths = NULL;
    long status = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        struct stat sb;
        if (!path) {
            status = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            char **p = realloc(paths, (cap = cap ? 2 * cap : 64) * sizeof *p);
            if (!p) {
                free(path);
                status = -1;
                break;
            }
            paths = p;
        }
        paths[n++] = path;
    }
    closedir(d);
    if (status < 0)
        fprintf(stderr, "%s: out of memory listing \"%s\"\n", prog, dir);
    if (n)
        qsort(paths, n, sizeof *paths, cmp_name);
    for (size_t i = 0; i < n; i++) {
        if (status >= 0)
            status = run_file(paths[i]) == 0 ? status + 1 : -1;
        free(paths[i]);
    }
    free(paths);
    return status;
}

int main(int argc, char **argv)
{
    if (argc > 0 && argv[0] && *argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        prog = slash ? slash + 1 : argv[0];
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *fp = argc < 2 ? stderr : stdout;
        fprintf(fp,
                "usage: %s FILE|DIR...\n"
                "Run the fuzz target once on each FILE and on each regular file in each DIR\n"
                "(names not starting with '.', in name order).\n"
                "Example: %s tests/data/csv\n"
                "Exit: 0 all inputs ran; 1 misuse or an unreadable input. A crash or a\n"
                "sanitizer report in the target ends the run with its own status.\n",
                prog, prog);
        return argc < 2 ? 1 : 0;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "%s: cannot open \"%s\": %s\n", prog, argv[i], strerror(errno));
            return 1;
        }
        long n = S_ISDIR(sb.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
        if (n < 0)
            return 1;
        if (n == 0 && S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "%s: no inputs in \"%s\"\n", prog, argv[i]);
            return 1;
        }
        total += n;
    }
    printf("%s: %ld input%s ran\n", prog, total, total == 1 ? "" : "s");
    if (fclose(stdout) != 0) {
        fprintf(stderr, "%s: cannot write output: %s\n", prog, strerror(errno));
        return 1;
    }
    return 0;
}
