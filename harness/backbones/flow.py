"""Class-conditional flow matching (Lipman et al., 2023) on diffusers' UNet2DModel.

Convention (torchcfm's, see ANCHORS section 10): x0 ~ N(0, I) is noise, x1 is data, t ~ U[0, 1].
The conditional probability path is Lipman et al.'s optimal-transport path
    p_t(x | x1) = N(t x1, (1 - (1 - sigma_min) t)^2 I),
so x_t = t x1 + (1 - (1 - sigma_min) t) x0 and its conditional velocity is
    u_t(x_t | x1) = x1 - (1 - sigma_min) x0.
L_CFM = E_{t, x0, x1} ||v_theta(x_t, t, y) - u_t||^2 (per example: the mean over pixels).
Sampling integrates dx/dt = v_theta(x, t, y) from t = 0 to 1 with a fixed number of steps
(Euler, or the explicit midpoint rule: two network evaluations per step).
The network sees t scaled by `time_scale` (UNet2DModel's sinusoidal embedding expects
DDPM-like timesteps in [0, 1000]).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import torch
from pydantic import Field

from core.errors import UsageError
from harness.backbones._registry import BACKBONES
from harness.backbones._unet import Channels, LayersPerBlock, NormGroups, PixelUNetModel

SOLVERS = ("euler", "midpoint")


def euler_step(velocity, x: torch.Tensor, t: float, dt: float) -> torch.Tensor:
    return x + dt * velocity(x, t)


def midpoint_step(velocity, x: torch.Tensor, t: float, dt: float) -> torch.Tensor:
    half = x + 0.5 * dt * velocity(x, t)
    return x + dt * velocity(half, t + 0.5 * dt)


def integrate(velocity, x0: torch.Tensor, num_steps: int, solver: str) -> torch.Tensor:
    """x(1) from x(0) = x0 under dx/dt = velocity(x, t), on a uniform grid of `num_steps`."""
    if solver not in SOLVERS:
        raise UsageError(f"ODE solver {solver!r} is not one of {', '.join(SOLVERS)}")
    if num_steps < 1:
        raise UsageError(f"the number of sampling steps must be >= 1, got {num_steps}")
    step = euler_step if solver == "euler" else midpoint_step
    dt, x = 1.0 / num_steps, x0
    for k in range(num_steps):
        x = step(velocity, x, k * dt, dt)
    return x


def conditional_path(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor, sigma_min: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_t, u_t) of the OT conditional path; t has one entry per example."""
    t = t.view(-1, *([1] * (x1.dim() - 1)))
    xt = t * x1 + (1.0 - (1.0 - sigma_min) * t) * x0
    return xt, x1 - (1.0 - sigma_min) * x0


class ClassConditionalFlow(PixelUNetModel):
    def __init__(
        self,
        image_shape: tuple[int, int, int],
        num_classes: int,
        sigma_min: float = 0.0,
        solver: str = "euler",
        time_scale: float = 1000.0,
        **unet_shape: Any,  # block_out_channels, layers_per_block, norm_num_groups (see _unet.py)
    ) -> None:
        if solver not in SOLVERS:
            raise UsageError(f"flow-unet solver {solver!r} is not one of {', '.join(SOLVERS)}")
        if not 0.0 <= sigma_min < 1.0:
            raise UsageError(f"flow-unet sigma_min must be in [0, 1), got {sigma_min}")
        super().__init__(image_shape, num_classes, num_classes, **unet_shape)
        self.sigma_min, self.solver, self.time_scale = float(sigma_min), solver, float(time_scale)

    def velocity(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.unet(x, t * self.time_scale, class_labels=labels).sample

    def loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Per-example L_CFM: mean over pixels of ||v_theta(x_t, t, y) - u_t(x_t | x1)||^2."""
        n = images.shape[0]
        noise = torch.randn(images.shape, generator=generator).to(self.device)
        t = torch.rand((n,), generator=generator).to(self.device)
        xt, target = conditional_path(noise, images.to(self.device), t, self.sigma_min)
        predicted = self.velocity(xt, t, labels.to(self.device))
        return (predicted - target).pow(2).flatten(1).mean(1)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, num_steps: int, generator: torch.Generator) -> torch.Tensor:
        """ODE samples in [-1, 1], one per label, from seeded Gaussian noise."""
        labels = labels.to(self.device)
        x0 = torch.randn((labels.shape[0], *self.image_shape), generator=generator).to(self.device)

        def velocity(x: torch.Tensor, t: float) -> torch.Tensor:
            return self.velocity(x, torch.full((x.shape[0],), t, device=self.device), labels)

        return integrate(velocity, x0, num_steps, self.solver).clamp(-1.0, 1.0)


@BACKBONES.register("flow-unet")
def flow_unet(image_shape: tuple[int, int, int], num_classes: int, sigma_min: Annotated[float, Field(ge=0, lt=1)] = 0.0,
              solver: Literal[SOLVERS] = "euler", time_scale: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1000.0,
              block_out_channels: Channels = (32, 64), layers_per_block: LayersPerBlock = 1, norm_num_groups: NormGroups = 8) -> ClassConditionalFlow:
    return ClassConditionalFlow(image_shape=image_shape, num_classes=num_classes, sigma_min=sigma_min, solver=solver, time_scale=time_scale,
                                block_out_channels=block_out_channels, layers_per_block=layers_per_block, norm_num_groups=norm_num_groups)
