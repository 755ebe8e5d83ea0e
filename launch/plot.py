"""`mjx-dacer2 plot`: learning curves (vs env steps and vs wall-clock, mean and 95% t-interval
over seeds) and the final-return table of every run dir under `--runs` (several roots pool their
seeds); `--bench` re-plots a bench.json.

    mjx-dacer2 plot --runs runs/learning/r1-baseline --out DIR --threshold 950
    mjx-dacer2 plot --runs runs/learning/targets-double runs/learning/targets-double-s345 --out DIR
    mjx-dacer2 plot --runs runs/learning/r25-double-300k-s012 --up-to-env-steps 200000 --out DIR
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import tyro


@dataclass(frozen=True)
class PlotArgs:
    runs: tuple[str, ...] = ()
    """Root directories searched for run dirs; the seeds of a variant found under several roots
    are pooled (each seed once)."""
    out: str | None = None
    """Output directory (default: the first of --runs)."""
    bench: str | None = None
    """A bench.json to re-plot (figures next to it)."""
    threshold: float | None = None
    """Also tabulate the env steps at which each seed's eval return first reaches this."""
    up_to_env_steps: int | None = None
    """Plot and tabulate the runs as they stood at this many env steps (later evaluations
    dropped), e.g. a 200k-step table from runs of 300k."""


def main(argv: list[str]) -> int:
    args = tyro.cli(PlotArgs, args=argv, prog="mjx-dacer2 plot", description=__doc__)
    if not (args.runs or args.bench):
        print("error: nothing to plot: give --runs DIR and/or --bench FILE", file=sys.stderr)
        return 2
    from mjx_dacer2.study.plotting import (
        final_table,
        final_table_markdown,
        plot_bench,
        plot_curves,
        pool_runs,
        up_to,
    )

    written = []
    if args.bench:
        bench = Path(args.bench)
        written += plot_bench(json.loads(bench.read_text()), bench.parent)
    if args.runs:
        try:
            runs = pool_runs([Path(root) for root in args.runs])
            if args.up_to_env_steps is not None:
                runs = up_to(runs, args.up_to_env_steps)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        out = Path(args.out or args.runs[0])
        written += plot_curves(runs, out)
        rows = final_table(runs, args.threshold)
        (out / "final_returns.json").write_text(json.dumps(rows, indent=2) + "\n")
        (out / "final_returns.md").write_text(final_table_markdown(rows))
        written += [out / "final_returns.json", out / "final_returns.md"]
        print(final_table_markdown(rows))
    print("wrote " + ", ".join(str(p) for p in written))
    return 0
