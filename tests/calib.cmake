# tests of the calib area (see tests/CMakeLists.txt)
