"""`harness data fetch BENCH`: download a bench's dataset into the local data root, once.

Runs never download; this is the one explicit way to put torchvision datasets where the
loaders look for them (ROOT/<Dataset>/raw/*-ubyte).
"""

from __future__ import annotations

import argparse
import os

from core.errors import UsageError
from harness.commands.data_concepts import add_actions as add_concept_actions


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="fetch a bench's dataset; prepare and check concept benches", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    fetch = actions.add_parser("fetch", help="download the dataset a bench reads (skips files already present)")
    fetch.add_argument("bench", help="bench name or YAML path")
    fetch.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    fetch.set_defaults(handler=handle_fetch)
    add_concept_actions(actions)


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
