"""`harness reproduce RECORD`: rerun a record's exact configuration and compare every score matrix.

Runs in a scratch folder (removed afterwards), never touching the record. Exit 0 when every
metric matches (exactly on the record's device, within each metric's tolerance elsewhere),
1 on a mismatch.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from harness.console import echo, say
from harness.folders import writable_folder


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reproduce", help="rerun a record's configuration and compare its matrices", description=__doc__)
    parser.add_argument("record", type=Path)
    parser.add_argument("--bench", help="bench YAML path, when the record's bench is not a registered one")
    parser.add_argument("--device", help="cpu, cuda, cuda:N (default: the record's kind of device)")
    parser.add_argument("--scratch", type=Path, help="folder for the scratch run (default: the system temp folder)")
    parser.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from harness.reproduce import reproduce

    scratch = writable_folder(args.scratch, "--scratch") if args.scratch else None
    comparisons, exact = reproduce(args.record, args.bench, args.device, scratch, args.data_root, echo)
    say("\n".join(c.line() for c in comparisons))
    failed = [c.name for c in comparisons if not c.ok]
    if failed:
        echo(f"harness: error: {args.record} does not reproduce: {', '.join(failed)} differ"
             + ("" if exact else " beyond their cross-device tolerance"))
        return 1
    say(f"{args.record} reproduces " + ("exactly (same device)" if exact else "within tolerance (another device or torch version)"))
    return 0
