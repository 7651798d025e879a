"""The leaderboard version N and the rule for bumping it.

Outputs go to `results/leaderboard/v<N>/`. Bump LEADERBOARD_VERSION (and never touch an older
`v<M>` folder) when any of these change, since numbers built under the old meaning must stay
as they were published:
  - the run record schema version (harness/record.py SCHEMA_VERSION),
  - a bench's version (a bench already on the board gains another version),
  - a metric's definition (its description or direction) or an aggregate's definition
    (metrics/continual.py FORGETTING_DEFINITIONS and the average definitions),
  - the forgetting definition a published table shows (harness/leaderboard/forgetting_choice.py).
Each `v<N>/manifest.json` records these definitions; writing to a `v<N>` whose manifest
disagrees is refused with the reason, so the bump cannot be forgotten.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LEADERBOARD_VERSION = 5
MANIFEST = "manifest.json"


def manifest(definitions: dict[str, Any]) -> dict[str, Any]:
    return {"leaderboard_version": LEADERBOARD_VERSION, **definitions}


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why `new` may not overwrite a folder built under `old` (empty: it may)."""
    reasons = []
    if old.get("record_schema_version") != new["record_schema_version"]:
        reasons.append(f"record schema {old.get('record_schema_version')} -> {new['record_schema_version']}")
    for bench, versions in sorted(new["bench_versions"].items()):
        before = old.get("bench_versions", {}).get(bench)
        if before is not None and before != versions:
            reasons.append(f"bench {bench} versions {before} -> {versions}")
    for kind in ("metrics", "aggregates"):
        for name, definition in sorted(new[kind].items()):
            before = old.get(kind, {}).get(name)
            if before is not None and before != definition:
                reasons.append(f"{kind[:-1]} {name} definition {before!r} -> {definition!r}")
    for slug, definition in sorted(new.get("forgetting_shown", {}).items()):
        before = old.get("forgetting_shown", {}).get(slug)
        if before is not None and before != definition:
            reasons.append(f"table {slug} shows forgetting {before} -> {definition}")
    return reasons


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError):
        return None
