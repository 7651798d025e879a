"""The LoRA family of continual text-to-image customization, one class per paper method.

- `lora-seq`: naive continual LoRA; task t's adapter starts from task t-1's (Smith et al.'s
  "LoRA (sequential)" in C-LoRA; "naive_cl" in the LoRA-merging study's code).
- `clora`: C-LoRA (Smith et al., 2024): a new LoRA per task, penalized by
  lambda * sum_layers || |sum_{j<t} A_j B_j| (elementwise) * (A_t B_t) ||_F^2; after the task its
  product joins the past sum and is folded into the weights.
- `merge-init`, `ortho-init`, `magmax`: the LoRA-merging study (Staniszewski et al.):
  fold each task's LoRA into the weights and start a fresh one; or start A_t orthogonal to
  the past A's (SVD, directions of the smallest singular values); or keep, per weight, the
  update of largest magnitude between the merged past and the current task (MagMax).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from harness.hparams import OMIT_AT_DEFAULT
from methods._base import register_method
from methods._lora import LoRAMethod, lora_layers


@register_method("lora-seq")
class SequentialLoRA(LoRAMethod):
    """Naive continual LoRA: one adapter, each task keeps training it."""

    ADAPTER = "seq"

    def begin_task(self, index: int, generator: torch.Generator) -> str:
        if not lora_layers(self.unet):
            self.add_adapter(self.ADAPTER)
        return self.ADAPTER

    def end_task(self, index: int, name: str) -> None:
        self.snapshot_for_export(name)

    def stored_parameters(self) -> int:
        return self.adapter_size()

    def prepare_to_load(self, state: dict[str, torch.Tensor]) -> None:
        if any(f"lora_A.{self.ADAPTER}." in key for key in state) and not lora_layers(self.unet):
            self.add_adapter(self.ADAPTER)


def clora_penalty(past_abs: dict[str, torch.Tensor], current: dict[str, torch.Tensor]) -> torch.Tensor:
    """sum over layers of || |sum of past products| * (A_t B_t) ||_F^2 (the abs is taken by the caller)."""
    return sum(((past_abs[name] * delta) ** 2).sum() for name, delta in current.items())


@register_method("clora")
class CLoRA(LoRAMethod):
    """C-LoRA: a new self-regularized LoRA per task on cross-attention K/V, folded after the task."""

    @dataclass(frozen=True)
    class Hparams(LoRAMethod.Hparams):
        reg_weight: float = 1e8  # lambda, C-LoRA's appendix C
        concept_word: str = field(default="", metadata=OMIT_AT_DEFAULT)  # "" = C-LoRA's prompts ("a photo of <c5>"); a word = ablation (ii), "a photo of <c5> digit"

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        backbone.concept_word = hparams.concept_word
        self.past_sum: dict[str, torch.Tensor] = {}
        self._past_abs: dict[str, torch.Tensor] = {}

    def begin_task(self, index: int, generator: torch.Generator) -> str:
        name = f"task{index}"
        self.add_adapter(name)
        self._past_abs = {key: value.abs() for key, value in self.past_sum.items()}
        return name

    def penalty(self, name: str) -> torch.Tensor | None:
        if not self._past_abs:
            return None
        return self.hparams.reg_weight * clora_penalty(self._past_abs, self.deltas(name))

    def end_task(self, index: int, name: str) -> None:
        self.snapshot_for_export(name)
        deltas = {key: value.detach() for key, value in self.deltas(name).items()}
        for key, delta in deltas.items():
            self.past_sum[key] = self.past_sum[key] + delta if key in self.past_sum else delta.clone()
        self.fold(name, deltas)

    def stored_parameters(self) -> int:
        """Past LoRAs or their summed product, whichever is smaller (C-LoRA appendix C)."""
        return min(self.adapter_size() * self.tasks_done(), self.dense_size())

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {f"past_sum.{key}": value for key, value in self.past_sum.items()}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        self.past_sum = {key[len("past_sum."):]: value.to(self.backbone.device) for key, value in state.items() if key.startswith("past_sum.")}


@register_method("merge-init")
class MergeInit(LoRAMethod):
    """Merge & initialization: a fresh standard-init LoRA per task, merged into the weights after it."""

    def begin_task(self, index: int, generator: torch.Generator) -> str:
        name = f"task{index}"
        self.add_adapter(name)
        return name

    def end_task(self, index: int, name: str) -> None:
        self.snapshot_for_export(name)
        self.fold(name)


def orthogonal_rows(past: torch.Tensor, rank: int) -> torch.Tensor:
    """`rank` unit rows orthogonal to the row space of `past` (k x n): the right singular vectors
    of the smallest singular values (exactly orthogonal while k + rank <= n)."""
    _, _, vh = torch.linalg.svd(past.double(), full_matrices=True)
    return vh[-rank:].to(past.dtype)


@register_method("ortho-init")
class OrthoInit(LoRAMethod):
    """Merge & orthogonal init: A_t starts orthogonal to all past A's (SVD), merged after the task."""

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.past_a: dict[str, torch.Tensor] = {}

    def begin_task(self, index: int, generator: torch.Generator) -> str:
        name = f"task{index}"
        self.add_adapter(name)
        if self.past_a:
            with torch.no_grad():
                for key, layer in lora_layers(self.unet).items():
                    weight = layer.lora_A[name].weight
                    scale = math.sqrt(weight.shape[1]) / self.hparams.rank  # row norm of peft's gaussian init (std 1/r)
                    weight.copy_(orthogonal_rows(self.past_a[key], self.hparams.rank) * scale)
        return name

    def end_task(self, index: int, name: str) -> None:
        self.snapshot_for_export(name)
        for key, layer in lora_layers(self.unet).items():
            a = layer.lora_A[name].weight.detach().clone()
            self.past_a[key] = torch.cat([self.past_a[key], a]) if key in self.past_a else a
        self.fold(name)

    def stored_parameters(self) -> int:
        """The merged update and every past A (rank rows per task and layer)."""
        return self.dense_size() + self.tasks_done() * self.hparams.rank * sum(layer.in_features for layer in self.targets.values())

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {f"past_a.{key}": value for key, value in self.past_a.items()}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        self.past_a = {key[len("past_a."):]: value.to(self.backbone.device) for key, value in state.items() if key.startswith("past_a.")}


def magnitude_select(merged: torch.Tensor, task_vector: torch.Tensor) -> torch.Tensor:
    """Per entry, the update of larger magnitude (ties go to the new task, as `merge_max_abs`)."""
    return torch.where(task_vector.abs() >= merged.abs(), task_vector, merged)


@register_method("magmax")
class MagMax(LoRAMethod):
    """Magnitude-based selection: keep, per weight, the larger-magnitude update of merged past vs current task."""

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.merged: dict[str, torch.Tensor] = {}

    def begin_task(self, index: int, generator: torch.Generator) -> str:
        name = f"task{index}"
        self.add_adapter(name)
        return name

    def end_task(self, index: int, name: str) -> None:
        self.snapshot_for_export(name)
        task_vectors = {key: value.detach() for key, value in self.deltas(name).items()}
        change = {}
        for key, task_vector in task_vectors.items():
            previous = self.merged.get(key, torch.zeros_like(task_vector))
            selected = magnitude_select(previous, task_vector)
            change[key] = selected - previous
            self.merged[key] = selected
        self.fold(name, change)

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {f"merged.{key}": value for key, value in self.merged.items()}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        self.merged = {key[len("merged."):]: value.to(self.backbone.device) for key, value in state.items() if key.startswith("merged.")}
