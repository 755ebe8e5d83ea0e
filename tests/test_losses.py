"""Losses on tiny hand-computed cases: DSAC-T critic loss and targets, sign of Q-gradient loss."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2.algorithms.dacer.diffusion import reverse_step, vp_schedule
from mjx_dacer2.algorithms.dacer.losses import (
    DacerSettings,
    Losses,
    critic_targets,
    distributional_critic_loss,
    update_omega,
)
from mjx_dacer2.algorithms.dacer.networks import make_networks
from mjx_dacer2.algorithms.dacer.policy import make_policy
from mjx_dacer2.config import Config


def test_critic_loss_hand_computed():
    mu = jnp.array([[1.0], [2.0]])
    sigma = jnp.array([[0.5], [1.0]])
    y, y_s, omega = jnp.array([1.5]), jnp.array([3.0]), jnp.array([0.5, 1.0])
    loss = distributional_critic_loss(mu, sigma, y, y_s, omega, epsilon=0.1, noise_clip=3.0)
    # critic 1: y_s - mu = 2 clipped to 3*0.5 = 1.5 -> yb = 2.5
    #   -(0.25 + 0.1) * [1*(0.5)/0.35 + 0.5*((1 - 2.5)^2 - 0.25)/(0.125 + 0.1)] = -2.0555...
    # critic 2: yb = 3 -> -(1 + 0.1) * [2*(-0.5)/1.1 + 1*(1 - 1)/1.1] = 1.0
    assert float(loss) == pytest.approx(-2.0555556 + 1.0, rel=1e-6)

    grad_mu, grad_sigma = jax.grad(
        lambda m, s: distributional_critic_loss(m, s, y, y_s, omega, 0.1, 3.0), argnums=(0, 1)
    )(mu, sigma)
    # Descent moves each mean toward y and grows sigma where the error exceeds it.
    np.testing.assert_allclose(grad_mu[:, 0], [-0.5, 0.5], rtol=1e-6)
    np.testing.assert_allclose(grad_sigma[:, 0], [-0.35 * 2.0 / 0.225, 0.0], rtol=1e-5, atol=1e-7)


def test_termination_cuts_and_truncation_bootstraps():
    next_mu = jnp.array([[10.0, 10.0], [4.0, 4.0]])  # critic 2 is the min
    next_sigma = jnp.array([[1.0, 1.0], [2.0, 2.0]])
    reward = jnp.array([1.0, 1.0])
    terminated = jnp.array([1.0, 0.0])  # env 0 terminated; env 1 was truncated (not terminated)
    z = jnp.array([0.5, 5.0])  # z of env 1 is clipped to 3
    y, y_s = critic_targets(reward, terminated, next_mu, next_sigma, z, 0.99, 0.2, 3.0)
    np.testing.assert_allclose(y, [0.2, 0.2 + 0.99 * 4.0], rtol=1e-6)
    np.testing.assert_allclose(y_s, [0.2, 0.2 + 0.99 * (4.0 + 2.0 * 3.0)], rtol=1e-6)


def test_omega_starts_at_batch_mean_then_follows_ema():
    sigma = jnp.array([[1.0, 3.0], [2.0, 2.0]])
    first = update_omega(jnp.zeros(2), sigma, 0.1, jnp.array(True))
    np.testing.assert_allclose(first, [2.0, 2.0])
    later = update_omega(jnp.array([1.0, 1.0]), sigma, 0.1, jnp.array(False))
    np.testing.assert_allclose(later, [1.1, 1.1])


def _losses_with_quadratic_critic(best_action, **config_changes):
    """Losses whose twin critics are Q(s, a) = -||a - best||^2 (and a shifted copy)."""
    networks = make_networks(3, 2, (8,), (8,))

    def critic_apply(params, obs, action):
        q = -jnp.sum((action - best_action) ** 2, axis=-1)
        return jnp.stack([q, q - 1.0]), jnp.ones((2, *q.shape))

    networks = dataclasses.replace(networks, critic_apply=critic_apply)
    policy = make_policy(networks, 5, 0.1, 10.0, 0.1)
    return Losses(DacerSettings.of(Config().replace(**config_changes)), policy)


@pytest.mark.parametrize("which_q", ["min", "mean_normalized", "target_min"])
def test_q_gradient_is_unit_and_points_uphill(which_q):
    best = jnp.array([0.6, -0.2])
    losses = _losses_with_quadratic_critic(best, grad_target_q=which_q)
    a = jnp.array([[0.0, 0.0], [1.0, 1.0]])
    g = losses.q_gradient({}, {}, jnp.zeros((2, 3)), a)
    np.testing.assert_allclose(jnp.linalg.norm(g, axis=-1), 1.0, rtol=1e-5)
    expected = (best - a) / jnp.linalg.norm(best - a, axis=-1, keepdims=True)
    np.testing.assert_allclose(g, expected, rtol=1e-5)


def test_batch_mean_scaling_keeps_relative_sizes_and_shrinks_where_q_is_flat():
    best = jnp.array([0.6, -0.2])
    losses = _losses_with_quadratic_critic(best, grad_target_norm="batch_mean")
    a = jnp.stack([best + 0.01, best - 0.5, jnp.array([-1.0, 1.0])])  # near, mid, far from best
    g = losses.q_gradient({}, {}, jnp.zeros((3, 3)), a)
    norms = jnp.linalg.norm(g, axis=-1)
    np.testing.assert_allclose(jnp.mean(norms), 1.0, rtol=1e-5)
    raw = jnp.linalg.norm(best - a, axis=-1)  # |grad| of -||a - best||^2 is 2 ||a - best||
    np.testing.assert_allclose(norms, raw / jnp.mean(raw), rtol=1e-5)
    assert float(norms[0]) < 0.02  # beside the optimum the target almost vanishes
    np.testing.assert_allclose(g / norms[:, None], (best - a) / raw[:, None], rtol=1e-4)


def test_reverse_step_with_the_grad_loss_target_raises_q():
    """Moving eps toward L_g's target -w(t)*g_hat makes each reverse step raise Q.

    Q is linear here (its gradient is the same everywhere) and eps0 is the noise for which the
    x0 estimate is 0, so the effect of the target is not hidden by the [-1, 1] clip of x0.
    """
    direction = jnp.array([0.8, -0.6])
    networks = make_networks(3, 2, (8,), (8,))

    def critic_apply(params, obs, action):
        q = action @ direction
        return jnp.stack([q, q + 1.0]), jnp.ones((2, *q.shape))

    networks = dataclasses.replace(networks, critic_apply=critic_apply)
    losses = Losses(DacerSettings.of(Config()), make_policy(networks, 5, 0.1, 10.0, 0.1))
    schedule = vp_schedule(5)
    x = jax.random.uniform(jax.random.key(0), (64, 2), minval=-0.8, maxval=0.8)
    g_hat = losses.q_gradient({}, {}, jnp.zeros((64, 3)), x)
    np.testing.assert_allclose(g_hat, jnp.broadcast_to(direction, x.shape), rtol=1e-5)
    no_noise = jnp.zeros_like(x)
    for k in range(5):
        kk = jnp.full((64,), k)
        eps0 = x / jnp.sqrt(1.0 - schedule.alpha_bars[k])
        w = jnp.exp(0.4 * (k + 1) - 1.8)
        target = reverse_step(schedule, x, eps0 - w * g_hat, kk, no_noise)
        neutral = reverse_step(schedule, x, eps0, kk, no_noise)
        opposite = reverse_step(schedule, x, eps0 + w * g_hat, kk, no_noise)
        assert jnp.all(target @ direction > neutral @ direction), k
        assert jnp.all(opposite @ direction < neutral @ direction), k


def test_grad_field_loss_is_zero_at_its_target():
    """With eps_theta replaced by -w(t) * g_hat, L_g vanishes (any source of a_t)."""
    best = jnp.array([0.3, 0.1])
    for source in ("chain", "forward_noised"):
        losses = _losses_with_quadratic_critic(best, grad_target_source=source)
        nets = losses.policy.networks

        def eps_apply(params, obs, a, k, losses=losses):
            t = k + 1
            g = losses.q_gradient({}, {}, obs, a)
            return -jnp.exp(0.4 * t - 1.8)[..., None] * g

        policy = dataclasses.replace(
            losses.policy, networks=dataclasses.replace(nets, eps_apply=eps_apply)
        )
        losses = dataclasses.replace(losses, policy=policy)
        obs = jnp.zeros((16, 3))
        out = policy.chain({}, obs, jax.random.key(1))
        loss = losses.grad_field_loss(
            {}, {}, {}, obs, out.inputs, out.action, out.action, jax.random.key(2)
        )
        assert float(loss) == pytest.approx(0.0, abs=1e-8)


def test_anchored_grad_field_loss_is_zero_at_the_shifted_denoising_target():
    """Anchored form: with eps_theta = (the noise that takes x_0 to a_t) - w(t) * g_hat, L_g
    vanishes; the field form's target (-w(t) * g_hat alone) then leaves a denoising error."""
    best = jnp.array([0.3, 0.1])
    anchored = _losses_with_quadratic_critic(best, grad_target_form="anchored")
    field = _losses_with_quadratic_critic(best)
    schedule = vp_schedule(5)
    obs = jnp.zeros((16, 3))
    x0 = jax.random.uniform(jax.random.key(1), (16, 2), minval=-0.9, maxval=0.9)

    def eps_apply(params, obs, a, k):
        abar = jnp.asarray(schedule.alpha_bars, jnp.float32)[k][..., None]
        noise = (a - jnp.sqrt(abar) * x0) / jnp.sqrt(1.0 - abar)
        return noise - jnp.exp(0.4 * (k + 1) - 1.8)[..., None] * anchored.q_gradient({}, {}, obs, a)

    def loss(losses):
        nets = dataclasses.replace(losses.policy.networks, eps_apply=eps_apply)
        losses = dataclasses.replace(
            losses, policy=dataclasses.replace(losses.policy, networks=nets)
        )
        chain_inputs = jnp.zeros((5, 16, 2))  # unused by forward_noised
        key = jax.random.key(2)
        return float(losses.grad_field_loss({}, {}, {}, obs, chain_inputs, x0, x0, key))

    assert loss(anchored) == pytest.approx(0.0, abs=1e-6)
    assert loss(field) > 0.1


def test_actor_gradients_sum_the_two_terms_and_report_each():
    """The split gradient is the gradient of L_q + eta * L_g, and each term's norm is reported."""
    eta = 0.3
    losses = _losses_with_quadratic_critic(jnp.array([0.3, 0.1]), grad_loss_weight=eta)
    params = losses.policy.networks.policy_init(jax.random.key(0))
    obs = jax.random.normal(jax.random.key(1), (16, 3))
    log_alpha = jnp.log(0.1)
    loss, grads, metrics = losses.actor_gradients(params, {}, {}, log_alpha, obs, jax.random.key(2))

    def joint(p):
        key_sample, key_grad = jax.random.split(jax.random.key(2))  # the same keys
        q_loss, out = losses.q_loss(p, {}, log_alpha, obs, key_sample)
        sg = jax.lax.stop_gradient
        g_loss = losses.grad_field_loss(
            p, {}, {}, obs, sg(out.inputs), sg(out.action), sg(out.denoised), key_grad
        )
        return q_loss + eta * g_loss

    expected_loss, expected = jax.value_and_grad(joint)(params)
    assert float(loss) == pytest.approx(float(expected_loss), rel=1e-5)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6), grads, expected
    )
    assert float(metrics["actor_q_grad_norm"]) > 0
    assert float(metrics["grad_field_grad_norm"]) > 0
    assert float(metrics["grad_field_loss"]) > 0


def test_grad_norm_q_loss_is_the_raw_one_over_the_mean_action_gradient():
    best = jnp.array([0.3, 0.1])
    raw = _losses_with_quadratic_critic(best)
    scaled = _losses_with_quadratic_critic(best, q_loss_scale="grad_norm")
    params = raw.policy.networks.policy_init(jax.random.key(0))
    obs = jax.random.normal(jax.random.key(1), (16, 3))
    raw_loss, out = raw.q_loss(params, {}, jnp.log(0.1), obs, jax.random.key(2))
    scaled_loss, _ = scaled.q_loss(params, {}, jnp.log(0.1), obs, jax.random.key(2))
    mean_grad = jnp.mean(2.0 * jnp.linalg.norm(out.action - best, axis=-1))  # |grad -||a-b||^2|
    assert float(scaled_loss) == pytest.approx(float(raw_loss / mean_grad), rel=1e-5)
