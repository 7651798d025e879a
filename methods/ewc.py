"""Elastic weight consolidation (Kirkpatrick et al., 2017) on the diffusion loss.

After each task the diagonal empirical Fisher of the per-example diffusion loss, F_t =
mean_n (d L_simple(x_n; t_n, eps_n) / d theta)^2 over `fisher_samples` training examples (each
with its own random timestep and noise), is added to the running sum F = F_1 + ... + F_t, and
the parameters are kept as the anchor theta*. Later tasks minimize
    L_simple + (ewc_lambda / 2) * sum_i F_i (theta_i - theta*_i)^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from harness.tasks import Task
from methods._base import register_method
from methods._diffusion import DiffusionMethod
from methods.l2 import squared_distance


def diagonal_fisher(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Mean over examples of the squared gradient of each example's `model.loss`."""
    parameters = {name: p for name, p in model.named_parameters() if p.requires_grad}
    fisher = {name: torch.zeros_like(p) for name, p in parameters.items()}
    for index in range(images.shape[0]):
        loss = model.loss(images[index : index + 1], labels[index : index + 1], generator).sum()
        gradients = torch.autograd.grad(loss, list(parameters.values()), allow_unused=True)
        for name, gradient in zip(parameters, gradients):
            if gradient is not None:
                fisher[name] += gradient.detach() ** 2
    return {name: value / images.shape[0] for name, value in fisher.items()}


@register_method("ewc")
class ElasticWeightConsolidation(DiffusionMethod):
    """EWC: diagonal Fisher of the diffusion loss, summed over tasks, as a quadratic penalty."""

    @dataclass(frozen=True)
    class Hparams:
        ewc_lambda: float = 1000.0
        fisher_samples: int = 200

        def validate(self) -> str | None:
            if self.ewc_lambda < 0:
                return f"ewc_lambda must be >= 0, got {self.ewc_lambda}"
            if self.fisher_samples < 1:
                return f"fisher_samples must be >= 1, got {self.fisher_samples}"
            return None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fisher: dict[str, torch.Tensor] = {}
        self.anchor: dict[str, torch.Tensor] = {}

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        loss = self.backbone.loss(images, labels, generator).mean()
        if not self.fisher:
            return loss
        parameters = {name: p for name, p in self.backbone.named_parameters() if name in self.fisher}
        return loss + 0.5 * self.hparams.ewc_lambda * squared_distance(parameters, self.anchor, self.fisher)

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        chosen = torch.randperm(task.train_x.shape[0], generator=generator)[: self.hparams.fisher_samples]
        fisher = diagonal_fisher(self.backbone, task.train_x[chosen], task.train_y[chosen], generator)
        self.fisher = {name: self.fisher.get(name, 0) + value for name, value in fisher.items()}
        self.anchor = {name: p.detach().clone() for name, p in self.backbone.named_parameters() if name in self.fisher}

    def state_dict(self) -> dict[str, torch.Tensor]:
        extra = {f"fisher.{k}": v for k, v in self.fisher.items()} | {f"anchor.{k}": v for k, v in self.anchor.items()}
        return {**super().state_dict(), **extra}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        device = self.backbone.device
        self.fisher = {k[len("fisher."):]: v.to(device) for k, v in state.items() if k.startswith("fisher.")}
        self.anchor = {k[len("anchor."):]: v.to(device) for k, v in state.items() if k.startswith("anchor.")}
