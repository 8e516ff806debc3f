# tests of the camera area (see tests/CMakeLists.txt)
kc_add_unit_test(test_linalg ${KC_TEST_DIR}/test_linalg.c)
kc_add_unit_test(test_camera ${KC_TEST_DIR}/test_camera.c)
