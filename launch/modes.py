"""`mjx-dacer2 modes RUN_DIR`: the multimodality figure (trajectories of the stochastic policy from
each start, goals marked), the goal-hit histogram and its entropy, for a run on a goal task
(multigoal, corridor). Writes PREFIX.png and PREFIX.json (PREFIX defaults to RUN_DIR/modes).

    mjx-dacer2 modes runs/mg_dacer2 --out benchmarks/results/modes_dacer2

Also owns `RunPolicy` / `load_run_policy`: a run's checkpointed policy with behaviour and
deterministic actions on raw observations, shared with `render`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax


@dataclass(frozen=True)
class RunPolicy:
    """A trained policy: the learner, its restored state and observation statistics."""

    config: Any  # mjx_dacer2.config.Config
    learner: Any  # any learner of mjx_dacer2.algorithms
    agent: Any  # the learner's state (AgentState, SacState, ...)
    obs_stats: Any  # RunningStats
    chunk: int  # checkpoint it came from

    def _obs(self, obs: jax.Array) -> jax.Array:
        from mjx_dacer2.normalizer import normalize

        return normalize(self.obs_stats, obs, self.config.normalize_observations)

    def explore(self, obs: jax.Array, key: jax.Array) -> jax.Array:
        """Behaviour (stochastic) actions (B, d) for obs (B, o)."""
        return self.learner.explore(self.agent, self._obs(obs), key)

    def deterministic(self, obs: jax.Array) -> jax.Array:
        """Evaluation actions (B, d) for obs (B, o)."""
        return self.learner.deterministic(self.learner.policy_params(self.agent), self._obs(obs))


def load_run_policy(run_dir: str | Path, chunk: int | None = None, best: bool = False) -> RunPolicy:
    """The policy in RUN_DIR's checkpoint at `chunk`, the best one (`best`), or the newest
    readable one (through `mjx_dacer2.export.load_checkpoint_policy`)."""
    from mjx_dacer2.export import load_checkpoint_policy

    loaded = load_checkpoint_policy(run_dir, chunk, best)
    return RunPolicy(loaded.config, loaded.learner, loaded.agent, loaded.obs_stats, loaded.chunk)


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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mjx-dacer2 modes", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", help="a run dir written by `mjx-dacer2 train`")
    parser.add_argument("--out", help="output prefix for .png and .json (default RUN_DIR/modes)")
    parser.add_argument("--num-trajectories", type=int, default=100, help="per start")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, help="checkpoint to load (default: the newest)")
    parser.add_argument("--best", action="store_true", help="load the best-eval checkpoint")
    args = parser.parse_args(argv)
    if args.num_trajectories < 1:
        parser.error("--num-trajectories must be >= 1")

    from mjx_dacer2.checkpoint import CheckpointError
    from mjx_dacer2.multimodality import modal_task, plot_modes, rollout, summarize

    try:
        policy = load_run_policy(args.run_dir, args.chunk, args.best)
        task = modal_task(policy.config.env)
    except (CheckpointError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    rollouts = rollout(task, policy.explore, args.num_trajectories, jax.random.key(args.seed))
    summary = summarize(task, rollouts)
    summary.update(algo=policy.config.algo, run_dir=str(args.run_dir), chunk=policy.chunk)
    prefix = Path(args.out) if args.out else Path(args.run_dir) / "modes"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    png, out_json = prefix.with_suffix(".png"), prefix.with_suffix(".json")
    title = f"{policy.config.algo} on {task.env_name}"
    plot_modes(task, rollouts, summary, png, title)
    out_json.write_text(json.dumps(summary, indent=2) + "\n")
    print(format_summary(summary))
    print(f"wrote {png}, {out_json}")
    return 0
