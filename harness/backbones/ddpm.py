"""Class-conditional pixel DDPM (Ho et al., 2020) on diffusers' UNet2DModel.

Trained with the simplified epsilon loss (L_simple); evaluated with deterministic DDIM
sampling (eta = 0). The class embedding is added to the timestep embedding.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import DDIMScheduler, DDPMScheduler, UNet2DModel

from harness.backbones._registry import BACKBONES


class ClassConditionalDDPM(torch.nn.Module):
    def __init__(
        self,
        image_shape: tuple[int, int, int],
        num_classes: int,
        block_out_channels: tuple[int, ...] = (32, 64),
        layers_per_block: int = 1,
        norm_num_groups: int = 8,
        num_train_timesteps: int = 1000,
        beta_schedule: str = "linear",
    ) -> None:
        super().__init__()
        channels, height, width = image_shape
        depth = len(block_out_channels)
        self.image_shape = tuple(image_shape)
        self.num_classes = num_classes
        self.unet = UNet2DModel(
            sample_size=(height, width),
            in_channels=channels,
            out_channels=channels,
            block_out_channels=tuple(block_out_channels),
            layers_per_block=layers_per_block,
            down_block_types=("DownBlock2D",) * depth,
            up_block_types=("UpBlock2D",) * depth,
            norm_num_groups=norm_num_groups,
            num_class_embeds=num_classes,
        )
        self.scheduler = DDPMScheduler(num_train_timesteps=num_train_timesteps, beta_schedule=beta_schedule, clip_sample=True)
        self.num_train_timesteps = num_train_timesteps

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def predict_noise(self, noisy: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.unet(noisy, timesteps, class_labels=labels).sample

    def loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Per-example L_simple: mean over pixels of ||eps - eps_theta(x_t, t, y)||^2."""
        n = images.shape[0]
        noise = torch.randn(images.shape, generator=generator).to(self.device)
        timesteps = torch.randint(0, self.num_train_timesteps, (n,), generator=generator).to(self.device)
        noisy = self.scheduler.add_noise(images.to(self.device), noise, timesteps)
        predicted = self.predict_noise(noisy, timesteps, labels.to(self.device))
        return F.mse_loss(predicted, noise, reduction="none").flatten(1).mean(1)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, num_steps: int, generator: torch.Generator) -> torch.Tensor:
        """Deterministic DDIM (eta = 0) samples in [-1, 1], one per label."""
        ddim = DDIMScheduler.from_config(self.scheduler.config)
        ddim.set_timesteps(num_steps)
        labels = labels.to(self.device)
        images = torch.randn((labels.shape[0], *self.image_shape), generator=generator).to(self.device)
        for t in ddim.timesteps:
            noise = self.predict_noise(images, t.expand(labels.shape[0]).to(self.device), labels)
            images = ddim.step(noise, t, images, eta=0.0).prev_sample
        return images.clamp(-1.0, 1.0)


@BACKBONES.register("ddpm-unet")
def ddpm_unet(image_shape: tuple[int, int, int], num_classes: int, **config: object) -> ClassConditionalDDPM:
    if "block_out_channels" in config:
        config["block_out_channels"] = tuple(config["block_out_channels"])  # type: ignore[arg-type]
    return ClassConditionalDDPM(image_shape=image_shape, num_classes=num_classes, **config)  # type: ignore[arg-type]
