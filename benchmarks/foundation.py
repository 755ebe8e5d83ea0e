"""Foundation benchmark: the fused loop's cost over pure simulation, and T's cost per update.

Measures, in one process and side by side:
  1. env steps/s of pure simulation (vmapped MJX step + uniform actions in one `lax.scan`) vs
     env steps/s of the training loop (act with the diffusion policy + store + U updates), same
     env and num_envs;
  2. one gradient update (critic + delayed actor, no entropy estimate) at T = 5 vs T = 20,
     median of repeated calls after warm-up, with `block_until_ready`.
Prints a table and writes JSON to benchmarks/results/.

    python benchmarks/foundation.py --env inverted_pendulum --num-envs 16
"""

from __future__ import annotations

import dataclasses
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import jax
import jax.numpy as jnp
import tyro

from mjx_dacer2.config import preset
from mjx_dacer2.replay import sample
from mjx_dacer2.run import make_env
from mjx_dacer2.runtime import enable_compilation_cache, set_matmul_precision
from mjx_dacer2.trainer import make_trainer

RESULTS = Path(__file__).parent / "results"


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
    """Output JSON path (default: benchmarks/results/foundation_<env>_<backend>.json)."""


def _median_time(fn, *args, repeats: int) -> float:
    jax.block_until_ready(fn(*args))  # compile + warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def simulation_rate(trainer, iterations: int, repeats: int) -> float:
    vec_env = trainer.vec_env

    def rollout(env_state, key):
        def step(carry, key):
            action = jax.random.uniform(
                key, (vec_env.num_envs, vec_env.action_size), minval=-1.0, maxval=1.0
            )
            carry, result = vec_env.step(carry, action)
            return carry, result.reward

        return jax.lax.scan(step, env_state, jax.random.split(key, iterations))

    env_state = vec_env.reset(jax.random.key(1))
    seconds = _median_time(jax.jit(rollout), env_state, jax.random.key(2), repeats=repeats)
    return iterations * vec_env.num_envs / seconds


def training_rate(trainer, repeats: int) -> tuple[float, float]:
    """Steady-state env steps/s and updates/s of the jitted chunk, warm-up already done."""
    config = trainer.config
    state = jax.jit(trainer.init)(jax.random.key(0))
    state = state.replace(env_steps=jnp.asarray(config.learning_starts, jnp.int32))
    state, _ = trainer.train_chunk(state)  # compile; fills the buffer past one batch
    jax.block_until_ready(state)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        state, sums = trainer.train_chunk(state)
        jax.block_until_ready(sums)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    iters = config.iterations_per_chunk
    return iters * config.num_envs / seconds, iters * config.updates_per_iteration / seconds


def update_time(base_config, env, variant: str, repeats: int) -> float:
    """Median seconds of one gradient update (the mean of a critic-only and a critic+actor one)."""
    algo, num_steps = variant.split(":")
    config = base_config.replace(algo=algo, diffusion_steps=int(num_steps), entropy_every=10**9)
    trainer = make_trainer(config, env)
    state = jax.jit(trainer.init)(jax.random.key(0))
    agent = state.agent.replace(num_updates=jnp.ones((), jnp.int32))  # skip the entropy estimate
    batches = sample(state.buffer, jax.random.key(3), (config.policy_delay, config.batch_size))
    learner = trainer.learner

    def updates(agent, batches, key):
        keys = jax.random.split(key, config.policy_delay)
        return jax.lax.scan(lambda a, x: learner.update(a, *x), agent, (batches, keys))

    return (
        _median_time(jax.jit(updates), agent, batches, jax.random.key(4), repeats=repeats)
        / config.policy_delay
    )


def main(args: Args) -> dict:
    enable_compilation_cache()
    set_matmul_precision("highest")
    config = preset(args.env).replace(
        num_envs=args.num_envs,
        updates_per_iteration=args.updates_per_iteration,
        iterations_per_chunk=args.iterations,
        entropy_every=10**9,
    )
    env = make_env(config)
    trainer = make_trainer(config, env)
    sim = simulation_rate(trainer, args.iterations, args.repeats)
    train_steps, train_updates = training_rate(trainer, args.repeats)
    update_s = {v: update_time(config, env, v, args.update_repeats) for v in args.variants}

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
    out = Path(args.out) if args.out else RESULTS / f"foundation_{args.env}_{device.platform}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  wrote {out}")
    return result


if __name__ == "__main__":
    main(tyro.cli(Args))
