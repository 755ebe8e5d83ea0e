"""The one JSON form of a `Config` (config.json, checkpoint metadata, policy exports)."""

from __future__ import annotations

import dataclasses
import json

from mjx_dacer2.config.schema import (
    DACER2_ETA_BY_ENV,
    FIELD_NAMES,
    SECTION_TYPES,
    Config,
    ConfigError,
)

# Fields added after runs were first saved, with the value that reproduces how those runs ran
# (a field absent from a stored config takes this, not today's default).
# (A default that changed, such as grad_target_source, needs no entry: stored configs name it.)
FIELDS_OF_OLDER_RUNS = {"eval_chain_noise": "observation_hash", "grad_target_form": "field"}


def _cadences_in_env_steps(flat: dict) -> dict:
    """Runs saved before the cadences were counted in env steps: their entropy cadence (in
    gradient updates) and evaluation and checkpoint cadences (in chunks), converted to the env
    steps that reproduce them."""
    defaults = Config().loop
    num_envs = flat.get("num_envs", defaults.num_envs)
    updates = flat.get("updates_per_iteration", defaults.updates_per_iteration)
    chunk = num_envs * flat.get("iterations_per_chunk", defaults.iterations_per_chunk)
    flat = dict(flat)
    if "entropy_every" in flat:  # inverse of Config.entropy_every_updates
        flat["entropy_every_env_steps"] = round(
            flat.pop("entropy_every") * num_envs / max(updates, 1)
        )
    for name in ("eval_every", "save_every"):
        if f"{name}_chunks" in flat:
            flat[f"{name}_env_steps"] = flat.pop(f"{name}_chunks") * chunk
    return flat


def config_to_dict(config: Config) -> dict:
    """JSON-ready nested dict: run-level fields, then one dict per section (tuples -> lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def config_to_json(config: Config) -> str:
    return json.dumps(config_to_dict(config), indent=2) + "\n"


def config_from_dict(data: dict, where: str) -> Config:
    """The resolved `Config` of a JSON dict, nested or flat (runs saved before the sections);
    lists become tuples, unknown fields are refused, and fields the run predates take their
    `FIELDS_OF_OLDER_RUNS` value."""
    flat: dict = {}
    for name, value in data.items():
        if name in SECTION_TYPES and isinstance(value, dict):
            flat.update(value)
        else:
            flat[name] = value
    flat = {**FIELDS_OF_OLDER_RUNS, **_cadences_in_env_steps(flat)}
    if flat.get("algo", Config.algo) == "dacer2" and flat.get("grad_loss_weight", 0) is None:
        # flat runs stored None for the algo's eta: DACER2's was 1 (or its env's) until round L2
        flat["grad_loss_weight"] = DACER2_ETA_BY_ENV.get(flat.get("env", Config.env), 1.0)
    unknown = sorted(set(flat) - set(FIELD_NAMES))
    if unknown:
        raise ConfigError(
            f"config in '{where}' has unknown fields {', '.join(unknown)}: "
            "it was written by another version of mjx-dacer2"
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in flat.items()}
    return Config().replace(**values).resolved()
