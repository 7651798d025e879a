"""FunLoRA: the functional matrix's rank (the paper's Figure 4), per-example filters, and that
nothing of task 1's classes or of the shared backbone moves after task 1."""

from __future__ import annotations

import pytest
import torch

from harness.backbones import build_backbone
from harness.bench import load_bench
from harness.record import read_record
from harness.runner import RunSpec, execute, prepare
from harness.tracks.class_gen.tasks import load_tasks
from methods import TrainContext
from methods._funlora_layers import FunLoRAConv2d, functional_matrix
from methods.funlora import PAPER_ADAPTED_FRACTION
from tests.conftest import write_bench

FLOW_BACKBONE = {"name": "flow-unet", "block_out_channels": [8, 16], "layers_per_block": 1, "norm_num_groups": 4}


def _rank(family: str, p: int, out_channels: int = 24, in_channels: int = 20) -> int:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(1, out_channels, generator=g, dtype=torch.float64), torch.randn(1, in_channels, generator=g, dtype=torch.float64)
    alpha = torch.rand(1, p, generator=g, dtype=torch.float64) + 0.5
    omega = torch.arange(1, p + 1, dtype=torch.float64).unsqueeze(0)
    return int(torch.linalg.matrix_rank(functional_matrix(family, a, b, alpha, omega)[0]))


def test_functional_matrix_rank_follows_the_papers_figure_4():
    assert _rank("none", 1) == 1
    for p in (2, 5, 10):
        assert _rank("rshift", p) == p
    assert _rank("cosine", 10) > 1
    assert _rank("power", 3) == 3


def test_adapted_convolution_applies_each_examples_own_filters():
    torch.manual_seed(0)
    base = torch.nn.Conv2d(3, 5, 3, padding=1)
    adapter = FunLoRAConv2d(base, num_classes=4, family="cosine", num_functions=3, init_std=0.5)
    adapter.active[:] = True
    with torch.no_grad():
        adapter.alpha.normal_()
    x, labels = torch.randn(3, 3, 6, 6), torch.tensor([2, 0, 2])
    adapter.labels = labels
    out = adapter(x)
    with torch.no_grad():
        assert torch.equal(adapter(x), out), "merged filters (no autograd) give the same result"
    for k in range(3):
        weight = base.weight * (1 + adapter.matrix(labels[k : k + 1])[0])[..., None, None]
        expected = torch.nn.functional.conv2d(x[k : k + 1], weight, base.bias, padding=1)
        assert torch.allclose(out[k : k + 1], expected, atol=1e-5)
    with torch.no_grad():
        adapter.alpha.zero_()
        assert torch.allclose(adapter(x), base(x), atol=1e-6), "alpha = 0 is the shared convolution (merged filters refreshed)"


def _trained_method(tmp_path, steps=3):
    bench = write_bench(tmp_path, backbone=FLOW_BACKBONE)
    run = prepare(RunSpec(method="funlora", bench=str(bench), results_dir=tmp_path))
    data, tasks = load_tasks(run.bench, None)
    context = TrainContext(run.bench.profile("smoke"), 0, torch.device("cpu"), len(tasks), data.num_classes)
    torch.manual_seed(0)
    backbone = build_backbone(load_bench(str(bench)).backbone, data.image_shape, data.num_classes)
    return run.method_cls(backbone, run.hparams, context), tasks


def test_after_task_1_shared_parameters_and_task_1_classes_are_bitwise_unchanged(tmp_path):
    method, tasks = _trained_method(tmp_path)
    method.learn(tasks[0])
    after_first = {name: value.clone() for name, value in method.backbone.state_dict().items()}
    first_classes = list(tasks[0].classes)
    method.learn(tasks[1])
    moved_for_new_classes = False
    for name, value in method.backbone.state_dict().items():
        per_class = name.rsplit(".", 1)[-1] in {"lora_a", "lora_b", "alpha", "omega", "active"}
        if per_class:
            assert torch.equal(value[first_classes], after_first[name][first_classes]), name
            moved_for_new_classes |= name.endswith("alpha") and not torch.equal(value, after_first[name])
        else:
            assert torch.equal(value, after_first[name]), name
    assert moved_for_new_classes, "task 2 must train its own classes' factors"
    assert method.adapted.sum() == max(1, round(PAPER_ADAPTED_FRACTION * len(method.adapters))) < len(method.adapters)


def test_default_selection_keeps_the_layers_furthest_from_zero_by_task_1_importance(tmp_path):
    method, tasks = _trained_method(tmp_path)
    assert method.hparams.adapted_fraction == PAPER_ADAPTED_FRACTION
    method.learn(tasks[0])
    expected = method.layer_importance(tasks[0].classes)
    assert torch.equal(method.importance, expected), "I_l is the task-1 classes' average"
    kept = method.importance.abs()[method.adapted]
    dropped = method.importance.abs()[~method.adapted]
    assert kept.min() >= dropped.max(), "the chosen convolutions are the ones with the largest |I_l|"
    later, first = method.extra_parameters_per_class(later_task=True), method.extra_parameters_per_class(later_task=False)
    assert 0 < later < first, "a later class stores factors on the chosen convolutions only"
    method.learn(tasks[1])
    new = list(tasks[1].classes)
    for adapter, adapted in zip(method.adapters.values(), method.adapted.tolist()):
        assert bool(adapter.active[new].all()) == adapted, "later classes are adapted exactly on the chosen layers"
        if not adapted:
            assert torch.equal(adapter.alpha[new], torch.zeros_like(adapter.alpha[new])), "no factor trains off the chosen layers"


def test_forgetting_is_exactly_zero_with_fixed_evaluation_noise(tmp_path):
    bench = write_bench(tmp_path, backbone=FLOW_BACKBONE)
    record = read_record(execute(RunSpec(method="funlora", bench=str(bench), results_dir=tmp_path / "r")))
    for name, entry in record["metrics"].items():
        assert entry["matrix"][1][0] == entry["matrix"][0][0], name
    notes = record["method"]["notes"]
    assert len(notes["layer_importance"]) >= len(notes["adapted_layers"]) >= 1
    assert 0 < notes["extra_fraction_per_class_later"] < 0.1


def test_bad_function_family_is_refused(tmp_path):
    from core.errors import UsageError

    bench = write_bench(tmp_path, backbone=FLOW_BACKBONE)
    with pytest.raises(UsageError, match="function"):
        prepare(RunSpec(method="funlora", bench=str(bench), overrides={"function": "sine"}, results_dir=tmp_path))


def test_a_second_method_on_the_same_backbone_replaces_the_adapters(tmp_path):
    """The dry run calibrates two methods on one backbone: no adapter may wrap another."""
    first, tasks = _trained_method(tmp_path)
    second = type(first)(first.backbone, first.hparams, first.context)
    assert len(second.adapters) == len(first.adapters)
    modules = list(second.backbone.unet.modules())
    assert not any(isinstance(m.base, FunLoRAConv2d) for m in modules if isinstance(m, FunLoRAConv2d))
    assert sum(isinstance(m, FunLoRAConv2d) for m in modules) == len(second.adapters)
    assert len(second.backbone.unet._funlora_hooks) == 1
    second.learn(tasks[0])
