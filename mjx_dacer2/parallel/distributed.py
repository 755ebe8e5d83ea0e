"""Multi-host start-up: join a `jax.distributed` job before JAX touches a device.

A job of several processes (one per host, or several on one machine) is started either by flags
(`--coordinator-address HOST:PORT --num-processes N --process-id I` on every process) or by the
cluster: under SLURM (`srun`, more than one task) and Open MPI (`mpirun`, more than one rank)
`jax.distributed.initialize()` reads everything from the environment. Then `jax.devices()`
lists every process's devices, a run's mesh spans them (`parallel.mesh.data_mesh`), every
process saves its own shards of each checkpoint, and only process 0 writes logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import jax

from mjx_dacer2.config import ConfigError
from mjx_dacer2.runtime import import_mjx_quietly


@dataclass(frozen=True)
class JobFlags:
    coordinator_address: str | None = None  # HOST:PORT of process 0
    num_processes: int | None = None
    process_id: int | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.coordinator_address, self.num_processes,
                                           self.process_id))  # fmt: skip


def cluster_launched() -> str | None:
    """The launcher of a multi-process job this process belongs to (SLURM or Open MPI), from
    its environment; None for a process started on its own."""
    if int(os.environ.get("SLURM_NTASKS", "1")) > 1 and "SLURM_JOB_ID" in os.environ:
        return "SLURM"
    if int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1")) > 1:
        return "Open MPI"
    return None


def join_job(flags: JobFlags) -> bool:
    """Join the multi-process job that `flags` or the cluster's environment describes; returns
    whether this process is part of one. Raises ConfigError (one line) on incomplete flags."""
    if flags.given:
        missing = [
            f"--{name.replace('_', '-')}"
            for name in ("coordinator_address", "num_processes", "process_id")
            if getattr(flags, name) is None
        ]
        if missing:
            raise ConfigError(
                f"a multi-process job needs {', '.join(missing)} too: pass "
                "--coordinator-address HOST:PORT --num-processes N --process-id I on every process"
            )
        if not 0 <= flags.process_id < flags.num_processes:
            raise ConfigError(
                f"process-id {flags.process_id} must be in 0..{flags.num_processes - 1}"
            )
        jax.distributed.initialize(flags.coordinator_address, flags.num_processes, flags.process_id)
    elif cluster_launched() is not None:
        jax.distributed.initialize()  # every setting from the cluster's environment
    else:
        return False
    place_mjx_on_own_devices()
    return True


def place_mjx_on_own_devices() -> None:
    """MJX (mujoco-mjx 3.17) puts models and data on `jax.devices()[0]` when given no device,
    and in a multi-process job that device belongs to process 0: every other process would
    build its envs on a device it cannot reach. Default it to this process's first device."""
    import_mjx_quietly()
    from mujoco.mjx._src import io

    resolve = io._resolve_impl_and_device
    if getattr(resolve, "own_devices", False):
        return

    def on_own_device(impl=None, device=None):
        return resolve(impl, device if device is not None else jax.local_devices()[0])

    on_own_device.own_devices = True
    io._resolve_impl_and_device = on_own_device


AGREE_MS = 10 * 60 * 1000  # how long a process waits for the others at a decision


def first_signal_of_any_process(signum: int | None, point: str) -> int | None:
    """The stop signal of the first process that received one by `point` (None: no process
    did). Every process must call this at the same `point` (a name unique in the job): a job
    stops after the same chunk everywhere, or the processes that go on wait forever in the next
    chunk's all-reduces. Host-side, through the job's coordination service (the one Orbax uses
    for its barriers), so no device work is queued."""
    if jax.process_count() == 1:
        return signum
    client = _job_client()
    client.key_value_set(f"mjx_dacer2/{point}/{jax.process_index()}", str(signum or 0))
    for process in range(jax.process_count()):
        other = int(client.blocking_key_value_get(f"mjx_dacer2/{point}/{process}", AGREE_MS))
        if other:
            return other
    return None


def every_process_reaches(point: str) -> None:
    """Wait until every process of the job reaches `point` (a name unique in the job)."""
    if jax.process_count() > 1:
        _job_client().wait_at_barrier(f"mjx_dacer2/{point}", AGREE_MS)


def _job_client():
    """The job's coordination-service client (no public handle in jax 0.11; Orbax's barriers
    use the same one)."""
    from jax._src import distributed

    return distributed.global_state.client


def is_main_process() -> bool:
    """Process 0 of the job (every process of a single-process run): the one that writes logs."""
    return jax.process_index() == 0
