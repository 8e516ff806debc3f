/* kinechain — atomic output: write "NAME.tmp.<pid>" beside NAME, fsync, rename, fsync the
 * folder. rename(2) within one folder is atomic on POSIX file systems, so a reader sees the
 * old file or the complete new one, never a partial one; the fsyncs make the new content
 * and the new folder entry durable before we report success. */
#include "kinechain/atomic.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "kinechain/log.h"

char *kc_atomic_tmpname(const char *path)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (tmp)
        snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return tmp;
}

/* The folder of path ("." when it has none); malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    /* Some file systems refuse fsync on a folder (EINVAL); that is not a write failure. */
    if (rc != 0 && (errno == EINVAL || errno == EROFS))
        rc = 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int kc_atomic_commit(const char *tmp, const char *path)
{
    char *dir = NULL;
    if (fsync_path(tmp, O_RDONLY) != 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot write \"%s\": %s", path, strerror(errno));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot write \"%s\": rename from \"%s\": %s", path, tmp,
               strerror(errno));
        goto fail;
    }
    dir = dir_of(path);
    if (dir && fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
        /* The file is in place; only the durability of the folder entry is in doubt. */
        kc_log(KC_LOG_ERROR, __func__, "cannot sync folder \"%s\" of \"%s\": %s", dir, path,
               strerror(errno));
        free(dir);
        return KC_EIO;
    }
    free(dir);
    return KC_OK;
fail:;
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return KC_EIO;
}

/* Seconds since the epoch at which process pid started, from Linux's /proc (field 22 of
 * /proc/PID/stat, clock ticks after boot, plus btime of /proc/stat); *zombie set when the
 * process has ended but was never reaped. Returns -1 where /proc cannot tell. */
static double proc_start_time(long pid, int *zombie)
{
    char p[64], buf[1024];
    *zombie = 0;
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    FILE *fp = fopen(p, "r");
    if (!fp)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* the command name (field 2) is in parentheses and may hold spaces or ')' itself */
    char *s = strrchr(buf, ')');
    if (!s)
        return -1;
    s++;
    char state = 0;
    unsigned long long start = 0;
    /* fields 3 (state) … 22 (starttime) */
    char *save = NULL;
    char *tok = strtok_r(s, " ", &save);
    for (int field = 3; tok && field <= 22; field++, tok = strtok_r(NULL, " ", &save)) {
        if (field == 3)
            state = tok[0];
        else if (field == 22)
            start = strtoull(tok, NULL, 10);
    }
    if (state == 'Z' || state == 'X')
        *zombie = 1;
    fp = fopen("/proc/stat", "r");
    if (!fp)
        return -1;
    double btime = -1;
    char line[256];
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, "btime ", 6) == 0) {
            btime = strtod(line + 6, NULL);
            break;
        }
    fclose(fp);
    long hz = sysconf(_SC_CLK_TCK);
    if (btime < 0 || hz <= 0 || start == 0)
        return -1;
    return btime + (double)start / (double)hz;
}

/* Whether the process pid may still be writing the temporary full (last modified at
 * mtime). Gone (ESRCH), a zombie (killed, never reaped: a container whose first process does
 * not reap orphans keeps them for ever) or a process started after the file was last written
 * (the pid was reused) cannot be; a process we may not signal (EPERM) is someone else's and
 * is not ours to judge. */
static int writer_may_live(long pid, time_t mtime)
{
    if (kill((pid_t)pid, 0) != 0)
        return errno != ESRCH;
    int zombie = 0;
    double start = proc_start_time(pid, &zombie);
    if (zombie)
        return 0;
    /* btime and the tick count are rounded: allow 2 s before calling the pid reused */
    if (start > 0 && start > (double)mtime + 2.0)
        return 0;
    return 1;
}

int kc_atomic_sweep(const char *path)
{
    char *dir = dir_of(path);
    if (!dir)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t nbase = strlen(base);
    int removed = 0;
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return 0;
    }
    /* Only temporaries of this very target: another NAME in the folder may be written right
     * now by a process on another node of a cluster, whose pid means nothing here. */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, nbase) != 0 || strncmp(name + nbase, ".tmp.", 5) != 0)
            continue;
        const char *digits = name + nbase + 5;
        if (!*digits)
            continue;
        const char *q = digits;
        while (isdigit((unsigned char)*q))
            q++;
        /* a temporary of a staged temporary (NAME.tmp.PID.tmp.PID: a tool that writes its
         * output whole to its own temporary name, then adds to it) is judged by the first pid */
        while (q > digits && strncmp(q, ".tmp.", 5) == 0 && isdigit((unsigned char)q[5])) {
            q += 5;
            while (isdigit((unsigned char)*q))
                q++;
        }
        if (*q)
            continue;
        errno = 0;
        long pid = strtol(digits, NULL, 10);
        if (errno || pid <= 0 || pid == (long)getpid())
            continue;
        size_t n = strlen(dir) + strlen(name) + 2;
        char *full = malloc(n);
        if (!full)
            break;
        snprintf(full, n, "%s/%s", dir, name);
        struct stat sb;
        if (lstat(full, &sb) != 0 || writer_may_live(pid, sb.st_mtime)) {
            free(full);
            continue;
        }
        if (unlink(full) == 0) {
            removed++;
            kc_log(KC_LOG_INFO, __func__, "removed stale temporary \"%s\"", full);
        }
        free(full);
    }
    closedir(d);
    free(dir);
    return removed;
}

int kc_atomic_fopen(kc_atomic_file *af, const char *path)
{
    memset(af, 0, sizeof *af);
    kc_atomic_sweep(path);
    af->path = strdup(path);
    af->tmp = kc_atomic_tmpname(path);
    if (!af->path || !af->tmp) {
        free(af->path);
        free(af->tmp);
        memset(af, 0, sizeof *af);
        return KC_ENOMEM;
    }
    af->fp = fopen(af->tmp, "w");
    if (!af->fp) {
        kc_log(KC_LOG_ERROR, __func__, "cannot create \"%s\": %s", af->tmp, strerror(errno));
        free(af->path);
        free(af->tmp);
        memset(af, 0, sizeof *af);
        return KC_EIO;
    }
    return KC_OK;
}

int kc_atomic_fclose(kc_atomic_file *af)
{
    if (!af->fp)
        return KC_EINVAL;
    int err = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp))
        err = errno ? errno : EIO;
    if (fclose(af->fp) != 0 && !err)
        err = errno ? errno : EIO;
    af->fp = NULL;
    int status;
    if (err) {
        kc_log(KC_LOG_ERROR, __func__, "cannot write \"%s\": %s", af->path, strerror(err));
        unlink(af->tmp);
        status = KC_EIO;
    } else {
        status = kc_atomic_commit(af->tmp, af->path);
    }
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    return status;
}

void kc_atomic_fabort(kc_atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
}

int kc_mkdir_p(const char *path)
{
    if (!path || !*path)
        return KC_EINVAL;
    char *p = strdup(path);
    if (!p)
        return KC_ENOMEM;
    int status = KC_OK;
    /* Create each prefix ending before a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            kc_log(KC_LOG_ERROR, __func__, "cannot create folder \"%s\": %s", p,
                   strerror(errno));
            status = KC_EIO;
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    if (status == KC_OK) {
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            kc_log(KC_LOG_ERROR, __func__, "cannot create folder \"%s\": %s", path,
                   stat(path, &st) != 0 ? strerror(errno) : "a file of that name exists");
            status = KC_EIO;
        }
    }
    free(p);
    return status;
}
