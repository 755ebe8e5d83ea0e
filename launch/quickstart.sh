#!/usr/bin/env bash
# Quick start: set up, then train DACER2 (T=5) on the default task (inverted_pendulum).
# Extra arguments go to `mjx-dacer2 train`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
exec .venv/bin/mjx-dacer2 train "$@"
