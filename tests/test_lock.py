"""Installs that stay reproducible: the lock pins every dependency at the versions the tests run
with (torch and torchvision from PyPI, never a local CPU-only build), and `harness reproduce`
names the packages whose versions differ from it."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from harness.commands.reproduce import warn_lock_differences
from harness.lockfile import LOCK, differences, locked_versions

tomllib = pytest.importorskip("tomllib")

REPO = Path(__file__).resolve().parent.parent


def _direct_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [line for extra in project["optional-dependencies"].values() for line in extra]
    return [Requirement(line) for line in lines]


def test_the_lock_pins_every_dependency_within_pyprojects_bounds() -> None:
    lock = locked_versions()
    for requirement in _direct_requirements():
        pinned = lock.get(requirement.name.lower().replace("_", "-"))
        assert pinned is not None, f"{requirement.name} is not in {LOCK.name}: run scripts/lock"
        assert requirement.specifier.contains(pinned, prereleases=True), f"{requirement} excludes the lock's {pinned}"


def test_torch_is_pypis_build_as_installed_here() -> None:
    lock = locked_versions()
    for name in ("torch", "torchvision"):
        assert "+" not in lock[name], f"{name} {lock[name]} is a local build: lock PyPI's"
        assert importlib.metadata.version(name) == lock[name], f"this environment's {name} is not the lock's: run scripts/bootstrap"


def test_differences_name_each_package_off_the_lock() -> None:
    lock = {"torch": "2.14.1", "scikit-learn": "1.9.1"}
    packages = {"torch": "2.15.0", "scikit_learn": "1.9.1", "numpy": "2.0"}
    assert differences(packages, lock) == ["torch 2.15.0 (lock 2.14.1)"]
    assert locked_versions(REPO / "no-such-lock.txt") == {}


def test_reproduce_warns_when_a_records_versions_differ_from_the_lock(tmp_path: Path, capsys) -> None:
    record = json.loads(next((REPO / "results/runs/split-digits").glob("er-*-seed0.json")).read_text())
    lock = locked_versions()
    record["environment"]["packages"] = {"torch": "1.0.0", "numpy": lock["numpy"]}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    warn_lock_differences(path)
    lines = capsys.readouterr().err.splitlines()
    assert f"harness: warning: the record was made with versions that differ from the lock (constraints.txt): torch 1.0.0 (lock {lock['torch']})" in lines
    assert not any(line.startswith("harness: warning: this environment") and "torch" in line for line in lines)
