"""`benchmarks/paired.py`: seed-by-seed comparison of committed tables, with seeds pooled over
rounds (`DIR+DIR:VARIANT`)."""

import json
import sys

import pytest
from benchmark_scripts import load_benchmark


def _table(directory, variant, seeds, values):
    directory.mkdir()
    row = dict(variant=variant, per_seed=dict(seed=seeds, mean_final20=values))
    (directory / "final_returns.json").write_text(json.dumps([row]))


def test_pooled_rounds_compare_seed_by_seed(tmp_path, monkeypatch, capsys):
    paired = load_benchmark("paired")
    _table(tmp_path / "a", "sac", [0, 1], [10.0, 20.0])
    _table(tmp_path / "b", "sac", [2], [30.0])
    _table(tmp_path / "c", "dacer2:5", [0, 1, 2], [5.0, 20.0, 60.0])
    pooled = f"{tmp_path / 'a'}+{tmp_path / 'b'}:sac"
    monkeypatch.setattr(sys, "argv", ["paired.py", pooled, f"{tmp_path / 'c'}:dacer2:5"])
    paired.main()
    out = capsys.readouterr().out
    assert "| 2 | 30.0 | 60.0 | +30.0 |" in out
    assert "| mean of 3 | 20.0 ± 8.2 | 28.3 ± 23.2 | +8.3 |" in out
    assert "candidate / base = 1.42x; the candidate is higher in 1 of 3 seeds" in out


def test_a_seed_in_two_pooled_tables_is_refused(tmp_path):
    paired = load_benchmark("paired")
    _table(tmp_path / "a", "sac", [0], [1.0])
    _table(tmp_path / "b", "sac", [0], [2.0])
    with pytest.raises(SystemExit, match=r"seed\(s\) \[0\] of 'sac' appear in two pooled tables"):
        paired.per_seed(f"{tmp_path / 'a'}+{tmp_path / 'b'}:sac", "mean_final20")


def test_a_missing_table_is_refused_in_one_line(tmp_path):
    paired = load_benchmark("paired")
    with pytest.raises(SystemExit, match="no .*final_returns.json: run the round"):
        paired.per_seed(f"{tmp_path}:sac", "mean_final20")
