"""Evaluation of the deterministic policy: vmapped episodes in one jitted `lax.scan`.

Each of `num_eval_envs` envs plays exactly one episode (steps after its first episode end are
masked out), so the result is the mean and std of full-episode returns and lengths.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from envs import Env, VecEnv
from mjx_dacer2.normalizer import RunningStats, normalize


@dataclass(frozen=True)
class Evaluator:
    env: Env
    act_fn: Callable[[dict, jax.Array], jax.Array]  # (policy params, obs (E, o)) -> (E, d)
    num_episodes: int
    normalize_observations: bool

    def run_unjitted(self, policy_params: dict, obs_stats: RunningStats, key: jax.Array) -> dict:
        vec_env = VecEnv(self.env, self.num_episodes)

        def step(carry, _):
            env_state, alive, ret, length = carry
            obs = normalize(obs_stats, env_state.obs, self.normalize_observations)
            action = self.act_fn(policy_params, obs)
            env_state, result = vec_env.step(env_state, action)
            ret = ret + alive * result.reward
            length = length + alive
            alive = alive * (1.0 - result.done.astype(jnp.float32))
            return (env_state, alive, ret, length), None

        ones = jnp.ones((self.num_episodes,))
        carry = (vec_env.reset(key), ones, 0.0 * ones, 0.0 * ones)
        (_, _, ret, length), _ = jax.lax.scan(step, carry, None, length=self.env.episode_length)
        return dict(
            eval_return=jnp.mean(ret),
            eval_return_std=jnp.std(ret),
            eval_length=jnp.mean(length),
            eval_length_std=jnp.std(length),
        )

    @functools.cached_property
    def run(self):
        """Jitted `run(policy_params, obs_stats, key) -> metrics`."""
        return jax.jit(self.run_unjitted)


def make_evaluator(config, env: Env, act_fn) -> Evaluator:
    """Evaluator of `act_fn(policy_params, obs)`, the algorithm's deterministic policy."""
    return Evaluator(
        env=env,
        act_fn=act_fn,
        num_episodes=config.num_eval_envs,
        normalize_observations=config.normalize_observations,
    )
