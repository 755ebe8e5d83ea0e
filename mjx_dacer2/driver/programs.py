"""The jitted programs of N >= 1 seeds of one config: init, one training chunk, the evaluation.

One seed runs the trainer's programs as they are. Several run them vmapped over a leading seed
axis, in one program. The trap: under `jax.vmap` a `lax.cond` whose predicate is batched becomes
a `select` that runs BOTH branches (the entropy estimate every update, the actor step every
update). The trainer's predicates only read the counters (`env_steps`, `iterations`,
`num_updates`) and the replay buffer's write index and size, which are identical across seeds,
so `seed_axes` keeps exactly those unbatched (`out_axes=None` makes JAX fail loudly if one ever
becomes seed-dependent). The only batched cond left is the env's "any env done -> reset" branch,
which then always computes the (cheap) resets.

Over several devices, a program is split one of two ways (`mesh`, `shardings`):
- several seeds over `seed_devices` devices that divide the seed count (a 1-D "seeds" mesh):
  each device runs its seeds' share of the one program, the seed-independent counters
  replicated. No collective is needed, since seeds never interact;
- one seed data parallel over the trainer's own mesh (`Trainer.mesh`, `parallel.mesh`): envs,
  replay and batches split over the devices, gradients averaged across them.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from mjx_dacer2.config import Config
from mjx_dacer2.envs import Env
from mjx_dacer2.parallel.mesh import data_mesh, plan_devices, to_host
from mjx_dacer2.storage.checkpoint import plain_copy
from mjx_dacer2.training.evaluate import Evaluator, make_evaluator
from mjx_dacer2.training.trainer import Trainer, TrainState, make_trainer


def seed_axes(state: TrainState) -> TrainState:
    """vmap axes of a TrainState: 0 everywhere except the seed-independent counters (None)."""
    axes = jax.tree.map(lambda _: 0, state)
    return axes.replace(
        agent=axes.agent.replace(num_updates=None),
        buffer=axes.buffer.replace(insert_index=None, size=None),
        env_steps=None,
        iterations=None,
    )


def _is_axis(x: Any) -> bool:
    return x is None or isinstance(x, int)


@dataclass(frozen=True)
class SeedPrograms:
    trainer: Trainer  # with a mesh: one seed data parallel over its devices
    evaluator: Evaluator
    num_seeds: int
    seed_devices: int = 1  # devices the vmapped seeds are split over (it divides num_seeds)

    @property
    def vmapped(self) -> bool:
        return self.num_seeds > 1

    @functools.cached_property
    def axes(self) -> TrainState:
        return seed_axes(self.abstract_seed_state)

    @functools.cached_property
    def abstract_seed_state(self) -> TrainState:
        """Shapes and dtypes of one seed's state (what a checkpoint of one seed restores to)."""
        return jax.eval_shape(self.trainer.init, self.trainer.prng_key(0))

    def context(self):
        """Under vmap the env's reset cond becomes a select over a consumed and a fresh key,
        which the key-reuse checker (on in tests) flags; each key is still used once per seed."""
        return jax.debug_key_reuse(False) if self.vmapped else contextlib.nullcontext()

    @functools.cached_property
    def seed_mesh(self) -> Mesh | None:
        """Several seeds on several devices: a 1-D mesh whose axis splits the seeds; None runs
        every seed on the default device."""
        if not self.vmapped or self.seed_devices == 1:
            return None
        devices = jax.local_devices()[: self.seed_devices]
        return jax.make_mesh(
            (self.seed_devices,), ("seeds",), axis_types=(AxisType.Auto,), devices=devices
        )

    @property
    def mesh(self) -> Mesh | None:
        """The devices the program runs on (seeds or data split over them); None: one device."""
        return self.seed_mesh or self.trainer.mesh

    @functools.cached_property
    def shardings(self) -> TrainState | None:
        """Per leaf of the program state: its placement on `mesh` (None without one). Seeds:
        split over the seed axis, or replicated (the seed-independent counters); data
        parallel: the trainer's (`Trainer.shardings`)."""
        mesh = self.seed_mesh
        if mesh is None:
            return self.trainer.shardings
        split, whole = NamedSharding(mesh, P("seeds")), NamedSharding(mesh, P())
        return jax.tree.map(lambda ax: whole if ax is None else split, self.axes, is_leaf=_is_axis)

    @property
    def seeds_per_device(self) -> int:
        """How many seeds' states one device holds (what must fit its memory)."""
        return self.num_seeds // self.seed_devices

    @property
    def data_shards(self) -> int:
        """How many devices one seed's envs and replay buffer are split over."""
        return self.trainer.mesh.size if self.trainer.mesh is not None else 1

    def init(self, keys: list[jax.Array]) -> TrainState:
        if not self.vmapped:
            return self.trainer.init_placed(keys[0])
        init = jax.vmap(self.trainer.init, out_axes=self.axes)
        return jax.jit(init, out_shardings=self.shardings)(jnp.stack(keys))

    def compile_chunk(self, state: TrainState):
        """The chunk, compiled for `state` (which it donates): state -> (state, per-seed sums).
        One seed: the trainer's own (placed on its mesh, if any)."""
        if not self.vmapped:
            return self.trainer.train_chunk.lower(state).compile()
        chunk = jax.vmap(
            self.trainer.train_chunk_unjitted, in_axes=(self.axes,), out_axes=(self.axes, 0)
        )
        placed = {}  # with a seed mesh: the state stays placed as it came, sums split by seed
        if self.seed_mesh is not None:
            placed = dict(out_shardings=(self.shardings, NamedSharding(self.seed_mesh, P("seeds"))))
        return jax.jit(chunk, donate_argnums=0, **placed).lower(state).compile()

    def per_seed(self, tree: Any) -> list[Any]:
        """Split host metrics with a leading seed axis (vmapped) into one tree per seed."""
        if not self.vmapped:
            return [tree]
        return [jax.tree.map(lambda x, i=i: x[i], tree) for i in range(self.num_seeds)]

    @functools.cached_property
    def _evaluate(self):
        run = self.evaluator.run_unjitted
        return jax.jit(jax.vmap(run) if self.vmapped else run)

    def dispatch_evaluation(self, state: TrainState, keys: list[jax.Array]) -> Any:
        """Start evaluating every seed (seed i with keys[i]); returns device arrays at once."""
        params = self.trainer.learner.policy_params(state.agent)
        key = jnp.stack(keys) if self.vmapped else keys[0]
        return self._evaluate(params, state.obs_stats, key)

    def evaluation_metrics(self, dispatched: Any) -> list[dict]:
        """Wait for a dispatched evaluation: its metrics per seed, as floats."""
        metrics = to_host(dispatched)
        return [{k: float(v) for k, v in m.items()} for m in self.per_seed(metrics)]

    def evaluate(self, state: TrainState, keys: list[jax.Array]) -> list[dict]:
        """Evaluation metrics of every seed, as floats; seed i uses keys[i]."""
        return self.evaluation_metrics(self.dispatch_evaluation(state, keys))

    def seed_snapshot(self, state: TrainState, i: int) -> dict:
        """A device copy of seed i's state in checkpoint form (`storage.checkpoint.snapshot`):
        taken before the next chunk donates `state`, saved while that chunk runs."""
        return self._seed_snapshot(state, i)

    @functools.cached_property
    def _seed_snapshot(self):
        return jax.jit(lambda state, i: plain_copy(self.seed_state(state, i)), static_argnums=1)

    def seed_state(self, state: TrainState, i: int) -> TrainState:
        """Seed i's own state (a normal single-run state: what its checkpoint holds)."""
        if not self.vmapped:
            return state
        return jax.tree.map(
            lambda ax, x: x if ax is None else x[i], self.axes, state, is_leaf=_is_axis
        )

    def stack(self, states: list[TrainState]) -> TrainState:
        """The inverse of `seed_state`: one program state from every seed's state (one seed's
        comes placed already: `Checkpointer.restore_state` restores it onto its shardings)."""
        if not self.vmapped:
            return states[0]
        state = jax.tree.map(
            lambda ax, *xs: xs[0] if ax is None else jnp.stack(xs),
            self.axes,
            *states,
            is_leaf=_is_axis,
        )
        return state if self.shardings is None else jax.device_put(state, self.shardings)


def make_programs(config: Config, env: Env, num_seeds: int) -> SeedPrograms:
    """The programs of `num_seeds` seeds of `config`, on the devices `config.num_devices` asks
    for: one seed data parallel over them, several seeds split over them."""
    data_devices, split_seeds = plan_devices(config, num_seeds)
    trainer = make_trainer(config, env, data_mesh(data_devices))
    evaluator = make_evaluator(env, trainer.inference, config.eval.num_eval_envs)
    return SeedPrograms(trainer, evaluator, num_seeds, split_seeds)
