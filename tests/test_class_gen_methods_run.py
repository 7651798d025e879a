"""The class-gen methods (finetune, er, l2, ewc, generative replay, vcl, mle-coreset) through the real runner on the tiny bench, and the state
each keeps across a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from harness.record import read_record
from harness.runner import RunSpec, execute
from methods import METHODS

FAST = {
    "l2": {"weight": "0.01"},
    "ewc": {"fisher_samples": "4"},
    "generative-replay": {"replay_per_class": "3"},
    "vcl": {"train_weight_samples": "2", "eval_weight_samples": "2", "coreset_per_task": "3", "coreset_epochs": "1"},
    "mle-coreset": {"coreset_per_task": "3", "coreset_epochs": "1"},
}


@pytest.mark.parametrize("method", sorted(FAST))
def test_method_completes_a_run_and_round_trips_its_state(tmp_path: Path, tiny_bench: Path, method: str) -> None:
    path = execute(RunSpec(method=method, bench=str(tiny_bench), overrides=FAST[method], profile="smoke", results_dir=tmp_path))
    record = read_record(path)
    assert record["status"] == "complete" and record["tasks_done"] == 2
    assert all(entry["matrix"][1][0] is not None for entry in record["metrics"].values())
    checkpoint = sorted((tmp_path / "checkpoints").rglob("task001.safetensors"))
    assert checkpoint, "the last task's checkpoint is kept"
    from safetensors.torch import load_file

    state = load_file(str(checkpoint[0]))
    extra = {key.split(".")[0] for key in state if not key.startswith("backbone.")}
    assert extra == {
        "l2": {"anchor"}, "ewc": {"fisher0", "anchor0"}, "generative-replay": {"past_classes", "real_counts"},
        "vcl": {"coreset", "propagated"}, "mle-coreset": {"coreset", "propagated"},
    }[method]


def test_vcl_evaluation_is_deterministic_given_the_seed(tmp_path: Path, tiny_bench: Path) -> None:
    spec = dict(method="vcl", bench=str(tiny_bench), overrides=FAST["vcl"], profile="smoke")
    first = read_record(execute(RunSpec(**spec, results_dir=tmp_path / "a")))
    second = read_record(execute(RunSpec(**spec, results_dir=tmp_path / "b")))
    assert first["metrics"] == second["metrics"]


@pytest.mark.parametrize("scaling, divisor", [("per-example", 5), ("eq3-literal", 5 * 10 * 64)])
def test_vcl_loss_carries_the_scaled_kl_term(scaling: str, divisor: int) -> None:
    from harness.backbones import build_backbone
    from harness.bench import Profile
    from methods import TrainContext

    torch.manual_seed(0)
    backbone = build_backbone({"name": "ddpm-unet", "block_out_channels": [8, 16], "norm_num_groups": 4, "num_train_timesteps": 10}, (1, 8, 8), 10)
    context = TrainContext(Profile(2, 4, 1e-3, 2, 2), 0, torch.device("cpu"), 2, 10)
    method = METHODS.get("vcl")(backbone, METHODS.get("vcl").Hparams(train_weight_samples=1, kl_scaling=scaling), context)
    method.examples = 5
    images, labels = torch.zeros(2, 1, 8, 8), torch.tensor([0, 1])
    method.noise.reseed(1, torch.device("cpu"))
    with_kl = method.training_loss(images, labels, torch.Generator().manual_seed(0))
    method.noise.reseed(1, torch.device("cpu"))
    likelihood = backbone.loss(images, labels, torch.Generator().manual_seed(0)).mean()
    expected_kl = method.hparams.kl_weight * method.kl_divergence() / divisor  # kl_weight * KL / N_d, or / (N_d T D) read literally
    torch.testing.assert_close(with_kl, likelihood + expected_kl)
    assert float(expected_kl.detach()) > 0
