# tests of the stats area (see tests/CMakeLists.txt)
# Scalar statistics against R reference values (hard-coded, R calls in comments).
kc_add_unit_test(test_stats ${KC_TEST_DIR}/test_stats.c)
# SPM1D: RFT formulas against R, FWHM on known fields, null FWER (2,000 repeats), known effect.
kc_add_unit_test(test_spm ${KC_TEST_DIR}/test_spm.c)
# kc-stats on a 4-subject kc-synth session through kc-triangulate and kc-ik: rows, numbers
# recomputed in R from trials.csv, exclusion, bad input (exit 2, one line, nothing written).
add_test(NAME stats_cli
         COMMAND sh ${KC_TEST_DIR}/tools/stats_cli.sh $<TARGET_FILE:kc-stats>
                 $<TARGET_FILE:kc-synth> $<TARGET_FILE:kc-triangulate> $<TARGET_FILE:kc-ik>
                 ${CMAKE_BINARY_DIR}/tests/tmp-stats_cli)
set_tests_properties(stats_cli PROPERTIES LABELS "tool;synth")
# The cohort statistics module on hand-made kinematics files: tables, means, errors.
kc_add_unit_test(test_stats_cohort ${KC_TEST_DIR}/test_stats_cohort.c)
