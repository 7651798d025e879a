"""Metrics: per-task scores (registered) and continual aggregates (`metrics.continual`).

The names each metric file registers are declared here, so reading records and naming metrics
imports no feature extractor; `METRICS.get(name)` imports the metric's file on first use.
"""

from metrics._registry import METRICS, MetricDef, register_metric

METRICS.declare("metrics.bpd", ["bits_per_dim"])
METRICS.declare("metrics.class_gen", ["classifier_uncertainty", "judge_accuracy", "judge_fd", "judge_kid", "judge_kid_standardized"])
METRICS.declare("metrics.classification", ["accuracy"])
METRICS.declare("metrics.inception", ["inception_fid", "inception_kid"])
METRICS.declare("metrics.t2i", ["base_retention", "concept_accuracy", "concept_fd", "concept_kid", "concept_kid_standardized", "concept_mmd", "concept_mmd_standardized", "content_accuracy", "drift_mmd"])
METRICS.declare("metrics.t2i_features", ["clip_i", "clip_t", "csd", "dino", "kid", "mmd_clip"])

__all__ = ["METRICS", "MetricDef", "register_metric"]
