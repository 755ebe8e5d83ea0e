"""The run configuration: the `Config` dataclass (schema.py), per-env presets (presets.py),
validation (validation.py), its one JSON form (serialize.py) and sweep variant specs
(variants.py)."""

from mjx_dacer2.config.presets import ENV_PRESETS, preset
from mjx_dacer2.config.schema import ALGOS, Algo, Config, ConfigError
from mjx_dacer2.config.validation import validate

__all__ = ["ALGOS", "ENV_PRESETS", "Algo", "Config", "ConfigError", "preset", "validate"]
