"""Run directories and resume guards.

Owns which config fields a resumed run may change (`check_compatible`: the rest would alter the
train state's shapes or its random stream, so they are refused with the list of differences),
reading a run's config (RUN_DIR/config.json, else the newest checkpoint's copy), and validating
run-directory paths before anything is opened.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mjx_dacer2.config import Config
from mjx_dacer2.config.serialize import config_from_dict
from mjx_dacer2.storage.checkpoint import CHECKPOINT_DIR, Checkpointer, CheckpointError, one_line

# Fields a resumed run may change: they do not touch the train state or its random stream.
COMPATIBLE_FIELDS = frozenset(
    {
        "total_env_steps",
        "run_dir",
        "progress",
        "eval_every_env_steps",
        "num_eval_envs",
        "save_every_env_steps",
        "keep_checkpoints",
        "keep_best_checkpoint",
        "num_devices",  # the replay layout it implies is checked by `check_same_split`
        "extra",
    }
)


def keep_replay_capacity(saved: Config, config: Config) -> Config:
    """`config` with the saved run's replay capacity when only its length changed.

    The buffer holds min(buffer-size, total-env-steps) transitions, so a longer (or shorter)
    continuation would change its shape: the resumed run keeps the buffer it has."""
    if config.total_env_steps != saved.total_env_steps and config.loop.buffer_size == (
        saved.loop.buffer_size
    ):
        return config.replace(buffer_size=saved.replay_capacity)
    return config


def config_differences(saved: Config, config: Config) -> list[str]:
    """Incompatible changes from `saved` to `config`, as 'flag old -> new' strings."""
    old, new = saved.resolved().flat(), config.resolved().flat()
    same_buffer = saved.replay_capacity == config.replay_capacity  # buffer-size may differ
    diffs = [
        f"{name.replace('_', '-')} {old[name]!r} -> {new[name]!r}"
        for name in old
        if name not in COMPATIBLE_FIELDS
        and old[name] != new[name]
        and not (name == "buffer_size" and same_buffer)
    ]
    if saved.replay_capacity != config.replay_capacity:
        diffs.append(
            f"replay capacity {saved.replay_capacity} -> {config.replay_capacity} "
            "(buffer-size is clipped to total-env-steps)"
        )
    return diffs


def check_compatible(saved: Config, config: Config, where: str) -> None:
    diffs = config_differences(saved, config)
    if diffs:
        allowed = ", ".join(sorted(f.replace("_", "-") for f in COMPATIBLE_FIELDS))
        raise CheckpointError(
            f"cannot resume '{where}' with an incompatible config: {'; '.join(diffs)} "
            f"(only {allowed} may change)"
        )


def check_same_split(saved_shards: int, shards: int, where: str) -> None:
    """A data-parallel run's replay buffer is one block per device: it resumes only on as many
    devices as it was split over."""
    if saved_shards != shards:
        raise CheckpointError(
            f"cannot resume '{where}' on {shards} device(s): it ran split over {saved_shards} "
            f"(its replay buffer holds one block per device): resume with --num-devices "
            f"{saved_shards} in a job with at least {saved_shards} device(s)"
        )


def existing_run_dir(run_dir: str | Path) -> Path:
    path = Path(run_dir).expanduser().resolve()
    if not path.is_dir():
        raise CheckpointError(
            f"run dir '{path}' does not exist: pass a directory written by "
            "`mjx-dacer2 train --run-dir DIR`"
        )
    return path


def open_run(run_dir: str | Path) -> Checkpointer:
    """A read-only `Checkpointer` of an existing run (validated first)."""
    path = existing_run_dir(run_dir)
    if not (path / CHECKPOINT_DIR).is_dir():
        raise CheckpointError(
            f"no checkpoint in '{path}': no '{CHECKPOINT_DIR}' folder (not a run dir, or the "
            "run stopped before its first save)"
        )
    return Checkpointer(path, read_only=True)


def load_run_config(run_dir: str | Path) -> Config:
    """The config of a run: RUN_DIR/config.json, or the newest checkpoint's copy if that is lost."""
    path = existing_run_dir(run_dir)
    try:
        return config_from_dict(json.loads((path / "config.json").read_text()), str(path))
    except (OSError, json.JSONDecodeError, TypeError) as err:
        checkpointer = open_run(path)
        try:
            _, meta = checkpointer.newest_valid(checkpointer.read_meta)
        finally:
            checkpointer.close()
        print(
            f"warning: cannot read '{path / 'config.json'}' ({one_line(err)}); "
            "using the config stored in the newest checkpoint",
            file=sys.stderr,
        )
        return config_from_dict(meta["config"], str(path))
