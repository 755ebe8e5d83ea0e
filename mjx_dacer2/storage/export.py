"""Policy export and loading, without the training env or any pickle.

`export_policy(run_dir, out)` writes OUT/policy.json (format, config, obs/action sizes, source
checkpoint) and OUT/arrays.npz (the learner state's arrays by dotted name, or with
`policy_only` just the policy params, plus the observation-normaliser stats).
`load_policy(path)` rebuilds the networks from the stored config and returns a jitted
`act(obs, key=None, deterministic=True)`. `load_checkpoint_policy` reads the same parts straight
from a run's checkpoint (the replay buffer is not read); `mjx-dacer2 eval` uses it.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from mjx_dacer2.algorithms import make_learner
from mjx_dacer2.config import Config
from mjx_dacer2.config.serialize import config_from_dict, config_to_dict
from mjx_dacer2.storage.checkpoint import CheckpointError, from_snapshot, restore_target, snapshot
from mjx_dacer2.storage.resume import open_run
from mjx_dacer2.training.inference import BoundPolicy, Inference
from mjx_dacer2.training.normalizer import RunningStats, init_stats

EXPORT_FORMAT = 1
POLICY_JSON = "policy.json"
ARRAYS = "arrays.npz"


@dataclass(frozen=True)
class CheckpointPolicy:
    """The policy part of one checkpoint, with the learner rebuilt from its config."""

    config: Config
    learner: Any
    agent: Any  # the learner's whole state (params, targets, optimiser states, ...)
    obs_stats: RunningStats
    chunk: int
    env_steps: int
    obs_size: int
    action_size: int

    @property
    def policy_params(self) -> Any:
        return self.learner.policy_params(self.agent)

    @property
    def policy(self) -> BoundPolicy:
        """Raw observations in, behaviour or deterministic actions out."""
        inference = Inference(
            self.learner,
            self.config.loop.normalize_observations,
            self.config.networks_matmul_precision,
        )
        return BoundPolicy(inference, self.agent, self.policy_params, self.obs_stats)


def _abstract_parts(learner: Any, obs_size: int) -> dict:
    agent = jax.eval_shape(learner.init, jax.random.key(0))
    return {"agent": agent, "obs_stats": jax.eval_shape(functools.partial(init_stats, obs_size))}


def load_checkpoint_policy(
    run_dir: str | Path,
    chunk: int | None = None,
    best: bool = False,
    overrides: dict | None = None,
) -> CheckpointPolicy:
    """The policy at `chunk`, the best checkpoint (`best`), or the newest readable one; the
    learner is rebuilt from the run's config with `overrides` (flat `Config` fields that do not
    change the learner's state, e.g. {"eval_chain_noise": "sample_mean"}) applied."""
    checkpointer = open_run(run_dir)
    try:
        if best and chunk is None:
            chunk = checkpointer.best_step()

        def load(step: int) -> CheckpointPolicy:
            meta = checkpointer.read_meta(step)
            config = config_from_dict(meta["config"], str(checkpointer.step_dir(step)))
            config = config.replace(**(overrides or {}))
            obs_size, action_size = int(meta["obs_size"]), int(meta["action_size"])
            learner = make_learner(config, obs_size, action_size)
            parts = checkpointer.restore_policy(step, _abstract_parts(learner, obs_size))
            return CheckpointPolicy(
                config=config,
                learner=learner,
                agent=parts["agent"],
                obs_stats=parts["obs_stats"],
                chunk=step,
                env_steps=int(meta["env_steps"]),
                obs_size=obs_size,
                action_size=action_size,
            )

        return checkpointer.newest_valid(load, step=chunk)[1]
    finally:
        checkpointer.close()


def export_policy(
    run_dir: str | Path,
    out: str | Path | None = None,
    chunk: int | None = None,
    best: bool = False,
    policy_only: bool = False,
) -> Path:
    """Write a run's policy to `out` (default RUN_DIR/policy); returns the folder written."""
    source = load_checkpoint_policy(run_dir, chunk, best)
    out = Path(out if out is not None else Path(run_dir) / "policy").expanduser().resolve()
    if out.exists() and not (out / POLICY_JSON).is_file():
        raise CheckpointError(
            f"'{out}' exists and is not a policy export: choose another --out (nothing written)"
        )
    part = "policy" if policy_only else "agent"
    tree = {part: source.policy_params if policy_only else source.agent}
    flat = snapshot(dict(tree, obs_stats=source.obs_stats))
    info = dict(
        format=EXPORT_FORMAT,
        kind="mjx_dacer2 policy",
        contents=part,
        env=source.config.env,
        algo=source.config.algo,
        obs_size=source.obs_size,
        action_size=source.action_size,
        source=dict(run_dir=str(Path(run_dir).resolve()), chunk=source.chunk),
        env_steps=source.env_steps,
        config=config_to_dict(source.config),
    )
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.savez(tmp / ARRAYS, **{k: np.asarray(v) for k, v in flat.items()})
    (tmp / POLICY_JSON).write_text(json.dumps(info, indent=2) + "\n")
    if out.exists():  # replace an older export only once the new one is complete
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        tmp.rename(out)
    return out


def read_policy_info(path: str | Path) -> tuple[Path, dict]:
    """(export folder, its policy.json) for a folder or its policy.json; validated."""
    path = Path(path).expanduser().resolve()
    folder = path.parent if path.name == POLICY_JSON else path
    if not (folder / POLICY_JSON).is_file() or not (folder / ARRAYS).is_file():
        raise CheckpointError(
            f"no exported policy at '{path}' (needs {POLICY_JSON} and {ARRAYS}): "
            "write one with `mjx-dacer2 export RUN_DIR --out PATH`"
        )
    try:
        info = json.loads((folder / POLICY_JSON).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(f"'{folder / POLICY_JSON}' is unreadable ({err})") from None
    required = ("config", "obs_size", "action_size", "contents")
    if (
        not isinstance(info, dict)
        or info.get("format") != EXPORT_FORMAT
        or any(name not in info for name in required)
        or info["contents"] not in ("agent", "policy")
    ):
        raise CheckpointError(f"'{folder / POLICY_JSON}' is not a format-{EXPORT_FORMAT} export")
    return folder, info


def load_policy(path: str | Path) -> Callable[..., jax.Array]:
    """A jitted `act(obs, key=None, deterministic=True) -> action` from an exported policy.

    `obs` is (obs_size,) or (N, obs_size), raw (normalised here as in training); actions are in
    [-1, 1]. `deterministic=True` is the evaluation policy; `False` samples the behaviour policy
    with `key` (needs an export that is not `policy_only`). No env and no stored code is used.
    """
    folder, info = read_policy_info(path)
    config = config_from_dict(info["config"], str(folder / POLICY_JSON))
    obs_size, action_size, part = int(info["obs_size"]), int(info["action_size"]), info["contents"]
    learner = make_learner(config, obs_size, action_size)
    inference = Inference(
        learner, config.loop.normalize_observations, config.networks_matmul_precision
    )
    abstract = _abstract_parts(learner, obs_size)
    if part == "policy":
        abstract["policy"] = jax.eval_shape(learner.policy_params, abstract.pop("agent"))
    target = restore_target(abstract)
    with np.load(folder / ARRAYS, allow_pickle=False) as npz:
        stored = {name: npz[name] for name in npz.files}
    wrong = sorted(
        name
        for name in set(target) | set(stored)
        if name not in stored
        or name not in target
        or (stored[name].shape, stored[name].dtype) != (target[name].shape, target[name].dtype)
    )
    if wrong:
        raise CheckpointError(
            f"'{folder / ARRAYS}' does not match the networks of its config "
            f"({len(wrong)} arrays differ, e.g. '{wrong[0]}')"
        )
    tree = from_snapshot(stored, abstract)

    @functools.partial(jax.jit, static_argnames="deterministic")
    def act_fn(tree: dict, obs: jax.Array, key: jax.Array | None, deterministic: bool):
        if obs.shape[-1:] != (obs_size,):
            raise ValueError(f"obs has shape {obs.shape}; expected (..., {obs_size})")
        obs = obs.astype(jnp.float32)
        if deterministic:
            params = tree["policy"] if part == "policy" else learner.policy_params(tree["agent"])
            return inference.deterministic_action(params, tree["obs_stats"], obs)
        if part == "policy":
            raise ValueError("this export holds only policy params: use deterministic=True")
        if key is None:
            raise ValueError("deterministic=False samples actions: pass a PRNG key")
        return inference.behaviour_action(tree["agent"], tree["obs_stats"], obs, key)

    def act(obs: Any, key: jax.Array | None = None, deterministic: bool = True) -> jax.Array:
        return act_fn(tree, jnp.asarray(obs), key, deterministic=deterministic)

    return act
