"""`validate(config, env_names)`: a one-line `ConfigError` for any setting that cannot run,
before anything is built or compiled."""

from __future__ import annotations

import typing
from typing import Literal

from mjx_dacer2.config.schema import ALGOS, Config, ConfigError


def validate(config: Config, env_names: tuple[str, ...]) -> None:
    """Raise ConfigError with a one-line message for any setting that cannot run."""
    c = config
    if c.env not in env_names:
        raise ConfigError(f"unknown env '{c.env}': choose one of {', '.join(sorted(env_names))}")
    if c.algo not in ALGOS:
        raise ConfigError(f"unknown algo '{c.algo}': choose one of {', '.join(ALGOS)}")
    for name, allowed in _choice_fields().items():  # e.g. a typo in a sweep variant word
        if getattr(c, name) not in allowed:
            raise ConfigError(
                f"{name.replace('_', '-')} '{getattr(c, name)}' is not a choice: "
                f"use one of {', '.join(map(str, allowed))}"
            )
    positive = dict(
        num_envs=c.num_envs,
        batch_size=c.batch_size,
        buffer_size=c.buffer_size,
        total_env_steps=c.total_env_steps,
        iterations_per_chunk=c.iterations_per_chunk,
        num_eval_envs=c.num_eval_envs,
        policy_delay=c.policy_delay,
        entropy_every=c.entropy_every,
        entropy_num_actions=c.entropy_num_actions,
        entropy_num_states=c.entropy_num_states,
    )
    for name, value in positive.items():
        if value < 1:
            raise ConfigError(f"{name.replace('_', '-')} must be >= 1, got {value}")
    if c.episode_length is not None and c.episode_length < 1:
        raise ConfigError(f"episode-length must be >= 1, got {c.episode_length}")
    if c.num_diffusion_steps < 1:
        raise ConfigError(f"diffusion-steps (T) must be >= 1, got {c.num_diffusion_steps}")
    if c.updates_per_iteration < 0:
        raise ConfigError(f"updates-per-iteration must be >= 0, got {c.updates_per_iteration}")
    if c.warmup_steps < 0:
        raise ConfigError(f"warmup-steps must be >= 0, got {c.warmup_steps}")
    if c.warmup_steps >= c.total_env_steps:
        raise ConfigError(
            f"warmup-steps ({c.warmup_steps}) must be below total-env-steps "
            f"({c.total_env_steps}): the run would never learn; lower warmup or run longer"
        )
    if c.replay_capacity < c.batch_size:
        raise ConfigError(
            f"batch-size ({c.batch_size}) is larger than the replay buffer ({c.replay_capacity})"
        )
    if c.replay_capacity < c.num_envs:
        raise ConfigError(
            f"buffer-size ({c.replay_capacity}) is smaller than one iteration's "
            f"{c.num_envs} transitions: raise buffer-size"
        )
    if c.entropy_num_states > c.batch_size:
        raise ConfigError(
            f"entropy-num-states ({c.entropy_num_states}) must be <= batch-size ({c.batch_size})"
        )
    if not 0.0 <= c.gamma < 1.0:
        raise ConfigError(f"gamma must be in [0, 1), got {c.gamma}")
    if not 0.0 < c.tau <= 1.0:
        raise ConfigError(f"tau must be in (0, 1], got {c.tau}")
    if c.initial_alpha <= 0:
        raise ConfigError(f"initial-alpha must be > 0, got {c.initial_alpha}")
    if c.sac_initial_alpha <= 0 or c.sac_log_std_min >= c.sac_log_std_max:
        raise ConfigError("sac-initial-alpha must be > 0 and sac-log-std-min < sac-log-std-max")
    if c.eta < 0:
        raise ConfigError(f"grad-loss-weight (eta) must be >= 0, got {c.eta}")
    if c.save_every_chunks < 0:
        raise ConfigError(f"save-every-chunks must be >= 0, got {c.save_every_chunks}")
    if c.keep_checkpoints < 1:
        raise ConfigError(f"keep-checkpoints must be >= 1, got {c.keep_checkpoints}")


def _choice_fields() -> dict[str, tuple]:
    """Config fields typed as a `Literal`, with their allowed values."""
    hints = typing.get_type_hints(Config)
    return {
        name: typing.get_args(hint)
        for name, hint in hints.items()
        if typing.get_origin(hint) is Literal
    }
