"""Names that reach file paths (bench, profile, method, hparams hash, task, metric): one strict pattern.

Records and bench YAMLs may come from anyone; a name that passes here can never climb out of
its folder (no `/`, no leading `.`), carry a newline into a script, or collide by case.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import UsageError

SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
SAFE_NAME_TEXT = "[a-z0-9][a-z0-9._-]* (at most 100 characters)"
# task names are display text ("classes 0,1", "Abstractionism as <c3>"): letters of either case, spaces,
# commas, parentheses and a concept token's angle brackets (escaped wherever shown); still no '/', no leading '.', no '|'
TASK_NAME = re.compile(r"[A-Za-z0-9<][A-Za-z0-9 ,._<>()-]{0,99}")
TASK_NAME_TEXT = "[A-Za-z0-9<][A-Za-z0-9 ,._<>()-]* (at most 100 characters)"


def is_safe_name(value: Any) -> bool:
    return isinstance(value, str) and SAFE_NAME.fullmatch(value) is not None


def is_task_name(value: Any) -> bool:
    return isinstance(value, str) and TASK_NAME.fullmatch(value) is not None


def check_name(value: Any, what: str, where: str) -> str:
    """`value` if it is a safe name, else one UsageError line: `<where>: <what> ... must match ...`."""
    if not is_safe_name(value):
        raise UsageError(f"{where}: {what} {value!r} must match {SAFE_NAME_TEXT}")
    return value


def slug(text: str, limit: int = 64) -> str:
    """A safe name made from any text (e.g. a SLURM job name): other characters become '-'."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")[:limit]
    return cleaned or "unnamed"
