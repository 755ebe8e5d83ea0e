"""`benchmarks/cold_start.py`: a run compiles each of its programs once, and the benchmark
reads its first chunk and its compiles (the tiny run, an empty compilation cache)."""

import pytest
from benchmark_scripts import load_benchmark

PROGRAMS = ("jit(init)", "jit(train_chunk_unjitted)", "jit(run_unjitted)")  # init, chunk, eval


def test_a_cold_run_compiles_each_program_once(tmp_path, tiny_flags):
    cold_start = load_benchmark("cold_start")
    run = cold_start.timed_run(tuple(tiny_flags), tmp_path / "cache", tmp_path, timeout_s=300)
    assert 0 < run["untrained_eval_s"] <= run["first_chunk_s"] <= run["total_s"], run
    compiled = [c["program"] for c in run["compiles"] if not c["cached"]]
    assert {name: compiled.count(name) for name in PROGRAMS} == dict.fromkeys(PROGRAMS, 1)
    summary = cold_start.summary(run, program_min_s=0.0)
    assert summary["cache_hits"] == 0 and summary["small_compiles"] == 0
    assert len(summary["programs"]) == len(compiled)


def test_another_checkout_without_its_venv_is_refused_in_one_line(tmp_path):
    cold_start = load_benchmark("cold_start")
    with pytest.raises(SystemExit) as stop:
        cold_start.main(cold_start.Args(checkout=str(tmp_path)))
    expected = f"error: {tmp_path} has no .venv: run `bash {tmp_path}/launch/setup.sh`"
    assert str(stop.value) == expected
