"""`harness list [methods|benches|metrics]`: every registered entry with its track."""

from __future__ import annotations

import argparse

from tabulate import tabulate

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


def handle(args: argparse.Namespace) -> int:
    for kind in [args.kind] if args.kind else KINDS:
        print(f"{kind}:")
        print(tabulate(rows(kind), headers=["name", "track", "description"], tablefmt="simple"))
        print()
    return 0
