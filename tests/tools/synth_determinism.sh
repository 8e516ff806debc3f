#!/bin/sh
# kc-synth is deterministic: the same seed gives byte-identical files (with --no-provenance),
# run after run and with 1 or 2 threads.
# usage: synth_determinism.sh KC_SYNTH WORKDIR
set -u
synth=$1
work=$2
rm -rf "$work"
mkdir -p "$work" || exit 1
args="--subjects 2 --trials 1 --cameras 4 --wand-s 2 --seed 11 --no-provenance --quiet"
fail=0
"$synth" session "$work/a" $args --threads 2 || { echo "FAIL: run a"; exit 1; }
"$synth" session "$work/b" $args --threads 2 || { echo "FAIL: run b"; exit 1; }
"$synth" session "$work/c" $args --threads 1 || { echo "FAIL: run c"; exit 1; }
n=0
for f in $(cd "$work/a" && find . -type f | sort); do
    n=$((n + 1))
    for other in b c; do
        if ! cmp -s "$work/a/$f" "$work/$other/$f"; then
            echo "FAIL: $f differs between run a and run $other"
            fail=1
        fi
    done
done
for other in b c; do
    if [ "$(cd "$work/a" && find . -type f | sort)" != "$(cd "$work/$other" && find . -type f | sort)" ]; then
        echo "FAIL: run $other wrote other files than run a"
        fail=1
    fi
done
# a different seed gives different data
"$synth" session "$work/d" $(echo "$args" | sed 's/--seed 11/--seed 12/') --threads 2 || exit 1
if cmp -s "$work/a/s01/dvj_1.obs.h5" "$work/d/s01/dvj_1.obs.h5"; then
    echo "FAIL: seeds 11 and 12 gave the same trial"
    fail=1
fi
[ "$n" -ge 10 ] || { echo "FAIL: only $n files written"; fail=1; }
[ $fail -eq 0 ] && echo "synth_determinism: $n files identical across 3 runs (threads 2, 2, 1)"
rm -rf "$work"
exit $fail
