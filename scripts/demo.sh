#!/usr/bin/env bash
# Builds the library (cargo, through CMake), the C tests and the demo, then
# runs the demo: the product brief's examples next to numpy's values.
source "$(dirname "$0")/env.sh"
cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=Release
cmake --build build/cmake -j"$JOBS"
build/cmake/gradient_demo
