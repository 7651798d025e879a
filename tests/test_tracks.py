"""The tracks: every bench track has a package and a plug-in, no code outside a track's package
branches on a track or bench name, and the leaderboard reads track display info without torch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from harness.bench import BENCHES, load_bench
from harness.leaderboard.forgetting_choice import track_default
from harness.leaderboard.t2i_layout import LAYOUTS_BY_TRACK
from harness.tracks import TRACK_PACKAGES, TRACK_REGISTRY, Track, track_layout

REPO = Path(__file__).resolve().parent.parent
TRACK_NAME = r"[\"'](?:class-gen|class-cls|t2i)[\"']"
BRANCHES = re.compile(
    rf"(?:==|!=|\bin)\s*{TRACK_NAME}|{TRACK_NAME}\s*(?:==|!=|\bin\b)"  # a comparison with a track's name
    r"|\btrack\s*[!=]=(?!\s*[\w.]*\.track\b)"  # a comparison of a track (with anything but another track)
    r"|bench\.name\s*(?:==|!=|\bin\b)|\bis_dataset_bench\b"  # a branch on a bench
    r"|getattr\((?:method|evaluation|view|self\.backbone|backbone)\b"  # a probe of a method or a metric's view
)


def test_every_registered_bench_has_its_track_package_and_plug_in():
    for name in BENCHES.names():
        track = load_bench(name).track
        assert track in TRACK_PACKAGES
        assert isinstance(TRACK_REGISTRY.get(track), Track)


def _outside_track_packages() -> list[Path]:
    packages = {REPO / "harness" / "tracks" / module.rsplit(".", 1)[1] for module in TRACK_PACKAGES.values()}
    files = [path for folder in ("harness", "methods", "metrics", "benchmarks") for path in sorted((REPO / folder).rglob("*.py"))]
    return [path for path in files if not any(package in path.parents for package in packages)]


def test_the_grep_finds_a_branch_on_a_track_name():
    assert BRANCHES.search('if bench.track == "t2i":') and BRANCHES.search("if track != 'class-cls':")
    assert not BRANCHES.search("if metric.track != bench.track:")
    assert BRANCHES.search("if t2i_datasets.is_dataset_bench(bench):") and BRANCHES.search('export = getattr(method, "export_adapter", None)')
    assert not BRANCHES.search('@register_metric("accuracy", "class-cls", True, "top-1")')


def test_no_code_outside_a_track_package_branches_on_a_track_or_bench_name():
    offenders = [f"{path.relative_to(REPO)}:{number}: {line.strip()}" for path in _outside_track_packages()
                 for number, line in enumerate(path.read_text().splitlines(), 1) if BRANCHES.search(line)]
    assert offenders == []


def test_track_layouts_are_the_leaderboards_defaults():
    assert track_default("class-cls") == "forgetting_coda" and track_default("class-gen") == "forgetting_best_minus_final"
    assert track_default("no-such-track") is None
    assert [column.title for column in LAYOUTS_BY_TRACK["t2i"]][:4] == ["N_param train %", "N_param store %", "A_MMD", "F_MMD"]
    assert set(LAYOUTS_BY_TRACK) == {name for name in TRACK_PACKAGES if track_layout(name).columns}


def test_the_leaderboard_and_track_layouts_import_no_torch():
    code = ("import sys, harness.leaderboard, harness.tracks\n"
            "[harness.tracks.track_layout(name) for name in harness.tracks.TRACK_PACKAGES]\n"
            "print(sorted(m for m in ('torch', 'diffusers', 'transformers', 'peft', 'timm') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
