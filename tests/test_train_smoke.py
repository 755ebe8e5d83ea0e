"""Smoke test of the fused loop: finite metrics, one trace per jitted function, and nothing
leaving the device inside a chunk (`jax.transfer_guard("disallow")`)."""

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2 import envs
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
