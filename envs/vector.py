"""Batching, time limit and auto-reset around an `Env`; pure and jittable.

`VecEnv.step` returns the observation reached by the step (the final observation on done) in
`StepResult.next_obs`, while `VecEnvState.obs` already holds the reset observation the policy
acts on next. Termination (no bootstrap) and truncation (time limit, bootstrap) are separate.
"""

from __future__ import annotations

from typing import Any

import flax.struct
import jax
import jax.numpy as jnp

from mjx_dacer2.envs.base import Env, strong_types


@flax.struct.dataclass
class VecEnvState:
    inner: Any  # (E, ...) env-specific state
    obs: jax.Array  # (E, obs) observation the policy acts on next (after any auto-reset)
    step_count: jax.Array  # (E,) int32 steps taken in the current episode
    episode_return: jax.Array  # (E,) float32 running undiscounted return of the current episode
    key: jax.Array  # (E,) typed PRNG keys, used for auto-resets


@flax.struct.dataclass
class StepResult:
    next_obs: jax.Array  # (E, obs) observation reached by this step, BEFORE auto-reset
    reward: jax.Array  # (E,) float32
    terminated: jax.Array  # (E,) bool: the MDP ended (no bootstrap)
    truncated: jax.Array  # (E,) bool: time limit hit and not terminated (bootstrap through it)
    episode_return: jax.Array  # (E,) return of the episode that ended here (0 where not done)
    episode_length: jax.Array  # (E,) length of the episode that ended here (0 where not done)

    @property
    def done(self) -> jax.Array:
        """(E,) bool: the episode ended at this step, by termination or truncation."""
        return self.terminated | self.truncated


class VecEnv:
    """`num_envs` copies of `env`, stepped in lockstep with per-env time limits and auto-reset."""

    def __init__(self, env: Env, num_envs: int) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.env = env
        self.num_envs = num_envs
        self.obs_size = env.obs_size
        self.action_size = env.action_size

    def reset(self, key: jax.Array) -> VecEnvState:
        """Reset all envs from one key (typed or raw uint32)."""
        reset_keys, carry_keys = jax.random.split(_typed(key), (2, self.num_envs))  # (2, E)
        inner, obs = jax.vmap(self.env.reset_fn)(reset_keys)  # obs: (E, obs)
        inner = strong_types(inner)
        self._check_obs(obs)
        return VecEnvState(
            inner=inner,
            obs=obs,
            step_count=jnp.zeros(self.num_envs, jnp.int32),
            episode_return=jnp.zeros(self.num_envs, jnp.float32),
            key=carry_keys,
        )

    def step(self, state: VecEnvState, action: jax.Array) -> tuple[VecEnvState, StepResult]:
        """Step every env with `action` (E, act), clipped to [-1, 1]; auto-reset the done ones."""
        expected = (self.num_envs, self.action_size)
        if action.shape != expected:
            raise ValueError(f"action shape {action.shape} != (num_envs, action_size) {expected}")
        action = jnp.clip(action, -1.0, 1.0)  # (E, act)
        inner, next_obs, reward, terminated = jax.vmap(self.env.step_fn)(state.inner, action)
        inner = strong_types(inner)  # same leaf types as after reset: one compile per consumer
        self._check_step(next_obs, reward, terminated)

        step_count = state.step_count + 1  # (E,)
        truncated = (step_count >= self.env.episode_length) & ~terminated
        done = terminated | truncated
        episode_return = state.episode_return + reward  # (E,)

        keys, reset_keys = _split_each(state.key)  # (E,), (E,)
        inner, obs = jax.lax.cond(
            jnp.any(done), self._reset_where, _keep, done, reset_keys, inner, next_obs
        )
        new_state = VecEnvState(
            inner=inner,
            obs=obs,
            step_count=jnp.where(done, 0, step_count),
            episode_return=jnp.where(done, 0.0, episode_return),
            key=keys,
        )
        result = StepResult(
            next_obs=next_obs,
            reward=reward,
            terminated=terminated,
            truncated=truncated,
            episode_return=jnp.where(done, episode_return, 0.0),
            episode_length=jnp.where(done, step_count, 0),
        )
        return new_state, result

    def _reset_where(
        self, done: jax.Array, keys: jax.Array, inner: Any, obs: jax.Array
    ) -> tuple[Any, jax.Array]:
        """Replace the done envs' state and obs by fresh resets."""
        reset_inner, reset_obs = jax.vmap(self.env.reset_fn)(keys)
        reset_inner = strong_types(reset_inner)
        return _where_tree(done, reset_inner, inner), _where_tree(done, reset_obs, obs)

    def _check_obs(self, obs: jax.Array) -> None:
        expected = (self.num_envs, self.obs_size)
        if obs.shape != expected or obs.dtype != jnp.float32:
            raise TypeError(
                f"{self.env.name}: obs is {obs.dtype}{list(obs.shape)}, expected float32{expected}"
            )

    def _check_step(self, obs: jax.Array, reward: jax.Array, terminated: jax.Array) -> None:
        self._check_obs(obs)
        if reward.shape != (self.num_envs,) or reward.dtype != jnp.float32:
            raise TypeError(f"{self.env.name}: reward is {reward.dtype}{list(reward.shape)}")
        if terminated.shape != (self.num_envs,) or terminated.dtype != jnp.bool_:
            raise TypeError(f"{self.env.name}: terminated is {terminated.dtype}")


def _keep(done: jax.Array, keys: jax.Array, inner: Any, obs: jax.Array) -> tuple[Any, jax.Array]:
    del done, keys
    return inner, obs


def _where_tree(mask: jax.Array, on_true: Any, on_false: Any) -> Any:
    """Per-env select over matching pytrees whose leaves are (E, ...); keeps on_false dtypes."""

    def select(t: jax.Array, f: jax.Array) -> jax.Array:
        m = mask.reshape(mask.shape + (1,) * (f.ndim - 1))
        out = jnp.where(m, t, f)
        return out if out.dtype == f.dtype else out.astype(f.dtype)

    return jax.tree.map(select, on_true, on_false)


def _split_each(keys: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Split each of the (E,) keys in two: (carry, use)."""
    pairs = jax.vmap(jax.random.split)(keys)  # (E, 2)
    return pairs[:, 0], pairs[:, 1]


def _typed(key: jax.Array) -> jax.Array:
    """Accept both `jax.random.key` and legacy uint32 `PRNGKey` keys."""
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jax.random.wrap_key_data(key)
