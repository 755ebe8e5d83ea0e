"""The `Config` of a run: a few run-level fields and one frozen dataclass per concern (the
loop, networks, learning rates, the diffusion policy, DACER's critic and entropy regulator,
DACER2's Q-gradient loss, SAC, evaluation, checkpoints). Every constant of docs/algorithm.md is
a field; its docstring is the CLI help. Field names are unique across sections, so flags stay
flat (`--num-envs`, not `--loop.num-envs`) and `Config.replace(num_envs=8)` routes a flat name
to its section. Each component takes only the sections it needs.

`ALGO_PRESETS` are the algorithms' own defaults (T and eta); a field left at None takes its
algo's value in `resolved()`, which the driver applies once before training.
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
GradTargetNorm = Literal["unit", "batch_mean"]
GradTargetForm = Literal["field", "anchored"]
QLossScale = Literal["raw", "grad_norm"]
CriticLoss = Literal["dsac_t", "mse"]
EntropyActions = Literal["clipped", "unclipped"]
EvalChainNoise = Literal["observation_hash", "sample_mean", "zero"]
TimeWeight = Literal["exp", "constant", "normalized_exp"]
Activation = Literal["mish", "relu"]


class ConfigError(ValueError):
    """A bad setting, named in one line with what to do about it."""


class Section:
    """A config section: a frozen dataclass with `replace`."""

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class LoopConfig(Section):
    """The fused loop: parallel envs, updates per iteration, replay and batches."""

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


@dataclass(frozen=True)
class NetworkConfig(Section):
    """Network sizes (every algorithm)."""

    policy_hidden: tuple[int, ...] = (256, 256, 256)
    """Hidden widths of the noise-prediction network (Humanoid: 512s)."""
    critic_hidden: tuple[int, ...] = (256, 256, 256)
    """Hidden widths of each distributional critic."""
    time_embed_dim: int = 16
    """Sinusoidal time-embedding size."""
    activation: Activation = "mish"
    """Hidden-layer activation of every network: mish (DACER) or relu (Brax's SAC; about a
    third cheaper per update on a CPU)."""


@dataclass(frozen=True)
class LearningConfig(Section):
    """What every actor-critic here shares: discount, reward scale, rates, delays."""

    gamma: float = 0.99
    """Discount factor."""
    reward_scale: float = 0.2
    """Rewards are multiplied by this in the critic target."""
    tau: float = 0.005
    """Polyak rate of the target critics and of the running sigma statistic omega."""
    actor_lr: float = 1e-4
    """Adam learning rate of the policy."""
    critic_lr: float = 1e-4
    """Adam learning rate of the critics."""
    policy_delay: int = 2
    """Policy and target updates every this many gradient updates."""


@dataclass(frozen=True)
class DiffusionConfig(Section):
    """The diffusion policy (dacer2, dacer): chain, exploration, deterministic policy."""

    diffusion_steps: int | None = None
    """T, the number of denoising steps; None takes the algo's default (dacer2: 5, dacer: 20)."""
    beta_min: float = 0.1
    """VP schedule b_min."""
    beta_max: float = 10.0
    """VP schedule b_max."""
    exploration_noise_scale: float = 0.1
    """lambda: exploration noise is lambda*alpha*N(0, I) (0.15 for Humanoid and HalfCheetah)."""
    eval_noise_seed: int = 0
    """Deterministic policy with observation_hash: the base key the per-state keys fold into."""
    eval_chain_noise: EvalChainNoise = "zero"
    """Deterministic policy's chain noise: zero (x_T = 0, z = 0: the noise-free path through the
    denoiser; see docs/algorithm.md), sample_mean (the mean of `eval_chain_samples` chain samples
    drawn with per-state keys) or observation_hash (DACER: one fixed sample per state)."""
    eval_chain_samples: int = 16
    """Chain samples averaged per state by the sample_mean deterministic policy."""
    clip_denoised: bool = True
    """Clip every x0 estimate of the chain to [-1, 1] (DACER); off: only the final action is
    clipped, so saturated estimates still pass gradients."""
    chain_noise_scale: float = 1.0
    """Temperature of the behaviour chain: x_T and every step's z are drawn from N(0, s^2 I)
    (1: DACER's full-noise DDPM sampler; 0: the noise-free path the evaluation takes)."""


@dataclass(frozen=True)
class CriticConfig(Section):
    """DACER's distributional (DSAC-T) critic."""

    critic_loss: CriticLoss = "dsac_t"
    """dsac_t (DACER's distributional loss) or mse (twin mean heads regressed on the clipped
    double-Q target y, as TD3/SAC without the entropy term)."""
    critic_loss_epsilon: float = 0.1
    """eps in the DSAC-T critic loss."""
    target_noise_clip: float = 3.0
    """Clip of z in q' = mu' + sigma'*clip(z) and of the TD error in units of omega."""


@dataclass(frozen=True)
class EntropyConfig(Section):
    """DACER's entropy regulator: the mixture fit and the alpha step."""

    alpha_lr: float = 3e-2
    """Adam learning rate of log_alpha (one step per entropy estimate)."""
    initial_alpha: float = 3.0
    """alpha at the start (log_alpha = log of this)."""
    target_entropy_per_dim: float = -0.9
    """Target entropy = this * action dimension."""
    entropy_every_env_steps: int = 200_000
    """Estimate entropy and step log_alpha once per this many env steps (and at the first
    update); counted in gradient updates at the run's update-to-data ratio, see
    `Config.entropy_every_updates`."""
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


@dataclass(frozen=True)
class GradLossConfig(Section):
    """DACER2's Q-gradient-field loss L_g (reconstructed choices are switchable)."""

    grad_loss_weight: float | None = None
    """eta, weight of the Q-gradient loss L_g; None: the algo's default (dacer2: 0.1, except
    1 on inverted_pendulum and corridor, 3 on inverted_double_pendulum, 0.01 on multigoal;
    dacer: 0). The paper's values are 1 and 0.01 (per group of tasks)."""
    grad_target_source: GradTargetSource = "forward_noised"
    """Where L_g's actions a_t come from: forward_noised (sg(a_0) noised to one t ~ U{1..T} per
    sample; chosen by ablation, docs/algorithm.md) or chain (the chain's own intermediates, at
    every t)."""
    grad_target_form: GradTargetForm = "field"
    """L_g's target for eps_theta(s, a_t, t-1): field (-w(t)*ghat alone: the reconstruction; in
    d dimensions it competes with denoising, whose noise has norm ~sqrt(d): on halfcheetah the
    chain stayed near uniform) or anchored (eps_t - w(t)*ghat, eps_t the noise that carries the
    chain's own denoised action x_0 to a_t: a denoising term on the policy's own samples,
    shifted up the Q gradient; with forward_noised, a_t is noised from x_0). The locomotion
    presets use anchored, the pendulums and goal tasks field (learning log, rounds L1 and 33)."""
    grad_target_q: GradTargetQ = "min"
    """Which Q gives the gradient: min of the online mean heads, mean of their normalised gradients,
    or min of the target critics."""
    grad_target_norm: GradTargetNorm = "unit"
    """How the Q gradient is scaled in L_g's target: unit (each sample's to norm 1) or
    batch_mean (divided by the batch's mean norm: keeps relative sizes, so the target shrinks
    where Q is flat)."""
    q_loss_scale: QLossScale = "raw"
    """Scale of the actor's Q term L_q: raw (-mean Q, DACER's) or grad_norm (divided by
    sg(mean ||grad_a min Q||) at the chain's actions: L_q then pushes each action about as hard
    as L_g's unit target, whatever the size of Q, so eta keeps its meaning as Q grows)."""
    time_weight: TimeWeight = "normalized_exp"
    """w(t): exp(c*5*t/T + d) (normalised t: T=5's range 0.25-1.22 at any T; the same as exp at
    T=5), exp(c*t + d) (the reconstruction's, 493 at t=20: DACER2 at T=20 collapsed with it,
    learning log rounds 24-27), or constant 1."""
    time_weight_c: float = 0.4
    """c in w(t) = exp(c*t' + d), t' = 5t/T (normalized_exp) or t (exp)."""
    time_weight_d: float = -1.8
    """d in w(t) = exp(c*t' + d)."""


@dataclass(frozen=True)
class SacConfig(Section):
    """The SAC baseline (algo sac only)."""

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


@dataclass(frozen=True)
class EvalConfig(Section):
    """Evaluation of the deterministic policy between chunks."""

    eval_every_env_steps: int = 20_000
    """Evaluate the deterministic policy once per this many env steps, at the end of the chunk
    that passes each multiple (0: only at the end)."""
    num_eval_envs: int = 16
    """Parallel evaluation episodes."""


@dataclass(frozen=True)
class CheckpointConfig(Section):
    """Checkpoints (see mjx_dacer2.storage.checkpoint)."""

    save_every_env_steps: int = 100_000
    """Checkpoint the whole train state once per this many env steps, at the end of the chunk
    that passes each multiple (0: only at the end and when stopped by SIGINT/SIGTERM); saves are
    asynchronous."""
    keep_checkpoints: int = 2
    """Newest checkpoints kept on disk."""
    keep_best_checkpoint: bool = True
    """Also keep the checkpoint with the best eval return."""


# The algorithms' own defaults, applied by `Config.resolved()` to the fields left at None.
# DACER2's eta: the paper uses 1.0 or 0.01 per group of environments (the mapping is not
# public). 0.1 by default: on halfcheetah (6-D) eta 1's L_g gradient was 3-4x L_q's and it
# learnt less than no L_g with either target form (round L1); 0.1 beat no L_g in every seed,
# 0.01 did not (round L2, docs/learning-log.md). The 1-D tasks keep 1 (`DACER2_ETA_BY_ENV`).
DACER2_ETA = 0.1
ALGO_PRESETS: dict[str, dict] = {
    "dacer2": dict(diffusion_steps=5, grad_loss_weight=DACER2_ETA),  # DACER2 paper: T = 5
    "dacer": dict(diffusion_steps=20, grad_loss_weight=0.0),  # DACER: T = 20, no L_g
    "sac": {},  # no diffusion policy, no L_g
}
# DACER2's eta where it differs from `DACER2_ETA`: the paper's 1 on the 1-D tasks (pendulum:
# rounds 1-6; in one dimension L_g's target does not compete with denoising, round 33); 3 on
# the double pendulum, which raised the return at 200k env steps over nine seeds (rounds
# 21-22); 0.01 on MultiGoal, which kept several goals from the origin in 4 seeds of 6 against 1
# of 6 at eta = 1, at an equal or better return (rounds 7-8).
DACER2_ETA_BY_ENV: dict[str, float] = {
    "inverted_pendulum": 1.0,
    "corridor": 1.0,
    "inverted_double_pendulum": 3.0,
    "multigoal": 0.01,
}


@dataclass(frozen=True)
class Config:
    """Everything a training run needs. Field docstrings are the CLI help."""

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

    loop: LoopConfig = field(default_factory=LoopConfig)
    networks: NetworkConfig = field(default_factory=NetworkConfig)
    learning: LearningConfig = field(default_factory=LearningConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    critic: CriticConfig = field(default_factory=CriticConfig)
    entropy: EntropyConfig = field(default_factory=EntropyConfig)
    grad_loss: GradLossConfig = field(default_factory=GradLossConfig)
    sac: SacConfig = field(default_factory=SacConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)

    matmul_precision: Literal["highest", "high", "default"] = "highest"
    """float32 matmul precision; 'highest' keeps TF32 off on GPUs (it has broken RL training)."""
    networks_matmul_precision: Literal["highest", "high", "default"] | None = None
    """The networks' matmul precision alone (updates, acting, evaluation), MJX's physics staying
    at `matmul_precision`; 'default' or 'high' let a GPU use TF32. None: `matmul_precision`.
    Unmeasured on a GPU, so not the default."""
    prng_impl: Literal["threefry2x32", "rbg", "unsafe_rbg"] = "threefry2x32"
    """The run's random number generator (JAX's PRNG implementations). threefry2x32 (JAX's
    default) draws its bits with dozens of integer ops per draw; 'rbg' draws them with XLA's
    RngBitGenerator (one op) and splits keys with threefry, 'unsafe_rbg' does both with
    RngBitGenerator: a DACER2 T=5 update compiles to about a third and two thirds fewer ops
    (benchmarks/README.md). Same distributions, other draws: a run repeats bit for bit only
    under the generator it ran with, so a resume keeps it. JAX batches RngBitGenerator over
    the first key only, so the rbg generators cannot vmap seeds (`sweep --no-vmap-seeds`)."""
    num_devices: int | None = None
    """Devices a run is split over. One seed: data parallel, its envs, replay buffer and every
    batch split evenly (num-envs, batch-size and the buffer must divide), gradients averaged;
    None: every device of the job. Several seeds: devices splitting the seeds (it must divide
    them); None: every local device when their count divides the seeds, else one."""
    progress: bool = True
    """Show a progress bar."""
    extra: dict[str, str] = field(default_factory=dict)
    """Free-form tags stored with the run (not used by training)."""

    # --- derived values ---
    @property
    def env_steps_per_chunk(self) -> int:
        return self.loop.num_envs * self.loop.iterations_per_chunk

    @property
    def num_chunks(self) -> int:
        return -(-self.total_env_steps // self.env_steps_per_chunk)

    @property
    def algo_label(self) -> str:
        """e.g. 'dacer2 T=5' (diffusion algos) or 'sac'."""
        if self.algo == "sac":
            return self.algo
        return f"{self.algo} T={self.resolved().diffusion.diffusion_steps}"

    @property
    def entropy_every_updates(self) -> int:
        """The entropy cadence in gradient updates: `entropy_every_env_steps` at the run's
        update-to-data ratio U / num_envs (at least every update), so a 16-env CPU run and a
        4096-env GPU run step alpha equally often per env step."""
        per_env_step = self.loop.updates_per_iteration / self.loop.num_envs
        return max(1, round(self.entropy.entropy_every_env_steps * per_env_step))

    def passes_multiple(self, every_env_steps: int, chunk: int) -> bool:
        """Whether chunk `chunk` (1-based) ends the first chunk at or past a multiple of
        `every_env_steps` (0: never)."""
        if every_env_steps <= 0:
            return False
        size = self.env_steps_per_chunk
        return chunk * size // every_env_steps > (chunk - 1) * size // every_env_steps

    @property
    def learning_starts(self) -> int:
        """Env steps before the first update: the warm-up, and at least one batch in the buffer."""
        return max(self.loop.warmup_steps, self.loop.batch_size)

    @property
    def replay_capacity(self) -> int:
        return min(self.loop.buffer_size, self.num_chunks * self.env_steps_per_chunk)

    def resolved(self) -> Config:
        """This config with every None field its algo's preset filled in (`ALGO_PRESETS`,
        `DACER2_ETA_BY_ENV`)."""
        presets = dict(ALGO_PRESETS[self.algo])
        if self.algo == "dacer2" and self.env in DACER2_ETA_BY_ENV:
            presets["grad_loss_weight"] = DACER2_ETA_BY_ENV[self.env]
        unset = {k: v for k, v in presets.items() if v is not None and self.get(k) is None}
        return self.replace(**unset) if unset else self

    def get(self, name: str):
        """A field by its (flat) name."""
        section = FIELD_SECTIONS.get(name)
        return getattr(getattr(self, section) if section else self, name)

    def flat(self) -> dict:
        """{flat field name: value} of every field (sections flattened)."""
        return {name: self.get(name) for name in FIELD_NAMES}

    def replace(self, **changes) -> Config:
        """A copy with fields changed by flat name (`num_envs=8`) or whole sections."""
        top: dict = {}
        by_section: dict[str, dict] = {}
        for name, value in changes.items():
            section = FIELD_SECTIONS.get(name)
            if section is None:
                top[name] = value
            else:
                by_section.setdefault(section, {})[name] = value
        for section, values in by_section.items():
            top[section] = top.get(section, getattr(self, section)).replace(**values)
        return dataclasses.replace(self, **top)


SECTION_TYPES: dict[str, type] = {
    f.name: f.default_factory
    for f in dataclasses.fields(Config)
    if f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(f.default_factory)
}
# flat field name -> the section holding it (run-level fields are in no section)
FIELD_SECTIONS: dict[str, str] = {
    f.name: section for section, kind in SECTION_TYPES.items() for f in dataclasses.fields(kind)
}
FIELD_NAMES: tuple[str, ...] = tuple(
    name
    for f in dataclasses.fields(Config)
    for name in (
        [g.name for g in dataclasses.fields(SECTION_TYPES[f.name])]
        if f.name in SECTION_TYPES
        else [f.name]
    )
)


def field_hints() -> dict[str, object]:
    """{flat field name: its resolved type hint}, e.g. `num_envs: int`, `seed: int`."""
    hints: dict[str, object] = {}
    for kind in (Config, *SECTION_TYPES.values()):
        hints.update(typing.get_type_hints(kind))
    return {name: hints[name] for name in FIELD_NAMES}
