"""Learning tests: DACER2 at T = 5 with the project's defaults learns the quick-start task, and
learns MultiGoal beyond any untrained policy (halfcheetah: tests/test_learning_locomotion.py).

The pendulum threshold is one the defaults before issue 8 never reached: in ablation round 1
(docs/learning-log.md), their best evaluation over 20,000 env steps was
88, 252 and 115 on seeds 0-2, while the current defaults score 1000 at 14,400 and 16,000 env steps
on seed 0 (evaluated every 800: 1000 from 14,400 on; 537 at 12,000).
"""

import json

from training_subprocess import train

from mjx_dacer2.config import preset


def _evals(run_dir) -> list[tuple[int, float]]:
    lines = [json.loads(line) for line in open(run_dir / "metrics.jsonl")]
    return [(r["env_steps"], r["eval_return"]) for r in lines if "eval_return" in r]


def test_dacer2_t5_learns_the_quick_start_task(tmp_path):
    config = preset("inverted_pendulum").replace(
        run_dir=str(tmp_path / "run"),
        total_env_steps=16_000,
        iterations_per_chunk=50,
        eval_every_env_steps=1_600,  # every other chunk (evaluation does not change training)
        save_every_env_steps=0,
        progress=False,
    )
    resolved = config.resolved()
    assert config.algo == "dacer2" and resolved.diffusion.diffusion_steps == 5
    assert resolved.grad_loss.grad_loss_weight > 0
    summary = train(config)
    evals = _evals(tmp_path / "run")
    assert summary["untrained_return"] < 50 and evals[-1][0] == 16_000
    assert max(ret for _, ret in evals) >= 900, evals


def test_dacer2_t5_learns_multigoal(tmp_path):
    """MultiGoal's reward is -(30*||a||^2 + squared distance to the nearest goal) per step for
    100 steps. Standing still scores about -2,500 and untrained diffusion policies between about
    -3,000 and -11,000 (they push toward the arena's walls); returns above -1,500 need a policy
    that heads for a goal."""
    config = preset("multigoal").replace(
        run_dir=str(tmp_path / "run"),
        total_env_steps=12_800,
        num_envs=32,
        warmup_steps=1_600,
        updates_per_iteration=8,
        iterations_per_chunk=50,
        policy_hidden=(64, 64),
        critic_hidden=(64, 64),
        actor_lr=3e-4,
        critic_lr=3e-4,
        entropy_every_env_steps=800,  # 200 updates
        entropy_num_states=16,
        num_eval_envs=16,
        progress=False,
    )
    resolved = config.resolved()
    assert config.algo == "dacer2" and resolved.diffusion.diffusion_steps == 5
    assert resolved.grad_loss.grad_loss_weight == 0.01  # DACER2's eta on MultiGoal (rounds 7-8)
    summary = train(config)
    assert summary["untrained_return"] < -2_500
    assert summary["final_return"] > -1_500, summary
    assert _evals(tmp_path / "run")[-1][0] == 12_800
