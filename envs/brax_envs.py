"""Brax's MJX locomotion/control tasks wrapped as `Env`s (no Brax wrappers, no Brax auto-reset).

`terminated` is Brax's `done > 0.5`: Brax's bare envs only report termination (unhealthy,
pendulum fell); the time limit is `VecEnv`'s job. The inner state is the Brax `State`.

Action bounds (brax 0.14.2, `sys.actuator.ctrl_range`, all actuators ctrl-limited):

| env                      | act | ctrl_range   | [-1, 1] -> ctrl done by        |
|--------------------------|-----|--------------|--------------------------------|
| ant                      | 8   | [-1, 1]      | nothing needed                 |
| halfcheetah              | 6   | [-1, 1]      | nothing needed                 |
| hopper                   | 3   | [-1, 1]      | nothing needed                 |
| humanoid                 | 17  | [-0.4, 0.4]  | Brax's step                    |
| inverted_double_pendulum | 1   | [-1, 1]      | nothing needed                 |
| inverted_pendulum        | 1   | [-3, 3]      | Brax's step                    |
| pusher                   | 7   | [-2, 2]      | Brax's step                    |
| reacher                  | 2   | [-1, 1]      | nothing needed                 |
| swimmer                  | 2   | [-1, 1]      | nothing needed                 |
| walker2d                 | 6   | [-1, 1]      | nothing needed                 |

`_action_map` still checks ctrl_range at construction and rescales in the wrapper if an env
that does not rescale itself ever has bounds other than [-1, 1].

Swimmer: Brax's Swimmer accepts only backend="generalized", and that pipeline crashes under
jax 0.11 (`jnp.clip(a_min=...)` in brax/fluid.py). MJX supports its fluid (viscosity/density)
forces, so we build it and switch its pipeline to MJX (`_mjx_swimmer`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from brax import envs as brax_envs
from brax.envs import base as brax_base
from brax.envs import swimmer as brax_swimmer

from mjx_dacer2.envs.base import Env

EPISODE_LENGTH = 1000  # Brax's default time limit
# Envs whose Brax step already maps [-1, 1] to the actuator ctrl_range.
_SCALES_INSIDE = frozenset({"humanoid", "humanoidstandup", "inverted_pendulum", "pusher"})


def make_brax(name: str, episode_length: int = EPISODE_LENGTH, **kwargs: Any) -> Env:
    """Build Brax env `name` (MJX backend unless `backend=` is given) as an `Env`.

    Extra kwargs go to the Brax env constructor (e.g. `terminate_when_unhealthy=False`).
    """
    benv = _construct(name, **kwargs)
    to_ctrl = _action_map(name, benv)

    def reset_fn(key: jax.Array) -> tuple[brax_base.State, jax.Array]:
        state = benv.reset(key)
        return state, state.obs

    def step_fn(
        state: brax_base.State, action: jax.Array
    ) -> tuple[brax_base.State, jax.Array, jax.Array, jax.Array]:
        state = benv.step(state, to_ctrl(action))
        reward = jnp.asarray(state.reward, jnp.float32)  # inverted_pendulum's is a Python float
        return state, state.obs, reward, jnp.asarray(state.done) > 0.5

    # jit caches the traced jaxpr: MJX tracing costs seconds, and this way the eval_shape below,
    # VecEnv.reset and the auto-reset inside VecEnv.step all share one trace of reset.
    reset_fn, step_fn = jax.jit(reset_fn), jax.jit(step_fn)
    _, obs = jax.eval_shape(reset_fn, jax.random.key(0))  # traces reset, compiles nothing
    return Env(
        name=name,
        obs_size=int(obs.shape[-1]),
        action_size=int(benv.action_size),
        episode_length=episode_length,
        reset_fn=reset_fn,
        step_fn=step_fn,
    )


def brax_render_model(name: str) -> tuple[Any, float]:
    """(mujoco.MjModel, seconds per env step) of Brax env `name`."""
    benv = _construct(name)
    return benv.sys.mj_model, float(benv.dt)


def _construct(name: str, **kwargs: Any) -> brax_base.PipelineEnv:
    kwargs.setdefault("backend", "mjx")
    if name == "swimmer" and kwargs["backend"] == "mjx":
        return _mjx_swimmer(**kwargs)
    return brax_envs.get_environment(name, **kwargs)


def _mjx_swimmer(**kwargs: Any) -> brax_base.PipelineEnv:
    """Brax's Swimmer (built for 'generalized', the only backend it accepts) on the MJX pipeline."""
    del kwargs["backend"]
    n_frames = kwargs.pop("n_frames", 4)  # Swimmer's own default
    env = brax_swimmer.Swimmer(n_frames=n_frames, **kwargs)
    brax_base.PipelineEnv.__init__(env, sys=env.sys, backend="mjx", n_frames=n_frames)
    return env


def _action_map(name: str, benv: brax_base.PipelineEnv) -> Callable[[jax.Array], jax.Array]:
    """[-1, 1]^act -> the actuators' ctrl_range, unless Brax's step already does it."""
    low, high = np.asarray(benv.sys.actuator.ctrl_range, np.float32).T  # (act,), (act,)
    limited = np.asarray(benv.sys.actuator_ctrllimited, bool)
    low, high = np.where(limited, low, -1.0), np.where(limited, high, 1.0)
    if name in _SCALES_INSIDE or (np.allclose(low, -1.0) and np.allclose(high, 1.0)):
        return _identity
    low_j, half_span = jnp.asarray(low), jnp.asarray((high - low) / 2)

    def to_ctrl(action: jax.Array) -> jax.Array:
        return low_j + (action + 1.0) * half_span

    return to_ctrl


def _identity(action: jax.Array) -> jax.Array:
    return action
