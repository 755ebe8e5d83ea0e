"""The SAC baseline learner: tanh-Gaussian policy, twin Q critics with clipped double-Q targets
(standard SAC, NOT the distributional DSAC-T critic of DACER), automatic temperature with target
entropy `sac_target_entropy_per_dim * d` (default -d).

It implements the `Learner` protocol of `mjx_dacer2.algorithms.interface`, so it runs through
the same env, replay buffer and fused loop as DACER / DACER2. To keep the comparison about the
policy class, the update schedule matches DACER's: critics every update; policy, temperature and
Polyak target step every `policy_delay` updates (under `lax.cond`). Rewards are scaled by
`reward_scale` like DACER's critic targets (the temperature adapts to the scale).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import optax

from mjx_dacer2.algorithms.interface import ActorCriticState, Transition, apply_gradients
from mjx_dacer2.algorithms.mlp import MLP, NUM_CRITICS
from mjx_dacer2.config import Config
from mjx_dacer2.config.schema import LearningConfig, NetworkConfig, SacConfig

sg = jax.lax.stop_gradient
LOG_2 = 0.6931471805599453


SacState = ActorCriticState  # SAC needs nothing beyond the shared state


@dataclass(frozen=True)
class SacSettings:
    """The parts of a run's config SAC reads."""

    learning: LearningConfig
    sac: SacConfig


@dataclass(frozen=True)
class SacNetworks:
    """Pure init/apply functions: policy -> (mean, log_std) each (..., d); twin Q -> (2, ...)."""

    policy_init: Callable[[jax.Array], dict]
    policy_apply: Callable[[dict, jax.Array], tuple[jax.Array, jax.Array]]
    critic_init: Callable[[jax.Array], dict]
    critic_apply: Callable[[dict, jax.Array, jax.Array], jax.Array]
    action_size: int


def make_sac_networks(
    obs_size: int, action_size: int, networks: NetworkConfig, sac: SacConfig
) -> SacNetworks:
    """The project's MLPs: a (mean, log_std) policy head and twin scalar Q critics."""
    policy = MLP(tuple(networks.policy_hidden), 2 * action_size, networks.activation)
    critic = MLP(tuple(networks.critic_hidden), 1, networks.activation)
    obs, act = jnp.zeros((1, obs_size)), jnp.zeros((1, action_size))
    lo, hi = sac.sac_log_std_min, sac.sac_log_std_max

    def policy_apply(params, obs):
        mean, raw = jnp.split(policy.apply(params, obs), 2, axis=-1)
        return mean, lo + 0.5 * (hi - lo) * (jnp.tanh(raw) + 1.0)

    def critic_init(key):
        keys = jax.random.split(key, NUM_CRITICS)
        return jax.vmap(lambda k: critic.init(k, jnp.concatenate([obs, act], -1)))(keys)

    def critic_apply(params, obs, action):
        x = jnp.concatenate([obs, action], axis=-1)
        return jax.vmap(critic.apply, in_axes=(0, None))(params, x)[..., 0]

    return SacNetworks(
        policy_init=lambda key: policy.init(key, obs),
        policy_apply=policy_apply,
        critic_init=critic_init,
        critic_apply=critic_apply,
        action_size=action_size,
    )


def tanh_gaussian_sample(mean, log_std, key):
    """a = tanh(mean + std*xi) and its log-density (with the tanh change of variables)."""
    xi = jax.random.normal(key, mean.shape)
    u = mean + jnp.exp(log_std) * xi
    log_normal = -0.5 * xi**2 - log_std - 0.5 * jnp.log(2.0 * jnp.pi)
    log_det = 2.0 * (LOG_2 - u - jax.nn.softplus(-2.0 * u))  # log(1 - tanh(u)^2), stable
    return jnp.tanh(u), jnp.sum(log_normal - log_det, axis=-1)


@dataclass(frozen=True)
class SacLearner:
    """SAC behind the `Learner` protocol (see the module docstring)."""

    config: SacSettings
    networks: SacNetworks
    actor_metric_names = ("actor_loss", "actor_grad_norm", "alpha_loss", "log_prob")

    @property
    def target_entropy(self) -> float:
        return self.config.sac.sac_target_entropy_per_dim * self.networks.action_size

    def init(self, key: jax.Array) -> SacState:
        c = self.config
        key_policy, key_critic = jax.random.split(key)
        policy_params = self.networks.policy_init(key_policy)
        critic_params = self.networks.critic_init(key_critic)
        log_alpha = jnp.log(jnp.asarray(c.sac.sac_initial_alpha, jnp.float32))
        return SacState(
            policy_params=policy_params,
            critic_params=critic_params,
            target_critic_params=critic_params,
            policy_opt_state=optax.adam(c.learning.actor_lr).init(policy_params),
            critic_opt_state=optax.adam(c.learning.critic_lr).init(critic_params),
            alpha_opt_state=optax.adam(c.sac.sac_alpha_lr).init(log_alpha),
            log_alpha=log_alpha,
            entropy=jnp.zeros((), jnp.float32),
            num_updates=jnp.zeros((), jnp.int32),
        )

    def sample_with_log_prob(self, policy_params: dict, obs: jax.Array, key: jax.Array):
        mean, log_std = self.networks.policy_apply(policy_params, obs)
        return tanh_gaussian_sample(mean, log_std, key)

    def behaviour_action(self, state: SacState, obs: jax.Array, key: jax.Array) -> jax.Array:
        return self.sample_with_log_prob(state.policy_params, obs, key)[0]

    def deterministic_action(self, policy_params: dict, obs: jax.Array) -> jax.Array:
        """tanh(mean)."""
        return jnp.tanh(self.networks.policy_apply(policy_params, obs)[0])

    @staticmethod
    def policy_params(state: SacState) -> dict:
        return state.policy_params

    def critic_loss(self, critic_params, state: SacState, batch: Transition, key):
        c = self.config
        next_action, next_logp = self.sample_with_log_prob(state.policy_params, batch.next_obs, key)
        next_q = self.networks.critic_apply(state.target_critic_params, batch.next_obs, next_action)
        soft_v = jnp.min(next_q, axis=0) - jnp.exp(state.log_alpha) * next_logp
        y = sg(
            c.learning.reward_scale * batch.reward
            + c.learning.gamma * (1.0 - batch.terminated) * soft_v
        )
        q = self.networks.critic_apply(critic_params, batch.obs, batch.action)  # (2, B)
        loss = 0.5 * jnp.sum(jnp.mean((q - y) ** 2, axis=1))
        return loss, dict(critic_loss=loss, q_mean=jnp.mean(q), target_mean=jnp.mean(y))

    def actor_loss(self, policy_params, state: SacState, obs, key):
        action, logp = self.sample_with_log_prob(policy_params, obs, key)
        q = self.networks.critic_apply(sg(state.critic_params), obs, action)
        loss = jnp.mean(jnp.exp(sg(state.log_alpha)) * logp - jnp.min(q, axis=0))
        return loss, sg(logp)

    def alpha_loss(self, log_alpha, logp):
        return -log_alpha * jnp.mean(logp + self.target_entropy), None

    def update(self, state: SacState, batch: Transition, key: jax.Array):
        """One gradient update on a (B, ...) batch of normalised transitions."""
        c = self.config
        key_critic, key_actor = jax.random.split(key)
        critic_params, critic_opt_state, _, metrics, gnorm = apply_gradients(
            optax.adam(c.learning.critic_lr),
            self.critic_loss,
            state.critic_params,
            state.critic_opt_state,
            state,
            batch,
            key_critic,
        )
        state = state.replace(critic_params=critic_params, critic_opt_state=critic_opt_state)
        do_actor = state.num_updates % c.learning.policy_delay == 0
        state, actor_metrics = jax.lax.cond(
            do_actor, self._actor_step, self._skip_actor, state, batch.obs, key_actor
        )
        metrics = dict(
            metrics,
            **actor_metrics,
            critic_grad_norm=gnorm,
            alpha=jnp.exp(state.log_alpha),
            entropy=state.entropy,
            actor_updated=do_actor.astype(jnp.float32),
        )
        return state.replace(num_updates=state.num_updates + 1), metrics

    def _actor_step(self, state: SacState, obs: jax.Array, key: jax.Array):
        c = self.config
        params, opt_state, loss, logp, gnorm = apply_gradients(
            optax.adam(c.learning.actor_lr),
            self.actor_loss,
            state.policy_params,
            state.policy_opt_state,
            state,
            obs,
            key,
        )
        log_alpha, alpha_opt_state, alpha_loss, _, _ = apply_gradients(
            optax.adam(c.sac.sac_alpha_lr),
            self.alpha_loss,
            state.log_alpha,
            state.alpha_opt_state,
            logp,
        )
        targets = optax.incremental_update(
            state.critic_params, state.target_critic_params, c.learning.tau
        )
        state = state.replace(
            policy_params=params,
            policy_opt_state=opt_state,
            log_alpha=log_alpha,
            alpha_opt_state=alpha_opt_state,
            target_critic_params=targets,
            entropy=-jnp.mean(logp),
        )
        metrics = dict(
            actor_loss=loss, actor_grad_norm=gnorm, alpha_loss=alpha_loss, log_prob=jnp.mean(logp)
        )
        return state, metrics

    def _skip_actor(self, state: SacState, obs: jax.Array, key: jax.Array):
        return state, {name: jnp.zeros(()) for name in self.actor_metric_names}


def make_sac_learner(config: Config, obs_size: int, action_size: int) -> SacLearner:
    networks = make_sac_networks(obs_size, action_size, config.networks, config.sac)
    return SacLearner(config=SacSettings(config.learning, config.sac), networks=networks)
