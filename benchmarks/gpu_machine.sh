#!/usr/bin/env bash
# Run THERE, on a lent GPU machine, with `.whl` (from benchmarks/gpu_wheels.sh) carried:
# installs the wheels into /tmp/site and runs benchmarks/gpu.sh with its arguments, writing into
# $OUT/gpu_bench (what the device tool brings back; each part is written as soon as it is done,
# so a call stopped at its time limit still returns the parts before). For example
#   run(command="bash benchmarks/gpu_machine.sh", carry=[".whl"])
#   run(command="bash benchmarks/gpu_machine.sh --parts run", carry=[".whl"])   # one part
# then copy the returned gpu_bench/ to benchmarks/results/gpu_bench/full_on_<card>/ here.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 PYTHON=python3
out="${OUT:?run this through the device tool}/gpu_bench"
mkdir -p "$out"
for earlier in benchmarks/results/gpu_bench/full_on_*/gpu.json; do  # parts not rerun are kept
  [ -f "$earlier" ] && cp "$earlier" "$out/"                       # (same card, jax and sizes)
done
bash benchmarks/gpu.sh --out "$out" --runs-dir /tmp/runs "$@"
