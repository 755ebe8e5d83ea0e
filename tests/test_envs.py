"""Tests for envs/: the Env contract for every registered env, VecEnv time limit and auto-reset,
MultiGoal dynamics by hand, and the registry."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2 import envs
from mjx_dacer2.envs import multigoal
from mjx_dacer2.envs.base import Env, strong_types

BRAX_SIZES = {  # name -> (obs_size, action_size) with brax 0.14.2 defaults
    "ant": (27, 8),
    "halfcheetah": (17, 6),
    "hopper": (11, 3),
    "humanoid": (244, 17),
    "inverted_double_pendulum": (8, 1),
    "inverted_pendulum": (4, 1),
    "pusher": (23, 7),
    "reacher": (11, 2),
    "swimmer": (8, 2),
    "walker2d": (17, 6),
}
CTRL_BOUND = {"humanoid": 0.4, "inverted_pendulum": 3.0, "pusher": 2.0}  # others: 1


# ---------------------------------------------------------------- contract, every env


def _rollout(venv: envs.VecEnv, key: jax.Array, steps: int = 3):
    """Reset, then `steps` steps with random actions partly outside [-1, 1]."""
    reset_key, act_key = jax.random.split(key)
    state = venv.reset(reset_key)
    shape = (steps, venv.num_envs, venv.action_size)
    actions = jax.random.uniform(act_key, shape, minval=-1.5, maxval=1.5)  # (T, E, act)
    return jax.lax.scan(venv.step, state, actions)


# Envs whose 3-step rollout is compiled and run (values checked); every other env is traced
# with `jax.eval_shape` (shapes, dtypes, the step/reset type match), nothing compiled: Brax's
# MJX envs share one wrapper (envs/brax_envs.py), whose run-time path (action scaling,
# termination, auto-reset) the pendulum covers; compiling all ten took ~220 s of the suite.
# (Training and the learning tests run the pendulum; tests/test_driver.py starts hopper.)
COMPILED = ("inverted_pendulum", "multigoal", "corridor")


@pytest.mark.parametrize("name", envs.names())
def test_env_contract(name: str) -> None:
    env = envs.make(name)
    assert isinstance(env, Env) and env.name == name
    assert env.episode_length == (100 if name in ("corridor", "multigoal") else 1000)
    if name in BRAX_SIZES:
        assert (env.obs_size, env.action_size) == BRAX_SIZES[name]
    venv = envs.VecEnv(env, 2)
    # A step returns exactly the state types a reset makes (weak types included): otherwise
    # every jitted consumer of the state, the training chunk included, compiles twice.
    after_reset = jax.eval_shape(venv.reset, jax.random.key(0))
    after_step = jax.eval_shape(venv.step, after_reset, jnp.zeros((2, env.action_size)))[0]
    assert jax.tree.structure(after_reset) == jax.tree.structure(after_step)
    for a, b in zip(jax.tree.leaves(after_reset), jax.tree.leaves(after_step), strict=True):
        assert (a.shape, a.dtype, a.weak_type) == (b.shape, b.dtype, b.weak_type), name

    rollout = lambda k: _rollout(venv, k)  # res: (T=3, E=2, ...)
    compiled = name in COMPILED
    state, res = (jax.jit(rollout) if compiled else functools.partial(jax.eval_shape, rollout))(
        jax.random.key(0)
    )
    obs, act = env.obs_size, env.action_size
    assert (venv.obs_size, venv.action_size) == (obs, act)
    assert state.obs.shape == (2, obs) and state.obs.dtype == jnp.float32
    assert state.step_count.dtype == jnp.int32 and state.episode_return.dtype == jnp.float32
    assert state.key.shape == (2,) and jnp.issubdtype(state.key.dtype, jax.dtypes.prng_key)
    assert res.next_obs.shape == (3, 2, obs) and res.next_obs.dtype == jnp.float32
    assert res.reward.shape == (3, 2) and res.reward.dtype == jnp.float32
    assert res.terminated.dtype == jnp.bool_ and res.truncated.dtype == jnp.bool_
    if not compiled:
        return
    assert not res.truncated.any()
    assert np.isfinite(res.next_obs).all() and np.isfinite(res.reward).all()
    assert np.isfinite(state.obs).all()
    # Episodes still running have counted every step and summed every reward.
    running = ~np.asarray(res.done).any(axis=0)
    np.testing.assert_array_equal(np.asarray(state.step_count)[running], 3)
    np.testing.assert_allclose(
        np.asarray(state.episode_return)[running], np.asarray(res.reward.sum(0))[running], 1e-5
    )


def test_brax_ctrl_ranges_match_table() -> None:
    """The action-bounds table in envs/brax_envs.py (construction only, nothing compiled)."""
    from mjx_dacer2.envs import brax_envs

    for name in BRAX_SIZES:
        ctrl = np.asarray(brax_envs._construct(name).sys.actuator.ctrl_range)  # (act, 2)
        bound = CTRL_BOUND.get(name, 1.0)
        np.testing.assert_allclose(ctrl, np.tile([-bound, bound], (len(ctrl), 1)), err_msg=name)
        assert (bound == 1.0) or name in brax_envs._SCALES_INSIDE, name


def test_action_map_rescales_when_brax_does_not() -> None:
    from types import SimpleNamespace

    from mjx_dacer2.envs.brax_envs import _action_map

    actuator = SimpleNamespace(ctrl_range=np.array([[-0.4, 0.4], [0.0, 2.0], [0.0, 0.0]]))
    fake = SimpleNamespace(
        sys=SimpleNamespace(actuator=actuator, actuator_ctrllimited=np.array([1, 1, 0]))
    )
    to_ctrl = _action_map("somename", fake)
    np.testing.assert_allclose(to_ctrl(jnp.array([-1.0, -1.0, -1.0])), [-0.4, 0.0, -1.0])
    np.testing.assert_allclose(to_ctrl(jnp.array([1.0, 0.0, 0.5])), [0.4, 1.0, 0.5])
    a = jnp.array([0.3, -0.2, 0.1])
    np.testing.assert_array_equal(_action_map("pusher", fake)(a), a)  # Brax rescales itself


# ---------------------------------------------------------------- VecEnv on a tiny env


def _tiny_reset(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """x = 0; obs = [x, last action, u ~ U(0, 1)] (u >= 0 marks a fresh reset)."""
    x = jnp.float32(0.0)
    return x, jnp.stack([x, 0.0, jax.random.uniform(key)])


def _tiny_step(x: jax.Array, action: jax.Array):
    """x += 1; reward 1; terminated when the action exceeds 0.5."""
    x = x + 1.0
    obs = jnp.stack([x, action[0], -1.0])
    return x, obs, jnp.float32(1.0), action[0] > 0.5


TINY = Env("tiny", obs_size=3, action_size=1, episode_length=3,
           reset_fn=_tiny_reset, step_fn=_tiny_step)  # fmt: skip


@pytest.fixture(scope="module")
def tiny() -> envs.VecEnv:
    return envs.VecEnv(TINY, 2)


@pytest.fixture(scope="module")
def tiny_step(tiny: envs.VecEnv):
    return jax.jit(tiny.step)


def _act(*values: float) -> jax.Array:
    return jnp.asarray(values, jnp.float32)[:, None]  # (E, 1)


def test_reset_state(tiny: envs.VecEnv) -> None:
    state = tiny.reset(jax.random.key(0))
    np.testing.assert_array_equal(state.step_count, [0, 0])
    np.testing.assert_array_equal(state.episode_return, [0.0, 0.0])
    assert state.obs[0, 2] != state.obs[1, 2]  # each env reset with its own key
    # Legacy uint32 keys are accepted too.
    assert tiny.reset(jax.random.PRNGKey(0)).obs.shape == (2, 3)


def test_truncation_at_episode_length(tiny: envs.VecEnv, tiny_step) -> None:
    state = tiny.reset(jax.random.key(0))
    for t in (1, 2):
        state, res = tiny_step(state, _act(0.0, 0.0))
        assert not res.done.any()
        np.testing.assert_array_equal(state.step_count, [t, t])
        np.testing.assert_array_equal(res.episode_length, [0, 0])
        np.testing.assert_array_equal(res.episode_return, [0.0, 0.0])
    state, res = tiny_step(state, _act(0.0, 0.0))
    np.testing.assert_array_equal(res.truncated, [True, True])
    np.testing.assert_array_equal(res.terminated, [False, False])
    np.testing.assert_array_equal(res.done, [True, True])
    np.testing.assert_array_equal(res.next_obs[:, 0], [3.0, 3.0])  # final obs, pre-reset
    np.testing.assert_array_equal(res.next_obs[:, 2], [-1.0, -1.0])
    np.testing.assert_array_equal(state.obs[:, 0], [0.0, 0.0])  # fresh reset obs
    assert (state.obs[:, 2] >= 0).all()
    np.testing.assert_array_equal(state.step_count, [0, 0])
    np.testing.assert_array_equal(state.episode_return, [0.0, 0.0])
    np.testing.assert_array_equal(res.episode_length, [3, 3])
    np.testing.assert_array_equal(res.episode_return, [3.0, 3.0])
    # The next episode runs from the reset state.
    state, res = tiny_step(state, _act(0.0, 0.0))
    np.testing.assert_array_equal(res.next_obs[:, 0], [1.0, 1.0])
    np.testing.assert_array_equal(state.step_count, [1, 1])


def test_termination_resets_only_that_env(tiny: envs.VecEnv, tiny_step) -> None:
    state = tiny.reset(jax.random.key(1))
    first_reset_u = state.obs[0, 2]
    state, res = tiny_step(state, _act(1.0, 0.0))
    np.testing.assert_array_equal(res.terminated, [True, False])
    np.testing.assert_array_equal(res.truncated, [False, False])
    np.testing.assert_array_equal(res.next_obs[0], [1.0, 1.0, -1.0])
    np.testing.assert_array_equal(res.episode_length, [1, 0])
    np.testing.assert_array_equal(res.episode_return, [1.0, 0.0])
    np.testing.assert_array_equal(state.obs[0, :2], [0.0, 0.0])  # env 0 reset
    assert state.obs[0, 2] >= 0 and state.obs[0, 2] != first_reset_u  # with a fresh key
    np.testing.assert_array_equal(state.obs[1], [1.0, 0.0, -1.0])  # env 1 continues
    np.testing.assert_array_equal(state.step_count, [0, 1])
    np.testing.assert_array_equal(state.episode_return, [0.0, 1.0])


def test_termination_on_last_step_is_not_truncation(tiny: envs.VecEnv, tiny_step) -> None:
    state = tiny.reset(jax.random.key(2))
    state, _ = tiny_step(state, _act(0.0, 0.0))
    state, _ = tiny_step(state, _act(0.0, 0.0))
    state, res = tiny_step(state, _act(1.0, 0.0))
    np.testing.assert_array_equal(res.terminated, [True, False])
    np.testing.assert_array_equal(res.truncated, [False, True])
    np.testing.assert_array_equal(res.episode_length, [3, 3])


def test_actions_are_clipped(tiny: envs.VecEnv, tiny_step) -> None:
    state = tiny.reset(jax.random.key(3))
    _, res = tiny_step(state, _act(-5.0, 0.5))
    np.testing.assert_array_equal(res.next_obs[:, 1], [-1.0, 0.5])
    with pytest.raises(ValueError, match="action shape"):
        tiny.step(state, jnp.zeros((2, 2)))


def test_multigoal_time_limit_in_scan() -> None:
    venv = envs.VecEnv(envs.make("multigoal"), 2)
    state = venv.reset(jax.random.key(0))
    actions = jnp.zeros((101, 2, 2))  # stay near the origin: never reaches a goal
    state, res = jax.jit(lambda s, a: jax.lax.scan(venv.step, s, a))(state, actions)
    np.testing.assert_array_equal(np.nonzero(res.truncated[:, 0])[0], [99])
    assert not res.terminated.any()
    np.testing.assert_array_equal(res.episode_length[99], [100, 100])
    np.testing.assert_allclose(res.episode_return[99], res.reward[:100].sum(0), rtol=1e-5)
    np.testing.assert_array_equal(state.step_count, [1, 1])


# ---------------------------------------------------------------- MultiGoal by hand


def _mg_step(pos, action):
    return multigoal.step(jnp.asarray(pos, jnp.float32), jnp.asarray(action, jnp.float32))


@pytest.mark.parametrize(
    ("pos", "action", "new_pos", "reward", "terminated"),
    [
        # clipped to the box at 7; nearest goals (5,0)/(0,-5) at squared distance 4 + 49
        ((6.5, -6.8), (1.0, -1.0), (7.0, -7.0), -(30 * 2 + 53), False),
        # nearest goal (0,5) at squared distance 4.5^2 = 20.25; action cost 30 * 0.25
        ((0.0, 0.0), (0.0, 0.5), (0.0, 0.5), -(7.5 + 20.25), False),
        # within distance 1 of (5,0): +10 and terminate
        ((4.2, 0.0), (0.5, 0.0), (4.7, 0.0), -(7.5 + 0.09) + 10, True),
        # actions beyond [-1, 1] are clipped: moves by 1, action cost 30
        ((0.0, 0.0), (3.0, 0.0), (1.0, 0.0), -(30 + 16), False),
        # distance exactly 1 is not "within"
        ((3.0, 0.0), (1.0, 0.0), (4.0, 0.0), -(30 + 1), False),
    ],
)
def test_multigoal_step_by_hand(pos, action, new_pos, reward, terminated) -> None:
    p, obs, r, term = _mg_step(pos, action)
    np.testing.assert_allclose(p, new_pos, atol=1e-6)
    np.testing.assert_array_equal(obs, p)
    assert r.dtype == jnp.float32 and r.shape == ()
    np.testing.assert_allclose(r, reward, rtol=1e-5)
    assert term.dtype == jnp.bool_ and bool(term) == terminated


def test_multigoal_reset_distribution() -> None:
    _, obs = jax.vmap(multigoal.reset)(jax.random.split(jax.random.key(0), 4096))  # (N, 2)
    assert obs.dtype == jnp.float32
    np.testing.assert_allclose(obs.mean(0), 0.0, atol=0.01)
    np.testing.assert_allclose(obs.std(0), 0.1, rtol=0.05)


def test_goal_index() -> None:
    assert multigoal.GOALS.shape == (4, 2)
    pts = jnp.concatenate([jnp.asarray(multigoal.GOALS) * 0.9, jnp.zeros((1, 2))])  # (5, 2)
    idx = multigoal.goal_index(pts)
    assert idx.dtype == jnp.int32
    np.testing.assert_array_equal(idx, [0, 1, 2, 3, -1])
    assert int(multigoal.goal_index(jnp.array([0.3, -4.2]))) == 3
    assert int(multigoal.goal_index(jnp.array([4.0, 0.0]))) == -1  # distance exactly 1


# ---------------------------------------------------------------- registry


def test_names() -> None:
    from mjx_dacer2.envs.playground_envs import DMC_ENVS, playground_available

    extra = [*DMC_ENVS] if playground_available() else []
    assert envs.names() == tuple(sorted([*BRAX_SIZES, "corridor", "multigoal", *extra]))


def test_unknown_name() -> None:
    with pytest.raises(ValueError) as err:
        envs.make("foo")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("unknown env 'foo': choose one of ant, corridor, halfcheetah,")
    assert all(n in msg for n in envs.names())


def test_brax_is_lazy_and_mjx_imports_quietly() -> None:
    """Brax loads only for its envs; building one prints nothing (no "Failed to import warp")."""
    code = (
        "import sys; from mjx_dacer2 import envs; envs.names(); envs.make('multigoal'); "
        "print('brax' in sys.modules); envs.make('inverted_pendulum')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).parents[1], env={"JAX_PLATFORMS": "cpu"},
    )  # fmt: skip
    assert out.stdout.strip() == "False"


def test_strong_drops_weak_types() -> None:
    """Weak leaves (a Python-float time, Brax's step-only weak reward/done) become strong."""
    tree = {"time": 0.0, "x": jax.numpy.asarray(1.0), "key": jax.random.key(0)}
    out = jax.eval_shape(lambda t: strong_types(t), tree)
    assert out["time"] == jax.ShapeDtypeStruct((), np.float32)  # weak_type=False
    assert out["x"] == jax.ShapeDtypeStruct((), np.float32)
    assert jax.dtypes.issubdtype(out["key"].dtype, jax.dtypes.prng_key)
