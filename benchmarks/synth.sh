#!/bin/sh
# Benchmark: kc-synth's default session (8 subjects x 3 drop jumps + static + functional,
# 8 cameras, 200 Hz) with 1 and 2 threads, measured in one run; prints seconds and the ratio.
# Usage: benchmarks/synth.sh [BUILD_DIR]     (default: build)
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
bin=${1:-$root/build}/bin/kc-synth
[ -x "$bin" ] || { echo "synth.sh: build kc-synth first ($bin not found)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
run() {
    t0=$(now)
    "$bin" session "$tmp/s$1" --threads "$1" --quiet --no-provenance
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
t1=$(run 1)
t2=$(run 2)
size=$(du -sk "$tmp/s2" | cut -f1)
files=$(find "$tmp/s2" -name '*.h5' | wc -l)
printf 'kc-synth default session: %s files, %s KiB\n' "$files" "$size"
printf '  1 thread : %6.2f s\n  2 threads: %6.2f s\n  speed-up : %6.2f\n' "$t1" "$t2" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", a / b }')"
if cmp -s "$tmp/s1/s01/dvj_1.obs.h5" "$tmp/s2/s01/dvj_1.obs.h5"; then
    echo "  output identical at 1 and 2 threads"
else
    echo "  WARNING: output differs between 1 and 2 threads"
fi
