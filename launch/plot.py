"""`mjx-dacer2 plot`: learning curves (vs env steps and vs wall-clock, mean and 95% t-interval
over seeds) and the final-return table of every run dir under `--runs`; `--bench` re-plots a
bench.json.

    mjx-dacer2 plot --runs runs/learning/r1-baseline --out DIR --threshold 950
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mjx-dacer2 plot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", help="root directory searched for run dirs")
    parser.add_argument("--out", help="output directory (default: --runs)")
    parser.add_argument("--bench", help="a bench.json to re-plot (figures next to it)")
    parser.add_argument(
        "--threshold",
        type=float,
        help="also tabulate the env steps at which each seed's eval return first reaches this",
    )
    args = parser.parse_args(argv)
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
            print(f"error: no run dirs with evaluations under {args.runs}")
            return 2
        out = Path(args.out or args.runs)
        written += plot_curves(runs, out)
        rows = final_table(runs, args.threshold)
        (out / "final_returns.json").write_text(json.dumps(rows, indent=2) + "\n")
        (out / "final_returns.md").write_text(final_table_markdown(rows))
        written += [out / "final_returns.json", out / "final_returns.md"]
        print(final_table_markdown(rows))
    if not written:
        parser.error("give --runs and/or --bench")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0
