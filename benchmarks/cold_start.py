"""Cold start: what a run compiles and how long a user waits for its first chunk (issue 25).

For each case (default: the quick start, and hopper at `--size cpu`) this runs `mjx-dacer2
train` in a fresh process twice, with JAX's persistent compilation cache pointed at an empty
folder ("cold"), then again at the same, now filled, folder ("warm"). Each run lasts two
chunks, with an evaluation and a checkpoint. Measured from the command's start (the process's
spawn), read off the run's metrics.jsonl as it is written:
  - the untrained evaluation's line (env steps 0) and the first chunk's line;
  - the end of the process;
  - the seconds JAX spent tracing Python to jaxprs and lowering them to MLIR (every jitted
    call pays these, even when the persistent cache holds its program);
  - every XLA compile the process asked for (JAX's `backend_compile_duration` events, with the
    jitted function's name and whether the persistent cache served it). A program of at least
    `--program-min-s` seconds is listed by name; the rest (eager array ops, small jits) are
    counted together. A name listed more than once is a program compiled more than once.
Prints a table and writes JSON and markdown (default runs/benchmarks/cold_start_<backend>.*;
the committed figures: `--out benchmarks/results/cold_start_cpu`).

`--checkout DIR` times another checkout's CLI instead (its own `.venv`, made by its
`launch/setup.sh`), for a before/after pair measured on one machine:

    python benchmarks/cold_start.py --out benchmarks/results/cold_start_cpu
    git worktree add /tmp/before 4a5df8d && bash /tmp/before/launch/setup.sh
    python benchmarks/cold_start.py --checkout /tmp/before --cases quickstart \
        --out benchmarks/results/cold_start_before_after/before_1
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import tyro

ROOT = Path(__file__).parents[1]
RUNS = ROOT / "runs" / "benchmarks"  # default output, not tracked

# Each case: `mjx-dacer2 train` flags. Two chunks each (the quick start's chunk is 2,000 env
# steps; hopper's CPU chunk is 4,000, its first all warm-up), an evaluation and a save at the end.
CASES = {
    "quickstart": ("--total-env-steps", "4000"),
    "hopper": ("--env", "hopper", "--size", "cpu", "--total-env-steps", "8000"),
}

# Runs in the child process: records JAX's compile events, then runs the CLI unchanged.
CHILD = """
import atexit, json, sys, time
from jax import monitoring

compiles, hits, staged = [], [0], dict(trace_s=0.0, lower_s=0.0)
def on_event(event, **kwargs):
    if event == "/jax/compilation_cache/cache_hits":
        hits[0] += 1
def on_duration(event, seconds, **kwargs):
    if event == "/jax/core/compile/backend_compile_duration":
        cached = hits[0] > sum(c["cached"] for c in compiles)
        compiles.append(dict(program=kwargs.get("fun_name", "?"), s=seconds, cached=cached,
                             end=time.time()))
    elif event == "/jax/core/compile/jaxpr_trace_duration":
        staged["trace_s"] += seconds
    elif event == "/jax/core/compile/jaxpr_to_mlir_module_duration":
        staged["lower_s"] += seconds
monitoring.register_event_listener(on_event)
monitoring.register_event_duration_secs_listener(on_duration)
events_path, sys.argv = sys.argv[1], ["mjx-dacer2", *sys.argv[2:]]
atexit.register(lambda: open(events_path, "w").write(json.dumps(dict(compiles=compiles, **staged))))
from mjx_dacer2.launch.cli import main
sys.exit(main())
"""


@dataclasses.dataclass(frozen=True)
class Args:
    cases: tuple[str, ...] = tuple(CASES)
    """Which cases to run (quickstart, hopper)."""
    program_min_s: float = 1.0
    """A compile at least this long is listed by name (JAX caches those of >= 1 s)."""
    timeout_s: int = 900
    """Limit per run."""
    out: str = ""
    """Prefix of the JSON and markdown to write (default runs/benchmarks/cold_start_<backend>)."""
    checkout: str = ""
    """Time the CLI of this checkout (run with its `.venv/bin/python`) instead of this one's."""


def timed_run(
    flags: tuple[str, ...], cache: Path, work: Path, timeout_s: int, checkout: Path = ROOT
) -> dict:
    """One `mjx-dacer2 train` process of `checkout`: seconds from spawn to its untrained
    evaluation, its first chunk and its end, and its compiles."""
    run_dir, events, log = work / "run", work / "compiles.json", work / "stderr.txt"
    env = dict(os.environ, MJX_DACER2_CACHE=str(cache))
    python = sys.executable if checkout == ROOT else str(checkout / ".venv" / "bin" / "python")
    command = [python, "-c", CHILD, str(events), "train", *flags,
               "--run-dir", str(run_dir), "--no-progress"]  # fmt: skip
    start = time.time()
    with log.open("w") as stderr:
        process = subprocess.Popen(command, env=env, cwd=checkout, stdout=subprocess.DEVNULL,
                                   stderr=stderr)  # fmt: skip
    seen: dict[str, float] = {}
    metrics = run_dir / "metrics.jsonl"
    while process.poll() is None and time.time() - start < timeout_s:
        if metrics.exists():
            for line in metrics.read_text().splitlines():
                try:
                    steps = json.loads(line)["env_steps"]
                except json.JSONDecodeError:  # a line still being written
                    continue
                seen.setdefault("untrained_eval" if steps == 0 else "first_chunk",
                                time.time() - start)  # fmt: skip
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
        raise SystemExit(f"error: `{' '.join(flags)}` ran past --timeout-s {timeout_s}")
    if process.returncode != 0:
        raise SystemExit(f"error: `{' '.join(flags)}` failed:\n{log.read_text()[-3000:]}")
    recorded = json.loads(events.read_text())
    return dict(
        untrained_eval_s=seen.get("untrained_eval"),
        first_chunk_s=seen.get("first_chunk"),
        total_s=time.time() - start,
        trace_s=recorded["trace_s"],
        lower_s=recorded["lower_s"],
        compiles=[dict(c, end=c["end"] - start) for c in recorded["compiles"]],
    )


def summary(run: dict, program_min_s: float) -> dict:
    """Counts and seconds of a run's compiles: named programs and the small rest."""
    compiled = [c for c in run["compiles"] if not c["cached"]]
    programs = [c for c in compiled if c["s"] >= program_min_s]
    names = Counter(c["program"] for c in programs)
    return dict(
        programs=[dict(program=c["program"], s=round(c["s"], 2)) for c in programs],
        programs_s=sum(c["s"] for c in programs),
        compiled_more_than_once=sorted(name for name, n in names.items() if n > 1),
        small_compiles=len(compiled) - len(programs),
        small_compiles_s=sum(c["s"] for c in compiled) - sum(c["s"] for c in programs),
        cache_hits=sum(c["cached"] for c in run["compiles"]),
    )


def markdown(result: dict) -> str:
    lines = [
        f"Cold start of commit {result['commit']} on {result['machine']} (jax {result['jax']}, "
        f"{result['date']}); seconds from the command's start.",
        "",
        "| case | cache | untrained eval | first chunk | end | tracing | lowering | programs >= "
        f"{result['program_min_s']:g} s compiled (s) | small compiles (s) | cache hits |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case, runs in result["cases"].items():
        for cache in ("cold", "warm"):
            run, s = runs[cache], runs[cache]["summary"]
            lines.append(
                f"| {case} | {cache} | {run['untrained_eval_s']:.1f} | {run['first_chunk_s']:.1f} "
                f"| {run['total_s']:.1f} | {run['trace_s']:.1f} | {run['lower_s']:.1f} "
                f"| {len(s['programs'])} ({s['programs_s']:.1f}) | "
                f"{s['small_compiles']} ({s['small_compiles_s']:.1f}) | {s['cache_hits']} |"
            )
    lines += ["", "Programs compiled with an empty cache (name: seconds):", ""]
    for case, runs in result["cases"].items():
        s = runs["cold"]["summary"]
        names = ", ".join(f"`{p['program']}` {p['s']:.1f}" for p in s["programs"])
        again = ", ".join(s["compiled_more_than_once"]) or "none"
        lines.append(f"- {case}: {names}; compiled more than once: {again}")
    return "\n".join(lines) + "\n"


def main(args: Args) -> dict:
    import jax

    from mjx_dacer2.study.benchmarking import machine_description

    unknown = set(args.cases) - set(CASES)
    if unknown:
        raise SystemExit(f"error: unknown case(s) {sorted(unknown)}: choose from {list(CASES)}")
    checkout = Path(args.checkout).resolve() if args.checkout else ROOT
    if checkout != ROOT and not (checkout / ".venv" / "bin" / "python").exists():
        raise SystemExit(f"error: {checkout} has no .venv: run `bash {checkout}/launch/setup.sh`")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=checkout,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    result = dict(
        commit=commit or "?",
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_description(),
        jax=jax.__version__,
        program_min_s=args.program_min_s,
        cases={},
    )
    for case in args.cases:
        with tempfile.TemporaryDirectory() as tmp:
            cache, runs = Path(tmp) / "cache", {}
            for label in ("cold", "warm"):
                work = Path(tmp) / label
                work.mkdir()
                run = timed_run(CASES[case], cache, work, args.timeout_s, checkout)
                run["summary"] = summary(run, args.program_min_s)
                runs[label] = run
                print(f"{case} {label}: first chunk at {run['first_chunk_s']:.1f} s, "
                      f"end {run['total_s']:.1f} s", flush=True)  # fmt: skip
        result["cases"][case] = dict(flags=list(CASES[case]), **runs)
    text = markdown(result)
    print(text)
    out = Path(args.out) if args.out else RUNS / f"cold_start_{jax.default_backend()}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(text)
    print(f"wrote {out.with_suffix('.json')} and .md")
    return result


if __name__ == "__main__":
    main(tyro.cli(Args))
