"""harness compare (paired differences against scipy on the committed split-digits-cls rows) and harness export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from harness.cli import main
from harness.results import load_matrices, load_records
from leaderboard_records import hparams_hash_of, make_record, toy_results

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "results"
BENCH = "split-digits-cls"  # a committed bench with two methods over 3 seeds: lwf (A) and ft (B)


def _summaries(method: str) -> dict[int, dict]:
    records = [json.loads(p.read_text()) for p in sorted((COMMITTED / "runs" / BENCH).glob(f"{method}-*.json"))]
    return {r["seed"]: r for r in records if r["status"] == "complete"}


def test_compare_two_methods_on_committed_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "lwf", "ft", "--bench", BENCH, "--results", str(COMMITTED), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    er, finetune = _summaries("lwf"), _summaries("ft")
    seeds = sorted(set(er) & set(finetune))
    assert result["seeds"] == seeds and len(seeds) >= 2
    for row in result["aggregates"]:
        diffs = np.array([er[s]["summary"][row["metric"]][row["aggregate"]] - finetune[s]["summary"][row["metric"]][row["aggregate"]] for s in seeds])
        low, high = scipy_stats.t.interval(0.95, len(diffs) - 1, loc=diffs.mean(), scale=diffs.std(ddof=1) / np.sqrt(len(diffs)))
        assert row["diff_mean"] == pytest.approx(diffs.mean(), abs=1e-9)
        assert (row["ci95_low"], row["ci95_high"]) == (pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9))
        a = [er[s]["summary"][row["metric"]][row["aggregate"]] for s in seeds]
        b = [finetune[s]["summary"][row["metric"]][row["aggregate"]] for s in seeds]
        assert row["p_paired"] == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue, rel=1e-9)
        assert row["favours"] == ("neither" if low <= 0 <= high else "A" if (low > 0) == (row["better"] == "higher") else "B")
    accuracy = [row for row in result["final_row"] if row["metric"] == "accuracy"]
    tasks = er[seeds[0]]["bench"]["tasks"]
    assert [row["task"] for row in accuracy] == tasks
    for row in accuracy:
        diffs = [er[s]["metrics"]["accuracy"]["matrix"][-1][row["i"]] - finetune[s]["metrics"]["accuracy"]["matrix"][-1][row["i"]] for s in seeds]
        assert row["diff_mean"] == pytest.approx(np.mean(diffs), abs=1e-12)


def test_compare_table_csv_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "lwf", "ft", "--bench", BENCH, "--metric", "accuracy", "--results", str(COMMITTED)]) == 0
    out = capsys.readouterr().out
    assert "A = lwf@" in out and "final row" in out
    assert main(["compare", "lwf", "ft", "--bench", BENCH, "--metric", "accuracy", "--results", str(COMMITTED), "--format", "csv"]) == 0
    frame = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert set(frame["kind"]) == {"aggregate", "final_row"} and set(frame["metric"]) == {"accuracy"}
    for argv, message in (
        (["compare", "lwf", "nope", "--bench", BENCH], "no complete records of nope"),
        (["compare", "er", "finetune", "--bench", "nowhere"], "no complete records on bench nowhere"),
        (["compare", "lwf", "ft", "--bench", BENCH, "--metric", "fid"], "metric fid is not in these records"),
        (["compare", "er", "finetune"], "needs --bench"),
    ):
        assert main([*argv, "--results", str(COMMITTED)]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    toy_results(tmp_path)
    make_record(tmp_path, "er", 0, [[0.9, 0, 0], [0.7, 0.8, 0], [0.6, 0.7, 0.8]], [[5, 0, 0], [10, 6, 0], [12, 9, 5]],
                hparams={"buffer_per_task": 10})
    assert main(["compare", "er", "finetune", "--bench", "toy-bench", "--results", str(tmp_path)]) == 2
    e1, e2 = hparams_hash_of({"buffer_per_task": 50}), hparams_hash_of({"buffer_per_task": 10})
    assert ", ".join(sorted([f"er@{e1}", f"er@{e2}"])) in capsys.readouterr().err
    assert main(["compare", f"er@{e2}", "finetune", "--bench", "toy-bench", "--results", str(tmp_path)]) == 0


def test_compare_two_records(capsys: pytest.CaptureFixture[str]) -> None:
    er = sorted((COMMITTED / "runs" / BENCH).glob("lwf-*.json"))[0]
    finetune = sorted((COMMITTED / "runs" / BENCH).glob("ft-*.json"))[1]
    assert main(["compare", str(er), str(finetune), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    a, b = json.loads(er.read_text()), json.loads(finetune.read_text())
    row = next(r for r in result["aggregates"] if (r["metric"], r["aggregate"]) == ("accuracy", "average"))
    assert row["n_pairs"] == 1 and row["ci95_low"] is None
    assert row["diff_mean"] == pytest.approx(a["summary"]["accuracy"]["average"] - b["summary"]["accuracy"]["average"], abs=1e-9)


def test_export_parquet_and_csv_round_trip(tmp_path: Path) -> None:
    toy_results(tmp_path / "results")
    frame = load_records(tmp_path / "results")
    out = tmp_path / "records.parquet"
    assert main(["export", "--results", str(tmp_path / "results"), "--out", str(out)]) == 0
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back.drop(columns="matrix"), frame.drop(columns="matrix"), check_dtype=False)
    for stored, original in zip(back["matrix"], frame["matrix"]):
        assert [[None if v != v else v for v in row] for row in stored] == original
    assert main(["export", "--results", str(tmp_path / "results"), "--format", "csv", "--out", str(tmp_path / "r.csv")]) == 0
    text = pd.read_csv(tmp_path / "r.csv")
    assert [json.loads(m) for m in text["matrix"]] == list(frame["matrix"])
    assert text["average"].tolist() == pytest.approx(frame["average"].tolist())
    assert main(["export", "--results", str(tmp_path / "results"), "--matrices", "--format", "csv", "--out", str(tmp_path / "m.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "m.csv")) == len(load_matrices(tmp_path / "results"))
    assert main(["export", "--results", str(tmp_path / "results"), "--out", str(tmp_path)]) == 2
