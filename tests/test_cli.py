"""Bad input gets a one-line error before anything compiles; presets layer under flags."""

import time

import pytest

from mjx_dacer2.launch.cli import main
from mjx_dacer2.launch.train import parse_train_args


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--env", "nope"], "unknown env 'nope': choose one of"),
        (["--diffusion-steps", "0"], "diffusion-steps (T) must be >= 1"),
        (["--num-envs", "0"], "num-envs must be >= 1"),
        (["--batch-size", "512", "--buffer-size", "300"], "larger than the replay buffer"),
        (["--warmup-steps", "5000", "--total-env-steps", "4000"], "must be below total-env-steps"),
        (["--run-dir", "/proc/forbidden/run"], "is not writable"),
        (["--gamma", "1.5"], "gamma must be in [0, 1)"),
        (["--chain-noise-scale", "2"], "chain-noise-scale must be in [0, 1], got 2.0"),
        (["--num-devices", "3"], "num-devices 3 is not available: this job has 1 cpu device(s)"),
        (["--num-processes", "2"], "a multi-process job needs --coordinator-address, --process"),
        (["--policy-hidden", "0"], "policy-hidden takes one or more layer widths >= 1"),
        (["--policy-hidden"], "policy-hidden takes one or more layer widths >= 1"),  # ()
        (["--critic-hidden", "64", "-1"], "critic-hidden takes one or more layer widths >= 1"),
        (["--actor-lr", "-1"], "actor-lr must be a finite number > 0, got -1.0"),
        (["--critic-lr", "nan"], "critic-lr must be a finite number > 0, got nan"),
        (["--alpha-lr", "0"], "alpha-lr must be a finite number > 0, got 0.0"),
        (["--sac-alpha-lr", "inf"], "sac-alpha-lr must be a finite number > 0, got inf"),
        (["--reward-scale", "0"], "reward-scale must be a finite number > 0, got 0.0"),
        (["--initial-alpha", "nan"], "initial-alpha must be a finite number, got nan"),
        (["--beta-max", "0.05"], "beta-max (0.05) must be >= beta-min (0.1)"),
        (["--time-embed-dim", "1"], "time-embed-dim must be >= 2"),
        (["--size", "tiny"], "unknown --size 'tiny': choose one of gpu, cpu"),
        (["--env", "multigoal", "--size", "cpu"], "--size cpu is for the locomotion tasks"),
    ],
)
def test_bad_input_is_one_line_before_compile(flags, message, capsys):
    start = time.perf_counter()
    code = main(["train", "--no-progress", *flags])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err
    assert err.count("\n") == 0, err
    assert elapsed < 5.0  # nothing was compiled


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--variants", "nope:5"], "variant 'nope:5': unknown algo 'nope': choose one of dacer2,"),
        (["--variants", "dacer2:5", "dacer:5:actor_lr=-1"], "actor-lr must be a finite number > 0"),
        (["--variants", "sac", "--critic-hidden", "0"], "critic-hidden takes one or more layer"),
        (["--variants", "sac", "--size", "laptop"], "unknown --size 'laptop'"),
    ],
)
def test_bad_sweep_is_one_line_before_any_cell(flags, message, tmp_path, capsys):
    code = main(["sweep", "--no-progress", "--seeds", "0", "--out", str(tmp_path), *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and err.count("\n") == 0, err
    assert not any(tmp_path.iterdir())  # no cell dir made


def test_unknown_algo_and_command_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--algo", "ppo"])  # tyro rejects values outside the Literal
    assert "ppo" in capsys.readouterr().err
    assert main(["fly"]) == 2
    assert "unknown command 'fly'" in capsys.readouterr().err


def test_flags_layer_over_the_env_preset():
    config = parse_train_args(["--env", "halfcheetah", "--num-envs", "64"])
    assert config.loop.num_envs == 64  # flag wins
    assert config.diffusion.exploration_noise_scale == 0.15  # preset kept
    resolved = config.resolved()  # the algo's own T and eta (ALGO_PRESETS)
    assert resolved.diffusion.diffusion_steps == 5 and resolved.grad_loss.grad_loss_weight == 0.1
    quick_start = parse_train_args([]).resolved()  # 1-D: the paper's eta (DACER2_ETA_BY_ENV)
    assert quick_start.env == "inverted_pendulum" and quick_start.grad_loss.grad_loss_weight == 1
    dacer = parse_train_args(["--algo", "dacer"]).resolved()
    assert dacer.diffusion.diffusion_steps == 20 and dacer.grad_loss.grad_loss_weight == 0.0
    per_env = parse_train_args(["--env", "inverted_double_pendulum"]).resolved()
    assert per_env.grad_loss.grad_loss_weight == 3.0  # DACER2_ETA_BY_ENV (rounds 21-22)
    pinned = ["--env", "inverted_double_pendulum", "--grad-loss-weight", "1"]
    assert parse_train_args(pinned).resolved().grad_loss.grad_loss_weight == 1.0  # flag wins
    assert (
        parse_train_args([*pinned[:2], "--algo", "dacer"]).resolved().grad_loss.grad_loss_weight
        == 0
    )
    explicit = parse_train_args(["--algo", "dacer", "--diffusion-steps", "5"]).resolved()
    assert explicit.diffusion.diffusion_steps == 5 and explicit.algo_label == "dacer T=5"


def test_size_cpu_loads_the_cpu_sized_locomotion_preset_under_the_flags():
    from mjx_dacer2.config.presets import CPU_LOCOMOTION

    gpu = parse_train_args(["--env", "hopper"])
    cpu = parse_train_args(["--size", "cpu", "--env", "hopper", "--batch-size", "128"])
    assert gpu.loop.num_envs == 1024 and cpu.loop.num_envs == CPU_LOCOMOTION["num_envs"]
    assert cpu.networks.policy_hidden == (256, 256) and cpu.loop.normalize_observations
    assert cpu.loop.batch_size == 128  # a flag still wins over the preset
    # Round L17: hopper's CPU preset makes 2 updates per 4 env steps, the others 1 (U=8).
    assert cpu.loop.updates_per_iteration == 16
    walker = parse_train_args(["--env", "walker2d", "--size", "cpu"])
    assert walker.loop.updates_per_iteration == CPU_LOCOMOTION["updates_per_iteration"] == 8
    flag = ["--env", "hopper", "--size", "cpu", "--updates-per-iteration", "8"]
    assert parse_train_args(flag).loop.updates_per_iteration == 8  # a flag wins here too
    halfcheetah = parse_train_args(["--env", "halfcheetah", "--size=cpu"])
    assert halfcheetah.diffusion.exploration_noise_scale == 0.15  # the task's own preset kept


def test_dacer2_target_form_per_task():
    """Rounds L1 and 33: the locomotion presets regress L_g on the anchored target, the
    quick-start task and the goal tasks on the field target."""
    for env in ("halfcheetah", "hopper", "ant", "humanoid"):
        assert parse_train_args(["--env", env]).grad_loss.grad_target_form == "anchored"
    for env in ("inverted_pendulum", "inverted_double_pendulum", "multigoal"):
        assert parse_train_args(["--env", env]).grad_loss.grad_target_form == "field"
    flag = ["--env", "hopper", "--grad-target-form", "field"]
    assert parse_train_args(flag).grad_loss.grad_target_form == "field"  # a flag wins


def test_reward_scale_per_task():
    """Round L9: ant trains at reward scale 1 (both sizes); the other tasks keep 0.2 (L5, L6)."""
    for size in ("gpu", "cpu"):
        assert parse_train_args(["--env", "ant", "--size", size]).learning.reward_scale == 1.0
    for env in ("halfcheetah", "walker2d", "hopper", "inverted_pendulum"):
        assert parse_train_args(["--env", env]).learning.reward_scale == 0.2
    flag = ["--env", "ant", "--reward-scale", "0.2"]
    assert parse_train_args(flag).learning.reward_scale == 0.2  # a flag wins
