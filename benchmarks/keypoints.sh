#!/bin/sh
# Benchmark: kc-convert of OpenPose JSON keypoints to observations on the Pose2Sim demo
# (../shared/data/real/pose2sim_demo, balancing trial: 4 cameras x 100 frames, BODY_25B, two
# cameras with a second person), replicated REPEAT times (default 10: 1,000 frames per
# camera) in a temporary folder. Prints, in one run, the time and frames/s of
#   floor    cat of every JSON file (page cache)
#   read     kc-convert --person 0 (JSON parsing and writing, no association)
#   assoc    kc-convert --calib (JSON, person association across the 4 views, writing)
# and the ratios read/floor and assoc/read.
# Usage: benchmarks/keypoints.sh [BUILD_DIR] [REPEAT]
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
repeat=${2:-10}
conv=$build/bin/kc-convert calib=$build/bin/kc-calib
demo=$root/../shared/data/real/pose2sim_demo
[ -x "$conv" ] && [ -x "$calib" ] || { echo "keypoints.sh: build kc-convert and kc-calib first ($build)" >&2; exit 1; }
[ -d "$demo" ] || { echo "keypoints.sh: $demo absent" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kc-kp-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate_of() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

for d in "$demo"/S00_P00_T01_BalancingTrial/pose/*; do
    cam=$(basename "$d")
    mkdir -p "$tmp/pose/$cam"
    r=0
    while [ "$r" -lt "$repeat" ]; do
        for f in "$d"/*.json; do
            cp "$f" "$tmp/pose/$cam/r$(printf %03d "$r")_$(basename "$f")"
        done
        r=$((r + 1))
    done
done
"$calib" import -o "$tmp/rig.calib.h5" "$demo/calibration/Calib_qualisys.toml" > /dev/null
frames=$((repeat * 100))
cat "$tmp"/pose/*/*.json > /dev/null
t0=$(now); cat "$tmp"/pose/*/*.json > /dev/null; t1=$(now); c=$(el "$t0" "$t1")
t0=$(now); "$conv" --quiet --no-provenance --layout body25b --rate 60 --person 0 \
    "$tmp/pose" "$tmp/a.obs.h5"; t1=$(now); r=$(el "$t0" "$t1")
t0=$(now); "$conv" --quiet --no-provenance --layout body25b --rate 60 \
    --calib "$tmp/rig.calib.h5" "$tmp/pose" "$tmp/b.obs.h5"; t1=$(now); a=$(el "$t0" "$t1")
printf 'Keypoints benchmark: 4 cameras x %s frames (OpenPose BODY_25B JSON, %s KB)\n' \
    "$frames" "$(du -sk "$tmp/pose" | cut -f1)"
printf '  %-6s %8s s %10s frames/s\n' floor "$c" "$(rate_of "$frames" "$c")" \
    read "$r" "$(rate_of "$frames" "$r")" assoc "$a" "$(rate_of "$frames" "$a")"
printf '  read/floor %s, assoc/read %s\n' "$(ratio "$r" "$c")" "$(ratio "$a" "$r")"
