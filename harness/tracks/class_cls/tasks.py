"""The class-cls track's tasks (CODA-Prompt's protocol).

Classes are put in CODA-Prompt's order for the run's seed (trainer.py: identity for
repeat 0, `random.seed(seed); random.shuffle(order)` after) and split into the bench's task
sizes; labels are remapped so that task t owns the contiguous label range
[label_start, label_stop) (dataloader `class_mapping`). After task t the model is scored on
the test images of each seen task with logits restricted to the seen classes
(`valid_out_dim`), without a task id.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import torch
from torch.utils.data import Dataset

from benchmarks.data.classification import ClassificationData, load_classification_data
from core.errors import UsageError
from harness.bench import BenchSpec


@dataclass(frozen=True)
class ClassificationTask:
    index: int
    classes: tuple[int, ...]  # the data's own class ids, in order
    label_start: int  # remapped labels of this task: [label_start, label_stop)
    label_stop: int
    train: Dataset
    test: Dataset
    workers: int = 0  # data-loading worker processes (image files); augmentation seeds derive from the loader's generator

    @property
    def name(self) -> str:
        return classification_task_name(self.index, self.classes)


def classification_task_name(index: int, classes: Sequence[int]) -> str:
    return f"task {index} ({len(classes)} classes)"


def coda_class_order(num_classes: int, seed: int) -> list[int]:
    """CODA-Prompt trainer.py: identity for seed 0, Python's `random.shuffle` seeded by the repeat after."""
    order = list(range(num_classes))
    if seed > 0:
        state = random.getstate()
        random.seed(seed)
        random.shuffle(order)
        random.setstate(state)
    return order


def task_class_groups(bench: BenchSpec, num_classes: int, seed: int) -> list[tuple[int, ...]]:
    """The bench's `tasks` are positions in the class order; `class_order: coda` shuffles by seed."""
    rule = bench.data.get("class_order", "fixed")
    if rule not in ("fixed", "coda"):
        raise UsageError(f"bench {bench.name}: data.class_order must be 'fixed' or 'coda', got {rule!r}")
    order = coda_class_order(num_classes, seed) if rule == "coda" else list(range(num_classes))
    groups = []
    for index, positions in enumerate(bench.tasks):
        bad = [p for p in positions if not 0 <= p < num_classes]
        if bad:
            raise UsageError(f"bench {bench.name} task {index} names class position {bad[0]}, but the data has {num_classes} classes")
        groups.append(tuple(order[p] for p in positions))
    return groups


class RelabeledSubset(Dataset):
    """The items of `dataset` whose label is in `mapping`, with labels mapped."""

    def __init__(self, dataset: Dataset, labels: Sequence[int], mapping: dict[int, int]) -> None:
        self.dataset, self.mapping = dataset, mapping
        self.indices = [i for i, label in enumerate(labels) if int(label) in mapping]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, int]:
        image, label = self.dataset[self.indices[item]]
        return image, self.mapping[int(label)]


def build_tasks(
    groups: list[tuple[int, ...]], train: Dataset, train_labels: Sequence[int], test: Dataset, test_labels: Sequence[int], workers: int = 0
) -> list[ClassificationTask]:
    mapping: dict[int, int] = {}
    tasks, start = [], 0
    for index, classes in enumerate(groups):
        task_mapping = {c: start + i for i, c in enumerate(classes)}
        mapping.update(task_mapping)
        tasks.append(
            ClassificationTask(index, classes, start, start + len(classes), RelabeledSubset(train, train_labels, task_mapping), RelabeledSubset(test, test_labels, task_mapping), workers)
        )
        start += len(classes)
    return tasks


@dataclass(frozen=True)
class LoadedClassification:
    tasks: list[ClassificationTask]
    num_classes: int
    data: ClassificationData


def task_names(bench: BenchSpec) -> list[str]:
    return [classification_task_name(i, classes) for i, classes in enumerate(bench.tasks)]


def load(bench: BenchSpec, data_root: str | None, seed: int) -> LoadedClassification:
    """The bench's tasks in CODA-Prompt's class order for `seed`, labels contiguous per task."""
    data = load_classification_data(bench.data, data_root)
    groups = task_class_groups(bench, data.num_classes, seed)
    tasks = build_tasks(groups, data.train, data.train_labels, data.test, data.test_labels, int(bench.data.get("workers", 0)))
    return LoadedClassification(tasks, data.num_classes, data)


