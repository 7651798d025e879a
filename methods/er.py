"""Experience replay with a rehearsal coefficient (Chaudhry et al., 2019; as benchmarked for
DDPMs in "Exploring Continual Learning of Diffusion Models").

loss = L_simple(current batch) + rehearsal_coef * L_simple(batch from the buffer of past tasks).
The buffer keeps `buffer_per_task` real training examples of every finished task, drawn
uniformly at random; the replay batch has the current batch's size. The studies sweep the
buffer (coreset) size S per task (0, 50, 200, 500 in the VCL study; 0 disables replay) and the
coefficient (1 and a reduced 0.01 in the DDPM study): `--set buffer_per_task=S --set rehearsal_coef=C`;
the study's two settings (buffer 200 per task, coefficient 1 or 0.01) are the presets
`er-ddpm-study-coef1` and `er-ddpm-study-coef0.01` of split-mnist and split-fmnist (`--preset`).

Default coefficient 1 (the DDPM study's first setting), chosen by the split-digits sweep (buffer 50
per task, 3 seeds, average judge accuracy): 0.01 -> 0.487 +- 0.018, 0.1 -> 0.895 +- 0.018,
1 -> 0.956 +- 0.020 (results/sweeps/README.md). The study's reduced 0.01 fights overfitting of its
200-example buffer over 20K steps per task; at this harness's budgets (600 steps per task) it
replays too little to protect past tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from harness.hparams import hparam
from harness.tracks.class_gen.tasks import Task
from methods._base import register_method
from methods._diffusion import BatchStream, DiffusionMethod, rehearsal_loss


@register_method("er")
class ExperienceReplay(DiffusionMethod):
    """Experience replay: a fixed per-task buffer of real examples, replay loss scaled by rehearsal_coef."""

    @dataclass(frozen=True)
    class Hparams:
        buffer_per_task: int = hparam(50, ge=0, note="0 = no replay")
        rehearsal_coef: float = hparam(1.0, ge=0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        channels, height, width = self.backbone.image_shape
        self.buffer_x = torch.empty((0, channels, height, width))
        self.buffer_y = torch.empty((0,), dtype=torch.long)
        self._replay: BatchStream | None = None

    def before_task(self, task: Task, generator: torch.Generator) -> None:
        has_buffer = self.buffer_x.shape[0] > 0
        self._replay = BatchStream(self.buffer_x, self.buffer_y, self.context.profile.batch_size, generator) if has_buffer else None

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return rehearsal_loss(self.backbone, images, labels, self._replay, self.hparams.rehearsal_coef, generator)

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        keep = torch.randperm(task.train_x.shape[0], generator=generator)[: self.hparams.buffer_per_task]
        self.buffer_x = torch.cat([self.buffer_x, task.train_x[keep]])
        self.buffer_y = torch.cat([self.buffer_y, task.train_y[keep]])

    def replay_examples(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        return (self.buffer_x, self.buffer_y) if self.buffer_x.shape[0] else None

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {**super().state_dict(), "buffer.x": self.buffer_x.contiguous(), "buffer.y": self.buffer_y.contiguous()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        self.buffer_x, self.buffer_y = state["buffer.x"], state["buffer.y"]
