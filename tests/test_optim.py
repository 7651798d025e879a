"""The trainers' Adam (multi-tensor on CPU) leaves exactly the parameters the single-tensor loop does."""

import torch

from methods._optim import adam


def _train(make_optimizer) -> list[torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.SiLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 8 * 8, 4))
    optimizer = make_optimizer(model.parameters())
    data = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    for _ in range(20):
        optimizer.zero_grad(set_to_none=True)
        model(data).pow(2).mean().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


def test_trainers_adam_is_bit_identical_to_the_single_tensor_loop():
    single = _train(lambda params: torch.optim.Adam(params, lr=2e-3, foreach=False))
    ours = _train(lambda params: adam(params, lr=2e-3))
    assert all(torch.equal(a, b) for a, b in zip(single, ours))
