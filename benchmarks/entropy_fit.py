"""How much the actions at the bounds pull DACER's entropy estimate down (issue 24, hopper).

The entropy regulator fits a Gaussian mixture to behaviour actions per state
(`entropy_actions`): `clipped` (DACER's) fits them as sent, so a component at +-1 is a point
mass whose near-zero variance lowers the estimate, and alpha (the exploration noise) rises to
make up for it; `unclipped` fits them before the final clip. For every `seed*/` run dir of each
sweep CELL, this loads a checkpoint (the newest, or `--chunk`), rolls out one episode of its
deterministic policy, takes `--states` states evenly spaced along it, and estimates the
behaviour policy's entropy there both ways, with the same chain noise, exploration noise and
mixture initialisation (one key), beside the fraction of action components at +-1 and the
run's alpha and target. Prints a markdown table and writes it with the JSON to OUT.

    python benchmarks/entropy_fit.py \
        --cells runs/locomotion/L20-hopper/hopper/dacer2_T5 \
        --out benchmarks/results/locomotion/L20-entropy-fit
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import tyro

from mjx_dacer2 import envs
from mjx_dacer2.algorithms import make_learner
from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
from mjx_dacer2.storage.export import load_checkpoint_policy
from mjx_dacer2.study.rendering import rollout
from mjx_dacer2.study.reports import write_rows

FITS = ("clipped", "unclipped")


@dataclass(frozen=True)
class Args:
    cells: tuple[str, ...]
    """Sweep cells of DACER or DACER2: folders that hold seed*/ run dirs."""
    chunk: int | None = None
    """Checkpoint to load in every run (a chunk number; default: each run's newest)."""
    states: int = 32
    """States of the episode at which the entropy is estimated (the protocol's
    entropy-num-states)."""
    steps: int = 1000
    """Env steps of the episode (stops early when it terminates)."""
    seed: int = 0
    """Seed of the env reset and of the estimate's noise."""
    out: str = "runs/benchmarks/entropy_fit"
    """Folder for entropy_fit.json and .md."""


def estimate(loaded, obs: np.ndarray, key: jax.Array, num_states: int) -> dict:
    """The entropy estimate of `loaded`'s behaviour policy at raw observations `obs` under each
    fit, and the fraction of its (clipped) action components at +-1; every fit draws the same
    noise (`key`, cloned)."""
    normalized = loaded.policy.inference.observation(loaded.obs_stats, jnp.asarray(obs))
    log_alpha = loaded.agent.log_alpha
    row = {}
    for fit in FITS:
        config = loaded.config.replace(entropy_actions=fit, entropy_num_states=num_states)
        learner = make_learner(config, loaded.obs_size, loaded.action_size)
        entropy = jax.jit(learner.losses.policy_entropy)
        row[fit] = float(
            entropy(loaded.policy_params, log_alpha, normalized, jax.random.clone(key))
        )
    num_actions = loaded.config.entropy.entropy_num_actions
    reps = jnp.broadcast_to(normalized[:, None], (len(obs), num_actions, obs.shape[-1]))
    key_sample = jax.random.split(key)[0]  # the key `policy_entropy` draws its actions with
    chain = jax.jit(loaded.learner.policy.behaviour_chain)
    actions = chain(loaded.policy_params, reps, key_sample, log_alpha).action
    row["at_bounds"] = float(jnp.mean(jnp.abs(actions) >= 1.0))
    row["alpha"] = float(jnp.exp(log_alpha))
    row["target"] = loaded.config.entropy.target_entropy_per_dim * loaded.action_size
    return row


def measure(args: Args) -> list[dict]:
    rows, env = [], None
    key_reset, key_fit = jax.random.split(jax.random.key(args.seed))
    for cell in args.cells:
        for run_dir in sorted(Path(cell).glob("seed*")):
            loaded = load_checkpoint_policy(run_dir, args.chunk)
            if env is None or env.name != loaded.config.env:
                env = envs.make(loaded.config.env, loaded.config.loop.episode_length)
            act = loaded.policy.deterministic_action
            _, obs = rollout(env, act, args.steps, jax.random.clone(key_reset))
            picked = obs[np.linspace(0, len(obs) - 1, args.states).round().astype(int)]
            row = dict(cell=Path(cell).name, seed=run_dir.name, env_steps=loaded.env_steps)
            fits = estimate(loaded, picked, jax.random.clone(key_fit), args.states)
            row.update(episode_steps=len(obs) - 1, **fits)
            print(row, flush=True)
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| cell | seed | env steps | episode steps | alpha | target | estimate, clipped fit "
        "| estimate, unclipped fit | unclipped - clipped | components at +-1 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['cell']} | {r['seed']} | {r['env_steps']:,} | {r['episode_steps']} "
            f"| {r['alpha']:.2f} | {r['target']:.1f} | {r['clipped']:.2f} "
            f"| {r['unclipped']:.2f} | {r['unclipped'] - r['clipped']:+.2f} "
            f"| {r['at_bounds']:.1%} |"
        )
    gaps = [r["unclipped"] - r["clipped"] for r in rows]
    if len(gaps) > 1:
        lines.append(
            f"\nunclipped - clipped over {len(gaps)} runs: {statistics.mean(gaps):+.2f} "
            f"± {statistics.stdev(gaps):.2f} nats (mean ± std)"
        )
    return "\n".join(lines) + "\n"


def main(args: Args) -> None:
    enable_compilation_cache()
    quiet_library_warnings()
    rows = measure(args)
    write_rows(args.out, "entropy_fit", args, rows, table(rows))


if __name__ == "__main__":
    main(tyro.cli(Args))
