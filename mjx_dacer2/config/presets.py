"""Per-env presets: named overrides of the `Config` defaults, and `preset(env, size)`."""

from __future__ import annotations

from mjx_dacer2.config.schema import Config, ConfigError

# Cadences are in env steps (docs/algorithm.md, section 5), so they keep their meaning when a
# preset's num_envs or updates per iteration change. The 32-env CPU tasks: alpha steps every
# 8,000 env steps (1,000 updates at U=4), an evaluation every 250-iteration chunk, a checkpoint
# every 5 chunks.
SMALL_TASK_CADENCES = dict(
    entropy_every_env_steps=8_000, eval_every_env_steps=8_000, save_every_env_steps=40_000
)
# The GPU presets (locomotion): 1024 envs, 16 updates of batch 4096 per iteration (1/64 update
# per env step, 64 samples per env step), lr 3e-4. Rounds 9-10 of the learning log: at equal
# samples per env step, fewer updates on larger batches learn far slower, and scaling the lr
# with the batch recovers only part of it; so the GPU presets keep updates per env step at
# FastTD3's ratio (2 per 128 envs) and use the larger batch a GPU affords on top.
# (docs/algorithm.md section 5; unmeasured on a GPU: benchmarks/gpu.sh.)
GPU_LOOP = dict(
    num_envs=1024,
    updates_per_iteration=16,
    batch_size=4096,
    actor_lr=3e-4,
    critic_lr=3e-4,
    iterations_per_chunk=50,
    eval_every_env_steps=500_000,
    save_every_env_steps=2_000_000,
    num_eval_envs=128,
)
# A GPU run alpha-steps as often per run as DACER did in its whole run (1.5M updates / 10,000).
ALPHA_STEPS_PER_RUN = 150


def _gpu(total_env_steps: int, warmup_steps: int, **extra) -> dict:
    """A GPU preset: GPU_LOOP, the run's length and warm-up, its entropy cadence, DACER2's
    anchored L_g target (multi-dimensional tasks: the field target kept halfcheetah's chain
    near uniform, round L1 of the learning log; the pendulum learns only with the field
    target, round 33), extras."""
    return dict(
        GPU_LOOP,
        total_env_steps=total_env_steps,
        warmup_steps=warmup_steps,
        entropy_every_env_steps=total_env_steps // ALPHA_STEPS_PER_RUN,
        grad_target_form="anchored",
        **extra,
    )


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
    "hopper": _gpu(3_000_000, 30_000),
    "walker2d": _gpu(5_000_000, 30_000),
    "swimmer": _gpu(3_000_000, 30_000),
    "pusher": _gpu(3_000_000, 30_000),
    # Ant at reward scale 1 (every algorithm): DACER2 1.7x its 0.2 score, higher in every seed
    # (round L9); walker2d keeps 0.2 (round L6).
    "ant": _gpu(10_000_000, 30_000, reward_scale=1.0),
    "halfcheetah": _gpu(10_000_000, 200_000, exploration_noise_scale=0.15),
    "humanoid": _gpu(
        20_000_000,
        200_000,
        exploration_noise_scale=0.15,
        policy_hidden=(512, 512, 512),
        critic_hidden=(512, 512, 512),
        normalize_observations=True,
    ),
}


# `--size cpu`: the locomotion tasks at a size a 2-core CPU learns in an hour or two (the
# protocol of benchmarks/locomotion.sh, docs/learning-log.md rounds L1-): 32 envs, one update
# per 4 env steps (U=8), batch 256, 2x256 networks, lr 3e-4, observation normalisation, a 5k
# uniform warm-up, an alpha step every 2,000 env steps, 8 evaluation episodes every 8k.
CPU_LOCOMOTION = dict(
    total_env_steps=200_000,
    num_envs=32,
    updates_per_iteration=8,
    batch_size=256,
    warmup_steps=5_000,
    iterations_per_chunk=125,
    policy_hidden=(256, 256),
    critic_hidden=(256, 256),
    actor_lr=3e-4,
    critic_lr=3e-4,
    normalize_observations=True,
    entropy_every_env_steps=2_000,
    entropy_num_states=32,
    eval_every_env_steps=8_000,
    save_every_env_steps=40_000,
    num_eval_envs=8,
)
# Per task over CPU_LOCOMOTION: hopper makes 2 updates per 4 env steps (U=16). Round L17 of the
# learning log: at U=16 SAC 1893 against 777 at U=8, DACER2 T=5 1188 against 575, higher in every
# seed. The other locomotion tasks keep U=8: none was measured at U=16.
CPU_LOCOMOTION_BY_ENV: dict[str, dict] = {"hopper": dict(updates_per_iteration=16)}
LOCOMOTION = ("hopper", "walker2d", "swimmer", "ant", "halfcheetah", "humanoid")
SIZES = ("gpu", "cpu")  # `--size`: gpu is each task's own preset


def preset(env: str, size: str = "gpu") -> Config:
    """The default config of an env: Config() with that env's preset applied, and for
    `size="cpu"` a locomotion task's CPU-sized loop (`CPU_LOCOMOTION`, then the task's own
    `CPU_LOCOMOTION_BY_ENV`) over it."""
    config = Config(env=env).replace(**ENV_PRESETS.get(env, {}))
    if size == "gpu":
        return config
    if size != "cpu":
        raise ConfigError(f"unknown --size '{size}': choose one of {', '.join(SIZES)}")
    if env not in LOCOMOTION:
        raise ConfigError(
            f"--size cpu is for the locomotion tasks ({', '.join(LOCOMOTION)}); "
            f"{env}'s own preset is already sized for a CPU: drop --size"
        )
    return config.replace(**{**CPU_LOCOMOTION, **CPU_LOCOMOTION_BY_ENV.get(env, {})})
