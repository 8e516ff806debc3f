# scripts/kinechain (issue 8): cohort runs on small synthetic cohorts — -j 2 equals -j 1,
# incremental reruns, kill and resume, a corrupt trial (exit 4); a lab session folder (wand
# calibration, folder convention, real Vicon C3D files); and a real single-node SLURM
# cluster (SKIPPED, exit 77, with the reason when its daemons cannot start). The scripts use the
# stage executables of this build (KC_BUILD_DIR).
foreach(t cohort resume slurm session)
  add_test(NAME driver_${t}
           COMMAND sh ${KC_TEST_DIR}/tools/driver_${t}.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}
                   ${KC_REAL_DATA})
endforeach()
set(KC_DRIVER_TESTS driver_cohort driver_resume driver_slurm driver_session)
set_tests_properties(${KC_DRIVER_TESTS} PROPERTIES
                     LABELS "tool;slow" SKIP_RETURN_CODE 77 TIMEOUT 300)
# The SLURM test starts daemons on fixed-per-run ports and the cohort tests use both cores:
# never two at once.
set_tests_properties(${KC_DRIVER_TESTS} PROPERTIES RESOURCE_LOCK kc_driver)
# In sanitizer builds: fontconfig's caches (kc-stats plots through cairo) are not leaks of ours.
set_tests_properties(${KC_DRIVER_TESTS} PROPERTIES ENVIRONMENT
                     "LSAN_OPTIONS=suppressions=${KC_TEST_DIR}/tools/driver_lsan.supp")
