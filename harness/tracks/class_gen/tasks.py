"""A task of a class-incremental sequence: a group of classes and their real images."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from benchmarks.data import LabeledImages, load_data_source
from core.errors import UsageError
from harness.bench import BenchSpec


@dataclass(frozen=True)
class Task:
    index: int
    classes: tuple[int, ...]
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor

    @property
    def name(self) -> str:
        return task_name(self.classes)


def task_name(classes: tuple[int, ...]) -> str:
    return "classes " + ",".join(map(str, classes))


def split_into_tasks(bench: BenchSpec, data: LabeledImages) -> list[Task]:
    tasks = []
    for index, classes in enumerate(bench.tasks):
        bad = [c for c in classes if not 0 <= c < data.num_classes]
        if bad:
            raise UsageError(f"bench {bench.name} task {index} names class {bad[0]}, but the data has classes 0..{data.num_classes - 1}")
        wanted = torch.tensor(classes)
        train = torch.isin(data.train_y, wanted)
        test = torch.isin(data.test_y, wanted)
        tasks.append(Task(index, classes, data.train_x[train], data.train_y[train], data.test_x[test], data.test_y[test]))
    return tasks


def load_tasks(bench: BenchSpec, data_root: str | None) -> tuple[LabeledImages, list[Task]]:
    data = load_data_source(bench.data, data_root)
    return data, split_into_tasks(bench, data)
