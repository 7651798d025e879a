"""Continual-learning methods, one file each; importing this package registers them all."""

from methods._base import METHODS, Method, TrainContext, register_method
from methods import er, ewc, finetune, funlora, generative_replay, l2, lora_family, mle_coreset, vcl  # noqa: F401  (registration)
from methods import custom_diffusion, custom_diffusion_merge, dreambooth, generative_replay_t2i, textual_inversion, ziplora  # noqa: F401  (t2i baselines)
from methods import clora_vit, finetune_cls, lwf, prompting, upper_bound  # noqa: F401  (class-cls track)

__all__ = ["METHODS", "Method", "TrainContext", "register_method"]
