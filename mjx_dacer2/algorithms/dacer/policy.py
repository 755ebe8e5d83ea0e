"""The diffusion policy as callables: stochastic sampling, exploration noise, deterministic act.

`DiffusionPolicy` binds the network and the schedule; every method is a pure function of params,
observations and keys, so it can be used inside the jitted training loop or on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from mjx_dacer2.algorithms.dacer.diffusion import (
    ChainOutput,
    Schedule,
    chain_noise,
    reverse_chain,
    vp_schedule,
)
from mjx_dacer2.algorithms.dacer.networks import Networks


@dataclass(frozen=True)
class DiffusionPolicy:
    """A T-step reverse-diffusion policy over actions in [-1, 1]^d."""

    networks: Networks
    schedule: Schedule
    exploration_noise_scale: float  # lambda
    clip_denoised: bool = True  # clip every x0 estimate to [-1, 1] (DACER)
    eval_chain_noise: str = "zero"  # see `deterministic`
    chain_noise_scale: float = 1.0  # s: the behaviour chain draws x_T and z from N(0, s^2 I)
    eval_chain_samples: int = 16  # chain samples averaged by the sample_mean policy

    @property
    def num_steps(self) -> int:
        return len(self.schedule.alphas)

    def chain(self, params: dict, obs: jax.Array, key: jax.Array) -> ChainOutput:
        """Sample x_0 for each observation (..., o) with fresh chain noise of scale
        `chain_noise_scale`; keeps the x_t inputs."""
        shape = (*obs.shape[:-1], self.networks.action_size)
        x_T, z = self.scaled(*chain_noise(key, self.num_steps, shape))
        return self.chain_from_noise(params, obs, x_T, z)

    def scaled(self, x_T: jax.Array, z: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Standard chain noise at the chain's temperature (at 1, DACER's, untouched: the same
        compiled program as before the flag)."""
        s = self.chain_noise_scale
        return (x_T, z) if s == 1.0 else (s * x_T, s * z)

    def chain_from_noise(
        self, params: dict, obs: jax.Array, x_T: jax.Array, z: jax.Array
    ) -> ChainOutput:
        def eps_fn(x, k):
            return self.networks.eps_apply(params, obs, x, k)

        return reverse_chain(eps_fn, self.schedule, x_T, z, self.clip_denoised)

    def add_exploration_noise(
        self, action: jax.Array, key: jax.Array, log_alpha: jax.Array, clip: bool = True
    ) -> jax.Array:
        """a = clip(x + lambda*alpha*xi, -1, 1): the entropy-regulated exploration noise
        (`clip=False` skips the final clip, for the entropy estimate)."""
        scale = self.exploration_noise_scale * jnp.exp(log_alpha)
        noisy = action + scale * jax.random.normal(key, action.shape)
        return jnp.clip(noisy, -1.0, 1.0) if clip else noisy

    def behaviour_chain(
        self,
        params: dict,
        obs: jax.Array,
        key: jax.Array,
        log_alpha: jax.Array,
        clip: bool = True,
    ) -> ChainOutput:
        """The behaviour policy: chain sample plus exploration noise (used by every loss)."""
        key_chain, key_noise = jax.random.split(key)
        out = self.chain(params, obs, key_chain)
        return out._replace(
            action=self.add_exploration_noise(out.action, key_noise, log_alpha, clip),
            denoised=out.action,
        )

    def deterministic_action(self, params: dict, obs: jax.Array, noise_key: jax.Array) -> jax.Array:
        """Evaluation policy: no exploration noise, and the chain noise fixed per state, so the
        action is a fixed function of the observation (in any batch).

        `eval_chain_noise` says how: "zero" runs the chain from x_T = 0 with z = 0 (the
        noise-free path through the learnt denoiser, as DDIM-style deterministic samplers do);
        "sample_mean" averages `eval_chain_samples` chain samples (at the behaviour chain's
        noise scale), "observation_hash" (DACER) takes one; both draw each state's noise from
        `observation_keys(noise_key, obs)`. One shared draw for all states would bias every
        action the same way whenever that draw is unlucky."""
        if self.eval_chain_noise == "zero":
            shape = (*obs.shape[:-1], self.networks.action_size)
            x_T, z = jnp.zeros(shape), jnp.zeros((self.num_steps, *shape))
            return jnp.clip(self.chain_from_noise(params, obs, x_T, z).action, -1.0, 1.0)
        keys = observation_keys(noise_key, obs)
        if self.eval_chain_noise == "observation_hash":
            return jnp.clip(self.chain_from_state_keys(params, obs, keys), -1.0, 1.0)
        fold = jax.vmap(jax.random.fold_in, (0, None))  # (state keys, sample i) -> state keys

        def sample(i):
            return self.chain_from_state_keys(params, obs, fold(keys.reshape(-1), i))

        samples = jax.vmap(sample)(jnp.arange(self.eval_chain_samples))  # (K, ..., d)
        return jnp.clip(jnp.mean(samples, axis=0), -1.0, 1.0)

    def chain_from_state_keys(self, params: dict, obs: jax.Array, keys: jax.Array) -> jax.Array:
        """The chain's action (..., d) for observations (..., o), each state's noise drawn from
        its own key (...) at the behaviour chain's noise scale."""
        shape = (*obs.shape[:-1], self.networks.action_size)
        one = (self.networks.action_size,)
        x_T, z = jax.vmap(lambda k: chain_noise(k, self.num_steps, one))(keys.reshape(-1))
        x_T, z = self.scaled(
            x_T.reshape(shape), jnp.moveaxis(z, 1, 0).reshape(self.num_steps, *shape)
        )  # z: (N, T, d) -> (T, ..., d)
        return self.chain_from_noise(params, obs, x_T, z).action


def observation_keys(base_key: jax.Array, obs: jax.Array) -> jax.Array:
    """One PRNG key per observation (..., o): `base_key` folded with a 32-bit hash of the
    observation's float32 bits (multiply-xorshift mixing, FNV offset basis as the seed)."""
    bits = jax.lax.bitcast_convert_type(obs.astype(jnp.float32), jnp.uint32)  # (..., o)

    def mix(h, word):
        h = (h ^ word) * jnp.uint32(0x01000193)
        return h ^ (h >> 15)

    h = jnp.full(obs.shape[:-1], 0x811C9DC5, jnp.uint32)
    for i in range(obs.shape[-1]):
        h = mix(h, bits[..., i])
    flat = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(base_key, h.reshape(-1))
    return flat.reshape(obs.shape[:-1])


def make_policy(
    networks: Networks,
    num_steps: int,
    beta_min: float,
    beta_max: float,
    exploration_noise_scale: float,
    clip_denoised: bool = True,
    eval_chain_noise: str = "zero",
    chain_noise_scale: float = 1.0,
    eval_chain_samples: int = 16,
) -> DiffusionPolicy:
    return DiffusionPolicy(
        networks=networks,
        schedule=vp_schedule(num_steps, beta_min, beta_max),
        exploration_noise_scale=exploration_noise_scale,
        clip_denoised=clip_denoised,
        eval_chain_noise=eval_chain_noise,
        chain_noise_scale=chain_noise_scale,
        eval_chain_samples=eval_chain_samples,
    )
