"""The training loop every text-to-image customization method shares (track `t2i`).

Per task: one new concept token (random init as C-LoRA, or a copy of a class word), the
parameters the method unlocks (`task_parameters`: LoRA factors, cross-attention K/V, the
whole UNet, or nothing), optionally the new token's embedding row (`trains_token`), Adam at
the bench's learning rate, and the bench's regularization images (base-model samples of the
class prompt) in every batch with `prior_loss_weight`, as C-LoRA ran every method. Hooks:
`before_task` (make the task's parameters ready), `penalty` (an extra loss term),
`replay_batch` (extra (latents, prompts) mixed into each batch), `after_task` (fold, merge,
select) and the parameter accounting of C-LoRA's N_param columns.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

import torch
from tqdm.auto import tqdm

from core.errors import RunFailure
from core.seeding import torch_generator
from core.task_names import task_name
from methods._base import Method, ParameterCounts
from methods._diffusion import BatchStream
from methods._optim import adam
from methods._train_step import LossCheck, optimizer_step

CROSS_ATTENTION_KV = r".*attn2\.(to_k|to_v)"


def target_layers(unet: torch.nn.Module, pattern: str) -> dict[str, torch.nn.Linear]:
    """The Linear layers whose full module name matches `pattern` (as peft matches target_modules)."""
    import re

    return {name: module for name, module in unet.named_modules() if isinstance(module, torch.nn.Linear) and re.fullmatch(pattern, name)}


def dense_size(layers: dict[str, torch.nn.Linear]) -> int:
    return sum(layer.in_features * layer.out_features for layer in layers.values())


class ConceptMethod(Method):
    """Base of the t2i customization methods; not registered."""

    tracks = frozenset({"t2i"})
    trains_token: ClassVar[bool] = True

    @dataclass(frozen=True)
    class Hparams:
        token_init: str = "random"
        token_init_word: str = "digit"
        prior_loss_weight: float = 1.0

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.unet = backbone.unet
        self._regularization_latents: torch.Tensor | None = None
        self._task_latents: tuple[int, torch.Tensor] | None = None

    # ---- parameter accounting (C-LoRA's N_param columns, UNet parameters only) --------------------
    def trained_parameters(self) -> int:
        """UNet parameters unlocked while training one task."""
        return 0

    def stored_parameters(self) -> int:
        """Parameters kept between tasks beyond the frozen base UNet."""
        return 0

    def base_size(self) -> int:
        return sum(p.numel() for name, p in self.unet.named_parameters() if "lora_" not in name)

    def parameter_counts(self) -> ParameterCounts:
        """(trained per task, stored after this task, base UNet size)."""
        return ParameterCounts(self.trained_parameters(), self.stored_parameters(), self.base_size())

    def tasks_done(self) -> int:
        return len(self.backbone.concept_tokens)

    # ---- hooks -------------------------------------------------------------------------------------
    def learning_rate(self, task) -> float:
        """Adam's step size on `task`: the bench profile's unless the method scales it (`lr_scale`)."""
        return self.context.profile.lr

    def adapter_name(self, task) -> str:
        """The name of the parameters `task` trains (`task_parameters`, `penalty`): one per task by default."""
        return task_name(task.index)

    @abc.abstractmethod
    def task_parameters(self, name: str) -> list[torch.nn.Parameter]:
        """The backbone parameters this task trains besides the token row."""

    def penalty(self, name: str) -> torch.Tensor | None:
        return None

    def prepare_task(self, task, generator: torch.Generator) -> None:
        """Before the new concept's token exists in training (generative replay samples here)."""

    def replay_batch(self, generator: torch.Generator) -> tuple[torch.Tensor, list[str]] | None:
        return None

    # ---- the loop ----------------------------------------------------------------------------------
    def encode(self, images: torch.Tensor, *purpose: object) -> torch.Tensor:
        """VAE latents of `images`, the posterior sample seeded by (seed, "vae-latents", *purpose)."""
        with torch.no_grad():
            return self.backbone.encode_images(images, torch_generator(self.context.seed, "vae-latents", *purpose))

    def task_latents(self, task) -> torch.Tensor:
        """The latents of `task`'s training images, encoded once for the task's training and its after-steps."""
        if self._task_latents is None or self._task_latents[0] != task.index:
            self._task_latents = (task.index, self.encode(task.train_images, task.index))
        return self._task_latents[1]

    def _regularization(self) -> torch.Tensor | None:
        regularization = self.context.regularization
        images = None if regularization is None else regularization.images
        if images is None:
            return None
        if self._regularization_latents is None:
            self._regularization_latents = self.encode(images, "regularization")
        return self._regularization_latents

    def learn(self, task) -> None:
        profile, hp, backbone = self.context.profile, self.hparams, self.backbone
        generator = torch_generator(self.context.seed, "train", task.index)
        self.prepare_task(task, generator)
        # a task whose token is a known word (the LoRA-merging study's benches) adds no token and trains no embedding row
        custom_token = getattr(task, "custom_token", True)
        trains_token = self.trains_token and custom_token
        if custom_token:
            token_id = backbone.add_concept_token(task.token, init="random" if hp.token_init == "random" else "word", init_word=hp.token_init_word, generator=generator)
        self.before_task(task, generator)
        name = self.adapter_name(task)
        latents = self.task_latents(task)
        embedding = backbone.token_embeddings().weight
        trained = self.task_parameters(name)
        for p in trained:
            p.requires_grad_(True)
        parameters = trained + ([embedding] if trains_token else [])
        if not parameters:
            fixed = "" if custom_token else f" (the bench's token {task.token!r} is a fixed word, never trained)"
            raise RunFailure(f"method {self.name} trains no parameter{fixed}")
        if trains_token:
            frozen_rows = torch.ones(embedding.shape[0], dtype=torch.bool, device=embedding.device)
            frozen_rows[token_id] = False
            kept = embedding.detach().clone()
            embedding.requires_grad_(True)

            def only_the_new_row() -> None:
                embedding.grad[frozen_rows] = 0.0
        lr = self.learning_rate(task)
        optimizer = adam(parameters, lr=lr)
        check = LossCheck(self.context.device, profile.steps_per_task, f"task {task.index + 1}", lr)
        batches = BatchStream(latents, torch.arange(latents.shape[0]), profile.batch_size, generator)
        regularization = self._regularization()
        prior_stream = None if regularization is None else BatchStream(regularization, torch.arange(regularization.shape[0]), profile.batch_size, generator)
        phrasing = self.prompt_phrasing()
        backbone.train()
        bar = tqdm(range(profile.steps_per_task), desc=f"train task {task.index + 1}", leave=False, disable=not self.context.progress)
        for step in bar:
            images, index = batches.next()
            prompts = [task.train_prompts[i] for i in index.tolist()]
            extra = self.replay_batch(generator)
            if extra is not None:
                images, prompts = torch.cat([images, extra[0]]), prompts + extra[1]
            if prior_stream is not None:
                prior, _ = prior_stream.next()
                prompts = prompts + [self.context.regularization.prompt] * prior.shape[0]
            prompts = [phrasing.apply(prompt, backbone.concept_tokens) for prompt in prompts]
            if prior_stream is None:
                loss = backbone.loss(images, prompts, generator).mean()
            else:
                losses = backbone.loss(torch.cat([images, prior]), prompts, generator)
                loss = losses[: images.shape[0]].mean() + hp.prior_loss_weight * losses[images.shape[0] :].mean()
            term = self.penalty(name)
            if term is not None:
                loss = loss + term
            check(loss, step)
            optimizer_step(optimizer, parameters, loss, only_the_new_row if trains_token else None)
            if trains_token:
                with torch.no_grad():
                    embedding[frozen_rows] = kept[frozen_rows]
        embedding.requires_grad_(False)
        backbone.eval()
        for p in trained:
            p.requires_grad_(False)
        self.after_task(task, generator)

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


def strings_to_tensor(strings: list[str]) -> torch.Tensor:
    """A list of strings (no NUL inside) as a uint8 tensor, for method state that must survive resume."""
    return torch.tensor(list("\0".join(strings).encode()), dtype=torch.uint8)


def tensor_to_strings(encoded: torch.Tensor | None) -> list[str]:
    if encoded is None or not encoded.numel():
        return []
    return bytes(encoded.tolist()).decode().split("\0")
