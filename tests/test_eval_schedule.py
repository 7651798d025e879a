"""Sparse evaluation schedules: which rows are full, what the record keeps, and which aggregates
stay exact (first-minus-final, average) or become None (average incremental, CODA-Prompt's)."""

from __future__ import annotations

import json

import pytest

from conftest import write_bench
from core.errors import UsageError
from harness.eval_schedule import EvalSchedule, parse_schedule
from metrics.continual import NEEDS, forgetting_best_minus_final, summarize


def test_every_k_keeps_the_diagonal_every_kth_row_and_the_last():
    schedule = parse_schedule("every-2", "--eval-rows")
    assert schedule.full_rows(5) == [1, 3, 4]
    assert [schedule.tasks_scored(t, 5) for t in range(5)] == [[0], [0, 1], [2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]
    assert schedule.evaluations(5) == 1 + 2 + 1 + 4 + 5
    assert EvalSchedule().evaluations(50) == 50 * 51 // 2 and EvalSchedule(5).evaluations(50) < 50 * 51 // 4
    assert parse_schedule("every-1", "x") == EvalSchedule() and parse_schedule("all", "x").name == "all"
    for bad in ("every-0", "every-x", "some", 3, "every--2"):
        with pytest.raises(UsageError, match="'all' or 'every-K'"):
            parse_schedule(bad, "--eval-rows")


def _sparse(matrix, schedule):
    size = len(matrix)
    return [[v if i in schedule.tasks_scored(t, size) else None for i, v in enumerate(row)] for t, row in enumerate(matrix)]


@pytest.mark.parametrize("higher", [True, False])
def test_aggregates_on_a_sparse_matrix_say_what_they_need(higher):
    full = [[0.9, None, None, None], [0.7, 0.8, None, None], [0.95, 0.6, 0.85, None], [0.5, 0.4, 0.65, 0.9]]
    sparse = _sparse(full, EvalSchedule(2))  # rows 1 and 3 full; row 2 keeps only its diagonal
    on_full, on_sparse = summarize(full, higher), summarize(sparse, higher)
    for name, need in NEEDS.items():
        if need in ("last", "diagonal+last"):
            assert on_sparse[name] == pytest.approx(on_full[name]), name
        elif need == "all":
            assert on_sparse[name] is None, name
    # best-minus-final over the rows present: row 2's 0.95 on task 0 is dropped
    pick, drop = (max, lambda a, b: a - b) if higher else (min, lambda a, b: b - a)
    expected = (drop(pick(0.9, 0.7), 0.5) + drop(0.8, 0.4) + drop(0.85, 0.65)) / 3
    assert forgetting_best_minus_final(sparse, higher) == pytest.approx(expected)
    assert on_full["forgetting_best_minus_final"] != pytest.approx(expected)  # the full matrix did see 0.95


def test_a_matrix_without_its_last_row_or_diagonal_is_refused():
    with pytest.raises(ValueError, match="last row"):
        summarize([[0.9, None], [None, 0.8]], True)
    with pytest.raises(ValueError, match="missing entry on the diagonal"):
        summarize([[0.9, None], [0.5, None]], True)


def test_a_sparse_run_records_its_rows_and_a_run_key_of_its_own(tmp_path, monkeypatch):
    from harness.leaderboard.load import load_runs
    from harness.record import read_record, write_record
    from harness.run_spec import RunSpec, prepare
    from harness.runner import execute

    bench = write_bench(tmp_path, tasks=[[0], [1], [2], [3]], eval_rows="every-2")
    sparse = execute(RunSpec(method="finetune", bench=str(bench), profile="smoke", results_dir=tmp_path / "results"))
    full = prepare(RunSpec(method="finetune", bench=str(bench), profile="smoke", results_dir=tmp_path / "results", eval_rows="all"))
    assert sparse.stem.endswith("-every2") and full.record_path.stem == sparse.stem.removesuffix("-every2")
    record = read_record(sparse)
    assert record["eval_rows"] == {"schedule": "every-2", "full_rows": [1, 3]}
    matrix = record["metrics"]["judge_accuracy"]["matrix"]
    assert matrix[2][:2] == [None, None] and all(v is not None for v in [matrix[0][0], *matrix[1][:2], matrix[2][2], *matrix[3]])
    assert record["summary"]["judge_accuracy"]["forgetting_coda"] is None
    tables = load_runs(tmp_path / "results", warn=lambda m: pytest.fail(m))
    (row,) = next(iter(tables.values())).rows.values()
    assert row.eval_every == 2 and row.row_id.endswith("-every2")
    # a full_rows list that is not the schedule's, or a value in a row the schedule skipped, is refused
    bad = json.loads(json.dumps(record))
    bad["eval_rows"]["full_rows"] = [0, 1, 2, 3]
    with pytest.raises(UsageError, match="full_rows"):
        write_record(tmp_path / "bad.json", bad)
    bad = json.loads(json.dumps(record))
    bad["metrics"]["judge_accuracy"]["matrix"][2][0] = 0.5
    with pytest.raises(UsageError, match="not evaluated in full"):
        write_record(tmp_path / "bad.json", bad)


def test_a_sparse_t2i_run_scores_what_the_full_run_scores_on_the_rows_it_evaluates(tmp_path):
    """C-LoRA's long concept sequences: a sparse row samples only the just-learned concept (same noise as
    in the full run), plus the base digits for base retention."""
    from conftest import write_t2i_bench
    from harness.record import read_record
    from harness.run_spec import RunSpec
    from harness.runner import execute

    bench = write_t2i_bench(tmp_path, tasks=[[5], [6], [7], [8]])
    runs = {rows: read_record(execute(RunSpec(method="lora-seq", bench=str(bench), profile="smoke", results_dir=tmp_path / rows, eval_rows=rows)))
            for rows in ("all", "every-3")}
    assert runs["every-3"]["eval_rows"] == {"schedule": "every-3", "full_rows": [2, 3]}
    for name, entry in runs["every-3"]["metrics"].items():
        full, sparse = runs["all"]["metrics"][name]["matrix"], entry["matrix"]
        assert sparse[1] == [None, full[1][1], None, None], name  # row 1: only the just-learned concept
        assert [sparse[0], sparse[2], sparse[3]] == [full[0], full[2], full[3]], name


def test_a_track_without_sparse_rows_refuses_a_sparse_schedule(tiny_cls_bench):
    from harness.run_spec import RunSpec, prepare

    with pytest.raises(UsageError, match="only 'all'"):
        prepare(RunSpec(method="ft", bench=str(tiny_cls_bench), eval_rows="every-2"))


def test_dry_run_counts_steps_and_images_and_calibrates_without_writing_a_record(tmp_path, capsys):
    from harness.cli import main
    from harness.dry_run import count
    from harness.run_spec import RunSpec, prepare

    bench = write_bench(tmp_path, tasks=[[0, 1], [2, 3], [4, 5], [6, 7]])
    cost = count(prepare(RunSpec(method="finetune", bench=str(bench), eval_rows="every-2", results_dir=tmp_path / "r")))
    assert (cost.training_steps, cost.evaluations, cost.generated_images) == (4 * 4, 1 + 2 + 1 + 4, (1 + 2 + 1 + 4) * 2 * 6)
    assert main(["run", "--method", "finetune", "--bench", str(bench), "--eval-rows", "every-2", "--dry-run", "--results", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "training steps:    16" in out and "generated images:  96" in out and "estimated wall:" in out
    assert not (tmp_path / "r" / "runs").exists()
