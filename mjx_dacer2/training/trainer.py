"""The fused, device-resident training loop.

`make_trainer(config, env)` returns a `Trainer` whose `init(key)` builds the whole `TrainState`
and whose `train_chunk(state)` is ONE jitted, buffer-donating `lax.scan` over
`iterations_per_chunk` iterations. An iteration acts in all envs (uniform actions during the
warm-up, the diffusion policy after), steps the vmapped MJX envs, writes the transitions into the
device ring buffer, samples (U, B) transitions at once and runs U gradient updates. Nothing leaves
the device inside a chunk; metrics come back as one small pytree of per-chunk sums.

With a data-parallel `mesh` (D > 1 devices, `parallel.mesh`) the same chunk runs split over the
devices: each holds num_envs / D envs and its block of the replay buffer, samples B / D of every
batch from it, and the updates (GSPMD, parameters replicated) average gradients over all D.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
from jax.sharding import Mesh

from mjx_dacer2.algorithms import make_learner
from mjx_dacer2.algorithms.interface import Learner, Transition
from mjx_dacer2.config import Config
from mjx_dacer2.envs import Env, VecEnv, VecEnvState
from mjx_dacer2.parallel.mesh import replicated, split
from mjx_dacer2.runtime import networks_precision
from mjx_dacer2.training import replay
from mjx_dacer2.training.inference import Inference
from mjx_dacer2.training.normalizer import RunningStats, init_stats, update_stats
from mjx_dacer2.training.replay import ReplayBuffer


@flax.struct.dataclass
class TrainState:
    """All mutable state of a run, in one pytree (checkpointed whole)."""

    agent: Any  # the learner's state
    buffer: ReplayBuffer
    env_state: VecEnvState
    obs_stats: RunningStats
    key: jax.Array
    env_steps: jax.Array  # int32 transitions collected so far
    iterations: jax.Array  # int32 iterations done


# Per-chunk sums of env metrics; update metrics are summed too and averaged by the host.
ENV_SUMS = ("reward", "episodes", "episode_return", "episode_length", "terminations")
# Per-iteration means of the actions sent to the envs (warm-up included), averaged over a chunk's
# iterations: their root mean square and the fraction of components at the bounds +-1. A
# behaviour policy that never concentrates shows as RMS ~0.6 (uniform) with many at the bounds.
ACTION_MEANS = ("action_rms", "action_at_bounds")


@dataclass(frozen=True)
class Trainer:
    config: Config
    env: Env
    vec_env: VecEnv
    learner: Learner
    mesh: Mesh | None = None  # data parallel over its devices; None: one device

    def prng_key(self, seed: int) -> jax.Array:
        """A key of the run's random number generator (`Config.prng_impl`)."""
        return jax.random.key(seed, impl=self.config.prng_impl)

    def init(self, key: jax.Array) -> TrainState:
        key_agent, key_env, key_run = jax.random.split(key, 3)
        c, env = self.config, self.env
        return TrainState(
            agent=self.learner.init(key_agent),
            buffer=replay.init_buffer(c.replay_capacity, env.obs_size, env.action_size),
            env_state=self.vec_env.reset(key_env),
            obs_stats=init_stats(env.obs_size),
            key=key_run,
            env_steps=jnp.zeros((), jnp.int32),
            iterations=jnp.zeros((), jnp.int32),
        )

    @functools.cached_property
    def shardings(self) -> TrainState | None:
        """Per leaf of the state on the mesh: env states and replay blocks split over the
        devices, everything else replicated; None without a mesh."""
        if self.mesh is None:
            return None
        abstract = jax.eval_shape(self.init, self.prng_key(0))
        whole, parts = replicated(self.mesh), split(self.mesh)
        shardings = jax.tree.map(lambda _: whole, abstract)
        return shardings.replace(
            env_state=jax.tree.map(lambda _: parts, abstract.env_state),
            buffer=shardings.buffer.replace(
                data=jax.tree.map(lambda _: parts, abstract.buffer.data)
            ),
        )

    def _insert(self, buffer: ReplayBuffer, transitions: Transition) -> ReplayBuffer:
        if self.mesh is None:
            return replay.insert(buffer, transitions)
        return replay.insert_per_device(buffer, transitions, self.mesh)

    def _sample(self, buffer: ReplayBuffer, key: jax.Array, shape: tuple[int, int]) -> Transition:
        if self.mesh is None:
            return replay.sample_batch(buffer, key, shape)
        return replay.sample_per_device(buffer, key, shape, self.mesh)

    @functools.cached_property
    def inference(self) -> Inference:
        return Inference(
            self.learner,
            self.config.loop.normalize_observations,
            self.config.networks_matmul_precision,
        )

    def act(self, state: TrainState, key: jax.Array) -> jax.Array:
        """Actions (E, d) for all envs: uniform in the warm-up, the behaviour policy after."""
        obs = state.env_state.obs
        shape = (obs.shape[0], self.env.action_size)

        def uniform(key):
            return jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)

        def policy(key):
            return self.inference.behaviour_action(state.agent, state.obs_stats, obs, key)

        warm = state.env_steps < self.config.loop.warmup_steps
        return jax.lax.cond(warm, uniform, policy, key)

    def learn(self, state: TrainState, key: jax.Array):
        """U gradient updates on batches sampled at once; skipped before learning starts."""
        c = self.config
        key_sample, key_updates = jax.random.split(key)

        def run_updates(agent):
            batches = self._sample(
                state.buffer, key_sample, (c.loop.updates_per_iteration, c.loop.batch_size)
            )
            batches = batches.replace(
                obs=self.inference.observation(state.obs_stats, batches.obs),
                next_obs=self.inference.observation(state.obs_stats, batches.next_obs),
            )
            keys = jax.random.split(key_updates, c.loop.updates_per_iteration)
            agent, metrics = self.updates(agent, batches, keys)
            sums = jax.tree.map(jnp.sum, metrics)
            sums["num_updates"] = jnp.asarray(c.loop.updates_per_iteration, jnp.float32)
            return agent, sums

        def skip(agent):
            shapes = jax.eval_shape(run_updates, agent)[1]
            return agent, jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

        learning = (state.env_steps >= c.learning_starts) & (c.loop.updates_per_iteration > 0)
        return jax.lax.cond(learning, run_updates, skip, state.agent)

    def updates(self, agent, batches: Transition, keys: jax.Array):
        """Gradient updates on (U, B, ...) batches, one per key, in a scan, the networks traced
        at their own matmul precision. Returns (agent, metrics (U, ...))."""
        with networks_precision(self.config.networks_matmul_precision):
            return jax.lax.scan(lambda a, x: self.learner.update(a, *x), agent, (batches, keys))

    def iteration(self, state: TrainState, _=None):
        """Act, step every env, store the transitions, learn."""
        key, key_act, key_learn = jax.random.split(state.key, 3)
        action = self.act(state, key_act)
        env_state, result = self.vec_env.step(state.env_state, action)
        transitions = Transition(
            obs=state.env_state.obs,
            action=action,
            reward=result.reward,
            next_obs=result.next_obs,
            terminated=result.terminated.astype(jnp.float32),
        )
        obs_stats = state.obs_stats
        if self.config.loop.normalize_observations:
            obs_stats = update_stats(obs_stats, state.env_state.obs)
        state = state.replace(
            buffer=self._insert(state.buffer, transitions),
            env_state=env_state,
            obs_stats=obs_stats,
            key=key,
            env_steps=state.env_steps + self.vec_env.num_envs,
            iterations=state.iterations + 1,
        )
        agent, metrics = self.learn(state, key_learn)
        done = result.done.astype(jnp.float32)
        metrics.update(
            reward=jnp.mean(result.reward),
            episodes=jnp.sum(done),
            episode_return=jnp.sum(result.episode_return * done),
            episode_length=jnp.sum(result.episode_length * done),
            terminations=jnp.sum(result.terminated.astype(jnp.float32)),
            action_rms=jnp.sqrt(jnp.mean(action**2)),
            action_at_bounds=jnp.mean((jnp.abs(action) >= 1.0 - 1e-6).astype(jnp.float32)),
        )
        state = state.replace(agent=agent)
        if self.mesh is not None:  # keep every iteration's carry placed like the chunk's input
            state = jax.lax.with_sharding_constraint(state, self.shardings)
        return state, metrics

    def train_chunk_unjitted(self, state: TrainState) -> tuple[TrainState, dict]:
        """`iterations_per_chunk` iterations in one scan; returns per-chunk metric sums."""
        state, metrics = jax.lax.scan(
            self.iteration, state, None, length=self.config.loop.iterations_per_chunk
        )
        return state, jax.tree.map(jnp.sum, metrics)

    @functools.cached_property
    def train_chunk(self):
        """The jitted chunk; the input state is donated (its buffers are reused in place)."""
        if self.mesh is None:
            return jax.jit(self.train_chunk_unjitted, donate_argnums=0)
        out = (self.shardings, replicated(self.mesh))
        return jax.jit(
            self.train_chunk_unjitted,
            donate_argnums=0,
            in_shardings=(self.shardings,),
            out_shardings=out,
        )

    @functools.cached_property
    def init_placed(self):
        """The jitted `init`, its state placed on the mesh (if any)."""
        if self.mesh is None:
            return jax.jit(self.init)
        return jax.jit(self.init, out_shardings=self.shardings)


def summarize_chunk(sums: dict, iterations: int, actor_metric_names: tuple[str, ...]) -> dict:
    """Turn a chunk's metric sums (host numpy) into means for logging.

    Update metrics are averaged over the chunk's updates, actor metrics over its actor updates,
    episode metrics over the episodes that ended in it.
    """
    out = {name: float(sums[name]) / iterations for name in ("reward", *ACTION_MEANS)}
    updates, actor_updates = float(sums["num_updates"]), float(sums["actor_updated"])
    for name, value in sums.items():
        if name in ENV_SUMS or name in ACTION_MEANS or name in ("num_updates", "actor_updated"):
            continue
        count = actor_updates if name in actor_metric_names else updates
        if count > 0:
            out[name] = float(value) / count
    episodes = float(sums["episodes"])
    if episodes > 0:
        out["train_return"] = float(sums["episode_return"]) / episodes
        out["train_length"] = float(sums["episode_length"]) / episodes
    out.update(episodes=episodes, updates=updates, actor_updates=actor_updates)
    return out


def make_trainer(config: Config, env: Env, mesh: Mesh | None = None) -> Trainer:
    """Build the learner of `config.algo` and the vectorised env for one run, data parallel
    over `mesh` when given."""
    return Trainer(
        config=config,
        env=env,
        vec_env=VecEnv(env, config.loop.num_envs),
        learner=make_learner(config, *env.sizes),
        mesh=mesh,
    )
