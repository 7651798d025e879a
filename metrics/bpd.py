"""Bits per dimension from the DDPM variational bound (Ho et al., 2020, eq. 5), per task.

-log p(x0 | y) <= L_T + sum_{t=2..T} L_{t-1} + L_0, with
  L_T     = KL(q(x_T | x0) || N(0, I)),
  L_{t-1} = KL(q(x_{t-1} | x_t, x0) || p(x_{t-1} | x_t)),  p's mean from the noise predictor (its
            x0 estimate clipped to [-1, 1], as Ho et al.'s and improved-diffusion's sampler) and its
            variance fixed: `variance: fixed-large` (the default; beta_t, first entry the posterior
            variance at t = 1; Ho et al.'s setting for L_simple models, improved-diffusion's
            FIXED_LARGE) or `fixed-small` (the posterior variance, first entry clipped to the second),
  L_0     = -log p(x0 | x1), a Gaussian discretized into 256 bins on [-1, 1] (Ho et al.'s decoder).
Every term is measured on held-out real test images with noise drawn from the evaluation seed.
The data must be 8-bit (256 grey levels): the discretized decoder is meaningless otherwise, so
benches on scikit-learn's digits (17 grey levels) are refused before training. The record also
keeps the unweighted L_simple at timesteps 50 and 700 (`loss_at_timesteps`), the two points the
DDPM continual-learning study analyses (denoising vs generative part), and, for a method with a
rehearsal buffer, the same losses on the buffer's examples of each task (`buffer_loss_at_timesteps`,
`buffer_losses`), where the study compares the model's fit to replayed data against test data.
The bound is summed over all timesteps (`timestep_stride: 1`, the exact sum) or, to bound the
cost, over every timestep below `exact_below` and every stride-th one above, weighted by the stride. The per-timestep-range breakdown
goes into the run record: forgetting shows in late timesteps while the total hides it
("Exploring Continual Learning of Diffusion Models", Sec. 3.2).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import torch

from core.errors import UsageError
from metrics._registry import register_metric
from metrics.inputs import ClassGenInput


NoisePredictor = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class BpdOptions:
    images: int = 256          # held-out test images per task (a seeded subset); 0 = all
    timestep_stride: int = 1   # 1 = the exact sum over all timesteps
    ranges: int = 10           # equal-width timestep ranges in the stored breakdown
    exact_below: int = 100     # timesteps below this are always all evaluated (their terms fall steeply)
    batch_size: int = 256
    variance: str = "fixed-large"  # or "fixed-small"
    loss_timesteps: tuple[int, ...] = (50, 700)  # unweighted L_simple stored at these timesteps

    def validate(self) -> None:
        if self.images < 0 or self.timestep_stride < 1 or self.ranges < 1 or self.batch_size < 1 or self.exact_below < 0:
            raise UsageError(f"bits_per_dim options {self} are invalid: images >= 0, timestep_stride >= 1, ranges >= 1, batch_size >= 1, exact_below >= 0")
        if self.variance not in VARIANCES:
            raise UsageError(f"bits_per_dim variance {self.variance!r} is not one of {', '.join(VARIANCES)}")


VARIANCES = ("fixed-large", "fixed-small")


def normal_kl(mean1: torch.Tensor, logvar1: torch.Tensor, mean2: torch.Tensor, logvar2: torch.Tensor) -> torch.Tensor:
    """Elementwise KL(N(mean1, exp(logvar1)) || N(mean2, exp(logvar2))) in nats."""
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def _standard_normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def discretized_gaussian_log_likelihood(x: torch.Tensor, means: torch.Tensor, log_scales: torch.Tensor) -> torch.Tensor:
    """Elementwise log-probability of x in [-1, 1] under a Gaussian integrated over its 8-bit bin
    (the edge bins extend to -inf / +inf), as in Ho et al.'s and Nichol & Dhariwal's code."""
    centered = x - means
    inv_stdv = torch.exp(-log_scales)
    cdf_plus = _standard_normal_cdf(inv_stdv * (centered + 1.0 / 255.0))
    cdf_min = _standard_normal_cdf(inv_stdv * (centered - 1.0 / 255.0))
    log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    log_cdf_delta = torch.log((cdf_plus - cdf_min).clamp(min=1e-12))
    return torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, log_cdf_delta))


class DiffusionConstants:
    """The forward-process quantities of a beta schedule, in float64."""

    def __init__(self, betas: torch.Tensor) -> None:
        self.betas = betas.double()
        self.num_timesteps = self.betas.shape[0]
        alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(alphas, 0)
        previous = torch.cat([torch.ones(1, dtype=torch.float64), self.alphas_cumprod[:-1]])
        posterior_variance = self.betas * (1.0 - previous) / (1.0 - self.alphas_cumprod)
        self.posterior_log_variance_clipped = torch.log(torch.cat([posterior_variance[1:2], posterior_variance[1:]]))
        self.fixed_large_log_variance = torch.log(torch.cat([posterior_variance[1:2], self.betas[1:]]))
        self.posterior_mean_coef1 = self.betas * previous.sqrt() / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - previous) * alphas.sqrt() / (1.0 - self.alphas_cumprod)

    def model_log_variance(self, variance: str) -> torch.Tensor:
        return self.fixed_large_log_variance if variance == "fixed-large" else self.posterior_log_variance_clipped

    def posterior_mean(self, x_start: torch.Tensor, x_t: torch.Tensor, t: int) -> torch.Tensor:
        return self.posterior_mean_coef1[t] * x_start + self.posterior_mean_coef2[t] * x_t


def bound_terms(
    predict_noise: NoisePredictor, images: torch.Tensor, labels: torch.Tensor, constants: DiffusionConstants,
    timesteps: list[int], generator: torch.Generator, variance: str = "fixed-large",
) -> tuple[torch.Tensor, torch.Tensor]:
    """(prior term [N], per-timestep terms [N, len(timesteps)]) in nats per image. Timestep 0 is
    the decoder NLL L_0; timestep t >= 1 is L_t = KL(q(x_t | x_{t+1}, x0) || p(x_t | x_{t+1}))."""
    x0 = images.double()
    n = x0.shape[0]
    last = constants.alphas_cumprod[-1]
    prior = normal_kl(last.sqrt() * x0, torch.log(1.0 - last).expand_as(x0), torch.zeros_like(x0), torch.zeros_like(x0)).flatten(1).sum(1)
    columns = []
    for t in timesteps:
        noise = torch.randn(x0.shape, generator=generator, dtype=torch.float64)
        abar = constants.alphas_cumprod[t]
        x_t = abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise
        with torch.no_grad():
            eps = predict_noise(x_t.float(), torch.full((n,), t, dtype=torch.long), labels).double().cpu()
        x_start = ((x_t - (1.0 - abar).sqrt() * eps) / abar.sqrt()).clamp(-1.0, 1.0)
        model_mean = constants.posterior_mean(x_start, x_t, t)
        model_log_variance = constants.model_log_variance(variance)[t].expand_as(x0)
        if t == 0:
            term = -discretized_gaussian_log_likelihood(x0, model_mean, 0.5 * model_log_variance)
        else:
            true_mean = constants.posterior_mean(x0, x_t, t)
            term = normal_kl(true_mean, constants.posterior_log_variance_clipped[t].expand_as(x0), model_mean, model_log_variance)
        columns.append(term.flatten(1).sum(1))
    return prior, torch.stack(columns, 1)


def strided_timesteps(num_timesteps: int, stride: int, exact_below: int = 0) -> tuple[list[int], list[int]]:
    """Timesteps to evaluate and the weight of each: every timestep below `exact_below` (and 0, the
    decoder) with weight 1, then one timestep per block of `stride` KL terms, weighted by the
    block's length (exact when stride is 1)."""
    exact = max(1, min(exact_below, num_timesteps))
    timesteps, weights = list(range(exact)), [1] * exact
    for start in range(exact, num_timesteps, stride):
        timesteps.append(start)
        weights.append(min(stride, num_timesteps - start))
    return timesteps, weights


def bits_per_dim_with_breakdown(
    predict_noise: NoisePredictor, images: torch.Tensor, labels: torch.Tensor, constants: DiffusionConstants,
    generator: torch.Generator, options: BpdOptions = BpdOptions(),
) -> tuple[float, dict[str, object]]:
    """Mean bits per dimension of `images` and the per-range breakdown (also in bits/dim)."""
    timesteps, weights = strided_timesteps(constants.num_timesteps, options.timestep_stride, options.exact_below)
    priors, terms = [], []
    for start in range(0, images.shape[0], options.batch_size):
        prior, term = bound_terms(
            predict_noise, images[start : start + options.batch_size], labels[start : start + options.batch_size], constants, timesteps, generator, options.variance
        )
        priors.append(prior)
        terms.append(term)
    scale = images[0].numel() * math.log(2.0)
    prior_bpd = torch.cat(priors).mean() / scale
    weighted = torch.cat(terms).mean(0) * torch.tensor(weights, dtype=torch.float64) / scale
    width = math.ceil(constants.num_timesteps / options.ranges)
    bounds = [(lo, min(lo + width, constants.num_timesteps)) for lo in range(0, constants.num_timesteps, width)]
    per_range = [float(sum(w for t, w in zip(timesteps, weighted.tolist()) if lo <= t < hi)) for lo, hi in bounds]
    total = float(prior_bpd + weighted.sum())
    breakdown = {
        "total": total,
        "prior": float(prior_bpd),
        "decoder": float(weighted[0]),
        "timestep_ranges": [[lo, hi - 1] for lo, hi in bounds],
        "range_bits_per_dim": per_range,
        "timestep_stride": options.timestep_stride,
        "variance": options.variance,
        "images": int(images.shape[0]),
    }
    return total, breakdown


def require_8bit(images: torch.Tensor, where: str) -> None:
    """Refuse images in [-1, 1] that are not on the 256-level grid the discretized decoder assumes."""
    levels = (images.double() + 1.0) * 127.5
    if not torch.allclose(levels, levels.round(), atol=1e-3):
        distinct = int(torch.unique((levels * 1000).round()).numel())
        raise UsageError(
            f"bits_per_dim needs 8-bit images, but {where} has {distinct} grey levels off the 256-level grid "
            "(scikit-learn's digits have 17): drop bits_per_dim from this bench's metrics"
        )


def unweighted_losses(backbone, images: torch.Tensor, labels: torch.Tensor, timesteps: tuple[int, ...], generator: torch.Generator) -> dict[str, float]:
    """Mean L_simple (||eps - eps_theta||^2 over pixels) of `images` at each fixed timestep."""
    out = {}
    with torch.no_grad():
        for t in timesteps:
            if t < backbone.num_train_timesteps:
                fixed = torch.full((images.shape[0],), t, dtype=torch.long)
                out[str(t)] = float(backbone.loss(images, labels, generator, timesteps=fixed).mean())
    return out


def buffer_losses(bench, profile, tasks, noise, backbone, kept: tuple[torch.Tensor, torch.Tensor] | None, after_task: int) -> list[dict[str, float] | None]:
    """Unweighted L_simple at the bench's loss timesteps on the rehearsal buffer's examples `kept` of each
    seen task (None where the buffer holds none of it), with noise seeded by (seed, task i) only."""
    if kept is None:
        return [None] * (after_task + 1)
    images, labels = kept
    options = bpd_options(bench, profile)
    backbone.eval()
    device = backbone.device
    out: list[dict[str, float] | None] = []
    for task in tasks[: after_task + 1]:
        mine = torch.isin(labels, torch.tensor(task.classes))
        if not bool(mine.any()):
            out.append(None)
            continue
        generator = noise.torch_generator("bpd-buffer-loss", task.index)
        out.append(unweighted_losses(backbone, images[mine].to(device), labels[mine].to(device), options.loss_timesteps, generator))
    return out


def bpd_options(bench, profile) -> BpdOptions:
    """The bench's bits_per_dim options under `profile` (its cost follows the profile)."""
    return parse_bpd_options(bench.options_of("bits_per_dim", profile), f"bench {bench.name}")


def parse_bpd_options(options: dict, where: str) -> BpdOptions:
    """A `bits_per_dim` options block, checked; `where` names its source in an error."""
    raw = dict(options)
    if "loss_timesteps" in raw:
        raw["loss_timesteps"] = tuple(raw["loss_timesteps"])
    known = {f.name for f in dataclasses.fields(BpdOptions)}
    if set(raw) - known:
        raise UsageError(f"{where}: bits_per_dim option {sorted(set(raw) - known)[0]!r} is not one of {', '.join(sorted(known))}")
    options = BpdOptions(**raw)
    options.validate()
    return options


def check_bpd_data(bench, data) -> None:
    for profile in bench.profiles.values():
        bpd_options(bench, profile)
    require_8bit(data.test_x, f"bench {bench.name}'s test data")


@register_metric(
    "bits_per_dim", "class-gen", False,
    "DDPM variational bound on held-out real 8-bit test images, bits/dim (all timesteps; fixed-large variance, x0 clipped, unless the bench says otherwise)",
    check_data=check_bpd_data,
)
def bits_per_dim(evaluation: ClassGenInput) -> float:
    options = parse_bpd_options(evaluation.metric_options.get("bits_per_dim", {}), "bench")
    task, backbone = evaluation.task, evaluation.backbone
    images, labels = task.test_x, task.test_y
    if options.images and images.shape[0] > options.images:
        keep = torch.randperm(images.shape[0], generator=evaluation.torch_generator("bpd-images"))[: options.images]
        images, labels = images[keep], labels[keep]
    device = backbone.device
    backbone.eval()

    def predict_noise(x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return backbone.predict_noise(x.to(device), t.to(device), y.to(device))

    constants = DiffusionConstants(backbone.scheduler.betas)
    generator = evaluation.torch_generator("bpd-noise")
    total, breakdown = bits_per_dim_with_breakdown(predict_noise, images, labels, constants, generator, options)
    breakdown["loss_at_timesteps"] = unweighted_losses(backbone, images, labels, options.loss_timesteps, evaluation.torch_generator("bpd-loss"))
    evaluation.details["bits_per_dim"] = breakdown
    return total
