#!/bin/sh
# kc-synth plans every subject: seeds whose cohort of 16 once failed as a whole with "the body
# model cannot reach the planted feet" (a subject's second drop-jump landing rose past the
# reach of its legs while standing up; pipeline/synth/dvj.c now plans such a stand deeper).
# Each seed must write a complete session: exit 0 and every subject's dvj_1.
# (test_synth_truth's published-range checks are not applied: on 16-subject cohorts they fail
# for seeds that always planned, e.g. seed 2, on first-landing quantities.)
# usage: synth_reach.sh KC_SYNTH WORKDIR [SEED...]
set -u
synth=$1 work=$2
shift 2
seeds=${*:-"16 18 22 29 32 36"}
rm -rf "$work"
mkdir -p "$work" || exit 1
fail=0
for seed in $seeds; do
    d=$work/seed$seed
    if ! "$synth" session "$d" --subjects 16 --trials 1 --sls 0 --cameras 2 --wand-s 1 \
         --seed "$seed" --no-provenance >/dev/null 2>"$work/err.txt"; then
        echo "FAIL: seed $seed: kc-synth failed: $(tail -1 "$work/err.txt")"
        fail=1
        continue
    fi
    n=$(ls "$d"/s[0-9]*/dvj_1.obs.h5 2>/dev/null | wc -l)
    if [ "$n" -ne 16 ]; then
        echo "FAIL: seed $seed: $n of 16 drop jumps written"
        fail=1
    fi
    rm -rf "$d"
done
[ $fail -eq 0 ] && echo "ok: seeds $seeds: every subject planned"
exit $fail
