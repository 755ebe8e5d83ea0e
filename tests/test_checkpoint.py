"""Checkpoints: bit-exact resume, crash safety, resume guards, policy export, one-line errors.

One tiny multigoal run (3 chunks, a checkpoint after each) is shared by the module; tests that
change a run work on copies of its directory.
"""

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from benchmark_scripts import load_benchmark

import mjx_dacer2
from mjx_dacer2 import envs
from mjx_dacer2.config import ConfigError
from mjx_dacer2.driver.run import Stopped, train, train_seeds
from mjx_dacer2.launch.cli import main
from mjx_dacer2.launch.train import parse_resume_args
from mjx_dacer2.storage.checkpoint import Checkpointer, CheckpointError, snapshot
from mjx_dacer2.storage.export import export_policy, load_checkpoint_policy
from mjx_dacer2.storage.logger import WALL_CLOCK_METRICS, RunLogger
from mjx_dacer2.study.sweep import run_sweep
from mjx_dacer2.training.normalizer import normalize
from mjx_dacer2.training.trainer import make_trainer


@pytest.fixture(scope="session")
def config(tiny_config):
    """The tiny run, 3 chunks long, saving after every chunk."""
    return tiny_config.replace(
        total_env_steps=144, save_every_env_steps=48, keep_checkpoints=5, progress=False
    )


PRNG = jax.dtypes.prng_key
VOLATILE = WALL_CLOCK_METRICS  # wall-clock fields may differ


def records(run_dir: Path) -> list[dict]:
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in VOLATILE} for line in lines]


def final_state(run_dir: Path, chunk: int, config) -> dict:
    """Every leaf of the saved train state (keys as key data), as numpy."""
    trainer = make_trainer(config, envs.make("multigoal"))
    abstract = jax.eval_shape(trainer.init, trainer.prng_key(0))
    checkpointer = Checkpointer(run_dir, read_only=True)
    try:
        state = checkpointer.restore_state(chunk, abstract)
    finally:
        checkpointer.close()
    return {k: np.asarray(v) for k, v in jax.device_get(snapshot(state)).items()}


def saved_chunks(run_dir: Path) -> list[int]:
    checkpointer = Checkpointer(run_dir, read_only=True)
    steps = checkpointer.steps()
    checkpointer.close()
    return steps


def interrupt_at(monkeypatch, step: int, signum: int = signal.SIGINT) -> None:
    """Deliver `signum` to this process right after the chunk ending at `step` is logged: the
    next chunk is already running then, so the run stops after that one."""
    log = RunLogger.log

    def log_then_signal(self, s, metrics):
        log(self, s, metrics)
        if s == step:
            signal.raise_signal(signum)

    monkeypatch.setattr(RunLogger, "log", log_then_signal)


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


def tree_digest(path: Path) -> dict:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory, config) -> Path:
    """An uninterrupted 3-chunk run."""
    run_dir = tmp_path_factory.mktemp("finished")
    train(config.replace(run_dir=str(run_dir)))
    return run_dir


def copy_run(finished: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(finished, tmp_path / "run"))


def test_interrupted_and_resumed_run_is_bit_identical(finished, tmp_path, monkeypatch, config):
    run_dir = tmp_path / "resumed"
    interrupt_at(monkeypatch, step=48)  # SIGINT during chunk 2: checkpoint after it, then stop
    with pytest.raises(Stopped, match="stopped by SIGINT after chunk 2/3") as stop:
        train(config.replace(run_dir=str(run_dir)))
    assert stop.value.signum == signal.SIGINT
    assert saved_chunks(run_dir) == [1, 2]
    with open(run_dir / "metrics.jsonl", "a") as f:  # logged after the checkpoint, then lost
        f.write(json.dumps({"env_steps": 144, "reward": 1.0}) + "\n")
    monkeypatch.undo()

    summary = train(config.replace(run_dir=str(run_dir)), resume=True)
    assert summary["env_steps"] == 144 and summary["stopped_by"] is None
    assert records(run_dir) == records(finished)  # no duplicated or stale lines
    ours, theirs = final_state(run_dir, 3, config), final_state(finished, 3, config)
    assert ours.keys() == theirs.keys()
    different = [k for k in ours if not np.array_equal(ours[k], theirs[k])]
    assert not different, different  # params, targets, optimisers, buffer, env, keys, counters


def test_a_run_on_the_rbg_generator_resumes_bit_identical(finished, tmp_path, monkeypatch, config):
    """`--prng-impl rbg`: its keys (4 x uint32 of key data) are checkpointed and restored, so a
    stopped and resumed run ends where an uninterrupted one does; its draws differ from
    threefry's, so its metrics do too. Vmapped seeds are refused: JAX batches RngBitGenerator
    over the first key only, so every seed would draw from seed 0's key."""
    rbg = config.replace(prng_impl="rbg")
    with pytest.raises(ConfigError, match="prng-impl rbg cannot vmap seeds"):
        train_seeds(rbg, [0, 1], [tmp_path / "s0", tmp_path / "s1"])
    assert not (tmp_path / "s0").exists()  # refused before any run dir
    with pytest.raises(ConfigError, match="cannot vmap seeds"):  # a sweep: before any cell runs
        run_sweep(config, ["dacer2", "dacer2:5:prng_impl=rbg"], [0, 1], tmp_path / "sweep")
    assert not (tmp_path / "sweep").exists()
    whole, part = tmp_path / "whole", tmp_path / "part"
    train(rbg.replace(run_dir=str(whole)))
    assert records(whole) != records(finished)
    interrupt_at(monkeypatch, step=48)
    with pytest.raises(Stopped):
        train(rbg.replace(run_dir=str(part)))
    monkeypatch.undo()
    train(rbg.replace(run_dir=str(part)), resume=True)
    assert records(part) == records(whole)
    ours, theirs = final_state(part, 3, rbg), final_state(whole, 3, rbg)
    assert ours["key"].shape == (4,), {k: v.shape for k, v in ours.items() if "key" in k}
    assert not [k for k in ours if not np.array_equal(ours[k], theirs[k])]


def test_vmapped_seeds_stop_resume_bit_identical_and_load_alone(tmp_path, monkeypatch, config):
    """Two seeds in one vmapped program checkpoint per seed; stopped after chunk 1 and resumed
    they end exactly where an uninterrupted pair ends, and each seed loads as a normal run."""
    seeds = [0, 1]
    whole = [tmp_path / f"whole{s}" for s in seeds]
    train_seeds(config, seeds, whole)
    parts = [tmp_path / f"part{s}" for s in seeds]
    interrupt_at(monkeypatch, step=48, signum=signal.SIGTERM)  # once per seed's log: SIGTERM
    with pytest.raises(Stopped, match="rerun the same command to continue all 2 seeds"):
        train_seeds(config, seeds, parts)
    assert [saved_chunks(p) for p in parts] == [[1, 2], [1, 2]]
    monkeypatch.undo()
    summaries = train_seeds(config, seeds, parts, resume=True)
    assert [s["env_steps"] for s in summaries] == [144, 144]
    for part, ref in zip(parts, whole, strict=True):
        assert records(part) == records(ref)
        ours, theirs = final_state(part, 3, config), final_state(ref, 3, config)
        assert not [k for k in ours if not np.array_equal(ours[k], theirs[k])]
    assert load_checkpoint_policy(parts[1]).config.seed == 1

    # Killed between the two seeds' saves: seed 1 lacks chunk 3. Both continue from chunk 2
    # (seed 0's chunk 3 is set aside, not deleted), here for one more chunk.
    shutil.rmtree(parts[1] / "checkpoints" / "3")
    more = config.replace(total_env_steps=192)
    assert [s["env_steps"] for s in train_seeds(more, seeds, parts, resume=True)] == [192, 192]
    assert (parts[0] / "checkpoints" / "3.aside").is_dir()
    assert [saved_chunks(p)[-1] for p in parts] == [4, 4]


def test_incompatible_config_is_refused_and_compatible_flags_pass(finished, capsys):
    before = tree_digest(finished)
    flags = ["--num-envs", "4", "--diffusion-steps", "3", "--prng-impl", "rbg"]
    code = main(["train", "--resume", str(finished), *flags])
    err = one_line_error(capsys)
    assert code == 2 and "incompatible config" in err
    assert "num-envs 8 -> 4" in err and "diffusion-steps 5 -> 3" in err
    assert "prng-impl 'threefry2x32' -> 'rbg'" in err
    config = parse_resume_args(
        str(finished), ["--total-env-steps", "192", "--eval-every-env-steps", "96", "--progress"]
    )
    assert (config.total_env_steps, config.eval.eval_every_env_steps, config.progress) == (
        192,
        96,
        True,
    )
    assert config.networks.policy_hidden == (16, 16) and config.run_dir == str(finished)
    assert tree_digest(finished) == before


def test_a_longer_continuation_keeps_the_replay_buffer_it_has(tmp_path, config):
    """The buffer holds min(buffer-size, total-env-steps): a run whose buffer was clipped to
    its length can still be continued for longer, with the same buffer."""
    run_dir = tmp_path / "run"
    clipped = config.replace(run_dir=str(run_dir), buffer_size=10_000, total_env_steps=96)
    train(clipped)
    summary = train(clipped.replace(total_env_steps=144), resume=True)
    assert summary["env_steps"] == 144
    stored = json.loads((run_dir / "config.json").read_text())
    assert stored["loop"]["buffer_size"] == 96 and stored["total_env_steps"] == 144


def test_corrupt_or_partial_newest_checkpoint_falls_back(finished, tmp_path, capsys, config):
    run_dir = copy_run(finished, tmp_path)
    ckpts = run_dir / "checkpoints"
    for blob in (ckpts / "3").glob("*/d/*"):  # flip a byte of each item: checksum errors
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 0xFF
        blob.write_bytes(bytes(data))
    (ckpts / "7" / "state").mkdir(parents=True)  # a partial step dir (no metadata, no items)

    assert main(["eval", str(run_dir)]) == 0
    out = capsys.readouterr()
    assert "chunk 2 (96 env steps)" in out.out
    assert f"skipped checkpoint '{ckpts / '7'}' is corrupt or partial" in out.err
    assert f"'{ckpts / '3'}' is corrupt or partial" in out.err

    summary = train(config.replace(run_dir=str(run_dir), total_env_steps=192), resume=True)
    assert summary["env_steps"] == 192
    assert (ckpts / "3.corrupt").is_dir() and (ckpts / "7.corrupt").is_dir()  # kept, not lost
    assert f"moved unreadable checkpoint to '{ckpts / '3.corrupt'}'" in capsys.readouterr().err
    assert records(run_dir)[:4] == records(finished)[:3] + records(run_dir)[3:4]
    assert records(run_dir)[3]["reward"] == records(finished)[3]["reward"]  # chunk 3 redone

    for step in saved_chunks(run_dir):
        shutil.rmtree(ckpts / str(step) / "policy")
    assert main(["eval", str(run_dir)]) == 2
    assert "no readable checkpoint in" in one_line_error(capsys)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--resume", "{missing}"], "does not exist"),
        (["eval", "{missing}"], "does not exist"),
        (["export", "{missing}"], "does not exist"),
        (["eval", "{empty}"], "no checkpoint in"),
        (["train", "--resume", "{empty}"], "no checkpoint in"),
        (["train", "--resume", "{run}", "--run-dir", "{empty}"], "--run-dir conflicts"),
        (["train", "--env", "multigoal", "--run-dir", "{run}"], "already holds a run"),
        (["eval", "{run}", "--chunk", "9"], "no checkpoint at chunk 9"),
        (["export", "{run}", "--out", "{run}/tb"], "is not a policy export"),
    ],
)
def test_bad_input_is_one_line_and_keeps_the_run(finished, tmp_path, capsys, argv, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text((finished / "config.json").read_text())
    names = dict(missing=tmp_path / "nope", empty=empty, run=finished)
    before = tree_digest(finished)
    assert main([a.format(**names) for a in argv]) == 2
    assert message in one_line_error(capsys)
    assert tree_digest(finished) == before


def test_sigterm_stops_cleanly_with_a_checkpoint(tmp_path, monkeypatch, capsys, tiny_flags):
    run_dir = tmp_path / "run"
    interrupt_at(monkeypatch, step=48, signum=signal.SIGTERM)
    flags = ["--save-every-env-steps", "0", "--run-dir", str(run_dir)]
    code = main(["train", *tiny_flags, "--total-env-steps", "144", *flags])
    assert code == 128 + signal.SIGTERM
    assert "stopped by SIGTERM after chunk 2/3" in capsys.readouterr().out
    assert saved_chunks(run_dir) == [2]


KILLED_SAVER = """
import sys, numpy as np, jax.numpy as jnp
from mjx_dacer2.storage.checkpoint import Checkpointer, snapshot
checkpointer = Checkpointer(sys.argv[1], keep=10)
for step in range(1, 1000):
    state = {"agent": {"w": jnp.full((4,), step)}, "buffer": jnp.full((8_000_000,), step)}
    checkpointer.save(step, snapshot(state), {"step": step})
    checkpointer.wait()
"""


def test_kill_9_during_a_save_leaves_the_previous_checkpoint_loadable(tmp_path):
    ckpts = tmp_path / "checkpoints"
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=os.getcwd())
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_SAVER), str(tmp_path)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    deadline, partial = time.monotonic() + 60, []
    try:
        while not partial and time.monotonic() < deadline and child.poll() is None:
            names = os.listdir(ckpts) if ckpts.is_dir() else []
            if "1" in names:
                partial = [n for n in names if "tmp" in n]
            time.sleep(0.001)
    finally:
        child.kill()  # SIGKILL: no handler, no cleanup
        child.wait()
    assert partial, "never caught a save in progress"

    checkpointer = Checkpointer(tmp_path, read_only=True)
    steps = checkpointer.steps()
    assert steps and not any("tmp" in str(s) for s in steps)
    abstract = {
        "agent": {"w": jax.ShapeDtypeStruct((4,), np.int32)},
        "buffer": jax.ShapeDtypeStruct((8_000_000,), np.int32),
    }
    state = checkpointer.restore_state(steps[-1], abstract)
    assert int(state["buffer"][-1]) == steps[-1] and checkpointer.read_meta(steps[-1])["step"]
    checkpointer.close()
    Checkpointer(tmp_path).close()  # a writing run cleans up the partial save
    assert not [n for n in os.listdir(ckpts) if "tmp" in n]


def test_async_save_writes_a_copy_so_donating_the_state_is_safe(tmp_path, config):
    trainer = make_trainer(config, envs.make("multigoal"))
    state = jax.jit(trainer.init)(jax.random.key(1))
    before = {k: np.array(v) for k, v in jax.device_get(snapshot(state)).items()}
    plain = [x for x in jax.tree.leaves(state) if not jax.dtypes.issubdtype(x.dtype, PRNG)]
    copied = snapshot(state)
    assert not {x.unsafe_buffer_pointer() for x in plain} & {
        x.unsafe_buffer_pointer() for x in copied.values()
    }
    checkpointer = Checkpointer(tmp_path)
    checkpointer.save(1, copied, {})
    state, _ = trainer.train_chunk(state)  # donates the state while its copy is being written
    checkpointer.close()
    saved = final_state(tmp_path, 1, config)
    assert saved.keys() == before.keys()
    assert all(np.array_equal(saved[k], before[k]) for k in before)


def test_eval_reproduces_the_logged_return_and_picks_the_best(finished, capsys):
    logged = records(finished)
    assert main(["eval", str(finished)]) == 0
    out = capsys.readouterr().out
    assert f"chunk 3 (144 env steps) | return {logged[3]['eval_return']:.1f} +- " in out
    best = max(range(1, 4), key=lambda i: logged[i]["eval_return"])
    assert main(["eval", str(finished), "--best", "--episodes", "3", "--seed", "5"]) == 0
    assert f"chunk {best} ({best * 48} env steps)" in capsys.readouterr().out


def test_eval_takes_another_deterministic_policy_and_refuses_it_for_sac(
    finished, capsys, monkeypatch
):
    """`--eval-chain-noise` re-evaluates the same parameters with another deterministic chain
    (the run logged the noise-free one); a SAC run has no chain, so it is one line."""
    logged = records(finished)[3]["eval_return"]
    assert main(["eval", str(finished), "--eval-chain-noise", "sample_mean"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("chain noise sample_mean")
    assert f"return {logged:.1f} +- " not in out  # 16 chain samples averaged: another policy

    from mjx_dacer2.storage import export

    load = export.load_checkpoint_policy

    def as_sac(*args, **kwargs):
        loaded = load(*args, **kwargs)
        return dataclasses.replace(loaded, config=loaded.config.replace(algo="sac"))

    monkeypatch.setattr(export, "load_checkpoint_policy", as_sac)
    assert main(["eval", str(finished), "--eval-chain-noise", "zero"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --eval-chain-noise applies to diffusion runs (dacer2, dacer); this run is sac"
    )


def test_eval_chain_noise_benchmark_scores_every_form_on_a_cell(finished, tmp_path):
    """benchmarks/eval_chain_noise.py on a one-seed cell: a finite return for every form at
    every chunk asked, and the behaviour column read from the run's own metrics."""
    bench = load_benchmark("eval_chain_noise")
    shutil.copytree(finished, tmp_path / "cell" / "seed0")
    out = tmp_path / "out"
    bench.main(bench.Args(cell=str(tmp_path / "cell"), chunks=(2, 3), episodes=3, out=str(out)))
    rows = json.loads((out / "eval_chain_noise.json").read_text())["rows"]
    assert [(r["seed"], r["chunk"], r["env_steps"]) for r in rows] == [
        ("seed0", 2, 96),
        ("seed0", 3, 144),
    ]
    logged = {r["env_steps"]: r["reward"] for r in records(finished) if "reward" in r}
    for r in rows:
        assert all(np.isfinite(r[form]).all() for form in bench.FORMS)
        assert r["behaviour"] == pytest.approx(logged[r["env_steps"]] * 100)  # 100-step episodes
    assert "| mean |" in (out / "eval_chain_noise.md").read_text()


def test_entropy_fit_benchmark_sees_the_point_masses_at_the_bounds(finished):
    """benchmarks/entropy_fit.py's estimate on a trained policy: at a huge alpha nearly every
    behaviour action component is clipped to +-1, so the clipped fit sees point masses (an
    estimate far below the unclipped fit's); the table reports the gap."""
    bench = load_benchmark("entropy_fit")
    loaded = load_checkpoint_policy(finished)
    loaded = dataclasses.replace(loaded, agent=loaded.agent.replace(log_alpha=jnp.log(1e3)))
    obs = np.asarray(jax.random.normal(jax.random.key(4), (4, 2)))
    row = bench.estimate(loaded, obs, jax.random.key(5), num_states=4)
    assert row["at_bounds"] > 0.9 and row["alpha"] == pytest.approx(1e3)
    assert row["unclipped"] - row["clipped"] > 5.0, row
    row.update(cell="dacer2_T5", seed="seed0", env_steps=96, episode_steps=10)
    assert "| 1000.00 |" in bench.table([row])


def test_exported_policy_acts_like_the_checkpoint_without_the_env(
    finished, tmp_path, capsys, config
):
    out = tmp_path / "policy"
    assert main(["export", str(finished), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["arrays.npz", "policy.json"]
    with np.load(out / "arrays.npz", allow_pickle=False) as npz:  # plain arrays only
        assert all(npz[name].dtype != object for name in npz.files)
    info = json.loads((out / "policy.json").read_text())
    info["env"] = info["config"]["env"] = "not_installed"  # the env is never built
    (out / "policy.json").write_text(json.dumps(info))

    act = mjx_dacer2.load_policy(out)
    source = load_checkpoint_policy(finished)
    obs = jax.random.normal(jax.random.key(2), (5, 2)) * 3.0
    expected = source.learner.deterministic_action(
        source.policy_params, normalize(source.obs_stats, obs, config.loop.normalize_observations)
    )
    np.testing.assert_array_equal(act(obs), expected)
    assert act(obs[0]).shape == (2,)
    key_a, key_b = jax.random.split(jax.random.key(3))
    sampled = act(obs, key_a, deterministic=False)
    assert sampled.shape == (5, 2) and np.all(np.abs(sampled) <= 1.0)
    assert not np.array_equal(sampled, act(obs, key_b, deterministic=False))
    with pytest.raises(ValueError, match=r"expected \(\.\.\., 2\)"):
        act(np.zeros((5, 3)))

    small = export_policy(finished, tmp_path / "small", policy_only=True)
    act_small = mjx_dacer2.load_policy(small / "policy.json")
    np.testing.assert_array_equal(act_small(obs), expected)
    with pytest.raises(ValueError, match="only policy params"):
        act_small(obs, key_a, deterministic=False)
    with pytest.raises(CheckpointError, match="no exported policy at") as err:
        mjx_dacer2.load_policy(tmp_path / "nowhere")
    assert "\n" not in str(err.value)


def test_stored_config_without_a_later_field_keeps_its_old_behaviour(tiny_config):
    from mjx_dacer2.config.serialize import config_from_dict, config_to_dict

    stored = config_to_dict(tiny_config)
    del stored["diffusion"]["eval_chain_noise"]  # a run saved before the field existed
    del stored["grad_loss"]["grad_target_form"]  # (before issue 24's anchored default)
    old = config_from_dict(stored, "old run")
    assert old.diffusion.eval_chain_noise == "observation_hash"
    assert old.grad_loss.grad_target_form == "field"
    stored["diffusion"]["eval_chain_noise"] = "zero"
    stored["grad_loss"]["grad_target_form"] = tiny_config.grad_loss.grad_target_form
    assert config_from_dict(stored, "new run") == tiny_config.resolved()
    # runs saved before the config had sections stored it flat, with None for the algo's T, eta
    flat = json.loads(json.dumps(tiny_config.flat()))
    assert flat["diffusion_steps"] is None and "loop" not in flat
    assert config_from_dict(flat, "flat run") == tiny_config.resolved()
    # ... and DACER2's eta then was 1 (round L2 made it 0.1 on the multi-dimensional tasks)
    cheetah = config_from_dict({**flat, "env": "halfcheetah"}, "flat run")
    assert cheetah.grad_loss.grad_loss_weight == 1.0
    assert tiny_config.replace(env="halfcheetah").resolved().grad_loss.grad_loss_weight == 0.1
    with pytest.raises(ValueError, match="unknown fields nope"):
        config_from_dict({**flat, "nope": 1}, "other version")


def test_cadences_of_older_runs_convert_to_the_same_schedule(tiny_config):
    """Runs saved when the entropy cadence counted gradient updates and the evaluation and
    checkpoint cadences counted chunks keep their schedules: the same updates, the same chunks."""
    from mjx_dacer2.config.serialize import config_from_dict

    flat = json.loads(json.dumps(tiny_config.flat()))  # 8 envs, U=2, 6 iterations per chunk
    for name in ("entropy_every_env_steps", "eval_every_env_steps", "save_every_env_steps"):
        del flat[name]
    old = dict(flat, entropy_every=3, eval_every_chunks=2, save_every_chunks=0)
    config = config_from_dict(old, "old run")
    assert config.entropy_every_updates == 3 and config.entropy.entropy_every_env_steps == 12
    assert (config.eval.eval_every_env_steps, config.checkpoint.save_every_env_steps) == (96, 0)
    assert [c for c in range(1, 7) if config.passes_multiple(96, c)] == [2, 4, 6]
    assert not any(config.passes_multiple(0, c) for c in range(1, 7))
    # a multiple that falls inside a chunk is served at that chunk's end
    assert [c for c in range(1, 7) if config.passes_multiple(100, c)] == [3, 5]
