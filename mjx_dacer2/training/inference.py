"""The one inference path: normalise a raw observation with the run's statistics, then act.

`Inference` is what the fused loop (behaviour actions), the evaluator (deterministic actions),
exported policies (`load_policy`), `mjx-dacer2 modes` and `render` call; nothing else
normalises observations for a learner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax

from mjx_dacer2.algorithms.interface import Learner
from mjx_dacer2.runtime import networks_precision
from mjx_dacer2.training.normalizer import RunningStats, normalize


@dataclass(frozen=True)
class Inference:
    """A learner and its observation normalisation; every method is pure and jittable."""

    learner: Learner
    normalize_observations: bool
    matmul_precision: str | None = None  # the networks' (`networks_matmul_precision`)

    def observation(self, obs_stats: RunningStats, obs: jax.Array) -> jax.Array:
        """What the learner sees of a raw observation (..., o)."""
        return normalize(obs_stats, obs, self.normalize_observations)

    def behaviour_action(
        self, agent: Any, obs_stats: RunningStats, obs: jax.Array, key: jax.Array
    ) -> jax.Array:
        """Exploration actions (B, d) for raw observations (B, o), from the learner's state."""
        with networks_precision(self.matmul_precision):
            return self.learner.behaviour_action(agent, self.observation(obs_stats, obs), key)

    def deterministic_action(
        self, policy_params: Any, obs_stats: RunningStats, obs: jax.Array
    ) -> jax.Array:
        """Evaluation actions (B, d) for raw observations (B, o), from the policy params."""
        with networks_precision(self.matmul_precision):
            obs = self.observation(obs_stats, obs)
            return self.learner.deterministic_action(policy_params, obs)


@dataclass(frozen=True)
class BoundPolicy:
    """A trained policy with its state and statistics bound: raw observations in, actions out
    (a loaded checkpoint or export; `mjx-dacer2 eval`, `modes`, `render`)."""

    inference: Inference
    agent: Any  # the learner's state; None when only the policy params are known
    policy_params: Any
    obs_stats: RunningStats

    def behaviour_action(self, obs: jax.Array, key: jax.Array) -> jax.Array:
        if self.agent is None:
            raise ValueError("only the policy params are loaded: use deterministic actions")
        return self.inference.behaviour_action(self.agent, self.obs_stats, obs, key)

    def deterministic_action(self, obs: jax.Array) -> jax.Array:
        return self.inference.deterministic_action(self.policy_params, self.obs_stats, obs)
