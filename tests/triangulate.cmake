# tests of the triangulate area (see tests/CMakeLists.txt)
# Library modules: triangulation on cameras built in the test, Butterworth filter and
# residual analysis, contacts and gap filling.
kc_add_unit_test(test_triangulate ${KC_TEST_DIR}/test_triangulate.c)
# Acceptance against kc-synth's truth: (a) accuracy vs the Cramér–Rao bound, (b) gross errors.
kc_add_unit_test(test_triangulate_synth ${KC_TEST_DIR}/test_triangulate_synth.c)
target_compile_definitions(test_triangulate_synth PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>"
                           KC_TRIANGULATE_EXE="$<TARGET_FILE:kc-triangulate>")
add_dependencies(test_triangulate_synth kc-synth kc-triangulate)
set_tests_properties(test_triangulate_synth PROPERTIES LABELS "synth;tool")
kc_add_unit_test(test_filter ${KC_TEST_DIR}/test_filter.c)
# Contacts and gap filling against kc-synth's truth (ISSUE 4 (c)).
kc_add_unit_test(test_gapfill ${KC_TEST_DIR}/test_gapfill.c)
target_compile_definitions(test_gapfill PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>")
add_dependencies(test_gapfill kc-synth)
set_tests_properties(test_gapfill PROPERTIES LABELS "unit;synth")
# The command line: help, misuse, bad inputs (ISSUE 4 (e)), provenance, determinism.
add_executable(triangulate_make_bad ${KC_TEST_DIR}/triangulate_make_bad.c)
target_link_libraries(triangulate_make_bad PRIVATE kinechain)
set_target_properties(triangulate_make_bad PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME triangulate_cli
         COMMAND sh ${KC_TEST_DIR}/tools/triangulate_cli.sh $<TARGET_FILE:kc-triangulate>
                 $<TARGET_FILE:kc-synth> $<TARGET_FILE:kc-validate>
                 $<TARGET_FILE:triangulate_make_bad> ${CMAKE_BINARY_DIR}/tests/tmp-triangulate_cli)
set_tests_properties(triangulate_cli PROPERTIES LABELS "tool;synth")
# Helper of benchmarks/triangulate.sh (a long trial; the HDF5 read + write floor).
add_executable(triangulate_benchtool ${KC_TEST_DIR}/triangulate_benchtool.c)
target_link_libraries(triangulate_benchtool PRIVATE kinechain)
set_target_properties(triangulate_benchtool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
# Unlabelled markers (ISSUE 9): multi-view correspondence against kc-synth's blob identities
# and /truth (drop jump, 5% spurious), and a 16-camera ring with 10 spurious blobs per camera.
kc_add_unit_test(test_unlabelled_corr ${KC_TEST_DIR}/test_unlabelled_corr.c)
target_compile_definitions(test_unlabelled_corr PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>")
target_link_libraries(test_unlabelled_corr PRIVATE OpenMP::OpenMP_C)
add_dependencies(test_unlabelled_corr kc-synth)
set_tests_properties(test_unlabelled_corr PROPERTIES LABELS "unit;synth")
# Unlabelled markers (ISSUE 9): tracking through an impact and an occlusion, and against
# kc-synth's /truth after correspondence.
kc_add_unit_test(test_unlabelled_track ${KC_TEST_DIR}/test_unlabelled_track.c)
target_compile_definitions(test_unlabelled_track PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>")
add_dependencies(test_unlabelled_track kc-synth)
set_tests_properties(test_unlabelled_track PROPERTIES LABELS "unit;synth")
# Unlabelled markers (ISSUE 9): automatic labelling — static pose in 8 facing directions,
# bad statics, and kc-triangulate --static-pose / --static against /truth and labelled mode.
kc_add_unit_test(test_unlabelled_label ${KC_TEST_DIR}/test_unlabelled_label.c)
target_compile_definitions(test_unlabelled_label PRIVATE KC_SYNTH_EXE="$<TARGET_FILE:kc-synth>"
                           KC_TRIANGULATE_EXE="$<TARGET_FILE:kc-triangulate>")
add_dependencies(test_unlabelled_label kc-synth kc-triangulate)
set_tests_properties(test_unlabelled_label PROPERTIES LABELS "synth;tool")
# Helper of benchmarks/unlabelled.sh (synthetic captures of 40 markers, any camera count).
add_executable(unlabelled_benchtool ${KC_TEST_DIR}/unlabelled_benchtool.c)
target_include_directories(unlabelled_benchtool PRIVATE ${KC_TEST_DIR})
target_link_libraries(unlabelled_benchtool PRIVATE kinechain OpenMP::OpenMP_C)
set_target_properties(unlabelled_benchtool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
# Unlabelled markers (ISSUE 9): static-pose labelling of real Vicon Plug-in Gait statics
# (SKIPPED, exit 77, without ../shared/data/real).
kc_add_unit_test(test_unlabelled_real ${KC_TEST_DIR}/test_unlabelled_real.c)
set_property(TEST test_unlabelled_real APPEND PROPERTY ENVIRONMENT "KC_REAL_DATA=${KC_REAL_DATA}")
