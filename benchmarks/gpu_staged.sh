#!/usr/bin/env bash
# The GPU benchmark in stages: benchmarks/gpu.sh's parts at reduced sizes, most telling first,
# each stage under its own time limit and written to disk as soon as it ends, so that a slow
# compile cannot starve the other stages and a short session on a GPU still leaves results.
# (`bash benchmarks/gpu.sh` runs the full benchmark as one command instead.)
#
#   bash benchmarks/gpu_staged.sh [--out DIR] [--from DIR] [--archive FILE.tgz] [--wheels DIR] STAGE...
#
# Stages, run in the order given (limit in seconds, compilation included):
#   sampling          (60)  behaviour-action latency, 1 and 4096 states, T = 5 and 20
#   update_at_preset  (150) one update at the GPU presets' batch (4096): dacer2 T=5, dacer T=20, sac
#   update_vs_batch   (300) the same at batches 256 1024 16384 32768
#   loop_and_run      (240) the fused loop against its parts on ant at 4096 envs, then a ~60 s
#                           DACER2 T=5 training run sized from the loop's rate
#   run               (170) the training run alone, at the rate an earlier loop_and_run measured
#   brax_sac          (300) Brax's own SAC against the project's SAC and DACER2 T=5 (ant, 1024 envs)
# Reduced against the full benchmark: ant at 4096 envs only in the loop part, no humanoid, a
# ~60 s training run instead of 4 minutes.
#
# Writes into DIR (default runs/gpu_staged/<card>): card.txt (nvidia-smi's name, driver and
# memory), one folder of gpu.json + gpu.md (+ the run's curve) per stage, STAGE.log, and
# stages.txt with one line per stage: its exit status (124: it ran out of time; a part writes
# only when it ends, so such a stage leaves no figures) and the seconds since the start.
# Stage folders already in DIR are extended, not replaced, so `run` finds loop_and_run's rate.
#   --from DIR         copy the stage folders of an earlier result first (same card), e.g.
#                      benchmarks/results/gpu_bench/nvidia_h200_2026-12-04
#   --archive FILE.tgz pack DIR into FILE after every stage (handy where results are copied
#                      back from the GPU machine as single files)
#   --wheels DIR       install the wheels in DIR into /tmp/site first and use python3 (a GPU
#                      machine with JAX and CUDA but no MuJoCo, Brax or network: build the
#                      wheels elsewhere with benchmarks/gpu_wheels.sh and copy .whl/ over)
# The interpreter is $PYTHON, else .venv/bin/python (python3 with --wheels).
set -uo pipefail
cd "$(dirname "$0")/.."
usage="usage: bash benchmarks/gpu_staged.sh [--out DIR] [--from DIR] [--archive FILE.tgz] \
[--wheels DIR] STAGE... (stages: sampling update_at_preset update_vs_batch loop_and_run run brax_sac)"
out="" from="" archive="" wheels="" stages=()
while [ $# -gt 0 ]; do
  case $1 in
    --out | --from | --archive | --wheels)
      [ $# -ge 2 ] || { echo "$1 needs a value; $usage" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    -*) echo "unknown option $1; $usage" >&2; exit 2 ;;
    sampling | update_at_preset | update_vs_batch | loop_and_run | run | brax_sac)
      stages+=("$1"); shift ;;
    *) echo "unknown stage $1; $usage" >&2; exit 2 ;;
  esac
done
[ ${#stages[@]} -gt 0 ] || { echo "$usage" >&2; exit 2; }
start=$(date +%s)
PY=${PYTHON:-.venv/bin/python}
if [ -n "$wheels" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "$wheels"/*.whl || exit 1
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
  PY=${PYTHON:-python3}
fi
export PYTHONUNBUFFERED=1
card_line=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  2>/dev/null | head -1)
[ -n "$card_line" ] || card_line=$("$PY" -c 'import jax; print(jax.devices()[0].device_kind)')
card=$(echo "$card_line" | cut -d, -f1 | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\+/_/g; s/^_//; s/_$//')
results=${out:-runs/gpu_staged/$card}
mkdir -p "$results"
echo "$card_line" | tee "$results/card.txt"
if [ -n "$from" ]; then
  cp -rn "$from"/*/ "$results/" 2>/dev/null
fi

stage() {  # stage NAME FOLDER SECONDS ARGS...: one benchmarks/gpu.py call into $results/FOLDER
  local name=$1 folder=$2 limit=$3
  shift 3
  timeout -k 10 "$limit" "$PY" benchmarks/gpu.py --out "$results/$folder" \
    --runs-dir runs "$@" >"$results/$name.log" 2>&1
  echo "$name: exit $? at $(($(date +%s) - start)) s" | tee -a "$results/stages.txt"
  if [ -n "$archive" ]; then tar czf "$archive" -C "$results" .; fi
}

loop=(--loop-envs ant --num-envs 4096 --run-seconds 60)  # one sizes set for loop and run
for name in "${stages[@]}"; do
  case $name in
    sampling) stage sampling sampling 60 --parts sampling ;;
    update_at_preset) stage update_at_preset update_at_preset 150 --parts update_vs_batch \
      --batches 4096 ;;
    update_vs_batch) stage update_vs_batch update_vs_batch 300 --parts update_vs_batch \
      --batches 256 1024 16384 32768 ;;
    loop_and_run) stage loop_and_run loop_and_run 240 --parts loop run "${loop[@]}" ;;
    run) stage run loop_and_run 170 --parts run "${loop[@]}" ;;
    brax_sac) stage brax_sac brax_sac 300 --parts brax_sac ;;
  esac
done
echo "wrote $results"
