# tests of the calib area (see tests/CMakeLists.txt)
# Modules of calib/: wand detection vs projected truth, relative pose, L-frame transform.
kc_add_unit_test(test_calib ${KC_TEST_DIR}/test_calib.c)
target_link_libraries(test_calib PRIVATE kccalib)
target_compile_definitions(test_calib PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>")
add_dependencies(test_calib kc-synth)
set_tests_properties(test_calib PROPERTIES LABELS "unit;synth")
# Acceptance of kc-calib wand against kc-synth's truth (ISSUE 6).
kc_add_unit_test(test_calib_synth ${KC_TEST_DIR}/test_calib_synth.c)
target_link_libraries(test_calib_synth PRIVATE kccalib)
target_compile_definitions(test_calib_synth PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>"
                           KC_CALIB_EXE="$<TARGET_FILE:kc-calib>"
                           KC_TRIANGULATE_EXE="$<TARGET_FILE:kc-triangulate>")
add_dependencies(test_calib_synth kc-synth kc-calib kc-triangulate)
set_tests_properties(test_calib_synth PROPERTIES LABELS "synth;tool;slow" TIMEOUT 1500)
# The command line: help, version, misuse, bad inputs (exit 2, no output).
add_executable(test_calib_make_bad ${KC_TEST_DIR}/test_calib_make_bad.c)
target_link_libraries(test_calib_make_bad PRIVATE kinechain)
set_target_properties(test_calib_make_bad PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME calib_cli
         COMMAND sh ${KC_TEST_DIR}/tools/calib_cli.sh $<TARGET_FILE:kc-calib>
                 $<TARGET_FILE:kc-synth> $<TARGET_FILE:test_calib_make_bad>
                 ${CMAKE_BINARY_DIR}/tests/tmp-calib_cli)
set_tests_properties(calib_cli PROPERTIES LABELS "tool;synth")
