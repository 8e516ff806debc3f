#!/bin/sh
# kc-convert's command line.
#   convert_cli.sh KC_CONVERT KC_VALIDATE REAL_DIR C3D_CORPUS [real]
# Without "real": help, version, misuse, every bad_*.c3d of the corpus rejected with exit 2,
# one line and no output, writer-made files through kc-validate and back.
# With "real": every C3D under REAL_DIR converted and accepted by kc-validate, options
# --strip-prefix and --labels-map, and the tool's round trip; the .vsk to a subjects CSV
# that kc-ik --subjects uses; kinematics (kc-ik on the real trial) to C3D, MOT and CSV read
# back; the drop jumps' TRC + GRF MOT; exit 77 (SKIPPED) when absent.
# KC_IK (environment) is kc-ik, for the real mode.
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
    n=0 na=0
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
        # analog channels come back as floats: within 1e-6 relative
        if h5ls "$tmp/$b.traj.h5/analog" > /dev/null 2>&1; then
            h5diff -p 1e-6 "$tmp/$b.traj.h5" "$tmp/$b.rt.traj.h5" /analog /analog > "$tmp/diff" 2>&1 ||
                bad "round trip of $b changed /analog: $(head -3 "$tmp/diff")"
            na=$((na + 1))
        fi
        n=$((n + 1))
    done
    [ "$n" -ge 8 ] || bad "expected 8 real C3D files, found $n"
    [ "$na" -eq 6 ] || bad "expected 6 real C3D files with analog channels besides plates, found $na"
    # --labels-map renames, --strip-prefix is accepted, --verbose says the vertical axis
    printf 'from,to\nLASI,L_ASIS\nRASI,R_ASIS\n' > "$tmp/map.csv"
    f="$real/pycgm_nexus_pig/Movement_trial.c3d"
    expect 0 "labels map" -- "$conv" --verbose --strip-prefix --labels-map "$tmp/map.csv" "$f" "$tmp/m.traj.h5"
    grep -q '+Z up: POINT:X_SCREEN +X, Y_SCREEN +Z; markers +Z (pelvis [0-9]* mm above feet); force plates +Z' "$tmp/err" ||
        bad "the vertical axis was not reported: $(cat "$tmp/err")"
    h5dump -a /vertical_axis "$tmp/m.traj.h5" | grep -q '"+Z"' || bad "no vertical_axis +Z attribute"
    # analog channels beside the 4 plates: 69 channels - 24 plate channels, 9 samples a frame
    h5ls "$tmp/m.traj.h5/analog/values" | grep -q '{2907, 45}' || bad "/analog is not [2907, 45]: $(h5ls "$tmp/m.traj.h5/analog/values")"
    h5dump -d /analog/labels "$tmp/m.traj.h5" | grep -q 'Fx1' && bad "a plate channel in /analog"

    # Vicon subject file -> subjects CSV -> kc-ik --subjects (SOURCE.md: Bodymass 85, Height
    # 1679, leg length 877/866, knee 144/139, ankle 85/89, InterAsis 306, AsisTroc 64.40/62.98)
    vsk="$real/pycgm_nexus_pig/Test.vsk"
    expect 0 "vsk to csv" -- "$conv" "$vsk" "$tmp/subjects.csv"
    sed -n 2p "$tmp/subjects.csv" | grep -q '^Test,,85,1679,877,866,144,139,85,89,306,64.39759826660156[0-9]*,62.98080062866210[0-9]*,,,,,$' ||
        bad "subjects CSV row: $(sed -n 2p "$tmp/subjects.csv")"
    expect 0 "vsk to csv, --subject" -- "$conv" --subject s07 "$vsk" "$tmp/s07.csv"
    grep -q '^s07,' "$tmp/s07.csv" || bad "--subject not used"
    if [ -n "$KC_IK" ]; then
        expect 0 "movement trial" -- "$conv" --no-provenance "$f" "$tmp/mv.traj.h5"
        expect 0 "static trial" -- "$conv" --no-provenance "$real/pycgm_nexus_pig/Static_trial.c3d" "$tmp/st.traj.h5"
        expect 0 "kc-ik --subjects from the vsk" -- "$KC_IK" -o "$tmp/m.kin.h5" --static "$tmp/st.traj.h5" \
            --subjects "$tmp/subjects.csv" --subject Test "$tmp/mv.traj.h5"
        for a in leg_length_L_mm:877 leg_length_R_mm:866 knee_width_L_mm:144 ankle_width_R_mm:89; do
            h5dump -a "/model/${a%%:*}" "$tmp/m.kin.h5" 2>/dev/null | grep -q "(0): ${a#*:}\$" ||
                bad "kc-ik did not use ${a%%:*} = ${a#*:} from the vsk"
        done
        # kinematics -> C3D: angles as Vicon-named points, read back within float precision
        expect 0 "kin to c3d" -- "$conv" "$tmp/m.kin.h5" "$tmp/k.c3d"
        expect 0 "kin c3d back" -- "$conv" --no-provenance "$tmp/k.c3d" "$tmp/k.traj.h5"
        for j in LKnee RKnee LHip RAnkle LPelvis RFootProgress; do
            h5diff -v -d 1e-4 "$tmp/m.kin.h5" "$tmp/k.traj.h5" "/angles/$j" "/model_outputs/${j}Angles" 2>&1 |
                sed -n 2p | grep -q '^0 differences found' || bad "kin -> C3D: ${j}Angles differs by > 1e-4 deg"
        done
        h5dump -a /model_outputs/LKneeAngles/kind "$tmp/k.traj.h5" | grep -q '"angle"' || bad "LKneeAngles is not an angle output"
        # kinematics -> MOT (degrees, OpenSim header) and CSV: value at frame 10 read back
        expect 0 "kin to mot" -- "$conv" "$tmp/m.kin.h5" "$tmp/k.mot"
        expect 0 "kin to csv" -- "$conv" "$tmp/m.kin.h5" "$tmp/k.csv"
        head -6 "$tmp/k.mot" | tr '\n' ' ' | grep -q '^k.mot version=1 nRows=323 nColumns=[0-9]* inDegrees=yes endheader $' ||
            bad "MOT header: $(head -6 "$tmp/k.mot" | tr '\n' ' ')"
        want=$(h5dump -d /angles/LKnee -s "9,1" -c "1,1" -m "%.17g" -y -w0 "$tmp/m.kin.h5" | sed -n '/DATA {/{n;p;q}' | tr -d ' ')
        gotm=$(awk -F'\t' 'NR==7{for(i=1;i<=NF;i++)if($i=="LKnee_Y")c=i} NR==17{print $c}' "$tmp/k.mot")
        gotc=$(awk -F, 'NR==1{for(i=1;i<=NF;i++)if($i=="LKnee_Y")c=i} NR==11{print $c}' "$tmp/k.csv")
        awk -v a="$want" -v b="$gotm" -v c="$gotc" 'BEGIN{d1=a-b;d2=a-c; exit !(a!="" && d1<1e-12 && d1>-1e-12 && d2<1e-12 && d2>-1e-12)}' ||
            bad "LKnee_Y at frame 10: kin $want, MOT $gotm, CSV $gotc"
        # trajectories -> CSV: LASI_Z at the 5th frame equals /position
        expect 0 "traj to csv" -- "$conv" "$tmp/mv.traj.h5" "$tmp/t.csv"
        li=$(h5dump -d /labels -y -w0 "$tmp/mv.traj.h5" | sed -n '/DATA {/{n;p;q}' | tr ',' '\n' | grep -n '"LASI"' | cut -d: -f1)
        want=$(h5dump -d /position -s "4,$((li - 1)),2" -c "1,1,1" -m "%.17g" -y -w0 "$tmp/mv.traj.h5" | sed -n '/DATA {/{n;p;q}' | tr -d ' ')
        got=$(awk -F, 'NR==1{for(i=1;i<=NF;i++)if($i=="LASI_Z")c=i} NR==6{print $1, $c}' "$tmp/t.csv")
        [ "$got" = "699 $want" ] || bad "CSV frame 699 LASI_Z: \"$got\", /position gives $want"
    else
        bad "KC_IK not set: kc-ik tests not run"
    fi

    # drop jump: TRC (Y up, m) + GRF MOT -> trajectories with 3 plates, Z up
    dj="$real/opencap_dropjump"
    expect 0 "trc + grf" -- "$conv" --no-provenance --grf "$dj/DJ1_grf.mot" "$dj/DJ1.trc" "$tmp/dj.traj.h5"
    grep -q 'after --axes opensim: +Z up: markers +Z (pelvis [0-9]* mm above feet); force plates +Z' "$tmp/err" ||
        bad "drop jump vertical: $(cat "$tmp/err")"
    expect 0 "validate trc + grf" -- "$validate" "$tmp/dj.traj.h5"
    expect 0 "trc + grf again" -- "$conv" --no-provenance --grf "$dj/DJ1_grf.mot" "$dj/DJ1.trc" "$tmp/dj2.traj.h5"
    cmp -s "$tmp/dj.traj.h5" "$tmp/dj2.traj.h5" || bad "TRC + GRF import is not the same bytes twice"
    [ "$(h5ls "$tmp/dj.traj.h5/forceplates" | wc -l)" -eq 3 ] || bad "drop jump: not 3 plates"
    expect 0 "grf alone" -- "$conv" --no-provenance "$dj/DJ4_grf.mot" "$tmp/g.traj.h5"
    expect 0 "validate grf alone" -- "$validate" "$tmp/g.traj.h5"
    expect 0 "grf with lab axes" -- "$conv" --no-provenance --axes lab "$dj/DJ4_grf.mot" "$tmp/gy.traj.h5"
    grep -q 'force plates +Y' "$tmp/err" && grep -q 'expects Z up' "$tmp/err" || bad "Y-up forces not reported: $(cat "$tmp/err")"
    # the same forces 0.5 s later do not fit the markers' time base
    awk -F'\t' -v OFS='\t' 'h == 2 { $1 = $1 + 0.5 } h == 1 { h = 2 } /^endheader/ { h = 1 } { print }' \
        "$dj/DJ1_grf.mot" > "$tmp/late.mot"
    expect 2 "grf starting elsewhere" -- "$conv" --grf "$tmp/late.mot" "$dj/DJ1.trc" "$tmp/late.traj.h5"
    grep -q 'the forces start at 0.5 s, the markers at 0 s' "$tmp/err" || bad "late GRF: $(cat "$tmp/err")"
    [ ! -e "$tmp/late.traj.h5" ] || bad "output written for a GRF that does not fit"
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
for s in 'IN.vsk -> OUT.csv' 'IN.mot -> OUT.traj.h5' '--grf' '--subject' 'IN.c3d -> OUT.traj.h5' 'IN.traj.h5 -> OUT.c3d' 'IN.kin.h5 -> OUT.c3d' 'IN.c3d -> OUT.trc' 'IN.traj.h5 -> OUT.trc' 'IN.trc -> OUT.traj.h5' '--axes' 'Exit status' 'Example' '--strip-prefix' '--labels-map' '--no-provenance'; do
    grep -q -- "$s" "$tmp/out" || bad "--help does not mention $s"
done
expect 0 "--version" -- "$conv" --version
grep -q '^kc-convert [0-9]' "$tmp/out" || bad "--version prints $(cat "$tmp/out")"
expect 1 "no files" -- "$conv"
expect 1 "one file" -- "$conv" "$corpus/intel_float.c3d"
expect 1 "bad option" -- "$conv" --bogus a.c3d b.traj.h5
expect 1 "unsupported pair" -- "$conv" a.mot b.c3d
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
expect 1 "--axes on a pair without an import or TRC" -- "$conv" --axes lab "$tmp/g.traj.h5" "$tmp/h.c3d"
expect 1 "--grf without TRC input" -- "$conv" --grf x.mot "$f" "$tmp/h.traj.h5"
expect 1 "--subject without vsk input" -- "$conv" --subject a "$f" "$tmp/h.traj.h5"

# every import says which axis is up, in one line and in attributes; --axes rotates
expect 0 "c3d import reports vertical" -- "$conv" --no-provenance "$f" "$tmp/v.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q ': +Z up: POINT:X_SCREEN +X, Y_SCREEN +Z; markers +Z' "$tmp/err" ||
    bad "c3d vertical line: $(cat "$tmp/err")"
h5dump -a /vertical_check "$tmp/v.traj.h5" | grep -q 'markers +Z' || bad "no vertical_check attribute"
expect 0 "quiet import" -- "$conv" --quiet --no-provenance "$f" "$tmp/q.traj.h5"
[ ! -s "$tmp/err" ] || bad "--quiet still printed: $(cat "$tmp/err")"
# a Y-up C3D: the lab data written in OpenSim's axes, read back as lab (not rotated)
expect 0 "to Y-up trc" -- "$conv" --axes opensim "$f" "$tmp/y.trc"
expect 0 "Y-up trc kept as is" -- "$conv" --axes lab --no-provenance "$tmp/y.trc" "$tmp/y.traj.h5"
expect 0 "Y-up c3d" -- "$conv" "$tmp/y.traj.h5" "$tmp/y.c3d"
expect 0 "Y-up c3d import warns" -- "$conv" --no-provenance "$tmp/y.c3d" "$tmp/y2.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q 'warning:.*+Y up (sources disagree): POINT:X_SCREEN +X, Y_SCREEN +Z; markers +Y.*give --axes' "$tmp/err" ||
    bad "Y-up C3D: $(cat "$tmp/err")"
h5dump -a /vertical_axis "$tmp/y2.traj.h5" | grep -q '"+Y"' || bad "Y-up C3D: vertical_axis is not +Y"
expect 0 "Y-up c3d rotated" -- "$conv" --axes opensim --no-provenance "$tmp/y.c3d" "$tmp/y3.traj.h5"
h5diff "$tmp/v.traj.h5" "$tmp/y3.traj.h5" /position /position > /dev/null 2>&1 ||
    bad "--axes opensim on the Y-up C3D does not give the lab positions back"
h5dump -a /axes_applied "$tmp/y3.traj.h5" | grep -q '"opensim"' || bad "no axes_applied attribute"

expect 2 "unwritable output folder" -- "$conv" "$f" "$tmp/no/such/dir/x.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q 'cannot write ".*/no/such/dir/x.traj.h5": No such file' "$tmp/err" ||
    bad "unwritable folder: $(cat "$tmp/err")"

# MOT forces and VSK: bad files are one line, exit 2, no output
printf 'endheader\ntime\tknee\n0\t1\n' > "$tmp/bad.mot"
expect 2 "MOT without forces" -- "$conv" "$tmp/bad.mot" "$tmp/badm.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q 'bad.mot' "$tmp/err" || bad "bad MOT: $(cat "$tmp/err")"
[ ! -e "$tmp/badm.traj.h5" ] || bad "bad MOT: output written"
printf '<KinematicModel><Parameters>' > "$tmp/bad.vsk"
expect 2 "truncated vsk" -- "$conv" "$tmp/bad.vsk" "$tmp/badv.csv"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q 'bad.vsk' "$tmp/err" || bad "bad vsk: $(cat "$tmp/err")"
[ ! -e "$tmp/badv.csv" ] || bad "bad vsk: output written"
printf '<KinematicModel><Parameters><StaticParameter NAME="Bodymass" VALUE="70"/></Parameters></KinematicModel>' > "$tmp/short.vsk"
expect 2 "vsk without leg length" -- "$conv" "$tmp/short.vsk" "$tmp/shortv.csv"
[ ! -e "$tmp/shortv.csv" ] || bad "vsk without leg length: output written"
printf 'hello\n' > "$tmp/bad.trc"
expect 2 "bad TRC" -- "$conv" "$tmp/bad.trc" "$tmp/bad.traj.h5"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || bad "bad TRC: not one line: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.traj.h5" ] || bad "bad TRC: output written"

echo "kc-convert cli: $nb bad files rejected; $fail failures"
[ "$fail" -eq 0 ]
