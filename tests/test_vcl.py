"""VCL's mean-field layers: the KL term, seeded weight sampling, and the log-variance init."""

from __future__ import annotations

import torch

from methods._bayesian import BayesianConv2d, BayesianLinear, WeightNoise, gaussian_kl, make_mean_field


def _normal(mean: torch.Tensor, log_variance: torch.Tensor) -> torch.distributions.Normal:
    return torch.distributions.Normal(mean, (0.5 * log_variance).exp())


def test_layer_kl_matches_torch_distributions() -> None:
    torch.manual_seed(0)
    noise = WeightNoise()
    layer = BayesianLinear(torch.nn.Linear(5, 3), noise, -10.0, 1.0)
    with torch.no_grad():
        for name in layer.tensor_names:
            for part in ("mean", "log_variance", "prior_mean", "prior_log_variance"):
                getattr(layer, f"{name}_{part}").copy_(torch.randn_like(getattr(layer, f"{name}_{part}")))
    expected = sum(
        torch.distributions.kl_divergence(
            _normal(getattr(layer, f"{n}_mean"), getattr(layer, f"{n}_log_variance")),
            _normal(getattr(layer, f"{n}_prior_mean"), getattr(layer, f"{n}_prior_log_variance")),
        ).sum()
        for n in layer.tensor_names
    )
    torch.testing.assert_close(layer.kl_to_prior(), expected)
    m, lv, pm, plv = torch.randn(4, 7, dtype=torch.float64).unbind(0)
    torch.testing.assert_close(gaussian_kl(m, lv, pm, plv), torch.distributions.kl_divergence(_normal(m, lv), _normal(pm, plv)))


def test_kl_is_zero_once_the_posterior_becomes_the_prior() -> None:
    layer = BayesianConv2d(torch.nn.Conv2d(2, 3, 3, padding=1), WeightNoise(), -10.0, 1.0)
    assert float(layer.kl_to_prior().detach()) > 0
    layer.posterior_becomes_prior()
    assert float(layer.kl_to_prior().detach()) == 0.0


def test_sampled_weights_are_seeded_and_start_near_the_deterministic_layer() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(64, 2))
    inputs = torch.randn(2, 1, 4, 4)
    reference = model(inputs)
    noise = WeightNoise()
    layers = make_mean_field(model, noise, -10.0, 1.0)
    assert len(layers) == 2 and all(float(l.weight_log_variance.detach().mean()) == -10.0 for l in layers)
    noise.reseed(7, torch.device("cpu"))
    first = model(inputs)
    noise.reseed(7, torch.device("cpu"))
    again = model(inputs)
    torch.testing.assert_close(first, again)
    assert not torch.equal(first, model(inputs))  # fresh weights on every forward
    torch.testing.assert_close(first, reference, atol=0.05, rtol=0)  # std e^-5 ~ 0.007 per weight
