# kinechain — shared set-up for scripts/kinechain and scripts/test (POSIX sh, sourced).
# kc_setup_packages LIST: install missing Debian packages (as root) or print the exact
# apt-get line and fail. kc_build DIR [CMAKE ARGS...]: configure and build into DIR.

KC_ROOT=${KC_ROOT:-$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)}

# Packages needed to build and run the pipeline.
KC_BUILD_PACKAGES="gcc make cmake pkg-config libhdf5-dev hdf5-tools libgsl-dev libpng-dev libcairo2-dev libssl-dev libxml2-dev libyaml-dev libjansson-dev"
# Extra packages for the test suite: the contract page's h5py and R snippets, sanitizers.
# clang with its sanitizer runtimes and OpenMP for the bounded libFuzzer runs.
KC_TEST_PACKAGES="python3 python3-h5py python3-numpy r-cran-hdf5r clang-14 libclang-rt-14-dev libomp-14-dev chromium slurmctld slurmd slurm-client munge"

kc_say() { printf '%s\n' "$*" >&2; }

kc_missing_packages() {
    missing=""
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing="$missing $p"
        fi
    done
    printf '%s' "${missing# }"
}

kc_setup_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        kc_say "kinechain: this set-up expects Debian (dpkg); install the equivalents of: $*"
        return 1
    fi
    missing=$(kc_missing_packages "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        kc_say "kinechain: missing Debian packages. Run this, then try again:"
        kc_say "  sudo apt-get update && sudo apt-get install -y $missing"
        return 1
    fi
    kc_say "kinechain: installing $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq $missing >&2
}

kc_build() {
    dir=$1
    shift
    mkdir -p "$dir" || return 1
    cmake -S "$KC_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir/configure.log" 2>&1 ||
        { cat "$dir/configure.log" >&2; kc_say "kinechain: cmake configure failed"; return 1; }
    jobs=$(nproc 2>/dev/null || echo 2)
    cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1 ||
        { tail -n 40 "$dir/build.log" >&2; kc_say "kinechain: build failed (full log: $dir/build.log)"; return 1; }
}
