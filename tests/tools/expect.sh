# Sourced by the tool tests. expect CODE LINES ARGS... runs "$tool" ARGS (stdout to $out,
# stderr to $err) and checks the exit code and the number of lines on stderr (one line per
# error is the contract); on a mismatch it prints what happened and sets fail=1.
# The caller sets tool, out, err and fail.
expect() {
    code=$1
    lines=$2
    shift 2
    "$tool" "$@" >"$out" 2>"$err"
    got=$?
    n=$(wc -l <"$err")
    if [ "$got" -ne "$code" ] || [ "$n" -ne "$lines" ]; then
        echo "FAIL: $(basename "$tool") $*: exit $got (want $code), $n stderr lines (want $lines):"
        cat "$err"
        fail=1
    fi
}
