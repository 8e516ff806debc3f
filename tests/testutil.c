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

int kc_test_summary(const char *program)
{
    printf("%s: %d passed, %d failed\n", program, kc_test_checks - kc_test_failures,
           kc_test_failures);
    return kc_test_failures > 255 ? 255 : kc_test_failures;
}

const char *kc_test_tmpdir(const char *program)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "tmp-%s", program);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not clean %s\n", dir);
    mkdir(dir, 0755);
    return dir;
}
