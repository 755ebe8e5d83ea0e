"""The diffusion policy's sampling and its deterministic evaluation mode."""

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2.networks import make_networks
from mjx_dacer2.policy import make_policy, observation_keys


def _policy():
    networks = make_networks(3, 2, (16, 16), (16, 16))
    policy = make_policy(networks, 5, 0.1, 10.0, 0.1)
    return policy, networks.policy_init(jax.random.key(0))


def test_deterministic_action_is_a_function_of_the_observation():
    policy, params = _policy()
    obs = jax.random.normal(jax.random.key(1), (6, 3))
    key = jax.random.key(7)
    batch = policy.deterministic(params, obs, key)
    assert batch.shape == (6, 2) and bool(jnp.all(jnp.abs(batch) <= 1.0))
    alone = jnp.stack([policy.deterministic(params, obs[i : i + 1], key)[0] for i in range(6)])
    np.testing.assert_allclose(batch, alone, rtol=1e-5, atol=1e-6)  # batch-invariant
    np.testing.assert_allclose(batch, policy.deterministic(params, obs, key))  # repeatable
    # The same obs twice in a batch gets the same action; other obs get other chain noise.
    twice = policy.deterministic(params, jnp.concatenate([obs[:1], obs[:1]]), key)
    np.testing.assert_allclose(twice[0], twice[1])


def test_observation_keys_differ_between_observations_and_base_keys():
    obs = jnp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1e-7], [1.0, 2.0, 3.0]])
    data = jax.random.key_data(observation_keys(jax.random.key(0), obs))
    assert len({tuple(np.asarray(row).tolist()) for row in data}) == 3
    other = jax.random.key_data(observation_keys(jax.random.key(1), obs))
    assert not np.array_equal(np.asarray(data), np.asarray(other))


def test_sampling_explores_within_bounds():
    policy, params = _policy()
    obs = jnp.zeros((512, 3))
    out = policy.sample(params, obs, jax.random.key(3), jnp.log(3.0))
    assert out.action.shape == (512, 2) and out.inputs.shape == (5, 512, 2)
    assert bool(jnp.all(jnp.abs(out.action) <= 1.0))
    assert float(jnp.std(out.action)) > 0.1  # fresh chain noise per state
