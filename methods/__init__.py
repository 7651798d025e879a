"""Continual-learning methods, one file each; importing this package registers them all."""

from methods._base import METHODS, Method, TrainContext, register_method
from methods import er, ewc, finetune, generative_replay, l2, mle_coreset, vcl  # noqa: F401  (registration)

__all__ = ["METHODS", "Method", "TrainContext", "register_method"]
