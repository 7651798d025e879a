"""The one scoring loop of the harness: after task t, the track's views of the seen tasks go
through the bench's registered metrics into row t of the run's T×T matrices R[t][i].

Every track uses it; a track only says what a metric of it sees (its `views.py`). Every random
draw of evaluation (starting noise, sampler noise, metric subsets) comes from `EvalNoise`, which
derives it from (run seed, purpose, indices) and nothing else, and the runner evaluates each row
inside `seeded_phase(seed, "evaluate", t)`: a track cannot make a draw that depends on anything
but the run's seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import torch

from core.errors import RunFailure
from core.seeding import derive_seed, numpy_rng, torch_generator
from metrics._registry import MetricDef

if TYPE_CHECKING:
    from harness.tracks._base import Evaluator


@dataclass(frozen=True)
class EvalNoise:
    """Evaluation's random draws, each a function of (run seed, purpose) only, so the samples of
    task i start from the same noise in every row and R[t][i] - R[i][i] measures the model."""

    seed: int

    def torch_generator(self, *purpose: object) -> torch.Generator:
        return torch_generator(self.seed, "eval", *purpose)

    def numpy_rng(self, *purpose: object) -> np.random.Generator:
        return numpy_rng(self.seed, "eval", *purpose)

    def start_noise(self, shape: tuple[int, ...], *purpose: object) -> torch.Tensor:
        """Starting noise of one sample."""
        return torch.randn(shape, generator=torch_generator(self.seed, "eval-noise", *purpose))

    def sampler_seeds(self, purposes: Sequence[tuple[object, ...]]) -> list[int]:
        """Seeds of the per-step noise of stochastic samplers, one per sample."""
        return [derive_seed(self.seed, "sampling-noise", *purpose) for purpose in purposes]


@dataclass(kw_only=True)
class TaskView:
    """What a metric receives for one seen task i after task t; each track's views.py extends it
    with the typed fields its metrics read."""

    task_index: int
    after_task: int
    details: dict[str, object] = field(default_factory=dict)  # metric name -> JSON-able breakdown, kept in the record
    memo: dict[str, object] = field(default_factory=dict)  # what metrics of this view share (e.g. features of its samples)


@dataclass(frozen=True)
class ScoredRow:
    """Row `after_task` of every metric's matrix (None for a seen task the schedule skipped)."""

    after_task: int
    scores: dict[str, list[float | None]]
    views: dict[int, TaskView]

    @property
    def details(self) -> list[dict[str, object]]:
        return [self.views[i].details if i in self.views else {} for i in range(self.after_task + 1)]


def score_row(evaluator: Evaluator, metrics: Sequence[MetricDef], backbone: torch.nn.Module, after_task: int, scored: list[int]) -> ScoredRow:
    """Each metric on each scored task's view; a score that is not finite fails the run."""
    views = evaluator.views(backbone, after_task, scored)
    scores: dict[str, list[float | None]] = {metric.name: [None] * (after_task + 1) for metric in metrics}
    for i, view in sorted(views.items()):
        for metric in metrics:
            value = float(metric.compute(view))
            if not math.isfinite(value):
                raise RunFailure(f"metric {metric.name} returned {value} on task {i + 1} after task {after_task + 1}")
            scores[metric.name][i] = value
    return ScoredRow(after_task, scores, views)


def write_row(record: dict[str, Any], row: ScoredRow, num_tasks: int) -> None:
    """Row t of the record's matrices, and its metrics' breakdowns under `details`."""
    t = row.after_task
    for name, values in row.scores.items():
        record["metrics"][name]["matrix"][t][: t + 1] = values
    for i, details in enumerate(row.details):
        for name, value in details.items():
            matrix = record.setdefault("details", {}).setdefault(name, [[None] * num_tasks for _ in range(num_tasks)])
            matrix[t][i] = value
