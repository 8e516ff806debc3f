#!/bin/sh
# Benchmark: kc-ik on a whole drop-jump trial (kc-synth identity session, truth markers written
# as a traj file by test_ik_synth make-inputs; 20 markers, 200 Hz): angles, joint centres,
# events, metrics, normalisation and the write, at 1 and 2 threads; frames per second (median
# of R runs), and the time against an I/O floor: `kc-ik events` on the same trial (reads the
# whole trajectory file and the force plates, writes a small kinematics file, almost no
# computation). The per-frame model (kc_pig_compute) runs on threads only for trials of
# KC_PIG_PARALLEL_MIN_FRAMES (16384) frames or more: on a drop jump its work (~1.3 ms) is
# smaller than starting, waking and joining a second thread on shared cores, which made 2
# threads slower than 1 (0.68-0.85x, 20-36 ms per run at a load average of 7-9 on 2 cores).
# The load average is printed: timings on a shared machine depend on it.
# Usage: benchmarks/ik.sh [BUILD_DIR] [R]     (defaults: build, 15)
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
R=${2:-15}
ik=$build/bin/kc-ik
tool=$build/tests/test_ik_synth
for x in "$ik" "$tool"; do
    [ -x "$x" ] || { echo "ik.sh: build first ($x not found)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$tool" make-inputs "$tmp" > /dev/null
now() { date +%s.%N; }
# median wall time (s) of R runs of a command
med() {
    i=0
    : > "$tmp/times"
    while [ "$i" -lt "$R" ]; do
        t0=$(now)
        "$@"
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >> "$tmp/times"
        i=$((i + 1))
    done
    sort -n "$tmp/times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
F=$(h5ls "$tmp/dvj.traj.h5/position" | sed 's/.*{\([0-9]*\), .*/\1/')
common="--static $tmp/static.traj.h5 --subjects $tmp/S/subjects.csv --subject s01 --no-provenance --quiet"
t1=$(med "$ik" -o "$tmp/k1.kin.h5" --threads 1 $common "$tmp/dvj.traj.h5")
t2=$(med "$ik" -o "$tmp/k2.kin.h5" --threads 2 $common "$tmp/dvj.traj.h5")
cmp -s "$tmp/k1.kin.h5" "$tmp/k2.kin.h5" || echo "WARNING: 1 and 2 threads differ"
fl=$(med "$ik" events -o "$tmp/e.kin.h5" --threads 1 --no-provenance --quiet \
     --foot-markers "L=LHEE,LTOE;R=RHEE,RTOE" "$tmp/dvj.traj.h5")
awk -v F="$F" -v a="$t1" -v b="$t2" -v fl="$fl" -v R="$R" 'BEGIN {
    printf "%-8s %10s %12s %12s %9s %9s %8s\n", "frames", "t1 (ms)", "f/s 1 thr", "f/s 2 thr", "speedup", "floor ms", "x floor"
    printf "%-8d %10.1f %12.0f %12.0f %9.2f %9.1f %8.2f\n", F, 1000 * a, F / a, F / b, a / b, 1000 * fl, a / fl
    printf "(median of %d runs each; whole process: reading trial + static, model, events, metrics,\n", R
    printf " normalisation, writing; floor: kc-ik events on the same trial)\n"
}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) ($(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores)"
