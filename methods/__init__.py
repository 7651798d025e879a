"""Continual-learning methods, one file each (registered by `@register_method`).

The names each file registers are declared here, so naming methods (CLI choices, errors) imports
no method; `METHODS.get(name)` imports the method's file on first use.
"""

from typing import Any

from methods._registry import METHODS

METHODS.declare("methods.er", ["er"])
METHODS.declare("methods.ewc", ["ewc"])
METHODS.declare("methods.finetune", ["finetune"])
METHODS.declare("methods.funlora", ["funlora"])
METHODS.declare("methods.generative_replay", ["generative-replay"])
METHODS.declare("methods.l2", ["l2"])
METHODS.declare("methods.lora_family", ["clora", "lora-seq", "magmax", "merge-init", "ortho-init"])
METHODS.declare("methods.mle_coreset", ["mle-coreset"])
METHODS.declare("methods.vcl", ["vcl"])
# text-to-image baselines
METHODS.declare("methods.base_model", ["base-model"])
METHODS.declare("methods.custom_diffusion", ["custom-diffusion-ewc", "custom-diffusion-seq"])
METHODS.declare("methods.custom_diffusion_merge", ["custom-diffusion-merge"])
METHODS.declare("methods.dreambooth", ["dreambooth"])
METHODS.declare("methods.generative_replay_t2i", ["generative-replay-t2i"])
METHODS.declare("methods.lora_single", ["lora-single"])
METHODS.declare("methods.textual_inversion", ["textual-inversion"])
METHODS.declare("methods.ziplora", ["ziplora"])
# class-cls track
METHODS.declare("methods.clora_vit", ["clora-vit"])
METHODS.declare("methods.finetune_cls", ["ft", "ftpp"])
METHODS.declare("methods.lwf", ["lwf"])
METHODS.declare("methods.prompting", ["coda-p", "dualprompt", "l2p"])
METHODS.declare("methods.upper_bound", ["upper-bound"])

# bounds that frame a table rather than compete in it (trained without the continual constraint:
# jointly on all data, or one model per task), so their forgetting is undefined and shown blank
BOUND_METHODS = frozenset({"upper-bound", "lora-single"})

__all__ = ["BOUND_METHODS", "METHODS", "Method", "TrainContext", "register_method"]


def __getattr__(name: str) -> Any:  # the base class imports torch: only when asked for
    if name in ("Method", "TrainContext", "register_method"):
        from methods import _base

        return getattr(_base, name)
    raise AttributeError(f"module 'methods' has no attribute {name!r}")
