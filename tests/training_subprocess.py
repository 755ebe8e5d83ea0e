"""`train(config)`: a learning test's training run, in a subprocess at XLA's default
optimisation level (the suite compiles at level 0, tests/conftest.py, which trains about 4x
slower)."""

import json
import os
import subprocess
import sys

from conftest import FAST_COMPILE

from mjx_dacer2.config.serialize import config_to_dict

TRAIN = """
import json, sys
from mjx_dacer2.config.serialize import config_from_dict
from mjx_dacer2.driver.run import train
from mjx_dacer2.runtime import enable_compilation_cache
enable_compilation_cache()
print(json.dumps(train(config_from_dict(json.loads(sys.argv[1]), "test")), default=str))
"""


def train(config) -> dict:
    """Train `config` in a subprocess at XLA's default optimisation level; returns its
    summary."""
    flags = os.environ.get("XLA_FLAGS", "").replace(FAST_COMPILE, "").strip()
    done = subprocess.run(
        [sys.executable, "-c", TRAIN, json.dumps(config_to_dict(config))],
        env=dict(os.environ, XLA_FLAGS=flags), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
