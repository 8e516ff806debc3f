#!/bin/sh
# kc-triangulate's command line: help, version, misuse (exit 1, one line), bad inputs
# (exit 2, one line, no output file), a good run checked by kc-validate, provenance with
# both inputs' SHA-256, --cutoff auto recorded, and the same bytes at 1 and 2 threads.
# usage: triangulate_cli.sh KC_TRIANGULATE KC_SYNTH KC_VALIDATE MAKE_BAD WORKDIR
set -u
tri=$1
synth=${KC_SYNTH:-$2}
validate=$3
make_bad=$4
work=$5
rm -rf "$work"
# The scratch folder goes when the test passes (CI machines may have little disk); a failure
# keeps it for a look, as does KC_KEEP_TMP=1.
trap 'rc=$?; [ $rc -eq 0 ] && [ -z "${KC_KEEP_TMP:-}" ] && rm -rf "$work"; exit $rc' EXIT
mkdir -p "$work/bad" || exit 1
fail=0
err="$work/err"
out="$work/out"

tool=$tri
. "$(dirname "$0")/expect.sh"   # expect CODE LINES ARGS...

"$synth" session "$work/s" --subjects 1 --trials 1 --sls 0 --cameras 6 --seed 4 --quiet ||
    { echo "FAIL: kc-synth"; exit 1; }
calib=$work/s/calib/truth.calib.h5
obs=$work/s/s01/dvj_1.obs.h5
o=$work/out.traj.h5

expect 0 0 --help
grep -q "Example" "$out" || { echo "FAIL: --help has no example"; fail=1; }
grep -q "Exit status" "$out" || { echo "FAIL: --help has no exit codes"; fail=1; }
expect 0 0 --version
grep -q "kc-triangulate" "$out" || { echo "FAIL: --version does not name the tool"; fail=1; }
expect 1 1
expect 1 1 "$calib" "$obs"
expect 1 1 -o "$o" "$calib"
expect 1 1 -o "$o" "$calib" "$obs" extra
expect 1 1 -o "$o" --cutoff fast "$calib" "$obs"
expect 1 1 -o "$o" --max-gap 3x "$calib" "$obs"
expect 1 1 -o "$o" --max-gap -1 "$calib" "$obs"
expect 1 1 -o "$o" --min-cameras 1 "$calib" "$obs"
expect 1 1 -o "$o" --frobnicate "$calib" "$obs"
expect 1 1 -o "$o" --threads 0 "$calib" "$obs"
expect 1 1 -o "$o" --static-pose --static "$o" "$calib" "$obs"
expect 1 1 -o "$o" --static-pose --blob-px 0 "$calib" "$obs"
[ -e "$o" ] && { echo "FAIL: misuse left an output file"; fail=1; }

# bad inputs: one line, exit 2, nothing written
expect 2 1 -o "$o" "$work/missing.calib.h5" "$obs"
expect 2 1 -o "$o" "$calib" "$work/missing.obs.h5"
expect 2 1 -o "$o" "$obs" "$calib"
expect 2 1 -o "$o" --cutoff 150 "$calib" "$obs"
"$make_bad" "$calib" "$obs" "$work/bad" >"$work/bad/LIST" || { echo "FAIL: make_bad"; exit 1; }
while read -r name c ob; do
    expect 2 1 -o "$o" "$c" "$ob"
    [ -e "$o" ] && { echo "FAIL: $name: output file written"; fail=1; rm -f "$o"; }
    grep -q "kc-triangulate: " "$err" || { echo "FAIL: $name: message not prefixed"; fail=1; }
done <"$work/bad/LIST"
[ "$(wc -l <"$work/bad/LIST")" -eq 6 ] || { echo "FAIL: expected 6 bad cases"; fail=1; }
ls "$work" | grep -q "\.tmp\." && { echo "FAIL: temporary files left"; fail=1; }

# a good run
expect 0 0 -o "$o" "$calib" "$obs"
"$validate" "$o" >"$out" 2>"$err" || { echo "FAIL: kc-validate:"; cat "$err"; fail=1; }
grep -q "force plates, truth" "$out" || { echo "FAIL: force plates and truth not carried"; fail=1; }
for d in /position /residual_px /n_cameras /camera_used /filled; do
    h5ls "$o$d" >/dev/null 2>&1 || { echo "FAIL: $d missing"; fail=1; }
done
sha=$(sha256sum "$calib" | cut -d' ' -f1)
h5dump -a /provenance/input_0_sha256 "$o" | grep -q "$sha" ||
    { echo "FAIL: provenance lacks the calibration's SHA-256"; fail=1; }
sha=$(sha256sum "$obs" | cut -d' ' -f1)
h5dump -a /provenance/input_1_sha256 "$o" | grep -q "$sha" ||
    { echo "FAIL: provenance lacks the observations' SHA-256"; fail=1; }
h5dump -a /filter_cutoff_hz "$o" | grep -q "(0): 12" ||
    { echo "FAIL: default cutoff 12 Hz not recorded"; fail=1; }

# --cutoff auto and none are recorded
expect 0 0 -o "$work/auto.traj.h5" --cutoff auto "$calib" "$obs"
h5dump -a /filter_cutoff_hz "$work/auto.traj.h5" | grep -q "(0): [1-9]" ||
    { echo "FAIL: --cutoff auto not recorded"; fail=1; }
expect 0 0 -o "$work/none.traj.h5" --cutoff none --max-gap 4 "$calib" "$obs"
h5dump -a /filter_cutoff_hz "$work/none.traj.h5" | grep -q "(0): nan" ||
    { echo "FAIL: --cutoff none not recorded as NaN"; fail=1; }

# unlabelled mode (ISSUE 9): static then drop jump from /centroids, all 20 labels, the same
# bytes at 1 and 2 threads; a labelled-only file or a non-static template is bad input
st=$work/static.traj.h5
expect 0 0 -o "$st" --static-pose "$calib" "$work/s/s01/static.obs.h5"
expect 0 0 -o "$work/u1.traj.h5" --static "$st" --threads 1 --no-provenance "$calib" "$obs"
expect 0 0 -o "$work/u2.traj.h5" --static "$st" --threads 2 --no-provenance "$calib" "$obs"
cmp "$work/u1.traj.h5" "$work/u2.traj.h5" || { echo "FAIL: unlabelled: 1 and 2 threads differ"; fail=1; }
h5dump -d /labels "$work/u1.traj.h5" | grep -q '"STRN"' || { echo "FAIL: unlabelled: labels"; fail=1; }
"$validate" "$work/u1.traj.h5" >"$out" 2>"$err" || { echo "FAIL: kc-validate unlabelled:"; cat "$err"; fail=1; }
expect 2 1 -o "$work/bu.traj.h5" --static "$work/missing.traj.h5" "$calib" "$obs"
expect 2 1 -o "$work/bu.traj.h5" --static "$work/s/s01/static.obs.h5" "$calib" "$obs"
[ -e "$work/bu.traj.h5" ] && { echo "FAIL: unlabelled bad input left an output file"; fail=1; }

# determinism: 1 vs 2 threads, same bytes
expect 0 0 -o "$work/t1.traj.h5" --threads 1 --no-provenance --cutoff auto "$calib" "$obs"
expect 0 0 -o "$work/t2.traj.h5" --threads 2 --no-provenance --cutoff auto "$calib" "$obs"
cmp "$work/t1.traj.h5" "$work/t2.traj.h5" || { echo "FAIL: 1 and 2 threads differ"; fail=1; }

[ "$fail" -eq 0 ] && echo "triangulate_cli: all checks passed"
exit "$fail"
