"""Ring-buffer invariants: wrap-around, overwrite order, size, and sample validity."""

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2.algorithms.interface import Transition
from mjx_dacer2.training import replay


def _batch(start, n, obs_size=2):
    ids = jnp.arange(start, start + n, dtype=jnp.float32)
    return Transition(
        obs=jnp.repeat(ids[:, None], obs_size, 1),
        action=ids[:, None],
        reward=ids,
        next_obs=jnp.repeat(ids[:, None] + 0.5, obs_size, 1),
        terminated=ids % 2,
    )


def test_insert_wraps_and_overwrites_oldest_first():
    buf = replay.init_buffer(capacity=10, obs_size=2, action_size=1)
    insert = jax.jit(replay.insert)
    buf = insert(buf, _batch(0, 4))
    assert int(buf.size) == 4 and int(buf.insert_index) == 4
    buf = insert(buf, _batch(4, 4))
    buf = insert(buf, _batch(8, 4))  # ids 8..11: 10 and 11 wrap onto rows 0 and 1
    assert int(buf.size) == 10 and int(buf.insert_index) == 2
    np.testing.assert_array_equal(buf.data.reward, [10, 11, 2, 3, 4, 5, 6, 7, 8, 9])
    np.testing.assert_array_equal(buf.data.obs[:, 0], buf.data.reward)
    np.testing.assert_array_equal(buf.data.next_obs[:, 1], buf.data.reward + 0.5)
    buf = insert(buf, _batch(12, 3))
    np.testing.assert_array_equal(buf.data.reward, [10, 11, 12, 13, 14, 5, 6, 7, 8, 9])
    assert int(buf.insert_index) == 5 and int(buf.size) == 10


def test_sample_only_returns_written_rows_with_fields_aligned():
    buf = replay.init_buffer(capacity=100, obs_size=2, action_size=1)
    buf = replay.insert(buf, _batch(1, 7))  # rows 0..6 hold ids 1..7, the rest are zeros
    batch = jax.jit(replay.sample_batch, static_argnums=2)(buf, jax.random.key(0), (4, 64))
    assert batch.obs.shape == (4, 64, 2) and batch.reward.shape == (4, 64)
    ids = np.asarray(batch.reward)
    assert ids.min() >= 1 and ids.max() <= 7
    assert len(np.unique(ids)) == 7  # 256 draws hit every valid row
    np.testing.assert_array_equal(batch.obs[..., 0], ids)
    np.testing.assert_array_equal(batch.action[..., 0], ids)
    np.testing.assert_array_equal(batch.next_obs[..., 0], ids + 0.5)
    np.testing.assert_array_equal(batch.terminated, ids % 2)


def test_insert_larger_than_capacity_is_refused():
    buf = replay.init_buffer(capacity=3, obs_size=2, action_size=1)
    try:
        replay.insert(buf, _batch(0, 4))
    except ValueError as err:
        assert "buffer of 3" in str(err)
    else:
        raise AssertionError("expected ValueError")
