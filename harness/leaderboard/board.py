"""The versioned leaderboard, built: run records + reported rows -> `<out>/v<N>/` tables, page and figures.

Sweep records (`results/sweeps/runs/<bench>/*.json`, as `harness sweep --results results/sweeps`
writes them; the same record format as `results/runs/`) get
their own page and tables under `v<N>/sweeps/`, never mixed into the canonical rows.

`build` writes the folder (replacing it whole, so no stale file survives); `check` builds into
a temporary folder and lists how the committed one differs. Same inputs, same bytes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from core.errors import UsageError
from harness.leaderboard.assemble import AGGREGATE_DEFINITIONS, LeaderTable, assemble
from harness.leaderboard.compare import differences
from harness.leaderboard.html import SWEEPS_INTRO, render_html
from harness.leaderboard.load import Warn, load_runs
from harness.leaderboard.plots import write_figures
from harness.leaderboard.reported import load_reported
from harness.leaderboard.tables import render_csv, render_json, render_markdown
from harness.leaderboard.version import LEADERBOARD_VERSION, MANIFEST, incompatibilities, manifest, read_manifest
from harness.record import SCHEMA_VERSION




def definitions(tables: list[LeaderTable], sweeps: list[LeaderTable] = ()) -> dict[str, Any]:
    """What the numbers mean: the inputs of the version rule (see version.py)."""
    bench_versions: dict[str, set[int]] = {}
    metrics: dict[str, set[tuple[bool, str]]] = {}
    for table in [*tables, *sweeps]:
        if table.spec_hash:
            bench_versions.setdefault(table.bench, set()).add(int(table.version or 0))
        for name, info in table.metrics.items():
            metrics.setdefault(name, set()).add((info.higher_is_better, info.description))
    return {
        "record_schema_version": SCHEMA_VERSION,
        "bench_versions": {bench: sorted(versions) for bench, versions in sorted(bench_versions.items())},
        "metrics": {name: [{"higher_is_better": h, "description": d} for h, d in sorted(defs)] for name, defs in sorted(metrics.items())},
        "aggregates": dict(sorted(AGGREGATE_DEFINITIONS.items())),
        "tables": [table.slug for table in tables],
        "forgetting_shown": {**{table.slug: table.forgetting_definition for table in tables},
                             **{f"{SWEEPS}/{table.slug}": table.forgetting_definition for table in sweeps}},
        **({"sweep_tables": [f"{SWEEPS}/{table.slug}" for table in sweeps]} if sweeps else {}),
    }


def _copy_samples(table: LeaderTable, folder: Path, warn: Warn) -> dict[str, str]:
    copied = {}
    for row in table.rows:
        grid = row.measured.runs[0].samples if row.measured else None
        if grid is None:
            continue
        if not grid.is_file():
            warn(f"sample grid {grid} named by {row.measured.runs[0].path} does not exist; the page shows no samples for {row.row_id}")
            continue
        relative = f"samples/{table.slug}/{row.row_id}{grid.suffix.lower()}"
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(grid, folder / relative)
        copied[row.row_id] = relative
    return copied


SWEEPS = "sweeps"


def _write_board(tables: list[LeaderTable], folder: Path, warn: Warn, **page: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    samples = {}
    for table in tables:
        (folder / f"{table.slug}.md").write_text(render_markdown(table))
        (folder / f"{table.slug}.csv").write_text(render_csv(table))
        (folder / f"{table.slug}.json").write_text(render_json(table))
        samples[table.slug] = _copy_samples(table, folder, warn)
    figures = write_figures(tables, folder)
    (folder / "index.html").write_text(render_html(tables, figures, samples, **page))


def generate(results_dir: Path, folder: Path, warn: Warn) -> list[LeaderTable]:
    """Write every output of one leaderboard version into `folder` (which must be empty)."""
    tables = assemble(load_runs(results_dir, warn), load_reported(results_dir, warn), warn)
    sweeps = assemble(load_runs(Path(results_dir) / SWEEPS, warn), [], warn, SWEEPS)
    _write_board(tables, folder, warn, links=((f"{SWEEPS}/index.html", "sweeps"),) if sweeps else ())
    if sweeps:
        _write_board(sweeps, folder / SWEEPS, warn, title=f"Continual generative learning leaderboard v{LEADERBOARD_VERSION}: sweeps",
                     intro=SWEEPS_INTRO, links=(("../index.html", "canonical leaderboard"),))
    (folder / MANIFEST).write_text(json.dumps(manifest(definitions(tables, sweeps)), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return tables


def _refuse_if_incompatible(target: Path, built: Path) -> None:
    old, new = read_manifest(target), read_manifest(built)
    if old is None or new is None:
        return
    reasons = incompatibilities(old, new)
    if reasons:
        raise UsageError(
            f"{target} was built under other definitions ({'; '.join(reasons)}): bump LEADERBOARD_VERSION "
            f"in harness/leaderboard/version.py (now {LEADERBOARD_VERSION}) so v{LEADERBOARD_VERSION} stays as published"
        )


def build(results_dir: Path, out_dir: Path, warn: Warn) -> Path:
    """Regenerate `out_dir/v<N>` from `results_dir`; returns that folder."""
    out_dir = Path(out_dir)
    target = out_dir / f"v{LEADERBOARD_VERSION}"
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".v{LEADERBOARD_VERSION}."))
    try:
        generate(results_dir, staging / "new", warn)
        _refuse_if_incompatible(target, staging / "new")
        if target.exists():
            target.rename(staging / "old")
        (staging / "new").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def check(results_dir: Path, out_dir: Path, warn: Warn) -> list[str]:
    """How the committed `out_dir/v<N>` differs from what the records give (empty: up to date)."""
    target = Path(out_dir) / f"v{LEADERBOARD_VERSION}"
    with tempfile.TemporaryDirectory(prefix="leaderboard-check.") as scratch:
        fresh = Path(scratch) / f"v{LEADERBOARD_VERSION}"
        generate(results_dir, fresh, warn)
        if not target.is_dir():
            return [f"{target} does not exist: run `harness leaderboard` and commit it"]
        old = read_manifest(target)
        reasons = incompatibilities(old, read_manifest(fresh)) if old else []
        if reasons:
            return [f"{target} was built under other definitions ({'; '.join(reasons)}): bump LEADERBOARD_VERSION in harness/leaderboard/version.py"]
        return differences(target, fresh)
