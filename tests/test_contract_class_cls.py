"""Contract tests of every class-cls method, generated from the registry: tiny ViT from config,
two tiny tasks of real digits, through the track's own loading, backbone and evaluator."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from harness.bench import load_bench
from harness.scoring import EvalNoise, score_row
from harness.tracks import TRACK_REGISTRY, BuildOptions
from methods import METHODS, TrainContext
from metrics._registry import bench_metrics

CLASS_CLS_METHODS = [name for name in METHODS.names() if "class-cls" in METHODS.get(name).tracks]


def test_the_class_cls_track_has_every_method_of_the_issue():
    assert {"ft", "ftpp", "lwf", "l2p", "dualprompt", "coda-p", "clora-vit", "upper-bound"} <= set(CLASS_CLS_METHODS)


def _method(name, bench_path, seed=0):
    bench = load_bench(str(bench_path))
    track = TRACK_REGISTRY.get(bench.track)
    loaded = track.load(bench, BuildOptions(seed=seed))
    torch.manual_seed(seed)
    backbone = track.build_backbone(bench, loaded, BuildOptions(seed=seed))
    cls = METHODS.get(name)
    context = TrainContext(bench.profile("default"), seed, torch.device("cpu"), len(loaded.tasks), loaded.num_classes)
    return bench, loaded, cls(backbone, cls.Hparams(), context)


@pytest.mark.parametrize("name", CLASS_CLS_METHODS)
def test_method_learns_two_tasks_and_is_scored(name, tiny_cls_bench):
    bench, loaded, method = _method(name, tiny_cls_bench)
    evaluator = TRACK_REGISTRY.get(bench.track).evaluator(bench, loaded, bench.profile("default"), EvalNoise(0), torch.device("cpu"), tiny_cls_bench)
    before = {k: v.clone() for k, v in method.backbone.state_dict().items()}
    rows = []
    for t, task in enumerate(loaded.tasks):
        method.learn(task)
        rows.append(score_row(evaluator, bench_metrics(bench), method.backbone, t, list(range(t + 1))).scores["accuracy"])
    assert [len(row) for row in rows] == [1, 2]
    assert all(math.isfinite(v) and 0 <= v <= 100 for row in rows for v in row)
    after = method.backbone.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before if k in after), "training changed nothing"
    assert dataclasses.asdict(method.hparams) == dataclasses.asdict(METHODS.get(name).Hparams())


@pytest.mark.parametrize("name", CLASS_CLS_METHODS)
def test_method_state_round_trips(name, tiny_cls_bench):
    _, loaded, trained = _method(name, tiny_cls_bench)
    trained.learn(loaded.tasks[0])
    state = trained.state_dict()
    _, _, restored = _method(name, tiny_cls_bench)
    restored.load_state_dict(state)
    again = restored.state_dict()
    assert state.keys() == again.keys()
    for key in state:
        assert torch.equal(state[key], again[key]), key
    images = torch.stack([loaded.tasks[0].test[i][0] for i in range(4)])
    assert torch.allclose(trained.backbone(images), restored.backbone(images))


def test_a_class_cls_run_goes_through_the_runner_and_resumes_nothing_twice(tiny_cls_bench, tmp_path):
    from harness.record import read_record
    from harness.runner import RunSpec, execute

    path = execute(RunSpec(method="ftpp", bench=str(tiny_cls_bench), seed=1, results_dir=tmp_path / "results"))
    record = read_record(path)
    assert record["status"] == "complete" and record["bench"]["track"] == "class-cls"
    matrix = record["metrics"]["accuracy"]["matrix"]
    assert matrix[0][1] is None and all(0 <= matrix[1][i] <= 100 for i in range(2))
    assert record["summary"]["accuracy"]["forgetting_coda"] == pytest.approx(matrix[0][0] - matrix[1][0])


def test_a_bench_without_its_weights_fails_before_any_work(tiny_cls_bench, tmp_path, monkeypatch):
    import yaml

    from core.errors import UsageError
    from harness.runner import RunSpec, prepare

    spec = yaml.safe_load(tiny_cls_bench.read_text())
    spec["backbone"] = {"name": "vit", "arch": spec["backbone"]["arch"], "weights": "absent-vit"}
    tiny_cls_bench.write_text(yaml.safe_dump(spec))
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    with pytest.raises(UsageError, match="backbone weights not found"):
        prepare(RunSpec(method="coda-p", bench=str(tiny_cls_bench), results_dir=tmp_path / "results"))
    with pytest.raises(UsageError, match="supports tracks"):
        prepare(RunSpec(method="coda-p", bench="split-digits", results_dir=tmp_path / "results"))
