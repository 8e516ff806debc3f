# tests of the ik area (see tests/CMakeLists.txt)
