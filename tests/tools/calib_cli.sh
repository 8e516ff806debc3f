#!/bin/sh
# kc-calib's command line: help, version, misuse (exit 1, one line), bad inputs (exit 2, one
# line, no output file: non-finite centroids, a wand spec that matches nothing, too few
# cameras seeing the wand, a missing file, wrong kinds), a camera that sees the wand in only
# 5% of frames (calibrated or excluded with a warning), and the same bytes at 1 and 2 threads.
# usage: calib_cli.sh KC_CALIB KC_SYNTH MAKE_BAD WORKDIR
set -u
cal=$1
synth=$2
make_bad=$3
work=$4
rm -rf "$work"
mkdir -p "$work" || exit 1
fail=0
err="$work/err"
out="$work/out"

tool=$cal
. "$(dirname "$0")/expect.sh"   # expect CODE LINES ARGS...

"$synth" session "$work/s" --subjects 1 --trials 1 --sls 0 --cameras 6 --seed 9 --wand-s 4 \
    --quiet || { echo "FAIL: kc-synth"; exit 1; }
w=$work/s/calib/wand.obs.h5
l=$work/s/calib/lframe.obs.h5
o=$work/out.calib.h5

expect 0 0 --help
grep -q "Example" "$out" || { echo "FAIL: --help has no example"; fail=1; }
grep -q "Exit status" "$out" || { echo "FAIL: --help has no exit codes"; fail=1; }
expect 0 0 --version
grep -q "kc-calib" "$out" || { echo "FAIL: --version does not name the tool"; fail=1; }
expect 1 1
expect 1 1 wand "$w" "$l"
expect 1 1 wand -o "$o" "$w"
expect 1 1 wand -o "$o" "$w" "$l" extra
expect 1 1 board -o "$o" "$w" "$l"
expect 1 1 frobnicate -o "$o" "$w" "$l"
expect 1 1 wand -o "$o" --wand-mm 0,500,150 "$w" "$l"
expect 1 1 wand -o "$o" --wand-mm 0,150 "$w" "$l"
expect 1 1 wand -o "$o" --lframe-mm "0,0,0;1,2" "$w" "$l"
expect 1 1 wand -o "$o" --focal-px -3 "$w" "$l"
expect 1 1 wand -o "$o" --threads 0 "$w" "$l"
[ -e "$o" ] && { echo "FAIL: misuse left an output file"; fail=1; }

# bad inputs: one line, exit 2, nothing written
"$make_bad" nan "$w" "$work/nan.obs.h5" || { echo "FAIL: make_bad nan"; fail=1; }
"$make_bad" single "$w" "$work/single.obs.h5" || { echo "FAIL: make_bad single"; fail=1; }
"$make_bad" sparse "$w" "$work/sparse.obs.h5" || { echo "FAIL: make_bad sparse"; fail=1; }
expect 2 1 wand -o "$o" "$work/missing.obs.h5" "$l"
expect 2 1 wand -o "$o" "$w" "$work/s/calib/truth.calib.h5"
expect 2 1 wand -o "$o" "$work/nan.obs.h5" "$l"
expect 2 1 wand -o "$o" "$work/single.obs.h5" "$l"
expect 2 1 wand -o "$o" --wand-mm 0,20,500 "$w" "$l"
expect 2 1 wand -o "$o" --lframe-mm "0,0,7;900,0,7;0,900,7;200,200,7" "$w" "$l"
[ -e "$o" ] && { echo "FAIL: bad input left an output file"; fail=1; }
ls "$work"/*.tmp.* >/dev/null 2>&1 && { echo "FAIL: temporary files left"; fail=1; }

# a camera that sees the wand in only 5% of frames: calibrated, or excluded with a warning
"$cal" wand -o "$o" --quiet "$work/sparse.obs.h5" "$l" 2>"$err"
if [ $? -ne 0 ]; then
    echo "FAIL: sparse camera: kc-calib failed:"; cat "$err"; fail=1
fi

# determinism: the same bytes with 1 and 2 threads
"$cal" wand -o "$work/t1.calib.h5" --threads 1 --no-provenance --quiet "$w" "$l" || fail=1
"$cal" wand -o "$work/t2.calib.h5" --threads 2 --no-provenance --quiet "$w" "$l" || fail=1
cmp -s "$work/t1.calib.h5" "$work/t2.calib.h5" ||
    { echo "FAIL: different bytes with 1 and 2 threads"; fail=1; }

[ $fail -eq 0 ] && echo "calib_cli: all passed"
exit $fail
