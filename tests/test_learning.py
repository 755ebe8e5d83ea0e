"""Learning test: DACER2 at T = 5 on MultiGoal reaches a return no untrained policy gets.

MultiGoal's reward is -(30*||a||^2 + squared distance to the nearest goal) per step for 100 steps.
Standing still at the start scores about -2,500 and untrained diffusion policies between about
-3,000 and -11,000 (they push toward the arena's walls); returns above -1,500 need a policy that
heads for a goal.
"""

import json

from mjx_dacer2.config import preset
from mjx_dacer2.run import train


def test_dacer2_t5_learns_multigoal(tmp_path):
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
        entropy_every=200,
        entropy_num_states=16,
        num_eval_envs=16,
        progress=False,
    )
    assert config.algo == "dacer2" and config.num_diffusion_steps == 5 and config.eta == 1.0
    summary = train(config)
    assert summary["untrained_return"] < -2_500
    assert summary["final_return"] > -1_500, summary
    lines = [json.loads(line) for line in open(tmp_path / "run" / "metrics.jsonl")]
    assert lines[-1]["env_steps"] == 12_800 and "eval_return" in lines[-1]
