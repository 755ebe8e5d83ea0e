"""Name -> `Env` registry. Brax (and Playground) are imported and envs built only when one is made.

MuJoCo Playground's DM Control tasks (`dmc_*`, envs.playground_envs) are listed only when the
optional `playground` package is installed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mjx_dacer2.envs.base import Env
from mjx_dacer2.envs.playground_envs import DMC_ENVS, playground_available
from mjx_dacer2.runtime import import_mjx_quietly

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


def make(name: str, episode_length: int | None = None, **kwargs: Any) -> Env:
    """Build env `name`; kwargs go to its builder. `episode_length` (None: the env's own)
    sets the time limit `VecEnv` applies."""
    env = _build(name, **kwargs)
    if episode_length is not None:
        env = dataclasses.replace(env, episode_length=episode_length)
    return env


def render_model(name: str) -> tuple[Any, float]:
    """(mujoco.MjModel, simulated seconds per env step) of MJX env `name`; nothing compiles."""
    import_mjx_quietly()
    if name.startswith("dmc_"):  # errors in one line, with the install command, without Playground
        from mjx_dacer2.envs.playground_envs import playground_render_spec

        return playground_render_spec(name)
    if name not in _BRAX_NAMES:
        raise ValueError(f"env '{name}' has no MuJoCo model to render: choose an MJX task")
    from mjx_dacer2.envs.brax_envs import brax_render_model

    return brax_render_model(name)


def _build(name: str, **kwargs: Any) -> Env:
    import_mjx_quietly()  # before Brax or Playground import it
    if name == "multigoal":
        from mjx_dacer2.envs.multigoal import make_multigoal

        return make_multigoal(**kwargs)
    if name == "corridor":
        from mjx_dacer2.envs.multigoal import make_corridor

        return make_corridor(**kwargs)
    if name in _BRAX_NAMES:
        from mjx_dacer2.envs.brax_envs import make_brax

        return make_brax(name, **kwargs)
    if name in DMC_ENVS:  # errors in one line, with the install command, without Playground
        from mjx_dacer2.envs.playground_envs import make_playground

        return make_playground(name, **kwargs)
    raise ValueError(f"unknown env {name!r}: choose one of {', '.join(names())}")
