"""`harness list [methods|benches|metrics]`: every registered entry with its track.

Describing methods and metrics imports their files (and torch, ~1-2 s); the rows are cached by
the content of every file they are read from (harness/cache.py), so later listings import none.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from tabulate import tabulate

from harness.cache import cache_root, write_atomically

SOURCES = {"methods": ("methods", "*.py"), "benches": ("benchmarks", "*.yaml"), "metrics": ("metrics", "*.py")}

KINDS = ("methods", "benches", "metrics")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("list", help="list methods, benches and metrics", description=__doc__)
    parser.add_argument("kind", nargs="?", choices=KINDS, help="what to list (all when omitted)")
    parser.set_defaults(handler=handle)


def rows(kind: str) -> list[list[str]]:
    if kind == "methods":
        from methods import METHODS

        return [[name, ",".join(sorted(cls.tracks)), cls.description()] for name, cls in METHODS.items()]
    if kind == "benches":
        from harness.bench import BENCHES, load_bench

        out = []
        for name in BENCHES.names():
            spec = load_bench(name)
            out.append([name, spec.track, f"v{spec.version}, {spec.num_tasks} tasks: {spec.description.splitlines()[0] if spec.description else ''}"])
        return out
    from metrics import METRICS

    return [[name, m.track, ("higher" if m.higher_is_better else "lower") + " is better; " + m.description] for name, m in METRICS.items()]


def _sources_digest(kind: str) -> str:
    """Hash of every file `rows(kind)` may read (their paths and bytes) and of this listing's own code."""
    package, pattern = SOURCES[kind]
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted([*(root / package).rglob(pattern), Path(__file__).resolve()]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def cached_rows(kind: str) -> list[list[str]]:
    path = cache_root() / "list" / f"{kind}-{_sources_digest(kind)}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    table = rows(kind)
    write_atomically(path, json.dumps(table).encode())
    return table


def handle(args: argparse.Namespace) -> int:
    for kind in [args.kind] if args.kind else KINDS:
        print(f"{kind}:")
        print(tabulate(cached_rows(kind), headers=["name", "track", "description"], tablefmt="simple"))
        print()
    return 0
