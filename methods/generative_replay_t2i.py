"""Deep generative replay (Shin et al., 2017) engineered onto Custom Diffusion, as C-LoRA ran it.

Before each new concept, the current model samples `replay_per_concept` images of every past
concept from that concept's prompt (deterministic DDIM with the bench's sampling steps, seeded
starting noise); while the new concept trains, each batch adds as many replayed (image, prompt)
pairs as it has new-concept images, averaged into one diffusion loss, beside the regularization
images. K/V and the token train as in Custom Diffusion; no real past data is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from harness.hparams import hparam
from methods._base import register_method
from methods._concept import strings_to_tensor, tensor_to_strings
from methods.custom_diffusion import CustomDiffusionMethod


@register_method("generative-replay-t2i")
class GenerativeReplayT2I(CustomDiffusionMethod):
    """Generative replay on Custom Diffusion: the model's own samples of past concepts join each batch."""

    @dataclass(frozen=True)
    class Hparams(CustomDiffusionMethod.Hparams):
        replay_per_concept: int = hparam(30, ge=1)  # the bench's real images per concept

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.past_prompts: list[str] = []
        self.replay: tuple[torch.Tensor, list[str]] | None = None

    def prepare_task(self, task, generator: torch.Generator) -> None:
        self.replay = None
        if self.past_prompts:
            count = self.hparams.replay_per_concept
            prompts = [prompt for prompt in self.past_prompts for _ in range(count)]
            noise = torch.randn((len(prompts), *self.backbone.latent_shape), generator=generator)
            self.backbone.eval()
            images = self.backbone.sample(prompts, noise, self.context.profile.sampling_steps)
            self.replay = (self.encode(images, "replay", len(self.past_prompts)), prompts)
        self.past_prompts.append(task.train_prompts[0])

    def replay_batch(self, generator: torch.Generator) -> tuple[torch.Tensor, list[str]] | None:
        if self.replay is None:
            return None
        latents, prompts = self.replay
        index = torch.randint(0, latents.shape[0], (min(self.context.profile.batch_size, latents.shape[0]),), generator=generator)
        return latents[index], [prompts[i] for i in index.tolist()]

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {"past_prompts": strings_to_tensor(self.past_prompts)}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        self.past_prompts = tensor_to_strings(state.get("past_prompts"))
