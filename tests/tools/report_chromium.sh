#!/bin/sh
# kc-stats' report.html and an athlete page opened in headless Chromium (issue 7): the pages
# are rendered to screenshots, and the test fails on any image or link that does not load:
#  1. file:// — the DOM Chromium dumps after loading each page: every src and href must be a
#     relative link to a file that exists (no network: no http(s) or protocol-relative URL,
#     no absolute path), and every <img> must be a PNG;
#  2. http:// — the output folder served on 127.0.0.1 by a small logging server; Chromium
#     loads each page and its images through it, and any request answered with an error (404)
#     fails the test: this is the browser itself reporting a load that failed.
# Both checks are run once more on a copy with one image removed and one link broken, and
# must fail there (the check can fail). Also checked: the pages' sections (metrics with SD
# and MDC, events, chain summary stated absent, data quality), the listing of a trial whose
# trajectory file is missing, and the PNG text chunks.
# Exit 77 (SKIPPED) when Chromium or python3 is absent.
# Usage: report_chromium.sh KC_STATS KC_SYNTH KC_TRIANGULATE KC_IK WORKDIR [CHROMIUM]
# (CHROMIUM: the browser's path; default: chromium on PATH)
set -u
STATS=$1 SYNTH=$2 TRI=$3 IK=$4 W=$5 CHROME=${6:-$(command -v chromium)}
if [ -z "$CHROME" ] || [ ! -x "$CHROME" ]; then
    echo "SKIPPED: Chromium not found (${CHROME:-no chromium on PATH}; Debian package chromium)"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIPPED: python3 is needed for the link checks and the local server"
    exit 77
fi
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
rm -rf "$W" && mkdir -p "$W" || exit 1
# The scratch folder goes when the test passes (CI machines may have little disk); a failure
# keeps it for a look, as does KC_KEEP_TMP=1.
trap 'rc=$?; [ $rc -eq 0 ] && [ -z "${KC_KEEP_TMP:-}" ] && rm -rf "$W"; exit $rc' EXIT
W=$(cd "$W" && pwd)

# --- a small kc-synth cohort through kc-triangulate and kc-ik (kin_cohort_lib.sh) ---
. "$(dirname "$0")/kin_cohort_lib.sh"
kin_cohort 4
# s01's dvj_1 again with --min-cameras 4: missing and gap-filled samples for the quality table
"$TRI" --quiet --min-cameras 4 -o "$W/traj/s01/dvj_1.traj.h5" "$S/calib/truth.calib.h5" \
    "$S/s01/dvj_1.obs.h5" && "$IK" --quiet -o "$W/kin/s01/dvj_1.kin.h5" --type dvj \
    --static "$W/traj/s01/static.traj.h5" --subjects "$S/subjects.csv" --subject s01 \
    "$W/traj/s01/dvj_1.traj.h5" || { echo "re-running s01 dvj_1 failed"; exit 1; }
# s04's dvj_2 trajectory file goes missing after kc-ik: the report must say so, not fail
mv "$W/traj/s04/dvj_2.traj.h5" "$W/traj/s04/dvj_2.traj.h5.away"

O=$W/out
"$STATS" -o "$O" "$S/manifest.csv" --kin-dir "$W/kin" --tasks dvj --subjects "$S/subjects.csv" \
    --compare control,pfp 2>"$W/stats_err.txt"; rc=$?
if [ $rc -ne 0 ]; then
    fail "kc-stats rc $rc: $(cat "$W/stats_err.txt")"
    echo "report_chromium: $fails failed"; exit 1
fi
[ ! -s "$W/stats_err.txt" ] && ok "kc-stats quiet on stderr (the missing file is reported in the page)" ||
    fail "kc-stats wrote to stderr: $(head -3 "$W/stats_err.txt")"
for f in report.html athletes/s01.html athletes/s04.html plots/subject_valgus_fppa.png \
    plots/bands_landing_Knee.png plots/spm_lr_landing_Knee.png plots/stick_s01.png \
    plots/left_right.png plots/athlete_s01_curves.png; do
    [ -s "$O/$f" ] || fail "$f not written"
done

# the cohort kinetics figure exactly when trials.csv has a kinetic value (kc-synth's trials have
# force plates), and the page shows it
kam=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "peak_knee_abduction_moment") c = i; next }
               c && $c != "" && $c != "nan" { n++ } END { print n + 0 }' "$O/trials.csv")
if [ "$kam" -gt 0 ]; then
    [ -s "$O/plots/subject_kinetics.png" ] && grep -q 'plots/subject_kinetics.png' "$O/report.html" &&
        ok "kinetics figure for $kam trial-sides with a knee abduction moment" ||
        fail "trials.csv has $kam knee abduction moments but no kinetics figure in the report"
else
    [ ! -e "$O/plots/subject_kinetics.png" ] && ok "no kinetic values, no kinetics figure" ||
        fail "a kinetics figure without kinetic values in trials.csv"
fi

# the ill-conditioned video FPPAs counted on the page as in trials.csv (sensitivity > 5 deg/cm
# among the trial-sides with a video FPPA), or no such warning when there are none
ill=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "fppa_video_at_pkf_deg") f = i;
                                                     if ($i == "fppa_video_sensitivity_deg_per_cm") s = i }; next }
               f && $f != "" && $f != "nan" { n++; if (s && $s != "" && $s + 0 > 5) k++ }
               END { printf "%d of %d", k, n }' "$O/trials.csv")
if [ "${ill%% *}" -gt 0 ]; then
    grep -q "ill-conditioned in $ill trial-sides" "$O/report.html" &&
        ok "the page counts the ill-conditioned video FPPAs as trials.csv does ($ill)" ||
        fail "trials.csv has $ill ill-conditioned video FPPAs; the page says: $(grep -o 'ill-conditioned in [0-9]* of [0-9]*' "$O/report.html")"
else
    grep -q "ill-conditioned in" "$O/report.html" && fail "an ill-conditioned warning without such trials" ||
        ok "no ill-conditioned video FPPA, no warning"
fi

# an SPM{t} figure for every landing channel kc-stats ran the two-sample SPM on (spm.csv)
for ch in $(awk -F, '$3 == "spm_t2" && $1 ~ /^landing_[LR]/ { sub(/^landing_[LR]/, "", $1); print $1 }' "$O/spm.csv" | sort -u); do
    [ -s "$O/plots/spm_landing_$ch.png" ] || fail "spm.csv has two-sample rows for $ch but plots/spm_landing_$ch.png is missing"
done

# the figures' SPM thresholds, recomputed from cohort.h5's curves, equal spm.csv's (the page
# prints a note for any that differs by more than 1e-6 relative)
grep -q "in spm.csv" "$O/report.html" && fail "an SPM threshold differs from spm.csv: $(grep -o '[^.]*in spm.csv' "$O/report.html" | head -2)" ||
    ok "SPM figure thresholds equal spm.csv"
# paired conditions (dvj_1 as pre, dvj_2 as post, --paired subject): the paired SPM{t} figure
awk -F, 'BEGIN { OFS = "," } NR > 1 && $3 == "dvj_1" { $6 = "pre" } NR > 1 && $3 == "dvj_2" { $6 = "post" } { print }' \
    "$S/manifest.csv" >"$S/manifest_pp.csv"
"$STATS" --quiet --no-provenance -o "$W/out_pp" "$S/manifest_pp.csv" --kin-dir "$W/kin" --tasks dvj \
    --group-by condition --compare pre,post --paired subject; rc=$?
if [ $rc -eq 0 ] || [ $rc -eq 4 ]; then
    grep -q "^landing_LKnee,.*,spm_paired_t,pre,post," "$W/out_pp/spm.csv" && [ -s "$W/out_pp/plots/spm_landing_Knee.png" ] &&
        ! grep -q "in spm.csv" "$W/out_pp/report.html" && ok "paired pre/post SPM{t} figure, thresholds equal spm.csv" ||
        fail "paired SPM figure missing or its thresholds differ"
else
    fail "kc-stats --paired rc $rc"
fi

# --- the browser ---
export HOME="$W/home"   # Chromium writes its profile and caches under HOME
mkdir -p "$HOME"
chrome() {   # chrome OUT_PREFIX URL: DOM to OUT_PREFIX.dom, screenshot to OUT_PREFIX.png
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --user-data-dir="$W/profile" --dump-dom "$2" >"$1.dom" 2>"$1.err" &&
        timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu \
            --disable-background-networking --user-data-dir="$W/profile" --hide-scrollbars \
            --window-size=1240,3200 --screenshot="$1.png" "$2" >/dev/null 2>>"$1.err"
}

# every src/href of a dumped DOM: relative, existing, images are PNG; prints problems
cat >"$W/links.py" <<'PY'
import html.parser, os, sys, urllib.parse
dom, page_dir = sys.argv[1], sys.argv[2]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.links = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v is not None:
                self.links.append((tag, k, v))
p = P(); p.feed(open(dom, encoding="utf-8").read())
bad = 0; imgs = 0
for tag, k, v in p.links:
    if v.startswith("#"):
        continue
    u = urllib.parse.urlsplit(v)
    if u.scheme or u.netloc or v.startswith("/"):
        print("not a relative link (needs network or this machine):", tag, k, v); bad += 1; continue
    target = os.path.normpath(os.path.join(page_dir, urllib.parse.unquote(u.path)))
    if not os.path.isfile(target):
        print("does not load:", tag, k, v); bad += 1; continue
    if tag == "img":
        imgs += 1
        with open(target, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                print("not a PNG:", v); bad += 1
if p.links == []:
    print("no links at all"); bad += 1
print("checked %d links, %d images" % (len(p.links), imgs))
sys.exit(1 if bad else 0)
PY

# a static file server on 127.0.0.1 that logs every request with its status
cat >"$W/serve.py" <<'PY'
import functools, http.server, sys
root, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        with open(log, "a") as f:
            f.write("%s %s\n" % (code if isinstance(code, int) else int(code), self.path))
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=root))
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY

check_site() {   # check_site DIR NAME: 0 if every link and image of both pages loads
    dir=$1 name=$2 bad=0
    for page in report.html athletes/s01.html; do
        tag=$W/$name-$(echo "$page" | tr / _)
        chrome "$tag" "file://$dir/$page" || { echo "chromium failed on $page: $(grep -v -i dbus "$tag.err" | tail -2)"; bad=1; continue; }
        python3 "$W/links.py" "$tag.dom" "$(dirname "$dir/$page")" >"$tag.links" || bad=1
        cat "$tag.links"
    done
    # the browser's own loads over http
    rm -f "$W/port" "$W/$name-requests.log"
    python3 "$W/serve.py" "$dir" "$W/port" "$W/$name-requests.log" &
    spid=$!
    i=0
    while [ ! -s "$W/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -s "$W/port" ]; then
        port=$(cat "$W/port")
        for page in report.html athletes/s01.html; do
            timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu \
                --disable-background-networking --user-data-dir="$W/profile" \
                --dump-dom "http://127.0.0.1:$port/$page" >/dev/null 2>&1
        done
        nreq=$(wc -l <"$W/$name-requests.log" 2>/dev/null || echo 0)
        nimg=$(grep -c '\.png$' "$W/$name-requests.log" 2>/dev/null)
        echo "browser requests: $nreq ($nimg images)"
        if grep -v '^200 ' "$W/$name-requests.log" | grep -v '^304 ' | grep -v 'favicon.ico' >"$W/$name-failed.txt"; then
            echo "browser loads that failed:"; cat "$W/$name-failed.txt"; bad=1
        fi
        [ "$nimg" -ge 10 ] || { echo "too few image requests ($nimg)"; bad=1; }
    else
        echo "local server did not start"; bad=1
    fi
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
    return $bad
}

if check_site "$O" good; then ok "every image and link of report.html and athletes/s01.html loads (file:// DOM and http:// browser loads)"
else fail "report pages have images or links that do not load"; fi
for s in good-report.html good-athletes_s01.html; do
    [ -s "$W/$s.png" ] && [ "$(head -c 8 "$W/$s.png" | od -An -c | tr -d ' ')" = "211PNG\r\n032\n" ] &&
        ok "screenshot $s.png" || fail "no screenshot of $s"
done

# the check can fail: one image removed, one link broken
B=$W/broken
cp -r "$O" "$B"
rm "$B/plots/athlete_s01_curves.png"
sed 's|href="athletes/s02.html"|href="athletes/nobody.html"|' "$O/report.html" >"$B/report.html"
if check_site "$B" broken >"$W/broken.txt" 2>&1; then
    fail "the link check passed on a copy with a missing image and a broken link"; cat "$W/broken.txt"
else
    grep -q "does not load: img src ../plots/athlete_s01_curves.png" "$W/broken.txt" &&
        grep -q "does not load: a href athletes/nobody.html" "$W/broken.txt" &&
        grep -q "^404 /plots/athlete_s01_curves.png" "$W/broken-failed.txt" &&
        ok "a missing image and a broken link are caught (file:// and by the browser over http)" ||
        { fail "broken copy failed for other reasons"; cat "$W/broken.txt"; }
fi

# --- what the pages say (from the DOM Chromium rendered) ---
A=$W/good-athletes_s01.html.dom R=$W/good-report.html.dom
for want in "Metrics, left vs right" "MDC95" "Curves of each trial" "Events" "initial_contact" \
    "Kinetic chain summary" "Data quality" "residual median / p95" "Frontal plane at peak knee valgus"; do
    grep -q "$want" "$A" || fail "athlete page lacks \"$want\""
done
# kc-ik of this tree writes no /chain yet: the page must say so plainly (or show it if present)
if h5ls "$W/kin/s01/dvj_1.kin.h5/chain" >/dev/null 2>&1; then
    # the page shows the attribute's text (compared up to its first character HTML escapes)
    sl=$(h5dump -a /chain/summary_L "$W/kin/s01/dvj_1.kin.h5" | sed -n 's/^ *(0): "\(.*\)"$/\1/p' | cut -d'<' -f1 | cut -d'>' -f1 | cut -d'&' -f1 | cut -c1-60)
    ! grep -q "absent: this kinematics file has no /chain" "$A" && [ -n "$sl" ] && grep -qF "$sl" "$A" &&
        ok "chain summary shown (\"$sl...\")" || fail "chain summary_L of s01 dvj_1 not shown"
else
    grep -q "absent: this kinematics file has no /chain group" "$A" && ok "absent chain summary stated" ||
        fail "absent chain summary not stated"
fi
grep -q "s04.*dvj_2.*data quality: trajectory file" "$R" && grep -q "dvj_2.traj.h5" "$R" &&
    ok "the missing trajectory file of s04 dvj_2 is listed with the reason" ||
    fail "missing trajectory file not listed in report.html"
grep -q "Herrington" "$R" && grep -q "sls_L_1" "$R" && ok "normal-range source and not-analysed rows in report.html" ||
    fail "report.html lacks the normal-range source or the excluded rows"
# the athlete's peak valgus mean and SD are subjects.csv's (rounded to 0.1 deg on the page)
want=$(awk -F, '$1 == "s01" && $3 == "L" && $4 == "peak_knee_valgus_deg" { printf "%.1f &plusmn; %.1f", $7, $8 }' "$O/subjects.csv")
[ -n "$want" ] && grep -q "peak_knee_valgus_deg</td><td class=\"l\">deg</td><td>$(echo "$want" | sed 's/&plusmn;/±/')" "$A" &&
    ok "s01 left peak valgus on the page = subjects.csv ($want)" || fail "s01 peak valgus differs from subjects.csv ($want)"

# the MDC95 column is reliability.csv's (peak valgus, left and right)
mdc=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "mdc95") c = i; next }
    $1 == "peak_knee_valgus_deg" && $2 == "L" { l = $c } $1 == "peak_knee_valgus_deg" && $2 == "R" { r = $c }
    END { if (c) printf "<td>%.1f</td><td>%.1f</td></tr>", l, r }' "$O/reliability.csv")
[ -n "$mdc" ] && grep "peak_knee_valgus_deg</td>" "$A" | grep -qF "$mdc" && ok "MDC95 on the athlete page = reliability.csv ($mdc)" ||
    fail "MDC95 on the page differs from reliability.csv ($mdc)"

# --- data quality of s01 dvj_1 recomputed from h5dump's raw output of the trajectory file ---
if command -v h5dump >/dev/null 2>&1; then
    T=$W/traj/s01/dvj_1.traj.h5
    h5dump -d /filled -y -w 0 -o "$W/q_filled.txt" "$T" >/dev/null &&
        h5dump -d /position -y -w 0 -o "$W/q_pos.txt" "$T" >/dev/null &&
        h5dump -d /residual_px -y -w 0 -o "$W/q_res.txt" "$T" >/dev/null
    python3 - "$W" "$O/athletes/s01.html" <<'PY' && ok "s01 dvj_1 gap %, missing %, residual median/p95 = independent recomputation" || fail "data quality numbers differ"
import math, re, sys
w, page = sys.argv[1], sys.argv[2]
num = lambda f: [float(x) for x in re.split(r"[,\s]+", open(f).read()) if x]
filled, pos, res = num(w + "/q_filled.txt"), num(w + "/q_pos.txt"), num(w + "/q_res.txt")
n = len(filled); assert len(pos) == 3 * n and len(res) == n
nan = [math.isnan(pos[3 * i]) for i in range(n)]
gap = sum(1 for i in range(n) if nan[i] or 1 <= filled[i] <= 3)
miss = sum(nan)
r = sorted(res[i] for i in range(n) if filled[i] == 0 and not nan[i] and not math.isnan(res[i]))
def q(p):   # linear interpolation between order statistics (R type 7, GSL's quantile)
    h = (len(r) - 1) * p; lo = int(math.floor(h)); hi = min(lo + 1, len(r) - 1)
    return r[lo] + (h - lo) * (r[hi] - r[lo])
want = [100.0 * gap / n, 100.0 * miss / n, q(0.5), q(0.95)]
row = re.search(r'<tr><td class="l">dvj_1</td><td>\d+ &times; \d+</td><td>([-\d.]+)</td><td>([-\d.]+)</td><td>([-\d.]+) / ([-\d.]+) px', open(page).read())
got = [float(x) for x in row.groups()] if row else []
print("page:", got, "recomputed:", ["%.4f" % x for x in want], "(gap samples %d, missing %d of %d)" % (gap, miss, n))
# the page prints 2 decimals; h5dump prints 6 significant digits
sys.exit(0 if got and gap > 0 and miss > 0 and all(abs(a - b) <= 0.0051 for a, b in zip(got, want)) else 1)
PY
else
    echo "SKIPPED: data quality recomputation (no h5dump)"
fi

# --- same bytes at 1 and 2 threads (--no-provenance: no command line in the PNGs) ---
"$STATS" --quiet --no-provenance --threads 1 -o "$W/det1" "$S/manifest.csv" --kin-dir "$W/kin" \
    --tasks dvj --subjects "$S/subjects.csv" --compare control,pfp
"$STATS" --quiet --no-provenance --threads 2 -o "$W/det2" "$S/manifest.csv" --kin-dir "$W/kin" \
    --tasks dvj --subjects "$S/subjects.csv" --compare control,pfp
[ -s "$W/det1/report.html" ] && diff -r "$W/det1/plots" "$W/det2/plots" >/dev/null &&
    diff -r "$W/det1/athletes" "$W/det2/athletes" >/dev/null && cmp -s "$W/det1/report.html" "$W/det2/report.html" &&
    ok "report.html, athletes/ and plots/ identical at 1 and 2 threads" || fail "report outputs differ between runs"

# --- PNG text chunks (tEXt: Software, kinechain version, Source, Command) ---
python3 - "$O/plots/bands_landing_Knee.png" <<'PY' && ok "PNG tEXt chunks present" || fail "PNG tEXt chunks"
import struct, sys, zlib
d = open(sys.argv[1], "rb").read(); i = 8; t = {}
while i < len(d):
    n, = struct.unpack(">I", d[i:i + 4]); typ = d[i + 4:i + 8]; body = d[i + 8:i + 8 + n]
    if zlib.crc32(typ + body) & 0xffffffff != struct.unpack(">I", d[i + 8 + n:i + 12 + n])[0]:
        sys.exit("bad CRC")
    if typ == b"tEXt":
        k, v = body.split(b"\0", 1); t[k.decode("latin-1")] = v.decode("latin-1")
    i += 12 + n
need = ["Software", "kinechain version", "Source", "Command"]
print({k: t.get(k, "")[:60] for k in need})
sys.exit(0 if all(k in t for k in need) and "landing_LKnee" in t["Source"] and "kc-stats" in t["Command"] else 1)
PY

echo "report_chromium: $fails failed"
[ $fails -eq 0 ]
