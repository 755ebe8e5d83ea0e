"""The diffusion policy's maths: VP noise schedule, reverse chain (sampler) and DACER2's w(t).

Pure functions of numpy constants and JAX arrays. The schedule is computed at trace time, so it
enters the compiled program as constants. Time indices follow ALGORITHM.md: t = 1..T for the
schedule, and the network sees the integer k = t - 1 while denoising step t.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

# eps_fn(x (..., d), k (...,) int32) -> predicted noise (..., d); the state is already bound.
EpsFn = Callable[[jax.Array, jax.Array], jax.Array]


class Schedule(NamedTuple):
    """VP schedule arrays, index k = t - 1 for t = 1..T (all numpy float64, shape (T,))."""

    alphas: np.ndarray
    betas: np.ndarray
    alpha_bars: np.ndarray
    alpha_bars_prev: np.ndarray
    posterior_coef1: np.ndarray  # multiplies the predicted x0
    posterior_coef2: np.ndarray  # multiplies the current x_t
    posterior_log_var: np.ndarray  # log variance, clipped at 1e-20


def vp_schedule(num_steps: int, beta_min: float = 0.1, beta_max: float = 10.0) -> Schedule:
    """DACER's variance-preserving schedule and the DDPM posterior coefficients."""
    t = np.arange(1, num_steps + 1, dtype=np.float64)
    T = float(num_steps)
    alphas = np.exp(-beta_min / T - 0.5 * (beta_max - beta_min) * (2 * t - 1) / T**2)
    betas = 1.0 - alphas
    alpha_bars = np.cumprod(alphas)
    alpha_bars_prev = np.concatenate([[1.0], alpha_bars[:-1]])
    posterior_var = betas * (1.0 - alpha_bars_prev) / (1.0 - alpha_bars)
    return Schedule(
        alphas=alphas,
        betas=betas,
        alpha_bars=alpha_bars,
        alpha_bars_prev=alpha_bars_prev,
        posterior_coef1=betas * np.sqrt(alpha_bars_prev) / (1.0 - alpha_bars),
        posterior_coef2=(1.0 - alpha_bars_prev) * np.sqrt(alphas) / (1.0 - alpha_bars),
        posterior_log_var=np.log(np.maximum(posterior_var, 1e-20)),
    )


def predict_x0(
    schedule: Schedule, x: jax.Array, eps: jax.Array, k: jax.Array, clip: bool = True
) -> jax.Array:
    """x0 estimate from x_t and predicted noise at schedule index k, clipped to [-1, 1] (DACER's
    `clip_denoised`) unless `clip` is False."""
    abar = jnp.asarray(schedule.alpha_bars, jnp.float32)[k][..., None]
    x0 = x / jnp.sqrt(abar) - eps * jnp.sqrt(1.0 / abar - 1.0)
    return jnp.clip(x0, -1.0, 1.0) if clip else x0


def reverse_step(
    schedule: Schedule,
    x: jax.Array,
    eps: jax.Array,
    k: jax.Array,
    noise: jax.Array,
    clip_denoised: bool = True,
) -> jax.Array:
    """One DDPM posterior step from x_t (index k = t-1) to x_{t-1}; no noise added at k = 0."""
    x0 = predict_x0(schedule, x, eps, k, clip_denoised)
    coef1 = jnp.asarray(schedule.posterior_coef1, jnp.float32)[k][..., None]
    coef2 = jnp.asarray(schedule.posterior_coef2, jnp.float32)[k][..., None]
    sigma = jnp.exp(0.5 * jnp.asarray(schedule.posterior_log_var, jnp.float32)[k])[..., None]
    nonzero = (k > 0).astype(x.dtype)[..., None]
    return coef1 * x0 + coef2 * x + nonzero * sigma * noise


class ChainOutput(NamedTuple):
    action: jax.Array  # (..., d) x_0, the denoised action (plus exploration noise when the
    # behaviour policy's)
    inputs: jax.Array  # (T, ..., d) x_t fed to the network at t = T..1 (x_T first)
    denoised: jax.Array | None = None  # (..., d) the behaviour chain's x_0 before exploration
    # noise (None from `reverse_chain`, where it is `action`)


def reverse_chain(
    eps_fn: EpsFn,
    schedule: Schedule,
    x_T: jax.Array,
    step_noise: jax.Array,
    clip_denoised: bool = True,
) -> ChainOutput:
    """Run the reverse chain x_T -> x_0 as a `lax.scan`; gradients flow through every step.

    x_T: (..., d) starting noise; step_noise: (T, ..., d) the z added at steps t = T..1. Without
    `clip_denoised` the x0 estimates are not clipped, so neither is the output.
    """
    num_steps = len(schedule.alphas)
    ks = jnp.arange(num_steps - 1, -1, -1, dtype=jnp.int32)  # k = T-1 .. 0

    def body(x, inputs):
        k, z = inputs
        k_batch = jnp.broadcast_to(k, x.shape[:-1])
        x_next = reverse_step(schedule, x, eps_fn(x, k_batch), k_batch, z, clip_denoised)
        return x_next, x

    action, xs = jax.lax.scan(body, x_T, (ks, step_noise))
    return ChainOutput(action=action, inputs=xs)


def chain_noise(
    key: jax.Array, num_steps: int, shape: tuple[int, ...]
) -> tuple[jax.Array, jax.Array]:
    """The chain's randomness: x_T ~ N(0, I) of `shape` and per-step z of (T, *shape)."""
    key_start, key_steps = jax.random.split(key)
    x_T = jax.random.normal(key_start, shape)
    z = jax.random.normal(key_steps, (num_steps, *shape))
    return x_T, z


def time_weight(
    t: jax.Array, num_steps: int, kind: str, c: float = 0.4, d: float = -1.8
) -> jax.Array:
    """DACER2's temporal weight w(t) for integer t = 1..T (largest at the noisiest step)."""
    t = jnp.asarray(t, jnp.float32)
    if kind == "exp":
        return jnp.exp(c * t + d)
    if kind == "normalized_exp":
        return jnp.exp(c * 5.0 * t / num_steps + d)
    if kind == "constant":
        return jnp.ones_like(t)
    raise ValueError(f"unknown time weight '{kind}': choose exp, normalized_exp or constant")
