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

from harness.seeding import derive_seed
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
        kl_weight: float = 1e-4
        kl_scaling: str = "per-example"
        mle_warmup: bool = True
        log_variance_init: float = -10.0
        prior_variance: float = 1.0
        train_weight_samples: int = 10
        eval_weight_samples: int = 10
        coreset_per_task: int = 0
        coreset_epochs: int = 10
        weight_init: str = "backbone"

        def validate(self) -> str | None:
            if self.kl_weight < 0 or self.prior_variance <= 0:
                return f"kl_weight must be >= 0 and prior_variance > 0, got {self.kl_weight} and {self.prior_variance}"
            if self.kl_scaling not in KL_SCALINGS:
                return f"kl_scaling must be one of {', '.join(KL_SCALINGS)}, got {self.kl_scaling!r}"
            if self.train_weight_samples < 1 or self.eval_weight_samples < 1:
                return f"train_weight_samples and eval_weight_samples must be >= 1, got {self.train_weight_samples}, {self.eval_weight_samples}"
            if self.coreset_per_task < 0 or self.coreset_epochs < 0:
                return f"coreset_per_task and coreset_epochs must be >= 0, got {self.coreset_per_task}, {self.coreset_epochs}"
            if self.weight_init not in WEIGHT_INITS:
                return f"weight_init must be one of {', '.join(WEIGHT_INITS)}, got {self.weight_init!r}"
            return None

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
