"""Smoke runs of the dataset concept benches end to end: fake roots in the published layouts,
a tiny random SD folder and tiny random extractors, `harness run --method clora` on each bench."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from tests.t2i_fake_roots import write_celeba_hq, write_dreambooth, write_google_landmarks, write_unlearn_canvas
from tests.t2i_tiny_sd import write_tiny_sd
from tests.t2i_weights import write_tiny_extractors

BENCHES = ["celeba5", "celeba10", "waterfalls10", "objects", "styles"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("data")
    write_celeba_hq(root, {identity: 15 for identity in range(1, 13)})
    write_google_landmarks(root, {100 + n: ("waterfall", 15) for n in range(10)})
    write_dreambooth(root)
    write_unlearn_canvas(root)
    weights = write_tiny_extractors(tmp_path_factory.mktemp("weights"))
    return {"root": root, "weights": weights, "sd": write_tiny_sd(tmp_path_factory.mktemp("sd") / "tiny-sd")}


def _run(inputs: dict[str, Path], bench: str, results: Path, *extra: str) -> int:
    return main(["run", "--method", "clora", "--bench", bench, "--weights", str(inputs["sd"]), "--data-root", str(inputs["root"]),
                 "--profile", "smoke", "--results", str(results), "--no-progress", *extra])


@pytest.mark.slow
@pytest.mark.parametrize("bench", BENCHES)
def test_clora_smoke_run_writes_complete_matrices(inputs: dict[str, Path], tmp_path: Path, bench: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(inputs["weights"]))
    assert _run(inputs, bench, tmp_path) == 0
    (path,) = (tmp_path / "runs" / bench).glob("*.json")
    record = json.loads(path.read_text())
    assert record["status"] == "complete" and len(record["evaluation"]["manifest_hash"]) == 16
    size = len(record["bench"]["tasks"])
    for name, entry in record["metrics"].items():
        matrix = entry["matrix"]
        assert all(matrix[t][i] is not None for t in range(size) for i in range(t + 1)), name
        assert all(matrix[t][i] is None for t in range(size) for i in range(t + 1, size)), name
    if "drift_mmd" in record["metrics"]:
        assert all(record["metrics"]["drift_mmd"]["matrix"][i][i] == 0.0 for i in range(size))
    print(bench, json.dumps({name: entry["matrix"] for name, entry in record["metrics"].items()}))


def test_missing_data_fails_before_training_with_the_check_lines(inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(inputs["weights"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["data", "check", "celeba10", "--data-root", str(empty)]) == 1
    lines = capsys.readouterr().out.splitlines()
    code = main(["run", "--method", "clora", "--bench", "celeba10", "--weights", str(inputs["sd"]), "--data-root", str(empty), "--results", str(tmp_path / "r")])
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and err[1:] == lines and "harness data check celeba10" in err[0]
    assert not list((tmp_path / "r").rglob("*.json"))  # refused while preparing: no record, no training


def test_order_seed_is_part_of_the_run_key_and_the_record(inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.runner import RunSpec, prepare

    monkeypatch.setenv("HARNESS_WEIGHTS", str(inputs["weights"]))
    common = dict(method="clora", bench="objects", profile="smoke", results_dir=tmp_path, data_root=str(inputs["root"]), weights=str(inputs["sd"]))
    plain, shuffled = prepare(RunSpec(**common)), prepare(RunSpec(**common, order_seed=3))
    assert plain.record_path != shuffled.record_path and shuffled.record_path.stem.endswith("-seed0-order3")
