"""Foundation benchmark: the fused loop's cost over pure simulation, and T's cost per update.

Measures, in one process and side by side:
  1. env steps/s of pure simulation (vmapped MJX step + uniform actions in one `lax.scan`) vs
     env steps/s of the training loop (act with the diffusion policy + store + U updates), same
     env and num_envs;
  2. one gradient update (critic + delayed actor, no entropy estimate) at T = 5 vs T = 20,
     median of repeated calls after warm-up, with `block_until_ready`.
Prints a table and writes JSON to runs/benchmarks/ (or --out; the committed figures are
benchmarks/results/foundation_inverted_pendulum_cpu.json).

    python benchmarks/foundation.py --env inverted_pendulum --num-envs 16
"""

from __future__ import annotations

import dataclasses
import json
import platform
from datetime import UTC, datetime
from pathlib import Path

import jax
import tyro

from mjx_dacer2 import envs
from mjx_dacer2.config import preset
from mjx_dacer2.config.variants import apply_variant, parse_variant
from mjx_dacer2.runtime import (
    enable_compilation_cache,
    quiet_library_warnings,
    set_matmul_precision,
)
from mjx_dacer2.study.benchmarking import NO_ENTROPY, simulation_rate, training_rate, update_time
from mjx_dacer2.training.trainer import make_trainer

RUNS = Path(__file__).parents[1] / "runs" / "benchmarks"  # default output, not tracked


@dataclasses.dataclass(frozen=True)
class Args:
    env: str = "inverted_pendulum"
    """Environment to measure."""
    num_envs: int = 16
    """Parallel envs (same for simulation and training loop)."""
    updates_per_iteration: int = 4
    """U in the training loop measurement."""
    iterations: int = 100
    """Iterations per timed chunk."""
    repeats: int = 5
    """Timed repeats (median reported)."""
    update_repeats: int = 20
    """Timed calls of the update step per T."""
    variants: tuple[str, ...] = ("dacer2:5", "dacer2:20", "dacer:20")
    """ALGO:T pairs to time one gradient update at."""
    out: str = ""
    """Output JSON path (default: runs/benchmarks/foundation_<env>_<backend>.json)."""


def main(args: Args) -> dict:
    enable_compilation_cache()
    quiet_library_warnings()
    set_matmul_precision("highest")
    config = preset(args.env).replace(
        num_envs=args.num_envs,
        updates_per_iteration=args.updates_per_iteration,
        iterations_per_chunk=args.iterations,
        entropy_every_env_steps=NO_ENTROPY,
    )
    env = envs.make(config.env, config.loop.episode_length)
    trainer = make_trainer(config, env)
    sim = simulation_rate(trainer, args.iterations, args.repeats)
    train_steps, train_updates = training_rate(trainer, args.repeats)
    update_s = {
        v: update_time(
            make_trainer(
                apply_variant(config, parse_variant(v)).replace(entropy_every_env_steps=NO_ENTROPY),
                env,
            ),
            args.update_repeats,
        )
        for v in args.variants
    }

    device = jax.devices()[0]
    result = dict(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=f"{platform.node()} {device.platform}:{device.device_kind} "
        f"({jax.device_count()} device(s))",
        jax=jax.__version__,
        env=args.env,
        num_envs=args.num_envs,
        updates_per_iteration=args.updates_per_iteration,
        algo=config.algo,
        simulation_env_steps_per_s=round(sim, 1),
        training_env_steps_per_s=round(train_steps, 1),
        training_updates_per_s=round(train_updates, 1),
        training_over_simulation=round(train_steps / sim, 4),
        update_ms={v: round(1e3 * s, 3) for v, s in update_s.items()},
    )
    if "dacer2:5" in update_s and "dacer2:20" in update_s:
        result["update_speedup_T5_over_T20"] = round(
            update_s["dacer2:20"] / update_s["dacer2:5"], 3
        )

    print(
        f"{args.env}, {args.num_envs} envs, U={args.updates_per_iteration} on {result['machine']}"
    )
    print(f"  pure simulation     {sim:12,.0f} env steps/s")
    print(
        f"  training loop       {train_steps:12,.0f} env steps/s ({train_updates:,.0f} updates/s)"
        f"  = {100 * train_steps / sim:.1f}% of simulation"
    )
    for v, s in update_s.items():
        print(f"  one update, {v:<10s} {1e3 * s:10.2f} ms")
    if "update_speedup_T5_over_T20" in result:
        print(
            f"  dacer2 update at T=5 is {result['update_speedup_T5_over_T20']:.2f}x faster "
            "than at T=20"
        )
    out = Path(args.out) if args.out else RUNS / f"foundation_{args.env}_{device.platform}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  wrote {out}")
    return result


if __name__ == "__main__":
    main(tyro.cli(Args))
