#!/usr/bin/env bash
# Set up, then run the test suite on the CPU. "No tests collected" (pytest exit 5) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh || exit 1
JAX_PLATFORMS=cpu .venv/bin/python -m pytest -q "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
