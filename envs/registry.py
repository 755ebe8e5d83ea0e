"""Name -> `Env` registry. Brax (and Playground) are imported and envs built only when one is made.

MuJoCo Playground's DM Control tasks (`dmc_*`, envs.playground_envs) are listed only when the
optional `playground` package is installed.
"""

from __future__ import annotations

from typing import Any

from envs.base import Env
from envs.playground_envs import DMC_ENVS, playground_available

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
_OWN_NAMES = ("corridor", "multigoal")  # pure-JAX multimodal tasks (envs.multigoal)


def names() -> tuple[str, ...]:
    """All registered env names, sorted (`dmc_*` only when Playground is installed)."""
    optional = tuple(DMC_ENVS) if playground_available() else ()
    return tuple(sorted(_BRAX_NAMES + _OWN_NAMES + optional))


def make(name: str, **kwargs: Any) -> Env:
    """Build env `name`; kwargs go to its builder (`episode_length=` works for every env)."""
    if name == "multigoal":
        from envs.multigoal import make_multigoal

        return make_multigoal(**kwargs)
    if name == "corridor":
        from envs.multigoal import make_corridor

        return make_corridor(**kwargs)
    if name in _BRAX_NAMES:
        from envs.brax_envs import make_brax

        return make_brax(name, **kwargs)
    if name in DMC_ENVS:  # errors in one line, with the install command, without Playground
        from envs.playground_envs import make_playground

        return make_playground(name, **kwargs)
    raise ValueError(f"unknown env {name!r}: choose one of {', '.join(names())}")
