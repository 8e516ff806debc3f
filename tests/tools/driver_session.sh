#!/bin/sh
# scripts/kinechain session DIR on a lab-style folder without a manifest: calib/wand.obs.h5 and
# calib/lframe.obs.h5, subjects.csv, <subject>/static, functional and trial files (synthetic).
#  - the rig is calibrated from the wand and L-frame (not the synthetic truth), every trial
#    triangulated with it, kinematics and statistics written;
#  - the drop-jump kinematics agree with kc-synth's /truth (knee flexion at its peak within
#    10 deg: a sanity bound on the whole chain, the stages' own tests hold the tight ones);
#  - a second run redoes nothing, calibration included;
#  - --model kinechain uses the functional knee trial (/model records its offsets);
#  - a session of real Vicon C3D files (btk_plugingait: a static and a walking trial, no
#    subjects table): converted, kinematics with the C3D's own subject parameters, statistics
#    (this part is skipped when the real data are absent);
#  - bad folders: exit 2 with one line.
# Usage: driver_session.sh SOURCE_DIR BUILD_DIR [REAL_DATA_DIR]
set -u
src=$1 build=$2 real=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
. "$src/tests/tools/driver_lib.sh"

d="$work/lab"
"$bin/kc-synth" session "$d" --subjects 2 --trials 1 --sls 0 --wand-s 8 --quiet || exit 1
rm "$d/manifest.csv" "$d/calib/truth.calib.h5"

"$kc" session "$d" -j 2 >"$work/s.out" 2>"$work/s.err" || bad "session failed: $(cat "$work/s.err")"
o="$d/kinechain"
[ -f "$o/calib/session.calib.h5" ] || bad "no calibration from the wand"
grep -q 'calibrating the rig' "$work/s.err" || bad "the rig was not calibrated"
grep -q '^s02,lab,dvj_1,dvj,,../s02/dvj_1.obs.h5,../s02/static.obs.h5,calib/session.calib.h5,0$' "$o/session.csv" ||
    bad "the session's manifest lacks s02/dvj_1: $(cat "$o/session.csv")"
for k in s01/dvj_1 s02/dvj_1; do
    [ -f "$o/kin/$k.kin.h5" ] || bad "no kinematics for $k"
done
[ "$(summary_field processed "$work/s.out")" = 6 ] || bad "expected 6 rows processed: $(head -n 1 "$work/s.out")"
grep -q "report:.*report.html" "$work/s.out" || note "note: kc-stats wrote no report.html (not built yet?)"
# Peak knee flexion against the truth of the synthetic trial (s01, left).
peak() {
    h5dump -d "$2" "$1" | awk '/^ *\([0-9]+,[0-9]+\):/ {
        sub(/^ *\([0-9,]*\):/, ""); n = split($0, a, ",")
        for (i = 1; i <= n; i++) if (a[i] ~ /[0-9a-z]/) { k++; v = a[i] + 0; if (k % 3 == 1 && v > m) m = v }
    } END { printf "%.1f", m }'
}
got=$(peak "$o/kin/s01/dvj_1.kin.h5" /angles/LKnee)
want=$(peak "$d/s01/dvj_1.obs.h5" /truth/angles/LKnee)
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 10 && d > -10 && b > 45) }' ||
    bad "peak left knee flexion $got deg, truth $want deg (bound 10 deg)"

# Again: nothing redone (the calibration's hash would otherwise change every trajectory).
before=$(fingerprint "$o")
"$kc" session "$d" -j 2 >"$work/s2.out" 2>"$work/s2.err" || bad "second run failed"
grep -q 'calibrating' "$work/s2.err" && bad "the second run calibrated again"
[ "$(summary_field "up to date" "$work/s2.out")" = 6 ] || bad "second run: $(head -n 1 "$work/s2.out")"
[ "$before" = "$(fingerprint "$o")" ] || bad "the second run changed outputs"

# The kinechain model: the functional trial's thigh-rotation offsets in /model.
"$kc" session "$d" -j 2 --model kinechain >"$work/k.out" 2>"$work/k.err" || bad "--model kinechain failed: $(cat "$work/k.err")"
h5dump -a /model/thigh_rotation_offset_L_deg "$o/kin/s01/dvj_1.kin.h5" >/dev/null 2>&1 ||
    bad "--model kinechain: no thigh_rotation_offset_L_deg in /model"
[ "$(summary_field processed "$work/k.out")" = 2 ] || bad "--model kinechain should redo the 2 trials' kinematics only: $(head -n 1 "$work/k.out")"

pig="$real/btk_plugingait"
if [ -n "$real" ] && [ -f "$pig/PiG_Calibration3_noFF.c3d" ]; then
    mkdir -p "$work/vicon/p1"
    ln -s "$pig/PiG_Calibration3_noFF.c3d" "$work/vicon/p1/static.c3d"
    ln -s "$pig/PiG_Motion3_noFF.c3d" "$work/vicon/p1/walk_1.c3d"
    "$kc" session "$work/vicon" >"$work/v.out" 2>"$work/v.err" || bad "the C3D session failed: $(cat "$work/v.err")"
    "$bin/kc-validate" "$work/vicon/kinechain/traj/p1/walk_1.traj.h5" "$work/vicon/kinechain/kin/p1/walk_1.kin.h5" \
        >/dev/null || bad "the C3D session's outputs are not valid"
    h5dump -a /provenance/command_line "$work/vicon/kinechain/kin/p1/walk_1.kin.h5" | grep -q -- '--params-from-trial' ||
        bad "kc-ik did not take the C3D's subject parameters"
    [ -f "$work/vicon/kinechain/stats/cohort.h5" ] || bad "the C3D session has no statistics"
else
    note "real data absent: the C3D session part is skipped"
fi

"$kc" session "$work/nothing" >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$work/e")" -eq 1 ] || bad "missing folder: exit $rc, $(cat "$work/e")"
mkdir -p "$work/empty"
"$kc" session "$work/empty" >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 2 ] && grep -q 'no subject folder with a static trial' "$work/e" || bad "empty folder: exit $rc, $(cat "$work/e")"

[ $fail -eq 0 ] && echo "driver_session: all checks passed (peak knee flexion $got deg, truth $want deg)"
exit $fail
