#!/bin/sh
# scripts/kinechain cohort on a small synthetic cohort (4 subjects x 2 drop jumps, with statics
# and functional trials: 16 rows):
#  - -j 2 gives the same outputs as -j 1 (every .h5 equal but for provenance, h5diff exact;
#    statistics tables byte-identical);
#  - a second run redoes nothing (all rows up to date, outputs' bytes and mtimes unchanged,
#    the statistics not rerun: their stamp matches, stats/ untouched);
#  - a changed subject row reruns kc-ik for that subject's trials only, and the statistics;
#  - one changed trial (its kinematics deleted) is redone and reruns the statistics; a redone
#    static redoes its subject's kinematics only;
#  - a copied cohort (other folder) is up to date, statistics included: paths are compared by
#    file name;
#  - one truncated trial: exit 4, listed in failures.csv with stage and error, the others
#    complete and the statistics exclude it;
#  - misuse and bad manifests: exit 1 / 2 with one line.
# Usage: driver_cohort.sh SOURCE_DIR BUILD_DIR
set -u
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
. "$src/tests/tools/driver_lib.sh"

synth "$work/s" 4 2
m="$work/s/manifest.csv"

"$kc" cohort "$m" -j 1 -o "$work/j1" >"$work/j1.out" 2>"$work/j1.err" || { cat "$work/j1.err"; bad "-j 1 failed"; }
"$kc" cohort "$m" -j 2 -o "$work/j2" >"$work/j2.out" 2>"$work/j2.err" || { cat "$work/j2.err"; bad "-j 2 failed"; }
[ "$(summary_field processed "$work/j2.out")" = 16 ] || bad "-j 2 did not process 16 rows: $(head -n 1 "$work/j2.out")"
n=$(same_outputs "$work/j1" "$work/j2") || fail=1
# 4 statics + 4 functional + 8 trials triangulated, 8 kinematics, cohort.h5
[ "$n" = 25 ] || bad "expected 25 .h5 outputs, compared $n"
[ -s "$work/j2/stats/comparisons.csv" ] || bad "no comparisons.csv (control vs pfp)"

# The statistics' outputs: "path sha256 mtime" of every file under stats/.
stats_fp() {
    (cd "$1/stats" && find . -type f | sort | while read -r f; do
        printf '%s %s %s\n' "$f" "$(sha256sum <"$f" | cut -c1-16)" "$(stat -c %Y.%y "$f")"
    done)
}

# Second run: nothing to do, nothing touched.
before=$(fingerprint "$work/j2")
stats_before=$(stats_fp "$work/j2")
"$kc" cohort "$m" -j 2 -o "$work/j2" >"$work/re.out" 2>"$work/re.err" || bad "rerun failed: $(cat "$work/re.err")"
[ "$(summary_field processed "$work/re.out")" = 0 ] && [ "$(summary_field "up to date" "$work/re.out")" = 16 ] ||
    bad "rerun was not a no-op: $(head -n 1 "$work/re.out")"
[ "$before" = "$(fingerprint "$work/j2")" ] || bad "rerun changed finished outputs"
grep -q '; statistics unchanged (skipped);' "$work/re.out" || bad "rerun ran the statistics again: $(head -n 1 "$work/re.out")"
[ "$stats_before" = "$(stats_fp "$work/j2")" ] || bad "rerun touched stats/"

# A changed subject row: s01's two drop jumps get new kinematics, nothing else is redone.
sed 's/^\(s01,[MF]\),\([0-9.]*\),/\1,61.5,/' "$work/s/subjects.csv" >"$work/subjects2.csv"
cmp -s "$work/s/subjects.csv" "$work/subjects2.csv" && bad "test set-up: the subjects edit changed nothing"
"$kc" cohort "$m" -j 2 -o "$work/j2" --subjects "$work/subjects2.csv" >"$work/sub.out" 2>"$work/sub.err" || bad "run with new subjects failed"
[ "$(summary_field processed "$work/sub.out")" = 2 ] || bad "a changed subject row should redo 2 trials: $(head -n 1 "$work/sub.out")"
after=$(fingerprint "$work/j2")
changed=$(printf '%s\n' "$before" "$after" | sort | uniq -u | cut -d' ' -f1 | sort -u | tr '\n' ' ')
[ "$changed" = "kin/s01/dvj_1.kin.h5 kin/s01/dvj_2.kin.h5 " ] || bad "changed outputs: $changed"
grep -q '; statistics rerun;' "$work/sub.out" || bad "new subject rows did not rerun the statistics: $(head -n 1 "$work/sub.out")"
[ "$stats_before" != "$(stats_fp "$work/j2")" ] || bad "new subject rows left stats/ as it was"

# One changed trial: its kinematics redone (a new file, other hashes), the statistics rerun;
# then nothing again.
stats_before=$(stats_fp "$work/j2")
rm "$work/j2/kin/s04/dvj_2.kin.h5"
"$kc" cohort "$m" -j 2 -o "$work/j2" --subjects "$work/subjects2.csv" >"$work/one.out" 2>"$work/one.err" || bad "run with one trial to redo failed"
[ "$(summary_field processed "$work/one.out")" = 1 ] && grep -q '; statistics rerun;' "$work/one.out" ||
    bad "one changed trial: $(head -n 1 "$work/one.out")"
cohort_h5=$(stats_fp "$work/j2" | grep '^\./cohort\.h5 ')
[ -n "$cohort_h5" ] && ! printf '%s\n' "$stats_before" | grep -qxF "$cohort_h5" || bad "one changed trial did not rewrite stats/cohort.h5"
"$kc" cohort "$m" -j 2 -o "$work/j2" --subjects "$work/subjects2.csv" >"$work/one2.out" 2>&1 || bad "rerun failed"
grep -q ' 0 processed, 16 up to date, 0 failed; statistics unchanged (skipped);' "$work/one2.out" ||
    bad "rerun after one changed trial was not a no-op: $(head -n 1 "$work/one2.out")"

# A static redone (its trajectories deleted): the subject's trials get new kinematics (they
# record the static's hash), its other rows and the other subjects are up to date.
rm "$work/j2/traj/s02/static.traj.h5"
before=$(fingerprint "$work/j2")
"$kc" cohort "$m" -j 2 -o "$work/j2" --subjects "$work/subjects2.csv" >"$work/st.out" 2>&1 || bad "run with a static to redo failed"
grep -q ' 3 processed, 13 up to date, 0 failed; statistics rerun;' "$work/st.out" ||
    bad "a redone static: $(head -n 1 "$work/st.out")"
changed=$(printf '%s\n' "$before" "$(fingerprint "$work/j2")" | sort | uniq -u | cut -d' ' -f1 | sort -u | tr '\n' ' ')
[ "$changed" = "kin/s02/dvj_1.kin.h5 kin/s02/dvj_2.kin.h5 traj/s02/static.traj.h5 " ] || bad "a redone static changed: $changed"

# A copy of the data and outputs elsewhere is up to date (no file times, no absolute paths).
cp -a "$work/s" "$work/copy"
cp -a "$work/j1" "$work/copy/out"
"$kc" cohort "$work/copy/manifest.csv" -o "$work/copy/out" >"$work/cp.out" 2>"$work/cp.err" || bad "run on the copy failed"
[ "$(summary_field "up to date" "$work/cp.out")" = 16 ] && grep -q '; statistics unchanged (skipped);' "$work/cp.out" ||
    bad "the copy was not up to date: $(head -n 1 "$work/cp.out")"

# One corrupt (truncated) trial: reported, the rest complete, exit 4.
head -c 200000 "$work/s/s03/dvj_2.obs.h5" >"$work/copy/s03/dvj_2.obs.h5"
"$kc" cohort "$work/copy/manifest.csv" -j 2 -o "$work/bad" >"$work/bad.out" 2>"$work/bad.err"
rc=$?
[ $rc -eq 4 ] || bad "a corrupt trial: exit $rc, want 4"
grep -q '^"s03/1/dvj_2","triangulate","kc-triangulate: cannot open .*dvj_2.obs.h5.*truncated' "$work/bad/failures.csv" ||
    bad "failures.csv lacks the corrupt trial: $(cat "$work/bad/failures.csv")"
[ "$(wc -l <"$work/bad/failures.csv")" -eq 2 ] || bad "failures.csv should list one trial"
grep -q 's03/1/dvj_2 *triangulate' "$work/bad.err" || bad "the failures table is not on stderr"
[ "$(find "$work/bad/kin" -name '*.kin.h5' | wc -l)" -eq 7 ] || bad "the 7 good trials should have kinematics"
grep -q '^[0-9]*,s03,dvj_2,' "$work/bad/stats/excluded.csv" || bad "the statistics did not exclude the failed trial"
for f in $(cd "$work/bad" && find kin -name '*.kin.h5'); do
    h5same "$work/bad/$f" "$work/j1/$f" || bad "$f differs from the clean run"
done

# kc-validate --provenance: what the incremental rule reads.
p=$("$bin/kc-validate" --provenance "$work/j1/kin/s02/dvj_1.kin.h5") || bad "kc-validate --provenance failed"
printf '%s\n' "$p" | grep -q "^created_by	kc-ik [0-9]" || bad "--provenance: no created_by line: $p"
printf '%s\n' "$p" | grep -q "^argument	1	-o$" || bad "--provenance: no argument lines: $p"
want=$(sha256sum <"$work/j1/traj/s02/dvj_1.traj.h5" | cut -d' ' -f1)
printf '%s\n' "$p" | grep -q "^input	0	$want	.*/traj/s02/dvj_1.traj.h5$" || bad "--provenance: input 0 is not the trial's sha256: $p"
"$bin/kc-synth" session "$work/np" --subjects 1 --trials 1 --sls 0 --wand-s 1 --no-provenance --quiet
"$bin/kc-validate" --provenance "$work/np/s01/static.obs.h5" >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$work/e")" -eq 1 ] && grep -q 'has no /provenance' "$work/e" ||
    bad "--provenance of a file without it: exit $rc, $(cat "$work/e")"

# Misuse and bad input: exit code and one line.
"$kc" cohort >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$work/e")" -eq 1 ] || bad "no manifest: exit $rc, $(cat "$work/e")"
"$kc" cohort "$m" -j zero >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 1 ] && grep -q 'jobs: "zero" is not a positive integer' "$work/e" || bad "-j zero: exit $rc, $(cat "$work/e")"
"$kc" cohort "$work/none.csv" >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 2 ] && grep -q 'cannot open ".*none.csv"' "$work/e" || bad "missing manifest: exit $rc, $(cat "$work/e")"
printf 'subject,trial,task\ns01,dvj_1,dvj\n' >"$work/nocol.csv"
"$kc" cohort "$work/nocol.csv" >"$work/o" 2>"$work/e"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$work/e")" -eq 1 ] && grep -q 'has no column input' "$work/e" ||
    bad "manifest without input column: exit $rc, $(cat "$work/e")"
"$kc" cohort --help | grep -q -- '--array-limit K' || bad "--help lacks the SLURM options"

[ $fail -eq 0 ] && echo "driver_cohort: all checks passed ($n outputs equal at -j 1 and -j 2)"
exit $fail
