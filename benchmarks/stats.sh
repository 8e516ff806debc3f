#!/bin/sh
# Benchmark: kc-stats on 1,000 and 10,000 drop-jump kinematics files (the issue-7 target:
# 10,000 in under a minute on 2 cores, memory flat in the number of trials).
# Inputs: a 4-subject x 2-trial kc-synth session run through kc-triangulate and kc-ik gives 8
# real kinematics files (about 430 KB each: angles, joint centres, series, events, metrics,
# 24 normalised curves); `test_stats_scale make-kin` copies them to N files under new subject
# ids (2 trials each, groups control/pfp) with every metric and curve shifted per subject and
# trial: 1,000 distinct files, the other 9,000 hard links to them under new subject ids (so
# 10,000 files are opened and read; writing 10,000 files with fsync would take longer than the
# benchmark). The 1,000- and 2,000-trial runs read the first rows of the same manifest.
# Measures, in one run: wall and CPU seconds and peak RSS of `kc-stats --no-report
# --compare control,pfp` (tables, statistics, SPM and cohort.h5) at 1,000, 2,000 and 10,000
# trials, the 10k/1k ratios and the 10k/2k RSS ratio (flat memory: near 1; metric values, cell
# means and SPM fields are in temporary files; what still grows, reported in KB per trial, is
# the manifest held as read and a record per trial, about 0.2 KB a trial), and that the tables
# are the same bytes with --threads 1 and 2.
# Then the whole run with the report (report.html, 500 athlete pages, plots) at 1,000 trials:
# wall, CPU and peak RSS (the report's files are fsynced one by one, as every atomic write).
# Needs about 4.5 GB in WORKDIR (default: a temporary folder in $TMPDIR, removed at the end).
# Usage: benchmarks/stats.sh [BUILD_DIR] [WORKDIR]     (default BUILD_DIR: build)
# With REUSE=1 and a WORKDIR of an earlier run (it has big/manifest.csv), the inputs are not
# made again (they do not depend on the code measured, only on kc-synth, kc-triangulate, kc-ik).
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
bin=$build/bin
mk=$build/tests/test_stats_scale
for x in "$bin/kc-synth" "$bin/kc-triangulate" "$bin/kc-ik" "$bin/kc-stats" "$mk"; do
    [ -x "$x" ] || { echo "stats.sh: build first ($x not found)" >&2; exit 1; }
done
if [ $# -ge 2 ]; then
    W=$2
    mkdir -p "$W"
else
    W=$(mktemp -d)
    trap 'rm -rf "$W"' EXIT
fi
TIME=/usr/bin/time
[ -x "$TIME" ] && "$TIME" -v true >/dev/null 2>&1 || TIME=

if [ "${REUSE:-0}" = 1 ] && [ -s "$W/big/manifest.csv" ] && [ -s "$W/big/manifest_2k.csv" ]; then
    echo "inputs: reused from $W/big"
else
# --- 8 template kinematics files from the small pipeline ---
S=$W/session
"$bin/kc-synth" session "$S" --subjects 4 --trials 2 --sls 0 --seed 7 --quiet
T=""
for d in "$S"/s0?; do
    s=$(basename "$d")
    mkdir -p "$W/traj/$s" "$W/kin/$s"
    for t in static dvj_1 dvj_2; do
        "$bin/kc-triangulate" --quiet -o "$W/traj/$s/$t.traj.h5" "$S/calib/truth.calib.h5" "$d/$t.obs.h5"
    done
    for t in dvj_1 dvj_2; do
        "$bin/kc-ik" --quiet -o "$W/kin/$s/$t.kin.h5" --type dvj --static "$W/traj/$s/static.traj.h5" \
            --subjects "$S/subjects.csv" --subject "$s" "$W/traj/$s/$t.traj.h5"
        T="$T $W/kin/$s/$t.kin.h5"
    done
done

# --- 10,000 files, and the first 1,000 rows as the small cohort ---
t0=$(date +%s.%N)
rm -rf "$W/big"   # a WORKDIR of an earlier run: make-kin links new files
# shellcheck disable=SC2086
"$mk" make-kin "$W/big" 10000 1000 11 $T
t1=$(date +%s.%N)
head -1001 "$W/big/manifest.csv" >"$W/big/manifest_1k.csv"
head -2001 "$W/big/manifest.csv" >"$W/big/manifest_2k.csv"
size=$(du -sm "$W/big/kin" | cut -f1)
echo "inputs: 10,000 kinematics files (1,000 distinct), $size MB, made in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s"
fi

# run LABEL MANIFEST THREADS [--report]: prints "wall cpu rss_mb"
run() {
    out=$W/out_$1
    rm -rf "$out"
    rep=--no-report
    [ "${4:-}" = --report ] && rep=
    if [ -n "$TIME" ]; then
        # shellcheck disable=SC2086
        "$TIME" -v "$bin/kc-stats" $rep --quiet --no-provenance --threads "$3" -o "$out" "$2" \
            --kin-dir "$W/big/kin" --compare control,pfp 2>"$W/time_$1.txt"
        awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i] }
                    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
                    END { printf "%.2f %.2f %.1f\n", w, u + s, r / 1024 }' "$W/time_$1.txt"
    else
        a=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$bin/kc-stats" $rep --quiet --no-provenance --threads "$3" -o "$out" "$2" \
            --kin-dir "$W/big/kin" --compare control,pfp
        b=$(date +%s.%N)
        awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f nan nan\n", b - a }'
    fi
}
r1=$(run 1k "$W/big/manifest_1k.csv" 2)
r1t=$(run 1k_t1 "$W/big/manifest_1k.csv" 1)
r2=$(run 2k "$W/big/manifest_2k.csv" 2)
r10=$(run 10k "$W/big/manifest.csv" 2)
rrep=$(run 1k_report "$W/big/manifest_1k.csv" 2 --report)
same=yes
for f in "$W/out_1k"/*.csv; do
    cmp -s "$f" "$W/out_1k_t1/$(basename "$f")" || same=no
done
echo "$r1 $r10 $r1t" | awk -v same="$same" -v cores="$(nproc)" -v load="$(cut -d' ' -f1 /proc/loadavg)" '{
    printf "%-8s %9s %9s %11s %12s\n", "trials", "wall s", "cpu s", "trials/s", "peak RSS MB"
    printf "%-8d %9.2f %9.2f %11.0f %12.1f\n", 1000, $1, $2, 1000 / $1, $3
    printf "%-8d %9.2f %9.2f %11.0f %12.1f\n", 10000, $4, $5, 10000 / $4, $6
    printf "ratios 10k/1k: wall %.2f, cpu %.2f, peak RSS %.2f (flat memory: RSS ratio near 1)\n", $4 / $1, $5 / $2, $6 / $3
    printf "1,000 trials with --threads 1: wall %.2f s; tables identical to --threads 2: %s\n", $7, same
    printf "(%s cores, load average %s at the end: wall time counts waiting for the CPU)\n", cores, load
}'
echo "$r2 $r10" | awk '{
    printf "memory: peak RSS %.1f MB at 2,000 trials, %.1f MB at 10,000: ratio %.2f, %.2f KB more per trial\n", $3, $6, $6 / $3, ($6 - $3) * 1024 / 8000
}'
echo "$rrep" | awk '{
    printf "with the report, 1,000 trials (500 athletes): wall %.2f s, cpu %.2f s, peak RSS %.1f MB\n", $1, $2, $3
}'
