"""The LoRA family on the tiny text-to-image model: each method's defining equation, checked
against a hand computation, and the exported adapters loaded back into diffusers."""

from __future__ import annotations

import pytest
import torch

from harness.bench import load_bench
from harness.tracks import TRACK_REGISTRY, BuildOptions
from methods import METHODS, TrainContext
from methods._lora import lora_layers
from methods.lora_family import clora_penalty, magnitude_select


def make_method(name: str, bench_path, **hparams):
    bench = load_bench(str(bench_path))
    track = TRACK_REGISTRY.get(bench.track)
    loaded = track.load(bench, BuildOptions())
    cls = METHODS.get(name)
    backbone = track.build_backbone(bench, loaded, BuildOptions())
    context = TrainContext(bench.profile("default"), 0, torch.device("cpu"), len(loaded.tasks), loaded.num_classes,
                           regularization=track.regularization(bench, loaded, backbone, BuildOptions()))
    return cls(backbone, cls.Hparams(**hparams), context), loaded.tasks


def test_clora_penalty_matches_a_hand_computation():
    past = [torch.tensor([[1.0, -2.0], [0.5, 0.0]]), torch.tensor([[-3.0, 1.0], [0.5, 2.0]])]
    a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[0.5], [-1.0]])  # A_t (1x2), B_t (2x1)
    current = b @ a
    summed = past[0] + past[1]  # [[-2, -1], [1, 2]]
    expected = sum((abs(summed[i][j].item()) * current[i][j].item()) ** 2 for i in range(2) for j in range(2))
    assert clora_penalty({"w": summed.abs()}, {"w": current}).item() == pytest.approx(expected)
    assert expected == pytest.approx((2 * 0.5) ** 2 + (1 * 1.0) ** 2 + (1 * 1.0) ** 2 + (2 * 2.0) ** 2)


def test_clora_penalty_is_zero_on_the_first_task_and_counts_after(tiny_benches):
    method, tasks = make_method("clora", tiny_benches["t2i"], rank=2)
    method.before_task(tasks[0], torch.Generator().manual_seed(0))
    name = method.adapter_name(tasks[0])
    assert method.penalty(name) is None
    method.unet.delete_adapters(name)
    method.unet.unload_lora()
    method.learn(tasks[0])
    assert method.past_sum and all(v.abs().sum() > 0 for v in method.past_sum.values())
    method.before_task(tasks[1], torch.Generator().manual_seed(1))
    name = method.adapter_name(tasks[1])
    with torch.no_grad():
        for layer in lora_layers(method.unet).values():
            layer.lora_B[name].weight.normal_()
    by_hand = sum(((method.past_sum[k].abs() * layer.get_delta_weight(name)) ** 2).sum() for k, layer in lora_layers(method.unet).items())
    assert method.penalty(name).item() == pytest.approx(method.hparams.reg_weight * by_hand.item(), rel=1e-5)


def test_magnitude_select_keeps_the_larger_magnitude_entry():
    merged = torch.tensor([1.0, -3.0, 0.5, -2.0])
    task = torch.tensor([-2.0, 1.0, 0.5, 0.1])
    assert torch.equal(magnitude_select(merged, task), torch.tensor([-2.0, -3.0, 0.5, -2.0]))


def test_magmax_weights_are_base_plus_selected_updates(tiny_benches):
    method, tasks = make_method("magmax", tiny_benches["t2i"], rank=2)
    base = {k: layer.weight.detach().clone() for k, layer in method.targets.items()}
    method.learn(tasks[0])
    first = {k: v.clone() for k, v in method.merged.items()}
    method.learn(tasks[1])
    for key, layer in method.targets.items():
        assert torch.allclose(layer.weight, base[key] + method.merged[key], atol=1e-6)
        assert (method.merged[key].abs() >= first[key].abs()).all()  # an entry only ever gives way to a larger one
        assert (method.merged[key] != first[key]).any()


def test_exported_adapter_loads_back_into_diffusers_with_identical_outputs(tiny_benches, tmp_path):
    method, tasks = make_method("lora-seq", tiny_benches["t2i"], rank=2)
    method.learn(tasks[0])
    method.export_adapter(tmp_path / "adapter")
    trained = method.unet
    fresh, _ = make_method("lora-seq", tiny_benches["t2i"], rank=2)
    fresh.unet.load_lora_adapter(str(tmp_path / "adapter"), prefix="unet", adapter_name="loaded", weight_name="pytorch_lora_weights.safetensors")
    noise = torch.randn(2, *method.backbone.latent_shape, generator=torch.Generator().manual_seed(0))
    hidden = torch.randn(2, 16, trained.config.cross_attention_dim, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([10, 500])
    with torch.no_grad():
        assert torch.allclose(trained(noise, t, encoder_hidden_states=hidden).sample, fresh.unet(noise, t, encoder_hidden_states=hidden).sample, atol=1e-6)
