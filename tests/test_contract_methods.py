"""Contract tests generated from the method registry: every method, tiny backbone, two tiny
tasks, through the real runner."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from harness.hparams import hparams_dict
from harness.record import read_record
from harness.runner import RunSpec, execute, prepare
from methods import METHODS
from metrics import METRICS


@pytest.mark.parametrize("name", METHODS.names())
def test_method_declares_its_contract(name):
    cls = METHODS.get(name)
    assert cls.tracks, f"{name} declares no tracks"
    assert dataclasses.is_dataclass(cls.Hparams) and cls.Hparams.__dataclass_params__.frozen
    assert cls.description(), f"{name} needs a one-line docstring"
    cls.Hparams()  # every knob has a default


def bench_for(name: str, tiny_benches: dict) -> str:
    return str(tiny_benches[sorted(METHODS.get(name).tracks & set(tiny_benches))[0]])


# class-cls methods have their own contract tests (tests/test_contract_class_cls.py)
RUNNER_CONTRACT_TRACKS = {"class-gen", "t2i"}


@pytest.mark.parametrize("name", [n for n in METHODS.names() if METHODS.get(n).tracks & RUNNER_CONTRACT_TRACKS])
def test_method_runs_two_tasks_through_the_runner(name, tiny_benches, tmp_path):
    path = execute(RunSpec(method=name, bench=bench_for(name, tiny_benches), seed=0, results_dir=tmp_path / "results"))
    record = read_record(path)
    assert record["status"] == "complete" and record["tasks_done"] == 2
    for metric, entry in record["metrics"].items():
        matrix = entry["matrix"]
        assert matrix[0][1] is None, metric
        assert all(math.isfinite(matrix[t][i]) for t in range(2) for i in range(t + 1)), metric
        aggregate = "drift" if METRICS.get(metric).kind == "drift" else "forgetting_best_minus_final"  # a drift has no forgetting
        assert record["summary"][metric][aggregate] is not None
    assert record["method"]["hparams"] == hparams_dict(METHODS.get(name).Hparams())  # later-added fields at their default are left out


@pytest.mark.parametrize("name", [n for n in METHODS.names() if METHODS.get(n).tracks & RUNNER_CONTRACT_TRACKS])
def test_method_state_round_trips(name, tiny_benches, tmp_path):
    """After a task, state_dict -> load_state_dict into a fresh method reproduces the state."""
    from harness.tracks import TRACK_REGISTRY, BuildOptions
    from methods import TrainContext

    run = prepare(RunSpec(method=name, bench=bench_for(name, tiny_benches), results_dir=tmp_path))
    track = TRACK_REGISTRY.get(run.bench.track)
    loaded = track.load(run.bench, BuildOptions())
    tasks = loaded.tasks

    def fresh():
        torch.manual_seed(0)
        backbone = track.build_backbone(run.bench, loaded, BuildOptions())
        context = TrainContext(run.bench.profile("smoke"), 0, torch.device("cpu"), len(tasks), loaded.num_classes,
                               regularization=track.regularization(run.bench, loaded, backbone, BuildOptions()))
        return run.method_cls(backbone, run.hparams, context)

    trained = fresh()
    trained.learn(tasks[0])
    state = trained.state_dict()
    restored = fresh()
    restored.load_state_dict(state)
    again = restored.state_dict()
    assert state.keys() == again.keys()
    for key in state:
        assert torch.equal(state[key], again[key]), key
