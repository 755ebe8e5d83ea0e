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

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mjx-dacer2 render", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", help="a run dir written by `mjx-dacer2 train`")
    parser.add_argument("--out", help="video path, .mp4 or .gif (default RUN_DIR/policy.mp4)")
    parser.add_argument("--steps", type=int, default=500, help="env steps at most (stops early "
                        "when the episode terminates)")  # fmt: skip
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--camera", help="a camera of the model, by name (default: 'track' or a "
                        "free camera following the robot)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of the env reset")
    parser.add_argument("--chunk", type=int, help="checkpoint to load (default: the newest)")
    parser.add_argument("--best", action="store_true", help="load the best-eval checkpoint")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.width < 2 or args.height < 2 or args.width % 2 or args.height % 2:
        parser.error("--steps must be >= 1 and --width/--height even and >= 2")

    import jax

    from mjx_dacer2 import envs
    from mjx_dacer2.storage.checkpoint import CheckpointError
    from mjx_dacer2.storage.export import load_checkpoint_policy
    from mjx_dacer2.study.rendering import render_policy

    try:
        loaded = load_checkpoint_policy(args.run_dir, args.chunk, args.best)
        env = envs.make(loaded.config.env, loaded.config.episode_length)
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
