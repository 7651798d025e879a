"""Sampler settings of a text-to-image bench, turned into a diffusers scheduler by name.

A bench's `evaluation:` block names its paper's sampler (`sampler`, `eta`); the guidance scale
and the number of steps come from the bench's data block and profile. Every scheduler is built
from the backbone's training-scheduler config (its betas, prediction type, clipping), as the
diffusers pipelines do with `from_config`. Stochastic samplers (DDIM with eta > 0) draw their
per-step noise from one seeded stream per sample, so a sample never depends on the batch it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch
from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler
from diffusers.schedulers.scheduling_utils import SchedulerMixin

from core.errors import UsageError

SCHEDULERS: dict[str, tuple[type[SchedulerMixin], dict[str, Any]]] = {
    "ddim": (DDIMScheduler, {}),
    "dpm-solver++": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++"}),
    "euler-discrete": (EulerDiscreteScheduler, {}),
    "pndm": (PNDMScheduler, {"skip_prk_steps": True}),  # the SD 1.x pipelines' PLMS setting
}


@dataclass(frozen=True)
class Sampler:
    """Which scheduler samples, and DDIM's eta (0: deterministic DDIM; 1: DDPM-like ancestral)."""

    name: str = "ddim"
    eta: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in SCHEDULERS:
            raise UsageError(f"unknown sampler {self.name!r}: use one of {', '.join(SCHEDULERS)}")
        if not 0.0 <= self.eta <= 1.0:
            raise UsageError(f"sampler eta {self.eta} is outside [0, 1]")
        if self.eta and self.name != "ddim":
            raise UsageError(f"sampler {self.name!r} takes no eta (only ddim does); drop `eta: {self.eta}` from the bench")

    @property
    def stochastic(self) -> bool:
        return self.name == "ddim" and self.eta > 0.0

    def scheduler(self, train_config: Mapping[str, Any], num_steps: int) -> SchedulerMixin:
        cls, overrides = SCHEDULERS[self.name]
        scheduler = cls.from_config(train_config, **overrides)
        scheduler.set_timesteps(num_steps)
        return scheduler

    def step(self, scheduler: SchedulerMixin, predicted: torch.Tensor, t: torch.Tensor, latents: torch.Tensor,
             noise_streams: list[torch.Generator] | None) -> torch.Tensor:
        if self.name != "ddim":
            return scheduler.step(predicted, t, latents).prev_sample
        variance_noise = None
        if self.stochastic:
            variance_noise = torch.stack([torch.randn(latents.shape[1:], generator=g) for g in noise_streams]).to(latents)
        return scheduler.step(predicted, t, latents, eta=self.eta, variance_noise=variance_noise).prev_sample

    def describe(self) -> dict[str, Any]:
        return {"sampler": self.name, **({"eta": self.eta} if self.name == "ddim" else {})}


DEFAULT_SAMPLER = Sampler()


def bench_sampler(evaluation: Mapping[str, Any]) -> Sampler:
    """The sampler a bench's `evaluation:` block names (DDIM, eta 0 when it names none)."""
    name = evaluation.get("sampler", DEFAULT_SAMPLER.name)
    eta = evaluation.get("eta", 0.0)
    if not isinstance(name, str) or isinstance(eta, bool) or not isinstance(eta, (int, float)):
        raise UsageError(f"bench evaluation sampler must be a name and eta a number, got sampler={name!r} eta={eta!r}")
    return Sampler(name, float(eta))
