"""Leaderboard rows that must not be rewarded: shared ranks from the Welch test, "did not learn"
against the base model or chance, bit-identical rows shown once."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.bench import load_bench_file
from core.errors import UsageError
from harness.leaderboard.assemble import assemble
from harness.leaderboard.learning import learning_floor, shared_ranks
from harness.leaderboard.load import load_runs
from harness.leaderboard.stats import Stat
from harness.leaderboard.tables import DID_NOT_LEARN, render_markdown
from leaderboard_records import hparams_hash_of, make_record

FD = [[5, 0, 0], [6, 5, 0], [7, 6, 5]]


def _table(results: Path):
    (table,) = assemble(load_runs(results, lambda m: None), [], lambda m: None)
    return table


def test_rows_the_test_cannot_separate_share_a_rank() -> None:
    tied = [Stat(0.90, 0.05, 3), Stat(0.89, 0.05, 3), Stat(0.88, 0.05, 3), Stat(0.10, 0.01, 3), Stat(0.09, 0.01, 3)]
    assert shared_ranks(tied, higher_is_better=True) == [1, 1, 1, 4, 4]
    apart = [Stat(0.9, 0.001, 3), Stat(0.5, 0.001, 3), Stat(0.1, 0.001, 3)]
    assert shared_ranks(apart, higher_is_better=True) == [1, 2, 3]
    assert shared_ranks([Stat(1.0, None, 1), Stat(1.0, None, 1), Stat(2.0, None, 1)], higher_is_better=False) == [1, 1, 3]


def test_a_row_that_did_not_learn_is_marked_and_never_bold_on_forgetting(tmp_path: Path) -> None:
    for seed, (low, high) in enumerate([(0.10, 0.11), (0.12, 0.10)]):
        make_record(tmp_path, "base-model", seed, [[low, 0, 0], [low, high, 0], [low, high, low]], FD)
        # learns nothing: the diagonal stays at the base model's level, so it forgets nothing
        make_record(tmp_path, "lazy", seed, [[high, 0, 0], [high, low, 0], [high, low, high]], FD, hparams={"coef": 0.0})
        # learns each task (diagonal 0.9) and forgets some of it
        make_record(tmp_path, "eager", seed, [[0.9, 0, 0], [0.5 + low, 0.9, 0], [0.4 + low, 0.6 + high, 0.9]], FD, hparams={"coef": 1.0})
        make_record(tmp_path, "keen", seed, [[0.9, 0, 0], [0.8 + low, 0.9, 0], [0.7 + low, 0.8 + high, 0.9]], FD, hparams={"coef": 2.0})
    table = _table(tmp_path)
    rows = {row.method: row for row in table.rows}
    assert table.learning_floor == "the base-model row"
    assert (rows["lazy"].learned, rows["eager"].learned, rows["keen"].learned, rows["base-model"].learned) == (False, True, True, False)
    forgetting = ("judge_accuracy", table.forgetting_definition)
    assert rows["lazy"].cells[forgetting].mean < rows["keen"].cells[forgetting].mean  # the least forgetting ...
    assert rows["lazy"].marks[forgetting].kind == ""  # ... earns no mark
    assert rows["keen"].marks[forgetting].kind == "best"
    markdown = render_markdown(table)
    assert f"lazy `{rows['lazy'].hparams_hash}` {DID_NOT_LEARN}" in markdown and "did not learn" in markdown


def test_chance_from_the_bench_yaml_is_the_floor_without_a_base_model_row() -> None:
    floor, what = learning_floor([], "digits-concepts", "concept_accuracy")
    assert floor == Stat(0.1, None, None) and "chance" in what
    assert learning_floor([], "digits-concepts", "base_retention") == (None, "")


def test_a_bench_chance_must_name_one_of_its_metrics(tmp_path: Path) -> None:
    source = (Path(__file__).resolve().parents[1] / "benchmarks" / "digits-concepts.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace("chance: {concept_accuracy: 0.1}", "chance: {judge_accuracy: 0.1}"))
    with pytest.raises(UsageError, match="chance names metric 'judge_accuracy'"):
        load_bench_file(bad)
    bad.write_text(source.replace("chance: {concept_accuracy: 0.1}", "chance: {concept_accuracy: high}"))
    with pytest.raises(UsageError, match="finite number"):
        load_bench_file(bad)
    same = tmp_path / "same.yaml"
    same.write_text(source.replace("chance: {concept_accuracy: 0.1}", "chance: {concept_accuracy: 0.2}"))
    original = tmp_path / "original.yaml"
    original.write_text(source)
    assert load_bench_file(same).spec_hash == load_bench_file(original).spec_hash  # chance is not part of what a run measures


def test_rows_with_bit_identical_matrices_are_shown_once_with_both_names(tmp_path: Path) -> None:
    grid = [[0.9, 0, 0], [0.5, 0.8, 0], [0.4, 0.6, 0.9]]
    for seed in (0, 1):
        make_record(tmp_path, "clora", seed, grid, FD, hparams={"reg_weight": 0.0})
        make_record(tmp_path, "merge-init", seed, grid, FD, hparams={"rank": 16})
        make_record(tmp_path, "lora-seq", seed, grid, [[5, 0, 0], [6, 5, 0], [7, 6, 6]], hparams={"rank": 16})
    table = _table(tmp_path)
    assert [row.method for row in table.rows if row.same_as] == ["clora"]
    assert sorted(row.method for row in table.rows) == ["clora", "lora-seq"]
    (clora,) = [row for row in table.rows if row.method == "clora"]
    assert clora.same_as == [("merge-init", hparams_hash_of({"rank": 16}))]
    assert " = merge-init `" in render_markdown(table)
