"""The LoRA family of continual text-to-image customization, one class per paper method.

- `lora-seq`: naive continual LoRA; task t's adapter starts from task t-1's (Smith et al.'s
  "LoRA (sequential)" in C-LoRA; "naive_cl" in the LoRA-merging study's code).
- `clora`: C-LoRA (Smith et al., 2024): a new LoRA per task, penalized by
  lambda * sum_layers || |sum_{j<t} A_j B_j| (elementwise) * (A_t B_t) ||_F^2; after the task its
  product joins the past sum and is folded into the weights.
- `merge-init`, `ortho-init`, `magmax`: the LoRA-merging study (Staniszewski et al.):
  fold each task's LoRA into the weights and start a fresh one; or keep the past LoRAs as one
  LoRA with A's and B's summed separately and start A_t with each column orthogonal to the
  matching column of the summed A (the study's code, see `OrthoInit`); or keep, per weight, the
  update of largest magnitude between the merged past and the current task (MagMax). On the
  study's benches (objects, styles) these and `lora-seq` (its naive_cl) start from the study's
  LoRA, rank 64 on q/k/v/out of every attention layer (the benches' `method_hparams`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from harness.hparams import OMIT_AT_DEFAULT, hparam
from harness.method_context import PromptPhrasing
from methods._base import register_method
from methods._lora import LoRAMethod, lora_layers


@register_method("lora-seq")
class SequentialLoRA(LoRAMethod):
    """Naive continual LoRA: one adapter, each task keeps training it."""

    ADAPTER = "seq"

    def adapter_name(self, task) -> str:
        return self.ADAPTER  # one adapter, trained on through every task

    def before_task(self, task, generator: torch.Generator) -> None:
        if not lora_layers(self.unet):
            self.add_adapter(self.ADAPTER)

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.snapshot_for_export(name)

    def stored_parameters(self) -> int:
        return self.adapter_size()

    def prepare_to_load(self, state: dict[str, torch.Tensor]) -> None:
        if any(f"lora_A.{self.ADAPTER}." in key for key in state) and not lora_layers(self.unet):
            self.add_adapter(self.ADAPTER)


def clora_penalty(past_abs: dict[str, torch.Tensor], current: dict[str, torch.Tensor]) -> torch.Tensor:
    """sum over layers of || |sum of past products| * (A_t B_t) ||_F^2 (the abs is taken by the caller)."""
    return sum(((past_abs[name] * delta) ** 2).sum() for name, delta in current.items())


def relative_reg_weight(past_abs: dict[str, torch.Tensor], ratio: float) -> float:
    """C-LoRA's lambda for a target relative strength: the penalty equals `ratio` when the new task's
    update equals the summed past products elementwise (so lambda scales as 1 / |P|^4: backbone-independent)."""
    scale = float(clora_penalty(past_abs, past_abs))
    return ratio / scale if scale > 0 else 0.0


@register_method("clora")
class CLoRA(LoRAMethod):
    """C-LoRA: a new self-regularized LoRA per task on cross-attention K/V, folded after the task."""

    @dataclass(frozen=True)
    class Hparams(LoRAMethod.Hparams):
        reg_weight: float = 1e8  # lambda, C-LoRA's appendix C (SD-1.4's weight scale); ignored when reg_ratio > 0
        # backbone-independent strength: lambda_t = reg_ratio / sum_layers ||P_t * P_t||_F^2 (P_t = the summed past
        # products), i.e. the penalty equals reg_ratio (in units of the epsilon-MSE loss, ~1 on any backbone) when
        # the new task's update equals the past sum elementwise; 0 = use reg_weight
        reg_ratio: float = hparam(0.0, ge=0, omit_at_default=True, note="0 = use reg_weight")
        concept_word: str = field(default="", metadata=OMIT_AT_DEFAULT)  # "" = C-LoRA's prompts ("a photo of <c5>"); a word = ablation (ii), "a photo of <c5> digit"

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.past_sum: dict[str, torch.Tensor] = {}
        self._past_abs: dict[str, torch.Tensor] = {}
        self._weight = hparams.reg_weight

    def prompt_phrasing(self) -> PromptPhrasing:
        return PromptPhrasing(self.hparams.concept_word)

    def before_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.add_adapter(name)
        self._past_abs = {key: value.abs() for key, value in self.past_sum.items()}
        self._weight = self.hparams.reg_weight
        if self.hparams.reg_ratio > 0 and self._past_abs:
            self._weight = relative_reg_weight(self._past_abs, self.hparams.reg_ratio)

    def penalty(self, name: str) -> torch.Tensor | None:
        if not self._past_abs:
            return None
        return self._weight * clora_penalty(self._past_abs, self.deltas(name))

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
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


    def before_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.add_adapter(name)

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.snapshot_for_export(name)
        self.fold(name)


def orthogonal_columns(a_sum: torch.Tensor) -> torch.Tensor:
    """The LoRA-merging study's ortho init of A (luk-st/continual-lora eb586cd,
    lora/train_dreambooth_lora_sdxl.py lines 836-849, `find_orthogonal_vector_svd` and
    `get_matrix_ortho_columns`): for each column c of the summed past A (r x n), the last right
    singular vector of the 1 x r row c^T, i.e. one unit vector of rank space orthogonal to c.
    Computed on the CPU in float32 (the reference's SVD runs on the CPU state dict it loaded),
    batched over columns; tests/test_ortho_init_reference.py checks it against the per-column loop."""
    columns = a_sum.detach().to("cpu", torch.float32).T.unsqueeze(1)  # n x 1 x r
    _, _, vh = torch.linalg.svd(columns)
    return vh[:, -1, :].T.contiguous()


@register_method("ortho-init")
class OrthoInit(LoRAMethod):
    """Merge & orthogonal initialization, as the study's code does it (train_dreambooth_lora_sdxl.py,
    experiment "ortho_init"; scripts_train/train_lora_args_ortho_init.sh):
    - the past tasks' LoRAs are kept as one LoRA whose A's and B's are summed separately
      (`merge_loras`, lines 96-106, applied after each task at lines 2381-2389), and the model is the
      base plus that LoRA's product, B_sum A_sum (fused before training, lines 1430-1444);
    - task t's adapter starts with A = `orthogonal_columns`(A_sum) and peft's B = 0
      (`init_lora_with_checkpoint_rotate`, lines 833-886, which asserts B unchanged); task 0's is
      the plain gaussian init.
    Summing A and B separately adds cross terms B_i A_j (i != j) to the model; that is the study's method.
    The harness evaluates base + B_sum A_sum after each task, the model the next task's training
    starts from (the study's eval/sample_images.py lines 78-80 load a full pipeline from the task's
    folder, which the training script saves only for merge_and_init / mag_max_light)."""


    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.a_sum: dict[str, torch.Tensor] = {}
        self.b_sum: dict[str, torch.Tensor] = {}

    def before_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.add_adapter(name)
        if self.a_sum:
            with torch.no_grad():
                for key, layer in lora_layers(self.unet).items():
                    weight = layer.lora_A[name].weight
                    weight.copy_(orthogonal_columns(self.a_sum[key]).to(weight.device, weight.dtype))

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.snapshot_for_export(name)
        change = {}
        for key, layer in lora_layers(self.unet).items():
            a, b = layer.lora_A[name].weight.detach().clone(), layer.lora_B[name].weight.detach().clone()
            scaling = layer.scaling[name]
            before = self.b_sum[key] @ self.a_sum[key] if key in self.a_sum else torch.zeros_like(b @ a)
            self.a_sum[key] = self.a_sum[key] + a if key in self.a_sum else a
            self.b_sum[key] = self.b_sum[key] + b if key in self.b_sum else b
            change[key] = scaling * (self.b_sum[key] @ self.a_sum[key] - before)
        self.fold(name, change)

    def stored_parameters(self) -> int:
        """The summed LoRA (A_sum and B_sum): the study keeps only that file between tasks."""
        return self.adapter_size()

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {**{f"a_sum.{key}": value for key, value in self.a_sum.items()}, **{f"b_sum.{key}": value for key, value in self.b_sum.items()}}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        device = self.backbone.device
        self.a_sum = {key[len("a_sum."):]: value.to(device) for key, value in state.items() if key.startswith("a_sum.")}
        self.b_sum = {key[len("b_sum."):]: value.to(device) for key, value in state.items() if key.startswith("b_sum.")}


def magnitude_select(merged: torch.Tensor, task_vector: torch.Tensor) -> torch.Tensor:
    """Per entry, the update of larger magnitude (ties go to the new task, as `merge_max_abs`)."""
    return torch.where(task_vector.abs() >= merged.abs(), task_vector, merged)


@register_method("magmax")
class MagMax(LoRAMethod):
    """Magnitude-based selection: keep, per weight, the larger-magnitude update of merged past vs current task."""


    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.merged: dict[str, torch.Tensor] = {}

    def before_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.add_adapter(name)

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
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
