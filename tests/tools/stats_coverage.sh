#!/bin/sh
# Issue 7 acceptance: "On kc-synth cohorts with a known group difference in peak knee valgus,
# the 95% CI covers the true difference in 95% +- 3.5% of >= 200 seeds."
#
# 1. Truth pool: for each of SEEDS seeds, a kc-synth session with --independent-subjects
#    (SUBJECTS subjects, every other one "pfp", one drop jump each; every subject's valgus level
#    an independent draw from its group's population, U(3, 13.5) deg for pfp, U(-2.5, 7.5) for
#    control). The TRUE per-trial metrics of each drop jump (/truth/metrics of its observations
#    file) become a kinematics file (test_stats_scale truth-kin), so that they go through
#    kc-stats, the same code path as measured values.
# 2. Per seed: kc-stats --compare pfp,control on that seed's cohort; the Welch 95% CI of
#    pfp - control of peak_knee_valgus_deg (each side) against the population difference. The
#    metric's population difference has no closed form (the valgus LEVEL differs by 5.75 deg;
#    the metric adds side and trial terms through the landing's shape): it is estimated by the
#    pool of all seeds' true values (SEEDS*SUBJECTS/2 per group: with 200 seeds of 16 its
#    standard error is ~0.1 deg against a per-seed CI standard error of ~1.6 deg). Printed with
#    the spread of the estimates against the CI's standard error; ASSERTED in 91.5-98.5% of the
#    seeds, each side, when SEEDS >= 200 (benchmarks/stats_coverage.sh runs that: too slow for
#    CI); with fewer seeds only reported (12 seeds: one seed is 8.3%).
# 3. Asserted: REPS cohorts of SUBJECTS/2 pfp and SUBJECTS/2 control subjects drawn at random
#    (without replacement, fixed seed) from the pooled truth subjects of all seeds, i.e.
#    independent draws from kc-synth's population of true per-subject values; each through
#    kc-stats; the CI must cover the pool's true difference (pfp mean - control mean, exact for
#    this population) in 91.5-98.5% of the REPS >= 200 cohorts, each side. The finite pool
#    (SUBJECTS/2 of SEEDS*SUBJECTS/2 drawn) raises the expected coverage by about 0.3%.
# Not covered here: measurement error of kc-triangulate and kc-ik (stats_cli.sh runs the whole
# pipeline on one session).
# Usage: stats_coverage.sh KC_STATS KC_SYNTH TEST_STATS_SCALE WORKDIR [SEEDS] [SUBJECTS] [REPS]
set -u
if [ -n "${KC_SKIP_REASON:-}" ]; then
    echo "SKIPPED: $KC_SKIP_REASON"
    exit 77
fi
STATS=$1 SYNTH=$2 MK=$3 W=$4 SEEDS=${5:-40} NSUB=${6:-16} REPS=${7:-200}
rm -rf "$W" && mkdir -p "$W/pool" || exit 1
# The scratch folder goes when the test passes (CI machines may have little disk); a failure
# keeps it for a look, as does KC_KEEP_TMP=1.
trap 'rc=$?; [ $rc -eq 0 ] && [ -z "${KC_KEEP_TMP:-}" ] && rm -rf "$W"; exit $rc' EXIT
: >"$W/ci.txt"
: >"$W/values.txt"
echo "group,kinematics" >"$W/pool.csv"
nfail=0
seed=1
while [ "$seed" -le "$SEEDS" ]; do
    S=$W/session
    rm -rf "$S" "$W/kin" "$W/out"
    if ! "$SYNTH" session "$S" --subjects "$NSUB" --trials 1 --sls 0 --cameras 2 --wand-s 1 \
         --independent-subjects --seed "$seed" --no-provenance >/dev/null \
         2>"$W/synth_err.txt"; then
        nfail=$((nfail + 1))
        echo "seed $seed: kc-synth failed: $(tail -1 "$W/synth_err.txt")"
        seed=$((seed + 1))
        continue
    fi
    ok=1
    for d in "$S"/s[0-9]*; do
        s=$(basename "$d")
        mkdir -p "$W/kin/$s"
        "$MK" truth-kin "$d/dvj_1.obs.h5" "$W/kin/$s/dvj_1.kin.h5" || ok=0
    done
    if [ $ok -eq 1 ] && "$STATS" --quiet --no-report --no-provenance -o "$W/out" "$S/manifest.csv" \
           --kin-dir "$W/kin" --tasks dvj --compare pfp,control; then
        awk -F, -v seed="$seed" '$1 == "peak_knee_valgus_deg" && $4 == "welch_t" && ($2 == "L" || $2 == "R") {
            print seed, $2, $13, $14, $15 }' "$W/out/comparisons.csv" >>"$W/ci.txt"
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "peak_knee_valgus_deg") c = i }
                 NR > 1 && ($10 == "L" || $10 == "R") && c { print $9, $10, $c }' "$W/out/trials.csv" >>"$W/values.txt"
        awk -F, -v seed="$seed" 'NR > 1 && $4 == "dvj" { print $1, $5 }' "$S/manifest.csv" |
            while read -r s g; do
                mv "$W/kin/$s/dvj_1.kin.h5" "$W/pool/$seed-$s.kin.h5" && echo "$g,pool/$seed-$s.kin.h5" >>"$W/pool.csv"
            done
    else
        nfail=$((nfail + 1))
        echo "seed $seed: truth-kin or kc-stats failed"
    fi
    seed=$((seed + 1))
done
rm -rf "$W/session" "$W/kin" "$W/out"
echo "$nfail of $SEEDS seeds failed in kc-synth or kc-stats"

# --- 2. per seed (independent subjects): asserted when SEEDS >= 200, else reported ---
seed_ok=0
awk -v seeds="$SEEDS" '
    FNR == NR { n[$1 " " $2]++; s[$1 " " $2] += $3; next }
    { tot[$2]++; est[$2] += $3; est2[$2] += $3 * $3; wid[$2] += $5 - $4; ci[FNR] = $0 }
    END {
        ok = 1
        for (k = 0; k < 2; k++) {
            side = k ? "R" : "L"
            d = s["pfp " side] / n["pfp " side] - s["control " side] / n["control " side]
            cov = 0
            for (i in ci) { split(ci[i], f, " "); if (f[2] == side) cov += f[4] <= d && d <= f[5] }
            m = est[side] / tot[side]
            p = tot[side] ? cov / tot[side] : 0
            printf "per seed (independent subjects), side %s: true difference %.3f deg (pool of %d + %d); CI covers it in %d of %d seeds (%.1f%%%s); SD of the estimate across seeds %.3f, mean CI half-width / 1.96 %.3f\n",
                   side, d, n["pfp " side], n["control " side], cov, tot[side], 100 * p,
                   (seeds >= 200 ? ", accepted 91.5-98.5%" : ", reported only: fewer than 200 seeds"),
                   sqrt((est2[side] - tot[side] * m * m) / (tot[side] - 1)), wid[side] / tot[side] / 2 / 1.96
            if (tot[side] < seeds || p < 0.915 || p > 0.985) ok = 0
        }
        exit seeds < 200 || ok ? 0 : 1
    }' "$W/values.txt" "$W/ci.txt" || seed_ok=1

# --- 3. independent draws from the pooled truth subjects: asserted ---
half=$((NSUB / 2))
: >"$W/ci_iid.txt"
rep=1
while [ "$rep" -le "$REPS" ]; do
    awk -F, -v seed="$rep" -v half="$half" 'BEGIN { srand(seed) }
        NR > 1 { p[$1, ++n[$1]] = $2 }
        END {
            print "subject,trial,task,group,kinematics"
            for (gi = 0; gi < 2; gi++) {
                g = gi ? "pfp" : "control"; m = n[g]
                for (i = 1; i <= m; i++) idx[i] = i
                for (i = 1; i <= half; i++) {   # partial Fisher-Yates: half draws without replacement
                    j = i + int(rand() * (m - i + 1)); t = idx[i]; idx[i] = idx[j]; idx[j] = t
                    printf "%s%d,dvj_1,dvj,%s,%s\n", g, i, g, p[g, idx[i]]
                }
            }
        }' "$W/pool.csv" >"$W/draw.csv"
    rm -rf "$W/out"
    "$STATS" --quiet --no-report --no-provenance -o "$W/out" "$W/draw.csv" --compare pfp,control &&
        awk -F, '$1 == "peak_knee_valgus_deg" && $4 == "welch_t" && ($2 == "L" || $2 == "R") {
            print $2, $13, $14, $15 }' "$W/out/comparisons.csv" >>"$W/ci_iid.txt" ||
        echo "draw $rep: kc-stats failed"
    rep=$((rep + 1))
done
awk -v reps="$REPS" '
    FNR == NR { n[$1 " " $2]++; s[$1 " " $2] += $3; next }
    { tot[$1]++; ci[FNR] = $0 }
    END {
        ok = 1
        for (k = 0; k < 2; k++) {
            side = k ? "R" : "L"
            d = s["pfp " side] / n["pfp " side] - s["control " side] / n["control " side]
            cov = 0
            for (i in ci) { split(ci[i], f, " "); if (f[1] == side) cov += f[3] <= d && d <= f[4] }
            p = tot[side] ? cov / tot[side] : 0
            printf "independent draws, side %s: pool of %d + %d subjects, true difference %.3f deg; the 95%% Welch CI covers it in %d of %d cohorts = %.1f%% (accepted 91.5-98.5%%)\n",
                   side, n["pfp " side], n["control " side], d, cov, tot[side], 100 * p
            if (tot[side] < 200 || tot[side] < reps || p < 0.915 || p > 0.985) ok = 0
        }
        exit ok ? 0 : 1
    }' "$W/values.txt" "$W/ci_iid.txt" || exit 1
[ "$seed_ok" -eq 0 ] || { echo "FAIL: per-seed coverage outside 91.5-98.5% (or a seed failed)"; exit 1; }
exit 0
