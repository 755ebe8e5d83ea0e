"""Markdown table of `mjx-dacer2 modes` outputs (DIR/modes_VARIANT_sSEED.json) against issue 8's
MultiGoal target: from the origin (the first start), at least 3 goals reached and a goal-hit
entropy >= 0.9 log(#goals).

    python benchmarks/modes_table.py benchmarks/results/learning/targets-multigoal
"""

import json
import math
import sys
from pathlib import Path


def main(directory: str) -> None:
    print(
        "| variant | seed | goal hits from the origin | goals reached "
        "| entropy (max log 4 = 1.386) | target met | pooled entropy (5 starts) |"
    )
    print("|---|---|---|---|---|---|---|")
    met: dict[str, list[bool]] = {}
    for path in sorted(Path(directory).glob("modes_*.json")):
        summary = json.loads(path.read_text())
        origin = summary["per_start"][0]
        assert origin["start"] == [0.0, 0.0], origin["start"]
        reached = sum(count > 0 for count in origin["histogram"])
        ok = reached >= 3 and origin["entropy"] >= 0.9 * math.log(len(summary["goals"]))
        variant, seed = path.stem.removeprefix("modes_").rsplit("_s", 1)
        met.setdefault(variant, []).append(ok)
        print(
            f"| {variant} | {seed} | {origin['histogram']} (missed {origin['misses']}) "
            f"| {reached} | {origin['entropy']:.3f} | {'yes' if ok else 'no'} "
            f"| {summary['entropy']:.3f} |"
        )
    for variant, oks in met.items():
        print(f"\n{variant}: target met in {sum(oks)} of {len(oks)} seeds", end="")
    print()


if __name__ == "__main__":
    main(sys.argv[1])
