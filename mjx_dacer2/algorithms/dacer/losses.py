"""DACER2's losses as pure functions: DSAC-T critic loss, policy loss through the chain, the
Q-gradient-field loss with temporal weighting, and the entropy-regulator (alpha) loss.

Every loss has the shape `loss(params, ..., batch, key) -> (loss, metrics)` so that one helper
can differentiate and apply it. Observations reaching this module are already normalised.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import optax

from mjx_dacer2.algorithms.dacer.diffusion import time_weight
from mjx_dacer2.algorithms.dacer.entropy import estimate_entropy
from mjx_dacer2.algorithms.dacer.policy import DiffusionPolicy
from mjx_dacer2.algorithms.interface import Transition
from mjx_dacer2.config import Config
from mjx_dacer2.config.schema import (
    CriticConfig,
    DiffusionConfig,
    EntropyConfig,
    GradLossConfig,
    LearningConfig,
)

sg = jax.lax.stop_gradient


def critic_targets(
    reward: jax.Array,
    terminated: jax.Array,
    next_mu: jax.Array,
    next_sigma: jax.Array,
    z: jax.Array,
    gamma: float,
    reward_scale: float,
    noise_clip: float,
) -> tuple[jax.Array, jax.Array]:
    """DSAC-T targets (y, y_s) from the target critics at (s', a'). next_mu, next_sigma: (2, B)."""
    not_done = gamma * (1.0 - terminated)
    r = reward_scale * reward
    q_sample = next_mu + next_sigma * jnp.clip(z, -noise_clip, noise_clip)  # (2, B)
    j = jnp.argmin(next_mu, axis=0)  # (B,)
    q_sample_j = jnp.take_along_axis(q_sample, j[None], axis=0)[0]
    return r + not_done * jnp.min(next_mu, axis=0), r + not_done * q_sample_j


def distributional_critic_loss(
    mu: jax.Array,
    sigma: jax.Array,
    y: jax.Array,
    y_sample: jax.Array,
    omega: jax.Array,
    epsilon: float,
    noise_clip: float,
) -> jax.Array:
    """The DSAC-T loss, summed over critics. mu, sigma: (2, B); y, y_sample: (B,); omega: (2,)."""
    omega = sg(omega)[:, None]
    y_bound = sg(mu + jnp.clip(y_sample - mu, -noise_clip * omega, noise_clip * omega))
    s = sg(jnp.maximum(sigma, 0.0))
    mean_term = mu * sg(y - mu) / (s**2 + epsilon)
    std_term = sigma * ((sg(mu) - y_bound) ** 2 - s**2) / (s**3 + epsilon)
    per_critic = -(omega[:, 0] ** 2 + epsilon) * jnp.mean(mean_term + std_term, axis=1)
    return jnp.sum(per_critic)


def update_omega(omega: jax.Array, sigma: jax.Array, tau: float, first: jax.Array) -> jax.Array:
    """Running mean of each critic's sigma: EMA with rate tau, the first value the batch mean."""
    batch_mean = sg(jnp.mean(sigma, axis=1))
    return jnp.where(first, batch_mean, (1.0 - tau) * omega + tau * batch_mean)


def normalized(g: jax.Array) -> jax.Array:
    return g / (jnp.linalg.norm(g, axis=-1, keepdims=True) + 1e-8)


@dataclass(frozen=True)
class DacerSettings:
    """The parts of a run's config DACER and DACER2 read (T and eta resolved)."""

    learning: LearningConfig
    diffusion: DiffusionConfig
    critic: CriticConfig
    entropy: EntropyConfig
    grad_loss: GradLossConfig
    entropy_every_updates: int  # the entropy cadence at the run's update-to-data ratio

    @classmethod
    def of(cls, config: Config) -> DacerSettings:
        c = config.resolved()
        return cls(
            c.learning, c.diffusion, c.critic, c.entropy, c.grad_loss, c.entropy_every_updates
        )


@dataclass(frozen=True)
class Losses:
    """The loss functions of one run, bound to its settings and policy."""

    config: DacerSettings
    policy: DiffusionPolicy

    @property
    def critic_apply(self):
        return self.policy.networks.critic_apply

    def critic_loss(
        self,
        critic_params,
        target_critic_params,
        policy_params,
        log_alpha,
        omega,
        first,
        batch: Transition,
        key,
    ):
        """DSAC-T loss of the twin critics; returns (loss, (new omega, metrics))."""
        c = self.config
        key_next, key_z = jax.random.split(key)
        next_action = self.policy.behaviour_chain(
            policy_params, batch.next_obs, key_next, log_alpha
        ).action
        next_mu, next_sigma = self.critic_apply(target_critic_params, batch.next_obs, next_action)
        z = jax.random.normal(key_z, batch.reward.shape)
        y, y_sample = critic_targets(
            batch.reward,
            batch.terminated,
            next_mu,
            next_sigma,
            z,
            c.learning.gamma,
            c.learning.reward_scale,
            c.critic.target_noise_clip,
        )
        mu, sigma = self.critic_apply(critic_params, batch.obs, batch.action)
        new_omega = update_omega(omega, sigma, c.learning.tau, first)
        if c.critic.critic_loss == "mse":
            loss = jnp.sum(0.5 * jnp.mean((mu - sg(y)) ** 2, axis=1))
        else:
            loss = distributional_critic_loss(
                mu,
                sigma,
                sg(y),
                sg(y_sample),
                new_omega,
                c.critic.critic_loss_epsilon,
                c.critic.target_noise_clip,
            )
        metrics = dict(
            critic_loss=loss, q_mean=jnp.mean(mu), q_sigma=jnp.mean(sigma), target_mean=jnp.mean(y)
        )
        return loss, (new_omega, metrics)

    def q_loss(self, policy_params, critic_params, log_alpha, obs, key):
        """L_q = -mean min(mu_1, mu_2)(s, a_theta), a_theta the behaviour chain's action (noise
        included), scaled per `q_loss_scale`; returns (L_q, the chain's output)."""
        out = self.policy.behaviour_chain(policy_params, obs, key, log_alpha)
        critic_params = sg(critic_params)

        def min_q(action):
            mu, _ = self.critic_apply(critic_params, obs, action)
            return jnp.min(mu, axis=0)

        loss = -jnp.mean(min_q(out.action))
        if self.config.grad_loss.q_loss_scale == "grad_norm":
            grad_a = jax.grad(lambda a: jnp.sum(min_q(a)))(sg(out.action))
            loss = loss / sg(jnp.mean(jnp.linalg.norm(grad_a, axis=-1)) + 1e-8)
        return loss, out

    def actor_gradients(
        self, policy_params, critic_params, target_critic_params, log_alpha, obs, key
    ):
        """L_pi = L_q + eta * L_g and its gradient; critics are not differentiated.

        L_g sees the chain only through stop-gradients, so each term is differentiated on its
        own (one pass each, what the sum's gradient costs) and the size of each term's gradient,
        `actor_q_grad_norm` and `grad_field_grad_norm` (eta included), is reported: which term
        drives the denoiser. Returns (L_pi, gradients, metrics)."""
        key_sample, key_grad = jax.random.split(key)
        (loss, out), grads = jax.value_and_grad(self.q_loss, has_aux=True)(
            policy_params, critic_params, log_alpha, obs, key_sample
        )
        metrics = dict(actor_q_loss=loss, actor_q_grad_norm=optax.tree.norm(grads))
        eta = self.config.grad_loss.grad_loss_weight
        if eta > 0:
            grad_loss, g_grads = jax.value_and_grad(self.grad_field_loss)(
                policy_params,
                sg(critic_params),
                sg(target_critic_params),
                obs,
                sg(out.inputs),
                sg(out.action),
                sg(out.denoised),
                key_grad,
            )
            loss = loss + eta * grad_loss
            grads = jax.tree.map(lambda q, g: q + eta * g, grads, g_grads)
            metrics.update(
                grad_field_loss=grad_loss, grad_field_grad_norm=eta * optax.tree.norm(g_grads)
            )
        return loss, grads, metrics

    def q_gradient(self, critic_params, target_critic_params, obs, actions):
        """Action-gradient of Q at `actions` (..., d), per `grad_target_q`, scaled per
        `grad_target_norm` (`scale_q_gradient`)."""
        kind = self.config.grad_loss.grad_target_q

        def q_sum(params, which):
            def f(a):
                mu, _ = self.critic_apply(params, obs, a)
                return jnp.sum(jnp.min(mu, axis=0)) if which is None else jnp.sum(mu[which])

            return jax.grad(f)(actions)

        scale = self.scale_q_gradient
        if kind == "min":
            return scale(q_sum(critic_params, None))
        if kind == "target_min":
            return scale(q_sum(target_critic_params, None))
        if kind == "mean_normalized":
            return 0.5 * (scale(q_sum(critic_params, 0)) + scale(q_sum(critic_params, 1)))
        raise ValueError(f"unknown grad_target_q '{kind}'")

    def scale_q_gradient(self, g: jax.Array) -> jax.Array:
        """unit: each sample's gradient to norm 1; batch_mean: all divided by their mean norm."""
        if self.config.grad_loss.grad_target_norm == "batch_mean":
            return g / (jnp.mean(jnp.linalg.norm(g, axis=-1)) + 1e-8)
        return normalized(g)

    def grad_field_actions(self, chain_inputs, action, key):
        """Actions a_t (n, B, d) and their step t (n, B) at which L_g is evaluated; forward
        noising starts from `action` (B, d)."""
        num_steps = self.policy.num_steps
        if (
            self.config.grad_loss.grad_target_source == "chain"
        ):  # x_T, ..., x_1 as fed to the network
            t = jnp.arange(num_steps, 0, -1)[:, None]
            return chain_inputs, jnp.broadcast_to(t, chain_inputs.shape[:2])
        key_t, key_noise = jax.random.split(key)  # forward-noised sg(a_0), t ~ U{1..T}
        t = jax.random.randint(key_t, action.shape[:1], 1, num_steps + 1)
        abar = jnp.asarray(self.policy.schedule.alpha_bars, jnp.float32)[t - 1][:, None]
        noise = jax.random.normal(key_noise, action.shape)
        a_t = jnp.sqrt(abar) * action + jnp.sqrt(1.0 - abar) * noise
        return a_t[None], t[None]

    def grad_field_loss(
        self,
        policy_params,
        critic_params,
        target_critic_params,
        obs,
        chain_inputs,
        action,
        denoised,
        key,
    ):
        """L_g = mean_{B,t} || eps_theta(s, a_t, t-1) - (anchor - w(t) * ghat(s, a_t)) ||^2, ghat
        the scaled Q gradient (`q_gradient`); the anchor is 0 (field form) or the noise that
        takes the chain's denoised x_0 to a_t (anchored form, `anchor_noise`)."""
        c = self.config
        anchored = c.grad_loss.grad_target_form == "anchored"
        start = denoised if anchored else action  # the action forward noising starts from
        a_t, t = self.grad_field_actions(chain_inputs, start, key)  # (n, B, d), (n, B)
        obs_t = jnp.broadcast_to(obs, (a_t.shape[0], *obs.shape))
        g_hat = self.q_gradient(critic_params, target_critic_params, obs_t, a_t)
        w = time_weight(
            t,
            self.policy.num_steps,
            c.grad_loss.time_weight,
            c.grad_loss.time_weight_c,
            c.grad_loss.time_weight_d,
        )[..., None]
        target = -w * g_hat
        if anchored:
            target = target + self.anchor_noise(a_t, t, denoised)
        eps = self.policy.networks.eps_apply(policy_params, obs_t, a_t, t - 1)
        return jnp.mean(jnp.sum((eps - target) ** 2, axis=-1))

    def anchor_noise(self, a_t, t, x0):
        """The noise eps with a_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (a_t (n, B, d), t
        (n, B), x0 (B, d)): what a denoiser of the policy's own actions predicts at a_t."""
        abar = jnp.asarray(self.policy.schedule.alpha_bars, jnp.float32)[t - 1][..., None]
        return (a_t - jnp.sqrt(abar) * x0) / jnp.sqrt(1.0 - abar)

    def policy_entropy(self, policy_params, log_alpha, obs, key):
        """Entropy of the behaviour policy, by a Gaussian-mixture fit per state (pure JAX)."""
        c = self.config
        key_sample, key_fit = jax.random.split(key)
        obs = obs[: c.entropy.entropy_num_states]
        obs_rep = jnp.broadcast_to(
            obs[:, None], (obs.shape[0], c.entropy.entropy_num_actions, obs.shape[1])
        )
        clip = c.entropy.entropy_actions == "clipped"
        actions = self.policy.behaviour_chain(
            policy_params, obs_rep, key_sample, log_alpha, clip
        ).action
        return estimate_entropy(
            actions, key_fit, c.entropy.entropy_num_components, c.entropy.entropy_em_iters
        )

    def alpha_loss(self, log_alpha, entropy):
        """L_alpha = -log_alpha * (target - H)."""
        target = self.config.entropy.target_entropy_per_dim * self.policy.networks.action_size
        return -log_alpha * (target - sg(entropy))
