"""Variational continual learning for a diffusion model ("Variational continual learning for
diffusion models"; Nguyen et al., 2018).

Every Linear / Conv2d weight of the UNet gets a mean-field Gaussian posterior q_d(w) with
log-variance initialized at -10 (Swaroop et al.); the class embeddings stay point estimates
(the task-specific parameters). Task d minimizes, per example, the negative of eq. (3) divided by
N_d * T * D (L_simple is the mean over pixels at one random timestep of the sum over T timesteps
and D pixels in eq. (2)):
    (1/K) sum_k L_simple(w_k),  w_k ~ q_d     +  kl_weight * KL(q_d || q_{d-1}) / (N_d * T * D),
with q_0 = N(0, prior_variance I). The UNet's forward draws fresh weights from a seeded
generator; in evaluation the predicted noise is the mean over `eval_weight_samples` draws.
With `coreset_per_task` S > 0 (Nguyen et al.'s random coreset), S examples of every task seen so
far are kept, and after task d the propagated posterior q~_d is tuned on the coreset for
`coreset_steps` (KL to q~_d) to give the evaluated model; q~_d is what the next task starts from.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from harness.seeding import derive_seed
from harness.tasks import Task
from methods._base import register_method
from methods._bayesian import MeanFieldLayer, MonteCarloUNet, WeightNoise, make_mean_field
from methods._diffusion import BatchStream, DiffusionMethod


@register_method("vcl")
class VariationalContinualLearning(DiffusionMethod):
    """VCL: mean-field Gaussian weights, KL to the previous task's posterior, MC weight samples, optional coreset."""

    @dataclass(frozen=True)
    class Hparams:
        kl_weight: float = 1.0
        log_variance_init: float = -10.0
        prior_variance: float = 1.0
        train_weight_samples: int = 10
        eval_weight_samples: int = 10
        coreset_per_task: int = 0
        coreset_steps: int = 200

        def validate(self) -> str | None:
            if self.kl_weight < 0 or self.prior_variance <= 0:
                return f"kl_weight must be >= 0 and prior_variance > 0, got {self.kl_weight} and {self.prior_variance}"
            if self.train_weight_samples < 1 or self.eval_weight_samples < 1:
                return f"train_weight_samples and eval_weight_samples must be >= 1, got {self.train_weight_samples}, {self.eval_weight_samples}"
            if self.coreset_per_task < 0 or self.coreset_steps < 0:
                return f"coreset_per_task and coreset_steps must be >= 0, got {self.coreset_per_task}, {self.coreset_steps}"
            return None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.noise = WeightNoise()
        device = self.backbone.device
        self.layers: list[MeanFieldLayer] = make_mean_field(self.backbone.unet, self.noise, self.hparams.log_variance_init, self.hparams.prior_variance)
        self.backbone.unet = MonteCarloUNet(self.backbone.unet, self.hparams.eval_weight_samples).to(device)
        channels, height, width = self.backbone.image_shape
        self.data_scale = self.backbone.num_train_timesteps * channels * height * width
        self.examples = 1
        self.coreset_x = torch.empty((0, channels, height, width))
        self.coreset_y = torch.empty((0,), dtype=torch.long)
        self.propagated: dict[str, torch.Tensor] | None = None

    def kl_divergence(self) -> torch.Tensor:
        return torch.stack([layer.kl_to_prior() for layer in self.layers]).sum()

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        draws = self.hparams.train_weight_samples
        likelihood = sum(self.backbone.loss(images, labels, generator).mean() for _ in range(draws)) / draws
        return likelihood + self.hparams.kl_weight * self.kl_divergence() / (self.examples * self.data_scale)

    def before_task(self, task: Task, generator: torch.Generator) -> None:
        if self.propagated is not None:  # continue from q~_{d-1}, not from the coreset-tuned model
            self.backbone.load_state_dict(self.propagated)
        self.noise.reseed(derive_seed(self.context.seed, "vcl-weights", "train", task.index), self.backbone.device)
        self.examples = task.train_x.shape[0]

    def after_task(self, task: Task, generator: torch.Generator) -> None:
        with torch.no_grad():
            for layer in self.layers:
                layer.posterior_becomes_prior()
        self.propagated = {k: v.detach().clone() for k, v in self.backbone.state_dict().items()}
        if self.hparams.coreset_per_task > 0:
            keep = torch.randperm(task.train_x.shape[0], generator=generator)[: self.hparams.coreset_per_task]
            self.coreset_x = torch.cat([self.coreset_x, task.train_x[keep]])
            self.coreset_y = torch.cat([self.coreset_y, task.train_y[keep]])
            self._tune_on_coreset(task, generator)
        self.noise.reseed(derive_seed(self.context.seed, "vcl-weights", "eval", task.index), self.backbone.device)

    def _tune_on_coreset(self, task: Task, generator: torch.Generator) -> None:
        """Nguyen et al.'s prediction step: q_d from q~_d on the coreset of every seen task."""
        self.noise.reseed(derive_seed(self.context.seed, "vcl-weights", "coreset", task.index), self.backbone.device)
        self.examples = self.coreset_x.shape[0]
        self.backbone.train()
        optimizer = torch.optim.Adam(self.trainable_parameters(), lr=self.context.profile.lr)
        batches = BatchStream(self.coreset_x, self.coreset_y, self.context.profile.batch_size, generator)
        for _ in range(self.hparams.coreset_steps):
            loss = self.training_loss(*batches.next(), generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.trainable_parameters(), 1.0)
            optimizer.step()
        self.backbone.eval()

    def state_dict(self) -> dict[str, torch.Tensor]:
        state = {**super().state_dict(), "coreset.x": self.coreset_x.contiguous(), "coreset.y": self.coreset_y.contiguous()}
        if self.propagated is not None:
            state.update({f"propagated.{k}": v for k, v in self.propagated.items()})
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        self.coreset_x, self.coreset_y = state["coreset.x"], state["coreset.y"]
        propagated = {k[len("propagated."):]: v for k, v in state.items() if k.startswith("propagated.")}
        self.propagated = propagated or None
