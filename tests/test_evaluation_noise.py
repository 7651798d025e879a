"""Evaluation noise: the samples of task i start from the same noise in every row t, so that
R[t][i] - R[i][i] measures the model, not the sampling."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from harness.scoring import EvalNoise
from harness.tracks.class_gen.tasks import Task
from harness.tracks.class_gen.views import ClassGenView


class _RecordingBackbone(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.starts: list[torch.Tensor] = []

    def sample(self, labels: torch.Tensor, num_steps: int, generator: torch.Generator) -> torch.Tensor:
        start = torch.randn((labels.shape[0], 1, 2, 2), generator=generator)
        self.starts.append(start)
        return start


def test_sampling_noise_of_a_task_does_not_depend_on_the_row() -> None:
    profile = SimpleNamespace(eval_samples_per_class=2, sampling_steps=1)
    tasks = [Task(i, (2 * i, 2 * i + 1), torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.zeros(1)) for i in range(2)]
    backbone = _RecordingBackbone()

    def view(task: Task, after_task: int) -> ClassGenView:
        return ClassGenView(task_index=task.index, after_task=after_task, task=task, backbone=backbone, profile=profile, noise=EvalNoise(3),
                            judge=None, real_features=torch.zeros(1), metric_options={}, cache={})

    for after_task in (0, 1, 4):
        view(tasks[0], after_task).samples
    view(tasks[1], 1).samples
    first, second, fifth, other = backbone.starts
    assert torch.equal(first, second) and torch.equal(first, fifth)
    assert not torch.equal(first, other)  # another task draws other noise
    rows = [view(tasks[0], t).numpy_rng("kid").random() for t in (0, 3)]
    assert rows[0] == rows[1]
