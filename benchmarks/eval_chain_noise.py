"""The same trained parameters under each deterministic policy (issue 24, suspect 5).

Loads a sweep cell's checkpoints (every `seed*/` run dir under CELL, at each chunk given) and
evaluates each with every `--eval-chain-noise` form, on the same episodes (one evaluation key
per seed and chunk, shared by the forms): zero (the noise-free chain, the default),
sample_mean (the mean of the run's eval-chain-samples, 16, chain samples per state) and
observation_hash (DACER's: one chain sample per state). Beside them, the behaviour policy's
mean reward per env step over the chunk before the checkpoint, from the run's metrics, times
the episode length (a return scale, not an evaluation). Prints a markdown table and writes it
with the JSON to OUT.

    python benchmarks/eval_chain_noise.py \
        --cell runs/locomotion/L10-halfcheetah/halfcheetah/dacer2_T5 \
        --chunks 45 50 --episodes 32 --out benchmarks/results/locomotion/L11-halfcheetah
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import jax
import tyro

from mjx_dacer2 import envs
from mjx_dacer2.config.schema import EvalChainNoise
from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
from mjx_dacer2.storage.export import load_checkpoint_policy
from mjx_dacer2.study.reports import write_rows
from mjx_dacer2.training.evaluate import make_evaluator

FORMS = ("zero", "sample_mean", "observation_hash")
assert set(FORMS) == set(get_args(EvalChainNoise))


@dataclass(frozen=True)
class Args:
    cell: str
    """A sweep cell: the folder that holds its seed*/ run dirs."""
    chunks: tuple[int, ...]
    """Checkpoints to evaluate (chunk numbers; each must be kept in every seed's run dir)."""
    episodes: int = 32
    """Evaluation episodes per (seed, chunk, form)."""
    eval_seed: int = 1234
    """Base seed of the evaluation keys (folded with the seed index and the chunk)."""
    out: str = "runs/benchmarks/eval_chain_noise"
    """Folder for eval_chain_noise.json and .md."""


def behaviour_return(run_dir: Path, env_steps: int, episode_length: int) -> float:
    """Mean reward per env step over the chunk ending at `env_steps`, times the episode length
    (nan without the run's metrics)."""
    metrics = run_dir / "metrics.jsonl"
    for line in metrics.read_text().splitlines() if metrics.is_file() else []:
        record = json.loads(line)
        if record["env_steps"] == env_steps and "reward" in record:
            return record["reward"] * episode_length
    return float("nan")


def evaluate_cell(args: Args) -> list[dict]:
    rows = []
    for index, run_dir in enumerate(sorted(Path(args.cell).glob("seed*"))):
        for chunk in args.chunks:
            key = jax.random.fold_in(jax.random.key(args.eval_seed + index), chunk)
            key_data = jax.random.key_data(key)  # one key per form: the same episodes
            row = dict(seed=run_dir.name, chunk=chunk)
            env = None
            for form in FORMS:
                loaded = load_checkpoint_policy(
                    run_dir, chunk, overrides={"eval_chain_noise": form}
                )
                if env is None:  # the same env for every form
                    env = envs.make(loaded.config.env, loaded.config.loop.episode_length)
                evaluator = make_evaluator(env, loaded.policy.inference, args.episodes)
                metrics = jax.device_get(
                    evaluator.run(
                        loaded.policy_params, loaded.obs_stats, jax.random.wrap_key_data(key_data)
                    )
                )
                row[form] = (float(metrics["eval_return"]), float(metrics["eval_return_std"]))
            row["env_steps"] = loaded.env_steps
            row["behaviour"] = behaviour_return(run_dir, loaded.env_steps, env.episode_length)
            print(row, flush=True)
            rows.append(row)
    return rows


def table(rows: list[dict], episodes: int) -> str:
    lines = [
        f"| seed | env steps | {' | '.join(FORMS)} | behaviour (reward per step x length) |",
        "|---|---|" + "---|" * (len(FORMS) + 1),
    ]
    for r in rows:
        cells = [f"{r[f][0]:.0f} ± {r[f][1]:.0f}" for f in FORMS]
        lines.append(
            f"| {r['seed']} | {r['env_steps']:,} | {' | '.join(cells)} | {r['behaviour']:.0f} |"
        )
    means = [f"{statistics.mean(r[f][0] for r in rows):.0f}" for f in FORMS]
    behaviour = statistics.mean(r["behaviour"] for r in rows)
    lines.append(f"| mean | | {' | '.join(means)} | {behaviour:.0f} |")
    lines.append(f"(return mean ± std over {episodes} episodes per seed and checkpoint)")
    return "\n".join(lines) + "\n"


def main(args: Args) -> None:
    enable_compilation_cache()
    quiet_library_warnings()
    rows = evaluate_cell(args)
    write_rows(args.out, "eval_chain_noise", args, rows, table(rows, args.episodes))


if __name__ == "__main__":
    main(tyro.cli(Args))
