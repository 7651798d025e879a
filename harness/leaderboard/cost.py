"""What a row cost to measure, beside what it scored: training and evaluation seconds per task
(the records' `timing`), the device and thread count they were measured on (the records'
`environment`), and the parameters a method stores beyond the frozen base (the records'
`parameters`, where the method counts them).

Seconds depend on the machine, so a cost is always shown with its device: a table whose rows
were timed on more than one device names each row's device beside its cost (never one bare
column of numbers from different machines).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from harness.leaderboard.stats import Stat, exact_mean_std, t_half_width

COST_AGGREGATE = "cost"
COST_FIELDS = {"train_s": "train s/task", "eval_s": "eval s/task", "stored_params": "stored params"}
UNKNOWN = "unknown"
_THREADS_IN_DEVICE = re.compile(r":(\d{1,6})threads$")  # older records spell CPU threads into the device name


@dataclass(frozen=True)
class RunCost:
    """One run's cost: mean seconds per task (None without timing), where it ran, stored parameters."""

    train_s: Optional[float]
    eval_s: Optional[float]
    device: str
    threads: Optional[int]
    stored_params: Optional[float]

    @property
    def where(self) -> str:
        """The device and thread count, as a reader sees them: 'cpu:x86_64, 1 thread'."""
        threads = UNKNOWN if self.threads is None else f"{self.threads} thread{'' if self.threads == 1 else 's'}"
        return f"{self.device}, {threads}"


def _device_and_threads(environment: object) -> tuple[str, Optional[int]]:
    device = getattr(environment, "device", None) or UNKNOWN
    threads = getattr(environment, "threads", None)
    match = _THREADS_IN_DEVICE.search(device)
    if match:
        device, threads = device[: match.start()], threads or int(match.group(1))
    return device, threads


def run_cost(record: object) -> RunCost:
    """The cost of one typed run record (harness/record_schema.RunRecord). A run resumed on
    another device or thread count (environment_history) is 'mixed': its seconds are not one machine's."""
    device, threads = _device_and_threads(record.environment)
    for segment in record.environment_history or []:
        if _device_and_threads(segment.environment) != (device, threads):
            device, threads = "mixed", None
    per_task = record.timing.per_task if record.timing is not None else []
    train = math.fsum(t.train_s for t in per_task) / len(per_task) if per_task else None
    evaluation = math.fsum(t.eval_s for t in per_task) / len(per_task) if per_task else None
    parameters = record.parameters
    stored = None
    if parameters is not None and parameters.stored_fraction:
        stored = float(round(parameters.stored_fraction[-1] * parameters.backbone_unet))
    return RunCost(train, evaluation, device, threads, stored)


def cost_stat(values: Sequence[Optional[float]]) -> Optional[Stat]:
    """Mean over seeds (None when a seed lacks the value), with its spread and 95% interval."""
    if not values or any(value is None for value in values):
        return None
    array = np.array(values, dtype=float)
    mean, std = exact_mean_std(array)
    if len(array) < 2 or math.isnan(std) or array.min() == array.max():
        return Stat(mean, None, len(array))
    half = float(t_half_width(np.array([std]), np.array([len(array)]))[0])
    return Stat(mean, std, len(array), (mean - half, mean + half))


def row_costs(costs: Sequence[RunCost]) -> tuple[dict[str, Optional[Stat]], str]:
    """A row's cost cells (mean over its seeds) and where they were measured ('mixed' when its
    seeds ran on different devices or thread counts)."""
    cells = {name: cost_stat([getattr(cost, name) for cost in costs]) for name in COST_FIELDS}
    places = sorted({cost.where for cost in costs})
    where = places[0] if len(places) == 1 else "mixed: " + " / ".join(places)
    return cells, where


def cost_text(name: str, stat: Optional[Stat]) -> str:
    """Seconds with three significant digits, parameter counts in k / M."""
    if stat is None:
        return "–"
    if name == "stored_params":
        value = stat.mean
        return f"{value / 1e6:.3g}M" if value >= 1e6 else f"{value / 1e3:.3g}k" if value >= 1e3 else f"{value:.0f}"
    return f"{stat.mean:.3g}" if stat.mean < 1000 else f"{stat.mean:.0f}"


def device_markers(wheres: Sequence[str]) -> dict[str, str]:
    """One letter per device of a table, in order of first appearance in the sorted set."""
    return {where: chr(ord("a") + k) if k < 26 else str(k) for k, where in enumerate(sorted(set(wheres)))}
