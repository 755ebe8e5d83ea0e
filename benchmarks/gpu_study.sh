#!/usr/bin/env bash
# GPU version of the diffusion-step benchmark plus a short training run (about 5-10 min on one
# H100: most of it is MJX compilation). NOT RUN YET: no GPU was available when it was written.
#   bash benchmarks/gpu_study.sh [ENV] [NUM_ENVS]     (defaults: halfcheetah 2048)
set -euo pipefail
cd "$(dirname "$0")/.."
ENV=${1:-halfcheetah}
NUM_ENVS=${2:-2048}
OUT=benchmarks/results/gpu_${ENV}
PY=".venv/bin/python -m launch.cli"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT.gpu.txt" || true

# (a)-(d) side by side at the preset's update-to-data ratio (U=16 per 2048-env step).
$PY bench --env "$ENV" --num-envs "$NUM_ENVS" --variants dacer2:5 dacer2:20 dacer:20 dacer:5 sac \
  --sample-batch 4096 --rounds 5 --sample-calls 20 --update-calls 10 \
  --iterations-per-chunk 10 --out "$OUT/bench"

# A short training run of DACER2 T=5 and DACER T=20 (1M env steps each, one seed): a sanity
# check of throughput and early learning, not a result.
for V in dacer2:5 dacer:20; do
  $PY sweep --env "$ENV" --num-envs "$NUM_ENVS" --variants "$V" --seeds 0 \
    --total-env-steps 1000000 --warmup-steps 100000 --out "$OUT/runs" --no-progress
done
$PY plot --runs "$OUT/runs" --out "$OUT"
