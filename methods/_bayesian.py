"""Mean-field Gaussian layers for VCL: every Linear / Conv2d weight and bias becomes
q(w) = N(mean, exp(log_variance)), sampled afresh on each forward pass from one seeded
generator, with a Gaussian prior (the previous task's posterior) kept as buffers.

K weight draws run in one batched pass, as the VCL diffusion study's code does: the input batch
is repeated K times (draw-major), a Linear layer applies draw k's weights to block k with one
batched matmul and a Conv2d layer folds the K draws into the groups of one grouped convolution.
With `use_means` the layers are deterministic at their means (the MLE warm-up)."""

from __future__ import annotations

from types import SimpleNamespace

import torch
import torch.nn.functional as F


class WeightNoise:
    """The one random source of every Bayesian layer of a model; reseeded by its owner."""

    def __init__(self) -> None:
        self.generator = torch.Generator()
        self.draws = 1          # K: weight draws in the current forward pass (the batch holds K blocks)
        self.use_means = False  # deterministic forward at the means (no sampling)

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
        """K draws of tensor `name`, stacked: [K, *shape] (the mean, K = 1, with `use_means`)."""
        if name not in self.tensor_names:
            return None
        mean, log_variance = getattr(self, f"{name}_mean"), getattr(self, f"{name}_log_variance")
        if self.noise.use_means:
            return mean.unsqueeze(0)
        draws = self.noise.normal(mean.expand(self.noise.draws, *mean.shape))
        return mean + torch.exp(0.5 * log_variance) * draws

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
        weight, bias = self.sampled("weight"), self.sampled("bias")
        draws = weight.shape[0]
        if draws == 1:
            return F.linear(inputs, weight[0], None if bias is None else bias[0])
        blocks = inputs.reshape(draws, -1, inputs.shape[-1])  # [K, rows, in]
        out = torch.bmm(blocks, weight.transpose(1, 2)) if bias is None else torch.baddbmm(bias.unsqueeze(1), blocks, weight.transpose(1, 2))
        return out.reshape(*inputs.shape[:-1], weight.shape[1])


class BayesianConv2d(MeanFieldLayer):
    def __init__(self, layer: torch.nn.Conv2d, *args: object) -> None:
        super().__init__(layer, *args)  # type: ignore[arg-type]
        if layer.padding_mode != "zeros":
            raise ValueError(f"BayesianConv2d supports zero padding only, got {layer.padding_mode!r}")
        self.stride, self.padding, self.dilation, self.groups = layer.stride, layer.padding, layer.dilation, layer.groups

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        weight, bias = self.sampled("weight"), self.sampled("bias")
        draws = weight.shape[0]
        if draws == 1:
            return F.conv2d(inputs, weight[0], None if bias is None else bias[0], self.stride, self.padding, self.dilation, self.groups)
        batch, channels, height, width = inputs.shape
        folded = inputs.reshape(draws, batch // draws, channels, height, width).transpose(0, 1).reshape(batch // draws, draws * channels, height, width)
        out = F.conv2d(
            folded, weight.reshape(-1, *weight.shape[2:]), None if bias is None else bias.reshape(-1),
            self.stride, self.padding, self.dilation, self.groups * draws,
        )
        return out.reshape(batch // draws, draws, -1, *out.shape[2:]).transpose(0, 1).reshape(batch, -1, *out.shape[2:])


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
    """Wraps a mean-field UNet and runs K weight draws in one batched pass. In train mode the
    output holds all K predictions stacked draw-major along the batch ([K * B, ...]; the backbone's
    loss averages over them); in eval mode it is their mean (the posterior-predictive mean)."""

    def __init__(self, unet: torch.nn.Module, noise: WeightNoise, train_samples: int, eval_samples: int) -> None:
        super().__init__()
        self.inner, self.noise = unet, noise
        self.train_samples, self.eval_samples = train_samples, eval_samples

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, class_labels: torch.Tensor) -> SimpleNamespace:
        draws = 1 if self.noise.use_means else (self.train_samples if self.training else self.eval_samples)
        batch = sample.shape[0]
        timestep = timestep.expand(batch) if timestep.dim() == 0 else timestep
        self.noise.draws = draws
        try:
            out = self.inner(sample.repeat(draws, 1, 1, 1), timestep.repeat(draws), class_labels=class_labels.repeat(draws)).sample
        finally:
            self.noise.draws = 1
        if self.training:
            return SimpleNamespace(sample=out)
        return SimpleNamespace(sample=out.reshape(draws, batch, *out.shape[1:]).mean(0))
