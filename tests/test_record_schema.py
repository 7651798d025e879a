"""The typed run record: every committed record loads unchanged, bad fields are named in one line,
copies of one run are counted once or named as a conflict, and `harness validate` checks submissions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.errors import UsageError
from harness.cli import main
from harness.leaderboard.load import load_record_files
from harness.record import load_record, read_record, validate_record
from harness.record_schema import SCHEMA_VERSION
from leaderboard_records import make_record, toy_results

REPO = Path(__file__).resolve().parent.parent
COMMITTED = sorted((REPO / "results" / "runs").rglob("*.json")) + sorted((REPO / "results" / "sweeps" / "runs").rglob("*.json"))
T2I = next(path for path in COMMITTED if "parameters" in json.loads(path.read_text()))


def test_every_committed_record_loads_with_its_matrices_unchanged() -> None:
    assert len(COMMITTED) > 100
    for path in COMMITTED:
        raw = json.loads(path.read_text())
        record = load_record(path)
        assert record.schema_version == raw["schema_version"] == SCHEMA_VERSION
        assert {name: entry.matrix for name, entry in record.metrics.items()} == {name: e["matrix"] for name, e in raw["metrics"].items()}
        assert read_record(path) == raw  # readers that update a record get it as it is on disk


def _refusal(change, tmp_path: Path) -> str:
    record = json.loads(T2I.read_text())
    change(record)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    with pytest.raises(UsageError) as caught:
        read_record(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("change, field", [
    (lambda r: r["parameters"].__setitem__("trained_fraction", ["x"]), "parameters.trained_fraction[0]"),
    (lambda r: r["parameters"].__setitem__("stored_fraction", [0.1] * 9), "parameters.stored_fraction has 9 entries"),
    (lambda r: r["parameters"].__setitem__("backbone_unet", True), "parameters.backbone_unet"),
    (lambda r: r.__setitem__("tasks_done", 1.0), "tasks_done"),
    (lambda r: r["bench"].__setitem__("min_seeds", 0), "bench.min_seeds"),
    (lambda r: r["adapters"].__setitem__(0, "../../elsewhere/pytorch_lora_weights.safetensors"), "adapters[0]"),
    (lambda r: r["environment"].__setitem__("packages", {"torch": 2}), "environment.packages.torch"),
    (lambda r: r["metrics"]["concept_fd"]["matrix"][0].__setitem__(3, 1.0), "metrics.concept_fd.matrix[0][3] is above the diagonal"),
    (lambda r: r["timing"]["per_task"][0].__setitem__("train_s", -1.0), "timing.per_task[0].train_s"),
    (lambda r: r.__setitem__("created_at", "yesterday"), "created_at"),
    (lambda r: r.__setitem__("unexpected", 1), "unexpected: Extra inputs are not permitted"),
    (lambda r: r["method"].__setitem__("notes", "a string"), "method.notes"),
])
def test_a_bad_field_is_named_in_one_line(change, field: str, tmp_path: Path) -> None:
    assert field in _refusal(change, tmp_path)


def test_repeated_keys_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text('{"status": "complete", ' + T2I.read_text()[1:])
    with pytest.raises(UsageError, match="key 'status' appears twice"):
        read_record(path)
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(UsageError, match="nested too deeply"):
        read_record(path)


def test_a_bad_parameters_record_is_skipped_by_the_leaderboard_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before the typed record, this record passed validation and `harness leaderboard` died with a traceback."""
    runs = tmp_path / "results" / "runs" / "digits-concepts"
    runs.mkdir(parents=True)
    record = json.loads(T2I.read_text())
    record["parameters"]["trained_fraction"] = ["x"]
    (runs / T2I.name).write_text(json.dumps(record))
    assert main(["leaderboard", "--results", str(tmp_path / "results"), "--out", str(tmp_path / "board"), "--allow-empty"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "parameters.trained_fraction[0]" in err and str(runs / T2I.name) in err


def test_identical_copies_count_once_and_conflicting_copies_are_named_and_dropped(tmp_path: Path) -> None:
    toy_results(tmp_path)
    original = next((tmp_path / "runs" / "toy-bench").glob("er-*.json"))
    twin = original.with_name("copy-of-er.json")
    shutil.copyfile(original, twin)
    warnings: list[str] = []
    tables = load_record_files(sorted((tmp_path / "runs").rglob("*.json")), warnings.append)
    (table,) = tables.values()
    assert [len(row.runs) for row in table.rows.values()] == [1, 2]
    assert len(warnings) == 1 and "identical" in warnings[0] and "counted once" in warnings[0]

    tampered = json.loads(original.read_text())
    tampered["metrics"]["judge_accuracy"]["matrix"][2][0] = 0.99
    twin.write_text(json.dumps(tampered))
    warnings.clear()
    tables = load_record_files(sorted((tmp_path / "runs").rglob("*.json")), warnings.append)
    (table,) = tables.values()
    assert [row.method for row in table.rows.values()] == ["finetune"], "neither conflicting copy may be used"
    assert len(warnings) == 1 and warnings[0].startswith("conflict:") and str(original) in warnings[0] and str(twin) in warnings[0]


def test_the_leaderboard_skips_a_record_whose_registered_bench_has_another_spec_hash(tmp_path: Path) -> None:
    source = next((REPO / "results" / "runs" / "mnist-r-5").glob("ft-*-seed0.json"))  # a bench still at its records' version
    record = json.loads(source.read_text())
    record["bench"]["spec_hash"] = "0" * 16
    path = tmp_path / "runs" / "mnist-r-5" / source.name
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record))
    warnings: list[str] = []
    assert load_record_files([path], warnings.append, check_bench=True) == {}
    assert len(warnings) == 1 and str(path) in warnings[0] and "another spec under the same version" in warnings[0]
    assert load_record_files([path], warnings.append) != {}  # `harness export` reads a user's own runs of a changed bench


def test_validate_passes_committed_rows_and_names_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = sorted((REPO / "results" / "runs" / "mnist-r-5").glob("ft-*-default-seed*.json"))
    assert len(seeds) >= 5
    assert main(["validate", *map(str, seeds)]) == 0
    assert "can be submitted" in capsys.readouterr().out

    assert main(["validate", str(seeds[0])]) == 1
    assert "a leaderboard row needs 5" in capsys.readouterr().out

    older = sorted((REPO / "results" / "runs" / "split-digits").glob("finetune-*-default-seed*.json"))
    assert main(["validate", *map(str, older)]) == 1  # made under split-digits v1; the registered bench is v2
    assert "version" in capsys.readouterr().out
    assert main(["validate", "--archive", *map(str, older)]) == 0  # published history of the older version
    assert "are sound" in capsys.readouterr().out

    toy_results(tmp_path)
    broken = tmp_path / "runs" / "toy-bench" / "broken.json"
    broken.write_text("{")
    assert main(["validate", str(tmp_path / "runs")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(str(broken) in line and "not valid JSON" in line for line in lines)
    assert any("toy-bench is not a registered bench" in line for line in lines)
    assert any("environment lacks git_commit" in line for line in lines)


def test_write_record_refuses_what_read_would_refuse(tmp_path: Path) -> None:
    path = make_record(tmp_path, "er", 0, [[0.5]], [[1.0]])
    record = json.loads(path.read_text())
    record["seed"] = -1
    with pytest.raises(UsageError, match="seed"):
        validate_record(record, path)
