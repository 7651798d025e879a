"""Text-to-image latent (or pixel) diffusion in the Stable Diffusion layout (diffusers).

One class serves Stable Diffusion 1.x / SDXL-class UNets read from a local diffusers folder
(unet/, text_encoder/, tokenizer/, scheduler/, vae/) and the embedded tiny pixel-space model,
saved in the same layout with no vae/ folder (pixel space). Custom concept tokens are added
to the tokenizer and the text encoder's input embeddings; their names travel in the state
dict so a resumed run rebuilds the same vocabulary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from diffusers.utils import logging as diffusers_logging
from transformers import CLIPTextModel, CLIPTokenizer
from transformers.utils import logging as transformers_logging

from core.errors import RunFailure
from harness.backbones.samplers import DEFAULT_SAMPLER, Sampler
from harness.backbones.t2i_compute import ComputeOptions

transformers_logging.disable_progress_bar()
diffusers_logging.disable_progress_bar()

LAYOUT = ("unet/ (config.json + weights), text_encoder/ (config.json + weights), tokenizer/ (vocab.json + merges.txt), scheduler/ (scheduler_config.json), "
          "vae/ (optional: absent means pixel space), text_encoder_2/ + tokenizer_2/ (SDXL only)")
TOKENS_KEY = "concept_tokens"


def check_layout(folder: Path) -> None:
    """One error line naming the expected layout when a diffusers folder is missing or partial."""
    required = {"unet": ("config.json",), "text_encoder": ("config.json",), "tokenizer": ("vocab.json", "merges.txt"), "scheduler": ("scheduler_config.json",)}
    if not folder.is_dir():
        raise RunFailure(f"model folder {folder} does not exist: expected a diffusers folder with {LAYOUT}")
    missing = [f"{sub}/{name}" for sub, names in required.items() for name in names if not (folder / sub / name).is_file()]
    missing += [f"{sub}/ weights" for sub in ("unet", "text_encoder") if (folder / sub).is_dir() and not any((folder / sub).glob("*.safetensors")) and not any((folder / sub).glob("*.bin"))]
    if (folder / "vae").is_dir() and not (folder / "vae" / "config.json").is_file():
        missing.append("vae/config.json")
    if (folder / "text_encoder_2").is_dir() or (folder / "tokenizer_2").is_dir():
        missing += [f"{sub}/{name}" for sub, name in (("text_encoder_2", "config.json"), ("tokenizer_2", "vocab.json"), ("tokenizer_2", "merges.txt"))
                    if not (folder / sub / name).is_file()]
    if missing:
        raise RunFailure(f"model folder {folder} is incomplete (missing {', '.join(missing)}): expected {LAYOUT}")


def stack_conditions(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two conditioning batches as one (tensors concatenated along the batch, nested dicts alike)."""
    return {key: stack_conditions(value, second[key]) if isinstance(value, dict) else torch.cat([value, second[key]])
            for key, value in first.items()}


def text_transformer(text_encoder: CLIPTextModel) -> torch.nn.Module:
    """transformers >= 5.6 flattened CLIPTextModel (no `.text_model`); older versions nest it."""
    return text_encoder.text_model if hasattr(text_encoder, "text_model") else text_encoder


class TextToImageDiffusion(torch.nn.Module):
    """UNet2DConditionModel + CLIP text encoder + tokenizer + noise schedule (+ optional VAE)."""

    def __init__(self, unet: UNet2DConditionModel, text_encoder: CLIPTextModel, tokenizer: CLIPTokenizer,
                 scheduler: DDPMScheduler, vae: AutoencoderKL | None = None) -> None:
        super().__init__()
        self.unet, self.text_encoder, self.vae = unet, text_encoder, vae
        self.tokenizer, self.scheduler = tokenizer, scheduler
        self.concept_tokens: list[str] = []
        self.compute = ComputeOptions()
        self.requires_grad_(False)

    def use_compute(self, options: ComputeOptions) -> None:
        """bf16 autocast (CUDA only) and UNet gradient checkpointing, as the bench's backbone asks."""
        self.compute = options
        if options.gradient_checkpointing:
            self.unet.enable_gradient_checkpointing()

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    @property
    def latent_shape(self) -> tuple[int, int, int]:
        size = self.unet.config.sample_size
        height, width = (size, size) if isinstance(size, int) else tuple(size)
        return (self.unet.config.in_channels, height, width)

    # ---- tokens -------------------------------------------------------------------------
    def token_embeddings(self) -> torch.nn.Embedding:
        return self.text_encoder.get_input_embeddings()

    def add_concept_token(self, token: str, init: str = "random", init_word: str | None = None, generator: torch.Generator | None = None) -> int:
        """Add one new token; its embedding row is random (C-LoRA) or a copy of `init_word`'s row."""
        if token in self.concept_tokens:
            return self.tokenizer.convert_tokens_to_ids(token)
        if self.tokenizer.add_tokens([token]) != 1:
            raise RunFailure(f"concept token {token!r} is already a word of the tokenizer: pick a token name it does not know")
        self.concept_tokens.append(token)
        with torch.random.fork_rng(devices=[]):  # the new row is overwritten below; keep the global stream untouched
            self.text_encoder.resize_token_embeddings(len(self.tokenizer), mean_resizing=False)
        token_id = self.tokenizer.convert_tokens_to_ids(token)
        weight = self.token_embeddings().weight
        with torch.no_grad():
            if init == "random":
                noise = torch.randn(weight.shape[1], generator=generator).to(weight)
                weight[token_id] = noise * weight[:token_id].std()
            elif init == "word":
                ids = self.tokenizer(init_word, add_special_tokens=False).input_ids
                if len(ids) != 1:
                    raise RunFailure(f"token init word {init_word!r} is {len(ids)} tokens; it must be exactly one")
                weight[token_id] = weight[ids[0]]
            else:
                raise RunFailure(f"unknown token init {init!r}: use random or word")
        return token_id

    # ---- conditioning ---------------------------------------------------------------------
    def encode_prompts(self, prompts: list[str]) -> torch.Tensor:
        ids = self.tokenizer(prompts, padding="max_length", max_length=self.tokenizer.model_max_length,
                             truncation=True, return_tensors="pt").input_ids.to(self.device)
        return self.text_encoder(ids)[0]

    def condition(self, prompts: list[str]) -> dict[str, Any]:
        """The UNet's text conditioning keyword arguments for these prompts."""
        return {"encoder_hidden_states": self.encode_prompts(prompts)}

    def unconditional(self, count: int) -> dict[str, Any]:
        """Classifier-free guidance's unconditional branch: the empty prompt."""
        return self.condition([""] * count)

    def encode_images(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Images in [-1, 1] to the UNet's space: VAE latents drawn from the encoder's posterior with
        `generator` (a CPU generator; the global RNG is never read), or the pixels themselves."""
        images = images.to(self.device)
        if self.vae is None:
            return images
        return self.vae.encode(images.to(self.vae.dtype)).latent_dist.sample(generator=generator) * self.vae.config.scaling_factor

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        if self.vae is None:
            return latents
        return self.vae.decode(latents / self.vae.config.scaling_factor).sample

    # ---- training and sampling --------------------------------------------------------------
    def loss(self, latents: torch.Tensor, prompts: list[str], generator: torch.Generator) -> torch.Tensor:
        """Per-example epsilon (or v) prediction loss given encoded images."""
        latents = latents.to(self.device)
        noise = torch.randn(latents.shape, generator=generator).to(latents)
        timesteps = torch.randint(0, self.scheduler.config.num_train_timesteps, (latents.shape[0],), generator=generator).to(self.device)
        noisy = self.scheduler.add_noise(latents, noise, timesteps)
        with self.compute.autocast(self.device):
            predicted = self.unet(noisy, timesteps, **self.condition(prompts)).sample
        target = noise if self.scheduler.config.prediction_type == "epsilon" else self.scheduler.get_velocity(latents, noise, timesteps)
        return F.mse_loss(predicted.float(), target.float(), reduction="none").flatten(1).mean(1)

    @torch.no_grad()
    def sample(self, prompts: list[str], noise: torch.Tensor, num_steps: int, guidance_scale: float = 1.0, batch_size: int = 256,
               sampler: Sampler = DEFAULT_SAMPLER, noise_seeds: list[int] | None = None) -> torch.Tensor:
        """Images in [-1, 1] from the given starting noise with the named sampler (deterministic DDIM
        by default); a stochastic sampler draws sample k's per-step noise from `noise_seeds[k]`."""
        if sampler.stochastic and (noise_seeds is None or len(noise_seeds) != len(prompts)):
            raise RunFailure(f"sampler {sampler.describe()} draws noise at every step: pass one noise seed per prompt")
        outputs = []
        for start in range(0, len(prompts), batch_size):
            stop = start + batch_size
            streams = None if noise_seeds is None else [torch.Generator().manual_seed(s) for s in noise_seeds[start:stop]]
            outputs.append(self._sample_batch(prompts[start:stop], noise[start:stop], num_steps, guidance_scale, sampler, streams))
        return torch.cat(outputs)

    def _sample_batch(self, prompts: list[str], noise: torch.Tensor, num_steps: int, guidance_scale: float,
                      sampler: Sampler, streams: list[torch.Generator] | None) -> torch.Tensor:
        with self.compute.autocast(self.device):
            return self._denoise(prompts, noise, num_steps, guidance_scale, sampler, streams)

    def _denoise(self, prompts: list[str], noise: torch.Tensor, num_steps: int, guidance_scale: float,
                 sampler: Sampler, streams: list[torch.Generator] | None) -> torch.Tensor:
        scheduler = sampler.scheduler(self.scheduler.config, num_steps)
        conditioning = self.condition(prompts)
        if guidance_scale != 1.0:
            conditioning = stack_conditions(self.unconditional(len(prompts)), conditioning)
        latents = noise.to(self.device, self.unet.dtype) * scheduler.init_noise_sigma  # autocast leaves the scheduler's arithmetic in the model dtype
        for t in scheduler.timesteps:
            model_input = torch.cat([latents, latents]) if guidance_scale != 1.0 else latents
            model_input = scheduler.scale_model_input(model_input, t)
            predicted = self.unet(model_input, t.to(self.device), **conditioning).sample.to(latents.dtype)
            if guidance_scale != 1.0:
                unconditional, conditional = predicted.chunk(2)
                predicted = unconditional + guidance_scale * (conditional - unconditional)
            latents = sampler.step(scheduler, predicted, t, latents, streams)
        return self.decode(latents).float().clamp(-1.0, 1.0).cpu()

    # ---- state ------------------------------------------------------------------------------
    def state_dict(self, *args, **kwargs):  # type: ignore[override]
        state = super().state_dict(*args, **kwargs)
        prefix = kwargs.get("prefix", "")
        state[prefix + TOKENS_KEY] = torch.tensor(list("\n".join(self.concept_tokens).encode()), dtype=torch.uint8)
        return state

    def load_state_dict(self, state, strict: bool = True, assign: bool = False):  # type: ignore[override]
        state = dict(state)
        encoded = state.pop(TOKENS_KEY, None)
        if encoded is not None and encoded.numel():
            for token in bytes(encoded.tolist()).decode().split("\n"):
                self.add_concept_token(token)
        return super().load_state_dict(state, strict=strict, assign=assign)

    def save_folder(self, folder: Path) -> None:
        """Save in the diffusers folder layout (vae/ only when the model has one)."""
        self.unet.save_pretrained(folder / "unet")
        self.text_encoder.save_pretrained(folder / "text_encoder")
        self.tokenizer.save_pretrained(folder / "tokenizer")
        self.scheduler.save_pretrained(folder / "scheduler")
        if self.vae is not None:
            self.vae.save_pretrained(folder / "vae")
