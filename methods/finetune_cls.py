"""FT and FT++ (CODA-Prompt's baselines): fine-tune the whole ViT and head on each task.

FT trains cross-entropy over all seen classes (learners/default.py NormalNN); FT++ masks the
logits of past tasks' classes as the prompting methods do (FinetunePlus). The learning rate
factor 0.05 gives CODA-Prompt's full fine-tuning rate 5e-5 (configs/cifar-100_ft.yaml) from
the prompting base rate 1e-3.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.hparams import hparam
from methods._base import register_method
from methods._classifier import ClassifierMethod


@register_method("ft")
class FineTuneAll(ClassifierMethod):
    """FT: sequential fine-tuning of the whole ViT, CE over all seen classes."""

    @dataclass(frozen=True)
    class Hparams:
        lr_scale: float = hparam(0.05, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale


@register_method("ftpp")
class FineTuneMasked(FineTuneAll):
    """FT++: sequential fine-tuning of the whole ViT, past classes' logits masked in training."""

    mask_past_logits = True
