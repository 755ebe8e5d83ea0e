"""The `mjx-dacer2` command line (tyro): `mjx-dacer2 train [--env NAME] [flags]`.

Flags layer over the chosen env's preset: `--env hopper` first loads hopper's preset, then every
other flag overrides it, so `--help` with an env shows that env's defaults.
"""

from __future__ import annotations

import os
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
    return tyro.cli(Config, default=preset(_env_from_argv(argv)), args=argv,
                    prog="mjx-dacer2 train", description="Train DACER2 / DACER on an MJX task.")


def train_main(argv: list[str]) -> int:
    config = parse_train_args(argv)
    from mjx_dacer2.runtime import enable_compilation_cache  # after parsing: --help stays fast

    enable_compilation_cache()
    from mjx_dacer2.run import TrainingError, train

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


COMMANDS = {"train": train_main}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        known = ", ".join(COMMANDS)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"error: unknown command '{argv[0]}': choose one of {known}", file=sys.stderr)
            return 2
        print(f"usage: mjx-dacer2 {{{known}}} [flags]   (mjx-dacer2 COMMAND --help for flags)")
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
