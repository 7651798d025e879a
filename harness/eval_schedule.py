"""Which rows of the score matrix a run evaluates in full.

A full schedule (every = 1) scores every seen task after every task: T(T+1)/2 evaluations, which
grows as T^2. A sparse schedule (every = k) still scores the just-learned task after every task
(the diagonal) and every task after the last one (the last row), and every seen task only after
tasks k, 2k, ...: about T + T^2/(2k) evaluations. The schedule is part of the run key, and the
record names it with the rows it evaluated in full (`eval_rows`; absent means every row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.errors import UsageError

FULL_NAME = "all"
_EVERY = re.compile(r"every-([1-9][0-9]{0,3})")


@dataclass(frozen=True)
class EvalSchedule:
    every: int = 1

    @property
    def sparse(self) -> bool:
        return self.every > 1

    @property
    def name(self) -> str:
        return FULL_NAME if not self.sparse else f"every-{self.every}"

    def full_row(self, t: int, num_tasks: int) -> bool:
        """Row t (0-based: after learning task t+1) scores every seen task."""
        return not self.sparse or t == num_tasks - 1 or (t + 1) % self.every == 0

    def full_rows(self, num_tasks: int) -> list[int]:
        return [t for t in range(num_tasks) if self.full_row(t, num_tasks)]

    def tasks_scored(self, t: int, num_tasks: int) -> list[int]:
        return list(range(t + 1)) if self.full_row(t, num_tasks) else [t]

    def evaluations(self, num_tasks: int) -> int:
        """Task evaluations (one per matrix entry filled) over the whole run."""
        return sum(len(self.tasks_scored(t, num_tasks)) for t in range(num_tasks))

    def record_block(self, num_tasks: int) -> dict[str, Any]:
        return {"schedule": self.name, "full_rows": self.full_rows(num_tasks)}


def parse_schedule(text: Any, where: str) -> EvalSchedule:
    """'all' or 'every-K' (K >= 1; every-1 is 'all')."""
    if text == FULL_NAME:
        return EvalSchedule()
    match = _EVERY.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise UsageError(f"{where} {text!r} must be 'all' or 'every-K' with K a whole number from 1 to 9999 (e.g. every-5)")
    return EvalSchedule(int(match.group(1)))


def schedule_of_record(record: dict[str, Any]) -> EvalSchedule:
    """The schedule a (validated) record was evaluated on; none named means every row."""
    block = record.get("eval_rows")
    return EvalSchedule() if block is None else parse_schedule(block.get("schedule"), "eval_rows.schedule")
