#!/bin/sh
# kc-convert's keypoint input (OpenPose JSON, DeepLabCut CSV -> observations).
#   keypoints_cli.sh KC_CONVERT KC_CALIB KC_TRIANGULATE TEST_KEYPOINTS_REAL DATA_DIR [real]
# Without "real": help names the options; good folders convert (OpenPose, DeepLabCut);
# misuse exits 1; bad input (malformed JSON, not OpenPose's JSON, an unknown layout, cameras
# with different frame counts, a bad CSV) exits 2 with one line on stderr and no output.
# With "real" (KC_REAL_DATA in the environment): the Pose2Sim demo's balancing and static
# trials through kc-calib import, kc-convert --calib (association), kc-triangulate and
# test_keypoints_real (acceptance numbers); exit 77 (SKIPPED) when absent.
conv=$1 calib=$2 tri=$3 check=$4 data=$5 mode=$6
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

expect() {   # expect CODE LINES DESCRIPTION -- command...   (LINES: stderr lines, - = any)
    code=$1 lines=$2 what=$3
    shift 4
    "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    [ "$rc" -eq "$code" ] || bad "$what: exit $rc, expected $code ($(head -c 300 "$tmp/err"))"
    if [ "$lines" != - ]; then
        n=$(wc -l < "$tmp/err")
        [ "$n" -eq "$lines" ] || bad "$what: $n stderr lines, expected $lines: $(cat "$tmp/err")"
    fi
}

if [ "$mode" = real ]; then
    demo=$KC_REAL_DATA/pose2sim_demo
    if [ ! -d "$demo/S00_P00_T01_BalancingTrial/pose" ]; then
        echo "SKIPPED: real data folder $demo absent"
        exit 77
    fi
    expect 0 - "import the Qualisys calibration (Pose2Sim TOML)" -- \
        "$calib" import -o "$tmp/rig.calib.h5" "$demo/calibration/Calib_qualisys.toml"
    # the same bytes at any thread count
    for n in 1 2; do
        expect 0 - "threads $n" -- "$conv" --no-provenance --threads $n --layout body25b \
            --rate 60 --calib "$tmp/rig.calib.h5" "$demo/S00_P00_T01_BalancingTrial/pose" \
            "$tmp/t$n.obs.h5"
    done
    cmp -s "$tmp/t1.obs.h5" "$tmp/t2.obs.h5" || bad "output differs between 1 and 2 threads"
    for trial in S00_P00_T01_BalancingTrial S00_P00_T00_StaticTrial; do
        d=$demo/$trial
        expect 0 - "$trial: keypoints to observations" -- "$conv" --layout body25b --rate 60 \
            --calib "$tmp/rig.calib.h5" "$d/pose" "$tmp/$trial.obs.h5"
        # --outlier-px 20: the default 4 px suits markers, not a network's keypoints
        # (Pose2Sim uses 15 px, but keeps some 2-of-4 camera agreements that kc-triangulate
        # rejects: a tie of two pairs, or a pair less confident than the other two views;
        # 15 px leaves 86% of Pose2Sim's points, 20 px 96% — 73% and 90% when a 2-of-4
        # agreement was never enough, before the majority became one of the confidences);
        # --max-gap 10 as Pose2Sim's interpolation of gaps < 10 frames (Config.toml)
        expect 0 - "$trial: triangulate" -- "$tri" --cutoff none --outlier-px 20 --max-gap 10 \
            -o "$tmp/$trial.traj.h5" \
            "$tmp/rig.calib.h5" "$tmp/$trial.obs.h5"
        echo "== $trial"
        "$check" "$tmp/rig.calib.h5" "$tmp/$trial.obs.h5" "$tmp/$trial.traj.h5" \
            "$d/pose-associated" "$(ls "$d"/pose-3d/*_0-*.trc | grep -v _filt | head -1)" \
            "$d/pose" ||
            bad "$trial: acceptance (test_keypoints_real) failed"
    done
    [ "$fail" -eq 0 ] || exit 1
    exit 0
fi

expect 0 0 "help" -- "$conv" --help
for w in --layout --rate --min-confidence --calib --person body25b DeepLabCut; do
    grep -q -- "$w" "$tmp/out" || bad "--help does not mention $w"
done

# good input
expect 0 - "OpenPose folder" -- "$conv" --no-provenance --layout BODY_25B --rate 30 \
    "$data/pose_ok" "$tmp/op.obs.h5"
[ -f "$tmp/op.obs.h5" ] || bad "no output for the OpenPose folder"
grep -q "several people" "$tmp/err" || bad "no warning about several people without --calib"
expect 0 0 "OpenPose folder, --person 1" -- "$conv" --quiet --layout body25b --rate 30 \
    --person 1 "$data/pose_ok" "$tmp/op1.obs.h5"
expect 0 0 "DeepLabCut folder" -- "$conv" --rate 50 "$data/dlc_ok" "$tmp/dlc.obs.h5"
expect 0 0 "DeepLabCut file" -- "$conv" --rate 50 --min-confidence 0.5 \
    "$data/dlc_single.csv" "$tmp/dlc1.obs.h5"
if command -v h5dump > /dev/null; then
    h5dump -d /camera_names "$tmp/dlc.obs.h5" | grep -q '"camA_video", "camB_video"' ||
        bad "DeepLabCut camera names are not the file stems before DLC"
    h5dump -d /labels "$tmp/op.obs.h5" | grep -q '"UpperNeck"' ||
        bad "BODY_25B labels missing UpperNeck"
    h5dump -a /keypoint_layout "$tmp/op.obs.h5" | grep -q '"body25b"' ||
        bad "OpenPose observations do not record keypoint_layout body25b"
    ! h5dump -a /keypoint_layout "$tmp/dlc.obs.h5" > /dev/null 2>&1 ||
        bad "DeepLabCut observations (no OpenPose layout) record a keypoint_layout"
fi

# misuse: exit 1
expect 1 1 "no --rate" -- "$conv" --layout body25b "$data/pose_ok" "$tmp/x.obs.h5"
expect 1 1 "bad --person" -- "$conv" --layout body25b --rate 30 --person two \
    "$data/pose_ok" "$tmp/x.obs.h5"
expect 1 1 "--min-confidence out of range" -- "$conv" --layout body25b --rate 30 \
    --min-confidence 1.5 "$data/pose_ok" "$tmp/x.obs.h5"
expect 1 1 "--layout with a C3D" -- "$conv" --layout body25b x.c3d "$tmp/x.traj.h5"

# bad input: exit 2, one line, no output
expect 2 1 "unknown layout" -- "$conv" --layout body99 --rate 30 "$data/pose_ok" "$tmp/x.obs.h5"
expect 2 1 "malformed JSON" -- "$conv" --layout body25b --rate 30 "$data/pose_bad" "$tmp/x.obs.h5"
grep -q "cam02.0001.json" "$tmp/err" || bad "malformed JSON: the message does not name the file"
expect 2 1 "different frame counts" -- "$conv" --layout body25b --rate 30 \
    "$data/pose_mismatch" "$tmp/x.obs.h5"
grep -q "frames" "$tmp/err" || bad "different frame counts: the message does not say so"
expect 2 1 "wrong layout for the files" -- "$conv" --layout coco --rate 30 \
    "$data/pose_ok" "$tmp/x.obs.h5"
expect 2 1 "not DeepLabCut" -- "$conv" --rate 30 "$data/bad_dlc_row.csv" "$tmp/x.obs.h5"
for f in bad_dlc_order bad_dlc_twice; do
    expect 2 1 "$f" -- "$conv" --rate 30 "$data/$f.csv" "$tmp/x.obs.h5"
done
expect 2 1 "missing folder" -- "$conv" --layout body25b --rate 30 "$tmp/nothere/" \
    "$tmp/x.obs.h5"
mkdir -p "$tmp/notop/cam1" && cp "$data/bad_not_openpose.json" "$tmp/notop/cam1/f.json"
expect 2 1 "JSON that is not OpenPose's" -- "$conv" --layout body25b --rate 30 \
    "$tmp/notop" "$tmp/x.obs.h5"
[ -e "$tmp/x.obs.h5" ] && bad "a failed conversion left an output"
ls "$tmp" | grep -q '\.tmp\.' && bad "a failed conversion left a temporary"
[ "$fail" -eq 0 ] || exit 1
exit 0
