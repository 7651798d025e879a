"""`harness list [methods|benches|metrics]`: every registered entry with its track and where it comes from.

An entry is built-in or comes from an installed plugin (shown as its distribution and version;
see core/plugins.py). Describing methods and metrics imports their files (and torch, ~1-2 s);
the rows are cached by the content of every file they are read from and by the installed plugins
(core/cache.py), so later listings import none. A plugin that fails to load is named in one
warning and left out; everything else is listed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from tabulate import tabulate

from core.cache import cache_root, write_atomically
from core.console import warn
from core.errors import UsageError
from core.plugins import discover
from core.registry import Registry

SOURCES = {"methods": ("methods", "*.py"), "benches": ("benchmarks", "*.yaml"), "metrics": ("metrics", "*.py")}
GROUPS = {"methods": "harness.methods", "benches": "harness.benches", "metrics": "harness.metrics"}

KINDS = ("methods", "benches", "metrics")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("list", help="list methods, benches and metrics", description=__doc__)
    parser.add_argument("kind", nargs="?", choices=KINDS, help="what to list (all when omitted)")
    parser.set_defaults(handler=handle)


def _describe_method(name: str) -> list[str]:
    from harness.catalog import METHODS

    cls = METHODS.get(name)
    return [",".join(sorted(cls.tracks)), cls.description()]


def _describe_bench(name: str) -> list[str]:
    from harness.bench import load_bench

    spec = load_bench(name)
    first_line = spec.description.splitlines()[0] if spec.description else ""
    return [spec.track, f"v{spec.version}, {spec.num_tasks} tasks: {first_line}"]


def _describe_metric(name: str) -> list[str]:
    from metrics import METRICS

    metric = METRICS.get(name)
    return [metric.track, ("higher" if metric.higher_is_better else "lower") + " is better; " + metric.description]


def _registry(kind: str) -> tuple[Registry[Any], Callable[[str], list[str]]]:
    if kind == "methods":
        from harness.catalog import METHODS

        return METHODS, _describe_method
    if kind == "benches":
        from harness.bench import BENCHES

        return BENCHES, _describe_bench
    from metrics import METRICS

    return METRICS, _describe_metric


def rows(kind: str) -> tuple[list[list[str]], list[str]]:
    """[name, source, track, description] per entry, and why each plugin that failed to load is left out."""
    registry, describe = _registry(kind)
    out, broken = [], []
    for name in registry.names():
        origin = registry.origin(name)
        try:
            out.append([name, origin, *describe(name)])
        except UsageError as exc:
            if origin == "built-in":
                raise
            broken.append(str(exc))
    return out, broken


def _sources_digest(kind: str) -> str:
    """Hash of every file `rows(kind)` may read (their paths and bytes), of this listing's own code,
    and of the installed plugins of `kind` (names, modules, distributions and versions: a plugin
    changed in place without a new version is listed from the cache until the cache is cleared)."""
    package, pattern = SOURCES[kind]
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted([*(root / package).rglob(pattern), Path(__file__).resolve()]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for plugin in discover(GROUPS[kind]):
        digest.update(repr(plugin).encode() + b"\0")
    return digest.hexdigest()[:24]


def cached_rows(kind: str) -> list[list[str]]:
    path = cache_root() / "list" / f"{kind}-{_sources_digest(kind)}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    table, broken = rows(kind)
    if broken:  # not cached: the warning stays until the plugin is fixed or removed
        warn(f"{kind} left out of the list: " + "; ".join(broken))
    else:
        write_atomically(path, json.dumps(table).encode())
    return table


def handle(args: argparse.Namespace) -> int:
    for kind in [args.kind] if args.kind else KINDS:
        print(f"{kind}:")
        print(tabulate(cached_rows(kind), headers=["name", "source", "track", "description"], tablefmt="simple"))
        print()
    return 0
