# tests of the convert area (see tests/CMakeLists.txt)
