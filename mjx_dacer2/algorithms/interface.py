"""What every algorithm gives the training loop, and what it gets from it.

- `Transition`: one step of experience, the unit of the replay buffer and of every update batch;
- `ActorCriticState`: the state fields every learner here shares (an algorithm may extend it);
- `Learner`: the protocol the fused loop, the evaluator, checkpoints and exported policies use,
  and nothing else; a new algorithm implements it and registers in `mjx_dacer2.algorithms`;
- `apply_gradients`: differentiate a loss and take one optimiser step (`apply_updates`: the step
  alone, for gradients computed another way).
"""

from __future__ import annotations

from typing import Any, Protocol

import flax.struct
import jax
import optax


@flax.struct.dataclass
class Transition:
    """One step of experience; every field has a leading batch shape."""

    obs: jax.Array  # (..., o)
    action: jax.Array  # (..., d) in [-1, 1]
    reward: jax.Array  # (...,)
    next_obs: jax.Array  # (..., o) the final observation on episode ends
    terminated: jax.Array  # (...,) float 1.0 where the MDP ended (truncation is 0: bootstrap)


@flax.struct.dataclass
class ActorCriticState:
    """Params, targets, optimiser states and temperature of an off-policy actor-critic."""

    policy_params: dict
    critic_params: dict  # stacked over the 2 critics
    target_critic_params: dict
    policy_opt_state: optax.OptState
    critic_opt_state: optax.OptState
    alpha_opt_state: optax.OptState
    log_alpha: jax.Array  # scalar
    entropy: jax.Array  # scalar, the latest policy entropy estimate
    num_updates: jax.Array  # int32 gradient updates done (identical across vmapped seeds)


class Learner(Protocol):
    """One algorithm, bound to a run's config and sizes. Every method is pure and jittable.

    Actions are in [-1, 1]^d; observations are already normalised (`mjx_dacer2.training.
    inference` is the one place that normalises, then calls these).
    """

    # Metrics of `update` averaged over actor updates only; `update` reports `actor_updated`
    # (0/1) so the loop can count them.
    actor_metric_names: tuple[str, ...]

    def init(self, key: jax.Array) -> Any:
        """The learner's whole state (an `ActorCriticState` or an extension of it)."""
        ...

    def behaviour_action(self, state: Any, obs: jax.Array, key: jax.Array) -> jax.Array:
        """Exploration actions (B, d) for obs (B, o): what the loop sends to the envs."""
        ...

    def deterministic_action(self, policy_params: Any, obs: jax.Array) -> jax.Array:
        """Evaluation actions (B, d): a fixed function of the observation."""
        ...

    def policy_params(self, state: Any) -> Any:
        """The part of the state `deterministic_action` needs (what a policy export keeps)."""
        ...

    def update(self, state: Any, batch: Transition, key: jax.Array) -> tuple[Any, dict]:
        """One gradient update on a (B, ...) batch; metrics are scalars of a fixed structure."""
        ...


def apply_gradients(optimizer, loss_fn, params, opt_state, *args):
    """Differentiate `loss_fn(params, *args) -> (loss, aux)` and take one optimiser step.

    Returns (params, opt_state, loss, aux, gradient norm)."""
    (loss, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, *args)
    params, opt_state = apply_updates(optimizer, grads, params, opt_state)
    return params, opt_state, loss, aux, optax.tree.norm(grads)


def apply_updates(optimizer, grads, params, opt_state):
    """One optimiser step with these gradients; returns (params, opt_state)."""
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state
