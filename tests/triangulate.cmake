# tests of the triangulate area (see tests/CMakeLists.txt)
