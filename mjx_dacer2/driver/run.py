"""The one host-side driver of training, for N >= 1 seeds of one config: validate, set up the
run directories, loop over jitted chunks, evaluate between chunks, log, checkpoint, resume, and
stop cleanly on NaNs or on SIGINT/SIGTERM (after the current chunk, with a checkpoint).

Several seeds run vmapped in one program (`programs.SeedPrograms`); each seed still has its own
run dir, logs and checkpoints, so any seed can be resumed, evaluated or exported like a
single run. This is the only place that touches the host during training; everything inside a
chunk stays on the device. Everything random is a function of (config, seed, chunk index), so a
resumed run ends bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import jax
import numpy as np

from mjx_dacer2 import envs
from mjx_dacer2.config import Config, ConfigError, validate
from mjx_dacer2.config.serialize import config_from_dict, config_to_dict
from mjx_dacer2.driver.memory import check_fits
from mjx_dacer2.driver.programs import SeedPrograms, make_programs
from mjx_dacer2.driver.signals import StopSignals
from mjx_dacer2.parallel.distributed import first_signal_of_any_process, is_main_process
from mjx_dacer2.parallel.mesh import plan_devices, to_host
from mjx_dacer2.runtime import set_matmul_precision
from mjx_dacer2.storage.checkpoint import Checkpointer, CheckpointError
from mjx_dacer2.storage.logger import RunLogger, write_config
from mjx_dacer2.storage.resume import check_compatible, check_same_split, keep_replay_capacity
from mjx_dacer2.training.trainer import summarize_chunk


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. NaNs); the message says what happened and what to do."""


class Stopped(TrainingError):
    """SIGINT/SIGTERM stopped the run between chunks, after saving a checkpoint."""

    def __init__(self, message: str, signum: int, summaries: list[dict]):
        super().__init__(message)
        self.signum, self.summaries = signum, summaries

    @property
    def summary(self) -> dict:
        return self.summaries[0]


def prepare_run_dir(path: str) -> Path:
    """Create the run directory and prove it is writable, before anything compiles."""
    run_dir = Path(path).expanduser().resolve()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / f".write_test_{os.getpid()}"  # one per process of a multi-host job
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise ConfigError(
            f"run dir '{run_dir}' is not writable ({err.strerror}): choose another --run-dir"
        ) from None
    return run_dir


def check_finite(step: int, metrics: dict, who: str = "") -> None:
    bad = sorted(k for k, v in metrics.items() if isinstance(v, float) and not np.isfinite(v))
    if bad:
        raise TrainingError(
            f"{who}non-finite {', '.join(bad)} at env step {step}: training diverged; "
            "lower the learning rates or reward scale, or turn on --normalize-observations"
        )


def check_vmappable(config: Config, num_seeds: int) -> None:
    """JAX batches RngBitGenerator over the first key only: under the rbg generators every
    vmapped seed would draw from seed 0's stream (at its own offset), not from its own seed."""
    if num_seeds > 1 and config.prng_impl != "threefry2x32":
        raise ConfigError(
            f"prng-impl {config.prng_impl} cannot vmap seeds (each would draw from the first "
            "seed's key): run them one at a time (sweep --no-vmap-seeds) or use threefry2x32"
        )


def run_keys(seed: int, prng_impl: str) -> tuple[jax.Array, jax.Array]:
    """(key_init, key_eval) of a run; chunk k is evaluated with `fold_in(key_eval, k)`."""
    key_init, key_eval = jax.random.split(jax.random.key(seed, impl=prng_impl))
    return key_init, key_eval


def default_run_dir(config: Config) -> str:
    """runs/ENV-ALGO[-T]-sSEED-YYYYmmdd-HHMMSS: a fresh directory for every new run."""
    label = config.algo_label.replace(" T=", "-T")
    return f"runs/{config.env}-{label}-s{config.seed}-{time.strftime('%Y%m%d-%H%M%S')}"


def train(config: Config, resume: bool = False) -> dict:
    """One seed: run a whole training job, or with `resume` continue it from its newest valid
    checkpoint. Returns the final summary. Raises `Stopped` when SIGINT/SIGTERM ended the run
    early (after saving a checkpoint), so callers never mistake it for a finished run."""
    if config.run_dir is None:
        config = config.replace(run_dir=default_run_dir(config))
    return train_seeds(config, [config.seed], [config.run_dir], resume)[0]


def train_seeds(
    config: Config,
    seeds: list[int],
    run_dirs: list[str | Path],
    resume: bool = False,
    overlap: bool = True,
) -> list[dict]:
    """Train `config` for every seed at once (vmapped when more than one), seed i in
    run_dirs[i]; with `resume`, continue every seed from its newest checkpoint they all have.
    `overlap=False` makes the host finish each chunk before dispatching the next (for measuring
    what the overlap buys; the run is bit-identical either way)."""
    config = config.resolved()  # the algo's own T and eta, stored explicitly in config.json
    validate(config, envs.names())
    if len(seeds) != len(run_dirs) or not seeds:
        raise ConfigError("give one run dir per seed, and at least one seed")
    check_vmappable(config, len(seeds))
    plan_devices(config, len(seeds))  # a device count that cannot work stops before any dir
    dirs = [prepare_run_dir(str(d)) for d in run_dirs]
    configs = [config.replace(seed=s, run_dir=str(d)) for s, d in zip(seeds, dirs, strict=True)]
    set_matmul_precision(config.matmul_precision)
    checkpointers: list[Checkpointer] = []
    try:
        for d in dirs:
            checkpointers.append(
                Checkpointer(
                    d, config.checkpoint.keep_checkpoints, config.checkpoint.keep_best_checkpoint
                )
            )
        return _train(configs, dirs, checkpointers, resume, overlap)
    finally:
        for checkpointer in checkpointers:
            checkpointer.close()  # waits for the last asynchronous save


def _load(
    checkpointer: Checkpointer, config: Config, programs: SeedPrograms, step: int | None = None
):
    """(chunk, (meta, state)) of one seed's newest valid checkpoint, or of `step`; a data-
    parallel run's state comes back placed on its devices."""
    shardings = None if programs.vmapped else programs.shardings

    def load(chunk: int):
        meta = checkpointer.read_meta(chunk)
        where = str(checkpointer.directory.parent)
        check_compatible(config_from_dict(meta["config"], where), config, where)
        check_same_split(meta.get("data_shards", 1), programs.data_shards, where)
        return meta, checkpointer.restore_state(chunk, programs.abstract_seed_state, shardings)

    return checkpointer.newest_valid(load, step=step, set_aside=True)


def _restore(programs: SeedPrograms, configs: list[Config], checkpointers: list[Checkpointer]):
    """(chunk, program state, per-seed histories) from every seed's newest common checkpoint.

    Seeds save one after another, so a run killed between two saves has seeds one chunk apart:
    the newer checkpoints are set aside and every seed continues from the older chunk."""
    loaded = [_load(ckpt, c, programs) for ckpt, c in zip(checkpointers, configs, strict=True)]
    chunk = min(step for step, _ in loaded)
    for i, (step, _) in enumerate(loaded):
        if step != chunk:
            checkpointers[i].set_aside(step, "ahead of the other seeds")
            try:
                loaded[i] = _load(checkpointers[i], configs[i], programs, step=chunk)
            except CheckpointError as err:
                raise CheckpointError(
                    f"seed {configs[i].seed} has no checkpoint at chunk {chunk}, where the "
                    f"other seeds stopped ({err}): rerun these seeds from scratch"
                ) from None
    histories = [meta["history"] for _, (meta, _) in loaded]
    return chunk, programs.stack([state for _, (_, state) in loaded]), histories


def _train(
    configs: list[Config],
    dirs: list[Path],
    checkpointers: list[Checkpointer],
    resume: bool,
    overlap: bool,
) -> list[dict]:
    if resume:  # refuse an incompatible config before anything is built or compiled
        for i, checkpointer in enumerate(checkpointers):
            _, meta = checkpointer.newest_valid(checkpointer.read_meta, quiet=True)
            where = str(checkpointer.directory.parent)
            saved = config_from_dict(meta["config"], where)
            configs[i] = keep_replay_capacity(saved, configs[i])
            check_compatible(saved, configs[i], where)
    else:
        for checkpointer, d in zip(checkpointers, dirs, strict=True):
            if checkpointer.steps():
                raise CheckpointError(
                    f"run dir '{d}' already holds a run (checkpoints up to chunk "
                    f"{checkpointer.steps()[-1]}): continue it with --resume {d}, "
                    "or choose another --run-dir"
                )
    config = configs[0]  # the settings every seed shares
    env = envs.make(config.env, config.loop.episode_length)
    programs = make_programs(config, env, len(configs))
    check_fits(  # before allocating
        programs.abstract_seed_state, programs.seeds_per_device, data_shards=programs.data_shards
    )
    keys = [run_keys(c.seed, c.prng_impl) for c in configs]
    key_init, key_eval = [k for k, _ in keys], [k for _, k in keys]

    start_chunk, state, histories = 0, None, [[] for _ in configs]  # fresh logs
    if resume:
        start_chunk, state, histories = _restore(programs, configs, checkpointers)
    main = is_main_process()  # only it writes logs (every process saves its checkpoint shards)
    for c, d in zip(configs, dirs, strict=True):
        if main:
            write_config(d, c)

    total = config.num_chunks * config.env_steps_per_chunk
    start = time.perf_counter()  # the summary's wall_s: init and compile included
    with StopSignals() as stop, programs.context():
        if state is None:
            state = programs.init(key_init)
        chunk_fn = programs.compile_chunk(state)  # before the loggers' clocks start, so that
        loggers = [  # metrics' wall_s is training and evaluation time only
            RunLogger(
                d,
                total,
                config.progress and i == 0,
                histories[i],
                writes=main,
                episode_length=programs.trainer.env.episode_length,
            )
            for i, d in enumerate(dirs)
        ]
        try:
            if start_chunk == 0:
                untrained = programs.evaluate(state, [jax.random.fold_in(k, 0) for k in key_eval])
                for logger, metrics in zip(loggers, untrained, strict=True):
                    logger.log(0, metrics)
            loop = _Loop(
                configs, programs, chunk_fn, loggers, checkpointers, key_eval, stop, overlap
            )
            summaries = loop.run(state, start_chunk)
        finally:
            for logger in loggers:
                logger.close()
    wall_s = round(time.perf_counter() - start, 1)
    for summary, logger, d in zip(summaries, loggers, dirs, strict=True):
        summary.update(
            untrained_return=logger.records[0].get("eval_return") if logger.records else None,
            wall_s=wall_s,
            run_dir=str(d),
        )
    if stop.signum is not None and summaries[0]["chunk"] < config.num_chunks:
        chunk, steps = summaries[0]["chunk"], summaries[0]["env_steps"]
        how = (
            f"continue with mjx-dacer2 train --resume {dirs[0]}"
            if len(dirs) == 1
            else f"rerun the same command to continue all {len(dirs)} seeds"
        )
        raise Stopped(
            f"stopped by {signal.Signals(stop.signum).name} after chunk {chunk}/"
            f"{config.num_chunks} ({steps:,} env steps), checkpoint saved: {how}",
            stop.signum,
            summaries,
        )
    return summaries


class _Loop:
    """The chunk loop shared by every seed count.

    With `overlap` (the default) chunk k+1 is dispatched before the host waits for chunk k's
    metrics, evaluates, logs or saves: the evaluation and the checkpoint copy of chunk k's state
    are dispatched first (device work, queued before chunk k+1, which then donates the state),
    and everything the host does for chunk k runs while chunk k+1 computes. Without it the host
    finishes chunk k before dispatching chunk k+1 (the old loop; `benchmarks/chunk_gap.py`
    measures the difference). Both run the same programs on the same data: bit-identical runs.
    """

    def __init__(
        self, configs, programs, chunk_fn, loggers, checkpointers, key_eval, stop, overlap
    ):
        self.configs, self.programs, self.chunk_fn = configs, programs, chunk_fn
        self.loggers, self.checkpointers = loggers, checkpointers
        self.key_eval, self.stop, self.overlap = key_eval, stop, overlap
        self.config = configs[0]

    def run(self, state, start_chunk: int) -> list[dict]:
        config = self.config
        last = [_last_eval(logger.records) for logger in self.loggers]
        chunk = start_chunk
        pending = self.chunk_fn(state) if chunk < config.num_chunks else None
        arrived = time.perf_counter()  # when the previous chunk's metrics reached the host
        idle = None  # the device's wait before this chunk (see `_log`)
        while pending is not None:
            chunk += 1
            state, sums = pending
            is_last = chunk == config.num_chunks
            evals = None
            if is_last or config.passes_multiple(config.eval.eval_every_env_steps, chunk):
                keys = [jax.random.fold_in(k, chunk) for k in self.key_eval]
                evals = self.programs.dispatch_evaluation(state, keys)
            if self.overlap:
                pending, copies, next_dispatched = self._advance(state, chunk, is_last)
            sums = self.programs.per_seed(to_host(sums))
            self.stop.arm()  # there is something to save now: signals checkpoint, then stop
            seconds, arrived = time.perf_counter() - arrived, time.perf_counter()
            if evals is not None:
                evals = self.programs.evaluation_metrics(evals)
            device_done = time.perf_counter()
            records = self._log(chunk, sums, evals, seconds, idle)
            if evals is not None:
                last = records
            if not self.overlap:
                pending, copies, next_dispatched = self._advance(state, chunk, is_last)
            if copies:
                self._save(chunk, copies, records)
            idle = max(0.0, next_dispatched - device_done)
        for checkpointer in self.checkpointers:
            checkpointer.wait()
        return [
            {
                "env_steps": chunk * config.env_steps_per_chunk,
                "chunk": chunk,
                "final_return": last[i].get("eval_return"),
                "final_return_std": last[i].get("eval_return_std"),
                "stopped_by": self.stop.signum if chunk < config.num_chunks else None,
            }
            for i in range(len(self.loggers))
        ]

    def _advance(self, state, chunk: int, is_last: bool):
        """Take checkpoint copies of `state` when a save is due (or a signal asks to stop), then
        dispatch the next chunk unless this was the last or a signal asks to stop. Returns (the
        next chunk's (state, sums) or None, the copies or None, when it was dispatched). Reads
        the stop flag once, so a run never stops without saving; in a multi-process job every
        process takes the same decision (`first_signal_of_any_process`)."""
        signum = first_signal_of_any_process(self.stop.signum, f"stop-after-chunk-{chunk}")
        self.stop.follow(signum)
        config, stopping = self.config, signum is not None
        copies = None
        if (
            is_last
            or stopping
            or config.passes_multiple(config.checkpoint.save_every_env_steps, chunk)
        ):
            copies = [self.programs.seed_snapshot(state, i) for i in range(len(self.loggers))]
        pending = None if is_last or stopping else self.chunk_fn(state)
        return pending, copies, time.perf_counter()

    def _log(self, chunk: int, sums: list, evals, seconds: float, idle: float | None):
        """Log chunk `chunk` of every seed: its metric sums, evaluation, throughput over
        `seconds` since the previous chunk, and `idle`: the seconds between the end of the
        previous chunk's device work (metrics and evaluation fetched) and this chunk's dispatch
        (0 when it was dispatched before)."""
        config, programs = self.config, self.programs
        step = chunk * config.env_steps_per_chunk
        records = []
        for i, logger in enumerate(self.loggers):
            who = f"seed {self.configs[i].seed}: " if programs.vmapped else ""
            metrics = summarize_chunk(
                sums[i],
                config.loop.iterations_per_chunk,
                programs.trainer.learner.actor_metric_names,
            )
            metrics["env_steps_per_s"] = config.env_steps_per_chunk / seconds
            metrics["updates_per_s"] = metrics["updates"] / seconds
            if idle is not None:
                metrics["idle_before_chunk_s"] = idle
            if programs.vmapped:
                metrics["seeds_in_program"] = programs.num_seeds
            if programs.mesh is not None:
                metrics["devices_in_program"] = programs.mesh.size
            check_finite(step, metrics, who)
            if evals is not None:
                metrics.update(evals[i])
                check_finite(step, metrics, who)
            logger.log(step, metrics)
            records.append(metrics)
        return records

    def _save(self, chunk: int, copies: list[dict], records: list[dict]) -> None:
        env = self.programs.trainer.env
        for i, checkpointer in enumerate(self.checkpointers):
            meta = dict(
                config=config_to_dict(self.configs[i]),
                env_steps=chunk * self.config.env_steps_per_chunk,
                obs_size=env.obs_size,
                action_size=env.action_size,
                data_shards=self.programs.data_shards,
                history=list(self.loggers[i].records),
            )
            checkpointer.save(chunk, copies[i], meta, records[i].get("eval_return"))


def _last_eval(records: list[dict]) -> dict:
    evals = [r for r in records if "eval_return" in r]
    return evals[-1] if evals else {}
