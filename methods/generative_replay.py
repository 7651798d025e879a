"""Generative replay for a diffusion model (Shin et al., 2017; as benchmarked for DDPMs in
"Exploring Continual Learning of Diffusion Models").

Before task t > 1 a frozen copy of the model (as it is after task t - 1) generates samples of
every class of the past tasks, with the bench's sampler and sampling steps: by default
(`replay_per_class: 0`) as many per class as that class had real training examples, so the
replayed pool has the real data's size, as in the DDPM study's description (a frozen model stands
in for the past data); `replay_per_class: N` fixes N per class instead (the harness's v1 used 100).
The pool is generated afresh before each task from the then-current model (not kept and grown). Training on task t then minimizes
    L_simple(current batch) + rehearsal_coef * L_simple(batch of generated past-task samples),
the replay batch having the current batch's size. The generated set is a function of the
checkpoint and the seed, so a resumed run regenerates exactly the same set.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from core.seeding import torch_generator
from harness.hparams import hparam
from harness.tracks.class_gen.tasks import Task
from methods._base import register_method
from methods._diffusion import BatchStream, DiffusionMethod, rehearsal_loss


@register_method("generative-replay")
class GenerativeReplay(DiffusionMethod):
    """Generative replay: a frozen copy of the previous model generates past classes; replay loss scaled by rehearsal_coef."""

    @dataclass(frozen=True)
    class Hparams:
        rehearsal_coef: float = hparam(1.0, ge=0)
        replay_per_class: int = hparam(0, ge=0, note="0 = the real count")
        generation_batch: int = hparam(256, ge=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.past_classes: list[int] = []
        self.real_counts: dict[int, int] = {}  # class -> its real training examples
        self._replay: BatchStream | None = None

    @torch.no_grad()
    def generate_past(self, task: Task) -> tuple[torch.Tensor, torch.Tensor]:
        frozen = copy.deepcopy(self.backbone).eval()
        fixed = self.hparams.replay_per_class
        labels = torch.tensor(self.past_classes).repeat_interleave(torch.tensor([fixed or self.real_counts[c] for c in self.past_classes]))
        generator = torch_generator(self.context.seed, "generative-replay", task.index)
        images = [
            frozen.sample(labels[start : start + self.hparams.generation_batch], self.context.profile.sampling_steps, generator).cpu()
            for start in range(0, labels.shape[0], self.hparams.generation_batch)
        ]
        return torch.cat(images), labels

    def before_task(self, task: Task, generator: torch.Generator) -> None:
        self._replay = None
        if self.past_classes:
            images, labels = self.generate_past(task)
            self._replay = BatchStream(images, labels, self.context.profile.batch_size, generator)

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return rehearsal_loss(self.backbone, images, labels, self._replay, self.hparams.rehearsal_coef, generator)

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        self.past_classes = sorted(set(self.past_classes) | set(task.classes))
        self.real_counts |= {int(c): int((task.train_y == c).sum()) for c in task.classes}
        self._replay = None

    def state_dict(self) -> dict[str, torch.Tensor]:
        counts = torch.tensor([self.real_counts.get(c, 0) for c in self.past_classes], dtype=torch.long)
        return {**super().state_dict(), "past_classes": torch.tensor(self.past_classes, dtype=torch.long), "real_counts": counts}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        self.past_classes = [int(c) for c in state["past_classes"]]
        self.real_counts = {c: int(n) for c, n in zip(self.past_classes, state["real_counts"])}
