"""Fan a grid out to an executor, show progress, and collect every run's outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from harness.bench import Resources
from harness.sweep.executors import EXECUTORS, ExecutorKind, LaunchOptions
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
    """Launch the grid's runs in the executor's batches, as many jobs at once as it has slots, and
    echo one progress line per run as its outcome arrives."""
    kind = EXECUTORS.get(executor)
    kind.check(options)
    total = len(grid.todo)
    echo(f"sweep: {grid.size} runs in the grid, {len(grid.complete)} already complete, {total} to run on {executor}")
    queue = [(resources, batch) for resources, points in _groups(grid.todo, options) for batch in kind.batches(points, resources, options)]
    in_flight: list[Handle] = []
    outcomes: list[Outcome] = []
    try:
        while queue or in_flight:
            while queue and _has_slot(kind, queue[0][0], options, len(in_flight)):
                resources, batch = queue.pop(0)
                in_flight += kind.launch(batch, resources, options)
            arrived = [outcome for handle in in_flight for outcome in handle.poll()]
            in_flight = [handle for handle in in_flight if not handle.finished]
            for outcome in arrived:
                outcomes.append(outcome)
                echo(f"[{len(outcomes)}/{total}] {outcome.status}: {outcome.point.label}: {outcome.detail}")
            if in_flight and not arrived:
                time.sleep(poll_s)
    except BaseException:
        for handle in in_flight:
            handle.cancel()
        raise
    return SweepSummary(tuple(outcomes), grid.complete)


def _has_slot(kind: ExecutorKind, resources: Resources, options: LaunchOptions, running: int) -> bool:
    slots = kind.parallel_slots(resources, options)
    return slots is None or running < slots
