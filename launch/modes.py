"""`mjx-dacer2 modes RUN_DIR`: the multimodality figure (trajectories of the stochastic policy from
each start, goals marked), the goal-hit histogram and its entropy, for a run on a goal task
(multigoal, corridor). Writes PREFIX.png and PREFIX.json (PREFIX defaults to RUN_DIR/modes).

    mjx-dacer2 modes runs/mg_dacer2 --out runs/mg_dacer2/modes_dacer2
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import jax
import tyro

from mjx_dacer2.launch.checkpoint_args import CheckpointArgs


def format_summary(summary: dict) -> str:
    lines = [
        f"{summary['env']}: {summary['trajectories_per_start']} trajectories from each of "
        f"{len(summary['per_start'])} starts",
        f"  goal hits {summary['histogram']}  missed {summary['misses']}  entropy "
        f"{summary['entropy']:.3f} (max log {len(summary['goals'])} = "
        f"{summary['max_entropy']:.3f}); mean per-start entropy "
        f"{summary['mean_start_entropy']:.3f}",
    ]
    lines += [
        f"  start {s['start']}: hits {s['histogram']} missed {s['misses']} "
        f"entropy {s['entropy']:.3f}"
        for s in summary["per_start"]
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class ModesArgs(CheckpointArgs):
    out: str | None = None
    """Output prefix for .png and .json (default RUN_DIR/modes)."""
    num_trajectories: int = 100
    """Trajectories of the stochastic policy from each start."""
    seed: int = 0
    """Seed of the trajectories."""


def main(argv: list[str]) -> int:
    args = tyro.cli(ModesArgs, args=argv, prog="mjx-dacer2 modes", description=__doc__)
    if args.num_trajectories < 1:
        n = args.num_trajectories
        print(f"error: num-trajectories must be >= 1, got {n}", file=sys.stderr)
        return 2

    from mjx_dacer2.runtime import quiet_library_warnings
    from mjx_dacer2.storage.checkpoint import CheckpointError
    from mjx_dacer2.storage.export import load_checkpoint_policy
    from mjx_dacer2.study.multimodality import modal_task, plot_modes, rollout, summarize

    quiet_library_warnings()
    try:
        loaded = load_checkpoint_policy(args.run_dir, args.chunk, args.best)
        task = modal_task(loaded.config.env)
    except (CheckpointError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    rollouts = rollout(
        task, loaded.policy.behaviour_action, args.num_trajectories, jax.random.key(args.seed)
    )
    summary = summarize(task, rollouts)
    summary.update(algo=loaded.config.algo, run_dir=str(args.run_dir), chunk=loaded.chunk)
    prefix = Path(args.out) if args.out else Path(args.run_dir) / "modes"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    png, out_json = Path(f"{prefix}.png"), Path(f"{prefix}.json")  # a dot in PREFIX stays
    title = f"{loaded.config.algo} on {task.env_name}"
    plot_modes(task, rollouts, summary, png, title)
    out_json.write_text(json.dumps(summary, indent=2) + "\n")
    print(format_summary(summary))
    print(f"wrote {png}, {out_json}")
    return 0
