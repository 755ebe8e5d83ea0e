"""The host-side driver of a training run: validate, set up the run directory, loop over jitted
chunks, evaluate between chunks, log, checkpoint, resume, and stop cleanly on NaNs or on
SIGINT/SIGTERM (after the current chunk, with a checkpoint).

This is the only place that touches the host during training; everything inside a chunk stays
on the device. Everything random is a function of (config, seed, chunk index), so a resumed run
ends bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import time
from pathlib import Path

import jax
import numpy as np

import envs
from mjx_dacer2.checkpoint import Checkpointer, CheckpointError
from mjx_dacer2.config import Config, ConfigError, validate
from mjx_dacer2.evaluate import make_evaluator
from mjx_dacer2.logger import RunLogger, write_config
from mjx_dacer2.resume import check_compatible, config_from_dict, config_to_dict
from mjx_dacer2.runtime import set_matmul_precision
from mjx_dacer2.trainer import Trainer, make_trainer, summarize_chunk


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. NaNs); the message says what happened and what to do."""


class Stopped(TrainingError):
    """SIGINT/SIGTERM stopped the run between chunks, after saving a checkpoint."""

    def __init__(self, message: str, signum: int, summary: dict):
        super().__init__(message)
        self.signum, self.summary = signum, summary


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


def run_keys(seed: int) -> tuple[jax.Array, jax.Array]:
    """(key_init, key_eval) of a run; chunk k is evaluated with `fold_in(key_eval, k)`."""
    key_init, key_eval = jax.random.split(jax.random.key(seed))
    return key_init, key_eval


class StopSignals:
    """While active, SIGINT/SIGTERM ask the loop to checkpoint and stop after the current chunk;
    a second SIGINT interrupts at once (the previous checkpoint stays valid)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signum = signum
        name = signal.Signals(signum).name
        print(f"\n{name}: saving a checkpoint after this chunk, then stopping", file=sys.stderr)

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def default_run_dir(config: Config) -> str:
    """runs/ENV-ALGO[-T]-sSEED-YYYYmmdd-HHMMSS: a fresh directory for every new run."""
    label = config.algo_label.replace(" T=", "-T")
    return f"runs/{config.env}-{label}-s{config.seed}-{time.strftime('%Y%m%d-%H%M%S')}"


def train(config: Config, resume: bool = False) -> dict:
    """Run a whole training job, or with `resume` continue it from its newest valid checkpoint.

    Returns the final summary (also logged). Raises `Stopped` when SIGINT/SIGTERM ended the run
    early (after saving a checkpoint), so callers never mistake it for a finished run.
    """
    validate(config, envs.names())
    if config.run_dir is None:
        config = config.replace(run_dir=default_run_dir(config))
    run_dir = prepare_run_dir(config.run_dir)
    set_matmul_precision(config.matmul_precision)
    checkpointer = Checkpointer(run_dir, config.keep_checkpoints, config.keep_best_checkpoint)
    try:
        return _train(config, run_dir, checkpointer, resume)
    finally:
        checkpointer.close()  # waits for the last asynchronous save


def _train(config: Config, run_dir: Path, checkpointer: Checkpointer, resume: bool) -> dict:
    if resume:  # refuse an incompatible config before anything is built or compiled
        _, meta = checkpointer.newest_valid(checkpointer.read_meta, quiet=True)
        check_compatible(config_from_dict(meta["config"], str(run_dir)), config, str(run_dir))
    elif checkpointer.steps():
        raise CheckpointError(
            f"run dir '{run_dir}' already holds a run (checkpoints up to chunk "
            f"{checkpointer.steps()[-1]}): continue it with --resume {run_dir}, "
            "or choose another --run-dir"
        )
    env = make_env(config)
    trainer = make_trainer(config, env)
    evaluator = make_evaluator(config, env, trainer.learner.deterministic)
    key_init, key_eval = run_keys(config.seed)

    start_chunk, state, history = 0, None, None
    if resume:

        def load(step: int):
            meta = checkpointer.read_meta(step)
            check_compatible(config_from_dict(meta["config"], str(run_dir)), config, str(run_dir))
            return meta, checkpointer.restore_state(step, jax.eval_shape(trainer.init, key_init))

        start_chunk, (meta, state) = checkpointer.newest_valid(load, set_aside=True)
        history = meta["history"]
    write_config(run_dir, config)

    logger = RunLogger(
        run_dir, config.num_chunks * config.env_steps_per_chunk, config.progress, history
    )
    start = time.perf_counter()
    try:
        with StopSignals() as stop:
            if state is None:
                state = jax.jit(trainer.init)(key_init)
                untrained = _evaluate(trainer, evaluator, state, jax.random.fold_in(key_eval, 0))
                logger.log(0, untrained)
            summary = _train_loop(
                config, trainer, evaluator, state, logger, key_eval, checkpointer, start_chunk, stop
            )
    finally:
        logger.close()
    summary.update(
        untrained_return=logger.records[0].get("eval_return") if logger.records else None,
        wall_s=round(time.perf_counter() - start, 1),
        run_dir=str(run_dir),
    )
    if summary["stopped_by"] is not None:
        signum = summary["stopped_by"]
        raise Stopped(
            f"stopped by {signal.Signals(signum).name} after chunk {summary['chunk']}/"
            f"{config.num_chunks} ({summary['env_steps']:,} env steps), checkpoint saved: "
            f"continue with mjx-dacer2 train --resume {run_dir}",
            signum,
            summary,
        )
    return summary


def _evaluate(trainer: Trainer, evaluator, state, key) -> dict:
    params = trainer.learner.policy_params(state.agent)
    metrics = evaluator.run(params, state.obs_stats, key)
    return {k: float(v) for k, v in jax.device_get(metrics).items()}


def _checkpoint_meta(config: Config, trainer: Trainer, step: int, records: list) -> dict:
    env = trainer.env
    return dict(
        config=config_to_dict(config),
        env_steps=step,
        obs_size=env.obs_size,
        action_size=env.action_size,
        history=list(records),
    )


def _train_loop(
    config: Config,
    trainer: Trainer,
    evaluator,
    state,
    logger: RunLogger,
    key_eval,
    checkpointer: Checkpointer,
    start_chunk: int,
    stop: StopSignals,
) -> dict:
    evals = [r for r in logger.records if "eval_return" in r]
    last = evals[-1] if evals else {}
    chunk = start_chunk
    tick = time.perf_counter()
    for chunk in range(start_chunk + 1, config.num_chunks + 1):
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
        tick = time.perf_counter()  # the (blocking part of the) save counts in the next chunk
        every = config.save_every_chunks
        if is_last or stop.signum is not None or (every and chunk % every == 0):
            meta = _checkpoint_meta(config, trainer, step, logger.records)
            checkpointer.save(chunk, state, meta, metrics.get("eval_return"))
        if stop.signum is not None:
            break
    checkpointer.wait()
    return {
        "env_steps": int(state.env_steps),
        "chunk": chunk,
        "final_return": last.get("eval_return"),
        "final_return_std": last.get("eval_return_std"),
        "stopped_by": stop.signum if chunk < config.num_chunks else None,
    }
