"""One optimisation step of a diffusion training loop, shared by the class-gen loop
(methods/_diffusion.py) and the text-to-image loop (methods/_concept.py).

Reading a loss on the host waits for the device, so `LossCheck` reads it every step on the CPU
(free there) and only every `CHECK_EVERY` steps on an accelerator, where it keeps a running
on-device flag of finiteness instead; its error names the learning rate the loop really used.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from core.errors import RunFailure

CHECK_EVERY = 50  # accelerator: steps between host reads of the loss (a finiteness check)


class LossCheck:
    """Stops a loop whose loss stopped being finite, with one line naming where, and the lr."""

    def __init__(self, device: torch.device, steps: int, where: str, lr: float) -> None:
        self.every = 1 if device.type == "cpu" else CHECK_EVERY
        self.steps, self.where, self.lr = steps, where, lr
        self.finite = torch.ones((), dtype=torch.bool, device=device)

    def __call__(self, loss: torch.Tensor, step: int) -> None:
        """Check `loss` of 0-based `step` (a host read only at a check step)."""
        if self.every > 1:
            self.finite &= torch.isfinite(loss.detach())
        if self.every == 1 or (step + 1) % self.every == 0 or step + 1 == self.steps:
            if not (math.isfinite(loss.item()) if self.every == 1 else bool(self.finite)):
                raise RunFailure(
                    f"loss became {loss.item()} at {self.where} step {step + 1} with lr={self.lr}"
                    f"{'' if self.every == 1 else f' (or up to {self.every - 1} steps before)'}: "
                    "lower the learning rate or the method's coefficients (--set key=value)"
                )


def optimizer_step(optimizer: torch.optim.Optimizer, parameters: list[torch.nn.Parameter], loss: torch.Tensor,
                   before_update: Callable[[], None] | None = None, max_norm: float = 1.0) -> None:
    """Backward, then `before_update` (e.g. zero the gradient of frozen embedding rows), the gradient
    norm clipped at `max_norm`, and the optimizer's step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if before_update is not None:
        before_update()
    torch.nn.utils.clip_grad_norm_(parameters, max_norm)
    optimizer.step()
