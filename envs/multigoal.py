"""DACER's MultiGoal toy task in pure JAX: a 2-D point that should reach one of four goals.

Dynamics `s' = clip(s + a, -7, 7)` with `a` in [-1, 1]^2, start `0.1 * N(0, I)`, reward
`-(30 ||a||^2 + min_g ||s' - g||^2)`, plus 10 and termination once `s'` is strictly within
distance 1 of a goal; 100-step episodes. The observation is the position. Also owns `GOALS` and
`goal_index` for multimodality metrics (which goal an episode ended in).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envs.base import Env

GOALS = np.array([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0], [0.0, -5.0]], np.float32)  # (4, 2)
BOUND = 7.0
INIT_SIGMA = 0.1
ACTION_COST = 30.0
GOAL_RADIUS = 1.0
GOAL_BONUS = 10.0
EPISODE_LENGTH = 100


def _sq_dists(pos: jax.Array) -> jax.Array:
    """(..., 2) -> (..., 4) squared distance to each goal."""
    return jnp.sum((pos[..., None, :] - jnp.asarray(GOALS)) ** 2, axis=-1)


def goal_index(pos: jax.Array) -> jax.Array:
    """Index into `GOALS` of the goal within distance 1 of `pos` (..., 2), else -1; int32 (...)."""
    sq = _sq_dists(jnp.asarray(pos, jnp.float32))  # (..., 4)
    nearest = jnp.argmin(sq, axis=-1).astype(jnp.int32)
    reached = jnp.min(sq, axis=-1) < GOAL_RADIUS**2
    return jnp.where(reached, nearest, -1)


def reset(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """key -> (position (2,), obs (2,))."""
    pos = INIT_SIGMA * jax.random.normal(key, (2,), jnp.float32)
    return pos, pos


def step(pos: jax.Array, action: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """(position (2,), action (2,)) -> (position, obs, reward, terminated)."""
    action = jnp.clip(action.astype(jnp.float32), -1.0, 1.0)
    new_pos = jnp.clip(pos + action, -BOUND, BOUND)  # (2,)
    min_sq = jnp.min(_sq_dists(new_pos))
    terminated = min_sq < GOAL_RADIUS**2
    reward = -(ACTION_COST * jnp.sum(action**2) + min_sq) + GOAL_BONUS * terminated
    return new_pos, new_pos, reward.astype(jnp.float32), terminated


def make_multigoal(episode_length: int = EPISODE_LENGTH) -> Env:
    """The MultiGoal `Env` (obs = position (2,), action (2,))."""
    return Env(
        name="multigoal",
        obs_size=2,
        action_size=2,
        episode_length=episode_length,
        reset_fn=reset,
        step_fn=step,
    )
