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
# The machine is shared (other builds and tests may run beside this): 1 and 2 threads are
# timed back to back on the same capture, and the ratios are what to read; the load average
# is printed before and after.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown), $(nproc 2>/dev/null || echo '?') cores"
printf "%-8s %-8s %-8s %-10s %-12s %-11s %-16s %s\n" cameras frames threads seconds s/iteration iterations "speed-up (run)" "speed-up (BA iteration)"
for cams in ${KC_BENCH_CAMERAS:-4 8 16}; do
    for secs in ${KC_BENCH_WAND_S:-10 50}; do
        d=$work/c${cams}_s${secs}
        [ -f "$d/calib/wand.obs.h5" ] ||
            "$synth" session "$d" --subjects 1 --trials 1 --sls 0 --cameras $cams --seed 1 \
                --wand-s $secs --spurious 0.08 --quiet
        frames=$((secs * 200 + 1))
        for th in 1 2; do
            t0=$(date +%s.%N)
            log=$("$cal" wand -o "$d/out.calib.h5" --threads $th --verbose --no-plot \
                  "$d/calib/wand.obs.h5" "$d/calib/lframe.obs.h5" 2>&1) ||
                { echo "kc-calib failed on $d:"; printf "%s\n" "$log" | tail -3; continue; }
            t1=$(date +%s.%N)
            el=$(echo "$t1 - $t0" | bc)
            it=$(printf "%s\n" "$log" | sed -n 's/.*bundle adjustment: \([0-9]*\) iterations, \([0-9.]*\) s each.*/\1 \2/p')
            spi=${it#* }
            [ $th -eq 1 ] && el1=$el && spi1=$spi
            printf "%-8s %-8s %-8s %-10.2f %-12s %-11s %-16s %s\n" $cams $frames $th "$el" "$spi" \
                "${it% *}" "$(echo "scale=2; $el1 / $el" | bc)" "$(echo "scale=2; $spi1 / $spi" | bc)"
        done
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
