"""Videos of a policy on an MJX task, rendered headless with MuJoCo's renderer.

Owns the rollout that records joint positions (one jitted `lax.scan` of the unbatched env and a
policy), the conversion of those MJX states to `mujoco.MjData` (qpos copied, `mj_forward`),
frame rendering with `mujoco.Renderer`, and writing mp4 (imageio-ffmpeg) or gif (Pillow).

Headless OpenGL: MuJoCo picks its GL backend from `MUJOCO_GL` when it is first imported. Without a
display, `MUJOCO_GL=egl` works on a CPU through Mesa's software rasteriser (Debian: libegl1,
libegl-mesa0, libgl1-mesa-dri; launch/setup.sh installs them when missing); `osmesa` would need
libosmesa6 and `glfw` needs a display. Importing this module before mujoco sets `MUJOCO_GL=egl`
unless it is already set.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if "mujoco" not in sys.modules and sys.platform.startswith("linux"):
    os.environ.setdefault("MUJOCO_GL", "egl")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402

from mjx_dacer2 import envs  # noqa: E402
from mjx_dacer2.envs import Env  # noqa: E402

MAX_FPS = 50  # frames are subsampled so that videos play in real time at <= this rate
DetFn = Callable[[jax.Array], jax.Array]  # obs (B, o) -> action (B, d)


@dataclass(frozen=True)
class RenderSpec:
    """What rendering needs besides the states: the MuJoCo model and the env step's duration."""

    mj_model: Any  # mujoco.MjModel
    dt: float  # simulated seconds per env step


def render_spec(env_name: str) -> RenderSpec:
    """The MuJoCo model and step duration of MJX env `env_name` (built, nothing compiled)."""
    model, dt = envs.render_model(env_name)
    return RenderSpec(model, dt)


def _qpos(inner: Any) -> jax.Array:
    """Joint positions of an env's inner state: Brax `State.pipeline_state` or Playground's
    `State.data` (both an `mjx.Data`)."""
    data = getattr(inner, "pipeline_state", None)
    if data is None:
        data = getattr(inner, "data", None)
    if data is None or not hasattr(data, "qpos"):
        raise TypeError(f"cannot find MJX data (qpos) in the env state {type(inner).__name__}")
    return data.qpos


def rollout_qpos(env: Env, act_fn: DetFn, num_steps: int, key: jax.Array) -> np.ndarray:
    """qpos (n + 1, nq) of one episode of `act_fn` from a reset: the reset state, then every step
    until termination or `num_steps` steps."""
    return rollout(env, act_fn, num_steps, key)[0]


def rollout(
    env: Env, act_fn: DetFn, num_steps: int, key: jax.Array
) -> tuple[np.ndarray, np.ndarray]:
    """qpos (n + 1, nq) and raw observations (n + 1, o) of one episode of `act_fn` from a reset:
    the reset state, then every step until termination or `num_steps` steps."""

    def run(key: jax.Array):
        inner, obs = env.reset_fn(key)

        def step(carry, _):
            inner, obs, alive = carry
            inner, obs, _, terminated = env.step_fn(inner, act_fn(obs[None])[0])
            return (inner, obs, alive & ~terminated), (_qpos(inner), obs, alive)

        carry = (inner, obs, jnp.ones((), bool))
        _, (qpos, observations, alive) = jax.lax.scan(step, carry, None, length=num_steps)
        qpos = jnp.concatenate([_qpos(inner)[None], qpos])
        observations = jnp.concatenate([obs[None], observations])
        return qpos, observations, alive  # alive: before each step

    qpos, obs, alive = jax.device_get(jax.jit(run)(key))
    n = 1 + int(np.sum(alive))
    return np.asarray(qpos)[:n], np.asarray(obs)[:n]


def _camera(model: Any, data: Any, camera: str | int | None) -> mujoco.MjvCamera | int | str:
    """`camera` (a model camera's name or index) if given, else the model's `track` camera (Brax's
    locomotion models have one), else a free camera on the first body, tracking it when the robot
    floats or slides."""
    if camera is not None:
        return camera
    if mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, "track") >= 0:
        return "track"
    cam = mujoco.MjvCamera()
    mujoco.mjv_defaultFreeCamera(model, cam)
    mujoco.mj_forward(model, data)
    cam.lookat[:] = data.xpos[1]
    cam.distance = float(np.clip(1.5 * model.stat.extent, 1.0, 4.0))
    root_joint = model.body_jntadr[1]
    if root_joint >= 0 and model.jnt_type[root_joint] in (
        mujoco.mjtJoint.mjJNT_FREE,
        mujoco.mjtJoint.mjJNT_SLIDE,
    ):
        cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
        cam.trackbodyid = 1
    return cam


def render_frames(
    spec: RenderSpec, qpos: np.ndarray, width: int = 320, height: int = 240, camera=None
) -> np.ndarray:
    """Render each row of `qpos` (n, nq): uint8 frames (n, height, width, 3)."""
    model = spec.mj_model
    model.vis.global_.offwidth = max(model.vis.global_.offwidth, width)
    model.vis.global_.offheight = max(model.vis.global_.offheight, height)
    data = mujoco.MjData(model)
    data.qpos[:] = qpos[0]
    cam = _camera(model, data, camera)
    try:
        renderer = mujoco.Renderer(model, height, width)
    except Exception as err:  # noqa: BLE001 - GL setup fails with many types
        raise RuntimeError(
            f"cannot create a MuJoCo renderer (MUJOCO_GL={os.environ.get('MUJOCO_GL')!r}: "
            f"{err}); on a headless machine set MUJOCO_GL=egl before mujoco is imported and "
            "install libegl1 libegl-mesa0 libgl1-mesa-dri"
        ) from err
    frames = np.empty((len(qpos), height, width, 3), np.uint8)
    with renderer:
        for i, q in enumerate(qpos):
            data.qpos[:] = q
            mujoco.mj_forward(model, data)
            renderer.update_scene(data, camera=cam)
            frames[i] = renderer.render()
    return frames


def frame_stride(dt: float, max_fps: int = MAX_FPS) -> tuple[int, float]:
    """(keep every k-th state, fps) so that the video plays in real time at <= `max_fps`."""
    stride = max(1, math.ceil((1.0 / dt) / max_fps - 1e-9))
    return stride, 1.0 / (dt * stride)


def write_video(frames: np.ndarray, path: str | Path, fps: float) -> Path:
    """Write frames (n, H, W, 3) uint8 as mp4 (needs imageio-ffmpeg) or gif (Pillow); an mp4
    request falls back to gif when imageio-ffmpeg is missing. Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".mp4":
        try:
            import imageio_ffmpeg
        except ImportError:
            path = path.with_suffix(".gif")
            print(
                "note: imageio-ffmpeg is not installed (pip install -e .[render]); writing a gif",
                file=sys.stderr,
            )
        else:
            height, width = frames.shape[1:3]
            writer = imageio_ffmpeg.write_frames(
                str(path), (width, height), fps=fps, macro_block_size=2
            )
            with warnings.catch_warnings():  # fork + exec of ffmpeg is safe despite JAX threads
                warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
                writer.send(None)  # starts ffmpeg
            for frame in frames:
                writer.send(np.ascontiguousarray(frame))
            writer.close()
            return path
    if path.suffix != ".gif":
        raise ValueError(f"unsupported video format '{path.suffix}': use .mp4 or .gif")
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    duration_ms = max(20, round(1000.0 / fps))  # gif delays are in 10 ms units, >= 20 plays
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path


def render_policy(
    env: Env,
    act_fn: DetFn,
    path: str | Path,
    num_steps: int = 500,
    width: int = 320,
    height: int = 240,
    camera=None,
    key: jax.Array | None = None,
) -> tuple[Path, int]:
    """Roll out `act_fn` on `env` and write the video; returns (path written, frames)."""
    spec = render_spec(env.name)
    key = jax.random.key(0) if key is None else key
    qpos = rollout_qpos(env, act_fn, num_steps, key)
    stride, fps = frame_stride(spec.dt)
    frames = render_frames(spec, qpos[::stride], width, height, camera)
    return write_video(frames, path, fps), len(frames)
