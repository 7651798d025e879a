"""`harness reproduce RECORD`: rerun a record's exact configuration and compare every score matrix.

Runs in a scratch folder (removed afterwards), never touching the record. Exit 0 when every
metric matches (exactly on the record's device, within each metric's tolerance elsewhere),
1 on a mismatch. First says which package versions of the record, or of this environment,
differ from the lock (constraints.txt).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.console import echo, say, warn
from harness.folders import writable_folder


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reproduce", help="rerun a record's configuration and compare its matrices", description=__doc__)
    parser.add_argument("record", type=Path)
    parser.add_argument("--bench", help="bench YAML path, when the record's bench is not a registered one")
    parser.add_argument("--device", help="cpu, cuda, cuda:N (default: the record's kind of device)")
    parser.add_argument("--scratch", type=Path, help="folder for the scratch run (default: the system temp folder)")
    parser.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    parser.set_defaults(handler=handle)


def warn_lock_differences(record_path: Path) -> None:
    """One warning per side (the record, this environment) whose package versions differ from the lock."""
    from harness.environment import package_versions
    from harness.lockfile import differences, locked_versions
    from harness.record import read_record

    lock = locked_versions()
    recorded = (read_record(record_path).get("environment") or {}).get("packages") or {}
    for who, packages in (("the record was made with", recorded), ("this environment has", package_versions())):
        changed = differences(packages, lock)
        if changed:
            warn(f"{who} versions that differ from the lock (constraints.txt): {', '.join(changed)}")


def handle(args: argparse.Namespace) -> int:
    from harness.reproduce import reproduce

    scratch = writable_folder(args.scratch, "--scratch") if args.scratch else None
    warn_lock_differences(args.record)
    comparisons, exact = reproduce(args.record, args.bench, args.device, scratch, args.data_root, echo)
    say("\n".join(c.line() for c in comparisons))
    failed = [c.name for c in comparisons if not c.ok]
    if failed:
        echo(f"harness: error: {args.record} does not reproduce: {', '.join(failed)} differ"
             + ("" if exact else " beyond their cross-device tolerance"))
        return 1
    say(f"{args.record} reproduces " + ("exactly (same device)" if exact else "within tolerance (another device or torch version)"))
    return 0
