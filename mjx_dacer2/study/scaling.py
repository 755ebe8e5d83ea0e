"""Data-parallel scaling: the fused chunk's env steps/s and updates/s against the device count,
at fixed work per device (envs and batch per device; the global batch grows with the devices).

Every device count D runs the same config but for its sizes, split over the first D devices of
this process (`parallel.mesh.data_mesh`), and (with `same_work_on_one`) the same sizes on one
device. All are compiled first, then timed in interleaved rounds (median of each, after the
warm-up, `benchmarking.loop_timer`). Two ratios per count:
  - efficiency = rate(D) / (D x rate(1)) (weak scaling): 1.0 is perfect on real devices (GPUs);
  - split / one = T(D sizes split over D) / T(D sizes on one device): below 1.0 the split is
    faster. On fake CPU devices, which share the machine's cores, this is the one fair number:
    what splitting costs (per-device replay, sharded env steps, gradient all-reduces) or gains
    (the devices' threads keep the cores busier than one device's) at equal work.
"""

from __future__ import annotations

import statistics

from mjx_dacer2 import envs
from mjx_dacer2.config import Config
from mjx_dacer2.parallel.mesh import data_mesh
from mjx_dacer2.study.benchmarking import loop_timer
from mjx_dacer2.training.trainer import make_trainer


def per_device_config(base: Config, devices: int, envs_per_device: int, batch_per_device: int):
    """`base` at D devices: envs, batch and replay grow with D (the replay per device fixed)."""
    return base.replace(
        num_envs=envs_per_device * devices,
        batch_size=batch_per_device * devices,
        buffer_size=base.loop.buffer_size * devices,
        num_devices=devices,
    ).resolved()


def measure_scaling(
    base: Config,
    device_counts: tuple[int, ...],
    envs_per_device: int,
    batch_per_device: int,
    rounds: int,
    same_work_on_one: bool = True,
) -> list[dict]:
    """One row per device count (the first row is the reference for the ratios)."""
    env = envs.make(base.env, base.loop.episode_length)
    configs = [per_device_config(base, d, envs_per_device, batch_per_device) for d in device_counts]
    alone = [c.replace(num_devices=1) for c in configs if same_work_on_one and c.num_devices > 1]
    runs = configs + alone
    timers = [loop_timer(make_trainer(c, env, data_mesh(c.num_devices))) for c in runs]
    seconds: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):  # interleaved: load changes on a shared machine hit every count alike
        for times, timer in zip(seconds, timers, strict=True):
            times.append(timer())
    medians = [statistics.median(times) for times in seconds]
    on_one = {c.loop.num_envs: t for c, t in zip(alone, medians[len(configs) :], strict=True)}
    rows = []
    for config, chunk_s in zip(configs, medians[: len(configs)], strict=True):
        loop = config.loop
        rows.append(
            dict(
                devices=config.num_devices,
                num_envs=loop.num_envs,
                batch_size=loop.batch_size,
                chunk_s=chunk_s,
                env_steps_per_s=loop.iterations_per_chunk * loop.num_envs / chunk_s,
                updates_per_s=loop.iterations_per_chunk * loop.updates_per_iteration / chunk_s,
                same_work_on_one_s=on_one.get(loop.num_envs),
            )
        )
    first = rows[0]
    for row in rows:
        scale = row["devices"] / first["devices"]
        row["efficiency"] = row["env_steps_per_s"] / (scale * first["env_steps_per_s"])
        alone_s = row["same_work_on_one_s"]
        row["split_over_one"] = row["chunk_s"] / alone_s if alone_s else None
    return rows


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| devices | envs | global batch | s / chunk | env steps/s | updates/s | efficiency "
        "| same sizes on 1 device, s / chunk | split / one |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        alone = r["same_work_on_one_s"]
        lines.append(
            f"| {r['devices']} | {r['num_envs']} | {r['batch_size']} | {r['chunk_s']:.3f} "
            f"| {r['env_steps_per_s']:,.0f} | {r['updates_per_s']:,.1f} | {r['efficiency']:.2f} "
            + (f"| {alone:.3f} | {r['split_over_one']:.2f} |" if alone else "| | |")
        )
    return "\n".join(lines)
