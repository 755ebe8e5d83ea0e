"""Test-wide JAX settings (CPU, fast compilation, persistent compilation cache, key-reuse
checking) and the shared tiny run: `tiny_config` (a `Config`) and `tiny_flags` (the same
settings as CLI flags)."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# The suite compiles far more than it computes: XLA's CPU backend at optimisation level 0
# compiles about 2.5x faster (the five ablation-variant updates of tests/test_study.py: 88 s ->
# 35 s with an empty cache) and runs about 4x slower. So every test process (subprocesses
# inherit it) compiles at level 0, except the learning tests, which train for real and run their
# training in a subprocess at the default level (tests/test_learning.py).
FAST_COMPILE = "--xla_backend_optimization_level=0"
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {FAST_COMPILE}".strip()

import jax  # noqa: E402
import pytest  # noqa: E402

from mjx_dacer2.config import Config  # noqa: E402
from mjx_dacer2.runtime import enable_compilation_cache  # noqa: E402

enable_compilation_cache()
jax.config.update("jax_debug_key_reuse", True)

# A run that compiles and trains in seconds: 8 MultiGoal envs, 2 chunks of 6 iterations (48 env
# steps each).
TINY_SETTINGS = dict(
    env="multigoal",
    num_envs=8,
    iterations_per_chunk=6,
    warmup_steps=16,
    batch_size=16,
    buffer_size=64,
    total_env_steps=96,
    updates_per_iteration=2,
    policy_hidden=(16, 16),
    critic_hidden=(16, 16),
    entropy_every_env_steps=12,  # 3 updates
    eval_every_env_steps=48,  # every chunk
    entropy_num_states=4,
    entropy_num_actions=20,
    entropy_em_iters=3,
    num_eval_envs=2,
)


# The longest test files, started first: `launch/test.sh` runs files in parallel (pytest-xdist,
# `--dist loadfile --no-loadscope-reorder`), handing them out in collection order, so the two
# workers begin with two long files each and share the short ones at the end (by default xdist
# would start with the files that hold the most tests, leaving these for last).
LONGEST_FIRST = (
    "test_multi_device.py",  # the 4-device run and the 2-process job (~200 s cold)
    "test_learning.py",  # the quick start and MultiGoal, trained (~270 s)
    "test_learning_locomotion.py",  # halfcheetah, trained (~190 s)
    "test_gpu_benchmark.py",  # every part of the GPU benchmark, small (~120 s)
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files keep order


@pytest.fixture(scope="session")
def tiny_config() -> Config:
    return Config().replace(**TINY_SETTINGS)


@pytest.fixture(scope="session")
def tiny_flags() -> list[str]:
    """`mjx-dacer2 train` flags of the tiny run (without a progress bar)."""
    return [*as_flags(TINY_SETTINGS), "--no-progress"]


def as_flags(settings: dict) -> list[str]:
    """`mjx-dacer2 train` flags setting these `Config` fields (flat names)."""
    flags = []
    for name, value in settings.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        else:
            flags += [flag, *map(str, value if isinstance(value, tuple) else (value,))]
    return flags


@pytest.fixture(scope="session")
def settings_flags():
    """`as_flags`, for tests that run the CLI with their own settings."""
    return as_flags
