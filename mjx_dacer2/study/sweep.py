"""Grids of runs (`mjx-dacer2 sweep`): variant specs and cell run dirs; the seeds of a variant
train vmapped in one program through the one driver (`mjx_dacer2.driver.train_seeds`).

A variant is `ALGO[:T][:field=value...]` (e.g. `dacer2:5`, `dacer:20`, `sac`,
`dacer2:5:time_weight=constant`). Each (variant, seed) cell is a normal run dir
`<out>/<env>/<label>/seed<k>` with config.json, metrics.jsonl and summary.json, so the plots and
the other commands read it like any run.

Every cell checkpoints like a single run, so a stopped sweep continues where it stopped.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mjx_dacer2 import envs
from mjx_dacer2.config import Config, ConfigError, validate
from mjx_dacer2.config.variants import apply_variant, parse_variant, variant_label
from mjx_dacer2.driver import train, train_seeds
from mjx_dacer2.driver.run import check_vmappable
from mjx_dacer2.storage.checkpoint import CHECKPOINT_DIR


def cell_dir(out: Path, env: str, spec: str, seed: int) -> Path:
    return out / env / variant_label(spec) / f"seed{seed}"


def run_sweep(
    base: Config, variants: list[str], seeds: list[int], out: Path, vmap_seeds: bool = True
) -> list[dict]:
    """Run every (variant, seed) cell not finished yet (a cell is done once summary.json exists).

    Unfinished cells resume from their checkpoints when all of a variant's unfinished cells
    have one; otherwise they restart (earlier partial checkpoints are moved aside)."""
    twice = sorted({s for s in seeds if seeds.count(s) > 1})
    if twice:  # two cells would share a run dir
        raise ConfigError(f"seeds must differ: {', '.join(map(str, twice))} given twice")
    configs = [apply_variant(base, parse_variant(v)) for v in variants]
    for config in configs:  # fail on any bad cell before the first one compiles
        validate(config, envs.names())
        if vmap_seeds:
            check_vmappable(config, len(seeds))
    results = []
    for spec, config in zip(variants, configs, strict=True):
        dirs = [cell_dir(out, base.env, spec, s) for s in seeds]
        todo = [
            (s, d) for s, d in zip(seeds, dirs, strict=True) if not (d / "summary.json").exists()
        ]
        if not todo:
            continue
        config = config.replace(extra={**config.extra, "variant": spec})
        if vmap_seeds:
            resume = all(_resumable(d) for _, d in todo)
            if not resume:
                for _, d in todo:
                    _restart(d)
            todo_seeds, todo_dirs = [s for s, _ in todo], [d for _, d in todo]
            summaries = train_seeds(config, todo_seeds, todo_dirs, resume)
        else:
            summaries = []
            for s, d in todo:
                resume = _resumable(d)
                if not resume:
                    _restart(d)
                summaries.append(train(config.replace(seed=s, run_dir=str(d)), resume))
        for (seed, d), summary in zip(todo, summaries, strict=True):
            summary.update(variant=spec, seed=seed, vmapped=vmap_seeds)
            (Path(d) / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            results.append(summary)
    return results


def _resumable(run_dir: Path) -> bool:
    """A cell that saved at least one checkpoint."""
    checkpoints = Path(run_dir) / CHECKPOINT_DIR
    return checkpoints.is_dir() and any(p.name.isdigit() for p in checkpoints.iterdir())


def _restart(run_dir: Path) -> None:
    """Clear an unfinished cell that will train from scratch: its log goes, and any partial
    checkpoints move to checkpoints.restarted (replacing an older one)."""
    (Path(run_dir) / "metrics.jsonl").unlink(missing_ok=True)
    checkpoints = Path(run_dir) / CHECKPOINT_DIR
    if checkpoints.is_dir():
        aside = checkpoints.with_name(CHECKPOINT_DIR + ".restarted")
        shutil.rmtree(aside, ignore_errors=True)
        checkpoints.rename(aside)


__all__ = ["run_sweep", "variant_label"]
