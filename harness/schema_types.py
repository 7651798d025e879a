"""Field types shared by the typed run record and the reported-results schema (pydantic v2).

Strict: an int is never a bool, a string is never coerced from a number, every float is finite.
Every name that may reach a file path is a safe name (harness/names.py).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from harness.names import SAFE_NAME_TEXT, TASK_NAME_TEXT, is_safe_name, is_task_name

MAX_TEXT = 2000        # a description, a label, a citation
MAX_ERROR_TEXT = 1_000_000  # a failed run's error message (a crash message must never be refused)
MAX_JSON_DEPTH = 32


def _safe_name(value: str) -> str:
    if not is_safe_name(value):
        raise ValueError(f"must match {SAFE_NAME_TEXT}")
    return value


def _task_name(value: str) -> str:
    if not is_task_name(value):
        raise ValueError(f"must match {TASK_NAME_TEXT}")
    return value


def _json_value(value: Any, depth: int = 0) -> Any:
    """A JSON value (null, bool, int, finite float, string, list, object with string keys), not too deep."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"is nested deeper than {MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"holds {value!r}, not a finite number")
        return value
    if isinstance(value, list):
        return [_json_value(item, depth + 1) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _json_value(item, depth + 1) for key, item in value.items()}
    raise ValueError(f"holds a {type(value).__name__}, not a JSON value")


SafeName = Annotated[str, Field(strict=True), AfterValidator(_safe_name)]
TaskName = Annotated[str, Field(strict=True), AfterValidator(_task_name)]
Text = Annotated[str, Field(strict=True, max_length=MAX_TEXT)]
HexHash = Annotated[str, Field(strict=True, pattern=r"^[0-9a-f]{1,64}$")]
Sha256 = Annotated[str, Field(strict=True, pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(strict=True, ge=0, le=10**12)]
Seed = Annotated[int, Field(strict=True, ge=0, lt=2**32)]
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
JsonValue = Annotated[Any, AfterValidator(_json_value)]
Matrix = list[list[Optional[Finite]]]


class Strict(BaseModel):
    """A frozen-shape block: unknown keys are refused, types are never coerced."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Open(BaseModel):
    """A block of free-form facts (environment, evaluator facts): known keys typed, others kept."""

    model_config = ConfigDict(strict=True, extra="allow")
