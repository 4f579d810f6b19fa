#!/usr/bin/env bash
# Scale-out on a REAL single-node Slurm cluster, started here:
#
#   1. install Slurm (slurmctld, slurmd, client) and munge with apt-get;
#   2. write a cgroup-free slurm.conf in a temporary folder (own ports, state, logs), start
#      munged (unless one already answers), slurmctld and slurmd, and wait for the node to be
#      idle;
#   3. submit studies with scripts/slurm/submit.sh as job arrays of 4 shards plus a dependent
#      merge job, wait (sbatch --wait), and `cmp` every merged file with the same study run
#      on one machine;
#   4. stop exactly the daemons it started, by PID, and remove the folder.
#
# It needs root and apt (CI runs it on a fresh machine). If anything cannot be installed or
# started it FAILS LOUDLY (non-zero exit, a `slurm.sh: FAILED:` line): it never skips.
# Takes well under a minute once the release binary is built. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

fail() {
    echo "slurm.sh: FAILED: $*" >&2
    if [ -n "${tmp:-}" ]; then
        for log in "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/study-*/logs/*.out; do
            [ -s "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 15 "$log" >&2; }
        done
    fi
    exit 1
}
t0=$(date +%s)
step() { echo "== [$(($(date +%s) - t0)) s] $*"; }

[ "$(id -u)" = 0 ] || fail "needs root: it installs Slurm and munge with apt-get and starts their daemons"
command -v apt-get >/dev/null || fail "needs apt-get (a Debian or Ubuntu machine)"

step "build (cargo build --release)"
cargo build --release --quiet || fail "cargo build --release"
bin="${CARGO_TARGET_DIR:-target}/release/polarity"
[ -x "$bin" ] || fail "no release binary at $bin"
bin=$(cd "$(dirname "$bin")" && pwd)/polarity

step "apt-get install slurmctld slurmd slurm-client munge"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || fail "apt-get update"
apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null \
    || fail "apt-get install slurmctld slurmd slurm-client munge"
for c in slurmctld slurmd sbatch sinfo scontrol munged munge unmunge; do
    command -v "$c" >/dev/null || fail "$c is not installed"
done
slurmd -V

tmp=$(mktemp -d /tmp/polarity-slurm.XXXXXX)
chmod 755 "$tmp"
munge_pid=""
ctld_pid=""
slurmd_pid=""

# A process is gone when it no longer exists or is a zombie waiting to be reaped.
gone() {
    local stat
    stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
    case "$stat" in Z*) return 0 ;; *) return 1 ;; esac
}
stop_pid() { # PID NAME: SIGTERM, then up to 20 s, then SIGKILL; only that PID
    local pid=$1 name=$2
    [ -n "$pid" ] || return 0
    gone "$pid" && return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do gone "$pid" && return 0; sleep 0.5; done
    echo "$name (pid $pid) did not stop on SIGTERM: SIGKILL" >&2
    kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    set +e
    if [ -n "$ctld_pid" ] && ! gone "$ctld_pid"; then
        SLURM_CONF="$tmp/slurm.conf" scontrol shutdown >/dev/null 2>&1
        for _ in $(seq 1 20); do gone "$ctld_pid" && { [ -z "$slurmd_pid" ] || gone "$slurmd_pid"; } && break; sleep 0.5; done
    fi
    stop_pid "$slurmd_pid" slurmd
    stop_pid "$ctld_pid" slurmctld
    stop_pid "$munge_pid" munged
    [ -n "$ctld_pid$slurmd_pid$munge_pid" ] && echo "== stopped the daemons this script started (pids: ${ctld_pid:-} ${slurmd_pid:-} ${munge_pid:-})"
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT

step "munge"
if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    echo "a munged is already running: using it (and leaving it running)"
else
    [ -s /etc/munge/munge.key ] || fail "/etc/munge/munge.key is missing (the munge package creates it)"
    install -d -o munge -g munge -m 0755 /run/munge
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid || fail "munged does not start"
    for _ in $(seq 1 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    munge_pid=$(cat /run/munge/munged.pid 2>/dev/null) || fail "munged wrote no pid file"
    munge -n </dev/null | unmunge >/dev/null || fail "munge does not answer"
    echo "started munged (pid $munge_pid)"
fi

step "slurm.conf (single node, cgroup-free, state and logs in $tmp)"
host=$(hostname -s)
node=$(slurmd -C | head -n 1)
[ -n "$node" ] || fail "slurmd -C describes no node"
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<EOF
ClusterName=polarity-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CryptoType=crypto/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=4
SchedulerParameters=batch_sched_delay=0
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"
echo "$node"

step "start slurmctld and slurmd"
slurmctld -f "$SLURM_CONF" || fail "slurmctld does not start"
for _ in $(seq 1 50); do [ -s "$tmp/slurmctld.pid" ] && break; sleep 0.1; done
ctld_pid=$(cat "$tmp/slurmctld.pid" 2>/dev/null) || fail "slurmctld wrote no pid file"
slurmd -f "$SLURM_CONF" || fail "slurmd does not start"
for _ in $(seq 1 50); do [ -s "$tmp/slurmd.pid" ] && break; sleep 0.1; done
slurmd_pid=$(cat "$tmp/slurmd.pid" 2>/dev/null) || fail "slurmd wrote no pid file"
echo "slurmctld pid $ctld_pid, slurmd pid $slurmd_pid"
state=""
for _ in $(seq 1 120); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1) || true
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || fail "the node is not idle after 60 s (state: ${state:-none})"
sinfo

# Runs one study on Slurm (4 shards + merge) and on this machine; the files must be equal.
check_study() { # NAME POLARITY-ARGS…
    local name=$1
    shift
    local dir="$tmp/study-$name"
    step "$name: submit.sh -n 4 --wait -- $*"
    local t=$(date +%s)
    timeout 300 "$repo/scripts/slurm/submit.sh" -n 4 --wait --polarity "$bin" "$dir" -- "$@" \
        || fail "$name: the Slurm job array or its merge failed"
    echo "$name: array and merge done in $(($(date +%s) - t)) s"
    for k in 0 1 2 3; do
        [ -s "$dir/shard-$k/manifest.json" ] || fail "$name: shard $k did not finish"
        grep -o '"shard": "[0-9/]*"' "$dir/shard-$k/manifest.json"
    done
    step "$name: the same study on one machine"
    "$bin" "$@" --out "$dir/local" --quiet || fail "$name: the local study failed"
    local a b
    a=$(cd "$dir/local" && find . -type f ! -name manifest.json | sort)
    b=$(cd "$dir/merged" && find . -type f ! -name manifest.json | sort)
    [ "$a" = "$b" ] || fail "$name: the merged folder holds other files: [$b] vs [$a]"
    local f
    for f in $a; do
        cmp "$dir/local/$f" "$dir/merged/$f" || fail "$name: $f differs"
        printf '  identical: %-20s %10d bytes\n' "${f#./}" "$(wc -c < "$dir/local/$f")"
    done
}

check_study run run baseline --runs 2000 --seed 11 --trace 2 --trace-runs 1500
check_study sweep sweep tiny --runs 1000 --seed 5 --trace 1 \
    --set 'policy.rules[controls].enforcement=Uniform(0.5, 0.9),0.95'

step "a failing shard fails the submission (the merge job is cancelled)"
t=$(date +%s)
if timeout 120 "$repo/scripts/slurm/submit.sh" -n 4 --wait --polarity "$bin" "$tmp/study-bad" \
    -- run "$tmp/no-such-scenario.ron" --runs 100; then
    fail "submit.sh succeeded although every shard failed"
fi
[ ! -e "$tmp/study-bad/merged/manifest.json" ] || fail "a merged folder appeared from failed shards"
grep -h "error:" "$tmp"/study-bad/logs/shard-*.out | head -n 1
echo "refused in $(($(date +%s) - t)) s, as it should be"

step "Slurm scale-out test passed"
