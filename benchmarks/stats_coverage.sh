#!/bin/sh
# Benchmark (issue 7 acceptance, too slow for CI): "the 95% CI covers the true difference in
# 95% +- 3.5% of >= 200 seeds". Runs tests/tools/stats_coverage.sh with SEEDS (default 200)
# kc-synth sessions of SUBJECTS (default 16: 8 pfp + 8 control) drawn with
# --independent-subjects (one drop jump each, 2 cameras, 1 s wand), their true peak knee valgus
# through kc-stats --compare pfp,control; per seed the Welch 95% CI must cover the population
# difference (the pool of all seeds' true values) in 91.5-98.5% of the seeds, each side; then
# the 200 cohorts drawn from the pool (the CI test's assertion). Prints the coverages and the
# wall time per seed.
# Usage: benchmarks/stats_coverage.sh [BUILD_DIR] [WORKDIR] [SEEDS] [SUBJECTS]
#        (default BUILD_DIR: build; WORKDIR: a temporary folder, removed at the end)
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
build=${1:-$root/build}
seeds=${3:-200}
nsub=${4:-16}
mk=$build/tests/test_stats_scale
for x in "$build/bin/kc-synth" "$build/bin/kc-stats" "$mk"; do
    [ -x "$x" ] || { echo "stats_coverage.sh: build first ($x not found)" >&2; exit 1; }
done
if [ $# -ge 2 ]; then
    W=$2
else
    W=$(mktemp -d)
    trap 'rm -rf "$W"' EXIT
fi
t0=$(date +%s)
st=0
sh "$root/tests/tools/stats_coverage.sh" "$build/bin/kc-stats" "$build/bin/kc-synth" "$mk" \
    "$W/run" "$seeds" "$nsub" 200 || st=$?
t1=$(date +%s)
echo "stats_coverage: $seeds seeds of $nsub subjects in $((t1 - t0)) s ($(awk -v a="$t0" -v b="$t1" -v n="$seeds" 'BEGIN { printf "%.1f", (b - a) / n }') s per seed, with the 200 pooled cohorts); exit $st"
exit $st
