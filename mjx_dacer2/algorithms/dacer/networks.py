"""Flax modules and the `make_networks` factory: noise-prediction network and twin critics.

Callers only see pure init/apply functions. The twin critics are one module vmapped over a
stacked leading axis of 2 parameter sets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import flax.linen as nn
import jax
import jax.numpy as jnp

from mjx_dacer2.algorithms.mlp import ACTIVATIONS, MLP, NUM_CRITICS


def sinusoidal_embedding(k: jax.Array, dim: int) -> jax.Array:
    """DACER's time embedding: [sin(k f_j), cos(k f_j)] / sqrt(dim), f_j = 10000^(-j/(dim/2))."""
    half = dim // 2
    freqs = jnp.exp(-jnp.log(10000.0) * jnp.arange(half, dtype=jnp.float32) / half)
    angles = jnp.asarray(k, jnp.float32)[..., None] * freqs  # (..., half)
    return jnp.concatenate([jnp.sin(angles), jnp.cos(angles)], axis=-1) / jnp.sqrt(float(dim))


class Denoiser(nn.Module):
    """eps_theta(s, a_k, k): concat [obs, a_k, embed(k)] -> MLP -> predicted noise."""

    hidden: Sequence[int]
    action_size: int
    time_embed_dim: int = 16
    activation: str = "mish"

    @nn.compact
    def __call__(self, obs: jax.Array, x: jax.Array, k: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        emb = sinusoidal_embedding(k, self.time_embed_dim)
        emb = nn.Dense(self.time_embed_dim)(act(nn.Dense(2 * self.time_embed_dim)(emb)))
        mlp = MLP(self.hidden, self.action_size, self.activation)
        return mlp(jnp.concatenate([obs, x, emb], axis=-1))


class DistributionalCritic(nn.Module):
    """Q(s, a) as a Gaussian: returns (mu, sigma = softplus(raw))."""

    hidden: Sequence[int]
    activation: str = "mish"

    @nn.compact
    def __call__(self, obs: jax.Array, action: jax.Array) -> tuple[jax.Array, jax.Array]:
        out = MLP(self.hidden, 2, self.activation)(jnp.concatenate([obs, action], axis=-1))
        return out[..., 0], jax.nn.softplus(out[..., 1])


@dataclass(frozen=True)
class Networks:
    """Pure init/apply functions of the policy and the twin critics."""

    policy_init: Callable[[jax.Array], dict]
    eps_apply: Callable[[dict, jax.Array, jax.Array, jax.Array], jax.Array]
    critic_init: Callable[[jax.Array], dict]
    # (params stacked over 2 critics, obs (..., o), action (..., d)) -> mu, sigma each (2, ...)
    critic_apply: Callable[[dict, jax.Array, jax.Array], tuple[jax.Array, jax.Array]]
    obs_size: int
    action_size: int


def make_networks(
    obs_size: int,
    action_size: int,
    policy_hidden: Sequence[int],
    critic_hidden: Sequence[int],
    time_embed_dim: int = 16,
    activation: str = "mish",
) -> Networks:
    """Build the denoiser and the twin distributional critics for one env's sizes."""
    denoiser = Denoiser(tuple(policy_hidden), action_size, time_embed_dim, activation)
    critic = DistributionalCritic(tuple(critic_hidden), activation)
    dummy_obs = jnp.zeros((1, obs_size))
    dummy_act = jnp.zeros((1, action_size))

    def policy_init(key: jax.Array) -> dict:
        return denoiser.init(key, dummy_obs, dummy_act, jnp.zeros((1,), jnp.int32))

    def critic_init(key: jax.Array) -> dict:
        keys = jax.random.split(key, NUM_CRITICS)
        return jax.vmap(lambda k: critic.init(k, dummy_obs, dummy_act))(keys)

    def critic_apply(params: dict, obs: jax.Array, action: jax.Array):
        return jax.vmap(critic.apply, in_axes=(0, None, None))(params, obs, action)

    return Networks(
        policy_init=policy_init,
        eps_apply=denoiser.apply,
        critic_init=critic_init,
        critic_apply=critic_apply,
        obs_size=obs_size,
        action_size=action_size,
    )
