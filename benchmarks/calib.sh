#!/bin/sh
# kc-calib wand: time to calibrate 4, 8 and 16 cameras x ~2,000 and ~10,000 wand frames at 1
# and 2 threads, and the time per bundle-adjustment iteration (from --verbose).
# usage: benchmarks/calib.sh BUILD_DIR [WORK_DIR]
# (KC_BENCH_CAMERAS="4 8", KC_BENCH_WAND_S="10" to run a subset)
set -eu
build=${1:?usage: calib.sh BUILD_DIR [WORK_DIR]}
work=${2:-/tmp/kc-bench-calib}
synth=$build/bin/kc-synth
cal=$build/bin/kc-calib
mkdir -p "$work"
printf "%-8s %-8s %-8s %-10s %-12s %-11s %s\n" cameras frames threads seconds s/iteration iterations "speed-up vs 1 thread"
for cams in ${KC_BENCH_CAMERAS:-4 8 16}; do
    for secs in ${KC_BENCH_WAND_S:-10 50}; do
        d=$work/c${cams}_s${secs}
        [ -f "$d/calib/wand.obs.h5" ] ||
            "$synth" session "$d" --subjects 1 --trials 1 --sls 0 --cameras $cams --seed 1 \
                --wand-s $secs --spurious 0.08 --quiet
        frames=$((secs * 200 + 1))
        for th in 1 2; do
            t0=$(date +%s.%N)
            log=$("$cal" wand -o "$d/out.calib.h5" --threads $th --verbose \
                  "$d/calib/wand.obs.h5" "$d/calib/lframe.obs.h5" 2>&1) || true
            t1=$(date +%s.%N)
            el=$(echo "$t1 - $t0" | bc)
            [ $th -eq 1 ] && el1=$el
            it=$(printf "%s\n" "$log" | sed -n 's/.*bundle adjustment: \([0-9]*\) iterations, \([0-9.]*\) s each.*/\1 \2/p')
            printf "%-8s %-8s %-8s %-10.2f %-12s %-11s %s\n" $cams $frames $th "$el" "${it#* }" \
                "${it% *}" "$(echo "scale=2; $el1 / $el" | bc)"
        done
    done
done
