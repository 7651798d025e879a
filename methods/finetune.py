"""Naive sequential fine-tuning: the lower bound every continual method must beat."""

from methods._base import register_method
from methods._diffusion import DiffusionMethod


@register_method("finetune")
class Finetune(DiffusionMethod):
    """Naive sequential fine-tuning on each task in turn (no protection against forgetting)."""
