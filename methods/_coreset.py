"""Nguyen et al.'s random coreset, shared by VCL and the "MLE + coreset" baseline.

Before training on task t, `coreset_per_task` examples of it are drawn at random into the coreset
C_t = C_{t-1} + (new examples) and held out, so the task trains on D_t + C_{t-1} - C_t, which for a
random coreset is D_t minus its new coreset examples (Nguyen et al.'s `rand_from_batch` deletes them
from the task's training set). After the task, the propagated model q~_t is kept, a copy is tuned on
all of C_t for `coreset_epochs` epochs (the VCL diffusion study's Table 2: 10) and that tuned copy is
what gets evaluated; the next task starts again from q~_t (the study's code reloads the pre-coreset
parameters before each task).

`weight_init: uniform-15` draws every Linear / Conv2d weight from U(-sqrt(15 / fan-in), sqrt(15 / fan-in))
before task 1, the VCL diffusion study's Table 2 ("Weight initialisation (MFVI mean)", listed as shared
by its MLE and VCL models); `backbone` (the default) keeps the UNet's own initialization.
"""

from __future__ import annotations

import math

import torch

from core.seeding import torch_generator
from harness.tracks.class_gen.tasks import Task
from methods._diffusion import DiffusionMethod


WEIGHT_INITS = ("backbone", "uniform-15")


def uniform_fan_in_(model: torch.nn.Module, scale: float, generator: torch.Generator) -> int:
    """Every Linear / Conv2d weight of `model` ~ U(-sqrt(scale / fan-in), sqrt(scale / fan-in)), in place;
    returns how many layers it drew. Biases keep their values."""
    drawn = 0
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)):
                fan_in = module.weight[0].numel()  # in_features, or in_channels / groups x kernel area
                bound = math.sqrt(scale / fan_in)
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) * (2 * bound) - bound)
                drawn += 1
    return drawn


class CoresetMethod(DiffusionMethod):
    """A diffusion method with a held-out random coreset tuned on after every task (S = 0: none)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.hparams.weight_init == "uniform-15":
            uniform_fan_in_(self.backbone.unet, 15.0, torch_generator(self.context.seed, "weight-init"))
        channels, height, width = self.backbone.image_shape
        self.coreset_x = torch.empty((0, channels, height, width))
        self.coreset_y = torch.empty((0,), dtype=torch.long)
        self.propagated: dict[str, torch.Tensor] | None = None
        self._train_x, self._train_y = self.coreset_x, self.coreset_y

    @property
    def coreset_per_task(self) -> int:
        return self.hparams.coreset_per_task

    def before_task(self, task: Task, generator: torch.Generator) -> None:
        if self.propagated is not None:  # continue from q~_{t-1}, not from the coreset-tuned model
            self.backbone.load_state_dict(self.propagated)
        self._train_x, self._train_y = task.train_x, task.train_y
        if self.coreset_per_task > 0:
            order = torch.randperm(task.train_x.shape[0], generator=torch_generator(self.context.seed, "coreset", task.index))
            chosen, rest = order[: self.coreset_per_task], order[self.coreset_per_task :]
            self.coreset_x = torch.cat([self.coreset_x, task.train_x[chosen]])
            self.coreset_y = torch.cat([self.coreset_y, task.train_y[chosen]])
            self._train_x, self._train_y = task.train_x[rest], task.train_y[rest]

    def training_data(self, task: Task) -> tuple[torch.Tensor, torch.Tensor]:
        return self._train_x, self._train_y

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        self.propagated = {k: v.detach().clone() for k, v in self.backbone.state_dict().items()}
        if self.coreset_per_task > 0:
            self.before_coreset_tuning(task)
            batch = min(self.context.profile.batch_size, self.coreset_x.shape[0])
            steps = self.hparams.coreset_epochs * math.ceil(self.coreset_x.shape[0] / batch)
            self.optimize(self.coreset_x, self.coreset_y, steps, generator, f"coreset tuning after task {task.index + 1},")

    def before_coreset_tuning(self, task: Task) -> None:
        """Hook: runs between keeping q~_t and tuning on the coreset."""

    def state_dict(self) -> dict[str, torch.Tensor]:
        state = {**super().state_dict(), "coreset.x": self.coreset_x.contiguous(), "coreset.y": self.coreset_y.contiguous()}
        if self.propagated is not None:
            state.update({f"propagated.{k}": v for k, v in self.propagated.items()})
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        self.coreset_x, self.coreset_y = state["coreset.x"], state["coreset.y"]
        propagated = {k[len("propagated."):]: v for k, v in state.items() if k.startswith("propagated.")}
        self.propagated = propagated or None
