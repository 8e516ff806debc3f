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
                           KC_TRIANGULATE_EXE="$<TARGET_FILE:kc-triangulate>"
                           KC_MAKE_BAD_EXE="$<TARGET_FILE:test_calib_make_bad>")
add_dependencies(test_calib_synth kc-synth kc-calib kc-triangulate test_calib_make_bad)
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
# Import/export of other tools' calibrations (ISSUE 6): Pose2Sim's Calib.qca.txt vs its
# Calib_qualisys.toml (centres within 0.1 mm), Caliscope's camera_array.toml, TOML/YAML
# round trips, malformed TOML/YAML/XML (one error line each); 77 without the real data.
kc_add_unit_test(test_calib_io ${KC_TEST_DIR}/test_calib_io.c)
target_link_libraries(test_calib_io PRIVATE kccalib)
target_compile_definitions(test_calib_io PRIVATE KC_REAL_DATA="${KC_REAL_DATA}")
set_tests_properties(test_calib_io PROPERTIES LABELS "unit;real")
# kc-calib board on Caliscope's real ChArUco detections with its intrinsics (ISSUE 6): per
# camera reprojection RMS no worse than Caliscope's calibration, board-corner distances
# (|signed median| <= 0.5 mm, median |e| <= 0.65 mm, p95 <= 2.5 mm); 77 without the data.
kc_add_unit_test(test_calib_board ${KC_TEST_DIR}/test_calib_board.c)
target_link_libraries(test_calib_board PRIVATE kccalib)
target_compile_definitions(test_calib_board PRIVATE KC_REAL_DATA="${KC_REAL_DATA}")
set_tests_properties(test_calib_board PROPERTIES LABELS "unit;real")
# kc-calib points: DLT + refinement of one camera from synthetic control points.
kc_add_unit_test(test_calib_points ${KC_TEST_DIR}/test_calib_points.c)
target_link_libraries(test_calib_points PRIVATE kccalib)
# The import readers' fuzz target replayed over tests/data/calibio (any compiler; memory
# errors caught under KC_SANITIZE); the libFuzzer build with KC_FUZZ and clang.
add_executable(fuzz_calibio_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_calibio.c)
target_link_libraries(fuzz_calibio_replay PRIVATE kccalib)
set_target_properties(fuzz_calibio_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_calibio_replay COMMAND fuzz_calibio_replay ${KC_TEST_DIR}/data/calibio)
set_tests_properties(fuzz_calibio_replay PROPERTIES LABELS unit)
if(KC_FUZZ)
  # the readers compiled in, so that they carry the coverage instrumentation (core.cmake)
  add_executable(fuzz_calibio ${KC_TEST_DIR}/fuzz_calibio.c ${CMAKE_SOURCE_DIR}/calib/toml.c
                 ${CMAKE_SOURCE_DIR}/calib/calibio.c ${CMAKE_SOURCE_DIR}/calib/calib_toml.c
                 ${CMAKE_SOURCE_DIR}/calib/calib_yaml.c ${CMAKE_SOURCE_DIR}/calib/calib_qca.c)
  target_compile_options(fuzz_calibio PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_calibio PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_calibio PRIVATE kccalib)
  set_target_properties(fuzz_calibio PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
# Honest standard deviations: the covariance kc-calib wand writes against the errors it
# makes on three kc-synth seeds (RMS of error/SD over 24 cameras within a factor 2 of 1).
kc_add_unit_test(test_calib_cov ${KC_TEST_DIR}/test_calib_cov.c)
target_link_libraries(test_calib_cov PRIVATE kccalib)
target_compile_definitions(test_calib_cov PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>"
                           KC_CALIB_EXE="$<TARGET_FILE:kc-calib>")
add_dependencies(test_calib_cov kc-synth kc-calib)
set_tests_properties(test_calib_cov PROPERTIES LABELS "synth;tool;slow" TIMEOUT 900)
