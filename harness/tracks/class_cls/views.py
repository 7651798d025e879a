"""What a class-cls metric receives for one seen task i after task t (metrics/classification.py)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from harness.scoring import TaskView


@dataclass(kw_only=True)
class ClassClsView(TaskView):
    predicted: torch.Tensor  # predicted labels among the classes seen after task t
    labels: torch.Tensor  # true labels of task i's test images
