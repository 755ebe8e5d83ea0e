"""Per-env presets: named overrides of the `Config` defaults, and `preset(env)`."""

from __future__ import annotations

from mjx_dacer2.config.schema import Config

# Cadences are in env steps (docs/algorithm.md, section 5), so they keep their meaning when a
# preset's num_envs or updates per iteration change. The 32-env CPU tasks: alpha steps every
# 8,000 env steps (1,000 updates at U=4), an evaluation every 250-iteration chunk, a checkpoint
# every 5 chunks.
SMALL_TASK_CADENCES = dict(
    entropy_every_env_steps=8_000, eval_every_env_steps=8_000, save_every_env_steps=40_000
)
# A GPU run alpha-steps as often per run as DACER did in its whole run (1.5M updates / 10,000).
ALPHA_STEPS_PER_RUN = 150

# Per-env presets: only what differs from the defaults (ALGORITHM.md sections 1-2, adapted to
# many parallel envs). CPU-sized where the task is cheap enough to learn on a laptop.
ENV_PRESETS: dict[str, dict] = {
    # The quick-start task, sized to be solved on a 2-core CPU in a few minutes: the protocol of
    # the learning ablations (benchmarks/learning_ablations.sh), i.e. 2x128 networks, lr 3e-4,
    # batch 128 and 8 updates per 16-env step instead of the paper's 3x256, 1e-4, 256 and 1/20.
    "inverted_pendulum": dict(
        total_env_steps=20_000,
        num_envs=16,
        updates_per_iteration=8,
        batch_size=128,
        warmup_steps=1_024,
        iterations_per_chunk=125,
        policy_hidden=(128, 128),
        critic_hidden=(128, 128),
        actor_lr=3e-4,
        critic_lr=3e-4,
        normalize_observations=True,
        entropy_every_env_steps=500,  # 250 updates
        eval_every_env_steps=2_000,  # every chunk
        save_every_env_steps=10_000,
        entropy_num_states=32,
    ),
    "inverted_double_pendulum": dict(
        total_env_steps=200_000,
        num_envs=32,
        updates_per_iteration=4,
        warmup_steps=10_000,
        **SMALL_TASK_CADENCES,
    ),
    "reacher": dict(
        total_env_steps=200_000, num_envs=32, warmup_steps=10_000, **SMALL_TASK_CADENCES
    ),
    "multigoal": dict(
        total_env_steps=100_000,
        num_envs=32,
        warmup_steps=5_000,
        **SMALL_TASK_CADENCES,
    ),
    "corridor": dict(  # MultiGoal's 1-D sibling (two goals)
        total_env_steps=100_000,
        num_envs=32,
        warmup_steps=5_000,
        **SMALL_TASK_CADENCES,
    ),
    "hopper": dict(total_env_steps=3_000_000, num_envs=1024, warmup_steps=30_000),
    "walker2d": dict(total_env_steps=5_000_000, num_envs=1024, warmup_steps=30_000),
    "swimmer": dict(total_env_steps=3_000_000, num_envs=1024, warmup_steps=30_000),
    "pusher": dict(total_env_steps=3_000_000, num_envs=1024, warmup_steps=30_000),
    "ant": dict(total_env_steps=10_000_000, num_envs=2048, warmup_steps=30_000),
    "halfcheetah": dict(
        total_env_steps=10_000_000,
        num_envs=2048,
        warmup_steps=200_000,
        exploration_noise_scale=0.15,
    ),
    "humanoid": dict(
        total_env_steps=20_000_000,
        num_envs=2048,
        warmup_steps=200_000,
        exploration_noise_scale=0.15,
        policy_hidden=(512, 512, 512),
        critic_hidden=(512, 512, 512),
        normalize_observations=True,
    ),
}
for _preset in ENV_PRESETS.values():  # large-env presets: a chunk is a few seconds on a GPU
    if _preset.get("num_envs", 0) >= 1024:
        _preset.setdefault("iterations_per_chunk", 50)
        _preset.setdefault("updates_per_iteration", 16)
        _preset.setdefault("eval_every_env_steps", 500_000)
        _preset.setdefault("save_every_env_steps", 2_000_000)
        _preset.setdefault(
            "entropy_every_env_steps", _preset["total_env_steps"] // ALPHA_STEPS_PER_RUN
        )
        _preset.setdefault("num_eval_envs", 128)


def preset(env: str) -> Config:
    """The default config of an env: Config() with that env's preset applied."""
    return Config(env=env).replace(**ENV_PRESETS.get(env, {}))
