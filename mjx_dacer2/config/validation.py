"""`validate(config, env_names)`: a one-line `ConfigError` for any setting that cannot run,
before anything is built or compiled."""

from __future__ import annotations

import math
import typing
from typing import Literal

from mjx_dacer2.config.schema import ALGOS, Config, ConfigError, field_hints


def validate(config: Config, env_names: tuple[str, ...]) -> None:
    """Raise ConfigError with a one-line message for any setting that cannot run."""
    if config.env not in env_names:
        raise ConfigError(
            f"unknown env '{config.env}': choose one of {', '.join(sorted(env_names))}"
        )
    if config.algo not in ALGOS:  # before `resolved()`, which looks the algo's preset up
        raise ConfigError(f"unknown algo '{config.algo}': choose one of {', '.join(ALGOS)}")
    c = config.resolved()
    for name, allowed in _choice_fields().items():  # e.g. a typo in a sweep variant word
        if c.get(name) not in allowed:
            raise ConfigError(
                f"{name.replace('_', '-')} '{c.get(name)}' is not a choice: "
                f"use one of {', '.join(map(str, allowed))}"
            )
    positive_floats = dict(  # also refuses nan and inf
        actor_lr=c.learning.actor_lr,
        critic_lr=c.learning.critic_lr,
        alpha_lr=c.entropy.alpha_lr,
        sac_alpha_lr=c.sac.sac_alpha_lr,
        reward_scale=c.learning.reward_scale,
        beta_min=c.diffusion.beta_min,
        critic_loss_epsilon=c.critic.critic_loss_epsilon,
        target_noise_clip=c.critic.target_noise_clip,
    )
    for name, value in positive_floats.items():
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise ConfigError(f"{name.replace('_', '-')} must be a finite number > 0, got {value}")
    for name, value in c.flat().items():  # every other float field: nan and inf never run
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{name.replace('_', '-')} must be a finite number, got {value}")
    for name in ("policy_hidden", "critic_hidden"):
        widths, flag = c.get(name), name.replace("_", "-")
        if not isinstance(widths, tuple) or not widths or min(widths) < 1:
            raise ConfigError(
                f"{flag} takes one or more layer widths >= 1 (e.g. --{flag} 256 256), got {widths}"
            )
    if c.diffusion.beta_max < c.diffusion.beta_min:
        raise ConfigError(
            f"beta-max ({c.diffusion.beta_max}) must be >= beta-min ({c.diffusion.beta_min})"
        )
    if c.diffusion.exploration_noise_scale < 0:
        raise ConfigError(
            f"exploration-noise-scale must be >= 0, got {c.diffusion.exploration_noise_scale}"
        )
    if c.networks.time_embed_dim < 2:
        raise ConfigError(
            f"time-embed-dim must be >= 2 (a sine and a cosine), got {c.networks.time_embed_dim}"
        )
    positive = dict(
        num_envs=c.loop.num_envs,
        batch_size=c.loop.batch_size,
        buffer_size=c.loop.buffer_size,
        total_env_steps=c.total_env_steps,
        iterations_per_chunk=c.loop.iterations_per_chunk,
        num_eval_envs=c.eval.num_eval_envs,
        policy_delay=c.learning.policy_delay,
        entropy_every_env_steps=c.entropy.entropy_every_env_steps,
        entropy_num_actions=c.entropy.entropy_num_actions,
        entropy_num_states=c.entropy.entropy_num_states,
        eval_chain_samples=c.diffusion.eval_chain_samples,
        entropy_num_components=c.entropy.entropy_num_components,
        entropy_em_iters=c.entropy.entropy_em_iters,
    )
    for name, value in positive.items():
        if value < 1:
            raise ConfigError(f"{name.replace('_', '-')} must be >= 1, got {value}")
    if c.loop.episode_length is not None and c.loop.episode_length < 1:
        raise ConfigError(f"episode-length must be >= 1, got {c.loop.episode_length}")
    steps, eta = c.diffusion.diffusion_steps, c.grad_loss.grad_loss_weight  # None for sac
    if steps is not None and steps < 1:
        raise ConfigError(f"diffusion-steps (T) must be >= 1, got {c.diffusion.diffusion_steps}")
    if c.loop.updates_per_iteration < 0:
        raise ConfigError(f"updates-per-iteration must be >= 0, got {c.loop.updates_per_iteration}")
    if c.loop.warmup_steps < 0:
        raise ConfigError(f"warmup-steps must be >= 0, got {c.loop.warmup_steps}")
    if c.loop.warmup_steps >= c.total_env_steps:
        raise ConfigError(
            f"warmup-steps ({c.loop.warmup_steps}) must be below total-env-steps "
            f"({c.total_env_steps}): the run would never learn; lower warmup or run longer"
        )
    if c.replay_capacity < c.loop.batch_size:
        raise ConfigError(
            f"batch-size ({c.loop.batch_size}) is larger than the replay buffer "
            f"({c.replay_capacity})"
        )
    if c.replay_capacity < c.loop.num_envs:
        raise ConfigError(
            f"buffer-size ({c.replay_capacity}) is smaller than one iteration's "
            f"{c.loop.num_envs} transitions: raise buffer-size"
        )
    if c.entropy.entropy_num_states > c.loop.batch_size:
        raise ConfigError(
            f"entropy-num-states ({c.entropy.entropy_num_states}) must be <= batch-size "
            f"({c.loop.batch_size})"
        )
    if not 0.0 <= c.learning.gamma < 1.0:
        raise ConfigError(f"gamma must be in [0, 1), got {c.learning.gamma}")
    if not 0.0 < c.learning.tau <= 1.0:
        raise ConfigError(f"tau must be in (0, 1], got {c.learning.tau}")
    if not 0.0 <= c.diffusion.chain_noise_scale <= 1.0:
        raise ConfigError(
            f"chain-noise-scale must be in [0, 1], got {c.diffusion.chain_noise_scale}"
        )
    if c.entropy.initial_alpha <= 0:
        raise ConfigError(f"initial-alpha must be > 0, got {c.entropy.initial_alpha}")
    if c.sac.sac_initial_alpha <= 0 or c.sac.sac_log_std_min >= c.sac.sac_log_std_max:
        raise ConfigError("sac-initial-alpha must be > 0 and sac-log-std-min < sac-log-std-max")
    if eta is not None and eta < 0:
        raise ConfigError(
            f"grad-loss-weight (eta) must be >= 0, got {c.grad_loss.grad_loss_weight}"
        )
    for name in ("eval_every_env_steps", "save_every_env_steps"):
        if c.get(name) < 0:
            raise ConfigError(f"{name.replace('_', '-')} must be >= 0, got {c.get(name)}")
    if c.checkpoint.keep_checkpoints < 1:
        raise ConfigError(f"keep-checkpoints must be >= 1, got {c.checkpoint.keep_checkpoints}")


def _choice_fields() -> dict[str, tuple]:
    """Fields (flat names) typed as a `Literal`, with their allowed values."""
    return {
        name: typing.get_args(hint)
        for name, hint in field_hints().items()
        if typing.get_origin(hint) is Literal
    }
