"""Evaluation of the deterministic policy: vmapped episodes in one jitted `lax.scan`.

Each of `num_eval_envs` envs plays exactly one episode (steps after its first episode end are
masked out), so the result is the mean and std of full-episode returns and lengths.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from mjx_dacer2.envs import Env, VecEnv
from mjx_dacer2.training.inference import Inference
from mjx_dacer2.training.normalizer import RunningStats


@dataclass(frozen=True)
class Evaluator:
    env: Env
    inference: Inference  # its deterministic action is the evaluated policy
    num_eval_envs: int

    def run_unjitted(self, policy_params: dict, obs_stats: RunningStats, key: jax.Array) -> dict:
        vec_env = VecEnv(self.env, self.num_eval_envs)

        def step(carry, _):
            env_state, alive, ret, length = carry
            action = self.inference.deterministic_action(policy_params, obs_stats, env_state.obs)
            env_state, result = vec_env.step(env_state, action)
            ret = ret + alive * result.reward
            length = length + alive
            alive = alive * (1.0 - result.done.astype(jnp.float32))
            return (env_state, alive, ret, length), None

        ones = jnp.ones((self.num_eval_envs,))
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


def make_evaluator(env: Env, inference: Inference, num_eval_envs: int) -> Evaluator:
    """Evaluator of `inference`'s deterministic policy over `num_eval_envs` episodes."""
    return Evaluator(env=env, inference=inference, num_eval_envs=num_eval_envs)
