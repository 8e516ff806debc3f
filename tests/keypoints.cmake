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

# kc-ik --markerset (issue 10, kinematics from keypoints; include/kinechain/kpkin.h):
# synthetic keypoints from kc-synth's truth (every series and metric against an independent
# recomputation within 1e-6, events against the truth: IC 1 frame, take-off 2; COCO from the
# ankles; a single-leg squat; the flags and the reason for no Plug-in Gait angles; the command
# line's exit codes; kc-validate and kc-stats on the outputs; projection with 2 px noise ->
# kc-triangulate -> kc-ik against the noise-free keypoints), and the real Pose2Sim demo (knee
# flexion against Pose2Sim's own triangulation: median 2.47 / 1.14 deg, bound 4; SKIPPED, exit
# 77, without KC_REAL_DATA). Measured numbers and bounds: tests/test_kpkin.c.
kc_add_unit_test(test_kpkin ${KC_TEST_DIR}/test_kpkin.c ${KC_TEST_DIR}/testkin.c)
target_compile_definitions(test_kpkin PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>"
                           KC_IK_EXE="$<TARGET_FILE:kc-ik>" KC_CALIB_EXE="$<TARGET_FILE:kc-calib>"
                           KC_CONVERT_EXE="$<TARGET_FILE:kc-convert>"
                           KC_TRIANGULATE_EXE="$<TARGET_FILE:kc-triangulate>"
                           KC_STATS_EXE="$<TARGET_FILE:kc-stats>"
                           KC_VALIDATE_EXE="$<TARGET_FILE:kc-validate>")
add_dependencies(test_kpkin kc-synth kc-ik kc-calib kc-convert kc-triangulate kc-stats
                 kc-validate)
set_tests_properties(test_kpkin PROPERTIES LABELS "synth;tool")
add_test(NAME test_kpkin_real COMMAND test_kpkin real WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
set_tests_properties(test_kpkin_real PROPERTIES LABELS "tool;real" SKIP_RETURN_CODE 77
                     ENVIRONMENT "KC_REAL_DATA=${KC_REAL_DATA}")
