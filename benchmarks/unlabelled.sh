#!/bin/sh
# Benchmark: unlabelled markers (ISSUE 9) — correspondence + tracking throughput in frames
# per second for 8 and 16 cameras, 40 markers, 10 spurious blobs per camera and frame, at 1
# and 2 threads (tests/unlabelled_benchtool: a synthetic ring rig and moving markers that
# kc-synth cannot make: it has 20 markers and spurious blobs as a fraction of them), and the
# whole kc-triangulate --static run (I/O, correspondence, tracking, labelling, gap filling,
# 12 Hz filter) on a kc-synth drop jump (20 markers, 5% spurious) for 8 and 16 cameras.
# Usage: benchmarks/unlabelled.sh [BUILD_DIR] [FRAMES]     (defaults: build, 2000)
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
F=${2:-2000}
tool=$build/tests/unlabelled_benchtool
tri=$build/bin/kc-triangulate
synth=${KC_SYNTH:-$build/bin/kc-synth}
for x in "$tool" "$tri" "$synth"; do
    [ -x "$x" ] || { echo "unlabelled.sh: build first ($x not found)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

echo "correspondence + tracking, 40 markers, 10 spurious blobs/camera/frame, $F frames:"
printf '%-8s %12s %12s %9s %14s %10s %8s\n' cameras "fps 1 thr" "fps 2 thr" speedup "fps/CPU 1 thr" "found" ghosts
for C in 8 16; do
    r1=$("$tool" "$C" 40 10 "$F" 1)
    r2=$("$tool" "$C" 40 10 "$F" 2)
    echo "$r1 $r2" | awk -v C="$C" '{ printf "%-8s %12.0f %12.0f %9.2f %14.0f %9.3f%% %8d\n",
        C, $3, $10, $2 / $9, $1 / $7, 100 * $4, $5 }'
done
echo
echo "kc-triangulate --static on a kc-synth drop jump (20 markers, 5% spurious), whole run:"
printf '%-8s %8s %12s %12s %9s\n' cameras frames "fps 1 thr" "fps 2 thr" speedup
for C in 8 16; do
    "$synth" session "$tmp/s$C" --subjects 1 --trials 1 --sls 0 --cameras "$C" --seed 3 \
        --spurious 0.05 --quiet --no-provenance
    calib=$tmp/s$C/calib/truth.calib.h5
    "$tri" --static-pose -o "$tmp/st.traj.h5" --quiet "$calib" "$tmp/s$C/s01/static.obs.h5"
    nf=$(h5ls "$tmp/s$C/s01/dvj_1.obs.h5/centroids/cam01/offsets" | sed 's/.*{\([0-9]*\)}.*/\1/')
    nf=$((nf - 1))
    for th in 1 2; do
        t0=$(now)
        "$tri" --static "$tmp/st.traj.h5" -o "$tmp/d$th.traj.h5" --threads "$th" --no-provenance \
            --quiet "$calib" "$tmp/s$C/s01/dvj_1.obs.h5"
        t1=$(now)
        eval "sec$th=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    done
    cmp -s "$tmp/d1.traj.h5" "$tmp/d2.traj.h5" || echo "WARNING: $C cameras: 1 and 2 threads differ"
    awk -v C="$C" -v F="$nf" -v a="$sec1" -v b="$sec2" 'BEGIN {
        printf "%-8s %8d %12.0f %12.0f %9.2f\n", C, F, F / a, F / b, a / b }'
    rm -rf "$tmp/s$C"
done
echo "(fps: frames per wall-clock second; fps/CPU: frames per CPU second of the process, which"
echo " a loaded machine does not distort; found: marker-frames with a point within 10 mm;"
echo " ghosts: points of >= 3 cameras farther than that from every marker)"
