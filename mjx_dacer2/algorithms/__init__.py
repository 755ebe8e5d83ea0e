"""The algorithms and their registry: `make_learner(config, obs_size, action_size)` builds the
learner named by `config.algo`.

Each algorithm lives in its own subpackage (`dacer/`: DACER and DACER2, `sac/`) and implements
the `Learner` protocol of `interface.py`; the training loop, evaluation, checkpoints and exports
use nothing else. A new algorithm adds its name to `mjx_dacer2.config.Algo` and its factory to
`ALGORITHMS` below (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable

from mjx_dacer2.algorithms.dacer.learner import make_dacer_learner
from mjx_dacer2.algorithms.interface import Learner
from mjx_dacer2.algorithms.sac.learner import make_sac_learner
from mjx_dacer2.config import ALGOS, Config

# name -> factory(config, obs_size, action_size); the names are `mjx_dacer2.config.ALGOS`.
ALGORITHMS: dict[str, Callable[[Config, int, int], Learner]] = {
    "dacer2": make_dacer_learner,  # DACER's learner; its defaults differ (T = 5, eta = 1)
    "dacer": make_dacer_learner,
    "sac": make_sac_learner,
}
assert set(ALGORITHMS) == set(ALGOS), "register every algorithm of mjx_dacer2.config.Algo"


def make_learner(config: Config, obs_size: int, action_size: int) -> Learner:
    """The learner of `config.algo` for these observation and action sizes."""
    return ALGORITHMS[config.algo](config, obs_size, action_size)
