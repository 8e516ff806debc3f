#!/bin/sh
# Benchmark: the C3D reader and writer on a large synthetic C3D made by kinechain's writer
# (default 10 min at 500 Hz = 300,000 frames, 100 markers + 2 model outputs + 1 unlabelled
# point, 4 force plates at 2000 Hz: ~610 MB), against the floor of reading the bytes
# (cat > /dev/null, file in the page cache). Prints MB/s and frames/s of:
#   write   kc_c3d_write_traj alone (trajectories in memory -> C3D file)
#   read    kc_c3d_read + kc_c3d_to_traj (C3D file -> trajectories in memory)
#   convert kc-convert IN.c3d OUT.traj.h5 end to end (HDF5 with shuffle + deflate 4)
# Usage: benchmarks/c3d.sh [BUILD_DIR] [FRAMES] [MARKERS] [PLATES] [RATE]
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
frames=${2:-300000} markers=${3:-100} plates=${4:-4} rate=${5:-500}
gen=$build/tests/make_c3d conv=$build/bin/kc-convert
[ -x "$gen" ] && [ -x "$conv" ] || { echo "c3d.sh: build make_c3d and kc-convert first ($build)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kc-c3d-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate_of() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }'; }

w=$("$gen" "$tmp/big.c3d" "$frames" "$markers" "$plates" "$rate" | sed -n 's/^write_s=//p')
bytes=$(wc -c < "$tmp/big.c3d")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
cat "$tmp/big.c3d" > /dev/null   # into the page cache
t0=$(now); cat "$tmp/big.c3d" > /dev/null; t1=$(now); c=$(el "$t0" "$t1")
r=$("$gen" --read "$tmp/big.c3d" | sed -n 's/^read_s=\([0-9.]*\).*/\1/p')
t0=$(now); "$conv" --quiet --no-provenance "$tmp/big.c3d" "$tmp/big.traj.h5"; t1=$(now); k=$(el "$t0" "$t1")
printf 'C3D benchmark: %s frames at %s Hz, %s markers, %s force plates: %s MB (Intel float)\n' \
    "$frames" "$rate" "$markers" "$plates" "$mb"
printf '  %-8s %8s s %10s MB/s %12s frames/s\n' \
    floor "$c" "$(rate_of "$mb" "$c")" "$(rate_of "$frames" "$c")" \
    write "$w" "$(rate_of "$mb" "$w")" "$(rate_of "$frames" "$w")" \
    read "$r" "$(rate_of "$mb" "$r")" "$(rate_of "$frames" "$r")" \
    convert "$k" "$(rate_of "$mb" "$k")" "$(rate_of "$frames" "$k")"
printf '  (floor = cat > /dev/null from the page cache; convert includes HDF5 compression; %s KB .traj.h5)\n' \
    "$(du -k "$tmp/big.traj.h5" | cut -f1)"
