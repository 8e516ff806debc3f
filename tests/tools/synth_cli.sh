#!/bin/sh
# kc-synth's command line: help, version, misuse (exit 1, one line), bad output folder
# (exit 2, one line naming it).
# usage: synth_cli.sh KC_SYNTH WORKDIR
set -u
synth=$1
work=$2
rm -rf "$work"
mkdir -p "$work" || exit 1
fail=0
err="$work/err"
out="$work/out"

tool=$synth
. "$(dirname "$0")/expect.sh"   # expect CODE LINES ARGS...

expect 0 0 --help
grep -q "Example" "$out" || { echo "FAIL: --help has no example"; fail=1; }
grep -q "Exit status" "$out" || { echo "FAIL: --help has no exit codes"; fail=1; }
expect 0 0 --version
grep -q "kc-synth" "$out" || { echo "FAIL: --version does not name the tool"; fail=1; }
expect 1 1
expect 1 1 session
expect 1 1 frobnicate "$work/x"
expect 1 1 session "$work/x" extra
expect 1 1 session "$work/x" --subjects 0
expect 1 1 session "$work/x" --subjects two
expect 1 1 session "$work/x" --cameras 1
expect 1 1 session "$work/x" --rate 0
expect 1 1 session "$work/x" --noise-px -1
expect 1 1 session "$work/x" --mode fancy
expect 1 1 session "$work/x" --seed 1.5
expect 1 1 session "$work/x" --threads 0
expect 1 1 session "$work/x" --no-such-option
expect 1 1 session "$work/x" --trials
# an output folder that cannot be created (its parent is a file): exit 2, one line naming it
: >"$work/file"
expect 2 1 session "$work/file/sub" --subjects 1 --trials 0 --sls 0 --cameras 2 --wand-s 1
grep -q "file/sub" "$err" || { echo "FAIL: the error does not name the folder"; fail=1; }
[ -e "$work/x" ] && { echo "FAIL: a failed run left $work/x behind"; fail=1; }
[ $fail -eq 0 ] && echo "synth_cli: all cases passed"
rm -rf "$work"
exit $fail
