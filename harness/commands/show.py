"""`harness show RECORD`: one run record's result (its bench's headline metrics, average and the
leaderboard's forgetting definition) and their score matrices; `--all` adds every metric and every
forgetting definition."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tabulate import tabulate

from harness.record import read_record
from harness.run_summary import full_table, headline_table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="print a run record's matrices and summary", description=__doc__)
    parser.add_argument("record", type=Path)
    parser.add_argument("--all", dest="everything", action="store_true", help="every metric's matrix and every forgetting definition")
    parser.set_defaults(handler=handle)


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:.4f}"


def render(record: dict[str, Any], everything: bool = False) -> str:
    bench, method = record["bench"], record["method"]
    hparams = ", ".join(f"{k}={v}" for k, v in sorted(method["hparams"].items())) or "defaults"
    lines = [
        f"{method['name']} ({hparams}) on {bench['name']} v{bench['version']} [{bench['spec_hash']}], "
        f"profile {bench['profile']}, seed {record['seed']}: {record['status']}, {record['tasks_done']}/{len(bench['tasks'])} tasks",
    ]
    if record.get("error"):
        lines.append(f"error: {record['error']}")
    if record.get("summary"):
        lines += ["", *headline_table(record)]
    headers = ["after task"] + [f"T{i + 1}" for i in range(len(bench["tasks"]))]
    shown = record["metrics"] if everything else [m for m in bench.get("headline") or record["metrics"] if m in record["metrics"]]
    for name in shown:
        entry = record["metrics"][name]
        arrow = "higher is better" if entry["higher_is_better"] else "lower is better"
        rows = [[f"T{t + 1}"] + [_cell(v) for v in row] for t, row in enumerate(entry["matrix"][: record["tasks_done"]])]
        lines += ["", f"{name} ({arrow})", tabulate(rows, headers=headers, tablefmt="github")]
    if everything and record.get("summary"):
        lines += ["", *full_table(record)]
    elif not everything:
        lines += ["", "every metric and forgetting definition: harness show RECORD --all"]
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    print(render(read_record(args.record), args.everything))
    return 0
