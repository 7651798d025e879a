"""Mean-field Gaussian layers for VCL: every Linear / Conv2d weight and bias becomes
q(w) = N(mean, exp(log_variance)), sampled afresh on each forward pass from one seeded
generator, with a Gaussian prior (the previous task's posterior) kept as buffers."""

from __future__ import annotations

from types import SimpleNamespace

import torch
import torch.nn.functional as F


class WeightNoise:
    """The one random source of every Bayesian layer of a model; reseeded by its owner."""

    def __init__(self) -> None:
        self.generator = torch.Generator()

    def reseed(self, seed: int, device: torch.device) -> None:
        self.generator = torch.Generator(device=device).manual_seed(seed)

    def normal(self, like: torch.Tensor) -> torch.Tensor:
        return torch.randn(like.shape, generator=self.generator, device=self.generator.device, dtype=like.dtype).to(like.device)


class MeanFieldLayer(torch.nn.Module):
    """Holds mean/log-variance parameters and prior buffers for a layer's weight and bias."""

    def __init__(self, layer: torch.nn.Module, noise: WeightNoise, log_variance_init: float, prior_variance: float) -> None:
        super().__init__()
        self.noise = noise
        self.tensor_names = [name for name in ("weight", "bias") if getattr(layer, name, None) is not None]
        for name in self.tensor_names:
            value = getattr(layer, name).detach().clone()
            setattr(self, f"{name}_mean", torch.nn.Parameter(value))
            setattr(self, f"{name}_log_variance", torch.nn.Parameter(torch.full_like(value, log_variance_init)))
            self.register_buffer(f"{name}_prior_mean", torch.zeros_like(value))
            self.register_buffer(f"{name}_prior_log_variance", torch.full_like(value, float(torch.tensor(prior_variance).log())))

    def sampled(self, name: str) -> torch.Tensor | None:
        if name not in self.tensor_names:
            return None
        mean, log_variance = getattr(self, f"{name}_mean"), getattr(self, f"{name}_log_variance")
        return mean + torch.exp(0.5 * log_variance) * self.noise.normal(mean)

    def kl_to_prior(self) -> torch.Tensor:
        """KL(q || prior) summed over this layer's weights: both diagonal Gaussians."""
        total = torch.zeros((), device=getattr(self, f"{self.tensor_names[0]}_mean").device)
        for name in self.tensor_names:
            mean, log_variance = getattr(self, f"{name}_mean"), getattr(self, f"{name}_log_variance")
            prior_mean, prior_log_variance = getattr(self, f"{name}_prior_mean"), getattr(self, f"{name}_prior_log_variance")
            total = total + gaussian_kl(mean, log_variance, prior_mean, prior_log_variance).sum()
        return total

    def posterior_becomes_prior(self) -> None:
        for name in self.tensor_names:
            getattr(self, f"{name}_prior_mean").copy_(getattr(self, f"{name}_mean").detach())
            getattr(self, f"{name}_prior_log_variance").copy_(getattr(self, f"{name}_log_variance").detach())


def gaussian_kl(mean: torch.Tensor, log_variance: torch.Tensor, prior_mean: torch.Tensor, prior_log_variance: torch.Tensor) -> torch.Tensor:
    """Elementwise KL(N(mean, e^log_variance) || N(prior_mean, e^prior_log_variance))."""
    return 0.5 * (prior_log_variance - log_variance + (log_variance.exp() + (mean - prior_mean) ** 2) / prior_log_variance.exp() - 1.0)


class BayesianLinear(MeanFieldLayer):
    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.linear(inputs, self.sampled("weight"), self.sampled("bias"))


class BayesianConv2d(MeanFieldLayer):
    def __init__(self, layer: torch.nn.Conv2d, *args: object) -> None:
        super().__init__(layer, *args)  # type: ignore[arg-type]
        if layer.padding_mode != "zeros":
            raise ValueError(f"BayesianConv2d supports zero padding only, got {layer.padding_mode!r}")
        self.stride, self.padding, self.dilation, self.groups = layer.stride, layer.padding, layer.dilation, layer.groups

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.conv2d(inputs, self.sampled("weight"), self.sampled("bias"), self.stride, self.padding, self.dilation, self.groups)


def make_mean_field(model: torch.nn.Module, noise: WeightNoise, log_variance_init: float, prior_variance: float) -> list[MeanFieldLayer]:
    """Replace every Linear and Conv2d inside `model` by its mean-field version, in place."""
    replaced: list[MeanFieldLayer] = []
    for parent in list(model.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Conv2d):
                bayesian: MeanFieldLayer = BayesianConv2d(child, noise, log_variance_init, prior_variance)
            elif isinstance(child, torch.nn.Linear):
                bayesian = BayesianLinear(child, noise, log_variance_init, prior_variance)
            else:
                continue
            setattr(parent, child_name, bayesian)
            replaced.append(bayesian)
    return replaced


class MonteCarloUNet(torch.nn.Module):
    """Wraps a stochastic UNet: in eval mode its output is the mean over `eval_samples` weight
    draws (the posterior-predictive mean of the noise); in train mode, one draw."""

    def __init__(self, unet: torch.nn.Module, eval_samples: int) -> None:
        super().__init__()
        self.inner, self.eval_samples = unet, eval_samples

    def forward(self, *args: object, **kwargs: object) -> SimpleNamespace:
        draws = 1 if self.training else self.eval_samples
        total = self.inner(*args, **kwargs).sample
        for _ in range(draws - 1):
            total = total + self.inner(*args, **kwargs).sample
        return SimpleNamespace(sample=total / draws)
