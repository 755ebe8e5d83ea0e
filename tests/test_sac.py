"""SAC baseline: the tanh-Gaussian log-density, the registry, and a smoke run through the fused
loop (finite metrics, actor and temperature updated, deterministic policy = tanh(mean))."""

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2 import envs
from mjx_dacer2.algorithms import make_learner
from mjx_dacer2.algorithms.sac.learner import SacLearner, tanh_gaussian_sample
from mjx_dacer2.launch.train import parse_train_args
from mjx_dacer2.training.trainer import make_trainer, summarize_chunk


def test_tanh_gaussian_log_prob_matches_change_of_variables():
    mean, log_std = jnp.array([[0.3, -1.0]]), jnp.array([[-0.5, 0.2]])
    key = jax.random.key(0)
    action, logp = tanh_gaussian_sample(mean, log_std, jax.random.clone(key))
    u = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape)
    expected = jax.scipy.stats.norm.logpdf(u, mean, jnp.exp(log_std)) - jnp.log(
        1.0 - jnp.tanh(u) ** 2
    )
    np.testing.assert_allclose(action, jnp.tanh(u), rtol=1e-6)
    np.testing.assert_allclose(logp, expected.sum(-1), rtol=1e-5)


def test_sac_is_registered_and_parsed():
    config = parse_train_args(["--algo", "sac", "--env", "multigoal"])
    assert isinstance(make_learner(config, *envs.make("multigoal").sizes), SacLearner)


def test_sac_trains_through_the_fused_loop(tiny_config):
    config = tiny_config.replace(algo="sac")
    trainer = make_trainer(config, envs.make("multigoal"))
    state = jax.jit(trainer.init)(jax.random.key(0))
    before = jax.tree.map(np.asarray, state.agent)
    for _ in range(3):
        state, sums = trainer.train_chunk(state)
        metrics = summarize_chunk(jax.device_get(sums), 6, trainer.learner.actor_metric_names)
        assert all(np.isfinite(v) for v in metrics.values()), metrics
    agent = state.agent
    assert int(agent.num_updates) == (5 + 6 + 6) * 2
    assert metrics["actor_updates"] == 6 and "alpha_loss" in metrics
    assert float(agent.log_alpha) != float(before.log_alpha)
    for name in ("policy_params", "critic_params", "target_critic_params"):
        changed = jax.tree.map(
            lambda a, b: not np.allclose(a, b), getattr(before, name), getattr(agent, name)
        )
        assert any(jax.tree.leaves(changed)), name
    obs = jax.random.normal(jax.random.key(1), (5, 2))
    mean, _ = trainer.learner.networks.policy_apply(agent.policy_params, obs)
    np.testing.assert_allclose(
        trainer.learner.deterministic_action(agent.policy_params, obs), jnp.tanh(mean), rtol=1e-6
    )
