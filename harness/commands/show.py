"""`harness show RECORD`: the score matrices and the summary of one run record as tables."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tabulate import tabulate

from harness.record import read_record


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="print a run record's matrices and summary", description=__doc__)
    parser.add_argument("record", type=Path)
    parser.set_defaults(handler=handle)


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:.4f}"


def render(record: dict[str, Any]) -> str:
    bench, method = record["bench"], record["method"]
    hparams = ", ".join(f"{k}={v}" for k, v in sorted(method["hparams"].items())) or "defaults"
    lines = [
        f"{method['name']} ({hparams}) on {bench['name']} v{bench['version']} [{bench['spec_hash']}], "
        f"profile {bench['profile']}, seed {record['seed']}: {record['status']}, {record['tasks_done']}/{len(bench['tasks'])} tasks",
    ]
    if record.get("error"):
        lines.append(f"error: {record['error']}")
    headers = ["after task"] + [f"T{i + 1}" for i in range(len(bench["tasks"]))]
    for name, entry in record["metrics"].items():
        arrow = "higher is better" if entry["higher_is_better"] else "lower is better"
        rows = [[f"T{t + 1}"] + [_cell(v) for v in row] for t, row in enumerate(entry["matrix"][: record["tasks_done"]])]
        lines += ["", f"{name} ({arrow})", tabulate(rows, headers=headers, tablefmt="github")]
    if record.get("summary"):
        columns = list(next(iter(record["summary"].values())))
        rows = [[name] + [_cell(values.get(c)) for c in columns] for name, values in record["summary"].items()]
        lines += ["", "summary", tabulate(rows, headers=["metric"] + columns, tablefmt="github")]
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    print(render(read_record(args.record)))
    return 0
