"""The `Env` contract: one unbatched, pure-JAX environment described by two functions.

Everything else in `envs/` either produces an `Env` (brax_envs, multigoal) or consumes one
(vector: batching, time limit, auto-reset).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

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

    @property
    def sizes(self) -> tuple[int, int]:
        """(obs_size, action_size): all a learner needs to build its networks."""
        return self.obs_size, self.action_size


def strong_types(tree: Any) -> Any:
    """The same pytree with every array strongly typed. Some envs return weakly typed leaves
    (Brax's `done`/`reward`/metrics after `step` but not after `reset`, a Python-float time in
    Playground's CheetahRun reset); a state whose leaf types change between calls makes every
    jitted consumer, the whole training chunk included, compile a second time."""

    def strong(x: Any) -> Any:
        if isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
            return x
        x = jnp.asarray(x)
        return jnp.asarray(x, x.dtype)  # an explicit dtype drops the weak type

    return jax.tree.map(strong, tree)
