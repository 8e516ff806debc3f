# tests of the file-contract page: its read snippets run as printed on a kc-synth session.
add_test(NAME contract_session
         COMMAND $<TARGET_FILE:kc-synth> session ${CMAKE_BINARY_DIR}/tests/contract-session
                 --subjects 1 --trials 1 --cameras 4 --sls 0 --seed 3 --quiet)
set_tests_properties(contract_session PROPERTIES FIXTURES_SETUP contract_session LABELS contract)
# Debian's python3 first: python3-h5py installs there (a user's pyenv python may lack h5py).
find_program(KC_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT KC_PYTHON3)
  find_program(KC_PYTHON3 NAMES python3 REQUIRED)
endif()
foreach(lang python r)
  add_test(NAME contract_snippets_${lang}
           COMMAND ${KC_PYTHON3} ${KC_TEST_DIR}/contract/run_snippets.py ${lang}
                   ${CMAKE_SOURCE_DIR}/docs/file-contract.md ${CMAKE_BINARY_DIR}/tests/contract-session)
  set_tests_properties(contract_snippets_${lang} PROPERTIES FIXTURES_REQUIRED contract_session
                       LABELS contract SKIP_RETURN_CODE 77)
endforeach()

# An example program on the public API only (as a user would write it), run on the same session.
add_executable(example_summary ${KC_TEST_DIR}/example/example_summary.c)
target_link_libraries(example_summary PRIVATE kinechain)
set_target_properties(example_summary PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME example_summary
         COMMAND example_summary ${CMAKE_BINARY_DIR}/tests/contract-session/s01/dvj_1.obs.h5)
set_tests_properties(example_summary PROPERTIES FIXTURES_REQUIRED contract_session LABELS contract
                     PASS_REGULAR_EXPRESSION "LKnee: peak flexion [0-9.]+ deg")
