"""Variant specs: `ALGO[:T][:field=value...]` (e.g. `dacer2:5`, `dacer:20`, `sac`,
`dacer2:5:time_weight=constant`), the config changes they name, and a directory-safe label.
Used by `mjx-dacer2 sweep` and `bench`."""

from __future__ import annotations

from mjx_dacer2.config.schema import ALGOS, FIELD_NAMES, Config, ConfigError

FIELDS = set(FIELD_NAMES)  # flat names: `num_envs`, not `loop.num_envs`


def _coerce(value: str):
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)


def parse_variant(spec: str) -> dict:
    """`ALGO[:T][:field=value...]` -> config changes (checked against Config's fields)."""
    algo, *parts = spec.split(":")
    if algo not in ALGOS:
        raise ConfigError(
            f"variant '{spec}': unknown algo '{algo}': choose one of {', '.join(ALGOS)}"
        )
    changes: dict = {"algo": algo}
    for part in parts:
        if "=" in part:
            name, value = part.split("=", 1)
            name = name.replace("-", "_")
            if name not in FIELDS:
                raise ConfigError(f"variant '{spec}': unknown config field '{name}'")
            changes[name] = _coerce(value)
        elif part.isdigit():
            changes["diffusion_steps"] = int(part)
        else:
            raise ConfigError(f"variant '{spec}': expected ALGO[:T][:field=value...]")
    return changes


def variant_label(spec: str) -> str:
    """A directory-safe name of a variant (`dacer2:5` -> `dacer2_T5`)."""
    algo, *parts = spec.split(":")
    return "_".join([algo] + [p.replace("=", "-") if "=" in p else f"T{p}" for p in parts])


def apply_variant(base: Config, changes: dict) -> Config:
    return base.replace(**changes)
