"""`mjx-dacer2 sweep`: run a grid of variants x seeds on one env, each cell a normal run dir.

    mjx-dacer2 sweep --env multigoal --variants dacer2:5 dacer:20 dacer:5 sac --seeds 0 1 2 \
        --out runs/study --total-env-steps 30000

Seeds of a variant are vmapped in one program (see mjx_dacer2.study.sweep); `--no-vmap-seeds`
runs them one after another through `mjx_dacer2.driver.run.train`. Finished cells (summary.json)
are skipped, so an interrupted sweep resumes. Other flags are `mjx-dacer2 train` flags.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        prog="mjx-dacer2 sweep",
        allow_abbrev=False,
        description=__doc__.split("\n\n")[0],
        epilog="Any other flag is a `mjx-dacer2 train` flag (e.g. --env, --total-env-steps).",
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["dacer2:5", "dacer:20", "dacer:5", "sac"],
        help="ALGO[:T][:field=value...] specs",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default="runs/sweep", help="root of the cell run dirs")
    parser.add_argument(
        "--no-vmap-seeds",
        action="store_true",
        help="run seeds sequentially (less memory) instead of vmapped",
    )
    args, rest = parser.parse_known_args(argv)
    from mjx_dacer2.launch.train import parse_train_args

    return args, parse_train_args(rest)


def main(argv: list[str]) -> int:
    args, config = parse_args(argv)
    from mjx_dacer2.config import ConfigError
    from mjx_dacer2.driver.run import TrainingError
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
    from mjx_dacer2.study.sweep import run_sweep

    enable_compilation_cache()
    quiet_library_warnings()
    try:
        results = run_sweep(
            config, args.variants, args.seeds, Path(args.out), not args.no_vmap_seeds
        )
    except (ConfigError, TrainingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for r in results:
        print(
            f"{r['variant']:<28} seed {r['seed']}: {r['env_steps']:,} steps, "
            f"return {r['untrained_return']:.1f} -> {r['final_return']:.1f} ({r['wall_s']:.0f} s)"
        )
    print(f"done: {len(results)} new cells under {args.out}; plot with mjx-dacer2 plot")
    return 0
