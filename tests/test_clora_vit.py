"""C-LoRA on the QKV projections: zero update at the start of a task, Eq. 3's self-regularisation,
and merging that keeps the function while emptying the factors."""

from __future__ import annotations

import torch

from methods.clora_vit import ContinualLoRALinear


def _layer() -> ContinualLoRALinear:
    torch.manual_seed(0)
    return ContinualLoRALinear(torch.nn.Linear(6, 9), rank=3)


def test_a_new_task_starts_from_a_zero_update():
    layer, x = _layer(), torch.randn(4, 6)
    base = torch.nn.functional.linear(x, layer.weight, layer.bias)
    layer.new_factors(torch.Generator().manual_seed(1))
    assert torch.count_nonzero(layer.down) > 0 and torch.count_nonzero(layer.up) == 0
    assert torch.allclose(layer(x), base)


def test_merging_keeps_the_function_and_accumulates_the_past_update():
    layer, x = _layer(), torch.randn(4, 6)
    with torch.no_grad():
        layer.down.normal_()
        layer.up.normal_()
    before, update = layer(x), layer.update().clone()
    layer.merge()
    assert torch.allclose(layer(x), before, atol=1e-5)
    assert torch.allclose(layer.past_update, update) and torch.count_nonzero(layer.update()) == 0


def test_self_regularization_is_eq3():
    layer = _layer()
    with torch.no_grad():
        layer.past_update.normal_()
        layer.down.normal_()
        layer.up.normal_()
    expected = torch.linalg.matrix_norm(layer.past_update.abs() * (layer.up @ layer.down)) ** 2
    assert torch.allclose(layer.self_regularization(), expected)
    with torch.no_grad():
        layer.past_update.zero_()
    assert float(layer.self_regularization().detach()) == 0.0  # the first task is unregularised
