"""`mjx-dacer2 train`: tyro flags over the env's preset, then `mjx_dacer2.driver.run.train`.

`--env hopper` first loads hopper's preset; every other flag overrides it, so
`mjx-dacer2 train --env hopper --help` shows hopper's defaults. `--size cpu` loads a locomotion
task's CPU-sized preset instead of its GPU one (`mjx_dacer2.config.presets.CPU_LOCOMOTION`,
then the task's own `CPU_LOCOMOTION_BY_ENV`).

`--resume RUN_DIR` continues a stopped run from its newest valid checkpoint: the config comes
from RUN_DIR/config.json and explicit flags override the fields that may change (total steps,
eval/save intervals, progress); any other change is refused with the list of differences.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import tyro

from mjx_dacer2.config import Config, ConfigError, preset


def _env_from_argv(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--env" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--env="):
            return arg.split("=", 1)[1]
    return Config().env


def pop_size(argv: list[str]) -> tuple[str, list[str]]:
    """Split `--size gpu|cpu` (which preset of the env, not a `Config` field) off the flags."""
    size, rest = pop_flag(argv, "--size", "gpu or cpu", "gpu|cpu")
    return size or "gpu", rest


def parse_train_args(argv: list[str]) -> Config:
    """Parse `train` flags over the env's preset (at `--size`)."""
    size, argv = pop_size(argv)
    return tyro.cli(
        Config,
        default=preset(_env_from_argv(argv), size),
        args=argv,
        config=FLAT_FLAGS,
        prog="mjx-dacer2 train",
        description="Train DACER2 / DACER on an MJX task." + SIZE_HELP + RESUME_HELP,
    )


def parse_with_train_flags(command: type, argv: list[str], prog: str, description: str):
    """Parse a command whose dataclass has a `config: TrainFlags` field (every `train` flag,
    unprefixed) next to its own flags; the config's defaults are the env's preset (at `--size`)."""
    size, argv = pop_size(argv)
    default = command(config=preset(_env_from_argv(argv), size))
    return tyro.cli(
        command, default=default, args=argv, config=FLAT_FLAGS, prog=prog, description=description
    )


# A `Config` field of a command dataclass whose flags are `train`'s, without a prefix.
TrainFlags = Annotated[Config, tyro.conf.arg(name="")]
# Config sections keep flat flags (`--num-envs`, not `--loop.num-envs`): field names are unique.
FLAT_FLAGS = (tyro.conf.OmitArgPrefixes,)


SIZE_HELP = (
    " --size cpu (before or after --env) loads a locomotion task's CPU-sized preset instead of"
    " its GPU one."
)
RESUME_HELP = (
    " Continue a stopped run with --resume RUN_DIR (its config.json; explicit flags override"
    " total-env-steps, eval/save intervals and progress). A multi-process job (several hosts):"
    " --coordinator-address HOST:PORT --num-processes N --process-id I on every process, or"
    " nothing under SLURM (srun) or Open MPI (mpirun)."
)
JOB_FLAGS = ("--coordinator-address", "--num-processes", "--process-id")


def pop_flag(argv: list[str], flag: str, what: str, metavar: str) -> tuple[str | None, list[str]]:
    """Split `flag VALUE` / `flag=VALUE` (not a `Config` field) off the other flags."""
    rest, value, i = [], None, 0
    while i < len(argv):
        if argv[i] == flag:
            if i + 1 >= len(argv) or argv[i + 1].startswith("--"):
                raise ConfigError(f"{flag} needs {what}: {flag} {metavar}")
            value, i = argv[i + 1], i + 2
        elif argv[i].startswith(f"{flag}="):
            value, i = argv[i].split("=", 1)[1], i + 1
        else:
            rest, i = [*rest, argv[i]], i + 1
    return value, rest


def pop_resume(argv: list[str]) -> tuple[str | None, list[str]]:
    """Split `--resume RUN_DIR` / `--resume=RUN_DIR` off the other flags."""
    return pop_flag(argv, "--resume", "the run dir to continue", "RUN_DIR")


def pop_job_flags(argv: list[str]):
    """Split the multi-process flags off the other flags: (`JobFlags`, the rest)."""
    from mjx_dacer2.parallel.distributed import JobFlags

    values = {}
    for flag in JOB_FLAGS:
        value, argv = pop_flag(argv, flag, "a value", "VALUE")
        if value is not None:
            values[flag[2:].replace("-", "_")] = value
    try:
        for name in ("num_processes", "process_id"):
            if name in values:
                values[name] = int(values[name])
    except ValueError as err:
        raise ConfigError(f"--num-processes and --process-id take integers ({err})") from None
    return JobFlags(**values), argv


def parse_resume_args(run_dir: str, argv: list[str]) -> Config:
    """The stored config of `run_dir` with the explicit flags of `argv` applied over it."""
    from mjx_dacer2.storage.resume import load_run_config

    path = str(Path(run_dir).expanduser().resolve())
    stored = load_run_config(path).replace(run_dir=path)
    config = tyro.cli(
        Config,
        default=stored,
        args=argv,
        config=FLAT_FLAGS,
        prog="mjx-dacer2 train --resume RUN_DIR",
        description="Continue a stopped run; flags override its stored config.",
    )
    if str(Path(config.run_dir).expanduser().resolve()) != path:
        raise ConfigError(f"--run-dir conflicts with --resume {path}: a run stays in its dir")
    return config


def main(argv: list[str]) -> int:
    try:
        job, argv = pop_job_flags(argv)
        resume, argv = pop_resume(argv)
        if resume is None:
            config = parse_train_args(argv)
        else:
            from mjx_dacer2.storage.checkpoint import CheckpointError

            try:
                config = parse_resume_args(resume, argv)
            except CheckpointError as err:
                raise ConfigError(str(err)) from None
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from mjx_dacer2.parallel.distributed import is_main_process, join_job

    try:  # before any import that creates device arrays (those would miss the other processes)
        join_job(job)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from mjx_dacer2.driver.run import Stopped, TrainingError, train
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
    from mjx_dacer2.storage.checkpoint import CheckpointError  # after parsing: --help stays fast

    enable_compilation_cache()
    quiet_library_warnings()
    try:
        summary = train(config, resume=resume is not None)
    except Stopped as stop:
        print(stop)
        return 128 + stop.signum  # the shell's convention for "ended by this signal"
    except (ConfigError, TrainingError, CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not is_main_process():
        return 0
    untrained, final = summary["untrained_return"], summary["final_return"]
    print(
        f"done: {config.env} {config.algo_label} | "
        f"{summary['env_steps']:,} env steps in {summary['wall_s']:.0f} s | eval return "
        f"{_fmt(untrained)} (untrained) -> {_fmt(final)} +- {_fmt(summary['final_return_std'])}"
        f" | run dir {summary['run_dir']}"
    )
    return 0


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
