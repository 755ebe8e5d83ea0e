"""Data parallel over devices and processes, on fake CPU devices (in subprocesses with
`--xla_force_host_platform_device_count`, since the count is fixed when JAX starts): one update
on 4 devices equals it on 1; the replay buffer keeps every transition on its env's device; a
4-device chunk runs with host transfers disallowed and is traced once; a 4-device run resumes
bit-exactly on 4 devices and is refused on 2; a 2-process `jax.distributed` job on localhost
trains, saves a checkpoint and logs what the same run logs in one process. The 4-device checks
and the 4-device run share one process and one config (the run reuses the init and chunk that
the checks compiled), and the 2-process job runs beside it (one fixture)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mjx_dacer2.config import preset
from mjx_dacer2.config.serialize import config_to_dict
from mjx_dacer2.storage.logger import WALL_CLOCK_METRICS

ROOT = Path(__file__).parents[1]
CLI = [sys.executable, "-m", "mjx_dacer2.launch.cli"]
TIMEOUT = 400  # seconds; a hung all-reduce fails the test instead of the suite

# An MJX task (multi-process jobs must place MJX's models on each process's own devices),
# small enough to compile in seconds: 2 chunks of 80 env steps, 2 envs and a 4-batch per device;
# over the task's preset, as `mjx-dacer2 train --env inverted_pendulum` applies it.
PENDULUM = dict(
    env="inverted_pendulum",
    num_envs=8,
    iterations_per_chunk=10,
    total_env_steps=160,
    warmup_steps=40,
    batch_size=16,
    buffer_size=160,
    updates_per_iteration=2,
    policy_hidden=(16, 16),
    critic_hidden=(16, 16),
    entropy_every_env_steps=80,  # every 20 updates: each fit is many all-reduces
    entropy_num_states=4,
    entropy_num_actions=20,
    entropy_em_iters=3,
    episode_length=50,
    eval_every_env_steps=80,
    save_every_env_steps=80,
    num_eval_envs=2,
    progress=False,
)


def _run(script: str, devices: int, *args: str) -> dict:
    """Run `script` with `devices` fake CPU devices; returns the JSON it prints last."""
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={devices}"
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=flags)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _records(run_dir: Path) -> list[dict]:
    return [
        {k: v for k, v in json.loads(line).items() if k not in WALL_CLOCK_METRICS}
        for line in (run_dir / "metrics.jsonl").read_text().splitlines()
    ]


SETUP = """
import json, sys
import jax, jax.numpy as jnp, numpy as np
from mjx_dacer2.runtime import enable_compilation_cache
enable_compilation_cache()
from mjx_dacer2.config.serialize import config_from_dict
config = config_from_dict(json.loads(sys.argv[1]), "test")
"""

CHECKS_ON_FOUR_DEVICES = (
    SETUP
    + """
from jax.sharding import NamedSharding, PartitionSpec as P
from mjx_dacer2 import envs
from mjx_dacer2.algorithms.interface import Transition
from mjx_dacer2.driver.programs import make_programs
from mjx_dacer2.parallel.mesh import DATA
from mjx_dacer2.config import ConfigError
from mjx_dacer2.training import replay
from mjx_dacer2.training.normalizer import init_stats, update_stats
from mjx_dacer2.training.trainer import Trainer

from mjx_dacer2.runtime import set_matmul_precision
config = config.resolved()  # as train() traces, so that the run below reuses these programs
set_matmul_precision(config.matmul_precision)
out = {}
env = envs.make(config.env, config.loop.episode_length)
programs = make_programs(config, env, 1)  # num_devices None: all 4
trainer, mesh = programs.trainer, programs.trainer.mesh
out["mesh"] = mesh.size
try:
    make_programs(config.replace(num_envs=6), env, 1)
except ConfigError as err:
    out["uneven_envs"] = str(err)

# 0. observation statistics of envs split over four devices are those of all envs
obs = jax.random.normal(jax.random.key(5), (8, 3)) * 3.0 + 1.0
stats = jax.jit(update_stats)(init_stats(3), jax.device_put(obs, NamedSharding(mesh, P(DATA))))
out["stats_max_diff"] = max(
    float(np.max(np.abs(np.asarray(stats.mean) - np.mean(np.asarray(obs), 0)))),
    float(np.max(np.abs(np.asarray(stats.var) - np.var(np.asarray(obs), 0)))))

# 1. the same global batch: three updates on one device and split over four
learner, B = trainer.learner, config.loop.batch_size
k = jax.random.split(jax.random.key(7), 5)
batch = Transition(
    obs=jax.random.normal(k[0], (B, env.obs_size)),
    action=jax.random.uniform(k[1], (B, env.action_size), minval=-1, maxval=1),
    reward=jax.random.normal(k[2], (B,)),
    next_obs=jax.random.normal(k[3], (B, env.obs_size)),
    terminated=jnp.zeros((B,)),
)
update = jax.jit(learner.update)
def three(agent, batch):
    metrics = []
    for i in range(3):
        agent, m = update(agent, batch, jax.random.fold_in(k[4], i))
        metrics.append(m)
    return agent, metrics
agent = jax.jit(learner.init)(jax.random.key(1))
one, m1 = three(agent, batch)
four, m4 = three(jax.device_put(agent, NamedSharding(mesh, P())),
                 jax.device_put(batch, NamedSharding(mesh, P(DATA))))
diffs = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - jax.device_get(b)))), one, four)
out["update_max_diff"] = max(jax.tree.leaves(diffs))
out["metrics_max_diff"] = max(float(abs(a[n] - b[n])) for a, b in zip(m1, m4) for n in a)
out["update_devices"] = min(len(x.sharding.device_set) for x in jax.tree.leaves(four))

# 2. replay: env e's transitions stay in its device's block, and each device samples its own
E, D = 8, mesh.size
buffer = jax.device_put(replay.init_buffer(16, 1, 1), replay.ReplayBuffer(
    data=NamedSharding(mesh, P(DATA)), insert_index=NamedSharding(mesh, P()),
    size=NamedSharding(mesh, P())))
envs_ = jnp.arange(E, dtype=jnp.float32)
batch = Transition(obs=envs_[:, None], action=envs_[:, None], reward=envs_, next_obs=envs_[:, None],
                   terminated=envs_)
insert = jax.jit(lambda b, t: replay.insert_per_device(b, t, mesh))
for _ in range(3):
    buffer = insert(buffer, batch)
stored = np.asarray(buffer.data.reward).reshape(D, -1)  # one row per device block
out["blocks_hold_own_envs"] = all(
    set(stored[d, :6].tolist()) == {2.0 * d, 2.0 * d + 1} for d in range(D))
out["block_size"] = int(buffer.size)
sample = jax.jit(lambda b, key: replay.sample_per_device(b, key, (3, 16), mesh))(
    buffer, jax.random.key(3))
drawn = np.asarray(sample.reward).reshape(3, D, -1)  # (U, device, B / D)
out["samples_from_own_block"] = all(
    set(drawn[:, d].ravel().tolist()) <= {2.0 * d, 2.0 * d + 1} for d in range(D))

# 3. the chunk: traced once for three calls, no implicit host transfer
import functools
traces = []
chunk_fn = Trainer.train_chunk_unjitted
@functools.wraps(chunk_fn)  # the same program name: the run below finds it in the cache
def counted(self, state):
    traces.append(1)
    return chunk_fn(self, state)
Trainer.train_chunk_unjitted = counted
state = trainer.init_placed(jax.random.key(0))
with jax.transfer_guard("disallow"):
    for _ in range(3):
        state, sums = trainer.train_chunk(state)
    jax.block_until_ready(state)
Trainer.train_chunk_unjitted = chunk_fn
out["traces"] = len(traces)
out["env_obs_split"] = str(state.env_state.obs.sharding.spec)
out["params_replicated"] = all(x.sharding.is_fully_replicated
                               for x in jax.tree.leaves(state.agent))
out["updates"] = float(jax.device_get(sums["num_updates"]))
"""
)


def test_updates_replay_and_chunk_on_four_devices(four_device_run):
    out = four_device_run["checks"]
    assert out["mesh"] == 4
    assert out["uneven_envs"].startswith("num-envs (6) must be a multiple of the 4 devices")
    assert out["stats_max_diff"] < 1e-5
    assert out["update_max_diff"] < 1e-5, out  # the same update, gradients averaged over 4
    assert out["metrics_max_diff"] < 1e-4, out
    assert out["update_devices"] == 4
    assert out["blocks_hold_own_envs"] and out["block_size"] == 4
    assert out["samples_from_own_block"]
    assert out["traces"] == 1
    assert out["env_obs_split"] == "P('data',)"
    assert out["params_replicated"]
    assert out["updates"] == PENDULUM["updates_per_iteration"] * PENDULUM["iterations_per_chunk"]


TRAIN_AND_RESUME = (
    CHECKS_ON_FOUR_DEVICES
    + """
import shutil
from pathlib import Path
from mjx_dacer2.driver import train
whole, cut = Path(sys.argv[2]), Path(sys.argv[3])  # the checks' config, run and resumed
train(config.replace(run_dir=str(whole)))
shutil.copytree(whole, cut)
shutil.rmtree(cut / "checkpoints" / "2")  # as if killed after chunk 1's checkpoint
summary = train(config.replace(run_dir=str(cut)), resume=True)
print(json.dumps({"checks": out, "chunk": summary["chunk"]}))
"""
)

RESUME = (
    SETUP
    + """
from mjx_dacer2.driver import train
from mjx_dacer2.storage.checkpoint import CheckpointError
try:
    train(config.replace(run_dir=sys.argv[2]), resume=True)
    print(json.dumps({"error": None}))
except CheckpointError as err:
    print(json.dumps({"error": str(err)}))
"""
)


@pytest.fixture(scope="module")
def four_device_run(tmp_path_factory, settings_flags) -> dict:
    """One process on 4 fake devices: the checks of `CHECKS_ON_FOUR_DEVICES` on the pendulum
    run's config, then that run, also resumed from chunk 1 of 2; meanwhile the same
    pendulum run as a 2-process job (`two_process_job`: both compile at once, on two cores).
    Returns {"dir": the 4-device run dirs' root, "checks": ..., "job": the job's outcome}."""
    out = tmp_path_factory.mktemp("four")
    job = two_process_job(out / "job", settings_flags(PENDULUM))
    config = json.dumps(config_to_dict(preset("inverted_pendulum").replace(**PENDULUM)))
    try:
        result = _run(TRAIN_AND_RESUME, 4, config, str(out / "whole"), str(out / "cut"))
    finally:
        outcome = job()
    assert result["chunk"] == 2
    return {"dir": out, "checks": result["checks"], "job": outcome}


def test_a_four_device_run_resumes_bit_exactly_on_four_and_is_refused_on_two(four_device_run):
    four_device_run = four_device_run["dir"]
    whole, cut = _records(four_device_run / "whole"), _records(four_device_run / "cut")
    assert len(whole) == 3 and all(r["devices_in_program"] == 4 for r in whole[1:])
    assert cut == whole
    config = json.dumps(config_to_dict(preset("inverted_pendulum").replace(**PENDULUM)))
    error = _run(RESUME, 2, config, str(four_device_run / "cut"))["error"]
    assert "on 2 device(s): it ran split over 4" in error
    assert "--num-devices 4" in error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def two_process_job(run_dir: Path, args: list[str]):
    """Start `mjx-dacer2 train ARGS` as two processes of 2 fake devices each (jax.distributed
    on localhost, gloo all-reduces): one 4-device job. Returns `wait() -> {"dir", "codes",
    "out", "err"}` (outputs go to files, so a full pipe never stalls a process)."""
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    job = ["--coordinator-address", f"localhost:{_free_port()}", "--num-processes", "2"]
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2"
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=flags)
    logs = [(run_dir.parent / f"job{i}.out", run_dir.parent / f"job{i}.err") for i in range(2)]
    processes = []
    for i, (out, err) in enumerate(logs):
        with open(out, "w") as stdout, open(err, "w") as stderr:
            processes.append(
                subprocess.Popen(
                    [*CLI, "train", *args, "--run-dir", str(run_dir), *job, "--process-id", str(i)],
                    env=env,
                    cwd=ROOT,
                    stdout=stdout,
                    stderr=stderr,
                    text=True,
                )  # fmt: skip
            )

    def wait() -> dict:
        try:
            codes = [p.wait(timeout=TIMEOUT) for p in processes]
        finally:
            for p in processes:
                p.kill()
        return dict(
            dir=run_dir,
            codes=codes,
            out=[out.read_text() for out, _ in logs],
            err=[err.read_text() for _, err in logs],
        )

    return wait


def test_two_processes_train_save_and_log_like_one(four_device_run):
    """The 2-process job runs the same 4-device program as the one-process run: process 0
    alone logs, both save their shards, and the logs match."""
    job = four_device_run["job"]
    run_dir = job["dir"]
    for code, err in zip(job["codes"], job["err"], strict=True):
        assert code == 0, err[-3000:]
    assert "done: inverted_pendulum" in job["out"][0]
    assert "done:" not in job["out"][1]  # only process 0 reports
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["1", "2"]
    job_records, one_process = _records(run_dir), _records(four_device_run["dir"] / "whole")
    assert len(job_records) == len(one_process) == 3  # one line per chunk: process 0 only
    for a, b in zip(job_records, one_process, strict=True):
        assert a.keys() == b.keys()
        np.testing.assert_allclose([a[k] for k in a], [b[k] for k in a], rtol=1e-4, atol=1e-5)
