"""The LoRA family's adapters on the text-to-image track (the loop is `ConceptMethod`'s).

LoRA through peft (diffusers' adapter API), by default on the cross-attention K/V projections
(C-LoRA's; the LoRA-merging study's benches set `ATTENTION_QKVO` at rank 64 through their
`method_hparams`), trained with the new token's embedding row where the bench has one; each task's adapter exported in the diffusers LoRA format.
Subclasses say which adapter a task trains (`adapter_name`) and how it starts (`before_task`), an extra loss
term (`penalty`), and what happens to it after the task (`after_task`: fold, merge, select).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from core.errors import RunFailure
from core.seeding import derive_seed
from harness.hparams import hparam
from methods._concept import CROSS_ATTENTION_KV, ConceptMethod, dense_size, target_layers

__all__ = ["ATTENTION_QKVO", "CROSS_ATTENTION_KV", "LoRAMethod", "TOKEN_EMBEDDING_FILE", "lora_layers", "target_layers"]

TOKEN_EMBEDDING_FILE = "learned_embeds.safetensors"  # diffusers' textual inversion file name
# The LoRA-merging study's targets: q, k, v and out of every attention layer (self and cross), its
# LoraConfig(target_modules=["to_k", "to_q", "to_v", "to_out.0"]), which peft matches as name suffixes
# (luk-st/continual-lora eb586cd, lora/train_dreambooth_lora_sdxl.py line 1451)
ATTENTION_QKVO = r".*\.(to_q|to_k|to_v|to_out\.0)"


def lora_layers(unet: torch.nn.Module) -> dict[str, torch.nn.Module]:
    from peft.tuners.lora import LoraLayer  # peft and diffusers load only when a LoRA method runs

    return {name: module for name, module in unet.named_modules() if isinstance(module, LoraLayer)}


class LoRAMethod(ConceptMethod):
    """Base of the LoRA family; not registered."""

    @dataclass(frozen=True)
    class Hparams(ConceptMethod.Hparams):
        rank: int = 16
        target_modules: str = CROSS_ATTENTION_KV
        lr_scale: float = hparam(1.0, gt=0, omit_at_default=True, note="times the bench's learning rate (a bench's method_hparams tune it per method)")

    def learning_rate(self, task) -> float:
        return self.context.profile.lr * self.hparams.lr_scale

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.targets = target_layers(self.unet, hparams.target_modules)
        if not self.targets:
            raise RunFailure(f"LoRA target pattern {hparams.target_modules!r} matches no Linear layer of the UNet")
        self._exported: dict[str, torch.Tensor] | None = None

    # ---- adapters ----------------------------------------------------------------------------
    def add_adapter(self, name: str) -> None:
        """A new adapter with peft's gaussian init (A ~ N(0, 1/r), B = 0), drawn from a seeded stream."""
        from peft import LoraConfig

        config = LoraConfig(r=self.hparams.rank, lora_alpha=self.hparams.rank, init_lora_weights="gaussian", target_modules=self.hparams.target_modules)
        device = self.backbone.device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(derive_seed(self.context.seed, "lora-init", name))
            self.unet.add_adapter(config, adapter_name=name)

    def task_parameters(self, name: str) -> list[torch.nn.Parameter]:
        return [p for key, p in self.unet.named_parameters() if f"lora_A.{name}." in key or f"lora_B.{name}." in key]

    def deltas(self, name: str) -> dict[str, torch.Tensor]:
        """B A * scaling of adapter `name`, per targeted layer (differentiable)."""
        return {layer_name: layer.get_delta_weight(name) for layer_name, layer in lora_layers(self.unet).items()}

    def fold(self, name: str, deltas: dict[str, torch.Tensor] | None = None) -> None:
        """Add the adapter's product (or the given deltas) into the base weights, then drop the adapter."""
        deltas = deltas if deltas is not None else {key: value.detach() for key, value in self.deltas(name).items()}
        with torch.no_grad():
            for layer_name, layer in lora_layers(self.unet).items():
                layer.base_layer.weight += deltas[layer_name].to(layer.base_layer.weight.dtype)
        self.unet.delete_adapters(name)
        self.unet.unload_lora()

    def snapshot_for_export(self, name: str) -> None:
        from diffusers.utils import convert_state_dict_to_diffusers
        from peft.utils import get_peft_model_state_dict

        state = get_peft_model_state_dict(self.unet, adapter_name=name)
        self._exported = {key: value.detach().cpu().clone() for key, value in convert_state_dict_to_diffusers(state).items()}

    def export_adapter(self, folder: Path) -> str:
        """This task's adapter in the diffusers LoRA format (pipe.load_lora_weights reads it), and its
        concept token's embedding row as diffusers' textual inversion file (pipe.load_textual_inversion)."""
        from diffusers import StableDiffusionPipeline
        from safetensors.torch import save_file

        if self._exported is None:
            raise RunFailure("no adapter to export: the method has not finished a task in this process")
        StableDiffusionPipeline.save_lora_weights(folder, unet_lora_layers=self._exported)
        token = self.backbone.concept_tokens[-1]
        row = self.backbone.token_embeddings().weight[self.backbone.tokenizer.convert_tokens_to_ids(token)]
        save_file({token: row.detach().cpu().clone()}, str(Path(folder) / TOKEN_EMBEDDING_FILE))
        return "pytorch_lora_weights.safetensors"

    # ---- parameter accounting (C-LoRA's N_param columns) ---------------------------------------------
    def adapter_size(self) -> int:
        return sum(self.hparams.rank * (layer.in_features + layer.out_features) for layer in self.targets.values())

    def dense_size(self) -> int:
        return dense_size(self.targets)

    def trained_parameters(self) -> int:
        return self.adapter_size()

    def stored_parameters(self) -> int:
        return self.dense_size()
