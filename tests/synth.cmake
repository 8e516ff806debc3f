# tests of the synth area (see tests/CMakeLists.txt)

# ---- begin: test_pig_reference (independent Plug-in Gait check of kc-synth's truth) --------
# Recomputes the twelve PiG angle channels and six joint centres of every trial of an identity
# session from /truth/markers, from docs/pig-model.md alone, and compares them with /truth.
# Deliberately not linked with the kinechain library: its own geometry, raw HDF5.
set(KC_PIG_SESSION ${CMAKE_BINARY_DIR}/tests/identity-session)
add_test(NAME synth_identity_session_clean
         COMMAND ${CMAKE_COMMAND} -E rm -rf ${KC_PIG_SESSION})
set_tests_properties(synth_identity_session_clean PROPERTIES
                     FIXTURES_SETUP synth_identity_clean LABELS synth)
add_test(NAME synth_identity_session
         COMMAND $<TARGET_FILE:kc-synth> session ${KC_PIG_SESSION} --mode identity --subjects 3
                 --trials 1 --cameras 4 --seed 7 --quiet)
set_tests_properties(synth_identity_session PROPERTIES
                     FIXTURES_REQUIRED synth_identity_clean FIXTURES_SETUP synth_identity
                     LABELS synth)
add_executable(test_pig_reference ${KC_TEST_DIR}/test_pig_reference.c
               ${KC_TEST_DIR}/pig_reference.c ${KC_TEST_DIR}/testutil.c)
target_include_directories(test_pig_reference PRIVATE ${KC_TEST_DIR}
                           ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
target_compile_definitions(test_pig_reference PRIVATE ${HDF5_DEFINITIONS})
target_link_libraries(test_pig_reference PRIVATE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES} m)
set_target_properties(test_pig_reference PROPERTIES
                      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
# Static offsets from the mean static markers, as docs/pig-model.md says (kc-synth's identity
# static is perfectly still, so this equals the per-frame reading).
add_test(NAME test_pig_reference COMMAND test_pig_reference ${KC_PIG_SESSION}
         WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
set_tests_properties(test_pig_reference PROPERTIES
                     FIXTURES_REQUIRED synth_identity LABELS synth)
# ---- end: test_pig_reference ---------------------------------------------------------------

# ---- kc-synth's own tests ------------------------------------------------------------------
# Noise-free self-consistency (projections of /truth/markers reproduce /points within 1e-9 px,
# every NaN explained) and the truth against the published drop-jump ranges, each on sessions
# the test writes with this build's kc-synth.
kc_add_unit_test(test_synth_consistency ${KC_TEST_DIR}/test_synth_consistency.c)
kc_add_unit_test(test_synth_truth ${KC_TEST_DIR}/test_synth_truth.c)
foreach(t test_synth_consistency test_synth_truth)
  target_compile_definitions(${t} PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>")
  add_dependencies(${t} kc-synth)
  set_tests_properties(${t} PROPERTIES LABELS synth)
endforeach()
# Same seed, same bytes (run after run, 1 vs 2 threads); the command line's contract.
add_test(NAME synth_determinism
         COMMAND sh ${KC_TEST_DIR}/tools/synth_determinism.sh $<TARGET_FILE:kc-synth>
                 ${CMAKE_BINARY_DIR}/tests/tmp-synth_determinism)
add_test(NAME synth_cli
         COMMAND sh ${KC_TEST_DIR}/tools/synth_cli.sh $<TARGET_FILE:kc-synth>
                 ${CMAKE_BINARY_DIR}/tests/tmp-synth_cli)
set_tests_properties(synth_determinism synth_cli PROPERTIES LABELS "synth;tool")
# kc-synth's building blocks (tracks, force-shaped designs, the Plug-in Gait sign table).
kc_add_unit_test(test_synth_model ${KC_TEST_DIR}/test_synth_model.c
                 ${CMAKE_SOURCE_DIR}/pipeline/synth/track.c ${CMAKE_SOURCE_DIR}/pipeline/synth/pig.c)
target_include_directories(test_synth_model PRIVATE ${CMAKE_SOURCE_DIR}/pipeline/synth)
set_tests_properties(test_synth_model PROPERTIES LABELS "unit;synth")
# Cohorts that once failed as a whole ("the body model cannot reach the planted feet": a
# subject's second landing rose past its legs' reach while standing up); every seed must now
# write every subject (about 5 s per seed).
add_test(NAME synth_reach
         COMMAND sh ${KC_TEST_DIR}/tools/synth_reach.sh $<TARGET_FILE:kc-synth>
                 ${CMAKE_BINARY_DIR}/tests/tmp-synth_reach 16 18 22 29 32 36)
set_tests_properties(synth_reach PROPERTIES LABELS "synth;tool" TIMEOUT 600)
