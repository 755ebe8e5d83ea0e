#!/usr/bin/env bash
# Run on a GPU machine that has JAX and CUDA but neither MuJoCo nor Brax nor network access,
# with `.whl/` (built elsewhere by benchmarks/gpu_wheels.sh) copied into the checkout: installs
# the wheels into /tmp/site and runs benchmarks/gpu.sh with its arguments, writing into
# $OUT/gpu_bench (OUT defaults to runs/benchmarks; each part is written as soon as it is done,
# so a command stopped by a time limit still leaves the parts before). For example
#   bash benchmarks/gpu_machine.sh                 # every part
#   bash benchmarks/gpu_machine.sh --parts run     # one part (the others already there are kept)
# then copy gpu_bench/ to benchmarks/results/gpu_bench/full_on_<card>/ to commit it. With
# MuJoCo and Brax installed (`bash launch/setup.sh`), run `bash benchmarks/gpu.sh` directly.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 PYTHON=python3
out="${OUT:-runs/benchmarks}/gpu_bench"
mkdir -p "$out"
for earlier in benchmarks/results/gpu_bench/full_on_*/gpu.json; do  # parts not rerun are kept
  [ -f "$earlier" ] && cp "$earlier" "$out/"                       # (same card, jax and sizes)
done
bash benchmarks/gpu.sh --out "$out" --runs-dir /tmp/runs "$@"
