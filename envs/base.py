"""The `Env` contract: one unbatched, pure-JAX environment described by two functions.

Everything else in `envs/` either produces an `Env` (brax_envs, multigoal) or consumes one
(vector: batching, time limit, auto-reset).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax

ResetFn = Callable[[jax.Array], tuple[Any, jax.Array]]
StepFn = Callable[[Any, jax.Array], tuple[Any, jax.Array, jax.Array, jax.Array]]


@dataclasses.dataclass(frozen=True, eq=False)
class Env:
    """One unbatched, pure-JAX environment.

    Actions are in [-1, 1]^action_size; the env maps them to its true bounds.
    Frozen and hashed by identity, so it can be closed over (or passed statically) by jitted
    functions; it holds no arrays.
    """

    name: str
    obs_size: int
    action_size: int
    episode_length: int  # time limit: steps before truncation
    reset_fn: ResetFn  # key -> (inner_state, obs (obs,))
    step_fn: StepFn
    # (inner_state, action (act,)) -> (inner_state, obs (obs,), reward f32 (), terminated bool ())
