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


@pytest.mark.parametrize("eval_chain_noise", ["zero", "observation_hash", "sample_mean"])
def test_deterministic_action_is_a_function_of_the_observation(eval_chain_noise):
    policy, params = _policy(eval_chain_noise)
    act = jax.jit(policy.deterministic_action)  # one compile per batch shape, not per op
    obs = jax.random.normal(jax.random.key(1), (6, 3))
    key = jax.random.key(7)
    batch = act(params, obs, key)
    assert batch.shape == (6, 2) and bool(jnp.all(jnp.abs(batch) <= 1.0))
    alone = jnp.stack([act(params, obs[i : i + 1], key)[0] for i in range(6)])
    np.testing.assert_allclose(batch, alone, rtol=1e-5, atol=1e-6)  # batch-invariant
    np.testing.assert_allclose(batch, act(params, obs, key))  # repeatable
    # The same obs twice in a batch gets the same action; other obs get other chain noise.
    twice = act(params, jnp.concatenate([obs[:1], obs[:1]]), key)
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


def test_sample_mean_policy_is_the_mean_of_the_chain():
    networks = make_networks(3, 2, (16, 16), (16, 16))
    params = networks.policy_init(jax.random.key(0))
    obs = jax.random.normal(jax.random.key(1), (4, 3))
    policy = make_policy(
        networks, 5, 0.1, 10.0, 0.1, eval_chain_noise="sample_mean", eval_chain_samples=1024
    )
    action = policy.deterministic_action(params, obs, jax.random.key(7))
    many = jnp.broadcast_to(obs, (2048, *obs.shape))  # the chain's own mean, by brute force
    mean = jnp.mean(policy.chain(params, many, jax.random.key(9)).action, axis=0)
    np.testing.assert_allclose(action, jnp.clip(mean, -1, 1), atol=0.1)
    one = make_policy(networks, 5, 0.1, 10.0, 0.1, eval_chain_noise="observation_hash")
    single = one.deterministic_action(params, obs, jax.random.key(7))
    assert float(jnp.max(jnp.abs(single - mean))) > 0.3  # one sample is not the mean


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


def test_chain_noise_scale_interpolates_to_the_noise_free_path():
    networks = make_networks(3, 2, (16, 16), (16, 16))
    params = networks.policy_init(jax.random.key(0))
    obs = jax.random.normal(jax.random.key(1), (512, 3))

    def chain(scale):  # the same key at every scale
        policy = make_policy(networks, 5, 0.1, 10.0, 0.1, chain_noise_scale=scale)
        return policy, policy.chain(params, obs, jax.random.key(3))

    policy, silent = chain(0.0)
    np.testing.assert_allclose(
        silent.action, policy.deterministic_action(params, obs, jax.random.key(7)), atol=1e-6
    )
    spread = [float(jnp.std(chain(s)[1].action - silent.action)) for s in (0.25, 0.5, 1.0)]
    assert 0.0 < spread[0] < spread[1] < spread[2]
    x_T = chain(0.5)[1].inputs[0]  # the chain's start is drawn at the scale
    np.testing.assert_allclose(x_T, 0.5 * chain(1.0)[1].inputs[0], rtol=1e-6)
