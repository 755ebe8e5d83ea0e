"""The GPU-scale benchmark behind `benchmarks/gpu.sh` (issue 10), at any size (`SMOKE` on a CPU).

Five parts, each timed side by side in one process (medians of repeated calls after a warm-up
call, with `block_until_ready`; the periodic entropy estimate off, as in `mjx-dacer2 bench`):

1. `loop`: per env and env count, one chunk of `iterations` iterations done four ways: pure
   simulation (uniform actions), acting alone (the behaviour policy on every env's state),
   updates alone (U updates per iteration on a filled buffer) and the fused loop (act, step,
   store, learn). `fused_over_parts` = fused / (simulation + updates), issue 10's target
   <= 1.05; `fused_over_all_parts` adds acting.
2. `update_vs_batch`: one gradient update of each variant at each batch size.
3. `sampling`: one behaviour-action call for 1 state and for many, per variant (T = 5, 20).
4. `brax_sac`: Brax's own SAC against the project's SAC and DACER2 T=5, training env steps/s at
   the same env, envs, batch, updates per iteration and networks (widths and relu).
5. `run`: a DACER2 T=5 training run of the env's preset at the loop's envs, U and batch, sized
   to about `run_seconds` of training from part 1's fused rate (or one timed chunk), with its
   return curve.

`run_benchmark(sizes, out_dir, parts)` writes gpu.json and gpu.md (naming the device) into
`out_dir`, after each part.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jax
import jax.numpy as jnp

from mjx_dacer2 import envs
from mjx_dacer2.config import Config, preset
from mjx_dacer2.config.variants import apply_variant, parse_variant
from mjx_dacer2.driver.run import train
from mjx_dacer2.study.benchmarking import (
    NO_ENTROPY,
    loop_timer,
    machine_description,
    median_time,
    sampling_timer,
    simulation_rate,
    training_rate,
    update_timer,
)
from mjx_dacer2.study.brax_sac import brax_sac_env_steps_per_s
from mjx_dacer2.training.trainer import Trainer, make_trainer


@dataclass(frozen=True)
class Sizes:
    """What each part measures."""

    loop_envs: tuple[str, ...]
    num_envs: tuple[int, ...]
    iterations: int  # per timed chunk
    updates_per_iteration: int
    batch_size: int  # of the loop, Brax and run parts
    update_env: str
    batches: tuple[int, ...]
    variants: tuple[str, ...]  # update and sampling parts
    sample_states: int  # the large sampling batch (the small one is 1 state)
    brax_env: str
    brax_num_envs: int
    brax_env_steps: int
    brax_episode_length: int  # Brax's time limit (its evaluation plays whole episodes)
    hidden: tuple[int, ...]  # networks of the Brax comparison
    run_env: str
    run_num_envs: int
    run_seconds: float
    run_max_env_steps: int
    repeats: int


FULL = Sizes(
    loop_envs=("ant", "humanoid"),
    num_envs=(1024, 4096, 16384),
    iterations=20,
    updates_per_iteration=16,  # the GPU presets' U and batch (config/presets.py, GPU_LOOP)
    batch_size=4096,
    update_env="ant",
    batches=(256, 1024, 4096, 8192, 16384, 32768),
    variants=("dacer2:5", "dacer:20", "sac"),
    sample_states=4096,
    brax_env="ant",
    brax_num_envs=1024,
    brax_env_steps=400_000,
    brax_episode_length=1000,
    hidden=(256, 256),
    run_env="ant",
    run_num_envs=4096,
    run_seconds=240.0,
    run_max_env_steps=50_000_000,
    repeats=5,
)
CPU = Sizes(  # the CPU proxies of issue 10 (a 2-core VM): the same parts at CPU sizes
    loop_envs=("inverted_pendulum", "ant"),
    num_envs=(16, 128),
    iterations=20,
    updates_per_iteration=4,
    batch_size=256,
    update_env="ant",
    batches=(256, 1024, 4096, 16384, 32768),
    variants=("dacer2:5", "dacer:20", "sac"),
    sample_states=4096,
    brax_env="inverted_pendulum",
    brax_num_envs=16,
    brax_env_steps=24_000,
    brax_episode_length=1000,
    hidden=(256, 256),
    run_env="inverted_pendulum",
    run_num_envs=16,
    run_seconds=60.0,
    run_max_env_steps=20_000,
    repeats=3,
)
SMOKE = Sizes(  # seconds on a CPU: every code path, nothing measured worth reading
    loop_envs=("inverted_pendulum",),
    num_envs=(8,),
    iterations=4,
    updates_per_iteration=2,
    batch_size=32,
    update_env="inverted_pendulum",
    batches=(32,),
    variants=("dacer2:5", "dacer:20", "sac"),
    sample_states=64,
    brax_env="inverted_pendulum",
    brax_num_envs=8,
    brax_env_steps=4_000,
    brax_episode_length=100,
    hidden=(32, 32),
    run_env="inverted_pendulum",
    run_num_envs=8,
    run_seconds=1.0,
    run_max_env_steps=1_000,
    repeats=2,
)


def loop_config(env: str, num_envs: int, sizes: Sizes, spec: str = "dacer2:5") -> Config:
    """The env's preset at `num_envs` envs with the sizes' loop, variant `spec`, no entropy
    estimate, and a buffer of four chunks at the largest env count (one size for all)."""
    capacity = max(sizes.batch_size, 4 * max(sizes.num_envs) * sizes.iterations)
    base = preset(env).replace(
        num_envs=num_envs,
        updates_per_iteration=sizes.updates_per_iteration,
        batch_size=sizes.batch_size,
        iterations_per_chunk=sizes.iterations,
        warmup_steps=0,
        buffer_size=capacity,
        total_env_steps=capacity,
        entropy_every_env_steps=NO_ENTROPY,
        progress=False,
    )
    return apply_variant(base, parse_variant(spec)).resolved()


def _filled_state(trainer: Trainer):
    """A train state past the warm-up and its first update (which estimates the entropy),
    whose buffer counts as full (zeros: timing only)."""
    state = jax.jit(trainer.init)(trainer.prng_key(0))
    capacity = state.buffer.capacity
    return state.replace(
        agent=state.agent.replace(num_updates=jnp.ones((), jnp.int32)),
        buffer=state.buffer.replace(size=jnp.asarray(capacity, jnp.int32)),
        env_steps=jnp.asarray(trainer.config.learning_starts, jnp.int32),
    )


def updates_alone_s(trainer: Trainer, repeats: int) -> float:
    """Seconds of one chunk's updates (sampling included) without acting or simulating."""
    iterations = trainer.config.loop.iterations_per_chunk

    def updates(state, key):
        def body(agent, key):
            return trainer.learn(state.replace(agent=agent), key)[0], None

        return jax.lax.scan(body, state.agent, jax.random.split(key, iterations))[0]

    state = _filled_state(trainer)
    return median_time(jax.jit(updates), state, trainer.prng_key(1), repeats=repeats)


def acting_alone_s(trainer: Trainer, repeats: int) -> float:
    """Seconds of one chunk's behaviour actions for every env, without simulating or learning."""
    iterations = trainer.config.loop.iterations_per_chunk

    def acting(state, key):
        def body(total, key):
            obs = state.env_state.obs
            action = trainer.inference.behaviour_action(state.agent, state.obs_stats, obs, key)
            return total + jnp.sum(action), None

        return jax.lax.scan(body, 0.0, jax.random.split(key, iterations))[0]

    state = _filled_state(trainer)
    return median_time(jax.jit(acting), state, trainer.prng_key(2), repeats=repeats)


def measure_loop(env: str, num_envs: int, sizes: Sizes) -> dict:
    config = loop_config(env, num_envs, sizes)
    trainer = make_trainer(config, envs.make(env))
    steps = num_envs * sizes.iterations
    simulation = steps / simulation_rate(trainer, sizes.iterations, sizes.repeats)
    acting = acting_alone_s(trainer, sizes.repeats)
    updates = updates_alone_s(trainer, sizes.repeats)
    timer = loop_timer(trainer)
    fused = statistics.median(timer() for _ in range(sizes.repeats))
    return dict(
        env=env,
        num_envs=num_envs,
        algo=config.algo_label,
        updates_per_iteration=config.loop.updates_per_iteration,
        batch_size=config.loop.batch_size,
        simulation_s=simulation,
        acting_s=acting,
        updates_s=updates,
        fused_s=fused,
        fused_over_parts=fused / (simulation + updates),
        fused_over_all_parts=fused / (simulation + acting + updates),
        simulation_env_steps_per_s=steps / simulation,
        fused_env_steps_per_s=steps / fused,
    )


def measure_update_vs_batch(sizes: Sizes) -> list[dict]:
    rows = []
    for spec in sizes.variants:
        for batch in sizes.batches:
            at_batch = dataclasses.replace(sizes, batch_size=batch)
            config = loop_config(sizes.update_env, 16, at_batch, spec)
            timer = update_timer(make_trainer(config, envs.make(config.env)))
            ms = 1e3 * statistics.median(timer() for _ in range(sizes.repeats))
            eta = config.grad_loss.grad_loss_weight or 0.0
            rows.append(
                dict(variant=spec, label=config.algo_label, eta=eta, batch_size=batch, update_ms=ms)
            )
    return rows


def measure_sampling(sizes: Sizes) -> list[dict]:
    rows = []
    for spec in sizes.variants:
        config = loop_config(sizes.update_env, 16, sizes, spec)
        trainer = make_trainer(config, envs.make(config.env))
        for states in (1, sizes.sample_states):
            timer = sampling_timer(trainer, states)
            ms = 1e3 * statistics.median(timer() for _ in range(sizes.repeats * 4))
            rows.append(dict(variant=spec, label=config.algo_label, states=states, ms=ms))
    return rows


def measure_brax_sac(sizes: Sizes) -> dict:
    """Training env steps/s of Brax's SAC, the project's SAC and DACER2 T=5, equal settings
    (env, envs, batch, updates per iteration, observation normalisation, networks)."""
    ours = {}
    for spec in ("sac", "dacer2:5"):
        config = loop_config(sizes.brax_env, sizes.brax_num_envs, sizes, spec).replace(
            policy_hidden=sizes.hidden,
            critic_hidden=sizes.hidden,
            activation="relu",  # Brax's SAC networks
            normalize_observations=True,
        )
        trainer = make_trainer(config, envs.make(config.env))
        ours[spec] = training_rate(trainer, 3 * sizes.repeats)[0]
    brax = brax_sac_env_steps_per_s(
        sizes.brax_env,
        sizes.brax_num_envs,
        sizes.batch_size,
        sizes.updates_per_iteration,
        sizes.hidden,
        sizes.brax_env_steps,
        sizes.brax_episode_length,
    )
    return dict(
        env=sizes.brax_env,
        num_envs=sizes.brax_num_envs,
        batch_size=sizes.batch_size,
        updates_per_iteration=sizes.updates_per_iteration,
        hidden=list(sizes.hidden),
        brax_sac_env_steps_per_s=brax,
        sac_env_steps_per_s=ours["sac"],
        dacer2_env_steps_per_s=ours["dacer2:5"],
        sac_over_brax=ours["sac"] / brax,
        dacer2_over_brax=ours["dacer2:5"] / brax,
    )


def run_training(sizes: Sizes, out_dir: Path, run_dir: Path, rate: float | None = None) -> dict:
    """A DACER2 T=5 run of the env's preset at the loop's envs, U and batch, about
    `run_seconds` long at `rate` env steps/s (None: time one chunk first), in `run_dir` (replaced);
    its curve and table go to `out_dir`."""
    config = preset(sizes.run_env).replace(
        num_envs=sizes.run_num_envs,
        updates_per_iteration=sizes.updates_per_iteration,
        batch_size=sizes.batch_size,
        run_dir=str(run_dir),
        progress=False,
    )
    states = config.entropy.entropy_num_states  # the entropy fit draws its states from a batch
    config = config.replace(entropy_num_states=min(states, sizes.batch_size))
    if rate is None:
        probe = config.replace(warmup_steps=0, total_env_steps=4 * config.env_steps_per_chunk)
        rate = training_rate(make_trainer(probe, envs.make(config.env)), repeats=1)[0]
    steps = min(sizes.run_max_env_steps, int(rate * sizes.run_seconds))
    chunks = max(2, steps // config.env_steps_per_chunk)
    steps = chunks * config.env_steps_per_chunk
    config = config.replace(
        total_env_steps=steps,
        warmup_steps=min(config.loop.warmup_steps, steps // 4),
        eval_every_env_steps=max(config.env_steps_per_chunk, steps // 10),
        save_every_env_steps=0,
    )
    shutil.rmtree(run_dir, ignore_errors=True)  # this benchmark's own earlier run
    start = time.perf_counter()
    summary = train(config)
    from mjx_dacer2.study.plotting import load_runs, plot_curves  # matplotlib: only here

    curves = plot_curves(load_runs(run_dir), out_dir)
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    curve = [
        (r["env_steps"], round(r["wall_s"], 1), r["eval_return"])
        for r in map(json.loads, lines)
        if "eval_return" in r
    ]
    return dict(
        env=config.env,
        num_envs=config.loop.num_envs,
        algo=config.algo_label,
        env_steps=summary["env_steps"],
        wall_s=round(time.perf_counter() - start, 1),
        final_return=summary["final_return"],
        curve=curve,
        figure=str(curves[0].name) if curves else None,
        run_dir=str(run_dir),
    )


PARTS = ("loop", "update_vs_batch", "sampling", "brax_sac", "run")


def run_benchmark(
    sizes: Sizes, out_dir: Path, parts: tuple[str, ...] = PARTS, runs: Path = Path("runs")
) -> dict:
    """Measure `parts` into out_dir/gpu.json and gpu.md (the training run's dir, with its
    checkpoint, is runs/gpu_bench_<out_dir name>). Parts not named keep their figures from an
    earlier gpu.json there of the same device and sizes (each part has its date), so a part can
    be rerun alone, e.g. after a device session ran out of time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    device = jax.devices()[0]
    result: dict = dict(
        device=device.device_kind,
        platform=device.platform,
        machine=machine_description(),
        jax=jax.__version__,
        sizes=json.loads(json.dumps(dataclasses.asdict(sizes))),  # as gpu.json stores them
        dates={},
    )
    earlier = out_dir / "gpu.json"
    if earlier.exists():
        old = json.loads(earlier.read_text())
        if all(old.get(k) == result[k] for k in ("device", "jax", "sizes")):
            result = {**old, **{k: v for k, v in result.items() if k != "dates"}}
    measure = dict(
        loop=lambda: [measure_loop(e, n, sizes) for e in sizes.loop_envs for n in sizes.num_envs],
        update_vs_batch=lambda: measure_update_vs_batch(sizes),
        sampling=lambda: measure_sampling(sizes),
        brax_sac=lambda: measure_brax_sac(sizes),
        run=lambda: run_training(
            sizes, out_dir, runs / f"gpu_bench_{out_dir.name}", _fused_rate(result, sizes)
        ),
    )
    for name in parts:
        start = time.perf_counter()
        result[name] = measure[name]()
        result["dates"][name] = datetime.now(UTC).isoformat(timespec="seconds")
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        _write(result, out_dir)  # a part that fails later keeps what came before
    return result


def _fused_rate(result: dict, sizes: Sizes) -> float | None:
    """Part 1's fused env steps/s at the run's env and env count, if measured."""
    for row in result.get("loop", []):
        if (row["env"], row["num_envs"]) == (sizes.run_env, sizes.run_num_envs):
            return row["fused_env_steps_per_s"]
    return None


def _write(result: dict, out_dir: Path) -> None:
    (out_dir / "gpu.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / "gpu.md").write_text(markdown(result))


def markdown(result: dict) -> str:
    dates = ", ".join(f"{part} {date}" for part, date in result["dates"].items())
    out = [
        f"# GPU-scale benchmark on {result['device']} ({result['platform']})\n",
        f"{result['machine']}, jax {result['jax']}; medians after warm-up. Measured: {dates}.\n",
    ]
    if "loop" in result:
        out += [
            "## Fused loop against its parts (one chunk)\n",
            "| env | envs | algo | U x batch | simulation s | acting s | updates s | fused s "
            "| fused / (sim + updates) | fused / all parts | fused env steps/s |",
            "|" + "---|" * 11,
        ]
        for r in result["loop"]:
            out.append(
                f"| {r['env']} | {r['num_envs']} | {r['algo']} | {r['updates_per_iteration']} x "
                f"{r['batch_size']} | {r['simulation_s']:.3f} | {r['acting_s']:.3f} | "
                f"{r['updates_s']:.3f} | {r['fused_s']:.3f} | {r['fused_over_parts']:.2f} | "
                f"{r['fused_over_all_parts']:.2f} | {r['fused_env_steps_per_s']:,.0f} |"
            )
    if "update_vs_batch" in result:
        batches = sorted({r["batch_size"] for r in result["update_vs_batch"]})
        out += [
            "\n## One gradient update (ms) against batch size\n",
            "| variant | " + " | ".join(map(str, batches)) + " |",
            "|" + "---|" * (len(batches) + 1),
        ]
        by = {(r["variant"], r["batch_size"]): r["update_ms"] for r in result["update_vs_batch"]}
        for spec in dict.fromkeys(r["variant"] for r in result["update_vs_batch"]):
            cells = " | ".join(f"{by[(spec, b)]:.2f}" for b in batches)
            out.append(f"| {spec} | {cells} |")
    if "sampling" in result:
        out += [
            "\n## Behaviour-action latency (ms)\n",
            "| variant | states | ms |",
            "|---|---|---|",
        ]
        for r in result["sampling"]:
            out.append(f"| {r['label']} | {r['states']} | {r['ms']:.3f} |")
    if "brax_sac" in result:
        b = result["brax_sac"]
        out += [
            f"\n## Against Brax's SAC ({b['env']}, {b['num_envs']} envs, "
            f"U={b['updates_per_iteration']}, batch {b['batch_size']}, "
            f"relu networks {b['hidden']})\n",
            "| trainer | training env steps/s | over Brax SAC |",
            "|---|---|---|",
            f"| Brax SAC | {b['brax_sac_env_steps_per_s']:,.0f} | 1.00 |",
            f"| mjx_dacer2 SAC | {b['sac_env_steps_per_s']:,.0f} | {b['sac_over_brax']:.2f} |",
            f"| mjx_dacer2 DACER2 T=5 | {b['dacer2_env_steps_per_s']:,.0f} | "
            f"{b['dacer2_over_brax']:.2f} |",
        ]
    if "run" in result:
        r = result["run"]
        out += [
            f"\n## A {r['algo']} run on {r['env']} ({r['num_envs']} envs)\n",
            f"{r['env_steps']:,} env steps in {r['wall_s']} s (compilation included), final "
            f"return {r['final_return']}.\n",
            "| env steps | wall s | eval return |",
            "|---|---|---|",
            *[f"| {s:,} | {w} | {ret:.1f} |" for s, w, ret in r["curve"]],
        ]
        if r["figure"]:
            out.append(f"\n![return curve]({r['figure']})")
    return "\n".join(out) + "\n"
