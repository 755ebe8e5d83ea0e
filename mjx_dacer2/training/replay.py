"""Device-resident uniform replay: a fixed-capacity ring buffer of `Transition`s.

Insertion writes a block at the write index (wrapping around) without moving the rest of the
array, so it costs O(inserted) even when full. The buffer is part of the train state and donated.

Data parallel over D devices (`parallel.mesh`), the buffer is D equal blocks, one per device:
device d stores the transitions of its own envs in its block (`insert_per_device`) and samples
its share of every batch from it (`sample_per_device`), so no transition crosses devices. The
write index and size are then those of one block (the same on every device).
"""

from __future__ import annotations

import flax.struct
import jax
import jax.numpy as jnp
from jax.sharding import Mesh
from jax.sharding import PartitionSpec as P

from mjx_dacer2.algorithms.interface import Transition
from mjx_dacer2.parallel.mesh import DATA


@flax.struct.dataclass
class ReplayBuffer:
    data: Transition  # every leaf (capacity, ...)
    insert_index: jax.Array  # int32: where the next transition goes
    size: jax.Array  # int32: valid transitions, <= capacity

    @property
    def capacity(self) -> int:
        return self.data.reward.shape[0]


def init_buffer(capacity: int, obs_size: int, action_size: int) -> ReplayBuffer:
    f32 = jnp.float32
    data = Transition(
        obs=jnp.zeros((capacity, obs_size), f32),
        action=jnp.zeros((capacity, action_size), f32),
        reward=jnp.zeros((capacity,), f32),
        next_obs=jnp.zeros((capacity, obs_size), f32),
        terminated=jnp.zeros((capacity,), f32),
    )
    zero = jnp.zeros((), jnp.int32)
    return ReplayBuffer(data=data, insert_index=zero, size=zero)


def insert(buffer: ReplayBuffer, batch: Transition) -> ReplayBuffer:
    """Write a (N, ...) batch at the write index, wrapping; the oldest entries are overwritten."""
    n = batch.reward.shape[0]
    capacity = buffer.capacity
    if n > capacity:
        raise ValueError(f"cannot insert {n} transitions into a buffer of {capacity}")
    rows = (buffer.insert_index + jnp.arange(n)) % capacity  # (N,)
    data = jax.tree.map(
        lambda store, new: store.at[rows].set(new.astype(store.dtype)), buffer.data, batch
    )
    return ReplayBuffer(
        data=data,
        insert_index=(buffer.insert_index + n) % capacity,
        size=jnp.minimum(buffer.size + n, capacity),
    )


def sample_batch(buffer: ReplayBuffer, key: jax.Array, shape: tuple[int, ...]) -> Transition:
    """Uniform sample with replacement of `shape` transitions among the valid ones."""
    rows = jax.random.randint(key, shape, 0, jnp.maximum(buffer.size, 1))
    return jax.tree.map(lambda store: store[rows], buffer.data)


# the buffer's blocks and write index under `jax.shard_map`: data split, counters replicated
_BLOCKS = ReplayBuffer(data=P(DATA), insert_index=P(), size=P())


def insert_per_device(buffer: ReplayBuffer, batch: Transition, mesh: Mesh) -> ReplayBuffer:
    """`insert` on every device: its envs' transitions (the batch is split like the envs) into
    its own block of the buffer."""
    return jax.shard_map(insert, mesh=mesh, in_specs=(_BLOCKS, P(DATA)), out_specs=_BLOCKS)(
        buffer, batch
    )


def sample_per_device(
    buffer: ReplayBuffer, key: jax.Array, shape: tuple[int, int], mesh: Mesh
) -> Transition:
    """A (U, B) sample whose B axis is split over the devices: device d draws its B / D
    transitions uniformly from its own block, with its own key (folded with d)."""
    updates, batch = shape
    local = (updates, batch // mesh.shape[DATA])

    def sample_own_block(block: ReplayBuffer, key: jax.Array) -> Transition:
        return sample_batch(block, jax.random.fold_in(key, jax.lax.axis_index(DATA)), local)

    return jax.shard_map(
        sample_own_block, mesh=mesh, in_specs=(_BLOCKS, P()), out_specs=P(None, DATA)
    )(buffer, key)
