#!/usr/bin/env bash
# Fuzz libgradient's C ABI with cargo-fuzz (libFuzzer + AddressSanitizer).
#
#   fuzz/run.sh [seconds] [target...]
#
# seconds: total fuzzing time, shared evenly by the targets (default 60).
# targets: gradient_f64 gradient_f32 gradient_dtype (default: all three).
#
# Installs what it needs (a C++ compiler for libFuzzer, cargo-fuzz pinned
# below, from crates.io), builds the targets with ASan on the stable
# toolchain (RUSTC_BOOTSTRAP=1 unlocks -Zsanitizer), and runs each one from
# the committed seed corpus fuzz/corpus/<target>/ plus a scratch corpus in
# fuzz/work/<target>/ (kept between runs, not committed). Prints executions,
# coverage and corpus size per target; exits non-zero if any target crashed
# (a crash input is left in fuzz/artifacts/<target>/, the log in fuzz/work/).
set -uo pipefail

SECONDS_TOTAL=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(gradient_f64 gradient_f32 gradient_dtype)
fi
CARGO_FUZZ_VERSION=0.13.1

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ_DIR")"

# --- tools
if ! command -v c++ >/dev/null 2>&1; then
    echo "== installing g++ (libfuzzer-sys compiles libFuzzer)"
    apt-get update -qq && apt-get install -y -qq g++ >/dev/null || exit 2
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked || exit 2
fi
# The sanitizer flags are unstable options; a stable toolchain accepts them
# with RUSTC_BOOTSTRAP=1 (a nightly one does not need it).
export RUSTC_BOOTSTRAP=1

# --- build (release, debug assertions and overflow checks on, ASan)
cd "$ROOT" || exit 2
echo "== building fuzz targets: ${TARGETS[*]}"
for t in "${TARGETS[@]}"; do
    cargo fuzz build --fuzz-dir "$FUZZ_DIR" --sanitizer address "$t" || { echo "build of $t failed"; exit 2; }
done

# --- run
per=$(( SECONDS_TOTAL / ${#TARGETS[@]} ))
[ "$per" -lt 1 ] && per=1
mkdir -p "$FUZZ_DIR/work"
failed=()
total_execs=0
summary=()
for t in "${TARGETS[@]}"; do
    mkdir -p "$FUZZ_DIR/work/$t" "$FUZZ_DIR/corpus/$t"
    log="$FUZZ_DIR/work/$t.log"
    echo "== fuzzing $t for ${per}s (log: $log)"
    # The scratch corpus comes first: libFuzzer writes new inputs there,
    # never into the committed seeds.
    cargo fuzz run --fuzz-dir "$FUZZ_DIR" --sanitizer address "$t" \
        "$FUZZ_DIR/work/$t" "$FUZZ_DIR/corpus/$t" -- \
        -max_total_time="$per" -print_final_stats=1 -timeout=60 -rss_limit_mb=4096 -max_len=4096 \
        >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
    corp=$(echo "$last" | grep -o 'corp: [0-9]*/[0-9A-Za-z]*' | sed 's/corp: //')
    line=$(printf '%-15s execs %-9s cov %-6s ft %-6s corpus %-10s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
    if [ $rc -ne 0 ]; then
        failed+=("$t")
        line="$line CRASH (exit $rc)"
        echo "-- $t failed; end of its log:"
        grep -E 'panicked|ERROR: AddressSanitizer|SUMMARY|wrong|changed arena|Test unit written|deadly signal|timeout' "$log" | head -20
        tail -n 60 "$log"
    else
        line="$line ok"
    fi
    total_execs=$(( total_execs + ${execs:-0} ))
    summary+=("$line")
done

echo "== summary (${SECONDS_TOTAL}s in all)"
printf '%s\n' "${summary[@]}"
echo "total executions: $total_execs"
if [ ${#failed[@]} -ne 0 ]; then
    echo "CRASHED: ${failed[*]} (inputs in $FUZZ_DIR/artifacts/)"
    exit 1
fi
echo "no crash"
