"""Bits per dimension: the DDPM bound against the analytic log-likelihood of Gaussian data."""

from __future__ import annotations

import math

import pytest
import torch
from diffusers import DDPMScheduler

from metrics.bpd import BpdOptions, DiffusionConstants, bits_per_dim_with_breakdown, normal_kl, strided_timesteps


def _gaussian_case(std: float, num_timesteps: int = 1000, images: int = 64, dims: int = 16):
    constants = DiffusionConstants(DDPMScheduler(num_train_timesteps=num_timesteps, beta_schedule="linear").betas)
    data = torch.randn((images, 1, 4, dims // 4), generator=torch.Generator().manual_seed(1), dtype=torch.float64) * std

    def optimal_noise_predictor(x_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        # x0 ~ N(0, std^2 I)  =>  E[eps | x_t] = sqrt(1 - abar) x_t / (abar std^2 + 1 - abar)
        abar = constants.alphas_cumprod[t].view(-1, 1, 1, 1)
        return (1.0 - abar).sqrt() * x_t.double() / (abar * std**2 + 1.0 - abar)

    return constants, data, optimal_noise_predictor


def _analytic_bound_bits_per_dim(std: float, constants: DiffusionConstants, variance: str = "fixed-large") -> float:
    """The expected bound per dimension for x0 ~ N(0, std^2) and the exact posterior-mean predictor,
    in closed form: every term is a Gaussian expectation (the decoder's by 1-D quadrature)."""
    abar, coef1 = constants.alphas_cumprod, constants.posterior_mean_coef1
    true_variance = constants.posterior_log_variance_clipped.exp()
    variance = constants.model_log_variance(variance).exp()
    residual = std**2 * (1 - abar) / (abar * std**2 + 1 - abar)  # Var(x0 | x_t): the predictor's error in x0
    prior = 0.5 * (abar[-1] * std**2 + (1 - abar[-1]) - 1 - torch.log(1 - abar[-1]))
    # means differ by coef1 (x0 - E[x0|x_t]); the model's variance may differ from the true posterior's
    kl_terms = 0.5 * (torch.log(variance[1:] / true_variance[1:]) + (true_variance[1:] + coef1[1:] ** 2 * residual[1:]) / variance[1:] - 1)
    offsets = torch.linspace(-8, 8, 20001, dtype=torch.float64) * residual[0].sqrt()
    density = torch.exp(-offsets**2 / (2 * residual[0])) / torch.sqrt(2 * math.pi * residual[0])
    scale = variance[0].sqrt()
    normal_cdf = lambda z: 0.5 * (1 + torch.erf(z / math.sqrt(2)))  # noqa: E731
    bin_mass = normal_cdf((offsets + 1 / 255) / scale) - normal_cdf((offsets - 1 / 255) / scale)
    decoder = torch.trapezoid(-torch.log(bin_mass.clamp(min=1e-300)) * density, offsets)
    return float(prior + kl_terms.sum() + decoder) / math.log(2)


def test_bound_with_the_optimal_predictor_matches_its_closed_form() -> None:
    std = 0.2
    constants, data, predictor = _gaussian_case(std, images=512)
    labels = torch.zeros(data.shape[0], dtype=torch.long)
    total, breakdown = bits_per_dim_with_breakdown(predictor, data, labels, constants, torch.Generator().manual_seed(0))
    assert total == pytest.approx(_analytic_bound_bits_per_dim(std, constants), abs=0.03)
    small, _ = bits_per_dim_with_breakdown(predictor, data, labels, constants, torch.Generator().manual_seed(0), BpdOptions(variance="fixed-small"))
    assert small == pytest.approx(_analytic_bound_bits_per_dim(std, constants, "fixed-small"), abs=0.03)
    assert total == pytest.approx(breakdown["prior"] + sum(breakdown["range_bits_per_dim"]), rel=1e-9)
    # a bound on -log2 P(x0's 8-bit bin) ~= -log2 N(x0; 0, std^2) - log2(2/255): above it, and close
    nll = (0.5 * math.log(2 * math.pi * std**2) + 0.5 - math.log(2 / 255)) / math.log(2)
    assert nll < total < nll + 1.0


def test_a_wrong_predictor_costs_bits_in_late_timesteps() -> None:
    constants, data, predictor = _gaussian_case(0.3)
    labels = torch.zeros(data.shape[0], dtype=torch.long)
    good, good_parts = bits_per_dim_with_breakdown(predictor, data, labels, constants, torch.Generator().manual_seed(0), BpdOptions(timestep_stride=10))
    shifted = lambda x, t, y: predictor(x, t, y) + 0.05 * (t.view(-1, 1, 1, 1) > 600)  # noqa: E731
    bad, bad_parts = bits_per_dim_with_breakdown(shifted, data, labels, constants, torch.Generator().manual_seed(0), BpdOptions(timestep_stride=10))
    assert bad > good
    early = [b - g for b, g in zip(bad_parts["range_bits_per_dim"][:6], good_parts["range_bits_per_dim"][:6])]
    late = [b - g for b, g in zip(bad_parts["range_bits_per_dim"][7:], good_parts["range_bits_per_dim"][7:])]
    assert max(abs(d) for d in early) < 1e-12 and min(late) > 0


def test_strided_timesteps_cover_every_kl_term_once() -> None:
    for stride in (1, 7, 10):
        for exact_below in (0, 100):
            timesteps, weights = strided_timesteps(1000, stride, exact_below)
            assert timesteps[0] == 0 and weights[0] == 1 and sum(weights) == 1000
            assert timesteps[: max(exact_below, 1)] == list(range(max(exact_below, 1)))


def test_strided_bound_stays_close_to_the_exact_sum() -> None:
    constants, data, predictor = _gaussian_case(0.2, images=128)
    labels = torch.zeros(data.shape[0], dtype=torch.long)
    exact, _ = bits_per_dim_with_breakdown(predictor, data, labels, constants, torch.Generator().manual_seed(0))
    strided, _ = bits_per_dim_with_breakdown(predictor, data, labels, constants, torch.Generator().manual_seed(0), BpdOptions(timestep_stride=20))
    assert strided == pytest.approx(exact, abs=0.05)


def test_normal_kl_agrees_with_torch_distributions() -> None:
    m1, m2, lv1, lv2 = torch.randn(4, 5, dtype=torch.float64).unbind(0)
    expected = torch.distributions.kl_divergence(torch.distributions.Normal(m1, (0.5 * lv1).exp()), torch.distributions.Normal(m2, (0.5 * lv2).exp()))
    torch.testing.assert_close(normal_kl(m1, lv1, m2, lv2), expected)


def test_runner_stores_the_breakdown_in_the_record(tmp_path) -> None:
    from conftest import write_bench
    from harness.record import read_record
    from harness.runner import RunSpec, execute

    from test_data_mnist import write_idx_dataset

    write_idx_dataset(tmp_path / "data", "MNIST", per_class=4, test_per_class=3, size=8)
    bench = write_bench(
        tmp_path, data={"source": "torchvision-mnist", "dataset": "MNIST"}, metrics=["judge_accuracy", "bits_per_dim"],
        metric_options={"bits_per_dim": {"images": 8, "timestep_stride": 25, "ranges": 4, "loss_timesteps": [5, 70]}},
    )
    record = read_record(execute(RunSpec(method="finetune", bench=str(bench), profile="smoke", results_dir=tmp_path, data_root=str(tmp_path / "data"))))
    details = record["details"]["bits_per_dim"]
    assert set(details[1][0]["loss_at_timesteps"]) == {"5", "70"} and details[1][0]["variance"] == "fixed-large"
    assert details[0][1] is None and details[1][0]["timestep_ranges"] == [[0, 24], [25, 49], [50, 74], [75, 99]]
    for t in range(2):
        for i in range(t + 1):
            assert record["metrics"]["bits_per_dim"]["matrix"][t][i] == pytest.approx(details[t][i]["total"])
            assert details[t][i]["total"] == pytest.approx(details[t][i]["prior"] + sum(details[t][i]["range_bits_per_dim"]))


def test_experience_replay_records_the_losses_on_its_buffer(tmp_path) -> None:
    """The DDPM study compares L_simple at t = 50 and 700 on replayed data with test data: with a
    buffer the record holds both for every past task; its finetune record holds only the test side."""
    from conftest import write_bench
    from harness.record import read_record
    from harness.runner import RunSpec, execute

    from test_data_mnist import write_idx_dataset

    write_idx_dataset(tmp_path / "data", "MNIST", per_class=4, test_per_class=3, size=8)
    bench = write_bench(
        tmp_path, data={"source": "torchvision-mnist", "dataset": "MNIST"}, metrics=["judge_accuracy", "bits_per_dim"],
        metric_options={"bits_per_dim": {"images": 8, "timestep_stride": 50, "loss_timesteps": [5, 70]}},
    )
    run = lambda method: read_record(execute(RunSpec(  # noqa: E731
        method=method, bench=str(bench), profile="smoke", results_dir=tmp_path, data_root=str(tmp_path / "data"), overrides={"buffer_per_task": "3"} if method == "er" else {},
    )))
    er, finetune = run("er"), run("finetune")
    replayed = er["details"]["bits_per_dim"][1][0]["buffer_loss_at_timesteps"]
    assert set(replayed) == {"5", "70"} and all(value > 0 for value in replayed.values())
    assert replayed != er["details"]["bits_per_dim"][1][0]["loss_at_timesteps"]
    assert "buffer_loss_at_timesteps" not in finetune["details"]["bits_per_dim"][1][0]


def test_metric_options_must_name_a_listed_metric(tmp_path) -> None:
    from conftest import write_bench
    from harness.bench import load_bench_file
    from core.errors import UsageError

    with pytest.raises(UsageError, match="metric_options names 'bits_per_dim'"):
        load_bench_file(write_bench(tmp_path, metric_options={"bits_per_dim": {"images": 8}}))


def test_bits_per_dim_refuses_data_that_is_not_8_bit(tmp_path) -> None:
    from conftest import write_bench
    from core.errors import UsageError
    from harness.runner import RunSpec, execute

    bench = write_bench(tmp_path, metrics=["judge_accuracy", "bits_per_dim"])  # scikit-learn digits: 17 grey levels
    with pytest.raises(UsageError, match="needs 8-bit images"):
        execute(RunSpec(method="finetune", bench=str(bench), profile="smoke", results_dir=tmp_path))
