"""`mjx-dacer2 eval RUN_DIR`: evaluate a run's deterministic policy from its checkpoint.

By default it uses the newest readable checkpoint, the run's own deterministic policy and its
evaluation key for that chunk, so it reproduces the eval return the run logged there; `--best`,
`--chunk`, `--episodes`, `--seed` and `--eval-chain-noise` change that.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import tyro

from mjx_dacer2.config.schema import EvalChainNoise
from mjx_dacer2.launch.checkpoint_args import CheckpointArgs


@dataclass(frozen=True)
class EvalArgs(CheckpointArgs):
    episodes: int | None = None
    """Evaluation episodes (run in parallel); default: the run's num-eval-envs."""
    seed: int | None = None
    """Seed of the evaluation episodes; default: the run's own evaluation key for the chunk."""
    eval_chain_noise: EvalChainNoise | None = None
    """A diffusion run's deterministic policy: zero (the noise-free chain), sample_mean (the
    mean of eval-chain-samples chain samples) or observation_hash (DACER's); default: the one
    the run was trained with."""


def main(argv: list[str]) -> int:
    args = tyro.cli(EvalArgs, args=argv, prog="mjx-dacer2 eval", description=__doc__)
    if args.episodes is not None and args.episodes < 1:
        print(f"error: episodes must be >= 1, got {args.episodes}", file=sys.stderr)
        return 2
    import jax  # after parsing: --help and bad flags stay fast

    from mjx_dacer2 import envs
    from mjx_dacer2.driver.run import run_keys
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
    from mjx_dacer2.storage.checkpoint import CheckpointError
    from mjx_dacer2.storage.export import load_checkpoint_policy
    from mjx_dacer2.training.evaluate import make_evaluator

    enable_compilation_cache()
    quiet_library_warnings()
    try:
        overrides = {}
        if args.eval_chain_noise is not None:
            overrides["eval_chain_noise"] = args.eval_chain_noise
        loaded = load_checkpoint_policy(args.run_dir, args.chunk, args.best, overrides)
        config = loaded.config
        if overrides and config.algo == "sac":
            raise ValueError(
                "--eval-chain-noise applies to diffusion runs (dacer2, dacer); this run is sac"
            )
        episodes = args.episodes or config.eval.num_eval_envs
        env = envs.make(config.env, config.loop.episode_length)
    except (CheckpointError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    evaluator = make_evaluator(env, loaded.policy.inference, episodes)
    if args.seed is None:
        key = jax.random.fold_in(run_keys(config.seed, config.prng_impl)[1], loaded.chunk)
    else:
        key = jax.random.key(args.seed, impl=config.prng_impl)
    metrics = jax.device_get(evaluator.run(loaded.policy_params, loaded.obs_stats, key))
    print(
        f"eval: {config.env} {config.algo} chunk {loaded.chunk} ({loaded.env_steps:,} env steps)"
        f" | return {float(metrics['eval_return']):.1f} +- {float(metrics['eval_return_std']):.1f}"
        f" over {episodes} episodes | length {float(metrics['eval_length']):.1f}"
        + (f" | chain noise {config.diffusion.eval_chain_noise}" if config.algo != "sac" else "")
    )
    return 0
