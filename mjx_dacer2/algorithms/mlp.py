"""Network parts the algorithms share: the MLP (mish by default, as DACER) and the number of
twin critics."""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

NUM_CRITICS = 2  # twin critics, stacked on a leading axis of their params
ACTIVATIONS = {"mish": jax.nn.mish, "relu": jax.nn.relu}  # config.schema.Activation


class MLP(nn.Module):
    hidden: Sequence[int]
    out: int
    activation: str = "mish"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for width in self.hidden:
            x = act(nn.Dense(width)(x))
        return nn.Dense(self.out)(x)
