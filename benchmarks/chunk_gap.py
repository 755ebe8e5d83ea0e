"""The host's gap between chunks, with and without dispatching the next chunk first (issue 10).

In one process, side by side on one config (default: the quick-start preset, evaluating and
checkpointing after every chunk, the worst case for host work):
  1. the chunk alone, compiled and called back to back (no host work at all), and one
     evaluation alone: what the device must do per chunk;
  2. the driver's loop (`train_seeds`) with `overlap=False` (the host evaluates, logs and saves
     chunk k before dispatching chunk k+1) and with `overlap=True` (the default: chunk k+1 is
     dispatched first), in alternating rounds; the period per chunk is read from each run's
     metrics (`env_steps_per_s`), warm-up chunks and the first learning chunk left out.
Two gaps per chunk (medians): `idle_before_chunk` is the driver's own metric, the time between
chunk k's device work ending (its metrics and evaluation fetched) and the dispatch of chunk
k+1 (the device had nothing queued), and gap = period - (chunk alone + evaluation alone), the
time per chunk lost to everything else. On a CPU the host's work and XLA's share the same two
cores, so dispatching early removes the idle time but cannot hide the host's CPU work as it
does beside a GPU. Prints a table and writes JSON (default runs/benchmarks/chunk_gap_<backend>.json;
the committed figures: `--out benchmarks/results/chunk_gap_cpu.json`).

    python benchmarks/chunk_gap.py --out benchmarks/results/chunk_gap_cpu.json
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import jax
import tyro

from mjx_dacer2 import envs
from mjx_dacer2.config import preset
from mjx_dacer2.driver.run import train_seeds
from mjx_dacer2.runtime import (
    enable_compilation_cache,
    quiet_library_warnings,
    set_matmul_precision,
)
from mjx_dacer2.study.benchmarking import loop_timer, machine_description, median_time
from mjx_dacer2.training.evaluate import make_evaluator
from mjx_dacer2.training.trainer import make_trainer

RUNS = Path(__file__).parents[1] / "runs" / "benchmarks"  # default output, not tracked


@dataclasses.dataclass(frozen=True)
class Args:
    env: str = "inverted_pendulum"
    """Environment (its preset is the config)."""
    iterations_per_chunk: int = 50
    """Iterations per chunk (short chunks make the per-chunk host work count)."""
    chunks: int = 10
    """Chunks per driver run; the first learning chunk and the warm-up are not measured."""
    rounds: int = 2
    """Alternating rounds of (sequential, overlapped) driver runs."""
    out: str = ""
    """Where to write the JSON (default: runs/benchmarks/chunk_gap_<backend>.json)."""


def driver_chunks(config, overlap: bool) -> list[tuple[float, float]]:
    """(seconds per chunk, device idle before it) of one driver run's measured chunks."""
    with tempfile.TemporaryDirectory() as tmp:
        train_seeds(config, [0], [Path(tmp) / "run"], overlap=overlap)
        lines = [json.loads(x) for x in (Path(tmp) / "run" / "metrics.jsonl").open()]
    first = config.learning_starts // config.env_steps_per_chunk + 2  # past warm-up + 1 chunk
    return [
        (config.env_steps_per_chunk / r["env_steps_per_s"], r["idle_before_chunk_s"])
        for r in lines
        if "env_steps_per_s" in r and r["env_steps"] // config.env_steps_per_chunk >= first
    ]


def main(args: Args) -> dict:
    enable_compilation_cache()
    quiet_library_warnings()
    set_matmul_precision("highest")
    base = preset(args.env)
    chunk_steps = base.loop.num_envs * args.iterations_per_chunk
    config = base.replace(
        iterations_per_chunk=args.iterations_per_chunk,
        total_env_steps=args.chunks * chunk_steps,
        warmup_steps=min(base.loop.warmup_steps, chunk_steps),
        eval_every_env_steps=chunk_steps,
        save_every_env_steps=chunk_steps,
        keep_checkpoints=2,
        progress=False,
    ).resolved()
    env = envs.make(config.env, config.loop.episode_length)
    trainer = make_trainer(config, env)
    chunk_alone = statistics.median(loop_timer(trainer)() for _ in range(5))
    evaluator = make_evaluator(env, trainer.inference, config.eval.num_eval_envs)
    agent = jax.jit(trainer.learner.init)(jax.random.key(0))
    params = trainer.learner.policy_params(agent)
    stats = jax.jit(trainer.init)(jax.random.key(0)).obs_stats
    eval_alone = median_time(evaluator.run, params, stats, jax.random.key(1), repeats=5)

    chunks: dict[str, list[tuple[float, float]]] = {"sequential": [], "overlapped": []}
    for _ in range(args.rounds):
        chunks["sequential"] += driver_chunks(config, overlap=False)
        chunks["overlapped"] += driver_chunks(config, overlap=True)
    device_s = chunk_alone + eval_alone
    rows = {}
    for name, measured in chunks.items():
        period = statistics.median(p for p, _ in measured)
        rows[name] = dict(
            period_s=period,
            gap_ms=1e3 * (period - device_s),
            idle_before_chunk_ms=1e3 * statistics.median(i for _, i in measured),
            chunks_measured=len(measured),
        )
    result = dict(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_description(),
        jax=jax.__version__,
        env=config.env,
        num_envs=config.loop.num_envs,
        iterations_per_chunk=args.iterations_per_chunk,
        env_steps_per_chunk=chunk_steps,
        chunk_alone_s=chunk_alone,
        eval_alone_s=eval_alone,
        loops=rows,
    )
    print(f"{config.env}, {config.loop.num_envs} envs, {chunk_steps} env steps per chunk, on "
          f"{result['machine']}; evaluation and checkpoint after every chunk")  # fmt: skip
    print(f"  chunk alone {1e3 * chunk_alone:8.1f} ms, evaluation alone {1e3 * eval_alone:.1f} ms")
    for name, row in rows.items():
        print(
            f"  {name:<11s} period {1e3 * row['period_s']:8.1f} ms, gap {row['gap_ms']:7.1f} ms, "
            f"idle before the chunk {row['idle_before_chunk_ms']:6.1f} ms "
            f"({row['chunks_measured']} chunks)"
        )
    out = Path(args.out) if args.out else RUNS / f"chunk_gap_{jax.default_backend()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  wrote {out}")
    return result


if __name__ == "__main__":
    main(tyro.cli(Args))
