"""What a track shows on the leaderboard, as plain data (no torch): its default forgetting
definition and, for a track whose papers print a fixed table, that table's columns and note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class LayoutColumn(NamedTuple):
    """One leading column: its title, the metric names it reads (the first the bench has), the
    aggregate it shows and whether higher is better."""

    title: str
    metrics: tuple[str, ...]
    aggregate: str
    higher_is_better: bool


@dataclass(frozen=True)
class TrackLayout:
    forgetting: str = "forgetting_best_minus_final"  # shown unless the bench YAML or its paper's rows name another
    columns: tuple[LayoutColumn, ...] = ()  # a paper's column layout, leading the table; none by default
    note: str = ""  # what those columns mean, printed under the table
