"""Plugins through entry points: a separately installed distribution's method runs a smoke profile
on its own bench, `harness list` names where each entry comes from, the record stores the
plugin's distribution and version, and a broken plugin is named in one warning while everything
else still loads.

Each plugin under tests/plugins/ is installed the way pip leaves it (the package on the path and
a .dist-info with its entry points, read from its pyproject.toml), into a temporary folder that
only a subprocess sees, so this process's registries stay plugin-free."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

REPO = Path(__file__).resolve().parent.parent
PLUGINS = REPO / "tests" / "plugins"


def _install(name: str, site: Path) -> None:
    """What `pip install tests/plugins/NAME` leaves behind: the package and its .dist-info."""
    project = tomllib.loads((PLUGINS / name / "pyproject.toml").read_text())["project"]
    shutil.copytree(PLUGINS / name / name, site / name)
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    groups = [f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in entries.items())
              for group, entries in project["entry-points"].items()]
    (info / "entry_points.txt").write_text("\n".join(groups))


def _harness(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{REPO}", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=site, env=env, capture_output=True, text=True, timeout=600)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("harness: warning:")]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    _install("tiny_plugin", folder)
    return folder


def test_a_plugins_method_runs_its_bench_and_the_record_names_the_plugin(site: Path, tmp_path: Path) -> None:
    done = _harness(site, "run", "--method", "tiny-finetune", "--bench", "tiny-plugin-digits", "--profile", "smoke",
                    "--no-progress", "--threads", "1", "--results", str(tmp_path / "results"))
    assert done.returncode == 0, done.stderr
    (path,) = (tmp_path / "results" / "runs").rglob("*.json")
    record = json.loads(path.read_text())
    assert record["status"] == "complete" and record["method"]["name"] == "tiny-finetune"
    assert record["environment"]["plugins"] == {"tiny-plugin": "0.1.0"} and record["environment"]["harness_version"]
    confidence = record["metrics"]["judge_confidence"]["matrix"]  # the plugin's metric, scored by the harness
    assert all(0.0 < confidence[t][i] <= 1.0 for t in range(2) for i in range(t + 1))


def test_list_shows_where_each_entry_comes_from(site: Path) -> None:
    done = _harness(site, "list")
    assert done.returncode == 0 and not _warnings(done.stderr), done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "tiny-plugin 0.1.0" in rows["tiny-finetune"] and "class-gen" in rows["tiny-finetune"]
    assert "tiny-plugin 0.1.0" in rows["tiny-plugin-digits"] and "v1, 2 tasks" in rows["tiny-plugin-digits"]
    assert "tiny-plugin 0.1.0" in rows["judge_confidence"] and "higher is better" in rows["judge_confidence"]
    assert rows["er"].split()[1] == "built-in" and rows["split-digits"].split()[1] == "built-in"


def test_a_broken_plugin_is_named_in_one_warning_and_everything_else_loads(site: Path, tmp_path: Path) -> None:
    _install("broken_plugin", site)
    done = _harness(site, "list", "methods")
    assert done.returncode == 0, done.stderr
    warnings = _warnings(done.stderr)
    assert len([w for w in warnings if "'er' of broken-plugin 0.2.0 reuses the name of the built-in method" in w]) == 1
    assert len([w for w in warnings if "'broken-method' of plugin broken-plugin 0.2.0 failed to load: ModuleNotFoundError" in w]) == 1
    assert len(warnings) == 2 and "Traceback" not in done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines()[3:] if line.strip()}
    assert {"tiny-finetune", "er", "finetune"} <= names and "broken-method" not in names
    used = _harness(site, "run", "--method", "broken-method", "--bench", "tiny-plugin-digits", "--profile", "smoke",
                    "--results", str(tmp_path / "results"))
    errors = [line for line in used.stderr.splitlines() if line.startswith("harness: error:")]
    assert used.returncode == 2 and len(errors) == 1 and "broken-plugin 0.2.0" in errors[0] and "Traceback" not in used.stderr
