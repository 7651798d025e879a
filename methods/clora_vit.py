"""C-LoRA for classification (Smith et al., C-LoRA, section 6): a fresh rank-r LoRA on the QKV
projection of every ViT block per task, self-regularised by the LoRA updates of past tasks
(Eq. 3): lambda * sum_blocks || |sum_{t'<t} B_t' A_t'| (.) (B_t A_t) ||_F^2. After a task its
update is merged into the weight (inference has no extra parameters) and added to the past
sum. The head is trained with the prompting methods' classifier (past logits masked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from core.seeding import torch_generator
from harness.hparams import hparam
from harness.tracks.class_cls.tasks import ClassificationTask
from methods._base import register_method
from methods._classifier import ClassifierMethod, freeze_all_but


class ContinualLoRALinear(torch.nn.Linear):
    """nn.Linear (frozen, past updates merged in) + the current task's factors up @ down."""

    def __init__(self, base: torch.nn.Linear, rank: int) -> None:
        super().__init__(base.in_features, base.out_features, bias=base.bias is not None, device=base.weight.device)
        with torch.no_grad():
            self.weight.copy_(base.weight)
            if base.bias is not None:
                self.bias.copy_(base.bias)
        self.down = torch.nn.Parameter(torch.zeros(rank, base.in_features, device=base.weight.device))
        self.up = torch.nn.Parameter(torch.zeros(base.out_features, rank, device=base.weight.device))
        self.register_buffer("past_update", torch.zeros_like(base.weight))

    def update(self) -> torch.Tensor:
        return self.up @ self.down

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias) + F.linear(F.linear(x, self.down), self.up)

    @torch.no_grad()
    def new_factors(self, generator: torch.Generator) -> None:
        """LoRA init (Hu et al.): down ~ Kaiming-uniform, up = 0, so the update starts at zero."""
        bound = 1.0 / math.sqrt(self.in_features)  # kaiming_uniform_(a=sqrt(5)) on (rank, in)
        self.down.copy_(torch.rand(self.down.shape, generator=generator).mul_(2 * bound).sub_(bound).to(self.down))
        self.up.zero_()

    @torch.no_grad()
    def merge(self) -> None:
        update = self.update()
        self.weight += update
        self.past_update += update
        self.up.zero_()
        self.down.zero_()

    def self_regularization(self) -> torch.Tensor:
        return ((self.past_update.abs() * self.update()) ** 2).sum()


@register_method("clora-vit")
class CLoRAViT(ClassifierMethod):
    """C-LoRA: self-regularised low-rank updates of every block's QKV projection."""

    mask_past_logits = True

    @dataclass(frozen=True)
    class Hparams:
        lr_scale: float = hparam(1.0, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale
        rank: int = 64
        reg_coef: float = 1e3  # swept on held-out class orders (mnist-r-5 seeds 100-101, results/sweeps): docs/class-cls-proxy.md

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.adapted: list[ContinualLoRALinear] = []
        for block in backbone.body.blocks:
            block.attn.qkv = ContinualLoRALinear(block.attn.qkv, hparams.rank)
            self.adapted.append(block.attn.qkv)
        freeze_all_but(backbone, backbone.head)
        for layer in self.adapted:
            layer.down.requires_grad_(True)
            layer.up.requires_grad_(True)

    def before_task(self, task: ClassificationTask, generator: torch.Generator) -> None:
        factors = torch_generator(self.context.seed, "clora", task.index)  # as published records drew them
        for layer in self.adapted:
            layer.new_factors(factors)

    def loss(self, images, labels, logits, aux, past):
        base = super().loss(images, labels, logits, aux, past)
        if past == 0 or self.hparams.reg_coef == 0:
            return base
        return base + self.hparams.reg_coef * sum(layer.self_regularization() for layer in self.adapted)

    def after_task(self, task: ClassificationTask, generator: torch.Generator) -> None:
        for layer in self.adapted:
            layer.merge()
