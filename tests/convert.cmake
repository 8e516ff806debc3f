# tests of the convert area (see tests/CMakeLists.txt): the C3D reader and writer, kc-convert.

# Writer-made files in every storage variant, long trials, bad inputs (always run).
kc_add_unit_test(test_c3d ${KC_TEST_DIR}/test_c3d.c ${KC_TEST_DIR}/test_c3d_gen.c)
# The real captures in ../shared/data/real (SKIPPED, exit 77, when absent).
kc_add_unit_test(test_c3d_real ${KC_TEST_DIR}/test_c3d_real.c)
set_tests_properties(test_c3d_real PROPERTIES LABELS "unit;slow")
set_property(TEST test_c3d_real APPEND PROPERTY ENVIRONMENT "KC_REAL_DATA=${KC_REAL_DATA}")

# make_c3d: synthetic C3D files of any size and storage variant (benchmarks/c3d.sh).
add_executable(make_c3d ${KC_TEST_DIR}/test_c3d_gen.c)
target_compile_definitions(make_c3d PRIVATE KC_C3D_GEN_MAIN)
target_include_directories(make_c3d PRIVATE ${KC_TEST_DIR})
target_link_libraries(make_c3d PRIVATE kinechain)
set_target_properties(make_c3d PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

# kc-convert's command line: help, version, misuse, bad files, real files through kc-validate.
add_test(NAME tool_convert_cli
         COMMAND sh ${KC_TEST_DIR}/tools/convert_cli.sh $<TARGET_FILE:kc-convert>
                 $<TARGET_FILE:kc-validate> ${KC_REAL_DATA} ${KC_TEST_DIR}/data/c3d)
add_test(NAME tool_convert_real
         COMMAND sh ${KC_TEST_DIR}/tools/convert_cli.sh $<TARGET_FILE:kc-convert>
                 $<TARGET_FILE:kc-validate> ${KC_REAL_DATA} ${KC_TEST_DIR}/data/c3d real)
set_tests_properties(tool_convert_cli tool_convert_real PROPERTIES LABELS tool
                     SKIP_RETURN_CODE 77)
set_tests_properties(tool_convert_real PROPERTIES ENVIRONMENT "KC_IK=$<TARGET_FILE:kc-ik>")

# The C3D fuzz target replayed over its seeds and saved crash inputs (tests/data/c3d), with
# any compiler; under KC_SANITIZE it catches memory errors as the fuzzer would.
add_executable(fuzz_c3d_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_c3d.c)
target_link_libraries(fuzz_c3d_replay PRIVATE kinechain)
set_target_properties(fuzz_c3d_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_c3d_replay COMMAND fuzz_c3d_replay ${KC_TEST_DIR}/data/c3d)
set_tests_properties(fuzz_c3d_replay PROPERTIES LABELS unit)

# libFuzzer target of the C3D reader (clang, -DKC_FUZZ=ON, see tests/core.cmake); the C3D
# sources are compiled into it so that they carry the coverage instrumentation.
if(KC_FUZZ)
  add_executable(fuzz_c3d ${KC_TEST_DIR}/fuzz_c3d.c
                 ${CMAKE_SOURCE_DIR}/pipeline/lib/c3d.c
                 ${CMAKE_SOURCE_DIR}/pipeline/lib/c3d_traj.c
                 ${CMAKE_SOURCE_DIR}/pipeline/lib/c3d_forceplate.c)
  # -fno-sanitize-recover: undefined behaviour (e.g. a float-to-int overflow) stops the run
  # and saves the input, instead of scrolling past in the log
  target_compile_options(fuzz_c3d PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_c3d PRIVATE -fsanitize=fuzzer,address,undefined)
  target_include_directories(fuzz_c3d PRIVATE ${CMAKE_SOURCE_DIR}/pipeline/lib)
  target_link_libraries(fuzz_c3d PRIVATE kinechain)
  set_target_properties(fuzz_c3d PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()

# TRC reader and writer, axes.
kc_add_unit_test(test_trc ${KC_TEST_DIR}/test_trc.c ${KC_TEST_DIR}/test_c3d_gen.c)

# The TRC fuzz target replayed over tests/data/trc; libFuzzer build with KC_FUZZ.
add_executable(fuzz_trc_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_trc.c)
target_link_libraries(fuzz_trc_replay PRIVATE kinechain)
set_target_properties(fuzz_trc_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_trc_replay COMMAND fuzz_trc_replay ${KC_TEST_DIR}/data/trc)
set_tests_properties(fuzz_trc_replay PROPERTIES LABELS unit)
if(KC_FUZZ)
  add_executable(fuzz_trc ${KC_TEST_DIR}/fuzz_trc.c ${CMAKE_SOURCE_DIR}/pipeline/lib/trc.c)
  target_compile_options(fuzz_trc PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_trc PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_trc PRIVATE kinechain)
  set_target_properties(fuzz_trc PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()

# OpenSim MOT/STO ground reaction forces in: synthetic files, and the real drop jumps
# (test_mot_real: SKIPPED, exit 77, without the real data).
kc_add_unit_test(test_mot ${KC_TEST_DIR}/test_mot.c)
add_test(NAME test_mot_real COMMAND test_mot real WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
set_tests_properties(test_mot_real PROPERTIES LABELS "unit;slow" SKIP_RETURN_CODE 77
                     ENVIRONMENT "KC_REAL_DATA=${KC_REAL_DATA}")

# Vicon .vsk subject files: synthetic, and Test.vsk of data/real (test_vsk_real).
kc_add_unit_test(test_vsk ${KC_TEST_DIR}/test_vsk.c)
add_test(NAME test_vsk_real COMMAND test_vsk real WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
set_tests_properties(test_vsk_real PROPERTIES LABELS "unit;slow" SKIP_RETURN_CODE 77
                     ENVIRONMENT "KC_REAL_DATA=${KC_REAL_DATA}")

# The MOT/STO force reader's fuzz target replayed over tests/data/mot; libFuzzer with KC_FUZZ.
add_executable(fuzz_mot_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_mot.c)
target_link_libraries(fuzz_mot_replay PRIVATE kinechain)
set_target_properties(fuzz_mot_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_mot_replay COMMAND fuzz_mot_replay ${KC_TEST_DIR}/data/mot)
set_tests_properties(fuzz_mot_replay PROPERTIES LABELS unit)
if(KC_FUZZ)
  add_executable(fuzz_mot ${KC_TEST_DIR}/fuzz_mot.c ${CMAKE_SOURCE_DIR}/pipeline/lib/mot.c)
  target_compile_options(fuzz_mot PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_mot PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_mot PRIVATE kinechain)
  set_target_properties(fuzz_mot PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()

# The .vsk reader's fuzz target replayed over tests/data/vsk; libFuzzer with KC_FUZZ.
add_executable(fuzz_vsk_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_vsk.c)
target_link_libraries(fuzz_vsk_replay PRIVATE kinechain)
set_target_properties(fuzz_vsk_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_vsk_replay COMMAND fuzz_vsk_replay ${KC_TEST_DIR}/data/vsk)
set_tests_properties(fuzz_vsk_replay PROPERTIES LABELS unit)
if(KC_FUZZ)
  add_executable(fuzz_vsk ${KC_TEST_DIR}/fuzz_vsk.c ${CMAKE_SOURCE_DIR}/pipeline/lib/vsk.c)
  target_compile_options(fuzz_vsk PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_vsk PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_vsk PRIVATE kinechain PkgConfig::LIBXML2)
  set_target_properties(fuzz_vsk PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
