"""The data-parallel mesh of a run: which devices it spans, and the two placements of its arrays.

A run on D > 1 devices splits its env batch, its replay buffer and every sampled batch along one
mesh axis, `DATA`; the networks, optimiser states, observation statistics, counters and keys are
replicated. `jit` with these shardings (GSPMD) then averages gradients and reduces observation
statistics across devices on its own; only the replay buffer's insert and sampling are written
per device (`training.replay`), so that no transition ever crosses devices. D = 1 has no mesh
at all, and runs exactly the single-device program.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from mjx_dacer2.config import Config, ConfigError

DATA = "data"  # the mesh axis that splits envs, replay and batches


def resolve_num_devices(requested: int | None) -> int:
    """The devices a data-parallel run uses: `requested`, or every device of every process;
    a count this job cannot provide is a one-line ConfigError."""
    available, processes = jax.device_count(), jax.process_count()
    count = available if requested is None else requested
    if count < 1 or count > available:
        raise ConfigError(
            f"num-devices {count} is not available: this job has {available} "
            f"{jax.devices()[0].platform} device(s); pass --num-devices 1..{available}"
        )
    if count % processes:
        raise ConfigError(
            f"num-devices {count} cannot be split evenly over {processes} processes: "
            f"pass a multiple of {processes}"
        )
    return count


def seed_devices(num_seeds: int, requested: int | None) -> int:
    """The local devices that several vmapped seeds are split over: `requested` (which must
    divide the seed count), or by default every local device when their count divides it and
    one device when it does not."""
    if jax.process_count() > 1:
        raise ConfigError(
            f"{num_seeds} seeds cannot run in a multi-process job: run one seed per job "
            "(several processes split one seed's envs), or the seeds in one process"
        )
    local = jax.local_device_count()
    if requested is None:
        return local if num_seeds % local == 0 else 1
    if requested < 1 or requested > local or num_seeds % requested:
        raise ConfigError(
            f"num-devices {requested} cannot split {num_seeds} seeds over this machine's "
            f"{local} device(s): pass a count up to {local} that divides {num_seeds}"
        )
    return requested


def plan_devices(config: Config, num_seeds: int) -> tuple[int, int]:
    """(devices one seed's run is split over, devices the seeds are split over) for `num_seeds`
    seeds of `config`; a count that cannot work is a one-line ConfigError."""
    if num_seeds > 1:
        return 1, seed_devices(num_seeds, config.num_devices)
    devices = resolve_num_devices(config.num_devices)
    if devices > 1:
        sizes = {
            "num-envs": config.loop.num_envs,
            "batch-size": config.loop.batch_size,
            "buffer-size": config.replay_capacity,
        }
        check_divisible(sizes, devices)
    return devices, 1


def data_mesh(num_devices: int) -> Mesh | None:
    """A 1-D mesh over `num_devices` devices (the same number from every process), or None for
    one device (the plain single-device program)."""
    if num_devices == 1:
        return None
    per_process = num_devices // jax.process_count()
    devices = [
        d
        for p in range(jax.process_count())
        for d in [d for d in jax.devices() if d.process_index == p][:per_process]
    ]
    return jax.make_mesh((num_devices,), (DATA,), axis_types=(AxisType.Auto,), devices=devices)


def check_divisible(sizes: dict[str, int], num_devices: int) -> None:
    """Every size split over the devices must divide evenly (one line naming the flag)."""
    for name, size in sizes.items():
        if size % num_devices:
            raise ConfigError(
                f"{name} ({size}) must be a multiple of the {num_devices} devices the run is "
                f"split over: change --{name}, or pass --num-devices 1"
            )


def split(mesh: Mesh) -> NamedSharding:
    """Leading axis split over the devices."""
    return NamedSharding(mesh, P(DATA))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, P())


def to_host(tree: Any) -> Any:
    """Numpy copies of device arrays; a replicated array is read from this process's own copy,
    so this also works for arrays that span several processes (multi-host runs)."""

    def fetch(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            if not x.is_fully_replicated:
                raise ValueError("only replicated arrays of a multi-process run can be fetched")
            return np.asarray(x.addressable_data(0))
        return np.asarray(jax.device_get(x))

    return jax.tree.map(fetch, tree)
