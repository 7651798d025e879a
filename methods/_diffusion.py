"""The training loop shared by methods that train a class-conditional diffusion backbone.

Subclasses change only what their paper changes: the loss (`training_loss`) and what
happens around a task (`before_task`, `after_task`: methods/_base.py).
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from core.errors import RunFailure
from core.seeding import torch_generator
from harness.tracks.class_gen.tasks import Task
from methods._base import Method
from methods._optim import adam
from methods._train_step import CHECK_EVERY, LossCheck, optimizer_step


class BatchStream:
    """Endless shuffled mini-batches (a new permutation per epoch) from one generator."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int, generator: torch.Generator) -> None:
        if images.shape[0] == 0:
            raise RunFailure("a task has no training images: check the bench's class groups and data")
        self.images, self.labels = images, labels
        self.batch_size = min(batch_size, images.shape[0])
        self.generator = generator
        self._order = torch.empty(0, dtype=torch.long)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._order.numel() < self.batch_size:
            fresh = torch.randperm(self.images.shape[0], generator=self.generator)
            self._order = torch.cat([self._order, fresh])
        index, self._order = self._order[: self.batch_size], self._order[self.batch_size :]
        return self.images[index], self.labels[index]


def rehearsal_loss(
    backbone: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    replay: BatchStream | None,
    coef: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """L_simple(current batch) + coef * L_simple(next replay batch); one forward pass over both."""
    if replay is None:
        return backbone.loss(images, labels, generator).mean()
    past_images, past_labels = (x.to(images.device) for x in replay.next())
    losses = backbone.loss(torch.cat([images, past_images]), torch.cat([labels, past_labels]), generator)
    current, past = losses[: images.shape[0]], losses[images.shape[0] :]
    return current.mean() + coef * past.mean()


class DiffusionMethod(Method):
    """Adam on the epsilon loss for a fixed number of steps per task (gradient norm clipped at 1)."""

    tracks = frozenset({"class-gen"})

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The scalar loss for one step; finetuning's is the plain L_simple."""
        return self.backbone.loss(images, labels, generator).mean()

    def learning_rate(self, task: Task) -> float:
        """Adam's step size on `task`; the bench profile's unless a method's paper says otherwise."""
        return self.context.profile.lr

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        return [p for p in self.backbone.parameters() if p.requires_grad]

    def training_data(self, task: Task) -> tuple[torch.Tensor, torch.Tensor]:
        """Hook: the examples of `task` to train on (all of them unless a method holds some out)."""
        return task.train_x, task.train_y

    def optimize(self, images: torch.Tensor, labels: torch.Tensor, steps: int, generator: torch.Generator, where: str,
                 lr: float | None = None) -> None:
        """`steps` Adam steps (fresh optimizer, step size `lr`, the profile's by default) on `training_loss`
        over shuffled batches of (images, labels)."""
        profile = self.context.profile
        lr = profile.lr if lr is None else lr
        self.backbone.train()
        parameters = self.trainable_parameters()
        optimizer = adam(parameters, lr=lr)
        device = self.context.device
        batches = BatchStream(images.to(device), labels.to(device), profile.batch_size, generator)  # on the device once, not per step
        check = LossCheck(device, steps, where, lr)
        bar = tqdm(range(steps), desc=where, leave=False, disable=not self.context.progress)
        for step in bar:
            loss = self.training_loss(*batches.next(), generator)
            check(loss, step)
            optimizer_step(optimizer, parameters, loss)
            if self.context.progress and step % CHECK_EVERY == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
        self.backbone.eval()

    def learn(self, task: Task) -> None:
        generator = torch_generator(self.context.seed, "train", task.index)
        self.before_task(task, generator)
        images, labels = self.training_data(task)
        self.optimize(images, labels, self.context.profile.steps_per_task, generator, f"task {task.index + 1}", self.learning_rate(task))
        self.after_task(task, generator)
