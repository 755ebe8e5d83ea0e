"""The learner: `DacerState` (params, targets, optimiser states, entropy regulator) and one
gradient update (critic step; delayed policy + target step; periodic entropy estimate + alpha step).

Delayed and periodic parts run under `lax.cond`, so their gradients are only computed when taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import flax.struct
import jax
import jax.numpy as jnp
import optax

from mjx_dacer2.algorithms.dacer.losses import DacerSettings, Losses
from mjx_dacer2.algorithms.dacer.networks import Networks, make_networks
from mjx_dacer2.algorithms.dacer.policy import DiffusionPolicy, make_policy
from mjx_dacer2.algorithms.interface import (
    ActorCriticState,
    Transition,
    apply_gradients,
    apply_updates,
)
from mjx_dacer2.algorithms.mlp import NUM_CRITICS
from mjx_dacer2.config import Config


@flax.struct.dataclass
class DacerState(ActorCriticState):
    """The shared actor-critic state plus DSAC-T's running critic scale."""

    omega: jax.Array  # (2,) running mean sigma of each critic


# The actor loss's terms and the sizes of their gradients, reported by every update (zeros when
# skipped or absent: `lax.cond` branches agree).
LOSS_TERMS = ("actor_q_loss", "grad_field_loss", "actor_q_grad_norm", "grad_field_grad_norm")


@dataclass(frozen=True)
class DacerLearner:
    """DACER / DACER2 behind the `Learner` protocol (`mjx_dacer2.algorithms.interface`).
    Binds its part of a run's config, networks, policy and optimisers; methods are pure."""

    config: DacerSettings
    networks: Networks
    policy: DiffusionPolicy
    actor_metric_names = (*LOSS_TERMS, "actor_loss", "actor_grad_norm")

    @property
    def losses(self) -> Losses:
        return Losses(self.config, self.policy)

    @property
    def policy_optimizer(self):
        return optax.adam(self.config.learning.actor_lr)

    @property
    def critic_optimizer(self):
        return optax.adam(self.config.learning.critic_lr)

    @property
    def alpha_optimizer(self):
        return optax.adam(self.config.entropy.alpha_lr)

    def init(self, key: jax.Array) -> DacerState:
        key_policy, key_critic = jax.random.split(key)
        policy_params = self.networks.policy_init(key_policy)
        critic_params = self.networks.critic_init(key_critic)
        log_alpha = jnp.log(jnp.asarray(self.config.entropy.initial_alpha, jnp.float32))
        return DacerState(
            policy_params=policy_params,
            critic_params=critic_params,
            target_critic_params=critic_params,
            policy_opt_state=self.policy_optimizer.init(policy_params),
            critic_opt_state=self.critic_optimizer.init(critic_params),
            alpha_opt_state=self.alpha_optimizer.init(log_alpha),
            log_alpha=log_alpha,
            entropy=jnp.zeros((), jnp.float32),
            omega=jnp.zeros((NUM_CRITICS,), jnp.float32),
            num_updates=jnp.zeros((), jnp.int32),
        )

    def behaviour_action(self, state: DacerState, obs: jax.Array, key: jax.Array) -> jax.Array:
        """Behaviour actions: chain sample plus lambda*alpha exploration noise."""
        return self.policy.behaviour_chain(state.policy_params, obs, key, state.log_alpha).action

    def deterministic_action(self, policy_params: dict, obs: jax.Array) -> jax.Array:
        """Evaluation actions (see `DiffusionPolicy.deterministic`)."""
        return self.policy.deterministic_action(
            policy_params, obs, jax.random.key(self.config.diffusion.eval_noise_seed)
        )

    @staticmethod
    def policy_params(state: DacerState) -> dict:
        return state.policy_params

    def update(self, state: DacerState, batch: Transition, key: jax.Array):
        """One gradient update on a (B, ...) batch of normalised transitions."""
        c = self.config
        key_critic, key_actor, key_entropy = jax.random.split(key, 3)
        first = state.num_updates == 0

        critic_params, critic_opt_state, _, (omega, metrics), critic_gnorm = apply_gradients(
            self.critic_optimizer,
            self.losses.critic_loss,
            state.critic_params,
            state.critic_opt_state,
            state.target_critic_params,
            state.policy_params,
            state.log_alpha,
            state.omega,
            first,
            batch,
            key_critic,
        )
        metrics = dict(metrics, critic_grad_norm=critic_gnorm)
        state = state.replace(
            critic_params=critic_params, critic_opt_state=critic_opt_state, omega=omega
        )

        do_actor = state.num_updates % c.learning.policy_delay == 0
        state, actor_metrics = jax.lax.cond(
            do_actor, self._actor_and_targets, self._skip_actor, state, batch.obs, key_actor
        )
        do_entropy = state.num_updates % c.entropy_every_updates == 0
        state = jax.lax.cond(
            do_entropy, self._entropy_and_alpha, lambda s, *_: s, state, batch.obs, key_entropy
        )
        metrics.update(
            actor_metrics,
            alpha=jnp.exp(state.log_alpha),
            entropy=state.entropy,
            actor_updated=do_actor.astype(jnp.float32),
        )
        return state.replace(num_updates=state.num_updates + 1), metrics

    def _actor_and_targets(self, state: DacerState, obs: jax.Array, key: jax.Array):
        loss, grads, metrics = self.losses.actor_gradients(
            state.policy_params,
            state.critic_params,
            state.target_critic_params,
            state.log_alpha,
            obs,
            key,
        )
        params, opt_state = apply_updates(
            self.policy_optimizer, grads, state.policy_params, state.policy_opt_state
        )
        targets = optax.incremental_update(
            state.critic_params, state.target_critic_params, self.config.learning.tau
        )
        state = state.replace(
            policy_params=params, policy_opt_state=opt_state, target_critic_params=targets
        )
        metrics = {name: metrics.get(name, jnp.zeros(())) for name in LOSS_TERMS}
        return state, dict(metrics, actor_loss=loss, actor_grad_norm=optax.tree.norm(grads))

    def _skip_actor(self, state: DacerState, obs: jax.Array, key: jax.Array):
        return state, {name: jnp.zeros(()) for name in self.actor_metric_names}

    def _entropy_and_alpha(self, state: DacerState, obs: jax.Array, key: jax.Array):
        entropy = self.losses.policy_entropy(state.policy_params, state.log_alpha, obs, key)
        grad = jax.grad(self.losses.alpha_loss)(state.log_alpha, entropy)
        updates, opt_state = self.alpha_optimizer.update(grad, state.alpha_opt_state)
        return state.replace(
            log_alpha=optax.apply_updates(state.log_alpha, updates),
            alpha_opt_state=opt_state,
            entropy=entropy,
        )


def make_dacer_learner(config: Config, obs_size: int, action_size: int) -> DacerLearner:
    """DACER / DACER2 (`config.algo`; they differ only in their defaults) for these sizes."""
    config = config.resolved()
    networks = make_networks(
        obs_size,
        action_size,
        config.networks.policy_hidden,
        config.networks.critic_hidden,
        config.networks.time_embed_dim,
        config.networks.activation,
    )
    policy = make_policy(
        networks,
        config.diffusion.diffusion_steps,
        config.diffusion.beta_min,
        config.diffusion.beta_max,
        config.diffusion.exploration_noise_scale,
        config.diffusion.clip_denoised,
        config.diffusion.eval_chain_noise,
        config.diffusion.chain_noise_scale,
        config.diffusion.eval_chain_samples,
    )
    return DacerLearner(config=DacerSettings.of(config), networks=networks, policy=policy)
