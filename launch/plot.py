"""`mjx-dacer2 plot`: learning curves (vs env steps and vs wall-clock, mean and 95% t-interval
over seeds) and the final-return table of every run dir under `--runs`; `--bench` re-plots a
bench.json.

    mjx-dacer2 plot --runs runs/learning/r1-baseline --out DIR --threshold 950
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import tyro


@dataclass(frozen=True)
class PlotArgs:
    runs: str | None = None
    """Root directory searched for run dirs."""
    out: str | None = None
    """Output directory (default: --runs)."""
    bench: str | None = None
    """A bench.json to re-plot (figures next to it)."""
    threshold: float | None = None
    """Also tabulate the env steps at which each seed's eval return first reaches this."""


def main(argv: list[str]) -> int:
    args = tyro.cli(PlotArgs, args=argv, prog="mjx-dacer2 plot", description=__doc__)
    if not (args.runs or args.bench):
        print("error: nothing to plot: give --runs DIR and/or --bench FILE", file=sys.stderr)
        return 2
    from mjx_dacer2.study.plotting import (
        final_table,
        final_table_markdown,
        load_runs,
        plot_bench,
        plot_curves,
    )

    written = []
    if args.bench:
        bench = Path(args.bench)
        written += plot_bench(json.loads(bench.read_text()), bench.parent)
    if args.runs:
        runs = load_runs(Path(args.runs))
        if not runs:
            print(f"error: no run dirs with evaluations under {args.runs}", file=sys.stderr)
            return 2
        out = Path(args.out or args.runs)
        written += plot_curves(runs, out)
        rows = final_table(runs, args.threshold)
        (out / "final_returns.json").write_text(json.dumps(rows, indent=2) + "\n")
        (out / "final_returns.md").write_text(final_table_markdown(rows))
        written += [out / "final_returns.json", out / "final_returns.md"]
        print(final_table_markdown(rows))
    print("wrote " + ", ".join(str(p) for p in written))
    return 0
