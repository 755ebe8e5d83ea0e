"""Test-wide JAX settings: CPU, persistent compilation cache, key-reuse checking."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

from mjx_dacer2.runtime import enable_compilation_cache  # noqa: E402

enable_compilation_cache()
jax.config.update("jax_debug_key_reuse", True)
