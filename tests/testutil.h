/* Shared helpers of the C test programs: checks with stated tolerances that print what
 * failed, and a failure count that each program returns from main. */
#ifndef KC_TESTUTIL_H
#define KC_TESTUTIL_H

#include <stdbool.h>

extern int kc_test_failures;
extern int kc_test_checks;

/* |got - want| <= tol, printing name, both values and the tolerance on failure. */
bool kc_check_near(const char *file, int line, const char *what, double got, double want,
                   double tol);
bool kc_check_true(const char *file, int line, const char *what, bool cond);
/* Print "N passed, M failed" and return the failure count (for main). */
int kc_test_summary(const char *program);
/* A fresh scratch folder for this test program (under the working directory); kc_test_summary
 * removes it when every check passed, unless KC_KEEP_TMP is set. */
const char *kc_test_tmpdir(const char *program);

#define CHECK_NEAR(what, got, want, tol) kc_check_near(__FILE__, __LINE__, (what), (got), (want), (tol))
#define CHECK(what, cond) kc_check_true(__FILE__, __LINE__, (what), (cond))

#endif
