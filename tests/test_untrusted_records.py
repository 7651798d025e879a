"""Records are untrusted input: a crafted record never writes outside the leaderboard folder,
never publishes a file it does not own, and is skipped with one warning line naming it."""

from __future__ import annotations

from harness.leaderboard.version import LEADERBOARD_VERSION

import json
from pathlib import Path

import pytest

from core.errors import UsageError
from harness.cli import main
from harness.hparams import hparams_hash
from harness.leaderboard.markdown_escape import markdown_cell
from harness.record import read_record, record_path, write_record
from leaderboard_records import make_record, toy_results

ACCURACY = [[0.9, 0, 0], [0.6, 0.8, 0], [0.5, 0.7, 0.9]]
FD = [[5, 0, 0], [10, 6, 0], [12, 9, 5]]


def _crafted(results: Path, change) -> Path:
    """A valid record of a third method, then changed by `change(record)` and written as raw JSON."""
    path = make_record(results, "crafted", 0, ACCURACY, FD)
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    return path


def _set(*keys, value):
    def change(record):
        node = record
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return change


def _nan(record):
    record["metrics"]["judge_fd"]["matrix"][1][0] = float("nan")


def _short_matrix(record):
    record["metrics"]["judge_fd"]["matrix"].pop()


def _hostile_task(record):
    record["bench"]["tasks"][0] = "../x"


def _mismatched_hash(record):
    record["method"]["hparams"]["lr_scale"] = 9.0


CRAFTED = {
    "method name with ../": (_set("method", "name", value="../../../../../escaped"), "method.name"),
    "hparams hash with ../": (_set("method", "hparams_hash", value="../../../../../escaped"), "method.hparams_hash"),
    "absolute bench name": (_set("bench", "name", value="/tmp/escaped-bench"), "bench.name"),
    "profile with ../": (_set("bench", "profile", value="../../escaped"), "bench.profile"),
    "task name with ../": (_hostile_task, "bench.tasks[0]"),
    "absolute samples": (_set("samples", value="/etc/passwd"), "samples"),
    "samples in another folder": (_set("samples", value="../other/grid.png"), "samples"),
    "hash that is not the hash of the hparams": (_mismatched_hash, "is not the hash of its hparams"),
    "higher_is_better as a string": (_set("metrics", "judge_accuracy", "higher_is_better", value="false"), "higher_is_better"),
    "NaN in a matrix": (_nan, "not a finite number"),
    "a 2x3 matrix": (_short_matrix, "must be a 3x3 matrix"),
    "null environment": (_set("environment", value=None), "environment: Input should be a JSON object"),
    "seed as a boolean": (_set("seed", value=True), "seed"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_record_is_skipped_with_one_warning_and_writes_nothing_outside(case, tmp_path, capsys):
    results, board = tmp_path / "results", tmp_path / "results" / "board"
    toy_results(results)
    change, reason = CRAFTED[case]
    crafted = _crafted(results, change)
    before = {p for p in tmp_path.rglob("*")}
    assert main(["leaderboard", "--results", str(results), "--out", str(board)]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if str(crafted) in line]
    assert len(warnings) == 1 and "skipping run record" in warnings[0] and reason in warnings[0], err
    created = {p for p in tmp_path.rglob("*")} - before
    assert all(board in p.parents or p == board for p in created), f"written outside the leaderboard: {created}"
    assert not any("root:" in p.read_text(errors="ignore") for p in board.rglob("*") if p.is_file())
    assert not any("crafted" in p.name for p in board.rglob("*")) and "crafted" not in (board / f"v{LEADERBOARD_VERSION}" / "index.html").read_text()
    with pytest.raises(UsageError, match=str(crafted)):
        read_record(crafted)  # `harness show` and resume refuse it the same way


def test_samples_symlink_is_not_published(tmp_path, capsys):
    results, board = tmp_path / "results", tmp_path / "board"
    toy_results(results)
    path = make_record(results, "linked", 0, ACCURACY, FD, samples="linked.samples.png")
    (path.parent / "linked.samples.png").symlink_to("/etc/passwd")
    assert main(["leaderboard", "--results", str(results), "--out", str(board)]) == 0
    assert f"skipping run record {path}" in capsys.readouterr().err
    assert not any("root:" in p.read_text(errors="ignore") for p in board.rglob("*") if p.is_file())


def test_records_and_run_keys_are_checked_when_written(tmp_path):
    good = make_record(tmp_path, "good", 0, ACCURACY, FD)
    record = json.loads(good.read_text())
    record["method"]["name"] = "../evil"
    with pytest.raises(UsageError, match="method.name"):
        write_record(tmp_path / "out.json", record)
    assert not (tmp_path / "out.json").exists()
    for bad in ({"bench": "../b"}, {"method": "a/b"}, {"hparams_hash": ".."}, {"profile": "Default"}, {"seed": -1}):
        key = {"bench": "b", "method": "m", "hparams_hash": "0a", "profile": "p", "seed": 0, **bad}
        with pytest.raises(UsageError):
            record_path(tmp_path, **key)


def test_a_valid_record_from_another_harness_still_loads(tmp_path):
    """New fields are optional: the committed v1 records (no hashes, no history) read back."""
    repo = Path(__file__).resolve().parent.parent
    committed = sorted((repo / "results" / "runs").rglob("*.json"))
    assert committed and all(read_record(p)["status"] == "complete" for p in committed)
    assert any("checkpoint_sha256" not in json.loads(p.read_text()) for p in committed)  # records older than the hashes


def test_hparams_hash_is_recomputed(tmp_path):
    path = make_record(tmp_path, "m", 0, ACCURACY, FD, hparams={"a": 1})
    assert read_record(path)["method"]["hparams_hash"] == hparams_hash({"a": 1})


def test_empty_leaderboard_never_replaces_a_published_one(tmp_path, capsys):
    results, board = tmp_path / "results", tmp_path / "board"
    toy_results(results)
    assert main(["leaderboard", "--results", str(results), "--out", str(board)]) == 0
    published = sorted(p.name for p in (board / f"v{LEADERBOARD_VERSION}").iterdir())
    for path in (results / "runs").rglob("*.json"):
        path.unlink()
    capsys.readouterr()
    assert main(["leaderboard", "--results", str(results), "--out", str(board)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no complete run record" in err and "--allow-empty" in err
    assert sorted(p.name for p in (board / f"v{LEADERBOARD_VERSION}").iterdir()) == published
    assert main(["leaderboard", "--results", str(results), "--out", str(board), "--allow-empty"]) == 0
    assert not list((board / f"v{LEADERBOARD_VERSION}").glob("*.md"))


def test_markdown_cells_escape_pipes_and_html(tmp_path):
    assert markdown_cell("a|b <script>x</script>\nc & d") == "a\\|b &lt;script&gt;x&lt;/script&gt; c & d"
    results, board = tmp_path / "results", tmp_path / "board"
    make_record(results, "er", 0, ACCURACY, FD, hparams={"note": "x|<img src=x onerror=alert(1)>"})
    make_record(results, "er", 1, ACCURACY, FD, hparams={"note": "x|<img src=x onerror=alert(1)>"})
    assert main(["leaderboard", "--results", str(results), "--out", str(board)]) == 0
    (markdown,) = (board / f"v{LEADERBOARD_VERSION}").glob("*.md")
    text = markdown.read_text()
    assert "<img" not in text and "&lt;img" in text
    assert "<img src=x" not in (board / f"v{LEADERBOARD_VERSION}" / "index.html").read_text()


@pytest.mark.parametrize("bench", ["/tmp/escaped-reported", "../../escaped-reported", "a/b", "~"])
def test_a_reported_bench_that_is_a_path_is_skipped_with_one_warning(bench, tmp_path, capsys):
    """A reported table's `bench` becomes `<bench>-reported.{md,csv,json}`: a path there once wrote outside the board."""
    results, board = tmp_path / "results", tmp_path / "results" / "board"
    toy_results(results)
    (results / "reported").mkdir()
    hostile = results / "reported" / "hostile.yaml"
    hostile.write_text(f"citation: {{key: k, text: t}}\ntables:\n  - bench: {json.dumps(bench)}\n    forgetting: forgetting_coda\n"
                       "    metrics: {judge_accuracy: {higher_is_better: true}}\n    rows: [{method: m, average: {judge_accuracy: 0.5}}]\n")
    before = set(tmp_path.rglob("*"))
    for command in (["leaderboard"], ["leaderboard", "--check"]):
        assert main([*command, "--results", str(results), "--out", str(board)]) in (0, 1)
        err = capsys.readouterr().err
        warnings = [line for line in err.splitlines() if str(hostile) in line]
        assert len(warnings) == 1 and "tables[0].bench" in warnings[0], err
    created = set(tmp_path.rglob("*")) - before
    assert all(p == board or board in p.parents for p in created), f"written outside the leaderboard: {created}"
    assert not list(Path("/tmp").glob("escaped-reported*")) and not (tmp_path / "escaped-reported-reported.md").exists()


def test_hostile_files_through_the_cli_processes(tmp_path):
    """A few real processes: every command exits 0, 1 or 2 with one line per problem and no traceback;
    nothing is written outside the output folder, and no temporary file is left behind."""
    import subprocess
    import sys

    results, board = tmp_path / "results", tmp_path / "results" / "board"
    toy_results(results)
    runs = results / "runs" / "toy-bench"
    (runs / "truncated.json").write_text(next(runs.glob("er-*.json")).read_text()[:300])
    (runs / "nan.json").write_text(next(runs.glob("er-*.json")).read_text().replace("0.8", "NaN", 1))
    (runs / "repeated.json").write_text('{"seed": 1, ' + next(runs.glob("er-*.json")).read_text()[1:])
    (runs / "list.json").write_text("[1, 2]")
    hostile = [runs / name for name in ("truncated.json", "nan.json", "repeated.json", "list.json")]
    before = set(tmp_path.rglob("*"))
    repo = Path(__file__).resolve().parent.parent
    commands = [["leaderboard", "--results", str(results), "--out", str(board)], ["validate", *map(str, hostile)]]  # --check and show: in-process tests
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "harness", *command], cwd=repo, capture_output=True, text=True, timeout=300,
                              env={**__import__("os").environ, "PYTHONPATH": str(repo)})
        assert done.returncode in (0, 1, 2) and "Traceback" not in done.stderr + done.stdout, (command, done.stderr)
        problems = [line for line in (done.stderr + done.stdout).splitlines() if any(str(path) in line for path in hostile)]
        assert len(problems) == len(hostile), (command, done.stderr, done.stdout)
    created = set(tmp_path.rglob("*")) - before
    assert all(p == board or board in p.parents for p in created), created
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".v")], "a half-written file was left"
