#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, the C suite through CTest
# (plain, under valgrind, and with address/undefined sanitizers), the numpy
# conformance suite, a short fuzz run and a benchmark smoke run.
source "$(dirname "$0")/env.sh"
apt_need valgrind valgrind

step() { echo; echo "======== $*"; }

step "cargo test (Rust core, C ABI, header drift, blocks, concurrency)"
cargo test --release --locked

# The hot loops are compiled twice (AVX2 and the build's baseline, chosen at
# run time); GRADIENT_CPU=baseline makes the AVX2 machines of CI test the
# second copy too.
step "cargo test with GRADIENT_CPU=baseline"
GRADIENT_CPU=baseline cargo test --release --locked

step "C tests (CTest: shared and static library, package install, demo, expected.h freshness)"
cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=Release -DGRADIENT_CARGO_TARGET_DIR="$ROOT/target"
cmake --build build/cmake -j"$JOBS"
ctest --test-dir build/cmake --output-on-failure -j"$JOBS" -LE valgrind
GRADIENT_CPU=baseline ctest --test-dir build/cmake --output-on-failure -j"$JOBS" -LE valgrind

step "C tests under valgrind"
ctest --test-dir build/cmake --output-on-failure -j"$JOBS" -L valgrind

step "C tests with -fsanitize=address,undefined"
cmake -S . -B build/cmake-sanitize -DCMAKE_BUILD_TYPE=Debug -DGRADIENT_SANITIZE=ON -DGRADIENT_BUILD_EXAMPLES=OFF -DGRADIENT_CARGO_TARGET_DIR="$ROOT/target"
cmake --build build/cmake-sanitize -j"$JOBS"
ctest --test-dir build/cmake-sanitize --output-on-failure -j"$JOBS" -LE valgrind

step "numpy conformance (differential, ctypes)"
GRADIENT_LIB="$ROOT/target/release/libgradient.so" python -m pytest tests/conformance -q
GRADIENT_CPU=baseline GRADIENT_LIB="$ROOT/target/release/libgradient.so" python -m pytest tests/conformance -q

step "fuzz smoke run"
bash fuzz/run.sh "${FUZZ_SECONDS:-60}"

step "benchmark smoke run (figures only, never a failure on timings)"
python bench/run.py --quick --no-write

echo
echo "all test stages passed"
