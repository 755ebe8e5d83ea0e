#!/usr/bin/env bash
# The CPU diffusion-step study committed under benchmarks/results/study/: DACER2 T=5, DACER T=20,
# DACER T=5 (no Q-gradient loss) and SAC, 3 seeds vmapped per variant, on MultiGoal and
# InvertedPendulum at short, CPU-sized budgets (64-wide nets). Then the figures and tables.
#   bash benchmarks/study_cpu.sh            (about 30 min on a loaded 2-core CPU)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=".venv/bin/python -m launch.cli"
OUT=benchmarks/results/study
VARIANTS="dacer2:5 dacer:20 dacer:5 sac"
COMMON="--seeds 0 1 2 --out $OUT/runs --policy-hidden 64 64 --critic-hidden 64 64
  --actor-lr 3e-4 --critic-lr 3e-4 --entropy-num-states 16 --num-eval-envs 16 --no-progress"

# shellcheck disable=SC2086
$PY sweep --variants $VARIANTS $COMMON --env multigoal --total-env-steps 12800 --num-envs 32 \
  --updates-per-iteration 4 --warmup-steps 1600 --iterations-per-chunk 25 --entropy-every 200
# shellcheck disable=SC2086
$PY sweep --variants $VARIANTS $COMMON --env inverted_pendulum --total-env-steps 10000 \
  --num-envs 16 --updates-per-iteration 4 --warmup-steps 2000 --iterations-per-chunk 125 \
  --entropy-every 200
$PY plot --runs $OUT/runs --out $OUT
