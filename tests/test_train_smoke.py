"""Smoke test of the fused loop: finite metrics, one trace per jitted function, and nothing
leaving the device inside a chunk (`jax.transfer_guard("disallow")`)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2 import envs
from mjx_dacer2.algorithms.interface import Transition
from mjx_dacer2.training.trainer import make_trainer, summarize_chunk


def test_chunk_is_traced_once_stays_on_device_and_learns(tiny_config):
    trainer = make_trainer(tiny_config, envs.make("multigoal"))
    traces = {"chunk": 0}
    chunk_body = trainer.train_chunk_unjitted

    def counting_chunk(state):
        traces["chunk"] += 1
        return chunk_body(state)

    train_chunk = jax.jit(counting_chunk, donate_argnums=0)
    state = jax.jit(trainer.init)(jax.random.key(0))
    params_before = jax.tree.map(np.asarray, state.agent.policy_params)
    all_sums = []
    with jax.transfer_guard("disallow"):
        for _ in range(3):
            state, sums = train_chunk(state)
            all_sums.append(sums)
    assert traces["chunk"] == 1

    sums = jax.device_get(all_sums)
    assert int(state.env_steps) == 3 * 6 * 8
    assert int(state.buffer.size) == 64 and int(state.buffer.insert_index) == (3 * 6 * 8) % 64
    # Warm-up is 16 steps: learning starts once the 2nd iteration has stored its transitions.
    assert sums[0]["num_updates"] == 5 * 2 and sums[1]["num_updates"] == 6 * 2
    assert int(state.agent.num_updates) == (5 + 6 + 6) * 2
    for chunk_sums in sums:
        metrics = summarize_chunk(chunk_sums, 6, trainer.learner.actor_metric_names)
        assert all(np.isfinite(v) for v in metrics.values()), metrics
    changed = jax.tree.map(
        lambda a, b: not np.allclose(a, b),
        params_before,
        jax.tree.map(np.asarray, state.agent.policy_params),
    )
    assert any(jax.tree.leaves(changed))
    assert float(state.agent.entropy) != 0.0  # the entropy regulator ran
    assert np.all(np.asarray(state.agent.omega) > 0)


@pytest.mark.parametrize(
    ("algo", "entropy_every_env_steps", "conds"),
    [("dacer2", 12, 2), ("dacer2", 16, 1), ("sac", 12, 0)],
)
def test_grouped_updates_equal_updates_that_decide_by_their_count(
    tiny_config, algo, entropy_every_env_steps, conds
):
    """The trainer runs U updates in groups of `policy_delay` whose first statically takes the
    actor step: the same updates as each deciding by its own count under `lax.cond` (to float
    tolerance: the programs fuse differently), with no conditional left but the entropy's: in
    every update when its cadence (12 env steps: 3 updates) is not a multiple of the delay, in
    the first of each group when it is (16: 4 updates)."""
    U, B = 4, 16
    k = jax.random.split(jax.random.key(2), 6)
    config = tiny_config.replace(algo=algo, entropy_every_env_steps=entropy_every_env_steps)
    trainer = make_trainer(config, envs.make("multigoal"))
    env, learner = trainer.env, trainer.learner
    batches = Transition(
        obs=jax.random.normal(k[0], (U, B, env.obs_size)),
        action=jax.random.uniform(k[1], (U, B, env.action_size), minval=-1, maxval=1),
        reward=jax.random.normal(k[2], (U, B)),
        next_obs=jax.random.normal(k[3], (U, B, env.obs_size)),
        terminated=jnp.zeros((U, B)),
    )
    keys, agent = jax.random.split(k[4], U), learner.init(k[5])

    def by_count(agent, batches, keys):
        return jax.lax.scan(lambda a, x: learner.update(a, *x), agent, (batches, keys))

    with jax.debug_key_reuse(False):  # both consume the same keys, on purpose
        grouped = jax.jit(trainer.updates)(agent, batches, keys)
        counted = jax.jit(by_count)(agent, batches, keys)
        found = str(jax.make_jaxpr(trainer.updates)(agent, batches, keys)).count("cond[")
    close = jax.tree.map(
        lambda a, b: np.allclose(a, b, rtol=1e-5, atol=1e-6),
        (grouped[0], jax.tree.map(np.ravel, grouped[1])),
        (counted[0], jax.tree.map(np.ravel, counted[1])),
    )
    assert all(jax.tree.leaves(close)), close
    assert np.ravel(grouped[1]["actor_updated"]).tolist() == [1.0, 0.0, 1.0, 0.0]
    assert found == conds


def test_networks_matmul_precision_leaves_the_physics_alone(tiny_config):
    """`networks_matmul_precision` reaches the networks' matmuls in the chunk (acting and
    updates) and none of MJX's physics."""
    config = tiny_config.replace(env="inverted_pendulum", networks_matmul_precision="default")
    trainer = make_trainer(config, envs.make("inverted_pendulum"))
    state = jax.eval_shape(trainer.init, jax.random.key(0))  # traced only, never run
    action = jnp.zeros((trainer.vec_env.num_envs, trainer.env.action_size))
    with jax.debug_key_reuse(False):
        chunk = str(jax.make_jaxpr(trainer.train_chunk_unjitted)(state))
        step = str(jax.make_jaxpr(trainer.vec_env.step)(state.env_state, action))
    assert "dot_general" in step and "Precision.DEFAULT" not in step  # physics: untouched
    networks = chunk.count("precision=(Precision.DEFAULT, Precision.DEFAULT)")
    assert networks > 0 and chunk.count("dot_general") > networks  # and the physics' are there
