"""Bad input gets one clear error line and the right exit code; a failed run's record says why."""

from __future__ import annotations

import json

import pytest
import torch

from harness.cli import main
from harness.record import read_record


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["run", *args, "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err[-1] if err else ""


def test_unknown_method_suggests_near_names(capsys, tmp_path):
    code, line = _run(capsys, "--method", "finetun", "--bench", "split-digits", "--results", str(tmp_path))
    assert code == 2 and "unknown method 'finetun'" in line and "did you mean finetune" in line


def test_unknown_bench_suggests_near_names(capsys, tmp_path):
    code, line = _run(capsys, "--method", "er", "--bench", "split-digit", "--results", str(tmp_path))
    assert code == 2 and "unknown bench 'split-digit'" in line and "did you mean split-digits" in line


def test_unknown_hparam_lists_valid_ones(capsys, tiny_bench, tmp_path):
    code, line = _run(capsys, "--method", "er", "--bench", str(tiny_bench), "--set", "coef=0.1", "--results", str(tmp_path))
    assert code == 2 and "unknown hparam 'coef' for er" in line and "rehearsal_coef" in line


def test_ill_typed_hparam(capsys, tiny_bench, tmp_path):
    code, line = _run(capsys, "--method", "er", "--bench", str(tiny_bench), "--set", "buffer_per_task=many", "--results", str(tmp_path))
    assert code == 2 and "buffer_per_task='many' is not a valid int" in line


def test_invalid_hparam_value(capsys, tiny_bench, tmp_path):
    code, line = _run(capsys, "--method", "er", "--bench", str(tiny_bench), "--set", "rehearsal_coef=-1", "--results", str(tmp_path))
    assert code == 2 and "rehearsal_coef must be >= 0" in line


def test_malformed_set(capsys, tiny_bench, tmp_path):
    code, line = _run(capsys, "--method", "er", "--bench", str(tiny_bench), "--set", "rehearsal_coef", "--results", str(tmp_path))
    assert code == 2 and "is not key=value" in line


def test_method_on_unsupported_track(capsys, tmp_path):
    from conftest import write_bench

    bench = write_bench(tmp_path, track="class-cls")
    code, line = _run(capsys, "--method", "er", "--bench", str(bench), "--results", str(tmp_path))
    assert code == 2 and "supports tracks class-gen" in line and "track class-cls" in line


def test_unknown_profile(capsys, tiny_bench, tmp_path):
    code, line = _run(capsys, "--method", "er", "--bench", str(tiny_bench), "--profile", "huge", "--results", str(tmp_path))
    assert code == 2 and "no profile 'huge'" in line


def test_corrupt_record_is_named(capsys, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    assert main(["show", str(bad)]) == 2
    line = capsys.readouterr().err.strip()
    assert str(bad) in line and "not valid JSON" in line


def test_unreadable_record_is_named(capsys, tmp_path):
    assert main(["show", str(tmp_path / "missing.json")]) == 2
    assert "cannot read run record" in capsys.readouterr().err


def test_record_with_unknown_schema_version(capsys, tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"schema_version": 99}))
    assert main(["show", str(path)]) == 2
    assert "schema version 99" in capsys.readouterr().err


def test_corrupt_existing_record_blocks_resume(capsys, tiny_bench, tmp_path):
    from harness.runner import RunSpec, prepare

    path = prepare(RunSpec(method="er", bench=str(tiny_bench), results_dir=tmp_path)).record_path
    path.parent.mkdir(parents=True)
    path.write_text("garbage")
    code, line = _run(capsys, "--method", "er", "--bench", str(tiny_bench), "--results", str(tmp_path))
    assert code == 2 and "not valid JSON" in line and "--force" in line


def test_nan_loss_fails_the_run_and_the_record_says_why(capsys, tiny_bench, tmp_path, monkeypatch):
    from harness.backbones.ddpm import ClassConditionalDDPM

    monkeypatch.setattr(ClassConditionalDDPM, "loss", lambda self, x, y, g: torch.full((x.shape[0],), float("nan"), requires_grad=True))
    code, line = _run(capsys, "--method", "finetune", "--bench", str(tiny_bench), "--results", str(tmp_path))
    assert code == 1 and "loss became nan at task 1 step 1" in line
    record = read_record(next(tmp_path.glob("runs/*/*.json")))
    assert record["status"] == "failed" and "loss became nan" in record["error"]


def test_complete_record_is_not_overwritten_without_force(capsys, tiny_bench, tmp_path):
    """A complete record is not an error: its summary and how to rerun, exit 0, record untouched."""
    args = ("--method", "finetune", "--bench", str(tiny_bench), "--profile", "smoke", "--results", str(tmp_path))
    assert main(["run", *args, "--no-progress"]) == 0
    record = next(tmp_path.glob("runs/*/*.json"))
    before = record.read_bytes()
    capsys.readouterr()
    assert main(["run", *args, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "is already complete" in out.splitlines()[0] and "result (" in out and "--force" in out and "--seed 1" in out
    assert record.read_bytes() == before
    assert _run(capsys, *args, "--force")[0] == 0
    assert record.read_bytes() != before


def test_bench_spec_with_unknown_key(capsys, tmp_path):
    from conftest import write_bench

    bench = write_bench(tmp_path, taks=[[0]])
    code, line = _run(capsys, "--method", "er", "--bench", str(bench), "--results", str(tmp_path))
    assert code == 2 and "unknown key 'taks'" in line
