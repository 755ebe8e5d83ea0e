"""`benchmarks/gpu.sh --smoke`: the GPU-scale benchmark at tiny sizes on the CPU, every part,
so that the command a GPU session runs cannot rot."""

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def gpu_sh(runs_dir: Path, *args: str) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", "benchmarks/gpu.sh", "--smoke", "--runs-dir", str(runs_dir), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((Path(args[args.index("--out") + 1]) / "gpu.json").read_text())


def test_gpu_benchmark_smoke_runs_every_part(tmp_path):
    out, runs = tmp_path / "out", tmp_path / "runs"
    result = gpu_sh(runs, "--out", str(out))
    assert set(result["dates"]) == {"loop", "update_vs_batch", "sampling", "brax_sac", "run"}
    assert result["platform"] == "cpu" and result["device"]
    (loop,) = result["loop"]
    assert loop["fused_s"] > 0 and loop["fused_over_parts"] > 0 and loop["acting_s"] > 0
    assert {(r["variant"], r["batch_size"]) for r in result["update_vs_batch"]} == {
        (v, 32) for v in ("dacer2:5", "dacer:20", "sac")
    }
    etas = {r["variant"]: r["eta"] for r in result["update_vs_batch"]}
    assert etas == {"dacer2:5": 1.0, "dacer:20": 0.0, "sac": 0.0}  # each algo's own
    assert {r["states"] for r in result["sampling"]} == {1, 64}
    brax = result["brax_sac"]
    assert brax["brax_sac_env_steps_per_s"] > 0 and brax["sac_over_brax"] > 0
    run = result["run"]
    assert run["env_steps"] == 2_000 and run["curve"][-1][0] == 2_000
    assert (out / run["figure"]).stat().st_size > 0 and (runs / "gpu_bench_out").is_dir()
    report = (out / "gpu.md").read_text()
    assert (
        result["device"] in report and "Brax SAC" in report and "fused / (sim + updates)" in report
    )

    again = gpu_sh(runs, "--out", str(out), "--parts", "sampling")  # one part rerun alone
    assert again["dates"]["sampling"] > result["dates"]["sampling"]
    kept = ("loop", "update_vs_batch", "brax_sac", "run")
    assert {k: again[k] for k in kept} == {k: result[k] for k in kept}


def test_command_line_sizes_replace_only_what_is_given():
    spec = importlib.util.spec_from_file_location("gpu_cli", ROOT / "benchmarks" / "gpu.py")
    gpu_cli = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # for dataclasses
    spec.loader.exec_module(gpu_cli)
    args = gpu_cli.Args(loop_envs=("ant",), num_envs=(4096,), run_seconds=60.0)
    sizes = gpu_cli.chosen_sizes(args)
    assert (sizes.loop_envs, sizes.num_envs, sizes.run_seconds) == (("ant",), (4096,), 60.0)
    assert sizes == dataclasses.replace(  # everything else as FULL
        gpu_cli.FULL, loop_envs=("ant",), num_envs=(4096,), run_seconds=60.0
    )
    assert gpu_cli.chosen_sizes(gpu_cli.Args(smoke=True)) == gpu_cli.SMOKE
    assert set(gpu_cli.OVERRIDES) <= {f.name for f in dataclasses.fields(gpu_cli.Sizes)}
