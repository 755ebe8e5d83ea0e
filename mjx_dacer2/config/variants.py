"""Variant specs: `ALGO[:T][:field=value...]` (e.g. `dacer2:5`, `dacer:20`, `sac`,
`dacer2:5:time_weight=constant`), the config changes they name, and a directory-safe label.
Used by `mjx-dacer2 sweep` and `bench`."""

from __future__ import annotations

import types
import typing

from mjx_dacer2.config.schema import ALGOS, Config, ConfigError, field_hints

HINTS = field_hints()  # flat name -> type hint (`num_envs`, not `loop.num_envs`)


def _parse_value(text: str, hint) -> object:
    """`text` as a value of a field typed `hint`: int, float, bool (true/false), a tuple of
    ints (`256,256`), `none` for an optional field; text for the rest (strings, `Literal`s,
    whose choices `validate` checks). Raises ValueError naming what the field takes."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        if text.lower() == "none":
            return None
        (hint,) = [a for a in args if a is not type(None)]
    if hint is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError("true or false")
        return text.lower() == "true"
    if hint is int:
        number = float(text) if _is_number(text) else None
        if number is None or not number.is_integer():
            raise ValueError("an integer")
        return int(number)
    if hint is float:
        if not _is_number(text):
            raise ValueError("a number")
        return float(text)
    if typing.get_origin(hint) is tuple:
        parts = text.split(",")
        if not all(p.strip().lstrip("-").isdigit() for p in parts):
            raise ValueError("integers separated by commas (e.g. 256,256)")
        return tuple(int(p) for p in parts)
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
            if name not in HINTS:
                raise ConfigError(f"variant '{spec}': unknown config field '{name}'")
            try:
                changes[name] = _parse_value(value, HINTS[name])
            except ValueError as err:
                raise ConfigError(f"variant '{spec}': {name} takes {err}, got '{value}'") from None
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
