"""Options from a YAML block (a bench's data, backbone or judge block) checked against the
signature of the loader or factory they are handed to, so every field is typed where it is declared.

A wrong type, an unknown or a missing option is one `UsageError` line naming the block and the
option; the checked (coerced) values are what the callee receives.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Annotated, Any, Callable, TypeVar

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, validate_call

from core.errors import UsageError
from core.validation_text import first_problem

T = TypeVar("T")

# option types for loaders' and factories' signatures
Seed = Annotated[int, Field(strict=True, ge=0, le=2**32 - 1)]
Count = Annotated[int, Field(strict=True, ge=1, le=10_000_000)]
Fraction = Annotated[float, Field(gt=0, lt=1)]
Pool = Annotated[int, Field(strict=True, ge=1, le=16)]
_CONFIG = ConfigDict(arbitrary_types_allowed=True)


@functools.cache
def _checked(function: Callable[..., Any]) -> Callable[..., Any]:
    if dataclasses.is_dataclass(function):  # a config dataclass: built from its validated fields
        adapter = TypeAdapter(function)
        return lambda **options: adapter.validate_python(options)
    return validate_call(config=_CONFIG)(function)


def call_with_options(function: Callable[..., T], where: str, *args: Any, **options: Any) -> T:
    """`function(*args, **options)` (or a config dataclass built from `options`), its options typed by `function`'s annotations (and any
    `Annotated` bounds there); `where` names the block, e.g. "bench spec x.yaml: data"."""
    parameters = inspect.signature(function).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        known = [name for name, p in parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)][len(args):]
        unknown = sorted((key for key in options if key not in known), key=repr)
        if unknown:
            raise UsageError(f"{where}: unknown option {unknown[0]!r}; valid options are {', '.join(known)}")
    try:
        validated = _checked(function)
    except Exception:  # noqa: BLE001 - a signature pydantic cannot read is called unchecked
        return function(*args, **options)
    try:
        return validated(*args, **options)
    except ValidationError as exc:
        if exc.title != getattr(function, "__name__", exc.title):  # raised inside the callee, not by its signature
            raise
        raise UsageError(f"{where}.{first_problem(exc)}") from None
