"""Cost beside score: seconds per task with the device and threads they were measured on, stored
parameters, devices never mixed silently, the score-versus-cost Pareto front."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.leaderboard.assemble import assemble
from harness.leaderboard.cost import run_cost
from harness.leaderboard.load import load_runs
from harness.leaderboard.pareto import pareto_front
from harness.leaderboard.tables import headers, render_csv, render_markdown
from harness.record import load_record, write_record
from leaderboard_records import make_record, toy_results

COST = ("train_s", "cost")


def _table(results: Path):
    (table,) = assemble(load_runs(results, lambda m: None), [], lambda m: None)
    return table


def test_cost_cells_are_seconds_per_task_averaged_over_seeds(tmp_path: Path) -> None:
    toy_results(tmp_path)
    table = _table(tmp_path)
    finetune = next(row for row in table.rows if row.method == "finetune")
    assert finetune.cells[COST].mean == pytest.approx(2.25) and finetune.cells[("eval_s", "cost")].mean == pytest.approx(0.225)
    assert finetune.cost_where == "cpu:x86_64, 2 threads"
    assert ["train s/task ↓", "eval s/task ↓"] == headers(table)[-2:]
    markdown = render_markdown(table)
    assert "cost measured on cpu:x86_64, 2 threads (every row)" in markdown and "timed on" not in markdown
    assert "cost_measured_on" in render_csv(table).splitlines()[0]


def test_rows_timed_on_other_devices_are_told_apart(tmp_path: Path) -> None:
    toy_results(tmp_path)
    make_record(tmp_path, "gpu-run", 0, [[0.5, 0, 0], [0.4, 0.6, 0], [0.3, 0.5, 0.7]], [[1, 0, 0], [2, 1, 0], [3, 2, 1]],
                hparams={"coef": 1.0}, train_s=0.5, device="cuda:NVIDIA H100")
    table = _table(tmp_path)
    assert headers(table)[-1] == "timed on"
    markdown = render_markdown(table)
    assert "compare seconds only between rows of the same letter" in markdown
    assert "a = cpu:x86_64, 2 threads; b = cuda:NVIDIA H100, unknown" in markdown  # thread count not recorded: unknown


def test_run_cost_reads_threads_and_calls_a_resumed_run_on_other_hardware_mixed(tmp_path: Path) -> None:
    path = make_record(tmp_path, "finetune", 0, [[0.5, 0], [0.4, 0.6]], [[1, 0], [2, 1]], train_s=4.0, device="cpu:x86_64:1threads")
    assert run_cost(load_record(path)).where == "cpu:x86_64, 1 thread"  # older records spell threads into the device
    record = json.loads(path.read_text())
    record["environment"] |= {"device": "cpu:aarch64", "threads": 8}
    write_record(path, record)
    assert run_cost(load_record(path)).where == "cpu:aarch64, 8 threads"
    record["environment_history"] = [{"from_task": 1, "environment": {"device": "cuda:NVIDIA H100", "threads": 8}}]
    write_record(path, record)
    assert run_cost(load_record(path)).device == "mixed"
    record["environment"]["threads"] = 0
    with pytest.raises(Exception, match="threads"):
        write_record(path, record)


def test_stored_parameters_come_from_the_records_parameter_counts(tmp_path: Path) -> None:
    path = make_record(tmp_path, "lora", 0, [[0.5, 0], [0.4, 0.6]], [[1, 0], [2, 1]], train_s=1.0)
    record = json.loads(path.read_text())
    record["parameters"] = {"backbone_unet": 200000, "trained_fraction": [0.1, 0.1], "stored_fraction": [0.1, 0.2]}
    write_record(path, record)
    assert run_cost(load_record(path)).stored_params == 40000
    table = _table(tmp_path)
    assert "40k" in render_markdown(table)


def test_the_pareto_front_keeps_rows_no_other_row_beats_on_both() -> None:
    points = [(1.0, 0.5), (2.0, 0.6), (3.0, 0.55), (1.0, 0.4), (2.0, 0.6)]
    assert pareto_front(points, higher_is_better=True) == [True, True, False, False, True]
    assert pareto_front([(1.0, 10.0), (2.0, 5.0), (3.0, 7.0)], higher_is_better=False) == [True, True, False]


def test_the_environment_records_the_thread_count() -> None:
    torch = pytest.importorskip("torch")
    from harness.environment import describe

    assert describe(torch.device("cpu"))["threads"] == torch.get_num_threads()
