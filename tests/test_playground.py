"""Tests for envs.playground_envs: MuJoCo Playground's DM Control tasks behind the `Env` contract
(one cheap env; skipped without the optional package) and the one-line error without it."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from mjx_dacer2 import envs
from mjx_dacer2.envs import playground_envs

needs_playground = pytest.mark.skipif(
    not playground_envs.playground_available(),
    reason=f"MuJoCo Playground not installed: {playground_envs.INSTALL_HINT}",
)


def test_missing_playground_is_one_line(monkeypatch) -> None:
    monkeypatch.setattr(playground_envs, "playground_available", lambda: False)
    with pytest.raises(ValueError) as err:
        envs.make("dmc_cheetah_run")
    msg = str(err.value)
    assert "\n" not in msg and "pip install" in msg and "playground" in msg
    from mjx_dacer2.envs import registry

    monkeypatch.setattr(registry, "playground_available", lambda: False)
    assert not any(name.startswith("dmc_") for name in envs.names())


@needs_playground
def test_cartpole_balance_contract() -> None:
    assert "dmc_cartpole_balance" in envs.names()
    env = envs.make("dmc_cartpole_balance", episode_length=2)  # auto-resets inside the rollout
    assert (env.obs_size, env.action_size) == (5, 1)
    assert envs.make("dmc_cartpole_balance").episode_length == 1000
    venv = envs.VecEnv(env, 2)

    def rollout(key):
        key_reset, key_act = jax.random.split(key)
        actions = jax.random.uniform(key_act, (3, 2, 1), minval=-1.0, maxval=1.0)  # (T, E, act)
        return jax.lax.scan(venv.step, venv.reset(key_reset), actions)

    state, res = jax.jit(rollout)(jax.random.key(0))
    assert res.next_obs.shape == (3, 2, 5) and res.reward.shape == (3, 2)
    assert np.isfinite(res.next_obs).all() and np.isfinite(state.obs).all()
    assert ((res.reward >= 0) & (res.reward <= 1)).all()  # DM Control rewards are in [0, 1]
    assert not res.terminated.any()
    np.testing.assert_array_equal(res.truncated[:, 0], [False, True, False])
    np.testing.assert_array_equal(state.step_count, [1, 1])
    # The Playground state holds the MJX data that rendering reads.
    assert state.inner.data.qpos.shape == (2, 2)


@needs_playground
def test_render_spec() -> None:
    model, dt = playground_envs.playground_render_spec("dmc_cartpole_balance")
    assert model.nq == 2 and dt == pytest.approx(0.01)


@needs_playground
@pytest.mark.parametrize("prng_impl", ["threefry2x32", "rbg"])
def test_state_types_do_not_change(prng_impl) -> None:
    """Reset and step states have the same leaf types (a weak type would force a recompile),
    with keys of either generator (`--prng-impl`)."""
    env = envs.make("dmc_cartpole_balance")
    venv = envs.VecEnv(env, 2)
    state = jax.eval_shape(venv.reset, jax.random.key(0, impl=prng_impl))
    action = jax.ShapeDtypeStruct((2, env.action_size), np.float32)
    stepped, _ = jax.eval_shape(venv.step, state, action)
    assert jax.tree.structure(stepped) == jax.tree.structure(state)
    assert jax.tree.leaves(stepped) == jax.tree.leaves(state)
