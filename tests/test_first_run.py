"""A first run that runs: a user's runs go to my-results/ (never among the published records),
a complete record prints its summary (exit 0), and `harness reproduce` reruns a record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.record import read_record

REPO = Path(__file__).resolve().parent.parent


def _smoke(tiny_bench: Path, *extra: str) -> list[str]:
    return ["run", "--method", "finetune", "--bench", str(tiny_bench), "--profile", "smoke", "--no-progress", *extra]


def test_user_runs_default_to_my_results_and_the_env_var_moves_them(tiny_bench, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARNESS_RESULTS", raising=False)
    assert main(_smoke(tiny_bench)) == 0
    out = capsys.readouterr().out
    (record,) = (tmp_path / "my-results" / "runs").rglob("*.json")
    assert out.splitlines()[-1] == f"record: {Path('my-results') / record.relative_to(tmp_path / 'my-results')}"
    assert "result (" in out and "judge_accuracy" in out  # the headline result table
    assert not (tmp_path / "results").exists()
    monkeypatch.setenv("HARNESS_RESULTS", str(tmp_path / "elsewhere"))
    assert main(_smoke(tiny_bench, "--seed", "1")) == 0
    assert list((tmp_path / "elsewhere" / "runs").rglob("*seed1.json"))


def test_my_results_is_ignored_by_git():
    done = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "my-results/runs/split-digits/er-x-default-seed3.json"])
    assert done.returncode == 0, "my-results/ must be git-ignored so a user's runs never enter a commit"


def test_reproduce_matches_exactly_and_reports_a_tampered_matrix(tiny_bench, tmp_path, capsys):
    results = tmp_path / "r"
    assert main(_smoke(tiny_bench, "--results", str(results))) == 0
    (record,) = results.glob("runs/*/*.json")
    capsys.readouterr()
    assert main(["reproduce", str(record), "--bench", str(tiny_bench), "--scratch", str(tmp_path / "scratch")]) == 0
    out = capsys.readouterr().out
    assert "reproduces exactly (same device)" in out and out.count("(tolerance exact): ok") == 4
    assert not list((tmp_path / "scratch").iterdir())  # the scratch run is removed

    data = json.loads(record.read_text())
    data["metrics"]["judge_fd"]["matrix"][1][0] += 1e-9  # a tiny change: exact on the same device
    record.write_text(json.dumps(data))
    assert main(["reproduce", str(record), "--bench", str(tiny_bench)]) == 1
    captured = capsys.readouterr()
    assert "judge_fd: max |difference| 1e-09 (tolerance exact): MISMATCH in 1 cells" in captured.out
    assert "does not reproduce: judge_fd differ" in captured.err


def test_reproduce_refuses_a_changed_bench(tiny_bench, tmp_path, capsys):
    from conftest import write_bench

    results = tmp_path / "r"
    assert main(_smoke(tiny_bench, "--results", str(results))) == 0
    (record,) = results.glob("runs/*/*.json")
    changed = write_bench(tmp_path / "r", description="another text, another spec hash")
    capsys.readouterr()
    assert main(["reproduce", str(record), "--bench", str(changed)]) == 2
    assert "has changed since" in capsys.readouterr().err


def test_cross_device_tolerance_is_per_metric():
    from harness.reproduce import TOLERANCES, compare_matrices

    old = {"metrics": {"judge_accuracy": {"matrix": [[0.5]]}, "judge_fd": {"matrix": [[100.0]]}}}
    new = {"metrics": {"judge_accuracy": {"matrix": [[0.54]]}, "judge_fd": {"matrix": [[106.0]]}}}
    verdicts = {c.name: c.ok for c in compare_matrices(old, new, exact=False)}
    assert verdicts == {"judge_accuracy": True, "judge_fd": False} and TOLERANCES["judge_fd"] == (0.0, 0.05)
    assert not any(c.ok for c in compare_matrices(old, new, exact=True))


@pytest.mark.slow  # a fresh clone, a real run and a pytest inside it: about a minute on 2 shared cores
def test_fresh_clone_first_run_then_tests_both_pass(tmp_path):
    """The README's two commands on a fresh clone, in that order (smoke profile for speed)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(clone), "OMP_NUM_THREADS": "1"}
    env.pop("HARNESS_RESULTS", None)
    command = [sys.executable, "-m", "harness", "run", "--method", "er", "--bench", "split-digits", "--profile", "smoke", "--seed", "3", "--no-progress"]
    first = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=2400)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1].startswith("record: my-results/runs/split-digits/er-")
    again = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=2400)
    assert again.returncode == 0 and "is already complete" in again.stdout and "--force" in again.stdout
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_leaderboard.py", "-k", "committed"],
                           cwd=clone, env=env, capture_output=True, text=True, timeout=2400)
    assert tests.returncode == 0, tests.stdout[-2000:]
    assert subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True).stdout == ""
    assert read_record(next((clone / "my-results" / "runs").rglob("*.json")))["status"] == "complete"
