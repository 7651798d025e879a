"""The README's "Extending" examples run: a method in one file, a bench in one YAML, a metric in one
function and a track in one package, each read out of README.md and run through the real harness
at the tiny test size."""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from harness.bench import load_bench
from harness.catalog import METHODS
from harness.cli import main
from harness.tracks import TRACK_PACKAGES, TRACK_REGISTRY, TrackLayout, track_layout
from metrics import METRICS
from tests.conftest import TINY_BENCH, write_bench

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
EXAMPLES = dict(re.findall(r"<!-- example: ([\w-]+) -->\n```\w+\n(.*?)```", README, re.S))


EXAMPLE_NAMES = {"anchored-finetune", "judge_confidence", "digit-probe", "probe_accuracy", "probe-adam"}


@pytest.fixture
def registries():
    """The names an example registers are forgotten after its test (the registries are process-wide)."""
    yield
    for registry in (METHODS, METRICS, TRACK_REGISTRY):
        for name in EXAMPLE_NAMES:
            registry._entries.pop(name, None)
            registry._declared.pop(name, None)
    for name in [module for module in sys.modules if module.startswith(("readme_", "digit_probe"))]:
        del sys.modules[name]


def _import(folder: Path, module: str, code: str, monkeypatch) -> None:
    path = folder / (module.replace(".", "/") + ".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for package in path.relative_to(folder).parents:
        if package != Path("."):
            (folder / package / "__init__.py").touch()
    path.write_text(code)
    monkeypatch.syspath_prepend(str(folder))
    importlib.import_module(module)


def _run(tmp_path: Path, method: str, bench: Path, *extra: str) -> int:
    return main(["run", "--method", method, "--bench", str(bench), "--profile", "smoke", "--results", str(tmp_path / "results"), "--no-progress", *extra])


def _record(tmp_path: Path, method: str) -> dict:
    return json.loads(next((tmp_path / "results" / "runs").rglob(f"{method}-*.json")).read_text())


def test_the_readme_has_the_four_examples():
    assert set(EXAMPLES) == {"method", "bench", "metric", "track-layout", "track"}


def test_a_method_in_one_file_runs_and_its_declared_range_is_enforced(tmp_path, capsys, monkeypatch, registries):
    _import(tmp_path / "code", "readme_method", EXAMPLES["method"], monkeypatch)
    bench = write_bench(tmp_path)
    assert _run(tmp_path, "anchored-finetune", bench) == 0
    record = _record(tmp_path, "anchored-finetune")
    assert record["status"] == "complete" and record["method"]["hparams"] == {"strength": 0.01}
    capsys.readouterr()
    assert _run(tmp_path, "anchored-finetune", bench, "--set", "strength=-1") == 2
    assert "strength must be >= 0, got -1" in capsys.readouterr().err


def test_a_bench_in_one_yaml_loads_as_written_and_runs(tmp_path):
    spec = yaml.safe_load(EXAMPLES["bench"])
    path = tmp_path / f"{spec['name']}.yaml"
    path.write_text(EXAMPLES["bench"])
    bench = load_bench(str(path))
    assert (bench.track, bench.tasks[0], bench.metrics) == ("class-gen", (8, 9), ("judge_accuracy", "judge_fd"))
    (tmp_path / "tiny").mkdir()  # the same bench at the tests' model sizes and budgets, its first two tasks
    tiny = write_bench(tmp_path / "tiny", **{**spec, **{key: TINY_BENCH[key] for key in ("backbone", "judge", "profiles")}, "tasks": spec["tasks"][:2]})
    assert _run(tmp_path, "finetune", tiny) == 0
    record = _record(tmp_path, "finetune")
    assert record["bench"]["name"] == "split-digits-reversed" and set(record["metrics"]) == {"judge_accuracy", "judge_fd"}


def test_a_metric_in_one_function_fills_its_matrix(tmp_path, monkeypatch, registries):
    _import(tmp_path / "code", "readme_metric", EXAMPLES["metric"], monkeypatch)
    bench = write_bench(tmp_path, metrics=[*TINY_BENCH["metrics"], "judge_confidence"])
    assert _run(tmp_path, "finetune", bench) == 0
    matrix = _record(tmp_path, "finetune")["metrics"]["judge_confidence"]["matrix"]
    assert all(0 < value <= 1 for row in matrix for value in row if value is not None) and matrix[-1][0] is not None


def test_a_track_in_one_package_runs_through_the_one_scoring_loop(tmp_path, monkeypatch, registries):
    code = tmp_path / "code"
    _import(code, "digit_probe.layout", EXAMPLES["track-layout"], monkeypatch)
    monkeypatch.setitem(TRACK_PACKAGES, "digit-probe", "digit_probe")  # the one line a new track adds
    TRACK_REGISTRY.declare("digit_probe.track", ["digit-probe"])
    _import(code, "digit_probe.track", EXAMPLES["track"], monkeypatch)
    assert track_layout("digit-probe") == TrackLayout()
    bench = write_bench(tmp_path, name="tiny-probe", track="digit-probe", metrics=["probe_accuracy"], headline=["probe_accuracy"])
    assert _run(tmp_path, "probe-adam", bench) == 0
    record = _record(tmp_path, "probe-adam")
    assert record["status"] == "complete" and record["bench"]["track"] == "digit-probe"
    matrix = record["metrics"]["probe_accuracy"]["matrix"]
    assert matrix[0][1] is None and all(0 <= value <= 1 for row in matrix for value in row if value is not None)
    assert _run(tmp_path, "finetune", bench) == 2  # a method that does not declare the track is refused
