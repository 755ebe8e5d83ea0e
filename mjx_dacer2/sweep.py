"""Grids of runs (`mjx-dacer2 sweep`): variant specs, cell run dirs, and seeds vmapped in one
program.

A variant is `ALGO[:T][:field=value...]` (e.g. `dacer2:5`, `dacer:20`, `sac`,
`dacer2:5:time_weight=constant`). Each (variant, seed) cell is a normal run dir
`<out>/<env>/<label>/seed<k>` with config.json, metrics.jsonl and summary.json, so the plots and
the other commands read it like any run.

Seeds of one variant run vmapped inside one jitted chunk. The trap: under `jax.vmap` a
`lax.cond` whose predicate is batched becomes a `select` that runs BOTH branches (the entropy
estimate every update, the actor step every update). The trainer's predicates only read the
counters (`env_steps`, `iterations`, `num_updates`) and the replay buffer's write index and size,
which are identical across seeds, so `seed_axes` keeps exactly those unbatched (`out_axes=None`
makes JAX fail loudly if one ever becomes seed-dependent). The only batched cond left is the
env's "any env done -> reset" branch, which then always computes the (cheap) resets.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp

import envs
from mjx_dacer2.config import Config, ConfigError, validate
from mjx_dacer2.evaluate import make_evaluator
from mjx_dacer2.logger import RunLogger, write_config
from mjx_dacer2.run import (
    TrainingError,
    check_finite,
    make_env,
    prepare_run_dir,
    run_keys,
    train,
)
from mjx_dacer2.runtime import set_matmul_precision
from mjx_dacer2.trainer import make_trainer, summarize_chunk

FIELDS = {f.name for f in dataclasses.fields(Config)}


def _coerce(value: str):
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)


def parse_variant(spec: str) -> dict:
    """`ALGO[:T][:field=value...]` -> config changes (checked against Config's fields)."""
    algo, *parts = spec.split(":")
    changes: dict = {"algo": algo}
    for part in parts:
        if "=" in part:
            name, value = part.split("=", 1)
            name = name.replace("-", "_")
            if name not in FIELDS:
                raise ConfigError(f"variant '{spec}': unknown config field '{name}'")
            changes[name] = _coerce(value)
        elif part.isdigit():
            changes["diffusion_steps"] = int(part)
        else:
            raise ConfigError(f"variant '{spec}': expected ALGO[:T][:field=value...]")
    return changes


def variant_label(spec: str) -> str:
    """A directory-safe name of a variant (`dacer2:5` -> `dacer2_T5`)."""
    algo, *parts = spec.split(":")
    return "_".join([algo] + [p.replace("=", "-") if "=" in p else f"T{p}" for p in parts])


def apply_variant(base: Config, changes: dict) -> Config:
    return base.replace(**changes)


def cell_dir(out: Path, env: str, spec: str, seed: int) -> Path:
    return out / env / variant_label(spec) / f"seed{seed}"


def seed_axes(state):
    """vmap axes of a TrainState: 0 everywhere except the seed-independent counters (None)."""
    axes = jax.tree.map(lambda _: 0, state)
    return axes.replace(
        agent=axes.agent.replace(num_updates=None),
        buffer=axes.buffer.replace(insert_index=None, size=None),
        env_steps=None,
        iterations=None,
    )


def train_seeds(config: Config, seeds: list[int], run_dirs: list[Path]) -> list[dict]:
    """Train `config` for every seed at once (vmapped); one run dir per seed."""
    validate(config, envs.names())
    set_matmul_precision(config.matmul_precision)
    dirs = [prepare_run_dir(str(d)) for d in run_dirs]
    for seed, d in zip(seeds, dirs, strict=True):
        write_config(d, config.replace(seed=seed, run_dir=str(d)))
    env = make_env(config)
    trainer = make_trainer(config, env)
    evaluator = make_evaluator(config, env, trainer.learner.deterministic)
    pairs = [run_keys(s) for s in seeds]  # the same keys as run.train, per seed
    key_init = jnp.stack([k for k, _ in pairs])  # (S,)
    key_eval = jnp.stack([k for _, k in pairs])
    axes = seed_axes(jax.eval_shape(trainer.init, jax.random.key(0)))  # shapes only
    init = jax.jit(jax.vmap(trainer.init, out_axes=axes))
    chunk_fn = jax.vmap(trainer.train_chunk_unjitted, in_axes=(axes,), out_axes=(axes, 0))
    chunk_fn = jax.jit(chunk_fn, donate_argnums=0)
    evaluate = jax.jit(jax.vmap(evaluator.run_unjitted))
    fold = jax.jit(jax.vmap(jax.random.fold_in, in_axes=(0, None)))
    policy_params = trainer.learner.policy_params

    def run_eval(state, chunk: int) -> list[dict]:
        metrics = jax.device_get(
            evaluate(policy_params(state.agent), state.obs_stats, fold(key_eval, chunk))
        )
        return [{k: float(v[i]) for k, v in metrics.items()} for i in range(len(seeds))]

    total = config.num_chunks * config.env_steps_per_chunk
    start = time.perf_counter()
    # Under vmap the env's reset cond becomes a select over a consumed and a fresh key, which
    # the key-reuse checker (on in tests) flags; each key is still used once per seed.
    with jax.debug_key_reuse(False):
        state = init(key_init)
        chunk_fn = chunk_fn.lower(state).compile()  # compiled before the loggers' clocks start,
        untrained = run_eval(state, 0)  # so metrics' wall_s is training + evaluation time only
        loggers = [RunLogger(d, total, config.progress and i == 0) for i, d in enumerate(dirs)]
        try:
            for logger, m in zip(loggers, untrained, strict=True):
                logger.log(0, m)
            last = untrained
            tick = time.perf_counter()
            for chunk in range(1, config.num_chunks + 1):
                state, sums = chunk_fn(state)
                sums = jax.device_get(sums)
                seconds = time.perf_counter() - tick
                step = int(state.env_steps)
                is_last = chunk == config.num_chunks
                evals = None
                if is_last or (config.eval_every_chunks and chunk % config.eval_every_chunks == 0):
                    evals = last = run_eval(state, chunk)
                for i, logger in enumerate(loggers):
                    metrics = summarize_chunk(
                        {k: v[i] for k, v in sums.items()},
                        config.iterations_per_chunk,
                        trainer.learner.actor_metric_names,
                    )
                    metrics.update(
                        env_steps_per_s=config.env_steps_per_chunk / seconds,
                        updates_per_s=metrics["updates"] / seconds,
                        seeds_in_program=len(seeds),
                    )
                    metrics.update(evals[i] if evals else {})
                    check_finite(step, metrics)
                    logger.log(step, metrics)
                tick = time.perf_counter()
        finally:
            for logger in loggers:
                logger.close()
    wall_s = round(time.perf_counter() - start, 1)
    return [
        dict(
            env_steps=int(state.env_steps),
            final_return=last[i]["eval_return"],
            final_return_std=last[i]["eval_return_std"],
            untrained_return=untrained[i]["eval_return"],
            wall_s=wall_s,
            run_dir=str(d),
        )
        for i, d in enumerate(dirs)
    ]


def run_sweep(
    base: Config, variants: list[str], seeds: list[int], out: Path, vmap_seeds: bool = True
) -> list[dict]:
    """Run every (variant, seed) cell not finished yet (a cell is done once summary.json exists)."""
    configs = [apply_variant(base, parse_variant(v)) for v in variants]
    for config in configs:  # fail on any bad cell before the first one compiles
        validate(config, envs.names())
    results = []
    for spec, config in zip(variants, configs, strict=True):
        dirs = [cell_dir(out, base.env, spec, s) for s in seeds]
        todo = [
            (s, d) for s, d in zip(seeds, dirs, strict=True) if not (d / "summary.json").exists()
        ]
        if not todo:
            continue
        config = config.replace(extra={**config.extra, "variant": spec})
        for d in dirs:  # an unfinished cell resumes from its checkpoint, or restarts
            if (d / "metrics.jsonl").exists() and (vmap_seeds or not _resumable(d)):
                (d / "metrics.jsonl").unlink()
        if vmap_seeds:
            summaries = train_seeds(config, [s for s, _ in todo], [d for _, d in todo])
        else:
            summaries = [
                train(config.replace(seed=s, run_dir=str(d)), resume=_resumable(d)) for s, d in todo
            ]
        for (seed, d), summary in zip(todo, summaries, strict=True):
            summary.update(variant=spec, seed=seed, vmapped=vmap_seeds)
            (Path(d) / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            results.append(summary)
    return results


def _resumable(run_dir: Path) -> bool:
    """A cell run through `run.train` that saved at least one checkpoint."""
    checkpoints = Path(run_dir) / "checkpoints"
    return checkpoints.is_dir() and any(p.name.isdigit() for p in checkpoints.iterdir())


__all__ = ["TrainingError", "parse_variant", "run_sweep", "train_seeds", "variant_label"]
