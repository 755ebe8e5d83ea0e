"""Orbax checkpoints of a whole run: train state, config and the metrics so far.

Owns the on-disk layout `RUN_DIR/checkpoints/<chunk>/{state,policy,meta}`, the conversion of any
state pytree to a flat dict of plain arrays and back (typed PRNG keys as key data, zero-size
leaves left out and rebuilt), asynchronous saves of a fresh device copy (never the buffers that
the next donated `train_chunk` call reuses), and falling back past corrupt or
partial checkpoints. Run directories and resume guards are in `mjx_dacer2.storage.resume`.

Loading never executes stored code: arrays come back through orbax into a target built by this
code from the config, and metadata is JSON.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp

from mjx_dacer2.parallel.distributed import every_process_reaches, is_main_process

FORMAT = 1
CHECKPOINT_DIR = "checkpoints"
POLICY_FIELDS = ("agent", "obs_stats")  # TrainState fields also saved as the `policy` item


class CheckpointError(ValueError):
    """A run directory, checkpoint or export cannot be used: one line naming it and what to do."""


class CorruptCheckpointError(CheckpointError):
    """One checkpoint cannot be read (partial, truncated, garbled); older ones may still be."""


def one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:160] if text else ''}"


# --- flat views of state pytrees ---------------------------------------------------------------


def _entry_name(entry: Any) -> str:
    for attr in ("name", "key", "idx"):  # GetAttrKey, DictKey / FlattenedIndexKey, SequenceKey
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


def named_leaves(tree: Any) -> dict[str, Any]:
    """Leaves of `tree` by dotted path ("agent.policy_params.params.Dense_0.kernel")."""
    out: dict[str, Any] = {}
    for path, leaf in jax.tree_util.tree_leaves_with_path(tree):
        name = ".".join(_entry_name(entry) for entry in path)
        if name in out:
            raise ValueError(f"two leaves of the state are both named '{name}'")
        out[name] = leaf
    return out


def _is_key(leaf: Any) -> bool:
    return jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)


def plain_copy(tree: Any) -> dict[str, jax.Array]:
    """Fresh copies of the non-empty leaves, typed PRNG keys as their uint32 key data."""
    return {
        name: jax.random.key_data(leaf) if _is_key(leaf) else jnp.copy(leaf)
        for name, leaf in named_leaves(tree).items()
        if leaf.size > 0  # orbax cannot write zero-size arrays; they are rebuilt on restore
    }


snapshot = jax.jit(plain_copy)  # outputs are new buffers: donating the input later is safe


def restore_target(abstract_tree: Any, shardings: Any = None) -> dict[str, Any]:
    """What orbax restores `snapshot(tree)` into: unwritten numpy arrays, or with `shardings`
    (a pytree like `abstract_tree`) abstract arrays placed like them, so that every device (of
    every process) reads only its own part."""
    flat = jax.eval_shape(plain_copy, abstract_tree)
    if shardings is None:
        return {k: np.empty(v.shape, v.dtype) for k, v in flat.items()}
    placed = named_leaves(shardings)
    return {k: jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=placed[k]) for k, v in flat.items()}


def from_snapshot(flat: dict[str, Any], abstract_tree: Any, shardings: Any = None) -> Any:
    """Rebuild a pytree shaped like `abstract_tree` from `snapshot`'s flat dict.

    Without `shardings`, leaves become uncommitted device arrays, like the outputs of a jitted
    `init`: committed ones would lower `train_chunk` to a different program (a recompile, and no
    longer bit-exact). With them, every leaf is placed like its sharding.
    """
    placed = named_leaves(shardings) if shardings is not None else {}
    leaves = []
    for name, leaf in named_leaves(abstract_tree).items():
        if leaf.size == 0:
            leaves.append(jnp.zeros(leaf.shape, leaf.dtype, device=placed.get(name)))
        elif _is_key(leaf):
            impl = jax.random.key_impl(jnp.zeros((), leaf.dtype))
            leaves.append(jax.random.wrap_key_data(jnp.asarray(flat[name]), impl=impl))
        else:
            leaves.append(jnp.asarray(flat[name], leaf.dtype))
    return jax.tree.unflatten(jax.tree.structure(abstract_tree), leaves)


def split_policy(flat: dict) -> tuple[dict, dict]:
    """(policy part: agent + obs stats, the rest) of a flat state dict."""
    policy = {k: v for k, v in flat.items() if k.split(".", 1)[0] in POLICY_FIELDS}
    return policy, {k: v for k, v in flat.items() if k not in policy}


# --- the checkpoint manager ------------------------------------------------------------------


def _eval_return(metrics: dict) -> float:
    return float(metrics["eval_return"])


class _DropTensorstoreTaskErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        err = record.exc_info[1] if record.exc_info else None
        return not (
            str(record.msg).startswith("Task exception was never retrieved")
            and "tensorstore_spec" in str(err)
        )


def _drop_closed_loop_noise() -> None:
    """After a failed restore, orbax's pending tensorstore reads report 'Event loop is closed'
    through `sys.unraisablehook` and their errors through asyncio's logger, as long tracebacks
    on stderr; drop those two (the restore itself raises) so errors stay one line."""
    previous = sys.unraisablehook
    if getattr(previous, "drops_closed_loop_noise", False):
        return
    logging.getLogger("asyncio").addFilter(_DropTensorstoreTaskErrors())

    def hook(unraisable) -> None:
        err = unraisable.exc_value
        if not (isinstance(err, RuntimeError) and str(err) == "Event loop is closed"):
            previous(unraisable)

    hook.drops_closed_loop_noise = True
    sys.unraisablehook = hook


class Checkpointer:
    """Orbax `CheckpointManager` of one run; steps are chunk indices.

    Keeps the newest `keep` checkpoints and, with `keep_best`, the one with the best eval return.
    Saves are asynchronous; `wait()` blocks until the last one is on disk.
    """

    def __init__(self, run_dir: Path, keep: int = 2, keep_best: bool = True, read_only=False):
        _drop_closed_loop_noise()
        self.directory = (Path(run_dir) / CHECKPOINT_DIR).resolve()  # orbax needs absolute
        self._set_asides = 0
        if not read_only:
            _remove_unfinished_saves(self.directory)
        policies: list = [ocp.checkpoint_managers.LatestN(n=keep)]
        if keep_best:
            policies.append(
                ocp.checkpoint_managers.BestN(
                    get_metric_fn=_eval_return, n=1, keep_checkpoints_without_metrics=False
                )
            )
        options = ocp.CheckpointManagerOptions(
            preservation_policy=ocp.checkpoint_managers.AnyPreservationPolicy(policies),
            best_fn=_eval_return,
            best_mode="max",
            read_only=read_only,
            create=not read_only,
            cleanup_tmp_directories=not read_only,  # leftovers of a save killed midway
            enable_async_checkpointing=True,
        )
        self.manager = ocp.CheckpointManager(
            self.directory, item_names=("state", "policy", "meta"), options=options
        )

    def steps(self) -> list[int]:
        return sorted(self.manager.all_steps())

    def best_step(self) -> int | None:
        return self.manager.best_step()

    def step_dir(self, step: int) -> Path:
        return self.directory / str(step)

    def save(self, step: int, copy: dict, meta: dict, eval_return: float | None = None) -> None:
        """Start saving `copy` = `snapshot(state)` at `step` (a device copy: the state itself may
        be donated to the next chunk meanwhile); returns once orbax has taken it over."""
        policy, rest = split_policy(copy)
        args = ocp.args.Composite(
            state=ocp.args.StandardSave(rest),
            policy=ocp.args.StandardSave(policy),
            meta=ocp.args.JsonSave(dict(meta, format=FORMAT, chunk=step)),
        )
        metrics = None if eval_return is None else {"eval_return": float(eval_return)}
        try:
            self.manager.save(step, args=args, metrics=metrics, force=True)
        except Exception as err:  # noqa: BLE001 - orbax raises many types; one line for the user
            raise CheckpointError(
                f"could not save checkpoint '{self.step_dir(step)}' ({one_line(err)}): "
                "check free disk space and permissions"
            ) from err

    def wait(self) -> None:
        try:
            self.manager.wait_until_finished()
        except Exception as err:  # noqa: BLE001
            raise CheckpointError(
                f"a checkpoint in '{self.directory}' failed to save ({one_line(err)}): "
                "check free disk space and permissions"
            ) from err

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.manager.close()

    def read_meta(self, step: int) -> dict:
        meta = self._restore(step, meta=ocp.args.JsonRestore())["meta"]
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise CorruptCheckpointError(
                f"checkpoint '{self.step_dir(step)}' has no valid metadata (format {FORMAT})"
            )
        return meta

    def restore_state(self, step: int, abstract_state: Any, shardings: Any = None) -> Any:
        """The whole train state at `step`, shaped like `abstract_state` (and placed like
        `shardings`, when given)."""
        policy, rest = split_policy(restore_target(abstract_state, shardings))
        items = self._restore(
            step, state=ocp.args.StandardRestore(rest), policy=ocp.args.StandardRestore(policy)
        )
        return from_snapshot({**items["state"], **items["policy"]}, abstract_state, shardings)

    def restore_policy(self, step: int, abstract_policy: dict) -> dict:
        """Only `{"agent": ..., "obs_stats": ...}` at `step` (the replay buffer is not read)."""
        flat = restore_target(abstract_policy)
        items = self._restore(step, policy=ocp.args.StandardRestore(flat))
        return from_snapshot(items["policy"], abstract_policy)

    def _restore(self, step: int, **items) -> Any:
        try:
            return self.manager.restore(step, args=ocp.args.Composite(**items))
        except Exception as err:  # noqa: BLE001
            raise CorruptCheckpointError(
                f"checkpoint '{self.step_dir(step)}' is corrupt or partial ({one_line(err)})"
            ) from err

    def newest_valid(
        self,
        load: Callable[[int], Any],
        step: int | None = None,
        set_aside: bool = False,
        quiet: bool = False,
    ) -> tuple[int, Any]:
        """`(step, load(step))` for `step`, or else the newest step `load` can read.

        Unreadable checkpoints newer than the one loaded are reported on stderr (unless `quiet`);
        with `set_aside` they are renamed to `<step>.corrupt`, so that the run can save those
        steps again (nothing is deleted). If none can be read, one `CorruptCheckpointError` says
        so. Other errors (e.g. an incompatible config) stop the search at once.
        """
        steps = self.steps()
        if step is not None and step not in steps:
            raise CheckpointError(
                f"no checkpoint at chunk {step} in '{self.directory}': "
                f"choose one of {', '.join(map(str, steps)) or 'none'}"
            )
        candidates = [step] if step is not None else steps[::-1]
        if not candidates:
            raise CheckpointError(
                f"no checkpoint in '{self.directory}': the run stopped before its first save"
            )
        skipped: list[tuple[int, CorruptCheckpointError]] = []
        for candidate in candidates:
            try:
                loaded = load(candidate)
            except CorruptCheckpointError as err:
                skipped.append((candidate, err))
                continue
            for bad, err in skipped:
                if not quiet:
                    print(f"warning: skipped {err}", file=sys.stderr)
                if set_aside:
                    self.set_aside(bad)
            return candidate, loaded
        if len(skipped) == 1:
            raise skipped[0][1]
        raise CorruptCheckpointError(
            f"no readable checkpoint in '{self.directory}' (tried chunks "
            f"{', '.join(map(str, candidates))}; newest: {skipped[0][1]})"
        )

    def set_aside(self, step: int, why: str = "unreadable") -> None:
        """Rename checkpoint `step` out of the run (`<step>.corrupt` when unreadable, else
        `<step>.aside`) so that the run can save that step again; nothing is deleted."""
        path = self.step_dir(step)
        if is_main_process():  # in a multi-process job one process renames, the others wait
            suffix = "corrupt" if why == "unreadable" else "aside"
            target = path.with_name(f"{step}.{suffix}")
            n = 1
            while target.exists():
                target, n = path.with_name(f"{step}.{suffix}{n}"), n + 1
            path.rename(target)
            print(f"warning: moved {why} checkpoint to '{target}'", file=sys.stderr)
        self._set_asides += 1  # a barrier name is used once per job
        every_process_reaches(f"set-aside-{path}-{self._set_asides}")
        self.manager.reload()


def _remove_unfinished_saves(directory: Path) -> None:
    """Delete the temporary directories of saves killed midway (orbax renames a save into place
    only once it is complete, so these never hold a finished checkpoint)."""
    if directory.is_dir():
        for leftover in directory.glob("*.orbax-checkpoint-tmp*"):
            shutil.rmtree(leftover, ignore_errors=True)
