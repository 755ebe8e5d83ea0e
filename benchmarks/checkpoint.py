"""Checkpoint benchmark: size, save and restore time, and what checkpointing costs training.

Measures, in one process:
  1. for each env's default preset (inverted_pendulum: the default task; hopper: obs 11, act 3,
     1024 envs and a 1M-transition buffer), a train state built by the real `trainer.init` with
     its buffer filled with random transitions (as after training: zeros would compress away):
     bytes on disk, the blocking part of an asynchronous save (what training waits for), the
     full save until committed, and a full restore (median of repeats);
  2. the default task's training throughput with and without checkpoints: blocks of 2 chunks,
     alternating (after a warm-up chunk) so load drift on a shared machine hits both alike;
     medians. A checkpointing block saves asynchronously after its first chunk (the write
     overlaps the second) and waits for the commit at its end, so the whole save is charged.
Prints a table and writes JSON to runs/benchmarks/ (or --out; the committed figures are
benchmarks/results/checkpoint_cpu.json).

    python benchmarks/checkpoint.py
"""

from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import jax
import jax.numpy as jnp
import tyro

from mjx_dacer2 import envs
from mjx_dacer2.config import preset
from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
from mjx_dacer2.storage.checkpoint import Checkpointer, snapshot
from mjx_dacer2.training.trainer import make_trainer

RUNS = Path(__file__).parents[1] / "runs" / "benchmarks"  # default output, not tracked


@dataclasses.dataclass(frozen=True)
class Args:
    envs: tuple[str, ...] = ("inverted_pendulum", "hopper")
    """Presets whose train state is saved and restored."""
    repeats: int = 3
    """Timed saves and restores per env (median reported)."""
    throughput_env: str = "inverted_pendulum"
    """Preset trained for the throughput comparison."""
    pairs: int = 5
    """Blocks timed with a checkpoint and without, alternating (order flips every pair)."""
    chunks_per_block: int = 2
    """Chunks per block; a checkpointing block saves once (the default saves every 5)."""
    out: str = ""
    """Output JSON path (default: runs/benchmarks/checkpoint_<backend>.json)."""


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@jax.jit
def fill_buffer(state):
    """The state with a full replay buffer of random (incompressible) transitions."""
    data = state.buffer.data
    leaves, treedef = jax.tree.flatten(data)
    keys = jax.random.split(jax.random.key(1), len(leaves))
    noise = [jax.random.normal(k, x.shape, x.dtype) for k, x in zip(keys, leaves, strict=True)]
    buffer = state.buffer.replace(
        data=jax.tree.unflatten(treedef, noise), size=jnp.asarray(state.buffer.capacity, jnp.int32)
    )
    return state.replace(buffer=buffer)


def measure_save_restore(env_name: str, repeats: int, root: Path) -> dict:
    config = preset(env_name)
    trainer = make_trainer(config, envs.make(config.env, config.loop.episode_length))
    state = jax.block_until_ready(fill_buffer(jax.jit(trainer.init)(jax.random.key(0))))
    abstract = jax.eval_shape(trainer.init, jax.random.key(0))
    checkpointer = Checkpointer(root / env_name, keep=repeats + 1, keep_best=False)
    blocking, total, restore = [], [], []
    for step in range(repeats + 1):  # the first round warms up (jit of the copy, orbax threads)
        start = time.perf_counter()
        checkpointer.save(step, snapshot(state), {"step": step})
        blocked = time.perf_counter() - start
        checkpointer.wait()
        saved = time.perf_counter() - start
        start = time.perf_counter()
        jax.block_until_ready(checkpointer.restore_state(step, abstract))
        restored = time.perf_counter() - start
        if step > 0:
            blocking.append(blocked)
            total.append(saved)
            restore.append(restored)
    size = _du(checkpointer.step_dir(repeats))
    checkpointer.close()
    return dict(
        env=env_name,
        num_envs=config.loop.num_envs,
        replay_capacity=config.replay_capacity,
        state_mb=sum(x.nbytes for x in jax.tree.leaves(state)) / 2**20,
        checkpoint_mb=size / 2**20,
        save_blocking_s=statistics.median(blocking),
        save_total_s=statistics.median(total),
        restore_s=statistics.median(restore),
    )


def measure_throughput(args: Args, root: Path) -> dict:
    config = preset(args.throughput_env)
    trainer = make_trainer(config, envs.make(config.env, config.loop.episode_length))
    state = jax.jit(trainer.init)(jax.random.key(0))
    for _ in range(2):  # compile, the uniform-action warm-up, then one learning chunk
        state, sums = trainer.train_chunk(state)
        jax.device_get(sums)
    checkpointer = Checkpointer(root / "throughput", keep=2, keep_best=False)
    start = time.perf_counter()
    checkpointer.save(0, snapshot(state), {})  # once per run: jit of the copy, orbax's threads
    checkpointer.wait()
    first_save_s = time.perf_counter() - start
    seconds: dict[str, list[float]] = {"on": [], "off": []}
    cpu_seconds: dict[str, list[float]] = {"on": [], "off": []}  # this process, all threads
    for pair in range(args.pairs):
        for mode in ("on", "off") if pair % 2 == 0 else ("off", "on"):
            start, cpu_start = time.perf_counter(), time.process_time()
            for chunk in range(args.chunks_per_block):
                state, sums = trainer.train_chunk(state)
                jax.device_get(sums)  # the driver's one sync per chunk
                if mode == "on" and chunk == 0:
                    checkpointer.save(
                        pair + 1, snapshot(state), {}
                    )  # written during the next chunk
            if mode == "on":
                checkpointer.wait()  # nothing spills into the next block
            seconds[mode].append(time.perf_counter() - start)
            cpu_seconds[mode].append(time.process_time() - cpu_start)
    checkpointer.close()
    on, off = statistics.median(seconds["on"]), statistics.median(seconds["off"])
    paired = statistics.median(a / b for a, b in zip(seconds["on"], seconds["off"], strict=True))
    cpu_on, cpu_off = statistics.median(cpu_seconds["on"]), statistics.median(cpu_seconds["off"])
    steps = args.chunks_per_block * config.env_steps_per_chunk
    return dict(
        env=args.throughput_env,
        blocks_each=args.pairs,
        chunks_per_block=args.chunks_per_block,
        env_steps_per_chunk=config.env_steps_per_chunk,
        block_s_no_checkpoint=off,
        block_s_with_checkpoint=on,
        env_steps_per_s_no_checkpoint=steps / off,
        env_steps_per_s_with_checkpoint=steps / on,
        overhead_pct=100.0 * (on / off - 1.0),
        paired_overhead_pct=100.0 * (paired - 1.0),
        cpu_overhead_pct=100.0 * (cpu_on / cpu_off - 1.0),
        first_save_s=first_save_s,
        block_seconds=seconds,
        block_cpu_seconds=cpu_seconds,
    )


def main(args: Args) -> None:
    enable_compilation_cache()
    quiet_library_warnings()
    root = Path(tempfile.mkdtemp(prefix="ckpt_bench_"))
    try:
        sizes = [measure_save_restore(name, args.repeats, root) for name in args.envs]
        throughput = measure_throughput(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{'env':<18} {'envs':>5} {'buffer':>9} {'disk MB':>8} {'blocks s':>9} "
        f"{'save s':>7} {'restore s':>9}"
    )
    for r in sizes:
        print(
            f"{r['env']:<18} {r['num_envs']:>5} {r['replay_capacity']:>9,} "
            f"{r['checkpoint_mb']:>8.1f} {r['save_blocking_s']:>9.3f} {r['save_total_s']:>7.2f} "
            f"{r['restore_s']:>9.2f}"
        )
    t = throughput
    print(
        f"throughput {t['env']} ({t['blocks_each']} blocks of {t['chunks_per_block']} chunks "
        f"each, alternating; medians): {t['env_steps_per_s_no_checkpoint']:,.0f} env steps/s "
        f"without checkpoints, {t['env_steps_per_s_with_checkpoint']:,.0f} with one save per "
        f"block -> overhead {t['overhead_pct']:.1f}% (median of pairs "
        f"{t['paired_overhead_pct']:.1f}%; in CPU time {t['cpu_overhead_pct']:.1f}%; first "
        f"save of a run {t['first_save_s']:.2f} s)"
    )
    backend = jax.default_backend()
    out = Path(args.out) if args.out else RUNS / f"checkpoint_{backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        backend=backend,
        device=str(jax.devices()[0]),
        machine=platform.processor() or platform.machine(),
        jax=jax.__version__,
        args=dataclasses.asdict(args),
    )
    out.write_text(json.dumps(dict(meta, save_restore=sizes, throughput=throughput), indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(tyro.cli(Args))
