"""C-LoRA's backbone-independent strength (`reg_ratio`, issue 27 item 4)."""

import torch

from methods.lora_family import clora_penalty, relative_reg_weight


def _past(scale: float) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return {"a": scale * torch.randn(8, 4, generator=generator).abs(), "b": scale * torch.randn(3, 5, generator=generator).abs()}


def test_penalty_equals_ratio_when_update_equals_past():
    past = _past(0.03)
    weight = relative_reg_weight(past, 2.5)
    assert abs(weight * float(clora_penalty(past, past)) - 2.5) < 1e-6


def test_relative_strength_does_not_depend_on_weight_scale():
    small, large = _past(1e-3), _past(10.0)
    update = {key: 0.5 * value for key, value in small.items()}
    scaled_update = {key: 0.5 * value for key, value in large.items()}
    first = relative_reg_weight(small, 1.0) * float(clora_penalty(small, update))
    second = relative_reg_weight(large, 1.0) * float(clora_penalty(large, scaled_update))
    assert abs(first - second) < 1e-6 * max(first, second)
    assert abs(first - 0.25) < 1e-6


def test_no_past_gives_zero_weight():
    assert relative_reg_weight({"a": torch.zeros(2, 2)}, 1.0) == 0.0
