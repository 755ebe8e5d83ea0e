"""`mjx-dacer2 train`: tyro flags over the env's preset, then `mjx_dacer2.run.train`.

`--env hopper` first loads hopper's preset; every other flag overrides it, so
`mjx-dacer2 train --env hopper --help` shows hopper's defaults.
"""

from __future__ import annotations

import sys

import tyro

from mjx_dacer2.config import Config, ConfigError, preset


def _env_from_argv(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--env" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--env="):
            return arg.split("=", 1)[1]
    return Config().env


def parse_train_args(argv: list[str]) -> Config:
    """Parse `train` flags over the env's preset."""
    return tyro.cli(
        Config,
        default=preset(_env_from_argv(argv)),
        args=argv,
        prog="mjx-dacer2 train",
        description="Train DACER2 / DACER on an MJX task.",
    )


def main(argv: list[str]) -> int:
    config = parse_train_args(argv)
    from mjx_dacer2.run import TrainingError, train  # after parsing: --help stays fast
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings

    enable_compilation_cache()
    quiet_library_warnings()
    try:
        summary = train(config)
    except (ConfigError, TrainingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    untrained, final = summary["untrained_return"], summary["final_return"]
    print(
        f"done: {config.env} {config.algo} T={config.num_diffusion_steps} | "
        f"{summary['env_steps']:,} env steps in {summary['wall_s']:.0f} s | eval return "
        f"{untrained:.1f} (untrained) -> {final:.1f} +- {summary['final_return_std']:.1f} | "
        f"run dir {summary['run_dir']}"
    )
    return 0
