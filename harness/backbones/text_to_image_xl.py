"""Stable Diffusion XL in the same backbone interface: two CLIP text encoders, pooled text
embeddings and size/crop `time_ids` as extra UNet conditions, read from a local diffusers folder
(adds text_encoder_2/ and tokenizer_2/ to the SD layout).

Conditioning follows diffusers' StableDiffusionXLPipeline: the penultimate hidden states of both
encoders side by side, the projected pooled output of the second, time_ids (H, W, 0, 0, H, W) in
pixels, and zeros for the unconditional branch (`force_zeros_for_empty_prompt`, the pipeline's
default). A custom token is added to both tokenizers; the LoRA family's loop trains the first
encoder's row (`token_embeddings`), the second keeps its initial row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

from core.errors import RunFailure
from harness.backbones.text_to_image import TextToImageDiffusion


class StableDiffusionXL(TextToImageDiffusion):
    def __init__(self, unet: UNet2DConditionModel, text_encoder: CLIPTextModel, tokenizer: CLIPTokenizer, scheduler: DDPMScheduler,
                 vae: AutoencoderKL | None, text_encoder_2: CLIPTextModelWithProjection, tokenizer_2: CLIPTokenizer) -> None:
        super().__init__(unet, text_encoder, tokenizer, scheduler, vae)
        self.text_encoder_2, self.tokenizer_2 = text_encoder_2, tokenizer_2
        self.requires_grad_(False)

    @property
    def pixel_size(self) -> tuple[int, int]:
        scale = 2 ** (len(self.vae.config.block_out_channels) - 1) if self.vae is not None else 1
        _, height, width = self.latent_shape
        return height * scale, width * scale

    def add_concept_token(self, token: str, init: str = "random", init_word: str | None = None, generator: torch.Generator | None = None) -> int:
        known = token in self.concept_tokens
        token_id = super().add_concept_token(token, init, init_word, generator)
        if known:
            return token_id
        if self.tokenizer_2.add_tokens([token]) != 1:
            raise RunFailure(f"concept token {token!r} is already a word of the second tokenizer: pick a token name it does not know")
        with torch.random.fork_rng(devices=[]):
            self.text_encoder_2.resize_token_embeddings(len(self.tokenizer_2), mean_resizing=False)
        second_id = self.tokenizer_2.convert_tokens_to_ids(token)
        weight = self.text_encoder_2.get_input_embeddings().weight
        with torch.no_grad():
            if init == "random":
                weight[second_id] = torch.randn(weight.shape[1], generator=generator).to(weight) * weight[:second_id].std()
            else:
                weight[second_id] = weight[self.tokenizer_2(init_word, add_special_tokens=False).input_ids[0]]
        return token_id

    def condition(self, prompts: list[str]) -> dict[str, Any]:
        hidden = []
        for tokenizer, encoder in ((self.tokenizer, self.text_encoder), (self.tokenizer_2, self.text_encoder_2)):
            ids = tokenizer(prompts, padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt").input_ids
            output = encoder(ids.to(self.device), output_hidden_states=True)
            hidden.append(output.hidden_states[-2])
        pooled = output.text_embeds
        height, width = self.pixel_size
        time_ids = torch.tensor([[height, width, 0, 0, height, width]], dtype=pooled.dtype, device=self.device).repeat(len(prompts), 1)
        return {"encoder_hidden_states": torch.cat(hidden, dim=-1), "added_cond_kwargs": {"text_embeds": pooled, "time_ids": time_ids}}

    def unconditional(self, count: int) -> dict[str, Any]:
        conditioning = self.condition([""] * count)
        added = conditioning["added_cond_kwargs"]
        return {"encoder_hidden_states": torch.zeros_like(conditioning["encoder_hidden_states"]),
                "added_cond_kwargs": {"text_embeds": torch.zeros_like(added["text_embeds"]), "time_ids": added["time_ids"]}}

    def save_folder(self, folder: Path) -> None:
        super().save_folder(folder)
        self.text_encoder_2.save_pretrained(folder / "text_encoder_2")
        self.tokenizer_2.save_pretrained(folder / "tokenizer_2")


def load_xl_parts(folder: Path, dtype: torch.dtype) -> tuple[CLIPTextModelWithProjection, CLIPTokenizer]:
    return CLIPTextModelWithProjection.from_pretrained(folder / "text_encoder_2", torch_dtype=dtype), CLIPTokenizer.from_pretrained(folder / "tokenizer_2")
