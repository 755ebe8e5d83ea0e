"""Running observation statistics (mean and variance, merged batch by batch) and normalisation."""

from __future__ import annotations

import flax.struct
import jax
import jax.numpy as jnp


@flax.struct.dataclass
class RunningStats:
    mean: jax.Array  # (o,)
    var: jax.Array  # (o,)
    count: jax.Array  # float32 scalar


def init_stats(obs_size: int) -> RunningStats:
    return RunningStats(mean=jnp.zeros((obs_size,)), var=jnp.ones((obs_size,)), count=jnp.zeros(()))


def update_stats(stats: RunningStats, obs: jax.Array) -> RunningStats:
    """Merge a (N, o) batch into the running statistics (Chan et al. parallel update)."""
    n = jnp.asarray(obs.shape[0], jnp.float32)
    batch_mean = jnp.mean(obs, axis=0)
    batch_var = jnp.var(obs, axis=0)
    total = stats.count + n
    delta = batch_mean - stats.mean
    mean = stats.mean + delta * n / total
    m2 = stats.var * stats.count + batch_var * n + delta**2 * stats.count * n / total
    return RunningStats(mean=mean, var=m2 / total, count=total)


def normalize(stats: RunningStats, obs: jax.Array, enabled: bool) -> jax.Array:
    """(obs - mean) / std, clipped to +-10; identity when normalisation is off."""
    if not enabled:
        return obs
    return jnp.clip((obs - stats.mean) / jnp.sqrt(stats.var + 1e-8), -10.0, 10.0)
