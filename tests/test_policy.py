"""The diffusion policy's sampling and its deterministic evaluation mode."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2.algorithms.dacer.networks import make_networks
from mjx_dacer2.algorithms.dacer.policy import make_policy, observation_keys


def _policy(eval_chain_noise="zero"):
    networks = make_networks(3, 2, (16, 16), (16, 16))
    policy = make_policy(networks, 5, 0.1, 10.0, 0.1, eval_chain_noise=eval_chain_noise)
    return policy, networks.policy_init(jax.random.key(0))


@pytest.mark.parametrize("eval_chain_noise", ["zero", "observation_hash"])
def test_deterministic_action_is_a_function_of_the_observation(eval_chain_noise):
    policy, params = _policy(eval_chain_noise)
    obs = jax.random.normal(jax.random.key(1), (6, 3))
    key = jax.random.key(7)
    batch = policy.deterministic_action(params, obs, key)
    assert batch.shape == (6, 2) and bool(jnp.all(jnp.abs(batch) <= 1.0))
    alone = jnp.stack(
        [policy.deterministic_action(params, obs[i : i + 1], key)[0] for i in range(6)]
    )
    np.testing.assert_allclose(batch, alone, rtol=1e-5, atol=1e-6)  # batch-invariant
    np.testing.assert_allclose(batch, policy.deterministic_action(params, obs, key))  # repeatable
    # The same obs twice in a batch gets the same action; other obs get other chain noise.
    twice = policy.deterministic_action(params, jnp.concatenate([obs[:1], obs[:1]]), key)
    np.testing.assert_allclose(twice[0], twice[1])


def test_zero_noise_policy_is_the_noise_free_chain():
    policy, params = _policy("zero")
    obs = jax.random.normal(jax.random.key(1), (6, 3))
    action = policy.deterministic_action(params, obs, jax.random.key(7))
    np.testing.assert_array_equal(
        action, policy.deterministic_action(params, obs, jax.random.key(8))
    )
    zeros = jnp.zeros((5, 6, 2))
    expected = policy.chain_from_noise(params, obs, zeros[0], zeros).action
    np.testing.assert_allclose(action, expected)
    hashed, _ = _policy("observation_hash")
    assert not np.allclose(action, hashed.deterministic_action(params, obs, jax.random.key(7)))


def test_observation_keys_differ_between_observations_and_base_keys():
    obs = jnp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1e-7], [1.0, 2.0, 3.0]])
    data = jax.random.key_data(observation_keys(jax.random.key(0), obs))
    assert len({tuple(np.asarray(row).tolist()) for row in data}) == 3
    other = jax.random.key_data(observation_keys(jax.random.key(1), obs))
    assert not np.array_equal(np.asarray(data), np.asarray(other))


def test_sampling_explores_within_bounds():
    policy, params = _policy()
    obs = jnp.zeros((512, 3))
    out = policy.behaviour_chain(params, obs, jax.random.key(3), jnp.log(3.0))
    assert out.action.shape == (512, 2) and out.inputs.shape == (5, 512, 2)
    assert bool(jnp.all(jnp.abs(out.action) <= 1.0))
    assert float(jnp.std(out.action)) > 0.1  # fresh chain noise per state


def test_unclipped_chain_and_samples_leave_the_action_box():
    networks = make_networks(3, 1, (16, 16), (16, 16))
    params = networks.policy_init(jax.random.key(0))
    obs = jnp.zeros((512, 3))

    def key():  # the same key for each call (the tests check key reuse)
        return jax.random.key(3)

    for clip_denoised in (True, False):
        policy = make_policy(networks, 5, 0.1, 10.0, 0.1, clip_denoised=clip_denoised)
        clipped = policy.behaviour_chain(params, obs, key(), jnp.log(3.0)).action
        raw = policy.behaviour_chain(params, obs, key(), jnp.log(3.0), clip=False).action
        np.testing.assert_allclose(clipped, jnp.clip(raw, -1.0, 1.0))
        assert float(jnp.max(jnp.abs(raw))) > 1.0
    # With clip_denoised the chain's output stays in the box; without it, it does not.
    chain = make_policy(networks, 5, 0.1, 10.0, 0.1, clip_denoised=False).chain(params, obs, key())
    assert float(jnp.max(jnp.abs(chain.action))) > 1.0
