"""The `Config` dataclass: every setting of a run, one docstring per field (the CLI help).

Every constant of docs/algorithm.md is a field here; derived values are properties.
"""

from __future__ import annotations

import dataclasses
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
