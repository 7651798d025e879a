"""Custom Diffusion (Kumari et al., 2023) trained continually, as C-LoRA's baselines ran it.

Custom Diffusion fine-tunes the cross-attention key and value projections (`attn2.to_k`,
`attn2.to_v`: diffusers' `freeze_model=crossattn_kv`) and the new concept token's embedding,
with regularization images of the class prompt at prior loss weight 1.

- `custom-diffusion-seq`: one set of K/V weights keeps training from concept to concept.
- `custom-diffusion-ewc`: the same plus online EWC on K/V (Kirkpatrick et al.): after each task
  the diagonal empirical Fisher of the per-example diffusion loss on the task's images is added
  to a running sum and the anchor moves to the task's final K/V; later tasks add
  (ewc_lambda / 2) * sum_i F_i (theta_i - theta*_i)^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.errors import RunFailure
from core.seeding import torch_generator
from harness.hparams import hparam
from methods._base import register_method
from methods._concept import CROSS_ATTENTION_KV, ConceptMethod, dense_size, target_layers
from methods.ewc import diagonal_fisher
from methods.l2 import squared_distance


class CustomDiffusionMethod(ConceptMethod):
    """Dense fine-tuning of the cross-attention K/V projections; not registered."""

    @dataclass(frozen=True)
    class Hparams(ConceptMethod.Hparams):
        target_modules: str = CROSS_ATTENTION_KV
        lr_scale: float = hparam(1.0, gt=0)  # times the bench's learning rate

    def learning_rate(self, task) -> float:
        return self.context.profile.lr * self.hparams.lr_scale

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.targets = target_layers(self.unet, hparams.target_modules)
        if not self.targets:
            raise RunFailure(f"Custom Diffusion target pattern {hparams.target_modules!r} matches no Linear layer of the UNet")

    def task_parameters(self, name: str) -> list[torch.nn.Parameter]:
        return [layer.weight for layer in self.targets.values()]

    def kv_weights(self) -> dict[str, torch.Tensor]:
        return {key: layer.weight.detach().clone() for key, layer in self.targets.items()}

    def trained_parameters(self) -> int:
        return dense_size(self.targets)

    def stored_parameters(self) -> int:
        return dense_size(self.targets)


@register_method("custom-diffusion-seq")
class CustomDiffusionSequential(CustomDiffusionMethod):
    """Custom Diffusion (sequential): one set of cross-attention K/V weights fine-tuned concept after concept."""


@register_method("custom-diffusion-ewc")
class CustomDiffusionEWC(CustomDiffusionMethod):
    """Custom Diffusion + online EWC on the cross-attention K/V (Fisher from the diffusion loss)."""

    @dataclass(frozen=True)
    class Hparams(CustomDiffusionMethod.Hparams):
        ewc_lambda: float = hparam(1e6, ge=0)  # C-LoRA's EWC loss weight (appendix C)

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.fisher: dict[str, torch.Tensor] = {}
        self.anchor: dict[str, torch.Tensor] = {}

    def penalty(self, name: str) -> torch.Tensor | None:
        if not self.fisher:
            return None
        parameters = {key: layer.weight for key, layer in self.targets.items()}
        return 0.5 * self.hparams.ewc_lambda * squared_distance(parameters, self.anchor, self.fisher)

    def learn(self, task) -> None:
        super().learn(task)
        generator = torch_generator(self.context.seed, "fisher", task.index)
        latents = self.task_latents(task)
        for layer in self.targets.values():
            layer.weight.requires_grad_(True)
        try:
            fisher = diagonal_fisher(self.backbone, latents, list(task.train_prompts), generator)
        finally:
            for layer in self.targets.values():
                layer.weight.requires_grad_(False)
        by_layer = {key: fisher[f"unet.{key}.weight"] for key in self.targets}
        self.fisher = {key: self.fisher[key] + value for key, value in by_layer.items()} if self.fisher else by_layer
        self.anchor = self.kv_weights()

    def stored_parameters(self) -> int:
        """The fine-tuned K/V and their summed Fisher (the anchor is the current K/V)."""
        return 2 * dense_size(self.targets)

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {**{f"fisher.{k}": v for k, v in self.fisher.items()}, **{f"anchor.{k}": v for k, v in self.anchor.items()}}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        device = self.backbone.device
        self.fisher = {k[len("fisher."):]: v.to(device) for k, v in state.items() if k.startswith("fisher.")}
        self.anchor = {k[len("anchor."):]: v.to(device) for k, v in state.items() if k.startswith("anchor.")}
