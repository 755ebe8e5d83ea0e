#!/usr/bin/env bash
# Issue 10's GPU-scale benchmark, one command (at most 10 minutes on one GPU, compilation
# included): the fused loop against simulation and updates alone (ant, humanoid; 1024 / 4096 /
# 16384 envs), one update against batch size (256 .. 32768), sampling latency at T = 5 and 20,
# the project's SAC and DACER2 against Brax's SAC, and a 4-minute DACER2 T=5 run on ant.
#   bash benchmarks/gpu.sh [--smoke] [--out DIR]
# Writes runs/benchmarks/gpu_bench/full_on_<card>/gpu.{json,md} unless --out DIR; PYTHON overrides
# the interpreter. On a GPU machine without MuJoCo or Brax: benchmarks/gpu_machine.sh; with a
# short time on the GPU: benchmarks/gpu_staged.sh (benchmarks/README.md, "GPU scale").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
  || echo "(no nvidia-smi: running on $("$PY" -c 'import jax; print(jax.devices()[0])'))"
exec timeout 900 "$PY" benchmarks/gpu.py "$@"
