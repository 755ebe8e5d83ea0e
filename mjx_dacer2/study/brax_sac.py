"""Brax's own SAC (`brax.training.agents.sac`) as a throughput baseline for the project's loop.

`brax_sac_env_steps_per_s` trains Brax's SAC on Brax's MJX env of the same name with the given
envs, batch, updates per env step and networks, and returns its steady-state training env
steps/s: Brax's own `training/sps` of each epoch after the first (which includes compilation),
evaluation excluded, as the project's loop figure excludes it.
"""

from __future__ import annotations

import functools
import statistics

import jax

from mjx_dacer2.runtime import import_mjx_quietly


def _restore_device_put_replicated() -> None:
    """brax 0.14.2's agents call `jax.device_put_replicated`, which JAX no longer exports
    (brax issue #671); the implementation is still in `jax._src.api`."""
    if not hasattr(jax, "device_put_replicated"):
        from jax._src import api

        jax.device_put_replicated = api.device_put_replicated


def brax_sac_env_steps_per_s(
    env: str,
    num_envs: int,
    batch_size: int,
    updates_per_iteration: int,
    hidden: tuple[int, ...],
    env_steps: int,
    episode_length: int = 1000,
    num_eval_envs: int = 16,
    seed: int = 0,
) -> float:
    """Median training env steps/s of Brax's SAC over its epochs after the first (three epochs
    of about env_steps / 4 each, after a one-batch prefill)."""
    import_mjx_quietly()
    _restore_device_put_replicated()
    from brax import envs as brax_envs
    from brax.training.agents.sac import networks as sac_networks
    from brax.training.agents.sac import train as sac

    rates: list[float] = []

    def progress(_step: int, metrics: dict) -> None:
        if "training/sps" in metrics:
            rates.append(float(metrics["training/sps"]))

    sac.train(
        environment=brax_envs.get_environment(env, backend="mjx"),
        num_timesteps=env_steps,
        episode_length=episode_length,
        num_envs=num_envs,
        num_eval_envs=num_eval_envs,
        batch_size=batch_size,
        grad_updates_per_step=updates_per_iteration,
        num_evals=4,
        min_replay_size=batch_size,
        max_replay_size=env_steps,
        normalize_observations=True,
        network_factory=functools.partial(
            sac_networks.make_sac_networks, hidden_layer_sizes=hidden
        ),
        progress_fn=progress,
        seed=seed,
    )
    if len(rates) < 2:
        raise RuntimeError(f"Brax SAC ran {len(rates)} epoch(s): raise env_steps")
    return statistics.median(rates[1:])
