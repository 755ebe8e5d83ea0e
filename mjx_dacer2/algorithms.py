"""Algorithm registry: `make_learner(config, env)` builds the learner named by `config.algo`.

A learner implements the interface documented on `mjx_dacer2.agent.Learner` (init, explore,
deterministic, policy_params, update, actor_metric_names); the fused loop, evaluation and
checkpoints only use that interface.
"""

from __future__ import annotations

from envs import Env
from mjx_dacer2.agent import Learner
from mjx_dacer2.config import Config
from mjx_dacer2.networks import make_networks
from mjx_dacer2.policy import make_policy

DIFFUSION_ALGOS = ("dacer2", "dacer")


def make_diffusion_learner(config: Config, env: Env) -> Learner:
    networks = make_networks(
        env.obs_size,
        env.action_size,
        config.policy_hidden,
        config.critic_hidden,
        config.time_embed_dim,
    )
    policy = make_policy(
        networks,
        config.num_diffusion_steps,
        config.beta_min,
        config.beta_max,
        config.exploration_noise_scale,
        config.clip_denoised,
        config.eval_chain_noise,
    )
    return Learner(config=config, networks=networks, policy=policy)


def make_learner(config: Config, env: Env):
    """The learner of `config.algo` for `env`'s observation and action sizes."""
    if config.algo in DIFFUSION_ALGOS:
        return make_diffusion_learner(config, env)
    if config.algo == "sac":
        from mjx_dacer2.sac import make_sac_learner

        return make_sac_learner(config, env)
    raise ValueError(f"unknown algo '{config.algo}'")
