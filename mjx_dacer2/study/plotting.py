"""Figures and tables of the diffusion-step study: learning curves (mean and a 95% t-interval over
seeds) against env steps and against wall-clock time, the final-return table (best of the final
10% of evaluations, the DACER paper's metric; the mean of the final 20%, steadier where single
evaluations swing; and the last evaluation), and the bench plots.

Reads plain run dirs (config.json + metrics.jsonl), so any run, not only a sweep's, can be plotted,
and pools the seeds of several roots (`pool_runs`: e.g. a round on seeds 0-2 and its replication
on seeds 3-5).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from mjx_dacer2.config.serialize import config_from_dict  # noqa: E402


def load_runs(root: Path) -> list[dict]:
    """Every run dir under `root`: its config and evaluations (env_steps, wall_s, return).

    Wall-clock is counted from the first (untrained) evaluation, so setting up and compiling the
    init, chunk and evaluation programs is left out.
    """
    runs = []
    for config_path in sorted(Path(root).rglob("config.json")):
        metrics_path = config_path.parent / "metrics.jsonl"
        if not metrics_path.exists():
            continue
        config = config_from_dict(json.loads(config_path.read_text()), str(config_path))
        records = [json.loads(line) for line in metrics_path.read_text().splitlines() if line]
        evals = [r for r in records if isinstance(r.get("eval_return"), (int, float))]
        if not evals:
            continue
        t = config.diffusion.diffusion_steps
        default = config.algo if config.algo == "sac" else f"{config.algo}:{t}"
        runs.append(
            dict(
                env=config.env,
                variant=config.extra.get("variant", default),
                seed=config.seed,
                steps=np.array([r["env_steps"] for r in evals], float),
                wall=np.array([r["wall_s"] - evals[0]["wall_s"] for r in evals], float),
                ret=np.array([r["eval_return"] for r in evals], float),
            )
        )
    return runs


def pool_runs(roots: list[Path]) -> list[dict]:
    """The runs of every root together. A root without runs is an error (a mistyped round would
    silently drop its seeds), and so is a (env, variant, seed) found twice (the same round given
    twice, or two rounds on the same seeds), since it would count one seed twice."""
    runs, seen = [], {}
    for root in roots:
        found = load_runs(root)
        if not found:
            raise ValueError(f"no run dirs with evaluations under {root}: check the path")
        for run in found:
            key = (run["env"], run["variant"], run["seed"])
            if key in seen:
                raise ValueError(
                    f"seed {run['seed']} of {run['env']} {run['variant']} is under both "
                    f"{seen[key]} and {root}: pool rounds run on different seeds"
                )
            seen[key] = root
            runs.append(run)
    return runs


def up_to(runs: list[dict], env_steps: int) -> list[dict]:
    """The runs as they stood at `env_steps`: their evaluations after it dropped (a table at
    200k env steps from runs of 300k, on one commit and one set of seeds). A run with no
    evaluation by then is an error, as the table would silently lose its seed."""
    cut = []
    for run in runs:
        keep = run["steps"] <= env_steps
        if not keep.any():
            raise ValueError(
                f"seed {run['seed']} of {run['env']} {run['variant']} has no evaluation by "
                f"{env_steps:,} env steps: give a later --up-to-env-steps"
            )
        cut.append(dict(run, **{k: run[k][keep] for k in ("steps", "wall", "ret")}))
    return cut


def group(runs: list[dict]) -> dict[tuple[str, str], list[dict]]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for run in runs:
        groups[(run["env"], run["variant"])].append(run)
    return dict(groups)


def mean_and_interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 and the half-width of a 95% Student-t interval (0 for one seed)."""
    n = values.shape[0]
    mean = values.mean(axis=0)
    if n < 2:
        return mean, np.zeros_like(mean)
    sem = values.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, stats.t.ppf(0.975, n - 1) * sem


def _stack(runs: list[dict], key: str) -> np.ndarray:
    length = min(len(r[key]) for r in runs)  # seeds of a cell share the evaluation schedule
    return np.stack([r[key][:length] for r in runs])


def plot_curves(runs: list[dict], out_dir: Path) -> list[Path]:
    """One figure per env: return vs env steps and vs wall-clock seconds, one line per variant."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    by_env: dict[str, dict] = defaultdict(dict)
    for (env, variant), members in group(runs).items():
        by_env[env][variant] = members
    for env, variants in sorted(by_env.items()):
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
        for variant, members in sorted(variants.items()):
            mean, half = mean_and_interval(_stack(members, "ret"))
            label = f"{variant} (n={len(members)})"
            for ax, key in zip(axes, ("steps", "wall"), strict=True):
                x = _stack(members, key).mean(axis=0)
                (line,) = ax.plot(x, mean, label=label)
                ax.fill_between(x, mean - half, mean + half, alpha=0.2, color=line.get_color())
        axes[0].set_xlabel("env steps")
        axes[0].xaxis.set_major_formatter(matplotlib.ticker.EngFormatter(sep=""))  # 200k, 1M
        axes[1].set_xlabel("wall-clock s after the first evaluation (mean over seeds)")
        axes[0].set_ylabel("evaluation return")
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{env}: mean and 95% t-interval over seeds")
        fig.tight_layout()
        path = out_dir / f"curves_{env}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths


def steps_to_threshold(run: dict, threshold: float) -> float:
    """Env steps at the first evaluation whose return is >= threshold (inf if none)."""
    hits = np.flatnonzero(run["ret"] >= threshold)
    return float(run["steps"][hits[0]]) if hits.size else math.inf


def final_table(runs: list[dict], threshold: float | None = None) -> list[dict]:
    """Per (env, variant), over seeds: the best of the final 10% of evaluations, the mean of the
    final 20% and the last one (their mean and std, and each seed's in `per_seed`); with
    `threshold`, each seed's env steps to first reach it and their median."""
    rows = []
    for (env, variant), members in sorted(group(runs).items()):
        members = sorted(members, key=_seed)
        best, late, last = [], [], []
        for run in members:
            best.append(float(run["ret"][-_final_count(run, 0.1) :].max()))
            late.append(float(run["ret"][-_final_count(run, 0.2) :].mean()))
            last.append(float(run["ret"][-1]))
        extra = {}
        if threshold is not None:
            reached = [steps_to_threshold(r, threshold) for r in members]
            extra = dict(
                threshold=threshold,
                steps_to_threshold=[None if math.isinf(x) else int(x) for x in reached],
                median_steps_to_threshold=float(np.median(reached)),
            )
        rows.append(
            dict(
                env=env,
                variant=variant,
                seeds=len(members),
                env_steps=int(min(r["steps"][-1] for r in members)),
                best_final10_mean=float(np.mean(best)),
                best_final10_std=float(np.std(best)),
                mean_final20_mean=float(np.mean(late)),
                mean_final20_std=float(np.std(late)),
                last_mean=float(np.mean(last)),
                last_std=float(np.std(last)),
                wall_s_mean=float(np.mean([r["wall"][-1] for r in members])),
                per_seed=dict(  # for paired comparisons between cells on the same seeds
                    seed=[r["seed"] for r in members],
                    best_final10=best,
                    mean_final20=late,
                    last=last,
                ),
                **extra,
            )
        )
    return rows


def _final_count(run: dict, fraction: float) -> int:
    """How many evaluations the final `fraction` of a run holds (at least one)."""
    return max(1, math.ceil(fraction * len(run["ret"])))


def _seed(run: dict) -> int:
    return run["seed"]


def _steps(x: float | None) -> str:
    return "never" if x is None or math.isinf(x) else f"{x / 1000:g}k"


def final_table_markdown(rows: list[dict]) -> str:
    threshold = rows[0].get("threshold") if rows else None
    head = (
        "| env | variant | seeds | env steps | best of final 10% evals | mean of final 20% evals"
        " | last eval | wall s |"
    )
    if threshold is not None:
        head += f" steps to >= {threshold:g} (per seed) | median |"
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in rows:
        line = (
            f"| {r['env']} | {r['variant']} | {r['seeds']} | {r['env_steps']:,} | "
            f"{r['best_final10_mean']:.1f} ± {r['best_final10_std']:.1f} | "
            f"{r['mean_final20_mean']:.1f} ± {r['mean_final20_std']:.1f} | "
            f"{r['last_mean']:.1f} ± {r['last_std']:.1f} | {r['wall_s_mean']:.0f} |"
        )
        if threshold is not None:
            per_seed = ", ".join(_steps(x) for x in r["steps_to_threshold"])
            line += f" {per_seed} | {_steps(r['median_steps_to_threshold'])} |"
        lines.append(line)
    return "\n".join(lines) + "\n(mean ± std over seeds)\n"


BENCH_PANELS = (
    ("sample_one_ms", "sample, 1 state (ms)"),
    ("sample_batch_ms", "sample, batch (ms)"),
    ("update_ms", "one update (ms)"),
    ("loop_env_steps_per_s", "training loop env steps/s"),
)


def plot_bench(result: dict, out_dir: Path) -> list[Path]:
    """bench_time_vs_T.png (each measurement vs T; SAC dashed) and bench_speedup.png (vs T=20)."""
    rows = result["rows"]
    algos = sorted({r["algo"] for r in rows if r["T"] is not None})
    paths = [out_dir / "bench_time_vs_T.png", out_dir / "bench_speedup.png"]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    fig2, axes2 = plt.subplots(1, 4, figsize=(16, 3.8))
    for i, (key, title) in enumerate(BENCH_PANELS):
        for algo in algos:
            pts = sorted((r["T"], r[key]) for r in rows if r["algo"] == algo and r["T"])
            ts, vals = np.array(pts).T
            axes[i].plot(ts, vals, "o-", label=algo)
            if 20 in ts:
                ref = vals[list(ts).index(20)]
                speedup = vals / ref if key == "loop_env_steps_per_s" else ref / vals
                axes2[i].plot(ts, speedup, "o-", label=algo)
        for r in rows:
            if r["T"] is None:
                axes[i].axhline(r[key], ls="--", color="gray", label=r["variant"])
        axes[i].set(title=title, xlabel="diffusion steps T")
        axes2[i].set(title=f"{title}: speedup vs T=20", xlabel="diffusion steps T")
        axes2[i].axhline(1.0, color="gray", lw=0.5)
    for ax in (axes[0], axes2[0]):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    caption = f"{result['env']}, {result['machine']}, {result['date'][:10]}"
    for f, path in zip((fig, fig2), paths, strict=True):
        f.suptitle(caption, fontsize=9)
        f.tight_layout()
        f.savefig(path, dpi=110)
        plt.close(f)
    return paths
