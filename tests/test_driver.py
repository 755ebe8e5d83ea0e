"""The host driver's guards: memory estimated before anything is allocated, and a signal before
the first chunk (compilation included) stops the process at once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest

from mjx_dacer2 import envs
from mjx_dacer2.config import ConfigError
from mjx_dacer2.driver import memory, train
from mjx_dacer2.training.trainer import make_trainer


def test_state_size_estimate_is_exact_and_a_too_big_run_is_refused(tiny_config, monkeypatch):
    trainer = make_trainer(tiny_config, envs.make("multigoal"))
    sizes = memory.state_bytes(jax.eval_shape(trainer.init, jax.random.key(0)))
    state = jax.jit(trainer.init)(jax.random.key(0))
    real = sum(
        8 * x.size if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key) else x.nbytes
        for x in jax.tree.leaves(state)
    )
    assert sum(sizes.values()) == real
    assert memory.check_fits(state, num_seeds=3, free=10**12)["buffer"] == 3 * sizes["buffer"]
    with pytest.raises(ConfigError, match=r"lower --policy-hidden/--critic-hidden$") as err:
        memory.check_fits(state, free=sizes["agent"])  # the tiny run's largest part: networks
    assert "\n" not in str(err.value) and "replay buffer 2.0 kB" in str(err.value)

    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)
    with pytest.raises(ConfigError, match="needs .* free: the .* lower --"):
        train(tiny_config.replace(run_dir=None, progress=False))


def test_a_signal_during_compilation_stops_at_once(tmp_path):
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "mjx_dacer2.launch.cli", "train", "--env", "hopper"]
    cmd += ["--num-envs", "64", "--run-dir", str(run_dir), "--no-progress"]
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    child = subprocess.Popen(cmd, env=env, cwd=Path(__file__).parents[1],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (run_dir / "config.json").exists() and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read()
            time.sleep(0.05)
        assert (run_dir / "config.json").exists(), "the run never started"
        sent = time.monotonic()
        child.send_signal(signal.SIGTERM)  # hopper's MJX trace and compile take 10 s or more
        code = child.wait(timeout=30)
        stopped_in = time.monotonic() - sent
    finally:
        child.kill()
        child.wait()
    assert code == -signal.SIGTERM and stopped_in < 5, (code, stopped_in)
    assert not [p for p in (run_dir / "checkpoints").iterdir() if p.name.isdigit()]
    assert np.isfinite(stopped_in)
