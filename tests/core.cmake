# tests of the core area (see tests/CMakeLists.txt): the shared library's foundations
# (status, log, cli, sha256, atomic, table, h5io) and the HDF5 file kinds, plus kc-validate.
kc_add_unit_test(test_sha256 ${KC_TEST_DIR}/test_sha256.c)
kc_add_unit_test(test_atomic ${KC_TEST_DIR}/test_atomic.c)
kc_add_unit_test(test_cli ${KC_TEST_DIR}/test_cli.c)
kc_add_unit_test(test_table ${KC_TEST_DIR}/test_table.c)
kc_add_unit_test(test_files ${KC_TEST_DIR}/test_files.c)
kc_add_unit_test(test_h5io ${KC_TEST_DIR}/test_h5io.c)
kc_add_unit_test(test_badfiles ${KC_TEST_DIR}/test_badfiles.c ${KC_TEST_DIR}/make_bad_files.c)

# tests/data/bad is generated (tests/data/bad/README.md): the generator runs as a fixture and
# writes into the build tree; the tool tests read from there.
add_executable(make_bad_files ${KC_TEST_DIR}/make_bad_files.c)
target_compile_definitions(make_bad_files PRIVATE KC_BAD_FILES_MAIN)
target_include_directories(make_bad_files PRIVATE ${KC_TEST_DIR} ${HDF5_C_INCLUDE_DIRS}
                           ${HDF5_INCLUDE_DIRS})
target_link_libraries(make_bad_files PRIVATE kinechain)
set_target_properties(make_bad_files PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
set(KC_BAD_DIR ${CMAKE_BINARY_DIR}/tests/data/bad)
add_test(NAME make_bad_files COMMAND make_bad_files ${KC_BAD_DIR})
set_tests_properties(make_bad_files PROPERTIES LABELS "unit;tool" FIXTURES_SETUP kc_bad_files)

add_test(NAME tool_validate_bad
         COMMAND sh ${KC_TEST_DIR}/tools/validate_bad.sh $<TARGET_FILE:kc-validate> ${KC_BAD_DIR})
add_test(NAME tool_validate_cli
         COMMAND sh ${KC_TEST_DIR}/tools/validate_cli.sh $<TARGET_FILE:kc-validate> ${KC_BAD_DIR})
set_tests_properties(tool_validate_bad tool_validate_cli PROPERTIES LABELS tool
                     FIXTURES_REQUIRED kc_bad_files)

# The CSV fuzz target replayed over its seed and regression corpus (tests/data/csv), with any
# compiler, so that every build runs what the fuzzer found; run it under KC_SANITIZE to catch
# memory errors as the fuzzer would.
add_executable(fuzz_table_csv_replay ${KC_TEST_DIR}/fuzz_replay.c ${KC_TEST_DIR}/fuzz_table_csv.c)
target_link_libraries(fuzz_table_csv_replay PRIVATE kinechain)
set_target_properties(fuzz_table_csv_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz_table_csv_replay COMMAND fuzz_table_csv_replay ${KC_TEST_DIR}/data/csv)
set_tests_properties(fuzz_table_csv_replay PROPERTIES LABELS unit)

# libFuzzer target for the CSV reader (clang only): cmake -DKC_FUZZ=ON -DCMAKE_C_COMPILER=clang
# then: BUILD/tests/fuzz_table_csv -max_len=4096 NEW_CORPUS_DIR tests/data/csv
# The code under test (table.c) is compiled into the target so that it carries libFuzzer's
# coverage instrumentation; linked from the uninstrumented library, the fuzzer saw only the
# harness's own few branches. Its definitions take precedence over the archive's table.o.
option(KC_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
if(KC_FUZZ)
  add_executable(fuzz_table_csv ${KC_TEST_DIR}/fuzz_table_csv.c
                 ${CMAKE_SOURCE_DIR}/pipeline/lib/table.c)
  target_compile_options(fuzz_table_csv PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_table_csv PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_table_csv PRIVATE kinechain)
  set_target_properties(fuzz_table_csv PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
