"""Environments: the `Env` contract, the batched `VecEnv` and the name registry.

`envs.make(name, episode_length=None)` builds one env (Brax MJX tasks or MultiGoal);
`envs.VecEnv(env, n)` batches it with time limit and auto-reset.
"""

from mjx_dacer2.envs.base import Env
from mjx_dacer2.envs.registry import make, names, render_model
from mjx_dacer2.envs.vector import StepResult, VecEnv, VecEnvState

__all__ = ["Env", "StepResult", "VecEnv", "VecEnvState", "make", "names", "render_model"]
