"""Metrics: per-task scores (registered) and continual aggregates (`metrics.continual`)."""

from metrics._registry import METRICS, MetricDef, register_metric
from metrics import bpd, class_gen, classification, inception, t2i, t2i_features  # noqa: F401  (registration)

__all__ = ["METRICS", "MetricDef", "register_metric"]
