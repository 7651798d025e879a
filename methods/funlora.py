"""FunLoRA (Enescu & Sahbi, 2025, arXiv 2510.02631): per-class functional rank-1 LoRA on the
convolutions of a flow-matching (or diffusion) UNet; nothing shared changes after task 1.

Conditioning is FunLoRA's alone: the backbone's class-embedding table is zeroed and frozen,
and every class y gets its own factors on the adapted convolutions (see _funlora_layers).
- Task 1: the whole backbone and the task-1 classes' factors on every convolution train
  together on the backbone's loss (L_CFM on flow-unet).
- After task 1: layer importance I_l = mean over the task-1 classes of mean(F^l_y) (the
  paper's class-averaged importance, Figure 3: "furthest from 0" = most important), and the
  `adapted_fraction` of convolutions with the largest |I_l| are chosen; every shared
  parameter is frozen. Default 0.23: the paper adapts 15 convolutions (layers 40-54, Figure 4),
  15 of the 65 of the DDPM CIFAR UNet (assumed backbone; docs/funlora.md, A8).
- Task t > 1: only the current classes' factors on the chosen convolutions train, at
  `later_lr_scale` times the profile's learning rate (their
  rows of the per-class tensors; the other rows get an exactly zero gradient, and Adam is
  fresh per task, so past classes are bitwise unchanged).
Assumptions where the paper's text was not available are listed in docs/funlora.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from harness.hparams import hparam
from harness.tracks.class_gen.tasks import Task
from methods._base import register_method
from methods._diffusion import DiffusionMethod
from methods._funlora_layers import FAMILIES, FunLoRAConv2d, install_adapters


PAPER_ADAPTED_FRACTION = 0.23
"""15 adapted convolutions (the paper's layers 40-54) of 65 (the DDPM CIFAR UNet's), rounded."""


@register_method("funlora")
class FunLoRA(DiffusionMethod):
    """FunLoRA: per-class rank-1 LoRA with functional rank increase on the layers chosen by importance; shared weights frozen after task 1."""

    @dataclass(frozen=True)
    class Hparams:
        function: str = hparam("cosine", choices=FAMILIES)
        num_functions: int = hparam(10, ge=1)
        adapted_fraction: float = hparam(PAPER_ADAPTED_FRACTION, gt=0, le=1)
        init_std: float = hparam(0.1, gt=0)
        later_lr_scale: float = hparam(5.0, gt=0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        unet = self.backbone.unet
        if unet.class_embedding is not None:
            torch.nn.init.zeros_(unet.class_embedding.weight)
            unet.class_embedding.weight.requires_grad_(False)
        self.backbone_parameters = sum(p.numel() for p in self.backbone.parameters())
        h = self.hparams
        self.adapters: dict[str, FunLoRAConv2d] = install_adapters(unet, self.context.num_classes, h.function, h.num_functions, h.init_std)
        self.trainable_rows = torch.zeros(self.context.num_classes, dtype=torch.bool)
        for adapter in self.adapters.values():
            for parameter in adapter.per_class_parameters():
                parameter.register_hook(self._mask_rows)
        self.importance = torch.zeros(len(self.adapters))
        self.adapted = torch.ones(len(self.adapters), dtype=torch.bool)
        self.tasks_learned = 0

    def _mask_rows(self, grad: torch.Tensor) -> torch.Tensor:
        return grad * self.trainable_rows.to(grad.device, grad.dtype).unsqueeze(1)

    def learning_rate(self, task: Task) -> float:
        """Task 1 trains the backbone at the profile's rate; later tasks only the small factors, faster."""
        return self.context.profile.lr * (1.0 if task.index == 0 else self.hparams.later_lr_scale)

    def before_task(self, task: Task, generator: torch.Generator) -> None:
        self.trainable_rows.zero_()
        self.trainable_rows[list(task.classes)] = True
        for adapter, adapted in zip(self.adapters.values(), self.adapted.tolist()):
            adapter.active[list(task.classes)] = adapted or task.index == 0

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        self.tasks_learned = task.index + 1
        if task.index == 0:
            self.importance = self.layer_importance(task.classes)
            keep = max(1, round(self.hparams.adapted_fraction * len(self.adapters)))
            chosen = torch.topk(self.importance.abs(), keep).indices
            self.adapted = torch.zeros(len(self.adapters), dtype=torch.bool)
            self.adapted[chosen] = True
        self._freeze_shared()

    @torch.no_grad()
    def layer_importance(self, classes: tuple[int, ...]) -> torch.Tensor:
        """I_l: the mean entry of F^l_y, averaged over `classes` (signed; |I_l| ranks layers)."""
        labels = torch.tensor(classes, device=self.backbone.device)
        return torch.stack([adapter.matrix(labels).mean().cpu() for adapter in self.adapters.values()])

    def _freeze_shared(self) -> None:
        if self.tasks_learned == 0:
            return
        for parameter in self.backbone.parameters():
            parameter.requires_grad_(False)
        for adapter, adapted in zip(self.adapters.values(), self.adapted.tolist()):
            for parameter in adapter.per_class_parameters():
                parameter.requires_grad_(adapted)

    def extra_parameters_per_class(self, later_task: bool) -> int:
        """Per-class parameters of a class of task 1 (every convolution) or of a later task (chosen ones)."""
        layers = [a for a, keep in zip(self.adapters.values(), self.adapted.tolist()) if keep or not later_task]
        return sum(adapter.parameters_per_class() for adapter in layers)

    def record_notes(self) -> dict[str, Any]:
        names = list(self.adapters)
        later = self.extra_parameters_per_class(later_task=True)
        return {
            "layer_importance": {name: round(float(value), 8) for name, value in zip(names, self.importance)},
            "adapted_layers": [name for name, keep in zip(names, self.adapted.tolist()) if keep],
            "backbone_parameters": self.backbone_parameters,
            "extra_parameters_per_class_task1": self.extra_parameters_per_class(later_task=False),
            "extra_parameters_per_class_later": later,
            "extra_fraction_per_class_later": later / self.backbone_parameters,
        }

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {
            **super().state_dict(),
            "funlora.importance": self.importance.clone(),
            "funlora.adapted": self.adapted.clone(),
            "funlora.tasks_learned": torch.tensor(self.tasks_learned),
        }

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        self.importance = state["funlora.importance"].clone().cpu()
        self.adapted = state["funlora.adapted"].clone().cpu().bool()
        self.tasks_learned = int(state["funlora.tasks_learned"])
        self._freeze_shared()
