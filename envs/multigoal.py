"""DACER's MultiGoal toy task in pure JAX: a 2-D point that should reach one of four goals.

Dynamics `s' = clip(s + a, -7, 7)` with `a` in [-1, 1]^2, start `0.1 * N(0, I)`, reward
`-(30 ||a||^2 + min_g ||s' - g||^2)`, plus 10 and termination once `s'` is strictly within
distance 1 of a goal; 100-step episodes. The observation is the position. Also owns `GOALS` and
`goal_index` for multimodality metrics (which goal an episode ended in).

The same dynamics and reward work for any goal set in any dimension (`make_multigoal(goals=)`):
`corridor` is the 1-D version with two equally good goals at -5 and +5 (`CORRIDOR_GOALS`).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2.envs.base import Env

GOALS = np.array([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0], [0.0, -5.0]], np.float32)  # (4, 2)
CORRIDOR_GOALS = np.array([[5.0], [-5.0]], np.float32)  # (2, 1)
BOUND = 7.0
INIT_SIGMA = 0.1
ACTION_COST = 30.0
GOAL_RADIUS = 1.0
GOAL_BONUS = 10.0
EPISODE_LENGTH = 100


def _sq_dists(pos: jax.Array, goals: np.ndarray = GOALS) -> jax.Array:
    """(..., D) -> (..., G) squared distance to each of the (G, D) goals."""
    return jnp.sum((pos[..., None, :] - jnp.asarray(goals)) ** 2, axis=-1)


def goal_index(pos: jax.Array, goals: np.ndarray = GOALS) -> jax.Array:
    """Index into `goals` of the goal within distance 1 of `pos` (..., D), else -1; int32 (...)."""
    sq = _sq_dists(jnp.asarray(pos, jnp.float32), goals)  # (..., G)
    nearest = jnp.argmin(sq, axis=-1).astype(jnp.int32)
    reached = jnp.min(sq, axis=-1) < GOAL_RADIUS**2
    return jnp.where(reached, nearest, -1)


def reset(key: jax.Array, dim: int = 2) -> tuple[jax.Array, jax.Array]:
    """key -> (position (dim,), obs (dim,))."""
    pos = INIT_SIGMA * jax.random.normal(key, (dim,), jnp.float32)
    return pos, pos


def step(
    pos: jax.Array, action: jax.Array, goals: np.ndarray = GOALS
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """(position (D,), action (D,)) -> (position, obs, reward, terminated)."""
    action = jnp.clip(action.astype(jnp.float32), -1.0, 1.0)
    new_pos = jnp.clip(pos + action, -BOUND, BOUND)  # (D,)
    min_sq = jnp.min(_sq_dists(new_pos, goals))
    terminated = min_sq < GOAL_RADIUS**2
    reward = -(ACTION_COST * jnp.sum(action**2) + min_sq) + GOAL_BONUS * terminated
    return new_pos, new_pos, reward.astype(jnp.float32), terminated


def make_multigoal(
    episode_length: int = EPISODE_LENGTH, goals: np.ndarray = GOALS, name: str = "multigoal"
) -> Env:
    """The MultiGoal `Env` (obs = position (D,), action (D,)) for (G, D) `goals`."""
    goals = np.asarray(goals, np.float32)
    dim = goals.shape[1]
    return Env(
        name=name,
        obs_size=dim,
        action_size=dim,
        episode_length=episode_length,
        reset_fn=functools.partial(reset, dim=dim),
        step_fn=functools.partial(step, goals=goals),
    )


def make_corridor(episode_length: int = EPISODE_LENGTH) -> Env:
    """The 1-D corridor: MultiGoal's dynamics and reward with goals at +5 and -5."""
    return make_multigoal(episode_length, CORRIDOR_GOALS, "corridor")
