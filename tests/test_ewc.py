"""EWC's diagonal Fisher against a hand computation on a two-parameter model."""

from __future__ import annotations

import torch

from methods.ewc import diagonal_fisher


class TwoParameterModel(torch.nn.Module):
    """loss_n = (a * x_n + b - y_n)^2, so d/da = 2 r_n x_n and d/db = 2 r_n with r_n the residual."""

    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.5))
        self.b = torch.nn.Parameter(torch.tensor(-0.25))

    def loss(self, images: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return (self.a * images.flatten(1).sum(1) + self.b - labels.float()) ** 2


def test_fisher_is_the_mean_squared_per_example_gradient() -> None:
    x = torch.tensor([1.0, -2.0, 3.0]).view(3, 1, 1, 1)
    y = torch.tensor([0, 1, 2])
    fisher = diagonal_fisher(TwoParameterModel(), x, y, torch.Generator())
    residuals = [0.5 * 1.0 - 0.25 - 0, 0.5 * -2.0 - 0.25 - 1, 0.5 * 3.0 - 0.25 - 2]
    expected_a = sum((2 * r * xv) ** 2 for r, xv in zip(residuals, [1.0, -2.0, 3.0])) / 3
    expected_b = sum((2 * r) ** 2 for r in residuals) / 3
    torch.testing.assert_close(fisher["a"], torch.tensor(expected_a))
    torch.testing.assert_close(fisher["b"], torch.tensor(expected_b))
