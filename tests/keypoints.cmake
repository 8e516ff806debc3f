# tests of markerless keypoints (issue 10, input half): OpenPose JSON / DeepLabCut CSV
# readers, person association, kc-convert keypoints -> observations.

# Readers, layouts, association on synthetic views, error paths (always run).
kc_add_unit_test(test_keypoints ${KC_TEST_DIR}/test_keypoints.c)

# The real Pose2Sim demo: association and reprojection against Pose2Sim's own results
# (measures what tools/keypoints_cli.sh produced; SKIPPED, exit 77, without the data).
add_executable(test_keypoints_real ${KC_TEST_DIR}/test_keypoints_real.c ${KC_TEST_DIR}/testutil.c)
target_include_directories(test_keypoints_real PRIVATE ${KC_TEST_DIR})
target_link_libraries(test_keypoints_real PRIVATE kinechain)
set_target_properties(test_keypoints_real PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

# kc-convert's keypoint command line: help, misuse, bad input (exit 2), and the real demo
# through kc-calib import, kc-convert, kc-triangulate and test_keypoints_real.
add_test(NAME tool_keypoints_cli
         COMMAND sh ${KC_TEST_DIR}/tools/keypoints_cli.sh $<TARGET_FILE:kc-convert>
                 $<TARGET_FILE:kc-calib> $<TARGET_FILE:kc-triangulate>
                 $<TARGET_FILE:test_keypoints_real> ${KC_TEST_DIR}/data/keypoints)
add_test(NAME tool_keypoints_real
         COMMAND sh ${KC_TEST_DIR}/tools/keypoints_cli.sh $<TARGET_FILE:kc-convert>
                 $<TARGET_FILE:kc-calib> $<TARGET_FILE:kc-triangulate>
                 $<TARGET_FILE:test_keypoints_real> ${KC_TEST_DIR}/data/keypoints real)
set_tests_properties(tool_keypoints_cli tool_keypoints_real PROPERTIES LABELS tool
                     SKIP_RETURN_CODE 77 ENVIRONMENT "KC_REAL_DATA=${KC_REAL_DATA}")
set_tests_properties(tool_keypoints_real PROPERTIES LABELS "tool;slow")

# The OpenPose JSON reader's fuzz target replayed over tests/data/keypoints; libFuzzer
# with KC_FUZZ (jansson is linked from the system, not instrumented).
add_executable(fuzz_keypoints_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_keypoints.c)
target_link_libraries(fuzz_keypoints_replay PRIVATE kinechain)
set_target_properties(fuzz_keypoints_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_keypoints_replay COMMAND fuzz_keypoints_replay ${KC_TEST_DIR}/data/keypoints)
set_tests_properties(fuzz_keypoints_replay PROPERTIES LABELS unit)
if(KC_FUZZ)
  add_executable(fuzz_keypoints ${KC_TEST_DIR}/fuzz_keypoints.c
                 ${CMAKE_SOURCE_DIR}/pipeline/lib/keypoints.c)
  target_compile_options(fuzz_keypoints PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_keypoints PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_keypoints PRIVATE kinechain PkgConfig::JANSSON)
  set_target_properties(fuzz_keypoints PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
set_property(TEST test_keypoints APPEND PROPERTY ENVIRONMENT
             "KC_KP_DATA=${KC_TEST_DIR}/data/keypoints")
