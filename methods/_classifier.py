"""Shared training loop of the class-cls methods (CODA-Prompt's learners/default.py and prompt.py).

Per task: a fresh Adam (betas 0.9/0.999, no weight decay) over the method's trainable
parameters, `profile.epochs` passes over the task's data (shuffled, last partial batch
dropped), CODA-Prompt's cosine schedule stepped per epoch, and cross-entropy over the
logits of the classes seen so far. Methods with `mask_past_logits` set the logits of past
tasks' classes to -inf (FT++ and the prompting methods: CE over the current task only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from core.seeding import derive_seed, torch_generator
from harness.hparams import hparam
from harness.tracks.class_cls.tasks import ClassificationTask
from methods._base import Method
from methods._optim import adam

CLASS_CLS = frozenset({"class-cls"})


def coda_cosine_lr(base_lr: float, epoch: int, epochs: int) -> float:
    """CODA-Prompt utils/schedulers.py CosineSchedule: base * cos(99 pi e / (200 (K - 1)))."""
    if epochs <= 1:
        return base_lr
    return base_lr * math.cos(99 * math.pi * epoch / (200 * (epochs - 1)))


class ClassifierMethod(Method):
    """Base of the class-cls methods; subclasses pick parameters and add loss terms."""

    tracks = CLASS_CLS
    mask_past_logits: ClassVar[bool] = False

    @dataclass(frozen=True)
    class Hparams:
        lr_scale: float = hparam(1.0, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        return [p for p in self.backbone.parameters() if p.requires_grad]

    def training_data(self, task: ClassificationTask) -> tuple[Dataset, int, int]:
        """(dataset, first label whose logit is trained, number of valid logits)."""
        return task.train, task.label_start, task.label_stop

    def loss(self, images: torch.Tensor, labels: torch.Tensor, logits: torch.Tensor, aux: torch.Tensor, past: int) -> torch.Tensor:
        """Cross-entropy over the valid logits, past classes masked if the method says so."""
        if self.mask_past_logits and past > 0:
            logits = torch.cat((torch.full_like(logits[:, :past], -math.inf), logits[:, past:]), dim=1)
        return F.cross_entropy(logits, labels) + aux.sum()

    def train_step(self, optimizer: torch.optim.Optimizer, images: torch.Tensor, labels: torch.Tensor, past: int, valid: int) -> float:
        """One optimiser step on a batch; returns the loss."""
        logits, aux = self.backbone.forward_train(images)
        loss = self.loss(images, labels, logits[:, :valid], aux, past)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    def learn(self, task: ClassificationTask) -> None:
        hooks = torch_generator(self.context.seed, "task-hooks", task.index)  # the hooks' own draws (none of the built-ins draws)
        self.before_task(task, hooks)
        dataset, past, valid = self.training_data(task)
        profile, device = self.context.profile, self.context.device
        parameters = self.trainable_parameters()
        base_lr = profile.lr * self.hparams.lr_scale
        optimizer = adam(parameters, lr=base_lr, betas=(0.9, 0.999), weight_decay=0.0)
        epochs = max(profile.epochs, 1)
        drop_last = len(dataset) >= profile.batch_size
        self.backbone.train()
        for epoch in range(epochs):
            for group in optimizer.param_groups:
                group["lr"] = coda_cosine_lr(base_lr, epoch, epochs)
            generator = torch_generator(self.context.seed, "train", task.index, epoch)
            loader = DataLoader(dataset, batch_size=profile.batch_size, shuffle=True, drop_last=drop_last, generator=generator, num_workers=task.workers)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(derive_seed(self.context.seed, "augment", task.index, epoch))
                for images, labels in loader:
                    self.train_step(optimizer, images.to(device), torch.as_tensor(labels).to(device), past, valid)
        self.backbone.eval()
        self.after_task(task, hooks)


def freeze_all_but(module: torch.nn.Module, *trainable: torch.nn.Module) -> None:
    module.requires_grad_(False)
    for part in trainable:
        part.requires_grad_(True)
