"""The `mjx-dacer2` command line: `mjx-dacer2 COMMAND [flags]`, one module per command.

Each command lives in `launch/<module>.py` and exposes `main(argv: list[str]) -> int`; modules
are imported only when their command runs, so `--help` and bad input stay fast.
"""

from __future__ import annotations

import importlib
import os
import sys

COMMANDS = {  # command -> (module, one-line description)
    "train": ("mjx_dacer2.launch.train", "train DACER2 / DACER (and baselines) on an env"),
    "eval": ("mjx_dacer2.launch.evaluate", "evaluate a run's policy from its checkpoint"),
    "export": ("mjx_dacer2.launch.export", "export a run's policy (params + network config)"),
    "bench": ("mjx_dacer2.launch.bench", "time sampling, updates and the loop across T"),
    "sweep": ("mjx_dacer2.launch.sweep", "run a grid of algos x T x seeds"),
    "plot": ("mjx_dacer2.launch.plot", "learning curves and final-return tables"),
    "modes": ("mjx_dacer2.launch.modes", "multimodality figure and goal-hit histogram"),
    "render": ("mjx_dacer2.launch.render", "write a video of a run's policy"),
}


def available_commands() -> dict[str, tuple[str, str]]:
    here = os.path.dirname(__file__)
    return {
        name: spec
        for name, spec in COMMANDS.items()
        if os.path.exists(os.path.join(here, spec[0].split(".")[-1] + ".py"))
    }


def usage(commands: dict[str, tuple[str, str]]) -> str:
    lines = ["usage: mjx-dacer2 COMMAND [flags]   (mjx-dacer2 COMMAND --help for its flags)", ""]
    lines += [f"  {name:<8} {desc}" for name, (_, desc) in commands.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = available_commands()
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(commands))
        return 0
    if argv[0] not in commands:
        print(
            f"error: unknown command '{argv[0]}': choose one of {', '.join(commands)}",
            file=sys.stderr,
        )
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    module = importlib.import_module(commands[argv[0]][0])
    from mjx_dacer2.config import ConfigError

    try:
        return module.main(argv[1:])
    except ConfigError as err:  # a command's flags refused while parsing (e.g. --size)
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
