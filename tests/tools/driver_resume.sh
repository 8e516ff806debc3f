#!/bin/sh
# scripts/kinechain cohort killed half-way (SIGKILL to its whole process group, stages
# included, at a moment when some trials are done and others are being written) and run
# again:
#  - every output present after the kill is a complete, valid file (kc-validate);
#  - the rerun completes (exit 0, every trial's kinematics and the statistics), without
#    redoing the trials finished before the kill (their bytes and mtimes unchanged, reported
#    up to date), and leaves no temporary file behind;
#  - its outputs equal those of an uninterrupted run (h5diff, provenance aside).
# Usage: driver_resume.sh SOURCE_DIR BUILD_DIR
set -u
src=$1 build=$2
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -KILL -"$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail=0
. "$src/tests/tools/driver_lib.sh"

synth "$work/s" 5 3   # 5 statics, 5 functional, 15 drop jumps
m="$work/s/manifest.csv"
n_trials=15

"$kc" cohort "$m" -j 2 -o "$work/ref" >"$work/ref.out" 2>&1 || { cat "$work/ref.out"; bad "reference run failed"; }

# Start in a process group of its own; kill it all once a third of the trials are done.
setsid "$kc" cohort "$m" -j 2 -o "$work/out" >"$work/run1.out" 2>&1 &
pid=$!
i=0
while [ "$(find "$work/out/kin" -name '*.kin.h5' 2>/dev/null | grep -vc '\.tmp\.')" -lt 5 ]; do
    i=$((i + 1))
    [ $i -lt 600 ] || { bad "the run did not get going in 60 s"; break; }
    kill -0 "$pid" 2>/dev/null || { bad "the run ended before it could be killed"; break; }
    sleep 0.1
done
kill -KILL -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=""
n_before=$(find "$work/out/kin" -name '*.kin.h5' | grep -vc '\.tmp\.')
[ "$n_before" -lt "$n_trials" ] || bad "the kill came too late: all $n_trials trials were done"
note "killed with $n_before of $n_trials trials done; temporaries left: $(find "$work/out" -name '*.tmp.*' | wc -l)"
finals=$(find "$work/out/traj" "$work/out/kin" -name '*.h5' ! -name '*.tmp.*')
# shellcheck disable=SC2086
"$bin/kc-validate" $finals >/dev/null 2>"$work/val.err" || bad "an output left by the kill is not valid: $(cat "$work/val.err")"
before=$(fingerprint "$work/out")

"$kc" cohort "$m" -j 2 -o "$work/out" >"$work/run2.out" 2>"$work/run2.err" || bad "the rerun failed: $(cat "$work/run2.err")"
[ "$(find "$work/out/kin" -name '*.kin.h5' | wc -l)" -eq $n_trials ] || bad "the rerun did not complete every trial"
[ -f "$work/out/stats/cohort.h5" ] || bad "the rerun did not write the statistics"
[ "$(find "$work/out" -name '*.tmp.*' | wc -l)" -eq 0 ] || bad "temporaries left: $(find "$work/out" -name '*.tmp.*')"
# Files finished before the kill are untouched (same sha256, same mtime).
after=$(fingerprint "$work/out")
redone=$(printf '%s\n' "$before" | while read -r line; do
    printf '%s\n' "$after" | grep -qxF "$line" || printf '%s\n' "${line%% *}"
done)
[ -z "$redone" ] || bad "finished outputs were redone: $redone"
up=$(summary_field "up to date" "$work/run2.out")
[ "${up:-0}" -ge "$n_before" ] || bad "the rerun reports $up rows up to date, fewer than the $n_before trials done before the kill"
n=$(same_outputs "$work/ref" "$work/out") || fail=1

[ $fail -eq 0 ] && echo "driver_resume: all checks passed (killed after $n_before of $n_trials trials; rerun: $(head -n 1 "$work/run2.out"); $n outputs equal to an uninterrupted run)"
exit $fail
