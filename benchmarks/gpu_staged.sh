#!/usr/bin/env bash
# Run THERE, on a lent GPU machine, when the lease is short (15 minutes of device time, start
# included): benchmarks/gpu.sh's parts at reduced sizes, most telling first, each stage under its
# own time limit so a slow compile cannot starve the rest:
#   run(command="bash benchmarks/gpu_short_lease.sh STAGE...", carry=[".whl"], timeout_s=600)
# Stages, in the order given (their limits add up to more than one 10-minute command holds):
#   sampling          behaviour-action latency, 1 and 4096 states, T = 5 and 20
#   update_at_preset  one update at the presets' batch (4096): dacer2 T=5, dacer T=20, sac
#   update_vs_batch   the same at 256 1024 16384 32768
#   loop_and_run      fused loop against its parts on ant at 4096 envs, then a ~60 s training run
#   run               the training run alone, at the rate of an earlier loop_and_run (below)
#   brax_sac          Brax's own SAC against the project's SAC and DACER2 T=5 (ant, 1024 envs)
# Reduced against the full benchmark: ant at 4096 envs only in the loop part, no humanoid, a
# ~60 s training run instead of 4 minutes. Every stage's log, gpu.json, gpu.md and curve come
# back in one archive, $OUT/gpu_short_lease.tgz, rewritten after each stage (the device tool
# returns at most 8 files); unpack it into benchmarks/results/gpu_bench/short_lease_on_<card>/
# here. That card's stage folders already there are sent along, so `run` finds loop_and_run's
# rate.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
results="${OUT:?run this through the device tool}/short_lease"
mkdir -p "$results"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  | tee "$results/card.txt"
card=$(head -1 "$results/card.txt" | cut -d, -f1 | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\+/_/g')
cp -r "benchmarks/results/gpu_bench/short_lease_on_${card}"/*/ "$results/" 2>/dev/null

stage() {  # stage NAME FOLDER SECONDS ARGS...: one benchmarks/gpu.py call into $results/FOLDER
  local name=$1 folder=$2 limit=$3
  shift 3
  timeout -k 10 "$limit" python3 benchmarks/gpu.py --out "$results/$folder" \
    --runs-dir /tmp/runs "$@" >"$results/$name.log" 2>&1
  echo "$name: exit $? at $(($(date +%s) - start)) s" | tee -a "$results/stages.txt"
  tar czf "$OUT/gpu_short_lease.tgz" -C "$results" .
}

loop=(--loop-envs ant --num-envs 4096 --run-seconds 60)  # one sizes set for loop and run
[ $# -gt 0 ] || { echo "usage: gpu_short_lease.sh STAGE... (see the top of this file)" >&2; exit 2; }
for name in "$@"; do
  case $name in
    sampling) stage sampling sampling 60 --parts sampling ;;
    update_at_preset) stage update_at_preset update_at_preset 150 --parts update_vs_batch \
      --batches 4096 ;;
    update_vs_batch) stage update_vs_batch update_vs_batch 300 --parts update_vs_batch \
      --batches 256 1024 16384 32768 ;;
    loop_and_run) stage loop_and_run loop_and_run 240 --parts loop run "${loop[@]}" ;;
    run) stage run loop_and_run 170 --parts run "${loop[@]}" ;;
    brax_sac) stage brax_sac brax_sac 300 --parts brax_sac ;;
    *) echo "unknown stage $name" >&2; exit 2 ;;
  esac
done
