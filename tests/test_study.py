"""The diffusion-step study: every ablation variant updates with finite metrics, seeds vmap
without turning the trainer's `lax.cond`s into both-branch selects, and bench / sweep / plot
produce their files on a tiny config."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjx_dacer2 import envs
from mjx_dacer2.algorithms import make_learner
from mjx_dacer2.algorithms.interface import Transition
from mjx_dacer2.config import ConfigError
from mjx_dacer2.config.variants import apply_variant, parse_variant, variant_label
from mjx_dacer2.driver.programs import seed_axes
from mjx_dacer2.launch.cli import main
from mjx_dacer2.study.sweep import run_sweep
from mjx_dacer2.training.trainer import make_trainer

# Every ablation switch compiles and updates with finite metrics, in few compiles (each variant
# is one): the chain is a `lax.scan`, so T has no code path beyond its ends (1 and 20), and the
# other switches are independent branches of the losses, so several share a variant.
ABLATIONS = [
    "dacer2:5",
    "dacer:5",
    "dacer2:1:grad_loss_weight=0.01:time_weight=constant:grad_target_q=target_min"
    ":grad_target_form=anchored",
    "dacer2:20:time_weight=normalized_exp:grad_target_source=chain"
    ":grad_target_q=mean_normalized:grad_target_norm=batch_mean:q_loss_scale=grad_norm",
    # the backbone switches of issue 8's ablations
    "dacer2:5:clip_denoised=false:critic_loss=mse:entropy_actions=unclipped"
    ":eval_chain_noise=observation_hash:chain_noise_scale=0.5",
]


@pytest.mark.parametrize("spec", ABLATIONS)
def test_ablation_variant_updates_with_finite_metrics(spec, tiny_config):
    config = apply_variant(tiny_config, parse_variant(spec))
    learner = make_learner(config, *envs.make("multigoal").sizes)
    batch = Transition(
        obs=jax.random.normal(jax.random.key(1), (4, 16, 2)),
        action=jax.random.uniform(jax.random.key(2), (4, 16, 2), minval=-1, maxval=1),
        reward=-jax.random.uniform(jax.random.key(3), (4, 16)),
        next_obs=jax.random.normal(jax.random.key(4), (4, 16, 2)),
        terminated=jnp.zeros((4, 16)),
    )

    @jax.jit
    def four_updates(key):  # updates 0..3: entropy estimate at 0 and 3, actor at 0 and 2
        agent = learner.init(jax.random.key(0))
        keys = jax.random.split(key, 4)
        return jax.lax.scan(lambda a, x: learner.update(a, *x), agent, (batch, keys))

    agent, metrics = jax.device_get(four_updates(jax.random.key(5)))
    assert list(metrics["actor_updated"]) == [1, 0, 1, 0]
    assert all(np.isfinite(v).all() for v in jax.tree.leaves(metrics)), metrics
    eta = config.resolved().grad_loss.grad_loss_weight
    assert (metrics["grad_field_loss"][::2] > 0).all() == (eta > 0)
    assert int(agent.num_updates) == 4 and float(agent.entropy) != 0.0


def test_variant_specs():
    assert parse_variant("dacer:5:time_weight=constant:grad_loss_weight=0.5") == dict(
        algo="dacer", diffusion_steps=5, time_weight="constant", grad_loss_weight=0.5
    )
    assert variant_label("dacer2:5:eta=1") == "dacer2_T5_eta-1"
    with pytest.raises(ValueError, match="unknown config field"):
        parse_variant("dacer2:5:nope=1")
    # values take their field's type; one that cannot is refused in one line, naming the field
    assert parse_variant("sac:reward_scale=1:num_envs=1e3:policy_hidden=64,32") == dict(
        algo="sac", reward_scale=1.0, num_envs=1000, policy_hidden=(64, 32)
    )
    assert parse_variant("dacer2:normalize_observations=False:grad_loss_weight=none") == dict(
        algo="dacer2", normalize_observations=False, grad_loss_weight=None
    )
    for spec, message in [
        ("dacer2:5:grad_loss_weight=abc", "grad_loss_weight takes a number, got 'abc'"),
        ("dacer2:5:num_envs=8.5", "num_envs takes an integer"),
        ("dacer2:5:normalize_observations=yes", "normalize_observations takes true or false"),
        ("dacer2:5:policy_hidden=wide", "policy_hidden takes integers separated by commas"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_variant(spec)


def test_a_sweep_refuses_a_seed_given_twice(tmp_path, tiny_config):
    with pytest.raises(ConfigError, match="seeds must differ: 1 given twice"):
        run_sweep(tiny_config, ["sac"], [1, 2, 1], tmp_path)
    assert not any(tmp_path.iterdir())


def _count_conds(fn, *args) -> int:
    with jax.debug_key_reuse(False):  # see mjx_dacer2.driver.programs.SeedPrograms.context
        return str(jax.make_jaxpr(fn)(*args)).count("cond[")


def test_vmapped_seeds_keep_the_trainer_conds(tiny_config):
    trainer = make_trainer(tiny_config, envs.make("multigoal"))
    keys = jax.random.split(jax.random.key(0), 3)
    axes = seed_axes(jax.eval_shape(trainer.init, jax.random.key(9)))
    states = jax.vmap(trainer.init, out_axes=axes)(keys)
    assert states.agent.num_updates.shape == () and states.env_steps.shape == ()
    vmapped = jax.vmap(trainer.train_chunk_unjitted, in_axes=(axes,), out_axes=(axes, 0))
    single = _count_conds(trainer.train_chunk_unjitted, trainer.init(jax.random.key(1)))
    # Only the env's "any env done -> reset" cond has a per-seed predicate.
    assert _count_conds(vmapped, states) == single - 1


def test_bench_writes_json_csv_markdown_and_plots(tmp_path, tiny_flags):
    out = tmp_path / "bench"
    flags = ["--variants", "dacer2:1", "sac", "--sample-batch", "8", "--compile-cache"]
    flags += ["--sample-calls", "2", "--update-calls", "2", "--rounds", "2"]
    with jax.debug_key_reuse(False):  # timing calls deliberately repeat their inputs
        assert main(["bench", *flags, "--out", str(out), *tiny_flags]) == 0
    result = json.loads((out / "bench.json").read_text())
    assert [r["variant"] for r in result["rows"]] == ["dacer2:1", "sac"]
    for row in result["rows"]:
        assert all(row[k] > 0 for k in ("sample_one_ms", "update_ms", "loop_env_steps_per_s"))
        assert row["update_ops"] > 0 and row["update_gflop"] > 0  # from the compiled HLO
    for name in ("bench.csv", "bench.md", "bench_time_vs_T.png", "bench_speedup.png"):
        assert (out / name).stat().st_size > 0


def test_sweep_then_plot(tmp_path, tiny_flags):
    runs, figs = tmp_path / "runs", tmp_path / "figs"
    flags = ["--variants", "dacer2:2", "sac", "--seeds", "0", "1", "--out", str(runs)]
    assert main(["sweep", *flags, *tiny_flags, "--eval-every-env-steps", "48"]) == 0
    for label in ("dacer2_T2", "sac"):
        returns = []
        for seed in (0, 1):
            cell = runs / "multigoal" / label / f"seed{seed}"
            config = json.loads((cell / "config.json").read_text())
            assert config["seed"] == seed and config["extra"]["variant"] in ("dacer2:2", "sac")
            lines = [json.loads(x) for x in (cell / "metrics.jsonl").read_text().splitlines()]
            assert [x["env_steps"] for x in lines] == [0, 48, 96]
            returns.append([x["eval_return"] for x in lines])
            assert json.loads((cell / "summary.json").read_text())["env_steps"] == 96
        assert returns[0] != returns[1]  # seeds differ
    assert main(["plot", "--runs", str(runs), "--out", str(figs)]) == 0
    assert (figs / "curves_multigoal.png").stat().st_size > 0
    rows = json.loads((figs / "final_returns.json").read_text())
    assert {(r["variant"], r["seeds"]) for r in rows} == {("dacer2:2", 2), ("sac", 2)}
    # pooling the same round twice would count every seed twice: refused
    assert main(["plot", "--runs", str(runs), str(runs), "--out", str(figs)]) == 2
    # a root without runs (a mistyped round) would silently drop seeds: refused
    assert main(["plot", "--runs", str(runs), str(tmp_path / "typo"), "--out", str(figs)]) == 2


def test_final_table_summarises_the_final_evaluations_of_each_seed():
    from mjx_dacer2.study.plotting import final_table

    def run(seed, returns):
        steps = np.arange(len(returns), dtype=float)
        return dict(env="e", variant="v", seed=seed, steps=steps, wall=steps, ret=np.array(returns))

    returns = [0.0, 1, 2, 3, 4, 5, 6, 7, 10, 9]  # 10 evaluations: final 10% is 1, final 20% is 2
    (row,) = final_table([run(3, [x + 2 for x in returns]), run(0, returns)], threshold=6)
    assert row["seeds"] == 2
    assert row["best_final10_mean"] == 10.0  # seeds' last evaluations: 9 and 11
    assert row["mean_final20_mean"] == 10.5  # (10 + 9) / 2 and (12 + 11) / 2
    assert row["last_mean"] == 10.0
    assert row["steps_to_threshold"] == [6, 4]
    assert row["per_seed"] == dict(
        seed=[0, 3], best_final10=[9.0, 11.0], mean_final20=[9.5, 11.5], last=[9.0, 11.0]
    )


def test_up_to_tabulates_runs_as_they_stood_at_an_earlier_env_step():
    from mjx_dacer2.study.plotting import final_table, up_to

    steps = np.arange(1, 11, dtype=float) * 100  # evaluations at 100 .. 1000 env steps
    run = dict(env="e", variant="v", seed=0, steps=steps, wall=steps, ret=steps / 100)
    (row,) = final_table(up_to([run], 500))
    assert row["env_steps"] == 500
    assert row["last_mean"] == 5.0 and row["mean_final20_mean"] == 5.0  # 1 of 5 evals
    assert len(run["ret"]) == 10  # the runs given are left as they were
    with pytest.raises(ValueError, match="no evaluation by 50 env steps"):
        up_to([run], 50)


@pytest.mark.parametrize(
    "spec",
    ["dacer2:5:entropy_actions=clip", "dacer2:5:eval_chain_noise=zeros", "dacer2:5:critic_loss=l2"],
)
def test_variant_with_an_unknown_choice_is_refused(spec, tiny_config):
    from mjx_dacer2.config import validate

    with pytest.raises(ConfigError, match="is not a choice: use one of"):
        validate(apply_variant(tiny_config, parse_variant(spec)), envs.names())
