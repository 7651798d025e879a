"""Metric definitions and their registry: each names its track and direction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from harness.registry import Registry


@dataclass(frozen=True)
class MetricDef:
    name: str
    track: str
    higher_is_better: bool
    description: str
    compute: Callable[[Any], float]


METRICS: Registry[MetricDef] = Registry("metric")


def register_metric(name: str, track: str, higher_is_better: bool, description: str) -> Callable[[Callable[[Any], float]], Callable[[Any], float]]:
    def decorator(fn: Callable[[Any], float]) -> Callable[[Any], float]:
        METRICS.add(name, MetricDef(name, track, higher_is_better, description, fn))
        return fn

    return decorator
