#!/bin/sh
# kc-convert's command line.
#   convert_cli.sh KC_CONVERT KC_VALIDATE REAL_DIR C3D_CORPUS [real]
# Without "real": help, version, misuse, every bad_*.c3d of the corpus rejected with exit 2,
# one line and no output, writer-made files through kc-validate and back.
# With "real": every C3D under REAL_DIR converted and accepted by kc-validate, options
# --strip-prefix and --labels-map, and the tool's round trip; exit 77 (SKIPPED) when absent.
conv=$1 validate=$2 real=$3 corpus=$4 mode=$5
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

expect() {   # expect CODE DESCRIPTION -- command...
    code=$1 what=$2
    shift 3
    "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    [ "$rc" -eq "$code" ] || bad "$what: exit $rc, expected $code ($(head -c 300 "$tmp/err"))"
}

if [ "$mode" = real ]; then
    if [ ! -d "$real/btk_plugingait" ] || [ ! -d "$real/pycgm_nexus_pig" ]; then
        echo "SKIPPED: real data folder $real absent"
        exit 77
    fi
    n=0
    for f in "$real"/*/*.c3d; do
        b=$(basename "$f" .c3d)
        expect 0 "convert $b" -- "$conv" --no-provenance "$f" "$tmp/$b.traj.h5"
        expect 0 "validate $b" -- "$validate" "$tmp/$b.traj.h5"
        grep -q "^ok " "$tmp/out" || bad "kc-validate did not accept $b"
        expect 0 "write $b as C3D" -- "$conv" "$tmp/$b.traj.h5" "$tmp/$b.rt.c3d"
        expect 0 "read back $b" -- "$conv" --no-provenance "$tmp/$b.rt.c3d" "$tmp/$b.rt.traj.h5"
        h5diff "$tmp/$b.traj.h5" "$tmp/$b.rt.traj.h5" /position /position > "$tmp/diff" 2>&1 ||
            bad "round trip of $b changed /position: $(head -3 "$tmp/diff")"
        h5diff "$tmp/$b.traj.h5" "$tmp/$b.rt.traj.h5" /model_outputs /model_outputs > "$tmp/diff" 2>&1 ||
            bad "round trip of $b changed /model_outputs: $(head -3 "$tmp/diff")"
        n=$((n + 1))
    done
    [ "$n" -ge 8 ] || bad "expected 8 real C3D files, found $n"
    # --labels-map renames, --strip-prefix is accepted, --verbose says the vertical axis
    printf 'from,to\nLASI,L_ASIS\nRASI,R_ASIS\n' > "$tmp/map.csv"
    f="$real/pycgm_nexus_pig/Movement_trial.c3d"
    expect 0 "labels map" -- "$conv" --verbose --strip-prefix --labels-map "$tmp/map.csv" "$f" "$tmp/m.traj.h5"
    grep -q 'vertical from pelvis vs foot markers: +Z' "$tmp/err" || bad "--verbose did not report the vertical axis"
    h5dump -d /labels "$tmp/m.traj.h5" > "$tmp/labels" 2>&1
    grep -q '"L_ASIS"' "$tmp/labels" && ! grep -q '"LASI"' "$tmp/labels" || bad "labels map not applied"
    printf 'wrong,header\n' > "$tmp/badmap.csv"
    expect 2 "labels map without from,to" -- "$conv" --labels-map "$tmp/badmap.csv" "$f" "$tmp/n.traj.h5"
    [ ! -e "$tmp/n.traj.h5" ] || bad "output written despite a bad labels map"
    echo "real files: $n converted, validated and round-tripped; $fail failures"
    [ "$fail" -eq 0 ]
    exit $?
fi

expect 0 "--help" -- "$conv" --help
for s in 'IN.c3d -> OUT.traj.h5' 'IN.traj.h5 -> OUT.c3d' 'IN.kin.h5 -> OUT.c3d' 'IN.c3d -> OUT.trc' 'IN.traj.h5 -> OUT.trc' 'IN.trc -> OUT.traj.h5' '--axes' 'Exit status' 'Example' '--strip-prefix' '--labels-map' '--no-provenance'; do
    grep -q -- "$s" "$tmp/out" || bad "--help does not mention $s"
done
expect 0 "--version" -- "$conv" --version
grep -q '^kc-convert [0-9]' "$tmp/out" || bad "--version prints $(cat "$tmp/out")"
expect 1 "no files" -- "$conv"
expect 1 "one file" -- "$conv" "$corpus/intel_float.c3d"
expect 1 "bad option" -- "$conv" --bogus a.c3d b.traj.h5
expect 1 "unsupported pair" -- "$conv" a.mot b.traj.h5
expect 1 "unsupported pair (c3d to c3d)" -- "$conv" a.c3d b.c3d
expect 1 "--strip-prefix on h5 input" -- "$conv" --strip-prefix a.traj.h5 b.c3d
expect 2 "missing input" -- "$conv" "$tmp/none.c3d" "$tmp/none.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || bad "missing input: not one line: $(cat "$tmp/err")"

nb=0
for f in "$corpus"/bad_*.c3d; do
    b=$(basename "$f" .c3d)
    expect 2 "$b" -- "$conv" "$f" "$tmp/$b.traj.h5"
    [ "$(wc -l < "$tmp/err")" -eq 1 ] || bad "$b: $(wc -l < "$tmp/err") lines on stderr: $(cat "$tmp/err")"
    grep -q "$b.c3d" "$tmp/err" || bad "$b: the message does not name the file: $(cat "$tmp/err")"
    ls "$tmp" | grep -q "^$b.traj.h5" && bad "$b: an output file was left"
    nb=$((nb + 1))
done
[ "$nb" -ge 10 ] || bad "expected at least 10 bad files in $corpus, found $nb"

for v in intel_float dec_float mips_float intel_int dec_int mips_int full_intel_float; do
    expect 0 "convert $v" -- "$conv" --no-provenance "$corpus/$v.c3d" "$tmp/$v.traj.h5"
    expect 0 "validate $v" -- "$validate" "$tmp/$v.traj.h5"
    expect 0 "$v back to C3D" -- "$conv" "$tmp/$v.traj.h5" "$tmp/$v.c3d"
    expect 0 "$v read again" -- "$conv" --no-provenance "$tmp/$v.c3d" "$tmp/$v.2.traj.h5"
    # the tool writes float: integer-stored values (k * scale) come back to float precision
    case $v in *_int) tol="-d 0.001" ;; *) tol="" ;; esac
    h5diff $tol "$tmp/$v.traj.h5" "$tmp/$v.2.traj.h5" /position /position > /dev/null 2>&1 ||
        bad "$v: positions changed through the tool's round trip"
done
# TRC: C3D -> TRC -> trajectories equals C3D -> trajectories (OpenSim axes both ways)
f="$corpus/full_intel_float.c3d"
expect 0 "c3d to trc" -- "$conv" "$f" "$tmp/f.trc"
head -1 "$tmp/f.trc" | grep -q '^PathFileType' || bad "TRC output lacks PathFileType"
expect 0 "trc to traj" -- "$conv" --no-provenance "$tmp/f.trc" "$tmp/f_trc.traj.h5"
expect 0 "validate trc import" -- "$validate" "$tmp/f_trc.traj.h5"
h5diff "$tmp/full_intel_float.traj.h5" "$tmp/f_trc.traj.h5" /position /position > /dev/null 2>&1 ||
    bad "C3D -> TRC -> trajectories changed the positions"
expect 0 "traj to trc, lab axes" -- "$conv" --axes lab "$tmp/full_intel_float.traj.h5" "$tmp/g.trc"
expect 0 "trc to traj, lab axes" -- "$conv" --axes lab --no-provenance "$tmp/g.trc" "$tmp/g.traj.h5"
h5diff "$tmp/full_intel_float.traj.h5" "$tmp/g.traj.h5" /position /position > /dev/null 2>&1 ||
    bad "trajectories -> TRC -> trajectories (lab axes) changed the positions"
expect 1 "mirror axes" -- "$conv" --axes x,y,-z "$f" "$tmp/h.trc"
expect 1 "--axes on a pair without TRC" -- "$conv" --axes lab "$f" "$tmp/h.traj.h5"
printf 'hello\n' > "$tmp/bad.trc"
expect 2 "bad TRC" -- "$conv" "$tmp/bad.trc" "$tmp/bad.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || bad "bad TRC: not one line: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.traj.h5" ] || bad "bad TRC: output written"

echo "kc-convert cli: $nb bad files rejected; $fail failures"
[ "$fail" -eq 0 ]
