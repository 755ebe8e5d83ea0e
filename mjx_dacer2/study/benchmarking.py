"""Timing helpers and the diffusion-step benchmark behind `mjx-dacer2 bench`.

For each variant (algo, T) on one env, measured in one process: (a) behaviour-action sampling
latency for one state and for a batch, (b) one gradient update, (c) the fused training loop's env
steps/s at the config's update-to-data ratio, (d) compile time of the training chunk, (e) the ops
and matmul FLOPs of one update, read from its compiled HLO (`update_cost`). All
variants are compiled first, then timed in interleaved rounds (so load changes on a shared machine
hit every variant alike); each number is the median over all rounds' calls after a warm-up call,
with `block_until_ready`. The periodic entropy estimate is switched off in (b) and (c) (it runs
once per `entropy_every_env_steps` and is reported by nobody here). `write_results` emits JSON,
CSV and a markdown table.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import jax
import jax.numpy as jnp

from mjx_dacer2 import envs
from mjx_dacer2.config import Config
from mjx_dacer2.config.variants import apply_variant, parse_variant
from mjx_dacer2.study.hlo_cost import HloCost, hlo_cost
from mjx_dacer2.training.replay import sample_batch
from mjx_dacer2.training.trainer import Trainer, make_trainer

NO_ENTROPY = 10**8  # entropy_every_env_steps that never fires after the first update


def timed_call(fn, *args) -> Callable[[], float]:
    """Warm up (compile) `fn(*args)`; return a timer giving the seconds of one more call."""
    jax.block_until_ready(fn(*args))

    def timer() -> float:
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        return time.perf_counter() - start

    return timer


def median_time(fn, *args, repeats: int) -> float:
    """Median seconds of `fn(*args)` over `repeats` calls, after one warm-up (compile) call."""
    timer = timed_call(fn, *args)
    return statistics.median(timer() for _ in range(repeats))


def machine_description() -> str:
    device = jax.devices()[0]
    return (
        f"{platform.node()} {platform.processor() or platform.machine()} "
        f"{device.platform}:{device.device_kind} ({jax.device_count()} device(s))"
    )


def simulation_rate(trainer: Trainer, iterations: int, repeats: int) -> float:
    """Env steps/s of pure simulation: vmapped env steps with uniform actions in one scan,
    drawn with the run's random number generator (`Config.prng_impl`), as the loop draws."""
    vec_env = trainer.vec_env

    def rollout(env_state, key):
        def step(carry, key):
            shape = (vec_env.num_envs, vec_env.action_size)
            action = jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)
            carry, result = vec_env.step(carry, action)
            return carry, result.reward

        return jax.lax.scan(step, env_state, jax.random.split(key, iterations))

    env_state = vec_env.reset(trainer.prng_key(1))
    seconds = median_time(jax.jit(rollout), env_state, trainer.prng_key(2), repeats=repeats)
    return iterations * vec_env.num_envs / seconds


def compile_chunk(trainer: Trainer, state) -> tuple[object, float]:
    """AOT-compile the donated training chunk; returns (compiled chunk, trace+compile seconds)."""
    start = time.perf_counter()
    compiled = jax.jit(trainer.train_chunk_unjitted, donate_argnums=0).lower(state).compile()
    return compiled, time.perf_counter() - start


def loop_timer(trainer: Trainer, chunk=None) -> Callable[[], float]:
    """Timer of one training chunk, the warm-up already done (the state carries over)."""
    config = trainer.config
    state = trainer.init_placed(trainer.prng_key(0))
    state = state.replace(env_steps=jnp.full_like(state.env_steps, config.learning_starts))
    chunk = chunk or trainer.train_chunk
    holder = [chunk(state)[0]]  # warm-up call: fills the buffer past one batch
    jax.block_until_ready(holder)

    def timer() -> float:
        start = time.perf_counter()
        holder[0], sums = chunk(holder[0])
        jax.block_until_ready(sums)
        return time.perf_counter() - start

    return timer


def training_rate(trainer: Trainer, repeats: int, chunk=None) -> tuple[float, float]:
    """Steady-state (env steps/s, updates/s) of the chunk, with the warm-up already done."""
    timer = loop_timer(trainer, chunk)
    seconds = statistics.median(timer() for _ in range(repeats))
    c = trainer.config
    iters = c.loop.iterations_per_chunk
    return iters * c.loop.num_envs / seconds, iters * c.loop.updates_per_iteration / seconds


def _update_inputs(trainer: Trainer):
    """`policy_delay` batches and keys, and an agent whose update count (1) runs no entropy
    estimate in the next `policy_delay` updates."""
    config = trainer.config
    delay = config.learning.policy_delay
    state = jax.jit(trainer.init)(trainer.prng_key(0))
    agent = state.agent.replace(num_updates=jnp.ones((), jnp.int32))  # 0 would run the entropy
    batches = sample_batch(state.buffer, trainer.prng_key(3), (delay, config.loop.batch_size))
    return agent, batches, jax.random.split(trainer.prng_key(4), delay)


def update_timer(trainer: Trainer) -> Callable[[], float]:
    """Timer of one gradient update as the training loop runs it (`Trainer.updates`): the mean
    over `policy_delay` consecutive updates (critic-only and critic + actor)."""
    agent, batches, keys = _update_inputs(trainer)
    timer = timed_call(jax.jit(trainer.updates), agent, batches, keys)
    return lambda: timer() / len(keys)


def update_cost(trainer: Trainer) -> HloCost:
    """Ops and FLOPs of one gradient update from its compiled HLO (`hlo_cost`): the same
    `policy_delay` updates, written out with their update counts as constants so that XLA
    resolves the actor and entropy conditions; divided by `policy_delay`."""
    agent, batches, keys = _update_inputs(trainer)

    def updates(agent, batches, keys):
        for i, key in enumerate(keys):
            batch = jax.tree.map(lambda x, i=i: x[i], batches)
            counted = agent.replace(num_updates=jnp.asarray(i + 1, jnp.int32))
            agent, _ = trainer.learner.update(counted, batch, key)
        return agent

    cost = hlo_cost(jax.jit(updates).lower(agent, batches, keys).compile().as_text())
    return dataclasses.replace(cost, ops=cost.ops / len(keys), flops=cost.flops / len(keys))


def update_time(trainer: Trainer, repeats: int) -> float:
    timer = update_timer(trainer)
    return statistics.median(timer() for _ in range(repeats))


def sampling_timer(trainer: Trainer, batch: int) -> Callable[[], float]:
    """Timer of one behaviour-action call (`explore`) for `batch` states."""
    learner = trainer.learner
    agent = jax.jit(learner.init)(trainer.prng_key(0))
    obs = jax.random.normal(trainer.prng_key(5), (batch, trainer.env.obs_size))
    return timed_call(jax.jit(learner.behaviour_action), agent, obs, trainer.prng_key(6))


def prepare_variant(base: Config, spec: str, batch: int) -> tuple[dict, dict]:
    """Compile everything of variant `ALGO[:T][:field=value...]`: (row so far, named timers)."""
    config = (
        apply_variant(base, parse_variant(spec))
        .replace(entropy_every_env_steps=NO_ENTROPY)
        .resolved()
    )
    trainer = make_trainer(config, envs.make(config.env, config.loop.episode_length))
    state = jax.jit(trainer.init)(trainer.prng_key(0))
    chunk, compile_s = compile_chunk(trainer, state)
    del state  # the compiled chunk donates its input; loop_timer builds its own
    cost = update_cost(trainer)
    row = dict(
        variant=spec,
        algo=config.algo,
        T=None if config.algo == "sac" else config.diffusion.diffusion_steps,
        eta=0.0 if config.algo == "sac" else config.grad_loss.grad_loss_weight,
        compile_s=compile_s,
        update_ops=cost.ops,
        update_gflop=cost.flops / 1e9,
        config=config,
    )
    timers = dict(
        sample_one_ms=sampling_timer(trainer, 1),
        sample_batch_ms=sampling_timer(trainer, batch),
        update_ms=update_timer(trainer),
        loop_chunk_s=loop_timer(trainer, chunk),
    )
    return row, timers


def measure(prepared: list[tuple[dict, dict]], rounds: int, calls: dict) -> list[dict]:
    """Interleaved timing: each round times every variant in turn, so load changes on a shared
    machine hit all variants alike; reports the median over all rounds' calls."""
    samples = [{name: [] for name in timers} for _, timers in prepared]
    for _ in range(rounds):
        for (_, timers), store in zip(prepared, samples, strict=True):
            for name, timer in timers.items():
                store[name] += [timer() for _ in range(calls.get(name, 1))]
    rows = []
    for (row, _), store in zip(prepared, samples, strict=True):
        med = {name: statistics.median(values) for name, values in store.items()}
        c = row.pop("config")
        chunk_s = med.pop("loop_chunk_s")
        rows.append(
            dict(
                row,
                **{k: 1e3 * v for k, v in med.items()},
                loop_env_steps_per_s=c.loop.iterations_per_chunk * c.loop.num_envs / chunk_s,
                loop_updates_per_s=c.loop.iterations_per_chunk
                * c.loop.updates_per_iteration
                / chunk_s,
            )
        )
    return rows


def speedups(rows: list[dict], fast: str, slow: str) -> dict | None:
    """How many times faster variant `fast` is than `slow` on each measurement (None if absent)."""
    by = {r["variant"]: r for r in rows}
    if fast not in by or slow not in by:
        return None
    f, s = by[fast], by[slow]
    out = {
        k: s[k] / f[k]
        for k in ("sample_one_ms", "sample_batch_ms", "update_ms", "compile_s", "update_ops")
    }
    out["loop_env_steps_per_s"] = f["loop_env_steps_per_s"] / s["loop_env_steps_per_s"]
    return out


def run_bench(base: Config, variants: tuple[str, ...], batch: int, repeats: dict) -> dict:
    """Compile every variant, then time them interleaved; `repeats`: rounds, sample_calls and
    update_calls (per round; the loop runs one chunk per round)."""
    prepared = []
    for spec in variants:
        prepared.append(prepare_variant(base, spec, batch))
        print(f"compiled {spec}", file=sys.stderr, flush=True)
    calls = dict(
        sample_one_ms=repeats["sample_calls"],
        sample_batch_ms=repeats["sample_calls"],
        update_ms=repeats["update_calls"],
    )
    rows = measure(prepared, repeats["rounds"], calls)
    pairs = {}
    for algo in ("dacer2", "dacer"):
        pairs[f"{algo}:5 over {algo}:20"] = speedups(rows, f"{algo}:5", f"{algo}:20")
    pairs["dacer2:5 over dacer:20"] = speedups(rows, "dacer2:5", "dacer:20")
    return dict(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_description(),
        jax=jax.__version__,
        env=base.env,
        num_envs=base.loop.num_envs,
        updates_per_iteration=base.loop.updates_per_iteration,
        update_to_data=base.loop.updates_per_iteration / base.loop.num_envs,
        batch_size=base.loop.batch_size,
        sample_batch=batch,
        policy_hidden=list(base.networks.policy_hidden),
        critic_hidden=list(base.networks.critic_hidden),
        iterations_per_chunk=base.loop.iterations_per_chunk,
        repeats=repeats,
        rows=rows,
        speedups={k: v for k, v in pairs.items() if v is not None},
    )


def markdown_table(result: dict) -> str:
    head = (
        "| variant | T | eta | sample 1 state (ms) | sample "
        f"{result['sample_batch']} states (ms) | one update (ms) | ops per update | GFLOP per "
        "update | loop env steps/s | compile (s) |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in result["rows"]:
        lines.append(
            f"| {r['variant']} | {r['T'] or '-'} | {r['eta']:g} | {r['sample_one_ms']:.2f} | "
            f"{r['sample_batch_ms']:.2f} | {r['update_ms']:.2f} | {r['update_ops']:,.0f} | "
            f"{r['update_gflop']:.3f} | {r['loop_env_steps_per_s']:,.0f} | {r['compile_s']:.1f} |"
        )
    for name, s in result["speedups"].items():
        lines.append(
            f"| **speedup {name}** | | | {s['sample_one_ms']:.2f}x | {s['sample_batch_ms']:.2f}x "
            f"| {s['update_ms']:.2f}x | {s['update_ops']:.2f}x | "
            f"| {s['loop_env_steps_per_s']:.2f}x | {s['compile_s']:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def write_results(result: dict, out_dir: Path) -> list[Path]:
    """bench.json, bench.csv and bench.md in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "bench.json", out_dir / "bench.csv", out_dir / "bench.md"]
    paths[0].write_text(json.dumps(result, indent=2) + "\n")
    with open(paths[1], "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(result["rows"][0]))
        writer.writeheader()
        writer.writerows(result["rows"])
    header = (
        f"{result['env']} on {result['machine']}, {result['date']}, jax {result['jax']}; "
        f"{result['num_envs']} envs x U={result['updates_per_iteration']} "
        f"(update-to-data {result['update_to_data']:g}), batch {result['batch_size']}, "
        f"nets {result['policy_hidden']}/{result['critic_hidden']}; medians after warm-up.\n\n"
    )
    paths[2].write_text(header + markdown_table(result))
    return paths
