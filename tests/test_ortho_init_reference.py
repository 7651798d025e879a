"""ortho-init against the LoRA-merging study's code (luk-st/continual-lora eb586cd,
lora/train_dreambooth_lora_sdxl.py): its A init re-implemented here from lines 836-849, its summed
LoRA from `merge_loras` (lines 96-106), B left at peft's zero init (asserted at lines 883-884)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from methods._lora import lora_layers
from methods.lora_family import orthogonal_columns
from tests.test_t2i_methods import make_method


def reference_ortho_columns(matrix: torch.Tensor) -> torch.Tensor:
    """The study's code, lines 836-849, verbatim but for the decorators."""

    def find_orthogonal_vector_svd(v):
        assert len(v.shape) == 1
        v = v.view(1, -1)
        _, _, vh = torch.linalg.svd(v)
        ortho_vec = vh[-1, :]
        return ortho_vec

    assert len(matrix.shape) == 2
    return torch.stack([find_orthogonal_vector_svd(matrix[:, idx]) for idx in range(matrix.shape[1])]).T


def test_orthogonal_columns_equal_the_studys_per_column_svd() -> None:
    a_sum = torch.randn(8, 40, generator=torch.Generator().manual_seed(0))
    ours, theirs = orthogonal_columns(a_sum), reference_ortho_columns(a_sum)
    assert ours.shape == a_sum.shape
    assert torch.equal(ours, theirs)  # bit for bit: the batched SVD runs the same LAPACK call per column on the CPU
    for idx in range(a_sum.shape[1]):  # the study's own check (lines 879-881)
        assert F.cosine_similarity(ours[:, idx : idx + 1].T, a_sum[:, idx : idx + 1].T).item() < 1e-4
    assert torch.allclose(ours.norm(dim=0), torch.ones(40), atol=1e-6)  # unit columns in rank space, not peft's scale


def test_ortho_init_follows_the_studys_task_flow(tiny_benches) -> None:
    method, tasks = make_method("ortho-init", tiny_benches["t2i"], rank=2)
    base = {key: layer.weight.detach().clone() for key, layer in method.targets.items()}
    method.learn(tasks[0])
    first_a, first_b = {k: v.clone() for k, v in method.a_sum.items()}, {k: v.clone() for k, v in method.b_sum.items()}
    method.before_task(tasks[1], torch.Generator().manual_seed(1))
    name = method.adapter_name(tasks[1])
    for key, layer in lora_layers(method.unet).items():
        assert torch.allclose(layer.lora_A[name].weight, reference_ortho_columns(first_a[key]), atol=1e-6), key
        assert torch.count_nonzero(layer.lora_B[name].weight) == 0, key
    method.unet.delete_adapters(name)
    method.unet.unload_lora()
    method.learn(tasks[1])
    for key, layer in method.targets.items():
        a_sum, b_sum = method.a_sum[key], method.b_sum[key]
        assert not torch.equal(a_sum, first_a[key]) and not torch.equal(b_sum, first_b[key])
        # merge_loras sums A's and B's separately; the model is base + B_sum A_sum (alpha = r, scaling 1)
        assert torch.allclose(layer.weight, base[key] + b_sum @ a_sum, atol=1e-5), key
    assert method.stored_parameters() == method.adapter_size()
