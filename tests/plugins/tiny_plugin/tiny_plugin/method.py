"""tiny-finetune: the built-in finetune method under a plugin's name."""

from methods import register_method
from methods.finetune import Finetune


@register_method("tiny-finetune")
class TinyFinetune(Finetune):
    """Fine-tuning on each task in turn, shipped by the tiny-plugin distribution."""
