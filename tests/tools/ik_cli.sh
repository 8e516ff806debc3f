#!/bin/sh
# kc-ik's command line: help, version, misuse (exit 1, one line), bad inputs (exit 2, one line
# naming what is missing, no output file: a static missing a required marker, a subject
# without leg length, a trial whose marker set differs from the static, an unknown subject,
# missing files), a good run checked by kc-validate with /model, /events and /metrics, and the
# same bytes at 1 and 2 threads. Kinetics (issue 11): a plate without calibration and a force
# rate that does not divide the marker rate (files from test_ik_kinetics bad-plates, next to
# TEST_IK_SYNTH) are bad input; the good run has /moments with units and convention, and
# --no-kinetics leaves them out; --kinetics-cutoff: misuse, a bad cutoff, and what auto and none
# record and do on trajectories kc-triangulate filtered.
# usage: ik_cli.sh KC_IK KC_SYNTH TEST_IK_SYNTH WORKDIR
set -u
ik=$1
synth=${KC_SYNTH:-$2}
helper=$3
work=$4
rm -rf "$work"
# The scratch folder goes when the test passes (CI machines may have little disk); a failure
# keeps it for a look, as does KC_KEEP_TMP=1.
trap 'rc=$?; [ $rc -eq 0 ] && [ -z "${KC_KEEP_TMP:-}" ] && rm -rf "$work"; exit $rc' EXIT
mkdir -p "$work" || exit 1
fail=0
err="$work/err"
out="$work/out"

tool=$ik
. "$(dirname "$0")/expect.sh"   # expect CODE LINES ARGS...
# names WORD: the last message names WORD
names() {
    grep -q "$1" "$err" || { echo "FAIL: the message does not name $1:"; cat "$err"; fail=1; }
}

KC_SYNTH_EXE=$synth "$helper" make-inputs "$work" >"$work/make.log" 2>&1 ||
    { echo "FAIL: making the inputs"; cat "$work/make.log"; exit 1; }
st=$work/static.traj.h5
tr=$work/dvj.traj.h5
csv=$work/S/subjects.csv
o=$work/out.kin.h5

expect 0 0 --help
grep -q "Example" "$out" || { echo "FAIL: --help has no example"; fail=1; }
grep -q "Exit status" "$out" || { echo "FAIL: --help has no exit codes"; fail=1; }
expect 0 0 --version
grep -q "kc-ik" "$out" || { echo "FAIL: --version does not name the tool"; fail=1; }
expect 1 1
expect 1 1 --static "$st" --subjects "$csv" --subject s01 "$tr"
expect 1 1 -o "$o" --static "$st" --subjects "$csv" --subject s01
expect 1 1 -o "$o" --static "$st" --subjects "$csv" --subject s01 "$tr" extra
expect 1 1 -o "$o" --static "$st" "$tr"
expect 1 1 -o "$o" --type hop --static "$st" --subjects "$csv" "$tr"
expect 1 1 -o "$o" --frobnicate --static "$st" --subjects "$csv" "$tr"
expect 1 1 -o "$o" --threads 0 --static "$st" --subjects "$csv" "$tr"
expect 1 1 -o "$o" --model cgm --static "$st" --subjects "$csv" "$tr"
expect 1 1 -o "$o" --functional-method pca --static "$st" --subjects "$csv" "$tr"
expect 1 1 -o "$o" --force-threshold -3 --static "$st" --subjects "$csv" "$tr"
expect 0 0 events --help
grep -q "foot-markers" "$out" || { echo "FAIL: kc-ik events --help has no --foot-markers"; fail=1; }
expect 1 1 events -o "$o" "$tr"
expect 1 1 events -o "$o" --foot-markers "L=LHEE" --method psychic "$tr"
[ -e "$o" ] && { echo "FAIL: misuse left an output file"; fail=1; rm -f "$o"; }

# bad inputs: one line naming the cause, exit 2, nothing written
expect 2 1 -o "$o" --static "$work/S/s01/static_no_lkne.traj.h5" --subjects "$csv" "$tr"
expect 2 1 -o "$o" --static "$work/static_no_lkne.traj.h5" --subjects "$csv" "$tr"
names LKNE
expect 2 1 -o "$o" --static "$st" --subjects "$csv" "$work/dvj_no_clav.traj.h5"
names CLAV
awk -F, 'BEGIN{OFS=","} NR>1 && $1=="s01" {$5=""} {print}' "$csv" >"$work/no_ll.csv"
expect 2 1 -o "$o" --static "$st" --subjects "$work/no_ll.csv" "$tr"
names leg_length_L_mm
expect 2 1 -o "$o" --static "$st" --subjects "$csv" --subject s99 "$tr"
names s99
expect 2 1 -o "$o" --static "$st" --subjects "$work/none.csv" "$tr"
expect 2 1 -o "$o" --static "$st" --subjects "$csv" "$work/none.traj.h5"
expect 2 1 -o "$o" --subjects "$csv" "$tr"
names static
expect 2 1 -o "$o" --params-from-trial "$tr"
names leg_length
# kc-ik events and --functional bad inputs
expect 2 1 events -o "$o" --foot-markers "L=LHEE,NOPE" "$tr"
names NOPE
expect 2 1 events -o "$o" --foot-markers "X=LHEE" "$tr"
expect 2 1 -o "$o" --static "$st" --subjects "$csv" --functional "$work/static_no_lkne.traj.h5" "$tr"
names LKNE
# force plates (issue 11): no calibration; a rate that is not a multiple of the marker rate
kinhelper=${TEST_IK_KINETICS:-$(dirname "$helper")/test_ik_kinetics}
"$kinhelper" bad-plates "$tr" "$work/fp_nocal.traj.h5" "$work/fp_rate.traj.h5" \
    >"$work/bad.log" 2>&1 || { echo "FAIL: making the bad plates"; cat "$work/bad.log"; fail=1; }
expect 2 1 -o "$o" --static "$st" --subjects "$csv" "$work/fp_nocal.traj.h5"
names fp_nocal.traj.h5
names calibration
expect 2 1 -o "$o" --static "$st" --subjects "$csv" "$work/fp_rate.traj.h5"
names fp_rate.traj.h5
names rate
[ -e "$o" ] && { echo "FAIL: a bad input left an output file"; fail=1; rm -f "$o"; }
ls "$work" | grep -q "\.tmp\." && { echo "FAIL: temporary files left"; fail=1; }

# a good run (the subject from the trial's own attribute)
expect 0 0 -o "$o" --static "$st" --subjects "$csv" "$tr"
validate=$(dirname "$ik")/kc-validate
if [ -x "$validate" ]; then
    "$validate" "$o" >"$out" 2>"$err" || { echo "FAIL: kc-validate:"; cat "$err"; fail=1; }
fi
for d in /angles/LKnee /angles/RAnkle /angles/LThorax /joint_centres/RHJC /events/name \
    /metrics/value; do
    h5ls "$o$d" >/dev/null 2>&1 || { echo "FAIL: $d missing"; fail=1; }
done
for a in name leg_length_L_mm inter_asis_mm marker_diameter_mm tibial_torsion_R_deg \
    static_beta_L_rad static_offsets_from progression_axis; do
    h5dump -a "/model/$a" "$o" >/dev/null 2>&1 || { echo "FAIL: /model/$a missing"; fail=1; }
done
for d in /moments/LKnee /moments/RHip /joint_forces/LAnkle /powers/RKnee; do
    h5ls "$o$d" >/dev/null 2>&1 || { echo "FAIL: $d missing (kinetics)"; fail=1; }
done
h5dump -a /moments/LKnee/units "$o" 2>/dev/null | grep -q 'N.mm/kg' ||
    { echo "FAIL: /moments/LKnee units"; fail=1; }
h5dump -a /moments/LKnee/convention "$o" 2>/dev/null | grep -q 'internal' ||
    { echo "FAIL: /moments/LKnee convention"; fail=1; }
h5dump -d /metrics/name "$o" 2>/dev/null | grep -q 'peak_knee_abduction_moment' ||
    { echo "FAIL: no peak_knee_abduction_moment metric"; fail=1; }
expect 0 0 -o "$work/nokin.kin.h5" --no-kinetics --static "$st" --subjects "$csv" "$tr"
h5ls "$work/nokin.kin.h5/moments" >/dev/null 2>&1 && { echo "FAIL: --no-kinetics wrote /moments"; fail=1; }
h5dump -a /trial_type "$o" | grep -q '"dvj"' || { echo "FAIL: trial_type not dvj"; fail=1; }
h5dump -a /subject "$o" | grep -q '"s01"' || { echo "FAIL: subject not s01"; fail=1; }

# determinism: 1 vs 2 threads, same bytes
expect 0 0 -o "$work/t1.kin.h5" --threads 1 --no-provenance --static "$st" --subjects "$csv" "$tr"
expect 0 0 -o "$work/t2.kin.h5" --threads 2 --no-provenance --static "$st" --subjects "$csv" "$tr"
cmp "$work/t1.kin.h5" "$work/t2.kin.h5" || { echo "FAIL: 1 and 2 threads differ"; fail=1; }

# --kinetics-cutoff (matched cutoffs, docs/kinetics.md): misuse exit 1; a cutoff at or above
# half the marker rate exit 2; on trajectories kc-triangulate filtered, auto filters the forces
# at the trajectories' cutoff (recorded in /model) and none leaves them raw (other moments);
# trajectories without a filter (the truth markers above) get none under auto
attr() { h5dump -a "/model/$1" "$2" 2>/dev/null | sed -n 's/^ *(0): //p'; }
expect 1 1 -o "$o" --kinetics-cutoff fast --static "$st" --subjects "$csv" "$tr"
expect 1 1 -o "$o" --kinetics-cutoff -5 --static "$st" --subjects "$csv" "$tr"
expect 2 1 -o "$o" --kinetics-cutoff 5000 --static "$st" --subjects "$csv" "$tr"
names "half the marker rate"
[ "$(attr kinetics_cutoff_hz "$work/t1.kin.h5")" = 0 ] && attr kinetics_filtering "$work/t1.kin.h5" |
    grep -q "record no filter" || { echo "FAIL: unfiltered trajectories: kinetics not unfiltered"; fail=1; }
tri=$(dirname "$ik")/kc-triangulate
if "$tri" --quiet -o "$work/dvj_tri.traj.h5" "$work/S/calib/truth.calib.h5"         "$work/S/s01/dvj_1.obs.h5"; then
    expect 0 0 -o "$work/auto.kin.h5" --static "$st" --subjects "$csv" "$work/dvj_tri.traj.h5"
    expect 0 0 -o "$work/none.kin.h5" --kinetics-cutoff none --static "$st" --subjects "$csv"         "$work/dvj_tri.traj.h5"
    a=$(attr kinetics_cutoff_hz "$work/auto.kin.h5")
    [ "$a" = 12 ] && attr kinetics_filtering "$work/auto.kin.h5" | grep -q "matched cutoffs" ||
        { echo "FAIL: auto on kc-triangulate's 12 Hz trajectories: cutoff \"$a\" ($(attr kinetics_filtering "$work/auto.kin.h5"))"; fail=1; }
    [ "$(attr kinetics_cutoff_hz "$work/none.kin.h5")" = 0 ] ||
        { echo "FAIL: --kinetics-cutoff none: cutoff not 0"; fail=1; }
    h5diff -q "$work/auto.kin.h5" "$work/none.kin.h5" /moments/LKnee /moments/LKnee >/dev/null 2>&1 &&
        { echo "FAIL: auto and none gave the same knee moments"; fail=1; }
else
    echo "FAIL: kc-triangulate of the trial"; fail=1
fi

[ "$fail" -eq 0 ] && echo "ik_cli: all checks passed"
exit "$fail"
