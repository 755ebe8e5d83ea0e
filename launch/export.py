"""`mjx-dacer2 export RUN_DIR [--out PATH]`: write a run's policy for `mjx_dacer2.load_policy`.

The export is a folder with policy.json (config, sizes, source) and arrays.npz (no pickle).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import tyro

from mjx_dacer2.launch.checkpoint_args import CheckpointArgs


@dataclass(frozen=True)
class ExportArgs(CheckpointArgs):
    out: str | None = None
    """Output folder; default RUN_DIR/policy (an older export there is replaced)."""
    policy_only: bool = False
    """Store only the policy params (deterministic actions only; smaller file)."""


def main(argv: list[str]) -> int:
    args = tyro.cli(ExportArgs, args=argv, prog="mjx-dacer2 export", description=__doc__)
    from mjx_dacer2.runtime import quiet_library_warnings
    from mjx_dacer2.storage.export import ARRAYS, export_policy  # after parsing: --help stays fast

    quiet_library_warnings()
    try:
        out = export_policy(args.run_dir, args.out, args.chunk, args.best, args.policy_only)
    except (ValueError, OSError) as err:  # CheckpointError is a ValueError
        print(f"error: {err}", file=sys.stderr)
        return 2
    size_kb = (out / ARRAYS).stat().st_size / 1024
    print(
        f"exported '{args.run_dir}' to '{out}' ({size_kb:,.0f} KB of arrays): "
        f"load it with mjx_dacer2.load_policy('{out}')"
    )
    return 0
