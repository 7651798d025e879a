"""harness.results frames, the 95% intervals, Welch marks, cell precision and the sweeps page."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from core.errors import UsageError
from harness.leaderboard import build
from harness.leaderboard.assemble import assemble
from harness.leaderboard.frame import AGGREGATES, seed_statistics, t_half_width
from harness.leaderboard.load import load_runs
from harness.leaderboard.plots import forgetting_figure
from harness.leaderboard.reported import load_reported
from harness.leaderboard.stats import Stat, decimals_for, marks, welch_p
from harness.leaderboard.tables import cell_text
from harness.leaderboard.version import LEADERBOARD_VERSION
from harness.results import RecordWarning, load_matrices, load_records
from leaderboard_records import hparams_hash_of, make_record, toy_results

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "results"


def test_frame_aggregates_equal_the_committed_records_summaries() -> None:
    frame = load_records(COMMITTED)
    files = [*(COMMITTED / "runs").rglob("*.json"), *(COMMITTED / "sweeps" / "runs").rglob("*.json")]
    records = {str(path): json.loads(path.read_text()) for path in sorted(files)}
    assert len(frame) == sum(len(r["metrics"]) for r in records.values() if r["status"] == "complete") > 0
    for row in frame.itertuples(index=False):
        record = records[row.record]
        assert (row.bench, row.method, row.hparams_hash, row.seed) == (record["bench"]["name"], record["method"]["name"],
                                                                       record["method"]["hparams_hash"], record["seed"])
        stored = record["summary"][row.metric]
        for aggregate in [a for a in AGGREGATES if a in stored]:  # records made before an aggregate existed lack it
            assert getattr(row, aggregate) == pytest.approx(stored[aggregate], abs=1e-12)
        assert row.matrix == record["metrics"][row.metric]["matrix"]
    assert set(frame["collection"]) == {"runs", "sweeps"}


def test_long_matrices_hold_every_filled_cell(tmp_path: Path) -> None:
    toy_results(tmp_path)
    long = load_matrices(tmp_path)
    frame = load_records(tmp_path)
    assert len(long) == len(frame) * 6  # 3 tasks: 6 cells on and below the diagonal
    cell = long[(long.method == "finetune") & (long.seed == 1) & (long.metric == "judge_fd") & (long.t == 2) & (long.i == 1)]
    assert cell["value"].tolist() == [33.0] and cell["task"].tolist() == ["2-3"]
    # the mean of the last row in long form is the `average` aggregate
    last = long[long.t == 2].groupby(["method", "seed", "metric"])["value"].mean()
    wide = frame.set_index(["method", "seed", "metric"])["average"]
    pd.testing.assert_series_equal(last.sort_index(), wide.sort_index(), check_names=False)


def test_status_filter_single_file_and_bad_records(tmp_path: Path) -> None:
    toy_results(tmp_path)
    make_record(tmp_path, "crashed", 0, [[0.5, 0, 0], [0.4, 0.5, 0], [0.3, 0.4, 0.5]], [[1, 0, 0], [2, 1, 0], [3, 2, 1]],
                status="failed")
    assert "crashed" not in set(load_records(tmp_path)["method"])
    failed = load_records(tmp_path, status="failed")
    assert set(failed["method"]) == {"crashed"}
    assert len(load_records(tmp_path, status="any")) == len(load_records(tmp_path)) + 2
    one = next((tmp_path / "runs").rglob("er-*.json"))
    assert set(load_records(one)["record"]) == {str(one)}
    with pytest.raises(UsageError, match="status 'done'"):
        load_records(tmp_path, status="done")
    (tmp_path / "runs" / "toy-bench" / "broken.json").write_text("{not json")
    with pytest.warns(RecordWarning, match="broken.json"):
        load_records(tmp_path)


def test_intervals_equal_scipy_student_t_on_fixed_values() -> None:
    for values in ([0.1, 0.4, 0.35], [253.0, 180.5, 327.8, 254.1], [1.0, 1.5]):
        values = np.array(values)
        sem = values.std(ddof=1) / np.sqrt(len(values))
        low, high = scipy_stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=sem)
        half = t_half_width(np.array([values.std(ddof=1)]), np.array([len(values)]))[0]
        assert values.mean() - half == pytest.approx(low, rel=1e-12)
        assert values.mean() + half == pytest.approx(high, rel=1e-12)
    assert np.isnan(t_half_width(np.array([0.0]), np.array([1]))[0])


def test_seed_statistics_mean_std_interval_against_numpy(tmp_path: Path) -> None:
    toy_results(tmp_path)
    frame = load_records(tmp_path)
    statistics = seed_statistics(frame)
    finetune = frame[(frame.method == "finetune") & (frame.metric == "judge_accuracy")]["average"].to_numpy()
    cell = statistics.xs(("finetune", "judge_accuracy", "average"), level=("method", "metric", "aggregate")).iloc[0]
    assert cell["mean"] == pytest.approx(finetune.mean()) and cell["std"] == pytest.approx(finetune.std(ddof=1)) and cell["n"] == 2
    low, high = scipy_stats.t.interval(0.95, 1, loc=finetune.mean(), scale=finetune.std(ddof=1) / np.sqrt(2))
    assert (cell["ci_low"], cell["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    one_seed = statistics.xs(("er", "judge_accuracy", "average"), level=("method", "metric", "aggregate")).iloc[0]
    assert one_seed["n"] == 1 and np.isnan(one_seed["std"]) and np.isnan(one_seed["ci_low"])


def _stat(values: list[float]) -> Stat:
    array = np.array(values)
    half = t_half_width(np.array([array.std(ddof=1)]), np.array([len(array)]))[0]
    return Stat(float(array.mean()), float(array.std(ddof=1)), len(array), (array.mean() - half, array.mean() + half))


def test_welch_p_equals_scipy_and_marks_follow_it() -> None:
    a, b = [0.90, 0.85, 0.93], [0.70, 0.74, 0.69]
    assert welch_p(_stat(a), _stat(b)) == pytest.approx(scipy_stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-10)
    separated = [_stat(a), _stat(b), _stat([0.40, 0.42, 0.41])]
    assert [m.kind for m in marks(separated, higher_is_better=True)] == ["best", "second", ""]
    # a noisy runner-up that the test cannot tell from the best: nothing bold, the runner-up tied
    noisy = [_stat(a), _stat([0.95, 0.50, 0.80]), _stat([0.40, 0.42, 0.41])]
    kinds = [m.kind for m in marks(noisy, higher_is_better=True)]
    assert kinds == ["", "tied", ""]
    # lower is better flips the order; a one-seed row is never tested nor marked tied
    lower = [_stat([5.0, 5.2, 5.1]), Stat(1.0, None, 1), _stat([9.0, 9.1, 9.3])]
    assert [m.kind for m in marks(lower, higher_is_better=False)] == ["", "", ""]
    assert [m.kind for m in marks([_stat([5.0, 5.2, 5.1]), _stat([9.0, 9.1, 9.3])], higher_is_better=False)] == ["best", ""]


def test_cells_show_the_precision_their_interval_supports() -> None:
    values = [253.770 - 74.106, 253.770, 253.770 + 74.106]  # mean 253.770, std 74.106
    assert cell_text(_stat(values)) == "254 ± 74"
    assert cell_text(_stat([0.9, 0.85, 0.93])) == "0.89 ± 0.04"          # half-width 0.10: 2 decimals
    assert decimals_for(_stat([1.2e-4, 1.4e-4, 1.3e-4])) == 6             # KID-like values keep their digits
    assert cell_text(Stat(0.6749, 0.005, None), printed_decimals=3) == "0.675 ± 0.005"  # a paper's printed precision
    assert cell_text(Stat(2870.049, None, 1)) == "2870"                     # no interval: 3 significant digits
    assert cell_text(_stat([0.1, 0.1, 0.1])) == "0.100 ± 0.000"            # identical seeds: rounding noise is no interval


def test_forgetting_panel_titles_do_not_touch() -> None:
    """Each panel's title, at its estimated width (svg.width_of), stays within its own panel and gap."""
    from harness.leaderboard.svg import width_of
    from harness.leaderboard.svg_charts import PANEL_GAP, PANEL_WIDTH

    (table, *_) = assemble(load_runs(COMMITTED, lambda m: None), load_reported(COMMITTED, lambda m: None), lambda m: None)
    svg = forgetting_figure(table).decode()
    titles = re.findall(r'<text x="([0-9.]+)" y="[0-9.]+" font-size="10" text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    names = [(float(x), name) for x, name in titles if name in table.metrics]
    assert len(names) >= 2
    for (x1, a), (x2, b) in zip(names, names[1:]):
        assert x1 + width_of(a, 10) / 2 < x2 - width_of(b, 10) / 2 and x2 - x1 == pytest.approx(PANEL_WIDTH + PANEL_GAP)


def test_sweep_records_get_their_own_page_never_the_canonical_rows(tmp_path: Path) -> None:
    toy_results(tmp_path)
    swept = make_record(tmp_path, "er", 0, [[0.9, 0, 0], [0.8, 0.8, 0], [0.7, 0.7, 0.8]], [[5, 0, 0], [9, 6, 0], [11, 9, 5]],
                        hparams={"buffer_per_task": 10})
    sweeps = tmp_path / "sweeps" / "runs" / "toy-bench"  # where `harness sweep --results RESULTS/sweeps` writes
    sweeps.mkdir(parents=True)
    swept.rename(sweeps / swept.name)
    folder = build(tmp_path, tmp_path / "board", lambda m: None)
    canonical = json.loads((folder / "toy-bench-v1-default-01234567.json").read_text())
    sweep = json.loads((folder / "sweeps" / "toy-bench-v1-default-01234567.json").read_text())
    assert hparams_hash_of({"buffer_per_task": 10}) not in {row["hparams_hash"] for row in canonical["rows"]}
    assert [row["hparams_hash"] for row in sweep["rows"]] == [hparams_hash_of({"buffer_per_task": 10})]
    assert 'href="sweeps/index.html"' in (folder / "index.html").read_text()
    assert 'href="../index.html"' in (folder / "sweeps" / "index.html").read_text()
    frame = load_records(tmp_path)
    assert set(frame[frame.collection == "sweeps"]["hparams_hash"]) == {hparams_hash_of({"buffer_per_task": 10})}
    assert hparams_hash_of({"buffer_per_task": 10}) not in set(frame[frame.collection == "runs"]["hparams_hash"])


def test_every_row_says_which_std_it_uses() -> None:
    folder = COMMITTED / "leaderboard"
    board = next(folder.glob(f"v{LEADERBOARD_VERSION}/*objects-reported.json"))  # objects-reported.json once rebuilt (the reported rows now keyed by the bench)
    assert {row["std_ddof"] for row in json.loads(board.read_text())["rows"]} == {0}
    measured = next(folder.glob(f"v{LEADERBOARD_VERSION}/split-digits-v*.json"))
    assert {row["std_ddof"] for row in json.loads(measured.read_text())["rows"]} == {1}
    assert "| population " in board.with_suffix(".md").read_text() and "population = population std (ddof 0" in board.with_suffix(".md").read_text()


def test_python_warnings_name_the_skipped_record(tmp_path: Path) -> None:
    (tmp_path / "runs" / "b").mkdir(parents=True)
    (tmp_path / "runs" / "b" / "x.json").write_text("[]")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_records(tmp_path).empty
    assert any("x.json" in str(w.message) for w in caught)


def test_one_record_file_is_named_by_the_collection_it_lies_in() -> None:
    from harness.results import collections

    sweep = next((COMMITTED / "sweeps" / "runs").rglob("*.json"))
    canonical = next((COMMITTED / "runs").rglob("*.json"))
    assert [name for name, _ in collections(sweep)] == ["sweeps"] and [name for name, _ in collections(canonical)] == ["runs"]
