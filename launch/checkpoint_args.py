"""The flags every command that reads a run's checkpoint shares (eval, export, modes, render)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro


@dataclass(frozen=True)
class CheckpointArgs:
    run_dir: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="RUN_DIR")]
    """Run directory written by `mjx-dacer2 train` (or a sweep cell)."""
    chunk: int | None = None
    """Use the checkpoint saved after this chunk (default: the newest readable one)."""
    best: bool = False
    """Use the checkpoint with the best eval return instead of the newest."""
