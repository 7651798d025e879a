"""DreamBooth (Ruiz et al., 2023) trained continually: the whole UNet fine-tunes on each concept
in turn with prior preservation (the class prompt's base-model samples at prior loss weight 1,
diffusers' `train_dreambooth.py` defaults). The text encoder stays frozen (the script's default,
`--train_text_encoder` off): the concept's token is an identifier with a fixed embedding
(random, C-LoRA's tokenization) that the UNet learns to bind."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from harness.hparams import hparam
from methods._base import register_method
from methods._concept import ConceptMethod


@register_method("dreambooth")
class DreamBooth(ConceptMethod):
    """DreamBooth: the whole UNet fine-tuned sequentially with prior preservation."""

    trains_token = False

    @dataclass(frozen=True)
    class Hparams(ConceptMethod.Hparams):
        lr_scale: float = hparam(1.0, gt=0)  # times the bench's learning rate

    def learning_rate(self, task) -> float:
        return self.context.profile.lr * self.hparams.lr_scale

    def task_parameters(self, name: str) -> list[torch.nn.Parameter]:
        return list(self.unet.parameters())

    def trained_parameters(self) -> int:
        return self.base_size()

    def stored_parameters(self) -> int:
        """The fine-tuned UNet replaces the base: one full copy."""
        return self.base_size()
