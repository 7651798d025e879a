"""harness leaderboard: grouping, mean ± std against numpy, marks, bad records, determinism, --check, versioning."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.errors import UsageError
from harness.cli import main
from harness.leaderboard import build, check
from harness.leaderboard.assemble import assemble
from harness.leaderboard.load import load_runs
from harness.leaderboard.reported import load_reported
from harness.leaderboard.tables import method_text
from harness.leaderboard.version import LEADERBOARD_VERSION
from metrics.continual import FORGETTING_DEFINITIONS
from leaderboard_records import E1, ER_HPARAMS, H0, hparams_hash_of, make_record, toy_results
from metrics.continual import summarize

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "leaderboard-toy-bench.md"
SLUG = "toy-bench-v1-default-01234567"


def _tables(results: Path, warnings: list[str] | None = None):
    warn = (warnings.append if warnings is not None else lambda m: None)
    return assemble(load_runs(results, warn), load_reported(results, warn), warn)


def test_mean_and_sample_std_over_seeds_match_numpy(tmp_path: Path) -> None:
    toy_results(tmp_path)
    (table,) = _tables(tmp_path)
    finetune = next(row for row in table.rows if row.method == "finetune")
    records = [json.loads(p.read_text()) for p in sorted((tmp_path / "runs").rglob("finetune-*.json"))]
    for metric in ("judge_accuracy", "judge_fd"):
        for aggregate in ("average", "forgetting_best_minus_final", "forgetting_coda"):
            values = np.array([summarize(r["metrics"][metric]["matrix"], r["metrics"][metric]["higher_is_better"])[aggregate] for r in records])
            stat = finetune.cells[(metric, aggregate)]
            assert stat.n == 2
            assert stat.mean == pytest.approx(values.mean(), abs=1e-12)
            assert stat.std == pytest.approx(values.std(ddof=1), abs=1e-12)


def test_ranking_marks_and_provisional(tmp_path: Path) -> None:
    toy_results(tmp_path)
    make_record(tmp_path, "worst", 0, [[0.5, 0, 0], [0.1, 0.5, 0], [0.0, 0.1, 0.5]], [[9, 0, 0], [60, 9, 0], [70, 60, 9]])
    make_record(tmp_path, "worst", 1, [[0.5, 0, 0], [0.1, 0.5, 0], [0.0, 0.1, 0.5]], [[9, 0, 0], [60, 9, 0], [70, 60, 9]])
    (table,) = _tables(tmp_path)
    assert [row.method for row in table.rows] == ["er", "finetune", "worst"]
    assert [row.provisional for row in table.rows] == [True, False, False]
    accuracy = ("judge_accuracy", "average")
    # er leads but has one seed: nothing can be separated from it, so nothing is bold (see stats.py)
    assert [row.marks[accuracy].kind for row in table.rows] == ["", "", ""]
    make_record(tmp_path, "er", 1, [[0.9, 0, 0], [0.7, 0.8, 0], [0.61, 0.7, 0.8]], [[5, 0, 0], [10, 6, 0], [12, 9, 5]],
                hparams={"buffer_per_task": 50})
    (table,) = _tables(tmp_path)
    assert [row.marks[accuracy].kind for row in table.rows] == ["best", "second", ""]
    assert [row.marks[("judge_fd", "average")].kind for row in table.rows] == ["best", "second", ""]  # lower is better


def test_versions_profiles_and_hparams_never_average_together(tmp_path: Path) -> None:
    grid = [[0.5, 0], [0.4, 0.6]]
    make_record(tmp_path, "finetune", 0, grid, [[1, 0], [2, 1]])
    make_record(tmp_path, "finetune", 0, grid, [[1, 0], [2, 1]], version=2, spec_hash="fedcba9876543210")
    make_record(tmp_path, "finetune", 0, grid, [[1, 0], [2, 1]], profile="smoke")
    make_record(tmp_path, "finetune", 1, grid, [[1, 0], [2, 1]], hparams={"lr_scale": 2.0})
    make_record(tmp_path, "finetune", 2, grid, [[1, 0], [2, 1]], status="running")
    tables = _tables(tmp_path)
    assert sorted((t.version, t.profile) for t in tables) == [(1, "default"), (1, "smoke"), (2, "default")]
    default_v1 = next(t for t in tables if t.version == 1 and t.profile == "default")
    assert sorted((row.hparams_hash, tuple(row.seeds)) for row in default_v1.rows) == sorted([(H0, (0,)), (hparams_hash_of({"lr_scale": 2.0}), (1,))])


def test_bad_records_are_named_skipped_and_warned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toy_results(tmp_path)
    broken = tmp_path / "runs" / "toy-bench" / "broken.json"
    broken.write_text("{not json")
    future = tmp_path / "runs" / "toy-bench" / "future.json"
    future.write_text(json.dumps({"schema_version": 99, "status": "complete"}))
    holey = make_record(tmp_path, "holey", 0, [[0.5, 0], [0.4, 0.6]], [[1, 0], [2, 1]])
    record = json.loads(holey.read_text())
    record["metrics"]["judge_fd"]["matrix"][1][0] = None
    holey.write_text(json.dumps(record))
    assert main(["leaderboard", "--results", str(tmp_path), "--out", str(tmp_path / "board")]) == 0
    err = capsys.readouterr().err
    for path in (broken, future, holey):
        assert f"warning: skipping run record {path}" in err
    assert "schema version 99" in err
    table = (tmp_path / "board" / f"v{LEADERBOARD_VERSION}" / f"{SLUG}.md").read_text()
    assert "finetune" in table and "holey" not in table


def test_reported_rows_are_marked_and_never_averaged(tmp_path: Path) -> None:
    shutil.copytree(REPO / "results" / "reported", tmp_path / "reported")
    make_record(tmp_path, "lora-seq", 0, [[0.5, 0], [0.4, 0.6]], [[1, 0], [2, 1]], bench="objects")
    tables = {t.slug: t for t in _tables(tmp_path)}
    objects = tables["objects-v1-default-01234567"]
    rows = [(row.method, row.reported) for row in objects.rows]
    assert ("lora-seq", True) in rows and ("lora-seq", False) in rows
    reported = next(r for r in objects.rows if r.reported and r.method == "merge-init")
    assert reported.cells[("clip_i", "average")].mean == 0.675 and reported.cells[("clip_i", "average")].std == 0.005
    assert objects.forgetting_definition == "forgetting_best_minus_final_all"
    assert reported.cells[("dino", "forgetting_best_minus_final_all")].mean == 0.056
    styles = tables["styles-reported"]
    magmax = next(r for r in styles.rows if r.method == "magmax")
    assert magmax.cells[("csd", "average")].mean == 0.289 and magmax.cells[("csd", "forgetting_best_minus_final_all")].std == 0.013


def test_malformed_reported_file_is_named_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "reported").mkdir()
    bad = tmp_path / "reported" / "bad.yaml"
    bad.write_text("citation: {key: x, text: y}\ntables:\n  - {bench: b, forgetting: nonsense, metrics: {}, rows: []}\n")
    warnings: list[str] = []
    assert _tables(tmp_path, warnings) == []
    assert len(warnings) == 1 and str(bad) in warnings[0] and "nonsense" in warnings[0]


def test_markdown_matches_golden_file(tmp_path: Path) -> None:
    """Set HARNESS_REGENERATE_GOLDEN=1 to rewrite the golden file when a change is intended."""
    toy_results(tmp_path)
    folder = build(tmp_path, tmp_path / "board", lambda m: None)
    text = (folder / f"{SLUG}.md").read_text()
    if os.environ.get("HARNESS_REGENERATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "leaderboard markdown changed: rerun with HARNESS_REGENERATE_GOLDEN=1 if intended"


def test_same_records_give_identical_bytes_and_check_detects_staleness(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toy_results(tmp_path)
    (tmp_path / "runs" / "toy-bench" / "grid.png").write_bytes(b"\x89PNG\r\n\x1a\nfake-but-copied")
    make_record(tmp_path, "sampler", 0, [[0.5, 0, 0], [0.4, 0.6, 0], [0.3, 0.5, 0.7]], [[1, 0, 0], [2, 1, 0], [3, 2, 1]],
                samples="grid.png")
    first = build(tmp_path, tmp_path / "a", lambda m: None)
    second = build(tmp_path, tmp_path / "b", lambda m: None)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert Path(f"samples/{SLUG}/sampler-{H0}.png") in files
    assert f'src="samples/{SLUG}/sampler-{H0}.png"' in (first / "index.html").read_text()
    assert check(tmp_path, tmp_path / "a", lambda m: None) == []
    assert main(["leaderboard", "--results", str(tmp_path), "--out", str(tmp_path / "a"), "--check"]) == 0

    make_record(tmp_path, "er", 1, [[0.9, 0, 0], [0.7, 0.9, 0], [0.6, 0.7, 0.9]], [[5, 0, 0], [10, 6, 0], [12, 9, 5]],
                hparams=ER_HPARAMS)
    capsys.readouterr()
    assert main(["leaderboard", "--results", str(tmp_path), "--out", str(tmp_path / "a"), "--check"]) == 1
    captured = capsys.readouterr()
    assert f"changed: {SLUG}.md" in captured.out and f"+| 1      | er `{E1}`" in captured.out
    assert "is stale" in captured.err


def test_changed_definitions_require_a_version_bump(tmp_path: Path) -> None:
    toy_results(tmp_path)
    folder = build(tmp_path, tmp_path / "board", lambda m: None)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["metrics"]["judge_fd"][0]["description"] = "an older definition"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UsageError, match="bump LEADERBOARD_VERSION"):
        build(tmp_path, tmp_path / "board", lambda m: None)
    assert json.loads((folder / "manifest.json").read_text())["metrics"]["judge_fd"][0]["description"] == "an older definition"
    assert "bump LEADERBOARD_VERSION" in check(tmp_path, tmp_path / "board", lambda m: None)[0]


def test_committed_leaderboard_is_up_to_date() -> None:
    """What CI runs: the committed results/leaderboard matches the committed records."""
    assert check(REPO / "results", REPO / "results" / "leaderboard", lambda m: None) == []


@pytest.mark.slow  # two real runs: 25-70 s on 2 shared cores
def test_real_runner_records_reach_the_board(tmp_path: Path) -> None:
    """Records written by the real runner on the tiny bench (two seeds, smoke profile)."""
    from conftest import write_bench
    from harness.runner import RunSpec, execute

    bench = write_bench(tmp_path, min_seeds=3)
    paths = [execute(RunSpec(method="finetune", bench=str(bench), seed=seed, profile="smoke", results_dir=tmp_path / "results"))
             for seed in (0, 1)]
    folder = build(tmp_path / "results", tmp_path / "board", lambda m: pytest.fail(m))
    (table,) = _tables(tmp_path / "results")
    (row,) = table.rows
    assert row.seeds == [0, 1] and row.provisional
    finals = [np.mean(json.loads(p.read_text())["metrics"]["judge_accuracy"]["matrix"][-1]) for p in paths]
    assert row.cells[("judge_accuracy", "average")].mean == pytest.approx(np.mean(finals), abs=1e-12)
    markdown = (folder / f"{table.slug}.md").read_text()
    assert "2/3 †" in markdown and table.spec_hash in markdown


def test_rows_of_one_method_are_told_apart_by_the_hparams_that_differ(tmp_path: Path) -> None:
    grid = [[0.5, 0], [0.4, 0.6]]
    make_record(tmp_path, "l2", 0, grid, [[1, 0], [2, 1]], hparams={"weight": 0.01, "shared": 1})
    make_record(tmp_path, "l2", 0, grid, [[1, 0], [2, 2]], hparams={"weight": 0.001, "shared": 1})
    make_record(tmp_path, "finetune", 0, grid, [[1, 0], [3, 1]])
    [table] = _tables(tmp_path)
    texts = sorted(method_text(row) for row in table.rows)
    assert texts == sorted([f"finetune `{H0}`",
                            f"l2 `{hparams_hash_of({'weight': 0.001, 'shared': 1})}` (weight=0.001)",
                            f"l2 `{hparams_hash_of({'weight': 0.01, 'shared': 1})}` (weight=0.01)"])



def test_a_bound_rows_forgetting_is_blank_not_zero() -> None:
    """The upper bound (joint training) frames the table: its forgetting is blank (CODA-Prompt), a method's is a number."""
    from harness.leaderboard.assemble import assemble
    from harness.leaderboard.load import load_record_files

    records = sorted((REPO / "results" / "runs" / "mnist-r-5").glob("*.json"))
    (table,) = assemble(load_record_files(records, lambda line: None), [], lambda line: None)
    cells = {row.method: row.cells for row in table.rows}
    assert cells["upper-bound"][("accuracy", "average")] is not None
    assert all(cells["upper-bound"][("accuracy", name)] is None for name in FORGETTING_DEFINITIONS)
    assert cells["ft"][("accuracy", "forgetting_coda")].mean > 20
