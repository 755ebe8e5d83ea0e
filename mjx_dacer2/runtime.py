"""Process-wide JAX settings shared by the CLI, benchmarks and tests."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import jax

DEFAULT_CACHE_DIR = Path(os.environ.get("MJX_DACER2_CACHE", Path.home() / ".cache" / "mjx_dacer2"))


def enable_compilation_cache(cache_dir: Path | str | None = None) -> Path:
    """Turn on JAX's persistent compilation cache (MJX compiles for 10-40 s per env on a CPU)."""
    path = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR / "jax"
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path


def set_matmul_precision(precision: str) -> None:
    """Pin float32 matmul precision ('highest' avoids TF32 on recent GPUs; see README)."""
    jax.config.update("jax_default_matmul_precision", precision)


def networks_precision(precision: str | None) -> contextlib.AbstractContextManager:
    """Context for tracing the networks at their own matmul precision (JAX reads it at trace
    time, so the physics traced outside keeps the global one); None: the global one."""
    return (
        contextlib.nullcontext() if precision is None else jax.default_matmul_precision(precision)
    )


def quiet_library_warnings() -> None:
    """Silence known-harmless import chatter (Brax's maintenance notice, optional mujoco_warp)."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="Brax System, piplines and environments")
    logging.getLogger("mujoco.mjx").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)


def import_mjx_quietly() -> None:
    """Import `mujoco.mjx` without its import-time prints about the optional Warp backend
    ("Failed to import warp: ..." on stdout when warp-lang is absent, which is the normal CPU
    and JAX-GPU setup); any other output passes through."""
    if "mujoco.mjx" in sys.modules:
        return
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        import mujoco.mjx  # noqa: F401
    for line in captured.getvalue().splitlines():
        if not line.startswith(("Failed to import warp", "Failed to import mujoco_warp")):
            print(line)
