"""The training loop shared by the LoRA family on the text-to-image track.

Per task: one new concept token (random init as C-LoRA, or a copy of a class word), LoRA on
the cross-attention K/V projections through peft (diffusers' adapter API), Adam on the
LoRA factors and the new token's embedding row only, and the bench's regularization images
(base-model samples of the class prompt) in every batch, as C-LoRA did for all methods.
Subclasses say what their paper changes: which adapter a task trains and how it starts
(`begin_task`), an extra loss term (`penalty`), and what happens to it after the task
(`end_task`: fold, merge, select).
"""

from __future__ import annotations

import abc

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from harness.errors import RunFailure
from harness.seeding import derive_seed, torch_generator
from methods._base import Method
from methods._diffusion import BatchStream

CROSS_ATTENTION_KV = r".*attn2\.(to_k|to_v)"


def lora_layers(unet: torch.nn.Module) -> dict[str, torch.nn.Module]:
    from peft.tuners.lora import LoraLayer  # peft and diffusers load only when a LoRA method runs

    return {name: module for name, module in unet.named_modules() if isinstance(module, LoraLayer)}


def target_layers(unet: torch.nn.Module, pattern: str) -> dict[str, torch.nn.Linear]:
    """The Linear layers an adapter with `pattern` wraps (peft full-matches module names)."""
    import re

    return {name: module for name, module in unet.named_modules() if isinstance(module, torch.nn.Linear) and re.fullmatch(pattern, name)}


class LoRAMethod(Method):
    """Base of the LoRA family; not registered."""

    tracks = frozenset({"t2i"})

    @dataclass(frozen=True)
    class Hparams:
        rank: int = 16
        target_modules: str = CROSS_ATTENTION_KV
        token_init: str = "random"
        token_init_word: str = "digit"
        prior_loss_weight: float = 1.0

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.unet = backbone.unet
        self.targets = target_layers(self.unet, hparams.target_modules)
        if not self.targets:
            raise RunFailure(f"LoRA target pattern {hparams.target_modules!r} matches no Linear layer of the UNet")
        self._exported: dict[str, torch.Tensor] | None = None
        self._regularization_latents: torch.Tensor | None = None

    # ---- adapters ----------------------------------------------------------------------------
    def add_adapter(self, name: str) -> None:
        """A new adapter with peft's gaussian init (A ~ N(0, 1/r), B = 0), drawn from a seeded stream."""
        from peft import LoraConfig

        config = LoraConfig(r=self.hparams.rank, lora_alpha=self.hparams.rank, init_lora_weights="gaussian", target_modules=self.hparams.target_modules)
        device = self.backbone.device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(derive_seed(self.context.seed, "lora-init", name))
            self.unet.add_adapter(config, adapter_name=name)

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

    def export_adapter(self, folder: Path) -> None:
        """This task's adapter in the diffusers LoRA format (pipe.load_lora_weights reads it)."""
        from diffusers import StableDiffusionPipeline

        if self._exported is None:
            raise RunFailure("no adapter to export: the method has not finished a task in this process")
        StableDiffusionPipeline.save_lora_weights(folder, unet_lora_layers=self._exported)

    # ---- parameter accounting (C-LoRA's N_param columns) ---------------------------------------------
    def adapter_size(self) -> int:
        return sum(self.hparams.rank * (layer.in_features + layer.out_features) for layer in self.targets.values())

    def dense_size(self) -> int:
        return sum(layer.in_features * layer.out_features for layer in self.targets.values())

    def stored_parameters(self) -> int:
        """Parameters kept between tasks beyond the frozen base UNet."""
        return self.dense_size()

    def parameter_counts(self) -> tuple[int, int, int]:
        """(trained per task, stored after this task, base UNet size), LoRA factors only."""
        lora = {id(p) for name, p in self.unet.named_parameters() if "lora_" in name}
        base = sum(p.numel() for p in self.unet.parameters() if id(p) not in lora)
        return self.adapter_size(), self.stored_parameters(), base

    # ---- hooks -------------------------------------------------------------------------------------
    @abc.abstractmethod
    def begin_task(self, index: int, generator: torch.Generator) -> str:
        """Make the task's adapter ready; returns its name."""

    def penalty(self, name: str) -> torch.Tensor | None:
        return None

    @abc.abstractmethod
    def end_task(self, index: int, name: str) -> None:
        """After the last step: export, then fold / merge / keep."""

    # ---- the loop ----------------------------------------------------------------------------------
    def _regularization(self) -> torch.Tensor | None:
        images = getattr(self.backbone, "regularization_images", None)
        if images is None:
            return None
        if self._regularization_latents is None:
            with torch.no_grad():
                self._regularization_latents = self.backbone.encode_images(images)
        return self._regularization_latents

    def learn(self, task) -> None:
        profile, hp, backbone = self.context.profile, self.hparams, self.backbone
        generator = torch_generator(self.context.seed, "train", task.index)
        token_id = backbone.add_concept_token(task.token, init="random" if hp.token_init == "random" else "word", init_word=hp.token_init_word, generator=generator)
        name = self.begin_task(task.index, generator)
        with torch.no_grad():
            latents = backbone.encode_images(task.train_images)
        embedding = backbone.token_embeddings().weight
        frozen_rows = torch.ones(embedding.shape[0], dtype=torch.bool, device=embedding.device)
        frozen_rows[token_id] = False
        kept = embedding.detach().clone()
        embedding.requires_grad_(True)
        lora = [p for key, p in self.unet.named_parameters() if f"lora_A.{name}." in key or f"lora_B.{name}." in key]
        for p in lora:
            p.requires_grad_(True)
        parameters = lora + [embedding]
        optimizer = torch.optim.Adam(parameters, lr=profile.lr)
        batches = BatchStream(latents, torch.arange(latents.shape[0]), profile.batch_size, generator)
        regularization = self._regularization()
        replay = None if regularization is None else BatchStream(regularization, torch.arange(regularization.shape[0]), profile.batch_size, generator)
        backbone.train()
        bar = tqdm(range(profile.steps_per_task), desc=f"train task {task.index + 1}", leave=False, disable=not self.context.progress)
        for step in bar:
            images, index = batches.next()
            prompts = [task.train_prompts[i] for i in index.tolist()]
            if replay is None:
                loss = backbone.loss(images, prompts, generator).mean()
            else:
                prior, _ = replay.next()
                losses = backbone.loss(torch.cat([images, prior]), prompts + [backbone.regularization_prompt] * prior.shape[0], generator)
                loss = losses[: images.shape[0]].mean() + hp.prior_loss_weight * losses[images.shape[0] :].mean()
            extra = self.penalty(name)
            if extra is not None:
                loss = loss + extra
            if not math.isfinite(loss.item()):
                raise RunFailure(f"loss became {loss.item()} at task {task.index + 1} step {step + 1} with lr={profile.lr}: lower the learning rate or the method's coefficients (--set key=value)")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            embedding.grad[frozen_rows] = 0.0
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            with torch.no_grad():
                embedding[frozen_rows] = kept[frozen_rows]
        embedding.requires_grad_(False)
        backbone.eval()
        for p in lora:
            p.requires_grad_(False)
        self.end_task(task.index, name)

    # ---- state ---------------------------------------------------------------------------------
    def extra_state(self) -> dict[str, torch.Tensor]:
        return {}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        pass

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {**super().state_dict(), **{f"method.{k}": v for k, v in self.extra_state().items()}}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.prepare_to_load(state)
        super().load_state_dict(state)
        self.load_extra_state({k[len("method."):]: v for k, v in state.items() if k.startswith("method.")})

    def prepare_to_load(self, state: dict[str, torch.Tensor]) -> None:
        """Hook: recreate adapters the saved state has (lora-seq keeps one between tasks)."""
