"""MuJoCo Playground's DM Control suite as `Env`s (optional: `pip install -e .[playground]`).

Names are `dmc_<task>` (`DMC_ENVS` maps them to Playground's names). They are registered only when
the `mujoco_playground` package is installed; it is imported only when one is made. Every env is
loaded with `impl="jax"` (MJX-JAX): Playground >= 0.2 defaults to Warp, which on a CPU is 10-100x
slower. The inner state is Playground's `State` (`.data` is the `mjx.Data`); `terminated` is its
`done > 0.5` (DM Control tasks never terminate early; NaN physics does); the 1000-step time limit
is `VecEnv`'s job, as Playground's bare envs do not truncate. DM Control actuators already take
actions in [-1, 1].
"""

from __future__ import annotations

import importlib.util
from typing import Any

import jax
import jax.numpy as jnp

from mjx_dacer2.envs.base import Env

DMC_ENVS = {  # our name -> Playground's DM Control suite name
    "dmc_cartpole_balance": "CartpoleBalance",
    "dmc_cartpole_swingup": "CartpoleSwingup",
    "dmc_cheetah_run": "CheetahRun",
    "dmc_hopper_hop": "HopperHop",
    "dmc_humanoid_walk": "HumanoidWalk",
    "dmc_pendulum_swingup": "PendulumSwingup",
    "dmc_reacher_hard": "ReacherHard",
    "dmc_walker_walk": "WalkerWalk",
}
INSTALL_HINT = "pip install -e '.[playground]' (MuJoCo Playground, package playground==0.2.0)"


def playground_available() -> bool:
    """Whether MuJoCo Playground is installed (checked without importing it)."""
    return importlib.util.find_spec("mujoco_playground") is not None


def _load(name: str, **config_overrides: Any) -> Any:
    """Playground's env for our `name`, with the MJX-JAX implementation pinned."""
    if name not in DMC_ENVS:
        raise ValueError(f"unknown Playground env {name!r}: choose one of {', '.join(DMC_ENVS)}")
    if not playground_available():
        raise ValueError(f"env {name!r} needs MuJoCo Playground: {INSTALL_HINT}")
    from mujoco_playground import registry

    overrides = {"impl": "jax", **config_overrides}
    return registry.load(DMC_ENVS[name], config_overrides=overrides)


def _threefry_data(key: jax.Array) -> jax.Array:
    """The raw threefry key data (2 x uint32) Playground's resets take: the key's own data, or
    drawn from a key of another generator (`--prng-impl rbg`, whose data is 4 x uint32)."""
    if str(jax.random.key_impl(key)) == "threefry2x32":
        return jax.random.key_data(key)
    return jax.random.bits(key, (2,), jnp.uint32)


def make_playground(name: str, episode_length: int | None = None, **config_overrides: Any) -> Env:
    """Build DM Control env `name` (e.g. "dmc_cheetah_run") as an `Env`.

    `episode_length` defaults to Playground's own (1000 steps); other kwargs override Playground's
    env config (e.g. `action_repeat=2`).
    """
    penv = _load(name, **config_overrides)

    def reset_fn(key: jax.Array) -> tuple[Any, jax.Array]:
        # Raw key data: some Playground resets (e.g. Cartpole's) use their key twice, which
        # jax_debug_key_reuse rejects for typed keys.
        state = penv.reset(_threefry_data(key))
        return state, jnp.asarray(state.obs, jnp.float32)

    def step_fn(state: Any, action: jax.Array) -> tuple[Any, jax.Array, jax.Array, jax.Array]:
        state = penv.step(state, action)
        obs = jnp.asarray(state.obs, jnp.float32)
        return state, obs, jnp.asarray(state.reward, jnp.float32), jnp.asarray(state.done) > 0.5

    # As in brax_envs: jit keeps one trace of the (slow to trace) MJX reset and step.
    reset_fn, step_fn = jax.jit(reset_fn), jax.jit(step_fn)
    _, obs = jax.eval_shape(reset_fn, jax.random.key(0))
    if episode_length is None:
        episode_length = int(penv._config.episode_length)
    return Env(
        name=name,
        obs_size=int(obs.shape[-1]),
        action_size=int(penv.action_size),
        episode_length=episode_length,
        reset_fn=reset_fn,
        step_fn=step_fn,
    )


def playground_render_spec(name: str) -> tuple[Any, float]:
    """(mujoco.MjModel, seconds per env step) of DM Control env `name`, for rendering."""
    penv = _load(name)
    return penv.mj_model, float(penv.dt)
