#!/bin/sh
# Benchmark: kc-triangulate on a long trial (a kc-synth functional trial repeated K times,
# 20 markers, 200 Hz) with 4, 8, 16 and 32 cameras, at 1 and 2 threads; marker-frames per
# second, and the time against the floor of reading the inputs and writing the output with
# HDF5 (triangulate_benchtool io: the same reads, and a write of the same trajectories).
# Usage: benchmarks/triangulate.sh [BUILD_DIR] [K]     (defaults: build, 5)
# KC_SYNTH in the environment overrides BUILD_DIR/bin/kc-synth.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
K=${2:-5}
tri=$build/bin/kc-triangulate
synth=${KC_SYNTH:-$build/bin/kc-synth}
tool=$build/tests/triangulate_benchtool
for x in "$tri" "$synth" "$tool"; do
    [ -x "$x" ] || { echo "triangulate.sh: build first ($x not found)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

printf '%-8s %9s %9s %12s %12s %9s %8s %8s\n' cameras frames "t1 (s)" "mf/s 1 thr" "mf/s 2 thr" speedup "floor s" "x floor"
for C in 4 8 16 32; do
    "$synth" session "$tmp/s$C" --subjects 1 --trials 0 --sls 0 --cameras "$C" --seed 3 \
        --quiet --no-provenance
    calib=$tmp/s$C/calib/truth.calib.h5
    "$tool" concat "$tmp/s$C/s01/functional.obs.h5" "$K" "$tmp/long$C.obs.h5"
    mf=$(h5ls "$tmp/long$C.obs.h5/points" | sed 's/.*{\([0-9]*\), \([0-9]*\), \([0-9]*\), 2}.*/\2 \3/')
    F=${mf% *}
    M=${mf#* }
    for th in 1 2; do
        t0=$(now)
        "$tri" -o "$tmp/t$th.traj.h5" --threads "$th" --no-provenance --quiet "$calib" "$tmp/long$C.obs.h5"
        t1=$(now)
        eval "sec$th=$(secs "$t0" "$t1")"
    done
    cmp -s "$tmp/t1.traj.h5" "$tmp/t2.traj.h5" || echo "WARNING: $C cameras: 1 and 2 threads differ"
    floor=$("$tool" io "$calib" "$tmp/long$C.obs.h5" "$tmp/t1.traj.h5" "$tmp/io.traj.h5" |
            awk '{ printf "%.3f", $1 + $2 }')
    awk -v C="$C" -v F="$F" -v M="$M" -v a="$sec1" -v b="$sec2" -v fl="$floor" 'BEGIN {
        printf "%-8s %9d %9.3f %12.0f %12.0f %9.2f %8.3f %8.1f\n", C, F, a, F * M / a,
               F * M / b, a / b, fl, a / fl }'
    rm -rf "$tmp/s$C" "$tmp/long$C.obs.h5"
done
echo "(mf/s: marker-frames per second, whole run incl. I/O, gap filling and 12 Hz filtering;"
echo " floor: reading calibration + observations and writing the trajectories, 1 thread)"
