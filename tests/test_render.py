"""Tests for mjx_dacer2.study.rendering and `mjx-dacer2 render`: headless frames of the right size
from an MJX rollout (inverted_pendulum, a few steps, tiny resolution), gif/mp4 writing, the CLI."""

from __future__ import annotations

import json
import os

os.environ.setdefault("MUJOCO_GL", "egl")  # before anything imports mujoco

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mjx_dacer2 import envs  # noqa: E402
from mjx_dacer2.study import rendering  # noqa: E402

ENV = "inverted_pendulum"
STEPS = 40
W, H = 64, 48


def push(obs: jax.Array) -> jax.Array:
    """A small constant push right: the cart moves and the pole falls (terminates in ~9 steps)."""
    return jnp.full((obs.shape[0], 1), 0.05)


@pytest.fixture(scope="module")
def spec() -> rendering.RenderSpec:
    spec = rendering.render_spec(ENV)
    try:
        mujoco_renderer = rendering.mujoco.Renderer(spec.mj_model, 8, 8)
    except Exception as err:  # noqa: BLE001
        pytest.skip(f"no headless OpenGL (MUJOCO_GL={os.environ.get('MUJOCO_GL')}): {err}")
    mujoco_renderer.close()
    return spec


@pytest.fixture(scope="module")
def qpos() -> np.ndarray:
    return rendering.rollout_qpos(envs.make(ENV), push, STEPS, jax.random.key(0))


def test_rollout_stops_at_termination(qpos: np.ndarray) -> None:
    assert qpos.shape[1] == 2  # cart slide, pole hinge
    assert 3 < len(qpos) < STEPS + 1  # terminated early: the pole fell
    assert abs(qpos[-1, 1]) > 0.2 >= abs(qpos[-2, 1])  # Brax's termination angle
    assert np.all(np.diff(qpos[:, 0]) > 0)  # the cart moves right


def test_render_frames(spec: rendering.RenderSpec, qpos: np.ndarray) -> None:
    frames = rendering.render_frames(spec, qpos[:4], W, H)
    assert frames.shape == (4, H, W, 3) and frames.dtype == np.uint8
    assert frames.std() > 5  # not a blank image
    # A bigger frame than the model's offscreen buffer works too (the buffer is grown).
    big = rendering.render_frames(spec, qpos[:1], 800, 600)
    assert big.shape == (1, 600, 800, 3)


def test_frame_stride() -> None:
    assert rendering.frame_stride(0.05) == (1, pytest.approx(20.0))
    stride, fps = rendering.frame_stride(0.008)  # hopper: 125 steps/s
    assert stride == 3 and fps == pytest.approx(125 / 3)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_write_video(tmp_path, suffix: str) -> None:
    if suffix == ".mp4":
        pytest.importorskip("imageio_ffmpeg", reason="mp4 needs the [render] extra")
    frames = np.random.default_rng(0).integers(0, 255, (5, H, W, 3), dtype=np.uint8)
    path = rendering.write_video(frames, tmp_path / f"v{suffix}", fps=10)
    assert path.suffix == suffix and path.stat().st_size > 1000
    with pytest.raises(ValueError, match="unsupported"):
        rendering.write_video(frames, tmp_path / "v.avi", fps=10)


def test_render_cli(tmp_path, monkeypatch, capsys, spec) -> None:
    """`mjx-dacer2 render` end to end, with the run's policy replaced by a fixed one."""
    from types import SimpleNamespace

    from mjx_dacer2.config import Config
    from mjx_dacer2.launch import render
    from mjx_dacer2.storage import export

    policy = SimpleNamespace(deterministic_action=push)
    fake = SimpleNamespace(config=Config(env=ENV), policy=policy, chunk=1)
    monkeypatch.setattr(export, "load_checkpoint_policy", lambda *args: fake)
    out = tmp_path / "v.gif"
    argv = [str(tmp_path), "--out", str(out), "--steps", str(STEPS), "--width", "64"]
    assert render.main([*argv, "--height", "48"]) == 0
    assert out.stat().st_size > 1000 and "wrote" in capsys.readouterr().out
    capsys.readouterr()
    assert render.main([*argv, "--height", "47"]) == 2  # odd sizes: yuv420p mp4 needs even ones
    assert "even" in capsys.readouterr().err


def test_render_spec_unknown_env() -> None:
    with pytest.raises(ValueError, match="no MuJoCo model"):
        rendering.render_spec("multigoal")


def test_gait_posture_finds_the_pitch_joint_and_counts_upside_down_steps(tmp_path) -> None:
    """benchmarks/gait_posture.py: the pitch joint of a planar walker read from its model, the
    upside-down fraction and distance of an episode, a one-line refusal without the joint, and
    the table written as .md and .json (with the arguments)."""
    from benchmark_scripts import load_benchmark

    bench = load_benchmark("gait_posture")
    assert bench.pitch_index("halfcheetah") == 2  # qpos: rootx, rootz, rooty, ...
    with pytest.raises(ValueError, match="no 'rooty' joint"):
        bench.pitch_index("ant")
    qpos = np.zeros((5, 9))
    qpos[:, 0] = [0.0, 1.0, 2.0, 3.0, 4.5]
    qpos[:, 2] = [0.0, 0.3, 2.0, np.pi, -3.0]  # upside down from the third state on
    assert bench.posture(qpos, 2) == dict(upside_down=0.6, distance=4.5, steps=4)
    row = dict(cell="dacer2_T5", seed="seed0", env_steps=96_000, **bench.posture(qpos, 2))
    args = bench.Args(cells=("c",), out=str(tmp_path))
    bench.write_rows(args.out, "gait_posture", args, [row], bench.table([row]))
    assert (
        "| dacer2_T5 | seed0 | 96,000 | 0.60 | 4 | 4 |"
        in (tmp_path / "gait_posture.md").read_text()
    )
    stored = json.loads((tmp_path / "gait_posture.json").read_text())
    assert stored == {"args": dict(vars(args), cells=["c"]), "rows": [row]}
