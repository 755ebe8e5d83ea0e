#!/usr/bin/env bash
# Run THERE, on a lent GPU machine, with `.whl` (from benchmarks/gpu_wheels.sh) carried:
# installs the wheels into /tmp/site and runs benchmarks/gpu.sh with its arguments, e.g.
#   run(command="bash benchmarks/gpu_machine.sh", carry=[".whl"])
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 PYTHON=python3
bash benchmarks/gpu.sh "$@"
