"""The jitted programs of N >= 1 seeds of one config: init, one training chunk, the evaluation.

One seed runs the trainer's programs as they are. Several run them vmapped over a leading seed
axis, in one program. The trap: under `jax.vmap` a `lax.cond` whose predicate is batched becomes
a `select` that runs BOTH branches (the entropy estimate every update, the actor step every
update). The trainer's predicates only read the counters (`env_steps`, `iterations`,
`num_updates`) and the replay buffer's write index and size, which are identical across seeds,
so `seed_axes` keeps exactly those unbatched (`out_axes=None` makes JAX fail loudly if one ever
becomes seed-dependent). The only batched cond left is the env's "any env done -> reset" branch,
which then always computes the (cheap) resets.

On several local devices that divide the seed count, the seeds are split over them (a 1-D
"seeds" mesh; `shardings`): each device runs its seeds' share of the one program, the
seed-independent counters replicated. No collective is needed, since seeds never interact.
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

from mjx_dacer2.storage.checkpoint import plain_copy
from mjx_dacer2.training.evaluate import Evaluator
from mjx_dacer2.training.trainer import Trainer, TrainState


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
    trainer: Trainer
    evaluator: Evaluator
    num_seeds: int

    @property
    def vmapped(self) -> bool:
        return self.num_seeds > 1

    @functools.cached_property
    def axes(self) -> TrainState:
        return seed_axes(self.abstract_seed_state)

    @functools.cached_property
    def abstract_seed_state(self) -> TrainState:
        """Shapes and dtypes of one seed's state (what a checkpoint of one seed restores to)."""
        return jax.eval_shape(self.trainer.init, jax.random.key(0))

    def context(self):
        """Under vmap the env's reset cond becomes a select over a consumed and a fresh key,
        which the key-reuse checker (on in tests) flags; each key is still used once per seed."""
        return jax.debug_key_reuse(False) if self.vmapped else contextlib.nullcontext()

    @functools.cached_property
    def seed_mesh(self) -> Mesh | None:
        """Several seeds on several local devices: a 1-D mesh whose axis splits the seeds (when
        the device count divides them); None runs every seed on the default device."""
        devices = jax.local_device_count()
        if not self.vmapped or devices == 1 or self.num_seeds % devices:
            return None
        return jax.make_mesh((devices,), ("seeds",), axis_types=(AxisType.Auto,))

    @functools.cached_property
    def shardings(self) -> TrainState | None:
        """Per leaf of the program state: split over the seed axis, or replicated (the
        seed-independent counters); None without a seed mesh."""
        mesh = self.seed_mesh
        if mesh is None:
            return None
        split, whole = NamedSharding(mesh, P("seeds")), NamedSharding(mesh, P())
        return jax.tree.map(lambda ax: whole if ax is None else split, self.axes, is_leaf=_is_axis)

    @property
    def seeds_per_device(self) -> int:
        """How many seeds' states one device holds (what must fit its memory)."""
        return self.num_seeds // (self.seed_mesh.size if self.seed_mesh else 1)

    def init(self, keys: list[jax.Array]) -> TrainState:
        if not self.vmapped:
            return jax.jit(self.trainer.init)(keys[0])
        init = jax.vmap(self.trainer.init, out_axes=self.axes)
        return jax.jit(init, out_shardings=self.shardings)(jnp.stack(keys))

    def compile_chunk(self, state: TrainState):
        """The chunk, compiled for `state` (which it donates): state -> (state, per-seed sums)."""
        chunk = self.trainer.train_chunk_unjitted
        if self.vmapped:
            chunk = jax.vmap(chunk, in_axes=(self.axes,), out_axes=(self.axes, 0))
        placed = {}  # with a seed mesh: the state stays placed as it came, sums split by seed
        if self.shardings is not None:
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
        metrics = jax.device_get(dispatched)
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
        """The inverse of `seed_state`: one program state from every seed's state."""
        if not self.vmapped:
            return states[0]
        state = jax.tree.map(
            lambda ax, *xs: xs[0] if ax is None else jnp.stack(xs),
            self.axes,
            *states,
            is_leaf=_is_axis,
        )
        return state if self.shardings is None else jax.device_put(state, self.shardings)
