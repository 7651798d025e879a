"""`harness data prepare|check BENCH`: the concept benches' manifest and missing-file list."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.errors import UsageError


def add_actions(actions: argparse._SubParsersAction) -> None:
    prepare = actions.add_parser("prepare", help="select a concept bench's concepts and write its manifest")
    prepare.add_argument("bench", help="bench name or YAML path")
    prepare.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    prepare.add_argument("--order-seed", type=int, default=None, help="shuffle the task order with this seed (default: the paper's order)")
    prepare.add_argument("--out", type=Path, default=None, help="manifest file (default: DATA_ROOT/manifests/BENCH[-orderN].json)")
    prepare.set_defaults(handler=handle_prepare)
    check = actions.add_parser("check", help="list every file a bench's data reads that is missing, one per line (exit 1 if any)")
    check.add_argument("bench", help="bench name or YAML path")
    check.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    check.set_defaults(handler=handle_check)


def _concept_bench(name: str):
    from benchmarks.concepts import CONCEPT_SOURCES
    from harness.bench import load_bench

    bench = load_bench(name)
    source = bench.data.get("source")
    if source not in CONCEPT_SOURCES:
        raise UsageError(f"bench {bench.name} reads data source {source!r}; `harness data prepare/check` handle the concept-folder "
                         f"sources ({', '.join(CONCEPT_SOURCES.names())})")
    return bench


def handle_prepare(args: argparse.Namespace) -> int:
    from benchmarks.concepts.manifest import build_manifest, default_manifest_path

    bench = _concept_bench(args.bench)
    manifest = build_manifest(bench, args.data_root, args.order_seed)
    path = manifest.write(args.out or default_manifest_path(bench, args.data_root, args.order_seed))
    print(f"{path} (manifest {manifest.hash}: {len(manifest.concepts)} concepts, order {', '.join(manifest.content['task_order'])})")
    return 0


def handle_check(args: argparse.Namespace) -> int:
    """Concept benches list their files through the manifest code; every other bench through its
    registered data source's check."""
    from benchmarks.concepts.manifest import missing_lines
    from benchmarks.data import DATA_SOURCES, check_data_source
    from harness.bench import load_bench
    from core.errors import RunFailure

    bench = load_bench(args.bench)
    if bench.data.get("source") in DATA_SOURCES:
        try:
            lines = [f"missing: {item}" for item in check_data_source(bench.data, args.data_root)]
        except RunFailure as exc:  # no data root at all
            lines = [f"missing: {exc}"]
    else:
        lines = missing_lines(_concept_bench(args.bench), args.data_root)
    for line in lines:
        print(line)
    if not lines:
        print(f"bench {bench.name}: every file it reads is present")
    return 1 if lines else 0
