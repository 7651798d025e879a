"""Variational continual learning for a diffusion model ("Variational continual learning for
diffusion models"; Nguyen et al., 2018), following the study's public code.

Every Linear / Conv2d weight of the UNet gets a mean-field Gaussian posterior q_d(w) with
log-variance initialized at -10 (Swaroop et al.); the class embeddings stay point estimates
(the task-specific parameters). Task d minimizes, per example,
    (1/K) sum_k L_simple(w_k),  w_k ~ q_d     +  kl_weight * KL(q_d || q_{d-1}) / N_d,
L_simple being the mean over pixels (`kl_scaling: per-example`, the default: the negative of
eq. (3) divided by N_d * T * D up to the KL's scale, as Nguyen et al.'s code and the study's code
divide the KL by the training-set size on top of a mean loss). `kl_scaling: eq3-literal` divides
the KL by N_d * T * D instead (eq. (2) sums over T timesteps and D pixels): a T * D times weaker pull.
kl_weight = 1 is the untempered ELBO; the default 1e-4 is the best average of the split-digits sweep
over 1, 1e-2, 1e-3, 1e-4, 1e-5 (results/sweeps/README.md). With N ~ 270 images per split-digits task
and the prior variance e^-10 after the warm-up, kl_weight 1 pins every mean (curvature e^10 / N ~ 82
per weight), and the model learns almost nothing after task 1.
The K = `train_weight_samples` draws run in one batched pass; in evaluation the predicted noise is
the mean over `eval_weight_samples` draws.

Task 1 (`mle_warmup`, as the reference code): the means are trained by plain maximum likelihood
(deterministic weights, no KL, so no pull towards N(0, 1)); q_1 = N(MLE means, e^log_variance_init)
is the prior of task 2. Without it, task 1 is variational with prior N(0, prior_variance).
With `coreset_per_task` S > 0, Nguyen et al.'s random coreset (methods/_coreset.py): the evaluated
model is q~_d tuned on the coreset (KL to q~_d), and q~_d is what the next task starts from.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.seeding import derive_seed
from harness.hparams import hparam
from harness.tracks.class_gen.tasks import Task
from methods._base import register_method
from methods._bayesian import MeanFieldLayer, MonteCarloUNet, WeightNoise, make_mean_field
from methods._coreset import WEIGHT_INITS, CoresetMethod

KL_SCALINGS = ("per-example", "eq3-literal")


@register_method("vcl")
class VariationalContinualLearning(CoresetMethod):
    """VCL: mean-field Gaussian weights, KL/N to the previous posterior, MLE warm-up, batched MC weight samples, optional coreset."""

    @dataclass(frozen=True)
    class Hparams:
        kl_weight: float = hparam(1e-4, ge=0)
        kl_scaling: str = hparam("per-example", choices=KL_SCALINGS)
        mle_warmup: bool = True
        log_variance_init: float = -10.0
        prior_variance: float = hparam(1.0, gt=0)
        train_weight_samples: int = hparam(10, ge=1)
        eval_weight_samples: int = hparam(10, ge=1)
        coreset_per_task: int = hparam(0, ge=0)
        coreset_epochs: int = hparam(10, ge=0)
        weight_init: str = hparam("backbone", choices=WEIGHT_INITS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.noise = WeightNoise()
        device = self.backbone.device
        hp = self.hparams
        self.layers: list[MeanFieldLayer] = make_mean_field(self.backbone.unet, self.noise, hp.log_variance_init, hp.prior_variance)
        self.backbone.unet = MonteCarloUNet(self.backbone.unet, self.noise, hp.train_weight_samples, hp.eval_weight_samples).to(device)
        channels, height, width = self.backbone.image_shape
        self.kl_divisor_per_example = 1 if hp.kl_scaling == "per-example" else self.backbone.num_train_timesteps * channels * height * width
        self.examples = 1

    def kl_divergence(self) -> torch.Tensor:
        return torch.stack([layer.kl_to_prior() for layer in self.layers]).sum()

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        likelihood = self.backbone.loss(images, labels, generator).mean()
        if self.noise.use_means:  # the MLE warm-up of task 1
            return likelihood
        return likelihood + self.hparams.kl_weight * self.kl_divergence() / (self.examples * self.kl_divisor_per_example)

    def before_task(self, task: Task, generator: torch.Generator) -> None:
        super().before_task(task, generator)
        self.noise.use_means = self.hparams.mle_warmup and task.index == 0 and self.propagated is None
        self.noise.reseed(derive_seed(self.context.seed, "vcl-weights", "train", task.index), self.backbone.device)
        self.examples = self._train_x.shape[0]

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        self.noise.use_means = False
        with torch.no_grad():
            for layer in self.layers:
                layer.posterior_becomes_prior()
        super().after_task(task, generator)
        self.noise.reseed(derive_seed(self.context.seed, "vcl-weights", "eval", task.index), self.backbone.device)

    def before_coreset_tuning(self, task: Task) -> None:
        """Nguyen et al.'s prediction step: q_d from q~_d (now the prior) on the coreset of every seen task."""
        self.noise.reseed(derive_seed(self.context.seed, "vcl-weights", "coreset", task.index), self.backbone.device)
        self.examples = self.coreset_x.shape[0]
