#!/usr/bin/env bash
# Issue 10's GPU-scale benchmark, one command (at most 10 minutes on one GPU, compilation
# included): the fused loop against simulation and updates alone (ant, humanoid; 1024 / 4096 /
# 16384 envs), one update against batch size (256 .. 32768), sampling latency at T = 5 and 20,
# the project's SAC and DACER2 against Brax's SAC, and a 4-minute DACER2 T=5 run on ant.
#   bash benchmarks/gpu.sh [--smoke] [--out DIR]
# Writes benchmarks/results/gpu_bench/full_on_<card>/gpu.{json,md}; PYTHON overrides the
# interpreter (on a lent GPU machine: see benchmarks/README.md, "On a GPU").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
  || echo "(no nvidia-smi: running on $("$PY" -c 'import jax; print(jax.devices()[0])'))"
exec timeout 900 "$PY" benchmarks/gpu.py "$@"
