"""A sweep's grid: methods x benches x seeds expanded into run specs, complete runs set aside."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import UsageError
from harness.bench import BenchSpec
from harness.record import read_record
from harness.run_spec import PreparedRun, RunSpec, prepare


def split_names(text: str, what: str) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c'] with duplicates dropped (order kept)."""
    names = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        raise UsageError(f"--{what} {text!r} names no {what}: give a comma-separated list, e.g. --{what} a,b")
    return names


MAX_SEEDS = 1000
_SEED_ITEM = re.compile(r"(\d{1,10})(?:-(\d{1,10}))?")


def split_seeds(text: str) -> list[int]:
    """'0,1,2' or '0-4' (inclusive range) or a mix of both -> sorted distinct ints, at most MAX_SEEDS."""
    seeds: set[int] = set()
    for part in split_names(text, "seeds"):
        match = _SEED_ITEM.fullmatch(part)
        if match is None:
            raise UsageError(f"--seeds item {part!r} is not an integer seed >= 0 or a range like 0-4: write e.g. --seeds 0,1,2")
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if high - low + 1 > MAX_SEEDS or high >= 2**32:
            raise UsageError(f"--seeds range {part!r} spans more than {MAX_SEEDS} seeds (or reaches 2**32): split the sweep")
        seeds.update(range(low, high + 1))
        if len(seeds) > MAX_SEEDS:
            raise UsageError(f"--seeds {text!r} names more than {MAX_SEEDS} seeds: split the sweep")
    return sorted(seeds)


@dataclass(frozen=True)
class GridPoint:
    """One run of the grid: its spec and where its record lives."""

    spec: RunSpec
    record_path: Path
    bench: BenchSpec

    @property
    def label(self) -> str:
        return f"{self.spec.method} on {self.bench.name} seed {self.spec.seed}"


@dataclass(frozen=True)
class Grid:
    todo: tuple[GridPoint, ...]
    complete: tuple[GridPoint, ...]

    @property
    def size(self) -> int:
        return len(self.todo) + len(self.complete)


def is_complete(run: PreparedRun) -> bool:
    """A record that exists, reads back and says complete for this very bench spec."""
    if not run.record_path.is_file():
        return False
    try:
        record = read_record(run.record_path)
    except UsageError:
        return False
    return record["status"] == "complete" and record["bench"]["spec_hash"] == run.bench.spec_hash


def expand(template: RunSpec, methods: list[str], benches: list[str], seeds: list[int]) -> Grid:
    """Every (method, bench, seed); every usage error surfaces here, before any job starts."""
    todo: list[GridPoint] = []
    complete: list[GridPoint] = []
    seen: set[Path] = set()
    for bench in benches:
        for method in methods:
            for seed in seeds:
                spec = dataclasses.replace(template, method=method, bench=bench, seed=seed)
                run = prepare(spec)
                if run.record_path in seen:  # the same run named twice (a bench by name and by path)
                    continue
                seen.add(run.record_path)
                point = GridPoint(spec, run.record_path, run.bench)
                (complete if is_complete(run) and not template.force else todo).append(point)
    if not todo and not complete:
        raise UsageError("the sweep grid expands to zero runs: give at least one method, bench and seed")
    return Grid(tuple(todo), tuple(complete))
