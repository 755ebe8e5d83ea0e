"""The host driver's guards: memory estimated before anything is allocated, and a signal before
the first chunk (compilation included) stops the process at once."""

import json
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
from mjx_dacer2.storage.logger import WALL_CLOCK_METRICS
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
    split = memory.check_fits(state, free=10**12, data_shards=4)  # what one of 4 devices holds
    assert split["buffer"] * 4 == sizes["buffer"] and split["agent"] == sizes["agent"]
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


def test_dispatching_the_next_chunk_first_changes_nothing(tiny_config, tmp_path):
    """The overlapped loop (chunk k+1 dispatched before chunk k is evaluated, logged and saved)
    and the sequential one produce identical logs and checkpoints."""
    from mjx_dacer2.driver.run import train_seeds
    from mjx_dacer2.storage.checkpoint import Checkpointer, snapshot

    config = tiny_config.replace(
        total_env_steps=144, save_every_env_steps=48, keep_checkpoints=5, progress=False
    )
    runs = {}
    for overlap in (True, False):
        run_dir = tmp_path / f"overlap_{overlap}"
        train_seeds(config, [0], [run_dir], overlap=overlap)
        lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
        records = [{k: v for k, v in r.items() if k not in WALL_CLOCK_METRICS} for r in lines]
        checkpointer = Checkpointer(run_dir, read_only=True)
        abstract = jax.eval_shape(
            make_trainer(config, envs.make("multigoal")).init, jax.random.key(0)
        )
        states = [
            jax.device_get(snapshot(checkpointer.restore_state(c, abstract)))
            for c in checkpointer.steps()
        ]
        checkpointer.close()
        runs[overlap] = records, checkpointer.steps(), states
    (records, steps, states), (records_seq, steps_seq, states_seq) = runs[True], runs[False]
    assert len(records) == 4 and records == records_seq and steps == steps_seq == [1, 2, 3]
    for ours, theirs in zip(states, states_seq, strict=True):
        assert ours.keys() == theirs.keys()
        assert not [k for k in ours if not np.array_equal(ours[k], theirs[k])]


SEEDS_ON_TWO_DEVICES = """
import json, os, sys
flags = os.environ.get("XLA_FLAGS", "")  # the suite's, and two devices
os.environ["XLA_FLAGS"] = flags + " --xla_force_host_platform_device_count=2"
from mjx_dacer2.config.serialize import config_from_dict
from mjx_dacer2.driver.run import train_seeds
config = config_from_dict(json.loads(sys.argv[2]), "test")
train_seeds(config, [0, 1], [sys.argv[1] + "/s0", sys.argv[1] + "/s1"])
"""


def _logs(out: Path) -> list[list[dict]]:
    return [
        [
            {k: v for k, v in json.loads(line).items() if k not in WALL_CLOCK_METRICS}
            for line in (out / seed / "metrics.jsonl").read_text().splitlines()
        ]
        for seed in ("s0", "s1")
    ]


def test_vmapped_seeds_spread_over_devices_and_train_the_same(tiny_config, tmp_path):
    """Two seeds on two (fake CPU) devices, one seed each, log what the same two seeds log
    vmapped on one device."""
    from mjx_dacer2.config.serialize import config_to_dict
    from mjx_dacer2.driver.run import train_seeds

    config = tiny_config.replace(progress=False)
    train_seeds(config, [0, 1], [tmp_path / "one" / "s0", tmp_path / "one" / "s1"])
    done = subprocess.run(
        [sys.executable, "-c", SEEDS_ON_TWO_DEVICES, str(tmp_path / "two"),
         json.dumps(config_to_dict(config))],
        env=dict(os.environ, JAX_PLATFORMS="cpu"), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for one, two in zip(_logs(tmp_path / "one"), _logs(tmp_path / "two"), strict=True):
        assert len(one) == len(two) == 3
        assert all("devices_in_program" not in r for r in one)
        assert all(r.pop("devices_in_program") == 2 for r in two[1:])  # not the untrained eval
        for a, b in zip(one, two, strict=True):
            assert a.keys() == b.keys()
            np.testing.assert_allclose([a[k] for k in a], [b[k] for k in a], rtol=1e-5, atol=1e-5)


def test_device_counts_that_cannot_work_are_one_line_errors(tiny_config):
    """On this one-device process: one seed uses it; seeds cannot be split over 2 devices; a
    data-parallel split needs sizes the device count divides (checked with the rule alone)."""
    from mjx_dacer2.parallel.mesh import check_divisible, plan_devices

    assert plan_devices(tiny_config, 1) == (1, 1)
    assert plan_devices(tiny_config, 3) == (1, 1)  # default: every local device, here one
    with pytest.raises(ConfigError, match="num-devices 2 cannot split 3 seeds over this"):
        plan_devices(tiny_config.replace(num_devices=2), 3)
    with pytest.raises(ConfigError, match=r"^batch-size \(10\) must be a multiple of the 4"):
        check_divisible({"num-envs": 8, "batch-size": 10}, 4)
