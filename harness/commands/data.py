"""`harness data fetch BENCH`: download a bench's dataset into the local data root, once.

Runs never download; this is the one explicit way to put torchvision datasets where the
loaders look for them (ROOT/<Dataset>/raw/*-ubyte).
"""

from __future__ import annotations

import argparse
import os

from harness.errors import UsageError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="fetch a bench's dataset into the local data root", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    fetch = actions.add_parser("fetch", help="download the dataset a bench reads (skips files already present)")
    fetch.add_argument("bench", help="bench name or YAML path")
    fetch.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    fetch.set_defaults(handler=handle_fetch)
    check = actions.add_parser("check", help="list what a bench's data source still lacks under the data root")
    check.add_argument("bench", help="bench name or YAML path")
    check.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    check.set_defaults(handler=handle_check)


def handle_check(args: argparse.Namespace) -> int:
    """Prints each missing path (exit 1), or that the bench's data is ready (exit 0)."""
    from benchmarks.data import check_data_source
    from harness.bench import load_bench
    from harness.errors import RunFailure

    bench = load_bench(args.bench)
    try:
        missing = check_data_source(bench.data, args.data_root)
    except RunFailure as exc:  # no data root at all
        missing = [str(exc)]
    for item in missing:
        print(f"missing: {item}")
    if not missing:
        print(f"bench {bench.name}: data ready")
    return 1 if missing else 0


def handle_fetch(args: argparse.Namespace) -> int:
    from benchmarks.data import torchvision_mnist
    from harness.bench import load_bench

    bench = load_bench(args.bench)
    source = bench.data.get("source")
    if source == "sklearn-digits":
        print(f"bench {bench.name} uses data embedded in scikit-learn: nothing to fetch")
        return 0
    if source != "torchvision-mnist":
        raise UsageError(f"bench {bench.name} reads data source {source!r}, which `harness data fetch` cannot download: put its files under the data root by hand")
    dataset = bench.data.get("dataset", "MNIST")
    torchvision_mnist.dataset_class(dataset)
    print(torchvision_mnist.fetch(dataset, args.data_root))
    return 0
