#!/bin/sh
# kc-stats on a small kc-synth session (4 subjects x 2 drop jumps) run through kc-triangulate
# and kc-ik: rows of trials.csv, groups.csv recomputed independently in R (from trials.csv),
# comparisons against R's t.test / wilcox.test, exclusion, and bad input (one line, exit 2,
# nothing written).
# Usage: stats_cli.sh KC_STATS KC_SYNTH KC_TRIANGULATE KC_IK WORKDIR
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
kin_cohort 4

# --- help and misuse ---
"$STATS" --help >"$W/help.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "Example" "$W/help.txt" && grep -q "Exit status" "$W/help.txt" &&
    ok "--help" || fail "--help (rc $rc)"
"$STATS" "$S/manifest.csv" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "no -o: exit 1" || fail "no -o: rc $rc"
"$STATS" -o "$W/x" --compare control "$S/manifest.csv" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "--compare without comma: exit 1" || fail "--compare A: rc $rc"

# --- the run ---
O=$W/out
"$STATS" --no-provenance -o "$O" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj \
    --subjects "$S/subjects.csv" --compare control,pfp 2>"$W/err.txt"; rc=$?
[ $rc -eq 0 ] && ok "kc-stats ran" || { fail "kc-stats rc $rc: $(cat "$W/err.txt")"; echo "$fails failed"; exit 1; }
for f in trials subjects groups comparisons left_right reliability excluded; do
    [ -s "$O/$f.csv" ] || fail "$f.csv missing"
done
[ -s "$O/cohort.h5" ] && ok "cohort.h5 written" || fail "cohort.h5 missing"
# trials.csv: exactly subject x trial x side for s01..s04, dvj_1..2, L/R/both
awk -F, 'NR > 1 { print $1 "/" $3 "/" $10 }' "$O/trials.csv" | sort >"$W/got_rows.txt"
for s in s01 s02 s03 s04; do for t in dvj_1 dvj_2; do for side in L R both; do
    echo "$s/$t/$side"; done; done; done | sort >"$W/want_rows.txt"
cmp -s "$W/got_rows.txt" "$W/want_rows.txt" && ok "trials.csv rows = 4 subjects x 2 trials x 3 sides" ||
    fail "trials.csv rows differ: $(diff "$W/want_rows.txt" "$W/got_rows.txt" | head -5)"
grep -q "^6,s01,sls_L_1," "$O/excluded.csv" && ok "sls rows listed as not analysed" ||
    fail "excluded.csv does not list s01 sls_L_1"

# --- independent recomputation in R from trials.csv ---
if command -v Rscript >/dev/null 2>&1; then
    cat >"$W/check.R" <<'RS'
args <- commandArgs(TRUE); o <- args[1]
tr <- read.csv(file.path(o, "trials.csv"), stringsAsFactors = FALSE)
gr <- read.csv(file.path(o, "groups.csv"), stringsAsFactors = FALSE)
cmpf <- read.csv(file.path(o, "comparisons.csv"), stringsAsFactors = FALSE)
lr <- read.csv(file.path(o, "left_right.csv"), stringsAsFactors = FALSE)
metrics <- setdiff(names(tr), c("subject", "session", "trial", "task", "group", "condition",
                                "site", "sex", "by", "side", "model"))
if (!all(tr$model == "pig")) { cat("model column: not pig everywhere\n"); quit(status = 1) }
worst <- 0; nchk <- 0
rel <- function(a, b) { if (is.na(a) && is.na(b)) return(0); if (is.na(a) || is.na(b)) return(Inf)
  abs(a - b) / max(abs(b), 1e-12) }
chk <- function(what, got, want) for (i in seq_along(want)) { r <- rel(got[i], want[i])
  if (r > 1e-9) cat("differs:", what, i, got[i], want[i], "\n")
  worst <<- max(worst, r); nchk <<- nchk + 1 }
# a constant sample (SD 0) has the CI [mean, mean] in kc-stats; R t.test gives NaN: not compared
cellmeans <- function(m, side) {
  d <- tr[tr$side == side & !is.na(tr[[m]]), c("subject", "by", m)]
  if (nrow(d) == 0) return(NULL)
  aggregate(d[[m]], list(subject = d$subject, by = d$by), mean)
}
for (m in metrics) for (side in c("L", "R", "both")) {
  cmn <- cellmeans(m, side); if (is.null(cmn)) next
  for (g in unique(cmn$by)) {
    x <- cmn$x[cmn$by == g]; row <- gr[gr$by == g & gr$side == side & gr$metric == m, ]
    if (nrow(row) != 1) { cat("missing groups row", g, side, m, "\n"); quit(status = 1) }
    q <- quantile(x, c(.25, .5, .75), type = 7)
    want <- c(length(x), mean(x), sd(x), median(x), q[1], q[3], IQR(x))
    got <- c(row$n, row$mean, row$sd, row$median, row$q1, row$q3, row$iqr)
    if (length(x) >= 2 && sd(x) > 0) { ci <- t.test(x)$conf.int; want <- c(want, ci); got <- c(got, row$ci_lo, row$ci_hi) }
    chk(paste(g, side, m), got, want)
  }
  a <- cmn$x[cmn$by == "control"]; b <- cmn$x[cmn$by == "pfp"]
  if (length(a) >= 2 && length(b) >= 2) {
    w <- t.test(a, b); u <- suppressWarnings(wilcox.test(a, b, exact = FALSE, correct = TRUE))
    rw <- cmpf[cmpf$metric == m & cmpf$side == side & cmpf$test == "welch_t", ]
    ru <- cmpf[cmpf$metric == m & cmpf$side == side & cmpf$test == "mann_whitney_u", ]
    want <- c(w$statistic, w$parameter, w$p.value, w$conf.int, u$statistic, u$p.value)
    got <- c(rw$statistic, rw$df, rw$p, rw$ci_lo, rw$ci_hi, ru$statistic, ru$p)
    chk(paste("compare", side, m), got, want)
  }
}
for (m in metrics) {   # left - right over every cell with both sides
  l <- cellmeans(m, "L"); r <- cellmeans(m, "R"); if (is.null(l) || is.null(r)) next
  j <- merge(l, r, by = c("subject", "by")); if (nrow(j) < 2) next
  p <- t.test(j$x.x, j$x.y, paired = TRUE); row <- lr[lr$by == "ALL" & lr$metric == m, ]
  want <- c(p$estimate, p$statistic, p$p.value); got <- c(row$mean_diff_l_minus_r, row$t, row$p_t)
  chk(paste("L-R", m), got, want)
}
cat(sprintf("R recomputation: %d numbers, max relative difference %.3g\n", nchk, worst))
quit(status = if (worst < 1e-9 && nchk > 100) 0 else 1)
RS
    Rscript "$W/check.R" "$O" && ok "groups/comparisons/left_right equal R's recomputation" ||
        fail "R recomputation differs"
else
    echo "SKIPPED: R recomputation (no Rscript)"
fi

# --- reliability: ICC(3,1), ICC(2,1) and their McGraw & Wong 95 % CIs recomputed in R from
#     trials.csv (anova mean squares, qf), 1e-9 relative ---
if command -v Rscript >/dev/null 2>&1; then
    cat >"$W/check_icc.R" <<'RS'
o <- commandArgs(TRUE)[1]
tr <- read.csv(file.path(o, "trials.csv"), stringsAsFactors = FALSE)
rl <- read.csv(file.path(o, "reliability.csv"), stringsAsFactors = FALSE)
worst <- 0; n <- 0
for (i in seq_len(nrow(rl))) {
  m <- rl$metric[i]; side <- rl$side[i]
  d <- tr[tr$side == side, c("subject", "by", m)]
  d$cell <- paste(d$subject, d$by)
  cells <- unique(d$cell)
  ok <- sapply(cells, function(c) { v <- d[[m]][d$cell == c]; length(v) >= 2 && all(is.finite(v)) })
  cells <- cells[ok]; k <- min(sapply(cells, function(c) sum(d$cell == c))); ns <- length(cells)
  Y <- t(sapply(cells, function(c) d[[m]][d$cell == c][1:k]))
  df <- data.frame(v = as.vector(t(Y)), s = factor(rep(seq_len(ns), each = k)), j = factor(rep(1:k, ns)))
  a <- anova(lm(v ~ s + j, df))
  MSR <- a["s", "Mean Sq"]; MSC <- a["j", "Mean Sq"]; MSE <- a["Residuals", "Mean Sq"]
  if (!(MSE > 0)) next
  i3 <- (MSR - MSE) / (MSR + (k - 1) * MSE); i2 <- (MSR - MSE) / (MSR + (k - 1) * MSE + k * (MSC - MSE) / ns)
  F0 <- MSR / MSE; FL <- F0 / qf(.975, ns - 1, (ns - 1) * (k - 1)); FU <- F0 * qf(.975, (ns - 1) * (k - 1), ns - 1)
  A <- k * i2 / (ns * (1 - i2)); B <- 1 + k * i2 * (ns - 1) / (ns * (1 - i2))
  nu <- (A * MSC + B * MSE)^2 / ((A * MSC)^2 / (k - 1) + (B * MSE)^2 / ((ns - 1) * (k - 1)))
  Fs <- qf(.975, ns - 1, nu); Fss <- qf(.975, nu, ns - 1)
  lo <- ns * (MSR - Fs * MSE) / (Fs * (k * MSC + (k * ns - k - ns) * MSE) + ns * MSR)
  hi <- ns * (Fss * MSR - MSE) / (k * MSC + (k * ns - k - ns) * MSE + ns * Fss * MSR)
  want <- c(ns, k, i3, i2, (FL - 1) / (FL + k - 1), (FU - 1) / (FU + k - 1), lo, hi, F0,
            pf(F0, ns - 1, (ns - 1) * (k - 1), lower.tail = FALSE))
  got <- c(rl$n[i], rl$k[i], rl$icc_3_1[i], rl$icc_2_1[i], rl$icc_3_1_ci_lo[i], rl$icc_3_1_ci_hi[i],
           rl$icc_2_1_ci_lo[i], rl$icc_2_1_ci_hi[i], rl$f[i], rl$p_f[i])
  r <- abs(got - want) / pmax(abs(want), 1e-12)
  # both unavailable counts as agreement; with a Satterthwaite df below 0.01 R's own qf warns
  # that its quantile is inaccurate, so those two bounds are not compared
  r[is.na(got) & !is.finite(want)] <- 0
  if (!is.finite(nu) || nu < 0.01) r[7:8] <- 0
  if (any(!is.finite(r)) || max(r) > 1e-9) cat("differs:", m, side, got, "\n        want", want, "\n")
  worst <- max(worst, r, na.rm = FALSE); n <- n + length(want)
}
cat(sprintf("ICC recomputation: %d numbers, max relative difference %.3g\n", n, worst))
quit(status = if (is.finite(worst) && worst < 1e-9 && n > 100) 0 else 1)
RS
    Rscript "$W/check_icc.R" "$O" && ok "reliability (ICC and McGraw-Wong CIs) equal R's recomputation" ||
        fail "reliability recomputation differs"
else
    echo "SKIPPED: reliability R recomputation (no Rscript)"
fi

# --- cohort.h5: the tables and the curve ensembles (8 trials x 101 x 3) ---
if command -v h5ls >/dev/null 2>&1; then
    h5ls -r "$O/cohort.h5" >"$W/h5ls.txt" 2>&1
    grep -q "^/tables/groups/mean " "$W/h5ls.txt" && grep -q "^/tables/trials/peak_knee_valgus_deg " "$W/h5ls.txt" &&
        grep -q "^/curves/landing_LKnee/data .*{8, 101, 3}" "$W/h5ls.txt" &&
        grep -q "^/curves/landing_LKnee/index/subject " "$W/h5ls.txt" &&
        ok "cohort.h5 holds the tables and curve ensembles" || fail "cohort.h5 layout: $(head -5 "$W/h5ls.txt")"
else
    echo "SKIPPED: cohort.h5 layout (no h5ls)"
fi

# --- SPM tables with --compare ---
[ "$(awk 'END { print NR }' "$O/spm.csv")" -gt 1 ] && head -1 "$O/spm_clusters.csv" | grep -q "^curve,component,level_a,level_b,sign" &&
    ok "spm.csv and spm_clusters.csv written" || fail "spm tables"
grep -q "^landing_LKnee,1,spm_t2,control,pfp,2,2,2," "$O/spm.csv" &&
    grep -q "^landing_Knee,1,spm_paired_t,L,R,4,4,3," "$O/spm.csv" &&
    ok "spm.csv: control vs pfp and left vs right rows" || fail "spm.csv rows"

# --- paired: dvj_1 as "pre", dvj_2 as "post", cells matched on subject ---
awk -F, 'BEGIN { OFS = "," } NR > 1 && $3 == "dvj_1" { $6 = "pre" } NR > 1 && $3 == "dvj_2" { $6 = "post" } { print }' \
    "$S/manifest.csv" >"$S/manifest_pp.csv"
P=$W/out_pp
"$STATS" --quiet --no-provenance -o "$P" "$S/manifest_pp.csv" --kin-dir "$W/kin" --tasks dvj \
    --group-by condition --compare pre,post --paired subject; rc=$?
if [ $rc -eq 0 ] && command -v Rscript >/dev/null 2>&1; then
    cat >"$W/check_pp.R" <<'RS'
o <- commandArgs(TRUE)[1]
tr <- read.csv(file.path(o, "trials.csv"), stringsAsFactors = FALSE)
cm <- read.csv(file.path(o, "comparisons.csv"), stringsAsFactors = FALSE)
worst <- 0; n <- 0
for (i in seq_len(nrow(cm))) {
  m <- cm$metric[i]; side <- cm$side[i]
  a <- tr[tr$by == "pre" & tr$side == side, c("subject", m)]; b <- tr[tr$by == "post" & tr$side == side, c("subject", m)]
  j <- merge(a, b, by = "subject"); j <- j[is.finite(j[[2]]) & is.finite(j[[3]]), ]
  r <- if (cm$test[i] == "paired_t") t.test(j[[2]], j[[3]], paired = TRUE) else
    suppressWarnings(wilcox.test(j[[2]], j[[3]], paired = TRUE, exact = FALSE, correct = TRUE))
  for (pair in list(c(cm$statistic[i], r$statistic), c(cm$p[i], r$p.value))) {
    if (is.na(pair[1]) && is.na(pair[2])) next
    d <- abs(pair[1] - pair[2]) / max(abs(pair[2]), 1e-12); if (is.na(d)) d <- Inf
    worst <- max(worst, d); n <- n + 1 }
}
cat(sprintf("paired R recomputation: %d numbers, max relative difference %.3g\n", n, worst))
quit(status = if (worst < 1e-9 && n > 50) 0 else 1)
RS
    Rscript "$W/check_pp.R" "$P" && ok "paired t / signed-rank equal R" || fail "paired recomputation"
else
    [ $rc -eq 0 ] && echo "SKIPPED: paired R recomputation (no Rscript)" || fail "paired run rc $rc"
fi

# --- exclusion ---
awk -F, 'BEGIN { OFS = "," } NR > 1 && $1 == "s04" && $3 == "dvj_2" { $12 = 1 } { print }' \
    "$S/manifest.csv" >"$S/manifest_ex.csv"
"$STATS" --quiet -o "$W/out_ex" "$S/manifest_ex.csv" --kin-dir "$W/kin" --tasks dvj; rc=$?
[ $rc -eq 0 ] && grep -q "s04,dvj_2,excluded in the manifest" "$W/out_ex/excluded.csv" &&
    [ "$(awk 'END { print NR }' "$W/out_ex/trials.csv")" -eq 22 ] &&
    ok "excluded row skipped and listed" || fail "exclusion (rc $rc)"

# --- bad input: one line on stderr, exit 2, nothing written ---
bad() {   # name, then the arguments after -o DIR
    name=$1; shift
    rm -rf "$W/bad"
    "$STATS" -o "$W/bad" "$@" 2>"$W/bad_err.txt"; rc=$?
    lines=$(wc -l <"$W/bad_err.txt")
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -e "$W/bad" ]; then ok "$name: exit 2, one line, no output"
    else fail "$name: rc $rc, $lines lines, output $( [ -e "$W/bad" ] && echo present || echo absent): $(cat "$W/bad_err.txt")"; fi
}
bad "missing manifest" "$W/nope.csv"
bad "unknown group-by column" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj --group-by nosuch
bad "missing kinematics file" "$S/manifest.csv" --kin-dir "$W/nokin" --tasks dvj
bad "unknown --paired column" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj --compare control,pfp --paired nosuch
bad "comparison level absent" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj --compare control,nosuch
head -2 "$S/subjects.csv" >"$S/subjects_s01.csv"
bad "subject absent from --subjects" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj --subjects "$S/subjects_s01.csv"
# a kinematics column pointing at a trajectory file (wrong kind)
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0 ",kinematics"; next }
    { print $0 "," "../traj/" $1 "/static.traj.h5" }' "$S/manifest.csv" >"$S/manifest_kind.csv"
# every trial unusable: each file's reason (one line each, naming the file) and a last line
# saying no trial is left; exit 2, nothing written
rm -rf "$W/bad"
"$STATS" -o "$W/bad" "$S/manifest_kind.csv" --tasks dvj 2>"$W/bad_err.txt"; rc=$?
nl=$(wc -l <"$W/bad_err.txt"); named=$(grep -c 'static.traj.h5' "$W/bad_err.txt")
[ $rc -eq 2 ] && [ ! -e "$W/bad" ] && [ "$nl" -eq 9 ] && [ "$named" -eq 9 ] &&
    tail -1 "$W/bad_err.txt" | grep -q "no trial to analyse: none of the 8 kinematics files" &&
    ok "wrong kind of file everywhere: exit 2, 8 reasons + 1 summary line, no output" ||
    fail "wrong kind of file: rc $rc, $nl lines ($named naming the file): $(cat "$W/bad_err.txt")"

# --- a missing and a broken trial among good ones: listed with the reason, the rest
#     summarised, exit 4 (partial) ---
mkdir -p "$W/kin_part" && cp -r "$W/kin/"* "$W/kin_part/"
rm "$W/kin_part/s02/dvj_1.kin.h5"
head -c 5000 "$W/kin/s03/dvj_2.kin.h5" >"$W/kin_part/s03/dvj_2.kin.h5"   # truncated HDF5
rm -rf "$W/out_part"
"$STATS" --no-report -o "$W/out_part" "$S/manifest.csv" --kin-dir "$W/kin_part" --tasks dvj \
    2>"$W/part_err.txt"; rc=$?
[ $rc -eq 4 ] && ok "one missing, one broken file: exit 4" || fail "partial run: rc $rc $(cat "$W/part_err.txt")"
grep -q '^[0-9]*,s02,dvj_1,"\{0,1\}cannot read kinematics .*s02/dvj_1.kin.h5.*No such file or directory' "$W/out_part/excluded.csv" &&
    grep -q '^[0-9]*,s03,dvj_2,"\{0,1\}unusable kinematics .*s03/dvj_2.kin.h5' "$W/out_part/excluded.csv" &&
    ok "excluded.csv lists the missing and the broken file with the reason" ||
    fail "excluded.csv: $(cat "$W/out_part/excluded.csv")"
[ "$(awk 'END { print NR }' "$W/out_part/trials.csv")" -eq 19 ] &&
    ! grep -q "^s02,[^,]*,dvj_1," "$W/out_part/trials.csv" && ! grep -q "^s03,[^,]*,dvj_2," "$W/out_part/trials.csv" &&
    ok "trials.csv: the 6 good trials x 3 sides" || fail "partial trials.csv rows"
grep -q "2 of 8 trials left out" "$W/part_err.txt" && ok "one warning sums up the left-out trials" ||
    fail "partial: no summary warning: $(cat "$W/part_err.txt")"
[ -s "$W/out_part/cohort.h5" ] && ok "partial run writes cohort.h5" || fail "partial run: no cohort.h5"
# a kinematics column pointing at the right files works
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0 ",kinematics"; next }
    { print $0 "," "../kin/" $1 "/" $3 ".kin.h5" }' "$S/manifest.csv" >"$S/manifest_col.csv"
"$STATS" --quiet --no-provenance -o "$W/out_col" "$S/manifest_col.csv" --tasks dvj &&
    [ "$(cut -d, -f1-7,9- "$W/out_col/trials.csv")" = "$(cut -d, -f1-7,9- "$O/trials.csv")" ] && ok "kinematics column = --kin-dir convention" ||
    fail "kinematics column run differs"

# --- progress on stderr: shown when stderr is a terminal (script(1) gives a pty), never when
#     it is a file ---
if command -v script >/dev/null 2>&1; then
    script -qec "\"$STATS\" --no-report -o \"$W/out_tty\" \"$S/manifest.csv\" --kin-dir \"$W/kin\" --tasks dvj" \
        /dev/null >"$W/tty.txt" 2>&1; rc=$?
    n=$(awk 'END { print NR - 1 }' "$S/manifest.csv")
    tr '\r' '\n' <"$W/tty.txt" | grep -q "^kc-stats: manifest rows $n/$n (100%, [0-9]* rows/s)" && [ $rc -eq 0 ] &&
        ok "progress (done/total, rate) on a terminal" || fail "progress on a terminal: rc $rc: $(cat -v "$W/tty.txt")"
else
    echo "SKIPPED: progress on a terminal (no script)"
fi
"$STATS" --no-report -o "$W/out_notty" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj 2>"$W/notty.txt"
[ ! -s "$W/notty.txt" ] && ok "no progress when stderr is a file" || fail "stderr not a terminal: $(cat "$W/notty.txt")"

echo "stats_cli: $fails failed"
[ $fails -eq 0 ]
