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
# The scratch folder goes when the test passes (CI machines may have little disk); a failure
# keeps it for a look, as does KC_KEEP_TMP=1.
trap 'rc=$?; [ $rc -eq 0 ] && [ -z "${KC_KEEP_TMP:-}" ] && rm -rf "$work"; exit $rc' EXIT
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
expect 1 1 board "$w"
expect 1 1 board -o "$o" --board-units cm "$w"
expect 1 1 points -o "$o" "$w"
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
"$make_bad" badsize "$w" "$work/badsize.obs.h5" || { echo "FAIL: make_bad badsize"; fail=1; }
expect 2 1 wand -o "$o" "$work/missing.obs.h5" "$l"
expect 2 1 wand -o "$o" "$w" "$work/s/calib/truth.calib.h5"
expect 2 1 wand -o "$o" "$work/nan.obs.h5" "$l"
expect 2 1 wand -o "$o" "$work/single.obs.h5" "$l"
expect 2 1 wand -o "$o" "$work/badsize.obs.h5" "$l"
expect 2 1 wand -o "$o" --wand-mm 0,20,500 "$w" "$l"
expect 2 1 wand -o "$o" --lframe-mm "0,0,7;900,0,7;0,900,7;200,200,7" "$w" "$l"
# board and points: bad detections / control points
printf 'frame,camera,corner,x,y,board_x\n1,0,0,10,20,0.05\n' >"$work/nocol.csv"
printf 'frame,camera,corner,x,y,board_x,board_y\n1,0,0,10,20,0.054,0.054\n1,0,1,12,20,0.108,0.054\n' >"$work/metres.csv"
printf 'frame,camera,corner,x,y,board_x,board_y,board_z\n1,0,0,10,20,54,54,3\n' >"$work/tilted.csv"
printf 'frame,camera,corner,x,y,board_x,board_y\n1,0,0,10,20,54,54\n1,0,0,11,21,54,54\n' >"$work/twice.csv"
printf 'frame,camera,corner,x,y,board_x,board_y\n1,0,0,ten,20,54,54\n' >"$work/text.csv"
printf 'frame,camera,corner,x,y,board_x,board_y\n1,0,0,10,20,54,54\n2,0,0,11,21,54,108\n' >"$work/tiny.csv"
printf 'label,x,y,z\nA,0,0,0\n' >"$work/control.csv"
expect 2 1 board -o "$o" "$work/nocol.csv"
expect 2 1 board -o "$o" "$work/metres.csv"
expect 2 1 board -o "$o" "$work/tilted.csv"
expect 2 1 board -o "$o" "$work/twice.csv"
expect 2 1 board -o "$o" "$work/text.csv"
expect 2 1 board -o "$o" "$work/missing.csv"
expect 2 1 board -o "$o" --intrinsics "$w" "$work/tiny.csv"
expect 2 2 board -o "$o" "$work/tiny.csv"   # a warning (no intrinsics) and the error
expect 2 1 points -o "$o" "$work/control.csv" "$w"
expect 2 1 points -o "$o" "$work/nocol.csv" "$w"
[ -e "$o" ] && { echo "FAIL: bad input left an output file"; fail=1; }
ls "$work"/*.png >/dev/null 2>&1 && { echo "FAIL: bad input left a residual figure"; fail=1; }
ls "$work"/*.tmp.* >/dev/null 2>&1 && { echo "FAIL: temporary files left"; fail=1; }

# a camera that sees the wand in only 5% of frames: calibrated, or excluded with a warning
"$cal" wand -o "$o" --quiet "$work/sparse.obs.h5" "$l" 2>"$err"
if [ $? -ne 0 ]; then
    echo "FAIL: sparse camera: kc-calib failed:"; cat "$err"; fail=1
fi

# import / export: misuse (exit 1), bad files (exit 2, one line, nothing written), and a
# TOML and a YAML round trip of kc-synth's true calibration that reproduces the same text
t=$work/s/calib/truth.calib.h5
o=$work/imported.calib.h5
printf '[a]\nname = "a\n' >"$work/bad.toml"
printf 'names: [ a\n' >"$work/bad.yaml"
printf '<calibration><cameras>\n' >"$work/bad.qca.txt"
expect 1 1 import "$t"
expect 1 1 import -o "$o"
expect 1 1 import -o "$o" "$work/bad.toml" "$work/bad.yaml"
expect 1 1 import -o "$o" "$work/calib.ini"
expect 1 1 import -o "$o" --units km "$work/bad.toml"
expect 1 1 export "$t"
expect 1 1 export "$t" "$work/x.qca.txt"
expect 1 1 export -o "$work/x.toml" "$t"
expect 2 1 import -o "$o" "$work/bad.toml"
expect 2 1 import -o "$o" "$work/bad.yaml"
expect 2 1 import -o "$o" "$work/bad.qca.txt"
expect 2 1 import -o "$o" "$work/missing.toml"
expect 2 1 export "$w" "$work/x.toml"
[ -e "$o" ] || [ -e "$work/x.toml" ] && { echo "FAIL: import/export error left a file"; fail=1; }
for ext in toml yaml; do
    expect 0 0 export --quiet "$t" "$work/rt1.$ext"
    expect 0 0 import --quiet -o "$work/rt.calib.h5" "$work/rt1.$ext"
    expect 0 0 export --quiet "$work/rt.calib.h5" "$work/rt2.$ext"
    # the same text up to the last bits of numbers (the Rodrigues vector is recomputed)
    tr -s '[],' '   ' <"$work/rt1.$ext" >"$work/a.txt"
    tr -s '[],' '   ' <"$work/rt2.$ext" >"$work/b.txt"
    paste -d '\n' "$work/a.txt" "$work/b.txt" | awk '
        NR % 2 == 1 { n = split($0, a, " "); next }
        { m = split($0, b, " ")
          if (m != n) { bad = 1; next }
          for (i = 1; i <= n; i++) {
              if (a[i] == b[i]) continue
              d = a[i] - b[i]; if (d < 0) d = -d
              s = a[i] < 0 ? -a[i] : a[i]; if (s < 1) s = 1
              if (a[i] + 0 != a[i] || d > 1e-12 * s) bad = 1
          } }
        END { exit bad }' ||
        { echo "FAIL: $ext export -> import -> export changed the text beyond 1e-12"; fail=1; }
done
ls "$work"/*.tmp.* >/dev/null 2>&1 && { echo "FAIL: temporary files left"; fail=1; }

# determinism: the same bytes with 1 and 2 threads
"$cal" wand -o "$work/t1.calib.h5" --threads 1 --no-provenance --quiet "$w" "$l" || fail=1
"$cal" wand -o "$work/t2.calib.h5" --threads 2 --no-provenance --quiet "$w" "$l" || fail=1
cmp -s "$work/t1.calib.h5" "$work/t2.calib.h5" ||
    { echo "FAIL: different bytes with 1 and 2 threads"; fail=1; }
# the residual figure beside each calibration: a PNG, the same bytes, provenance in tEXt
for k in 1 2; do
    [ "$(head -c 8 "$work/t$k.residuals.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
        { echo "FAIL: t$k.residuals.png is not a PNG"; fail=1; }
done
cmp -s "$work/t1.residuals.png" "$work/t2.residuals.png" ||
    { echo "FAIL: residual figures differ with 1 and 2 threads"; fail=1; }
grep -a -q "Software" "$work/t1.residuals.png" && ! grep -a -q "wand.obs.h5" "$work/t1.residuals.png" ||
    { echo "FAIL: residual figure: tEXt Software missing, or a command line despite --no-provenance"; fail=1; }
"$cal" wand -o "$work/t3.calib.h5" --plot "$work/fig.png" --quiet "$w" "$l" || fail=1
grep -a -q "wand.obs.h5" "$work/fig.png" || { echo "FAIL: --plot: no command line in tEXt"; fail=1; }
"$cal" wand -o "$work/t4.calib.h5" --no-plot --quiet "$w" "$l" || fail=1
[ -e "$work/t4.residuals.png" ] && { echo "FAIL: --no-plot drew a figure"; fail=1; }

[ $fail -eq 0 ] && echo "calib_cli: all passed"
exit $fail
