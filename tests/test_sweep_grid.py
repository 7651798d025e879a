"""Grid expansion, skipping complete runs, and the sweep command's bad-input errors (exit 2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import UsageError
from harness.cli import main
from harness.record import write_record
from harness.runner import RunSpec, prepare
from harness.sweep import expand, split_names, split_seeds
from tests.conftest import complete_record, write_bench


def test_split_seeds_accepts_lists_and_ranges() -> None:
    assert split_seeds("0,1,2") == [0, 1, 2]
    assert split_seeds("3-5,0,4") == [0, 3, 4, 5]
    with pytest.raises(UsageError, match="not an integer"):
        split_seeds("a")


def test_split_names_drops_blanks_and_duplicates() -> None:
    assert split_names("er, finetune,,er", "methods") == ["er", "finetune"]
    with pytest.raises(UsageError, match="names no methods"):
        split_names(" , ", "methods")


def test_expand_is_the_full_product_and_sets_complete_runs_aside(tmp_path: Path) -> None:
    bench = str(write_bench(tmp_path))
    template = RunSpec(method="", bench="", profile="smoke", results_dir=tmp_path / "results")
    done = prepare(RunSpec(method="er", bench=bench, seed=1, profile="smoke", results_dir=tmp_path / "results"))
    write_record(done.record_path, complete_record(done))
    grid = expand(template, ["finetune", "er"], [bench], [0, 1])
    assert grid.size == 4
    assert [(p.spec.method, p.spec.seed) for p in grid.complete] == [("er", 1)]
    assert sorted((p.spec.method, p.spec.seed) for p in grid.todo) == [("er", 0), ("finetune", 0), ("finetune", 1)]
    forced = expand(RunSpec(method="", bench="", profile="smoke", results_dir=tmp_path / "results", force=True), ["er"], [bench], [1])
    assert len(forced.todo) == 1 and not forced.complete


def _sweep(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["sweep", *argv])
    return code, capsys.readouterr().err.strip()


def test_unknown_executor_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = str(write_bench(tmp_path))
    code, err = _sweep(capsys, "--methods", "er", "--benches", bench, "--seeds", "0", "--executor", "slrum", "--results", str(tmp_path))
    assert code == 2
    assert err == "harness: error: unknown executor 'slrum': did you mean slurm? known executors are inline, local, slurm"


def test_empty_grid_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = str(write_bench(tmp_path))
    code, err = _sweep(capsys, "--methods", "er", "--benches", bench, "--seeds", "5-3", "--executor", "inline", "--results", str(tmp_path))
    assert code == 2
    assert err.count("\n") == 0 and "expands to zero runs" in err


def test_unknown_method_fails_before_any_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = str(write_bench(tmp_path))
    code, err = _sweep(capsys, "--methods", "er,fintune", "--benches", bench, "--executor", "inline", "--results", str(tmp_path))
    assert code == 2 and "did you mean finetune" in err
    assert not (tmp_path / "runs").exists()


@pytest.fixture
def fake_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sbatch/srun that must not be called and a sinfo that lists partitions debug and gpu."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, body in {"sinfo": "printf 'debug\\ngpu\\n'", "sbatch": "exit 99", "srun": "exit 99"}.items():
        (bin_dir / tool).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def test_nonexistent_partition_is_one_line_exit_2(tmp_path: Path, fake_slurm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = str(write_bench(tmp_path))
    code, err = _sweep(capsys, "--methods", "er", "--benches", bench, "--seeds", "0", "--executor", "slurm",
                       "--slurm-partition", "gpus", "--results", str(tmp_path))
    assert code == 2
    assert err == "harness: error: SLURM partition 'gpus' does not exist: choose one of debug, gpu"


def test_slurm_without_slurm_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    bench = str(write_bench(tmp_path))
    code, err = _sweep(capsys, "--methods", "er", "--benches", bench, "--seeds", "0", "--executor", "slurm", "--results", str(tmp_path))
    assert code == 2 and "needs SLURM's sbatch and srun on PATH" in err
