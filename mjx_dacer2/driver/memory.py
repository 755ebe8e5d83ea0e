"""Memory up front: the train state's size, from its shapes alone, against the device's free
memory, so that a run too big for its device stops with one line before anything is allocated.

The estimate is exact for the state (replay buffer, env states, networks and optimiser states,
observation statistics); a run needs about twice that (`HEADROOM`): the asynchronous checkpoint
writes a copy of the state, and a chunk's temporaries (sampled batches, physics) come on top.
"""

from __future__ import annotations

import dataclasses
import os

import jax
import numpy as np

from mjx_dacer2.config import ConfigError

HEADROOM = 2.0
SPLIT_PARTS = ("buffer", "env_state")  # what a data-parallel run splits over its devices
# which flag shrinks each part of the state
PARTS = {
    "buffer": ("replay buffer", "--buffer-size"),
    "env_state": ("env states", "--num-envs"),
    "agent": ("networks and optimiser states", "--policy-hidden/--critic-hidden"),
}


def state_bytes(abstract_state) -> dict[str, int]:
    """Bytes of each top-level part of a (possibly abstract) TrainState."""
    return {
        f.name: sum(_nbytes(leaf) for leaf in jax.tree.leaves(getattr(abstract_state, f.name)))
        for f in dataclasses.fields(abstract_state)
    }


def _nbytes(leaf) -> int:
    if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):  # its key data: 2 or 4 x uint32
        leaf = jax.eval_shape(jax.random.key_data, jax.ShapeDtypeStruct(leaf.shape, leaf.dtype))
    return int(np.prod(leaf.shape)) * np.dtype(leaf.dtype).itemsize


def available_bytes(device: jax.Device | None = None) -> int | None:
    """Free memory of `device` (default: the first one): the accelerator's allocator limit
    minus what is in use, or the host's available RAM for the CPU; None if unknown."""
    device = device or jax.devices()[0]
    stats = device.memory_stats() if device.platform != "cpu" else None
    if stats and "bytes_limit" in stats:
        return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None


def check_fits(
    abstract_state, num_seeds: int = 1, free: int | None = None, data_shards: int = 1
) -> dict[str, int]:
    """Raise ConfigError (one line, with the flag to change) when what one device holds,
    `num_seeds` copies of the state with its replay buffer and env states split in
    `data_shards`, needs more than its free memory; returns the per-part sizes otherwise."""
    sizes = {
        k: v * num_seeds // (data_shards if k in SPLIT_PARTS else 1)
        for k, v in state_bytes(abstract_state).items()
    }
    free = available_bytes() if free is None else free
    total = sum(sizes.values())
    if free is not None and HEADROOM * total > free:
        largest = max(PARTS, key=lambda k: sizes[k])
        what, flag = PARTS[largest]
        parts = ", ".join(f"{PARTS[k][0]} {_human(sizes[k])}" for k in PARTS)
        seeds = f" for {num_seeds} seeds" if num_seeds > 1 else ""
        raise ConfigError(
            f"the train state{seeds} needs {_human(total)} ({parts}), about "
            f"{_human(HEADROOM * total)} with checkpoint copies and temporaries, and "
            f"{jax.devices()[0].platform} has "
            f"{_human(free)} free: the {what} are the largest part, lower {flag}"
        )
    return sizes


def _human(n: float) -> str:
    if n >= 2**27:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.1f} kB"
