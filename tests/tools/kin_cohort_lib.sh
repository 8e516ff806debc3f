# Sourced by the kc-stats shell tests: kin_cohort SUBJECTS [KC-SYNTH OPTIONS...] makes a small
# kc-synth session in $W/session (seed 7; $S names it) of SUBJECTS subjects x 2 drop jumps and
# runs every static and drop jump through kc-triangulate (true calibration) and kc-ik:
# $W/traj/<subject>/<trial>.traj.h5 and $W/kin/<subject>/dvj_<n>.kin.h5. Needs SYNTH, TRI, IK
# and W; on a failure it prints which step failed and exits 1.
kin_cohort() {
    n_subjects=$1
    shift
    S=$W/session
    "$SYNTH" session "$S" --subjects "$n_subjects" --trials 2 --seed 7 "$@" >/dev/null 2>&1 ||
        { echo "kc-synth failed"; exit 1; }
    for d in "$S"/s0?; do
        s=$(basename "$d"); mkdir -p "$W/traj/$s" "$W/kin/$s"
        for t in static dvj_1 dvj_2; do
            "$TRI" --quiet -o "$W/traj/$s/$t.traj.h5" "$S/calib/truth.calib.h5" "$d/$t.obs.h5" ||
                { echo "kc-triangulate failed on $d/$t"; exit 1; }
        done
        for t in dvj_1 dvj_2; do
            "$IK" --quiet -o "$W/kin/$s/$t.kin.h5" --type dvj --static "$W/traj/$s/static.traj.h5" \
                --subjects "$S/subjects.csv" --subject "$s" "$W/traj/$s/$t.traj.h5" ||
                { echo "kc-ik failed on $s/$t"; exit 1; }
        done
    done
}
