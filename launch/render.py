"""`mjx-dacer2 render RUN_DIR`: a video of the run's deterministic policy on its MJX task, rendered
headless with MuJoCo's renderer (MUJOCO_GL=egl by default; see mjx_dacer2.study.rendering).

    mjx-dacer2 render runs/hopper --out videos/hopper.mp4 --steps 500

Writes mp4 when imageio-ffmpeg is installed (`pip install -e .[render]`), else gif.
"""

from __future__ import annotations

import os
import sys

if sys.platform.startswith("linux"):
    os.environ.setdefault("MUJOCO_GL", "egl")  # before anything imports mujoco

from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import tyro  # noqa: E402

from mjx_dacer2.launch.checkpoint_args import CheckpointArgs  # noqa: E402


@dataclass(frozen=True)
class RenderArgs(CheckpointArgs):
    out: str | None = None
    """Video path, .mp4 or .gif (default RUN_DIR/policy.mp4)."""
    steps: int = 500
    """Env steps at most (stops early when the episode terminates)."""
    width: int = 320
    """Frame width in pixels (even)."""
    height: int = 240
    """Frame height in pixels (even)."""
    camera: str | None = None
    """A camera of the model, by name (default: 'track' or a free camera following the robot)."""
    seed: int = 0
    """Seed of the env reset."""


def main(argv: list[str]) -> int:
    args = tyro.cli(RenderArgs, args=argv, prog="mjx-dacer2 render", description=__doc__)
    if args.steps < 1 or args.width < 2 or args.height < 2 or args.width % 2 or args.height % 2:
        print(
            f"error: steps must be >= 1 and width/height even and >= 2 (yuv420p video), got "
            f"{args.steps} steps, {args.width}x{args.height}",
            file=sys.stderr,
        )
        return 2

    import jax

    from mjx_dacer2 import envs
    from mjx_dacer2.runtime import quiet_library_warnings
    from mjx_dacer2.storage.checkpoint import CheckpointError
    from mjx_dacer2.storage.export import load_checkpoint_policy
    from mjx_dacer2.study.rendering import render_policy

    quiet_library_warnings()
    try:
        loaded = load_checkpoint_policy(args.run_dir, args.chunk, args.best)
        env = envs.make(loaded.config.env, loaded.config.loop.episode_length)
        out = Path(args.out) if args.out else Path(args.run_dir) / "policy.mp4"
        path, frames = render_policy(
            env,
            loaded.policy.deterministic_action,
            out,
            num_steps=args.steps,
            width=args.width,
            height=args.height,
            camera=args.camera,
            key=jax.random.key(args.seed),
        )
    except (CheckpointError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({frames} frames, {loaded.config.env}, chunk {loaded.chunk})")
    return 0
