"""Metric definitions and their registry: each names its track, direction and matrix kind.

A `score` metric fills R[t][i] with a score of task i after task t (averages and forgetting are
its aggregates); a `drift` metric fills D[t][i] with how far task i's samples moved since it was
learned (D[i][i] = 0; its aggregate is the last row's mean over i < T, metrics/continual.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from core.errors import UsageError
from core.registry import Registry


@dataclass(frozen=True)
class MetricDef:
    name: str
    track: str
    higher_is_better: bool
    description: str
    compute: Callable[[Any], float]
    check_ready: Callable[[], None] | None = None  # raises before any training if a prerequisite is missing
    check_data: Callable[[Any, Any], None] | None = None  # (bench, data) -> raises before training if the data does not suit
    kind: str = "score"  # or "drift"


METRICS: Registry[MetricDef] = Registry("metric", plugins="harness.metrics")
MATRIX_KINDS = ("score", "drift")


def bench_metrics(bench: Any) -> list[MetricDef]:
    """The bench's metrics, each checked to belong to the bench's track."""
    metrics = [METRICS.get(name) for name in bench.metrics]
    for metric in metrics:
        if metric.track != bench.track:
            raise UsageError(f"bench {bench.name} lists metric {metric.name} of track {metric.track}, but the bench is {bench.track}")
    return metrics


def register_metric(
    name: str, track: str, higher_is_better: bool, description: str, check_ready: Callable[[], None] | None = None,
    check_data: Callable[[Any, Any], None] | None = None, kind: str = "score",
) -> Callable[[Callable[[Any], float]], Callable[[Any], float]]:
    if kind not in MATRIX_KINDS:
        raise ValueError(f"metric {name!r}: kind {kind!r} is not one of {', '.join(MATRIX_KINDS)}")

    def decorator(fn: Callable[[Any], float]) -> Callable[[Any], float]:
        METRICS.add(name, MetricDef(name, track, higher_is_better, description, fn, check_ready, check_data, kind))
        return fn

    return decorator
