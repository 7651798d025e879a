"""The one spelling of a task's name: `task<i>` (adapter names, feature keys), zero-padded where
it names a file that must sort (checkpoints `task003`, adapter folders `task03`)."""

from __future__ import annotations

PREFIX = "task"


def task_name(index: int, digits: int = 0) -> str:
    """`task_name(3)` -> "task3"; `task_name(3, digits=3)` -> "task003" (0-based index, as stored)."""
    return f"{PREFIX}{index:0{digits}d}"


def task_index(name: str) -> int:
    """The index a task name spells: `task_index("task03")` -> 3."""
    if not name.startswith(PREFIX) or not name[len(PREFIX):].isdigit():
        raise ValueError(f"{name!r} is not a task name like {task_name(0)!r}")
    return int(name[len(PREFIX):])
