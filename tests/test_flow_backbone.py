"""The flow-matching backbone: its path and objective, the ODE solvers, and the interface the
class-gen methods use."""

from __future__ import annotations

import math

import pytest
import torch

from core.errors import UsageError
from harness.backbones import build_backbone
from harness.backbones.flow import conditional_path, integrate


def test_conditional_path_ends_at_noise_and_data_and_its_velocity_is_the_time_derivative():
    g = torch.Generator().manual_seed(0)
    x0, x1 = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    for sigma_min in (0.0, 0.1):
        start, _ = conditional_path(x0, x1, torch.zeros(4), sigma_min)
        end, velocity = conditional_path(x0, x1, torch.ones(4), sigma_min)
        assert torch.allclose(start, x0) and torch.allclose(end, x1 + sigma_min * x0)
        t, h = torch.full((4,), 0.3), 1e-3
        ahead, _ = conditional_path(x0, x1, t + h, sigma_min)
        behind, _ = conditional_path(x0, x1, t - h, sigma_min)
        assert torch.allclose((ahead - behind) / (2 * h), velocity, atol=1e-3)


@pytest.mark.parametrize("solver,steps,tolerance", [("euler", 400, 0.02), ("midpoint", 20, 0.01)])
def test_the_sampler_transports_a_2d_gaussian_to_the_target_of_the_exact_marginal_field(solver, steps, tolerance):
    """For data N(m, s^2 I) and sigma_min = 0 the marginal velocity is known in closed form:
    x_t ~ N(t m, v_t I) with v_t = (1-t)^2 + t^2 s^2, and u_t(x) = m + (v_t'/(2 v_t)) (x - t m).
    Integrating it from N(0, I) must give N(m, s^2 I)."""
    mean, scale = torch.tensor([2.0, -1.0]), 0.5

    def velocity(x: torch.Tensor, t: float) -> torch.Tensor:
        variance = (1 - t) ** 2 + t**2 * scale**2
        derivative = -2 * (1 - t) + 2 * t * scale**2
        return mean + derivative / (2 * variance) * (x - t * mean)

    x0 = torch.randn(20000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x1 = integrate(velocity, x0, steps, solver)
    assert torch.allclose(x1.mean(0), mean.double(), atol=tolerance)
    assert torch.allclose(x1.std(0), torch.full((2,), scale, dtype=torch.float64), atol=tolerance)
    # the flow is a map: each noise point lands at m + s x0 (the OT map between the Gaussians)
    assert torch.allclose(x1, mean + scale * x0, atol=5 * tolerance)


def test_euler_with_fewer_steps_is_less_accurate_than_midpoint():
    def velocity(x, t):
        return -x * math.cos(t)

    exact = torch.ones(1) * math.exp(-math.sin(1.0))
    euler = integrate(velocity, torch.ones(1), 10, "euler")
    midpoint = integrate(velocity, torch.ones(1), 10, "midpoint")
    assert abs(midpoint - exact) < abs(euler - exact) / 5


def test_backbone_loss_is_per_example_and_sampling_is_seeded_and_bounded():
    flow = build_backbone({"name": "flow-unet", "block_out_channels": [8, 16], "norm_num_groups": 4}, (1, 8, 8), 4)
    images, labels = torch.rand(5, 1, 8, 8) * 2 - 1, torch.tensor([0, 1, 2, 3, 0])
    losses = flow.loss(images, labels, torch.Generator().manual_seed(0))
    assert losses.shape == (5,) and torch.isfinite(losses).all()
    first = flow.sample(labels, 3, torch.Generator().manual_seed(1))
    again = flow.sample(labels, 3, torch.Generator().manual_seed(1))
    assert torch.equal(first, again) and first.shape == (5, 1, 8, 8) and first.abs().max() <= 1.0


def test_bad_solver_is_a_usage_error():
    with pytest.raises(UsageError, match="solver"):
        build_backbone({"name": "flow-unet", "solver": "rk45"}, (1, 8, 8), 2)
