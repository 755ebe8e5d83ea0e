"""Environments: the `Env` contract, the batched `VecEnv` and the name registry.

`envs.make(name)` builds one env (Brax MJX tasks or MultiGoal); `envs.VecEnv(env, n)` batches
it with time limit and auto-reset.
"""

from envs.base import Env
from envs.registry import make, names
from envs.vector import StepResult, VecEnv, VecEnvState

__all__ = ["Env", "StepResult", "VecEnv", "VecEnvState", "make", "names"]
