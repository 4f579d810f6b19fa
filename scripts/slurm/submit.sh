#!/usr/bin/env bash
# Submit a polarity study to Slurm as a job array of shards plus a dependent merge job.
#
#   scripts/slurm/submit.sh [-n SHARDS] [-c CPUS] [--wait] [--polarity BIN] [-s 'SBATCH OPTS']
#                           OUT -- POLARITY-ARGS…
#
#   scripts/slurm/submit.sh -n 16 runs/big -- run baseline --runs 2000000 --seed 7
#   scripts/slurm/submit.sh -n 8 -s '--partition=short --account=ai' runs/sw -- \
#       sweep baseline --set 'policy.rules[oct-2023].compliant_variants=true,false' --runs 400000
#
# Submits `scripts/slurm/study.sbatch` as an array of SHARDS tasks (default 4), each writing
# OUT/shard-K, then `polarity merge OUT/shard-0 … --out OUT/merged` as a job that starts only
# when every task succeeded (afterok; it is cancelled if one fails). Logs go to OUT/logs/.
# With --wait it blocks until the merge job has finished, and exits 0 only when the merged
# folder was written (non-zero when a shard failed and the merge was cancelled, or the merge
# failed). POLARITY-ARGS are those of `polarity run`,
# `sweep` or `batch` without --shard, --out and --threads, which the script sets. Paths in
# them (a scenario file, a design file) must be visible from the compute nodes.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//; /^set -euo/d' >&2
    exit 2
}
shards=4
cpus=1
wait=()
polarity=${POLARITY:-}
extra=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        -n | --shards) shards=$2; shift 2 ;;
        -c | --cpus) cpus=$2; shift 2 ;;
        --wait) wait=(--wait); shift ;;
        --polarity) polarity=$2; shift 2 ;;
        -s | --sbatch) read -r -a more <<< "$2"; extra+=("${more[@]}"); shift 2 ;;
        -h | --help) usage ;;
        --) shift; break ;;
        -*) echo "submit.sh: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[ "$#" -ge 3 ] && [ "$2" = "--" ] || usage
out=$1
shift 2
case "$shards" in '' | *[!0-9]* | 0) echo "submit.sh: -n needs a positive number" >&2; exit 2 ;; esac
if [ -z "$polarity" ]; then
    polarity=$(command -v polarity) || {
        echo "submit.sh: no polarity on the PATH; pass --polarity BIN" >&2
        exit 2
    }
fi
polarity=$(cd "$(dirname "$polarity")" && pwd)/$(basename "$polarity")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
# The merged folder counts only if written after this moment (sbatch --wait returns 0 for a
# merge job cancelled because a shard failed: it never ran).
marker="$out/logs/.submitted"
touch "$marker"

array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
    --output="$out/logs/shard-%a.out" --export="ALL,POLARITY=$polarity" \
    "${extra[@]}" "$here/study.sbatch" "$out" "$@")
array=${array%%;*}
echo "submitted shards: job array $array ($shards tasks) -> $out/shard-0 … shard-$((shards - 1))"

dirs=()
for ((k = 0; k < shards; k++)); do dirs+=("$out/shard-$k"); done
merge_command=$(printf '%q ' "$polarity" merge "${dirs[@]}" --out "$out/merged" --force --quiet)
status=0
merge=$(sbatch --parsable "${wait[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --job-name=polarity-merge --cpus-per-task=1 --mem=1G \
    --output="$out/logs/merge.out" "${extra[@]}" --wrap="$merge_command") || status=$?
merge=${merge%%;*}
echo "submitted merge: job $merge (after every shard succeeded) -> $out/merged"
if [ "${#wait[@]}" -gt 0 ]; then
    if [ "$status" -ne 0 ] || ! [ "$out/merged/manifest.json" -nt "$marker" ]; then
        state=$(scontrol show job -o "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*') || true
        echo "submit.sh: the merge job $merge did not complete (${state:-state unknown}, sbatch" \
            "exit $status): a shard failed and the merge was cancelled, or the merge failed;" \
            "see $out/logs/" >&2
        [ "$status" -ne 0 ] && exit "$status"
        exit 1
    fi
    echo "done: $out/merged"
fi
