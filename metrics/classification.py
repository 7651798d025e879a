"""Per-task scores of the class-cls track: accuracy without task id over the seen classes.

Each function takes a `ClassClsInput` (metrics/inputs.py; built by harness/tracks/class_cls/views.py): the model's predicted
labels among all classes seen so far, and the true labels of one task's test images.
"""

from __future__ import annotations

from metrics._registry import register_metric
from metrics.inputs import ClassClsInput


@register_metric("accuracy", "class-cls", True, "top-1 accuracy on the task's test images among all seen classes, no task id (CODA-Prompt)")
def accuracy(evaluation: ClassClsInput) -> float:
    return 100.0 * float((evaluation.predicted == evaluation.labels).double().mean())
