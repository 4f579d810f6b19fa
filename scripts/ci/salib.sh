#!/usr/bin/env bash
# The SALib round trip, end to end, with SALib itself:
#
#   polarity salib-problem  ->  salib sample saltelli  ->  polarity batch  ->  salib analyze sobol
#
# SALib is installed from PyPI (pinned, with its dependencies) into a temporary virtual
# environment; `salib sample`'s own matrix is fed to `polarity batch` unchanged. The script
# checks that a Sobol first-order and total index came out for every parameter, and FAILS
# LOUDLY (non-zero exit, a `salib.sh: FAILED:` line) if anything cannot be installed or run:
# it never skips. Needs: the Rust toolchain, and python3 with venv (installed with apt-get
# when missing and running as root). Used by .ci/run; takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "salib.sh: FAILED: $*" >&2
    exit 1
}
t0=$(date +%s)
step() { echo "== [$(($(date +%s) - t0)) s] $*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/polarity-salib.XXXXXX")
trap 'rm -rf "$work"' EXIT

step "build (cargo build --release)"
cargo build --release --quiet || fail "cargo build --release"
bin="${CARGO_TARGET_DIR:-target}/release/polarity"
[ -x "$bin" ] || fail "no release binary at $bin"
bin=$(cd "$(dirname "$bin")" && pwd)/polarity

step "python virtual environment"
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -m venv "$work/venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "python3 with venv is missing: installing it with apt-get"
        apt-get update -qq || fail "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null \
            || fail "apt-get install python3 python3-venv"
        python=python3
        rm -rf "$work/venv"
        "$python" -m venv "$work/venv" || fail "python3 -m venv"
    else
        fail "python3 with the venv module is needed (apt-get install python3-venv)"
    fi
fi
"$work/venv/bin/python" --version

step "pip install SALib==1.5.1 (pinned with its dependencies)"
# SALib 1.5.1 calls pd.unique on a list, which pandas 3 refuses: pandas stays on 2.x.
cat > "$work/requirements.txt" <<'EOF'
SALib==1.5.1
numpy==2.4.6
scipy==1.17.1
pandas==2.3.3
matplotlib==3.11.2
multiprocess==0.70.19
dill==0.4.1
contourpy==1.3.3
cycler==0.12.1
fonttools==4.68.0
kiwisolver==1.5.1
packaging==26.4
pillow==13.0.0
pyparsing==3.3.3
python-dateutil==4.0.0
pytz==2026.6
tzdata==2026.6
EOF
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
    -r "$work/requirements.txt" || fail "pip install SALib==1.5.1 from PyPI"
salib="$work/venv/bin/salib"
[ -x "$salib" ] || fail "the SALib package installed no salib command"
"$work/venv/bin/python" -c 'import importlib.metadata as m; print("SALib", m.version("SALib"))' \
    || fail "SALib does not import"

cd "$work"
step "polarity salib-problem tiny > problem.txt"
"$bin" salib-problem tiny > problem.txt || fail "polarity salib-problem"
cat problem.txt
params=$(wc -l < problem.txt)
[ "$params" -ge 2 ] || fail "the problem file names $params parameters"

step "salib sample saltelli -n 64 --max-order 1"
"$salib" sample saltelli -p problem.txt -o X.txt -n 64 --max-order 1 \
    || fail "salib sample saltelli"
points=$(wc -l < X.txt)
[ "$points" -eq $((64 * (params + 2))) ] || fail "salib sample wrote $points rows"
head -n 2 X.txt

step "polarity batch tiny --design X.txt --names-from problem.txt --runs 40"
"$bin" batch tiny --design X.txt --names-from problem.txt --runs 40 --seed 1 \
    --out batch --quiet || fail "polarity batch on salib's own matrix"
[ "$(wc -l < batch/points.txt)" -eq "$points" ] || fail "points.txt has the wrong number of rows"
head -n 2 batch/points.txt

# Column 4 of points.txt is mean_first_crossing_year, column 1 p_unipolar (docs/experiments.md).
for column in 4 1; do
    step "salib analyze sobol -Y batch/points.txt -c $column"
    "$salib" analyze sobol -p problem.txt -Y batch/points.txt -c "$column" --max-order 1 \
        --seed 1 > "sobol-$column.txt" 2> "sobol-$column.err" \
        || { cat "sobol-$column.err" >&2; fail "salib analyze sobol -c $column"; }
    cat "sobol-$column.txt"
done

step "check: an S1 and an ST index for every parameter"
"$work/venv/bin/python" - problem.txt sobol-4.txt <<'EOF' || fail "salib analyze sobol produced no Sobol indices"
import math, sys
names = [line.split()[0] for line in open(sys.argv[1]) if line.strip()]
found = {"ST": {}, "S1": {}}
section = None
for line in open(sys.argv[2]):
    words = line.split()
    if not words:
        continue
    if words[0] in found:
        section = words[0]
        continue
    if section and words[0] in names:
        found[section][words[0]] = float(words[1])
for index, values in found.items():
    missing = [n for n in names if not math.isfinite(values.get(n, math.nan))]
    if missing:
        sys.exit(f"no finite {index} for {missing}")
total = sum(found["ST"].values())
print(f"{len(names)} parameters, each with finite S1 and ST (sum of ST = {total:.3f})")
if not total > 0:
    sys.exit("every total-order index is zero")
EOF
step "SALib round trip passed"
