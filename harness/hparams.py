"""Frozen Hparams dataclasses: `--set key=value` parsing, validation and hashing.

A method declares each hparam's range or choices beside its default, as field metadata:

    rehearsal_coef: float = hparam(1.0, ge=0)
    anchors: str = hparam("online", choices=("online", "separate"))

`build_hparams` checks every field against its type (the annotation) and its declared bounds and
names the first bad one; no method writes a validation of its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import typing
from typing import Any

from core.errors import UsageError

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
    renamed = {f.metadata["recorded_as"]: f.name for f in fields.values() if f.metadata.get("recorded_as")}
    overrides = {renamed.get(key, key): value for key, value in overrides.items()}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        valid = ", ".join(sorted(fields)) or "(none)"
        raise UsageError(f"unknown hparam {unknown[0]!r} for {owner}: valid hparams are {valid}")
    values = {key: _coerce(owner, key, hints[key], raw) for key, raw in overrides.items()}
    hparams = cls(**values)
    for field in fields.values():
        problem = _out_of_bounds(field, getattr(hparams, field.name))
        if problem:
            raise UsageError(f"{owner} hparams rejected: {problem}")
    return hparams


_BOUNDS = {"ge": (">=", lambda v, b: v >= b), "gt": (">", lambda v, b: v > b), "le": ("<=", lambda v, b: v <= b), "lt": ("<", lambda v, b: v < b)}


def hparam(default: Any, *, ge: float | None = None, gt: float | None = None, le: float | None = None, lt: float | None = None,
           choices: tuple[str, ...] | None = None, note: str = "", omit_at_default: bool = False, recorded_as: str | None = None) -> Any:
    """A dataclass field with its default and its declared range (`ge`/`gt`/`le`/`lt`) or `choices`;
    `note` says what a boundary value means (e.g. "0 = no replay"), shown when a value is refused.
    `recorded_as`: the key published records carry for a field since renamed (records, their
    hparams hashes and `--set` keep reading it), so renaming a field changes no committed row."""
    bounds = {name: value for name, value in (("ge", ge), ("gt", gt), ("le", le), ("lt", lt)) if value is not None}
    metadata: dict[str, Any] = {"bounds": bounds, "choices": choices, "note": note, "recorded_as": recorded_as}
    if omit_at_default:
        metadata.update(OMIT_AT_DEFAULT)
    return dataclasses.field(default=default, metadata=metadata)


def _out_of_bounds(field: dataclasses.Field, value: Any) -> str | None:
    """The problem with `value` under the field's declared bounds or choices, or None."""
    choices = field.metadata.get("choices")
    if choices is not None and value not in choices:
        return f"{field.name} must be one of {', '.join(choices)}, got {value!r}"
    bounds = field.metadata.get("bounds", {})
    if all(_BOUNDS[name][1](value, bound) for name, bound in bounds.items()):
        return None
    rule = " and ".join(f"{_BOUNDS[name][0]} {bound:g}" for name, bound in bounds.items())
    note = field.metadata.get("note")
    return f"{field.name} must be {rule}{f' ({note})' if note else ''}, got {value}"


# Field metadata for an hparam added after records were published: at its default it is left out
# of the recorded dict (and so of the hash), so the published rows stay the rows new runs join.
OMIT_AT_DEFAULT = {"omit_at_default": True}


def hparams_dict(hparams: Any) -> dict[str, Any]:
    """The hparams as a run record stores (and hashes) them: each under its recorded key."""
    values = dataclasses.asdict(hparams)
    for field in dataclasses.fields(hparams):
        if field.metadata.get("omit_at_default") and values[field.name] == field.default:
            del values[field.name]
        elif field.metadata.get("recorded_as"):
            values[field.metadata["recorded_as"]] = values.pop(field.name)
    return values


def hparams_hash(values: dict[str, Any]) -> str:
    """Short stable hash of a full hparams dict (all defaults included)."""
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:10]
