#!/usr/bin/env bash
# Set up, then run the test suite on the CPU. "No tests collected" (pytest exit 5) is a failure.
# Test files run in parallel, one pytest-xdist worker per core (a file stays on one worker, so
# its module fixtures run once), the longest first (tests/conftest.py, LONGEST_FIRST): most of
# the suite is compiling, which uses one core per program. Flags given here come last, so
# `-n 0` runs it in one process.
set -uo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh || exit 1
JAX_PLATFORMS=cpu .venv/bin/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
