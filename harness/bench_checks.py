"""Type and range checks for bench YAMLs: every bad value is one line naming the file and key.

A bench YAML is input like any other: its name reaches paths (strict pattern), its numbers
reach the training loop (a string "10" or a 0 batch size must fail at load, not mid-run).
"""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Any

from core.errors import UsageError
from harness.names import check_name

# the smallest value each numeric field accepts
MINIMUM: dict[str, float] = {
    "steps_per_task": 1, "batch_size": 1, "eval_samples_per_class": 1, "sampling_steps": 1, "epochs": 0,
    "gpus": 0, "cpus": 1, "mem_gb": 1, "timeout_min": 1,
}
POSITIVE_FLOATS = {"lr"}
# a profile that counts its budget in epochs (class-cls) trains no fixed step count and samples nothing
UNUSED_WITH_EPOCHS = {"steps_per_task", "eval_samples_per_class", "sampling_steps"}


def _number_ok(kind: Any, value: Any) -> bool:
    if kind is int:
        return type(value) is int
    if kind is float:
        return type(value) in (int, float) and math.isfinite(value)
    return True


def check_fields(cls: type, values: dict[str, Any], what: str, path: Path) -> None:
    """The int / float fields of dataclass `cls` given in `values`: right type, in range."""
    hints = typing.get_type_hints(cls)
    epochs = values.get("epochs", 0)
    counts_epochs = type(epochs) is int and epochs >= 1
    for key, value in values.items():
        kind = hints.get(key)
        if kind in (int, float) and not _number_ok(kind, value):
            raise UsageError(f"bench spec {path}: {what} {key}: {value!r} is not {'an integer' if kind is int else 'a finite number'}")
        minimum = 0 if key in UNUSED_WITH_EPOCHS and counts_epochs else MINIMUM.get(key)
        if minimum is not None and value < minimum:
            raise UsageError(f"bench spec {path}: {what} {key}: {value!r} must be >= {minimum:g}")
        if key in POSITIVE_FLOATS and not value > 0:
            raise UsageError(f"bench spec {path}: {what} {key}: {value!r} must be > 0")


def check_tasks(raw: Any, path: Path) -> tuple[tuple[int, ...], ...]:
    """A non-empty list of non-empty class groups of distinct integers >= 0."""
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"bench spec {path}: tasks must be a non-empty list of class groups, e.g. [[0, 1], [2, 3]]")
    seen: set[int] = set()
    for group in raw:
        if not isinstance(group, list) or not group or not all(type(c) is int and c >= 0 for c in group):
            raise UsageError(f"bench spec {path}: task {group!r} must be a non-empty list of class numbers >= 0")
        repeated = seen & set(group)
        if repeated or len(set(group)) != len(group):
            raise UsageError(f"bench spec {path}: class {min(repeated or {c for c in group if group.count(c) > 1})} appears in more than one task")
        seen |= set(group)
    return tuple(tuple(group) for group in raw)


def check_top_level(raw: dict[str, Any], path: Path) -> None:
    """Name, version, min_seeds, metrics, headline and the mapping sections."""
    where = f"bench spec {path}"
    if "name" in raw:
        check_name(raw["name"], "name", where)
    for key in ("version", "min_seeds"):
        if key in raw and not (type(raw[key]) is int and raw[key] >= 1):
            raise UsageError(f"{where}: {key} {raw[key]!r} must be an integer >= 1")
    for key in ("metrics", "headline"):
        if key in raw:
            if not isinstance(raw[key], list) or (key == "metrics" and not raw[key]):
                raise UsageError(f"{where}: {key} must be a {'non-empty ' if key == 'metrics' else ''}list of metric names")
            for name in raw[key]:
                check_name(name, f"{key} entry", where)
    for key in ("data", "backbone", "judge", "profiles", "evaluation", "metric_options", "presets", "method_hparams", "resources"):
        if key in raw and not isinstance(raw[key], dict) and not (key == "evaluation" and raw[key] is None):
            raise UsageError(f"{where}: {key} must be a mapping, got {raw[key]!r}")
    for name in raw.get("profiles") or {}:
        check_name(name, "profile name", where)
