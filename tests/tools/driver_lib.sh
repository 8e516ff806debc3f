# Sourced by the driver tests (tests/tools/driver_*.sh): helpers for running scripts/kinechain
# cohort on small synthetic cohorts and comparing their outputs. The caller sets src (source
# tree), build (build folder with bin/), work (a temporary folder) and fail=0.

kc=$src/scripts/kinechain
bin=$build/bin
export KC_BUILD_DIR=$build

note() { printf '%s\n' "$*" >&2; }
bad() { note "FAIL: $*"; fail=1; }

# synth DIR SUBJECTS TRIALS: a small synthetic session (no squats, short wand capture).
synth() {
    "$bin/kc-synth" session "$1" --subjects "$2" --trials "$3" --sls 0 --wand-s 2 --quiet ||
        { note "kc-synth failed"; exit 1; }
}

# Equal but for provenance: every dataset and attribute (h5diff, exact), the root attributes
# but created_at (h5dump), /provenance left aside.
h5same() {
    h5diff --exclude-path /provenance --exclude-attribute / "$1" "$2" >/dev/null 2>&1 || return 1
    [ "$(h5root "$1")" = "$(h5root "$2")" ]
}
h5root() {
    h5dump -A "$1" | awk 'NR == 1 { next }
        /^   ATTRIBUTE "created_at" \{$/ || /^   GROUP "provenance" \{$/ { skip = 1 }
        skip { if ($0 ~ /^   \}$/) skip = 0; next }
        { print }'
}

# same_outputs A B: the .h5 files under A and B (traj/, kin/, stats/) are the same set and
# equal but for provenance; the statistics tables are byte-identical. Prints the count; fails
# (status 1, after naming each difference on stderr) when anything differs. Run it as
# n=$(same_outputs A B) || fail=1.
same_outputs() {
    la=$(cd "$1" && find traj kin stats -name '*.h5' | sort)
    lb=$(cd "$2" && find traj kin stats -name '*.h5' | sort)
    [ "$la" = "$lb" ] || { bad "different sets of outputs in $1 and $2"; return 1; }
    n=0
    for f in $la; do
        h5same "$1/$f" "$2/$f" || bad "$f differs between $1 and $2"
        n=$((n + 1))
    done
    for f in $(cd "$1" && find stats -name '*.csv' | sort); do
        cmp -s "$1/$f" "$2/$f" || bad "$f differs between $1 and $2"
    done
    echo "$n"
    return $fail
}

# fingerprint DIR: "path sha256 mtime" of every final .h5 output under DIR/traj and DIR/kin.
fingerprint() {
    (cd "$1" && find traj kin -name '*.h5' ! -name '*.tmp.*' | sort | while read -r f; do
        printf '%s %s %s\n' "$f" "$(sha256sum <"$f" | cut -c1-16)" "$(stat -c %Y.%y "$f")"
    done)
}

# The summary line's counts: "kinechain cohort: N rows: P processed, U up to date, F failed".
summary_field() { sed -n "s/^kinechain cohort: .* \([0-9]*\) $1.*/\1/p" "$2" | head -n 1; }
