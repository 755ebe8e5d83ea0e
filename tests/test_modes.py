"""Tests for mjx_dacer2.study.multimodality and `mjx-dacer2 modes`: the goal-hit histogram and
entropy on synthetic policies with known modes, rollout bookkeeping on the corridor, the figure
and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2.envs import multigoal
from mjx_dacer2.study import multimodality as mm

MULTIGOAL = mm.MODAL_TASKS["multigoal"]
CORRIDOR = mm.MODAL_TASKS["corridor"]


def committed_policy(probs: tuple[float, ...]) -> mm.ActFn:
    """MultiGoal policy with known modes: undecided near the diagonals (all five starts), it draws
    goal i with probability probs[i] and steps towards it; one step later it is clearly on that
    goal's axis and heads for the nearest goal, so each trajectory ends in the goal it drew."""
    goals = jnp.asarray(multigoal.GOALS)

    def act(obs: jax.Array, key: jax.Array) -> jax.Array:
        ax, ay = jnp.abs(obs[:, 0]), jnp.abs(obs[:, 1])
        committed = (ax > ay + 0.4) | (ay > ax + 0.4)
        nearest = goals[jnp.argmin(jnp.sum((obs[:, None] - goals) ** 2, -1), axis=1)]
        drawn = goals[jax.random.choice(key, 4, (obs.shape[0],), p=jnp.asarray(probs))]
        target = jnp.where(committed[:, None], nearest, drawn)
        return jnp.clip(target - obs, -1.0, 1.0)

    return act


def test_entropy_and_histogram_by_hand() -> None:
    np.testing.assert_array_equal(mm.goal_histogram(np.array([[0, 3, -1], [3, 3, 1]]), 4),
                                  [1, 1, 0, 3, 1])  # fmt: skip
    assert mm.entropy(np.array([5, 5, 5, 5])) == pytest.approx(math.log(4))
    assert mm.entropy(np.array([7, 0, 7, 0])) == pytest.approx(math.log(2))
    assert mm.entropy(np.array([0, 9, 0, 0])) == 0.0
    assert mm.entropy(np.array([0, 0])) == 0.0
    p = np.array([0.5, 0.25, 0.25])
    assert mm.entropy(p * 8) == pytest.approx(-(p * np.log(p)).sum())


@pytest.mark.parametrize(
    ("probs", "expected_entropy", "tol"),
    [((1.0, 0.0, 0.0, 0.0), 0.0, 0.0), ((0.5, 0.5, 0.0, 0.0), math.log(2), 0.01),
     ((0.25,) * 4, math.log(4), 0.02)],
)  # fmt: skip
def test_synthetic_policy_modes(probs, expected_entropy, tol) -> None:
    rollouts = mm.rollout(MULTIGOAL, committed_policy(probs), 100, jax.random.key(0))
    summary = mm.summarize(MULTIGOAL, rollouts)
    assert rollouts.positions.shape == (5, 100, 101, 2) and rollouts.goal.shape == (5, 100)
    assert summary["misses"] == 0 and sum(summary["histogram"]) == 500
    assert summary["max_entropy"] == pytest.approx(math.log(4))
    freq = np.asarray(summary["histogram"]) / 500
    np.testing.assert_allclose(freq, probs, atol=4 * math.sqrt(0.25 / 500))  # 4 sigma
    np.testing.assert_array_equal(freq[np.asarray(probs) == 0], 0)
    assert summary["entropy"] == pytest.approx(expected_entropy, abs=tol)
    assert summary["mean_start_entropy"] == pytest.approx(expected_entropy, abs=3 * tol)
    for start in summary["per_start"]:
        assert sum(start["histogram"]) == 100
    # Every trajectory ends inside the goal it is credited with.
    last = rollouts.positions[:, :, -1]  # (S, N, 2)
    np.testing.assert_array_equal(multigoal.goal_index(last), rollouts.goal)


def test_corridor_rollout_bookkeeping() -> None:
    """Always +1 from starts 0, 0.5, -0.5: goal +5 (index 0) after 5, 4 and 5 steps, then frozen."""
    rollouts = mm.rollout(CORRIDOR, lambda obs, key: jnp.ones_like(obs), 3, jax.random.key(1))
    np.testing.assert_array_equal(rollouts.goal, 0)
    np.testing.assert_array_equal(rollouts.length, [[5] * 3, [4] * 3, [5] * 3])
    np.testing.assert_allclose(rollouts.positions[:, 0, -1, 0], [5.0, 4.5, 4.5])
    np.testing.assert_allclose(rollouts.positions[1, 0, :6, 0], [0.5, 1.5, 2.5, 3.5, 4.5, 4.5])
    summary = mm.summarize(CORRIDOR, rollouts)
    assert summary["histogram"] == [9, 0] and summary["entropy"] == 0.0
    assert summary["mean_steps_to_goal"] == pytest.approx(14 / 3)
    # A policy that never moves misses every goal.
    still = mm.rollout(CORRIDOR, lambda obs, key: jnp.zeros_like(obs), 2, jax.random.key(2))
    assert mm.summarize(CORRIDOR, still)["misses"] == 6
    np.testing.assert_array_equal(still.length, 100)


def test_unknown_task() -> None:
    with pytest.raises(ValueError, match="no known modes"):
        mm.modal_task("hopper")


def test_modes_cli_writes_figure_and_json(tmp_path, monkeypatch, capsys) -> None:
    """`mjx-dacer2 modes` end to end, with the run's policy replaced by a synthetic one."""
    from types import SimpleNamespace

    from mjx_dacer2.launch import modes
    from mjx_dacer2.storage import export

    fake = SimpleNamespace(
        config=SimpleNamespace(env="multigoal", algo="fake"),
        policy=SimpleNamespace(behaviour_action=committed_policy((0.5, 0.0, 0.5, 0.0))),
        chunk=3,
    )
    monkeypatch.setattr(export, "load_checkpoint_policy", lambda *args: fake)
    out = tmp_path / "figs" / "modes_eta0.01"  # a dot in the prefix is not a suffix
    assert modes.main([str(tmp_path), "--out", str(out), "--num-trajectories", "20"]) == 0
    summary = json.loads(Path(f"{out}.json").read_text())
    assert summary["algo"] == "fake" and summary["chunk"] == 3
    assert sum(summary["histogram"]) == 100 and summary["histogram"][1::2] == [0, 0]
    assert Path(f"{out}.png").stat().st_size > 10_000
    assert "entropy" in capsys.readouterr().out


def test_modes_cli_bad_run_dir(tmp_path, capsys) -> None:
    from mjx_dacer2.launch import modes

    assert modes.main([str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
