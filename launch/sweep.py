"""`mjx-dacer2 sweep`: run a grid of variants x seeds on one env, each cell a normal run dir.

    mjx-dacer2 sweep --env multigoal --variants dacer2:5 dacer:20 dacer:5 sac --seeds 0 1 2 \
        --out runs/study --total-env-steps 30000

Seeds of a variant are vmapped in one program (see mjx_dacer2.study.sweep); `--no-vmap-seeds`
runs them one after another. Every cell checkpoints; finished cells (summary.json) are skipped
and unfinished ones resume, so rerunning a stopped sweep continues it. Other flags are
`mjx-dacer2 train` flags.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mjx_dacer2.launch.train import TrainFlags, parse_with_train_flags


@dataclass(frozen=True)
class SweepArgs:
    config: TrainFlags
    variants: tuple[str, ...] = ("dacer2:5", "dacer:20", "dacer:5", "sac")
    """ALGO[:T][:field=value...] specs (a value takes its field's type: `num_envs=64`,
    `policy_hidden=64,64`, `normalize_observations=false`, `grad_loss_weight=none`)."""
    seeds: tuple[int, ...] = (0, 1, 2)
    """Seeds of every variant (vmapped in one program)."""
    out: str = "runs/sweep"
    """Root of the cell run dirs."""
    vmap_seeds: bool = True
    """Run a variant's seeds vmapped in one program; --no-vmap-seeds runs them one after
    another (less memory)."""


def parse_args(argv: list[str]) -> SweepArgs:
    return parse_with_train_flags(
        SweepArgs,
        argv,
        "mjx-dacer2 sweep",
        __doc__.split("\n\n")[0] + " Every `mjx-dacer2 train` flag applies.",
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    from mjx_dacer2.config import ConfigError
    from mjx_dacer2.driver import Stopped, TrainingError
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
    from mjx_dacer2.storage.checkpoint import CheckpointError
    from mjx_dacer2.study.sweep import run_sweep

    enable_compilation_cache()
    quiet_library_warnings()
    try:
        results = run_sweep(
            args.config, list(args.variants), list(args.seeds), Path(args.out), args.vmap_seeds
        )
    except Stopped as stop:
        print(stop)
        return 128 + stop.signum
    except (ConfigError, TrainingError, CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for r in results:
        print(
            f"{r['variant']:<28} seed {r['seed']}: {r['env_steps']:,} steps, "
            f"return {r['untrained_return']:.1f} -> {r['final_return']:.1f} ({r['wall_s']:.0f} s)"
        )
    print(f"done: {len(results)} new cells under {args.out}; plot with mjx-dacer2 plot")
    return 0
