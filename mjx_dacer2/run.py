"""The host-side driver of a training run: validate, set up the run directory, loop over jitted
chunks, evaluate between chunks, log, and stop cleanly on NaNs.

This is the only place that touches the host during training; everything inside a chunk stays
on the device.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import jax
import numpy as np

import envs
from mjx_dacer2.config import Config, ConfigError, validate
from mjx_dacer2.evaluate import make_evaluator
from mjx_dacer2.logger import RunLogger, write_config
from mjx_dacer2.runtime import set_matmul_precision
from mjx_dacer2.trainer import Trainer, make_trainer, summarize_chunk


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. NaNs); the message says what happened and what to do."""


def make_env(config: Config) -> envs.Env:
    """The config's env, with its episode length overridden when the config sets one."""
    env = envs.make(config.env)
    if config.episode_length is not None:
        env = dataclasses.replace(env, episode_length=config.episode_length)
    return env


def prepare_run_dir(path: str) -> Path:
    """Create the run directory and prove it is writable, before anything compiles."""
    run_dir = Path(path).expanduser().resolve()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise ConfigError(
            f"run dir '{run_dir}' is not writable ({err.strerror}): choose another --run-dir"
        ) from None
    return run_dir


def check_finite(step: int, metrics: dict) -> None:
    bad = sorted(k for k, v in metrics.items() if isinstance(v, float) and not np.isfinite(v))
    if bad:
        raise TrainingError(
            f"non-finite {', '.join(bad)} at env step {step}: training diverged; "
            "lower the learning rates or reward scale, or turn on --normalize-observations"
        )


def train(config: Config) -> dict:
    """Run a whole training job; returns the final summary (also logged)."""
    validate(config, envs.names())
    run_dir = prepare_run_dir(config.run_dir)
    set_matmul_precision(config.matmul_precision)
    write_config(run_dir, config)

    env = make_env(config)
    trainer = make_trainer(config, env)
    evaluator = make_evaluator(config, env, trainer.learner.deterministic)
    key = jax.random.key(config.seed)
    key_init, key_eval = jax.random.split(key)

    logger = RunLogger(run_dir, config.num_chunks * config.env_steps_per_chunk, config.progress)
    start = time.perf_counter()
    try:
        state = jax.jit(trainer.init)(key_init)
        untrained = _evaluate(trainer, evaluator, state, jax.random.fold_in(key_eval, 0))
        logger.log(0, untrained)
        summary = _train_loop(config, trainer, evaluator, state, logger, key_eval)
    finally:
        logger.close()
    summary.update(
        untrained_return=untrained["eval_return"],
        wall_s=round(time.perf_counter() - start, 1),
        run_dir=str(run_dir),
    )
    return summary


def _evaluate(trainer: Trainer, evaluator, state, key) -> dict:
    params = trainer.learner.policy_params(state.agent)
    metrics = evaluator.run(params, state.obs_stats, key)
    return {k: float(v) for k, v in jax.device_get(metrics).items()}


def _train_loop(config: Config, trainer: Trainer, evaluator, state, logger, key_eval) -> dict:
    last = {}
    tick = time.perf_counter()
    for chunk in range(1, config.num_chunks + 1):
        state, sums = trainer.train_chunk(state)
        sums = jax.device_get(sums)
        now = time.perf_counter()
        metrics = summarize_chunk(
            sums, config.iterations_per_chunk, trainer.learner.actor_metric_names
        )
        metrics["env_steps_per_s"] = config.env_steps_per_chunk / (now - tick)
        metrics["updates_per_s"] = metrics["updates"] / (now - tick)
        step = int(state.env_steps)
        check_finite(step, metrics)
        is_last = chunk == config.num_chunks
        if is_last or (config.eval_every_chunks and chunk % config.eval_every_chunks == 0):
            metrics.update(
                _evaluate(trainer, evaluator, state, jax.random.fold_in(key_eval, chunk))
            )
            check_finite(step, metrics)
            last = metrics
        logger.log(step, metrics)
        tick = time.perf_counter()
    return {
        "env_steps": int(state.env_steps),
        "final_return": last.get("eval_return"),
        "final_return_std": last.get("eval_return_std"),
    }
