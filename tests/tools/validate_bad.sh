#!/bin/sh
# kc-validate against tests/data/bad (made by make_bad_files): every bad file gives exit 2,
# nothing on stdout and exactly one line on stderr naming the file; the newer-minor files
# (schema 1.7 with unknown objects) give exit 0 and one "ok" line.
# Usage: validate_bad.sh KC_VALIDATE BAD_DIR
set -u
validate=$1
bad=$2
fail=0
checks=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

check() {   # check DESCRIPTION CONDITION...
    what=$1
    shift
    checks=$((checks + 1))
    if ! "$@"; then
        echo "FAIL: $what" >&2
        echo "  stdout: $(cat "$out")" >&2
        echo "  stderr: $(cat "$err")" >&2
        fail=$((fail + 1))
    fi
}

[ -s "$bad/LIST" ] || { echo "no $bad/LIST: run make_bad_files first" >&2; exit 1; }
n_ok=0
n_bad=0
asan_log=$(mktemp -d)
trap 'rm -f "$out" "$err"; rm -rf "$asan_log"' EXIT
while read -r name variant kind; do
    file=$bad/$name
    if [ "$variant" = heap_corrupt ]; then
        # HDF5 itself may crash on this file (kc-validate survives it in a child process);
        # in sanitizer builds send that crash report to a file, not to the stderr we check.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$asan_log/asan" \
            "$validate" "$file" >"$out" 2>"$err"
    else
        "$validate" "$file" >"$out" 2>"$err"
    fi
    rc=$?
    if [ "$variant" = newer_minor ]; then
        n_ok=$((n_ok + 1))
        check "$name: exit 0 (got $rc)" [ "$rc" -eq 0 ]
        check "$name: one ok line" [ "$(wc -l <"$out")" -eq 1 ]
        check "$name: ok line names file, kind and 1.7" \
            grep -q "^ok  $file  $kind 1\.7  " "$out"
        check "$name: nothing on stderr" [ ! -s "$err" ]
    else
        n_bad=$((n_bad + 1))
        check "$name: exit 2 (got $rc)" [ "$rc" -eq 2 ]
        check "$name: nothing on stdout" [ ! -s "$out" ]
        check "$name: exactly one line on stderr" [ "$(wc -l <"$err")" -eq 1 ]
        check "$name: the line names the file" grep -qF "\"$file\"" "$err"
        check "$name: the line starts with the program name" grep -q "^kc-validate: " "$err"
        check "$name: no HDF5 error stack" sh -c "! grep -q 'HDF5-DIAG' '$err'"
    fi
done <"$bad/LIST"

# All at once: exit 2, one ok line per good file, one error line per bad file.
# shellcheck disable=SC2046
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$asan_log/asan" \
    "$validate" $(awk -v d="$bad" '{print d "/" $1}' "$bad/LIST") >"$out" 2>"$err"
rc=$?
check "batch: exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "batch: $n_ok ok lines" [ "$(grep -c '^ok  ' "$out")" -eq "$n_ok" ]
check "batch: $n_bad error lines" [ "$(wc -l <"$err")" -eq "$n_bad" ]

echo "validate_bad: $((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
