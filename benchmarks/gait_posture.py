"""Which way up a planar walker runs: the posture of trained policies (issue 24, round L13).

A halfcheetah policy can settle on a gait on its back, a local optimum that earns about 2,000
per 1,000 steps where an upright run earns 4,000-5,000. For every `seed*/` run dir of each
sweep CELL, this loads a checkpoint (the newest, or `--chunk`), rolls out one episode of its
deterministic policy, and reports the fraction of steps the torso is upside down (the root
pitch joint `rooty` past ±90 degrees), the distance run and the steps alive. Prints a markdown
table and writes it with the JSON to OUT.

    python benchmarks/gait_posture.py \
        --cells runs/locomotion/L10-halfcheetah/halfcheetah/dacer2_T5 \
                runs/locomotion/L10-halfcheetah/halfcheetah/sac_reward_scale-1 \
        --out benchmarks/results/locomotion/L13-posture
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jax
import mujoco
import numpy as np
import tyro

from mjx_dacer2 import envs
from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
from mjx_dacer2.storage.export import load_checkpoint_policy
from mjx_dacer2.study.rendering import rollout_qpos
from mjx_dacer2.study.reports import write_rows

PITCH_JOINT = "rooty"  # Brax's planar walkers: qpos = (rootx, rootz, rooty, joints...)


@dataclass(frozen=True)
class Args:
    cells: tuple[str, ...]
    """Sweep cells: folders that hold seed*/ run dirs."""
    chunk: int | None = None
    """Checkpoint to load in every run (a chunk number; default: each run's newest)."""
    steps: int = 1000
    """Env steps of the episode (stops early when it terminates)."""
    episode_seed: int = 0
    """Seed of the env reset (the same episode start for every run)."""
    out: str = "runs/benchmarks/gait_posture"
    """Folder for gait_posture.json and .md."""


def pitch_index(env_name: str) -> int:
    """qpos index of the root pitch joint of MJX env `env_name` (nothing compiles)."""
    model, _ = envs.render_model(env_name)
    joint = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, PITCH_JOINT)
    if joint < 0:
        raise ValueError(
            f"env '{env_name}' has no '{PITCH_JOINT}' joint: the posture check needs a planar "
            "walker (halfcheetah, hopper, walker2d)"
        )
    return int(model.jnt_qposadr[joint])


def posture(qpos: np.ndarray, pitch: int) -> dict:
    """Upside-down fraction (cos(pitch) < 0), distance along x and steps alive of one episode's
    qpos (n + 1, nq): the reset state, then every step alive."""
    return dict(
        upside_down=float(np.mean(np.cos(qpos[:, pitch]) < 0)),
        distance=float(qpos[-1, 0] - qpos[0, 0]),
        steps=len(qpos) - 1,
    )


def measure(args: Args) -> list[dict]:
    rows, env, pitch = [], None, None
    for cell in args.cells:
        for run_dir in sorted(Path(cell).glob("seed*")):
            loaded = load_checkpoint_policy(run_dir, args.chunk)
            if env is None or env.name != loaded.config.env:
                env = envs.make(loaded.config.env, loaded.config.loop.episode_length)
                pitch = pitch_index(env.name)
            act = loaded.policy.deterministic_action
            qpos = rollout_qpos(env, act, args.steps, jax.random.key(args.episode_seed))
            row = dict(cell=Path(cell).name, seed=run_dir.name, env_steps=loaded.env_steps)
            row.update(posture(qpos, pitch))
            print(row, flush=True)
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| cell | seed | env steps | upside down (fraction of steps) | distance (m) "
        "| steps alive |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['cell']} | {r['seed']} | {r['env_steps']:,} | {r['upside_down']:.2f} "
            f"| {r['distance']:.0f} | {r['steps']} |"
        )
    return "\n".join(lines) + "\n"


def main(args: Args) -> None:
    enable_compilation_cache()
    quiet_library_warnings()
    rows = measure(args)
    write_rows(args.out, "gait_posture", args, rows, table(rows))


if __name__ == "__main__":
    main(tyro.cli(Args))
