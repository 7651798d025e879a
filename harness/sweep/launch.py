"""Fan a grid out to an executor, show progress, and collect every run's outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from harness.bench import Resources
from harness.sweep.executors import EXECUTORS, LaunchOptions
from harness.sweep.grid import Grid, GridPoint
from harness.sweep.handles import Handle, Outcome


@dataclass(frozen=True)
class SweepSummary:
    outcomes: tuple[Outcome, ...]
    skipped: tuple[GridPoint, ...]

    @property
    def complete(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "complete"]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def lines(self) -> list[str]:
        lines = [f"sweep: {len(self.complete)} complete, {len(self.failed)} failed, {len(self.skipped)} skipped (already complete)"]
        lines += [f"  failed: {o.point.label}: {o.detail}" for o in self.failed]
        return lines


def _groups(points: tuple[GridPoint, ...], options: LaunchOptions) -> list[tuple[Resources, list[GridPoint]]]:
    """One group (one job array on SLURM) per bench: each bench has its own resource defaults."""
    by_bench: dict[str, list[GridPoint]] = {}
    for point in points:
        by_bench.setdefault(point.bench.name, []).append(point)
    return [(options.resources(group[0].bench.resources), group) for group in by_bench.values()]


def run_sweep(grid: Grid, executor: str, options: LaunchOptions, echo: Callable[[str], None] = print, poll_s: float = 1.0) -> SweepSummary:
    kind = EXECUTORS.get(executor)
    kind.check(options)
    total = len(grid.todo)
    echo(f"sweep: {grid.size} runs in the grid, {len(grid.complete)} already complete, {total} to run on {executor}")
    queue: list[tuple[Resources, GridPoint]] = []
    in_flight: list[Handle] = []
    for resources, points in _groups(grid.todo, options):
        if kind.parallel_slots(resources, options) is None:
            in_flight += kind.launch(points, resources, options)
        else:
            queue += [(resources, point) for point in points]
    outcomes: list[Outcome] = []
    try:
        while queue or in_flight:
            while queue and len(in_flight) < (kind.parallel_slots(queue[0][0], options) or 1):
                resources, point = queue.pop(0)
                in_flight += kind.launch([point], resources, options)
            finished = False
            for handle in list(in_flight):
                outcome = handle.poll()
                if outcome is None:
                    continue
                in_flight.remove(handle)
                outcomes.append(outcome)
                finished = True
                echo(f"[{len(outcomes)}/{total}] {outcome.status}: {outcome.point.label}: {outcome.detail}")
            if in_flight and not finished:
                time.sleep(poll_s)
    except BaseException:
        for handle in in_flight:
            handle.cancel()
        raise
    return SweepSummary(tuple(outcomes), grid.complete)
