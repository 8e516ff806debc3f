#!/bin/sh
# kc-validate's command line as a table: arguments, expected exit code, and a pattern that
# must appear on stdout or stderr.
# Usage: validate_cli.sh KC_VALIDATE BAD_DIR
set -u
validate=$1
bad=$2
fail=0
checks=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect CODE STREAM PATTERN -- ARGS...
expect() {
    code=$1 stream=$2 pattern=$3
    shift 4
    checks=$((checks + 1))
    "$validate" "$@" >"$out" 2>"$err"
    rc=$?
    if [ "$stream" = stdout ]; then f=$out; else f=$err; fi
    if [ "$rc" -ne "$code" ] || ! grep -qE -- "$pattern" "$f"; then
        echo "FAIL: kc-validate $* : exit $rc (want $code), $stream lacks /$pattern/" >&2
        echo "  stdout: $(head -c 400 "$out")" >&2
        echo "  stderr: $(head -c 400 "$err")" >&2
        fail=$((fail + 1))
    fi
}

good=$bad/obs_newer_minor.obs.h5
expect 0 stdout '^Usage: kc-validate'            -- --help
expect 0 stdout 'Example:'                      -- --help
expect 0 stdout '2  at least one file'           -- --help
expect 0 stdout '--threads N'                   -- -h
expect 0 stdout '^kc-validate [0-9]+\.[0-9]+'   -- --version
expect 1 stderr 'no file given'                 -- 
expect 1 stderr 'unknown option "--bogus"'    -- --bogus
expect 1 stderr 'threads: "zero"'               -- --threads zero "$good"
expect 2 stderr 'cannot open ".*/nonexistent.obs.h5": No such file' -- "$bad/nonexistent.obs.h5"
expect 2 stderr 'it is a folder'                -- "$bad"
expect 0 stdout "^ok  $good  observations 1\.7  2 cameras, 6 frames, 3 markers" -- "$good"
expect 0 stdout '^ok  '                         -- --threads 2 --verbose "$good"
# a wrong-kind file under a neutral name is accepted as what it is
cp "$bad/obs_wrong_kind.obs.h5" "$bad/neutral.h5"
expect 0 stdout '^ok  .*neutral.h5  trajectories 1\.0' -- "$bad/neutral.h5"
rm -f "$bad/neutral.h5"
# --quiet: the exit code still tells
checks=$((checks + 1))
"$validate" --quiet "$bad/obs_truncated.obs.h5" >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 2 ] || [ -s "$err" ]; then
    echo "FAIL: --quiet on a bad file: exit $rc, stderr: $(cat "$err")" >&2
    fail=$((fail + 1))
fi
# --help goes to stdout only
checks=$((checks + 1))
"$validate" --help >"$out" 2>"$err"
if [ -s "$err" ]; then
    echo "FAIL: --help wrote to stderr" >&2
    fail=$((fail + 1))
fi

echo "validate_cli: $((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
