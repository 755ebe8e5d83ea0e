"""`mjx-dacer2 bench`: time sampling, one update, the training loop and compilation across
(algo, T) variants on one env, side by side in one process; writes JSON, CSV, markdown and PNGs.

    mjx-dacer2 bench --env multigoal --variants dacer2:5 dacer2:20 dacer:20 sac --out DIR

Flags other than the ones below are `mjx-dacer2 train` flags (env preset, network sizes,
num-envs and updates-per-iteration fix the update-to-data ratio of the loop measurement).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_VARIANTS = (
    "dacer2:1 dacer2:2 dacer2:3 dacer2:5 dacer2:10 dacer2:20 dacer:5 dacer:20 sac".split()
)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        prog="mjx-dacer2 bench",
        allow_abbrev=False,
        description=__doc__.split("\n\n")[0],
        epilog="Any other flag is a `mjx-dacer2 train` flag (e.g. --env, --num-envs).",
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(DEFAULT_VARIANTS),
        help="ALGO[:T][:field=value...] specs",
    )
    parser.add_argument("--out", default="benchmarks/results/bench", help="output directory")
    parser.add_argument("--sample-batch", type=int, default=4096, help="states per batch call")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved timing rounds (one training chunk per variant each)",
    )
    parser.add_argument("--sample-calls", type=int, default=10, help="sampling calls per round")
    parser.add_argument("--update-calls", type=int, default=10, help="update calls per round")
    parser.add_argument(
        "--compile-cache",
        action="store_true",
        help="use the persistent compile cache (compile times then mean little)",
    )
    args, rest = parser.parse_known_args(argv)
    from mjx_dacer2.launch.train import parse_train_args

    return args, parse_train_args(rest)


def main(argv: list[str]) -> int:
    args, config = parse_args(argv)
    import jax

    from mjx_dacer2 import envs
    from mjx_dacer2.config import ConfigError, validate
    from mjx_dacer2.config.variants import apply_variant, parse_variant
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
    from mjx_dacer2.study.benchmarking import run_bench, write_results
    from mjx_dacer2.study.plotting import plot_bench

    quiet_library_warnings()
    if args.compile_cache:
        enable_compilation_cache()
    else:
        jax.config.update("jax_enable_compilation_cache", False)
    try:
        for spec in args.variants:
            validate(apply_variant(config, parse_variant(spec)), envs.names())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    repeats = dict(
        rounds=args.rounds, sample_calls=args.sample_calls, update_calls=args.update_calls
    )
    result = run_bench(config, tuple(args.variants), args.sample_batch, repeats)
    result["command"] = "mjx-dacer2 bench " + " ".join(argv)
    result["compile_cache"] = args.compile_cache
    out = Path(args.out)
    paths = write_results(result, out) + plot_bench(result, out)
    print((out / "bench.md").read_text())
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
