"""Multimodality of a policy on the point-mass goal tasks (MultiGoal, corridor).

Owns the task descriptions (`MODAL_TASKS`: goals and the start positions DACER uses), one jitted
vmapped rollout of a stochastic policy from every start (`rollout`), the goal-hit histogram and its
entropy (`goal_histogram`, `summarize`; log(#goals) = every mode used equally), and the DACER-style
trajectory figure (`plot_modes`).

A policy here is `act_fn(obs (B, D), key) -> action (B, D)`: the behaviour (stochastic) policy,
since multimodality is a property of the action distribution, not of its deterministic mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2 import envs
from mjx_dacer2.envs import multigoal

ActFn = Callable[[jax.Array, jax.Array], jax.Array]  # (obs (B, D), key) -> action (B, D)


@dataclass(frozen=True)
class ModalTask:
    """A point-mass task whose state and observation are the position (D,)."""

    env_name: str
    goals: np.ndarray  # (G, D)
    starts: np.ndarray  # (S, D)


MODAL_TASKS: dict[str, ModalTask] = {
    # DACER's five starts: the origin and (+-0.5, +-0.5).
    "multigoal": ModalTask(
        "multigoal",
        multigoal.GOALS,
        np.array([[0, 0], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]], np.float32),
    ),
    "corridor": ModalTask(
        "corridor", multigoal.CORRIDOR_GOALS, np.array([[0.0], [0.5], [-0.5]], np.float32)
    ),
}


def modal_task(env_name: str) -> ModalTask:
    if env_name not in MODAL_TASKS:
        raise ValueError(
            f"env '{env_name}' has no known modes: multimodality works on {', '.join(MODAL_TASKS)}"
        )
    return MODAL_TASKS[env_name]


@dataclass(frozen=True)
class Rollouts:
    positions: np.ndarray  # (S, N, T + 1, D) start, then every step; frozen after the episode ends
    goal: np.ndarray  # (S, N) int32 index of the goal reached, -1 if none within the episode
    length: np.ndarray  # (S, N) int32 steps until the goal (episode_length if never)


def rollout(task: ModalTask, act_fn: ActFn, num_trajectories: int, key: jax.Array) -> Rollouts:
    """`num_trajectories` episodes of `act_fn` from each start of `task`, all in one jitted scan."""
    env = envs.make(task.env_name)
    starts = jnp.asarray(task.starts, jnp.float32)
    num_starts, dim = starts.shape
    goals = jnp.asarray(task.goals, jnp.float32)

    def run(key: jax.Array):
        pos0 = jnp.repeat(starts, num_trajectories, axis=0)  # (S*N, D)
        batch = pos0.shape[0]

        def step(carry, key_t):
            pos, alive, hit = carry
            action = act_fn(pos, key_t)  # obs == position
            new_pos, _, _, terminated = jax.vmap(env.step_fn)(pos, action)
            new_pos = jnp.where(alive[:, None], new_pos, pos)
            reached = alive & terminated
            hit = jnp.where(reached, multigoal.goal_index(new_pos, goals), hit)
            alive = alive & ~terminated
            return (new_pos, alive, hit), (new_pos, alive)

        carry = (pos0, jnp.ones(batch, bool), jnp.full(batch, -1, jnp.int32))
        keys = jax.random.split(key, env.episode_length)
        (_, _, hit), (path, alive) = jax.lax.scan(step, carry, keys)  # path: (T, S*N, D)
        positions = jnp.concatenate([pos0[None], path]).swapaxes(0, 1)  # (S*N, T + 1, D)
        length = jnp.sum(jnp.concatenate([jnp.ones((1, batch), bool), alive[:-1]]), axis=0)
        shape = (num_starts, num_trajectories)
        return (
            positions.reshape(*shape, env.episode_length + 1, dim),
            hit.reshape(shape),
            length.astype(jnp.int32).reshape(shape),
        )

    positions, goal, length = jax.device_get(jax.jit(run)(key))
    return Rollouts(np.asarray(positions), np.asarray(goal), np.asarray(length))


def goal_histogram(goal: np.ndarray, num_goals: int) -> np.ndarray:
    """Counts (G + 1,) of goal indices in `goal` (any shape); the last entry counts misses (-1)."""
    goal = np.asarray(goal).ravel()
    return np.bincount(np.where(goal < 0, num_goals, goal), minlength=num_goals + 1)


def entropy(counts: np.ndarray) -> float:
    """Entropy (nats) of the distribution over goals given by `counts` (G,); 0 when empty."""
    counts = np.asarray(counts, np.float64)
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0: no "-0.0"


def summarize(task: ModalTask, rollouts: Rollouts) -> dict:
    """Goal-hit histogram and entropy, pooled and per start (JSON-ready).

    The entropy is over the goals among trajectories that reached one (misses counted apart);
    log(#goals) means every goal is reached equally often. The pooled number also rewards
    symmetric starts that each go to their nearest goal; `mean_start_entropy` (the mean of the
    per-start entropies) measures how many modes the policy uses from one state.
    """
    num_goals = len(task.goals)

    def stats(goal: np.ndarray) -> dict:
        counts = goal_histogram(goal, num_goals)
        return dict(
            histogram=counts[:num_goals].tolist(),
            misses=int(counts[-1]),
            entropy=entropy(counts[:num_goals]),
        )

    per_start = [
        dict(start=s.tolist(), **stats(g)) for s, g in zip(task.starts, rollouts.goal, strict=True)
    ]
    reached = rollouts.goal >= 0
    return dict(
        env=task.env_name,
        goals=task.goals.tolist(),
        trajectories_per_start=int(rollouts.goal.shape[1]),
        max_entropy=math.log(num_goals),
        mean_steps_to_goal=float(rollouts.length[reached].mean()) if reached.any() else None,
        **stats(rollouts.goal),
        mean_start_entropy=float(np.mean([s["entropy"] for s in per_start])),
        per_start=per_start,
    )


def plot_modes(task: ModalTask, rollouts: Rollouts, summary: dict, path: Path, title: str = ""):
    """DACER-style figure: one panel per start with its trajectories, coloured by goal reached."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    num_starts, _, steps, dim = rollouts.positions.shape
    colors = plt.get_cmap("tab10")(np.arange(len(task.goals)))
    fig, axes = plt.subplots(1, num_starts, figsize=(3.2 * num_starts, 3.4), squeeze=False)
    for s, ax in enumerate(axes[0]):
        for path_n, goal, length in zip(
            rollouts.positions[s], rollouts.goal[s], rollouts.length[s], strict=True
        ):
            color = colors[goal] if goal >= 0 else "0.6"
            path_n = path_n[: length + 1]  # up to the end of the episode
            if dim == 2:
                ax.plot(path_n[:, 0], path_n[:, 1], color=color, lw=0.6, alpha=0.5)
            else:
                ax.plot(np.arange(len(path_n)), path_n[:, 0], color=color, lw=0.6, alpha=0.5)
        _mark_goals(ax, task, colors, dim, steps)
        start = task.starts[s]
        if dim == 2:
            ax.plot(*start, "k*", ms=10)
            ax.set(xlim=(-7, 7), ylim=(-7, 7), aspect="equal")
        else:
            ax.plot(0, start[0], "k*", ms=10)
            ax.set(xlim=(0, steps - 1), ylim=(-7, 7), xlabel="step")
        stats = summary["per_start"][s]
        ax.set_title(
            f"start {tuple(round(float(x), 2) for x in start)}\n"
            f"hits {stats['histogram']}  H={stats['entropy']:.2f}",
            fontsize=9,
        )
    fig.suptitle(
        f"{title}  goal hits {summary['histogram']} (missed {summary['misses']}), "
        f"entropy {summary['entropy']:.3f} / log {len(task.goals)} = {summary['max_entropy']:.3f}, "
        f"per start {summary['mean_start_entropy']:.3f}",
        fontsize=10,
    )
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _mark_goals(ax, task: ModalTask, colors: np.ndarray, dim: int, steps: int) -> None:
    import matplotlib.patches as patches

    for g, goal in enumerate(task.goals):
        if dim == 2:
            ax.add_patch(patches.Circle(goal, multigoal.GOAL_RADIUS, color=colors[g], alpha=0.3))
        else:
            lo, hi = goal[0] - multigoal.GOAL_RADIUS, goal[0] + multigoal.GOAL_RADIUS
            ax.axhspan(lo, hi, xmin=0, xmax=steps, color=colors[g], alpha=0.3)
