"""Data-parallel scaling over devices (issue 11; `mjx_dacer2.study.scaling` says what is
measured): env steps/s and updates/s of the fused chunk at 1, 2, 4, ... devices with fixed work
per device.

    python benchmarks/scaling.py --fake-cpu-devices 4     # CPU: overhead only (see below)
    python benchmarks/scaling.py --env ant                # every GPU of the machine

Fake CPU devices (`--xla_force_host_platform_device_count`) share the machine's cores, so D of
them cannot be D times faster: there only the "split / one" column (the same sizes split over D
devices against on one) is meaningful, and it measures what splitting costs, not a speed-up.
Writes scaling.json and scaling.md into --out (default runs/benchmarks/scaling/<device kind>).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Args:
    env: str = "inverted_pendulum"
    """Environment (its preset is the base config)."""
    variant: str = "dacer2:5"
    """Algorithm variant (ALGO[:T][:key=value...], as in `mjx-dacer2 sweep`)."""
    envs_per_device: int = 32
    batch_per_device: int = 128
    updates_per_iteration: int = 4
    iterations_per_chunk: int = 20
    devices: tuple[int, ...] = ()
    """Device counts (default: 1, 2, 4, ... up to every device)."""
    fake_cpu_devices: int = 0
    """Run on this many fake CPU devices (sets XLA_FLAGS before JAX starts)."""
    rounds: int = 5
    same_work_on_one: bool = True
    """Also time each count's sizes on one device (the split / one column)."""
    out: str = ""


def main(args: Args) -> list[dict]:
    if args.fake_cpu_devices:
        os.environ["JAX_PLATFORMS"] = "cpu"
        flag = f"--xla_force_host_platform_device_count={args.fake_cpu_devices}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
    import jax

    from mjx_dacer2.config import preset
    from mjx_dacer2.config.variants import apply_variant, parse_variant
    from mjx_dacer2.runtime import enable_compilation_cache, quiet_library_warnings
    from mjx_dacer2.study.benchmarking import NO_ENTROPY, machine_description
    from mjx_dacer2.study.scaling import markdown_table, measure_scaling

    enable_compilation_cache()
    quiet_library_warnings()
    counts = args.devices or tuple(2**i for i in range(8) if 2**i <= jax.device_count())
    base = apply_variant(preset(args.env), parse_variant(args.variant)).replace(
        updates_per_iteration=args.updates_per_iteration,
        iterations_per_chunk=args.iterations_per_chunk,
        buffer_size=100_000,
        entropy_every_env_steps=NO_ENTROPY,
        progress=False,
    )
    rows = measure_scaling(
        base,
        counts,
        args.envs_per_device,
        args.batch_per_device,
        args.rounds,
        args.same_work_on_one,
    )
    device = jax.devices()[0]
    kind = re.sub(r"[^a-z0-9]+", "_", device.device_kind.lower())
    kind = "fake_cpu" if args.fake_cpu_devices else kind
    out = Path(args.out or Path(__file__).parents[1] / "runs" / "benchmarks" / "scaling" / kind)
    out.mkdir(parents=True, exist_ok=True)
    result = dict(
        command="python benchmarks/scaling.py " + " ".join(sys.argv[1:]),
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        machine=machine_description(),
        jax=jax.__version__,
        fake_cpu_devices=args.fake_cpu_devices,
        settings=dataclasses.asdict(args),
        rows=rows,
    )
    (out / "scaling.json").write_text(json.dumps(result, indent=2) + "\n")
    note = (
        "Fake CPU devices share this machine's cores: they cannot be faster than one device, "
        "so efficiency says little; split / one (below 1.00: the split is faster) measures "
        "what splitting costs at equal work."
        if args.fake_cpu_devices
        else "Efficiency 1.00 = perfect weak scaling; split / one below 1.00 = a speed-up "
        "over one device at equal work."
    )
    table = (
        f"# Data-parallel scaling: {args.env} {args.variant}, {args.envs_per_device} envs and "
        f"batch {args.batch_per_device} per device, U={args.updates_per_iteration}\n\n"
        f"`{result['command']}` on {result['machine']}, jax {jax.__version__}, "
        f"{result['date']}. {note}\n\n{markdown_table(rows)}\n"
    )
    (out / "scaling.md").write_text(table)
    print(table)
    return rows


if __name__ == "__main__":
    import tyro

    main(tyro.cli(Args))
