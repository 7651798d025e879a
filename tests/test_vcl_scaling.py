"""VCL as its papers run it: the KL/N scaling (the test that would have caught the T*D-weaker KL),
the MLE warm-up of task 1, and K weight draws in one batched pass equal to K separate passes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from harness.backbones import build_backbone
from harness.bench import Profile
from harness.tracks.class_gen.tasks import Task
from methods import METHODS, TrainContext
from methods._bayesian import BayesianConv2d, BayesianLinear, WeightNoise

BACKBONE = {"name": "ddpm-unet", "block_out_channels": [8, 16], "layers_per_block": 1, "norm_num_groups": 4, "num_train_timesteps": 100}
PROFILE = Profile(steps_per_task=30, batch_size=16, lr=0.002, eval_samples_per_class=2, sampling_steps=2)


def _task(index: int, classes: tuple[int, int], examples: int = 64) -> Task:
    generator = torch.Generator().manual_seed(index)
    labels = torch.tensor(classes).repeat(examples // 2)
    shift = torch.where(labels == classes[0], -0.5, 0.5).view(-1, 1, 1, 1)
    images = (torch.randn(examples, 1, 8, 8, generator=generator) * 0.3 + shift).clamp(-1, 1)
    return Task(index, classes, images, labels, images[:4], labels[:4])


def _method(name: str, **overrides: str):
    torch.manual_seed(0)
    backbone = build_backbone(BACKBONE, (1, 8, 8), 4)
    cls = METHODS.get(name)
    from harness.hparams import build_hparams

    return cls(backbone, build_hparams(name, cls.Hparams, overrides), TrainContext(PROFILE, 0, torch.device("cpu"), 2, 4))


def _means(method) -> torch.Tensor:
    """The Linear / Conv2d weights of the UNet (VCL: their means), flattened in module order; the
    norm layers and class embeddings are point estimates in VCL, as in the study's code."""
    if hasattr(method, "layers"):
        return torch.cat([layer.weight_mean.detach().flatten() for layer in method.layers])
    modules = [m for m in method.backbone.unet.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    return torch.cat([m.weight.detach().flatten() for m in modules])


def _movement_on_second_task(name: str, **overrides: str) -> tuple[float, object]:
    method = _method(name, **overrides)
    method.learn(_task(0, (0, 1)))
    before = _means(method)
    method.learn(_task(1, (2, 3)))
    return float((_means(method) - before).norm()), method


def test_kl_over_n_keeps_task_one_variances_and_moves_weights_far_less_than_finetune() -> None:
    finetune, _ = _movement_on_second_task("finetune")
    # kl_weight 1: the scalings themselves (the default's smaller weight is a split-digits sweep's choice)
    per_example, vcl = _movement_on_second_task("vcl", train_weight_samples="2", eval_weight_samples="1", kl_weight="1")
    literal, _ = _movement_on_second_task("vcl", train_weight_samples="2", eval_weight_samples="1", kl_scaling="eq3-literal", kl_weight="1")
    log_variances = torch.cat([layer.weight_log_variance.detach().flatten() for layer in vcl.layers])
    # With KL / N the posterior after two tasks keeps its variances near the prior's e^-10 ...
    assert abs(float(log_variances.mean()) + 10.0) < 0.5
    # ... and the second task moves the means far less than finetuning moves the weights, while
    # the literal eq. (3) reading (KL / (N T D), harness v1) fails this same bound.
    print(f"movement on task 2: finetune {finetune:.3f}, KL/N {per_example:.3f}, KL/(NTD) {literal:.3f}")
    assert per_example < 0.1 * finetune, (per_example, finetune)
    assert literal > 0.1 * finetune and literal > 3 * per_example, (literal, per_example, finetune)


def test_mle_warmup_trains_task_one_means_deterministically_and_makes_them_the_prior() -> None:
    method = _method("vcl", train_weight_samples="2", eval_weight_samples="1")
    initial = {n: p.detach().clone() for n, p in method.backbone.named_parameters()}
    method.learn(_task(0, (0, 1)))
    for layer in method.layers:
        assert torch.equal(layer.weight_prior_mean, layer.weight_mean.detach())
        assert torch.all(layer.weight_prior_log_variance == -10.0) and torch.all(layer.weight_log_variance.detach() == -10.0)
    moved = [n for n, p in method.backbone.named_parameters() if n.endswith("_mean") and not torch.equal(p.detach(), initial[n])]
    assert moved, "the MLE warm-up trains the means"
    without = _method("vcl", train_weight_samples="2", eval_weight_samples="1", mle_warmup="false")
    assert all(torch.all(layer.weight_prior_mean == 0) for layer in without.layers)  # N(0, 1) prior on task 1
    without.learn(_task(0, (0, 1)))
    assert any(not torch.all(layer.weight_log_variance.detach() == -10.0) for layer in without.layers)  # variational from the start


@pytest.mark.parametrize("layer_kind", ["linear", "conv"])
def test_batched_draws_equal_separate_passes(layer_kind: str) -> None:
    torch.manual_seed(0)
    noise = WeightNoise()
    if layer_kind == "linear":
        layer = BayesianLinear(torch.nn.Linear(5, 3), noise, -2.0, 1.0)
        inputs = torch.randn(4, 5)
        apply = lambda x, w, b: F.linear(x, w, b)  # noqa: E731
    else:
        layer = BayesianConv2d(torch.nn.Conv2d(2, 3, 3, padding=1, stride=2), noise, -2.0, 1.0)
        inputs = torch.randn(4, 2, 6, 6)
        apply = lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1)  # noqa: E731
    draws = 3
    noise.reseed(11, torch.device("cpu"))
    noise.draws = draws
    weights, biases = layer.sampled("weight"), layer.sampled("bias")
    noise.reseed(11, torch.device("cpu"))
    batched = layer(inputs.repeat(draws, *[1] * (inputs.dim() - 1)))
    expected = torch.cat([apply(inputs, weights[k], biases[k]) for k in range(draws)])
    torch.testing.assert_close(batched, expected)
    assert not torch.allclose(expected[:4], expected[4:8])  # the draws differ


@pytest.mark.parametrize("name", ["vcl", "mle-coreset"])
def test_uniform_15_init_draws_weight_means_from_the_papers_fan_in_range(name: str) -> None:
    """Table 2 of the VCL diffusion study: MFVI means ~ U(-sqrt(15/fan-in), sqrt(15/fan-in)), shared by MLE and VCL."""
    method, plain = _method(name, weight_init="uniform-15"), _method(name)
    layers = method.layers if hasattr(method, "layers") else [m for m in method.backbone.unet.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    for layer in layers:
        weight = layer.weight_mean if hasattr(layer, "weight_mean") else layer.weight
        bound = (15.0 / weight[0].numel()) ** 0.5
        assert float(weight.detach().abs().max()) <= bound
        if weight.numel() >= 64:  # a uniform draw fills its range
            assert float(weight.detach().abs().max()) > 0.9 * bound and abs(float(weight.detach().std()) - bound / 3**0.5) < 0.2 * bound
    assert float((_means(method) - _means(plain)).abs().max()) > 0
    assert torch.equal(_means(method), _means(_method(name, weight_init="uniform-15")))  # seeded


def test_mle_coreset_of_zero_is_plain_finetuning_and_unknown_inits_are_refused() -> None:
    method = _method("mle-coreset", coreset_per_task=0)
    method.learn(_task(0, (0, 1)))
    assert method.coreset_x.shape[0] == 0
    from core.errors import UsageError

    with pytest.raises(UsageError, match="weight_init"):
        _method("vcl", weight_init="xavier")
