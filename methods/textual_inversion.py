"""Textual Inversion (Gal et al., 2023) per concept: only the new token's embedding row trains;
the UNet and every other text-encoder weight stay frozen, so past concepts cannot be forgotten
(their rows are never touched), and nothing beyond the token rows is stored."""

from __future__ import annotations

import torch

from methods._base import register_method
from methods._concept import ConceptMethod


@register_method("textual-inversion")
class TextualInversion(ConceptMethod):
    """Textual Inversion: one learned token embedding per concept, the backbone frozen."""

    def task_parameters(self, name: str) -> list[torch.nn.Parameter]:
        return []
