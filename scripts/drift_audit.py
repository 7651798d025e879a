"""What the committed drift_mmd numbers (unpaired estimator) mean, and why none can be recomputed
with the paired one from what the records keep; writes a markdown table.

    PYTHONPATH=. .venv/bin/python scripts/drift_audit.py [--results results/runs] [--out docs/drift-audit.md]

D[t][i] compares concept i's samples right after task i (x, kept in `<record>.drift.safetensors`
as `task<i>`) with its samples after task t (y). The paired estimator needs y for every t > i, and
the evaluator keeps only x, so no committed cell off the diagonal can be recomputed: those runs
must be rerun. What x alone gives is the old estimator's value for a model that did not change,
U(x, x) = -2/(n-1) (mean k(x_i, x_i) - mean k(x_i, x_j)) < 0: a published drift near that floor
means "no detectable change", not "least forgetting".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from metrics.mmd import mmd_squared


def audit(record_path: Path) -> dict[str, object] | None:
    """One row of the table, or None for a record without drift."""
    record = json.loads(record_path.read_text())
    drift = record.get("metrics", {}).get("drift_mmd")
    features_path = record_path.with_name(record_path.name.removesuffix(".json") + ".drift.safetensors")
    if record.get("status") != "complete" or drift is None or not features_path.is_file():
        return None
    kept = load_file(str(features_path))
    matrix = drift["matrix"]
    last = len(matrix) - 1
    old = [matrix[last][i] for i in range(last)]
    floors = [mmd_squared(kept[f"task{i}"], kept[f"task{i}"]) for i in range(last)]
    return {
        "record": f"{record_path.parent.name}/{record_path.name}",
        "bench_version": record["bench"]["version"],
        "old_f_mmd": float(np.mean(old)),
        "unchanged_floor": float(np.mean(floors)),
        "kept": ", ".join(sorted(kept)),
    }


def render(rows: list[dict[str, object]]) -> str:
    lines = [
        "# Committed drift_mmd records: what the old numbers mean (scripts/drift_audit.py)",
        "",
        "Generated; do not edit. `old F_MMD`: mean over i < T of the record's last drift row (the unpaired",
        "estimator). `unchanged floor`: the same estimator for a model that did not change (x against itself),",
        "from the kept just-learned features. `old - floor`: near 0 means no detectable change (a frozen model),",
        "however negative the old number. `kept`: the feature sets in the drift file, the just-learned ones only;",
        "the paired estimator also needs every later row's samples, so every record listed must be rerun.",
        "",
        "| record | bench version | old F_MMD | unchanged floor | old - floor | kept |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['record']} | {row['bench_version']} | {row['old_f_mmd']:.6g} | {row['unchanged_floor']:.6g} | "
                     f"{row['old_f_mmd'] - row['unchanged_floor']:.6g} | {row['kept']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results/runs"))
    parser.add_argument("--out", type=Path, default=Path("docs/drift-audit.md"))
    args = parser.parse_args()
    rows = [row for path in sorted(args.results.rglob("*.json")) if (row := audit(path)) is not None]
    args.out.write_text(render(rows))
    print(f"{len(rows)} records with drift, none recomputable from what they keep (rerun them); table in {args.out}")


if __name__ == "__main__":
    main()
