/* Atomic output: commit renames into place, failure leaves nothing, stale temporaries of
 * dead processes are swept (and live ones kept), mkdir -p. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"
#include "testutil.h"

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

int main(void)
{
    kc_log_init("test_atomic", KC_LOG_QUIET);
    const char *dir = kc_test_tmpdir("test_atomic");
    char path[700], other[700];

    /* tmpname */
    snprintf(path, sizeof path, "%s/out.csv", dir);
    char *tmp = kc_atomic_tmpname(path);
    char want[800];
    snprintf(want, sizeof want, "%s.tmp.%ld", path, (long)getpid());
    CHECK("tmpname is NAME.tmp.<pid>", tmp && strcmp(tmp, want) == 0);
    free(tmp);

    /* a committed file appears whole; the temporary is gone */
    kc_atomic_file af;
    CHECK("fopen", kc_atomic_fopen(&af, path) == KC_OK);
    CHECK("target absent while writing", !exists(path) && exists(af.tmp));
    fprintf(af.fp, "a,b\n1,2\n");
    snprintf(other, sizeof other, "%s", af.tmp);
    CHECK("fclose commits", kc_atomic_fclose(&af) == KC_OK);
    CHECK("target present", exists(path));
    CHECK("temporary removed", !exists(other));

    /* abort leaves nothing (and keeps an older file untouched) */
    CHECK("fopen again", kc_atomic_fopen(&af, path) == KC_OK);
    fprintf(af.fp, "garbage");
    snprintf(other, sizeof other, "%s", af.tmp);
    kc_atomic_fabort(&af);
    CHECK("abort removes temporary", !exists(other));
    FILE *fp = fopen(path, "r");
    char line[64] = "";
    if (fp) {
        if (!fgets(line, sizeof line, fp))
            line[0] = '\0';
        fclose(fp);
    }
    CHECK("old content kept", strcmp(line, "a,b\n") == 0);

    /* commit failure (target folder missing): temporary unlinked, KC_EIO */
    snprintf(other, sizeof other, "%s/x.tmp.1", dir);
    fp = fopen(other, "w");
    if (fp)
        fclose(fp);
    unsigned e0 = kc_log_error_count();
    snprintf(path, sizeof path, "%s/missing/out.csv", dir);
    CHECK("commit into missing folder fails", kc_atomic_commit(other, path) == KC_EIO);
    CHECK("failed commit unlinks temporary", !exists(other));
    CHECK("failed commit logged once", kc_log_error_count() == e0 + 1);
    /* fopen in a missing folder */
    CHECK("fopen in missing folder", kc_atomic_fopen(&af, path) == KC_EIO && af.fp == NULL);

    /* sweep: a dead process's temporary goes, a live one's stays, other names stay */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);   /* child's pid is now (almost surely) free */
    snprintf(path, sizeof path, "%s/trial.traj.h5", dir);
    char dead[800], nested[800], live[800], unrelated[800], notpid[800];
    snprintf(dead, sizeof dead, "%s.tmp.%ld", path, (long)child);
    /* a staged output's own temporary, left by a kill (kc-ik writes OUT.tmp.PID whole, then
     * adds to it): judged by the first pid */
    snprintf(nested, sizeof nested, "%s.tmp.%ld.tmp.%ld", path, (long)child, (long)child);
    snprintf(live, sizeof live, "%s.tmp.%ld", path, (long)getppid());
    snprintf(unrelated, sizeof unrelated, "%s/other.h5.tmp.%ld", dir, (long)child);
    snprintf(notpid, sizeof notpid, "%s.tmp.12ab", path);
    const char *all[] = {dead, nested, live, unrelated, notpid};
    for (int i = 0; i < 5; i++) {
        fp = fopen(all[i], "w");
        if (fp)
            fclose(fp);
    }
    bool child_gone = kill(child, 0) != 0 && errno == ESRCH;
    int removed = kc_atomic_sweep(path);
    if (child_gone) {
        CHECK("sweep removed two", removed == 2);
        CHECK("dead temporary removed", !exists(dead));
        CHECK("dead staged temporary removed", !exists(nested));
    }
    CHECK("live temporary kept", exists(live));
    CHECK("other target's temporary kept", exists(unrelated));
    CHECK("non-pid suffix kept", exists(notpid));

    /* A writer killed and never reaped (a zombie: what a container whose first process does
     * not reap orphans keeps after a cohort run is killed) is not alive; nor is a pid that
     * started after the temporary was last written (the pid was reused). */
    char zpath[700], ztmp[800], reused[800];
    snprintf(zpath, sizeof zpath, "%s/zombie.kin.h5", dir);
    pid_t zchild = fork();
    if (zchild == 0)
        _exit(0);
    snprintf(ztmp, sizeof ztmp, "%s.tmp.%ld.tmp.%ld", zpath, (long)zchild, (long)zchild);
    fp = fopen(ztmp, "w");
    if (fp)
        fclose(fp);
    /* wait until the child has exited: a zombie (waitid WNOWAIT leaves it unreaped) */
    siginfo_t info;
    waitid(P_PID, (id_t)zchild, &info, WEXITED | WNOWAIT);
    bool is_zombie = kill(zchild, 0) == 0;
    snprintf(reused, sizeof reused, "%s.tmp.%ld", zpath, (long)getppid());
    fp = fopen(reused, "w");
    if (fp)
        fclose(fp);
    struct timespec old_times[2] = {{946684800, 0}, {946684800, 0}};   /* 2000-01-01 */
    CHECK("backdate", utimensat(AT_FDCWD, reused, old_times, 0) == 0);
    removed = kc_atomic_sweep(zpath);
    CHECK("a zombie was left to test", is_zombie);
    CHECK("zombie writer's temporary removed", !exists(ztmp));
    CHECK("reused pid's temporary removed", !exists(reused));
    CHECK("sweep removed both", removed == 2);
    waitpid(zchild, NULL, 0);

    /* mkdir -p */
    snprintf(path, sizeof path, "%s/a/b/c/d", dir);
    CHECK("mkdir_p nested", kc_mkdir_p(path) == KC_OK && exists(path));
    CHECK("mkdir_p existing", kc_mkdir_p(path) == KC_OK);
    snprintf(path, sizeof path, "%s/a/b/c/d/", dir);
    CHECK("mkdir_p trailing slash", kc_mkdir_p(path) == KC_OK);
    snprintf(path, sizeof path, "%s/file", dir);
    fp = fopen(path, "w");
    if (fp)
        fclose(fp);
    CHECK("mkdir_p over a file fails", kc_mkdir_p(path) == KC_EIO);
    snprintf(path, sizeof path, "%s/file/sub", dir);
    CHECK("mkdir_p under a file fails", kc_mkdir_p(path) == KC_EIO);
    return kc_test_summary("test_atomic");
}
