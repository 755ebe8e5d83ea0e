"""Noise schedule values, the scan sampler against a Python loop, and the time weight."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2.algorithms.dacer.diffusion import (
    chain_noise,
    reverse_chain,
    reverse_step,
    time_weight,
    vp_schedule,
)


def test_schedule_matches_algorithm_table_for_t5():
    s = vp_schedule(5)
    np.testing.assert_allclose(s.betas, [0.196, 0.459, 0.636, 0.755, 0.835], atol=6e-4)
    np.testing.assert_allclose(s.alpha_bars, [0.804, 0.435, 0.159, 0.0389, 0.0064], atol=6e-4)


@pytest.mark.parametrize("steps", [1, 2, 5, 20, 50])
def test_final_alpha_bar_is_independent_of_t(steps):
    np.testing.assert_allclose(vp_schedule(steps).alpha_bars[-1], np.exp(-5.05), rtol=1e-9)


def test_posterior_coefficients_are_ddpm():
    s = vp_schedule(5)
    # The first posterior step (t=1) has zero variance and returns x0 exactly.
    np.testing.assert_allclose(s.posterior_coef1[0], 1.0, atol=1e-12)
    np.testing.assert_allclose(s.posterior_coef2[0], 0.0, atol=1e-12)
    assert s.posterior_log_var[0] == pytest.approx(np.log(1e-20))
    t = 3  # index k = 2
    var = s.betas[t] * (1 - s.alpha_bars[t - 1]) / (1 - s.alpha_bars[t])
    assert np.exp(s.posterior_log_var[t]) == pytest.approx(var)


def _toy_eps(x, k):
    return jnp.tanh(x * (1.0 + 0.1 * k[..., None])) - 0.3


@pytest.mark.parametrize("steps", [1, 5, 20])
def test_scan_chain_equals_python_loop(steps):
    schedule = vp_schedule(steps)
    x_T, z = chain_noise(jax.random.key(0), steps, (7, 3))
    out = reverse_chain(_toy_eps, schedule, x_T, z)

    x = x_T
    inputs = []
    for i, k in enumerate(range(steps - 1, -1, -1)):
        inputs.append(x)
        kk = jnp.full((7,), k, jnp.int32)
        x = reverse_step(schedule, x, _toy_eps(x, kk), kk, z[i])
    np.testing.assert_allclose(out.action, x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.inputs, jnp.stack(inputs), rtol=1e-5, atol=1e-6)
    assert out.inputs.shape == (steps, 7, 3)


def test_last_step_adds_no_noise_and_gradients_flow():
    schedule = vp_schedule(5)
    x_T, z = chain_noise(jax.random.key(1), 5, (4, 2))
    a = reverse_chain(_toy_eps, schedule, x_T, z).action
    b = reverse_chain(_toy_eps, schedule, x_T, z.at[-1].set(100.0)).action
    np.testing.assert_allclose(a, b)  # z of the last step (k=0) is unused

    def f(scale):
        return jnp.sum(reverse_chain(lambda x, k: scale * _toy_eps(x, k), schedule, x_T, z).action)

    assert jnp.abs(jax.grad(f)(1.0)) > 0


def test_time_weight_values():
    w = time_weight(jnp.arange(1, 6), 5, "exp")
    np.testing.assert_allclose(w, np.exp(0.4 * np.arange(1, 6) - 1.8), rtol=1e-6)
    assert w[0] == pytest.approx(0.2466, abs=1e-3) and w[-1] == pytest.approx(1.2214, abs=1e-3)
    np.testing.assert_allclose(time_weight(jnp.arange(1, 21), 20, "normalized_exp")[-1], w[-1])
    # the default (normalized_exp) is exp bit for bit at T=5, so rounds run under exp still hold
    np.testing.assert_array_equal(time_weight(jnp.arange(1, 6), 5, "normalized_exp"), w)
    assert time_weight(jnp.arange(1, 21), 20, "exp")[-1] == pytest.approx(493, rel=1e-3)
    np.testing.assert_allclose(time_weight(jnp.arange(1, 4), 3, "constant"), 1.0)
    with pytest.raises(ValueError, match="unknown time weight"):
        time_weight(jnp.arange(1, 3), 2, "linear")
