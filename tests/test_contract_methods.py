"""Contract tests generated from the method registry: every method, tiny backbone, two tiny
tasks, through the real runner."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from harness.record import read_record
from harness.runner import RunSpec, execute, prepare
from methods import METHODS


@pytest.mark.parametrize("name", METHODS.names())
def test_method_declares_its_contract(name):
    cls = METHODS.get(name)
    assert cls.tracks, f"{name} declares no tracks"
    assert dataclasses.is_dataclass(cls.Hparams) and cls.Hparams.__dataclass_params__.frozen
    assert cls.description(), f"{name} needs a one-line docstring"
    cls.Hparams()  # every knob has a default


@pytest.mark.parametrize("name", [n for n in METHODS.names() if "class-gen" in METHODS.get(n).tracks])
def test_method_runs_two_tasks_through_the_runner(name, tiny_bench, tmp_path):
    path = execute(RunSpec(method=name, bench=str(tiny_bench), seed=0, results_dir=tmp_path / "results"))
    record = read_record(path)
    assert record["status"] == "complete" and record["tasks_done"] == 2
    for metric, entry in record["metrics"].items():
        matrix = entry["matrix"]
        assert matrix[0][1] is None, metric
        assert all(math.isfinite(matrix[t][i]) for t in range(2) for i in range(t + 1)), metric
        assert record["summary"][metric]["forgetting_best_minus_final"] is not None
    assert record["method"]["hparams"] == dataclasses.asdict(METHODS.get(name).Hparams())


@pytest.mark.parametrize("name", [n for n in METHODS.names() if "class-gen" in METHODS.get(n).tracks])
def test_method_state_round_trips(name, tiny_bench, tmp_path):
    """After a task, state_dict -> load_state_dict into a fresh method reproduces the state."""
    from harness.backbones import build_backbone
    from harness.bench import load_bench
    from harness.tasks import load_tasks
    from methods import TrainContext

    run = prepare(RunSpec(method=name, bench=str(tiny_bench), results_dir=tmp_path))
    data, tasks = load_tasks(run.bench, None)
    context = TrainContext(run.bench.profile("smoke"), 0, torch.device("cpu"), len(tasks), data.num_classes)

    def fresh():
        torch.manual_seed(0)
        return run.method_cls(build_backbone(load_bench(str(tiny_bench)).backbone, data.image_shape, data.num_classes), run.hparams, context)

    trained = fresh()
    trained.learn(tasks[0])
    state = trained.state_dict()
    restored = fresh()
    restored.load_state_dict(state)
    again = restored.state_dict()
    assert state.keys() == again.keys()
    for key in state:
        assert torch.equal(state[key], again[key]), key
