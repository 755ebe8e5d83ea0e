"""Issue 10's GPU-scale benchmark (see `mjx_dacer2.study.gpu_benchmark` for what it measures).

    python benchmarks/gpu.py                 # full sizes: one GPU, at most 10 minutes
    python benchmarks/gpu.py --sizes cpu     # the same parts at CPU sizes (issue 10's proxies)
    python benchmarks/gpu.py --smoke         # tiny sizes: every code path in about a minute
                                             # on a CPU (tests/test_gpu_benchmark.py runs it)

Writes gpu.json and gpu.md (naming the device) plus the run's curve into --out (default
runs/benchmarks/gpu_bench/<sizes>_on_<device>, e.g. full_on_nvidia_h200).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Literal

import jax
import tyro

from mjx_dacer2.runtime import (
    enable_compilation_cache,
    quiet_library_warnings,
    set_matmul_precision,
)
from mjx_dacer2.study.gpu_benchmark import CPU, FULL, PARTS, SMOKE, Sizes, run_benchmark

SIZES = {"full": FULL, "cpu": CPU, "smoke": SMOKE}


@dataclasses.dataclass(frozen=True)
class Args:
    sizes: Literal["full", "cpu", "smoke"] = "full"
    """full (one GPU), cpu (CPU proxies) or smoke (a CPU test of every code path)."""
    smoke: bool = False
    """Same as --sizes smoke."""
    out: str = ""
    """Output folder (default: runs/benchmarks/gpu_bench/<sizes>_on_<device kind>)."""
    runs_dir: str = "runs"
    """Where the training part's run dir goes (its curve and table go to --out)."""
    parts: tuple[str, ...] = PARTS
    """Parts to run: loop, update_vs_batch, sampling, brax_sac, run."""
    variants: tuple[str, ...] = ()
    """Variants of the update and sampling parts (default: dacer2:5 dacer:20 sac)."""
    batches: tuple[int, ...] = ()
    """Batch sizes of the update part (default: 256 .. 32768; smoke: 32)."""
    loop_envs: tuple[str, ...] = ()
    """Envs of the loop part (default: ant humanoid); fewer to fit a short time on a GPU."""
    num_envs: tuple[int, ...] = ()
    """Env counts of the loop part (default: 1024 4096 16384)."""
    run_num_envs: int = 0
    """Envs of the training run (default: 4096)."""
    run_seconds: float = 0.0
    """Training seconds the run part aims at (default: 240)."""
    brax_env_steps: int = 0
    """Env steps of Brax's SAC in the Brax part (default: 400,000)."""


# Args fields that replace a Sizes field when given
OVERRIDES = ("variants", "batches", "loop_envs", "num_envs", "run_num_envs", "run_seconds",
             "brax_env_steps")  # fmt: skip


def chosen_sizes(args: Args) -> Sizes:
    """The sizes named by --sizes (or --smoke) with the fields given on the command line."""
    sizes = SIZES["smoke" if args.smoke else args.sizes]
    given = {name: getattr(args, name) for name in OVERRIDES if getattr(args, name)}
    return dataclasses.replace(sizes, **given)


def main(args: Args) -> dict:
    enable_compilation_cache()
    quiet_library_warnings()
    set_matmul_precision("highest")
    device = re.sub(r"[^a-z0-9]+", "_", jax.devices()[0].device_kind.lower()).strip("_")
    size = "smoke" if args.smoke else args.sizes
    runs = Path(__file__).parents[1] / "runs" / "benchmarks"  # the default output, not tracked
    default = runs / "gpu_bench" / f"{size}_on_{device}"
    out = Path(args.out) if args.out else default
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        raise SystemExit(f"error: unknown part(s) {', '.join(unknown)}: choose from {PARTS}")
    sizes = chosen_sizes(args)
    result = run_benchmark(sizes, out, args.parts, Path(args.runs_dir))
    print((out / "gpu.md").read_text())
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main(tyro.cli(Args))
