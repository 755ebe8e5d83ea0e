"""Run-directory output: config.json, metrics.jsonl, TensorBoard events and the progress bar.

The training driver calls `RunLogger.log(step, metrics)` once per chunk (host side only). A resumed
run passes the records saved in its checkpoint: metrics.jsonl is rewritten to exactly those
lines (dropping any logged after the checkpoint), TensorBoard purges later points and the
wall clock continues from the last record.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

from tensorboardX import SummaryWriter
from tqdm import tqdm

from mjx_dacer2.config import Config
from mjx_dacer2.config.serialize import config_to_json

# Metrics that measure wall-clock time: they differ between otherwise identical runs (and
# `idle_before_chunk_s` is absent on the first chunk a process runs).
WALL_CLOCK_METRICS = frozenset(
    {"wall_s", "env_steps_per_s", "updates_per_s", "idle_before_chunk_s"}
)


class RunLogger:
    """Writes one JSON line and one TensorBoard point per metric per chunk; drives tqdm.

    With `writes=False` (every process of a multi-host run but the first) it only keeps the
    records, which go into that process's part of the checkpoints."""

    def __init__(
        self,
        run_dir: Path,
        total_steps: int,
        show_progress: bool = True,
        history: list[dict] | None = None,
        writes: bool = True,
        episode_length: int | None = None,
    ):
        self.run_dir = run_dir
        self.episode_length = episode_length  # the env's time limit: shorter evals show in the bar
        self.records: list[dict] = list(history or [])  # all records, saved with checkpoints
        last = self.records[-1] if self.records else {}
        purge_step = None
        if history is not None and writes:  # metrics.jsonl becomes exactly these ([]: new run)
            _rewrite_jsonl(run_dir / "metrics.jsonl", self.records)
            purge_step = int(last.get("env_steps", -1)) + 1
        self.jsonl = open(run_dir / "metrics.jsonl", "a", buffering=1) if writes else None
        self.writer = SummaryWriter(str(run_dir / "tb"), purge_step=purge_step) if writes else None
        self.bar = tqdm(
            total=total_steps,
            unit="step",
            unit_scale=True,
            disable=not (show_progress and writes),
            dynamic_ncols=True,
            smoothing=0.3,
        )
        self.bar.update(int(last.get("env_steps", 0)))
        self.start = time.perf_counter() - float(last.get("wall_s", 0.0))
        evals = [r["eval_return"] for r in self.records if isinstance(r.get("eval_return"), float)]
        self.last_eval: float | None = evals[-1] if evals else None
        lengths = [r["eval_length"] for r in self.records if "eval_length" in r]
        self.last_eval_length: float | None = lengths[-1] if lengths else None

    def log(self, step: int, metrics: dict) -> None:
        record = {"env_steps": step, "wall_s": round(time.perf_counter() - self.start, 3)}
        record.update({k: _jsonable(v) for k, v in metrics.items()})
        self.records.append(record)
        if self.jsonl is None:
            return
        self.jsonl.write(json.dumps(record) + "\n")
        for name, value in metrics.items():
            if isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(name, value, step)
        if "eval_return" in metrics:
            self.last_eval = metrics["eval_return"]
            self.last_eval_length = metrics.get("eval_length")
        self.bar.update(step - self.bar.n)
        postfix = {}
        for key, label in (("env_steps_per_s", "env/s"), ("updates_per_s", "upd/s")):
            if key in metrics:
                postfix[label] = f"{metrics[key]:,.0f}"
        if self.last_eval is not None:
            postfix["eval"] = f"{self.last_eval:.1f}"
        length = self.last_eval_length
        if length is not None and self.episode_length and length < self.episode_length:
            postfix["len"] = f"{length:.0f}"  # episodes end early: falls or terminations
        self.bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        self.bar.close()
        if self.jsonl is not None:
            self.writer.close()
            self.jsonl.close()


def write_config(run_dir: Path, config: Config) -> None:
    (run_dir / "config.json").write_text(config_to_json(config))


def _rewrite_jsonl(path: Path, records: list[dict]) -> None:
    """Replace `path` atomically by one JSON line per record."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in records))
    os.replace(tmp, path)


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
