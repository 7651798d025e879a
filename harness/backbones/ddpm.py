"""Class-conditional pixel DDPM (Ho et al., 2020) on diffusers' UNet2DModel.

Trained with the simplified epsilon loss (L_simple); evaluated with deterministic DDIM
sampling (eta = 0). The class embedding is added to the timestep embedding.

Classifier-free guidance (Ho & Salimans, 2022), off by default: with `label_dropout` p > 0 each
training label is replaced by a learned null label (index num_classes) with probability p, and
sampling uses eq. (4) of the VCL diffusion study, eps = (1 + w) eps(x, y) - w eps(x, null), with
w = `guidance_weight`. A stochastic UNet may return K weight draws stacked along the batch
(VCL's batched Monte Carlo pass); the per-example loss is then the mean over the draws.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Literal, Mapping

import torch
from diffusers import DDIMScheduler, DDPMScheduler

from harness.backbones._registry import BACKBONES
from pydantic import Field

from harness.backbones._unet import Channels, LayersPerBlock, NormGroups, PixelUNetModel
from core.errors import UsageError


class ClassConditionalDDPM(PixelUNetModel):
    def __init__(
        self,
        image_shape: tuple[int, int, int],
        num_classes: int,
        num_train_timesteps: int = 1000,
        beta_schedule: str = "linear",
        label_dropout: float = 0.0,
        guidance_weight: float = 0.0,
        **unet_shape: Any,  # block_out_channels, layers_per_block, norm_num_groups (see _unet.py)
    ) -> None:
        if not 0.0 <= label_dropout < 1.0 or guidance_weight < 0.0:
            raise UsageError(f"ddpm-unet label_dropout must be in [0, 1) and guidance_weight >= 0, got {label_dropout} and {guidance_weight}")
        if guidance_weight > 0.0 and label_dropout == 0.0:
            raise UsageError("ddpm-unet guidance_weight > 0 needs label_dropout > 0 (the unconditional model is trained by dropping labels)")
        super().__init__(image_shape, num_classes, num_classes + (1 if label_dropout > 0 else 0), **unet_shape)
        self.label_dropout, self.guidance_weight = label_dropout, guidance_weight
        self.scheduler = DDPMScheduler(num_train_timesteps=num_train_timesteps, beta_schedule=beta_schedule, clip_sample=True)
        self.num_train_timesteps = num_train_timesteps

    def predict_noise(self, noisy: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.unet(noisy, timesteps, class_labels=labels).sample

    @property
    def null_label(self) -> int:
        return self.num_classes

    def training_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """`labels`, each replaced by the null label with probability `label_dropout`."""
        if self.label_dropout == 0.0:
            return labels
        dropped = torch.rand(labels.shape, generator=generator) < self.label_dropout
        return torch.where(dropped, torch.full_like(labels, self.null_label), labels)

    def loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator, timesteps: torch.Tensor | None = None) -> torch.Tensor:
        """Per-example L_simple: mean over pixels (and weight draws) of ||eps - eps_theta(x_t, t, y)||^2,
        at random timesteps unless `timesteps` are given."""
        n = images.shape[0]
        noise = torch.randn(images.shape, generator=generator).to(self.device)
        if timesteps is None:
            timesteps = torch.randint(0, self.num_train_timesteps, (n,), generator=generator)
        timesteps = timesteps.to(self.device)
        labels = self.training_labels(labels.cpu(), generator) if self.training else labels
        noisy = self.scheduler.add_noise(images.to(self.device), noise, timesteps)
        predicted = self.predict_noise(noisy, timesteps, labels.to(self.device))
        draws = predicted.reshape(-1, *noise.shape)  # [K, n, C, H, W]; K = 1 for a point-estimate UNet
        return (draws - noise).pow(2).flatten(2).mean(2).mean(0)

    def guided_noise(self, noisy: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """eps(x, y), or with guidance (1 + w) eps(x, y) - w eps(x, null) from one doubled batch."""
        if self.guidance_weight == 0.0:
            return self.predict_noise(noisy, timesteps, labels)
        null = torch.full_like(labels, self.null_label)
        both = self.predict_noise(torch.cat([noisy, noisy]), torch.cat([timesteps, timesteps]), torch.cat([labels, null]))
        conditional, unconditional = both.chunk(2)
        return (1.0 + self.guidance_weight) * conditional - self.guidance_weight * unconditional

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, num_steps: int, generator: torch.Generator) -> torch.Tensor:
        """Deterministic DDIM (eta = 0) samples in [-1, 1], one per label."""
        ddim = ddim_scheduler(self.scheduler.config)
        ddim.set_timesteps(num_steps)
        labels = labels.to(self.device)
        images = torch.randn((labels.shape[0], *self.image_shape), generator=generator).to(self.device)
        for t in ddim.timesteps:
            noise = self.guided_noise(images, t.expand(labels.shape[0]).to(self.device), labels)
            images = ddim.step(noise, t, images, eta=0.0).prev_sample
        return images.clamp(-1.0, 1.0)


def ddim_scheduler(train_config: Mapping[str, Any]) -> DDIMScheduler:
    """DDIM on the training scheduler's noise schedule: `DDIMScheduler.from_config(train_config)`, built from
    the config keys DDIM's constructor takes, without from_config's import of every compatible scheduler
    class (one of them loads scipy.stats, ~0.7 s of a class-gen process's start-up)."""
    accepted = inspect.signature(DDIMScheduler.__init__).parameters
    return DDIMScheduler(**{key: value for key, value in train_config.items() if key in accepted})


@BACKBONES.register("ddpm-unet")
def ddpm_unet(image_shape: tuple[int, int, int], num_classes: int, num_train_timesteps: Annotated[int, Field(strict=True, ge=2, le=100_000)] = 1000,
              beta_schedule: Literal["linear", "scaled_linear", "squaredcos_cap_v2"] = "linear",
              label_dropout: Annotated[float, Field(ge=0, lt=1)] = 0.0, guidance_weight: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0,
              block_out_channels: Channels = (32, 64), layers_per_block: LayersPerBlock = 1, norm_num_groups: NormGroups = 8) -> ClassConditionalDDPM:
    return ClassConditionalDDPM(image_shape=image_shape, num_classes=num_classes, num_train_timesteps=num_train_timesteps, beta_schedule=beta_schedule,
                                label_dropout=label_dropout, guidance_weight=guidance_weight, block_out_channels=block_out_channels,
                                layers_per_block=layers_per_block, norm_num_groups=norm_num_groups)
