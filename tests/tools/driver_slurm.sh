#!/bin/sh
# scripts/kinechain cohort --slurm on a real single-node SLURM cluster started here: munged with
# a generated key, slurmctld and slurmd with a generated slurm.conf (proctrack/linuxproc,
# task/none, no cgroups, no accounting), every file and socket in a temporary folder, on
# localhost ports chosen at random. A small synthetic cohort is submitted (a job array for the
# statics, a dependent array for the trials, a dependent statistics job); its outputs must
# equal those of a local `cohort -j 2` run (h5diff, provenance aside), each array task must
# have run with SLURM_CPUS_PER_TASK threads, and one corrupt trial must make the statistics
# job end with exit 4 and list it.
# Bounded: the whole test gives up after KC_SLURM_TIMEOUT seconds (default 240); every daemon
# it started is stopped on exit. When the daemons cannot start (not installed, no permission,
# no munge), it exits 77 (SKIPPED) naming the reason: never a pass without a cluster.
# Usage: driver_slurm.sh SOURCE_DIR BUILD_DIR
set -u
src=$1 build=$2
work=$(mktemp -d)
daemons=""
stop_daemons() {
    for p in $daemons; do kill "$p" 2>/dev/null; done
    for p in $daemons; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$p" 2>/dev/null
    done
    daemons=""
}
trap 'stop_daemons; rm -rf "$work"' EXIT
trap 'exit 3' INT TERM
fail=0
. "$src/tests/tools/driver_lib.sh"
deadline=$(($(date +%s) + ${KC_SLURM_TIMEOUT:-240}))
skip() { note "SKIPPED: $*"; exit 77; }

for t in munged slurmctld slurmd sbatch squeue sinfo; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not found (Debian packages slurmctld slurmd slurm-client munge)"
done

# munge: a generated key, our own socket; run as the current user.
d="$work/cluster"
mkdir -p "$d/munge" "$d/state" "$d/spool"
chmod 700 "$d/munge"
dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$d/munge/munge.key"
munged -F --force --socket="$d/munge/sock" --key-file="$d/munge/munge.key" \
    --pid-file="$d/munge/pid" --log-file="$d/munge/log" --seed-file="$d/munge/seed" \
    >"$d/munged.out" 2>&1 &
daemons="$daemons $!"
i=0
until [ -S "$d/munge/sock" ]; do
    i=$((i + 1))
    [ $i -lt 50 ] && kill -0 $! 2>/dev/null || skip "munged did not start: $(tail -n 2 "$d/munged.out" | tr '\n' ' ')"
    sleep 0.1
done

user=$(id -un)
port=$((20000 + $$ % 20000))
cpus=$(nproc)
cat >"$d/slurm.conf" <<EOF
ClusterName=kctest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$d/munge/sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
PlugStackConfig=$d/plugstack.conf
NodeName=kcnode NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$cpus RealMemory=100 State=UNKNOWN
PartitionName=kctest Nodes=kcnode Default=YES MaxTime=10 State=UP
EOF
: >"$d/plugstack.conf"
export SLURM_CONF="$d/slurm.conf"
slurmctld -D -c -f "$d/slurm.conf" >"$d/slurmctld.out" 2>&1 &
daemons="$daemons $!"
slurmd -D -N kcnode -f "$d/slurm.conf" >"$d/slurmd.out" 2>&1 &
daemons="$daemons $!"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
    i=$((i + 1))
    if [ $i -ge 150 ]; then
        skip "slurmctld/slurmd did not come up in 15 s: $(grep -h -i error "$d/slurmctld.log" "$d/slurmd.log" "$d/slurmctld.out" "$d/slurmd.out" 2>/dev/null | grep -v pmix | tail -n 2 | tr '\n' ' ')"
    fi
    sleep 0.1
done
note "single-node SLURM up (port $port, $cpus CPUs)"

synth "$work/s" 3 2   # 3 statics, 3 functional, 6 drop jumps: 12 rows
m="$work/s/manifest.csv"
"$kc" cohort "$m" -j 2 -o "$work/local" >"$work/local.out" 2>&1 || { cat "$work/local.out"; bad "local run failed"; }

# wait_finished OUTDIR: until the statistics job has written OUTDIR/.kinechain/finished.
wait_finished() {
    while [ ! -f "$1/.kinechain/finished" ]; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            bad "SLURM jobs did not finish in time; queue: $(squeue -h 2>&1 | tr '\n' ';')"
            exit 1
        fi
        sleep 1
    done
    # the statistics job may still be completing
    while [ -n "$(squeue -h 2>/dev/null)" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
}

"$kc" cohort "$m" --slurm --partition kctest --array-limit 2 --cpus-per-task 1 -o "$work/slurm" \
    >"$work/submit.out" 2>"$work/submit.err" || bad "submission failed: $(cat "$work/submit.err")"
grep -q 'submitted kc-static array .* (6 tasks' "$work/submit.err" || bad "no static array: $(cat "$work/submit.err")"
grep -q 'submitted kc-trials array .* (6 tasks' "$work/submit.err" || bad "no trials array: $(cat "$work/submit.err")"
wait_finished "$work/slurm"
[ "$(cat "$work/slurm/.kinechain/finished")" = 0 ] || bad "the statistics job ended with $(cat "$work/slurm/.kinechain/finished"): $(cat "$work/slurm/slurm/logs/kc-stats.out")"
n=$(same_outputs "$work/local" "$work/slurm") || fail=1
# Threads: each task ran with OMP_NUM_THREADS = SLURM_CPUS_PER_TASK (1 here).
[ "$(cat "$work/slurm/slurm/logs"/kc-*-*.out | grep -c 'OMP_NUM_THREADS=1 ')" -eq 12 ] ||
    bad "the 12 array tasks did not all run with 1 thread: $(cat "$work/slurm/slurm/logs"/kc-*-*.out)"

# A corrupt trial, with --wait: the statistics job ends with 4 and the table lists the trial.
cp -a "$work/s" "$work/c"
head -c 150000 "$work/s/s02/dvj_1.obs.h5" >"$work/c/s02/dvj_1.obs.h5"
timeout $((deadline - $(date +%s) > 5 ? deadline - $(date +%s) : 5)) \
    "$kc" cohort "$work/c/manifest.csv" --slurm --cpus-per-task 2 --chunk 4 --wait -o "$work/corrupt" \
    >"$work/c.out" 2>"$work/c.err"
rc=$?
[ $rc -eq 4 ] || bad "--slurm --wait with a corrupt trial: exit $rc, want 4: $(cat "$work/c.err")"
grep -q '"s02/1/dvj_1","triangulate"' "$work/corrupt/failures.csv" 2>/dev/null || bad "the corrupt trial is not in failures.csv"
grep -q 'submitted kc-trials array .* (2 tasks of up to 4 rows)' "$work/c.err" || bad "--chunk 4: $(cat "$work/c.err")"
[ "$(find "$work/corrupt/kin" -name '*.kin.h5' | wc -l)" -eq 5 ] || bad "the 5 good trials should have kinematics"
grep -q 'OMP_NUM_THREADS=2 ' "$work/corrupt/slurm/logs/kc-trials-0.out" || bad "--cpus-per-task 2: tasks not run with 2 threads"

stop_daemons
[ $fail -eq 0 ] && echo "driver_slurm: all checks passed ($n outputs of the SLURM run equal to the local run)"
exit $fail
