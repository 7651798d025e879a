"""Experiment-tracker logging: `--log tensorboard` and `--log csv` write per-step loss and learning
rate and each task's score-matrix row beside the record, never change a record's numbers, and a
sweep logs each run into its own folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from harness.cli import main

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

STEPS, LR, TASKS = 2, 0.002, 2  # the tiny bench's smoke profile


def _run(tiny_bench: Path, results: Path, *extra: str) -> dict:
    argv = ["run", "--method", "er", "--bench", str(tiny_bench), "--profile", "smoke", "--no-progress", "--threads", "1",
            "--results", str(results), *extra]
    assert main(argv) == 0
    (path,) = (results / "runs").rglob("*.json")
    return json.loads(path.read_text()) | {"_path": str(path)}


def test_logging_writes_steps_and_rows_and_never_changes_the_numbers(tiny_bench: Path, tmp_path: Path) -> None:
    plain = _run(tiny_bench, tmp_path / "plain")
    logged = _run(tiny_bench, tmp_path / "logged", "--log", "tensorboard", "--log", "csv")
    assert {k: v["matrix"] for k, v in logged["metrics"].items()} == {k: v["matrix"] for k, v in plain["metrics"].items()}
    assert logged["summary"] == plain["summary"] and logged["run_key"] == plain["run_key"]
    stem = Path(logged["_path"]).with_suffix("")

    rows = list(csv.DictReader(stem.with_name(stem.name + ".log.csv").open()))
    losses = [float(r["value"]) for r in rows if r["tag"] == "train/loss"]
    assert [int(r["step"]) for r in rows if r["tag"] == "train/loss"] == list(range(1, STEPS * TASKS + 1))
    assert all(loss > 0 for loss in losses) and len(set(losses)) > 1
    assert [float(r["value"]) for r in rows if r["tag"] == "train/lr"] == [LR] * STEPS * TASKS
    accuracy = logged["metrics"]["judge_accuracy"]["matrix"]
    cells = {(r["step"], r["tag"]): float(r["value"]) for r in rows if r["tag"].startswith("judge_accuracy/task")}
    assert cells == {(str(t + 1), f"judge_accuracy/task{i + 1}"): accuracy[t][i] for t in range(TASKS) for i in range(t + 1)}

    events = EventAccumulator(str(stem.with_name(stem.name + ".tensorboard")))
    events.Reload()
    assert [e.value for e in events.Scalars("train/loss")] == pytest.approx(losses)
    assert [e.value for e in events.Scalars("judge_accuracy/task1")] == pytest.approx([accuracy[0][0], accuracy[1][0]])
    assert [e.step for e in events.Scalars("judge_accuracy/row_mean")] == [1, 2]


def test_a_sweep_logs_each_run_into_its_own_folder(tiny_bench: Path, tmp_path: Path) -> None:
    argv = ["sweep", "--methods", "finetune", "--benches", str(tiny_bench), "--seeds", "0,1", "--profile", "smoke",
            "--executor", "inline", "--results", str(tmp_path), "--log", "tensorboard"]
    assert main(argv) == 0
    bench_folder = next((tmp_path / "runs").iterdir())
    folders = sorted(p.name for p in bench_folder.glob("*.tensorboard"))
    assert folders == sorted(p.with_suffix(".tensorboard").name for p in bench_folder.glob("*.json")) and len(folders) == 2
    for folder in bench_folder.glob("*.tensorboard"):
        events = EventAccumulator(str(folder))
        events.Reload()
        assert len(events.Scalars("train/loss")) == STEPS * TASKS


def test_an_unknown_sink_is_one_error_line(tiny_bench: Path, tmp_path: Path, capsys) -> None:
    assert main(["run", "--method", "er", "--bench", str(tiny_bench), "--results", str(tmp_path), "--log", "wandb"]) == 2
    assert capsys.readouterr().err.strip() == "harness: error: --log 'wandb' is not one of tensorboard, csv"
