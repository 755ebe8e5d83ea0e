"""`benchmarks/gpu.py --smoke`: the GPU-scale benchmark at tiny sizes on the CPU, every part,
so that the command a GPU user runs cannot rot."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import pytest
from benchmark_scripts import load_benchmark

ROOT = Path(__file__).parents[1]


def gpu_cli():
    """benchmarks/gpu.py as a module."""
    return load_benchmark("gpu")


def test_gpu_sh_runs_gpu_py(tmp_path):
    """The shell entry point reaches gpu.py (its help: nothing measured)."""
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", "benchmarks/gpu.sh", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "--smoke" in done.stdout and "--parts" in done.stdout


def test_gpu_benchmark_smoke_runs_every_part(tmp_path, monkeypatch):
    """Every part at smoke sizes, in this process, on MultiGoal (no MJX compile: the parts'
    code does not depend on the env). Brax's own SAC is replaced by a fixed rate here (its
    training compiles for minutes on a CPU): the comparison itself is the benchmark's, this
    test checks its plumbing (our two loops, the ratios, the report)."""
    from mjx_dacer2.study import gpu_benchmark

    monkeypatch.setattr(gpu_benchmark, "brax_sac_env_steps_per_s", lambda *args: 1234.0)
    small = gpu_benchmark.preset  # and every part on 32-wide networks, not MultiGoal's 3x256
    monkeypatch.setattr(
        gpu_benchmark,
        "preset",
        lambda env: small(env).replace(policy_hidden=(32, 32), critic_hidden=(32, 32)),
    )
    cli = gpu_cli()
    on_multigoal = dataclasses.replace(
        cli.SMOKE,
        loop_envs=("multigoal",),
        update_env="multigoal",
        brax_env="multigoal",
        run_env="multigoal",
    )
    monkeypatch.setitem(cli.SIZES, "smoke", on_multigoal)
    out, runs = tmp_path / "out", tmp_path / "runs"

    def gpu_py(**args) -> dict:
        with jax.debug_key_reuse(False):  # timing calls deliberately repeat their inputs
            cli.main(cli.Args(smoke=True, out=str(out), runs_dir=str(runs), **args))
        return json.loads((out / "gpu.json").read_text())

    result = gpu_py()
    assert set(result["dates"]) == {"loop", "update_vs_batch", "sampling", "brax_sac", "run"}
    assert result["platform"] == "cpu" and result["device"]
    (loop,) = result["loop"]
    assert loop["fused_s"] > 0 and loop["fused_over_parts"] > 0 and loop["acting_s"] > 0
    assert {(r["variant"], r["batch_size"]) for r in result["update_vs_batch"]} == {
        (v, 32) for v in ("dacer2:5", "dacer:20", "sac")
    }
    etas = {r["variant"]: r["eta"] for r in result["update_vs_batch"]}
    dacer2_eta = small("multigoal").resolved().grad_loss.grad_loss_weight  # 0.01 there
    assert etas == {"dacer2:5": dacer2_eta, "dacer:20": 0.0, "sac": 0.0}  # each algo's own
    assert {r["states"] for r in result["sampling"]} == {1, 64}
    brax = result["brax_sac"]
    assert brax["brax_sac_env_steps_per_s"] == 1234.0
    assert brax["sac_over_brax"] == pytest.approx(brax["sac_env_steps_per_s"] / 1234.0)
    assert brax["dacer2_over_brax"] == pytest.approx(brax["dacer2_env_steps_per_s"] / 1234.0)
    run = result["run"]
    assert run["env_steps"] > 0 and run["curve"][-1][0] == run["env_steps"]
    assert (out / run["figure"]).stat().st_size > 0 and (runs / "gpu_bench_out").is_dir()
    report = (out / "gpu.md").read_text()
    assert (
        result["device"] in report and "Brax SAC" in report and "fused / (sim + updates)" in report
    )

    again = gpu_py(parts=("sampling",))  # one part rerun alone
    assert again["dates"]["sampling"] > result["dates"]["sampling"]
    kept = ("loop", "update_vs_batch", "brax_sac", "run")
    assert {k: again[k] for k in kept} == {k: result[k] for k in kept}


def test_brax_sac_trainer_imports_with_the_shim():
    """brax 0.14.2's SAC needs `jax.device_put_replicated` back (brax issue #671)."""
    from mjx_dacer2.study.brax_sac import _restore_device_put_replicated

    _restore_device_put_replicated()
    from brax.training.agents.sac import train as sac

    assert callable(jax.device_put_replicated) and callable(sac.train)


def test_command_line_sizes_replace_only_what_is_given():
    gpu_cli = globals()["gpu_cli"]()
    args = gpu_cli.Args(loop_envs=("ant",), num_envs=(4096,), run_seconds=60.0)
    sizes = gpu_cli.chosen_sizes(args)
    assert (sizes.loop_envs, sizes.num_envs, sizes.run_seconds) == (("ant",), (4096,), 60.0)
    assert sizes == dataclasses.replace(  # everything else as FULL
        gpu_cli.FULL, loop_envs=("ant",), num_envs=(4096,), run_seconds=60.0
    )
    assert gpu_cli.chosen_sizes(gpu_cli.Args(smoke=True)) == gpu_cli.SMOKE
    assert set(gpu_cli.OVERRIDES) <= {f.name for f in dataclasses.fields(gpu_cli.Sizes)}
