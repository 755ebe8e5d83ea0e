#!/usr/bin/env bash
# Run on a machine with network access, for a GPU machine that has JAX, CUDA, flax, optax,
# orbax, matplotlib and scipy but no MuJoCo or Brax and no network: fetches the missing cp312
# x86_64 wheels at this project's pins and builds this checkout's own wheel into .whl/ (ignored
# by .git/info/exclude; about 40 MB). Copy the checkout with .whl/ to the GPU machine and run
# benchmarks/gpu_machine.sh (or benchmarks/gpu_staged.sh --wheels .whl) there.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx "/.whl/" .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo "/.whl/" >> .git/info/exclude; }
rm -rf .whl && mkdir .whl
PIP=".venv/bin/python -m pip"
pins=(mujoco==4.0.0 mujoco-core==4.0.0 mujoco-studio==4.0.0 mujoco-mjx==3.17.0 brax==0.14.2
  flax==0.12.12 optax==0.2.8 orbax-checkpoint==0.12.8)
# the rest of their needs that the GPU image lacks, at the versions this venv resolved
for name in glfw pyopengl trimesh jaxopt ml-collections tensorboardX tyro docstring-parser \
  typeguard; do
  pins+=("$name==$($PIP show "$name" | sed -n 's/^Version: //p')")
done
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
  manylinux1_x86_64; do platforms+=(--platform "$p"); done
$PIP download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  "${platforms[@]}" -d .whl "${pins[@]}"
$PIP wheel --quiet --no-deps -w .whl .
du -sh .whl && ls .whl
