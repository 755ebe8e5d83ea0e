"""`mjx-dacer2 bench`: time sampling, one update, the training loop and compilation across
(algo, T) variants on one env, side by side in one process; writes JSON, CSV, markdown and PNGs.

    mjx-dacer2 bench --env multigoal --variants dacer2:5 dacer2:20 dacer:20 sac --out DIR

Flags other than the ones below are `mjx-dacer2 train` flags (env preset, network sizes,
num-envs and updates-per-iteration fix the update-to-data ratio of the loop measurement).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mjx_dacer2.launch.train import TrainFlags, parse_with_train_flags

DEFAULT_VARIANTS = tuple(
    "dacer2:1 dacer2:2 dacer2:3 dacer2:5 dacer2:10 dacer2:20 dacer:5 dacer:20 sac".split()
)


@dataclass(frozen=True)
class BenchArgs:
    config: TrainFlags
    variants: tuple[str, ...] = DEFAULT_VARIANTS
    """ALGO[:T][:field=value...] specs."""
    out: str = "runs/bench"
    """Output directory (default runs/bench, outside the tracked tree)."""
    sample_batch: int = 4096
    """States per batch call of the sampling measurement."""
    rounds: int = 3
    """Interleaved timing rounds (one training chunk per variant each)."""
    sample_calls: int = 10
    """Sampling calls per round."""
    update_calls: int = 10
    """Update calls per round."""
    compile_cache: bool = False
    """Use the persistent compile cache (compile times then mean little)."""


def parse_args(argv: list[str]) -> BenchArgs:
    return parse_with_train_flags(
        BenchArgs,
        argv,
        "mjx-dacer2 bench",
        __doc__.split("\n\n")[0] + " Every `mjx-dacer2 train` flag applies.",
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    config = args.config
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
