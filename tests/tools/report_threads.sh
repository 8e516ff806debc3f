#!/bin/sh
# kc-stats' report drawn over several threads (the athlete pages run in parallel) is the same,
# byte for byte, as with one thread: every HTML page, PNG figure and CSV table of a cohort of
# 6 athletes x 2 drop jumps (kc-synth, kc-triangulate, kc-ik; one trajectory file removed,
# which its athlete's page reports) at OMP_NUM_THREADS 1, 2 and 3. The thread
# count is given through the environment, not --threads, so that the command line in the PNG
# text chunks is the same. The comparison is checked to fail on a changed page. Errors: an
# output that cannot be written (a folder in the way of two athlete pages) gives the same exit
# status and names the first athlete's page at every thread count.
# Usage: report_threads.sh KC_STATS KC_SYNTH KC_TRIANGULATE KC_IK WORKDIR
set -u
STATS=$1 SYNTH=$2 TRI=$3 IK=$4 W=$5
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
rm -rf "$W" && mkdir -p "$W" || exit 1
# The scratch folder goes when the test passes (CI machines may have little disk); a failure
# keeps it for a look, as does KC_KEEP_TMP=1.
trap 'rc=$?; [ $rc -eq 0 ] && [ -z "${KC_KEEP_TMP:-}" ] && rm -rf "$W"; exit $rc' EXIT

. "$(dirname "$0")/kin_cohort_lib.sh"
kin_cohort 6 --sls 0
# s03's second drop jump loses its trajectory file: listed on its page without quality numbers
rm -f "$W/traj/s03/dvj_2.traj.h5"
M=$S/manifest.csv

run() {   # run N OUT: kc-stats with N threads into W/OUT (always the same -o, moved after)
    rm -rf "$W/o" "$W/$2"
    (cd "$W" && OMP_NUM_THREADS=$1 "$STATS" -o o "$M" --kin-dir "$W/kin" --tasks dvj \
        --subjects "$S/subjects.csv" --compare control,pfp) 2>"$W/$2.err"
    rc=$?
    mv "$W/o" "$W/$2" 2>/dev/null
    return $rc
}
same() {   # same A B: every html, png and csv of A equal to B's, and the same files
    (cd "$W/$1" && find . -type f \( -name '*.html' -o -name '*.png' -o -name '*.csv' \) | sort) >"$W/$1.list"
    (cd "$W/$2" && find . -type f \( -name '*.html' -o -name '*.png' -o -name '*.csv' \) | sort) >"$W/$2.list"
    cmp -s "$W/$1.list" "$W/$2.list" || { echo "file lists differ"; return 1; }
    while read -r f; do
        cmp -s "$W/$1/$f" "$W/$2/$f" || { echo "$f differs"; return 1; }
    done <"$W/$1.list"
    echo "$(wc -l <"$W/$1.list") files"
}

run 1 t1 || { fail "kc-stats, 1 thread: $(cat "$W/t1.err")"; echo "$fails failed"; exit 1; }
np=$(ls "$W/t1/plots" | grep -c 'athlete_.*png$')
na=$(ls "$W/t1/athletes" | grep -c 'html$')
[ "$na" -eq 6 ] && [ "$np" -ge 12 ] && ok "1 thread: $na athlete pages, $np athlete figures" ||
    fail "1 thread: $na athlete pages, $np athlete figures (want 6, >= 12)"
grep -q "dvj_2.traj.h5" "$W/t1/athletes/s03.html" &&
    ok "the missing trajectory file is named on s03's page" ||
    fail "s03's page does not name the missing trajectory file"
for n in 2 3; do
    run $n t$n || fail "kc-stats, $n threads: $(cat "$W/t$n.err")"
    if out=$(same t1 t$n); then ok "$n threads = 1 thread, byte for byte: $out"
    else fail "$n threads differ from 1: $out"; fi
done
# the comparison can fail
cp -r "$W/t2" "$W/tx"
printf ' ' >>"$W/tx/athletes/s05.html"
same t1 tx >/dev/null && fail "a changed page was not noticed" || ok "a changed page is noticed"

# --- errors: folders in the way of s02's and s05's pages; the first (s02) is reported ---
for n in 1 2 3; do
    rm -rf "$W/o" "$W/e$n"
    mkdir -p "$W/o/athletes/s02.html" "$W/o/athletes/s05.html"
    (cd "$W" && OMP_NUM_THREADS=$n "$STATS" -o o "$M" --kin-dir "$W/kin" --tasks dvj \
        --subjects "$S/subjects.csv" --compare control,pfp) 2>"$W/e$n.err"
    echo "rc $?" >"$W/e$n.rc"
    grep -q 's02\.html' "$W/e$n.err" && ok "$n threads: $(cat "$W/e$n.rc"), names s02's page" ||
        fail "$n threads: $(cat "$W/e$n.rc"), s02's page not named: $(cat "$W/e$n.err")"
    [ ! -e "$W/o/report.html" ] && ok "$n threads: no report.html after the error" ||
        fail "$n threads: report.html written despite the error"
    mv "$W/o" "$W/e$n"
done
cmp -s "$W/e1.rc" "$W/e2.rc" && cmp -s "$W/e1.rc" "$W/e3.rc" && ! grep -q "rc 0" "$W/e1.rc" &&
    ok "same non-zero exit status at 1, 2 and 3 threads" ||
    fail "exit status: $(cat "$W/e1.rc" "$W/e2.rc" "$W/e3.rc" | tr '\n' ' ')"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
