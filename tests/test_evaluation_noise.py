"""Evaluation noise: the samples of task i start from the same noise in every row t, so that
R[t][i] - R[i][i] measures the model, not the sampling."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from harness.evaluation import TaskEvaluation
from harness.tasks import Task


class _RecordingBackbone(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.starts: list[torch.Tensor] = []

    def sample(self, labels: torch.Tensor, num_steps: int, generator: torch.Generator) -> torch.Tensor:
        start = torch.randn((labels.shape[0], 1, 2, 2), generator=generator)
        self.starts.append(start)
        return start


def test_sampling_noise_of_a_task_does_not_depend_on_the_row() -> None:
    evaluator = SimpleNamespace(seed=3, profile=SimpleNamespace(eval_samples_per_class=2, sampling_steps=1))
    tasks = [Task(i, (2 * i, 2 * i + 1), torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.zeros(1)) for i in range(2)]
    backbone = _RecordingBackbone()
    for after_task in (0, 1, 4):
        TaskEvaluation(evaluator, backbone, tasks[0], after_task).samples
    TaskEvaluation(evaluator, backbone, tasks[1], 1).samples
    first, second, fifth, other = backbone.starts
    assert torch.equal(first, second) and torch.equal(first, fifth)
    assert not torch.equal(first, other)  # another task draws other noise
    rows = [TaskEvaluation(evaluator, backbone, tasks[0], t).numpy_rng("kid").random() for t in (0, 3)]
    assert rows[0] == rows[1]
