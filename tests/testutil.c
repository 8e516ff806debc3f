#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int kc_test_failures = 0;
int kc_test_checks = 0;

bool kc_check_near(const char *file, int line, const char *what, double got, double want,
                   double tol)
{
    kc_test_checks++;
    if (isfinite(got) && isfinite(want) && fabs(got - want) <= tol)
        return true;
    if (isnan(got) && isnan(want))
        return true;
    kc_test_failures++;
    fprintf(stderr, "%s:%d: FAIL %s: got %.12g, want %.12g (tolerance %.3g, error %.3g)\n",
            file, line, what, got, want, tol, fabs(got - want));
    return false;
}

bool kc_check_true(const char *file, int line, const char *what, bool cond)
{
    kc_test_checks++;
    if (cond)
        return true;
    kc_test_failures++;
    fprintf(stderr, "%s:%d: FAIL %s\n", file, line, what);
    return false;
}

/* The scratch folders handed out, removed by kc_test_summary when every check passed: a full
 * run writes gigabytes of trials, and CI machines may have little disk. A failing program keeps
 * its folder for a look; so does any with KC_KEEP_TMP set. */
enum { KC_TEST_MAX_TMPDIRS = 16 };
static char tmpdirs[KC_TEST_MAX_TMPDIRS][512];
static int n_tmpdirs;

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

int kc_test_summary(const char *program)
{
    printf("%s: %d passed, %d failed\n", program, kc_test_checks - kc_test_failures,
           kc_test_failures);
    if (kc_test_failures == 0 && !getenv("KC_KEEP_TMP")) {
        for (int i = 0; i < n_tmpdirs; i++)
            remove_dir(tmpdirs[i]);
        n_tmpdirs = 0;
    }
    return kc_test_failures > 255 ? 255 : kc_test_failures;
}

const char *kc_test_tmpdir(const char *program)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "tmp-%s", program);
    remove_dir(dir);
    mkdir(dir, 0755);
    int known = 0;
    for (int i = 0; i < n_tmpdirs; i++)
        known |= strcmp(tmpdirs[i], dir) == 0;
    if (!known && n_tmpdirs < KC_TEST_MAX_TMPDIRS)
        snprintf(tmpdirs[n_tmpdirs++], sizeof tmpdirs[0], "%s", dir);
    return dir;
}
