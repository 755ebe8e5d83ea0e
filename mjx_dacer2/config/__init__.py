"""The run configuration: one frozen, typed dataclass, per-env and per-algo presets, validation.

Every constant of ALGORITHM.md is a field here. Presets are named overrides; derived values are
properties. `validate` raises `ConfigError` (a one-line message) before anything is compiled.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Literal, get_args

Algo = Literal["dacer2", "dacer", "sac"]
ALGOS: tuple[str, ...] = get_args(Algo)  # the one list of algorithm names
GradTargetSource = Literal["chain", "forward_noised"]
GradTargetQ = Literal["min", "mean_normalized", "target_min"]
CriticLoss = Literal["dsac_t", "mse"]
EntropyActions = Literal["clipped", "unclipped"]
EvalChainNoise = Literal["observation_hash", "zero"]
TimeWeight = Literal["exp", "constant", "normalized_exp"]


class ConfigError(ValueError):
    """A bad setting, named in one line with what to do about it."""


@dataclass(frozen=True)
class Config:
    """Everything a training run needs. Field docstrings are the CLI help."""

    # --- run ---
    env: str = "inverted_pendulum"
    """Environment name (see `envs.names()`)."""
    algo: Algo = "dacer2"
    """Algorithm preset: dacer2 (T=5, Q-gradient loss on), dacer (T=20, Q-gradient loss off) or
    sac (tanh-Gaussian baseline, see mjx_dacer2.algorithms.sac.learner)."""
    seed: int = 0
    """PRNG seed of the whole run."""
    total_env_steps: int = 60_000
    """Stop after this many environment transitions (summed over the parallel envs)."""
    run_dir: str | None = None
    """Directory for config.json, metrics.jsonl, TensorBoard events and checkpoints; None makes
    a fresh runs/ENV-ALGO-sSEED-TIMESTAMP."""

    # --- parallelism and the fused loop ---
    num_envs: int = 16
    """Parallel environments stepped per iteration."""
    updates_per_iteration: int = 4
    """Gradient updates U per iteration (update-to-data ratio = U / num_envs)."""
    iterations_per_chunk: int = 250
    """Iterations fused in one jitted `lax.scan`; the host logs only between chunks."""
    warmup_steps: int = 5_000
    """Transitions collected with uniform random actions before learning starts."""
    buffer_size: int = 1_000_000
    """Replay buffer capacity (transitions); clipped to total_env_steps."""
    batch_size: int = 256
    """Minibatch size of each gradient update."""
    episode_length: int | None = None
    """Time limit of an episode (truncation, bootstrapped through); None keeps the env's own."""
    normalize_observations: bool = False
    """Normalise observations with running mean/std (stats live in the train state)."""

    # --- diffusion policy ---
    diffusion_steps: int | None = None
    """T, the number of denoising steps; None takes the algo's default (dacer2: 5, dacer: 20)."""
    beta_min: float = 0.1
    """VP schedule b_min."""
    beta_max: float = 10.0
    """VP schedule b_max."""
    policy_hidden: tuple[int, ...] = (256, 256, 256)
    """Hidden widths of the noise-prediction network (Humanoid: 512s)."""
    time_embed_dim: int = 16
    """Sinusoidal time-embedding size."""
    exploration_noise_scale: float = 0.1
    """lambda: exploration noise is lambda*alpha*N(0, I) (0.15 for Humanoid and HalfCheetah)."""
    eval_noise_seed: int = 0
    """Deterministic policy with observation_hash: the base key the per-state keys fold into."""
    eval_chain_noise: EvalChainNoise = "zero"
    """Deterministic policy's chain noise: zero (x_T = 0, z = 0: the noise-free path through the
    denoiser; see docs/algorithm.md) or observation_hash (DACER: a fixed sample per state)."""
    clip_denoised: bool = True
    """Clip every x0 estimate of the chain to [-1, 1] (DACER); off: only the final action is
    clipped, so saturated estimates still pass gradients."""

    # --- critic ---
    critic_hidden: tuple[int, ...] = (256, 256, 256)
    """Hidden widths of each distributional critic."""
    gamma: float = 0.99
    """Discount factor."""
    reward_scale: float = 0.2
    """Rewards are multiplied by this in the critic target."""
    tau: float = 0.005
    """Polyak rate of the target critics and of the running sigma statistic omega."""
    critic_loss: CriticLoss = "dsac_t"
    """dsac_t (DACER's distributional loss) or mse (twin mean heads regressed on the clipped
    double-Q target y, as TD3/SAC without the entropy term)."""
    critic_loss_epsilon: float = 0.1
    """eps in the DSAC-T critic loss."""
    target_noise_clip: float = 3.0
    """Clip of z in q' = mu' + sigma'*clip(z) and of the TD error in units of omega."""

    # --- optimisation ---
    actor_lr: float = 1e-4
    """Adam learning rate of the policy."""
    critic_lr: float = 1e-4
    """Adam learning rate of the critics."""
    policy_delay: int = 2
    """Policy and target updates every this many gradient updates."""

    # --- entropy regulator ---
    alpha_lr: float = 3e-2
    """Adam learning rate of log_alpha (one step per entropy estimate)."""
    initial_alpha: float = 3.0
    """alpha at the start (log_alpha = log of this)."""
    target_entropy_per_dim: float = -0.9
    """Target entropy = this * action dimension."""
    entropy_every: int = 10_000
    """Estimate entropy and step log_alpha every this many gradient updates (and at the first)."""
    entropy_num_states: int = 256
    """States (from the batch) used for the entropy estimate."""
    entropy_num_actions: int = 200
    """Actions drawn per state for the entropy estimate."""
    entropy_actions: EntropyActions = "clipped"
    """Actions the mixture is fitted to: the behaviour actions as sent (clipped: DACER), or
    before the final clip to [-1, 1] (unclipped: no point masses at the bounds)."""
    entropy_num_components: int = 3
    """Gaussian-mixture components of the entropy estimate."""
    entropy_em_iters: int = 30
    """EM iterations of the pure-JAX mixture fit."""

    # --- DACER2 additions (reconstructed choices are switchable) ---
    grad_loss_weight: float | None = None
    """eta, weight of the Q-gradient loss L_g; None: the algo's default (dacer2: 1, dacer: 0)."""
    grad_target_source: GradTargetSource = "forward_noised"
    """Where L_g's actions a_t come from: forward_noised (sg(a_0) noised to one t ~ U{1..T} per
    sample; chosen by ablation, docs/algorithm.md) or chain (the chain's own intermediates, at
    every t)."""
    grad_target_q: GradTargetQ = "min"
    """Which Q gives the gradient: min of the online mean heads, mean of their normalised gradients,
    or min of the target critics."""
    time_weight: TimeWeight = "exp"
    """w(t): exp(c*t + d), constant 1, or exp(c*5*t/T + d) (normalised t: same range for all T)."""
    time_weight_c: float = 0.4
    """c in w(t) = exp(c*t + d)."""
    time_weight_d: float = -1.8
    """d in w(t) = exp(c*t + d)."""

    # --- SAC baseline (algo sac only) ---
    sac_initial_alpha: float = 1.0
    """SAC temperature at the start."""
    sac_alpha_lr: float = 3e-4
    """Adam learning rate of SAC's log temperature (one step per policy update)."""
    sac_target_entropy_per_dim: float = -1.0
    """SAC target entropy = this * action dimension (the standard -d)."""
    sac_log_std_min: float = -5.0
    """Lower bound of the SAC policy's log std (squashed with tanh into [min, max])."""
    sac_log_std_max: float = 2.0
    """Upper bound of the SAC policy's log std."""

    # --- evaluation and logging ---
    eval_every_chunks: int = 1
    """Evaluate the deterministic policy after every this many chunks (0: only at the end)."""
    num_eval_envs: int = 16
    """Parallel evaluation episodes."""
    matmul_precision: Literal["highest", "high", "default"] = "highest"
    """float32 matmul precision; 'highest' keeps TF32 off on GPUs (it has broken RL training)."""
    progress: bool = True
    """Show a progress bar."""

    # --- checkpoints (see mjx_dacer2.storage.checkpoint) ---
    save_every_chunks: int = 5
    """Checkpoint the whole train state every this many chunks (0: only at the end and when
    stopped by SIGINT/SIGTERM); saves are asynchronous."""
    keep_checkpoints: int = 2
    """Newest checkpoints kept on disk."""
    keep_best_checkpoint: bool = True
    """Also keep the checkpoint with the best eval return."""

    extra: dict[str, str] = field(default_factory=dict)
    """Free-form tags stored with the run (not used by training)."""

    # --- derived values ---
    @property
    def num_diffusion_steps(self) -> int:
        if self.diffusion_steps is not None:
            return self.diffusion_steps
        return 5 if self.algo == "dacer2" else 20

    @property
    def eta(self) -> float:
        if self.grad_loss_weight is not None:
            return self.grad_loss_weight
        return 1.0 if self.algo == "dacer2" else 0.0

    @property
    def env_steps_per_chunk(self) -> int:
        return self.num_envs * self.iterations_per_chunk

    @property
    def num_chunks(self) -> int:
        return -(-self.total_env_steps // self.env_steps_per_chunk)

    @property
    def algo_label(self) -> str:
        """e.g. 'dacer2 T=5' (diffusion algos) or 'sac'."""
        return f"{self.algo} T={self.num_diffusion_steps}" if self.algo != "sac" else self.algo

    @property
    def learning_starts(self) -> int:
        """Env steps before the first update: the warm-up, and at least one batch in the buffer."""
        return max(self.warmup_steps, self.batch_size)

    @property
    def replay_capacity(self) -> int:
        return min(self.buffer_size, self.num_chunks * self.env_steps_per_chunk)

    def replace(self, **changes) -> Config:
        return dataclasses.replace(self, **changes)


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
        entropy_every=250,
        entropy_num_states=32,
    ),
    "inverted_double_pendulum": dict(
        total_env_steps=200_000,
        num_envs=32,
        updates_per_iteration=4,
        warmup_steps=10_000,
        entropy_every=1_000,
    ),
    "reacher": dict(total_env_steps=200_000, num_envs=32, warmup_steps=10_000, entropy_every=1_000),
    "multigoal": dict(
        total_env_steps=100_000,
        num_envs=32,
        warmup_steps=5_000,
        entropy_every=1_000,
    ),
    "corridor": dict(  # MultiGoal's 1-D sibling (two goals)
        total_env_steps=100_000,
        num_envs=32,
        warmup_steps=5_000,
        entropy_every=1_000,
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
        _preset.setdefault("eval_every_chunks", 10)
        _preset.setdefault("num_eval_envs", 128)


def preset(env: str) -> Config:
    """The default config of an env: Config() with that env's preset applied."""
    return Config(env=env).replace(**ENV_PRESETS.get(env, {}))


def changed_fields(config: Config, base: Config) -> dict:
    """Fields of `config` that differ from `base` (used to layer CLI flags over a preset)."""
    return {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(Config)
        if getattr(config, f.name) != getattr(base, f.name)
    }


def validate(config: Config, env_names: tuple[str, ...]) -> None:
    """Raise ConfigError with a one-line message for any setting that cannot run."""
    c = config
    if c.env not in env_names:
        raise ConfigError(f"unknown env '{c.env}': choose one of {', '.join(sorted(env_names))}")
    if c.algo not in ALGOS:
        raise ConfigError(f"unknown algo '{c.algo}': choose one of {', '.join(ALGOS)}")
    for name, allowed in _choice_fields().items():  # e.g. a typo in a sweep variant word
        if getattr(c, name) not in allowed:
            raise ConfigError(
                f"{name.replace('_', '-')} '{getattr(c, name)}' is not a choice: "
                f"use one of {', '.join(map(str, allowed))}"
            )
    positive = dict(
        num_envs=c.num_envs,
        batch_size=c.batch_size,
        buffer_size=c.buffer_size,
        total_env_steps=c.total_env_steps,
        iterations_per_chunk=c.iterations_per_chunk,
        num_eval_envs=c.num_eval_envs,
        policy_delay=c.policy_delay,
        entropy_every=c.entropy_every,
        entropy_num_actions=c.entropy_num_actions,
        entropy_num_states=c.entropy_num_states,
    )
    for name, value in positive.items():
        if value < 1:
            raise ConfigError(f"{name.replace('_', '-')} must be >= 1, got {value}")
    if c.episode_length is not None and c.episode_length < 1:
        raise ConfigError(f"episode-length must be >= 1, got {c.episode_length}")
    if c.num_diffusion_steps < 1:
        raise ConfigError(f"diffusion-steps (T) must be >= 1, got {c.num_diffusion_steps}")
    if c.updates_per_iteration < 0:
        raise ConfigError(f"updates-per-iteration must be >= 0, got {c.updates_per_iteration}")
    if c.warmup_steps < 0:
        raise ConfigError(f"warmup-steps must be >= 0, got {c.warmup_steps}")
    if c.warmup_steps >= c.total_env_steps:
        raise ConfigError(
            f"warmup-steps ({c.warmup_steps}) must be below total-env-steps "
            f"({c.total_env_steps}): the run would never learn; lower warmup or run longer"
        )
    if c.replay_capacity < c.batch_size:
        raise ConfigError(
            f"batch-size ({c.batch_size}) is larger than the replay buffer ({c.replay_capacity})"
        )
    if c.replay_capacity < c.num_envs:
        raise ConfigError(
            f"buffer-size ({c.replay_capacity}) is smaller than one iteration's "
            f"{c.num_envs} transitions: raise buffer-size"
        )
    if c.entropy_num_states > c.batch_size:
        raise ConfigError(
            f"entropy-num-states ({c.entropy_num_states}) must be <= batch-size ({c.batch_size})"
        )
    if not 0.0 <= c.gamma < 1.0:
        raise ConfigError(f"gamma must be in [0, 1), got {c.gamma}")
    if not 0.0 < c.tau <= 1.0:
        raise ConfigError(f"tau must be in (0, 1], got {c.tau}")
    if c.initial_alpha <= 0:
        raise ConfigError(f"initial-alpha must be > 0, got {c.initial_alpha}")
    if c.sac_initial_alpha <= 0 or c.sac_log_std_min >= c.sac_log_std_max:
        raise ConfigError("sac-initial-alpha must be > 0 and sac-log-std-min < sac-log-std-max")
    if c.eta < 0:
        raise ConfigError(f"grad-loss-weight (eta) must be >= 0, got {c.eta}")
    if c.save_every_chunks < 0:
        raise ConfigError(f"save-every-chunks must be >= 0, got {c.save_every_chunks}")
    if c.keep_checkpoints < 1:
        raise ConfigError(f"keep-checkpoints must be >= 1, got {c.keep_checkpoints}")


def _choice_fields() -> dict[str, tuple]:
    """Config fields typed as a `Literal`, with their allowed values."""
    hints = typing.get_type_hints(Config)
    return {
        name: typing.get_args(hint)
        for name, hint in hints.items()
        if typing.get_origin(hint) is Literal
    }
