"""Frozen Hparams dataclasses: `--set key=value` parsing, validation and hashing."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import typing
from typing import Any

from harness.errors import UsageError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """['a=1', 'b=x'] -> {'a': '1', 'b': 'x'}; a malformed item is a usage error."""
    parsed: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r} is not key=value: write e.g. --set rehearsal_coef=0.1")
        parsed[key.strip()] = value.strip()
    return parsed


_NUMBER = {int: re.compile(r"[+-]?[0-9]+"), float: re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")}


def _finite(owner: str, key: str, value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{owner} hparam {key}={value!r} is not a finite number: give e.g. --set {key}=0.5")
    return value


def _coerce(owner: str, key: str, kind: Any, raw: Any) -> Any:
    if not isinstance(raw, str):
        if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
            return _finite(owner, key, raw)
        raise UsageError(f"{owner} hparam {key}={raw!r} has the wrong type: expected {kind.__name__}")
    try:
        if kind is bool:
            low = raw.lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
            raise ValueError
        if kind in _NUMBER and _NUMBER[kind].fullmatch(raw) is None:  # no '1_0', 'nan', 'inf', '0x10'
            raise ValueError
        if kind in (int, float, str):
            return _finite(owner, key, kind(raw))
    except ValueError:
        raise UsageError(
            f"{owner} hparam {key}={raw!r} is not a valid {kind.__name__}: "
            f"give e.g. --set {key}={_example(kind)}"
        ) from None
    raise UsageError(f"{owner} hparam {key} has unsupported type {kind!r}")


def _example(kind: Any) -> str:
    return {int: "10", float: "0.5", bool: "true", str: "name"}.get(kind, "value")


def build_hparams(owner: str, cls: type, overrides: dict[str, Any]) -> Any:
    """Instantiate `cls` (a frozen dataclass) with typed overrides; unknown keys are errors."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        valid = ", ".join(sorted(fields)) or "(none)"
        raise UsageError(f"unknown hparam {unknown[0]!r} for {owner}: valid hparams are {valid}")
    values = {key: _coerce(owner, key, hints[key], raw) for key, raw in overrides.items()}
    hparams = cls(**values)
    validate = getattr(hparams, "validate", None)
    if validate is not None:
        problem = validate()
        if problem:
            raise UsageError(f"{owner} hparams rejected: {problem}")
    return hparams


# Field metadata for an hparam added after records were published: at its default it is left out
# of the recorded dict (and so of the hash), so the published rows stay the rows new runs join.
OMIT_AT_DEFAULT = {"omit_at_default": True}


def hparams_dict(hparams: Any) -> dict[str, Any]:
    values = dataclasses.asdict(hparams)
    for field in dataclasses.fields(hparams):
        if field.metadata.get("omit_at_default") and values[field.name] == field.default:
            del values[field.name]
    return values


def hparams_hash(values: dict[str, Any]) -> str:
    """Short stable hash of a full hparams dict (all defaults included)."""
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:10]
