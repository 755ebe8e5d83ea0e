#!/usr/bin/env bash
# Create .venv (Python >= 3.12) and install mjx-dacer2 with its test extra; the CUDA build of JAX
# too when an NVIDIA GPU is visible. Idempotent: a later run skips pip (see the stamp below).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       PYENV_VERSION="${PYENV_VERSION:-3.12.1}" "$candidate" -c \
         'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "error: Python >= 3.12 not found: install it or set PYTHON=/path/to/python3.12" >&2
  exit 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python)
  PYENV_VERSION="${PYENV_VERSION:-3.12.1}" "$PY" -m venv .venv
fi
extras="dev"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  extras="dev,cuda"
fi
# Headless rendering (`mjx-dacer2 render`, MUJOCO_GL=egl) needs EGL and Mesa's software
# rasteriser; install them only when missing (Debian/Ubuntu, as root).
if [ "$(uname -s)" = Linux ] && ! ldconfig -p 2>/dev/null | grep -q 'libEGL_mesa.so.0'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri >/dev/null; } ||
      echo "setup: note: apt-get could not install EGL; rendering tests will be skipped" >&2
  else
    echo "setup: note: for headless rendering install libegl1 libegl-mesa0 libgl1-mesa-dri" >&2
  fi
fi
# The install is editable, so it needs redoing only when pyproject.toml, the extras or the
# checkout's path change, or a dependency went missing: a stamp of the first three skips pip's
# own checks (several seconds) on every later run.
stamp=".venv/.installed"
digest='import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())'
wanted="$(.venv/bin/python -c "$digest") ${extras} ${PWD}"
installed() {
  .venv/bin/python -c 'import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in sys.argv[1:]))' \
    mjx_dacer2 jax mujoco brax flax optax orbax pytest 2>/dev/null
}
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ] || ! installed; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # The build backend warns that an editable install maps folders (envs/, launch/) into the
  # package; that mapping is deliberate (pyproject.toml), so the banner is silenced.
  PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
  echo "$wanted" > "$stamp"
fi
echo "setup: .venv ready ($(.venv/bin/python --version), extras: ${extras})"
