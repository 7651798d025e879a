"""The class-cls track's evaluation: after task t, each seen task's test images are classified
with logits restricted to the seen classes (CODA-Prompt's `valid_out_dim`), without a task id."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from harness.bench import BenchSpec
from harness.tracks._base import Evaluator
from harness.tracks.class_cls.tasks import ClassificationTask
from harness.tracks.class_cls.views import ClassClsView
from metrics._registry import bench_metrics


@torch.no_grad()
def predict(model: torch.nn.Module, dataset: Dataset, valid_classes: int, device: torch.device, batch_size: int = 256, workers: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted labels among the first `valid_classes`, true labels) for a whole dataset."""
    model.eval()
    predictions, truths = [], []
    for images, labels in DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers):
        logits = model(images.to(device))[:, :valid_classes]
        predictions.append(logits.argmax(1).cpu())
        truths.append(torch.as_tensor(labels))
    return torch.cat(predictions), torch.cat(truths)


class ClassClsEvaluator(Evaluator):
    """Per-task predictions over the seen classes, no task id, CODA-Prompt style."""

    def __init__(self, bench: BenchSpec, tasks: list[ClassificationTask], device: torch.device, batch_size: int = 256, workers: int = 0) -> None:
        bench_metrics(bench)
        self.bench, self.tasks, self.device, self.batch_size, self.workers = bench, tasks, device, batch_size, workers

    def views(self, backbone: torch.nn.Module, after_task: int, scored: list[int]) -> dict[int, ClassClsView]:
        valid = self.tasks[after_task].label_stop
        return {i: ClassClsView(task_index=i, after_task=after_task,
                                **dict(zip(("predicted", "labels"), predict(backbone, self.tasks[i].test, valid, self.device, self.batch_size, self.workers))))
                for i in scored}

    def describe(self) -> dict[str, object]:
        return {"protocol": "coda-prompt: logits of seen classes, no task id", "test_sizes": [len(task.test) for task in self.tasks]}
