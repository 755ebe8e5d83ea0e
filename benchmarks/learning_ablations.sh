#!/usr/bin/env bash
# The DACER2 learning ablations (issue 8), round by round: `bash benchmarks/learning_ablations.sh
# ROUND [OUT]`, ROUND one of the names below (or `all`). Each round is one `mjx-dacer2 sweep`
# (3 seeds vmapped in one program) under one protocol, then `mjx-dacer2 plot` writes the curves
# and the table (with env steps to first reach an eval return of 950) into
# benchmarks/results/learning/ROUND/. The log of hypotheses and results is
# docs/learning-log.md.
#
# Every variant names the flags it tests, and every round pins the flags whose default later
# rounds changed, so a round reruns as it first ran.
set -euo pipefail
cd "$(dirname "$0")/.."
round=${1:?usage: learning_ablations.sh ROUND|all [OUT]}
out=${2:-runs/learning}
cli=${MJX_DACER2:-.venv/bin/mjx-dacer2}

# inverted_pendulum protocol: 16 envs, 8 updates per iteration (update-to-data 1/2), batch 128,
# 2x128 networks, lr 3e-4, observation normalisation, 20k env steps, an evaluation every 800.
pendulum=(--env inverted_pendulum --num-envs 16 --updates-per-iteration 8 --batch-size 128
  --warmup-steps 1024 --policy-hidden 128 128 --critic-hidden 128 128 --actor-lr 3e-4
  --critic-lr 3e-4 --normalize-observations --iterations-per-chunk 50 --eval-every-env-steps 800
  --total-env-steps 20000)
# inverted_double_pendulum protocol: 32 envs, U=4 (update-to-data 1/8), the same networks,
# batch and lr, 200k env steps, an evaluation every 8k.
double=(--env inverted_double_pendulum --num-envs 32 --updates-per-iteration 4 --batch-size 128
  --warmup-steps 5000 --policy-hidden 128 128 --critic-hidden 128 128 --actor-lr 3e-4
  --critic-lr 3e-4 --normalize-observations --entropy-num-states 32 --iterations-per-chunk 125
  --eval-every-env-steps 8000 --total-env-steps 200000)
# MultiGoal protocol (the modes figures' setting): the preset's 32 envs, U=8, 2x64 networks,
# lr 3e-4, 100k env steps, an alpha step every 1,000 updates; then `mjx-dacer2 modes` (100
# stochastic trajectories per start).
multigoal=(--env multigoal --updates-per-iteration 8 --policy-hidden 64 64 --critic-hidden 64 64
  --actor-lr 3e-4 --critic-lr 3e-4 --entropy-num-states 16 --entropy-every-env-steps 4000
  --total-env-steps 100000)
# The double pendulum's DACER2 eta was 1 until round 22 made it 3 (DACER2_ETA_BY_ENV): its
# earlier rounds pin 1 with `dacer2_eta=1 sweep ...`, which appends `:grad_loss_weight=1` to
# their dacer2 variants (so their labels, `dacer2:5` in the committed tables, gain that suffix).
# the defaults before this log (paper-faithful), pinned for rounds that ran under them
old_eval=(--eval-chain-noise observation_hash)
new_eval=(--eval-chain-noise zero)

sweep() {  # sweep NAME FLAGS... -- VARIANTS...  (over run_round's `seeds`)
  local name=$1; shift
  local flags=() variants=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done; shift
  variants=("$@")
  if [ -n "${dacer2_eta:-}" ]; then  # pin eta in the dacer2 variants that leave it to the default
    for i in "${!variants[@]}"; do
      case ${variants[$i]} in
        dacer2:*grad_loss_weight=*) ;;
        dacer2:*) variants[i]+=":grad_loss_weight=$dacer2_eta" ;;
      esac
    done
  fi
  timeout 3600 "$cli" sweep --out "$out/$name" --seeds "${seeds[@]}" --no-progress "${flags[@]}" \
    --variants "${variants[@]}"
  pool "$name" "$name"
}

pool() {  # pool NAME ROUND...: the table and curves of rounds' runs (their seeds pooled) into
  # benchmarks/results/learning/NAME (as they stood at $up_to env steps, when it is set)
  local name=$1; shift
  local roots=() cut=()
  for r in "$@"; do roots+=("$out/$r"); done
  [ -n "${up_to:-}" ] && cut=(--up-to-env-steps "$up_to")
  mkdir -p "benchmarks/results/learning/$name"
  "$cli" plot --runs "${roots[@]}" --out "benchmarks/results/learning/$name" --threshold 950 \
    "${cut[@]}"
}

train_multigoal() {  # train_multigoal SEED RUN_DIR TOTAL_ENV_STEPS FLAGS...: one MultiGoal run
  local seed=$1 run=$2 total=$3; shift 3
  timeout 3600 "$cli" train --seed "$seed" --run-dir "$run" --no-progress \
    "${multigoal[@]/100000/$total}" "${new_eval[@]}" "$@"
}

write_modes_table() {  # write_modes_table DIR: the goal-hit table of every modes_*.json in DIR
  .venv/bin/python benchmarks/modes_table.py "$1" > "$1/modes_table.md"
  cat "$1/modes_table.md"
}

modes_round() {  # modes_round NAME LABEL FLAGS...: train on MultiGoal per seed, then `modes`
  # (LABEL names files: no dots, `modes --out` treats what follows one as a suffix)
  local name=$1 label=$2; shift 2
  local res="benchmarks/results/learning/$name"
  mkdir -p "$res"
  for seed in "${seeds[@]}"; do
    local run="$out/$name/$label-s$seed"
    [ -f "$res/modes_${label}_s$seed.json" ] && continue  # done: an interrupted round resumes
    rm -rf "$run"  # an unfinished run restarts
    train_multigoal "$seed" "$run" 100000 "$@"
    "$cli" modes "$run" --out "$res/modes_${label}_s$seed"
  done
  write_modes_table "$res"
}

modes_over_time() {  # modes_over_time NAME TOTAL_ENV_STEPS SAVE_EVERY CHUNK... [-- FLAGS...]:
  # DACER2 at its MultiGoal defaults (T=5), changed by FLAGS, per seed, every checkpoint kept,
  # then `modes` on each CHUNK (a chunk is 8k env steps here)
  local name=$1 total=$2 save_every=$3; shift 3
  local chunks=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do chunks+=("$1"); shift; done
  [ $# -gt 0 ] && shift  # the "--"; what is left are extra train flags
  local res="benchmarks/results/learning/$name"
  mkdir -p "$res"
  for seed in "${seeds[@]}"; do
    local run="$out/$name/dacer2-s$seed"
    rm -rf "$run"
    train_multigoal "$seed" "$run" "$total" --algo dacer2 \
      --save-every-env-steps "$save_every" --keep-checkpoints 40 "$@"
    for chunk in "${chunks[@]}"; do
      "$cli" modes "$run" --chunk "$chunk" \
        --out "$res/modes_dacer2-chunk$(printf %02d "$chunk")_s$seed"
    done
  done
  write_modes_table "$res"
}

run_round() {
  local seeds=(0 1 2)  # the seeds of every sweep; a round may set others for itself
  case $1 in
    r1-baseline)  # where DACER2 stands: L_g on/off/weak against SAC
      sweep r1-baseline "${pendulum[@]}" "${old_eval[@]}" -- \
        sac dacer2:5 dacer:5 dacer2:5:grad_loss_weight=0.01 ;;
    r2-backbone)  # x0 clip, actor lr, critic loss, evaluation path
      sweep r2-backbone "${pendulum[@]}" "${old_eval[@]}" -- \
        dacer2:5:clip_denoised=false dacer2:5:actor_lr=0.001 dacer2:5:critic_loss=mse \
        dacer2:5:eval_chain_noise=zero ;;
    r3-grad-loss)  # the Q-gradient loss: weight, where a_t comes from, w(t)
      sweep r3-grad-loss "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_loss_weight=10 dacer2:5:grad_loss_weight=3 \
        dacer2:5:grad_target_source=forward_noised dacer2:5:time_weight=constant ;;
    r4-exploration)  # behaviour noise, eta below 1, entropy fit (noise-free eval)
      sweep r4-exploration "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:initial_alpha=1 dacer2:5:grad_loss_weight=0.3 \
        dacer2:5:entropy_actions=unclipped ;;
    r5-replicate)  # the L_g action source again, on three other seeds
      seeds=(3 4 5)
      sweep r5-replicate "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_target_source=chain dacer2:5:grad_target_source=forward_noised ;;
    r6-combine)  # the best source with the best entropy fit or eta
      sweep r6-combine "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_target_source=forward_noised:entropy_actions=unclipped \
        dacer2:5:grad_target_source=forward_noised:grad_loss_weight=0.3 ;;
    targets-pendulum)  # issue 8's targets at the chosen defaults, side by side with SAC
      sweep targets-pendulum "${pendulum[@]}" "${new_eval[@]}" -- sac dacer2:5 dacer:5 dacer:20 ;;
    targets-double)
      dacer2_eta=1 sweep targets-double "${double[@]}" "${new_eval[@]}" -- sac dacer2:5 dacer:5 ;;
    targets-double-s345)  # targets-double's DACER2 and SAC again on three other seeds
      seeds=(3 4 5)
      dacer2_eta=1 sweep targets-double-s345 "${double[@]}" "${new_eval[@]}" -- sac dacer2:5 ;;
    targets-double-t20)  # DACER T=20 under the same protocol (a separate round: ~20 min here)
      sweep targets-double-t20 "${double[@]}" "${new_eval[@]}" -- dacer:20 ;;
    targets-double-400k)  # is DACER2 slower than SAC or capped below it? twice the env steps
      dacer2_eta=1 sweep targets-double-400k "${double[@]/200000/400000}" "${new_eval[@]}" -- \
        sac dacer2:5 ;;
    targets-multigoal)  # goals reached from the origin and their entropy, per seed
      modes_round targets-multigoal dacer2 --algo dacer2 --grad-loss-weight 1
      modes_round targets-multigoal sac --algo sac ;;
    r7-multigoal-eta)  # the paper's other eta (0.01, "per group of envs") on MultiGoal
      modes_round r7-multigoal-eta dacer2-eta0p01 --algo dacer2 --grad-loss-weight 0.01 ;;
    r8-multigoal-replicate)  # round 7's two cells again, on three other seeds
      seeds=(3 4 5)
      modes_round r8-multigoal-replicate dacer2 --algo dacer2 --grad-loss-weight 1
      modes_round r8-multigoal-replicate dacer2-eta0p01 --algo dacer2 --grad-loss-weight 0.01 ;;
    r9-batch-vs-updates)  # issue 10: at one replay ratio (U x batch / num_envs = 64 samples per
      # env step), can fewer updates on larger batches (what a GPU does cheaply) replace updates?
      sweep r9-batch-vs-updates "${pendulum[@]}" "${new_eval[@]}" -- dacer2:5 \
        dacer2:5:updates_per_iteration=2:batch_size=512 \
        dacer2:5:updates_per_iteration=1:batch_size=1024 \
        sac:updates_per_iteration=1:batch_size=1024 ;;
    r10-batch-lr)  # round 9's larger batches again, their learning rates scaled up with the batch
      sweep r10-batch-lr "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:updates_per_iteration=2:batch_size=512:actor_lr=0.0006:critic_lr=0.0006 \
        dacer2:5:updates_per_iteration=2:batch_size=512:actor_lr=0.0012:critic_lr=0.0012 ;;
    r11-chain-noise)  # a temperature on the behaviour chain's own noise (double pendulum, then
      # the quick-start task): does a behaviour policy closer to the evaluated one learn faster?
      dacer2_eta=1 sweep r11-chain-noise-double "${double[@]}" "${new_eval[@]}" -- \
        dacer2:5:chain_noise_scale=0.5 dacer2:5:chain_noise_scale=0.25
      sweep r11-chain-noise-pendulum "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:chain_noise_scale=0.5 dacer2:5:chain_noise_scale=0.25 ;;
    r12-double-learners)  # the double pendulum's lag behind SAC: the critic (SAC's MSE twin
      # critic instead of DSAC-T) or the actor's step size?
      dacer2_eta=1 sweep r12-double-learners "${double[@]}" "${new_eval[@]}" -- \
        dacer2:5:critic_loss=mse dacer2:5:actor_lr=0.001 ;;
    r13-eval-mean)  # the pendulum's fall-back: the noise-free path or the policy? The same
      # training runs as targets-pendulum's dacer2:5 (seeds 0-2) and r5-replicate's
      # forward_noised (seeds 3-5), evaluated by the mean of 16 chain samples per state
      sweep r13-eval-mean "${pendulum[@]}" -- dacer2:5:eval_chain_noise=sample_mean
      seeds=(3 4 5)
      sweep r13-eval-mean-s345 "${pendulum[@]}" -- dacer2:5:eval_chain_noise=sample_mean ;;
    r14-fall-back-clip)  # the pendulum's fall-back: does the x0 clip hold a fallen policy at
      # the action bound (zero gradient)? Six seeds without it, against targets-pendulum and r5
      sweep r14-fall-back-clip "${pendulum[@]}" "${new_eval[@]}" -- dacer2:5:clip_denoised=false
      seeds=(3 4 5)
      sweep r14-fall-back-clip-s345 "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:clip_denoised=false ;;
    r15-pendulum-critic)  # round 12's faster critic on the pendulum, six seeds (new evaluation)
      sweep r15-pendulum-critic "${pendulum[@]}" "${new_eval[@]}" -- dacer2:5:critic_loss=mse
      seeds=(3 4 5)
      sweep r15-pendulum-critic-s345 "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:critic_loss=mse ;;
    r16-grad-scale)  # L_g's target without the per-sample unit norm (it shrinks where Q is
      # flat), six seeds
      sweep r16-grad-scale "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_target_norm=batch_mean
      seeds=(3 4 5)
      sweep r16-grad-scale-s345 "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_target_norm=batch_mean ;;
    r17-double-alpha)  # the double pendulum's alpha falls at the pace its cadence allows:
      # four times the alpha steps, or start where SAC's noise level is
      dacer2_eta=1 sweep r17-double-alpha "${double[@]}" "${new_eval[@]}" -- \
        dacer2:5:entropy_every_env_steps=2000 dacer2:5:initial_alpha=1 ;;
    r17-double-alpha-s345)  # round 17's faster alpha again, on seeds 3-5
      seeds=(3 4 5)
      dacer2_eta=1 sweep r17-double-alpha-s345 "${double[@]}" "${new_eval[@]}" -- \
        dacer2:5:entropy_every_env_steps=2000 ;;
    r18-double-alpha-pace)  # faster still (alpha steps every 500 env steps), and DACER T=5
      # under round 17's cadence (issue 8's comparison, were that cadence the default)
      dacer2_eta=1 sweep r18-double-alpha-pace "${double[@]}" "${new_eval[@]}" -- \
        dacer2:5:entropy_every_env_steps=500 dacer:5:entropy_every_env_steps=2000 ;;
    r19-double-alpha-s678)  # round 17's cadence, the default and SAC on three more seeds
      seeds=(6 7 8)
      dacer2_eta=1 sweep r19-double-alpha-s678 "${double[@]}" "${new_eval[@]}" -- \
        sac dacer2:5 dacer2:5:entropy_every_env_steps=2000 ;;
    r20-multigoal-dacer)  # the paper's claim, DACER2 more multimodal than DACER: DACER at T=20
      # (its paper's setting) and T=5 under the MultiGoal protocol of rounds 7-8
      modes_round r20-multigoal-dacer dacer20 --algo dacer --diffusion-steps 20
      modes_round r20-multigoal-dacer dacer5 --algo dacer --diffusion-steps 5 ;;
    r21-double-balance)  # the balance of L_q and eta*L_g as Q grows: the default (its two
      # gradient norms logged), L_q divided by its mean action-gradient norm, eta 3 and 0.3
      dacer2_eta=1 sweep r21-double-balance "${double[@]}" "${new_eval[@]}" -- \
        dacer2:5 dacer2:5:q_loss_scale=grad_norm dacer2:5:grad_loss_weight=3 \
        dacer2:5:grad_loss_weight=0.3 ;;
    r22-double-eta3)  # round 21's eta 3 on seeds 3-8 (the default's are in rounds 17-19)
      seeds=(3 4 5)
      sweep r22-double-eta3-s345 "${double[@]}" "${new_eval[@]}" -- dacer2:5:grad_loss_weight=3
      seeds=(6 7 8)
      sweep r22-double-eta3-s678 "${double[@]}" "${new_eval[@]}" -- dacer2:5:grad_loss_weight=3 ;;
    pooled-double-eta)  # rounds 21-22: eta 3 on seeds 0-8 (with round 21's other cells)
      pool pooled-double-eta r21-double-balance r22-double-eta3-s345 r22-double-eta3-s678 ;;
    r23-pendulum-eta3)  # round 22's eta 3 on the pendulum, six seeds
      sweep r23-pendulum-eta3 "${pendulum[@]}" "${new_eval[@]}" -- dacer2:5:grad_loss_weight=3
      seeds=(3 4 5)
      sweep r23-pendulum-eta3-s345 "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_loss_weight=3 ;;
    r24-multigoal-dacer2-t20)  # round 20 found the step count sets MultiGoal's spread more
      # than L_g: DACER2 at T=20 (its MultiGoal default, eta 0.01; w(t) = exp, the default until
      # round 27) against round 20's DACER T=20
      modes_round r24-multigoal-dacer2-t20 dacer2-t20 --algo dacer2 --diffusion-steps 20 \
        --time-weight exp ;;
    r26-multigoal-t20-weight)  # round 24's collapse at T=20: w(t) = exp(0.4 t - 1.8) reaches
      # 493 at t=20; normalized_exp (5t/T in place of t) keeps T=5's range 0.25-1.22
      modes_round r26-multigoal-t20-weight dacer2-t20-normexp --algo dacer2 --diffusion-steps 20 \
        --time-weight normalized_exp ;;
    r28-multigoal-over-time)  # no loss keeps MultiGoal's spread: does the origin's goal-hit
      # entropy fall as training goes on? DACER2 T=5 at its defaults, `modes` every 16k env steps
      modes_over_time r28-multigoal-over-time 100000 8000 3 5 7 9 11 13 ;;
    r29-multigoal-300k)  # round 28's spread rose again after 40k env steps: does it go on
      # rising over 300k env steps?
      modes_over_time r29-multigoal-300k 300000 24000 12 18 24 30 36 38 ;;
    r29-multigoal-300k-s345)  # round 29 again on seeds 3-5
      seeds=(3 4 5)
      modes_over_time r29-multigoal-300k-s345 300000 24000 12 18 24 30 36 38 ;;
    r30-multigoal-500k)  # round 29's spread hovered just under the target at 300k: does it
      # reach it by 500k env steps (504k: 63 chunks)? Chunk 36 repeats round 29's 288k.
      modes_over_time r30-multigoal-500k 500000 24000 36 45 54 63 ;;
    r31-multigoal-target-entropy)  # round 29's protocol (300k env steps, seeds 0-2) with a
      # higher target entropy (-0.45 per dim against DACER's -0.9): does alpha's floor cap the
      # origin's spread?
      modes_over_time r31-multigoal-target-entropy 300000 24000 24 36 38 -- \
        --target-entropy-per-dim -0.45 ;;
    r32-multigoal-t20-300k)  # DACER at T=20 was the most multimodal at 100k (round 20): does
      # DACER2 at T=20 (with the rescaled w(t) of round 26) spread wider than at T=5 by 300k?
      modes_over_time r32-multigoal-t20-300k 300000 24000 24 36 38 -- \
        --diffusion-steps 20 --time-weight normalized_exp ;;
    r25-double-300k)  # eta 3 (the default since round 22) and SAC for 300k env steps, seeds
      # 0-8: is DACER2's lower mean of the final 20% at 200k its pace or a cap?
      for group in "0 1 2" "3 4 5" "6 7 8"; do
        read -ra seeds <<< "$group"
        sweep "r25-double-300k-s${seeds[0]}${seeds[1]}${seeds[2]}" \
          "${double[@]/200000/300000}" "${new_eval[@]}" -- sac dacer2:5
      done
      pool r25-double-300k r25-double-300k-s012 r25-double-300k-s345 r25-double-300k-s678
      up_to=200000 pool r25-double-at-200k r25-double-300k-s012 r25-double-300k-s345 \
        r25-double-300k-s678 ;;
    r27-pendulum-t20-weight)  # round 26's weight on the quick-start task at T=20 (both pinned)
      sweep r27-pendulum-t20-weight "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:20:time_weight=exp dacer2:20:time_weight=normalized_exp ;;
    r33-pendulum-grad-target-form)  # round L1's anchored L_g target (the locomotion presets'
      # since) on the quick-start task, against the field target and SAC at one commit
      sweep r33-pendulum-grad-target-form "${pendulum[@]}" "${new_eval[@]}" -- \
        dacer2:5:grad_target_form=anchored dacer2:5:grad_target_form=field sac ;;
    r34-pendulum-prng-impl)  # the rbg generators (`--prng-impl`, issue 25: fewer ops per
      # update) against threefry, DACER2 T=5 on the quick-start task at one commit; one seed at
      # a time (rbg cannot vmap seeds), threefry too, so that every cell runs alike
      sweep r34-pendulum-prng-impl "${pendulum[@]}" "${new_eval[@]}" --no-vmap-seeds -- \
        dacer2:5 dacer2:5:prng_impl=rbg dacer2:5:prng_impl=unsafe_rbg ;;
    pooled-double)  # the double pendulum's seeds 0-8 at 200k env steps (rounds run before)
      pool pooled-double targets-double targets-double-s345 r17-double-alpha \
        r17-double-alpha-s345 r19-double-alpha-s678 ;;
    all)
      for r in r1-baseline r2-backbone r3-grad-loss r4-exploration r5-replicate r6-combine \
        targets-pendulum targets-double targets-double-s345 targets-double-t20 \
        targets-double-400k targets-multigoal r7-multigoal-eta r8-multigoal-replicate \
        r9-batch-vs-updates r10-batch-lr r11-chain-noise r12-double-learners r13-eval-mean \
        r14-fall-back-clip r15-pendulum-critic r16-grad-scale r17-double-alpha \
        r17-double-alpha-s345 r18-double-alpha-pace r19-double-alpha-s678 \
        r20-multigoal-dacer r21-double-balance r22-double-eta3 r23-pendulum-eta3 pooled-double \
        pooled-double-eta r24-multigoal-dacer2-t20 r25-double-300k r26-multigoal-t20-weight \
        r27-pendulum-t20-weight r28-multigoal-over-time \
        r29-multigoal-300k r29-multigoal-300k-s345 r30-multigoal-500k \
        r31-multigoal-target-entropy r32-multigoal-t20-300k r33-pendulum-grad-target-form \
        r34-pendulum-prng-impl; do
        run_round "$r"
      done ;;
    *) echo "unknown round '$1'" >&2; exit 2 ;;
  esac
}
run_round "$round"
