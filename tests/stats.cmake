# tests of the stats area (see tests/CMakeLists.txt)
