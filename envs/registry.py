"""Name -> `Env` registry. Brax is imported and its envs built only when one is made."""

from __future__ import annotations

from typing import Any

from envs.base import Env

# Brax MJX tasks (built by envs.brax_envs); see the action-bounds table there.
_BRAX_NAMES = (
    "ant",
    "halfcheetah",
    "hopper",
    "humanoid",
    "inverted_double_pendulum",
    "inverted_pendulum",
    "pusher",
    "reacher",
    "swimmer",
    "walker2d",
)
_OWN_NAMES = ("multigoal",)


def names() -> tuple[str, ...]:
    """All registered env names, sorted."""
    return tuple(sorted(_BRAX_NAMES + _OWN_NAMES))


def make(name: str, **kwargs: Any) -> Env:
    """Build env `name`; kwargs go to its builder (`episode_length=` works for every env)."""
    if name == "multigoal":
        from envs.multigoal import make_multigoal

        return make_multigoal(**kwargs)
    if name in _BRAX_NAMES:
        from envs.brax_envs import make_brax

        return make_brax(name, **kwargs)
    raise ValueError(f"unknown env {name!r}: choose one of {', '.join(names())}")
