"""Seed-by-seed comparison of two variants from committed `mjx-dacer2 plot` tables
(final_returns.json `per_seed`), for rounds whose run dirs are gone (they are not committed).

    python benchmarks/paired.py BASE CANDIDATE [--metric mean_final20]

BASE and CANDIDATE are `RESULTS_DIR:VARIANT`, e.g.
`benchmarks/results/learning/pooled-double:dacer2:5` (the variant is everything after the
first colon); `DIR+DIR...:VARIANT` pools the seeds of several rounds' tables (rounds run on
other seeds with the same flags, e.g. `.../L10-halfcheetah+.../L18-halfcheetah:dacer2:5`).
Prints a markdown table over the seeds both have: each seed's figure, the difference, and the
means (± the standard deviation over seeds, as `mjx-dacer2 plot`'s tables); the candidate's
mean over the base's is the ratio issue 8 quotes.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

METRICS = ("mean_final20", "last", "best_final10")


def per_seed(spec: str, metric: str) -> dict[int, float]:
    directories, _, variant = spec.partition(":")
    pooled: dict[int, float] = {}
    for directory in directories.split("+"):
        seeds = table_seeds(directory, variant, metric)
        if twice := sorted(set(seeds) & set(pooled)):
            raise SystemExit(f"error: seed(s) {twice} of '{variant}' appear in two pooled tables")
        pooled.update(seeds)
    return pooled


def table_seeds(directory: str, variant: str, metric: str) -> dict[int, float]:
    table = Path(directory) / "final_returns.json"
    if not table.is_file():
        raise SystemExit(f"error: no {table}: run the round, or name a results folder that has one")
    rows = json.loads(table.read_text())
    for row in rows:
        if row["variant"] == variant:
            return dict(zip(row["per_seed"]["seed"], row["per_seed"][metric], strict=True))
    found = ", ".join(sorted({row["variant"] for row in rows}))
    raise SystemExit(f"error: no variant '{variant}' in {directory} (it has: {found})")


def short_name(spec: str) -> str:
    """`ROUND[+ROUND...]:VARIANT` of a `RESULTS_DIR[+RESULTS_DIR...]:VARIANT` spec."""
    directories, _, variant = spec.partition(":")
    return "+".join(Path(d).name for d in directories.split("+")) + f":{variant}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("candidate")
    parser.add_argument("--metric", choices=METRICS, default="mean_final20")
    args = parser.parse_args()
    base, cand = per_seed(args.base, args.metric), per_seed(args.candidate, args.metric)
    base_name, cand_name = (short_name(spec) for spec in (args.base, args.candidate))
    seeds = sorted(set(base) & set(cand))
    if not seeds:
        raise SystemExit("error: the two variants share no seed: compare rounds on the same seeds")
    print(f"| seed | {base_name} | {cand_name} | difference |")
    print("|---|---|---|---|")
    for s in seeds:
        print(f"| {s} | {base[s]:.1f} | {cand[s]:.1f} | {cand[s] - base[s]:+.1f} |")
    b = statistics.mean(base[s] for s in seeds)
    c = statistics.mean(cand[s] for s in seeds)
    b_std, c_std = (statistics.pstdev(x[s] for s in seeds) for x in (base, cand))
    higher = sum(cand[s] > base[s] for s in seeds)
    means = f"{b:.1f} ± {b_std:.1f} | {c:.1f} ± {c_std:.1f}"
    print(f"| mean of {len(seeds)} | {means} | {c - b:+.1f} |")
    print(
        f"\n{args.metric}: candidate / base = {c / b:.2f}x; the candidate is higher in "
        f"{higher} of {len(seeds)} seeds."
    )


if __name__ == "__main__":
    main()
