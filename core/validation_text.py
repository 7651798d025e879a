"""A pydantic validation error as the one line a user reads: `field.path: what is wrong (got value)`."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def dotted(location: tuple[Any, ...]) -> str:
    """('metrics', 'fd', 'matrix', 1, 0) -> 'metrics.fd.matrix[1][0]'."""
    text = ""
    for part in location:
        if part == "[key]":
            text += " (a key)"
        else:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def first_problem(error: ValidationError) -> str:
    """The first problem of a validation error as `field: what is wrong (got value)`, one line."""
    detail: ErrorDetails = error.errors(include_url=False)[0]
    message = re.sub(r" or instance of \w+", "", detail["msg"].removeprefix("Value error, ")).replace("valid dictionary", "JSON object")
    field = dotted(tuple(part for part in detail["loc"] if not str(part).startswith("function-after")))
    got = "" if detail["type"] == "missing" or not field else f" (got {_shown(detail.get('input'))})"
    more = error.error_count() - 1
    text = f"{field}: {message}{got}" if field else f"{message}{got}"
    return " ".join((text + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")).split())
