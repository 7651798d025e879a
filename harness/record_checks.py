"""Checks of a record against this checkout, beyond its schema: shared by `harness validate` and
`harness leaderboard`.

The schema (harness/record_schema.py) proves a record well formed and self-consistent (its
hparams hash is recomputed, its matrices are T x T and finite). Here: its bench against the
registered bench of that name (a record of a registered bench at the registered version must carry
that spec's hash), the environment a submission must state, and the seeds a leaderboard row needs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from core.errors import UsageError
from harness.record_schema import RunRecord

SUBMISSION_ENVIRONMENT = ("harness_version", "git_commit", "python", "packages", "device", "platform")


@lru_cache(maxsize=None)
def registered_bench(name: str) -> Optional[tuple[int, str]]:
    """(version, spec hash) of the bench registered under `name` in benchmarks/, None if there is none."""
    from harness.bench import BENCHES, load_bench

    if name not in BENCHES:
        return None
    try:
        spec = load_bench(name)
    except UsageError:
        return None
    return spec.version, spec.spec_hash


def bench_mismatch(record: RunRecord) -> Optional[str]:
    """Why the record's bench disagrees with the registered bench of the same name and version (None: it agrees or cannot be compared)."""
    registered = registered_bench(record.bench.name)
    if registered is None or registered[0] != record.bench.version:
        return None
    if registered[1] != record.bench.spec_hash:
        return (f"bench {record.bench.name} v{record.bench.version} has spec hash {registered[1]} in this checkout, "
                f"but the record says {record.bench.spec_hash}: it was made with another spec under the same version")
    return None


def submission_problems(record: RunRecord, archive: bool = False) -> list[str]:
    """What keeps a well-formed record from being a leaderboard submission (empty: nothing); with
    `archive`, a record of an older version of its bench is published history, not a problem."""
    problems = []
    if record.status != "complete":
        problems.append(f"status is {record.status}: only a complete record reaches the leaderboard")
    registered = registered_bench(record.bench.name)
    if registered is None:
        problems.append(f"bench {record.bench.name} is not a registered bench (benchmarks/{record.bench.name}.yaml)")
    elif registered[0] != record.bench.version and not archive:
        problems.append(f"bench {record.bench.name} is at version {registered[0]} in this checkout, the record at {record.bench.version}")
    mismatch = bench_mismatch(record)
    if mismatch:
        problems.append(mismatch)
    environment = record.environment.model_dump()
    missing = [key for key in SUBMISSION_ENVIRONMENT if not environment.get(key)]
    if missing:
        problems.append(f"environment lacks {', '.join(missing)}: a submission states where it ran (harness run writes these)")
    return problems
