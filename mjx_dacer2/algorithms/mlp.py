"""Network parts the algorithms share: the mish MLP and the number of twin critics."""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

NUM_CRITICS = 2  # twin critics, stacked on a leading axis of their params


class MLP(nn.Module):
    hidden: Sequence[int]
    out: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        for width in self.hidden:
            x = jax.nn.mish(nn.Dense(width)(x))
        return nn.Dense(self.out)(x)
